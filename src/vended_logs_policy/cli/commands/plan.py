"""``plan``: what apply would change in one target, as a statement-level diff (exit 2 if any)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timezone
from typing import Any

from vended_logs_policy.backup import Backup
from vended_logs_policy.cli import grants, values
from vended_logs_policy.cli.live import Target
from vended_logs_policy.cli.results import EXIT_CHANGES, EXIT_OK, Status, TargetResult
from vended_logs_policy.cli.settings import PolicySettings
from vended_logs_policy.diff import DocumentDiff, describe
from vended_logs_policy.engine.policy import CLASSIC_LIMIT, Outcome
from vended_logs_policy.service import PolicyService
from vended_logs_policy.target import DEFAULT_ALLOWED_PREFIXES


def outcome_data(name: str, outcome: Outcome, change: DocumentDiff) -> dict[str, Any]:
    """The JSON fields plan and apply share."""
    return {
        "policy_name": name,
        "changed": outcome.changed,
        "length_before": outcome.before_length,
        "length_after": outcome.length,
        "limit": outcome.limit,
        "within_limit": outcome.within_limit,
        "added": list(outcome.added_resources),
        "removed": list(outcome.removed_resources),
        "uncovered": len(outcome.uncovered_resources),
        "diff": change.as_json(),
    }


def outcome_lines(outcome: Outcome, change: DocumentDiff, why: str) -> list[str]:
    """The detail lines plan and apply share: the diff, the limit, why resources stay."""
    lines = describe(change) if outcome.changed else []
    if not outcome.within_limit:
        lines.append(f"  over the classic limit of {CLASSIC_LIMIT} characters")
    if why:
        lines.append(f"  {why}")
    return lines


def _backup(target: Target, name: str, existed: bool, text: str | None) -> dict[str, Any]:
    """The stored policy in the backup format (with its digest): ``restore`` reads it back."""
    taken_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    found = Backup(target.account, target.region, target.run.partition, name, taken_at, "plan",
                   existed, text)  # fmt: skip
    return found.as_json()


def _verdict(name: str, existed: bool, outcome: Outcome) -> tuple[str, Status, int]:
    """The summary, status and exit code before ``--fail-on``: a region without the policy is
    said as such (apply would create it), apart from a change to a stored one."""
    if not existed:
        summary = f"{name}: no policy yet (apply would create it: {outcome.length} characters)"
        return summary, Status.NO_POLICY, EXIT_OK
    if outcome.changed:
        summary = f"{name}: change needed ({outcome.before_length} -> {outcome.length} characters)"
        return summary, Status.CHANGE_NEEDED, EXIT_CHANGES
    return f"{name}: already compliant ({outcome.length} characters)", Status.COMPLIANT, EXIT_OK


def plan_target(
    target: Target,
    settings: PolicySettings,
    *,
    allowed_prefixes: Sequence[str] = DEFAULT_ALLOWED_PREFIXES,
    fail_on: Collection[str] = frozenset(),
) -> TargetResult:
    """Read the policy and say what ensuring it would change; write nothing.

    The over-broad grants of the policy apply would leave are findings, and so is a region
    without the policy (``no-policy``: status ``no_policy``, exit 0); one named in ``fail_on``
    makes the target exit 2 like a change.
    """
    planned = PolicyService(target.policies()).plan(settings.name, target.scope, settings.options)
    outcome, change, why = planned.outcome, planned.explained.change, planned.explained.explanation
    data = outcome_data(settings.name, outcome, change) | {
        "why": why,
        "exists": planned.existed,
        "before": planned.explained.before,
        "after": outcome.document,
        "backup": _backup(target, settings.name, planned.existed, planned.stored_text),
    }
    found = grants.grant_findings(settings.name, outcome.document, allowed_prefixes)
    present = ([] if planned.existed else [values.NO_POLICY]) + grants.kinds(found)
    failing = [kind for kind in present if kind in fail_on]
    data |= {"findings": present, "grant_findings": found, "failing": failing}
    summary, status, code = _verdict(settings.name, planned.existed, outcome)
    if failing:
        summary += f" (fails on {', '.join(failing)})"
        status = status if status is Status.CHANGE_NEEDED else Status.FINDINGS
        code = EXIT_CHANGES
    lines = outcome_lines(outcome, change, why) + grants.lines(found)
    return TargetResult(target.account, target.region, status, code, summary, lines, data)
