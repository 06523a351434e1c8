"""The backup format: one policy as it was stored just before a write, and where.

Every writer takes one: the CLI saves it as a file (cli/backup.py), the custom resource and the
guard log it as one structured line (function/runtime.py). ``restore`` reads any of them back.
A backup records a digest of its content, so a backup edited since it was taken is refused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from vended_logs_policy.engine.document import parse_document
from vended_logs_policy.engine.policy import CLASSIC_LIMIT, RESOURCE_LIMIT
from vended_logs_policy.errors import InvalidInputError, PolicyError

FORMAT: Final = "vended-logs-policy-backup"
VERSION: Final = 1
LOG_MESSAGE: Final = "policy backup before write"  # the log line's message, to search for
LOG_KEY: Final = "backup"  # the log line's key holding the backup
_DIGEST_PREFIX: Final = "sha256:"
T = TypeVar("T")


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
    resource_arn: str | None = None  # a per-log-group policy's log group

    @property
    def limit(self) -> int:
        """The service's limit for this policy: 5120 account-level, 51,200 on a log group."""
        return CLASSIC_LIMIT if self.resource_arn is None else RESOURCE_LIMIT

    def _content(self) -> dict[str, Any]:
        scoped = {} if self.resource_arn is None else {"resource_arn": self.resource_arn}
        return scoped | {
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

    @property
    def digest(self) -> str:
        """``sha256:<hex>`` of the content (every field but the digest), canonical JSON."""
        canonical = json.dumps(self._content(), sort_keys=True, separators=(",", ":"))
        return _DIGEST_PREFIX + hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def as_json(self) -> dict[str, Any]:
        """The backup as saved or logged: the content and its digest."""
        return self._content() | {"digest": self.digest}


def _field(data: dict[str, Any], key: str, kind: type[T]) -> T:
    value = data.get(key)
    if not isinstance(value, kind):
        raise InvalidInputError(f"field {key!r} must be a {kind.__name__}")
    return value


def _optional(data: dict[str, Any], key: str) -> str | None:
    return None if data.get(key) is None else _field(data, key, str)


def unwrap(data: Any) -> Any:
    """The backup inside a function's log line (``{"message": ..., "backup": {...}}``), or
    ``data`` itself."""
    if isinstance(data, dict) and data.get("format") != FORMAT:
        inner = data.get(LOG_KEY)
        if isinstance(inner, dict):
            return inner
    return data


def parse(data: Any) -> Backup:
    """A backup from its JSON (or a log line holding it), checked; edited ones refused."""
    data = unwrap(data)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidInputError(f'it has no "format": "{FORMAT}"')
    if data.get("version") != VERSION:
        raise InvalidInputError(f"version {data.get('version')!r} is not {VERSION}")
    document = data.get("document")
    from vended_logs_policy.cli import regions  # here: the functions ship without the CLI

    backup = Backup(
        _field(data, "account", str),
        regions.check_region(_field(data, "region", str)),
        _field(data, "partition", str),
        _field(data, "policy_name", str),
        _field(data, "taken_at", str),
        str(data.get("taken_by", "")),
        _field(data, "existed", bool),
        document if isinstance(document, str) else None,
        _optional(data, "resource_arn"),
    )
    _check(backup, document)
    _check_digest(backup, data.get("digest"))
    return backup


def _check(backup: Backup, document: Any) -> None:
    if not (len(backup.account) == 12 and backup.account.isascii() and backup.account.isdigit()):
        raise InvalidInputError(f"account {backup.account!r} is not a 12-digit account id")
    from vended_logs_policy.cli import regions

    regions.partition_for(backup.region, backup.partition)
    if backup.existed != isinstance(document, str):
        raise InvalidInputError('"document" must be a string when "existed" is true, else null')
    if not backup.policy_name:
        raise InvalidInputError('"policy_name" is empty')
    arn = backup.resource_arn
    if arn is not None and (":log-group:" not in arn or _foreign(arn, backup)):
        raise InvalidInputError(
            f'its "resource_arn" {arn} is not a log group of the backup\'s partition, region and '
            "account"
        )


def _check_digest(backup: Backup, recorded: Any) -> None:
    if not isinstance(recorded, str) or not recorded.startswith(_DIGEST_PREFIX):
        raise InvalidInputError(
            'it records no "digest", so an edit cannot be ruled out; restore only a backup '
            "taken by vended-logs-policy"
        )
    if recorded != backup.digest:
        raise InvalidInputError(
            f"it was edited since it was taken at {backup.taken_at} (its digest no longer "
            "matches); restore the backup as it was taken"
        )


def check_document(backup: Backup) -> None:
    """Refuse a document restore must not write: not a policy the engine can read, longer than
    the account-level limit, or naming another partition, region or account than the backup's."""
    text = backup.document
    if text is None:
        return
    try:
        document = parse_document(text)
    except PolicyError as exc:
        raise InvalidInputError(f"its document is not a valid policy: {exc}") from exc
    if len(text) > backup.limit:
        scope = "an account-level" if backup.resource_arn is None else "a log group's"
        raise InvalidInputError(
            f"its document is {len(text)} characters, over the {backup.limit}-character limit of "
            f"{scope} resource policy; a backup the service stored is never that long"
        )
    for arn in _arns(document):
        problem = _foreign(arn, backup)
        if problem:
            raise InvalidInputError(
                f"its document names {arn}, {problem} (the backup is of {backup.partition} "
                f"{backup.region} {backup.account}); restore writes no grant outside that account"
            )


def _arns(value: Any) -> list[str]:
    """Every string in the document that is an ARN, keys and values alike."""
    if isinstance(value, str):
        return [value] if value.startswith("arn:") else []
    if isinstance(value, dict):
        return _arns(list(value.keys())) + _arns(list(value.values()))
    if isinstance(value, list):
        return [arn for item in value for arn in _arns(item)]
    return []


def _foreign(arn: str, backup: Backup) -> str:
    """Why ``arn`` leaves the backup's partition, region or account ("" when it does not)."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return "which is not a whole ARN"
    _, partition, service, region, account, _ = parts
    if partition != backup.partition:
        return f"in partition {partition}"
    if account != backup.account:
        return f"in account {account or '(none)'}"
    if region != backup.region and not (region == "" and service in _GLOBAL_SERVICES):
        return f"in region {region or '(none)'}"
    return ""


_GLOBAL_SERVICES: Final = frozenset({"iam", "sts"})
