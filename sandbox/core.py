"""The Sandbox: every AWS service the pipeline touches, offline, in this process or on a local port.

moto provides S3, IAM, Lambda's control plane, Step Functions (executing state machines), EventBridge
Scheduler, Glue and SageMaker's control plane; the sandbox adds what moto lacks (see
``sandbox.patches``, one module per service): Lambda invocations that run the uploaded zip, the Feature Store runtime
with its offline store, Athena running SQL, Ground Truth labeling jobs, planned faults, and a clock
that makes hours of waiting take seconds.
"""
from __future__ import annotations

import logging
import os
from typing import Any

from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

from sandbox import patches, registry
from sandbox.athena import AthenaEngine
from sandbox.clock import SandboxClock
from sandbox.faults import FaultPlan
from sandbox.featurestore import FeatureStoreRuntime, OfflineStore
from sandbox.featurestore.catalog import schema_from_moto
from sandbox.iam_propagation import RoleWindow
from sandbox.lambda_runtime import LambdaRuntime
from sandbox.workteams import WorkteamStore
from sandbox.wsgi import SandboxServer

# Never real credentials: the sandbox sets these while it runs and restores the previous values after.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
_ENGINE_LOGGER = "moto.stepfunctions.parser.asl.component.eval_component"
_CLEARED = ("AWS_PROFILE", "AWS_ENDPOINT_URL")


class Sandbox:
    """An offline AWS account. Use as a context manager, or start()/serve() and stop()."""

    def __init__(self, region: str = "eu-west-1", time_scale: float = 0.001, workforce: Any = None,
                 iam_evaluation: bool = True, iam_propagation_seconds: float = 0.0,
                 featurestore_records_per_second: float | None = None,
                 offline_store_delay_seconds: float = 0.0) -> None:
        self.region = region
        # Evaluate IAM for calls made as a role (sandbox.iam); off only for focused unit tests.
        self.iam_evaluation = iam_evaluation
        self.account_id = DEFAULT_ACCOUNT_ID
        self.clock = SandboxClock(time_scale)
        # Simulated seconds after a role change during which services cannot assume it (sandbox.iam_propagation).
        self.iam_propagation = RoleWindow(self.clock.now, iam_propagation_seconds)
        self.faults = FaultPlan()
        self.workforce = workforce  # sandbox.workforce.WorkforceProfile (Ground Truth's simulated workers)
        # Simulated seconds before a written record is visible to Athena (AWS: within 15 minutes;
        # sandbox.featurestore.offline_store). 0: at once, for the quickstart and tests that don't care.
        self.offline_store = OfflineStore(self.clock.now, offline_store_delay_seconds)
        # Feature Store write capacity in records per simulated second (None: unlimited): records over
        # it are throttled (sandbox.featurestore.throughput).
        self.featurestore = FeatureStoreRuntime(schema_from_moto, self.clock, self.faults, self.offline_store,
                                                featurestore_records_per_second)
        self.athena = AthenaEngine(self.offline_store, self.clock, _put_s3_object)
        self.lambda_runtime = LambdaRuntime(extra_environment=self._lambda_environment)
        self.workteams = WorkteamStore()  # SageMaker workteams (moto has none): sandbox.workteams
        self.endpoint: str | None = None
        self._server: Any = None
        self._mock: Any = None
        self._saved_environ: dict[str, str | None] = {}
        self.ground_truth: Any = None  # sandbox.ground_truth.GroundTruthService while running

    def start(self) -> Sandbox:
        """Activate moto and the sandbox's stand-ins in this process (idempotent)."""
        if self._mock is not None:
            return self
        registry.activate(self)  # RuntimeError while another Sandbox runs
        names = (*FAKE_CREDENTIALS, *_CLEARED, "AWS_DEFAULT_REGION", "AWS_REGION")
        self._saved_environ = {name: os.environ.get(name) for name in names}
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._mock.start()  # sets moto's own fake credentials; ours replace them
        for name in _CLEARED:
            os.environ.pop(name, None)
        os.environ.update(FAKE_CREDENTIALS)
        os.environ["AWS_DEFAULT_REGION"] = self.region
        os.environ["AWS_REGION"] = self.region
        # moto's engine logs every failed state at ERROR with its whole parse tree; AWS shows a failed
        # state only in the execution's history, which is where the sandbox's callers read it.
        logging.getLogger(_ENGINE_LOGGER).setLevel(logging.CRITICAL)
        try:
            patches.install()  # also sets self.ground_truth (sandbox.patches.ground_truth)
        except BaseException:
            self.stop()
            raise
        return self

    def serve(self, port: int = 0) -> str:
        """Also answer HTTP on 127.0.0.1:``port`` (0: any free port); returns the endpoint URL."""
        self.start()
        if self._server is None:
            self._server = SandboxServer(self, port)
            self.endpoint = self._server.start()
        return self.endpoint  # type: ignore[return-value]

    def stop(self) -> None:
        """Stop serving, deactivate moto (its state is discarded) and restore the environment."""
        if self._server is not None:
            self._server.stop()
            self._server = None
            self.endpoint = None
        if self._mock is not None:
            try:
                _stop_running_executions()  # no engine thread may outlive the mock and reach real AWS
                self._mock.stop()
            finally:
                self._mock = None
                patches.uninstall()
                registry.deactivate()
                for name, value in self._saved_environ.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
                self.lambda_runtime.close()

    def fire_schedule(self, name: str, group: str = "default") -> Any:
        """Do what EventBridge Scheduler does when schedule ``name`` is due: start its Step Functions
        target as the schedule's role (sandbox.iam.schedules); returns its Firing."""
        from sandbox.iam.schedules import fire_schedule

        return fire_schedule(self, name, group)

    def deliver_inventory_reports(self, bucket: str) -> list[Any]:
        """Do what S3 does once a day: deliver a report for each enabled inventory configuration of ``bucket``
        (sandbox.inventory.reports); returns the Reports."""
        from sandbox.inventory.reports import deliver_reports

        return deliver_reports(self.account_id, bucket, self.clock.now())

    def offline_store_rows(self, feature_group_name: str) -> list[dict[str, Any]]:
        """Every offline-store row written for the feature group, oldest first."""
        return self.offline_store.rows(feature_group_name)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _lambda_environment(self) -> dict[str, str]:
        """Extra variables for Lambda handlers: fake credentials (their boto3 calls are intercepted
        in-process by moto, in server mode too, since the handlers run in this process)."""
        return dict(FAKE_CREDENTIALS)


def _stop_running_executions() -> None:
    """Stop every Step Functions execution still running in moto's engine."""
    from datetime import UTC, datetime

    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    for regions in list(stepfunctions_parser_backends.values()):
        for backend in list(regions.values()):
            for machine in backend.state_machines:
                for execution in machine.executions:
                    if execution.status == "RUNNING":
                        execution.stop(stop_date=datetime.now(UTC), error="Sandbox.Stopped",
                                       cause="the sandbox was stopped while the execution ran")


def _put_s3_object(account: str, bucket: str, key: str, body: bytes) -> None:
    """Write an object straight into moto's S3 (KeyError when the bucket does not exist)."""
    from moto.s3.exceptions import MissingBucket
    from moto.s3.models import s3_backends

    backend = s3_backends[account]["aws"]
    try:
        backend.get_bucket(bucket)
    except MissingBucket as error:
        raise KeyError(bucket) from error
    backend.put_object(bucket, key, body)
