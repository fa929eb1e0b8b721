"""verification.on_reject: relabel (default) | adjust; adjust only where Ground Truth (and the pipeline) adjust."""
from __future__ import annotations

import pytest

from workflow.config import ConfigError, adjustment_attribute, load_config


def test_relabel_fits_the_polling_that_adjust_does_not(write_config):
    assert load_config(write_config({"polling.max_interval_seconds": 4500})).verification.on_reject == "relabel"


def test_relabel_is_the_default_and_adjust_loads(write_config):
    assert load_config(write_config()).verification.on_reject == "relabel"
    cfg = load_config(write_config({"verification.on_reject": "adjust"}))
    assert cfg.verification.on_reject == "adjust"
    assert adjustment_attribute(cfg.labeling.label_attribute) == "scratch-boxes-adjusted"


def _error(write_config, changes) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(changes))
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(("changes", "expected"), [
    ({"verification.on_reject": "fix"}, "verification.on_reject: "),
    ({"verification.on_reject": "adjust", "labels.task_type": "image_classification"},
     "verification.on_reject: 'adjust' does not apply to labels.task_type 'image_classification': Ground Truth has "
     "no adjustment job for it; use 'relabel', or labels.task_type bounding_box"),
    ({"verification.on_reject": "adjust", "labels.task_type": "multilabel_image_classification"},
     "Ground Truth has no adjustment job for it"),
    ({"verification.on_reject": "adjust", "verification.label_attribute": "scratch-boxes-adjusted"},
     "verification.label_attribute: 'scratch-boxes-adjusted' is the adjustment job's attribute"),
    ({"verification.on_reject": "adjust", "polling.max_interval_seconds": 4500},  # two jobs fit, three do not
     "verification.on_reject: 'adjust' polls three 30-day Ground Truth jobs: 19254 history events with this "
     "polling, over 15000 (60% of the 25000 limit); raise polling.max_interval_seconds to at least "),
    ({"verification.on_reject": "adjust", "labeling.label_attribute": "a" * 120},
     "labeling.label_attribute: is 120 characters, too long for the adjustment job's attribute"),
])
def test_adjust_where_it_cannot_work_is_one_line(write_config, changes, expected):
    assert expected in _error(write_config, changes)
