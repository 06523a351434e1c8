"""The Step Functions adapter against a stubbed client: ListStateMachines' pages, one
DescribeStateMachine per machine, which logging configurations count, and a machine deleted
between the two calls."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from tests.adapters.conftest import StrictStubber, Stubs
from vended_logs_policy.adapters.retry import Retry
from vended_logs_policy.adapters.stepfunctions import (
    LoggingStateMachine,
    StateMachines,
    logging_state_machines,
)
from vended_logs_policy.errors import AccessDeniedError, RejectedError

MACHINES = "arn:aws:states:us-west-2:123456789012:stateMachine:"
GROUPS = "arn:aws:logs:us-west-2:123456789012:log-group:/aws/vendedlogs/states/"
CREATED = datetime(2026, 1, 1, tzinfo=timezone.utc)


def entry(name: str) -> dict[str, Any]:
    """A state machine as ListStateMachines lists it."""
    return {
        "stateMachineArn": MACHINES + name,
        "name": name,
        "type": "STANDARD",
        "creationDate": CREATED,
    }


def described(name: str, logging: dict[str, Any] | None) -> dict[str, Any]:
    """A state machine as DescribeStateMachine answers, with ``logging`` as its configuration."""
    answer: dict[str, Any] = entry(name) | {
        "definition": "{}",
        "roleArn": "arn:aws:iam::123456789012:role/r",
    }
    if logging is not None:
        answer["loggingConfiguration"] = logging
    return answer


def logs_to(level: str, *groups: str) -> dict[str, Any]:
    """A logging configuration at ``level`` to the named log groups."""
    destinations = [{"cloudWatchLogsLogGroup": {"logGroupArn": GROUPS + g}} for g in groups]
    return {"level": level, "destinations": destinations}


def describe(stubber: StrictStubber, name: str, logging: dict[str, Any] | None) -> None:
    """Queue DescribeStateMachine's answer for ``name``, expecting its ARN."""
    expected = {"stateMachineArn": MACHINES + name}
    stubber.add_response("describe_state_machine", described(name, logging), expected)


def test_state_machines_are_listed_page_by_page(stubs: Stubs, retry: Retry) -> None:
    # GIVEN two pages of state machines
    client, stubber = stubs("stepfunctions")
    first = {"stateMachines": [entry("a")], "nextToken": "s1"}
    stubber.add_response("list_state_machines", first, {"maxResults": 1})
    second = {"stateMachines": [entry("b")]}
    stubber.add_response("list_state_machines", second, {"maxResults": 1, "nextToken": "s1"})
    # WHEN they are listed one a page
    found = [m["name"] for m in StateMachines(client, retry, page_size=1).listed()]
    # THEN the second request carried the first's token
    assert found == ["a", "b"]


def test_only_machines_that_log_count_once_per_log_group(stubs: Stubs, retry: Retry) -> None:
    # GIVEN machines logging to two groups, at OFF, with no configuration, and to no log group
    client, stubber = stubs("stepfunctions")
    names = ["two", "off", "none", "empty", "nowhere"]
    listing = {"stateMachines": [entry(n) for n in names]}
    stubber.add_response("list_state_machines", listing, {"maxResults": 100})
    describe(stubber, "two", logs_to("ALL", "g1", "g2"))
    describe(stubber, "off", logs_to("OFF", "g3"))
    describe(stubber, "none", None)
    describe(stubber, "empty", {"level": "ERROR"})
    describe(stubber, "nowhere", {"level": "ERROR", "destinations": [{}]})
    # WHEN the logging machines are asked for
    found = list(logging_state_machines(client, retry))
    # THEN each machine was described by ARN, and only the first counts, once per log group
    assert found == [
        LoggingStateMachine("two", MACHINES + "two", GROUPS + "g1"),
        LoggingStateMachine("two", MACHINES + "two", GROUPS + "g2"),
    ]


def test_a_machine_deleted_after_the_listing_is_skipped(stubs: Stubs, retry: Retry) -> None:
    # GIVEN a machine deleted between ListStateMachines and DescribeStateMachine
    client, stubber = stubs("stepfunctions")
    listing = {"stateMachines": [entry("gone"), entry("kept")]}
    stubber.add_response("list_state_machines", listing, {"maxResults": 100})
    stubber.add_client_error(
        "describe_state_machine", "StateMachineDoesNotExist",
        expected_params={"stateMachineArn": MACHINES + "gone"},
    )  # fmt: skip
    describe(stubber, "kept", logs_to("FATAL", "k"))
    # WHEN the logging machines are asked for
    found = [m.name for m in StateMachines(client, retry).logging()]
    # THEN the deleted one is skipped, not an error
    assert found == ["kept"]


def test_a_denied_describe_is_an_error_naming_the_action(stubs: Stubs, retry: Retry) -> None:
    # GIVEN a caller that may list state machines but not describe them
    client, stubber = stubs("stepfunctions")
    stubber.add_response(
        "list_state_machines", {"stateMachines": [entry("a")]}, {"maxResults": 100}
    )
    stubber.add_client_error(
        "describe_state_machine", "AccessDeniedException", "no", 400,
        expected_params={"stateMachineArn": MACHINES + "a"},
    )  # fmt: skip
    # WHEN the logging machines are asked for
    with pytest.raises(AccessDeniedError) as raised:
        list(StateMachines(client, retry).logging())
    # THEN the error names states:DescribeStateMachine
    assert str(raised.value) == (
        "not allowed to call states:DescribeStateMachine: grant it to the caller's role"
    )


def test_a_throttled_describe_is_retried(stubs: Stubs, retry: Retry, slept: list[float]) -> None:
    # GIVEN Step Functions' throttling on the first describe
    client, stubber = stubs("stepfunctions")
    stubber.add_response(
        "list_state_machines", {"stateMachines": [entry("a")]}, {"maxResults": 100}
    )
    stubber.add_client_error(
        "describe_state_machine", "ThrottlingException",
        expected_params={"stateMachineArn": MACHINES + "a"},
    )  # fmt: skip
    describe(stubber, "a", logs_to("ALL", "a"))
    # WHEN the logging machines are asked for
    found = [m.log_group_arn for m in StateMachines(client, retry).logging()]
    # THEN the describe alone was sent again after one pause
    assert (found, slept) == ([GROUPS + "a"], [0.2])


def test_another_refusal_of_a_describe_is_not_taken_for_a_deletion(
    stubs: Stubs, retry: Retry
) -> None:
    # GIVEN a describe refused for another reason than a deleted machine
    client, stubber = stubs("stepfunctions")
    stubber.add_response(
        "list_state_machines", {"stateMachines": [entry("a")]}, {"maxResults": 100}
    )
    stubber.add_client_error(
        "describe_state_machine", "InvalidArn", "bad arn",
        expected_params={"stateMachineArn": MACHINES + "a"},
    )  # fmt: skip
    # WHEN the logging machines are asked for
    with pytest.raises(RejectedError) as raised:
        list(StateMachines(client, retry).logging())
    # THEN the refusal is raised, naming the call, rather than the machine skipped
    assert (raised.value.operation, raised.value.code) == ("DescribeStateMachine", "InvalidArn")
