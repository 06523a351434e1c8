"""The over-broad grant findings of ``plan`` and ``audit``: JSON records, lines, kinds present."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from vended_logs_policy.engine.findings import Finding, FindingKind, over_broad


def grant_findings(
    name: str, document: Mapping[str, Any] | None, allowed_prefixes: Sequence[str]
) -> list[dict[str, Any]]:
    """The policy's over-broad delivery grants as JSON records (with a line for people)."""
    return [_record(name, f, allowed_prefixes) for f in over_broad(document, allowed_prefixes)]


def _record(name: str, finding: Finding, allowed_prefixes: Sequence[str]) -> dict[str, Any]:
    return {
        "finding": str(finding.kind),
        "policy_name": name,
        "statement": finding.statement,
        "sid": finding.sid,
        "index": finding.index,
        "resource": finding.resource,
        "text": f"{name}: {finding.describe(allowed_prefixes)}",
    }


def kinds(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """The finding kinds present, in a fixed order."""
    present = {record["finding"] for record in records}
    return [str(kind) for kind in FindingKind if str(kind) in present]


def lines(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """One indented line per finding."""
    return [f"  {record['text']}" for record in records]
