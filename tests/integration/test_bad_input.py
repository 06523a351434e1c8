"""Bad input end to end: a handful of garbled requests through the real handler, moto behind the
strict layer and the HTTPS answer endpoint, and malformed stored policies through the policy
service on moto; unusual but valid policies are ensured without losing a statement.

The properties themselves (400 generated requests and 400 generated stored policies with the ci
profile) run on the in-memory fake, where the wire is not the point:
``tests/service/test_bad_input.py``. The cases here are fixed, one or two of each kind, and hold
the same checks (``local_aws.bad_input.check_answer``), plus the endpoint's own: each answer was
accepted over TLS, its body at most 4096 bytes as CloudFormation takes it.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import urlencode

import pytest

from local_aws.bad_input import (
    PLAIN_HTTP_URL,
    Case,
    PropsKind,
    Sent,
    UrlKind,
    changed,
    check_answer,
    check_refusal,
    deep,
    policy_text,
    statement,
)
from local_aws.events import load_event
from local_aws.lambda_context import FakeLambdaContext
from local_aws.logs_server import LogsServer
from local_aws.policies import DELIVERY, NAME, SCOPE, STATES
from local_aws.product import TIMER_WAIT, policy_service, seed, stored_text
from local_aws.response_endpoint import ResponseEndpoint
from vended_logs_policy.adapters.retry import Retry
from vended_logs_policy.engine.policy import Options
from vended_logs_policy.errors import PolicyError
from vended_logs_policy.function.custom_resource import CustomResourceHandler
from vended_logs_policy.service import PolicyService

pytestmark = pytest.mark.wire

# ---- events through the handler ------------------------------------------------------------


def garbled(
    name: str, url_kind: UrlKind = "valid", props_kind: PropsKind = "valid", **changes: Any
) -> Case:
    """events/<name>.json with ``changes`` (None deletes a key), as the strategy would draw it."""
    event = changed(name, **changes)
    if url_kind == "plain-http":
        event["ResponseURL"] = PLAIN_HTTP_URL
    return event, url_kind, props_kind


# Each case with the answer it gets: a status, or None for no answer at all.
EVENTS: dict[str, tuple[Case, str | None]] = {
    # what CloudFormation sends: SUCCESS
    "create": (garbled("create"), "SUCCESS"),
    # invalid properties, non-ASCII and a 100,000-character unknown one: FAILED, no call at all
    "invalid-properties": (
        garbled(
            "update",
            props_kind="invalid-property",
            ResourceProperties={
                **load_event("update")["ResourceProperties"],
                "LogGroupPrefixes": ["/aws/ログ/"],
                "Compact": float("nan"),
                "x" * 100_000: "\U0001f600" * 3_000,
            },
        ),
        "FAILED",
    ),
    # a Delete whose properties are not an object: SUCCESS, nothing written
    "delete-junk-properties": (
        garbled("delete", props_kind="not-an-object", ResourceProperties=["x-", None, 1e308]),
        "SUCCESS",
    ),
    # a RequestType that is not one: FAILED, no call
    "junk-request-type": (garbled("create", RequestType={"x-": [float("inf")]}), "FAILED"),
    # ids CloudFormation never sends, which the answer echoes (a StackId of 100,000 characters
    # was once echoed whole and refused by the endpoint; 3,000 emoji are 36,000 bytes as JSON):
    # one FAILED answer that fits
    "oversized-stack-id": (garbled("create", StackId="x" * 100_000), "FAILED"),
    "emoji-physical-id": (garbled("update", PhysicalResourceId="\U0001f600" * 3_000), "FAILED"),
    # no usable ResponseURL: no answer, no call
    "missing-response-url": (garbled("create", "missing", ResponseURL=None), None),
    "plain-http-response-url": (garbled("delete", "plain-http"), None),
}


def arrived(endpoint: ResponseEndpoint, since: int) -> list[Sent]:
    """What reached the endpoint since ``since`` PUTs, each checked to be accepted."""
    sent = []
    for received in endpoint.received[since:]:
        assert received.outcome == "accepted", received.reason
        url = f"https://{endpoint.host}:{endpoint.port}{received.path}?{urlencode(received.query)}"
        sent.append(Sent(url, received.raw))
    return sent


@pytest.mark.parametrize("example", EVENTS.values(), ids=EVENTS.keys())
def test_every_answerable_request_gets_one_short_answer_and_bad_input_writes_nothing(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    handler: CustomResourceHandler,
    example: tuple[Case, str | None],
) -> None:
    # GIVEN a garbled request (the ResponseURL, when usable, pointing at the endpoint)
    case, status = copy.deepcopy(example)
    event, url_kind, props_kind = case
    if url_kind == "valid":
        event["ResponseURL"] = cfn.url_for("bad-input")
    received, called = len(cfn.received), len(logs.calls)
    # WHEN the handler gets it
    handler(event, lambda_context)
    assert handler.bridge.wait_for_timer(TIMER_WAIT), "the timeout timer is still armed"
    # THEN what reached the endpoint (accepted over TLS) and the calls moto saw pass the checks
    sent = arrived(cfn, received)
    check_answer((event, url_kind, props_kind), sent, logs.calls[called:])
    # AND the answer is the one this case gets
    assert [json.loads(answer.raw)["Status"] for answer in sent] == ([status] if status else [])


# ---- malformed stored policy documents through the service ---------------------------------

MALFORMED = {
    "not-json-bom": "\ufeff" + policy_text(statement()),
    "not-json-50000-characters": "x" * 50_000,
    "repeated-20000-character-key": "{" + '"{0}": 1, "{0}": 2'.format("k" * 20_000) + "}",
    "not-finite": policy_text(statement()).replace('"2012-10-17"', "NaN"),
    "wrong-type": policy_text(statement(Principal={"Service": [None]})),
    "nested-25000-deep": deep(25_000),
}


@pytest.fixture
def lax_store(logs: LogsServer) -> LogsServer:
    """A service that stores anything up to 51200 characters, as moto does."""
    logs.rules.require_json = False
    logs.rules.document_limit = 51200
    return logs


@pytest.fixture
def policies(logs: LogsServer) -> PolicyService:
    """The policy service, without retries (no fault is injected here)."""
    return policy_service(logs, Retry(attempts=1))


@pytest.mark.parametrize("text", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_stored_policy_is_left_unchanged_with_a_clear_reason(
    lax_store: LogsServer, policies: PolicyService, text: str
) -> None:
    # GIVEN a stored policy the engine cannot edit without guessing its meaning
    logs = lax_store
    seed(logs, text)
    puts = logs.calls_of("PutResourcePolicy")
    # WHEN the service ensures the wildcard
    with pytest.raises(PolicyError) as raised:
        policies.ensure(NAME, SCOPE, Options())
    # THEN a clear, short reason, no write, and the policy byte for byte as it was
    check_refusal(raised.value)
    assert logs.calls_of("PutResourcePolicy") == puts
    assert stored_text(logs) == text


UNUSUAL_BUT_VALID = {
    # Statement as one object; Action, Resource and Service as strings
    "single-statement-strings": json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": statement(Action="logs:*", Resource="arn:aws:logs:*:*:*"),
        }
    ),
    # an Id, a Deny, a NotAction, another principal, and a non-ASCII Sid
    "deny-notaction-mixed-principal": policy_text(
        statement(Sid="Zustellung-ö", Principal={"Service": [DELIVERY, "es.amazonaws.com"]}),
        {"Effect": "Deny", "Principal": "*", "Action": "logs:*", "Resource": "*"},
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "NotAction": "logs:Delete*",
            "Resource": "*",
        },
        Id="policy-ü",
    ),
    # a condition value nested, but within what the engine walks
    "nested-condition-value": policy_text(
        statement(Condition={"ForAnyValue:StringLike": {"aws:SourceArn": [[[["a"]]]]}}),
    ),
    # nested 2000 levels inside a value the engine never reads: kept as it is
    "deeply-nested-condition-value": deep(2_000),
    "no-statement": json.dumps({"Version": "2012-10-17"}),
    "empty-object": "{}",
}


@pytest.mark.parametrize("text", UNUSUAL_BUT_VALID.values(), ids=UNUSUAL_BUT_VALID.keys())
def test_an_unusual_but_valid_policy_gets_the_wildcard_and_keeps_every_statement(
    lax_store: LogsServer, policies: PolicyService, text: str
) -> None:
    # GIVEN an unusual but valid stored policy
    logs = lax_store
    seed(logs, text)
    before = json.loads(text).get("Statement", [])
    before = [before] if isinstance(before, dict) else before
    # WHEN the service ensures the wildcard
    result = policies.ensure(NAME, SCOPE, Options())
    # THEN the wildcard is there, and every statement that was not delivery-only is unchanged
    after_text = stored_text(logs)
    assert after_text is not None
    assert STATES in after_text or result.writes == 0
    after = json.loads(after_text).get("Statement", [])
    after = [after] if isinstance(after, dict) else after
    for old in before:
        if old.get("Principal") != {"Service": DELIVERY}:
            assert old in after, old
    assert policies.ensure(NAME, SCOPE, Options()).writes == 0
