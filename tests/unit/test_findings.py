"""Over-broad delivery grants (engine.findings): which statements are flagged, and soundness."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vended_logs_policy.engine.findings import (
    Finding,
    FindingKind,
    over_broad,
    reaches_outside,
)
from vended_logs_policy.engine.glob import matches
from vended_logs_policy.engine.policy import Options, Scope, ensure

SCOPE = Scope("aws", "us-west-2", "123456789012")
HEAD = SCOPE.log_group_arn  # arn:aws:logs:us-west-2:123456789012:log-group:
ALLOWED = ("/aws/vendedlogs/",)
DELIVERY = {"Service": "delivery.logs.amazonaws.com"}
ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"]


def grant(resources: Any, **extra: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": DELIVERY, "Action": ACTIONS}
    return statement | {"Resource": resources} | extra


def conditioned(resources: Any, **extra: Any) -> dict[str, Any]:
    return grant(resources, Condition=SCOPE.source_conditions(), **extra)


@pytest.mark.parametrize(
    "resource",
    [
        f"{HEAD}/a*:*",
        f"{HEAD}*",
        "*",
        f"{SCOPE.logs_arn}:*",
        f"{HEAD}/aws/*",
        f"{HEAD}/aws/vend*",
        f"{HEAD}/aws/apigateway/welcome:*",
        f"{HEAD}aws-waf-logs-x:*",
        f"{HEAD}?aws/vendedlogs/x:*",
        "arn:*:logs:*:*:log-group:*",
        "arn:aws:logs:us-west-2:123456789012:log-grou*",
    ],
)
def test_a_resource_reaching_outside_the_allowed_prefixes_is_broad(resource: str) -> None:
    found = over_broad({"Statement": [conditioned(resource, Sid="S")]}, ALLOWED)
    assert found == (Finding(FindingKind.BROAD, 0, "S", resource),)
    assert "outside /aws/vendedlogs/" in found[0].describe(ALLOWED)


@pytest.mark.parametrize(
    "resource",
    [
        f"{HEAD}/aws/vendedlogs/states/*:*",
        f"{HEAD}/aws/vendedlogs/*",
        f"{HEAD}/aws/vendedlogs/states/Orders-Logs:log-stream:*",
        f"{HEAD}/aws/vendedlogs/states/Orders-Logs:*",
        "arn:aws:logs:*:*:log-group:/aws/vendedlogs/states/*",
        "arn:aws:s3:::bucket/*",  # no log group at all
        f"{SCOPE.logs_arn}:destination:*",
        f"{HEAD}/aws/vendedlogs/x",
    ],
)
def test_a_resource_under_the_allowed_prefixes_or_naming_no_log_group_is_not(
    resource: str,
) -> None:
    assert over_broad({"Statement": [conditioned(resource)]}, ALLOWED) == ()


def test_unconditional_and_broad_name_the_statement_by_sid_or_index() -> None:
    document = {
        "Statement": [
            {
                "Sid": "Route53",
                "Effect": "Allow",
                "Principal": {"Service": "route53.amazonaws.com"},
                "Action": ACTIONS,
                "Resource": "*",
            },
            grant([f"{HEAD}/aws/vendedlogs/states/*:*"], Sid="Open"),
            grant(f"{HEAD}/a*:*"),
            conditioned([f"{HEAD}/aws/vendedlogs/states/*:*"]),
        ]
    }
    found = over_broad(document, ALLOWED)
    assert found == (
        Finding(FindingKind.UNCONDITIONAL, 1, "Open"),
        Finding(FindingKind.UNCONDITIONAL, 2, None),
        Finding(FindingKind.BROAD, 2, None, f"{HEAD}/a*:*"),
    )
    assert found[0].describe(ALLOWED).startswith("unconditional-grant: Sid Open grants")
    assert found[2].describe(ALLOWED).startswith("broad-grant: statement #2 grants")


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:SourceAccount": "123456789012"}},
        {"ArnLike": {"AWS:SourceArn": "arn:aws:logs:us-west-2:123456789012:*"}},
        {"StringEquals": {"aws:SourceOrgID": "o-abc"}},
    ],
)
def test_any_confused_deputy_key_makes_a_grant_conditioned(condition: dict[str, Any]) -> None:
    statement = grant(f"{HEAD}/aws/vendedlogs/states/*:*", Condition=condition)
    assert over_broad({"Statement": statement}, ALLOWED) == ()


def test_other_conditions_leave_a_grant_unconditional() -> None:
    statement = grant(
        f"{HEAD}/aws/vendedlogs/states/*:*", Condition={"Bool": {"aws:SecureTransport": "true"}}
    )
    assert [f.kind for f in over_broad({"Statement": statement}, ALLOWED)] == [
        FindingKind.UNCONDITIONAL
    ]


@pytest.mark.parametrize(
    ("extra", "flagged"),
    [
        ({"Action": "logs:*"}, True),
        ({"Action": "*"}, True),
        ({"Action": "logs:Put*"}, True),
        ({"Action": "logs:DescribeLogGroups"}, False),
        ({"Effect": "Deny"}, False),
        ({"Principal": {"Service": "route53.amazonaws.com"}}, False),
        ({"Principal": {"Service": ["route53.amazonaws.com", DELIVERY["Service"]]}}, True),
    ],
)
def test_only_allow_statements_granting_delivery_actions_to_delivery_count(
    extra: dict[str, Any], flagged: bool
) -> None:
    statement = conditioned("*") | extra
    assert bool(over_broad({"Statement": [statement]}, ALLOWED)) is flagged


def test_not_action_and_not_resource_are_read_broadly() -> None:
    statement = {
        "Effect": "Allow",
        "Principal": DELIVERY,
        "NotAction": "logs:DeleteLogGroup",
        "NotResource": f"{HEAD}/secret:*",
        "Condition": SCOPE.source_conditions(),
    }
    (found,) = over_broad({"Statement": [statement]}, ALLOWED)
    assert found.kind is FindingKind.BROAD
    assert found.resource is not None
    assert found.resource.startswith("NotResource")
    statement["NotAction"] = ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert over_broad({"Statement": [statement]}, ALLOWED) == ()


def test_the_engine_wildcard_is_never_a_finding() -> None:
    # Given what ensure writes for the default options, or the allowed WAF prefix
    for prefixes in [("/aws/vendedlogs/states/",), ("/aws/vendedlogs/", "aws-waf-logs-")]:
        outcome = ensure(None, SCOPE, Options(prefixes=prefixes))
        assert over_broad(outcome.document, (*ALLOWED, "aws-waf-logs-")) == ()


# --- soundness: a resource not flagged matches no log group outside the allowed prefixes ----

pieces = st.sampled_from(
    [HEAD, "arn:aws:logs:", "us-west-2:", "123456789012:", "log-group:", "arn:aws:s3:::b",
     "/aws/", "vendedlogs/", "states/", "/a", "x", "*", "?", ":", "log-stream:", "aws-waf-logs-"]
)  # fmt: skip
patterns = st.lists(pieces, min_size=1, max_size=7).map("".join)
outside_names = st.sampled_from(
    ["/a", "/aws/lambda/f", "/aws/vendedlog", "aws-waf-logs-x", "x", "/aws/vendedlogsX/y", "#"]
)
suffixes = st.sampled_from([":*", "", ":log-stream:s", ":log-stream:*"])
allowed_sets = st.sampled_from([("/aws/vendedlogs/",), ("/aws/vendedlogs/states/", "aws-waf-")])


@given(patterns, outside_names, suffixes, allowed_sets)
def test_reaches_outside_is_sound(
    resource: str, name: str, suffix: str, allowed: tuple[str, ...]
) -> None:
    if any(name.startswith(prefix) for prefix in allowed):
        return
    target = f"{HEAD}{name}{suffix}"
    if matches(resource, target):
        assert reaches_outside(resource, allowed), (resource, target)
