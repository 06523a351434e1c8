"""``apply``: ensure the policy in one target, saving what each write replaces first."""

from __future__ import annotations

from typing import Any

from vended_logs_policy.cli.commands.plan import outcome_data, outcome_lines, plan_target
from vended_logs_policy.cli.live import Target
from vended_logs_policy.cli.results import EXIT_OK, Status, TargetResult
from vended_logs_policy.cli.settings import PolicySettings
from vended_logs_policy.diff import DocumentDiff
from vended_logs_policy.service import EnsureResult, PolicyService


def _written(target: Target, settings: PolicySettings, ensured: EnsureResult) -> TargetResult:
    outcome, (change, why) = ensured.outcome, _explained(ensured)
    summary = (
        f"{settings.name}: written ({outcome.before_length} -> {outcome.length} characters)"
        + "".join(f"; backup: {p}" for p in target.backups)
    )
    return TargetResult(
        target.account,
        target.region,
        Status.WRITTEN,
        EXIT_OK,
        summary,
        outcome_lines(outcome, change, why),
        _data(target, settings, ensured, change) | {"why": why},
    )


def _unchanged(target: Target, settings: PolicySettings, ensured: EnsureResult) -> TargetResult:
    outcome, (change, why) = ensured.outcome, _explained(ensured)
    summary = f"{settings.name}: already compliant, nothing written ({outcome.length} characters)"
    return TargetResult(
        target.account,
        target.region,
        Status.UNCHANGED,
        EXIT_OK,
        summary,
        outcome_lines(outcome, change, why),
        _data(target, settings, ensured, change) | {"why": why},
    )


def _explained(ensured: EnsureResult) -> tuple[DocumentDiff, str]:
    return ensured.explained.change, ensured.explained.explanation


def _data(
    target: Target, settings: PolicySettings, ensured: EnsureResult, change: DocumentDiff
) -> dict[str, Any]:
    return outcome_data(settings.name, ensured.outcome, change) | {
        "changed": bool(ensured.writes),
        "existed": ensured.existed,
        "writes": ensured.writes,
        "backups": [str(p) for p in target.backups],
    }


def apply_target(
    target: Target, settings: PolicySettings, *, backup_dir: str, dry_run: bool
) -> TargetResult:
    """Read, merge, back up, write, verify; a second run writes nothing."""
    if dry_run:
        result = plan_target(target, settings)
        result.code = EXIT_OK
        return result
    writer = target.backup_writer(backup_dir, "apply")
    service = PolicyService(target.policies(), before_write=writer)
    ensured = service.ensure(settings.name, target.scope, settings.options)
    return (_written if ensured.writes else _unchanged)(target, settings, ensured)
