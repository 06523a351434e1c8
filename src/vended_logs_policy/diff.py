"""A statement-level diff of two policy documents: statements and resources added and removed.

Statements equal in both documents are unchanged. The others are paired when they are the same
grant but for their resources (same Sid, Effect, Principal, Action, Condition); a pair shows the
resources added and removed, an unpaired statement is added or removed whole.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from vended_logs_policy.text import plural

Change: TypeAlias = Literal["added", "removed", "changed"]
SHOWN_RESOURCES = 20
RESOURCE_KEYS = ("Resource", "NotResource")


@dataclass(frozen=True)
class StatementChange:
    """One statement added, removed, or changed in its resources."""

    change: Change
    sid: str | None
    effect: str
    principal: str
    added_resources: tuple[str, ...]
    removed_resources: tuple[str, ...]
    other_changes: tuple[str, ...] = ()  # keys besides Resource that differ, e.g. Condition

    def as_json(self) -> dict[str, Any]:
        """The change as the JSON output shows it."""
        return {
            "change": self.change,
            "sid": self.sid,
            "effect": self.effect,
            "principal": self.principal,
            "added_resources": list(self.added_resources),
            "removed_resources": list(self.removed_resources),
            "other_changes": list(self.other_changes),
        }


@dataclass(frozen=True)
class DocumentDiff:
    """Every statement change from one document to another, and the lengths of both."""

    changes: tuple[StatementChange, ...]
    unchanged: int
    length_before: int
    length_after: int

    def count(self, change: Change) -> int:
        """How many statements changed this way."""
        return sum(1 for c in self.changes if c.change == change)

    def as_json(self) -> dict[str, Any]:
        """The diff as the JSON output shows it."""
        return {
            "length_before": self.length_before,
            "length_after": self.length_after,
            "statements": [c.as_json() for c in self.changes],
            "unchanged_statements": self.unchanged,
        }


def statements(document: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """A document's statements as a list (IAM allows one object), [] for no document."""
    if document is None:
        return []
    raw = document.get("Statement", [])
    listed = [raw] if isinstance(raw, dict) else list(raw) if isinstance(raw, list) else []
    return [s for s in listed if isinstance(s, dict)]


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _resources(statement: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    for key in RESOURCE_KEYS:
        value = statement.get(key, [])
        found.extend([value] if isinstance(value, str) else [str(v) for v in value])
    return found


def _shape(statement: Mapping[str, Any]) -> str:
    return _key({k: v for k, v in statement.items() if k not in RESOURCE_KEYS})


def _sid(statement: Mapping[str, Any]) -> str:
    sid = statement.get("Sid")
    return _key(sid) if isinstance(sid, str) and sid else ""


def _grant(statement: Mapping[str, Any]) -> str:
    return _key([statement.get(k) for k in ("Effect", "Principal", "Action", "NotAction")])


# How a removed statement finds the added one it became, most alike first: the same but for its
# resources; the same Sid; the same Effect, Principal and Action (conditions added or changed).
PAIRINGS = (_shape, _sid, _grant)


def _partner(statement: Mapping[str, Any], added: list[dict[str, Any]]) -> dict[str, Any] | None:
    for key in PAIRINGS:
        wanted = key(statement)
        match = next((s for s in added if wanted and key(s) == wanted), None)
        if match is not None:
            return match
    return None


def _other_keys(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    keys = sorted((set(before) | set(after)) - set(RESOURCE_KEYS))
    return tuple(k for k in keys if _key(before.get(k)) != _key(after.get(k)))


def principal(statement: Mapping[str, Any]) -> str:
    """The statement's principal in one short string."""
    value = statement.get("Principal", statement.get("NotPrincipal", ""))
    if not isinstance(value, Mapping):
        return str(value)
    parts: list[str] = []
    for kind, who in value.items():
        names = [who] if isinstance(who, str) else list(who)
        parts.append(f"{kind} {', '.join(str(n) for n in names)}")
    return "; ".join(parts)


def _change(
    change: Change,
    statement: Mapping[str, Any],
    resources: tuple[list[str], list[str]],
    other: tuple[str, ...] = (),
) -> StatementChange:
    sid = statement.get("Sid")
    added, removed = resources
    return StatementChange(
        change,
        sid if isinstance(sid, str) else None,
        str(statement.get("Effect", "")),
        principal(statement),
        tuple(added),
        tuple(removed),
        other,
    )


def _paired(before: Mapping[str, Any], after: Mapping[str, Any]) -> StatementChange:
    old, new = _resources(before), _resources(after)
    gained = [r for r in new if r not in old]
    lost = [r for r in old if r not in new]
    return _change("changed", after, (gained, lost), _other_keys(before, after))


def _without_equal(
    before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    left = list(after)
    kept: list[dict[str, Any]] = []
    for statement in before:
        match = next((i for i, s in enumerate(left) if _key(s) == _key(statement)), None)
        if match is None:
            kept.append(statement)
        else:
            del left[match]
    return kept, left, len(before) - len(kept)


def diff(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, length_before: int,
    length_after: int,
) -> DocumentDiff:  # fmt: skip
    """The statement-level change from ``before`` (None: no policy) to ``after``."""
    removed, added, unchanged = _without_equal(statements(before), statements(after))
    changes: list[StatementChange] = []
    for statement in removed:
        match = _partner(statement, added)
        if match is None:
            changes.append(_change("removed", statement, ([], _resources(statement))))
        else:
            added.remove(match)
            changes.append(_paired(statement, match))
    changes.extend(_change("added", s, (_resources(s), [])) for s in added)
    return DocumentDiff(tuple(changes), unchanged, length_before, length_after)


def _listed(sign: str, resources: tuple[str, ...], limit: int) -> list[str]:
    lines = [f"      {sign} {r}" for r in resources[:limit]]
    if len(resources) > limit:
        lines.append(f"      {sign} ... and {len(resources) - limit} more")
    return lines


def describe(found: DocumentDiff, limit: int = SHOWN_RESOURCES) -> list[str]:
    """The diff for people: a count line, then each changed statement with its resources."""
    counts = ", ".join(
        f"{n} {label}"
        for n, label in (
            (found.count("changed"), "changed"),
            (found.count("added"), "added"),
            (found.count("removed"), "removed"),
            (found.unchanged, "unchanged"),
        )
        if n
    )
    lines = [
        f"  length: {found.length_before} -> {found.length_after} characters",
        f"  statements: {counts or 'none'}",
    ]
    signs = {"changed": "~", "added": "+", "removed": "-"}
    for change in found.changes:
        name = change.sid or "(no Sid)"
        also = "".join(f"; {key} changed" for key in change.other_changes)
        lines.append(
            f"  {signs[change.change]} statement {name} ({change.effect} {change.principal}): "
            f"{plural(len(change.added_resources), 'resource')} added, "
            f"{len(change.removed_resources)} removed{also}"
        )
        lines.extend(_listed("+", change.added_resources, limit))
        lines.extend(_listed("-", change.removed_resources, limit))
    return lines
