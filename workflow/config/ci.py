"""Building on every push: the ci section (a CodeBuild project for the repository's branch; off unless enabled)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from workflow.config.base import Section
from workflow.config.errors import problem, shown
from workflow.rules import ci as ci_rules
from workflow.rules import s3


def _branch(branch: str) -> str:
    wrong = ci_rules.branch_problem(branch)
    if wrong:
        raise problem(wrong, ci_rules.BRANCH_RULE)
    return branch


def _artifact_location(value: str | None) -> str | None:
    if value is None:
        return None
    bucket, _, prefix = value.removeprefix("s3://").partition("/")
    wrong = None if value.startswith("s3://") else "does not start with s3://"
    wrong = wrong or s3.bucket_problem(bucket)
    if wrong is None and prefix:
        found = s3.prefix_problem(prefix if prefix.endswith("/") else prefix + "/")
        wrong = found[0] if found else None
    if wrong:
        raise problem(f"{shown(value)} {wrong}", "use s3://<bucket>/<prefix>/ (or null: <work_prefix>builds/ in storage.bucket)")
    return value if value.endswith("/") else value + "/"


class CiSection(Section):
    """CodeBuild on commit (publish.codebuild): off unless enabled."""

    enabled: Annotated[bool, Field(
        description="Create a CodeBuild project that runs buildspec.yml (tests, dry run, deploy) on every push "
                    "to ci.branch.")] = False
    source: Annotated[Literal["github", "codecommit", "bitbucket"], Field(
        title="source", description="Where the repository is: {choices}.")] = "github"
    repository_url: Annotated[str | None, Field(
        description="The repository's HTTPS clone URL (https://github.com/<owner>/<repo>.git, "
                    "https://git-codecommit.<region>.amazonaws.com/v1/repos/<repo>, "
                    "https://bitbucket.org/<workspace>/<repo>.git); required when enabled.")] = None
    branch: Annotated[str, Field(
        min_length=1, max_length=255, description="The branch whose pushes start a build."), AfterValidator(_branch)] = "main"
    compute_type: Annotated[Literal[ci_rules.COMPUTE_TYPES], Field(  # type: ignore[valid-type]
        title="compute type", description="CodeBuild compute type: {choices}.")] = "BUILD_GENERAL1_SMALL"
    artifact_location: Annotated[str | None, Field(
        description="Where each build's rendered dry run (build/) is kept: s3://<bucket>/<prefix>/; null: "
                    "<work_prefix>builds/ in storage.bucket."), AfterValidator(_artifact_location)] = None

    @model_validator(mode="after")
    def _repository_fits_the_source(self) -> CiSection:
        if self.repository_url is None:
            if self.enabled:
                raise problem("is missing; ci.enabled needs the repository", f"use {ci_rules.URL_FORMS[self.source]}",
                              "repository_url")
            return self
        wrong = ci_rules.repository_problem(self.source, self.repository_url)
        if wrong:
            raise problem(wrong, f"use {ci_rules.URL_FORMS[self.source]} (ci.source is {self.source})", "repository_url")
        return self
