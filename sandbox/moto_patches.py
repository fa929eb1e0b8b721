"""EVERY change the sandbox makes to moto (5.2.5) lives here, each with the reason for it.

``install(sandbox)`` applies them (once) and points them at the running sandbox; ``uninstall()``
restores moto's originals. Ground Truth's labeling-job actions are added by
``sandbox.ground_truth.install`` (their own module, called from ``Sandbox.start``).
"""
from __future__ import annotations

import base64
import json
import threading
import time as _time
from datetime import timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import botocore.session
from botocore.awsrequest import AWSResponse

from sandbox.faults import InjectedFault, client_name
from sandbox.featurestore import http as featurestore_http
from sandbox.featurestore.catalog import DEFAULT_DATABASE, schema_of
from sandbox.iam import guard as iam_guard
from sandbox.iam.identity import acting_as
from sandbox.lambda_runtime import FunctionSpec
from sandbox import workteams
from sandbox import iam_propagation
from sandbox.iam import patches as iam_patches

if TYPE_CHECKING:
    from sandbox.core import Sandbox

_lock = threading.Lock()
_active: "Sandbox | None" = None
_originals: list[tuple[Any, str, Any]] = []
_protocols: dict[str, str] = {}
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def active() -> "Sandbox":
    """The sandbox the patches serve; RuntimeError when none is running."""
    if _active is None:
        raise RuntimeError("no Sandbox is running: use `with Sandbox(...) as sb:` before calling AWS")
    return _active


def install(sandbox: "Sandbox") -> None:
    """Apply every patch and route them to ``sandbox``."""
    global _active
    with _lock:
        if _active is not None and _active is not sandbox:
            raise RuntimeError("another Sandbox is already running in this process; stop it first")
        _active = sandbox
        if not _originals:
            _apply_all()


def uninstall() -> None:
    """Restore moto's original code."""
    global _active
    with _lock:
        for owner, name, original in reversed(_originals):
            if original is _ABSENT:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
        _originals.clear()
        _active = None


def protocol_of(service: str) -> str:
    """The botocore protocol of a service (boto3 client name), for rendering injected faults."""
    if service not in _protocols:
        try:
            _protocols[service] = botocore.session.get_session().get_service_model(service).protocol
        except Exception:  # an unknown name: JSON is what most services speak
            _protocols[service] = "json"
    return _protocols[service]


_ABSENT = object()  # marks an attribute the patch added (uninstall deletes it)


def _patch(owner: Any, name: str, replacement: Any) -> None:
    _originals.append((owner, name, getattr(owner, "__dict__", {}).get(name, getattr(owner, name, _ABSENT))))
    setattr(owner, name, replacement)


def _apply_all() -> None:
    _patch_request_entry()
    _patch_s3_bucket_policy_conditions()
    _patch_step_functions_time()
    _patch_execution_names()
    _patch_lambda_invoke()
    _patch_feature_groups()
    _patch_athena()
    _patch_sagemaker_task_error_names()
    workteams.install(_patch)  # SageMaker workteams (moto has none): sandbox/workteams.py
    iam_propagation.install(_patch, active)  # roles not assumable right after a change: sandbox/iam_propagation.py
    iam_patches.install(_patch)  # IAM SimulatePrincipalPolicy, identities in Lambda threads: sandbox/iam/patches.py
    from sandbox.iam import stepfunctions as iam_stepfunctions

    iam_stepfunctions.install(_patch)  # Task states run as the state machine's role: sandbox/iam/stepfunctions.py


# --- 1. Every in-process request: planned faults, and the Feature Store runtime -----------------
def _patch_request_entry() -> None:
    """moto routes in-process requests through BotocoreStubber (botocore's before-send hook).

    Why: (a) faults must be injectable on every API; the hook's event name names the service and
    operation exactly ("before-send.s3.PutObject"), for boto3 and for moto's Step Functions engine
    alike. (b) moto has no routing for the Feature Store runtime host
    (featurestore-runtime.sagemaker.<region>.amazonaws.com): it would answer 404. (c) moto never
    evaluates IAM for these requests; a request made under an identity is (sandbox.iam.guard).
    """
    from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse

    original = BotocoreStubber.__call__

    def __call__(self: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> AWSResponse | None:
        host = urlsplit(request.url).hostname or ""
        if not self.enabled or _active is None or host in _LOOPBACK:
            return original(self, event_name, request, **kwargs)  # loopback: the served sandbox answers
        parts = event_name.split(".")
        service = client_name(parts[1]) if len(parts) > 2 else ""
        operation = parts[2] if len(parts) > 2 else ""
        try:
            _active.faults.check(service, operation)
        except InjectedFault as fault:
            status, headers, body = fault.render(protocol_of(service))
            return AWSResponse(request.url, status, headers, MockRawResponse(body))
        denied = iam_guard.denial(service, operation, protocol_of(service), _active.account_id, _active.region, request)
        if denied is not None:  # (c) IAM: requests made as a role (sandbox.iam.identity) are evaluated
            return AWSResponse(request.url, denied[0], denied[1], MockRawResponse(denied[2]))
        match = featurestore_http.HOST_PATTERN.match(host)
        if match:
            status, headers, body = featurestore_http.handle(
                _active.featurestore, account=_active.account_id, region=match.group(1),
                method=request.method, url=request.url, body=request.body)
            return AWSResponse(request.url, status, headers, MockRawResponse(body))
        return original(self, event_name, request, **kwargs)

    _patch(BotocoreStubber, "__call__", __call__)


# --- 1b. S3 bucket policies see the request's transport ----------------------------------------------
def _patch_s3_bucket_policy_conditions() -> None:
    """Why: moto ignores condition operators it does not know (Bool among them), so the usual TLS-only
    statement (Deny s3:* when aws:SecureTransport is "false") denies every request with a bare 403.
    Requests reach the sandbox as AWS's HTTPS endpoints (in-process, or the local server standing
    in for them), so aws:SecureTransport is "true": such statements are resolved before moto
    evaluates the rest of the policy."""
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        document = json.loads(self.policy.decode())
        statements = document.get("Statement", [])
        statements = [statements] if isinstance(statements, dict) else statements
        document["Statement"] = [s for s in map(_with_secure_transport, statements) if s is not None]
        if not document["Statement"]:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps(document)).is_action_permitted(action, resource)

    _patch(FakeBucket, "get_permission", get_permission)


def _with_secure_transport(statement: dict[str, Any]) -> dict[str, Any] | None:
    """The statement with its aws:SecureTransport condition decided (None: it never applies)."""
    conditions = statement.get("Condition") or {}
    flags = {k.lower(): v for k, v in (conditions.get("Bool") or {}).items()}
    if "aws:securetransport" not in flags:
        return statement
    wanted = flags["aws:securetransport"]
    wanted = wanted if isinstance(wanted, list) else [wanted]
    if "true" not in [str(v).lower() for v in wanted]:
        return None
    remaining_bool = {k: v for k, v in conditions["Bool"].items() if k.lower() != "aws:securetransport"}
    remaining = {**conditions, "Bool": remaining_bool} if remaining_bool else {
        k: v for k, v in conditions.items() if k != "Bool"}
    return {**statement, "Condition": remaining} if remaining else {
        k: v for k, v in statement.items() if k != "Condition"}


# --- 2. Step Functions engine time: Wait states and Retry intervals use the sandbox clock --------
class _ScaledTime:
    """Stands in for the `time` module inside moto's retrier: sleep() in simulated seconds."""

    def sleep(self, seconds: float) -> None:
        active().clock.sleep(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(_time, name)


def _patch_step_functions_time() -> None:
    """Why: moto's engine waits real seconds; a 1-hour polling Wait must take 3.6 s at scale 0.001.

    WaitFunction._wait_interval (Seconds / SecondsPath / Timestamp waits), Timestamp waits' distance
    from "now" (moto compares with the naive local time; the sandbox's simulated UTC is right) and the
    Retry back-off sleep (a module-level time.sleep in retrier_decl).
    """
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import timestamp as wait_timestamp
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

    def _wait_interval(self: WaitFunction, env: Any, wait_seconds: int) -> None:
        deadline = _time.monotonic() + max(0, wait_seconds) * active().clock.time_scale
        while env.is_running():
            remaining = deadline - _time.monotonic()
            if remaining <= 0:
                return
            if env.program_state_event.wait(remaining) and env.is_running():
                _time.sleep(min(remaining, 0.01))  # an unrelated wake-up: keep waiting

    def _get_wait_seconds(self: Any, env: Any) -> int:
        self.string.eval(env=env)
        timestamp_str: str = env.stack.pop()
        moment = self._from_timestamp_string(timestamp=timestamp_str)
        if moment is None:  # moto's own States.Runtime failure
            raise wait_timestamp.FailureEventException(self._create_failure_event(env, timestamp_str))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return int((moment - active().clock.now()).total_seconds())

    _patch(WaitFunction, "_wait_interval", _wait_interval)
    _patch(wait_timestamp.Timestamp, "_get_wait_seconds", _get_wait_seconds)
    _patch(retrier_decl, "time", _ScaledTime())


def _patch_execution_names() -> None:
    """Why: moto's engine keeps a missing execution name as None: the ARN ends in ":None",
    $$.Execution.Name is null, and a second unnamed execution with the same input is taken for a
    retry of the first (name idempotency) and never runs. AWS names it with a UUID."""
    import uuid

    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend.start_execution

    def start_execution(self: Any, state_machine_arn: str, name: Any = None, *args: Any, **kwargs: Any) -> Any:
        return original(self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)

    _patch(StepFunctionsParserBackend, "start_execution", start_execution)


# --- 3. Lambda Invoke runs the uploaded zip --------------------------------------------------------
def _patch_lambda_invoke() -> None:
    """Why: moto's invoke needs Docker (or returns canned answers); the sandbox runs the real zip
    in-process (sandbox.lambda_runtime) and applies planned crash/timeout faults. The handler runs
    as the function's execution role: its AWS calls (and its threads') are evaluated against that
    role (sandbox.iam.identity, sandbox.iam.guard), as on AWS where the role's credentials are in
    the function's environment ("Defining Lambda function permissions with an execution role")."""
    from moto.awslambda.models import LambdaFunction

    def invoke(self: LambdaFunction, body: str, request_headers: Any, response_headers: Any) -> bytes:
        sandbox = active()
        try:
            event = json.loads(body) if body else {}
        except ValueError:
            event = body
        spec = FunctionSpec(
            function_name=self.function_name,
            function_arn=self.function_arn,
            handler=self.handler or "",
            code_sha256=self.code_sha_256,
            code_bytes=self.code_bytes,
            environment=dict(self.environment_vars or {}),
            timeout_seconds=int(self.timeout or 3),
            memory_mb=int(self.memory_size or 128),
            region=self.region,
            version=str(self.version),
        )
        if request_headers.get("x-amz-invocation-type") == "DryRun":
            return b""  # AWS validates the request and runs nothing
        # The handler's AWS calls are made as the execution role, session = function name (sandbox.iam).
        from sandbox.iam.lambda_role import assume_function_role

        assume_function_role(sandbox.account_id, self.role)  # lambda.amazonaws.com's trust: sandbox/iam/lambda_role.py
        with acting_as(self.role, self.function_name, threads=True):
            result = sandbox.lambda_runtime.invoke(spec, event, sandbox.faults.take_lambda_fault(self.function_name))
        if result.function_error:
            response_headers["x-amz-function-error"] = result.function_error
        if request_headers.get("x-amz-invocation-type", "RequestResponse") == "RequestResponse":
            response_headers["x-amz-log-result"] = base64.b64encode(result.log_tail.encode()).decode()
        return result.payload

    _patch(LambdaFunction, "invoke", invoke)


# --- 4. SageMaker feature groups: what moto's control plane lacks ---------------------------------
def _patch_feature_groups() -> None:
    """Why: moto's CreateFeatureGroup drops OnlineStoreConfig, ignores a given DataCatalogConfig,
    creates no Glue table and crashes without OfflineStoreConfig; its DescribeFeatureGroup raises
    KeyError (HTTP 500) for an unknown group; it has no DeleteFeatureGroup. AWS creates the Glue
    table ``sagemaker_featurestore.<name>_<epoch>`` with the group; Athena and the offline store
    use it."""
    from moto.sagemaker.exceptions import ResourceNotFound, ValidationError
    from moto.sagemaker.responses import SageMakerResponse

    original_create = SageMakerResponse.create_feature_group

    def _group(response: Any, name: str) -> Any:
        groups = response.sagemaker_backend.feature_groups
        found = groups.get(name) if name.startswith("arn:") else next(
            (g for g in groups.values() if g.feature_group_name == name), None)
        if found is None:
            raise ResourceNotFound(f"Resource Not Found: FeatureGroup {name} does not exist")
        return found

    def create_feature_group(self: Any) -> Any:
        offline = self._get_param("OfflineStoreConfig")
        if not offline or "S3StorageConfig" not in offline:
            raise ValidationError("The sandbox needs OfflineStoreConfig.S3StorageConfig (the offline store is "
                                  "what Athena queries)")
        wanted_catalog = dict(offline.get("DataCatalogConfig") or {})
        from sandbox.iam.feature_store import assume_group_role

        assume_group_role(self.current_account, self._get_param("RoleArn"))  # sagemaker.amazonaws.com's trust
        result = original_create(self)
        group = _group(self, self._get_param("FeatureGroupName"))
        catalog = group.offline_store_config["DataCatalogConfig"]
        catalog["TableName"] = wanted_catalog.get("TableName", catalog["TableName"]).lower()
        catalog["Database"] = wanted_catalog.get("Database", DEFAULT_DATABASE)
        catalog["Catalog"] = wanted_catalog.get("Catalog", "AwsDataCatalog")
        group.online_store_config = self._get_param("OnlineStoreConfig")
        group.description = self._get_param("Description")
        schema = schema_of(group)
        if not offline.get("DisableGlueTableCreation"):
            _create_glue_table(self.current_account, self.region, schema)
        active().featurestore.offline.ensure_table(schema)
        return result

    def describe_feature_group(self: Any) -> Any:
        group = _group(self, self._get_param("FeatureGroupName"))
        described = group.describe()
        described["OfflineStoreStatus"] = active().offline_store.status(group.feature_group_name)  # sandbox.iam.feature_store
        if getattr(group, "online_store_config", None):
            described["OnlineStoreConfig"] = group.online_store_config
        if getattr(group, "description", None):
            described["Description"] = group.description
        from moto.core.responses import ActionResult

        return ActionResult(described)

    def delete_feature_group(self: Any) -> Any:
        from moto.core.responses import EmptyResult

        group = _group(self, self._get_param("FeatureGroupName"))
        del self.sagemaker_backend.feature_groups[group.arn]
        if _active is not None:
            _active.offline_store.forget(group.feature_group_name)
        return EmptyResult()

    _patch(SageMakerResponse, "create_feature_group", create_feature_group)
    _patch(SageMakerResponse, "describe_feature_group", describe_feature_group)
    _patch(SageMakerResponse, "delete_feature_group", delete_feature_group)

    def list_feature_groups(self: Any) -> Any:
        from moto.core.responses import ActionResult

        groups = list(self.sagemaker_backend.feature_groups.values())
        return ActionResult(list_feature_group_summaries(groups, self._get_params()))

    _patch(SageMakerResponse, "list_feature_groups", list_feature_groups)


_FEATURE_GROUP_SORT_KEYS = {"Name": "FeatureGroupName", "FeatureGroupStatus": "FeatureGroupStatus",
                            "OfflineStoreStatus": "OfflineStoreStatus", "CreationTime": "CreationTime"}


def list_feature_group_summaries(groups: list[Any], params: dict[str, Any]) -> dict[str, Any]:
    """ListFeatureGroups on moto's groups: the filters, sort and pagination of its API reference
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListFeatureGroups.html).

    Why: moto 5.2.5 has no ListFeatureGroups; served, `aws sagemaker list-feature-groups` got an
    HTTP 500 page. Undocumented by AWS, so chosen here: the defaults (newest first, 10 per page,
    as SageMaker's other List* actions) and the NextToken format (an opaque offset).
    """
    from moto.sagemaker.exceptions import ValidationError

    summaries = []
    for group in groups:
        created = group.creation_time if group.creation_time.tzinfo else group.creation_time.replace(tzinfo=timezone.utc)
        summaries.append({"FeatureGroupName": group.feature_group_name, "FeatureGroupArn": group.arn,
                          "CreationTime": created, "FeatureGroupStatus": "Created",
                          "OfflineStoreStatus": {"Status": "Active"}})
    contains = params.get("NameContains")
    after, before = params.get("CreationTimeAfter"), params.get("CreationTimeBefore")
    kept = [s for s in summaries
            if (not contains or contains in s["FeatureGroupName"])
            and params.get("FeatureGroupStatusEquals") in (None, s["FeatureGroupStatus"])
            and params.get("OfflineStoreStatusEquals") in (None, s["OfflineStoreStatus"]["Status"])
            and (after is None or s["CreationTime"].timestamp() > float(after))
            and (before is None or s["CreationTime"].timestamp() < float(before))]
    sort_by = params.get("SortBy") or "CreationTime"
    if sort_by not in _FEATURE_GROUP_SORT_KEYS:
        raise ValidationError(f"Value '{sort_by}' at 'sortBy' failed to satisfy constraint: Member must satisfy "
                              f"enum value set: [{', '.join(_FEATURE_GROUP_SORT_KEYS)}]")
    key = _FEATURE_GROUP_SORT_KEYS[sort_by]
    kept.sort(key=lambda s: (s[key]["Status"] if key == "OfflineStoreStatus" else s[key], s["FeatureGroupName"]),
              reverse=(params.get("SortOrder") or "Descending") == "Descending")
    size = int(params.get("MaxResults") or 10)
    if not 1 <= size <= 100:
        raise ValidationError(f"Value '{size}' at 'maxResults' failed to satisfy constraint: Member must have "
                              "value between 1 and 100")
    token = params.get("NextToken")
    try:
        start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
    except ValueError:
        raise ValidationError("Invalid pagination token: pass NextToken exactly as a previous response gave it")
    page = kept[start:start + size]
    result: dict[str, Any] = {"FeatureGroupSummaries": page}
    if start + size < len(kept):
        result["NextToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
    return result


_GLUE_TYPES = {"String": "string", "Integral": "bigint", "Fractional": "double"}


def _create_glue_table(account: str, region: str, schema: Any) -> None:
    from moto.glue.models import glue_backends

    glue = glue_backends[account][region]
    if schema.database not in glue.databases:
        glue.create_database(schema.database, {"Name": schema.database})
    columns = [{"Name": name, "Type": _GLUE_TYPES[kind]} for name, kind in schema.feature_types.items()]
    columns += [{"Name": "write_time", "Type": "timestamp"}, {"Name": "api_invocation_time", "Type": "timestamp"},
                {"Name": "is_deleted", "Type": "boolean"}]
    table_input = {
        "Name": schema.table,
        "TableType": "EXTERNAL_TABLE",
        "StorageDescriptor": {"Columns": columns,
                              "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"},
        "Parameters": {"classification": "parquet"},
    }
    if schema.table not in glue.databases[schema.database].tables:
        glue.create_table(schema.database, schema.table, table_input)


# --- 5. Athena runs the SQL ------------------------------------------------------------------------
def _patch_athena() -> None:
    """Why: moto's Athena returns canned results and never fails a query; the sandbox runs the SQL
    on the offline store and writes the result CSV to S3 (sandbox.athena.AthenaEngine), with the
    caller's permissions when the caller is a role (sandbox.iam.athena)."""
    from moto.athena.responses import AthenaResponse

    from sandbox.athena import AthenaRequestError
    from sandbox.iam import athena as iam_athena

    def _invalid(message: str) -> tuple[str, dict[str, int]]:
        return json.dumps({"__type": "InvalidRequestException", "Message": message,
                           "AthenaErrorCode": "INVALID_INPUT"}), {"status": 400}

    def start_query_execution(self: AthenaResponse) -> Any:
        workgroup_name = self._get_param("WorkGroup") or "primary"
        workgroup = self.athena_backend.get_work_group(workgroup_name)
        if not workgroup:
            return _invalid(f"WorkGroup {workgroup_name} is not found.")
        configured = workgroup["Configuration"].get("ResultConfiguration", {}).get("OutputLocation")
        requested = (self._get_param("ResultConfiguration") or {}).get("OutputLocation")
        enforce = workgroup["Configuration"].get("EnforceWorkGroupConfiguration", True)
        output = configured if (enforce and configured) else (requested or configured)
        context = self._get_param("QueryExecutionContext") or {}
        try:
            query_id = active().athena.start_query_execution(
                self.current_account, self._get_param("QueryString") or "", database=context.get("Database"),
                workgroup=workgroup_name, output_location=output,
                authorize=iam_athena.authorizer(self.current_account, self.region))  # run as its caller
        except AthenaRequestError as error:
            return _invalid(str(error))
        return json.dumps({"QueryExecutionId": query_id})

    def get_query_execution(self: AthenaResponse) -> Any:
        try:
            return json.dumps({"QueryExecution": active().athena.get_query_execution(self._get_param("QueryExecutionId"))})
        except AthenaRequestError as error:
            return _invalid(str(error))

    def get_query_results(self: AthenaResponse) -> Any:
        try:
            result = active().athena.get_query_results(
                self._get_param("QueryExecutionId"), self._get_param("NextToken"), self._get_param("MaxResults"))
        except AthenaRequestError as error:
            return _invalid(str(error))
        return json.dumps(result)

    def list_query_executions(self: AthenaResponse) -> Any:
        workgroup = self._get_param("WorkGroup") or "primary"
        return json.dumps({"QueryExecutionIds": active().athena.list_query_executions(workgroup)})

    def stop_query_execution(self: AthenaResponse) -> Any:
        try:
            active().athena.stop_query_execution(self._get_param("QueryExecutionId"))
        except AthenaRequestError as error:
            return _invalid(str(error))
        return json.dumps({})

    _patch(AthenaResponse, "list_query_executions", list_query_executions)
    _patch(AthenaResponse, "stop_query_execution", stop_query_execution)
    _patch(AthenaResponse, "start_query_execution", start_query_execution)
    _patch(AthenaResponse, "get_query_execution", get_query_execution)
    _patch(AthenaResponse, "get_query_results", get_query_results)


# --- SageMaker errors as Step Functions names them -------------------------------------------------
_MODELED_SAGEMAKER_ERRORS = {"ResourceInUse", "ResourceLimitExceeded", "ResourceNotFound", "ConflictException"}


def sagemaker_task_error_name(code: str, optimized: bool) -> str:
    """The Step Functions error name for a SageMaker error ``code`` in a task state.

    AWS names errors after the SDK's exception classes: a modelled error keeps its name with an
    "Exception" suffix ("SageMaker.ResourceInUseException"); anything else (throttling, 5xx,
    validation) is the service's catch-all: "SageMaker.AmazonSageMakerException" in the optimized
    integration (sagemaker:createLabelingJob), "SageMaker.SageMakerException" in aws-sdk tasks.
    """
    if code in _MODELED_SAGEMAKER_ERRORS:
        return f"SageMaker.{code if code.endswith('Exception') else code + 'Exception'}"
    return "SageMaker.AmazonSageMakerException" if optimized else "SageMaker.SageMakerException"


def sagemaker_task_error_cause(code: str, message: str, status: int | None, request_id: str, optimized: bool) -> str:
    """The Step Functions cause for a SageMaker error, as AWS's Java SDKs render the exception.

    Optimized integrations (sagemaker:createLabelingJob) use the AWS SDK for Java 1.x message,
    "<message> (Service: AmazonSageMaker; Status Code: 400; Error Code: ValidationException;
    Request ID: <id>; Proxy: null)": the service name as in SageMaker's own docs ("Query Endpoint
    Autoscaling History", endpoint-scaling-query-history: "(Service: AmazonSageMaker; Status Code:
    400; Error Code: ResourceLimitExceeded; Request ID: ...)"), the "Proxy: null" ending as moto's
    and LocalStack's engines render the other optimized integrations (DynamoDB, SNS, Batch, Step
    Functions). AWS documents no Step Functions example for SageMaker: the layout is inferred, not
    documented. aws-sdk tasks use the SDK v2 message: "<message> (Service: SageMaker, Status Code:
    400, Request ID: <id>)", as moto's engine renders aws-sdk errors of every other service.
    """
    if optimized:
        return (f"{message} (Service: AmazonSageMaker; Status Code: {status}; Error Code: {code}; "
                f"Request ID: {request_id}; Proxy: null)")
    return f"{message} (Service: SageMaker, Status Code: {status}, Request ID: {request_id})"


def _patch_sagemaker_task_error_names() -> None:
    """Why: moto's engine names aws-sdk SageMaker errors "sagemaker.sagemakerException" (no
    PascalCase binding for the service) and turns every error of the optimized
    sagemaker:createLabelingJob integration, which it relays as "unsupported", into States.Runtime.
    Neither matches what AWS reports, so the state machine's Retry and Catch rules could not be
    exercised. Both are renamed as AWS names them (see sagemaker_task_error_name). The cause is
    the message AWS's Java SDKs write (sagemaker_task_error_cause): the state machine reads it to
    tell a refused create from a transient one."""
    import uuid

    from botocore.exceptions import ClientError
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as aws_sdk,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_unsupported import (
        StateTaskServiceUnsupported,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    def renamed(optimized: bool, original: Any) -> Any:
        def _from_error(self: Any, env: Any, ex: Exception) -> Any:
            resource = self.resource
            service = resource.api_name if resource.service_name == "aws-sdk" else resource.service_name
            if not (isinstance(ex, ClientError) and str(service).lower() == "sagemaker"):
                return original(self, env, ex)
            code = ex.response.get("Error", {}).get("Code", "")
            error = sagemaker_task_error_name(code, optimized)
            metadata = ex.response.get("ResponseMetadata", {})
            cause = sagemaker_task_error_cause(code, ex.response["Error"].get("Message", ""),
                                               metadata.get("HTTPStatusCode"),
                                               metadata.get("RequestId") or str(uuid.uuid4()), optimized)
            return FailureEvent(
                env=env,
                error_name=CustomErrorName(error),
                event_type=HistoryEventType.TaskFailed,
                event_details=EventDetails(taskFailedEventDetails=TaskFailedEventDetails(
                    error=error, cause=cause,
                    resource=self._get_sfn_resource(), resourceType=self._get_sfn_resource_type(),
                )),
            )
        return _from_error

    _patch(aws_sdk.StateTaskServiceAwsSdk, "_from_error", renamed(False, aws_sdk.StateTaskServiceAwsSdk._from_error))
    _patch(StateTaskServiceUnsupported, "_from_error", renamed(True, StateTaskServiceUnsupported._from_error))
