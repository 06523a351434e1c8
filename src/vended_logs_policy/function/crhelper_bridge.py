"""Every coupling to crhelper (pinned at 2.0.12; tests/integration/test_crhelper_bridge.py holds
the contract): its request lifecycle, with our answer sender, our timer and one answer per request.

What is changed, and why:

- crhelper builds lambda, events and logs clients for polling at construction (about 90 ms of
  cold start) unless ``AWS_SAM_LOCAL`` is set; we never poll, so construction sets it briefly.
- crhelper sends with no socket timeout and counts any status as delivered; ``answer.deliver``
  bounds every attempt and retries 5xx. crhelper lets a caller pick the sender only through the
  private ``_send(send_response=...)``.
- crhelper's timer fires 0.5 s before the function's timeout, too late to deliver anything; ours
  fires ``TIMER_LEAD`` seconds before it and its answer may use the time up to ``FLOOR``.
- Exactly one answer per request: whichever of the handler and the timer answers first wins.
- Logging at INFO, never DEBUG (at DEBUG crhelper logs the presigned ResponseURL); no sleep on
  Delete (crhelper sleeps 120 s by default).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from crhelper import CfnResource

# Seconds before the function's timeout when the timeout answer goes out, and the least time an
# answer leaves unused. Ordinary answers must be done before the timer fires.
TIMER_LEAD = 2.0
FLOOR = 0.1
TIMED_OUT = (
    "the provider function was about to time out before it finished; nothing more will be "
    "written: update the stack again to retry"
)

type Event = dict[str, Any]
type Sender = Callable[[str, Mapping[str, Any], Callable[[], float]], bool]


class RequestFailed(Exception):
    """The work's answer is FAILED with this reason (already said in the log): the bridge answers
    it without crhelper's traceback, which is for faults nobody anticipated."""


class Result(NamedTuple):
    """What a successful request answers: the physical id and the response Data."""

    physical_id: str
    data: Mapping[str, Any]


type Work = Callable[[Event, Any], Result]


class Lifecycle(NamedTuple):
    """The work per request type, and the physical id a failed request answers with."""

    create_update: Work
    delete: Work
    failure_id: Callable[[Event, Any], str]


class _Resource(CfnResource):
    """crhelper's lifecycle with our sender, timer and once-only answer."""

    def __init__(self, lifecycle: Lifecycle, sender: Sender) -> None:
        saved = os.environ.get("AWS_SAM_LOCAL")
        os.environ["AWS_SAM_LOCAL"] = "true"  # read only here (clients) and for polling
        try:
            super().__init__(json_logging=False, log_level="INFO", sleep_on_delete=0)
        finally:
            if saved is None:
                del os.environ["AWS_SAM_LOCAL"]
            else:
                os.environ["AWS_SAM_LOCAL"] = saved
        self._sam_local = saved
        self._lifecycle = lifecycle
        self._sender = sender
        self._answer_lock = threading.Lock()
        self._answered = False
        self._lead = TIMER_LEAD
        self.create(self._run(lifecycle.create_update))
        self.update(self._run(lifecycle.create_update))
        self.delete(self._run(lifecycle.delete))

    def __call__(self, event: Event, context: Any) -> None:
        with self._answer_lock:
            self._answered = False
        super().__call__(event, context)  # cancels the timer when it has not fired yet
        # If it fired, its answer may still be on its way: Lambda freezes whatever runs once the
        # handler returns, so wait for it (it gives up FLOOR seconds before the timeout).
        timer: threading.Timer | None = self._timer
        if timer is not None:
            timer.join(max(0.0, context.get_remaining_time_in_millis() / 1000))

    def _run(self, work: Work) -> Callable[[Event, Any], str]:
        def run(event: Event, context: Any) -> str:
            # Kept if the work fails: a failed Create answers a stable id, Update its old one.
            fallback = event.get("PhysicalResourceId") or self._lifecycle.failure_id(event, context)
            self.PhysicalResourceId = fallback
            try:
                result = work(event, context)
            except RequestFailed as exc:  # crhelper would log it again with a traceback
                self.Reason, self.Status = str(exc), "FAILED"
                return fallback
            self.Data.update(result.data)
            return result.physical_id

        return run

    def _context_now(self) -> Any:
        """The Lambda context of the request being answered (crhelper keeps it privately)."""
        return vars(self)["_context"]

    def _set_timeout(self) -> None:
        seconds = max(0.0, self._context_now().get_remaining_time_in_millis() / 1000 - TIMER_LEAD)
        self._timer = threading.Timer(seconds, self._timeout)
        self._timer.daemon = True
        self._timer.start()

    def _timeout(self) -> None:
        self._answer_once("FAILED", TIMED_OUT, FLOOR)

    def _send(self, status: str | None = None, reason: str = "", send_response: Any = None) -> None:
        self._answer_once(status, reason, TIMER_LEAD)

    def _answer_once(self, status: str | None, reason: str, lead: float) -> None:
        """Send unless this request was answered; the answer may use the time down to ``lead``."""
        with self._answer_lock:
            if self._answered:
                return
            self._answered = True
            self._lead = lead
        super()._send(status, reason, send_response=self._deliver)  # type: ignore[misc]

    def _deliver(self, url: str, body: Mapping[str, Any], ssl_verify: Any = None) -> None:
        lead = self._lead
        context = self._context_now()
        self._sender(url, body, lambda: context.get_remaining_time_in_millis() / 1000 - lead)


class CustomResourceBridge:
    """Answers one custom resource request through crhelper's lifecycle."""

    def __init__(self, lifecycle: Lifecycle, sender: Sender) -> None:
        self._resource = _Resource(lifecycle, sender)

    def __call__(self, event: Event, context: Any) -> None:
        """Route the request, run its work, send exactly one answer."""
        self._resource(event, context)

    def wait_for_timer(self, timeout: float) -> bool:
        """Whether the request's timeout timer is done (for tests and the demo)."""
        timer: threading.Timer | None = self._resource._timer
        if timer is None:
            return True
        timer.join(timeout)
        return not timer.is_alive()
