"""Bad input, property-based: malformed events through the real handler and malformed stored
policies through the policy service.

Events: every request with a usable ResponseURL gets exactly one answer, short and without a
traceback, in a body CloudFormation accepts (at most 4096 bytes); a request without one gets none;
invalid input writes nothing. Stored policies: a document the engine cannot edit without losing
meaning is left byte for byte as it was, with a clear, short reason.

Examples are derandomized (the same cases on every run) so the counts in docs/reliability.md hold.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local_aws.events import load_event
from local_aws.lambda_context import FakeLambdaContext
from local_aws.logs_server import LogsServer
from local_aws.policies import ARN, DELIVERY, NAME, SCOPE, STATES, delivery_statement, document
from local_aws.product import policy_service, seed, stored_text
from local_aws.response_endpoint import MAX_BODY_BYTES, ResponseEndpoint
from tests.support import examples
from vended_logs_policy.adapters.retry import Retry
from vended_logs_policy.engine.policy import Options
from vended_logs_policy.errors import PolicyError
from vended_logs_policy.function.cfn_protocol import MAX_REASON
from vended_logs_policy.function.custom_resource import CustomResourceHandler
from vended_logs_policy.service import PolicyService

pytestmark = pytest.mark.wire

# Each example goes over the wire: three quarters (events) and half (documents) of the profile's
# examples (300 and 200 with the ci profile).
EVENT_EXAMPLES = examples(0.75).max_examples
DOCUMENT_EXAMPLES = examples(0.5).max_examples
FIXTURES = settings(
    max_examples=EVENT_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# ---- strategies: junk values ---------------------------------------------------------------

NON_ASCII = st.text(
    alphabet=st.characters(min_codepoint=0x80, exclude_categories=["Cs"]), min_size=1, max_size=40
)
HUGE_VALUES = ("x" * 100_000, "é" * 5_000, "\U0001f600" * 3_000, "/aws/" + "a" * 600, "A" * 256)
HUGE = st.integers(0, len(HUGE_VALUES) - 1).map(lambda index: HUGE_VALUES[index])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | NON_ASCII
    | HUGE
)
# Dictionary keys start with "x-", so a junk object can never spell a known property.
JUNK: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=8).map("x-{}".format), inner, max_size=3)
    ),
    max_leaves=8,
)
# Junk that is never None nor an empty object: ResourceProperties would then be valid defaults.
JUNK_PROPERTIES = JUNK.filter(lambda v: v is not None and v != {})
NOT_BOOLEAN = JUNK.filter(
    lambda v: (
        not isinstance(v, bool)
        and not (isinstance(v, str) and v.strip().lower() in ("true", "false"))
    )
)
BAD_NAME = (
    JUNK.filter(lambda v: not isinstance(v, str))
    | st.sampled_from(["", "has space", "has:colon", "star*", "/leading", "trailing/", "a//b"])
    | NON_ASCII
    | st.just("n" * 256)
)
BAD_PREFIX = (
    st.sampled_from(["/", "/aws/*", "/aws/?", "/aws/ログ/", "/" + "a" * 600, ""])
    | NON_ASCII.map(lambda s: "/" + s)
    | JUNK.filter(lambda v: not isinstance(v, str | list))
)
BAD_PREFIXES: st.SearchStrategy[Any] = (
    BAD_PREFIX.map(lambda p: [p])
    | st.just([])
    | st.just(["/a/"] * 21)
    | st.lists(JUNK.filter(lambda v: not isinstance(v, str)), min_size=1, max_size=3)
    | JUNK.filter(lambda v: not isinstance(v, str | list))
)
BAD_TIMEOUT = JUNK.filter(
    lambda v: not (isinstance(v, str | int) and str(v).strip().isdigit() and 1 <= int(v) <= 3600)
)
INVALID_PROPERTY: st.SearchStrategy[tuple[str, Any]] = st.one_of(
    st.tuples(st.just("PolicyName"), BAD_NAME),
    st.tuples(st.just("LogGroupPrefixes"), BAD_PREFIXES),
    st.tuples(st.sampled_from(["SourceConditions", "Compact"]), NOT_BOOLEAN),
    st.tuples(st.just("ServiceTimeout"), BAD_TIMEOUT),
    st.tuples(st.text(max_size=30).map("Unknown{}".format) | HUGE, JUNK),
)

# ---- strategies: events --------------------------------------------------------------------

UrlKind = Literal["valid", "missing", "junk", "plain-http"]
PropsKind = Literal["valid", "missing", "not-an-object", "invalid-property"]
ECHOED = ("StackId", "RequestId", "LogicalResourceId")
OTHER_KEYS = ("PhysicalResourceId", "ResourceType", "ServiceToken", "OldResourceProperties")
REQUEST_TYPES = ("Create", "Update", "Delete")


@st.composite
def events(draw: st.DrawFn) -> tuple[Any, UrlKind, PropsKind]:
    """A request as CloudFormation might garble it; ResponseURL "valid" is filled in later."""
    if draw(st.integers(0, 19)) == 0:  # not an object at all
        return draw(JUNK.filter(lambda v: not isinstance(v, dict))), "missing", "missing"
    event = load_event(draw(st.sampled_from(["create", "update", "delete"])))
    if draw(st.booleans()):
        event["RequestType"] = draw(st.sampled_from(["Destroy", "create", "", *REQUEST_TYPES]))
    if draw(st.integers(0, 4)) == 0:
        event["RequestType"] = draw(JUNK)
    for key in draw(st.lists(st.sampled_from(ECHOED + OTHER_KEYS), max_size=3, unique=True)):
        if draw(st.booleans()):
            event.pop(key, None)
        else:
            event[key] = draw(JUNK | NON_ASCII)
    props_kind: PropsKind = draw(
        st.sampled_from(["valid", "missing", "not-an-object", "invalid-property"])
    )
    if props_kind == "missing":
        del event["ResourceProperties"]
    elif props_kind == "not-an-object":
        event["ResourceProperties"] = draw(
            JUNK_PROPERTIES.filter(lambda v: not isinstance(v, dict))
        )
    elif props_kind == "invalid-property":
        for key, value in draw(st.lists(INVALID_PROPERTY, min_size=1, max_size=3)):
            event["ResourceProperties"][key] = value
    url_kind: UrlKind = draw(st.sampled_from(["valid", "valid", "missing", "junk", "plain-http"]))
    if url_kind == "missing":
        del event["ResponseURL"]
    elif url_kind == "junk":
        event["ResponseURL"] = draw(
            JUNK.filter(lambda v: not (isinstance(v, str) and v.startswith("https://")))
        )
    elif url_kind == "plain-http":
        event["ResponseURL"] = "http://127.0.0.1:9/cfn-response?X-Amz-Signature=x"
    return event, url_kind, props_kind


def cloudformation_shaped(event: dict[str, Any]) -> bool:
    """Ids of the types and sizes CloudFormation sends (JSON-encoded: non-ASCII is escaped)."""
    physical = event.get("PhysicalResourceId", "")
    return all(
        isinstance(event.get(key), str) and len(json.dumps(event[key])) <= 256 for key in ECHOED
    ) and (isinstance(physical, str) and len(json.dumps(physical)) <= 1024)


def expected_status(event: dict[str, Any], props_kind: PropsKind) -> str | None:
    """What the protocol asks for, from the request alone; None where either answer is fair."""
    if any(not isinstance(event.get(key), str) for key in ECHOED):
        return "FAILED"  # the answer cannot name its request properly
    if event.get("RequestType") not in REQUEST_TYPES:
        return "FAILED"
    if not cloudformation_shaped(event):
        return None  # ids CloudFormation never sends: any answer that fits is fair
    if event["RequestType"] == "Delete":
        return "SUCCESS"  # a Delete never fails, whatever its properties
    return "FAILED" if props_kind in ("not-an-object", "invalid-property") else "SUCCESS"


# ---- events through the handler ------------------------------------------------------------


@FIXTURES
@given(case=events())
def test_every_answerable_request_gets_one_short_answer_and_bad_input_writes_nothing(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    handler: CustomResourceHandler,
    case: tuple[Any, UrlKind, PropsKind],
) -> None:
    # GIVEN a garbled request (the ResponseURL, when usable, pointing at the endpoint)
    event, url_kind, props_kind = case
    event = copy.deepcopy(event)
    if url_kind == "valid":
        event["ResponseURL"] = cfn.url_for("bad-input")
    sent_before, calls_before = len(cfn.received), len(logs.calls)
    puts_before = logs.calls_of("PutResourcePolicy")
    # WHEN the handler gets it
    handler(event, lambda_context)
    assert handler.bridge.wait_for_timer(5.0), "the timeout timer is still armed"
    # THEN a request without a usable ResponseURL gets no answer and causes no call at all
    sent = cfn.received[sent_before:]
    if url_kind != "valid":
        assert sent == []
        assert len(logs.calls) == calls_before
        return
    # AND any other gets exactly one answer, accepted, short, without a traceback
    assert len(sent) == 1, [r.outcome for r in sent]
    [answer] = sent
    assert answer.outcome == "accepted", answer.reason
    assert len(answer.raw) <= MAX_BODY_BYTES
    body = answer.body
    assert body is not None
    reason = str(body["Reason"])
    assert "Traceback" not in reason
    assert len(reason) <= 256
    assert not reason.startswith("ERROR: (truncated)")
    assert body["Status"] in ("SUCCESS", "FAILED")
    expected = expected_status(event, props_kind)
    if expected is not None:
        assert body["Status"] == expected, reason
    if cloudformation_shaped(event):
        assert {key: body[key] for key in ECHOED} == {key: event[key] for key in ECHOED}
    # AND FAILED or a Delete writes nothing; invalid properties do not even read
    if body["Status"] == "FAILED" or event.get("RequestType") == "Delete":
        assert logs.calls_of("PutResourcePolicy") == puts_before
    if props_kind in ("not-an-object", "invalid-property") or body["Status"] == "FAILED":
        assert len(logs.calls) == calls_before


def test_the_event_strategy_reaches_every_branch() -> None:
    # GIVEN the strategy above WHEN sampled THEN it produces each kind of case the test needs
    seen: set[tuple[str, str]] = set()

    # A fixed count whatever the profile, enough to reach every branch (300 no longer did)
    @settings(max_examples=1000, derandomize=True, database=None, deadline=None)
    @given(case=events())
    def sample(case: tuple[Any, UrlKind, PropsKind]) -> None:
        event, url_kind, props_kind = case
        status = expected_status(event, props_kind) if isinstance(event, dict) else "none"
        seen.add((url_kind, str(status)))
        seen.add(("props", props_kind))

    sample()
    assert {("valid", "SUCCESS"), ("valid", "FAILED"), ("valid", "None")} <= seen
    assert ("missing", "none") in seen
    assert {("props", k) for k in ("valid", "missing", "not-an-object", "invalid-property")} <= seen


# ---- malformed stored policy documents through the adapter ---------------------------------


def statement(**overrides: Any) -> dict[str, Any]:
    return delivery_statement([f"{ARN}:/aws/vendedlogs/states/a:*"]) | overrides


def policy_text(*statements: dict[str, Any], **top: Any) -> str:
    return json.dumps(document(*statements) | top)


def deep(depth: int) -> str:
    return policy_text(statement(Condition={"StringEquals": {"k": "[" * depth}})).replace(
        '"' + "[" * depth + '"', "[" * depth + "]" * depth
    )


WRONG_TYPES = st.sampled_from(
    [
        "[]",
        '"a policy"',
        "null",
        "42",
        json.dumps({"Version": 2012, "Statement": []}),
        json.dumps({"Statement": "Allow everything"}),
        json.dumps({"Statement": [["nested", "list"]]}),
        policy_text(statement(Action=42)),
        policy_text(statement(Action=[])),
        policy_text(statement(Resource=[1, 2])),
        policy_text(statement(Resource={"arn": "x"})),
        policy_text(statement(Principal={})),
        policy_text(statement(Principal={"Service": [None]})),
        policy_text(statement(Principal="delivery.logs.amazonaws.com")),
        policy_text(statement(Condition=["StringEquals"])),
        policy_text(statement(Condition={"StringEquals": "aws:SourceAccount"})),
        policy_text(statement(Effect=True)),
        policy_text(statement(Sid=7)),
        policy_text(statement(NotResource=42)),
    ]
)
DUPLICATE_KEYS = st.one_of(
    st.just('{"Version":"2012-10-17","Version":"2012-10-17","Statement":[]}'),
    st.just(
        policy_text(statement()).replace('"Effect": "Allow"', '"Effect":"Allow","Effect":"Deny"')
    ),
    st.one_of(
        st.text(min_size=1, max_size=30),
        st.integers(300, 20_000).map("k".__mul__),
        st.integers(300, 3_000).map("ü".__mul__),
    ).map(lambda key: "{" + f"{json.dumps(key)}: 1, {json.dumps(key)}: 2" + "}"),
)
NOT_FINITE = st.sampled_from(["NaN", "Infinity", "-Infinity"]).map(
    lambda token: policy_text(statement()).replace('"2012-10-17"', token)
)
NOT_JSON = st.one_of(
    st.text(min_size=1, max_size=200),
    st.text(max_size=50).map(lambda s: policy_text(statement())[: len(s) % 100 + 1]),
    st.just(policy_text(statement()) + "}"),
    st.just("{'Version': '2012-10-17'}"),
    st.just("\ufeff" + policy_text(statement())),
    st.just("x" * 50_000),
).filter(lambda text: not _is_object(text))
# Deeper than json itself parses (it fails past about 10,000 levels), and under 51200 characters.
DEEP = st.integers(20_000, 25_000).map(deep)
MALFORMED_DOCUMENTS = st.one_of(WRONG_TYPES, DUPLICATE_KEYS, NOT_FINITE, NOT_JSON, DEEP)


def _is_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


@pytest.fixture
def lax_store(logs: LogsServer) -> LogsServer:
    """A service that stores anything up to 51200 characters, as moto does."""
    logs.rules.require_json = False
    logs.rules.document_limit = 51200
    return logs


@pytest.fixture
def policies(logs: LogsServer) -> PolicyService:
    """The policy service, without retries (no fault is injected here), reused across examples."""
    return policy_service(logs, Retry(attempts=1))


@settings(
    max_examples=DOCUMENT_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=MALFORMED_DOCUMENTS)
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
    reason = str(raised.value)
    assert reason.startswith(f"policy {NAME} left unchanged: ")
    assert len(reason) <= MAX_REASON
    assert "Traceback" not in reason
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
