"""``answer.deliver``: the PUT to the ResponseURL gives up when it must, and only then."""

from __future__ import annotations

import pytest

from local_aws.response_endpoint import ResponseEndpoint
from vended_logs_policy.function.answer import ATTEMPTS, deliver

pytestmark = pytest.mark.wire

BODY = {"Status": "SUCCESS", "Reason": "", "PhysicalResourceId": "p", "Data": {}}


def test_gives_up_after_the_last_attempt(cfn: ResponseEndpoint) -> None:
    # GIVEN an endpoint that drops every connection
    cfn.drop_next(ATTEMPTS + 1)
    slept: list[float] = []
    # WHEN the answer is delivered with plenty of time
    delivered = deliver(cfn.url_for("r1"), BODY, lambda: 60.0, slept.append)
    # THEN it tried ATTEMPTS times with growing pauses, then reported failure
    assert delivered is False
    assert [r.outcome for r in cfn.received] == ["dropped"] * ATTEMPTS
    assert slept == [0.5, 1.0, 2.0, 4.0]


def test_stops_when_the_next_pause_would_outlast_the_time_left(cfn: ResponseEndpoint) -> None:
    # GIVEN an endpoint that drops every connection, and 0.8 s left for the answer
    cfn.drop_next(ATTEMPTS)
    slept: list[float] = []
    # WHEN the answer is delivered
    delivered = deliver(cfn.url_for("r2"), BODY, lambda: 0.8, slept.append)
    # THEN it paused once (0.5 s fits) and stopped before the 1 s pause that would not
    assert delivered is False
    assert len(cfn.received) == 2
    assert slept == [0.5]


def test_sends_nothing_when_no_time_is_left(cfn: ResponseEndpoint) -> None:
    slept: list[float] = []
    delivered = deliver(cfn.url_for("r3"), BODY, lambda: 0.0, slept.append)
    assert delivered is False
    assert slept == []
    assert cfn.received == []


def test_the_body_arrives_as_sent(cfn: ResponseEndpoint) -> None:
    assert deliver(cfn.url_for("r4"), BODY, lambda: 10.0) is True
    [received] = cfn.responses
    assert received.body == BODY
