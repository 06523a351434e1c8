"""Fixtures of the adapter tests: real botocore clients, built by the product's ``Clients`` with
dummy credentials and a fixed region, each wrapped in an active ``Stubber``.

A Stubber answers before anything is signed or sent, checks each request against the
``expected_params`` queued with its answer (exactly: a parameter sent but not expected fails),
and validates requests and answers against the service model. Every queued answer must be used.
Botocore's own stub errors are BotoCoreErrors, which the adapters would retry and report as an
unreachable endpoint: ``StrictStubber`` raises a plain ``AssertionError`` instead, which they
let through, so a request of the wrong shape fails the test with the Stubber's own words.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import StubResponseError
from botocore.stub import Stubber

from vended_logs_policy.adapters.clients import Clients
from vended_logs_policy.adapters.retry import Retry

REGION = "us-west-2"


class StubMismatch(AssertionError):
    """A request that was not the one queued (its parameters, or no answer queued for it)."""


class StrictStubber(Stubber):
    """A Stubber whose mismatches are assertion failures the adapters do not catch or retry."""

    def _assert_expected_params(self, *args: Any, **kwargs: Any) -> None:
        try:
            super()._assert_expected_params(*args, **kwargs)  # type: ignore[misc]
        except StubResponseError as exc:
            raise StubMismatch(str(exc)) from None

    def _get_response_handler(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super()._get_response_handler(*args, **kwargs)  # type: ignore[misc]
        except StubResponseError as exc:
            raise StubMismatch(str(exc)) from None


class Stubs:
    """Stubbed clients of one test; ``verify`` fails when a queued answer was not asked for."""

    def __init__(self) -> None:
        session = boto3.session.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            aws_session_token="testing",
            region_name=REGION,
        )
        self._clients = Clients(session)
        self._stubbers: list[StrictStubber] = []

    def __call__(self, service: str) -> tuple[Any, StrictStubber]:
        """A real client of ``service`` (bounded timeouts, one attempt) and its active Stubber."""
        client = self._clients.client(service)
        stubber = StrictStubber(client)
        stubber.activate()
        self._stubbers.append(stubber)
        return client, stubber

    def verify(self) -> None:
        """Every queued answer was consumed; the stubbers are deactivated."""
        for stubber in self._stubbers:
            stubber.deactivate()
        for stubber in self._stubbers:
            stubber.assert_no_pending_responses()


@pytest.fixture
def stubs() -> Iterator[Stubs]:
    """A factory of stubbed clients; after the test, every queued answer must have been used."""
    made = Stubs()
    yield made
    made.verify()


@pytest.fixture
def slept() -> list[float]:
    """The pauses the retry budget asked for, in order (nothing really sleeps)."""
    return []


@pytest.fixture
def retry(slept: list[float]) -> Retry:
    """A budget of 3 attempts whose jitter is always the full delay (0.2 s, then 0.4 s), and
    whose sleep only records the pause."""
    return Retry(attempts=3, sleep=slept.append, rng=lambda: 1.0)
