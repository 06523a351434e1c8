"""Backups of a policy taken just before each write, and reading them back for ``restore``.

A backup is one JSON file named ``<account>_<region>_<policy>_<UTC timestamp>.json`` holding the
exact stored text (``document``, null when the policy did not exist) and what is needed to put it
back: account, region, partition, policy name, when and by which command it was taken. The file is
written and flushed to disk before the write it precedes; if it cannot be written, nothing is.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final, TypeVar

from vended_logs_policy.cli import regions
from vended_logs_policy.errors import InvalidInputError, VendedLogsPolicyError

FORMAT: Final = "vended-logs-policy-backup"
VERSION: Final = 1
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_ACCOUNT = re.compile(r"^[0-9]{12}$")


class BackupError(VendedLogsPolicyError):
    """A backup cannot be written (nothing is then written to AWS) or read."""


@dataclass(frozen=True)
class Backup:
    """One policy as it was stored, and where."""

    account: str
    region: str
    partition: str
    policy_name: str
    taken_at: str
    taken_by: str
    existed: bool
    document: str | None

    def as_json(self) -> dict[str, Any]:
        """The file's content."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "account": self.account,
            "region": self.region,
            "partition": self.partition,
            "policy_name": self.policy_name,
            "taken_at": self.taken_at,
            "taken_by": self.taken_by,
            "existed": self.existed,
            "document": self.document,
        }


def _stamp(now: datetime) -> tuple[str, str]:
    """The ISO time for the file's content and a compact one for its name."""
    return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), now.strftime("%Y%m%dT%H%M%S%fZ")


def file_name(backup: Backup, stamp: str) -> str:
    """``<account>_<region>_<policy>_<stamp>.json``, the policy name made safe for a file name."""
    safe = _UNSAFE.sub("-", backup.policy_name).strip(".-") or "policy"
    return f"{backup.account}_{backup.region}_{safe}_{stamp}.json"


def save(folder: Path, backup: Backup, stamp: str) -> Path:
    """Write the backup to a new file in ``folder`` (made if missing), flushed to disk."""
    text = json.dumps(backup.as_json(), indent=2, ensure_ascii=False) + "\n"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / file_name(backup, stamp)
        for attempt in range(1, 100):
            try:
                with path.open("x", encoding="utf-8") as handle:
                    handle.write(text)
                    handle.flush()
                    os.fsync(handle.fileno())
                return path
            except FileExistsError:
                path = folder / file_name(backup, f"{stamp}-{attempt}")
    except OSError as exc:
        raise BackupError(
            f"cannot save the backup in {folder}: {exc.strerror or exc}; nothing was written"
        ) from exc
    raise BackupError(f"cannot find a free backup file name in {folder}; nothing was written")


@dataclass
class BackupWriter:
    """``PolicyService``'s ``before_write``: saves what each write replaces, reports the path."""

    folder: Path
    account: str
    region: str
    partition: str
    taken_by: str
    on_saved: Callable[[Path], None]
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)

    def __call__(self, name: str, replaced_text: str | None) -> None:
        """Save the document about to be replaced (None: the policy does not exist yet)."""
        taken_at, stamp = _stamp(self.clock())
        backup = Backup(
            self.account,
            self.region,
            self.partition,
            name,
            taken_at,
            self.taken_by,
            replaced_text is not None,
            replaced_text,
        )
        self.on_saved(save(self.folder, backup, stamp))


T = TypeVar("T")


def _field(data: dict[str, Any], key: str, kind: type[T]) -> T:
    value = data.get(key)
    if not isinstance(value, kind):
        raise InvalidInputError(f"field {key!r} must be a {kind.__name__}")
    return value


def _parse(data: Any) -> Backup:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidInputError(f'it has no "format": "{FORMAT}"')
    if data.get("version") != VERSION:
        raise InvalidInputError(f"version {data.get('version')!r} is not {VERSION}")
    document = data.get("document")
    backup = Backup(
        _field(data, "account", str),
        regions.check_region(_field(data, "region", str)),
        _field(data, "partition", str),
        _field(data, "policy_name", str),
        _field(data, "taken_at", str),
        str(data.get("taken_by", "")),
        _field(data, "existed", bool),
        document if isinstance(document, str) else None,
    )
    _check(backup, document)
    return backup


def _check(backup: Backup, document: Any) -> None:
    if not _ACCOUNT.fullmatch(backup.account):
        raise InvalidInputError(f"account {backup.account!r} is not a 12-digit account id")
    regions.partition_for(backup.region, backup.partition)
    if backup.existed != isinstance(document, str):
        raise InvalidInputError('"document" must be a string when "existed" is true, else null')
    if not backup.policy_name:
        raise InvalidInputError('"policy_name" is empty')


def load(path: str) -> Backup:
    """Read and check a backup file; a file that is not one raises a one-line reason."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return _parse(json.loads(text))
    except ValueError as exc:  # JSONDecodeError and InvalidInputError both
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise InvalidInputError(f"{path} is not a vended-logs-policy backup: {reason}") from exc
