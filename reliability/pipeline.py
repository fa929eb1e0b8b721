"""A deployed pipeline in a fresh sandbox: upload images, run executions, read what it wrote."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import boto3

from operate.follow import ExecutionOutcome, follow, history
from publish.aws import AwsClients
from publish.deployer import Deployer
from sandbox import Sandbox
from sandbox.sample_images import generate_sample_images
from sandbox.workforce import WorkforceProfile
from steps import layout, naming
from workflow.config import PipelineConfig, load_config
from workflow.resources import in_account

ROOT = Path(__file__).resolve().parents[1]
TIME_SCALE = 0.0002  # one simulated hour lasts 0.72 s
A_WEEK = 7 * 86_400  # simulated seconds: workers this slow keep a job running through anything a case does meanwhile
QUICK_JOBS: dict[str, Any] = {"initializing_seconds": 60, "labeling_seconds": 600, "verification_seconds": 300}
# Every verdict "label correct" and no expired task: counts do not depend on the draws.
CLEAN_WORKFORCE = WorkforceProfile(seed=3, approval_rate=1.0, **QUICK_JOBS)
EXECUTION_TIMEOUT_SECONDS = 300.0


def listing_config(folder: Path, listing: str) -> Path:
    """A copy of the shipped config.yaml in ``folder`` with ``storage.listing`` set to ``listing``."""
    text = (ROOT / "config.yaml").read_text()
    if "  listing: auto\n" not in text:
        raise ValueError("config.yaml no longer sets 'listing: auto' under storage; update listing_config")
    path = folder / f"config-{listing}.yaml"
    path.write_text(text.replace("  listing: auto\n", f"  listing: {listing}\n"))
    return path


def workforce(**changes: Any) -> WorkforceProfile:
    """The clean workforce with some behaviour changed (e.g. ``unlabeled_rate=1.0``)."""
    return WorkforceProfile(**{**CLEAN_WORKFORCE.__dict__, **changes})


@dataclass
class Run:
    """One execution: how it ended, the run id its check step chose (None if it never did) and
    the states whose task failed an attempt (each failed attempt once, in order)."""

    outcome: ExecutionOutcome
    run_id: str | None
    failed_attempts: list[str]


class SandboxPipeline:
    """The real config, Lambda zips and state machine, deployed into ``sandbox``."""

    def __init__(self, sandbox: Sandbox, config_path: Path = ROOT / "config.yaml") -> None:
        self.sandbox = sandbox
        self.cfg: PipelineConfig = in_account(load_config(config_path), sandbox.account_id)[0]
        self.clients = AwsClients(session=boto3.Session(), region=self.cfg.pipeline.region)
        self.deploy = self.redeploy()
        self.s3 = self.clients.client("s3")
        self.sfn = self.clients.client("stepfunctions")
        self.runs = 0

    @property
    def bucket(self) -> str:
        return self.cfg.storage.bucket

    @property
    def feature_group(self) -> str:
        return self.cfg.feature_store.feature_group_name

    def redeploy(self) -> Any:
        """Publish (again): what an operator does to repair missing resources."""
        self.deploy = Deployer(self.cfg, self.clients).run()
        return self.deploy

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def upload_samples(self, count: int, seed: int = 0) -> list[str]:
        """``count`` sample PNGs under the raw prefix; returns their URIs."""
        keys = generate_sample_images(self.s3, self.bucket, self.cfg.storage.raw_prefix, count, seed=seed)
        return [self.uri(key) for key in keys]

    def put(self, key: str, body: bytes) -> str:
        """Write one object (key relative to the bucket); returns its URI."""
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)
        return self.uri(key)

    def read(self, uri: str) -> bytes:
        bucket, key = uri[len("s3://"):].split("/", 1)
        return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    def keys(self, prefix: str) -> list[str]:
        """Every key under ``prefix``, all pages."""
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return [obj["Key"] for page in pages for obj in page.get("Contents", ())]

    def run(self, execution_input: dict | None = None) -> Run:
        """Start one execution and wait for its end."""
        self.runs += 1
        started = self.sfn.start_execution(stateMachineArn=self.deploy.state_machine_arn, name=f"run-{self.runs}",
                                           input=json.dumps(execution_input or {}))
        outcome = follow(self.sfn, started["executionArn"], emit=lambda line: None, poll_seconds=0.05,
                         timeout_seconds=EXECUTION_TIMEOUT_SECONDS)
        return Run(outcome, *self._from_history(started["executionArn"]))

    def run_while(self, action: Any) -> Run:
        """Run one execution while ``action(stop_event)`` runs in a thread (e.g. stopping its job)."""
        done = threading.Event()
        worker = threading.Thread(target=action, args=(done,), daemon=True)
        worker.start()
        try:
            return self.run()
        finally:
            done.set()
            worker.join(timeout=30)

    def manifest_lines(self, uri: str) -> list[dict]:
        """The JSON lines of the manifest at ``uri`` (blank lines skipped)."""
        return [json.loads(line) for line in self.read(uri).decode().splitlines() if line.strip()]

    def input_manifest(self, run_id: str) -> set[str] | None:
        """The source-refs a run sent to labeling (None when it wrote no manifest)."""
        key = layout.input_manifest_key(self.cfg.storage.work_prefix, run_id)
        if key not in self.keys(key):
            return None
        return {line["source-ref"] for line in self.manifest_lines(self.uri(key))}

    def job_inputs(self) -> dict[str, list[dict]]:
        """Every labeling job the sandbox's Ground Truth created (labeling, verification, adjustment) -> the
        lines of its input manifest."""
        sagemaker = self.clients.client("sagemaker")
        found = {}
        for summary in sagemaker.list_labeling_jobs()["LabelingJobSummaryList"]:
            name = summary["LabelingJobName"]
            source = sagemaker.describe_labeling_job(LabelingJobName=name)["InputConfig"]["DataSource"]
            uri = source["S3DataSource"]["ManifestS3Uri"]
            found[name] = self.manifest_lines(uri)
        return found

    def invoke_update(self, run_id: str, manifest_uri: str) -> dict:
        """Invoke the deployed UpdateFeatureStore Lambda with the event the state machine would send."""
        from workflow.graph import update_settings

        labeling_job, verification_job = naming.job_names(run_id)
        event = {
            "execution": {"id": f"manual-invoke:{run_id}", "name": "manual-invoke", "start_time": "1970-01-01T00:00:00Z"},
            "manifest_uri": manifest_uri,
            "labeling_job_name": labeling_job,
            "verification_job_name": verification_job,
            "settings": update_settings(self.cfg),
        }
        response = self.clients.client("lambda").invoke(FunctionName=self.deploy.arns.update_lambda,
                                                        Payload=json.dumps(event).encode())
        payload = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError"):
            return {"error": payload.get("errorType", "?"), "message": payload.get("errorMessage", "")}
        return {"result": payload}

    def run_stopping_the_labeling_job(self) -> Run:
        """Run one execution and stop its labeling job from outside while workers are still on it.

        The workforce is set to take a simulated week, so the job is still InProgress when
        the stopping thread sees it, however slowly that thread is scheduled on a busy machine.
        """
        self.sandbox.workforce = replace(self.sandbox.workforce, labeling_seconds=A_WEEK)
        return self.run_while(self.stop_first_labeling_job)

    def stop_first_labeling_job(self, done: threading.Event) -> None:
        """Stop the first labeling job as soon as it exists (run in a thread by ``run_while``)."""
        sagemaker = self.clients.client("sagemaker")
        while not done.is_set():
            jobs = sagemaker.list_labeling_jobs()["LabelingJobSummaryList"]
            if jobs:
                sagemaker.stop_labeling_job(LabelingJobName=jobs[0]["LabelingJobName"])
                return
            time.sleep(0.02)

    def _from_history(self, execution_arn: str) -> tuple[str | None, list[str]]:
        """The run id the check step returned, and the states of failed task attempts."""
        run_id, failed, state = None, [], ""
        for event in history(self.sfn, execution_arn):
            if event["type"] == "TaskStateEntered":
                state = event["stateEnteredEventDetails"]["name"]
            elif event["type"] in ("TaskFailed", "TaskTimedOut", "LambdaFunctionFailed", "LambdaFunctionTimedOut"):
                failed.append(state)
            output = (event.get("taskSucceededEventDetails") or {}).get("output")
            if run_id is None and output and '"run_id"' in output:
                payload = json.loads(output).get("Payload", {})
                if isinstance(payload, dict) and isinstance(payload.get("check"), dict):
                    payload = payload["check"]  # the check step's result, nested (storage.listing modes)
                if isinstance(payload, dict):
                    run_id = payload.get("run_id")
        return run_id, failed
