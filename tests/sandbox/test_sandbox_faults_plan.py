"""Planned faults: consumed in order, counted, and rendered in each service's own error format."""
from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from sandbox import FaultPlan, InjectedFault, Sandbox

NO_RETRY = Config(retries={"max_attempts": 0, "mode": "standard"})


def test_check_raises_planned_faults_in_order_then_passes():
    plan = FaultPlan()
    plan.add("s3", "PutObject", times=2)
    plan.add("s3", "PutObject", error_code="InternalError", status=500, message="We encountered an internal error")
    raised = []
    for _ in range(4):
        try:
            plan.check("s3", "PutObject")
            raised.append(None)
        except InjectedFault as fault:
            raised.append((fault.error_code, fault.code))
    assert raised == [("ThrottlingException", 400), ("ThrottlingException", 400), ("InternalError", 500), None]
    assert plan.calls[("s3", "PutObject")] == 4


def test_service_ids_map_to_client_names_and_clear_forgets_everything():
    plan = FaultPlan()
    plan.add("stepfunctions", "StartExecution")
    with pytest.raises(InjectedFault):
        plan.check("sfn", "StartExecution")  # botocore's event name for Step Functions
    plan.add("s3", "GetObject")
    plan.crash_lambda("f")
    plan.clear()
    plan.check("s3", "GetObject")
    assert plan.take_lambda_fault("f") is None
    assert plan.calls == {("s3", "GetObject"): 1}


@pytest.mark.parametrize("kwargs, message", [
    ({"times": 0}, "times must be >= 1"),
    ({"status": 200}, "status must be an HTTP error status"),
])
def test_add_rejects_bad_plans(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FaultPlan().add("s3", "PutObject", **kwargs)


def test_add_rejects_an_operation_that_is_not_an_api_name():
    with pytest.raises(ValueError, match="operation must be an API name"):
        FaultPlan().add("s3", "put_object")


def test_lambda_faults_are_consumed_per_invocation():
    plan = FaultPlan()
    plan.crash_lambda("fn", times=2, message="boom")
    plan.timeout_lambda("fn")
    kinds = [getattr(plan.take_lambda_fault("fn"), "kind", None) for _ in range(4)]
    assert kinds == ["crash", "crash", "timeout", None]
    with pytest.raises(ValueError, match="function name, not an ARN"):
        plan.crash_lambda("arn:aws:lambda:eu-west-1:123456789012:function:fn")


@pytest.fixture()
def sb():
    with Sandbox(region="eu-west-1") as running:
        yield running


def test_s3_put_object_throttled_twice_then_ok(sb):
    s3 = boto3.client("s3", config=NO_RETRY)
    s3.create_bucket(Bucket="fault-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    sb.faults.add("s3", "PutObject", error_code="SlowDown", status=503, message="Please reduce your request rate.", times=2)
    for _ in range(2):
        with pytest.raises(ClientError) as caught:
            s3.put_object(Bucket="fault-bucket", Key="k", Body=b"x")
        assert caught.value.response["Error"]["Code"] == "SlowDown"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    s3.put_object(Bucket="fault-bucket", Key="k", Body=b"x")
    assert sb.faults.calls[("s3", "PutObject")] == 3


def test_botocore_retries_absorb_a_throttle(sb):
    """Default clients retry throttling and 5xx: the fault is consumed, the call succeeds."""
    sb.faults.add("athena", "ListWorkGroups", error_code="InternalServerException", status=500, times=1)
    athena = boto3.client("athena")
    assert athena.list_work_groups()["WorkGroups"]
    assert sb.faults.calls[("athena", "ListWorkGroups")] == 2


@pytest.mark.parametrize("service, call, code, status", [
    ("sagemaker", lambda: boto3.client("sagemaker", config=NO_RETRY).list_models(), "ThrottlingException", 400),
    ("iam", lambda: boto3.client("iam", config=NO_RETRY).list_roles(), "Throttling", 400),
    ("lambda", lambda: boto3.client("lambda", config=NO_RETRY).list_functions(), "ServiceException", 500),
    ("glue", lambda: boto3.client("glue", config=NO_RETRY).get_databases(), "InternalServiceException", 500),
])
def test_faults_render_in_every_protocol(sb, service, call, code, status):
    operation = {"sagemaker": "ListModels", "iam": "ListRoles", "lambda": "ListFunctions", "glue": "GetDatabases"}[service]
    sb.faults.add(service, operation, error_code=code, status=status, message="planned")
    with pytest.raises(ClientError) as caught:
        call()
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["Error"]["Message"] == "planned"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    call()  # consumed: the next call reaches moto
