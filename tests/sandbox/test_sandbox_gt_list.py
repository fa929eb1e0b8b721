"""ListLabelingJobs: filters, sorting and NextToken paging."""
from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError
from gt_helpers import use_workforce


def _names(response):
    return [summary["LabelingJobName"] for summary in response["LabelingJobSummaryList"]]


@pytest.fixture
def three_jobs(gt_env):
    use_workforce(gt_env, initializing_seconds=0, labeling_seconds=1000)
    for name in ("bravo-job", "alpha-job", "charlie-run"):
        gt_env.sm.create_labeling_job(**gt_env.labeling_request(name=name))
        gt_env.sandbox.clock.advance(600)
    # now +1800 s: bravo-job ended at +1000, alpha-job at +1600; charlie-run runs until +2200
    return gt_env


def test_default_sort_is_creation_time_ascending(three_jobs):
    response = three_jobs.sm.list_labeling_jobs()
    assert _names(response) == ["bravo-job", "alpha-job", "charlie-run"]
    summary = response["LabelingJobSummaryList"][0]
    for key in ("LabelingJobArn", "CreationTime", "LastModifiedTime", "LabelingJobStatus", "LabelCounters",
                "WorkteamArn", "PreHumanTaskLambdaArn", "AnnotationConsolidationLambdaArn", "InputConfig"):
        assert key in summary, key
    assert summary["LabelingJobOutput"]["OutputDatasetS3Uri"].endswith("bravo-job/manifests/output/output.manifest")


def test_sorting(three_jobs):
    by_name = three_jobs.sm.list_labeling_jobs(SortBy="Name", SortOrder="Descending")
    assert _names(by_name) == ["charlie-run", "bravo-job", "alpha-job"]
    by_status = three_jobs.sm.list_labeling_jobs(SortBy="Status")
    assert [s["LabelingJobStatus"] for s in by_status["LabelingJobSummaryList"]] == ["Completed", "Completed", "InProgress"]


def test_filters(three_jobs):
    sm = three_jobs.sm
    assert _names(sm.list_labeling_jobs(NameContains="JOB")) == ["bravo-job", "alpha-job"]
    assert _names(sm.list_labeling_jobs(StatusEquals="InProgress")) == ["charlie-run"]
    jobs = sm.list_labeling_jobs()["LabelingJobSummaryList"]
    middle = jobs[1]["CreationTime"]
    assert _names(sm.list_labeling_jobs(CreationTimeAfter=middle + timedelta(seconds=1))) == ["charlie-run"]
    assert _names(sm.list_labeling_jobs(CreationTimeBefore=middle - timedelta(seconds=1))) == ["bravo-job"]
    latest = max(job["LastModifiedTime"] for job in jobs)
    assert _names(sm.list_labeling_jobs(LastModifiedTimeBefore=latest)) != []


def test_paging_with_next_token(three_jobs):
    sm = three_jobs.sm
    first = sm.list_labeling_jobs(MaxResults=2)
    assert _names(first) == ["bravo-job", "alpha-job"]
    second = sm.list_labeling_jobs(MaxResults=2, NextToken=first["NextToken"])
    assert _names(second) == ["charlie-run"]
    assert "NextToken" not in second
    with pytest.raises(ClientError) as caught:
        sm.list_labeling_jobs(NextToken="not-a-token")
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_listing_writes_outputs_of_completed_jobs(three_jobs):
    three_jobs.sm.list_labeling_jobs()
    listed = three_jobs.s3.list_objects_v2(Bucket="gt-test-bucket", Prefix="work/labeling/bravo-job/")
    assert listed["KeyCount"] == 1


def test_jobs_are_kept_per_region(three_jobs):
    import boto3

    other = boto3.client("sagemaker", region_name="us-east-1")
    assert other.list_labeling_jobs()["LabelingJobSummaryList"] == []
