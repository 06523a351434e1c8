"""Condition operators read as IAM evaluates them: StringEquals does not expand ``*``.

The oracle's brute-force evaluator (``oracle.entry_matches``) implements the IAM User Guide's
operators; the engine's judgements about conditions must be sound against it.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from vended_logs_policy.engine.conditions import is_source_entry, may_absorb, normal_conditions
from vended_logs_policy.engine.policy import Options, Scope, ensure

from . import oracle
from .strategies import ACCOUNT, ARN_BASE, REGION, SCOPE, SOURCE_CONDITIONS, delivery_statement

WILDCARD = f"{ARN_BASE}:log-group:/aws/vendedlogs/states/*:*"
PAIR_ARN = f"{ARN_BASE}:*"

# --- the reproducers -----------------------------------------------------------------

EAST = Scope("aws", "us-east-1", "123456789012")
EAST_BASE = "arn:aws:logs:us-east-1:123456789012"
NO_DELIVERY_ANCHOR: dict[str, Any] = {
    "Effect": "Allow",
    "Principal": {"Service": "delivery.logs.amazonaws.com"},
    "Action": "logs:*",
    "Resource": f"{EAST_BASE}:*:*",
    "Condition": {"StringEquals": {"aws:SourceArn": f"{EAST_BASE}:*"}},
}
ODD_PREFIX = Options(prefixes=("/x.y-z_#/",), source_conditions=True, compact=True)


def test_a_grant_is_not_absorbed_by_an_anchor_that_matches_no_delivery() -> None:
    # Given an anchor whose StringEquals takes "*" literally, and a grant it seems to cover
    grant: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": "delivery.logs.amazonaws.com"},
        "Action": "logs:PutLogEvents",
        "Resource": f"{EAST_BASE}:log-group:/aws/vendedlogs/*:log-stream:*",
    }
    document = {"Statement": [dict(NO_DELIVERY_ANCHOR), grant]}
    # When it is ensured
    outcome = ensure(document, EAST, ODD_PREFIX)
    # Then the grant stays and the prefix's wildcard is added
    assert outcome.removed_resources == ()
    assert outcome.added_resources == (f"{EAST_BASE}:log-group:/x.y-z_#/*:*",)
    kept = [s for s in outcome.document["Statement"] if s.get("Action") == "logs:PutLogEvents"]
    assert kept == [grant]
    # And a delivery the grant allowed, which satisfies the pair, is still allowed by it
    request = {"aws:sourceaccount": "123456789012", "aws:sourcearn": f"{EAST_BASE}:"}
    assert oracle.conditions_hold(grant.get("Condition"), request)
    assert oracle.conditions_hold(NO_DELIVERY_ANCHOR["Condition"], request) is False


def test_a_wildcard_that_matches_no_delivery_is_not_already_there() -> None:
    # Given only the statement whose condition matches no real delivery
    document = {"Statement": [dict(NO_DELIVERY_ANCHOR)]}
    # When it is ensured without compaction
    outcome = ensure(document, EAST, Options(prefixes=("/x.y-z_#/",), compact=False))
    # Then the wildcard is added: the policy did not grant delivery to the prefix
    assert outcome.changed
    assert outcome.added_resources == (f"{EAST_BASE}:log-group:/x.y-z_#/*:*",)


# --- the evaluator itself --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "pattern", "value", "matches"),
    [
        ("StringEquals", f"{ARN_BASE}:*", f"{ARN_BASE}:x", False),
        ("StringEquals", f"{ARN_BASE}:*", f"{ARN_BASE}:*", True),
        ("StringEqualsIgnoreCase", "ABC*", "abc*", True),
        ("StringEqualsIgnoreCase", "abc*", "abcd", False),
        ("StringLike", f"{ARN_BASE}:*", f"{ARN_BASE}:x:y", True),
        ("StringLike", "a?c", "abc", True),
        ("StringLike", "a?c", "ac", False),
        ("ArnLike", "arn:aws:logs:*:*:*", f"{ARN_BASE}:x", True),
        # ArnLike reads the six parts: "*" does not reach across the region's colon
        ("ArnLike", "arn:aws:logs:us-*", f"{ARN_BASE}:x", False),
        ("StringLike", "arn:aws:logs:us-*", f"{ARN_BASE}:x", True),
        ("ArnEquals", f"{ARN_BASE}:*", f"{ARN_BASE}:x", True),
        ("ArnEquals", f"{ARN_BASE}:*", "not-an-arn", False),
        ("StringNotEquals", ACCOUNT, ACCOUNT, False),
        ("StringNotEquals", "1234*", ACCOUNT, True),
    ],
)
def test_the_evaluator_reads_operators_as_the_iam_user_guide(
    operator: str, pattern: str, value: str, matches: bool
) -> None:
    # Given one entry and a request carrying the key
    request = {"aws:sourcearn": value}
    # When the oracle evaluates it / Then wildcards expand only where IAM expands them
    assert oracle.entry_matches(operator, "aws:SourceArn", [pattern], request) is matches


# --- properties: each operator with wildcard and literal values --------------------------------

OPERATORS = ["StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnLike", "ArnEquals"]
VALUES = {
    "aws:SourceAccount": [ACCOUNT, "1234*", "*", "????????????", "999999999999"],
    "aws:SourceArn": [
        PAIR_ARN,
        f"{ARN_BASE}:delivery-source:orders",
        "arn:aws:logs:*:*:*",
        f"arn:aws:logs:{REGION}:{ACCOUNT}:?*",
        f"arn:aws:logs:{REGION}:{ACCOUNT}:",
        PAIR_ARN.upper(),
    ],
}
entries = st.sampled_from(list(VALUES)).flatmap(
    lambda key: st.tuples(
        st.sampled_from(OPERATORS),
        st.just(key),
        st.lists(st.sampled_from(VALUES[key]), min_size=1, max_size=2),
    )
)
blocks = st.lists(entries, max_size=3).map(
    lambda drawn: {op: {key: values} for op, key, values in drawn}
)


def pair_holds(request: dict[str, str]) -> bool:
    return oracle.conditions_hold(SOURCE_CONDITIONS, request)


@given(entry=entries)
def test_a_source_entry_matches_exactly_as_its_half_of_the_pair(
    entry: tuple[str, str, list[str]],
) -> None:
    # Given one condition entry of any operator, with a wildcard or a literal value
    operator, key, values = entry
    (normal,) = normal_conditions({"Condition": {operator: {key: values}}})
    half = oracle.PAIR_HALVES[key.lower()]
    # When the engine calls it a half of the confused-deputy pair
    if is_source_entry(normal, SCOPE):
        # Then IAM evaluates it as the engine's own half on every delivery
        for request in oracle.REQUESTS:
            assert oracle.entry_matches(operator, key, values, request) == (
                oracle.conditions_hold(half, request)
            ), request
    # And an entry that no delivery satisfies is never one
    if not any(oracle.entry_matches(operator, key, values, r) for r in oracle.REQUESTS):
        assert not is_source_entry(normal, SCOPE)


@given(condition=blocks)
def test_a_wildcard_whose_conditions_match_no_delivery_is_never_the_anchor(
    condition: dict[str, Any],
) -> None:
    # Given a policy holding the prefix's wildcard under some conditions
    statement = delivery_statement([WILDCARD], sid="Existing")
    if condition:
        statement["Condition"] = condition
    outcome = ensure({"Statement": [statement]}, SCOPE, Options(compact=False))
    # When no delivery satisfies those conditions
    if not any(oracle.conditions_hold(condition, r) for r in oracle.REQUESTS):
        # Then the engine does not take the wildcard as there: it adds its own
        assert outcome.added_resources == (WILDCARD,)


@given(grant=blocks, wildcard=blocks, source=st.booleans())
@example(grant={}, wildcard={"StringEquals": {"aws:SourceArn": [PAIR_ARN]}}, source=True)
def test_may_absorb_loses_no_delivery_but_what_the_pair_refuses(
    grant: dict[str, Any], wildcard: dict[str, Any], source: bool
) -> None:
    # Given the conditions of a grant and of a wildcard statement
    g = normal_conditions({"Condition": grant})
    w = normal_conditions({"Condition": wildcard})
    # When the engine lets the grant move under the wildcard
    if may_absorb(g, w, SCOPE, source):
        # Then every delivery the grant allowed is still allowed, except (source conditions on)
        # those the confused-deputy pair refuses: the documented narrowing
        for request in oracle.REQUESTS:
            if source and not pair_holds(request):
                continue
            if oracle.conditions_hold(grant, request):
                assert oracle.conditions_hold(wildcard, request), request
