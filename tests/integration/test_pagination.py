"""``DescribeResourcePolicies`` in small pages: the Logs adapter, the policy service and the
handler still find the policy.

moto returns every policy at once; the strict layer's ``rules.max_page_size`` makes the service
answer fewer than asked with a ``nextToken``, as paginated AWS APIs may.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_aws.events import load_event
from local_aws.lambda_context import FakeLambdaContext
from local_aws.logs_server import LogsServer, logs_client
from local_aws.policies import ARN, NAME, REGION, SCOPE, STATES, delivery_statement, document
from local_aws.product import answer_of, policy_service, seed, stored_policies
from local_aws.response_endpoint import ResponseEndpoint
from vended_logs_policy.adapters.retry import Retry
from vended_logs_policy.engine.policy import Options
from vended_logs_policy.errors import RejectedError
from vended_logs_policy.function.custom_resource import CustomResourceHandler

OTHERS = [f"other-service-{n}" for n in range(8)]
PAGE = 2
READ = "DescribeResourcePolicies"


def policy_text(resource: str) -> str:
    return json.dumps(document(delivery_statement(resource, sid=None)))


def seed_others(server: LogsServer, names: list[str], target_resource: str | None = None) -> None:
    """Other services' policies in this order, then ours (when given) last."""
    for name in names:
        seed(server, policy_text(f"{ARN}:/aws/{name}/*:*"), name)
    if target_resource is not None:
        seed(server, policy_text(target_resource))


def pages(server: LogsServer) -> list[list[str]]:
    """Policy names page by page, as the service (with its rules) pages them."""
    client = logs_client(server, REGION, out_of_band=True)
    out: list[list[str]] = []
    kwargs: dict[str, Any] = {}
    while True:
        page = client.describe_resource_policies(**kwargs)
        out.append([p["policyName"] for p in page["resourcePolicies"]])
        if "nextToken" not in page:
            return out
        kwargs = {"nextToken": page["nextToken"]}


def tokens(server: LogsServer) -> list[str | None]:
    """The nextToken each recorded read sent (None for a first page)."""
    return [call.request.get("nextToken") for call in server.recorded(READ)]


@pytest.fixture
def small_pages(logs: LogsServer) -> LogsServer:
    logs.rules.max_page_size = PAGE
    return logs


def test_handler_finds_the_policy_on_the_last_page_and_reads_every_page(
    small_pages: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    handler: CustomResourceHandler,
) -> None:
    # GIVEN nine policies in pages of two, ours (without the wildcard) alone on the fifth page
    logs = small_pages
    seed_others(logs, OTHERS, target_resource=f"{ARN}:/x:*")
    layout = pages(logs)
    assert len(layout) == 5
    assert layout[-1] == [NAME]
    before = stored_policies(logs)
    # WHEN CloudFormation sends Create
    answer = answer_of(handler, load_event("create"), cfn, lambda_context)
    # THEN it updated our policy (found on the last page) rather than trying to create it
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    after = stored_policies(logs)
    assert STATES in after[NAME]
    assert f"{ARN}:/x:*" in after[NAME]
    assert {k: v for k, v in after.items() if k != NAME} == {
        k: v for k, v in before.items() if k != NAME
    }
    # AND the calls are five pages, one write, five pages to verify: nothing more
    assert logs.calls == [READ] * 5 + ["PutResourcePolicy"] + [READ] * 5
    sent = tokens(logs)
    assert sent[0] is None
    assert sent[5] is None
    assert all(sent[1:5])
    assert all(sent[6:])
    assert len(set(sent[1:5])) == 4
    assert all(call.request.get("limit") == 50 for call in logs.recorded(READ))


@pytest.fixture
def unconditional_allowed(bootstrap_env: dict[str, str]) -> None:
    """A bootstrap stack with AllowUnconditionalGrants=true."""
    bootstrap_env["VLP_ALLOW_UNCONDITIONAL_GRANTS"] = "true"


@pytest.mark.usefixtures("unconditional_allowed")
def test_compliant_policy_on_the_last_page_costs_only_the_reads(
    small_pages: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    handler: CustomResourceHandler,
) -> None:
    # GIVEN ours already holding the wildcard, on the fifth page of two
    logs = small_pages
    seed_others(logs, OTHERS, target_resource=STATES)
    event = load_event("create")
    event["ResourceProperties"]["SourceConditions"] = "false"
    # WHEN Create arrives
    answer = answer_of(handler, event, cfn, lambda_context)
    # THEN SUCCESS with no change, after reading each page once and writing nothing
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["Data"]["Changed"] == "false"
    assert logs.calls == [READ] * 5


def test_creating_the_tenth_policy_reads_every_page_first(
    small_pages: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    handler: CustomResourceHandler,
) -> None:
    # GIVEN nine other policies and none of ours: ours is the tenth, within the quota
    logs = small_pages
    seed_others(logs, [*OTHERS, "other-service-8"])
    # WHEN Create arrives
    answer = answer_of(handler, load_event("create"), cfn, lambda_context)
    # THEN created, after five pages; the verify read sees ten policies in five pages
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert logs.calls == [READ] * 5 + ["PutResourcePolicy"] + [READ] * 5
    assert len(stored_policies(logs)) == 10


def test_adapter_pages_of_one_return_every_policy_in_service_order(
    logs: LogsServer,
) -> None:
    # GIVEN ten policies and a service that answers one per page
    logs.rules.max_page_size = 1
    seed_others(logs, [*OTHERS, "other-service-8"], target_resource=STATES)
    # WHEN the adapter lists the account-level policies
    found = policy_service(logs).policies.account_policies()
    # THEN all ten, in the service's order, in ten calls
    assert [p.name for p in found] == list(stored_policies(logs))
    assert len(found) == 10
    assert logs.calls == [READ] * 10


def test_a_page_throttled_midway_is_retried_and_none_is_lost(logs: LogsServer) -> None:
    # GIVEN pages of two, and the third page's first attempt throttled
    logs.rules.max_page_size = PAGE
    seed_others(logs, OTHERS, target_resource=STATES)
    reads: list[dict[str, Any]] = []

    def throttle_the_third_page(request: dict[str, Any]) -> None:
        reads.append(request)
        if len(reads) == 2:
            logs.faults.fail(READ, code="ThrottlingException")

    logs.hooks.after(READ, throttle_the_third_page)
    slept: list[float] = []
    # WHEN the adapter lists them
    found = policy_service(logs, Retry(sleep=slept.append)).policies.account_policies()
    # THEN every policy, once: the throttled page was asked again with the same token
    assert sorted(p.name for p in found) == sorted([*OTHERS, NAME])
    assert len(found) == 9
    assert len(slept) == 1
    sent = tokens(logs)
    assert len(sent) == 6
    assert sent[2] == sent[3] is not None  # the same page, asked twice
    assert [c.status for c in logs.recorded(READ)] == [200, 200, 400, 200, 200, 200]


def test_an_unknown_token_is_a_clear_error_not_a_partial_list(logs: LogsServer) -> None:
    # GIVEN pages of two, and a service that forgets the token of the second page
    logs.rules.max_page_size = PAGE
    seed_others(logs, OTHERS, target_resource=STATES)
    logs.hooks.after(
        READ,
        lambda _: logs.faults.fail(
            READ, code="InvalidParameterException", message="The specified nextToken is invalid."
        ),
    )
    # WHEN the adapter lists them
    with pytest.raises(RejectedError) as raised:
        policy_service(logs).policies.account_policies()
    # THEN the listing fails as a whole (no partial list that would miss our policy)
    assert raised.value.code == "InvalidParameterException"
    assert str(raised.value) == (
        "CloudWatch Logs DescribeResourcePolicies failed: InvalidParameterException: "
        "The specified nextToken is invalid."
    )
    assert logs.calls == [READ, READ]


def test_ensure_through_the_service_counts_pages_in_its_result(logs: LogsServer) -> None:
    # GIVEN nine policies in pages of two, ours without the wildcard last
    logs.rules.max_page_size = PAGE
    seed_others(logs, OTHERS, target_resource=f"{ARN}:/x:*")
    # WHEN the service ensures the wildcard
    result = policy_service(logs).ensure(NAME, SCOPE, Options())
    # THEN one round: one listing, one write, one verifying listing (five pages each)
    assert (result.rounds, result.writes, result.reads, result.existed) == (1, 1, 2, True)
    assert logs.calls_of(READ) == 10
    assert STATES in stored_policies(logs)[NAME]
