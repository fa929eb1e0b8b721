"""The ci: section (CodeBuild on commit): off by default, every bad value one line."""
from __future__ import annotations

import pytest

from workflow.config import ConfigError, load_config
from workflow.rules.ci import head_ref_pattern

GITHUB = "https://github.com/acme/labeling-pipeline.git"
ON = {"ci.enabled": True, "ci.repository_url": GITHUB}

CASES = [
    ("enabled-without-url", {"ci.enabled": True},
     "ci.repository_url: is missing; ci.enabled needs the repository; use https://github.com/<owner>/<repo>.git"),
    ("github-url-for-codecommit", {**ON, "ci.source": "codecommit"},
     f"ci.repository_url: '{GITHUB}' is not a codecommit repository's HTTPS clone URL; use "
     "https://git-codecommit.<region>.amazonaws.com/v1/repos/<repo> (ci.source is codecommit)"),
    ("ssh-url", {**ON, "ci.repository_url": "git@github.com:acme/labeling-pipeline.git"},
     "ci.repository_url: 'git@github.com:acme/labeling-pipeline.git' is not a github repository's HTTPS clone URL; "
     "use https://github.com/<owner>/<repo>.git (ci.source is github)"),
    ("bitbucket-url-for-github", {**ON, "ci.repository_url": "https://bitbucket.org/acme/pipeline.git"},
     "ci.repository_url: 'https://bitbucket.org/acme/pipeline.git' is not a github repository's HTTPS clone URL; "
     "use https://github.com/<owner>/<repo>.git (ci.source is github)"),
    ("codecommit-other-region", {"ci.enabled": True, "ci.source": "codecommit",
                                 "ci.repository_url": "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/pipeline"},
     "ci.repository_url: the repository is in 'us-east-1', not in pipeline.region 'eu-west-1'; use a repository in "
     "the pipeline's region (CodeBuild and the push rule live there)"),
    ("unknown-source", {**ON, "ci.source": "gitlab"},
     "ci.source: 'gitlab' is not a source; use one of github, codecommit, bitbucket"),
    ("compute-type", {**ON, "ci.compute_type": "BUILD_LAMBDA_1GB"},
     "ci.compute_type: 'BUILD_LAMBDA_1GB' is not a compute type; use one of BUILD_GENERAL1_SMALL, BUILD_GENERAL1_MEDIUM, "
     "BUILD_GENERAL1_LARGE, BUILD_GENERAL1_XLARGE, BUILD_GENERAL1_2XLARGE"),
    ("branch-full-ref", {**ON, "ci.branch": "refs/heads/main"},
     "ci.branch: 'refs/heads/main' is a full ref; give the branch name only (e.g. main); use a git branch name: "
     "letters, digits, '.', '_', '-' and '/' between parts; no '..', no leading '-' or '/', no trailing '/' or '.lock'"),
    ("branch-dots", {**ON, "ci.branch": "release..1"},
     "ci.branch: 'release..1' is not a branch name; use a git branch name: letters, digits, '.', '_', '-' and '/' "
     "between parts; no '..', no leading '-' or '/', no trailing '/' or '.lock'"),
    ("artifact-not-s3", {**ON, "ci.artifact_location": "https://example.com/builds"},
     "ci.artifact_location: 'https://example.com/builds' does not start with s3://; use s3://<bucket>/<prefix>/ "
     "(or null: <work_prefix>builds/ in storage.bucket)"),
    ("artifact-bad-bucket", {**ON, "ci.artifact_location": "s3://My_Bucket/builds/"},
     "ci.artifact_location: 's3://My_Bucket/builds/' must use only lower-case letters, digits, dots and hyphens, and "
     "start and end with a letter or digit; use s3://<bucket>/<prefix>/ (or null: <work_prefix>builds/ in storage.bucket)"),
    ("enabled-not-bool", {**ON, "ci.enabled": "yes"}, "ci.enabled: is 'yes'"),
]


@pytest.mark.parametrize(("changes", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_ci_values_give_one_line(write_config, changes, expected):
    path = write_config(changes)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {expected}"), message


def test_ci_is_off_by_default_and_may_be_left_out(write_config, shipped_document):
    assert shipped_document["ci"]["enabled"] is False
    cfg = load_config(write_config())
    assert cfg.ci.enabled is False and cfg.ci.compute_type == "BUILD_GENERAL1_SMALL" and cfg.ci.branch == "main"
    del shipped_document["ci"]
    assert load_config(write_config()).ci.enabled is False


@pytest.mark.parametrize("url", [
    "https://github.com/acme/labeling-pipeline.git", "https://github.com/acme/labeling-pipeline",
])
def test_github_clone_urls_with_or_without_dot_git(write_config, url):
    assert load_config(write_config({**ON, "ci.repository_url": url})).ci.repository_url == url


def test_good_values_of_every_source(write_config):
    codecommit = load_config(write_config({"ci.enabled": True, "ci.source": "codecommit", "ci.repository_url":
                                           "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/pipeline"}))
    assert codecommit.ci.source == "codecommit"
    bitbucket = load_config(write_config({"ci.enabled": True, "ci.source": "bitbucket", "ci.repository_url":
                                          "https://jane@bitbucket.org/acme/pipeline.git", "ci.branch": "release/2.0",
                                          "ci.artifact_location": "s3://acme-builds/labeling"}))
    assert bitbucket.ci.artifact_location == "s3://acme-builds/labeling/"


def test_the_head_ref_pattern_matches_exactly_the_branch():
    import re

    pattern = re.compile(head_ref_pattern("release/2.0"))
    assert pattern.match("refs/heads/release/2.0")
    assert not pattern.match("refs/heads/release/2x0") and not pattern.match("refs/heads/release/2.0-rc")
