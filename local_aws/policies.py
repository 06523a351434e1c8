"""Shared policy test data: the field report's account, region and policy, and document builders.

The builders return fresh objects (``document`` deep-copies its statements), so a test may mutate
what it gets without touching the module constants. Key order is the one the service and the
field report use (Sid, Effect, Principal, Action, Resource), so rendered documents stay
byte-identical to the hand-written ones they replace.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Final

from vended_logs_policy.engine.policy import Scope, ensure, parse_document

ACCOUNT: Final = "123456789012"
REGION: Final = "us-west-2"
NAME: Final = "AWSLogDeliveryWrite20150319"
SCOPE: Final = Scope("aws", REGION, ACCOUNT)
DELIVERY: Final = "delivery.logs.amazonaws.com"
ACTIONS: Final = ("logs:CreateLogStream", "logs:PutLogEvents")
SID: Final = "AWSLogDeliveryWrite"
VERSION: Final = "2012-10-17"
# Log group ARNs of the account and region; append ":/aws/...".
ARN: Final = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group"
STATES: Final = f"{ARN}:/aws/vendedlogs/states/*:*"
PIPES: Final = f"{ARN}:/aws/vendedlogs/pipes/*:*"
# Outside the default prefix: compaction must keep it.
OUTSIDE: Final = f"{ARN}:/aws/apigateway/welcome:*"
# Per-state-machine grants as in the field report (the report itself has a fourth).
REPORT_RESOURCES: Final = tuple(
    f"{ARN}:/aws/vendedlogs/states/{name}-Logs:log-stream:*"
    for name in ("HelloWorld", "InputOutput", "InputOutputStateMachine")
)
# describe-resource-policies output from the field report.
REPORT: Final = Path(__file__).resolve().parent / "data" / "report_policy.json"


def delivery_statement(
    resources: str | list[str] | tuple[str, ...], *, sid: str | None = SID, **extra: Any
) -> dict[str, Any]:
    """The log-delivery service's Allow statement; ``sid=None`` leaves out the Sid, ``extra``
    adds keys after Resource (e.g. ``Condition=...``)."""
    statement: dict[str, Any] = {} if sid is None else {"Sid": sid}
    statement |= {
        "Effect": "Allow",
        "Principal": {"Service": DELIVERY},
        "Action": list(ACTIONS),
        "Resource": resources if isinstance(resources, str) else list(resources),
    }
    return statement | extra


def route53_statement(
    resource: str = f"{ARN}:/aws/route53/*", *, sid: str | None = None
) -> dict[str, Any]:
    """Another service's grant: Route 53 query logging."""
    statement: dict[str, Any] = {} if sid is None else {"Sid": sid}
    return statement | {
        "Effect": "Allow",
        "Principal": {"Service": "route53.amazonaws.com"},
        "Action": list(ACTIONS),
        "Resource": resource,
    }


# Another principal's statement, which every change must keep as it is. Do not mutate: tests
# compare against it; ``document`` copies it.
ROUTE53: Final = route53_statement(sid="Route53QueryLogs")


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    """A policy document of the statements (deep-copied), Version 2012-10-17."""
    return {"Version": VERSION, "Statement": copy.deepcopy(list(statements))}


def seeded_document() -> dict[str, Any]:
    """The report's per-state-machine grants plus a log group outside the prefix, and Route 53's
    statement: what a compliant result must keep."""
    return document(delivery_statement([*REPORT_RESOURCES, OUTSIDE]), ROUTE53)


def report_text() -> str:
    """The field report's policy document, as the service returned it (four resources)."""
    text: str = json.loads(REPORT.read_text(encoding="utf-8"))["resourcePolicies"][0][
        "policyDocument"
    ]
    return text


def report_document() -> dict[str, Any]:
    """The field report's policy document, parsed."""
    parsed: dict[str, Any] = json.loads(report_text())
    return parsed


def compliant_text() -> str:
    """The report's policy after ensure: what a second request finds."""
    return ensure(parse_document(report_text()), SCOPE).text


def route53_text(number: int) -> str:
    """Another service's policy (Route 53 query logs of one zone), e.g. to fill the region's
    quota of 10 policies."""
    return json.dumps(document(route53_statement(f"{ARN}:/aws/route53/zone{number}:*")))
