"""Concurrent writers of the one account-level policy: ensures, and the log-delivery service.

Account-level resource policies have no revision ids, so every write replaces the whole document.
The policy service reads, merges, writes, then reads again to verify and retries with jitter when a
later write undid its own. ``DeliveryService`` models how AWS services (Step Functions, API
Gateway, ...) add their log groups: read, append, write, read back, append again while it is
missing, and check again at their next log-delivery setup. It writes through an out-of-band
client: another writer in the same account, whose calls the strict layer neither records nor
faults nor hooks.

Interleavings that matter are forced with ``hooks.after`` (deterministic); the free-running tests
assert only what must hold under every interleaving.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from local_aws.events import load_event
from local_aws.logs_server import LogsServer, logs_client
from local_aws.policies import (
    ARN,
    DELIVERY,
    NAME,
    REGION,
    SCOPE,
    STATES,
    delivery_statement,
    seeded_document,
)
from local_aws.product import policy_service, seed, stored_document
from local_aws.response_endpoint import ResponseEndpoint
from tests.support import as_list, assert_nothing_lost, covered, delivery_resources, once
from vended_logs_policy.adapters.retry import Retry
from vended_logs_policy.engine.policy import Options
from vended_logs_policy.service import EnsureResult

pytestmark = pytest.mark.wire

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

SEEDED: dict[str, Any] = seeded_document()
ROOT = Path(__file__).resolve().parents[2]


def read_policy(client: CloudWatchLogsClient, name: str = NAME) -> dict[str, Any] | None:
    for page in client.get_paginator("describe_resource_policies").paginate():
        for item in page["resourcePolicies"]:
            if item["policyName"] == name:
                document: dict[str, Any] = json.loads(item["policyDocument"])
                return document
    return None


def write_policy(client: CloudWatchLogsClient, document: dict[str, Any]) -> None:
    client.put_resource_policy(
        policyName=NAME, policyDocument=json.dumps(document, separators=(",", ":"))
    )


@dataclass
class DeliveryService:
    """The log-delivery service granting itself a log group, as AWS services do."""

    server: LogsServer
    attempts: int = 10
    granted: list[str] = field(default_factory=list)
    writes: int = 0
    reappends: int = 0
    client: CloudWatchLogsClient = field(init=False)

    def __post_init__(self) -> None:
        self.client = logs_client(self.server, REGION, out_of_band=True)

    def grant(self, resource: str) -> None:
        """Append `resource` unless covered; read back and append again while it is missing."""
        if resource not in self.granted:
            self.granted.append(resource)
        wrote = False
        for _ in range(self.attempts):
            document = read_policy(self.client)
            if covered(document, resource):
                return
            if wrote:
                self.reappends += 1  # our append was undone by a later write: append again
            write_policy(self.client, appended(document, resource))
            self.writes += 1
            wrote = True
        raise AssertionError(f"{resource} still missing after {self.attempts} attempts")

    def recheck(self) -> int:
        """The check the service makes at its next delivery setup; returns how many it restored."""
        document = read_policy(self.client)
        missing = [r for r in self.granted if not covered(document, r)]
        for resource in missing:
            self.grant(resource)
        return len(missing)


def appended(document: dict[str, Any] | None, resource: str) -> dict[str, Any]:
    """The document with `resource` added to its first delivery statement (or a new one)."""
    result: dict[str, Any] = (
        json.loads(json.dumps(document)) if document else {"Version": "2012-10-17"}
    )
    raw = result.get("Statement", [])
    statements: list[dict[str, Any]] = [raw] if isinstance(raw, dict) else raw
    for statement in statements:
        if statement.get("Principal") == {"Service": DELIVERY} and statement.get("Effect") == (
            "Allow"
        ):
            statement["Resource"] = [*as_list(statement["Resource"]), resource]
            break
    else:
        statements.append(delivery_statement([resource]))
    result["Statement"] = statements
    return result


# ---- forced interleavings --------------------------------------------------------------------


def test_a_grant_written_during_the_retry_pause_is_kept(logs: LogsServer) -> None:
    # GIVEN a stale write that undoes ours, and the delivery service granting a log group while
    # our service pauses before its second round
    seed(logs, SEEDED)
    stale = logs_client(logs, REGION, out_of_band=True)
    logs.hooks.after("PutResourcePolicy", once(lambda _: write_policy(stale, SEEDED)))
    service = DeliveryService(logs)
    api = f"{ARN}:/aws/apigateway/granted-during-the-pause:*"
    # WHEN our policy service ensures the wildcard
    result = policy_service(logs, Retry(sleep=lambda _: service.grant(api))).ensure(
        NAME, SCOPE, Options()
    )
    # THEN its second round merged a fresh read: the grant made during the pause is kept
    assert result.rounds == 2
    assert service.writes == 1
    assert_nothing_lost(stored_document(logs), api)


def test_a_service_append_right_after_our_write_is_kept(logs: LogsServer) -> None:
    # GIVEN the log-delivery service granting an API Gateway log group right after our write
    seed(logs, SEEDED)
    service = DeliveryService(logs)
    api = f"{ARN}:/aws/apigateway/orders-prod:*"
    logs.hooks.after("PutResourcePolicy", once(lambda _: service.grant(api)))
    # WHEN our policy service ensures the wildcard
    result = policy_service(logs).ensure(NAME, SCOPE, Options())
    # THEN one round: the service appended to our document, so our wildcard is still there
    assert (result.rounds, result.writes) == (1, 1)
    assert service.writes == 1
    document = stored_document(logs)
    assert STATES in delivery_resources(document)
    assert_nothing_lost(document, api)


def test_the_window_a_grant_between_our_read_and_write_is_overwritten_until_rechecked(
    logs: LogsServer,
) -> None:
    # GIVEN the service granting a log group (write and read-back) between our read and our write
    seed(logs, SEEDED)
    service = DeliveryService(logs)
    api = f"{ARN}:/aws/apigateway/orders-prod:*"
    logs.hooks.after("DescribeResourcePolicies", once(lambda _: service.grant(api)))
    # WHEN our policy service ensures the wildcard
    result = policy_service(logs).ensure(NAME, SCOPE, Options())
    # THEN our write, merged from the earlier read, replaced the service's append; our verify
    # read sees our wildcard and cannot see the loss: this is the window no revision id closes
    assert (result.rounds, result.writes) == (1, 1)
    assert service.writes == 1
    assert not covered(stored_document(logs), api)
    # WHEN the service makes its check again (at its next log-delivery setup)
    restored = service.recheck()
    # THEN it appends the log group again, and a further ensure has nothing to do
    assert restored == 1
    assert_nothing_lost(stored_document(logs), api, STATES)
    assert policy_service(logs).ensure(NAME, SCOPE, Options()).writes == 0


# ---- free-running writers --------------------------------------------------------------------

ENSURE_THREADS = 4
ENSURES_PER_THREAD = 2
SERVICES = {
    "apigateway": [f"{ARN}:/aws/apigateway/api-{n}:*" for n in range(6)],
    "route53": [f"{ARN}:/aws/route53/zone-{n}.example.com:*" for n in range(6)],
    # Step Functions appends a log group ARN only when no grant covers it yet.
    "states": [f"{ARN}:/aws/vendedlogs/states/sm-{n}-Logs:log-stream:*" for n in range(6)],
}


def test_ensures_and_services_writing_at_once_lose_nothing(logs: LogsServer) -> None:
    # GIVEN the report's policy, four threads ensuring the wildcard twice each, and three
    # services granting six log groups each, all released at once
    seed(logs, SEEDED)
    services = {name: DeliveryService(logs) for name in SERVICES}
    start = threading.Barrier(ENSURE_THREADS + len(services))
    results: list[EnsureResult] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def ensure_thread() -> None:
        policies = policy_service(logs)
        start.wait()
        for _ in range(ENSURES_PER_THREAD):
            try:
                result = policies.ensure(NAME, SCOPE, Options())
            except BaseException as exc:
                with lock:
                    errors.append(exc)
                return
            with lock:
                results.append(result)

    def service_thread(name: str) -> None:
        start.wait()
        try:
            for resource in SERVICES[name]:
                services[name].grant(resource)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=ensure_thread) for _ in range(ENSURE_THREADS)]
    threads += [threading.Thread(target=service_thread, args=(n,)) for n in services]
    # WHEN they run
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    # THEN every ensure succeeded (no "kept changing" error) and no writer dropped another
    # principal's statement or a resource outside the prefix, whatever the interleaving
    assert errors == []
    assert len(results) == ENSURE_THREADS * ENSURES_PER_THREAD
    assert_nothing_lost(stored_document(logs))
    # WHEN the services check again, as they do at their next delivery setup, and a stack
    # update ensures once more
    restored = sum(service.recheck() for service in services.values())
    final = policy_service(logs).ensure(NAME, SCOPE, Options())
    # THEN the wildcard and every granted log group are there, and the policy is compact
    document = stored_document(logs)
    granted = [r for resources in SERVICES.values() for r in resources]
    assert_nothing_lost(document, STATES, *granted)
    assert final.outcome.within_limit
    assert not any(r in delivery_resources(document) for r in SERVICES["states"])
    print(  # the counts docs/reliability.md quotes (pytest -s shows them)
        f"\nwriters={len(threads)} ensures={len(results) + 1} "
        f"rounds>1={sum(r.rounds > 1 for r in results)} "
        f"service_writes={sum(s.writes for s in services.values())} "
        f"reappends={sum(s.reappends for s in services.values())} restored={restored}"
    )


HANDLER_SCRIPT = """
import json, sys
from typing import Any, cast
from local_aws.lambda_context import FakeLambdaContext
from vended_logs_policy.function.custom_resource import lambda_handler
lambda_handler(json.loads(sys.argv[1]), cast(Any, FakeLambdaContext(timeout_seconds=60)))
"""


def test_three_function_instances_and_a_service_at_once(
    logs: LogsServer, cfn: ResponseEndpoint
) -> None:
    # GIVEN three Lambda instances (processes: the handler's crhelper object is per process)
    # each handling a Create from a different stack, while a service grants log groups
    seed(logs, SEEDED)
    service = DeliveryService(logs)
    environment = os.environ | {"AWS_ENDPOINT_URL": logs.url, "SSL_CERT_FILE": cfn.ca_path}
    events = []
    for n in range(3):
        event = load_event("create")
        event["RequestId"] = f"request-{n}"
        event["StackId"] = event["StackId"].replace("/vended-logs-policy/", f"/stack-{n}/")
        event["ResponseURL"] = cfn.url_for(event["RequestId"])
        events.append(event)
    # WHEN they all run
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", HANDLER_SCRIPT, json.dumps(event)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=environment,
        )
        for event in events
    ]
    for resource in SERVICES["apigateway"]:
        service.grant(resource)
    outputs = [process.communicate(timeout=60) for process in processes]
    # THEN each stack got exactly one SUCCESS, with the same stable physical id
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    answers = {r.request_id: r.body for r in cfn.responses}
    assert len(cfn.received) == 3
    assert set(answers) == {e["RequestId"] for e in events}
    for body in answers.values():
        assert body is not None
        assert body["Status"] == "SUCCESS", body["Reason"]
        assert body["PhysicalResourceId"] == f"vended-logs-policy-{REGION}-{NAME}"
    # AND after the service's next check nothing is missing
    service.recheck()
    assert_nothing_lost(stored_document(logs), STATES, *SERVICES["apigateway"])
