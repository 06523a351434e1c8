"""The CloudFormation Lambda Hook protocol: the request fields we read, the answer we return.

CloudFormation cuts ``message`` at 4096 characters and the Cloud Control API at 1024; messages
are fitted to 1024 from their start so both show what matters, lists of destinations end with
"... and N more", and at most ``MAX_ANNOTATIONS`` annotations are returned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from vended_logs_policy.errors import InvalidInputError
from vended_logs_policy.text import clip

if TYPE_CHECKING:  # the engine is imported when a destination is first checked (cold start)
    from vended_logs_policy.engine.policy import Options, Scope

MAX_MESSAGE = 1024
MAX_ANNOTATIONS = 50  # the rest summed up in one: the answer stays far below Lambda's 6 MB
ANNOTATION = "VendedLogsPolicyCoverage"
DELIVERY_DESTINATION = "AWS::Logs::DeliveryDestination"


def fit_message(text: str, limit: int = MAX_MESSAGE) -> str:
    """The message cut from its end to ``limit`` characters."""
    return clip(text, limit)


class HookRequest(NamedTuple):
    """The parts of a hook invocation the guard reads."""

    token: str
    invocation_point: str
    target_type: str
    logical_id: str
    stack_id: str
    properties: Mapping[str, Any]

    def log_group_arns(self) -> list[str]:
        """The CloudWatch Logs destinations of the state machine's LoggingConfiguration, or the
        delivery destination's log group (vended logs V2)."""
        if self.target_type == DELIVERY_DESTINATION:
            return _destination_log_group(self.properties)
        config = self.properties.get("LoggingConfiguration")
        destinations = config.get("Destinations") if isinstance(config, Mapping) else None
        if not isinstance(destinations, list):
            return []
        return [arn for d in destinations if (arn := _log_group_arn(d))]


def _destination_log_group(properties: Mapping[str, Any]) -> list[str]:
    """A delivery destination's ``DestinationResourceArn`` when it names a log group."""
    arn = properties.get("DestinationResourceArn")
    return [arn] if isinstance(arn, str) and ":logs:" in arn and ":log-group:" in arn else []


def _log_group_arn(destination: Any) -> str:
    group = destination.get("CloudWatchLogsLogGroup") if isinstance(destination, Mapping) else None
    arn = group.get("LogGroupArn") if isinstance(group, Mapping) else None
    return arn if isinstance(arn, str) else ""


def _text(event: Mapping[str, Any], key: str) -> str:
    value = event.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidInputError(f"{key} must be a non-empty string")
    return value


def parse_request(event: Any) -> HookRequest:
    """Read a hook invocation, or raise InvalidInputError naming what is wrong."""
    if not isinstance(event, Mapping):
        raise InvalidInputError("the event is not an object")
    data = event.get("requestData")
    if not isinstance(data, Mapping):
        raise InvalidInputError("requestData must be an object")
    model = data.get("targetModel") or {}
    properties = model.get("resourceProperties") if isinstance(model, Mapping) else None
    return HookRequest(
        token=_text(event, "clientRequestToken"),
        invocation_point=_text(event, "actionInvocationPoint"),
        target_type=_text(data, "targetType"),
        logical_id=str(data.get("targetLogicalId") or data.get("targetName") or ""),
        stack_id=str(event.get("stackId") or ""),
        properties=properties if isinstance(properties, Mapping) else {},
    )


class HookResponse(NamedTuple):
    """One answer to CloudFormation."""

    status: str
    message: str
    token: str | None
    error_code: str | None = None
    annotations: Sequence[Mapping[str, str]] = ()

    @classmethod
    def success(
        cls, message: str, token: str | None, annotations: Sequence[Mapping[str, str]] = ()
    ) -> HookResponse:
        """The target may go ahead."""
        return cls("SUCCESS", message, token, None, annotations)

    @classmethod
    def non_compliant(cls, message: str, token: str | None) -> HookResponse:
        """The target would fail: the policy cannot be made right."""
        return cls("FAILED", message, token, "NonCompliant")

    @classmethod
    def internal_failure(cls, message: str, token: str | None) -> HookResponse:
        """The guard itself failed; the hook's FailureMode decides."""
        return cls("FAILED", message, token, "InternalFailure")

    def body(self) -> dict[str, Any]:
        """The JSON CloudFormation reads."""
        body: dict[str, Any] = {"hookStatus": self.status, "message": fit_message(self.message)}
        if self.token is not None:
            body["clientRequestToken"] = self.token
        if self.error_code:
            body["errorCode"] = self.error_code
        if self.annotations:
            body["annotations"] = [dict(a) for a in self.annotations]
        return body


def coverage_annotations(
    arns: Sequence[str],
    documents: Sequence[Mapping[str, Any]],
    scope: Scope,
    policy_name: str,
    options: Options,
    *,
    appends: bool = True,
) -> tuple[list[dict[str, str]], list[str]]:
    """One annotation per destination, and a sentence for each one no grant covers
    (``appends``: Step Functions appends the ARN; else a V2 delivery gets a log-group policy)."""
    from vended_logs_policy.engine.policy import log_group_target

    annotations: list[dict[str, str]] = []
    uncovered: list[str] = []
    for arn in arns:
        target = log_group_target(arn)
        found = _problem(arn, target, documents, scope)
        if found is None:
            annotations.append(_passed(arn))
            continue
        problem, remedy = found or (
            _uncovered(arn, target, policy_name, appends),
            _remedy(arn, options),
        )
        uncovered.append(f"{problem}; {remedy}" if target else problem)
        annotations.append(_failed(problem, remedy))
    return capped(annotations), uncovered


def _problem(
    arn: str, target: str | None, documents: Sequence[Mapping[str, Any]], scope: Scope
) -> tuple[str, str] | tuple[()] | None:
    """None when covered; the problem and remedy of a log group elsewhere; () otherwise."""
    if target is None:
        return ()
    elsewhere = _elsewhere(arn, scope)
    if elsewhere is not None:
        return elsewhere
    from vended_logs_policy.engine.policy import grants_delivery_to

    return None if grants_delivery_to(documents, target, scope) else ()


def capped(annotations: list[dict[str, str]], limit: int = MAX_ANNOTATIONS) -> list[dict[str, str]]:
    """At most ``limit`` annotations, failed ones first; the rest counted in a last one."""
    if len(annotations) <= limit:
        return annotations
    ordered = sorted(annotations, key=lambda a: a["status"] != "FAILED")
    shown, hidden = ordered[: limit - 1], ordered[limit - 1 :]
    failed = sum(1 for a in hidden if a["status"] == "FAILED")
    summary = f"... and {len(hidden)} more destinations ({failed} not covered)"
    return [*shown, {"annotationName": ANNOTATION, "status": "FAILED" if failed else "PASSED",
                     "statusMessage": summary}]  # fmt: skip


def joined(parts: Sequence[str], limit: int = MAX_MESSAGE) -> str:
    """``parts`` joined by "; ", as many whole ones as fit in ``limit``, then "and N more"."""
    for shown in range(len(parts), 0, -1):
        hidden = len(parts) - shown
        text = "; ".join(parts[:shown]) + (f"; ... and {hidden} more" if hidden else "")
        if len(text) <= limit:
            return text
    return fit_message(f"{parts[0]}; ... and {len(parts) - 1} more", limit) if parts else ""


def _elsewhere(arn: str, scope: Scope) -> tuple[str, str] | None:
    """The problem and a remedy that works for a log group outside the guard's partition,
    region or account (None when it is in them): this account's policy cannot cover it."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return None
    partition, region, account = parts[1], parts[3], parts[4]
    if partition != scope.partition:
        return (
            f"log group {arn} is in partition {partition}, not {scope.partition}",
            f"use a log group in partition {scope.partition}: Step Functions delivers logs "
            "only within its own partition",
        )
    if (region, account) == (scope.region, scope.account):
        return None
    return (
        f"log group {arn} is in account {account}, region {region}: this account's policy "
        f"({scope.account}, {scope.region}) cannot cover it",
        f"ensure the policy there: vended-logs-policy apply --region {region} with "
        f"credentials of account {account} (or --accounts {account}), or deploy the bootstrap "
        "stack in that account and region",
    )


def _uncovered(arn: str, target: str | None, policy_name: str, appends: bool = True) -> str:
    if target is None:
        return f"destination {arn} is not a CloudWatch Logs log group ARN"
    if not appends:
        return (
            f"log group {arn} is covered by no grant to delivery.logs.amazonaws.com: CloudWatch "
            "Logs will give the new delivery a policy on the log group itself, taking its one "
            "policy slot"
        )
    return (
        f"log group {arn} is covered by no grant to delivery.logs.amazonaws.com: Step Functions "
        f"will append its ARN to policy {policy_name}"
    )


def _remedy(arn: str, options: Options) -> str:
    """Advice that works: either rename under a prefix the stack ensures, or add this name."""
    name = arn.partition(":log-group:")[2].removesuffix(":*") or arn
    return (
        f"name the log group under {options.effective_prefixes()[0]}, or add {name} to the "
        "bootstrap stack's LogGroupPrefixes"
    )


def _passed(arn: str) -> dict[str, str]:
    return {
        "annotationName": ANNOTATION,
        "status": "PASSED",
        "statusMessage": fit_message(f"log group {arn} is covered by the account's grants"),
    }


def _failed(problem: str, remedy: str) -> dict[str, str]:
    return {
        "annotationName": ANNOTATION,
        "status": "FAILED",
        "statusMessage": fit_message(problem),
        "remediationMessage": fit_message(remedy[0].upper() + remedy[1:] + "."),
        "severityLevel": "MEDIUM",
    }
