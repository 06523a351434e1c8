"""The bootstrap stack decides what consumers may ask: requests outside its allow-list fail and
write nothing, against the strict local layer (issue 16's reproducers)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_aws.events import load_event
from local_aws.lambda_context import FakeLambdaContext
from local_aws.logs_server import LogsServer
from local_aws.policies import (
    ARN,
    DELIVERY,
    NAME,
    PIPES,
    ROUTE53,
    SCOPE,
    STATES,
    delivery_statement,
    document,
    seeded_document,
)
from local_aws.product import answer_of, custom_resource, seed, stored_policies
from local_aws.response_endpoint import ResponseEndpoint
from vended_logs_policy.function.custom_resource import CustomResourceHandler


@pytest.fixture
def strict(logs: LogsServer) -> CustomResourceHandler:
    """The handler of a bootstrap stack with its default allow-list (no VLP_ALLOWED_...)."""
    return custom_resource(logs, sleep=lambda _: None, answer_sleep=lambda _: None, environ={})


def create(**properties: Any) -> dict[str, Any]:
    event = load_event("create")
    event["ResourceProperties"].update(properties)
    return event


def refused(
    handler: CustomResourceHandler,
    event: dict[str, Any],
    logs: LogsServer,
    cfn: ResponseEndpoint,
    context: FakeLambdaContext,
) -> str:
    """Send the request; assert FAILED with nothing written; return the reason."""
    before = stored_policies(logs)
    answer = answer_of(handler, event, cfn, context)
    assert answer["Status"] == "FAILED", answer
    assert logs.calls_of("PutResourcePolicy") == 0
    assert stored_policies(logs) == before  # the policy unchanged, no new policy
    reason: str = answer["Reason"]
    return reason


@pytest.mark.parametrize("name", [f"Q{n}" for n in range(1, 9)])
def test_a_policy_name_outside_the_allow_list_is_refused(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    strict: CustomResourceHandler,
    name: str,
) -> None:
    # GIVEN the account's policy
    seed(logs, json.dumps(seeded_document()))
    # WHEN a consumer asks for a new account-level policy
    reason = refused(strict, create(PolicyName=name), logs, cfn, lambda_context)
    # THEN FAILED, naming the property, what is allowed and the parameter that widens it
    assert reason.startswith(f"PolicyName '{name}' is not allowed (allowed: {NAME})"), reason
    assert "AllowedPolicyNames" in reason
    assert list(stored_policies(logs)) == [NAME]


@pytest.mark.parametrize("prefix", ["/a", "a", "#", ".", "/aws/", "aws-waf-logs-"])
def test_a_prefix_outside_the_allowed_prefixes_is_refused(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    strict: CustomResourceHandler,
    prefix: str,
) -> None:
    seed(logs, json.dumps(seeded_document()))
    event = create(LogGroupPrefixes=["/aws/vendedlogs/states/", prefix])
    reason = refused(strict, event, logs, cfn, lambda_context)
    assert reason.startswith(f"LogGroupPrefixes {prefix!r} does not start with an allowed"), reason
    assert "/aws/vendedlogs/" in reason
    assert "AllowedPrefixes" in reason


def test_unconditional_grants_are_refused_unless_allowed(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    strict: CustomResourceHandler,
) -> None:
    # GIVEN no policy yet
    # WHEN a consumer asks for the wildcard without the confused-deputy conditions
    reason = refused(strict, create(SourceConditions="false"), logs, cfn, lambda_context)
    # THEN FAILED, naming the parameter that allows it, and no policy exists
    assert reason.startswith("SourceConditions false is not allowed"), reason
    assert "AllowUnconditionalGrants=true" in reason
    assert stored_policies(logs) == {}


def test_the_bootstrap_parameters_widen_what_may_be_asked(
    logs: LogsServer, cfn: ResponseEndpoint, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a bootstrap stack that allows WAF's prefix, another name and unconditional grants
    handler = custom_resource(
        logs,
        sleep=lambda _: None,
        answer_sleep=lambda _: None,
        environ={
            "VLP_ALLOWED_POLICY_NAMES": f"{NAME},TeamWaf",
            "VLP_ALLOWED_PREFIXES": "/aws/vendedlogs/,aws-waf-logs-",
            "VLP_ALLOW_UNCONDITIONAL_GRANTS": "true",
        },
    )
    event = create(
        PolicyName="TeamWaf", LogGroupPrefixes=["aws-waf-logs-"], SourceConditions="false"
    )
    # WHEN the consumer asks for them
    answer = answer_of(handler, event, cfn, lambda_context)
    # THEN they are written
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    written = json.loads(stored_policies(logs)["TeamWaf"])
    assert written["Statement"] == [delivery_statement([f"{ARN}:aws-waf-logs-*:*"])]


def test_a_stored_unconditional_wildcard_is_narrowed_when_unconditional_is_not_allowed(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    strict: CustomResourceHandler,
) -> None:
    # GIVEN the wildcard stored without conditions (an earlier SourceConditions: false)
    seed(logs, json.dumps(document(delivery_statement([STATES]), ROUTE53)))
    # WHEN an Update arrives with conditions on
    event = load_event("update")
    answer = answer_of(strict, event, cfn, lambda_context)
    # THEN it is not "already compliant": the grant now carries the conditions
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["Data"]["Changed"] == "true"
    stored = json.loads(stored_policies(logs)[NAME])["Statement"]
    assert ROUTE53 in stored
    (delivery,) = [s for s in stored if s["Principal"] == {"Service": DELIVERY}]
    assert delivery["Condition"] == SCOPE.source_conditions()
    assert set(delivery["Resource"]) == {STATES, PIPES}


def test_delete_of_a_refused_request_still_succeeds(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    strict: CustomResourceHandler,
) -> None:
    event = load_event("delete")
    event["ResourceProperties"]["PolicyName"] = "Q1"
    answer = answer_of(strict, event, cfn, lambda_context)
    assert answer["Status"] == "SUCCESS"
    assert logs.calls == []


def test_a_bad_allow_list_fails_naming_the_variable_and_writes_nothing(
    logs: LogsServer, cfn: ResponseEndpoint, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a bootstrap stack whose allow-list holds a prefix no log group name can start with
    handler = custom_resource(
        logs,
        sleep=lambda _: None,
        answer_sleep=lambda _: None,
        environ={"VLP_ALLOWED_PREFIXES": "/aws/*"},
    )
    # WHEN a request arrives, THEN FAILED naming the variable, and no AWS call
    reason = refused(handler, create(), logs, cfn, lambda_context)
    assert reason.startswith("VLP_ALLOWED_PREFIXES: log group prefix '/aws/*'"), reason
    assert logs.calls == []
