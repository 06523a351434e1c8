"""``DescribeResourcePolicies`` in small pages: the Logs adapter and the policy service still find
every policy, on the in-memory fake (``local_aws.fake_logs``: paging, faults, hooks, no wire).

Moved from ``tests/integration/test_pagination.py``; the handler's paging tests stay there.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_aws.fake_logs import FakeLogs, fake_policy_service, fake_retry
from local_aws.policies import ARN, NAME, SCOPE, STATES, delivery_statement, document
from vended_logs_policy.engine.policy import Options
from vended_logs_policy.errors import RejectedError

OTHERS = [f"other-service-{n}" for n in range(8)]
PAGE = 2
READ = "DescribeResourcePolicies"


@pytest.fixture
def logs() -> FakeLogs:
    """An empty fake CloudWatch Logs region on a manual clock."""
    return FakeLogs()


def policy_text(resource: str) -> str:
    return json.dumps(document(delivery_statement(resource, sid=None)))


def seed_others(fake: FakeLogs, names: list[str], target_resource: str | None = None) -> None:
    """Other services' policies in this order, then ours (when given) last."""
    for name in names:
        fake.seed(policy_text(f"{ARN}:/aws/{name}/*:*"), name)
    if target_resource is not None:
        fake.seed(policy_text(target_resource))


def tokens(fake: FakeLogs) -> list[str | None]:
    """The nextToken each recorded read sent (None for a first page)."""
    return [call.request.get("nextToken") for call in fake.recorded(READ)]


def test_adapter_pages_of_one_return_every_policy_in_service_order(logs: FakeLogs) -> None:
    # GIVEN ten policies and a service that answers one per page
    logs.rules.max_page_size = 1
    seed_others(logs, [*OTHERS, "other-service-8"], target_resource=STATES)
    # WHEN the adapter lists the account-level policies
    found = fake_policy_service(logs).policies.account_policies()
    # THEN all ten, in the service's order, in ten calls
    assert [p.name for p in found] == list(logs.policies)
    assert len(found) == 10
    assert logs.calls == [READ] * 10


def test_a_page_throttled_midway_is_retried_and_none_is_lost(logs: FakeLogs) -> None:
    # GIVEN pages of two, and the third page's first attempt throttled
    logs.rules.max_page_size = PAGE
    seed_others(logs, OTHERS, target_resource=STATES)
    reads: list[dict[str, Any]] = []

    def throttle_the_third_page(request: dict[str, Any]) -> None:
        reads.append(request)
        if len(reads) == 2:
            logs.faults.fail(READ, code="ThrottlingException")

    logs.hooks.after(READ, throttle_the_third_page)
    # WHEN the adapter lists them
    found = fake_policy_service(logs, fake_retry(logs)).policies.account_policies()
    # THEN every policy, once: the throttled page was asked again with the same token
    assert sorted(p.name for p in found) == sorted([*OTHERS, NAME])
    assert len(found) == 9
    assert len(logs.clock.slept) == 1
    sent = tokens(logs)
    assert len(sent) == 6
    assert sent[2] == sent[3] is not None  # the same page, asked twice
    assert [c.status for c in logs.recorded(READ)] == [200, 200, 400, 200, 200, 200]


def test_an_unknown_token_is_a_clear_error_not_a_partial_list(logs: FakeLogs) -> None:
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
        fake_policy_service(logs).policies.account_policies()
    # THEN the listing fails as a whole (no partial list that would miss our policy)
    assert raised.value.code == "InvalidParameterException"
    assert str(raised.value) == (
        "CloudWatch Logs DescribeResourcePolicies failed: InvalidParameterException: "
        "The specified nextToken is invalid."
    )
    assert logs.calls == [READ, READ]


def test_ensure_through_the_service_counts_pages_in_its_result(logs: FakeLogs) -> None:
    # GIVEN nine policies in pages of two, ours without the wildcard last
    logs.rules.max_page_size = PAGE
    seed_others(logs, OTHERS, target_resource=f"{ARN}:/x:*")
    # WHEN the service ensures the wildcard
    result = fake_policy_service(logs).ensure(NAME, SCOPE, Options())
    # THEN one round: one listing, one write, one verifying listing (five pages each)
    assert (result.rounds, result.writes, result.reads, result.existed) == (1, 1, 2, True)
    assert logs.calls_of(READ) == 10
    assert STATES in str(logs.stored())
