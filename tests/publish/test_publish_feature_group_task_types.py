"""The feature group follows labels.task_type; a group made for another task type is a clear error."""
from __future__ import annotations

import pytest
from task_type_configs import TASK_TYPES, load_for

from publish.feature_group import FeatureGroupConflict, conflicts, ensure_feature_group, feature_group_request
from steps import task_types

ROLE = "arn:aws:iam::123456789012:role/fs"


@pytest.fixture(scope="module")
def configs(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("configs")
    return {task_type: load_for(folder, task_type) for task_type in TASK_TYPES}


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_the_request_has_the_task_types_features(configs, task_type):
    request = feature_group_request(configs[task_type], ROLE)
    assert [(d["FeatureName"], d["FeatureType"]) for d in request["FeatureDefinitions"]] == list(
        task_types.feature_definitions(task_type))
    assert task_type.replace("_", " ") in request["Description"].lower()
    assert conflicts(request, request) == []


class _Existing:
    """describe_feature_group of a group created for another task type."""

    def __init__(self, request: dict) -> None:
        self.request = {**request, "FeatureGroupStatus": "Created"}

    def describe_feature_group(self, FeatureGroupName: str) -> dict:
        return self.request


@pytest.mark.parametrize(("have", "want"), [("bounding_box", "semantic_segmentation"),
                                            ("image_classification", "multilabel_image_classification"),
                                            ("semantic_segmentation", "image_classification")])
def test_an_existing_group_of_another_task_type_is_refused_in_one_line(configs, have, want):
    existing = feature_group_request(configs[have], ROLE)
    request = feature_group_request(configs[want], ROLE)
    assert conflicts(existing, request) == [f"it holds {have} labels and labels.task_type is {want}"]
    with pytest.raises(FeatureGroupConflict) as caught:
        ensure_feature_group(_Existing(existing), request)
    message = str(caught.value)
    assert f"it holds {have} labels and labels.task_type is {want}" in message and "\n" not in message
