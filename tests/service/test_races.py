"""Forced interleavings of another writer with the policy service, on the in-memory fake: a hook
after one of our calls plays the other writer (out of band), and the retry pauses advance the
fake's clock. Moved from ``tests/integration/test_concurrency.py``, whose free-running writers
(threads, processes, the log-delivery service) stay on the wire.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_aws.fake_logs import FakeLogs, fake_policy_service
from local_aws.policies import NAME, PIPES, SCOPE, STATES, seeded_document
from tests.support import assert_nothing_lost, delivery_resources, once
from vended_logs_policy.adapters.retry import Retry
from vended_logs_policy.engine import policy
from vended_logs_policy.engine.policy import Options
from vended_logs_policy.errors import ConcurrentModificationError

SEEDED: dict[str, Any] = seeded_document()


@pytest.fixture
def logs() -> FakeLogs:
    """An empty fake CloudWatch Logs region on a manual clock."""
    return FakeLogs()


def stored_document(fake: FakeLogs) -> Any:
    """The named policy's document, parsed (None when there is none)."""
    text = fake.stored()
    return None if text is None else json.loads(text)


def test_a_stale_write_right_after_ours_is_caught_and_merged_again(logs: FakeLogs) -> None:
    # GIVEN the report's policy, and another writer that read it before our write and writes
    # its stale copy right after ours
    logs.seed(SEEDED)
    logs.hooks.after("PutResourcePolicy", once(lambda _: logs.seed(SEEDED)))
    # WHEN our policy service ensures the wildcard
    result = fake_policy_service(logs).ensure(NAME, SCOPE, Options())
    # THEN its verify read saw the wildcard gone; after one jittered pause it read again (not
    # merging what it read before the pause), merged the stale copy and wrote once more
    assert (result.rounds, result.writes, result.reads) == (2, 2, 4)
    assert len(logs.clock.slept) == 1
    assert logs.calls == [
        "DescribeResourcePolicies",
        "PutResourcePolicy",
        "DescribeResourcePolicies",
        "DescribeResourcePolicies",
        "PutResourcePolicy",
        "DescribeResourcePolicies",
    ]
    document = stored_document(logs)
    assert STATES in delivery_resources(document)
    assert_nothing_lost(document)


def test_a_writer_that_keeps_undoing_ours_ends_in_a_clear_error(logs: FakeLogs) -> None:
    # GIVEN another writer that puts back its stale copy after every one of our writes
    logs.seed(SEEDED)
    logs.hooks.after("PutResourcePolicy", lambda _: logs.seed(SEEDED))
    # WHEN our policy service ensures the wildcard
    with pytest.raises(ConcurrentModificationError) as raised:
        fake_policy_service(logs).ensure(NAME, SCOPE, Options())
    # THEN it gives up after its retry budget with a reason that says what happened
    attempts = Retry().attempts
    assert str(raised.value) == (
        f"policy {NAME} kept changing under us (another writer?) after {attempts} writes; run again"
    )
    assert logs.calls_of("PutResourcePolicy") == attempts
    assert len(logs.clock.slept) == attempts - 1
    # AND the other writer's document, whole, is what remains
    assert stored_document(logs) == SEEDED


def test_two_ensures_with_different_prefixes_the_later_stale_one_is_caught(
    logs: FakeLogs,
) -> None:
    # GIVEN an ensure for /aws/vendedlogs/pipes/ that read before ours and writes right after
    logs.seed(SEEDED)
    other = fake_policy_service(logs)

    def other_ensure_with_a_stale_read(_: dict[str, Any]) -> None:
        # its merge of the document it read before our write, written now
        merged = policy.ensure(SEEDED, SCOPE, Options(prefixes=("/aws/vendedlogs/pipes/",)))
        logs.seed(merged.text)

    logs.hooks.after("PutResourcePolicy", once(other_ensure_with_a_stale_read))
    # WHEN ours ensures /aws/vendedlogs/states/
    result = fake_policy_service(logs).ensure(NAME, SCOPE, Options())
    # THEN ours merged again, so both wildcards are granted
    assert result.rounds == 2
    document = stored_document(logs)
    assert {STATES, PIPES} <= set(delivery_resources(document))
    assert_nothing_lost(document)
    assert other.ensure(NAME, SCOPE, Options(prefixes=("/aws/vendedlogs/pipes/",))).writes == 0
