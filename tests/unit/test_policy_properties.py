"""Hypothesis properties of policy.ensure over generated documents in every grammar form.

The oracle (oracle.py) is written from the rules, not from the engine's code: what may be pruned,
what must stay, what proves a removal safe, and why what stays stays.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support import examples
from vended_logs_policy.engine.causes import CauseKind
from vended_logs_policy.engine.policy import (
    Options,
    Outcome,
    ensure,
    grants_delivery_to,
    log_group_target,
    parse_document,
)
from vended_logs_policy.errors import PolicyError

from . import oracle
from .oracle import (
    NOT_KEYS,
    absorbed_by,
    anchor_grants,
    anchors,
    as_list,
    compact_json,
    conditions_of,
    covers_arn,
    in_scope,
    listed,
    names_delivery,
    prunable,
    source_entry,
    statements_of,
    strictly_grants,
    variable,
)
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

Document = dict[str, Any]
Statement = dict[str, Any]


def without_resource(statement: Statement) -> str:
    """A statement's identity apart from its resources, key order included."""
    return json.dumps({k: v for k, v in statement.items() if k != "Resource"})


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


def check_rendering(document: Document, outcome: Outcome) -> None:
    """Compact JSON of the document, parsing back to it, with its length reported; the top-level
    keys other than Statement untouched, in order; the grammar forms kept."""
    assert outcome.text == compact_json(outcome.document)
    assert parse_document(outcome.text) == outcome.document
    assert outcome.length == len(outcome.text)
    assert outcome.before_length == len(compact_json(document))
    assert outcome.within_limit == (outcome.length <= LIMIT)
    assert outcome.changed == (outcome.document != document)
    if not outcome.changed:
        assert outcome.text == compact_json(document)
    assert [k for k in outcome.document if k != "Statement"] == [
        k for k in document if k != "Statement"
    ]
    assert {k: v for k, v in outcome.document.items() if k != "Statement"} == {
        k: v for k, v in document.items() if k != "Statement"
    }
    before, after = statements_of(document), statements_of(outcome.document)
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


def check_new_statement(new: Statement, options: Options, outcome: Outcome) -> None:
    """At most one statement is appended; it is ours, with a Sid no other statement uses."""
    after = statements_of(outcome.document)
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


def removals(
    before: list[Statement], after: list[Statement], new: Statement | None, added: set[str]
) -> list[tuple[str, Statement]]:
    """(resource, statement it left) for every resource that left; asserts that resources only
    leave delivery-only statements and only added wildcards join them."""
    old_groups = resource_groups(before)
    new_groups = resource_groups([s for s in after if s is not new])
    for key, counter in new_groups.items():
        extra = counter - old_groups.get(key, Counter())
        assert set(extra) <= added, extra
    removed: list[tuple[str, Statement]] = []
    for key, counter in old_groups.items():
        for resource, count in (counter - new_groups.get(key, Counter())).items():
            removed.extend([(resource, json.loads(key))] * count)
    return removed


def check_grants(document: Document, options: Options, outcome: Outcome) -> None:
    """Added wildcards were missing; every prefix is granted afterwards; every removal is proven
    by an anchor that stays and may absorb the grant; compaction leaves nothing it could take."""
    before, after = statements_of(document), statements_of(outcome.document)
    wildcards = [wildcard(p) for p in options.prefixes]
    for added in outcome.added_resources:
        assert added in wildcards
        assert any(added in as_list(s.get("Resource", [])) for s in after)
        assert not any(anchor_grants(document, s, added, options) for s in before), added
    for prefix_wildcard in wildcards:
        assert any(anchor_grants(outcome.document, s, prefix_wildcard, options) for s in after)
    new = split_new(before, after)
    if new is not None:
        check_new_statement(new, options, outcome)
    removed = removals(before, after, new, set(outcome.added_resources))
    assert Counter(r for r, _ in removed) == Counter(outcome.removed_resources)
    if not options.compact:
        assert removed == []
    kept = anchors(outcome.document, options)
    for resource, source in removed:
        assert prunable({**source, "Resource": resource})
        assert not variable(document, resource), resource
        assert any(absorbed_by(document, resource, source, a, options) for a in kept), resource
    if options.compact:
        positions = {(i, r) for i, r, _ in kept}
        for index, statement in enumerate(after):
            if not prunable(statement):
                continue
            for resource in as_list(statement["Resource"]):
                if (index, resource) not in positions:
                    assert not any(
                        absorbed_by(document, resource, statement, a, options) for a in kept
                    ), resource


def expected_causes(document: Document, outcome: Outcome, options: Options) -> Counter[str]:
    """The resources that must have a cause: log group ARNs of the scope in statements naming
    the delivery service, apart from the prefixes' grants."""
    positions = {(i, r) for i, r, _ in anchors(outcome.document, options)}
    return Counter(
        resource
        for index, statement in enumerate(statements_of(outcome.document))
        if names_delivery(statement)
        for resource in listed(statement)
        if in_scope(resource) and (index, resource) not in positions
    )


def check_cause(document: Document, options: Options, outcome: Outcome, cause: Any) -> None:
    """The cause names a statement of the input that holds the resource, and its kind is true."""
    before = statements_of(document)
    statement = before[cause.statement]
    assert cause.resource in listed(statement)
    assert cause.sid == (statement["Sid"] if isinstance(statement.get("Sid"), str) else None)
    kept = anchors(outcome.document, options)
    if cause.kind is CauseKind.DENY_OR_NOT:
        assert statement.get("Effect") != "Allow" or any(k in statement for k in NOT_KEYS)
        assert cause.elements
    elif cause.kind is CauseKind.OTHER_PRINCIPALS:
        assert statement.get("Principal") != {"Service": DELIVERY}
        assert not prunable(statement)
    elif cause.kind is CauseKind.OTHER_ACTIONS:
        assert not oracle.actions_cover(list(ACTIONS), as_list(statement.get("Action", [])))
    elif cause.kind is CauseKind.POLICY_VARIABLE:
        assert variable(document, cause.resource)
    elif cause.kind is CauseKind.COMPACTION_OFF:
        assert not options.compact
    elif cause.kind is CauseKind.CONDITIONS:
        check_conditions_cause(statement, options, cause)
    else:
        assert cause.kind is CauseKind.OUTSIDE_PREFIXES
        assert not any(covers_arn(r, cause.resource) for _, r, _ in kept), cause


def check_conditions_cause(statement: Statement, options: Options, cause: Any) -> None:
    """The blocking entries are the statement's, none is a half of the pair, and without them
    the statement's grants could move under the pair."""
    assert options.source_conditions
    assert cause.conditions
    remaining = json.loads(json.dumps(statement))
    for condition in cause.conditions:
        entry = remaining["Condition"][condition.operator].pop(condition.key)
        listed_values = entry if isinstance(entry, list) else [entry]
        assert tuple(v if isinstance(v, str) else json.dumps(v) for v in listed_values) == (
            condition.values
        )
        assert not source_entry(
            (
                condition.operator,
                condition.key.lower(),
                frozenset(json.dumps(v) for v in listed_values),
            )
        )
    assert all(source_entry(e) for e in conditions_of(remaining))


def check_outcome(document: Document, options: Options, outcome: Outcome) -> None:
    """Every rule of the engine that can be checked from the input and the output alone."""
    check_rendering(document, outcome)
    before, after = statements_of(document), statements_of(outcome.document)
    # Nothing foreign lost: statements that are not delivery-only are kept exactly, in order.
    assert [compact_json(s) for s in after if not prunable(s)] == [
        compact_json(s) for s in before if not prunable(s)
    ]
    check_grants(document, options, outcome)
    # Uncovered: the delivery-only resources left that no prefix's grant provably covers.
    kept = anchors(outcome.document, options)
    assert Counter(outcome.uncovered_resources) == Counter(
        r
        for s in after
        if prunable(s)
        for r in as_list(s["Resource"])
        if variable(document, r) or not any(covers_arn(a, r) for _, a, _ in kept)
    )
    # Causes: one per resource that stays and could be covered, each true.
    assert Counter(c.resource for c in outcome.causes) == expected_causes(
        document, outcome, options
    )
    for cause in outcome.causes:
        check_cause(document, options, outcome, cause)


# --- properties --------------------------------------------------------------------------------


@given(document=documents(), options=options)
def test_ensure_keeps_every_rule(document: Document, options: Options) -> None:
    # Given any policy document and options
    pristine = copy.deepcopy(document)
    # When it is ensured
    outcome = ensure(document, SCOPE, options)
    # Then the input is untouched and every rule holds between input and output
    assert document == pristine
    check_outcome(document, options, outcome)


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


@given(document=documents(), options=options)
def test_ensure_is_deterministic(document: Document, options: Options) -> None:
    # Given the same document three times: as is, a deep copy, and parsed from its JSON text
    copies = [document, copy.deepcopy(document), parse_document(json.dumps(document, indent=2))]
    # When each is ensured
    texts = {ensure(d, SCOPE, options).text for d in copies}
    # Then the output bytes are the same
    assert len(texts) == 1


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


@examples(0.15)  # each example grows a policy past 5120
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
        strictly_grants(document, s, target) for s in statements_of(document)
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
