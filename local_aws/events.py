"""Custom resource events: the checked-in samples and a builder for CloudFormation's shape."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Literal

from local_aws.lambda_context import DEFAULT_FUNCTION_ARN

__all__ = [
    "DEFAULT_STACK_ID",
    "EVENTS_DIR",
    "RESOURCE_TYPE",
    "RequestType",
    "cfn_request",
    "load_event",
]

EVENTS_DIR: Final = Path(__file__).resolve().parents[1] / "events"
RESOURCE_TYPE: Final = "Custom::VendedLogsPolicy"
DEFAULT_STACK_ID: Final = (
    "arn:aws:cloudformation:us-west-2:123456789012:stack/vended-logs-policy-test/"
    "5b0e9f60-1c2d-11f0-9a3b-0a1b2c3d4e5f"
)
RequestType = Literal["Create", "Update", "Delete"]


def load_event(name: str) -> dict[str, Any]:
    """Load events/<name>.json (the name with or without .json)."""
    path = EVENTS_DIR / (name if name.endswith(".json") else f"{name}.json")
    event: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return event


def cfn_request(
    request_type: RequestType,
    properties: Mapping[str, Any] | None = None,
    *,
    response_url: str,
    physical_resource_id: str | None = None,
    old_properties: Mapping[str, Any] | None = None,
    logical_id: str = "VendedLogsPolicy",
    request_id: str | None = None,
    stack_id: str = DEFAULT_STACK_ID,
    service_token: str = DEFAULT_FUNCTION_ARN,
    resource_type: str = RESOURCE_TYPE,
) -> dict[str, Any]:
    """A custom resource request as CloudFormation sends it.

    Property values are passed through as given (CloudFormation sends strings; pass booleans or
    numbers to test those). ``ResourceProperties`` carries ``ServiceToken`` as CloudFormation's
    does. Update and Delete need ``physical_resource_id``; Update without ``old_properties``
    repeats the new properties.
    """
    if request_type in ("Update", "Delete") and physical_resource_id is None:
        raise ValueError(f"{request_type} needs physical_resource_id")
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": service_token,
        "ResponseURL": response_url,
        "StackId": stack_id,
        "RequestId": request_id or str(uuid.uuid4()),
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        "ResourceProperties": {"ServiceToken": service_token, **(properties or {})},
    }
    if physical_resource_id is not None:
        event["PhysicalResourceId"] = physical_resource_id
    if request_type == "Update":
        old = properties if old_properties is None else old_properties
        event["OldResourceProperties"] = {"ServiceToken": service_token, **(old or {})}
    return event
