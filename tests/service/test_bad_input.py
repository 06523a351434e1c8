"""Bad input, property-based, on the in-memory fake: malformed events through the real handler
and malformed stored policies through the policy service.

Events: the product's handler, runtime, service and Logs adapter over ``FakeLogs``, its answers
recorded as the bytes the real sender would PUT (``local_aws.fake_logs.fake_custom_resource``);
every request with a usable ResponseURL gets exactly one answer, short and without a traceback, in
a body CloudFormation accepts (at most 4096 bytes); a request without one gets none; invalid input
writes nothing. Stored policies: a document the engine cannot edit without losing meaning is left
byte for byte as it was, with a clear, short reason.

Examples are derandomized, so the counts in docs/reliability.md hold (and a run tries the same
cases as another that loaded the same modules: Hypothesis also draws the project's constants).
The same, for a handful of explicit cases, end to end through moto and the HTTPS answer endpoint:
``tests/integration/test_bad_input.py``. Moved from there: the wire is not the point here.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings

from local_aws.bad_input import (
    MALFORMED_DOCUMENTS,
    PUT,
    Case,
    Sent,
    changed,
    check_answer,
    check_refusal,
    events,
    expected_status,
)
from local_aws.fake_logs import FakeLogs, fake_custom_resource, fake_policy_service, fake_retry
from local_aws.lambda_context import FakeLambdaContext
from local_aws.policies import NAME, SCOPE
from tests.support import BOOTSTRAP_ENV, examples
from vended_logs_policy.engine.policy import Options
from vended_logs_policy.errors import PolicyError

# An example costs a few milliseconds here, most of it Hypothesis' own (as many as the profile
# asks: 400 with ci); over the wire each cost 15 to 60 ms, and 300 and 200 of them ran.
EVENT_EXAMPLES = examples(1.0).max_examples
DOCUMENT_EXAMPLES = examples(1.0).max_examples
PROPERTIES = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# ---- events through the handler ------------------------------------------------------------


class WarmFunction:
    """The real custom resource handler over the fake, its answers recorded, and its context:
    one for all of a test's examples, as one warm Lambda function sees request after request."""

    def __init__(self) -> None:
        self.fake = FakeLogs()
        self.handler, self.sender = fake_custom_resource(self.fake, BOOTSTRAP_ENV)
        self.context = FakeLambdaContext(clock=self.fake.clock)

    def __repr__(self) -> str:
        """Short, for Hypothesis' report of a failing example (the answers can be long)."""
        answers, calls = len(self.sender.answers), len(self.fake.calls)
        return f"WarmFunction(<{answers} answers, {calls} calls so far>)"

    def handle_and_check(self, case: Case) -> None:
        """Send the case's request through the handler, then check its answers and calls
        (``local_aws.bad_input.check_answer``)."""
        event = copy.deepcopy(case[0])
        answered, called = len(self.sender.answers), len(self.fake.calls)
        self.handler(event, self.context)
        assert self.handler.bridge.wait_for_timer(5.0), "the timeout timer is still armed"
        sent = [Sent(url, raw) for url, raw in zip(self.sender.urls, self.sender.raw, strict=True)]
        check_answer((event, case[1], case[2]), sent[answered:], self.fake.calls[called:])


@pytest.fixture
def function() -> WarmFunction:
    """One warm function for all of a test's examples."""
    return WarmFunction()


@settings(PROPERTIES, max_examples=EVENT_EXAMPLES)
@given(case=events())
# Ids CloudFormation never sends, which the answer echoes, on every run whatever is generated: a
# StackId of 100,000 characters was once echoed whole, and the endpoint refused the answer.
@example(case=(changed("create", StackId="x" * 100_000), "valid", "valid"))
@example(case=(changed("update", RequestId="\U0001f600" * 3_000), "valid", "valid"))
@example(case=(changed("delete", PhysicalResourceId="é" * 5_000), "valid", "valid"))
def test_every_answerable_request_gets_one_short_answer_and_bad_input_writes_nothing(
    function: WarmFunction, case: Case
) -> None:
    # GIVEN a garbled request (a usable ResponseURL is the sample event's own https URL)
    # WHEN the handler gets it
    # THEN one short answer that fits, with the status the protocol asks for, or none without a
    # usable ResponseURL; bad input writes nothing
    function.handle_and_check(case)


def test_a_delete_without_a_physical_id_and_a_stack_id_without_a_slash_succeeds(
    function: WarmFunction,
) -> None:
    # GIVEN a Delete without PhysicalResourceId and a StackId that is no stack ARN (the property
    # above draws such requests now and then: about 1 in 800)
    event = changed("delete", PhysicalResourceId=None, StackId="\x80")
    # WHEN the handler gets it THEN SUCCESS, as for any Delete (it was FAILED 'list index out of
    # range': crhelper made an id from the StackId's second '/' part)
    function.handle_and_check((event, "valid", "valid"))


def test_the_event_strategy_reaches_every_branch() -> None:
    # GIVEN the strategy above WHEN sampled THEN it produces each kind of case the test needs
    needed = {
        ("valid", "SUCCESS"),
        ("valid", "FAILED"),
        ("valid", "None"),
        ("missing", "none"),
        *(("props", kind) for kind in ("valid", "missing", "not-an-object", "invalid-property")),
    }
    seen: set[tuple[str, str]] = set()

    class EveryBranchSeen(Exception):
        """Stops the sampling early: the rest would show nothing more."""

    # A fixed bound whatever the profile, enough to reach every branch (300 no longer did); no
    # shrinking, so the stop above ends the run at once
    @settings(
        max_examples=1000,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
    )
    @given(case=events())
    def sample(case: Case) -> None:
        event, url_kind, props_kind = case
        status = expected_status(event, props_kind) if isinstance(event, dict) else "none"
        seen.add((url_kind, str(status)))
        seen.add(("props", props_kind))
        if needed <= seen:
            raise EveryBranchSeen

    with pytest.raises(EveryBranchSeen):
        sample()
    assert needed <= seen


# ---- malformed stored policy documents through the service ---------------------------------


@settings(PROPERTIES, max_examples=DOCUMENT_EXAMPLES)
@given(text=MALFORMED_DOCUMENTS)
def test_a_malformed_stored_policy_is_left_unchanged_with_a_clear_reason(text: str) -> None:
    # GIVEN a stored policy the engine cannot edit without guessing its meaning, in a region
    # that stores any text up to 51200 characters, as moto does (the fake's other rules hold)
    fake = FakeLogs()
    fake.rules.require_json = False
    fake.rules.document_limit = 51200
    assert len(text) <= fake.rules.document_limit
    fake.seed(text)
    policies = fake_policy_service(fake, fake_retry(fake, attempts=1))
    # WHEN the service ensures the wildcard
    with pytest.raises(PolicyError) as raised:
        policies.ensure(NAME, SCOPE, Options())
    # THEN a clear, short reason, no write, and the policy byte for byte as it was
    check_refusal(raised.value)
    assert fake.calls_of(PUT) == 0
    assert fake.stored() == text
