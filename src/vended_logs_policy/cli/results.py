"""What a command did in one target (account and region), and the run's exit code."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from vended_logs_policy.engine.enums import StrEnum
from vended_logs_policy.errors import VendedLogsPolicyError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_INTERRUPTED = 130


class Status(StrEnum):
    """A target's status, as the JSON's ``status`` shows it."""

    COMPLIANT = "compliant"  # plan: nothing to change
    CHANGE_NEEDED = "change_needed"  # plan: a write is needed
    NO_POLICY = "no_policy"  # plan: the region holds no such policy yet (apply would create it)
    WRITTEN = "written"  # apply wrote
    UNCHANGED = "unchanged"  # apply or restore: nothing to write
    OK = "ok"  # audit: no --fail-on finding
    FINDINGS = "findings"  # audit: a --fail-on finding is present
    DIFFERS = "differs"  # restore --dry-run: the stored document is not the backup
    RESTORED = "restored"  # restore wrote the backup back
    ERROR = "error"
    INTERRUPTED = "interrupted"  # started, stopped by Ctrl-C or SIGTERM before it finished
    NOT_STARTED = "not_started"  # never started: the run was interrupted first

    @property
    def words(self) -> str:
        """The status for people: ``not started``, ``change needed``."""
        return self.value.replace("_", " ")


@dataclass
class TargetResult:
    """One target's outcome: status, exit code, a one-line summary, detail lines and JSON data."""

    account: str
    region: str | None
    status: Status
    code: int
    summary: str = ""
    details: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def where(self) -> str:
        """``account region`` (``account -`` when the region was never known)."""
        return f"{self.account} {self.region or '-'}"

    def record(self) -> dict[str, Any]:
        """The target's JSON record: account, region and status first."""
        record: dict[str, Any] = {
            "account": self.account,
            "region": self.region,
            "status": self.status.value,
        }
        record |= self.data
        if self.error is not None:
            record["error"] = self.error
        return record


def failed(account: str, region: str | None, message: str, **data: Any) -> TargetResult:
    """A target that failed with one line."""
    return TargetResult(
        account, region, Status.ERROR, EXIT_ERROR, f"error: {message}", data=data, error=message
    )


def not_started(account: str, region: str | None) -> TargetResult:
    """A target the run never started (interrupted first)."""
    return TargetResult(account, region, Status.NOT_STARTED, EXIT_OK, "not started")


def worst(codes: Iterable[int]) -> int:
    """The run's exit code: an error beats a needed change beats nothing to do."""
    found = set(codes)
    for code in (EXIT_ERROR, EXIT_CHANGES):
        if code in found:
            return code
    return EXIT_OK


def one_line(exc: BaseException) -> str:
    """An exception as one line: the package's own message, or its type for anything else."""
    text = (str(exc).splitlines() or [""])[0]
    if isinstance(exc, VendedLogsPolicyError | ValueError):
        return text or type(exc).__name__
    return f"unexpected {type(exc).__name__}: {text}".rstrip(": ")
