"""``deadline.within``: a call's result or exception, or CallTimedOut at its wall-clock bound."""

from __future__ import annotations

import math
import threading

import pytest

from vended_logs_policy.adapters.deadline import CallTimedOut, within


def test_a_call_that_finishes_gives_its_result_or_its_exception() -> None:
    assert within(5.0, lambda: 42) == 42
    assert within(math.inf, lambda: "unbounded") == "unbounded"
    empty: dict[str, int] = {}
    with pytest.raises(KeyError, match="inner"):
        within(5.0, lambda: empty["inner"])


def test_a_call_past_its_bound_is_given_up_and_its_abort_called() -> None:
    # GIVEN a call blocked until released
    release = threading.Event()
    aborted: list[bool] = []
    # WHEN it is bounded by 50 ms THEN CallTimedOut names the bound, after the abort ran
    with pytest.raises(CallTimedOut, match=r"no answer within 0\.05 s"):
        within(0.05, release.wait, lambda: aborted.append(True))
    assert aborted == [True]
    release.set()  # the abandoned daemon thread ends
