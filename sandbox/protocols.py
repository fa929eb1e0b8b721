"""The botocore protocol each service speaks, for rendering errors the sandbox answers itself."""
from __future__ import annotations

import botocore.session
from botocore.exceptions import DataNotFoundError

_protocols: dict[str, str] = {}


def protocol_of(service: str) -> str:
    """The botocore protocol of a service (boto3 client name), for rendering injected faults."""
    if service not in _protocols:
        try:
            _protocols[service] = botocore.session.get_session().get_service_model(service).protocol
        except DataNotFoundError:  # an unknown name: JSON is what most services speak
            _protocols[service] = "json"
    return _protocols[service]
