"""The product's own parts wired to the local endpoint, and the policy as the service holds it.

``seed`` and ``stored_text`` go out of band (another writer: not recorded, no faults or hooks);
``policy_service`` is the product's service on the product's client settings, so its calls are
recorded and can be faulted.
"""

from __future__ import annotations

import json
from typing import Any

from local_aws.logs_server import LogsServer, logs_client
from local_aws.policies import NAME, REGION
from vended_logs_policy.adapters.clients import Clients
from vended_logs_policy.adapters.logs import ResourcePolicies
from vended_logs_policy.adapters.retry import Retry
from vended_logs_policy.service import PolicyService


def seed(
    server: LogsServer, policy: str | dict[str, Any], name: str = NAME, region: str = REGION
) -> None:
    """Store a policy (text, or a document rendered compactly) as another writer would."""
    text = policy if isinstance(policy, str) else json.dumps(policy, separators=(",", ":"))
    logs_client(server, region, out_of_band=True).put_resource_policy(
        policyName=name, policyDocument=text
    )


def stored_policies(server: LogsServer, region: str = REGION) -> dict[str, str]:
    """Every account-level policy's text by name, read out of band."""
    client = logs_client(server, region, out_of_band=True)
    listed = client.describe_resource_policies()["resourcePolicies"]
    return {p["policyName"]: p["policyDocument"] for p in listed}


def stored_text(server: LogsServer, name: str = NAME, region: str = REGION) -> str | None:
    """The named policy's text as the service holds it, None when there is none."""
    return stored_policies(server, region).get(name)


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
    server: LogsServer, retry: Retry | None = None, region: str = REGION
) -> PolicyService:
    """The product's policy service for one region of the local endpoint."""
    client = product_clients(server).client("logs", region)
    return PolicyService(ResourcePolicies(client, retry))
