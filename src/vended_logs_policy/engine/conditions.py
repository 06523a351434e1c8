"""Statement conditions, and when a grant may move under a wildcard statement.

Compaction removes a resource from a delivery statement when a wildcard statement that stays in
the policy covers it. That is a *move* of the grant into the wildcard statement, and it is allowed
only when it does not narrow the grant, or narrows it exactly to the confused-deputy conditions the
options ask for:

1. No narrowing. The wildcard statement's conditions are a subset of the grant's own (every
   operator/key/value entry of the wildcard's ``Condition`` also appears in the grant's): the grant
   asked for at least as much, so the wildcard already allows everything it allowed.
2. Narrowing to the confused-deputy pair, only when source conditions are on. Both the grant's
   conditions and the wildcard's consist only of *source entries* for this scope:

   * ``aws:SourceAccount`` = exactly ``[<account>]`` under ``StringEquals`` or ``StringLike``;
   * ``aws:SourceArn`` = exactly ``["arn:<partition>:logs:<region>:<account>:*"]`` under
     ``ArnLike``, ``ArnEquals`` or ``StringLike``.

   Operators are read as IAM evaluates them (IAM User Guide, "IAM JSON policy elements:
   Condition operators"): ``StringEquals``, ``StringNotEquals`` and ``StringEqualsIgnoreCase``
   match exactly, so a ``*`` or ``?`` in their value is a literal character; ``StringLike``
   expands ``*`` and ``?``; ``ArnEquals`` and ``ArnLike`` check each of the six colon-separated
   parts of the ARN and expand ``*`` and ``?`` within each. ``StringEquals`` on
   ``aws:SourceArn`` = ``arn:...:*`` therefore matches no real delivery (no source ARN is
   literally ``...:*``): it is not a source entry, and a statement carrying it is neither an
   anchor nor "already covered".

   So an unconditional grant, or one carrying one or both of these, may be absorbed by the
   wildcard that carries the pair (or either half of it).

Anything else keeps the grant where it is: another key or value, another operator (``...IfExists``,
``ForAnyValue:...``, another spelling of an operator's case), a value that is not a JSON string.
Condition keys compare case-insensitively; a value list compares as a set, and ``"x"`` is ``["x"]``.

With source conditions off, rule 2 never applies: an unconditional grant is absorbed only by an
unconditional wildcard.

A wildcard grant that is already in the policy counts as the prefix's grant ("already compliant")
only when it is no stricter than what the options ask for: with source conditions on, its
conditions are source entries only (none, one or both); with them off, it has none. When the
options also require conditions (unconditional grants are not allowed), a wildcard grant with none
does not count: the engine adds the conditioned wildcard, which then absorbs the unconditional one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from vended_logs_policy.engine.scope import Scope

# One condition entry in canonical form: operator, lower-case key, the set of JSON-rendered values.
Entry = tuple[str, str, frozenset[str]]
Conditions = frozenset[Entry]

SOURCE_ACCOUNT = "aws:sourceaccount"
SOURCE_ARN = "aws:sourcearn"
SOURCE_OPERATORS = {
    SOURCE_ACCOUNT: frozenset({"StringEquals", "StringLike"}),
    # Only operators that expand the wildcard of ``arn:<p>:logs:<r>:<a>:*``; under StringEquals
    # the ``*`` is literal and the entry matches no real delivery.
    SOURCE_ARN: frozenset({"ArnLike", "ArnEquals", "StringLike"}),
}


@dataclass(frozen=True)
class Condition:
    """One condition entry as the document writes it: ``{operator: {key: values}}``.

    ``values`` are the strings of the entry; a value of another JSON type appears as its JSON text.
    """

    operator: str
    key: str
    values: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.operator} {self.key}"


def _listed(values: Any) -> list[Any]:
    return values if isinstance(values, list) else [values]


def _entries(statement: Mapping[str, Any]) -> Iterable[tuple[str, str, Any]]:
    condition = statement.get("Condition") or {}
    for operator, block in condition.items():
        for key, values in block.items():
            yield operator, key, values


def normal_conditions(statement: Mapping[str, Any]) -> Conditions:
    """The statement's conditions in canonical form."""
    return frozenset(
        (operator, key.lower(), frozenset(json.dumps(v) for v in _listed(values)))
        for operator, key, values in _entries(statement)
    )


def written_conditions(statement: Mapping[str, Any]) -> tuple[Condition, ...]:
    """The statement's conditions as written, in document order."""
    return tuple(
        Condition(operator, key, tuple(_shown(v) for v in _listed(values)))
        for operator, key, values in _entries(statement)
    )


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _normal(condition: Condition, statement: Mapping[str, Any]) -> Entry:
    values = statement["Condition"][condition.operator][condition.key]
    return (
        condition.operator,
        condition.key.lower(),
        frozenset(json.dumps(v) for v in _listed(values)),
    )


@lru_cache(maxsize=64)
def source_values(scope: Scope) -> dict[str, frozenset[str]]:
    """The one value each source key may hold for this scope, JSON-rendered."""
    return {
        SOURCE_ACCOUNT: frozenset({json.dumps(scope.account)}),
        SOURCE_ARN: frozenset({json.dumps(f"{scope.logs_arn}:*")}),
    }


def is_source_entry(entry: Entry, scope: Scope) -> bool:
    """Whether the entry is one half of this scope's confused-deputy pair, in an accepted form."""
    operator, key, values = entry
    operators = SOURCE_OPERATORS.get(key)
    return operators is not None and operator in operators and values == source_values(scope)[key]


def only_source_entries(conditions: Conditions, scope: Scope) -> bool:
    """Whether every entry is a source entry (true for no conditions)."""
    return all(is_source_entry(entry, scope) for entry in conditions)


def may_absorb(grant: Conditions, wildcard: Conditions, scope: Scope, source: bool) -> bool:
    """Whether a grant with these conditions may move under a wildcard with those (see above)."""
    if wildcard <= grant:
        return True
    return source and only_source_entries(grant, scope) and only_source_entries(wildcard, scope)


def qualifies(
    conditions: Conditions, scope: Scope, source: bool, *, conditioned: bool = False
) -> bool:
    """Whether a wildcard grant with these conditions is no stricter than the options ask for
    (and, when ``conditioned``, carries at least one source entry)."""
    if not source:
        return not conditions
    return only_source_entries(conditions, scope) and (bool(conditions) or not conditioned)


def blocking_conditions(statement: Mapping[str, Any], scope: Scope) -> tuple[Condition, ...]:
    """The entries that keep the statement's grants out of a wildcard carrying the pair."""
    return tuple(
        condition
        for condition in written_conditions(statement)
        if not is_source_entry(_normal(condition, statement), scope)
    )


def without_conditions(
    statement: Mapping[str, Any], conditions: Iterable[Condition]
) -> dict[str, Any]:
    """A copy of the statement without the named entries (and without emptied blocks)."""
    named = {(c.operator, c.key) for c in conditions}
    blocks: dict[str, Any] = {}
    for operator, block in (statement.get("Condition") or {}).items():
        kept = {key: values for key, values in block.items() if (operator, key) not in named}
        if kept:
            blocks[operator] = kept
    copy: dict[str, Any] = {}
    for key, value in statement.items():
        if key != "Condition":
            copy[key] = value
        elif blocks:
            copy[key] = blocks
    return copy
