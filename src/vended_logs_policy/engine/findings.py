"""Over-broad delivery grants: findings for ``plan``, ``audit`` and the watch.

A *delivery grant* is an Allow statement whose ``Principal`` names ``delivery.logs.amazonaws.com``
among its services and whose actions include ``logs:CreateLogStream`` or ``logs:PutLogEvents``
(wildcards expanded, ``NotAction`` read as "everything else"). Two findings:

* ``unconditional-grant``: the grant carries no confused-deputy condition key
  (``aws:SourceAccount``, ``aws:SourceArn``, ``aws:SourceOrgID``, ``aws:SourceOrgPaths``), so any
  account's delivery may use it.
* ``broad-grant``: one of its resources can match a log group whose name starts with none of the
  allowed prefixes (``log-group:/a*:*``, ``*``, a ``NotResource``). The check is sound: a resource
  is left out only when ``arn:*:logs:*:*:log-group:<prefix>*`` provably covers it (``glob``), or
  when its literal head proves it names no log group (another service, another resource type,
  a log group named in full under an allowed prefix).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vended_logs_policy.engine.document import as_list, statements
from vended_logs_policy.engine.enums import StrEnum
from vended_logs_policy.engine.glob import covers_arn, matches

DELIVERY_SERVICE = "delivery.logs.amazonaws.com"
DELIVERY_ACTIONS = ("logs:createlogstream", "logs:putlogevents")
CONFUSED_DEPUTY_KEYS = frozenset(
    {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"}
)
# ARN parts: arn:partition:service:region:account:resource-type:name[:...]
_SERVICE, _TYPE, _NAME = 2, 5, 6


class FindingKind(StrEnum):
    """The over-broad grant findings, named as ``--fail-on`` takes them."""

    UNCONDITIONAL = "unconditional-grant"
    BROAD = "broad-grant"


@dataclass(frozen=True)
class Finding:
    """One over-broad grant: which statement (Sid, else its index) and, if broad, which resource."""

    kind: FindingKind
    index: int
    sid: str | None
    resource: str | None = None

    @property
    def statement(self) -> str:
        """The statement as a person finds it: its Sid, else its position (from 0)."""
        return f"Sid {self.sid}" if self.sid else f"statement #{self.index}"

    def describe(self, allowed_prefixes: Sequence[str]) -> str:
        """One line saying what is wrong and why."""
        if self.kind is FindingKind.UNCONDITIONAL:
            return (
                f"{self.kind}: {self.statement} grants {DELIVERY_SERVICE} without an "
                "aws:SourceAccount or aws:SourceArn condition (confused-deputy protection)"
            )
        return (
            f"{self.kind}: {self.statement} grants {DELIVERY_SERVICE} on {self.resource}, "
            f"which reaches log groups outside {', '.join(allowed_prefixes)}"
        )


def _action_matches(patterns: list[Any], action: str) -> bool:
    return any(isinstance(p, str) and matches(p.lower(), action) for p in patterns)


def is_delivery_grant(statement: Mapping[str, Any]) -> bool:
    """Allow for the delivery service of at least one delivery action."""
    principal = statement.get("Principal")
    if statement.get("Effect") != "Allow" or not isinstance(principal, dict):
        return False
    if DELIVERY_SERVICE not in as_list(principal.get("Service", [])):
        return False
    if "NotAction" in statement:
        excluded = as_list(statement["NotAction"])
        return any(not _action_matches(excluded, a) for a in DELIVERY_ACTIONS)
    granted = as_list(statement.get("Action", []))
    return any(_action_matches(granted, a) for a in DELIVERY_ACTIONS)


def is_unconditional(statement: Mapping[str, Any]) -> bool:
    """Whether no condition of the statement names a confused-deputy key."""
    condition = statement.get("Condition")
    blocks = condition.values() if isinstance(condition, dict) else []
    keys = {str(key).lower() for block in blocks if isinstance(block, dict) for key in block}
    return not keys & CONFUSED_DEPUTY_KEYS


def _outside(name: str, allowed_prefixes: Sequence[str]) -> bool:
    return not any(name.startswith(prefix) for prefix in allowed_prefixes)


def _names_no_log_group(parts: list[str]) -> bool:
    """Whether fixed ARN parts rule out every log group ARN."""
    fixed = {0: "arn", _SERVICE: "logs", _TYPE: "log-group"}
    return any(index < len(parts) and parts[index] != want for index, want in fixed.items())


def reaches_outside(resource: str, allowed_prefixes: Sequence[str]) -> bool:
    """Whether the resource pattern can match a log group named outside every allowed prefix."""
    if any(covers_arn(f"arn:*:logs:*:*:log-group:{p}*", resource) for p in allowed_prefixes):
        return False
    wildcard = min((i for i in (resource.find("*"), resource.find("?")) if i >= 0), default=-1)
    literal = wildcard < 0
    head = resource if literal else resource[:wildcard]
    parts = head.split(":")
    complete = parts if literal else parts[:-1]  # the part a wildcard ends is not fixed
    if _names_no_log_group(complete):
        return False
    if len(complete) > _NAME:
        return _outside(complete[_NAME], allowed_prefixes)
    return not literal  # a literal ARN too short to name a log group names none


def _statement_findings(
    index: int, statement: Mapping[str, Any], allowed_prefixes: Sequence[str]
) -> list[Finding]:
    sid = statement.get("Sid") if isinstance(statement.get("Sid"), str) else None
    found: list[Finding] = []
    if is_unconditional(statement):
        found.append(Finding(FindingKind.UNCONDITIONAL, index, sid))
    if "NotResource" in statement:
        listed = as_list(statement["NotResource"])
        found.append(Finding(FindingKind.BROAD, index, sid, f"NotResource {listed}"))
    for resource in as_list(statement.get("Resource", [])):
        if not isinstance(resource, str) or reaches_outside(resource, allowed_prefixes):
            found.append(Finding(FindingKind.BROAD, index, sid, str(resource)))
    return found


def over_broad(
    document: Mapping[str, Any] | None, allowed_prefixes: Sequence[str]
) -> tuple[Finding, ...]:
    """Every over-broad delivery grant of the document, in statement order."""
    if not document:
        return ()
    found: list[Finding] = []
    for index, statement in enumerate(statements(document)):
        if isinstance(statement, Mapping) and is_delivery_grant(statement):
            found.extend(_statement_findings(index, statement, allowed_prefixes))
    return tuple(found)
