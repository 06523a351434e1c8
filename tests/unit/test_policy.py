"""Examples for the policy engine: the field report, the statements it must keep, policy variables
and ARN wildcard segments, conditions, prefixes, regions, its errors."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from vended_logs_policy.engine.causes import CauseKind
from vended_logs_policy.engine.policy import (
    Options,
    Scope,
    compact_json,
    ensure,
    grants_delivery_to,
    log_group_target,
    parse_document,
)
from vended_logs_policy.errors import PolicyError

from .strategies import (
    ACCOUNT,
    ARN_BASE,
    DATA,
    DELIVERY,
    REGION,
    SCOPE,
    SOURCE_CONDITIONS,
    STATES,
    delivery_statement,
    report_document,
    wildcard,
)

WILDCARD = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/vendedlogs/states/*:*"
REPORT_ARNS = [
    f"{ARN_BASE}:log-group:/aws/vendedlogs/states/HelloWorld-Logs:log-stream:*",
    f"{ARN_BASE}:log-group:/aws/vendedlogs/states/InputOutputStateMachine-GrBZXWGHTyuW-Logs"
    ":log-stream:*",
    f"{ARN_BASE}:log-group:/aws/vendedlogs/states/InputOutput-Logs:log-stream:*",
    f"{ARN_BASE}:log-group:/aws/vendedlogs/states/InputOutputStateMachine-Logs:log-stream:*",
]
NO_CONDITIONS = Options(source_conditions=False)
# The report's fixed statement, written out by hand in the key order the service shows.
FIXED_TEXT = (
    '{"Version":"2012-10-17","Statement":[{"Sid":"AWSLogDeliveryWrite","Effect":"Allow",'
    '"Principal":{"Service":"delivery.logs.amazonaws.com"},'
    '"Action":["logs:CreateLogStream","logs:PutLogEvents"],'
    '"Resource":["arn:aws:logs:us-west-2:123456789012:log-group:/aws/vendedlogs/states/*:*"]}]}'
)
# The same plus the confused-deputy conditions, after Resource.
FIXED_WITH_CONDITIONS_TEXT = (
    '{"Version":"2012-10-17","Statement":[{"Sid":"AWSLogDeliveryWrite","Effect":"Allow",'
    '"Principal":{"Service":"delivery.logs.amazonaws.com"},'
    '"Action":["logs:CreateLogStream","logs:PutLogEvents"],'
    '"Resource":["arn:aws:logs:us-west-2:123456789012:log-group:/aws/vendedlogs/states/*:*"],'
    '"Condition":{"StringEquals":{"aws:SourceAccount":["123456789012"]},'
    '"ArnLike":{"aws:SourceArn":["arn:aws:logs:us-west-2:123456789012:*"]}}}]}'
)


def statements_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    raw = document.get("Statement", [])
    return [raw] if isinstance(raw, dict) else list(raw)


# --- the field report -------------------------------------------------------------------------


def test_report_fixture_holds_the_four_arns() -> None:
    # Given the report's policy as stored in the fixture
    # When it is parsed
    document = parse_document(json.dumps(report_document()))
    # Then it is the report's grown statement
    assert statements_of(document)[0]["Resource"] == REPORT_ARNS


def test_report_without_conditions_gives_exactly_the_reports_fix() -> None:
    # Given the report's policy
    document = report_document()
    # When it is ensured with source conditions off
    outcome = ensure(document, SCOPE, NO_CONDITIONS)
    # Then the result is the report's manual fix, statement for statement and byte for byte
    fixed = json.loads((DATA / "report_fixed_policy.json").read_text())
    assert outcome.document["Statement"] == fixed["Statement"]
    assert outcome.text == FIXED_TEXT
    # And the report says what changed
    assert outcome.changed is True
    assert outcome.removed_resources == tuple(REPORT_ARNS)
    assert outcome.added_resources == (WILDCARD,)
    assert outcome.uncovered_resources == ()
    assert outcome.before_length == len(compact_json(document))
    assert outcome.length == len(FIXED_TEXT)
    assert outcome.within_limit


def test_report_with_conditions_adds_the_confused_deputy_conditions() -> None:
    # Given the report's policy
    # When it is ensured with the default options (source conditions on)
    outcome = ensure(report_document(), SCOPE)
    # Then the one statement is the report's fix plus the two conditions, in that key order
    assert outcome.text == FIXED_WITH_CONDITIONS_TEXT
    (statement,) = statements_of(outcome.document)
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": [ACCOUNT]},
        "ArnLike": {"aws:SourceArn": [f"arn:aws:logs:{REGION}:{ACCOUNT}:*"]},
    }
    assert list(statement) == ["Sid", "Effect", "Principal", "Action", "Resource", "Condition"]
    assert outcome.removed_resources == tuple(REPORT_ARNS)
    assert outcome.added_resources == (WILDCARD,)
    assert outcome.changed is True


@pytest.mark.parametrize("options", [NO_CONDITIONS, Options()], ids=["off", "on"])
def test_report_ensured_twice_changes_nothing(options: Options) -> None:
    # Given the report's policy ensured once
    first = ensure(report_document(), SCOPE, options)
    # When the result is ensured again, as a dict and as the text that was written
    again = ensure(first.document, SCOPE, options)
    reread = ensure(parse_document(first.text), SCOPE, options)
    # Then nothing changes and the bytes are identical
    for second in (again, reread):
        assert second.changed is False
        assert second.text == first.text
        assert second.added_resources == second.removed_resources == ()
        assert second.before_length == first.length


def test_ensure_does_not_modify_its_input() -> None:
    # Given the report's policy
    document = report_document()
    before = copy.deepcopy(document)
    # When it is ensured
    ensure(document, SCOPE)
    # Then the caller's document is untouched
    assert document == before


# --- other documents ---------------------------------------------------------------------------


@pytest.mark.parametrize("options", [NO_CONDITIONS, Options()], ids=["off", "on"])
def test_no_policy_gives_one_statement(options: Options) -> None:
    # Given no policy at all
    # When it is ensured
    outcome = ensure(None, SCOPE, options)
    # Then the policy is one wildcard statement with a version
    expected = FIXED_WITH_CONDITIONS_TEXT if options.source_conditions else FIXED_TEXT
    assert outcome.text == expected
    assert outcome.changed is True
    assert outcome.before_length == 0
    assert outcome.added_resources == (WILDCARD,)


def test_empty_document_gains_the_statement() -> None:
    # Given an existing policy with no statements
    document: dict[str, Any] = {"Version": "2012-10-17", "Statement": []}
    # When it is ensured
    outcome = ensure(document, SCOPE)
    # Then it holds exactly the wildcard statement
    (statement,) = statements_of(outcome.document)
    assert statement["Resource"] == [WILDCARD]
    assert statement["Condition"] == SOURCE_CONDITIONS


SERVICE_WILDCARD = f"{ARN_BASE}:log-group:/aws/vendedlogs/*"


@pytest.mark.parametrize(
    ("condition", "options"),
    [
        (None, NO_CONDITIONS),
        (None, Options()),
        (SOURCE_CONDITIONS, Options()),
        ({"StringEquals": {"aws:SourceAccount": ACCOUNT}}, Options()),
        ({"ArnLike": {"aws:SourceArn": f"{ARN_BASE}:*"}}, Options()),
    ],
    ids=["unconditioned-off", "unconditioned-on", "pair-on", "account-on", "arn-on"],
)
def test_service_wildcard_already_covers(
    condition: dict[str, Any] | None, options: Options
) -> None:
    # Given a policy where CloudWatch Logs itself added log-group:/aws/vendedlogs/*, with
    # conditions no stricter than the options ask for
    statement = delivery_statement(
        [f"{ARN_BASE}:log-group:/custom/app:*", SERVICE_WILDCARD],
        sid="AWSLogDeliveryWrite20150319",
    )
    if condition is not None:
        statement["Condition"] = copy.deepcopy(condition)
    document = {"Version": "2012-10-17", "Statement": [statement]}
    # When it is ensured
    outcome = ensure(document, SCOPE, options)
    # Then no statement or resource is added and nothing changes
    assert outcome.changed is False
    assert outcome.added_resources == ()
    assert outcome.text == compact_json(document)


@pytest.mark.parametrize(
    "condition",
    [SOURCE_CONDITIONS, {"StringEquals": {"aws:SourceAccount": ACCOUNT}}],
    ids=["pair", "account"],
)
def test_without_source_conditions_a_conditional_wildcard_is_not_enough(
    condition: dict[str, Any],
) -> None:
    # Given the service's /aws/vendedlogs/* with conditions, beside the report's unconditional
    # per-state-machine grants
    conditional = delivery_statement([SERVICE_WILDCARD], sid="Service", Condition=condition)
    document = {"Statement": [conditional, delivery_statement(REPORT_ARNS)]}
    # When it is ensured with source conditions off
    outcome = ensure(document, SCOPE, NO_CONDITIONS)
    # Then the conditional grant is not taken as the prefix's grant: the unconditional wildcard
    # is added, and it (not the conditional one, which would narrow them) absorbs the grants
    assert outcome.added_resources == (WILDCARD,)
    assert statements_of(outcome.document) == [
        conditional,
        delivery_statement([WILDCARD]),
    ]
    assert outcome.removed_resources == tuple(REPORT_ARNS)


@pytest.mark.parametrize("options", [NO_CONDITIONS, Options()], ids=["off", "on"])
def test_only_source_account_is_compacted(options: Options) -> None:
    # Given a Step Functions-shaped statement that carries only aws:SourceAccount
    statement = delivery_statement(
        REPORT_ARNS, Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    )
    # When it is ensured
    outcome = ensure({"Version": "2012-10-17", "Statement": [statement]}, SCOPE, options)
    # Then every ARN is absorbed: with source conditions on, narrowing to the pair is the
    # documented intent; with them off, the unconditional wildcard narrows nothing
    assert outcome.removed_resources == tuple(REPORT_ARNS)
    assert outcome.causes == ()
    (only,) = statements_of(outcome.document)
    assert only["Resource"] == [WILDCARD]


def test_service_wildcard_absorbs_the_arns_it_covers() -> None:
    # Given the report's statement with the service's /aws/vendedlogs/* appended
    document = {
        "Version": "2012-10-17",
        "Statement": [delivery_statement([*REPORT_ARNS, SERVICE_WILDCARD])],
    }
    # When it is ensured
    outcome = ensure(document, SCOPE)
    # Then the service's wildcard stays the only resource, and no statement of ours is added
    (statement,) = statements_of(outcome.document)
    assert statement["Resource"] == [SERVICE_WILDCARD]
    assert outcome.added_resources == ()
    assert outcome.removed_resources == tuple(REPORT_ARNS)


def test_service_wildcard_also_absorbs_arns_outside_our_prefix() -> None:
    # Given the service's /aws/vendedlogs/* and an ARN under /aws/vendedlogs/ but outside
    # /aws/vendedlogs/states/ (another vended-logs source), in unconditioned statements
    other = f"{ARN_BASE}:log-group:/aws/vendedlogs/apigw/Access-Logs:*"
    document = {
        "Statement": [
            delivery_statement([SERVICE_WILDCARD], sid="Service"),
            delivery_statement([other, REPORT_ARNS[0]], sid="Ours"),
        ]
    }
    # When it is ensured
    outcome = ensure(document, SCOPE)
    # Then both ARNs go: the service's grant, which stays, provably covers them, although one is
    # outside our prefix's wildcard
    assert outcome.removed_resources == (other, REPORT_ARNS[0])
    assert statements_of(outcome.document) == [
        delivery_statement([SERVICE_WILDCARD], sid="Service")
    ]


def foreign_statements() -> list[dict[str, Any]]:
    """Statements that are not ours to touch, each in a different way."""
    inside = f"{ARN_BASE}:log-group:/aws/vendedlogs/states/Other-Logs:log-stream:*"
    return [
        {
            "Sid": "Route53",
            "Effect": "Allow",
            "Principal": {"Service": "route53.amazonaws.com"},
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{ARN_BASE}:log-group:/aws/route53/*",
        },
        {
            "Sid": "ElasticsearchLogs",
            "Effect": "Allow",
            "Principal": {"Service": "es.amazonaws.com"},
            "Action": ["logs:PutLogEvents", "logs:CreateLogStream"],
            "Resource": [f"{ARN_BASE}:log-group:/aws/aes/domains/x/*:*"],
        },
        {
            "Sid": "DenyOne",
            "Effect": "Deny",
            "Principal": {"Service": DELIVERY},
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [inside],
        },
        {
            "Sid": "OtherConditions",
            "Effect": "Allow",
            "Principal": {"Service": DELIVERY},
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [inside],
            "Condition": {"StringEquals": {"aws:SourceAccount": ["999999999999"]}},
        },
        {
            "Sid": "NotActionStatement",
            "Effect": "Allow",
            "Principal": {"Service": DELIVERY},
            "NotAction": "logs:DeleteLogGroup",
            "Resource": [inside],
        },
        {
            "Effect": "Allow",
            "Principal": {"Service": DELIVERY},
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "NotResource": [inside],
        },
        {
            "Sid": "TwoServices",
            "Effect": "Allow",
            "Principal": {"Service": [DELIVERY, "es.amazonaws.com"]},
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [inside],
        },
        {
            "Sid": "ExtraActions",
            "Effect": "Allow",
            "Principal": {"Service": DELIVERY},
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:*"],
            "Resource": [inside],
        },
        {
            "Sid": "AccountRoot",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "logs:PutLogEvents",
            "Resource": inside,
        },
    ]


@pytest.mark.parametrize("options", [NO_CONDITIONS, Options()], ids=["off", "on"])
def test_statements_that_are_not_ours_are_kept_exactly_in_order(options: Options) -> None:
    # Given foreign statements around the report's statement
    foreign = foreign_statements()
    document = {
        "Version": "2012-10-17",
        "Statement": [*foreign[:4], delivery_statement(REPORT_ARNS), *foreign[4:]],
    }
    # When it is ensured
    outcome = ensure(document, SCOPE, options)
    # Then every foreign statement is there, unchanged, in the same order and key order; but
    # without source conditions, the unconditional wildcard absorbs the grant that another
    # account's SourceAccount narrows (moving it there narrows nothing)
    narrower = [] if options.source_conditions else [foreign[3]]
    result = statements_of(outcome.document)
    kept = [s for s in result if s.get("Sid") not in {"AWSLogDeliveryWrite"}]
    assert [json.dumps(s) for s in kept] == [json.dumps(s) for s in foreign if s not in narrower]
    # And the report's four ARNs gave way to the wildcard: in the report's statement, in place,
    # without conditions; in a statement of its own at the end with them
    ours = [i for i, s in enumerate(result) if s.get("Sid") == "AWSLogDeliveryWrite"]
    assert ours == ([len(result) - 1] if options.source_conditions else [3])
    assert result[ours[0]]["Resource"] == [WILDCARD]
    assert outcome.removed_resources == (
        *[r for s in narrower for r in s["Resource"]],
        *REPORT_ARNS,
    )


def test_resources_outside_the_prefix_are_kept() -> None:
    # Given a delivery statement with ARNs inside and outside /aws/vendedlogs/states/
    outside = [
        f"{ARN_BASE}:log-group:/aws/lambda/fn:*",
        f"{ARN_BASE}:log-group:/aws/vendedlogs/statesX:*",
        f"{ARN_BASE}:log-group:/aws/vendedlogs/states/x",  # no ":*": the wildcard does not cover
        f"arn:aws:logs:{REGION}:999999999999:log-group:/aws/vendedlogs/states/x:*",
        f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/vendedlogs/states/x:*",
    ]
    mixed = [REPORT_ARNS[0], outside[0], REPORT_ARNS[1], *outside[1:]]
    document = {"Statement": [delivery_statement(mixed, sid="Mixed")]}
    # When it is ensured (conditions on: the wildcard gets a statement of its own)
    outcome = ensure(document, SCOPE)
    # Then only the ARNs under the prefix went; the others stay in their statement, in order
    first, second = statements_of(outcome.document)
    assert first == delivery_statement(outside, sid="Mixed")
    assert second["Resource"] == [WILDCARD]
    assert outcome.removed_resources == tuple(REPORT_ARNS[:2])
    assert outcome.uncovered_resources == tuple(outside)


def test_without_conditions_the_wildcard_joins_a_matching_statement() -> None:
    # Given a delivery statement without conditions holding ARNs in and out of the prefix
    outside = f"{ARN_BASE}:log-group:/aws/lambda/fn:*"
    document = {"Statement": [delivery_statement([REPORT_ARNS[0], outside], sid="Mine")]}
    # When it is ensured without source conditions
    outcome = ensure(document, SCOPE, NO_CONDITIONS)
    # Then the wildcard is appended to that statement and the covered ARN leaves it
    assert statements_of(outcome.document) == [delivery_statement([outside, WILDCARD], sid="Mine")]


def test_string_forms_round_trip_unchanged() -> None:
    # Given a compliant policy written with every single-value form of the grammar
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Sid": "Compliant",
                "Effect": "Allow",
                "Principal": {"Service": DELIVERY},
                "Action": "logs:*",
                "Resource": WILDCARD,
            },
        },
        separators=(",", ":"),
    )
    # When it is parsed and ensured
    outcome = ensure(parse_document(text), SCOPE, NO_CONDITIONS)
    # Then nothing changes and the text is byte-identical
    assert outcome.changed is False
    assert outcome.text == text


def test_string_forms_survive_when_the_wildcard_is_added() -> None:
    # Given one statement as an object, with its Service, Action and Resource as strings
    foreign = {
        "Effect": "Allow",
        "Principal": {"Service": "route53.amazonaws.com"},
        "Action": "logs:PutLogEvents",
        "Resource": f"{ARN_BASE}:log-group:/aws/route53/*",
    }
    # When it is ensured
    outcome = ensure({"Statement": copy.deepcopy(foreign)}, SCOPE)
    # Then the foreign statement keeps its string forms, and the wildcard statement follows it
    first, second = statements_of(outcome.document)
    assert json.dumps(first) == json.dumps(foreign)
    assert second["Resource"] == [WILDCARD]


def test_single_statement_host_stays_an_object() -> None:
    # Given one delivery statement as an object, its Service and Resource as strings
    outside = f"{ARN_BASE}:log-group:/aws/lambda/fn:*"
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": DELIVERY},
        "Action": ["logs:PutLogEvents", "logs:CreateLogStream"],
        "Resource": outside,
    }
    # When the wildcard is ensured without conditions (it joins that statement)
    outcome = ensure({"Statement": statement}, SCOPE, NO_CONDITIONS)
    # Then Statement is still an object and Service still a string; Resource became a list
    assert outcome.document["Statement"] == {**statement, "Resource": [outside, WILDCARD]}


@pytest.mark.parametrize("options", [NO_CONDITIONS, Options()], ids=["off", "on"])
def test_no_compact_removes_nothing(options: Options) -> None:
    # Given the report's policy
    # When it is ensured with compaction off
    outcome = ensure(
        report_document(), SCOPE, Options(options.prefixes, options.source_conditions, False)
    )
    # Then every ARN is still there, and the wildcard was added
    resources = [r for s in statements_of(outcome.document) for r in s["Resource"]]
    assert resources == [*REPORT_ARNS, WILDCARD]
    assert outcome.removed_resources == ()
    assert outcome.uncovered_resources == ()
    # And the old statement keeps its Sid; a new one gets another
    sids = [s["Sid"] for s in statements_of(outcome.document)]
    assert sids[0] == "AWSLogDeliveryWrite"
    assert len(set(sids)) == len(sids)


def test_nested_prefixes_give_one_wildcard() -> None:
    # Given the report's policy and two prefixes, one inside the other
    prefixes = ("/aws/vendedlogs/", "/aws/vendedlogs/states/")
    # When it is ensured, with the prefixes in either order
    outcomes = [
        ensure(report_document(), SCOPE, Options(prefixes=p)) for p in (prefixes, prefixes[::-1])
    ]
    # Then only the outer wildcard is added, it absorbs the ARNs, and the order does not matter
    assert outcomes[0].added_resources == (wildcard("/aws/vendedlogs/"),)
    assert outcomes[0].removed_resources == tuple(REPORT_ARNS)
    assert outcomes[0].text == outcomes[1].text


def test_several_prefixes_share_one_statement() -> None:
    # Given no policy and two unrelated prefixes, one listed twice
    options = Options(prefixes=("/aws/vendedlogs/states/", "/aws/lambda/", "/aws/lambda/"))
    # When it is ensured
    outcome = ensure(None, SCOPE, options)
    # Then one statement holds one wildcard per distinct prefix
    (statement,) = statements_of(outcome.document)
    expected = [wildcard("/aws/lambda/"), wildcard(STATES)]
    assert sorted(statement["Resource"]) == expected
    assert sorted(outcome.added_resources) == expected


def test_a_prefix_already_covered_adds_only_the_other() -> None:
    # Given a policy that already holds the /aws/vendedlogs/states/ wildcard with conditions
    statement = delivery_statement([WILDCARD], sid="Existing")
    statement["Condition"] = copy.deepcopy(SOURCE_CONDITIONS)
    # When two prefixes are ensured
    outcome = ensure({"Statement": [statement]}, SCOPE, Options(prefixes=(STATES, "/aws/lambda/")))
    # Then only the missing wildcard is added, to that same statement
    assert outcome.added_resources == (wildcard("/aws/lambda/"),)
    assert statements_of(outcome.document)[0]["Resource"] == [WILDCARD, wildcard("/aws/lambda/")]


@pytest.mark.parametrize(
    ("partition", "region"),
    [("aws-cn", "cn-north-1"), ("aws-us-gov", "us-gov-west-1"), ("aws", "ap-southeast-2")],
)
def test_partition_and_region_are_in_the_arns(partition: str, region: str) -> None:
    # Given a scope in another partition or region
    scope = Scope(partition=partition, region=region, account=ACCOUNT)
    # When no policy is ensured
    outcome = ensure(None, scope)
    # Then the wildcard and the SourceArn condition name that partition and region
    (statement,) = statements_of(outcome.document)
    base = f"arn:{partition}:logs:{region}:{ACCOUNT}"
    assert statement["Resource"] == [f"{base}:log-group:/aws/vendedlogs/states/*:*"]
    assert statement["Condition"]["ArnLike"] == {"aws:SourceArn": [f"{base}:*"]}


def test_arns_of_another_partition_are_not_removed() -> None:
    # Given the report's policy (partition aws) and a scope in aws-cn
    scope = Scope(partition="aws-cn", region=REGION, account=ACCOUNT)
    # When it is ensured
    outcome = ensure(report_document(), scope)
    # Then the aws ARNs stay: the aws-cn wildcard does not cover them
    assert outcome.removed_resources == ()
    assert statements_of(outcome.document)[0] == report_document()["Statement"][0]


@pytest.mark.parametrize(
    ("taken", "expected"),
    [
        (["AWSLogDeliveryWrite"], "VendedLogsPolicyWildcard"),
        (["AWSLogDeliveryWrite", "VendedLogsPolicyWildcard"], "VendedLogsPolicyWildcard2"),
        (
            ["VendedLogsPolicyWildcard2", "AWSLogDeliveryWrite", "VendedLogsPolicyWildcard"],
            "VendedLogsPolicyWildcard3",
        ),
    ],
)
def test_sid_collision_gives_a_unique_sid(taken: list[str], expected: str) -> None:
    # Given unrelated statements that already use the Sids the engine would pick
    foreign = foreign_statements()[0]
    document = {"Statement": [{**copy.deepcopy(foreign), "Sid": sid} for sid in taken]}
    # When the wildcard statement is added
    outcome = ensure(document, SCOPE)
    # Then it gets a Sid that no other statement uses
    sids = [s["Sid"] for s in statements_of(outcome.document)]
    assert sids == [*taken, expected]


def test_sid_of_a_dropped_statement_is_reused() -> None:
    # Given the report's statement (Sid AWSLogDeliveryWrite) that compaction empties
    # When the wildcard is ensured with conditions (a new statement)
    outcome = ensure(report_document(), SCOPE)
    # Then the new statement takes the freed Sid, and it is the only one
    assert [s["Sid"] for s in statements_of(outcome.document)] == ["AWSLogDeliveryWrite"]


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not valid JSON"),
        ("", "not valid JSON"),
        ('{"Statement": [}', "not valid JSON"),
        ("[]", "must be a JSON object"),
        ('"policy"', "must be a JSON object"),
        ("null", "must be a JSON object"),
        ('{"Version": "2012-10-17", "Version": "2012-10-17"}', "repeats the key 'Version'"),
        ('{"Statement": [{"Sid": "a", "Sid": "b"}]}', "repeats the key 'Sid'"),
        ('{"Statement": [], "x": NaN}', "NaN"),
        ('{"Statement": [], "x": -Infinity}', "-Infinity"),
        ('{"Version": 1}', "Version must be a string"),
        ('{"Statement": "x"}', "Statement must be an object or a list"),
        ('{"Statement": 1}', "Statement must be an object or a list"),
        ('{"Statement": null}', "Statement must be an object or a list"),
        ('{"Statement": [1]}', "Statement[0] must be an object"),
        ('{"Statement": [{}, []]}', "Statement[1] must be an object"),
        ('{"Statement": [{"Action": 5}]}', "Statement[0]: Action must be a string"),
        ('{"Statement": [{"Action": []}]}', "Statement[0]: Action must be a string"),
        ('{"Statement": [{"Action": ["a", 1]}]}', "Statement[0]: Action must be a string"),
        ('{"Statement": {"NotAction": {}}}', "Statement[0]: NotAction must be a string"),
        ('{"Statement": [{"Resource": null}]}', "Statement[0]: Resource must be a string"),
        ('{"Statement": [{"NotResource": true}]}', "Statement[0]: NotResource must be"),
        ('{"Statement": [{"Principal": "me"}]}', 'Statement[0]: Principal must be "*"'),
        ('{"Statement": [{"Principal": {}}]}', 'Statement[0]: Principal must be "*"'),
        ('{"Statement": [{"Principal": {"Service": 1}}]}', "Principal.Service must be"),
        ('{"Statement": [{"NotPrincipal": {"AWS": []}}]}', "NotPrincipal.AWS must be"),
        ('{"Statement": [{"Condition": []}]}', "Condition must be an object"),
        ('{"Statement": [{"Condition": {"Bool": "x"}}]}', "Condition.Bool must be an object"),
        ('{"Statement": [{"Sid": 1}]}', "Sid must be a string"),
        ('{"Statement": [{"Effect": true}]}', "Effect must be a string"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_parse_document_rejects_with_a_message_naming_the_problem(text: str, message: str) -> None:
    # Given text that is not a policy document the engine can edit safely
    # When it is parsed
    # Then PolicyError names the problem
    with pytest.raises(PolicyError) as caught:
        parse_document(text)
    assert message in str(caught.value)


def test_ensure_checks_documents_it_did_not_parse() -> None:
    # Given a document built in Python with a Statement of the wrong type
    # When it is ensured
    # Then PolicyError says so (and nothing is rendered)
    with pytest.raises(PolicyError, match="Statement must be an object or a list"):
        ensure({"Statement": "x"}, SCOPE)


def test_parse_document_rejects_numbers_out_of_range() -> None:
    # Given a policy whose condition value overflows a float (Python reads it as inf)
    text = '{"Statement": [], "Id": 1e999}'
    # When it is parsed
    # Then PolicyError names the problem, as for NaN, instead of a document that cannot compact_json
    with pytest.raises(PolicyError):
        parse_document(text)


def test_parse_document_rejects_huge_integers_with_policy_error() -> None:
    # Given a policy holding an integer longer than Python's int conversion limit
    text = '{"Statement": [], "Id": ' + "9" * 5000 + "}"
    # When it is parsed
    # Then the error is a PolicyError (callers catch that), not a bare ValueError
    with pytest.raises(PolicyError):
        parse_document(text)


def test_lone_surrogates_are_rejected_or_rendered_encodable() -> None:
    # Given a policy whose JSON holds an escaped lone surrogate
    text = '{"Version": "2012-10-17", "Id": "\\ud800", "Statement": []}'
    # When it is parsed and ensured
    try:
        document = parse_document(text)
    except PolicyError:
        return  # Then either the engine refuses it up front
    # Or the text it would write can be sent (boto3 sends UTF-8)
    ensure(document, SCOPE).text.encode("utf-8")


def test_ensure_rejects_non_finite_numbers_with_policy_error() -> None:
    # Given a document built in Python holding NaN (which JSON has not)
    # When it is ensured
    # Then PolicyError names the problem, as parse_document does for the text "NaN"
    with pytest.raises(PolicyError, match="NaN"):
        ensure({"Id": float("nan"), "Statement": []}, SCOPE)


@pytest.mark.parametrize(
    ("partition", "region", "account", "word"),
    [
        ("aws", REGION, "12345678901", "account"),
        ("aws", REGION, "1234567890123", "account"),
        ("aws", REGION, "abcdefghijkl", "account"),
        ("aws", REGION, "", "account"),
        ("aws", "us-west", ACCOUNT, "region"),
        ("aws", "US-WEST-2", ACCOUNT, "region"),
        ("aws", "uswest2", ACCOUNT, "region"),
        ("aws", "", ACCOUNT, "region"),
        ("amazon", REGION, ACCOUNT, "partition"),
        ("AWS", REGION, ACCOUNT, "partition"),
        ("aws-", REGION, ACCOUNT, "partition"),
        ("", REGION, ACCOUNT, "partition"),
        ("aws", REGION, ACCOUNT + "\n", "account"),
        pytest.param(
            "aws",
            REGION,
            "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662",
            "account",
        ),
        ("aws", REGION + "\n", ACCOUNT, "region"),
        ("aws\n", REGION, ACCOUNT, "partition"),
    ],
)
def test_scope_rejects_bad_values(partition: str, region: str, account: str, word: str) -> None:
    # Given a partition, region or account that AWS would never use
    # When a Scope is built
    # Then ValueError names which one is wrong
    with pytest.raises(ValueError, match=word):
        Scope(partition=partition, region=region, account=account)


@pytest.mark.parametrize(
    ("prefixes", "message"),
    [
        ((), "at least one"),
        (("",), "would cover every log group"),
        (("/",), "would cover every log group"),
        ((5,), "must be a string"),
        (("/aws/*",), "must not contain wildcards"),
        (("/aws/?",), "must not contain wildcards"),
        (("/aws/vendedlogs/états/",), "may only hold"),
        (("/aws/a b/",), "may only hold"),
        (("/" + "a" * 512,), "at most 512"),
        ((STATES, "/a b/"), "may only hold"),
        (("/aws:x/",), "may only hold"),
        (("/aws/vendedlogs/states\n",), "may only hold"),
    ],
)
def test_options_reject_bad_prefixes(prefixes: tuple[str, ...], message: str) -> None:
    # Given a prefix that is not a log group name prefix
    # When Options are built
    # Then ValueError says what is wrong
    with pytest.raises(ValueError, match=message):
        Options(prefixes=prefixes)


@pytest.mark.parametrize(
    "prefix",
    [
        "/" + "a" * 511,
        "/aws/vendedlogs/states/",
        "/a.b-c_d#e/",
        "aws-waf-logs-",
        "a",
        "//",
        "a" * 512,
    ],
)
def test_options_accept_good_prefixes(prefix: str) -> None:
    # Given a legal prefix (up to 512 characters of the log group name alphabet)
    # When Options are built and used
    outcome = ensure(None, SCOPE, Options(prefixes=(prefix,)))
    # Then the wildcard names it
    assert outcome.added_resources == (wildcard(prefix),)


# --- what a state machine needs granted --------------------------------------------------------

GROUP = f"{ARN_BASE}:log-group:/aws/vendedlogs/states/HelloWorld-Logs"


@pytest.mark.parametrize(
    ("log_group_arn", "expected"),
    [
        (f"{GROUP}:*", f"{GROUP}:log-stream:*"),
        (GROUP, f"{GROUP}:log-stream:*"),
        (
            "arn:aws-cn:logs:cn-north-1:123456789012:log-group:/a:*",
            "arn:aws-cn:logs:cn-north-1:123456789012:log-group:/a:log-stream:*",
        ),
        (f"{ARN_BASE}:log-group:", None),
        (f"{ARN_BASE}:log-group::*", None),
        (f"{GROUP}:log-stream:x", None),
        ("log-group:/aws/x:*", None),
        ("not an arn", None),
        ("", None),
    ],
)
def test_log_group_target(log_group_arn: str, expected: str | None) -> None:
    # Given the log group ARN of a state machine's logging configuration
    # When the resource to grant is derived
    # Then it is the log-stream form Step Functions appends, or None for what is not a log group
    assert log_group_target(log_group_arn) == expected


def test_grants_delivery_to_the_reports_log_groups() -> None:
    # Given the report's policy
    documents = [report_document()]
    hello = log_group_target(f"{GROUP}:*")
    other = log_group_target(f"{ARN_BASE}:log-group:/aws/vendedlogs/states/New-Logs:*")
    assert hello is not None
    assert other is not None
    # When the log groups it lists and one it does not are checked
    # Then only the listed ones are granted, until the wildcard is ensured
    assert grants_delivery_to(documents, hello, SCOPE)
    assert not grants_delivery_to(documents, other, SCOPE)
    ensured = [ensure(report_document(), SCOPE).document]
    assert grants_delivery_to(ensured, other, SCOPE)
    assert grants_delivery_to(ensured, hello, SCOPE)


def test_grants_delivery_to_looks_at_every_document_and_only_at_grants() -> None:
    # Given statements that mention the log group without granting delivery on it
    target = f"{GROUP}:log-stream:*"
    not_grants = [
        {**s, "Resource": [target]}
        for s in foreign_statements()
        if "Resource" in s and s.get("Sid") not in ("ExtraActions", "TwoServices")
    ]
    assert not_grants
    documents: list[dict[str, Any]] = [{"Statement": s} for s in not_grants]
    # When the target is checked
    # Then it is not granted
    assert not grants_delivery_to(documents, target, SCOPE)
    # And a grant in the last document counts, in the single-statement form
    granting = {"Statement": delivery_statement([f"{ARN_BASE}:log-group:/aws/*"])}
    assert grants_delivery_to([*documents, granting], target, SCOPE)


def test_grants_delivery_to_honours_the_scopes_conditions() -> None:
    # Given a grant that carries this account's confused-deputy conditions
    target = f"{GROUP}:log-stream:*"
    statement = delivery_statement([WILDCARD])
    statement["Condition"] = copy.deepcopy(SOURCE_CONDITIONS)
    # When it is checked for this scope and for another account's scope
    elsewhere = Scope(partition="aws", region=REGION, account="210987654321")
    # Then it grants only for the scope whose conditions it carries
    assert grants_delivery_to([{"Statement": [statement]}], target, SCOPE)
    assert not grants_delivery_to([{"Statement": [statement]}], target, elsewhere)


# --- policy variables and ARN wildcard segments -------------------------------------------------


def variable_document(resource: str, version: str | None = "2012-10-17") -> dict[str, Any]:
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": DELIVERY},
        "Action": "logs:PutLogEvents",
        "Resource": resource,
    }
    document: dict[str, Any] = {} if version is None else {"Version": version}
    return document | {"Statement": [statement]}


def test_a_policy_variable_is_never_removed() -> None:
    # Given the fuzzer's reproducer: a grant whose resource holds ${aws:sourceaccount}, whose
    # ':' lets the wildcard's ":*" cover the text though not the substituted ARN
    scope = Scope("aws", "ap-southeast-2", "123456789012")
    resource = "arn:aws:logs:ap-southeast-2:123456789012:log-group:/x.y-z_#/${aws:sourceaccount}"
    document = variable_document(resource)
    # When it is ensured for that prefix
    outcome = ensure(document, scope, Options(prefixes=("/x.y-z_#/",)))
    # Then the resource stays, in its statement, and the engine says why
    assert outcome.removed_resources == ()
    assert statements_of(outcome.document)[0] == document["Statement"][0]
    assert [(c.kind, c.resource) for c in outcome.causes] == [(CauseKind.POLICY_VARIABLE, resource)]
    assert outcome.uncovered_resources == (resource,)


@pytest.mark.parametrize(
    "name",
    [
        "/aws/vendedlogs/states/${aws:SourceAccount}:*",
        "/aws/vendedlogs/states/${aws:PrincipalTag/team}-Logs:log-stream:*",
        "/aws/vendedlogs/states/x${*}:*",
        "/aws/vendedlogs/states/x${?}:*",
        "/aws/vendedlogs/states/x${$}:*",
        "/aws/vendedlogs/states/${aws:username}",
    ],
)
def test_policy_variables_and_their_escapes_are_kept(name: str) -> None:
    # Given a Version 2012-10-17 grant under the prefix whose resource holds a policy variable,
    # or one of the escapes ${*}, ${?}, ${$} for a literal character
    resource = f"{ARN_BASE}:log-group:{name}"
    document = variable_document(resource)
    # When it is ensured, with and without source conditions
    for options in (Options(), NO_CONDITIONS):
        outcome = ensure(document, SCOPE, options)
        # Then the resource stays: the engine cannot prove what IAM substitutes is covered
        assert outcome.removed_resources == ()
        assert resource in statements_of(outcome.document)[0]["Resource"]


@pytest.mark.parametrize("version", ["2008-10-17", None])
def test_without_substitution_a_variable_is_text(version: str | None) -> None:
    # Given a document that IAM does not substitute in (Version 2008-10-17, or no Version)
    resource = f"{ARN_BASE}:log-group:/aws/vendedlogs/states/${{aws:username}}:*"
    # When it is ensured
    outcome = ensure(variable_document(resource, version), SCOPE, NO_CONDITIONS)
    # Then "${aws:username}" is plain text in a log group name the wildcard covers
    assert outcome.removed_resources == (resource,)


def test_a_variable_resource_grants_nothing_to_a_target() -> None:
    # Given a grant on a resource with a policy variable, and a target with the same text
    resource = f"{ARN_BASE}:log-group:/aws/vendedlogs/states/${{aws:username}}:*"
    target = f"{ARN_BASE}:log-group:/aws/vendedlogs/states/${{aws:username}}:log-stream:*"
    statement = delivery_statement([resource])
    # When grants_delivery_to is asked
    # Then only a document that does not substitute grants it
    assert not grants_delivery_to(
        [{"Version": "2012-10-17", "Statement": [statement]}], target, SCOPE
    )
    assert grants_delivery_to([{"Statement": [statement]}], target, SCOPE)


@pytest.mark.parametrize(
    "broad",
    [
        "arn:*:logs?*:*:*",
        f"{ARN_BASE}:log-group?*:*",
        "arn:aws:logs*group:*:*",
    ],
)
@pytest.mark.parametrize("options", [NO_CONDITIONS, Options()], ids=["off", "on"])
def test_an_anchor_that_covers_only_in_the_whole_string_reading_is_not_one(
    broad: str, options: Options
) -> None:
    # Given an unconditional delivery grant whose "?" or inner "*" covers the wildcard, or other
    # ARNs, only when it matches ':' (which the segment reading of ARNs does not allow)
    outside = f"{ARN_BASE}:log-group:/custom/app:log-stream:*"
    inner = f"{ARN_BASE}:log-group:/aws/vendedlogs/states/a:b-Logs:*"
    document = {"Statement": [delivery_statement([broad, outside, inner, *REPORT_ARNS])]}
    # When it is ensured
    outcome = ensure(document, SCOPE, options)
    # Then it is no anchor: the wildcard is added, and only what the wildcard covers in both
    # readings goes; the broad grant and what only it covers stay
    assert outcome.added_resources == (WILDCARD,)
    assert outcome.removed_resources == (inner, *REPORT_ARNS)
    assert statements_of(outcome.document)[0]["Resource"][:2] == [broad, outside]


def test_a_wildcard_granted_beside_another_principal_is_the_grant_not_a_cause() -> None:
    # Given the prefix's wildcard granted only in a statement that also names another service
    shared = delivery_statement([wildcard(STATES)], sid="Shared")
    shared["Principal"] = {"Service": [DELIVERY, "es.amazonaws.com"]}
    # When it is ensured without source conditions (so the statement counts as the grant)
    outcome = ensure({"Statement": [shared]}, SCOPE, Options(source_conditions=False))
    # Then nothing changes and no cause is given for the grant itself
    assert outcome.changed is False
    assert outcome.causes == ()


def test_a_grant_shared_with_other_principals_anchors_without_a_cause() -> None:
    # Given the wildcard granted in a statement that also names another service's principal
    shared = {
        "Effect": "Allow",
        "Principal": {"Service": [DELIVERY, "es.amazonaws.com"]},
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": WILDCARD,
    }
    # When it is ensured, with compaction on or off
    for compact in (True, False):
        outcome = ensure(
            {"Statement": [shared]}, SCOPE, Options(source_conditions=False, compact=compact)
        )
        # Then the grant is kept as it is and is not explained as a resource that stays
        assert outcome.document == {"Statement": [shared]}
        assert outcome.causes == ()
