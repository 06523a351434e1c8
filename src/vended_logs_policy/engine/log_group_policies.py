"""Per-log-group resource policies (2026) against the account-level grants: what each one is.

Since 2026 CloudWatch Logs may give a log group its own resource policy when a delivery to it is
set up and no account-level policy grants the delivery through a wildcard. Each such policy is:

- ``redundant``: every statement is a *delivery grant* (Allow, the principal exactly
  ``delivery.logs.amazonaws.com``, actions among ``logs:CreateLogStream`` and
  ``logs:PutLogEvents``) and every resource of it is provably covered (``glob.covers_arn``) by an
  account-level statement granting delivery at least those actions, whose conditions may absorb the
  statement's under the rule of ``conditions.may_absorb``; removing it loses nothing;
- ``delivery``: only delivery grants, but something in them is not covered (or it has none);
- ``foreign``: any statement for another principal or action, a Deny, a ``Not...`` element, or a
  document that does not parse: never touched.

The same test tells whether another account-level policy could fold into the target policy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vended_logs_policy.engine.conditions import Conditions, may_absorb, normal_conditions
from vended_logs_policy.engine.document import (
    as_list,
    parse_document,
    statements,
    substitutes_variables,
)
from vended_logs_policy.engine.enums import StrEnum
from vended_logs_policy.engine.glob import covers, covers_arn
from vended_logs_policy.engine.policy import DELIVERY_ACTIONS, DELIVERY_SERVICE, NOT_ELEMENTS
from vended_logs_policy.engine.scope import Scope
from vended_logs_policy.errors import PolicyError

__all__ = [
    "Grant",
    "Kind",
    "account_grants",
    "classify",
    "classify_text",
    "is_delivery_grant",
    "uncovered_in",
]

_ACTIONS = frozenset(a.lower() for a in DELIVERY_ACTIONS)


class Kind(StrEnum):
    """What a per-log-group policy is, against the account-level grants."""

    REDUNDANT = "redundant"
    DELIVERY = "delivery"
    FOREIGN = "foreign"


@dataclass(frozen=True)
class Grant:
    """One account-level delivery grant: its actions (lower case), resource and conditions."""

    actions: tuple[str, ...]
    resource: str
    conditions: Conditions


def _services(statement: Mapping[str, Any]) -> set[str] | None:
    principal = statement.get("Principal")
    if not isinstance(principal, dict) or set(principal) != {"Service"}:
        return None
    return set(as_list(principal["Service"]))


def _plain_allow(statement: Mapping[str, Any]) -> bool:
    return statement.get("Effect") == "Allow" and not any(k in statement for k in NOT_ELEMENTS)


def _actions(statement: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(a.lower() for a in as_list(statement.get("Action", [])))


def is_delivery_grant(statement: Any) -> bool:
    """Allow for the delivery service alone, of delivery actions only, on listed resources."""
    return (
        isinstance(statement, dict)
        and _plain_allow(statement)
        and _services(statement) == {DELIVERY_SERVICE}
        and "Resource" in statement
        and bool(_actions(statement))
        and set(_actions(statement)) <= _ACTIONS
    )


def _grants_from(document: Mapping[str, Any]) -> list[Grant]:
    substitutes = substitutes_variables(document)
    found: list[Grant] = []
    for statement in statements(document):
        if not isinstance(statement, dict) or not _plain_allow(statement):
            continue
        if DELIVERY_SERVICE not in (_services(statement) or set()):
            continue
        conditions = normal_conditions(statement)
        found.extend(
            Grant(_actions(statement), resource, conditions)
            for resource in as_list(statement.get("Resource", []))
            if not (substitutes and "${" in resource)
        )
    return found


def account_grants(documents: Sequence[Mapping[str, Any]]) -> list[Grant]:
    """Every delivery grant of the account-level documents, one per resource."""
    return [grant for document in documents for grant in _grants_from(document)]


def _covered(
    resource: str, actions: tuple[str, ...], conditions: Conditions, context: _Context
) -> bool:
    return any(
        covers_arn(grant.resource, resource)
        and all(any(covers(g, a) for g in grant.actions) for a in actions)
        and may_absorb(conditions, grant.conditions, context.scope, context.source)
        for grant in context.grants
    )


@dataclass(frozen=True)
class _Context:
    grants: Sequence[Grant]
    scope: Scope
    source: bool


def _uncovered(statement: Mapping[str, Any], substitutes: bool, context: _Context) -> list[str]:
    actions = _actions(statement)
    conditions = normal_conditions(statement)
    return [
        resource
        for resource in as_list(statement["Resource"])
        if (substitutes and "${" in resource)
        or not _covered(resource, actions, conditions, context)
    ]


def _statement_covered(statement: Mapping[str, Any], substitutes: bool, context: _Context) -> bool:
    return not _uncovered(statement, substitutes, context)


def classify(
    document: Mapping[str, Any], grants: Sequence[Grant], scope: Scope, source: bool = True
) -> Kind:
    """What the document is against the account-level ``grants`` (``source``: the options'
    source conditions, which decide whether a grant may be narrowed to the confused-deputy pair)."""
    try:
        found = statements(document)
    except PolicyError:
        return Kind.FOREIGN
    if not all(is_delivery_grant(s) for s in found):
        return Kind.FOREIGN
    context = _Context(grants, scope, source)
    substitutes = substitutes_variables(document)
    if found and all(_statement_covered(s, substitutes, context) for s in found):
        return Kind.REDUNDANT
    return Kind.DELIVERY


def classify_text(text: str, grants: Sequence[Grant], scope: Scope, source: bool = True) -> Kind:
    """``classify`` for a stored text; a text that does not parse is ``foreign`` (kept)."""
    try:
        document = parse_document(text)
    except PolicyError:
        return Kind.FOREIGN
    return classify(document, grants, scope, source)


def uncovered_in(
    document: Mapping[str, Any], grants: Sequence[Grant], scope: Scope, source: bool = True
) -> list[dict[str, Any]]:
    """For a document of delivery grants only: each statement cut to the resources no grant
    covers (statements left with none dropped), conditions and all else kept as written."""
    context = _Context(grants, scope, source)
    substitutes = substitutes_variables(document)
    cut = []
    for statement in statements(document):
        left = _uncovered(statement, substitutes, context)
        if left:
            cut.append({**statement, "Resource": left})
    return cut
