"""Backups of a policy taken just before each write, and reading them back for ``restore``.

The format is vended_logs_policy/backup.py's. A backup is one JSON file named
``<account>_<region>_<policy>_<UTC timestamp>.json`` holding the exact stored text
(``document``, null when the policy did not exist) and what is needed to put it back: account,
region, partition, policy name, when and by which command it was taken, and a digest (a
per-log-group policy's backup also holds its log group's ``resource_arn``). The file
is written and flushed to disk before the write it precedes; if it cannot be written, nothing is.
``restore`` also reads the line the functions log before each write, a file holding it, and the
``backup`` that ``plan --json`` records of the stored policy.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from vended_logs_policy.backup import Backup, check_document, parse
from vended_logs_policy.engine.document import compact_json
from vended_logs_policy.engine.scope import ACCOUNT_ID
from vended_logs_policy.errors import InvalidInputError, VendedLogsPolicyError

__all__ = ["Backup", "BackupError", "BackupWriter", "load", "save"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_NAMED = re.compile(
    rf"^(?P<account>{ACCOUNT_ID})_(?P<region>[a-z0-9-]+)_(?P<policy>.+)"
    r"_[0-9]{8}T[0-9]{12}Z(-[0-9]+)?\.json$"
)
MAX_FILE = 1_000_000  # bytes; a backup holds at most one 51,200-character document


class BackupError(VendedLogsPolicyError):
    """A backup cannot be written (nothing is then written to AWS) or read."""


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

    def __call__(
        self, name: str, replaced_text: str | None, resource_arn: str | None = None
    ) -> None:
        """Save the document about to be replaced (None: the policy does not exist yet);
        ``resource_arn``: the log group of a per-log-group policy."""
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
            resource_arn,
        )
        self.on_saved(save(self.folder, backup, stamp))


def _read(path: str) -> str:
    """The text of a regular file; anything else (a FIFO, a device, a folder) is refused at once."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise InvalidInputError(
                f"{path} is not a regular file (a FIFO, device or folder): pass a backup file"
            )
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # replaced since the stat
                raise InvalidInputError(f"{path} is not a regular file: pass a backup file")
            data = handle.read(MAX_FILE + 1)
    except OSError as exc:
        raise InvalidInputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE:
        raise InvalidInputError(f"{path} is larger than any backup ({MAX_FILE} bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{path} is not a vended-logs-policy backup: not UTF-8") from exc


def _from_plan(data: Any) -> Any:
    """The backup ``plan --json`` records of its one target (its ``before``, with a digest)."""
    if not (isinstance(data, dict) and data.get("command") == "plan" and "targets" in data):
        return data
    targets = data.get("targets")
    if not isinstance(targets, list) or len(targets) != 1 or not isinstance(targets[0], dict):
        raise InvalidInputError("plan output must hold exactly one target (one account, region)")
    target = targets[0]
    found = parse(target.get("backup"))
    if "before" in target and _rendered(target["before"]) != _rendered(found.document):
        raise InvalidInputError(
            f'its "before" was edited since the plan at {found.taken_at} (it no longer matches '
            "the stored text the plan recorded); restore the plan output as it was printed"
        )
    return target.get("backup")


def _rendered(value: Any) -> str | None:
    """A document (or its text) in one canonical form, to compare two of them."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return str(value)
    return None if value is None else compact_json(value)


def _check_name(path: str, backup: Backup) -> None:
    """A file named like a backup must name the account, region and policy it holds."""
    named = _NAMED.fullmatch(Path(path).name)
    if named is None:
        return
    safe = _UNSAFE.sub("-", backup.policy_name).strip(".-") or "policy"
    for what, said, held in (
        ("account", named["account"], backup.account),
        ("region", named["region"], backup.region),
        ("policy", named["policy"], safe),
    ):
        if said != held:
            raise InvalidInputError(
                f"its file name says {what} {said} but it holds {what} {held}; a backup is "
                "never renamed: restore the file as it was saved"
            )


def load(source: str) -> Backup:
    """Read and check a backup: a file apply or restore saved, a function's log line (or a file
    holding it), or a ``plan --json`` output; refused with a one-line reason when it is none, was
    edited, or holds a document restore must not write."""
    inline = source.lstrip().startswith("{")
    text = source if inline else _read(source)
    label = "the given JSON" if inline else source
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{label} is not a vended-logs-policy backup: {exc.msg}") from exc
    try:
        backup = parse(_from_plan(data))
        if not inline:
            _check_name(source, backup)
        check_document(backup)
    except InvalidInputError as exc:
        raise InvalidInputError(f"cannot restore {label}: {exc}") from exc
    return backup
