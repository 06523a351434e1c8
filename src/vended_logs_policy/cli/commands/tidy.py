"""``tidy``: ensure the wildcard (backup first, as apply), then remove the per-log-group policies
it makes redundant, each saved to a backup before its delete; ``--dry-run`` only lists them.

JSON per target: ``removed`` (log group ARNs), ``skipped`` (``resource_arn``, ``reason``),
``kept`` (``delivery`` and ``foreign`` ARNs, never touched) and, for a dry run, ``would_remove``.
Exit 2 when a policy was skipped (look again), else 0.
"""

from __future__ import annotations

from typing import Any

from vended_logs_policy.adapters.logs import LogGroupPolicy
from vended_logs_policy.cli.live import Target
from vended_logs_policy.cli.results import EXIT_CHANGES, EXIT_OK, Status, TargetResult
from vended_logs_policy.cli.settings import PolicySettings
from vended_logs_policy.engine.log_group_policies import Kind
from vended_logs_policy.service import PolicyService
from vended_logs_policy.text import plural
from vended_logs_policy.tidy import TidyResult, preview, tidy

ONE, MANY = "redundant per-log-group policy", "redundant per-log-group policies"

ONE, MANY = "redundant per-log-group policy", "redundant per-log-group policies"


def _kept(result: TidyResult) -> dict[str, list[str]]:
    return {kind.value: result.found.arns(kind) for kind in (Kind.DELIVERY, Kind.FOREIGN)}


def _lines(result: TidyResult, dry_run: bool) -> list[str]:
    verb = "would remove" if dry_run else "removed"
    arns = result.found.arns(Kind.REDUNDANT) if dry_run else list(result.removed)
    lines = [f"  {verb}: {arn}" for arn in arns]
    lines += [f"  skipped {s.resource_arn}: {s.reason}" for s in result.skipped]
    kept = _kept(result)
    lines += [f"  kept ({kind}): {arn}" for kind, found in kept.items() for arn in found]
    return lines


def _data(target: Target, settings: PolicySettings, result: TidyResult) -> dict[str, Any]:
    ensured = result.ensured
    return {
        "policy_name": settings.name,
        "wildcard_written": bool(ensured and ensured.writes),
        "removed": list(result.removed),
        "skipped": [{"resource_arn": s.resource_arn, "reason": s.reason} for s in result.skipped],
        "kept": _kept(result),
        "backups": [str(p) for p in target.backups],
    }


def _summary(result: TidyResult, dry_run: bool) -> str:
    if dry_run:
        count = len(result.found.arns(Kind.REDUNDANT))
        return f"would remove {plural(count, ONE, MANY)}"
    text = f"removed {plural(len(result.removed), ONE, MANY)}"
    if result.ensured is not None and result.ensured.writes:
        text = f"wildcard written; {text}"
    if result.skipped:
        text += f", skipped {len(result.skipped)} (see why)"
    return text


def _backup_before_delete(target: Target, backup_dir: str) -> Any:
    writer = target.backup_writer(backup_dir, "tidy")

    def before_delete(policy: LogGroupPolicy) -> None:
        writer(policy.name, policy.text, policy.resource_arn)

    return before_delete


def tidy_target(
    target: Target, settings: PolicySettings, *, backup_dir: str, dry_run: bool
) -> TargetResult:
    """Ensure the wildcard, then delete each redundant per-log-group policy (backed up first)."""
    service = PolicyService(
        target.policies(), before_write=target.backup_writer(backup_dir, "tidy")
    )
    if dry_run:
        result = preview(service, settings.name, target.scope, settings.options)
        status = Status.CHANGE_NEEDED if result.found.arns(Kind.REDUNDANT) else Status.COMPLIANT
        code = EXIT_OK
    else:
        before_delete = _backup_before_delete(target, backup_dir)
        result = tidy(service, settings.name, target.scope, settings.options, before_delete)
        status = Status.WRITTEN if result.removed or target.writes else Status.UNCHANGED
        code = EXIT_CHANGES if result.skipped else EXIT_OK
    data = _data(target, settings, result)
    if dry_run:
        data["would_remove"] = result.found.arns(Kind.REDUNDANT)
    return TargetResult(
        target.account,
        target.region,
        status,
        code,
        _summary(result, dry_run),
        _lines(result, dry_run),
        data,
    )
