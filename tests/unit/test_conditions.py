"""The conditions rule: a grant moves under a wildcard only when that does not narrow it, or
narrows it exactly to the confused-deputy pair the options ask for."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vended_logs_policy.engine.causes import CauseKind
from vended_logs_policy.engine.conditions import (
    Condition,
    blocking_conditions,
    may_absorb,
    normal_conditions,
    qualifies,
    without_conditions,
)
from vended_logs_policy.engine.policy import Options, ensure

from . import oracle
from .strategies import (
    ACCOUNT,
    ARN_BASE,
    SCOPE,
    SOURCE_CONDITIONS,
    conditions,
    delivery_statement,
    wildcard,
)

WILDCARD = wildcard("/aws/vendedlogs/states/")
INSIDE = f"{ARN_BASE}:log-group:/aws/vendedlogs/states/Orders-Logs:log-stream:*"
ACCOUNT_ONLY = {"StringEquals": {"aws:SourceAccount": [ACCOUNT]}}
ARN_ONLY = {"ArnLike": {"aws:SourceArn": [f"{ARN_BASE}:*"]}}
ORG = {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}


def normal(condition: dict[str, Any] | None) -> frozenset[tuple[str, str, frozenset[str]]]:
    return normal_conditions({} if condition is None else {"Condition": condition})


# Grants as (name, conditions, absorbed by the pair with source conditions on).
GRANTS: list[tuple[str, dict[str, Any] | None, bool]] = [
    ("none", None, True),
    ("account", ACCOUNT_ONLY, True),
    ("account-string-like", {"StringLike": {"aws:sourceaccount": ACCOUNT}}, True),
    ("arn", ARN_ONLY, True),
    ("arn-equals", {"ArnEquals": {"aws:SourceArn": f"{ARN_BASE}:*"}}, True),
    ("arn-string-like", {"StringLike": {"aws:SourceArn": [f"{ARN_BASE}:*"]}}, True),
    # StringEquals takes the "*" literally: it matches no delivery, and blocks the move
    ("arn-string-equals", {"StringEquals": {"AWS:SOURCEARN": f"{ARN_BASE}:*"}}, False),
    ("arn-ignore-case", {"StringEqualsIgnoreCase": {"aws:SourceArn": f"{ARN_BASE}:*"}}, False),
    ("account-wildcard", {"StringLike": {"aws:SourceAccount": "1234*"}}, False),
    ("pair", SOURCE_CONDITIONS, True),
    ("pair-and-more", {**SOURCE_CONDITIONS, "Bool": {"aws:SecureTransport": "true"}}, True),
    (
        "account-and-org",
        {"StringEquals": {"aws:SourceAccount": ACCOUNT, "aws:PrincipalOrgID": "o"}},
        False,
    ),
    ("org", ORG, False),
    ("other-account", {"StringEquals": {"aws:SourceAccount": "999999999999"}}, False),
    ("two-accounts", {"StringEquals": {"aws:SourceAccount": [ACCOUNT, "999999999999"]}}, False),
    ("if-exists", {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}, False),
    ("operator-case", {"stringequals": {"aws:SourceAccount": ACCOUNT}}, False),
    ("arn-wider", {"ArnLike": {"aws:SourceArn": "arn:aws:logs:*:*:*"}}, False),
    ("number", {"StringEquals": {"aws:SourceAccount": int(ACCOUNT)}}, False),
    ("empty-list", {"StringEquals": {"aws:SourceAccount": []}}, False),
]


@pytest.mark.parametrize(("name", "condition", "absorbed"), GRANTS, ids=[g[0] for g in GRANTS])
def test_the_pair_absorbs_exactly_the_grants_it_may_narrow(
    name: str, condition: dict[str, Any] | None, absorbed: bool
) -> None:
    # Given a per-state-machine grant with some conditions
    statement = delivery_statement([INSIDE], sid=name)
    if condition is not None:
        statement["Condition"] = copy.deepcopy(condition)
    # When it is ensured with source conditions on (the wildcard carries the pair)
    outcome = ensure({"Version": "2012-10-17", "Statement": [statement]}, SCOPE)
    # Then it moves under the wildcard exactly when that narrows it to the pair or not at all
    assert (outcome.removed_resources == (INSIDE,)) is absorbed
    # And when it stays, the cause names the conditions that keep it, which are not the pair's
    if not absorbed:
        (cause,) = outcome.causes
        assert cause.kind is CauseKind.CONDITIONS
        assert cause.statement == 0
        assert cause.sid == name
        assert cause.conditions == blocking_conditions(statement, SCOPE)
        assert cause.conditions
        freed = without_conditions(statement, cause.conditions)
        assert oracle.pair_only(normal(freed.get("Condition")))


@pytest.mark.parametrize(("name", "condition", "_"), GRANTS, ids=[g[0] for g in GRANTS])
def test_without_source_conditions_every_grant_moves_under_the_unconditional_wildcard(
    name: str, condition: dict[str, Any] | None, _: bool
) -> None:
    # Given a per-state-machine grant with any conditions
    statement = delivery_statement([INSIDE], sid=name)
    if condition is not None:
        statement["Condition"] = copy.deepcopy(condition)
    # When it is ensured with source conditions off (the wildcard carries none)
    outcome = ensure({"Statement": [statement]}, SCOPE, Options(source_conditions=False))
    # Then it moves: a conditional grant is narrower than the unconditional one
    assert outcome.removed_resources == (INSIDE,)
    assert outcome.causes == ()


@pytest.mark.parametrize(
    ("anchor", "on", "off"),
    [
        (None, True, True),
        (ACCOUNT_ONLY, True, False),
        (ARN_ONLY, True, False),
        (SOURCE_CONDITIONS, True, False),
        (ORG, False, False),
        ({**SOURCE_CONDITIONS, **ORG}, False, False),
    ],
)
def test_an_existing_wildcard_is_compliant_only_when_no_stricter_than_asked(
    anchor: dict[str, Any] | None, on: bool, off: bool
) -> None:
    # Given a policy that already holds the prefix's wildcard, with some conditions
    statement = delivery_statement([WILDCARD], sid="Existing")
    if anchor is not None:
        statement["Condition"] = copy.deepcopy(anchor)
    document = {"Version": "2012-10-17", "Statement": [statement]}
    # When it is ensured with source conditions on and off
    for source, compliant in ((True, on), (False, off)):
        outcome = ensure(document, SCOPE, Options(source_conditions=source))
        # Then it is already compliant exactly when its conditions ask no more than the options
        assert (outcome.changed is False) is compliant
        assert qualifies(normal(anchor), SCOPE, source) is compliant


@pytest.mark.parametrize("source", [True, False], ids=["on", "off"])
def test_an_unconditional_grant_is_not_narrowed_by_a_conditional_anchor(source: bool) -> None:
    # Given an unconditional grant beside a wildcard that carries only aws:SourceAccount
    anchor = delivery_statement([WILDCARD], sid="Existing", Condition=ACCOUNT_ONLY)
    document = {"Statement": [anchor, delivery_statement([INSIDE], sid="Old")]}
    # When it is ensured
    outcome = ensure(document, SCOPE, Options(source_conditions=source))
    # Then with source conditions on, the anchor counts and absorbs it (narrowing to less than
    # the pair); with them off, the anchor does not count: the unconditional wildcard is added,
    # and absorbs both the grant and the conditional wildcard (which it does not narrow)
    assert outcome.removed_resources == ((INSIDE,) if source else (WILDCARD, INSIDE))
    assert outcome.added_resources == (() if source else (WILDCARD,))


# --- properties --------------------------------------------------------------------------------

entries = st.dictionaries(
    st.sampled_from(
        ["StringEquals", "StringLike", "ArnLike", "ArnEquals", "Bool", "StringEqualsIfExists"]
    ),
    st.dictionaries(
        st.sampled_from(
            ["aws:SourceAccount", "aws:SourceArn", "aws:sourcearn", "aws:PrincipalOrgID"]
        ),
        st.one_of(
            st.sampled_from([ACCOUNT, f"{ARN_BASE}:*", "999999999999", "o-abc"]),
            st.lists(st.sampled_from([ACCOUNT, f"{ARN_BASE}:*", "999999999999"]), max_size=3),
        ),
        min_size=1,
        max_size=2,
    ),
    max_size=3,
)
any_conditions = st.one_of(conditions, entries)


@given(grant=any_conditions, wildcard_conditions=any_conditions, source=st.booleans())
def test_may_absorb_never_narrows_but_to_the_pair(
    grant: dict[str, Any] | None, wildcard_conditions: dict[str, Any] | None, source: bool
) -> None:
    # Given any conditions of a grant and of a wildcard statement
    g, w = normal(grant), normal(wildcard_conditions)
    # When may_absorb is asked
    # Then it agrees with the rule: no narrowing, or (options on) both only halves of the pair
    assert may_absorb(g, w, SCOPE, source) == oracle.absorbs(
        g, w, Options(source_conditions=source)
    )
    # And it allows a narrowing only to halves of this account's pair
    if may_absorb(g, w, SCOPE, source) and not w <= g:
        assert source
        assert oracle.pair_only(w)


def respelt(condition: dict[str, Any], seed: int) -> dict[str, Any]:
    """The same conditions spelt differently: key case, string or list, order, duplicates."""
    chooser = random.Random(seed)
    out: dict[str, Any] = {}
    for operator in chooser.sample(list(condition), len(condition)):
        block: dict[str, Any] = {}
        # Keys that differ only in case stay as written: respelling would merge them into one.
        keys = [key.lower() for key in condition[operator]]
        fixed = len(set(keys)) < len(keys)
        for key, values in condition[operator].items():
            listed = values if isinstance(values, list) else [values]
            spelt = key if fixed else chooser.choice([key, key.lower(), key.upper()])
            if len(listed) == 1 and chooser.random() < 0.5:
                block[spelt] = listed[0]
            else:
                block[spelt] = chooser.sample(listed, len(listed)) + listed[:1]
        out[operator] = block
    return out


@given(condition=entries, seed=st.integers(0, 1000), source=st.booleans())
def test_spelling_does_not_change_what_moves(
    condition: dict[str, Any], seed: int, source: bool
) -> None:
    # Given a grant's conditions and the same conditions spelt differently
    first = delivery_statement([INSIDE], Condition=condition)
    second = delivery_statement([INSIDE], Condition=respelt(condition, seed))
    # When each is ensured
    options = Options(source_conditions=source)
    outcomes = [ensure({"Statement": [s]}, SCOPE, options) for s in (first, second)]
    # Then the same grant moves, or stays for the same kind of cause
    assert outcomes[0].removed_resources == outcomes[1].removed_resources
    assert [c.kind for c in outcomes[0].causes] == [c.kind for c in outcomes[1].causes]


@given(condition=entries)
def test_removing_the_blocking_conditions_lets_the_grant_move(condition: dict[str, Any]) -> None:
    # Given a grant under the prefix with any conditions
    statement = delivery_statement([INSIDE], Condition=condition)
    blocking = blocking_conditions(statement, SCOPE)
    # When the entries that block it are removed
    freed = without_conditions(statement, blocking)
    # Then what is left is only halves of the pair, and the grant moves under the wildcard
    assert oracle.pair_only(normal(freed.get("Condition")))
    assert ensure({"Statement": [freed]}, SCOPE).removed_resources == (INSIDE,)
    # And nothing else of the statement changed, key order included
    assert [k for k in freed if k != "Condition"] == [k for k in statement if k != "Condition"]


def test_without_conditions_drops_emptied_blocks_and_keeps_the_rest() -> None:
    # Given a statement with conditions in two blocks
    statement = delivery_statement(
        [INSIDE],
        Condition={
            "StringEquals": {"aws:PrincipalOrgID": "o", "aws:SourceAccount": ACCOUNT},
            "Bool": {"aws:SecureTransport": "true"},
        },
    )
    # When two entries are removed by name
    freed = without_conditions(
        statement,
        [
            Condition("StringEquals", "aws:PrincipalOrgID", ("o",)),
            Condition("Bool", "aws:SecureTransport", ("true",)),
        ],
    )
    # Then the emptied block is gone and the rest stays, in place
    assert freed["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    assert list(freed) == list(statement)
