"""Same seed, same job, same images: the same output manifest, whatever the manifest order."""
from __future__ import annotations

from gt_helpers import BUCKET, use_workforce


def _run(env, name, refs, seed):
    use_workforce(env, seed=seed, boxes_per_image=(0, 4), unlabeled_rate=0.3)
    manifest = env.put_manifest(f"work/{name}.manifest", [{"source-ref": ref} for ref in refs])
    env.sm.create_labeling_job(**env.labeling_request(name=name, manifest=manifest))
    lines = env.read_lines(env.finish(name)["LabelingJobOutput"]["OutputDatasetS3Uri"])
    return {line["source-ref"]: line.get("scratch-boxes") for line in lines}


def _fresh(env):
    from gt_helpers import _stand_in

    env.sandbox = _stand_in()


def test_same_seed_and_name_give_the_same_labels_in_any_order(gt_env):
    refs = [f"s3://{BUCKET}/{key}" for key in gt_env.image_keys]
    first = _run(gt_env, "same-job", refs, seed=3)
    _fresh(gt_env)  # a new sandbox: the name is free again
    again = _run(gt_env, "same-job", list(reversed(refs)), seed=3)
    assert first == again
    assert set(first) == set(refs)


def test_other_seed_or_job_name_draws_again(gt_env):
    refs = [f"s3://{BUCKET}/{key}" for key in gt_env.image_keys]
    base = _run(gt_env, "draw-a", refs, seed=3)
    assert _run(gt_env, "draw-b", refs, seed=3) != base
    _fresh(gt_env)
    assert _run(gt_env, "draw-a", refs, seed=4) != base
