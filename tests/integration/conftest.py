"""The custom resource's handler with injected parts: the product's clients for the local
endpoint, and its pauses (retry backoff, answer resends) recorded instead of slept."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from local_aws.logs_server import LogsServer
from local_aws.product import custom_resource, product_clients
from tests.support import BOOTSTRAP_ENV
from vended_logs_policy.adapters.clients import Clients

if TYPE_CHECKING:  # the functions' code needs Python 3.13; the CLI's tests also run on 3.10
    from vended_logs_policy.function.custom_resource import CustomResourceHandler


@pytest.fixture
def backoffs() -> list[float]:
    """The handler's retry delays, recorded instead of slept."""
    return []


@pytest.fixture
def answer_sleeps() -> list[float]:
    """The answer sender's pauses between failed sends, recorded instead of slept."""
    return []


@pytest.fixture
def clients(logs: LogsServer) -> Clients:
    """The handler's client factory: attach a CallCounter to ``clients.client("logs", region)``
    before the first request to count its calls (clients are cached per service and region)."""
    return product_clients(logs)


@pytest.fixture
def bootstrap_env() -> dict[str, str]:
    """The allow-list the ``handler`` fixture's bootstrap stack sets (tests may widen it)."""
    return dict(BOOTSTRAP_ENV)


@pytest.fixture
def handler(
    logs: LogsServer,
    clients: Clients,
    backoffs: list[float],
    answer_sleeps: list[float],
    bootstrap_env: dict[str, str],
) -> CustomResourceHandler:
    """The real handler, wired to the local endpoint, its pauses recorded."""
    return custom_resource(
        logs,
        sleep=backoffs.append,
        answer_sleep=answer_sleeps.append,
        clients=clients,
        environ=bootstrap_env,
    )
