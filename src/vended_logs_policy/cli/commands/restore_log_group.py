"""``restore FILE`` of a per-log-group policy's backup (taken by ``tidy``): put it back on its log
group with ``resourceArn``, expecting no policy there (``expectedRevisionId`` null) or the same
policy at the revision just read. A log group holds one policy: when it holds another one, restore
refuses and says so (nothing written). A backup recording no policy is not restored by deleting
one: restore says how to delete it by hand.
"""

from __future__ import annotations

from typing import Any

from vended_logs_policy.adapters.logs import LogGroupPolicy, ResourcePolicies
from vended_logs_policy.backup import Backup
from vended_logs_policy.cli.live import Target
from vended_logs_policy.cli.results import EXIT_CHANGES, EXIT_OK, Status, TargetResult
from vended_logs_policy.errors import ConcurrentModificationError, InvalidInputError


def _current(policies: ResourcePolicies, arn: str) -> LogGroupPolicy | None:
    return next(iter(policies.log_group_policies(arn)), None)


def _refuse_other(backup: Backup, arn: str, held: LogGroupPolicy) -> InvalidInputError:
    return InvalidInputError(
        f"log group {arn} already holds policy {held.name}, and a log group holds one policy: "
        f"restore does not replace it with {backup.policy_name}; remove {held.name} first if you "
        "mean to"
    )


def _refuse_delete(
    target: Target, backup: Backup, arn: str, held: LogGroupPolicy
) -> InvalidInputError:
    return InvalidInputError(
        f"the backup records that log group {arn} held no policy; restore never deletes one: "
        "to go back to none, delete it by hand: aws logs delete-resource-policy --policy-name "
        f"{held.name} --resource-arn {arn} --expected-revision-id {held.revision_id} "
        f"--region {target.region}"
    )


def _result(target: Target, outcome: tuple[Status, int, str], data: dict[str, Any]) -> TargetResult:
    status, code, summary = outcome
    data["backups"] = [str(p) for p in target.backups]
    return TargetResult(target.account, target.region, status, code, summary, [], data)


def _put(target: Target, backup: Backup, arn: str, held: LogGroupPolicy | None) -> None:
    text = backup.document or ""
    policies = target.policies()
    refused = policies.put_log_group_policy(
        LogGroupPolicy(backup.policy_name, text, arn, None),
        None if held is None else held.revision_id,
    )
    after = _current(policies, arn)
    if refused is not None or after is None or after.text != text:
        raise ConcurrentModificationError(
            f"log group {arn}'s policy changed while restoring (another writer?); nothing "
            "overwritten: run restore again"
        )


def _as_in_backup(target: Target, backup: Backup, arn: str, held: LogGroupPolicy | None) -> bool:
    """Whether the log group already holds what the backup does; raises when restoring it
    would replace another policy or delete one."""
    if held is not None and held.name != backup.policy_name:
        raise _refuse_other(backup, arn, held)
    if backup.document is None and held is not None:
        raise _refuse_delete(target, backup, arn, held)
    return backup.document is None or (held is not None and held.text == backup.document)


def restore_log_group(
    target: Target, backup: Backup, source: str, *, backup_dir: str, dry_run: bool
) -> TargetResult:
    """Put a per-log-group backup back on its log group (see the module's docstring)."""
    arn = backup.resource_arn or ""
    name = backup.policy_name
    data: dict[str, Any] = {
        "policy_name": name,
        "resource_arn": arn,
        "backup_file": source,
        "taken_at": backup.taken_at,
    }
    held = _current(target.policies(), arn)
    if _as_in_backup(target, backup, arn, held):
        same = f"{name} on {arn}: already as in the backup"
        return _result(target, (Status.UNCHANGED, EXIT_OK, same), data)
    if dry_run:
        differs = f"{name} on {arn}: differs from the backup"
        return _result(target, (Status.DIFFERS, EXIT_CHANGES, differs), data)
    target.backup_writer(backup_dir, "restore")(name, None if held is None else held.text, arn)
    _put(target, backup, arn, held)
    restored = f"{name} on {arn}: restored" + "".join(f"; backup: {p}" for p in target.backups)
    return _result(target, (Status.RESTORED, EXIT_OK, restored), data)
