"""Ctrl-C and SIGTERM: stop starting work, let calls in flight finish, report, exit 130.

The first signal only sets a flag: the runner starts no new target, and the retry budget (see
``live.retry_for``) refuses every further AWS call, so a target stops at its next call while a
call already on the wire finishes or times out (its timeouts bound the wait). A second signal
exits at once.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TextIO

from vended_logs_policy.cli.results import EXIT_INTERRUPTED

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(Exception):
    """Raised where the run stops because of a signal."""


class Interruption:
    """Whether a stop was asked for; thread-safe."""

    def __init__(self, err: TextIO) -> None:
        self._event = threading.Event()
        self._err = err

    @property
    def requested(self) -> bool:
        """Whether Ctrl-C or SIGTERM arrived."""
        return self._event.is_set()

    def request(self) -> None:
        """Ask the run to stop (what the first signal does)."""
        self._event.set()

    def check(self) -> None:
        """Raise ``Interrupted`` if a stop was asked for."""
        if self.requested:
            raise Interrupted("interrupted")

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            self._err.write("vended-logs-policy: interrupted again: exiting now\n")
            self._err.flush()
            os._exit(EXIT_INTERRUPTED)
        self.request()
        self._err.write(
            "vended-logs-policy: interrupted: finishing the calls in flight, starting no more "
            "(again to exit at once)\n"
        )
        self._err.flush()

    @contextmanager
    def installed(self) -> Iterator[Interruption]:
        """Catch SIGINT and SIGTERM while the block runs (main thread only)."""
        with _signals_to(self._handle):
            yield self


class Arrivals:
    """Ctrl-C and SIGTERM before a live run takes them over: each raises KeyboardInterrupt where
    the main thread is (so a blocking read of stdin ends) and is remembered.

    Python drops an exception raised inside a weakref callback or ``__del__`` ("Exception
    ignored", with a traceback), and a signal can land there while modules are imported: such a
    drop is not reported, and ``check`` raises it again at the next point the command chooses, so
    no signal is lost.
    """

    def __init__(self) -> None:
        self.arrived = False
        self._report = sys.unraisablehook

    def check(self) -> None:
        """Raise KeyboardInterrupt if a signal arrived (even one Python dropped)."""
        if self.arrived:
            raise KeyboardInterrupt

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.arrived = True
        raise KeyboardInterrupt

    def _quiet(self, unraisable: Any) -> None:
        """Python's report of a dropped KeyboardInterrupt is a traceback: ours is one line."""
        if not (self.arrived and unraisable.exc_type is KeyboardInterrupt):
            self._report(unraisable)

    @contextmanager
    def installed(self) -> Iterator[Arrivals]:
        """Catch SIGINT and SIGTERM while the block runs (main thread only)."""
        self._report, sys.unraisablehook = sys.unraisablehook, self._quiet
        try:
            with _signals_to(self._handle):
                yield self
        finally:
            sys.unraisablehook = self._report


Handler = Callable[[int, FrameType | None], Any]


@contextmanager
def _signals_to(handler: Handler) -> Iterator[None]:
    """SIGINT and SIGTERM go to ``handler`` while the block runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[signal.Signals, Handler | int | None] = {
        number: signal.signal(number, handler) for number in SIGNALS
    }
    try:
        yield
    finally:
        for number, before in previous.items():
            signal.signal(number, before if before is not None else signal.SIG_DFL)
