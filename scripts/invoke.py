"""``make invoke EVENT=events/create.json``: one request through the real handler, locally.

The event, a JSON object, picks the handler: a custom resource request (``RequestType``), a hook
request (``actionInvocationPoint``) or anything else (the watch's schedule). CloudWatch Logs is
moto in server mode on 127.0.0.1 behind the strict layer, seeded with the field report's policy
and another team's Route 53 grant; a custom resource's answer goes over TLS to a local endpoint.
It prints the answer CloudFormation would receive and the policy after. No AWS account is needed
and nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from local_aws.function_env import CUSTOM_RESOURCE, GUARD, WATCH, function_environment
from local_aws.lambda_context import FakeLambdaContext
from local_aws.logs_server import LogsServer
from local_aws.policies import NAME, seeded_document
from local_aws.product import product_clients, seed, stored_text
from local_aws.response_endpoint import ResponseEndpoint
from vended_logs_policy.function.runtime import Runtime


def as_deployed(function: str) -> None:
    """The function's environment as template.yaml sets it (POWERTOOLS_*), where the caller's
    own environment does not set a variable; before its module is imported (Powertools reads it
    then)."""
    for name, value in function_environment(function).items():
        os.environ.setdefault(name, value)


def _custom_resource(server: LogsServer, event: dict[str, Any]) -> Any:
    as_deployed(CUSTOM_RESOURCE)
    from vended_logs_policy.function.custom_resource import CustomResourceHandler

    with ResponseEndpoint() as endpoint:
        os.environ["SSL_CERT_FILE"] = endpoint.ca_path
        event["ResponseURL"] = endpoint.url_for(str(event.get("RequestId", "request")))
        CustomResourceHandler(Runtime(clients=product_clients(server)))(event, FakeLambdaContext())
        endpoint.wait_for(1, timeout=10)
        return endpoint.responses[-1].body


def _hook(server: LogsServer, event: dict[str, Any]) -> Any:
    as_deployed(GUARD)
    from vended_logs_policy.function.account_guard import AccountGuardHandler

    return AccountGuardHandler(Runtime(clients=product_clients(server)))(event, FakeLambdaContext())


def _watch(server: LogsServer, event: dict[str, Any]) -> Any:
    as_deployed(WATCH)
    from vended_logs_policy.function.watch import WatchHandler

    return WatchHandler(Runtime(clients=product_clients(server)))(event, FakeLambdaContext())


def touched_name(event: dict[str, Any]) -> str:
    """The policy the request names (a custom resource's PolicyName), else the default one."""
    properties = event.get("ResourceProperties")
    name = properties.get("PolicyName") if isinstance(properties, dict) else None
    return name if isinstance(name, str) and name else NAME


def run(path: Path) -> int:
    """Send the event; print the answer and the policy after.

    Exit 1 when the file cannot be read, is not JSON or does not hold an object.
    """
    try:
        event = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"invoke: error: cannot read {path}: {exc}", file=sys.stderr)
        return 1
    if not isinstance(event, dict):
        kind = type(event).__name__
        print(f"invoke: error: {path} holds a JSON {kind}, not an event object", file=sys.stderr)
        return 1
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    with LogsServer() as server:
        seed(server, seeded_document())
        if "RequestType" in event:
            kind, answer = "custom resource", _custom_resource(server, event)
        elif "actionInvocationPoint" in event:
            kind, answer = "account guard", _hook(server, event)
        else:
            kind, answer = "watch", _watch(server, event)
        name = touched_name(event)
        after = stored_text(server, name)
    print(f"{kind} answered:\n{json.dumps(answer, indent=2)}")
    if after is None:
        print(f"\npolicy {name} after: none stored")
    else:
        print(f"\npolicy {name} after ({len(after)} characters):\n{after}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse ``EVENT`` and run it."""
    parser = argparse.ArgumentParser(prog="make invoke", description=__doc__)
    parser.add_argument("event", type=Path, help="a file in events/")
    return run(parser.parse_args(argv).event)


if __name__ == "__main__":
    sys.exit(main())
