"""Tidy: ensure the account-level wildcard, then delete the per-log-group policies it covers.

Each ``redundant`` per-log-group policy (see ``log_groups``) is deleted with the revision id it
was read with, after ``before_delete`` saved it. A refusal (another revision: someone wrote it
since; or no policy: it is gone) skips it with the reason; it is never retried or overwritten.
``delivery`` and ``foreign`` policies are never touched. The service's own permissions hold no
``logs:DeleteResourcePolicy``: only an operator's CLI run tidies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from vended_logs_policy.adapters.logs import LogGroupPolicy, ResourcePolicies
from vended_logs_policy.engine.log_group_policies import Kind
from vended_logs_policy.engine.policy import Options, Scope
from vended_logs_policy.log_groups import LogGroupReport, report
from vended_logs_policy.service import EnsureResult, PolicyService

BeforeDelete: TypeAlias = Callable[[LogGroupPolicy], None]

REASONS = {
    "OperationAbortedException": (
        "its revision changed since it was read (another writer): not deleted; run tidy again "
        "to classify it afresh"
    ),
    "ResourceNotFoundException": "it is gone: deleted since it was read; nothing to do",
}
NO_REVISION = (
    "the service sent no revision id for it, so it cannot be deleted safely; delete it by hand "
    "if you mean to"
)


@dataclass(frozen=True)
class Skipped:
    """A redundant policy tidy did not delete, and why."""

    resource_arn: str
    reason: str


@dataclass(frozen=True)
class TidyResult:
    """What tidy found and did; ``ensured`` is None for a preview."""

    found: LogGroupReport
    ensured: EnsureResult | None
    removed: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()


def preview(service: PolicyService, name: str, scope: Scope, options: Options) -> TidyResult:
    """What tidy would remove (the wildcard as apply would make it); writes nothing."""
    policies = service.policies
    stored = policies.account_policies()
    return TidyResult(report(policies.log_group_policies(), stored, name, scope, options), None)


def _delete(
    policies: ResourcePolicies, policy: LogGroupPolicy, before_delete: BeforeDelete
) -> str | None:
    """Delete one policy at its revision; the reason it was skipped, None when deleted."""
    if policy.revision_id is None:
        return NO_REVISION
    before_delete(policy)
    refused = policies.delete_log_group_policy(policy)
    return None if refused is None else REASONS.get(refused, refused)


def tidy(
    service: PolicyService,
    name: str,
    scope: Scope,
    options: Options,
    before_delete: BeforeDelete,
) -> TidyResult:
    """Ensure ``name`` (as apply does), then delete each redundant per-log-group policy."""
    ensured = service.ensure(name, scope, options)
    policies = service.policies
    found = report(policies.log_group_policies(), ensured.stored, name, scope, options)
    removed: list[str] = []
    skipped: list[Skipped] = []
    for policy in found.of_kind(Kind.REDUNDANT):
        reason = _delete(policies, policy, before_delete)
        if reason is None:
            removed.append(policy.resource_arn)
        else:
            skipped.append(Skipped(policy.resource_arn, reason))
    return TidyResult(found, ensured, tuple(removed), tuple(skipped))
