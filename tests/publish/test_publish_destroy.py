"""python deploy.py --destroy: the plan (a pure function of the config) and the teardown on the sandbox."""
from __future__ import annotations

import io
import json
from pathlib import Path

import boto3
import pytest
from helpers_wait import wait_until

import deploy
from publish import bucket_cors
from publish.aws import AwsClients
from publish.deployer import Deployer
from publish.destroy import LABELS_KEPT, DestroyRefused, Target, confirm, destroy, destroy_plan
from sandbox import Sandbox
from sandbox.sample_images import generate_sample_images
from sandbox.workforce import WorkforceProfile
from workflow import resources
from workflow.config import replace

ROOT = Path(__file__).resolve().parents[2]
ARN = "arn:aws:iam::123456789012:role/"
WEEK = 7 * 24 * 3600


def _clients(cfg, endpoint=None) -> AwsClients:
    return AwsClients(session=boto3.Session(), region=cfg.pipeline.region, endpoint_url=endpoint)


def _outcome(lines: list[str]) -> dict[tuple[str, str], str]:
    """{(kind, name): action} from the printed lines ``<action>  <kind>: <name> (detail)``."""
    found = {}
    for line in lines:
        action, _, rest = line.strip().partition("  ")
        kind, _, name = rest.strip().partition(": ")
        found[(kind, name.split(" (")[0])] = action
    return found


def _destroy(cfg, capsys, *flags: str, endpoint: str | None = None) -> tuple[int, dict, str]:
    argv = ["--config", str(ROOT / "config.yaml"), "--destroy", *flags]
    if endpoint:
        argv += ["--endpoint-url", endpoint]
    code = deploy.main(argv)
    captured = capsys.readouterr()
    return code, _outcome(captured.out.splitlines()), captured.err


# -- the plan ------------------------------------------------------------------------------------------
def test_the_plan_removes_in_reverse_dependency_order_and_keeps_the_labels_bucket_and_images(cfg):
    plan = destroy_plan(cfg)
    kinds = [t.kind for t in plan]
    order = ["codebuild project", "schedule", "state machine", "feature group", "lambda function", "iam role",
             "s3 prefix", "s3 bucket"]
    assert [kinds.index(k) for k in order] == sorted(kinds.index(k) for k in order)
    rule = plan.index(Target("eventbridge rule", resources.execution_rule_name(cfg)))
    assert rule < kinds.index("state machine") < kinds.index("lambda function")  # its target is a function
    kept = {(t.kind, t.name): t.keep for t in plan if t.keep}
    assert kept[("feature group", "scratch-labels")] == LABELS_KEPT
    assert ("glue table", "sagemaker_featurestore.scratch_labels") in kept
    assert ("s3 prefix", "s3://my-factory-images/labeling/runs/") in kept
    assert kept[("s3 bucket", "my-factory-images")] == "never deleted"
    assert kept[("raw images", "s3://my-factory-images/raw/")] == "never deleted"
    deleted = {(t.kind, t.name) for t in plan if not t.keep}
    assert {("s3 prefix", "s3://my-factory-images/labeling/assets/"), ("s3 prefix", "s3://my-factory-images/labeling/athena/"),
            ("s3 prefix", "s3://my-factory-images/labeling/active/")} <= deleted
    assert {name for kind, name in deleted if kind == "iam role"} == {
        *resources.role_names(cfg).values(), resources.codebuild_role_name(cfg), resources.codebuild_trigger_role_name(cfg)}
    assert destroy_plan(cfg) == plan  # pure


def test_delete_labels_adds_the_feature_group_its_offline_store_and_the_runs(cfg):
    plan = {(t.kind, t.name): t.keep for t in destroy_plan(cfg, delete_labels=True)}
    for key in (("feature group", "scratch-labels"), ("glue table", "sagemaker_featurestore.scratch_labels"),
                ("offline store files", "s3://my-factory-images/feature-store/"),
                ("s3 prefix", "s3://my-factory-images/labeling/runs/")):
        assert plan[key] == "", key
    assert plan[("s3 bucket", "my-factory-images")] and plan[("raw images", "s3://my-factory-images/raw/")]


def test_roles_given_in_iam_are_kept_by_the_plan(cfg):
    given = replace(cfg, iam=replace(cfg.iam, lambda_role_arn=ARN + "mine", ground_truth_role_arn=ARN + "gt"))
    kept = {t.name: t.keep for t in destroy_plan(given) if t.kind == "iam role" and t.keep}
    names = resources.role_names(cfg)
    assert set(kept) == {names[k] for k in ("check_lambda", "update_lambda", "filter_lambda", "stop_lambda", "ground_truth")}
    assert all("never touched" in why for why in kept.values())


def test_the_ci_builds_artifacts_go_only_from_the_default_location(cfg):
    default = {(t.kind, t.name): t.keep for t in destroy_plan(cfg)}
    assert default[("s3 prefix", "s3://my-factory-images/labeling/builds/")] == ""
    elsewhere = replace(cfg, ci=replace(cfg.ci, artifact_location="s3://acme-builds/labeling/"))
    kept = {(t.kind, t.name): t.keep for t in destroy_plan(elsewhere)}
    assert kept[("s3 prefix", "s3://acme-builds/labeling/")] == "ci.artifact_location is yours: left alone"
    assert ("s3 prefix", "s3://my-factory-images/labeling/builds/") not in kept


def test_every_resource_the_deployer_creates_is_in_the_plan(cfg, sandbox):
    report = Deployer(cfg, _clients(cfg)).run().report
    plan = {(t.kind, t.name) for t in destroy_plan(cfg, delete_labels=True)}
    assets = f"s3://{cfg.storage.bucket}/{cfg.storage.work_prefix}assets/"
    for change in report.changes:
        if change.kind == "s3 object":
            assert change.name.startswith(assets) and ("s3 prefix", assets) in plan
        elif change.kind == "s3 bucket cors":
            assert ("s3 bucket cors rule", f"{cfg.storage.bucket}: {bucket_cors.RULE_ID}") in plan
        else:
            assert (change.kind, change.name) in plan, change.line()


# -- the teardown on the served sandbox ----------------------------------------------------------------
@pytest.fixture()
def served(sandbox: Sandbox) -> str:
    return sandbox.serve()


def test_destroy_after_deploy_deletes_everything_it_created_then_reports_everything_absent(cfg, sandbox, served, capsys):
    clients = _clients(cfg, served)
    report = Deployer(cfg, clients).run().report
    s3 = clients.client("s3")
    images = generate_sample_images(s3, cfg.storage.bucket, cfg.storage.raw_prefix, 3, seed=1)
    s3.put_object(Bucket=cfg.storage.bucket, Key="labeling/athena/q.csv", Body=b"uri\n")
    s3.put_object(Bucket=cfg.storage.bucket, Key="labeling/runs/r1/input.manifest", Body=b"{}\n")

    code, first, err = _destroy(cfg, capsys, "--yes", endpoint=served)
    assert code == 0, err
    created = {(c.kind, c.name) for c in report.changes if c.kind not in ("s3 object", "s3 bucket", "s3 bucket cors")}
    for resource in created - {("feature group", "scratch-labels")}:
        assert first[resource] == "deleted", resource
    assert first[("s3 prefix", "s3://my-factory-images/labeling/assets/")] == "deleted"
    assert first[("s3 prefix", "s3://my-factory-images/labeling/athena/")] == "deleted"
    assert first[("s3 bucket cors rule", f"my-factory-images: {bucket_cors.RULE_ID}")] == "deleted"
    for kept in (("feature group", "scratch-labels"), ("s3 bucket", "my-factory-images"),
                 ("raw images", "s3://my-factory-images/raw/"), ("s3 prefix", "s3://my-factory-images/labeling/runs/")):
        assert first[kept] == "kept", kept
    # What stays is really there; what went is really gone.
    assert clients.client("sagemaker").describe_feature_group(FeatureGroupName="scratch-labels")["FeatureGroupStatus"]
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket="my-factory-images", Prefix="raw/")["Contents"]) == sorted(images)
    assert s3.list_objects_v2(Bucket="my-factory-images", Prefix="labeling/runs/")["KeyCount"] == 1
    assert s3.list_objects_v2(Bucket="my-factory-images", Prefix="labeling/assets/")["KeyCount"] == 0
    assert clients.client("stepfunctions").list_state_machines()["stateMachines"] == []
    assert clients.client("lambda").list_functions()["Functions"] == []
    assert [r["RoleName"] for r in clients.client("iam").list_roles()["Roles"] if r["RoleName"].startswith("scratch-")] == []

    code, second, err = _destroy(cfg, capsys, "--yes", endpoint=served)
    assert code == 0, err
    assert set(second.values()) == {"absent", "kept"}
    assert {key for key, action in second.items() if action == "kept"} == {key for key, action in first.items() if action == "kept"}


def test_delete_labels_removes_the_feature_group_its_glue_table_and_the_runs(cfg, sandbox, served, capsys):
    clients = _clients(cfg, served)
    Deployer(cfg, clients).run()
    s3 = clients.client("s3")
    s3.put_object(Bucket=cfg.storage.bucket, Key="labeling/runs/r1/input.manifest", Body=b"{}\n")
    code, outcome, err = _destroy(cfg, capsys, "--yes", "--delete-labels", endpoint=served)
    assert code == 0, err
    assert outcome[("feature group", "scratch-labels")] == "deleted"
    assert outcome[("glue table", "sagemaker_featurestore.scratch_labels")] == "deleted"
    assert outcome[("s3 prefix", "s3://my-factory-images/labeling/runs/")] == "deleted"
    assert clients.client("sagemaker").list_feature_groups()["FeatureGroupSummaries"] == []
    with pytest.raises(clients.client("glue").exceptions.EntityNotFoundException):
        clients.client("glue").get_table(DatabaseName="sagemaker_featurestore", Name="scratch_labels")
    assert s3.list_objects_v2(Bucket="my-factory-images", Prefix="labeling/runs/")["KeyCount"] == 0


def test_roles_given_in_iam_and_roles_not_created_by_the_deployer_are_never_touched(cfg, sandbox, capsys):
    iam = boto3.client("iam")
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    mine = iam.create_role(RoleName="my-lambda-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.create_role(RoleName="scratch-labeling-states", AssumeRolePolicyDocument=trust, Description="someone else's")
    given = replace(cfg, iam=replace(cfg.iam, lambda_role_arn=mine))
    changes = destroy(given, _clients(given), delete_labels=False, yes=True, force=False, emit=lambda c: None)
    outcome = {(c.kind, c.name): c for c in changes}
    assert outcome[("iam role", "scratch-labeling-check-lambda")].action == "kept"
    assert "never touched" in outcome[("iam role", "scratch-labeling-check-lambda")].detail
    assert outcome[("iam role", "scratch-labeling-states")].action == "kept"
    assert {r["RoleName"] for r in iam.list_roles()["Roles"]} == {"my-lambda-role", "scratch-labeling-states"}


def test_the_owners_cors_rules_and_raw_images_under_a_work_prefix_stay(cfg, sandbox):
    overlapping = replace(cfg, storage=replace(cfg.storage, raw_prefix="labeling/"))  # images inside the work prefix
    clients = _clients(overlapping)
    s3 = clients.client("s3")
    s3.create_bucket(Bucket="my-factory-images", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    owner_rule = {"ID": "owner", "AllowedMethods": ["PUT"], "AllowedOrigins": ["https://example.com"]}
    s3.put_bucket_cors(Bucket="my-factory-images", CORSConfiguration={"CORSRules": [owner_rule, bucket_cors.GROUND_TRUTH_RULE]})
    s3.put_object(Bucket="my-factory-images", Key="labeling/athena/photo.PNG", Body=b"an image")
    s3.put_object(Bucket="my-factory-images", Key="labeling/athena/q.csv", Body=b"uri\n")
    changes = destroy(overlapping, clients, delete_labels=False, yes=True, force=False, emit=lambda c: None)
    outcome = {(c.kind, c.name): c for c in changes}
    athena = outcome[("s3 prefix", "s3://my-factory-images/labeling/athena/")]
    assert (athena.action, athena.detail) == ("deleted", "1 object(s), 1 raw image(s) kept")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="my-factory-images")["Contents"]] == ["labeling/athena/photo.PNG"]
    assert [r["ID"] for r in s3.get_bucket_cors(Bucket="my-factory-images")["CORSRules"]] == ["owner"]


def test_a_refused_delete_is_one_line_naming_the_resource_and_what_is_left_and_a_rerun_finishes(cfg, sandbox, capsys):
    Deployer(cfg, _clients(cfg)).run()
    sandbox.faults.add("stepfunctions", "DeleteStateMachine", error_code="AccessDeniedException", status=400,
                       message="User is not authorized to perform: states:DeleteStateMachine")
    code, outcome, err = _destroy(cfg, capsys, "--yes")
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("error: destroy failed at state machine scratch-labeling: AWS refused DeleteStateMachine: "
                          "AccessDeniedException")
    assert "Not done: state machine scratch-labeling, log group /aws/vendedlogs/states/scratch-labeling, " in err
    assert outcome[("schedule", "scratch-labeling-schedule")] == "deleted"  # what came before went
    code, outcome, err = _destroy(cfg, capsys, "--yes")
    assert code == 0, err
    assert outcome[("schedule", "scratch-labeling-schedule")] == "absent"
    assert outcome[("state machine", "scratch-labeling")] == "deleted"


# -- confirmation and bad input ------------------------------------------------------------------------
class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_without_a_terminal_it_refuses_in_one_line_saying_to_pass_yes(cfg, sandbox, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))  # not a tty
    code, outcome, err = _destroy(cfg, capsys)
    assert code == 1 and outcome == {}
    assert err.count("\n") == 1 and err.startswith("error: ") and "pass --yes" in err


def test_it_asks_and_deletes_nothing_unless_the_answer_is_yes(cfg, sandbox, capsys):
    Deployer(cfg, _clients(cfg)).run()
    lines: list[str] = []
    with pytest.raises(DestroyRefused, match="not confirmed"):
        destroy(cfg, _clients(cfg), delete_labels=False, yes=False, force=False, emit=lambda c: None,
                say=lines.append, stdin=_Terminal("n\n"))
    assert "   keep  feature group: scratch-labels (holds paid labels; --delete-labels deletes it)" in lines
    assert " delete  state machine: scratch-labeling" in lines
    assert boto3.client("stepfunctions").list_state_machines()["stateMachines"]
    capsys.readouterr()
    changes = destroy(cfg, _clients(cfg), delete_labels=False, yes=False, force=False, emit=lambda c: None,
                      say=lambda line: None, stdin=_Terminal("yes\n"))
    assert ("state machine", "deleted") in {(c.kind, c.action) for c in changes}


def test_confirm_reads_one_answer():
    confirm("? ", _Terminal("Y\n"))
    with pytest.raises(DestroyRefused):
        confirm("? ", _Terminal("\n"))


@pytest.mark.parametrize("flag", ["--yes", "--force", "--delete-labels"])
def test_teardown_flags_without_destroy_are_usage_errors(flag, capsys):
    assert deploy.main(["--config", str(ROOT / "config.yaml"), flag]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{flag} only go with --destroy" in err


def test_destroy_is_exclusive_with_the_other_modes(capsys):
    assert deploy.main(["--config", str(ROOT / "config.yaml"), "--destroy", "--dry-run"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err


# -- running executions --------------------------------------------------------------------------------
@pytest.fixture()
def slow_sandbox():
    # Workers take a simulated week (2 real minutes): the job is still running when the teardown comes, however
    # slow the machine (a deadline of the waits below is 60 s).
    workforce = WorkforceProfile(seed=3, approval_rate=1.0, initializing_seconds=60, labeling_seconds=WEEK,
                                 verification_seconds=300)
    with Sandbox(region="eu-west-1", time_scale=0.0002, workforce=workforce) as box:
        yield box


def test_running_executions_refuse_the_teardown_unless_force_which_stops_them_and_their_jobs(slow_sandbox, capsys):
    from workflow.config import load_config
    from workflow.resources import in_account

    cfg = in_account(load_config(ROOT / "config.yaml"), slow_sandbox.account_id)[0]
    clients = _clients(cfg)
    result = Deployer(cfg, clients).run()
    generate_sample_images(clients.client("s3"), cfg.storage.bucket, cfg.storage.raw_prefix, 3, seed=2)
    sfn, sagemaker = clients.client("stepfunctions"), clients.client("sagemaker")
    started = sfn.start_execution(stateMachineArn=result.state_machine_arn, name="busy-run", input="{}")

    def running_job():
        jobs = sagemaker.list_labeling_jobs()["LabelingJobSummaryList"]
        return next((j["LabelingJobName"] for j in jobs if j["LabelingJobStatus"] == "InProgress"), None)

    job = wait_until(running_job, "a labeling job InProgress")
    with pytest.raises(DestroyRefused, match=r"1 execution\(s\) of scratch-labeling are running \(busy-run\).*--force"):
        destroy(cfg, clients, delete_labels=False, yes=True, force=False, emit=lambda c: None)
    assert sfn.describe_execution(executionArn=started["executionArn"])["status"] == "RUNNING"

    statuses: list[str] = []  # the execution's status when its stop is reported (the state machine goes later)

    def seen(change):
        if change.kind == "execution":
            statuses.append(sfn.describe_execution(executionArn=started["executionArn"])["status"])

    changes = destroy(cfg, clients, delete_labels=False, yes=True, force=True, emit=seen)
    assert (changes[0].kind, changes[0].name, changes[0].action) == ("execution", "busy-run", "stopped")
    assert job in changes[0].detail and statuses == ["ABORTED"]
    assert ("state machine", "deleted") in {(c.kind, c.action) for c in changes}
    assert sagemaker.describe_labeling_job(LabelingJobName=job)["LabelingJobStatus"] in ("Stopping", "Stopped")
