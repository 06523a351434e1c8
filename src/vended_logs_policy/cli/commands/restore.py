"""``restore FILE``: put a backup's exact text back, after backing up what it replaces.

Before any call, the backup is checked (cli/backup.py ``load``: unedited, a readable policy within
the limit, every ARN in the backup's partition, region and account) and must be of the policy and
account the user asked for; the credentials must then reach the backup's account. A refusal is
one line and writes nothing, in ``--dry-run`` too.

A backup of a policy that did not exist cannot be restored by writing: that would mean deleting
the policy, and the product's permissions hold no ``logs:DeleteResourcePolicy``. Restore then
refuses and says how to delete the policy by hand.
"""

from __future__ import annotations

import json
from typing import Any

from vended_logs_policy.adapters.logs import StoredPolicy
from vended_logs_policy.backup import Backup
from vended_logs_policy.cli.commands.restore_log_group import restore_log_group
from vended_logs_policy.cli.live import Target
from vended_logs_policy.cli.results import EXIT_CHANGES, EXIT_OK, Status, TargetResult
from vended_logs_policy.diff import DocumentDiff, describe, diff
from vended_logs_policy.errors import ConcurrentModificationError, InvalidInputError


def _document(text: str | None) -> dict[str, Any] | None:
    try:
        found = None if text is None else json.loads(text)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _named(stored: list[StoredPolicy], name: str) -> str | None:
    return next((p.text for p in stored if p.name == name), None)


def _refuse_delete(target: Target, backup: Backup) -> InvalidInputError:
    return InvalidInputError(
        f"the backup records that policy {backup.policy_name} did not exist; restore never "
        "deletes a policy (no logs:DeleteResourcePolicy): to go back to no policy, delete it by "
        f"hand: aws logs delete-resource-policy --policy-name {backup.policy_name} "
        f"--region {target.region}"
    )


def check_request(backup: Backup, policy_name: str, account: str | None) -> None:
    """Refuse a backup of another policy than the one restore may write (``--policy-name``), or
    of another account than the one the user named (``--account``): editing a file must not
    choose what is overwritten, nor where a role is assumed."""
    # A per-log-group backup is of the one policy its log group holds: its resource_arn, checked
    # to be in the backup's account and region, says what is written.
    if backup.resource_arn is None and backup.policy_name != policy_name:
        raise InvalidInputError(
            f"the backup is of policy {backup.policy_name}, but restore writes {policy_name}: "
            f"pass --policy-name {backup.policy_name} if that policy is yours to restore"
        )
    if account is not None and account != backup.account:
        raise InvalidInputError(
            f"the backup is of account {backup.account}, not --account {account}; nothing written"
        )


def _check_account(target: Target, backup: Backup) -> None:
    """The credentials (or the role the user asked for) must reach the backup's account."""
    if target.account != backup.account:
        raise InvalidInputError(
            f"the backup is of account {backup.account}, but the credentials reach account "
            f"{target.account}: use credentials of {backup.account}, or pass --account "
            f"{backup.account} to assume --role-name there"
        )


def _result(
    target: Target,
    outcome: tuple[Status, int, str],
    data: dict[str, Any],
    change: DocumentDiff | None = None,
) -> TargetResult:
    status, code, summary = outcome
    details = describe(change) if change is not None else []
    if change is not None:
        data["diff"] = change.as_json()
    data["backups"] = [str(p) for p in target.backups]
    return TargetResult(target.account, target.region, status, code, summary, details, data)


def restore_target(
    target: Target, backup: Backup, source: str, *, backup_dir: str, dry_run: bool
) -> TargetResult:
    """Show the change from what is stored to the backup; unless a dry run, write the backup."""
    _check_account(target, backup)
    if backup.resource_arn is not None:  # a per-log-group policy, backed up by tidy
        return restore_log_group(target, backup, source, backup_dir=backup_dir, dry_run=dry_run)
    policies = target.policies()
    name = backup.policy_name
    current = _named(policies.account_policies(), name)
    data: dict[str, Any] = {"policy_name": name, "backup_file": source, "taken_at": backup.taken_at}
    if backup.document is None:
        if current is not None:
            raise _refuse_delete(target, backup)
        return _result(
            target, (Status.UNCHANGED, EXIT_OK, f"{name}: absent, as in the backup"), data
        )
    if current == backup.document:
        same = f"{name}: already as in the backup"
        return _result(target, (Status.UNCHANGED, EXIT_OK, same), data)
    lengths = f"({0 if current is None else len(current)} -> {len(backup.document)} characters)"
    change = diff(
        _document(current),
        _document(backup.document),
        0 if current is None else len(current),
        len(backup.document),
    )
    if dry_run:
        differs = f"{name}: differs from the backup {lengths}"
        return _result(target, (Status.DIFFERS, EXIT_CHANGES, differs), data, change)
    target.backup_writer(backup_dir, "restore")(name, current)
    policies.put(name, backup.document)
    if _named(policies.account_policies(), name) != backup.document:
        raise ConcurrentModificationError(
            f"policy {name} changed again right after the restore (another writer?); "
            "run restore again"
        )
    restored = f"{name}: restored {lengths}" + "".join(f"; backup: {p}" for p in target.backups)
    return _result(target, (Status.RESTORED, EXIT_OK, restored), data, change)
