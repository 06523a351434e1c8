"""Hypothesis properties of policy.ensure over generated documents in every grammar form.

The oracle below is written from the rules (DESIGN.md, issue 2), not from the engine's code:
what may be pruned, what must stay, and what proves a removal safe.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vended_logs_policy.engine.glob import covers
from vended_logs_policy.engine.policy import (
    Options,
    Outcome,
    ensure,
    grants_delivery_to,
    log_group_target,
    parse_document,
)
from vended_logs_policy.errors import PolicyError

from .strategies import (
    ACTIONS,
    ARN_BASE,
    DELIVERY,
    LIMIT,
    PREFIX_POOL,
    SCOPE,
    SOURCE_CONDITIONS,
    documents,
    grown_report_documents,
    loose_documents,
    names,
    options,
    resources,
    wildcard,
)

NOT_KEYS = ("NotAction", "NotResource", "NotPrincipal")
Document = dict[str, Any]
Statement = dict[str, Any]
Conditions = frozenset[tuple[str, str, frozenset[str]]]


# --- oracle ------------------------------------------------------------------------------------


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def statements_of(document: Document) -> list[Statement]:
    raw = document.get("Statement", [])
    return [raw] if isinstance(raw, dict) else list(raw)


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def without_resource(statement: Statement) -> str:
    """A statement's identity apart from its resources, key order included."""
    return json.dumps({k: v for k, v in statement.items() if k != "Resource"})


def conditions_of(statement: Statement) -> Conditions:
    """IAM meaning: condition keys are case-insensitive; a value list is a set; "x" is ["x"]."""
    out = set()
    for operator, entries in (statement.get("Condition") or {}).items():
        for key, values in entries.items():
            listed = values if isinstance(values, list) else [values]
            out.add((operator, key.lower(), frozenset(json.dumps(v) for v in listed)))
    return frozenset(out)


SCOPE_CONDITIONS = conditions_of({"Condition": SOURCE_CONDITIONS})


def prunable(statement: Statement) -> bool:
    """Allow, Principal exactly the delivery service: the only statements whose resources may go."""
    principal = statement.get("Principal")
    return (
        statement.get("Effect") == "Allow"
        and not any(k in statement for k in NOT_KEYS)
        and isinstance(principal, dict)
        and set(principal) == {"Service"}
        and set(as_list(principal["Service"])) == {DELIVERY}
        and "Action" in statement
        and "Resource" in statement
    )


def actions_cover(general: list[str], specific: list[str]) -> bool:
    """Actions are case-insensitive globs."""
    return all(any(covers(g.lower(), s.lower()) for g in general) for s in specific)


def grants(
    statement: Statement, resource: str, actions: list[str], allowed: set[Conditions]
) -> bool:
    """Whether statement grants delivery these actions on every ARN resource matches."""
    principal = statement.get("Principal")
    return (
        statement.get("Effect") == "Allow"
        and not any(k in statement for k in NOT_KEYS)
        and isinstance(principal, dict)
        and DELIVERY in as_list(principal.get("Service", []))
        and "Action" in statement
        and "Resource" in statement
        and actions_cover(as_list(statement["Action"]), actions)
        and any(covers(r, resource) for r in as_list(statement["Resource"]))
        and conditions_of(statement) in allowed
    )


def strictly_grants(statement: Statement, resource: str) -> bool:
    """A grant of both delivery actions to the service alone, unconditioned or ours: an anchor."""
    principal = statement.get("Principal")
    return (
        isinstance(principal, dict)
        and set(principal) == {"Service"}
        and grants(statement, resource, list(ACTIONS), {frozenset(), SCOPE_CONDITIONS})
    )


def is_subsequence(short: list[str], long: list[str]) -> bool:
    remaining = iter(long)
    return all(any(item == other for other in remaining) for item in short)


def resource_groups(statements: list[Statement]) -> dict[str, Counter[str]]:
    """Resources of the statements, counted per statement identity."""
    groups: dict[str, Counter[str]] = {}
    for statement in statements:
        if "Resource" in statement:
            counter = groups.setdefault(without_resource(statement), Counter())
            counter.update(as_list(statement["Resource"]))
    return groups


def split_new(before: list[Statement], after: list[Statement]) -> Statement | None:
    """The statement the engine appended, if any; asserts the rest kept their relative order."""
    old = [without_resource(s) for s in before]
    new = [without_resource(s) for s in after]
    if is_subsequence(new, old):
        return None
    assert after, "an appended statement must exist when the order changed"
    assert is_subsequence(new[:-1], old), "statements were reordered"
    return after[-1]


def check_outcome(document: Document, options: Options, outcome: Outcome) -> None:
    """Every rule of the engine that can be checked from the input and the output alone."""
    before, after = statements_of(document), statements_of(outcome.document)
    wildcards = [wildcard(p) for p in options.prefixes]

    # Rendering: compact JSON of the document, parsing back to it, with its length reported.
    assert outcome.text == compact_json(outcome.document)
    assert parse_document(outcome.text) == outcome.document
    assert outcome.length == len(outcome.text)
    assert outcome.before_length == len(compact_json(document))
    assert outcome.within_limit == (outcome.length <= LIMIT)
    assert outcome.changed == (outcome.document != document)
    if not outcome.changed:
        assert outcome.text == compact_json(document)
    # The top-level keys other than Statement are untouched, in order.
    assert [k for k in outcome.document if k != "Statement"] == [
        k for k in document if k != "Statement"
    ]
    assert {k: v for k, v in outcome.document.items() if k != "Statement"} == {
        k: v for k, v in document.items() if k != "Statement"
    }

    # Grammar forms survive: a Statement list stays a list, an object stays an object while it
    # is the only statement; a kept statement whose resources did not change is byte-identical.
    if isinstance(document.get("Statement"), list):
        assert isinstance(outcome.document["Statement"], list)
    if isinstance(document.get("Statement"), dict):
        assert isinstance(outcome.document["Statement"], dict) == (len(after) == 1)
    originals = {compact_json(s) for s in before}
    untouched = {
        key
        for key, counter in resource_groups(after).items()
        if counter == resource_groups(before).get(key)
    }
    for statement in after:
        if "Resource" not in statement or without_resource(statement) in untouched:
            assert compact_json(statement) in originals

    # Nothing foreign lost: statements that are not delivery-only are kept exactly, in order.
    assert [compact_json(s) for s in after if not prunable(s)] == [
        compact_json(s) for s in before if not prunable(s)
    ]

    # At most one statement is appended, and it is ours, with a Sid no other statement uses.
    new = split_new(before, after)
    if new is not None:
        assert outcome.added_resources
        expected_keys = ["Sid", "Effect", "Principal", "Action", "Resource"]
        if options.source_conditions:
            expected_keys.append("Condition")
            assert new["Condition"] == SOURCE_CONDITIONS
        assert list(new) == expected_keys
        assert new["Effect"] == "Allow"
        assert new["Principal"] == {"Service": DELIVERY}
        assert new["Action"] == list(ACTIONS)
        assert set(new["Resource"]) <= set(outcome.added_resources)
        assert isinstance(new["Sid"], str)
        assert new["Sid"]
        assert new["Sid"] not in {s.get("Sid") for s in after if s is not new}

    # Added: only wildcards of the prefixes, each now present, each not granted before.
    for added in outcome.added_resources:
        assert added in wildcards
        assert any(added in as_list(s.get("Resource", [])) for s in after)
        assert not any(strictly_grants(s, added) for s in before), added

    # Wildcard present: every prefix is granted to the delivery service afterwards.
    for prefix_wildcard in wildcards:
        assert any(strictly_grants(s, prefix_wildcard) for s in after), prefix_wildcard

    # Resources only leave delivery-only statements; only added wildcards join them.
    old_groups = resource_groups(before)
    new_groups = resource_groups([s for s in after if s is not new])
    for key, counter in new_groups.items():
        extra = counter - old_groups.get(key, Counter())
        assert set(extra) <= set(outcome.added_resources), extra
    removed: list[tuple[str, Statement]] = []
    for key, counter in old_groups.items():
        for resource, count in (counter - new_groups.get(key, Counter())).items():
            removed.extend([(resource, json.loads(key))] * count)
    assert Counter(r for r, _ in removed) == Counter(outcome.removed_resources)
    if not options.compact:
        assert removed == []

    # Uncovered: the delivery-only resources left that no wildcard (or broader grant) absorbs.
    delivery_only = [r for s in after if prunable(s) for r in as_list(s["Resource"])]
    all_anchors = anchors(after, wildcards)
    assert set(outcome.uncovered_resources) <= {
        r for r in delivery_only if not any(covers(w, r) for w in wildcards)
    }
    assert {r for r in delivery_only if not any(covers(a, r) for a in all_anchors)} <= set(
        outcome.uncovered_resources
    )

    # Every removal is proven safe by a grant still in the result.
    kept = {r for s in after for r in as_list(s.get("Resource", []))}
    for resource, source in removed:
        assert prunable({**source, "Resource": resource})
        own = conditions_of(source)
        allowed = {frozenset(), own} | ({SCOPE_CONDITIONS} if not own else set())
        actions = as_list(source["Action"])
        assert any(grants(s, resource, actions, allowed) for s in after), resource
        # And it is under a prefix's wildcard, or under a broader grant that was already there
        # (such as CloudWatch Logs' own log-group:/aws/vendedlogs/*) and is still there.
        assert any(covers(w, resource) for w in wildcards) or any(
            covers(anchor, resource) for anchor in anchors(before, wildcards) if anchor in kept
        ), resource


def anchors(statements: list[Statement], wildcards: list[str]) -> list[str]:
    """Resources that already granted delivery a whole prefix: the ones the engine builds on."""
    return [
        resource
        for statement in statements
        if "Resource" in statement
        for resource in as_list(statement["Resource"])
        if any(strictly_grants({**statement, "Resource": resource}, w) for w in wildcards)
    ]


# --- properties --------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(document=documents(), options=options)
def test_ensure_keeps_every_rule(document: Document, options: Options) -> None:
    # Given any policy document and options
    pristine = copy.deepcopy(document)
    # When it is ensured
    outcome = ensure(document, SCOPE, options)
    # Then the input is untouched and every rule holds between input and output
    assert document == pristine
    check_outcome(document, options, outcome)


@settings(max_examples=300, deadline=None)
@given(document=documents(), options=options)
def test_ensure_is_idempotent(document: Document, options: Options) -> None:
    # Given any document, ensured once
    first = ensure(document, SCOPE, options)
    # When the result is ensured again, as a document and as the text that was written
    for again in (first.document, parse_document(first.text)):
        second = ensure(again, SCOPE, options)
        # Then nothing changes: no write, identical bytes
        assert second.changed is False
        assert second.text == first.text
        assert second.added_resources == second.removed_resources == ()


@settings(max_examples=200, deadline=None)
@given(document=documents(), options=options)
def test_ensure_is_deterministic(document: Document, options: Options) -> None:
    # Given the same document three times: as is, a deep copy, and parsed from its JSON text
    copies = [document, copy.deepcopy(document), parse_document(json.dumps(document, indent=2))]
    # When each is ensured
    texts = {ensure(d, SCOPE, options).text for d in copies}
    # Then the output bytes are the same
    assert len(texts) == 1


@settings(max_examples=200, deadline=None)
@given(document=documents(), options=options)
def test_no_compact_removes_nothing(document: Document, options: Options) -> None:
    # Given any document
    # When it is ensured without compaction
    lenient = Options(options.prefixes, options.source_conditions, compact=False)
    outcome = ensure(document, SCOPE, lenient)
    # Then every statement and every resource is still there, in order
    before, after = statements_of(document), statements_of(outcome.document)
    assert outcome.removed_resources == ()
    assert len(after) - len(before) in (0, 1)
    old_groups = resource_groups(before)
    new_groups = resource_groups(after)
    for key, counter in old_groups.items():
        assert not counter - new_groups.get(key, Counter())
    assert is_subsequence(
        [without_resource(s) for s in before], [without_resource(s) for s in after]
    )


@settings(max_examples=60, deadline=None)
@given(document=grown_report_documents(), source_conditions=st.booleans())
def test_compaction_shrinks_the_grown_report_below_the_limit(
    document: Document, source_conditions: bool
) -> None:
    # Given the report's statement grown to N per-state-machine ARNs (N up to 300: far past 5120)
    count = len(document["Statement"][0]["Resource"])
    # When it is ensured
    outcome = ensure(document, SCOPE, Options(source_conditions=source_conditions))
    # Then its length is reported, every ARN went, and the result fits the limit whatever N
    assert outcome.length == len(outcome.text)
    assert outcome.before_length == len(compact_json(document))
    assert len(outcome.removed_resources) == count
    assert outcome.length < LIMIT
    assert outcome.within_limit
    # And it is shorter than the input once N >= 2 (N >= 3 with the conditions, which add ~140
    # characters of their own)
    if count >= (3 if source_conditions else 2):
        assert outcome.length < outcome.before_length


@settings(max_examples=300, deadline=None)
@given(document=loose_documents, options=options)
def test_any_json_document_is_edited_or_rejected(document: Document, options: Options) -> None:
    # Given a JSON object whose statements may hold values of any type
    text = json.dumps(document)
    # When it is parsed, and ensured both as parsed and as the Python value
    try:
        parsed = parse_document(text)
    except PolicyError:
        # Then either PolicyError, and ensure refuses the Python value the same way, saying why
        with pytest.raises(PolicyError, match=r"\S"):
            ensure(document, SCOPE, options)
        return
    # Or the engine edits it, keeping every rule
    outcome = ensure(parsed, SCOPE, options)
    check_outcome(parsed, options, outcome)
    assert ensure(document, SCOPE, options).text == outcome.text
    outcome.text.encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(
    document=documents(),
    options=options,
    target=resources,
    stem=st.sampled_from(PREFIX_POOL),
    name=names,
)
def test_grants_delivery_to_agrees_with_the_oracle(
    document: Document, options: Options, target: str, stem: str, name: str
) -> None:
    # Given any document and any resource
    # When grants_delivery_to is asked about it
    # Then it agrees with the rules' definition of a delivery grant
    assert grants_delivery_to([document], target, SCOPE) == any(
        strictly_grants(s, target) for s in statements_of(document)
    )
    # And after ensure, the log-stream form of every log group under every prefix is granted
    ensured = ensure(document, SCOPE, options).document
    for prefix in options.prefixes:
        wanted = log_group_target(f"{ARN_BASE}:log-group:{prefix}{name}:*")
        assert wanted is not None
        assert grants_delivery_to([ensured], wanted, SCOPE)
    # And a log group under none of them is granted afterwards only if it was before, or a
    # broader grant already in the document covers it
    outside = log_group_target(f"{ARN_BASE}:log-group:/zzz/{stem}{name}:*")
    assert outside is not None
    if grants_delivery_to([ensured], outside, SCOPE):
        assert grants_delivery_to([document], outside, SCOPE)
