"""Our coupling to crhelper, all in ``function/crhelper_bridge.py``: the contract it relies on in
the pinned crhelper, what construction leaves behind, the log level, and its timer.

The only tests that look at crhelper itself (its version, its private methods and attributes) are
here; every other test goes through ``CustomResourceHandler`` and the bridge's own
``wait_for_timer``. The timer tests run on the real clock (a few seconds each) with work slowed by
an injected ``Runtime``, never inside an AWS call, and answer over TLS to the HTTPS endpoint.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from crhelper import CfnResource

from local_aws.events import cfn_request, load_event
from local_aws.lambda_context import FakeLambdaContext, ManualClock
from local_aws.logs_server import LogsServer
from local_aws.policies import NAME, REGION, report_text
from local_aws.product import product_clients, seed, stored_text
from local_aws.response_endpoint import ResponseEndpoint
from vended_logs_policy.adapters.clients import Clients, Timeouts
from vended_logs_policy.engine.policy import Scope
from vended_logs_policy.function.answer import deliver
from vended_logs_policy.function.crhelper_bridge import (
    TIMED_OUT,
    CustomResourceBridge,
    Lifecycle,
    Result,
)
from vended_logs_policy.function.custom_resource import CustomResourceHandler
from vended_logs_policy.function.runtime import Runtime
from vended_logs_policy.service import PolicyService

pytestmark = pytest.mark.wire

ROOT = Path(__file__).resolve().parents[2]
PINNED = "2.0.12"
PHYSICAL = f"vended-logs-policy-{REGION}-{NAME}"
POLLING_CLIENTS = ("_lambda_client", "_events_client", "_logs_client")


# ---- the contract: what the bridge relies on in crhelper 2.0.12 ------------------------------


def test_crhelper_is_the_pinned_version() -> None:
    # the bridge overrides private methods: any other version must be checked again first
    assert importlib.metadata.version("crhelper") == PINNED


def test_crhelper_send_takes_the_sender_as_send_response() -> None:
    # the only way crhelper lets a caller pick how the answer is sent
    parameters = inspect.signature(vars(CfnResource)["_send"]).parameters
    assert list(parameters)[:4] == ["self", "status", "reason", "send_response"]


def test_crhelper_has_the_timer_hooks_the_bridge_replaces() -> None:
    # crhelper arms its timer in _set_timeout (per request) and answers from _timeout
    for hook in ("_set_timeout", "_timeout"):
        method = vars(CfnResource)[hook]
        assert callable(method)
        assert list(inspect.signature(method).parameters) == ["self"]


@dataclass
class RecordingSender:
    """A sender that records what it was asked to send and delivers nothing."""

    sent: list[Mapping[str, Any]] = field(default_factory=list)

    def __call__(self, url: str, body: Mapping[str, Any], time_left: Callable[[], float]) -> bool:
        self.sent.append(body)
        return True


def lifecycle() -> Lifecycle:
    """Work that succeeds at once, without AWS."""
    return Lifecycle(
        create_update=lambda event, context: Result("the-id", {"Done": "yes"}),
        delete=lambda event, context: Result(str(event["PhysicalResourceId"]), {}),
        failure_id=lambda event, context: "failed-id",
    )


@pytest.mark.parametrize("sam_local", [None, "true"], ids=["unset", "set"])
def test_construction_builds_no_client_and_leaves_aws_sam_local_as_it_was(
    monkeypatch: pytest.MonkeyPatch, sam_local: str | None
) -> None:
    # GIVEN no region at all (crhelper's clients would need one) and AWS_SAM_LOCAL as it is
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    if sam_local is None:
        monkeypatch.delenv("AWS_SAM_LOCAL", raising=False)
    else:
        monkeypatch.setenv("AWS_SAM_LOCAL", sam_local)
    # WHEN the bridge is built
    bridge = CustomResourceBridge(lifecycle(), RecordingSender())
    # THEN crhelper built none of its polling clients and did not fail its start-up
    resource = vars(bridge)["_resource"]
    assert [name for name in POLLING_CLIENTS if hasattr(resource, name)] == []
    assert resource._init_failed is None
    # AND AWS_SAM_LOCAL is as it was, in the environment and as crhelper sees it
    assert os.environ.get("AWS_SAM_LOCAL") == sam_local
    assert resource._sam_local == sam_local


def test_without_a_region_every_request_is_still_answered(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no region (crhelper alone fails every request, Delete too, "You must specify a region")
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    sender = RecordingSender()
    bridge = CustomResourceBridge(lifecycle(), sender)
    # WHEN Create and Delete arrive
    url = "https://127.0.0.1:9/cfn-response/r?X-Amz-Signature=s"
    bridge(cfn_request("Create", response_url=url), FakeLambdaContext())
    bridge(
        cfn_request("Delete", response_url=url, physical_resource_id="the-id"), FakeLambdaContext()
    )
    # THEN each got exactly one SUCCESS, through our sender, with our physical id and Data
    assert [(b["Status"], b["PhysicalResourceId"], b["Data"]) for b in sender.sent] == [
        ("SUCCESS", "the-id", {"Done": "yes"}),
        ("SUCCESS", "the-id", {}),
    ]


LEVELS_SCRIPT = """
import json, logging
from vended_logs_policy.function.custom_resource import CustomResourceHandler, logger

def crhelper_levels():
    names = [n for n in logging.root.manager.loggerDict if n.split(".")[0] == "crhelper"]
    return {name: logging.getLogger(name).getEffectiveLevel() for name in sorted(names)}

at_import = crhelper_levels()
CustomResourceHandler()  # another handler: crhelper's construction sets up logging again
print(json.dumps({"function": logger.log_level, "import": at_import, "later": crhelper_levels()}))
"""


def test_crhelper_loggers_stay_at_info_when_the_function_logs_at_debug() -> None:
    # GIVEN an operator troubleshooting with POWERTOOLS_LOG_LEVEL=DEBUG (read at import)
    environment = os.environ | {"POWERTOOLS_LOG_LEVEL": "DEBUG"}
    # WHEN the function module is imported and a handler built
    done = subprocess.run(
        [sys.executable, "-c", LEVELS_SCRIPT],
        capture_output=True, text=True, cwd=ROOT, env=environment, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    levels = json.loads(done.stdout.splitlines()[-1])
    # THEN the function logs at DEBUG, and crhelper's loggers (which log the presigned URL at
    # DEBUG) stay at INFO
    assert levels["function"] == logging.DEBUG
    for when in ("import", "later"):
        assert {"crhelper.resource_helper", "crhelper.utils"} <= set(levels[when])
        assert all(level == logging.INFO for level in levels[when].values()), levels


# ---- the timer: one answer per request, before the function's time is up --------------------


# A bound for a run that hangs, never a guess at how long something takes.
HANG = 30.0


class SlowRuntime(Runtime):
    """A runtime whose work is held before any AWS call until ``until`` is set (a slow start, a
    stuck import): time the bounded AWS calls cannot account for. ``released`` says it went on."""

    def __init__(self, clients: Clients, until: threading.Event) -> None:
        super().__init__(clients)
        self.until = until
        self.released = threading.Event()

    def service(self, scope: Scope, time_left: Callable[[], float]) -> PolicyService:
        assert self.until.wait(HANG), "the work was never released"
        self.released.set()
        return super().service(scope, time_left)


@dataclass(frozen=True)
class Delivery:
    """One answer handed to the sender, and what came of it."""

    status: str
    reason: str
    delivered: bool
    remaining: float  # seconds the function had left when the sender was done


@dataclass
class TimedSender:
    """The real sender, timed against the function's context. ``started`` is set when an answer
    is handed to it, ``sent`` once it is delivered; with ``after``, it waits for that first."""

    context: FakeLambdaContext
    after: threading.Event | None = None
    started: threading.Event = field(default_factory=threading.Event)
    sent: threading.Event = field(default_factory=threading.Event)
    deliveries: list[Delivery] = field(default_factory=list)

    def __call__(self, url: str, body: Mapping[str, Any], time_left: Callable[[], float]) -> bool:
        self.started.set()
        assert self.after is None or self.after.wait(HANG), "never allowed to deliver"
        delivered = deliver(url, body, time_left)
        remaining = self.context.get_remaining_time_in_millis() / 1000
        self.deliveries.append(
            Delivery(str(body["Status"]), str(body["Reason"]), delivered, remaining)
        )
        self.sent.set()
        return delivered


def create(cfn: ResponseEndpoint) -> dict[str, Any]:
    event = load_event("create")
    event["ResponseURL"] = cfn.url_for(event["RequestId"])
    return event


def test_work_that_overruns_the_function_gets_one_timeout_answer_in_time(
    logs: LogsServer, cfn: ResponseEndpoint
) -> None:
    # GIVEN a function with 3 s left (the timer fires at 1 s) whose work is held before its
    # first AWS call until the timeout answer has gone out: it overruns the timer, by order
    seed(logs, report_text())
    context = FakeLambdaContext(timeout_seconds=3.0)
    sender = TimedSender(context)
    handler = CustomResourceHandler(
        SlowRuntime(clients=product_clients(logs), until=sender.sent), sender=sender
    )
    event = create(cfn)
    # WHEN Create arrives
    handler(event, context)
    # THEN exactly one answer reached the endpoint, over TLS: FAILED, saying the function was
    # about to time out, with the stable physical id, for this request
    [received] = cfn.received
    assert received.outcome == "accepted", received.reason
    assert received.body is not None
    assert (received.body["Status"], received.body["Reason"]) == ("FAILED", TIMED_OUT)
    assert received.body["PhysicalResourceId"] == PHYSICAL
    assert received.body["RequestId"] == event["RequestId"]
    assert cfn.tls_failures == []
    # AND it was delivered before the function's time was up, and the late handler handed no
    # second answer to the sender
    [delivery] = sender.deliveries
    assert (delivery.status, delivery.reason, delivery.delivered) == ("FAILED", TIMED_OUT, True)
    assert delivery.remaining > 0
    assert handler.bridge.wait_for_timer(1.0)
    assert len(cfn.received) == 1
    # AND the late handler called nothing and wrote nothing, as the reason says
    assert logs.calls == []
    assert stored_text(logs) == report_text()


def test_the_handler_returns_only_once_the_timeout_answer_is_delivered(
    logs: LogsServer, cfn: ResponseEndpoint
) -> None:
    # GIVEN work that overruns the timer (3 s left: it fires at 1 s) and ends once the timeout
    # answer is on its way, and an answer held until the test lets it go
    context = FakeLambdaContext(timeout_seconds=3.0)
    allow = threading.Event()
    sender = TimedSender(context, after=allow)
    runtime = SlowRuntime(clients=product_clients(logs), until=sender.started)
    handler = CustomResourceHandler(runtime, sender=sender)
    # WHEN Create arrives, and the work goes on to its end while the answer is still held
    running = threading.Thread(target=handler, args=(create(cfn), context))
    running.start()
    assert runtime.released.wait(HANG)
    running.join(0.5)  # the work is done well within this; only the held answer keeps it
    # THEN the handler has not returned while the answer was on its way (Lambda freezes
    # whatever still runs once the handler returns: that answer would be lost)
    assert running.is_alive()
    # AND once the answer is delivered, the handler returns, with that one answer sent
    allow.set()
    running.join(HANG)
    assert not running.is_alive()
    assert [r.body["Reason"] for r in cfn.received if r.body is not None] == [TIMED_OUT]
    assert [d.delivered for d in sender.deliveries] == [True]
    assert handler.bridge.wait_for_timer(0.1)


def test_an_answered_request_leaves_no_timer_behind(
    logs: LogsServer, cfn: ResponseEndpoint
) -> None:
    # GIVEN a function with 30 s left on a clock that stands still (the work's budget does not
    # shrink however loaded the machine is; the timer, on the real clock, would fire at 28 s)
    seed(logs, report_text())
    context = FakeLambdaContext(timeout_seconds=30.0, clock=ManualClock())
    clients = Clients(endpoint_url=logs.url, timeouts=Timeouts(connect=0.5, read=1.0))
    runtime = Runtime(clients=clients, safety_margin=0.5)
    handler = CustomResourceHandler(runtime, sender=TimedSender(context))
    # WHEN Create arrives and is answered
    handler(create(cfn), context)
    # THEN one SUCCESS, and the timer is done
    [received] = cfn.received
    assert received.body is not None
    assert received.body["Status"] == "SUCCESS", received.body["Reason"]
    assert handler.bridge.wait_for_timer(1.0)
    # AND the timer's thread is over (cancelled, never to fire): still only that answer
    assert len(cfn.received) == 1
