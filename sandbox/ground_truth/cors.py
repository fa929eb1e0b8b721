"""Can the worker UI load an image? Ground Truth's CORS requirement on the image's bucket.

sms-cors-update (https://docs.aws.amazon.com/sagemaker/latest/dg/sms-cors-update.html):
"If you do not add a CORS configuration to the Amazon S3 buckets that contain your input
data, labeling tasks for those input data objects will fail." The documented rule allows
GET from origin "*". Here a bucket qualifies when one of its rules allows GET from the
worker portal's origin (an origin of "*", or a pattern matching the portal's host).
The rules are read from moto's S3 backend (``bucket.cors``).
"""
from __future__ import annotations

import fnmatch

from moto.s3.exceptions import MissingBucket
from moto.s3.models import s3_backends


def worker_portal_origin(region: str) -> str:
    """The origin the sandbox gives the labeling portal workers open.

    Undocumented in the pages we have: portals are served from ``<id>.labeling.<region>.sagemaker.aws``
    (the form of the workforce's SubDomain on real accounts); a rule restricted to such origins
    therefore qualifies here, like ``*``.
    """
    return f"https://sandbox.labeling.{region}.sagemaker.aws"


def allows_worker_get(account_id: str, region: str, bucket: str) -> bool:
    """True when ``bucket`` has a CORS rule allowing GET from the worker portal."""
    try:
        rules = s3_backends[account_id]["global"].get_bucket(bucket).cors
    except MissingBucket:
        return False
    origin = worker_portal_origin(region)
    for rule in rules or []:
        methods = {method.upper() for method in rule.allowed_methods or []}
        if "GET" in methods and any(fnmatch.fnmatchcase(origin, allowed) for allowed in rule.allowed_origins or []):
            return True
    return False


def failure_reason(bucket: str) -> str:
    return (
        f"ClientError: The worker UI could not load the image: bucket {bucket!r} has no CORS rule allowing GET "
        "from the labeling portal; add the rule of sms-cors-update (AllowedMethods GET, AllowedOrigins *)."
    )
