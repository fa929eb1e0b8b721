"""workflow/mermaid.py: the flowchart of the definition."""
from __future__ import annotations

from workflow.graph import render_definition
from workflow.mermaid import describe_rule, to_mermaid


def test_flowchart_has_every_state_and_edge_kind(cfg, arns):
    definition = render_definition(cfg, arns)
    text = to_mermaid(definition)
    assert text.startswith("flowchart TD\n")
    for name in definition["States"]:
        assert f'"{name}"' in text
    assert '-->|"selected = 0"|' in text
    assert '-->|"Status = Completed and TotalLabeled = 0"|' in text
    assert '-.->|"InvalidExecutionInput"|' in text
    tasks = [state for state in definition["States"].values() if state["Type"] == "Task"]
    assert len(tasks) >= 15
    assert text.count('-.->|"ALL"|') == len(tasks)  # one catch-all per task (StopLabelingJob tasks included)
    assert '[["Invalid execution input"]]' in text  # Fail states drawn as subroutines


def test_tiny_definition():
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "B"}], "Default": "C"},
            "B": {"Type": "Succeed"},
            "C": {"Type": "Fail", "Error": "E"},
        },
    }
    assert to_mermaid(definition) == (
        "flowchart TD\n"
        "    start((start))\n"
        '    s0_A{"A"}\n'
        '    s1_B(["B"])\n'
        '    s2_C[["C"]]\n'
        "    start --> s0_A\n"
        '    s0_A -->|"n > 1"| s1_B\n'
        '    s0_A -->|"otherwise"| s2_C\n'
    )


def test_describe_rule_nesting():
    rule = {"Not": {"Or": [{"Variable": "$.a", "StringEquals": "x"}, {"Variable": "$.b.c", "IsPresent": True}]}}
    assert describe_rule(rule) == "not (a = x or c IsPresent True)"
