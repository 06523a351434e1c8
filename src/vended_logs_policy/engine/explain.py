"""Advice that is computed, never guessed: prefixes to add, conditions to drop, and a summary.

Every piece of advice carries the length of the document ``ensure`` gives once it is followed,
found by running ``ensure`` on exactly that change, so following it gives that result.

A suggested prefix is a log group name prefix that:

* ends at a ``/`` or ``-`` boundary of the names it covers,
* has at least ``MIN_COMPONENTS`` non-empty components between those boundaries and at least
  ``MIN_SUGGESTED_LENGTH`` characters, so it is never ``/``, ``/aws/``, ``aws-`` or another
  root that covers unrelated names,
* is shared by at least ``MIN_SHARED`` of the resources that stay outside every prefix, and
* is, among the prefixes covering exactly the same resources, the longest one ending at ``/``,
  or when none does the longest one ending at ``-`` (least privilege, at a directory-like
  boundary when there is one: ``/aws/vendedlogs/apigw/`` rather than
  ``/aws/vendedlogs/apigw/Access-``, ``aws-waf-logs-`` rather than ``aws-waf-``).

Suggestions are ranked by the length ``ensure`` gives with the prefix added.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vended_logs_policy.engine.causes import STATEMENT_KINDS, Cause, CauseKind
from vended_logs_policy.engine.conditions import Condition, without_conditions
from vended_logs_policy.engine.document import Document, statements
from vended_logs_policy.engine.policy import Options, Outcome, ensure
from vended_logs_policy.engine.scope import LOG_GROUP_NAME, Scope
from vended_logs_policy.text import plural

MIN_SUGGESTED_LENGTH = 8
MIN_COMPONENTS = 2
MIN_SHARED = 2
BOUNDARIES = "/-"
# How many of the best-estimated candidates are checked with ``ensure``, per suggestion wanted.
CHECKED_PER_SUGGESTION = 3
_COMPONENT = re.compile(r"[^/-]+")


@dataclass(frozen=True)
class PrefixSuggestion:
    """A prefix to add to the options, what it absorbs, and the resulting document length."""

    prefix: str
    absorbed: int
    length: int


@dataclass(frozen=True)
class ConditionsAdvice:
    """Conditions to remove from one statement so that its grants can move under the wildcard.

    ``resources`` is how many resources of the statement they keep out; ``absorbed`` how many
    ``ensure`` removes once they are gone (fewer when some are also outside every prefix).
    """

    statement: int
    sid: str | None
    conditions: tuple[Condition, ...]
    resources: int
    absorbed: int
    length: int


@dataclass(frozen=True)
class Advice:
    """What would shrink the ensured document, each with the length it gives."""

    length: int
    limit: int
    prefixes: tuple[PrefixSuggestion, ...]
    conditions: tuple[ConditionsAdvice, ...]


def is_suggestible(prefix: str) -> bool:
    """Whether the prefix may be suggested: see the module's rule."""
    return (
        len(prefix) >= MIN_SUGGESTED_LENGTH
        and prefix[-1] in BOUNDARIES
        and len(_COMPONENT.findall(prefix)) >= MIN_COMPONENTS
        and bool(LOG_GROUP_NAME.fullmatch(prefix))
    )


def _name(resource: str, scope: Scope) -> str | None:
    """The literal head of the log group name of a resource a wildcard ARN can cover."""
    rest = resource[len(scope.log_group_arn) :]
    if ":" not in rest:
        return None  # a wildcard ``<prefix>*:*`` needs a ':' after the name
    return re.split(r"[:*?]", rest, maxsplit=1)[0]


def _boundary_prefixes(name: str) -> Iterable[str]:
    return (name[: end + 1] for end, char in enumerate(name) if char in BOUNDARIES)


def _candidates(causes: Iterable[Cause], scope: Scope) -> dict[str, set[str]]:
    """Suggestible prefixes of the names outside every prefix, with the resources under each."""
    shared: defaultdict[str, set[str]] = defaultdict(set)
    for cause in causes:
        name = _name(cause.resource, scope) if cause.kind is CauseKind.OUTSIDE_PREFIXES else None
        for prefix in _boundary_prefixes(name or ""):
            shared[prefix].add(cause.resource)
    return {p: r for p, r in shared.items() if len(r) >= MIN_SHARED and is_suggestible(p)}


def _estimate(prefix: str, resources: set[str], scope: Scope) -> int:
    """Characters saved, roughly: the resources' JSON minus the wildcard's."""
    saved = sum(len(json.dumps(r)) + 1 for r in resources)
    return saved - len(json.dumps(scope.wildcard(prefix))) - 1


def _preference(prefix: str) -> tuple[bool, int]:
    """Among prefixes covering the same resources: a directory first, then the longest."""
    return prefix.endswith("/"), len(prefix)


def _ranked(candidates: dict[str, set[str]], scope: Scope) -> list[str]:
    """The preferred prefix for each distinct set of resources, best estimate first."""
    longest: dict[frozenset[str], str] = {}
    for prefix, resources in candidates.items():
        key = frozenset(resources)
        if key not in longest or _preference(prefix) > _preference(longest[key]):
            longest[key] = prefix
    return sorted(longest.values(), key=lambda p: (-_estimate(p, candidates[p], scope), p))


def _suggestions(
    document: Mapping[str, Any] | None,
    scope: Scope,
    options: Options,
    base: Outcome,
    count: int,
) -> tuple[PrefixSuggestion, ...]:
    found: list[PrefixSuggestion] = []
    for prefix in _ranked(_candidates(base.causes, scope), scope)[: count * CHECKED_PER_SUGGESTION]:
        outcome = ensure(document, scope, options.with_prefix(prefix))
        absorbed = len(outcome.removed_resources) - len(base.removed_resources)
        if outcome.length < base.length and absorbed >= MIN_SHARED:
            found.append(PrefixSuggestion(prefix, absorbed, outcome.length))
    found.sort(key=lambda s: (s.length, -len(s.prefix), s.prefix))
    return tuple(found[:count])


def suggest_prefixes(
    document: Mapping[str, Any] | None,
    scope: Scope,
    options: Options | None = None,
    count: int = 3,
) -> tuple[PrefixSuggestion, ...]:
    """The prefixes whose wildcards would shrink the ensured document most, best first.

    Each comes with the resources it absorbs and the length ``ensure`` gives with it added to
    the options; there is none when no prefix passes the rule (see the module).
    """
    options = options or Options()
    return _suggestions(document, scope, options, ensure(document, scope, options), count)


def remove_conditions(
    document: Mapping[str, Any], statement: int, conditions: Iterable[Condition]
) -> Document:
    """A copy of the document whose statement at that position lacks the named entries."""
    result: Document = json.loads(json.dumps(document))
    listed = statements(result)
    listed[statement] = without_conditions(listed[statement], conditions)
    result["Statement"] = listed[0] if isinstance(result["Statement"], dict) else listed
    return result


def _conditions_advice(
    document: Mapping[str, Any],
    scope: Scope,
    options: Options,
    base: Outcome,
    causes: Sequence[Cause],
) -> ConditionsAdvice:
    first = causes[0]
    edited = remove_conditions(document, first.statement, first.conditions)
    outcome = ensure(edited, scope, options)
    absorbed = len(outcome.removed_resources) - len(base.removed_resources)
    return ConditionsAdvice(
        first.statement, first.sid, first.conditions, len(causes), absorbed, outcome.length
    )


def _by_statement(causes: Iterable[Cause], kind: CauseKind) -> dict[int, list[Cause]]:
    grouped: dict[int, list[Cause]] = {}
    for cause in causes:
        if cause.kind is kind:
            grouped.setdefault(cause.statement, []).append(cause)
    return grouped


def advise(
    document: Mapping[str, Any] | None,
    scope: Scope,
    options: Options | None = None,
    count: int = 3,
) -> Advice:
    """Prefix suggestions and, per statement whose conditions keep grants out, what to remove."""
    options = options or Options()
    base = ensure(document, scope, options)
    grouped = _by_statement(base.causes, CauseKind.CONDITIONS)
    conditions = tuple(
        _conditions_advice(document or {}, scope, options, base, causes)
        for causes in grouped.values()
    )
    prefixes = _suggestions(document, scope, options, base, count)
    return Advice(base.length, base.limit, prefixes, conditions)


def _where(cause: Cause) -> str:
    position = f"Statement[{cause.statement}]"
    return f"statement {cause.sid!r} ({position})" if cause.sid else position


def _conditions_fix(cause: Cause, advice: Advice | None) -> str:
    fixes = advice.conditions if advice else ()
    fix = next((a for a in fixes if a.statement == cause.statement and a.absorbed), None)
    return f" (without them -> {fix.length} characters)" if fix else ""


def _reason(cause: Cause, advice: Advice | None) -> str:
    if cause.kind is CauseKind.CONDITIONS:
        listed = ", ".join(str(c) for c in cause.conditions)
        return f"whose conditions {{{listed}}} would be narrowed" + _conditions_fix(cause, advice)
    if cause.kind is CauseKind.OTHER_PRINCIPALS:
        return "that also grants other principals"
    if cause.kind is CauseKind.OTHER_ACTIONS:
        return "whose actions are other or broader than the delivery actions"
    return "that uses " + "/".join(cause.elements)


def _resource_parts(causes: Sequence[Cause], advice: Advice | None) -> list[str]:
    parts: list[str] = []
    outside = sum(c.kind is CauseKind.OUTSIDE_PREFIXES for c in causes)
    if outside:
        best = advice.prefixes[0] if advice and advice.prefixes else None
        hint = f" (add prefix {best.prefix} -> {best.length} characters)" if best else ""
        parts.append(f"{outside} outside every prefix{hint}")
    variables = sum(c.kind is CauseKind.POLICY_VARIABLE for c in causes)
    if variables:
        parts.append(f"{variables} holding policy variables (${{...}})")
    off = sum(c.kind is CauseKind.COMPACTION_OFF for c in causes)
    if off:
        parts.append(f"{off} covered by the wildcard, but compaction is off")
    return parts


def _statement_parts(causes: Sequence[Cause], advice: Advice | None) -> list[str]:
    grouped: dict[tuple[int, CauseKind], list[Cause]] = {}
    for cause in causes:
        if cause.kind in STATEMENT_KINDS:
            grouped.setdefault((cause.statement, cause.kind), []).append(cause)
    return [
        f"{len(group)} in {_where(group[0])} {_reason(group[0], advice)}"
        for _, group in sorted(grouped.items(), key=lambda item: item[0][0])
    ]


def summarise(outcome: Outcome, advice: Advice | None = None) -> str:
    """The causes (and advice, when given) in one short English sentence; "" when none."""
    causes = outcome.causes
    if not causes:
        return ""
    parts = _resource_parts(causes, advice) + _statement_parts(causes, advice)
    head = plural(len(causes), "resource stays", "resources stay")
    return f"{head}: " + "; ".join(parts)
