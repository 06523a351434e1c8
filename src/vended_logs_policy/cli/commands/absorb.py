"""``apply --absorb NAME``: ensure the policy, fold the other delivery-only policy into it and
delete that one (backups of both first). JSON adds ``absorbed`` (the name deleted) and ``moved``
(the resources its grants held that the target did not cover; now in the target)."""

from __future__ import annotations

from vended_logs_policy.absorb import absorb
from vended_logs_policy.cli.live import Target
from vended_logs_policy.cli.results import EXIT_OK, Status, TargetResult
from vended_logs_policy.cli.settings import PolicySettings
from vended_logs_policy.service import PolicyService
from vended_logs_policy.text import plural


def absorb_target(
    target: Target, settings: PolicySettings, other: str, *, backup_dir: str
) -> TargetResult:
    """Fold ``other`` into the policy and delete it; refuses a policy with a foreign statement."""
    service = PolicyService(
        target.policies(), before_write=target.backup_writer(backup_dir, "apply --absorb")
    )
    result = absorb(service, settings.name, other, target.scope, settings.options)
    summary = (
        f"{settings.name}: absorbed {other} ({plural(len(result.moved), 'grant')} moved, "
        f"{len(result.text)} characters); {other} deleted"
        + "".join(f"; backup: {p}" for p in target.backups)
    )
    lines = [f"  moved into {settings.name}: {r}" for r in result.moved]
    data = {
        "policy_name": settings.name,
        "absorbed": other,
        "moved": list(result.moved),
        "length": len(result.text),
        "backups": [str(p) for p in target.backups],
    }
    return TargetResult(
        target.account, target.region, Status.WRITTEN, EXIT_OK, summary, lines, data
    )
