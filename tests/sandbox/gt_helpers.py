"""Shared set-up for the Ground Truth stand-in tests: moto, a stand-in sandbox, S3 inputs, a role.

The fixtures built on it (``gt_module_env``, ``gt_env``) live in this folder's conftest.py.

The stand-in sandbox has what ``sandbox.ground_truth.install`` needs (``clock``,
``workforce``); its clock runs at real speed so only ``advance()`` moves jobs on.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import boto3

import sandbox.ground_truth as ground_truth
from sandbox.clock import SandboxClock
from sandbox.sample_images import generate_sample_images
from sandbox.workforce import WorkforceProfile

REGION = "eu-west-1"
ACCOUNT = "123456789012"
BUCKET = "gt-test-bucket"
GT_ACCOUNT = "568282634449"  # eu-west-1's Ground Truth account
PRIVATE_TEAM = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:workteam/private-crowd/inspectors"
PUBLIC_TEAM = f"arn:aws:sagemaker:{REGION}:394669845002:workteam/public-crowd/default"
CHOICES = ["Boxes are correct", "A scratch is missing or a box is wrong"]

# The bounding box task type's documented template (sms-bounding-box).
LABELING_TEMPLATE = """<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form>
  <crowd-bounding-box name="boundingBox" src="{{ task.input.taskObject | grant_read_access }}"
    header="please draw box" labels="{{ task.input.labels | to_json | escape }}">
    <full-instructions header="Bounding box instructions">Box every scratch.</full-instructions>
    <short-instructions>Box every scratch.</short-instructions>
  </crowd-bounding-box>
</crowd-form>
"""
# The documented verification UI (sms-ui-template-crowd-image-classifier) for the 'scratch-boxes'
# attribute; the first two labels of the category file are the answers.
VERIFICATION_TEMPLATE = """<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
{% assign boxes = task.input.manifestLine["scratch-boxes"] %}
{% assign meta = task.input.manifestLine["scratch-boxes-metadata"] %}
<crowd-form>
  <crowd-image-classifier name="verdict" src="{{ task.input.taskObject | grant_read_access }}" header="Check"
    categories="[{% for c in task.input.labels limit: 2 %}{{ c | to_json | escape }}{% unless forloop.last %},{% endunless %}{% endfor %}]"
    overlay='{"boundingBox": {"labels": ["scratch"], "value": [{% for box in boxes.annotations %}{% capture id %}{{ box.class_id }}{% endcapture %}
      {"label": {{ meta["class-map"][id] | to_json | escape }}, "left": {{ box.left }}, "top": {{ box.top }},
       "width": {{ box.width }}, "height": {{ box.height }}}{% unless forloop.last %},{% endunless %}{% endfor %}]}}'>
    <short-instructions>Check the boxes.</short-instructions>
    <worker-comment header="What is wrong?"></worker-comment>
  </crowd-image-classifier>
</crowd-form>
"""
# A role Ground Truth may assume (its service principal: sms-security-permission-execution-role).
GROUND_TRUTH_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
# sms-cors-update: the CORS rule Ground Truth documents for buckets holding input images.
DOCUMENTED_CORS_RULE = {
    "AllowedHeaders": [], "AllowedMethods": ["GET"], "AllowedOrigins": ["*"],
    "ExposeHeaders": ["Access-Control-Allow-Origin"],
}


def lambda_arn(kind: str, task: str, region: str = REGION, account: str = GT_ACCOUNT) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{kind}-{task}"


@dataclass
class GroundTruthEnv:
    sandbox: Any
    sm: Any
    s3: Any
    role_arn: str
    image_keys: list[str] = field(default_factory=list)

    def put(self, key: str, body: bytes | str) -> str:
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode() if isinstance(body, str) else body)
        return f"s3://{BUCKET}/{key}"

    def put_manifest(self, key: str, lines: list[dict[str, Any]]) -> str:
        return self.put(key, "\n".join(json.dumps(line) for line in lines) + "\n")

    def read_lines(self, uri: str) -> list[dict[str, Any]]:
        key = uri[len(f"s3://{BUCKET}/") :]
        body = self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
        return [json.loads(line) for line in body.splitlines() if line.strip()]

    def labeling_request(self, name: str = "scratch-run-1-lbl", manifest: str | None = None, **overrides: Any) -> dict:
        """A valid bounding-box CreateLabelingJob request over the sample images."""
        if manifest is None:
            manifest = self.put_manifest(
                "work/input.manifest", [{"source-ref": f"s3://{BUCKET}/{key}"} for key in self.image_keys]
            )
        request = {
            "LabelingJobName": name,
            "LabelAttributeName": "scratch-boxes",
            "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": manifest}}},
            "OutputConfig": {"S3OutputPath": f"s3://{BUCKET}/work/labeling/"},
            "RoleArn": self.role_arn,
            "LabelCategoryConfigS3Uri": f"s3://{BUCKET}/work/labeling-categories.json",
            "HumanTaskConfig": {
                "WorkteamArn": PRIVATE_TEAM,
                "UiConfig": {"UiTemplateS3Uri": f"s3://{BUCKET}/work/labeling.liquid.html"},
                "PreHumanTaskLambdaArn": lambda_arn("PRE", "BoundingBox"),
                "TaskKeywords": ["image", "scratch"],
                "TaskTitle": "Draw a box around every scratch",
                "TaskDescription": "Mark each visible scratch with a tight box.",
                "NumberOfHumanWorkersPerDataObject": 1,
                "TaskTimeLimitInSeconds": 600,
                "TaskAvailabilityLifetimeInSeconds": 864000,
                "MaxConcurrentTaskCount": 1000,
                "AnnotationConsolidationConfig": {"AnnotationConsolidationLambdaArn": lambda_arn("ACS", "BoundingBox")},
            },
            "Tags": [{"Key": "project", "Value": "scratch-detection"}],
        }
        return _merge(request, overrides)

    def verification_request(self, manifest: str, name: str = "scratch-run-1-vfy", **overrides: Any) -> dict:
        request = self.labeling_request(name=name, manifest=manifest)
        request["LabelAttributeName"] = "scratch-verdict"
        request["OutputConfig"] = {"S3OutputPath": f"s3://{BUCKET}/work/verification/"}
        request["LabelCategoryConfigS3Uri"] = f"s3://{BUCKET}/work/verification-categories.json"
        human = request["HumanTaskConfig"]
        human["UiConfig"] = {"UiTemplateS3Uri": f"s3://{BUCKET}/work/verification.liquid.html"}
        human["PreHumanTaskLambdaArn"] = lambda_arn("PRE", "VerificationBoundingBox")
        human["AnnotationConsolidationConfig"] = {
            "AnnotationConsolidationLambdaArn": lambda_arn("ACS", "VerificationBoundingBox")
        }
        return _merge(request, overrides)

    def finish(self, name: str) -> dict:
        """Advance the clock past the job's end and describe it."""
        self.sandbox.clock.advance(10 * 24 * 3600)
        return self.sm.describe_labeling_job(LabelingJobName=name)


def _merge(base: dict, overrides: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _stand_in(**profile: Any) -> SimpleNamespace:
    stand_in = SimpleNamespace(
        clock=SandboxClock(time_scale=1.0), workforce=WorkforceProfile(**profile), account_id=ACCOUNT, region=REGION
    )
    stand_in.ground_truth = ground_truth.install(stand_in)
    return stand_in


def make_env(image_count: int = 6, **profile: Any) -> GroundTruthEnv:
    """Inside an active mock: bucket, role, templates, category files, sample images, the stand-in."""
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    role = boto3.client("iam", region_name=REGION).create_role(
        RoleName="ground-truth", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    )["Role"]["Arn"]
    env = GroundTruthEnv(_stand_in(**profile), boto3.client("sagemaker", region_name=REGION), s3, role)
    env.image_keys = generate_sample_images(s3, BUCKET, "raw/", image_count, seed=1)
    s3.put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRules": [DOCUMENTED_CORS_RULE]})
    env.put("work/labeling.liquid.html", LABELING_TEMPLATE)
    env.put("work/verification.liquid.html", VERIFICATION_TEMPLATE)
    env.put("work/labeling-categories.json", json.dumps({"document-version": "2018-11-28", "labels": [{"label": "scratch"}]}))
    env.put(
        "work/verification-categories.json",
        json.dumps({"document-version": "2018-11-28", "labels": [{"label": label} for label in (*CHOICES, "scratch")]}),
    )
    return env


def use_workforce(env: GroundTruthEnv, **profile: Any) -> None:
    """Give the simulated workforce of the next jobs this profile."""
    env.sandbox.workforce = WorkforceProfile(**profile)
