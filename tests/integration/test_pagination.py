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
from local_aws.policies import ARN, NAME, REGION, STATES, delivery_statement, document
from local_aws.product import answer_of, seed, stored_policies
from local_aws.response_endpoint import ResponseEndpoint
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
