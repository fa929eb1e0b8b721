"""Image tasks take JPEG and PNG only ("Supported data formats", sms-supported-data-formats): any other
object fails in the labeling job with a failure-reason that steps.unlabelable reads as the object's fault."""
from __future__ import annotations

from gt_helpers import BUCKET

from steps.unlabelable import is_object_failure

GIF = b"GIF89a\x10\x00\x10\x00\x00\x00\x00" + b"\x00" * 32  # a 16x16 GIF header: a real image, not a supported one


def test_a_gif_zero_bytes_and_text_fail_as_not_supported_a_missing_object_does_not(gt_env):
    good = f"s3://{BUCKET}/{gt_env.image_keys[0]}"
    gif = gt_env.put("raw/anim.png", GIF)
    empty = gt_env.put("raw/empty.png", b"")
    text = gt_env.put("raw/notes.png", "not an image")
    missing = f"s3://{BUCKET}/raw/gone.png"
    manifest = gt_env.put_manifest("work/formats.manifest", [{"source-ref": uri} for uri in (good, gif, empty, text, missing)])
    gt_env.sm.create_labeling_job(**gt_env.labeling_request(name="formats", manifest=manifest))
    described = gt_env.finish("formats")
    lines = gt_env.read_lines(described["LabelingJobOutput"]["OutputDatasetS3Uri"])
    reasons = [line["scratch-boxes-metadata"].get("failure-reason") for line in lines]
    assert reasons[0] is None
    assert "GIF" in reasons[1]
    assert [is_object_failure(reason) for reason in reasons[1:]] == [True, True, True, False]
