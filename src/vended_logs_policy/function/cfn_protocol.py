"""The custom resource protocol's limits: what a request must hold, what an answer may hold.

CloudFormation shows ``Reason`` to the user and accepts a response body of at most 4096 bytes;
crhelper cuts a longer reason from the front (losing what failed), so reasons are fitted from
their start here, at the CloudFormation edge only.
"""

from __future__ import annotations

import json
from typing import Any

from vended_logs_policy.text import clip

MAX_REASON = 256
REQUEST_TYPES = ("Create", "Update", "Delete")
ECHOED_KEYS = ("StackId", "RequestId", "LogicalResourceId")
# JSON-encoded sizes of what an answer echoes. CloudFormation's own values are shorter (a stack
# ARN is under 300 characters, a physical id at most 1 KB); longer ones could not all fit, with a
# 256-character Reason, in the 4096-byte body CloudFormation accepts.
ECHO_LIMITS = {
    "StackId": 512,
    "RequestId": 256,
    "LogicalResourceId": 256,
    "PhysicalResourceId": 1024,
}


def fit_reason(text: str, limit: int = MAX_REASON) -> str:
    """The reason cut from its end to ``limit`` characters, so what failed stays readable."""
    return clip(text, limit)


def malformed(event: Any) -> tuple[str, str] | None:
    """(ResponseURL, reason) for a request that cannot be routed, None when it can."""
    if not isinstance(event, dict):
        return ("", "the event is not an object")
    url = event.get("ResponseURL")
    if not isinstance(url, str) or not url.startswith("https://"):
        return ("", "the event has no https ResponseURL")
    return (url, problem) if (problem := _problem(event)) else None


def _problem(event: dict[str, Any]) -> str:
    missing = [k for k in ECHOED_KEYS if not isinstance(event.get(k), str)]
    if missing:
        return f"the event lacks {', '.join(missing)}"
    unusable = [k for k, limit in ECHO_LIMITS.items() if k in event and not _fits(event[k], limit)]
    if unusable:
        return f"{', '.join(unusable)} is not a string of a size CloudFormation sends"
    if event.get("RequestType") not in REQUEST_TYPES:
        return "RequestType must be Create, Update or Delete"
    return ""


def _fits(value: Any, limit: int) -> bool:
    """Whether ``value`` is a string whose JSON encoding (non-ASCII escaped) fits ``limit``."""
    return isinstance(value, str) and len(json.dumps(value)) <= limit


def _echo(value: Any, limit: int) -> str:
    """``value`` if it is a string, cut until its JSON encoding fits ``limit``."""
    text = value if isinstance(value, str) else ""
    while not _fits(text, limit):
        text = text[: len(text) // 2]
    return text


def failed_body(event: dict[str, Any], reason: str) -> dict[str, Any]:
    """A FAILED answer to a malformed request, echoing what fits of its identifiers."""
    return {
        "Status": "FAILED",
        "Reason": fit_reason(f"invalid request: {reason}"),
        "PhysicalResourceId": _echo(event.get("PhysicalResourceId"), 1024) or "invalid",
        "Data": {},
        "NoEcho": False,
        **{k: _echo(event.get(k), ECHO_LIMITS[k]) for k in ECHOED_KEYS},
    }
