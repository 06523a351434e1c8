"""Lambda entry point of the account guard: a CloudFormation Lambda Hook on state machines.

Before any ``AWS::StepFunctions::StateMachine`` is created or updated (from any stack, any tool,
or the Cloud Control API), it ensures the policy, then checks the state machine's CloudWatch Logs
destinations against the account's grants. An ``AWS::Logs::DeliveryDestination`` (vended logs V2)
whose ``DestinationResourceArn`` is a log group gets the same answers; one to S3 or Firehose gets
SUCCESS with no AWS call. It answers within ``ANSWER_WITHIN`` seconds of its
start (CloudFormation waits 30), whatever the service does:

- SUCCESS: the policy is right (an uncovered destination is reported, not refused: Step Functions
  will append that one ARN and the deployment works);
- FAILED ``NonCompliant``: the policy cannot be made to fit, so the state machine would fail too;
- FAILED ``InternalFailure``: our own fault (access denied, throttled past the budget, a malformed
  request); the hook's ``FailureMode`` decides whether CloudFormation goes on.

Deletes, other resource types and stack or change-set targets get SUCCESS with no AWS call.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from vended_logs_policy.errors import VendedLogsPolicyError
from vended_logs_policy.function.hook_protocol import (
    DELIVERY_DESTINATION,
    HookRequest,
    HookResponse,
    coverage_annotations,
    joined,
    parse_request,
)
from vended_logs_policy.function.runtime import Runtime, scope_of
from vended_logs_policy.symptoms import full_policy_symptoms

if TYPE_CHECKING:  # imported by the first guarded request, not at a cold start
    from vended_logs_policy.engine.scope import Scope
    from vended_logs_policy.function.settings import Settings
    from vended_logs_policy.service import EnsureResult

logger = Logger()  # its service from POWERTOOLS_SERVICE_NAME, as the template sets it

GUARDED_TYPE = "AWS::StepFunctions::StateMachine"
GUARDED_TYPES = frozenset({GUARDED_TYPE, DELIVERY_DESTINATION})
GUARDED_POINTS = frozenset({"CREATE_PRE_PROVISION", "UPDATE_PRE_PROVISION"})
ANSWER_WITHIN = 25.0  # seconds from the start; CloudFormation waits 30
ANSWER_MARGIN = 1.0  # kept back to build and return the answer


class AccountGuardHandler:
    """The hook handler, with its clients, settings and clock (tests pass their own)."""

    def __init__(
        self,
        runtime: Runtime | None = None,
        environ: Mapping[str, str] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        answer_within: float = ANSWER_WITHIN,
    ) -> None:
        self.runtime = runtime or Runtime()
        self._environ = os.environ if environ is None else environ
        self._clock = clock
        self._answer_within = answer_within
        self._handle = logger.inject_lambda_context(log_event=False, clear_state=True)(self._answer)

    def __call__(self, event: Any, context: Any) -> dict[str, Any]:
        """Answer one hook invocation."""
        answer: dict[str, Any] = self._handle(event, context)
        return answer

    def _answer(self, event: Any, context: Any) -> dict[str, Any]:
        started = self._clock()
        try:
            request = parse_request(event)
        except VendedLogsPolicyError as exc:
            logger.error("malformed hook request", extra={"reason": str(exc)})
            token = event.get("clientRequestToken") if isinstance(event, dict) else None
            return HookResponse.internal_failure(f"invalid hook request: {exc}", token).body()
        logger.append_keys(
            action=request.invocation_point,
            target_type=request.target_type,
            target_logical_id=request.logical_id,
            stack_id=request.stack_id,
        )
        if not _guarded(request):
            message = f"nothing to do for {request.invocation_point} of {request.target_type}"
            return HookResponse.success(message, request.token).body()
        return self._guard(request, context, started).body()

    def _guard(self, request: HookRequest, context: Any, started: float) -> HookResponse:
        from vended_logs_policy.function.settings import Settings
        from vended_logs_policy.service import PolicyTooLargeError

        try:
            settings = Settings.from_env(self._environ)
            scope = scope_of(context)
            result = self._ensure(settings, scope, context, started)
        except PolicyTooLargeError as exc:
            logger.warning("policy cannot fit", extra={"reason": str(exc)})
            return HookResponse.non_compliant(
                f"{exc}; until it fits, {full_policy_symptoms()}",
                request.token,
            )
        except VendedLogsPolicyError as exc:
            logger.error("guard failed", extra={"reason": str(exc)})
            return HookResponse.internal_failure(str(exc), request.token)
        except Exception as exc:
            logger.exception("unexpected failure")
            return HookResponse.internal_failure(
                f"unexpected {type(exc).__name__}; see the function's log", request.token
            )
        return _covered_answer(request, result, scope, settings)

    def _ensure(
        self, settings: Settings, scope: Scope, context: Any, started: float
    ) -> EnsureResult:
        def time_left() -> float:
            by_hook = self._answer_within - (self._clock() - started)
            by_lambda = float(context.get_remaining_time_in_millis()) / 1000
            return min(by_hook, by_lambda) - ANSWER_MARGIN

        service = self.runtime.service(scope, time_left)
        result = service.ensure(settings.policy_name, scope, settings.options)
        logger.info(
            "policy ensured",
            extra={
                "policy_name": result.name,
                "writes": result.writes,
                "rounds": result.rounds,
                "length_before": result.outcome.before_length,
                "length_after": result.outcome.length,
            },
        )
        return result


def _guarded(request: HookRequest) -> bool:
    """A create or update of a state machine, or of a delivery destination that is a log group."""
    if request.target_type not in GUARDED_TYPES or request.invocation_point not in GUARDED_POINTS:
        return False
    return request.target_type != DELIVERY_DESTINATION or bool(request.log_group_arns())


def _covered_answer(
    request: HookRequest, result: EnsureResult, scope: Scope, settings: Settings
) -> HookResponse:
    outcome = result.outcome
    if result.writes:
        state = (
            f"policy {result.name} ensured: wrote {outcome.before_length} -> "
            f"{outcome.length} characters ({result.writes} write)"
        )
    else:
        state = f"policy {result.name} already compliant ({outcome.length} characters), no write"
    annotations, uncovered = coverage_annotations(
        request.log_group_arns(),
        result.documents(),
        scope,
        result.name,
        settings.options,
        appends=request.target_type != DELIVERY_DESTINATION,
    )
    message = joined([state, *uncovered])
    return HookResponse.success(message, request.token, annotations)


lambda_handler = AccountGuardHandler()
