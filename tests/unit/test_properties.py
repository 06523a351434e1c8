"""properties.parse: CloudFormation's strings in, typed values out, one-line errors."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vended_logs_policy.engine.policy import Options
from vended_logs_policy.function.properties import PropertyError, ResourceProperties, parse

from .strategies import json_values

TOKEN = "arn:aws:lambda:us-west-2:123456789012:function:vended-logs-policy"
DEFAULT_NAME = "AWSLogDeliveryWrite20150319"
BOOLEANS = ("SourceConditions", "Compact")


def assert_good_message(error: PropertyError, name: str) -> None:
    """The message is what CloudFormation shows: it names the property, is short, one line."""
    message = str(error)
    assert name in message
    assert len(message) < 256
    assert len(message.splitlines()) == 1
    assert message.isprintable()


def rejected(raw: Any, name: str) -> None:
    with pytest.raises(PropertyError) as caught:
        parse(raw)
    assert_good_message(caught.value, name)


# --- accepted ----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, {}, {"ServiceToken": TOKEN}])
def test_defaults(raw: dict[str, Any] | None) -> None:
    # Given no properties beyond the service token
    # When they are parsed
    result = parse(raw)
    # Then the policy name and options are the documented defaults
    assert result.policy_name == DEFAULT_NAME
    assert result.options.prefixes == ("/aws/vendedlogs/states/",)
    assert result.options.source_conditions is True
    assert result.options.compact is True


def test_every_property_is_read() -> None:
    # Given every property, as CloudFormation sends them (strings)
    raw = {
        "ServiceToken": TOKEN,
        "PolicyName": "MyPolicy",
        "LogGroupPrefixes": ["/aws/vendedlogs/states/", "/aws/lambda/"],
        "SourceConditions": "false",
        "Compact": "false",
        "ServiceTimeout": "300",
    }
    # When they are parsed
    # Then each lands in its typed field
    assert parse(raw) == ResourceProperties(
        policy_name="MyPolicy",
        options=Options(
            prefixes=("/aws/vendedlogs/states/", "/aws/lambda/"),
            source_conditions=False,
            compact=False,
        ),
    )


@pytest.mark.parametrize("name", BOOLEANS)
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("false", False),
        ("TRUE", True),
        ("False", False),
        (" true ", True),
        (True, True),
        (False, False),
    ],
)
def test_booleans(name: str, value: object, expected: bool) -> None:
    # Given a boolean property as a string in any case, or as a real boolean
    # When it is parsed
    result = parse({name: value})
    # Then it is that boolean, and the other one keeps its default
    options = result.options
    assert (options.source_conditions, options.compact) == (
        (expected, True) if name == "SourceConditions" else (True, expected)
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["/aws/vendedlogs/states/"], ("/aws/vendedlogs/states/",)),
        ("/aws/vendedlogs/states/", ("/aws/vendedlogs/states/",)),
        ("/a/, /b/", ("/a/", "/b/")),  # a CommaDelimitedList parameter passed through
        (["/" + "a" * 511], ("/" + "a" * 511,)),
        ([f"/p{i}/" for i in range(20)], tuple(f"/p{i}/" for i in range(20))),
        (["aws-waf-logs-"], ("aws-waf-logs-",)),  # AWS WAF's names do not start with '/'
        ("aws-waf-logs-, /aws/vendedlogs/", ("aws-waf-logs-", "/aws/vendedlogs/")),
    ],
)
def test_prefixes(value: object, expected: tuple[str, ...]) -> None:
    # Given LogGroupPrefixes as a list or a comma-separated string
    # When it is parsed
    # Then the prefixes are those, in order
    assert parse({"LogGroupPrefixes": value}).options.prefixes == expected


@pytest.mark.parametrize("value", ["1", "3600", " 60 ", 1, 3600, "0300"])
def test_service_timeout_in_range(value: object) -> None:
    # Given a ServiceTimeout CloudFormation accepts (1-3600 seconds)
    # When it is parsed
    # Then the request is valid (the value is CloudFormation's to use, not ours)
    assert parse({"ServiceTimeout": value}) == parse({})


# --- rejected ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BOOLEANS)
@pytest.mark.parametrize(
    "value", [1, 0, 1.0, None, [], ["true"], {}, {"x": True}, "yes", "1", "", "truee", "t"]
)
def test_booleans_of_the_wrong_type(name: str, value: object) -> None:
    # Given a boolean property that is not true or false
    # When it is parsed
    # Then PropertyError names the property
    rejected({name: value}, name)


@pytest.mark.parametrize(
    "value",
    [
        {"a": "/aws/x/"},
        [],
        "",
        None,
        5,
        [5],
        [None],
        [["/aws/x/"]],
        ["/"],
        ["aws:vendedlogs/"],
        ["/aws/*"],
        ["/aws/?"],
        ["/" + "a" * 512],
        ["/" + "a" * 100_000],
        ["/aws/vendedlogs/états/"],
        ["/aws/\u2028/"],
        ["/ok/", "b d"],
        "/ok/,",
        [f"/p{i}/" for i in range(21)],
    ],
)
def test_prefixes_rejected(value: object) -> None:
    # Given LogGroupPrefixes that is not a list of log group name prefixes
    # When it is parsed
    # Then PropertyError names LogGroupPrefixes
    rejected({"LogGroupPrefixes": value}, "LogGroupPrefixes")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "a b",
        "a" * 256,
        5,
        None,
        ["x"],
        {"x": 1},
        "tab\there",
        "naïve",
        "a\u2028b",
        "a:b",
        "a*b",
        "/a",
        "a/",
        "a//b",
        "/",
    ],
)
def test_policy_name_rejected(value: object) -> None:
    # Given a PolicyName CloudWatch Logs would refuse
    # When it is parsed
    # Then PropertyError names PolicyName
    rejected({"PolicyName": value}, "PolicyName")


@pytest.mark.parametrize("value", ["n" * 255, "a/b", "team/app/policy", "x", "A-b_c.d(1)"])
def test_policy_name_accepted(value: str) -> None:
    # Given a name CloudWatch Logs accepts (up to 255 characters; '/' between parts)
    # When it is parsed
    # Then it is kept
    assert parse({"PolicyName": value}).policy_name == value


@pytest.mark.parametrize(
    "value",
    ["0", "3601", "-1", "1.5", "abc", "", "1e3", 0, 3601, -5, 1.5, 60.0, True, None, ["60"], {}],
)
def test_service_timeout_rejected(value: object) -> None:
    # Given a ServiceTimeout outside 1-3600 or not a whole number
    # When it is parsed
    # Then PropertyError names ServiceTimeout
    rejected({"ServiceTimeout": value}, "ServiceTimeout")


@pytest.mark.parametrize("key", ["Prefixes", "compact", "Unknown", "x" * 1000, ""])
def test_unknown_property(key: str) -> None:
    # Given a property the resource does not have (a typo, a wrong case)
    # When it is parsed
    # Then PropertyError says so and lists the allowed ones
    with pytest.raises(PropertyError) as caught:
        parse({"ServiceToken": TOKEN, key: "x"})
    assert_good_message(caught.value, "unknown property")
    assert "LogGroupPrefixes" in str(caught.value)


@pytest.mark.parametrize("raw", ["x", 5, ["PolicyName"], True])
def test_properties_that_are_not_an_object(raw: object) -> None:
    # Given ResourceProperties that is not an object
    # When it is parsed
    # Then PropertyError says so
    rejected(raw, "ResourceProperties")


def test_unknown_property_with_a_newline_gives_one_line() -> None:
    # Given an unknown property whose name holds a newline
    # When it is parsed
    # Then the message is still one line (CloudFormation shows it as the reason)
    with pytest.raises(PropertyError) as caught:
        parse({"Foo\nBar": "x"})
    assert_good_message(caught.value, "unknown property")


@pytest.mark.parametrize(
    ("name", "value"),
    [("PolicyName", DEFAULT_NAME + "\n"), ("LogGroupPrefixes", ["/aws/vendedlogs/states/\n"])],
)
def test_trailing_newline_rejected(name: str, value: object) -> None:
    # Given a name or prefix with a trailing newline (not a legal character of either)
    # When it is parsed
    # Then PropertyError names the property
    rejected({name: value}, name)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        # str.isdigit() is True, int() refuses it
        pytest.param("ServiceTimeout", "\u00b2", id="timeout-superscript-two"),
        # int() refuses more than 4300 digits
        pytest.param("ServiceTimeout", "9" * 5000, id="timeout-5000-digit-string"),
        # str() refuses it
        pytest.param("ServiceTimeout", 10**5000, id="timeout-5001-digit-int"),
        # ascii() in the error message refuses it
        pytest.param("Compact", 10**5000, id="compact-5001-digit-int"),
        pytest.param("PolicyName", 10**5000, id="policy-name-5001-digit-int"),
        pytest.param("LogGroupPrefixes", 10**5000, id="prefixes-5001-digit-int"),
    ],
)
def test_huge_or_odd_values_give_property_error(name: str, value: object) -> None:
    # Given a value that Python's int/str conversions refuse
    # When it is parsed
    # Then the error is still a PropertyError naming the property, not a bare ValueError
    rejected({name: value}, name)


# --- properties --------------------------------------------------------------------------------

NAMES = ("PolicyName", "LogGroupPrefixes", "SourceConditions", "Compact", "ServiceTimeout")


def odd_digits(value: Any) -> bool:
    """Strings with characters that str.isdigit() accepts and int() refuses (a known bug)."""
    return isinstance(value, str) and any(c.isdigit() and not c.isdecimal() for c in value)


@given(
    name=st.sampled_from(NAMES),
    value=json_values.filter(lambda v: not odd_digits(v)),
)
def test_any_value_gives_properties_or_property_error(name: str, value: Any) -> None:
    # Given any JSON-like value for any property
    # When it is parsed
    try:
        result = parse({"ServiceToken": TOKEN, name: value})
    except PropertyError as error:
        # Then either PropertyError with a good message naming the property
        assert_good_message(error, name)
        return
    # Or typed properties
    assert isinstance(result, ResourceProperties)
    assert isinstance(result.policy_name, str)
    assert all(isinstance(p, str) and p not in ("", "/") for p in result.options.prefixes)
    assert isinstance(result.options.source_conditions, bool)
    assert isinstance(result.options.compact, bool)


@given(name=st.sampled_from(BOOLEANS), value=json_values)
def test_booleans_accept_exactly_true_and_false(name: str, value: Any) -> None:
    # Given any JSON-like value for a boolean property
    expected: bool | None = None
    if isinstance(value, bool):
        expected = value
    elif isinstance(value, str) and value.strip().lower() in ("true", "false"):
        expected = value.strip().lower() == "true"
    # When it is parsed
    # Then it is accepted exactly when it spells a boolean, with that value
    if expected is None:
        rejected({name: value}, name)
    else:
        options = parse({name: value}).options
        got = options.source_conditions if name == "SourceConditions" else options.compact
        assert got is expected


@given(value=st.integers(-10_000, 10_000) | st.integers(-10_000, 10_000).map(str))
def test_service_timeout_accepts_exactly_1_to_3600(value: int | str) -> None:
    # Given a whole number, as a number or as a string
    # When ServiceTimeout is parsed
    # Then it is accepted exactly when it lies in 1-3600
    if 1 <= int(value) <= 3600:
        assert parse({"ServiceTimeout": value}) == parse({})
    else:
        rejected({"ServiceTimeout": value}, "ServiceTimeout")
