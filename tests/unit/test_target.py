"""The shared target module: the bootstrap's allow-list, read from the environment and checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vended_logs_policy.engine.policy import DEFAULT_POLICY_NAME, Options, Scope, ensure
from vended_logs_policy.function.settings import Settings
from vended_logs_policy.target import (
    Allowed,
    NotAllowedError,
    PolicyTarget,
    PropertyError,
)

SCOPE = Scope("aws", "us-west-2", "123456789012")
SRC = Path(__file__).resolve().parents[2] / "src" / "vended_logs_policy"


def test_the_defaults_are_the_strict_ones() -> None:
    allowed = Allowed.from_env({})
    assert allowed == Allowed((DEFAULT_POLICY_NAME,), ("/aws/vendedlogs/",), unconditional=False)


def test_the_environment_widens_them() -> None:
    allowed = Allowed.from_env(
        {
            "VLP_ALLOWED_POLICY_NAMES": "A, B,",  # the template joins an empty list to ""
            "VLP_ALLOWED_PREFIXES": "/aws/vendedlogs/,aws-waf-logs-",
            "VLP_ALLOW_UNCONDITIONAL_GRANTS": "true",
        }
    )
    assert allowed == Allowed(("A", "B"), ("/aws/vendedlogs/", "aws-waf-logs-"), True)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("VLP_ALLOWED_POLICY_NAMES", "has:colon"),
        ("VLP_ALLOWED_PREFIXES", "/"),
        ("VLP_ALLOWED_PREFIXES", "/aws/*"),
        ("VLP_ALLOW_UNCONDITIONAL_GRANTS", "maybe"),
    ],
)
def test_a_bad_value_names_the_variable(key: str, value: str) -> None:
    with pytest.raises(PropertyError, match=key):
        Allowed.from_env({key: value})


@pytest.mark.parametrize(
    "prefix", ["/aws/vendedlogs/", "/aws/vendedlogs/states/", "/aws/vendedlogs/x"]
)
def test_a_prefix_starting_with_an_allowed_one_is_allowed(prefix: str) -> None:
    target = PolicyTarget(options=Options(prefixes=(prefix,)))
    assert Allowed().check(target).options.prefixes == (prefix,)


@pytest.mark.parametrize("prefix", ["/a", "a", "#", ".", "/aws/", "/aws/vendedlogs"])
def test_any_other_prefix_is_refused(prefix: str) -> None:
    with pytest.raises(NotAllowedError, match="AllowedPrefixes"):
        Allowed().check(PolicyTarget(options=Options(prefixes=(prefix,))))


def test_checked_targets_require_conditions_unless_unconditional_is_allowed() -> None:
    assert Allowed().check(PolicyTarget()).options.require_conditions is True
    assert Allowed(unconditional=True).check(PolicyTarget()).options.require_conditions is False
    with pytest.raises(NotAllowedError, match="AllowUnconditionalGrants"):
        Allowed().check(PolicyTarget(options=Options(source_conditions=False)))


def test_require_conditions_narrows_a_stored_unconditional_wildcard() -> None:
    # Given the wildcard stored without conditions
    wildcard = SCOPE.wildcard("/aws/vendedlogs/states/")
    statement = {
        "Sid": "Open",
        "Effect": "Allow",
        "Principal": {"Service": "delivery.logs.amazonaws.com"},
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [wildcard],
    }
    document = {"Version": "2012-10-17", "Statement": [statement]}
    # Then it is compliant as before when conditions are optional, and narrowed when required
    assert ensure(document, SCOPE, Options()).changed is False
    outcome = ensure(document, SCOPE, Options(require_conditions=True))
    assert outcome.changed is True
    (only,) = outcome.document["Statement"]
    assert only["Condition"] == SCOPE.source_conditions()
    assert only["Resource"] == [wildcard]


def test_the_functions_settings_apply_the_allow_list() -> None:
    strict = Settings.from_env({})
    assert strict.options.require_conditions is True
    assert strict.allowed == Allowed()
    loose = Settings.from_env({"VLP_ALLOW_UNCONDITIONAL_GRANTS": "true"})
    assert loose.options.require_conditions is False
    # the stack's own SourceConditions=false is its decision: applied, not refused
    assert Settings.from_env({"VLP_SOURCE_CONDITIONS": "false"}).options.source_conditions is False


def test_no_entry_point_imports_another() -> None:
    # The CLI and the functions share target.py; neither imports the other's package
    # (read as text, not with ast: this test also runs on Python 3.10, and function/ is 3.13 code)
    for package, other in (("cli", "function"), ("function", "cli")):
        importing = re.compile(rf"^\s*(from|import)\s+vended_logs_policy\.{other}\b", re.M)
        for path in (SRC / package).rglob("*.py"):
            assert not importing.search(path.read_text(encoding="utf-8")), path
