"""Per-log-group policies of one region, each classified against the account-level grants.

The account-level grants are those of every stored account-level policy, with the target policy
as ``apply`` would make it (ensured), so a per-log-group policy is ``redundant`` when the wildcard,
as it stands or as apply would make it, provably covers it. Other account-level policies that only
grant delivery and that the ensured target covers are named as candidates to fold in (the quota of
10 account-level policies per region).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vended_logs_policy.adapters.logs import LogGroupPolicy, StoredPolicy
from vended_logs_policy.engine import policy
from vended_logs_policy.engine.log_group_policies import Kind, account_grants, classify_text
from vended_logs_policy.engine.policy import RESOURCE_LIMIT, Options, Scope
from vended_logs_policy.errors import PolicyError

__all__ = ["RESOURCE_LIMIT", "ClassifiedPolicy", "LogGroupReport", "account_documents", "report"]


@dataclass(frozen=True)
class ClassifiedPolicy:
    """One per-log-group policy and what it is."""

    policy: LogGroupPolicy
    kind: Kind

    @property
    def length(self) -> int:
        """Characters of the stored document (per-log-group limit: 51,200)."""
        return len(self.policy.text)


@dataclass(frozen=True)
class LogGroupReport:
    """Every per-log-group policy classified, and the account-level policies that could fold in."""

    policies: tuple[ClassifiedPolicy, ...]
    foldable: tuple[str, ...] = ()

    def arns(self, kind: Kind) -> list[str]:
        """The log group ARNs whose policy is of this kind, in service order."""
        return [c.policy.resource_arn for c in self.policies if c.kind is kind]

    def of_kind(self, kind: Kind) -> list[LogGroupPolicy]:
        """The policies of this kind."""
        return [c.policy for c in self.policies if c.kind is kind]

    @property
    def largest_length(self) -> int:
        """The longest per-log-group document, 0 when there is none."""
        return max((c.length for c in self.policies), default=0)

    def as_json(self) -> dict[str, Any]:
        """``{"count", "redundant", "delivery", "foreign", "largest_length", "limit"}``."""
        return {
            "count": len(self.policies),
            **{kind.value: self.arns(kind) for kind in Kind},
            "largest_length": self.largest_length,
            "limit": RESOURCE_LIMIT,
        }


def _parsed(text: str | None) -> dict[str, Any] | None:
    try:
        return None if text is None else policy.parse_document(text)
    except PolicyError:
        return None


def _ensured(text: str | None, scope: Scope, options: Options) -> dict[str, Any] | None:
    document = _parsed(text)
    if text is not None and document is None:
        return None
    try:
        return policy.ensure(document, scope, options).document
    except PolicyError:
        return document


def account_documents(
    stored: Sequence[StoredPolicy], name: str, scope: Scope, options: Options
) -> list[dict[str, Any]]:
    """The account-level documents that parse, the one named ``name`` as apply would make it."""
    target = next((p for p in stored if p.name == name), None)
    documents = [_parsed(p.text) for p in stored if p.name != name]
    ensured = _ensured(None if target is None else target.text, scope, options)
    return [d for d in [ensured, *documents] if d is not None]


def _foldable(
    stored: Sequence[StoredPolicy], name: str, scope: Scope, options: Options
) -> tuple[str, ...]:
    target = next((p for p in stored if p.name == name), None)
    ensured = _ensured(None if target is None else target.text, scope, options)
    grants = account_grants([] if ensured is None else [ensured])
    return tuple(
        p.name
        for p in stored
        if p.name != name
        and classify_text(p.text, grants, scope, options.source_conditions) is Kind.REDUNDANT
    )


def report(
    found: Sequence[LogGroupPolicy],
    stored: Sequence[StoredPolicy],
    name: str,
    scope: Scope,
    options: Options,
) -> LogGroupReport:
    """Classify each per-log-group policy against the account-level grants (``name`` ensured)."""
    grants = account_grants(account_documents(stored, name, scope, options))
    classified = tuple(
        ClassifiedPolicy(p, classify_text(p.text, grants, scope, options.source_conditions))
        for p in found
    )
    return LogGroupReport(classified, _foldable(stored, name, scope, options))
