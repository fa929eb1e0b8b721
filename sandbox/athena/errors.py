"""Athena's error responses for the engine, in the service's wire shape (moto renders them).

Athena answers a request it refuses with InvalidRequestException ("something is wrong with the
input to the request"), HTTP 400, whose body carries ``Message`` and ``AthenaErrorCode``
(botocore reference, Athena / Client / exceptions / InvalidRequestException,
https://docs.aws.amazon.com/botocore/latest/reference/services/athena/client/exceptions/InvalidRequestException.html).
The AthenaErrorCode values are undocumented: "INVALID_INPUT" is the sandbox's.
"""
from __future__ import annotations

import json

from moto.core.exceptions import JsonRESTError

__all__ = ["InvalidRequestException"]


class InvalidRequestException(JsonRESTError):
    """The request itself is wrong (not the SQL): a missing output location, an unknown query id..."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidRequestException", message)
        self.description = json.dumps({"__type": "InvalidRequestException", "Message": message,
                                       "AthenaErrorCode": "INVALID_INPUT"})
