"""Per-log-group policies classified against the account-level grants."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from vended_logs_policy.engine.log_group_policies import (
    Kind,
    account_grants,
    classify,
    classify_text,
)
from vended_logs_policy.engine.policy import Options, ensure

from . import oracle
from .strategies import (
    ACTIONS,
    ARN_BASE,
    SCOPE,
    SOURCE_CONDITIONS,
    delivery_statement,
    delivery_statements,
    documents,
    foreign_statements,
    options,
)

GROUP = f"{ARN_BASE}:log-group"
STATES_GROUP = f"{GROUP}:/aws/vendedlogs/states/m-Logs"
WAF_GROUP = f"{GROUP}:aws-waf-logs-a"


def per_log_group(resource: str, **extra: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [delivery_statement(resource, **extra)]}


def ensured(document: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [ensure(document, SCOPE, Options()).document]


def test_a_delivery_policy_under_the_wildcard_is_redundant() -> None:
    # GIVEN the service's policy for a log group under the prefix, with the confused-deputy pair
    document = per_log_group(f"{STATES_GROUP}:log-stream:*", Condition=SOURCE_CONDITIONS)
    # WHEN it is classified against the ensured wildcard, and against no grant at all
    # THEN the wildcard makes it redundant; without it, it is a delivery policy
    assert classify(document, account_grants(ensured()), SCOPE) is Kind.REDUNDANT
    assert classify(document, [], SCOPE) is Kind.DELIVERY


def test_a_log_group_outside_the_prefixes_stays_a_delivery_policy() -> None:
    # GIVEN a WAF log group's delivery policy
    document = per_log_group(f"{WAF_GROUP}:log-stream:*")
    # WHEN classified against the ensured wildcard
    # THEN something in it is not covered
    assert classify(document, account_grants(ensured()), SCOPE) is Kind.DELIVERY


def test_an_unconditional_grant_narrowed_to_the_pair_only_with_source_conditions_on() -> None:
    # GIVEN an unconditional per-log-group grant under the prefix and the wildcard with the pair
    document = per_log_group(f"{STATES_GROUP}:*")
    grants = account_grants(ensured())
    # WHEN classified with source conditions on, then off
    # THEN narrowing to the pair is the documented intent only when they are on
    assert classify(document, grants, SCOPE, source=True) is Kind.REDUNDANT
    assert classify(document, grants, SCOPE, source=False) is Kind.DELIVERY


def test_another_condition_keeps_it() -> None:
    # GIVEN a grant with a condition the wildcard does not carry
    condition = {"StringEquals": {"aws:SourceOrgID": "o-1"}}
    document = per_log_group(f"{STATES_GROUP}:*", Condition=condition)
    # WHEN classified
    # THEN it is not redundant (the wildcard would widen it)
    assert classify(document, account_grants(ensured()), SCOPE) is Kind.DELIVERY


def test_any_statement_for_another_principal_or_action_is_foreign() -> None:
    # GIVEN a delivery grant beside a Route 53 grant, one with another action, and a Deny
    route53 = {
        "Effect": "Allow",
        "Principal": {"Service": "route53.amazonaws.com"},
        "Action": "logs:PutLogEvents",
        "Resource": f"{STATES_GROUP}:*",
    }
    more = delivery_statement(f"{STATES_GROUP}:*", Action=["logs:PutLogEvents", "logs:Get*"])
    deny = delivery_statement(f"{STATES_GROUP}:*", Effect="Deny")
    grants = account_grants(ensured())
    for extra in (route53, more, deny):
        document = per_log_group(f"{STATES_GROUP}:*")
        document["Statement"].append(extra)
        # WHEN classified / THEN foreign, however well the delivery part is covered
        assert classify(document, grants, SCOPE) is Kind.FOREIGN


def test_a_principal_other_than_services_alone_is_no_delivery_grant() -> None:
    # GIVEN delivery statements whose principal is "*", or the service beside an AWS principal
    grants = account_grants(ensured())
    both = {"Service": "delivery.logs.amazonaws.com", "AWS": "arn:aws:iam::123456789012:root"}
    for principal in ("*", both):
        document = per_log_group(f"{STATES_GROUP}:*")
        document["Statement"][0]["Principal"] = principal
        # WHEN read as account grants, and classified
        # THEN it grants the delivery service nothing of its own, and it is foreign
        assert account_grants([document]) == []
        assert classify(document, grants, SCOPE) is Kind.FOREIGN


def test_an_unreadable_document_is_foreign_and_an_empty_one_is_not_redundant() -> None:
    grants = account_grants(ensured())
    assert classify_text("not json", grants, SCOPE) is Kind.FOREIGN
    assert classify_text('{"Statement": 3}', grants, SCOPE) is Kind.FOREIGN
    assert classify_text('{"Version":"2012-10-17","Statement":[]}', grants, SCOPE) is Kind.DELIVERY


def test_a_policy_variable_is_never_covered() -> None:
    document = per_log_group(f"{GROUP}:/aws/vendedlogs/states/${{aws:username}}:*")
    assert classify(document, account_grants(ensured()), SCOPE) is Kind.DELIVERY


def _oracle(document: dict[str, Any], account: dict[str, Any], opts: Options) -> Kind:
    """The rule, from the oracle's primitives: prunable statements only; each resource taken by
    some account-level delivery grant that may absorb it."""
    found = oracle.statements_of(document)
    delivery_actions = {a.lower() for a in ACTIONS}
    if not all(
        oracle.prunable(s) and {a.lower() for a in oracle.as_list(s["Action"])} <= delivery_actions
        for s in found
    ):
        return Kind.FOREIGN
    anchors = [
        (0, r, s)
        for s in oracle.statements_of(account)
        if oracle.grants_actions(s, [])
        for r in oracle.as_list(s["Resource"])
        if not oracle.variable(account, r)
    ]
    covered = all(
        any(oracle.absorbed_by(document, r, s, anchor, opts) for anchor in anchors)
        for s in found
        for r in oracle.as_list(s["Resource"])
    )
    return Kind.REDUNDANT if found and covered else Kind.DELIVERY


statement_lists = st.lists(
    st.one_of(delivery_statements(), delivery_statements(), foreign_statements()), max_size=3
)


@settings(max_examples=150, deadline=None)
@given(statements=statement_lists, account=documents(), opts=options)
def test_classify_agrees_with_the_oracle(
    statements: list[dict[str, Any]], account: dict[str, Any], opts: Options
) -> None:
    # Given any per-log-group document and any account-level document
    document = {"Version": "2012-10-17", "Statement": statements}
    # When it is classified
    kind = classify(document, account_grants([account]), SCOPE, opts.source_conditions)
    # Then it agrees with the rule written from the oracle's primitives
    assert kind is _oracle(document, account, opts)


@settings(max_examples=200, deadline=None)
@given(statements=st.lists(delivery_statements(), min_size=1, max_size=3), opts=options)
def test_a_delivery_only_policy_is_covered_by_itself(
    statements: list[dict[str, Any]], opts: Options
) -> None:
    # Given a delivery-only document without policy variables (and of delivery actions only)
    document = {"Version": "2008-10-17", "Statement": statements}
    kind = classify(document, account_grants([copy.deepcopy(document)]), SCOPE, True)
    # When classified against its own grants
    # Then it is redundant, unless it is not delivery-only after all (other actions)
    assert kind in (Kind.REDUNDANT, Kind.FOREIGN)
    # And adding grants never makes a redundant policy anything else
    if kind is Kind.REDUNDANT:
        more = account_grants([copy.deepcopy(document), *ensured()])
        assert classify(document, more, SCOPE, opts.source_conditions) is Kind.REDUNDANT
