"""Lambda entry point of ``Custom::VendedLogsPolicy``.

Create and Update ensure the policy; Delete answers SUCCESS and touches nothing, because other
stacks' state machines rely on the policy. crhelper's part is in crhelper_bridge.py.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from vended_logs_policy.errors import VendedLogsPolicyError
from vended_logs_policy.function import cfn_protocol
from vended_logs_policy.function.answer import deliver
from vended_logs_policy.function.crhelper_bridge import (
    CustomResourceBridge,
    Event,
    Lifecycle,
    RequestFailed,
    Result,
    Sender,
)
from vended_logs_policy.function.runtime import Runtime, scope_of

logger = Logger()  # its service from POWERTOOLS_SERVICE_NAME, as the template sets it
INVALID_ID_SUFFIX = "invalid-properties"


def physical_id(region: str, raw_properties: Any) -> str:
    """Stable per policy name and region; a fixed one when the name itself is invalid."""
    # The engine and the service are imported by the first request, not at a cold start.
    from vended_logs_policy.engine.policy import DEFAULT_POLICY_NAME
    from vended_logs_policy.function import properties

    raw = raw_properties if isinstance(raw_properties, dict) else {}
    try:
        name = properties.policy_name(raw.get("PolicyName", DEFAULT_POLICY_NAME))
    except properties.PropertyError:
        name = INVALID_ID_SUFFIX
    return f"vended-logs-policy-{region}-{name}"


def _failure_id(event: Event, context: Any) -> str:
    return physical_id(scope_of(context).region, event.get("ResourceProperties"))


def ensure_policy(
    runtime: Runtime, environ: Mapping[str, str] | None = None
) -> Callable[[Event, Any], Result]:
    """Create and Update: ensure the wildcard statement; Data says what changed.

    A request outside what the bootstrap stack allows (its environment) fails and writes nothing.
    """

    def work(event: Event, context: Any) -> Result:
        from vended_logs_policy.function import properties
        from vended_logs_policy.target import Allowed

        scope = scope_of(context)
        new_id = physical_id(scope.region, event.get("ResourceProperties"))
        try:
            allowed = Allowed.from_env(os.environ if environ is None else environ)
            props = allowed.check(properties.parse(event.get("ResourceProperties")))
            service = runtime.service(scope, runtime.deadline(context))
            result = service.ensure(props.policy_name, scope, props.options)
        except VendedLogsPolicyError as exc:
            reason = _reason(exc)
            logger.error("request failed", extra={"reason": reason})
            raise RequestFailed(reason) from exc
        except Exception as exc:
            logger.exception("unexpected failure")
            raise RequestFailed(f"unexpected {type(exc).__name__}; see the function's log") from exc
        outcome = result.outcome
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
        data = {
            "PolicyName": result.name,
            "PolicyLength": outcome.length,
            "Changed": "true" if result.writes else "false",
            "RemovedResources": len(outcome.removed_resources),
        }
        return Result(new_id, data)

    return work


def _reason(exc: VendedLogsPolicyError) -> str:
    """The error's message fitted to CloudFormation's Reason."""
    from vended_logs_policy.service import PolicyQuotaError

    if isinstance(exc, PolicyQuotaError):
        return cfn_protocol.fit_reason(exc.shortened(cfn_protocol.MAX_REASON))
    return cfn_protocol.fit_reason(str(exc))


def retain_policy(event: Event, context: Any) -> Result:
    """Delete: leave the policy in place, other stacks rely on it. Never fails."""
    logger.info("delete: policy retained", extra={"physical_id": event.get("PhysicalResourceId")})
    # A Delete always names its resource; should one not, answer with the stable id rather than
    # let crhelper derive one from the StackId (which fails on anything but a stack ARN).
    return Result(str(event.get("PhysicalResourceId") or _failure_id(event, context)), {})


class CustomResourceHandler:
    """The Lambda handler, with its clients, clock and answer sender (tests pass their own)."""

    def __init__(
        self,
        runtime: Runtime | None = None,
        sender: Sender = deliver,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        runtime = runtime or Runtime()
        self.sender = sender
        self.bridge = CustomResourceBridge(
            Lifecycle(ensure_policy(runtime, environ), retain_policy, _failure_id), sender
        )
        self._handle = logger.inject_lambda_context(log_event=False, clear_state=True)(self._answer)

    def __call__(self, event: Event, context: Any) -> None:
        """Answer one CloudFormation custom resource request (never logs the event itself)."""
        self._handle(event, context)

    def _answer(self, event: Event, context: Any) -> None:
        problem = cfn_protocol.malformed(event)
        if problem is not None:
            _answer_malformed(event, problem, context, self.sender)
            return
        logger.append_keys(
            request_type=event["RequestType"],
            stack_id=event["StackId"],
            logical_resource_id=event["LogicalResourceId"],
            cfn_request_id=event["RequestId"],
        )
        self.bridge(event, context)


def _answer_malformed(event: Any, problem: tuple[str, str], context: Any, sender: Sender) -> None:
    """FAILED for a request that cannot be routed (there is no one to answer without a URL)."""
    url, reason = problem
    logger.error("malformed request", extra={"reason": reason})
    if url:
        body = cfn_protocol.failed_body(event, reason)
        sender(url, body, lambda: context.get_remaining_time_in_millis() / 1000 - 0.1)


# crhelper logs the event and the presigned ResponseURL (a secret) at DEBUG: its loggers stay at
# INFO or above even when POWERTOOLS_LOG_LEVEL=DEBUG is set to troubleshoot the function.
copy_config_to_registered_loggers(
    source_logger=logger, include={"crhelper"}, log_level=max(logging.INFO, logger.log_level)
)
lambda_handler = CustomResourceHandler()
