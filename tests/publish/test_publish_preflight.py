"""deploy.py --preflight: each check passes on a fresh deploy, and exactly the broken one fails.

Against the in-process sandbox (publish.preflight.run_preflight) and a served one
(``deploy.py --preflight --endpoint-url``), after publishing with the Deployer or run_local.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

import deploy
from operate.local import run_local
from publish import preflight
from publish.aws import AwsClients
from publish.deployer import Deployer
from publish.iam_roles import INLINE_POLICY_NAME
from sandbox import Sandbox
from sandbox.sample_images import generate_sample_images
from sandbox.workteams import ensure_private_workteam
from workflow import resources
from workflow.config import load_config
from workflow.resources import in_account

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config.yaml"


@pytest.fixture()
def deployed(sandbox):
    """The pipeline published to the in-process sandbox, with its workteam and two images."""
    cfg, _ = in_account(load_config(CONFIG), sandbox.account_id)
    clients = AwsClients(session=boto3.Session(), region=cfg.pipeline.region)
    ensure_private_workteam(clients.client("sagemaker"), cfg.workforce.workteam_arn)
    Deployer(cfg, clients).run()
    generate_sample_images(clients.client("s3"), cfg.storage.bucket, cfg.storage.raw_prefix, 2)
    return cfg, clients


def _failed(checks) -> dict[str, str]:
    return {check.name: check.line() for check in checks if not check.ok}


def _role_name(cfg, kind: str) -> str:
    return resources.role_names(cfg)[kind]


# --- every check on a fresh deploy ---------------------------------------------------------------
def test_every_check_passes_after_a_deploy(deployed):
    cfg, clients = deployed
    checks = preflight.run_preflight(cfg, clients)
    assert _failed(checks) == {}
    names = [check.name for check in checks]
    assert f"role ground_truth ({_role_name(cfg, 'ground_truth')})" in names
    assert f"role state_machine ({_role_name(cfg, 'state_machine')})" in names
    assert {"template labeling", "template verification", "workteam", "bucket CORS", "bucket encryption",
            "ground truth"} <= set(names)
    assert all(check.line().startswith("ok    ") for check in checks)


# --- each break fails exactly its check ----------------------------------------------------------
def test_deleting_the_cors_rule_fails_only_the_cors_check(deployed):
    cfg, clients = deployed
    clients.client("s3").delete_bucket_cors(Bucket=cfg.storage.bucket)
    failed = _failed(preflight.run_preflight(cfg, clients))
    assert list(failed) == ["bucket CORS"]
    line = failed["bucket CORS"]
    assert line.startswith("FAIL  bucket CORS: ") and "\n" not in line
    assert "GET" in line and "re-run python deploy.py" in line


def test_removing_a_permission_fails_only_that_roles_check(deployed):
    cfg, clients = deployed
    iam, role = clients.client("iam"), _role_name(cfg, "ground_truth")
    policy = iam.get_role_policy(RoleName=role, PolicyName=INLINE_POLICY_NAME)["PolicyDocument"]
    policy = json.loads(policy) if isinstance(policy, str) else policy
    for statement in policy["Statement"]:
        if statement["Sid"] == "WriteJobOutputs":
            statement["Action"] = [action for action in statement["Action"] if action != "s3:PutObject"]
    iam.put_role_policy(RoleName=role, PolicyName=INLINE_POLICY_NAME, PolicyDocument=json.dumps(policy))

    failed = _failed(preflight.run_preflight(cfg, clients))
    name = f"role ground_truth ({role})"
    assert list(failed) == [name]
    line = failed[name]
    assert "denied s3:PutObject on arn:aws:s3:::my-factory-images/labeling/runs/" in line
    assert line.endswith("re-run python deploy.py to restore the role's policy") and "\n" not in line


def test_a_configured_role_is_fixed_in_the_account_not_by_deploy(deployed):
    cfg, clients = deployed
    from workflow.config import replace

    iam, role = clients.client("iam"), _role_name(cfg, "scheduler")
    role_arn = iam.get_role(RoleName=role)["Role"]["Arn"]
    iam.delete_role_policy(RoleName=role, PolicyName=INLINE_POLICY_NAME)
    configured = replace(cfg, iam=replace(cfg.iam, scheduler_role_arn=role_arn))

    failed = _failed(preflight.run_preflight(configured, clients))
    line = failed[f"role scheduler ({role})"]
    assert "denied states:StartExecution on arn:aws:states:eu-west-1:" in line
    assert "iam.scheduler_role_arn names this role" in line


def test_renaming_the_crowd_element_fails_only_the_labeling_template_check(deployed):
    cfg, clients = deployed
    s3, key = clients.client("s3"), resources.asset_key(cfg, "labeling.liquid.html")
    template = s3.get_object(Bucket=cfg.storage.bucket, Key=key)["Body"].read().decode()
    assert 'name="boundingBox"' in template
    s3.put_object(Bucket=cfg.storage.bucket, Key=key, Body=template.replace('name="boundingBox"', 'name="annotatedResult"'))

    failed = _failed(preflight.run_preflight(cfg, clients))
    assert list(failed) == ["template labeling"]
    line = failed["template labeling"]
    assert "named 'annotatedResult', not 'boundingBox'" in line and "re-run python deploy.py" in line


def test_a_template_that_does_not_render_says_why(deployed):
    cfg, clients = deployed
    s3, key = clients.client("s3"), resources.asset_key(cfg, "verification.liquid.html")
    s3.put_object(Bucket=cfg.storage.bucket, Key=key, Body=b"<crowd-form>{% for x in %}</crowd-form>")
    failed = _failed(preflight.run_preflight(cfg, clients))
    assert list(failed) == ["template verification"]
    assert "does not render (" in failed["template verification"]


def test_no_image_under_the_raw_prefix_is_said_plainly(deployed):
    cfg, clients = deployed
    s3 = clients.client("s3")
    for item in s3.list_objects_v2(Bucket=cfg.storage.bucket, Prefix=cfg.storage.raw_prefix)["Contents"]:
        s3.delete_object(Bucket=cfg.storage.bucket, Key=item["Key"])
    failed = _failed(preflight.run_preflight(cfg, clients))
    assert set(failed) == {"template labeling", "template verification"}
    assert "no image under s3://my-factory-images/raw/" in failed["template labeling"]


def test_a_missing_workteam_fails_the_workteam_check(deployed):
    cfg, clients = deployed
    from workflow.config import replace

    other = cfg.workforce.workteam_arn.replace("scratch-inspectors", "night-shift")
    moved = replace(cfg, workforce=replace(cfg.workforce, workteam_arn=other))
    check = preflight.workteam_check(moved, clients.client("sagemaker"), cfg.pipeline.region)
    assert not check.ok and "night-shift not found in eu-west-1" in check.line()


def test_the_public_crowd_needs_no_workteam_check():
    from workflow.config import replace

    cfg = load_config(CONFIG)
    public = replace(cfg, workforce=replace(cfg.workforce, type="public"))
    check = preflight.workteam_check(public, sagemaker=None, region="eu-west-1")
    assert check.ok and "needs no check" in check.line()


def test_a_bucket_without_default_encryption_fails_that_check(deployed):
    cfg, clients = deployed
    clients.client("s3").delete_bucket_encryption(Bucket=cfg.storage.bucket)
    check = preflight.encryption_check(clients.client("s3"), cfg.storage.bucket)
    assert not check.ok and "no default encryption" in check.line()


def test_ground_truth_refusing_the_account_is_said_plainly(deployed, sandbox):
    cfg, clients = deployed
    sandbox.faults.add("sagemaker", "ListLabelingJobs", error_code="AccessDeniedException", status=400,
                       message="User is not authorized to perform: sagemaker:ListLabelingJobs")
    failed = _failed(preflight.run_preflight(cfg, clients))
    assert list(failed) == ["ground truth"]
    assert "closed to new customers" in failed["ground truth"] and "AccessDeniedException" in failed["ground truth"]


# --- served sandbox, through deploy.py -----------------------------------------------------------
def test_deploy_py_preflight_against_a_served_local_run(capsys):
    """deploy.py --local --serve's state (run_local on a served sandbox), then deploy.py --preflight
    --endpoint-url with the unmoved config.yaml: every check ok; one removed permission: exit 1."""
    cfg = load_config(CONFIG)
    with Sandbox(region=cfg.pipeline.region, time_scale=0.0001) as sandbox:
        endpoint = sandbox.serve()
        run = run_local(cfg, sandbox, images=2, emit=lambda line: None)
        assert run.outcome.status == "SUCCEEDED"
        capsys.readouterr()

        assert deploy.main(["--config", str(CONFIG), "--preflight", "--endpoint-url", endpoint]) == 0
        out = capsys.readouterr().out.splitlines()
        assert out and all(line.startswith("ok    ") for line in out), out
        assert any(line.startswith("ok    workteam: arn:aws:sagemaker:eu-west-1:123456789012:") for line in out)

        boto3.client("s3", endpoint_url=endpoint).delete_bucket_cors(Bucket=cfg.storage.bucket)
        assert deploy.main(["--config", str(CONFIG), "--preflight", "--endpoint-url", endpoint]) == 1
        failed = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("ok    ")]
        assert len(failed) == 1 and failed[0].startswith("FAIL  bucket CORS: ")


def test_an_unreachable_endpoint_is_one_line():
    result = subprocess.run(
        [sys.executable, "deploy.py", "--preflight", "--endpoint-url", "http://127.0.0.1:9"],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach"), result.stderr


# --- pure parts ----------------------------------------------------------------------------------
def test_requirements_fill_patterns_and_condition_keys_with_examples():
    policy = {"Statement": [
        {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::b"],
         "Condition": {"StringLike": {"s3:prefix": ["raw/*", "work/*"]}}},
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/work/*/input.manifest"]},
        {"Effect": "Allow", "Action": ["iam:PassRole"], "Resource": ["arn:aws:iam::1:role/gt"],
         "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}},
        {"Effect": "Allow", "Action": ["xray:PutTraceSegments"], "Resource": ["*"]},
        {"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": ["arn:aws:logs:r:1:log-group:g:*"]},
    ]}
    found = preflight.requirements_of(policy, ["arn:aws:s3:::b/raw/a.jpg", "arn:aws:s3:::b/work/run-1/input.manifest"])
    assert [r.describe() for r in found] == [
        "s3:ListBucket on arn:aws:s3:::b with s3:prefix=raw/",
        "s3:ListBucket on arn:aws:s3:::b with s3:prefix=work/",
        "s3:GetObject on arn:aws:s3:::b/work/run-1/input.manifest",
        "iam:PassRole on arn:aws:iam::1:role/gt with iam:PassedToService=sagemaker.amazonaws.com",
        "xray:PutTraceSegments",
        "logs:PutLogEvents on arn:aws:logs:r:1:log-group:g:example",
    ]
    assert found[0].context == (("s3:prefix", "string", "raw/"),)


def test_example_resources_name_the_runs_jobs_and_an_image():
    cfg = load_config(CONFIG)
    arns = resources.ResourceArns.for_account(cfg, "123456789012")
    examples = preflight.example_resources(cfg, arns, "raw/part-1.jpg")
    assert "arn:aws:s3:::my-factory-images/raw/part-1.jpg" in examples
    assert any(e.startswith("arn:aws:sagemaker:eu-west-1:123456789012:labeling-job/scratch-") for e in examples)
    assert any(e.endswith("/input.manifest") for e in examples)


@pytest.mark.parametrize("html, problem", [
    ('<crowd-form><crowd-bounding-box name="boundingBox" src="https://x/a.jpg"></crowd-bounding-box></crowd-form>', None),
    ('<crowd-form><crowd-bounding-box name="annotatedResult" src="https://x/a.jpg"></crowd-bounding-box></crowd-form>',
     "its crowd-bounding-box is named 'annotatedResult', not 'boundingBox'"),
    ('<crowd-form><crowd-classifier name="x"></crowd-classifier></crowd-form>', "has no crowd-bounding-box element"),
    ('<crowd-bounding-box name="boundingBox" src=""></crowd-bounding-box>', "its crowd-bounding-box has no src"),
])
def test_judging_a_rendered_labeling_template(html, problem):
    found = preflight.judge_rendered("labeling", html)
    assert (found is None) if problem is None else found.startswith(problem)


def test_judging_a_rendered_verification_overlay_in_json_or_object_literal():
    box = {"class_id": 0, "left": 41, "top": 37, "width": 123, "height": 29}
    literal = ("<crowd-image-classifier name=\"v\" categories=\"['a']\" overlay='{ \"boundingBox\": { labels: [\"s\"], "
               "value: [ { height: 29, label: \"s\", left: 41, top: 37, width: 123 }, ] } }'></crowd-image-classifier>")
    as_json = ('<crowd-image-classifier overlay="{&quot;boundingBox&quot;: {&quot;value&quot;: [{&quot;left&quot;: 41, '
               '&quot;top&quot;: 37, &quot;width&quot;: 123, &quot;height&quot;: 29}]}}"></crowd-image-classifier>')
    empty = '<crowd-image-classifier overlay=\'{ "boundingBox": { labels: ["s"], value: [] } }\'></crowd-image-classifier>'
    assert preflight.judge_rendered("verification", literal, box) is None
    assert preflight.judge_rendered("verification", as_json, box) is None
    assert "does not show the sample line's box" in preflight.judge_rendered("verification", empty, box)
    assert "has no crowd-image-classifier" in preflight.judge_rendered("verification", "<crowd-form></crowd-form>", box)


def test_check_lines():
    assert preflight.Check("bucket CORS", detail="fine").line() == "ok    bucket CORS: fine"
    assert preflight.Check("workteam", "gone; create it").line() == "FAIL  workteam: gone; create it"


def test_only_a_local_endpoint_moves_the_config_into_the_sandbox_account():
    cfg = load_config(CONFIG)

    class Clients:
        def __init__(self, endpoint_url):
            self.endpoint_url = endpoint_url

        def account_id(self):
            return "123456789012"

    notes: list[str] = []
    moved = preflight.local_sandbox_view(cfg, Clients("http://127.0.0.1:5000"), notes.append)
    assert moved.workforce.workteam_arn == "arn:aws:sagemaker:eu-west-1:123456789012:workteam/private-crowd/scratch-inspectors"
    assert len(notes) == 1 and "111122223333" in notes[0]
    assert preflight.local_sandbox_view(cfg, Clients("https://vpce-1.sagemaker.eu-west-1.vpce.amazonaws.com"), notes.append) is cfg
    assert preflight.local_sandbox_view(cfg, Clients(None), notes.append) is cfg
