"""A wall-clock bound on one call, not only on each socket read.

botocore's and http.client's timeouts bound each read: an endpoint that trickles one byte every
2 s never trips a 5 s read timeout, and a call can then outlast any deadline. ``within`` runs the
call on a daemon thread and gives up after ``seconds`` of wall clock: ``on_expiry`` may then abort
it (``answer.py`` shuts the socket down); a call it cannot abort (a botocore call) finishes or
times out in the background, on a daemon thread that never holds up the process's exit; a write
abandoned so may still land, as after any timeout, and the next ensure reads what it left.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class CallTimedOut(Exception):
    """The call did not finish within its wall-clock bound."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no answer within {seconds:g} s")
        self.seconds = seconds


def within(seconds: float, call: Callable[[], T], on_expiry: Callable[[], None] | None = None) -> T:
    """``call()``'s result (or exception), or CallTimedOut after ``seconds`` (inf: no bound)."""
    if math.isinf(seconds):
        return call()
    outcome: list[T] = []
    failure: list[BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:  # handed to the caller's thread below
            failure.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name="bounded-call", daemon=True).start()
    if not done.wait(max(0.0, seconds)):
        if on_expiry is not None:
            on_expiry()
        raise CallTimedOut(seconds)
    if failure:
        raise failure[0]
    return outcome[0]
