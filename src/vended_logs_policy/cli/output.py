"""What a live command prints: one JSON shape for any number of targets, or lines for people.

JSON (``--json``) on stdout::

    {"version": 1, "command": "plan", "exit_code": 2, "interrupted": false,
     "targets": [{"account": "...", "region": "...", "status": "...", ...}]}

Text: one target gets its full report; several get one line each (``account region: ...``) and
a total. Each failed target is also one line on stderr.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from vended_logs_policy.cli.results import EXIT_INTERRUPTED, Status, TargetResult
from vended_logs_policy.text import plural

JSON_VERSION = 1
PROG = "vended-logs-policy"
# What the total line counts, per command, besides failures.
COUNTED: dict[str, tuple[Status, str]] = {
    "plan": (Status.CHANGE_NEEDED, "need a change"),
    "apply": (Status.WRITTEN, "written"),
    "audit": (Status.FINDINGS, "with findings"),
    "restore": (Status.RESTORED, "restored"),
    "tidy": (Status.WRITTEN, "tidied"),
}


def envelope(
    command: str | None,
    exit_code: int,
    results: Sequence[TargetResult],
    *,
    interrupted: bool = False,
    error: str | None = None,
) -> dict[str, Any]:
    """The JSON document of a run."""
    data: dict[str, Any] = {
        "version": JSON_VERSION,
        "command": command,
        "exit_code": exit_code,
        "interrupted": interrupted,
        "targets": [r.record() for r in results],
    }
    if error is not None:
        data["error"] = error
    return data


def _count(results: Sequence[TargetResult], status: Status) -> int:
    return sum(1 for r in results if r.status == status)


def _where(results: Sequence[TargetResult]) -> str:
    accounts = len({r.account for r in results})
    if accounts > 1:
        return f"{plural(accounts, 'account')}, {plural(len(results), 'target')}"
    return plural(len(results), "region")


def _stopped(results: Sequence[TargetResult]) -> list[str]:
    stopped = [r for r in results if r.status == Status.INTERRUPTED]
    wrote = sum(1 for r in stopped if r.data.get("writes"))
    parts = []
    if stopped:
        parts.append(f"{len(stopped)} interrupted" + (f" ({wrote} after writing)" if wrote else ""))
    if _count(results, Status.NOT_STARTED):
        parts.append(f"{_count(results, Status.NOT_STARTED)} not started")
    return parts


def total_line(command: str, results: Sequence[TargetResult]) -> str:
    """``total: 3 regions, 1 failed, 2 need a change`` (accounts named when several)."""
    parts = [f"total: {_where(results)}", f"{_count(results, Status.ERROR)} failed"]
    counted = COUNTED.get(command)
    if counted is not None:
        parts.append(f"{_count(results, counted[0])} {counted[1]}")
    if _count(results, Status.NO_POLICY):
        parts.append(f"{_count(results, Status.NO_POLICY)} without the policy")
    return ", ".join([*parts, *_stopped(results)])


def text_lines(command: str, results: Sequence[TargetResult], *, several: bool) -> list[str]:
    """The report for people on stdout (failures go to stderr): a single target in full, or a
    line per target and a total when the run was asked for several (--regions, --accounts)."""
    if len(results) == 1 and not several:
        only = results[0]
        if only.status == Status.ERROR:
            return []
        return [f"{only.where}: {only.summary}", *only.details]
    return [*(f"{r.where}: {r.summary}" for r in results), total_line(command, results)]


def emit(
    command: str,
    results: Sequence[TargetResult],
    exit_code: int,
    *,
    as_json: bool,
    interrupted: bool,
    several: bool,
    out: TextIO,
    err: TextIO,
) -> None:
    """Print the run's report on stdout and its failures (and the interruption) on stderr."""
    if as_json:
        data = envelope(command, exit_code, results, interrupted=interrupted)
        out.write(json.dumps(data, sort_keys=False) + "\n")
    else:
        lines = text_lines(command, results, several=several)
        if lines:
            out.write("\n".join(lines) + "\n")
    out.flush()
    for result in results:
        if result.status == Status.ERROR:
            err.write(f"{PROG}: error: {result.where}: {result.error}\n")
    if interrupted:
        err.write(f"{PROG}: interrupted: {_progress(results)}\n")
    err.flush()


def _progress(results: Sequence[TargetResult]) -> str:
    done = len(results) - _count(results, Status.INTERRUPTED) - _count(results, Status.NOT_STARTED)
    return (
        f"{done} of {plural(len(results), 'target')} finished, "
        f"{_count(results, Status.INTERRUPTED)} interrupted, "
        f"{_count(results, Status.NOT_STARTED)} not started"
    )


def emit_failure(
    command: str | None, message: str, exit_code: int, *, as_json: bool, out: TextIO, err: TextIO
) -> None:
    """A run that failed (or was interrupted) before any target: one line, and JSON if asked."""
    interrupted = exit_code == EXIT_INTERRUPTED
    if as_json:
        data = envelope(command, exit_code, [], interrupted=interrupted, error=message)
        out.write(json.dumps(data) + "\n")
        out.flush()
    err.write(f"{PROG}: {'interrupted' if interrupted else 'error'}: {message}\n")
    err.flush()
