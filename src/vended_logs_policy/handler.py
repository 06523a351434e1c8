"""Lambda entry point of ``Custom::VendedLogsPolicy``: crhelper and Powertools wiring only.

Create and Update ensure the policy; Delete answers SUCCESS and touches nothing, because other
stacks' state machines rely on the policy.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from crhelper import CfnResource

from vended_logs_policy import properties
from vended_logs_policy.answer import deliver
from vended_logs_policy.engine.policy import DEFAULT_POLICY_NAME, Scope
from vended_logs_policy.logs import LogsError, ResourcePolicies, Retry, client_config, make_client
from vended_logs_policy.properties import PropertyError

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger(service="vended-logs-policy")


# Answers stop this long before the function's timeout: crhelper's own timer fires 0.5 s before it.
ANSWER_MARGIN = 1.0


class _CfnResource(CfnResource):
    """crhelper's lifecycle, with the answer sent by ``answer.deliver`` (bounded, 5xx retried)."""

    def _send(self, status: str | None = None, reason: str = "", send_response: Any = None) -> None:
        # crhelper builds the body; ``send_response`` is how it lets a caller choose the sender.
        super()._send(status, reason, send_response=self._deliver)  # type: ignore[misc]

    def _deliver(self, url: str, body: dict[str, Any], ssl_verify: Any = None) -> None:
        deliver(url, body, _time_left(getattr(self, "_context", None)))


def _time_left(context: Any) -> Callable[[], float]:
    """Seconds an answer may still take, from the Lambda context (30 s without one)."""
    if context is None:
        return lambda: 30.0
    return lambda: context.get_remaining_time_in_millis() / 1000 - ANSWER_MARGIN


def _cfn_resource() -> CfnResource:
    """crhelper without the lambda, events and logs clients it builds for polling (never used).

    ``CfnResource()`` builds them unless ``AWS_SAM_LOCAL`` is set, which it reads only there and
    for polling; they were most of the cold start (about 90 ms, benchmarks/cold_start.py).
    INFO, never DEBUG: at DEBUG crhelper logs the presigned ResponseURL. No sleep on Delete.
    """
    saved = os.environ.get("AWS_SAM_LOCAL")
    os.environ["AWS_SAM_LOCAL"] = "true"
    try:
        resource = _CfnResource(json_logging=False, log_level="INFO", sleep_on_delete=0)
    finally:
        if saved is None:
            del os.environ["AWS_SAM_LOCAL"]
        else:
            os.environ["AWS_SAM_LOCAL"] = saved
    resource._sam_local = saved  # type: ignore[attr-defined]  # private, missing from the stub
    return resource


helper = _cfn_resource()
# crhelper logs the event and the presigned ResponseURL (a secret) at DEBUG: its loggers stay at
# INFO or above even when POWERTOOLS_LOG_LEVEL=DEBUG is set to troubleshoot the function.
copy_config_to_registered_loggers(
    source_logger=logger, include={"crhelper"}, log_level=max(logging.INFO, logger.log_level)
)

CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 5.0
# Seconds kept back from the function's timeout so crhelper's own answer always goes first.
SAFETY_MARGIN = 5.0
INVALID_ID_SUFFIX = "invalid-properties"


def scope_of(context: LambdaContext) -> Scope:
    """Partition, region and account from the function's own ARN (aws-cn, aws-us-gov too)."""
    parts = context.invoked_function_arn.split(":")
    return Scope(partition=parts[1], region=parts[3], account=parts[4])


def physical_id(region: str, raw_properties: Any) -> str:
    """Stable per policy name and region; a fixed one when the name itself is invalid."""
    raw = raw_properties if isinstance(raw_properties, dict) else {}
    try:
        name = properties.policy_name(raw.get("PolicyName", DEFAULT_POLICY_NAME))
    except PropertyError:
        name = INVALID_ID_SUFFIX
    return f"vended-logs-policy-{region}-{name}"


@helper.create
@helper.update
def ensure_policy(event: dict[str, Any], context: LambdaContext) -> str:
    """Ensure the wildcard statement; the response Data says what changed."""
    scope = scope_of(context)
    new_id = physical_id(scope.region, event.get("ResourceProperties"))
    # On failure crhelper keeps this id: Create gets the stable one, Update keeps the old one.
    helper.PhysicalResourceId = event.get("PhysicalResourceId") or new_id
    try:
        _ensure(event, context, scope)
    except (PropertyError, LogsError):
        raise
    except Exception as exc:
        logger.exception("unexpected failure")
        raise RuntimeError(f"unexpected {type(exc).__name__}; see the function's log") from exc
    return new_id


def _ensure(event: dict[str, Any], context: LambdaContext, scope: Scope) -> None:
    props = properties.parse(event.get("ResourceProperties"))
    retry = Retry(
        time_left=lambda: context.get_remaining_time_in_millis() / 1000 - SAFETY_MARGIN,
        call_seconds=CONNECT_TIMEOUT + READ_TIMEOUT,
    )
    client = make_client(scope.region, config=client_config(CONNECT_TIMEOUT, READ_TIMEOUT))
    result = ResourcePolicies(client, retry).ensure(props.policy_name, scope, props.options)
    outcome = result.outcome
    helper.Data.update(
        {
            "PolicyName": result.name,
            "PolicyLength": outcome.length,
            "Changed": "true" if result.writes else "false",
            "RemovedResources": len(outcome.removed_resources),
        }
    )
    logger.info(
        "policy ensured",
        extra={
            "policy_name": result.name,
            "changed": bool(result.writes),
            "length_before": outcome.before_length,
            "length_after": outcome.length,
            "removed_resources": len(outcome.removed_resources),
            "writes": result.writes,
            "rounds": result.rounds,
        },
    )


@helper.delete
def retain_policy(event: dict[str, Any], context: LambdaContext) -> str:
    """Leave the policy in place: other stacks rely on it. Never fails."""
    logger.info("delete: policy retained", extra={"physical_id": event.get("PhysicalResourceId")})
    return str(event.get("PhysicalResourceId") or "")


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


def _malformed(event: Any) -> tuple[str, str] | None:
    """(ResponseURL, reason) for a request crhelper cannot route, None when it can."""
    if not isinstance(event, dict):
        return ("", "the event is not an object")
    url = event.get("ResponseURL")
    if not isinstance(url, str) or not url.startswith("https://"):
        return ("", "the event has no https ResponseURL")
    missing = [k for k in ECHOED_KEYS if not isinstance(event.get(k), str)]
    if missing:
        return (url, f"the event lacks {', '.join(missing)}")
    unusable = [k for k, limit in ECHO_LIMITS.items() if k in event and not _fits(event[k], limit)]
    if unusable:
        return (url, f"{', '.join(unusable)} is not a string of a size CloudFormation sends")
    if event.get("RequestType") not in REQUEST_TYPES:
        return (url, "RequestType must be Create, Update or Delete")
    return None


def _fits(value: Any, limit: int) -> bool:
    """Whether ``value`` is a string whose JSON encoding (non-ASCII escaped) fits ``limit``."""
    return isinstance(value, str) and len(json.dumps(value)) <= limit


def _echo(value: Any, limit: int) -> str:
    """``value`` if it is a string, cut until its JSON encoding fits ``limit``."""
    text = value if isinstance(value, str) else ""
    while not _fits(text, limit):
        text = text[: len(text) // 2]
    return text


def _answer_malformed(event: dict[str, Any], url: str, reason: str, context: Any) -> None:
    """FAILED for a request crhelper would mishandle (it could answer a stale ResponseURL)."""
    body = {
        "Status": "FAILED",
        "Reason": f"invalid request: {reason}",
        "PhysicalResourceId": _echo(event.get("PhysicalResourceId"), 1024) or "invalid",
        "Data": {},
        "NoEcho": False,
        **{k: _echo(event.get(k), ECHO_LIMITS[k]) for k in ECHOED_KEYS},
    }
    deliver(url, body, _time_left(context))


@logger.inject_lambda_context(log_event=False, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> None:
    """Answer one CloudFormation custom resource request (never logs the event itself)."""
    problem = _malformed(event)
    if problem is not None:
        url, reason = problem
        logger.error("malformed request", extra={"reason": reason})
        if url:  # without a ResponseURL there is no one to answer
            _answer_malformed(event, url, reason, context)
        return
    logger.append_keys(
        request_type=event["RequestType"],
        stack_id=event["StackId"],
        logical_resource_id=event["LogicalResourceId"],
        cfn_request_id=event["RequestId"],
    )
    helper(event, context)
