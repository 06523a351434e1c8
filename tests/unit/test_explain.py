"""Why resources stay, and advice that holds: following it removes the failure."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given

from tests.support import examples
from vended_logs_policy.engine.causes import CauseKind
from vended_logs_policy.engine.conditions import Condition
from vended_logs_policy.engine.explain import (
    MIN_SHARED,
    Advice,
    advise,
    is_suggestible,
    remove_conditions,
    suggest_prefixes,
    summarise,
)
from vended_logs_policy.engine.policy import Options, Scope, compact_json, ensure

from .strategies import (
    ACCOUNT,
    ARN_BASE,
    DELIVERY,
    LIMIT,
    SCOPE,
    SOURCE_CONDITIONS,
    delivery_statement,
    documents,
    options,
)

LOG_GROUP = f"{ARN_BASE}:log-group:"
NO_CONDITIONS = Options(source_conditions=False)
ORG = {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}


def states(count: int, stem: str = "Orders") -> list[str]:
    return [
        f"{LOG_GROUP}/aws/vendedlogs/states/{stem}-{i:03d}-Logs:log-stream:*" for i in range(count)
    ]


def grown(resources: list[str], limit: int = LIMIT) -> list[str]:
    """As many of the resources as keep one delivery statement of them under the limit."""
    kept: list[str] = []
    for resource in resources:
        if len(compact_json({"Statement": [delivery_statement([*kept, resource])]})) > limit - 200:
            break
        kept.append(resource)
    return kept


# --- causes ------------------------------------------------------------------------------------


def test_every_kind_of_cause_names_its_statement() -> None:
    # Given statements that keep log groups of the scope for each reason there is
    inside = f"{LOG_GROUP}/aws/vendedlogs/states/x:*"
    outside = f"{LOG_GROUP}/custom/app:*"
    variable = f"{LOG_GROUP}/aws/vendedlogs/states/${{aws:username}}:*"
    foreign_account = "arn:aws:logs:us-west-2:999999999999:log-group:/custom/app:*"
    document = {
        "Version": "2012-10-17",
        "Statement": [
            delivery_statement([outside, variable, foreign_account], sid="Mixed"),
            {**delivery_statement([inside]), "Effect": "Deny", "Sid": "Deny"},
            {
                "Effect": "Allow",
                "Principal": {"Service": [DELIVERY, "es.amazonaws.com"]},
                "Action": "logs:PutLogEvents",
                "Resource": inside,
            },
            {**delivery_statement([inside], sid="Wide"), "Action": "logs:*"},
            delivery_statement([inside], sid="Legacy", Condition=ORG),
            {
                "Sid": "NotAction",
                "Effect": "Allow",
                "Principal": {"Service": DELIVERY},
                "NotAction": "logs:DeleteLogGroup",
                "NotResource": inside,
            },
        ],
    }
    # When it is ensured
    outcome = ensure(document, SCOPE)
    # Then each log group of the scope that stays has one cause naming where it is and why;
    # the other account's ARN has none (no wildcard of this scope could cover it)
    found = [(c.kind, c.resource, c.statement, c.sid) for c in outcome.causes]
    assert found == [
        (CauseKind.OUTSIDE_PREFIXES, outside, 0, "Mixed"),
        (CauseKind.POLICY_VARIABLE, variable, 0, "Mixed"),
        (CauseKind.DENY_OR_NOT, inside, 1, "Deny"),
        (CauseKind.OTHER_PRINCIPALS, inside, 2, None),
        (CauseKind.OTHER_ACTIONS, inside, 3, "Wide"),
        (CauseKind.CONDITIONS, inside, 4, "Legacy"),
        (CauseKind.DENY_OR_NOT, inside, 5, "NotAction"),
    ]
    assert outcome.causes[2].elements == ("Deny",)
    assert outcome.causes[6].elements == ("NotAction", "NotResource")
    assert outcome.causes[5].conditions == (
        Condition("StringEquals", "aws:PrincipalOrgID", ("o-a1b2c3d4e5",)),
    )


def test_compaction_off_is_a_cause() -> None:
    # Given the report's grants
    document = {"Statement": [delivery_statement(states(2))]}
    # When it is ensured without compaction
    outcome = ensure(document, SCOPE, Options(compact=False))
    # Then each covered grant stays because compaction is off
    assert [c.kind for c in outcome.causes] == [CauseKind.COMPACTION_OFF] * 2


def test_the_source_account_only_policy_is_compacted_and_explained() -> None:
    # Given a Step Functions-shaped policy near the limit whose delivery statement carries only
    # aws:SourceAccount, and a few log groups outside the prefix
    condition = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    outside = [f"{LOG_GROUP}/aws/lambda/fn-{i}:*" for i in range(3)]
    resources = grown(states(200) + outside)[:-3] + outside
    document = {
        "Version": "2012-10-17",
        "Statement": [delivery_statement(resources, Condition=condition)],
    }
    assert len(compact_json(document)) > 4500
    # When it is ensured (source conditions on, and off)
    for opts in (Options(), NO_CONDITIONS):
        outcome = ensure(document, SCOPE, opts)
        # Then it shrinks far below the limit, and what stays has a cause
        assert outcome.within_limit
        assert outcome.length < 1400
        assert [(c.kind, c.resource) for c in outcome.causes] == [
            (CauseKind.OUTSIDE_PREFIXES, r) for r in outside
        ]


# --- prefix suggestions ------------------------------------------------------------------------

WAF_NAMES = (
    "shop",
    "api-prod",
    "api-test",
    "cdn-eu",
    "cdn-us",
    "checkout",
    "admin",
    "partner-gateway",
    "mobile-backend",
    "search",
)


def waf_document(count: int = 80) -> dict[str, Any]:
    """A policy filled with AWS WAF's grants (log groups must be named aws-waf-logs-...)."""
    scope = Scope("aws", "us-east-1", ACCOUNT)
    head = scope.log_group_arn
    resources = [
        f"{head}aws-waf-logs-{WAF_NAMES[i % len(WAF_NAMES)]}-{i:02d}:*" for i in range(count)
    ]
    return {"Version": "2012-10-17", "Statement": [delivery_statement(resources, sid="WAF")]}


def test_a_waf_filled_policy_gets_the_waf_prefix() -> None:
    # Given a policy filled with AWS WAF grants, over the limit
    scope = Scope("aws", "us-east-1", ACCOUNT)
    document = waf_document()
    assert not ensure(document, scope).within_limit
    # When prefixes are suggested
    suggestions = suggest_prefixes(document, scope)
    # Then the best is aws-waf-logs- (not aws-waf- or aws-, which cover the same or more), with
    # the length ensure gives with it
    best = suggestions[0]
    assert best.prefix == "aws-waf-logs-"
    assert best.absorbed == 80
    wider = Options(prefixes=("/aws/vendedlogs/states/", "aws-waf-logs-"))
    assert best.length == ensure(document, scope, wider).length
    assert best.length <= LIMIT
    # And the others are narrower, ranked by the length they give
    assert all(s.prefix.startswith("aws-waf-logs-") for s in suggestions)
    assert [s.length for s in suggestions] == sorted(s.length for s in suggestions)


@pytest.mark.parametrize(
    ("prefix", "allowed"),
    [
        ("/", False),
        ("/aws/", False),
        ("aws-", False),
        ("/aws-", False),
        ("/ecs/", False),  # one component
        ("aws-waf-", True),
        ("aws-waf-logs-", True),
        ("/aws/vendedlogs/", True),
        ("/aws/lambda/", True),
        ("/a/b/", False),  # too short
        ("/aws/rds", False),  # not at a boundary
        ("/aws/x y/", False),  # not a log group name
    ],
)
def test_the_suggestion_rule(prefix: str, allowed: bool) -> None:
    # Given a prefix
    # When it is checked against the rule for suggestions
    # Then only prefixes at a boundary, of two components and 8 characters or more pass
    assert is_suggestible(prefix) is allowed


def test_a_prefix_shared_by_one_resource_is_not_suggested() -> None:
    # Given one log group outside the prefixes, and pairs under two other trees
    resources = [
        f"{LOG_GROUP}/team-a/service-one/app:*",
        f"{LOG_GROUP}/team-b/service-two/x:*",
        f"{LOG_GROUP}/team-b/service-two/y:*",
    ]
    document = {"Statement": [delivery_statement(resources)]}
    # When prefixes are suggested
    suggestions = suggest_prefixes(document, SCOPE, NO_CONDITIONS)
    # Then only the shared one is, and it is the longest prefix of what it covers
    assert [s.prefix for s in suggestions] == ["/team-b/service-two/"]
    assert suggestions[0].absorbed == 2


def test_a_shared_prefix_is_not_suggested_when_compaction_is_off() -> None:
    # Given a pair of grants sharing a prefix, one of them checked with ensure as a candidate
    resources = [f"{LOG_GROUP}/team-b/service-two/x:*", f"{LOG_GROUP}/team-b/service-two/y:*"]
    document = {"Statement": [delivery_statement(resources)]}
    # When prefixes are suggested with compaction off
    suggestions = suggest_prefixes(document, SCOPE, Options(source_conditions=False, compact=False))
    # Then none is: its wildcard would absorb nothing and only add a resource
    assert suggestions == ()
    assert suggest_prefixes(document, SCOPE, NO_CONDITIONS)[0].prefix == "/team-b/service-two/"


def test_no_suggestion_when_nothing_is_shared() -> None:
    # Given grants whose names share no prefix the rule allows
    resources = [f"{LOG_GROUP}/{name}/x:*" for name in ("alpha", "beta", "gamma")]
    document = {"Statement": [delivery_statement(resources)]}
    # When advice is asked for
    advice = advise(document, SCOPE)
    # Then there is no prefix suggestion, and the summary does not suggest one
    assert advice.prefixes == ()
    text = summarise(ensure(document, SCOPE), advice)
    assert text == "3 resources stay: 3 outside every prefix"
    assert "prefix " not in text


# --- following the advice ----------------------------------------------------------------------


def over_the_limit() -> dict[str, Any]:
    """Step Functions' grants under the prefix in a statement whose PrincipalOrgID condition
    keeps them out, and API Gateway's vended logs outside it: over the limit either way."""
    legacy = states(30, "Legacy")
    apigw = [f"{LOG_GROUP}/aws/vendedlogs/apigw/Access-{i:03d}:*" for i in range(20)]
    pipes = [f"{LOG_GROUP}/aws/vendedlogs/pipes/Pipe-{i:03d}:*" for i in range(20)]
    return {
        "Version": "2012-10-17",
        "Statement": [
            delivery_statement(states(3)),
            delivery_statement(apigw + pipes, sid="Vended"),
            delivery_statement(legacy, sid="Legacy", Condition=copy.deepcopy(ORG)),
        ],
    }


def test_the_over_the_limit_policy_is_explained() -> None:
    # Given a policy over the limit after ensure, for two reasons
    document = over_the_limit()
    outcome = ensure(document, SCOPE)
    assert not outcome.within_limit
    # When advice is asked for
    advice = advise(document, SCOPE)
    # Then it names the prefix that absorbs the outside grants, and the statement whose
    # conditions keep the others out, each with the length it gives
    assert advice.prefixes[0].prefix == "/aws/vendedlogs/"
    (fix,) = advice.conditions
    assert (fix.statement, fix.sid, fix.resources, fix.absorbed) == (2, "Legacy", 30, 30)
    assert fix.conditions == (Condition("StringEquals", "aws:PrincipalOrgID", ("o-a1b2c3d4e5",)),)
    # And the summary says so in one sentence
    assert summarise(outcome, advice) == (
        f"70 resources stay: 40 outside every prefix (add prefix /aws/vendedlogs/ -> "
        f"{advice.prefixes[0].length} characters); 30 in statement 'Legacy' (Statement[2]) whose "
        f"conditions {{StringEquals aws:PrincipalOrgID}} would be narrowed (without them -> "
        f"{fix.length} characters)"
    )


def test_following_the_prefix_advice_removes_the_failure() -> None:
    # Given the advice for the over-the-limit policy
    document = over_the_limit()
    advice = advise(document, SCOPE)
    best = advice.prefixes[0]
    # When the suggested prefix is added to the options and ensure runs again
    outcome = ensure(document, SCOPE, Options().with_prefix(best.prefix))
    # Then the length is the one advised, and the outside grants are gone
    assert outcome.length == best.length
    assert not any(c.kind is CauseKind.OUTSIDE_PREFIXES for c in outcome.causes)
    # And with the conditions advice followed as well, it fits the limit
    (fix,) = advice.conditions
    both = ensure(
        remove_conditions(document, fix.statement, fix.conditions),
        SCOPE,
        Options().with_prefix(best.prefix),
    )
    assert both.within_limit
    assert both.causes == ()


def test_following_the_conditions_advice_compacts_those_resources() -> None:
    # Given the advice for the over-the-limit policy
    document = over_the_limit()
    (fix,) = advise(document, SCOPE).conditions
    # When the named conditions are removed from the named statement and ensure runs again
    edited = remove_conditions(document, fix.statement, fix.conditions)
    outcome = ensure(edited, SCOPE)
    # Then the statement's grants are compacted, and the length is the one advised
    assert outcome.length == fix.length
    assert not any(c.kind is CauseKind.CONDITIONS for c in outcome.causes)
    assert set(states(30, "Legacy")) <= set(outcome.removed_resources)
    # And only the statement changed: it lost just those conditions
    assert edited["Statement"][2] == delivery_statement(states(30, "Legacy"), sid="Legacy")
    assert edited["Statement"][:2] == document["Statement"][:2]


def test_conditions_advice_alone_fits_when_they_are_the_only_cause() -> None:
    # Given a policy whose only problem is a statement with blocking conditions
    document = {
        "Version": "2012-10-17",
        "Statement": [delivery_statement(states(70, "Legacy"), sid="Legacy", Condition=ORG)],
    }
    assert not ensure(document, SCOPE).within_limit
    # When its advice is followed
    (fix,) = advise(document, SCOPE).conditions
    outcome = ensure(remove_conditions(document, fix.statement, fix.conditions), SCOPE)
    # Then it fits
    assert outcome.within_limit
    assert outcome.causes == ()


def test_remove_conditions_keeps_the_single_statement_form() -> None:
    # Given a document whose Statement is one object
    condition = {
        "StringEquals": {"aws:SourceAccount": [ACCOUNT], "aws:PrincipalOrgID": "o-a1b2c3d4e5"},
        "ArnLike": SOURCE_CONDITIONS["ArnLike"],
    }
    document = {"Statement": delivery_statement(states(1), Condition=condition)}
    # When a condition is removed
    edited = remove_conditions(
        document, 0, [Condition("StringEquals", "aws:PrincipalOrgID", ("o-a1b2c3d4e5",))]
    )
    # Then Statement is still an object, without that entry, and the input is untouched
    assert edited["Statement"]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": [ACCOUNT]},
        "ArnLike": SOURCE_CONDITIONS["ArnLike"],
    }
    assert document["Statement"]["Condition"] == condition


# --- summaries ---------------------------------------------------------------------------------


def test_summaries_of_every_kind() -> None:
    # Given causes of every kind
    document = {
        "Version": "2012-10-17",
        "Statement": [
            delivery_statement([f"{LOG_GROUP}/x/${{aws:username}}:*", f"{LOG_GROUP}/custom/x:*"]),
            {**delivery_statement(states(2)), "Effect": "Deny", "Sid": "No"},
            {
                **delivery_statement(states(1), sid=None),
                "Principal": {"Service": [DELIVERY, "es.amazonaws.com"]},
            },
            {**delivery_statement(states(1), sid="Wide"), "Action": "logs:*"},
        ],
    }
    # When the outcome is summarised (without advice)
    text = summarise(ensure(document, SCOPE))
    # Then every cause is counted, in one line
    assert text == (
        "6 resources stay: 1 outside every prefix; 1 holding policy variables (${...}); "
        "2 in statement 'No' (Statement[1]) that uses Deny; 1 in Statement[2] that also grants "
        "other principals; 1 in statement 'Wide' (Statement[3]) whose actions are other or "
        "broader than the delivery actions"
    )
    assert "\n" not in text
    # And a compaction that is off is said, and nothing when nothing stays
    off = ensure({"Statement": [delivery_statement(states(1))]}, SCOPE, Options(compact=False))
    assert summarise(off) == "1 resource stays: 1 covered by the wildcard, but compaction is off"
    assert summarise(ensure(None, SCOPE)) == ""


# --- properties --------------------------------------------------------------------------------


@examples(0.25)  # each example ensures once per advised prefix: costly
@given(document=documents(), opts=options)
def test_advice_is_computed_and_true(document: dict[str, Any], opts: Options) -> None:
    # Given any document and options
    base = ensure(document, SCOPE, opts)
    # When advice is asked for
    advice = advise(document, SCOPE, opts)
    # Then each suggested prefix passes the rule, shortens the result, and gives the advised
    # length when added to the options
    assert isinstance(advice, Advice)
    assert advice.length == base.length
    for suggestion in advice.prefixes:
        assert is_suggestible(suggestion.prefix)
        assert suggestion.absorbed >= MIN_SHARED
        outcome = ensure(document, SCOPE, opts.with_prefix(suggestion.prefix))
        assert outcome.length == suggestion.length < base.length
    # And each conditions advice names a statement with a CONDITIONS cause, and removing the
    # conditions gives the advised length
    for fix in advice.conditions:
        assert any(
            c.kind is CauseKind.CONDITIONS and c.statement == fix.statement for c in base.causes
        )
        edited = remove_conditions(document, fix.statement, fix.conditions)
        assert ensure(edited, SCOPE, opts).length == fix.length
    # And the summary suggests a prefix only when one was computed
    text = summarise(base, advice)
    assert ("add prefix" in text) == bool(
        advice.prefixes and any(c.kind is CauseKind.OUTSIDE_PREFIXES for c in base.causes)
    )
    assert (text == "") == (base.causes == ())
    json.dumps(text)
