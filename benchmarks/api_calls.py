"""Benchmark 1: CloudWatch Logs API calls per request, counted with botocore's event hooks.

The counter registers on the very client the adapter uses: ``before-call`` fires once per API
call, ``before-send`` once per HTTP request (so a retry would show as a second send). The adapter
is built on a client made by ``logs.make_client``; through the real ``lambda_handler``,
``handler.make_client`` is wrapped so the client it builds gets the counter too. The strict
layer's own call log (what reached the server) must agree.

Target: an already compliant policy costs one read (``DescribeResourcePolicies``) and no write; a
change costs a read, a write and a verifying read. tests/integration/test_api_calls.py asserts the
same counts.
"""

from __future__ import annotations

import argparse
import io
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast
from unittest import mock

from benchmarks import Result, use_dummy_aws
from local_aws.call_counter import CallCounter
from local_aws.policies import NAME, REGION, SCOPE, compliant_text, report_text, route53_text

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

    from local_aws.logs_server import LogsServer
    from local_aws.response_endpoint import ResponseEndpoint

READ: Final = "DescribeResourcePolicies"
WRITE: Final = "PutResourcePolicy"
COMPLIANT: Final = (READ,)
CHANGE: Final = (READ, WRITE, READ)
NONE: Final[tuple[str, ...]] = ()


SEEDS: Final[dict[str, Callable[[], dict[str, str]]]] = {
    "no policy yet": dict,
    "the report's policy": lambda: {NAME: report_text()},
    "already compliant": lambda: {NAME: compliant_text()},
    "compliant, region at its quota of 10": lambda: (
        {NAME: compliant_text()} | {f"Other{i}": route53_text(i) for i in range(9)}
    ),
}


@dataclass(frozen=True)
class Case:
    """One request: which path, on which seeded policy, and the calls it may make."""

    path: str  # "adapter ensure", "handler Create", "handler Update", "handler Delete"
    seed: str
    expected: tuple[str, ...]


CASES: Final = (
    Case("adapter ensure", "already compliant", COMPLIANT),
    Case("adapter ensure", "compliant, region at its quota of 10", COMPLIANT),
    Case("adapter ensure", "the report's policy", CHANGE),
    Case("adapter ensure", "no policy yet", CHANGE),
    Case("handler Create", "already compliant", COMPLIANT),
    Case("handler Update", "already compliant", COMPLIANT),
    Case("handler Create", "the report's policy", CHANGE),
    Case("handler Create", "no policy yet", CHANGE),
    Case("handler Delete", "the report's policy", NONE),
)


@dataclass(frozen=True)
class Count:
    """What one request did, seen three ways."""

    case: Case
    hooked: tuple[str, ...]  # before-call on the adapter's client
    sends: int  # before-send on the adapter's client
    server: tuple[str, ...]  # what reached the strict layer

    @property
    def ok(self) -> bool:
        """All three agree with the expected calls."""
        expected = self.case.expected
        return self.hooked == expected and self.server == expected and self.sends == len(expected)


def seed(server: LogsServer, policies: dict[str, str]) -> None:
    """Reset the server and store the policies, without recording those calls."""
    from local_aws.logs_server import logs_client

    server.reset()
    client = logs_client(server, REGION, out_of_band=True)
    for name, text in policies.items():
        client.put_resource_policy(policyName=name, policyDocument=text)


def adapter_request(server: LogsServer, counter: CallCounter) -> None:
    """One ensure through the adapter, on a product-built client with the counter attached."""
    from vended_logs_policy.engine.policy import Options
    from vended_logs_policy.logs import ResourcePolicies, make_client

    client = counter.attach(make_client(REGION, endpoint_url=server.url))
    ResourcePolicies(client).ensure(NAME, SCOPE, Options())


@contextmanager
def counting_handler(counter: CallCounter) -> Iterator[None]:
    """Attach the counter to every client ``handler.make_client`` builds, while in the block."""
    from vended_logs_policy import handler, logs

    real = logs.make_client

    def make_counted(*args: Any, **kwargs: Any) -> CloudWatchLogsClient:
        return counter.attach(real(*args, **kwargs))

    with mock.patch.object(handler, "make_client", make_counted):
        yield


@contextmanager
def quiet_handler_logs() -> Iterator[None]:
    """Send the handler's log lines (Powertools and crhelper) to a buffer while in the block."""
    from vended_logs_policy.function import custom_resource as handler

    streams: list[tuple[logging.StreamHandler[Any], Any]] = []
    for name in (handler.logger.name, "crhelper"):
        for log_handler in logging.getLogger(name).handlers:
            if isinstance(log_handler, logging.StreamHandler):
                streams.append((log_handler, log_handler.setStream(io.StringIO())))
    try:
        yield
    finally:
        for log_handler, stream in reversed(streams):
            log_handler.setStream(stream)


def handler_request(request_type: str, endpoint: ResponseEndpoint, counter: CallCounter) -> None:
    """One CloudFormation request through the real ``lambda_handler``; it must succeed."""
    from local_aws.events import cfn_request
    from local_aws.lambda_context import FakeLambdaContext
    from vended_logs_policy.function.custom_resource import lambda_handler

    physical = None if request_type == "Create" else f"vended-logs-policy-{REGION}-{NAME}"
    event = cfn_request(
        cast("Any", request_type),
        {"PolicyName": NAME},
        response_url=endpoint.url_for(f"bench-{request_type}"),
        physical_resource_id=physical,
    )
    before = len(endpoint.responses)
    with counting_handler(counter), quiet_handler_logs():
        lambda_handler(event, cast("Any", FakeLambdaContext()))
    answer = endpoint.wait_for(before + 1)[-1].body or {}
    if answer.get("Status") != "SUCCESS":
        raise RuntimeError(
            f"{request_type} answered {answer.get('Status')}: {answer.get('Reason')}"
        )


def measure(server: LogsServer, endpoint: ResponseEndpoint, case: Case) -> Count:
    """Seed, make the request, and count its calls."""
    seed(server, SEEDS[case.seed]())
    counter = CallCounter()
    if case.path == "adapter ensure":
        adapter_request(server, counter)
    else:
        handler_request(case.path.removeprefix("handler "), endpoint, counter)
    logs_calls = tuple(c for c in server.calls if c in (READ, WRITE))
    return Count(case, tuple(counter.operations), counter.requests, logs_calls)


def describe(calls: tuple[str, ...]) -> str:
    """Calls as a short phrase: ``read, write, read`` or ``none``."""
    words = {READ: "read", WRITE: "write"}
    return ", ".join(words.get(c, c) for c in calls) or "none"


def run() -> Result:
    """Count the calls of every case against its expected calls."""
    use_dummy_aws()
    from local_aws.logs_server import LogsServer
    from local_aws.response_endpoint import ResponseEndpoint

    with LogsServer() as server, ResponseEndpoint() as endpoint:
        settings = {"AWS_ENDPOINT_URL": server.url, "SSL_CERT_FILE": endpoint.ca_path}
        with mock.patch.dict("os.environ", settings):
            counts = [measure(server, endpoint, case) for case in CASES]
    width = max(len(f"{c.case.path} on {c.case.seed}") for c in counts)
    details = [
        f"{f'{c.case.path} on {c.case.seed}':<{width}}  {len(c.hooked)} call(s): "
        f"{describe(c.hooked)}; {c.sends} HTTP request(s); server saw {len(c.server)}"
        + ("" if c.ok else f"  <- expected {describe(c.case.expected)}")
        for c in counts
    ]
    compliant = [len(c.hooked) for c in counts if c.case.expected == COMPLIANT]
    change = [len(c.hooked) for c in counts if c.case.expected == CHANGE]
    return Result(
        1,
        "CloudWatch Logs API calls per request (botocore before-call/before-send hooks)",
        f"compliant {max(compliant)} call(s), change {max(change)} call(s)",
        "compliant: 1 read, no write; change: read, write, verifying read",
        all(c.ok for c in counts),
        details,
    )


def main() -> int:
    """``python -m benchmarks.api_calls``."""
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    result = run()
    print(result.report())
    return 0 if result.met else 1


if __name__ == "__main__":
    raise SystemExit(main())
