"""CloudWatch Logs API calls per request: behaviour, so asserted here (benchmarks/ reports them).

An already compliant policy costs one read (``DescribeResourcePolicies``) and no write; a change
costs a read, a write and a verifying read; Delete costs nothing. Counted with botocore's event
hooks on the client the service uses (``before-call`` per API call, ``before-send`` per HTTP
request, so a hidden retry would show) and, independently, by the strict layer's call log.
"""

from __future__ import annotations

from typing import Any

import pytest

from local_aws.call_counter import CallCounter
from local_aws.events import RequestType, cfn_request
from local_aws.lambda_context import FakeLambdaContext
from local_aws.logs_server import LogsServer
from local_aws.policies import NAME, REGION, SCOPE, compliant_text, report_text, route53_text
from local_aws.product import (
    answer_of,
    custom_resource,
    policy_service,
    product_clients,
    seed,
    stored_text,
)
from local_aws.response_endpoint import ResponseEndpoint
from vended_logs_policy.adapters.clients import Clients
from vended_logs_policy.engine.policy import Options
from vended_logs_policy.function.custom_resource import CustomResourceHandler

READ = "DescribeResourcePolicies"
WRITE = "PutResourcePolicy"


def ensure_through_the_service(server: LogsServer) -> CallCounter:
    clients = product_clients(server)
    counter = CallCounter()
    counter.attach(clients.client("logs", REGION))
    policy_service(server, clients=clients).ensure(NAME, SCOPE, Options())
    return counter


class Counted:
    """The calls made on the handler's client from now on (the counter stays attached)."""

    def __init__(self, counter: CallCounter) -> None:
        self.counter = counter
        self.operations_before = len(counter.operations)
        self.requests_before = counter.requests

    @property
    def operations(self) -> list[str]:
        return self.counter.operations[self.operations_before :]

    @property
    def requests(self) -> int:
        return self.counter.requests - self.requests_before


def through_handler(
    request_type: RequestType,
    handler: CustomResourceHandler,
    cfn: ResponseEndpoint,
    context: FakeLambdaContext,
) -> dict[str, Any]:
    """One request through the real handler; its answer."""
    physical = None if request_type == "Create" else f"vended-logs-policy-{REGION}-{NAME}"
    event = cfn_request(
        request_type,
        {"PolicyName": NAME},
        response_url=cfn.url_for(f"api-calls-{request_type}"),
        physical_resource_id=physical,
    )
    return answer_of(handler, event, cfn, context)


@pytest.fixture
def counter(clients: Clients) -> CallCounter:
    """Counts the calls of the handler's logs client (the cached one the handler will use)."""
    counter = CallCounter()
    counter.attach(clients.client("logs", REGION))
    return counter


# ---- the service ---------------------------------------------------------------------------


@pytest.mark.parametrize("others", [0, 9], ids=["alone", "region-at-its-quota-of-10"])
def test_compliant_policy_costs_one_read_and_no_write(logs: LogsServer, others: int) -> None:
    # GIVEN the policy already compliant (alone, or with 9 others: still one page of 50)
    seed(logs, compliant_text())
    for i in range(others):
        seed(logs, route53_text(i), f"Other{i}")

    # WHEN the service ensures it
    counter = ensure_through_the_service(logs)

    # THEN one read and nothing else, on the client and at the server
    assert counter.operations == [READ]
    assert counter.requests == 1
    assert logs.calls == [READ]


@pytest.mark.parametrize("existing", [True, False], ids=["report-policy", "no-policy-yet"])
def test_change_costs_read_write_and_verifying_read(logs: LogsServer, existing: bool) -> None:
    # GIVEN the report's policy, or none at all
    if existing:
        seed(logs, report_text())

    # WHEN the service ensures it
    counter = ensure_through_the_service(logs)

    # THEN read, write, read back: three calls, three HTTP requests, and the policy is fixed
    assert counter.operations == [READ, WRITE, READ]
    assert counter.requests == 3
    assert logs.calls == [READ, WRITE, READ]
    assert stored_text(logs) == compliant_text()


# ---- the real handler ----------------------------------------------------------------------


def test_create_then_update_then_delete_through_the_handler(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    handler: CustomResourceHandler,
    counter: CallCounter,
) -> None:
    # GIVEN the report's policy
    seed(logs, report_text())

    # WHEN CloudFormation sends Create
    created = Counted(counter)
    answer = through_handler("Create", handler, cfn, lambda_context)
    # THEN read, write and verifying read
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"]["Changed"] == "true"
    assert created.operations == [READ, WRITE, READ]
    assert created.requests == 3
    assert logs.calls == [READ, WRITE, READ]

    # WHEN an Update finds the policy compliant
    calls_before = len(logs.calls)
    updated = Counted(counter)
    answer = through_handler("Update", handler, cfn, lambda_context)
    # THEN one read and no write
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"]["Changed"] == "false"
    assert updated.operations == [READ]
    assert updated.requests == 1
    assert logs.calls[calls_before:] == [READ]

    # WHEN the stack is deleted
    calls_before = len(logs.calls)
    deleted = Counted(counter)
    answer = through_handler("Delete", handler, cfn, lambda_context)
    # THEN no call at all, and the policy stays
    assert answer["Status"] == "SUCCESS"
    assert deleted.operations == []
    assert deleted.requests == 0
    assert logs.calls[calls_before:] == []
    assert stored_text(logs) == compliant_text()


def test_repeated_create_on_a_compliant_policy_costs_one_read(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    handler: CustomResourceHandler,
    counter: CallCounter,
) -> None:
    # GIVEN a compliant policy (CloudFormation retried a Create that already succeeded)
    seed(logs, compliant_text())

    # WHEN the Create arrives
    counted = Counted(counter)
    answer = through_handler("Create", handler, cfn, lambda_context)

    # THEN one read and no write
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"]["Changed"] == "false"
    assert counted.operations == [READ]
    assert logs.calls == [READ]


class CountingClients(Clients):
    """Clients that record every client they build."""

    def __init__(self, endpoint_url: str) -> None:
        super().__init__(endpoint_url=endpoint_url)
        self.built: list[tuple[str, str | None]] = []

    def _build(self, session: Any, service: str, region: str | None) -> Any:
        self.built.append((service, region))
        return super()._build(session, service, region)


def test_a_warm_function_builds_its_logs_client_once(
    logs: LogsServer, cfn: ResponseEndpoint, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN one handler (one warm execution environment) with its own client factory
    clients = CountingClients(logs.url)
    handler = custom_resource(logs, sleep=lambda _: None, clients=clients)
    seed(logs, report_text())
    # WHEN two requests arrive one after the other
    first = through_handler("Create", handler, cfn, lambda_context)
    assert clients.built == [("logs", REGION)], "built at the first request"
    session = clients.session
    second = through_handler("Update", handler, cfn, lambda_context)
    # THEN both succeed on one logs client from one session: the second built nothing
    assert (first["Status"], second["Status"]) == ("SUCCESS", "SUCCESS")
    assert clients.built == [("logs", REGION)]
    assert clients.session is session
    assert logs.calls == [READ, WRITE, READ, READ]
