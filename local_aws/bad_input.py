"""Bad input for the custom resource: garbled requests and malformed stored policies (Hypothesis
strategies), what the protocol asks for each, and the checks of a request's answer.

Shared by the property tests on the in-memory fake (``tests/service/test_bad_input.py``: the real
handler, service and Logs adapter, answers recorded) and the explicit cases that show the same end
to end over the wire (``tests/integration/test_bad_input.py``: moto behind the strict layer, the
HTTPS answer endpoint). ``check_answer`` holds every assertion about one request's answer and
calls, whichever side recorded them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from hypothesis import strategies as st

from local_aws.events import load_event
from local_aws.policies import ARN, NAME, delivery_statement, document
from local_aws.response_endpoint import MAX_BODY_BYTES
from vended_logs_policy.function.cfn_protocol import MAX_REASON

__all__ = [
    "MALFORMED_DOCUMENTS",
    "PLAIN_HTTP_URL",
    "PUT",
    "Case",
    "PropsKind",
    "Sent",
    "UrlKind",
    "changed",
    "check_answer",
    "cloudformation_shaped",
    "deep",
    "events",
    "expected_status",
    "policy_text",
    "statement",
]

PUT = "PutResourcePolicy"

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
Case = tuple[Any, UrlKind, PropsKind]
ECHOED = ("StackId", "RequestId", "LogicalResourceId")
OTHER_KEYS = ("PhysicalResourceId", "ResourceType", "ServiceToken", "OldResourceProperties")
REQUEST_TYPES = ("Create", "Update", "Delete")
PLAIN_HTTP_URL = "http://127.0.0.1:9/cfn-response?X-Amz-Signature=x"


def changed(name: str, **changes: Any) -> dict[str, Any]:
    """events/<name>.json with ``changes`` (a value of None deletes the key)."""
    event = load_event(name) | changes
    return {key: value for key, value in event.items() if value is not None}


@st.composite
def events(draw: st.DrawFn) -> Case:
    """A request as CloudFormation might garble it. With ResponseURL "valid" it keeps the sample
    event's https URL: a wire test points it at its endpoint."""
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
        event["ResponseURL"] = PLAIN_HTTP_URL
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


# ---- one request's answer ------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One answer the handler sent for a request: where to, and the bytes of its body."""

    url: str
    raw: bytes


def check_answer(case: Case, sent: Sequence[Sent], calls: Sequence[str]) -> None:
    """Every request with a usable ResponseURL gets exactly one answer, short and without a
    traceback, that fits CloudFormation's 4096 bytes and has the status the protocol asks for; a
    request without one gets none and causes no call; invalid input writes nothing.

    ``sent``: the answers sent for this request; ``calls``: the CloudWatch Logs operations it
    caused, in order.
    """
    event, url_kind, props_kind = case
    # a request without a usable ResponseURL gets no answer and causes no call at all
    if url_kind != "valid":
        assert list(sent) == []
        assert list(calls) == []
        return
    # any other gets exactly one answer, to its ResponseURL, short, without a traceback
    assert len(sent) == 1, sent
    [answer] = sent
    assert answer.url == event["ResponseURL"]
    assert len(answer.raw) <= MAX_BODY_BYTES, f"{len(answer.raw)} bytes"
    body = json.loads(answer.raw)
    assert isinstance(body, dict)
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
    # FAILED or a Delete writes nothing; invalid properties do not even read
    if body["Status"] == "FAILED" or event.get("RequestType") == "Delete":
        assert PUT not in calls
    if props_kind in ("not-an-object", "invalid-property") or body["Status"] == "FAILED":
        assert list(calls) == []


# ---- malformed stored policy documents -----------------------------------------------------


def check_refusal(error: Exception) -> None:
    """The service's refusal to edit a stored policy: a clear, short reason, no traceback."""
    reason = str(error)
    assert reason.startswith(f"policy {NAME} left unchanged: ")
    assert len(reason) <= MAX_REASON
    assert "Traceback" not in reason


def statement(**overrides: Any) -> dict[str, Any]:
    """A delivery statement for one state machine's log group, with ``overrides``."""
    return delivery_statement([f"{ARN}:/aws/vendedlogs/states/a:*"]) | overrides


def policy_text(*statements: dict[str, Any], **top: Any) -> str:
    """A policy document of ``statements`` with extra top-level keys, rendered."""
    return json.dumps(document(*statements) | top)


def deep(depth: int) -> str:
    """A policy whose condition value is a list nested ``depth`` levels deep."""
    return policy_text(statement(Condition={"StringEquals": {"k": "[" * depth}})).replace(
        '"' + "[" * depth + '"', "[" * depth + "]" * depth
    )


def _is_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


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
# Documents the engine cannot edit without guessing their meaning; each fits a lax store's 51200.
MALFORMED_DOCUMENTS = st.one_of(WRONG_TYPES, DUPLICATE_KEYS, NOT_FINITE, NOT_JSON, DEEP)
