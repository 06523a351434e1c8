"""The product's own parts wired to the local endpoint, and the policy as the service holds it.

``seed`` and ``stored_*`` go out of band (another writer: not recorded, no faults or hooks, but
the service's rules, paging included, still apply); ``policy_service`` and ``custom_resource`` are
the product's service and Lambda handler on the product's client settings, so their calls are
recorded and can be faulted. ``answer_of`` sends one request through a handler and returns the one
answer the response endpoint accepted for it.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from local_aws.logs_server import LogsServer, logs_client
from local_aws.policies import NAME, REGION
from vended_logs_policy.adapters.clients import Clients
from vended_logs_policy.adapters.logs import ResourcePolicies
from vended_logs_policy.adapters.retry import Retry
from vended_logs_policy.service import PolicyService

if TYPE_CHECKING:
    from local_aws.lambda_context import FakeLambdaContext
    from local_aws.response_endpoint import ResponseEndpoint
    from vended_logs_policy.function.custom_resource import CustomResourceHandler

# Seconds to wait for a request's timeout timer to be done after the handler returned.
TIMER_WAIT = 5.0


def seed(
    server: LogsServer, policy: str | dict[str, Any], name: str = NAME, region: str = REGION
) -> None:
    """Store a policy (text, or a document rendered compactly) as another writer would."""
    text = policy if isinstance(policy, str) else json.dumps(policy, separators=(",", ":"))
    logs_client(server, region, out_of_band=True).put_resource_policy(
        policyName=name, policyDocument=text
    )


def stored_policies(server: LogsServer, region: str = REGION) -> dict[str, str]:
    """Every account-level policy's text by name, in the service's order, read out of band
    (through every page when the service pages)."""
    client = logs_client(server, region, out_of_band=True)
    return {
        p["policyName"]: p["policyDocument"]
        for page in client.get_paginator("describe_resource_policies").paginate()
        for p in page["resourcePolicies"]
    }


def stored_text(server: LogsServer, name: str = NAME, region: str = REGION) -> str | None:
    """The named policy's text as the service holds it, None when there is none."""
    return stored_policies(server, region).get(name)


def stored_document(server: LogsServer, name: str = NAME, region: str = REGION) -> Any:
    """The named policy's document, parsed (None when there is none)."""
    text = stored_text(server, name, region)
    return None if text is None else json.loads(text)


def stored_statements(server: LogsServer, name: str = NAME, region: str = REGION) -> list[Any]:
    """The named policy's statements as a list (it must exist)."""
    text = stored_text(server, name, region)
    assert text is not None, f"policy {name} exists"
    raw = json.loads(text)["Statement"]
    return [raw] if isinstance(raw, dict) else list(raw)


def product_clients(server: LogsServer) -> Clients:
    """The product's client factory (its timeouts and retry settings) pointed at the server."""
    return Clients(endpoint_url=server.url)


def policy_service(
    server: LogsServer,
    retry: Retry | None = None,
    region: str = REGION,
    *,
    clients: Clients | None = None,
) -> PolicyService:
    """The product's policy service for one region of the local endpoint.

    Pass ``clients`` to count calls on its cached client (``CallCounter.attach``).
    """
    client = (clients or product_clients(server)).client("logs", region)
    return PolicyService(ResourcePolicies(client, retry))


def custom_resource(
    server: LogsServer,
    *,
    sleep: Callable[[float], None] | None = None,
    answer_sleep: Callable[[float], None] | None = None,
    clients: Clients | None = None,
    environ: Mapping[str, str] | None = None,
) -> CustomResourceHandler:
    """The custom resource's Lambda handler on the product's clients for the server.

    ``sleep`` takes the retry pauses and ``answer_sleep`` the answer sender's (for instance a
    list's ``append``, to record them); None sleeps for real. ``environ`` is the bootstrap
    stack's allow-list (``VLP_ALLOWED_...``); None: its defaults, not the process environment.
    """
    from vended_logs_policy.function.answer import deliver
    from vended_logs_policy.function.custom_resource import CustomResourceHandler
    from vended_logs_policy.function.runtime import Runtime

    runtime = Runtime(clients=clients or product_clients(server), sleep=sleep or time.sleep)
    return CustomResourceHandler(
        runtime,
        sender=functools.partial(deliver, sleep=answer_sleep),
        environ={} if environ is None else environ,
    )


def answer_of(
    handler: CustomResourceHandler,
    event: dict[str, Any],
    endpoint: ResponseEndpoint,
    context: FakeLambdaContext,
) -> dict[str, Any]:
    """Send one request (its ResponseURL pointed at the endpoint) through the handler.

    Returns the body of the one answer the endpoint accepted for it, once the request's timeout
    timer is done, so that no late second answer can follow.
    """
    event["ResponseURL"] = endpoint.url_for(str(event["RequestId"]))
    accepted = len(endpoint.responses)
    handler(event, context)
    assert handler.bridge.wait_for_timer(TIMER_WAIT), "the timeout timer is still armed"
    arrived = endpoint.responses[accepted:]
    assert len(arrived) == 1, f"one answer per request: {[r.outcome for r in endpoint.received]}"
    body = arrived[0].body
    assert body is not None, "the answer is a JSON object"
    return body
