"""The ``ci:`` section's AWS rules: CodeBuild source locations, compute types, branch names.

- Source locations (ProjectSource.location, https://docs.aws.amazon.com/codebuild/latest/APIReference/API_ProjectSource.html):
  CodeCommit "the HTTPS clone URL to the repository" (``https://git-codecommit.<region>.amazonaws.com/v1/repos/<repo>``),
  GitHub "the HTTPS clone URL to the repository" (``https://github.com/<owner>/<repo>.git``), Bitbucket
  the same (``https://bitbucket.org/<workspace>/<repo>.git``, optionally with ``<user>@``).
- Compute types for a Linux container on demand (ProjectEnvironment.computeType,
  https://docs.aws.amazon.com/codebuild/latest/APIReference/API_ProjectEnvironment.html).
- Branch names: git's ``check-ref-format`` rules, the subset a webhook's HEAD_REF pattern is built from.
"""
from __future__ import annotations

import re

SOURCE_TYPES = {"github": "GITHUB", "codecommit": "CODECOMMIT", "bitbucket": "BITBUCKET"}
COMPUTE_TYPES = ("BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE", "BUILD_GENERAL1_XLARGE",
                 "BUILD_GENERAL1_2XLARGE")
_NAME = r"[A-Za-z0-9_.-]+"
URL_PATTERNS = {
    "github": re.compile(rf"^https://github\.com/(?P<owner>{_NAME})/(?P<repo>{_NAME}?)(\.git)?$"),
    "bitbucket": re.compile(rf"^https://([A-Za-z0-9_.-]+@)?bitbucket\.org/(?P<owner>{_NAME})/(?P<repo>{_NAME}?)(\.git)?$"),
    "codecommit": re.compile(r"^https://git-codecommit\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/v1/repos/(?P<repo>[\w.-]{1,100})$"),
}
URL_FORMS = {
    "github": "https://github.com/<owner>/<repo>.git",
    "bitbucket": "https://bitbucket.org/<workspace>/<repo>.git",
    "codecommit": "https://git-codecommit.<region>.amazonaws.com/v1/repos/<repo>",
}
BRANCH_RULE = ("use a git branch name: letters, digits, '.', '_', '-' and '/' between parts; no '..', no leading "
               "'-' or '/', no trailing '/' or '.lock'")
_BRANCH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*$")


def repository_problem(source: str, url: str) -> str | None:
    """Why ``url`` is not a clone URL of a ``source`` repository, or None."""
    if URL_PATTERNS[source].match(url) is None:
        return f"{url!r} is not a {source} repository's HTTPS clone URL"
    return None


def codecommit_region(url: str) -> str | None:
    """The region of a CodeCommit clone URL (None for other URLs)."""
    match = URL_PATTERNS["codecommit"].match(url)
    return match.group("region") if match else None


def codecommit_repository(url: str) -> str | None:
    """The repository name of a CodeCommit clone URL (None for other URLs)."""
    match = URL_PATTERNS["codecommit"].match(url)
    return match.group("repo") if match else None


def branch_problem(branch: str) -> str | None:
    """Why ``branch`` cannot name a git branch here, or None."""
    if branch.startswith("refs/"):
        return f"{branch!r} is a full ref; give the branch name only (e.g. main)"
    if not _BRANCH.match(branch) or ".." in branch or branch.endswith(".lock"):
        return f"{branch!r} is not a branch name"
    return None


def head_ref_pattern(branch: str) -> str:
    """The webhook's HEAD_REF filter: exactly this branch (WebhookFilter: a regular expression)."""
    return f"^refs/heads/{re.escape(branch)}$"
