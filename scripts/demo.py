"""``make demo``: the field report's failure and its fix, against an embedded local AWS endpoint.

moto runs in server mode in this process, on 127.0.0.1, behind the test support's strict layer
(which adds CloudWatch Logs' 5120-character document limit that moto lacks). No AWS account is
needed and nothing leaves the machine.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from local_aws.events import load_event
from local_aws.lambda_context import FakeLambdaContext
from local_aws.logs_server import LogsServer, logs_client
from local_aws.policies import ACCOUNT, NAME, REGION, delivery_statement, document
from local_aws.policies import route53_statement as _route53
from local_aws.product import stored_document
from local_aws.response_endpoint import ResponseEndpoint
from vended_logs_policy.engine.glob import matches
from vended_logs_policy.engine.policy import compact_json
from vended_logs_policy.symptoms import NOT_AUTHORIZED, SIZE_EXCEEDED

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

CLI = str(Path(sys.executable).parent / "vended-logs-policy")
ROUTE53 = _route53(sid="Route53QueryLogsToCloudWatchLogs")


def arn(log_group: str) -> str:
    """The per-log-group ARN Step Functions appends."""
    return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{log_group}:log-stream:*"


def grown_policy(limit: int = 5120) -> dict[str, Any]:
    """The report's policy, grown one state machine at a time until the next one cannot fit."""
    names = ["HelloWorld", "InputOutputStateMachine-GrBZXWGHTyuW", "InputOutput"]
    grown = document(
        delivery_statement([arn(f"/aws/vendedlogs/states/{n}-Logs") for n in names]), ROUTE53
    )
    resources = grown["Statement"][0]["Resource"]
    number = 1
    while True:
        resources.append(arn(f"/aws/vendedlogs/states/OrderPipeline{number:03d}-StateMachine-Logs"))
        if len(compact_json(grown)) > limit:
            resources.pop()
            return grown
        number += 1


def seed_grown(server: LogsServer) -> dict[str, Any]:
    """Store the grown policy; return it."""
    grown = grown_policy()
    logs_client(server, REGION).put_resource_policy(
        policyName=NAME, policyDocument=compact_json(grown)
    )
    return grown


def check_after(server: LogsServer, failures: list[str], who: str) -> tuple[int, bool]:
    """The stored policy's length, and whether the Route 53 grant survived (a failure if not)."""
    after = stored_document(server)
    kept = ROUTE53 in after["Statement"]
    if not kept:
        failures.append(f"{who} lost the Route 53 grant")
    return len(compact_json(after)), kept


def step_functions_append(server: LogsServer, log_group: str) -> str:
    """What Step Functions does for a new state machine: append its ARN unless already covered."""
    client = logs_client(server, REGION)
    current = stored_document(server)
    delivery = [
        s
        for s in current["Statement"]
        if s.get("Principal") == {"Service": "delivery.logs.amazonaws.com"}
    ]
    target = arn(log_group)
    for statement in delivery:
        resources = statement["Resource"]
        if any(
            matches(r, target) for r in ([resources] if isinstance(resources, str) else resources)
        ):
            return "already covered by the wildcard: nothing appended, state machine created"
    delivery[0]["Resource"].append(target)
    try:
        client.put_resource_policy(policyName=NAME, policyDocument=compact_json(current))
    except ClientError as exc:
        return (
            f"the append does not fit (CloudWatch Logs: {exc.response['Error']['Code']}), so "
            f"Step Functions answers:\n     InvalidLoggingConfiguration: {SIZE_EXCEEDED}\n"
            f"     (or, from older paths, AccessDeniedException: {NOT_AUTHORIZED})"
        )
    return "appended"


def covers_new_machine(server: LogsServer, failures: list[str], label: str, who: str) -> None:
    """Create the new state machine again; after the fix the wildcard must cover it."""
    outcome = step_functions_append(server, "/aws/vendedlogs/states/NewStateMachine-Logs")
    print(f"{label}: {outcome}")
    if "already covered" not in outcome:
        failures.append(f"after {who} the wildcard should cover new state machines")


def cli(server: LogsServer, *args: str) -> int:
    """Run the real console script against the local endpoint and show what it prints."""
    env = dict(os.environ)
    env |= {
        "AWS_ACCESS_KEY_ID": "demo",
        "AWS_SECRET_ACCESS_KEY": "demo",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    command = [CLI, *args, "--region", REGION, "--endpoint-url", server.url]
    print(f"\n$ vended-logs-policy {' '.join(args)} --region {REGION} --endpoint-url {server.url}")
    # apply's backups go to a scratch folder: the demo leaves nothing in the checkout.
    with tempfile.TemporaryDirectory(prefix="vlp-demo-") as scratch:
        result = subprocess.run(
            command, capture_output=True, text=True, env=env, check=False, cwd=scratch
        )
    sys.stdout.write(result.stdout + result.stderr)
    print(f"(exit {result.returncode})")
    return result.returncode


def custom_resource_lifecycle(server: LogsServer) -> list[str]:
    """events/ through the real Lambda handler, answering over TLS to a local endpoint."""
    os.environ["AWS_REGION"] = REGION
    os.environ["AWS_ENDPOINT_URL"] = server.url
    server.reset()
    seed = seed_grown(server)
    failures: list[str] = []
    print("\n4. the custom resource, as CloudFormation drives it (events/ through lambda_handler)")
    print(f"   policy before: {len(compact_json(seed))} characters")
    with ResponseEndpoint() as endpoint:
        os.environ["SSL_CERT_FILE"] = endpoint.ca_path
        from vended_logs_policy.function.custom_resource import lambda_handler, logger

        # The function's JSON logs go to a buffer; the demo shows what CloudFormation received.
        captured = io.StringIO()
        handler = logger.registered_handler
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(captured)

        steps = [
            ("create", "SUCCESS"),
            ("update", "SUCCESS"),
            ("create-bad-properties", "FAILED"),
            ("delete-after-failed-create", "SUCCESS"),
            ("delete", "SUCCESS"),
        ]
        for name, wanted in steps:
            event = load_event(name)
            event["ResponseURL"] = endpoint.url_for(event["RequestId"])
            puts = server.calls_of("PutResourcePolicy")
            lambda_handler(event, cast("LambdaContext", FakeLambdaContext()))
            endpoint.wait_for(1, timeout=10)
            body = endpoint.responses[-1].body or {}
            wrote = server.calls_of("PutResourcePolicy") - puts
            shown = {k: body.get(k) for k in ("Status", "PhysicalResourceId", "Reason", "Data")}
            print(f"   {event['RequestType']} ({name}.json), writes: {wrote}")
            print(f"     -> {json.dumps(shown)}")
            if body.get("Status") != wanted:
                failures.append(f"{name}: expected {wanted}, got {body.get('Status')}")
            endpoint.clear()
        lines = captured.getvalue().splitlines()
        leaked = endpoint.signature in captured.getvalue()
        print(f"   the function logged {len(lines)} JSON lines; presigned URL in them: {leaked}")
        if leaked:
            failures.append("the presigned ResponseURL reached the logs")
    length, kept = check_after(server, failures, "the custom resource")
    print(f"   policy after: {length} characters; Route 53 grant kept: {kept}")
    return failures


def account_guard(server: LogsServer) -> list[str]:
    """A state machine create through the account guard (the Lambda Hook's real handler)."""
    from local_aws.product import product_clients
    from vended_logs_policy.function.account_guard import AccountGuardHandler
    from vended_logs_policy.function.runtime import Runtime

    server.reset()
    seed = seed_grown(server)
    failures: list[str] = []
    print("\n5. the account guard: CloudFormation's Lambda Hook before a state machine is created")
    length = len(compact_json(seed))
    print(f"   policy before: {length} characters (no Custom::VendedLogsPolicy anywhere)")
    guard = AccountGuardHandler(Runtime(clients=product_clients(server)), {})
    for name in ("hook-create", "hook-outside-prefix"):
        answer = guard(load_event(name), cast("LambdaContext", FakeLambdaContext()))
        shown = {k: answer.get(k) for k in ("hookStatus", "errorCode", "message")}
        print(f"   {name}.json -> {json.dumps({k: v for k, v in shown.items() if v})}")
        if answer.get("hookStatus") != "SUCCESS":
            failures.append(f"the guard answered {answer.get('hookStatus')} to {name}")
    length, kept = check_after(server, failures, "the account guard")
    print(f"   policy after: {length} characters; Route 53 grant kept: {kept}")
    covers_new_machine(server, failures, "   the new state machine", "the guard")
    return failures


def per_log_group_policies(server: LogsServer) -> list[str]:
    """2026: new deliveries get a policy on the log group unless the account-level wildcard
    covers it; tidy removes the ones the wildcard makes redundant."""
    server.reset()
    seed_grown(server)
    failures: list[str] = []
    print("\n6. since 2026: per-log-group policies (new deliveries, no wildcard yet)")
    base = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:"
    groups = [
        f"{base}/aws/vendedlogs/states/Orders-Logs",
        f"{base}/aws/vendedlogs/states/Billing-Logs",
        f"{base}aws-waf-logs-shop",
    ]
    for group in groups:
        created = server.deliver_to(group)
        print(f"   delivery to {group}: " + ("a policy on the log group" if created else "none"))
    cli(server, "audit")
    if cli(server, "tidy") != 0:
        failures.append("tidy should exit 0")
    left = logs_client(server, out_of_band=True).describe_resource_policies(policyScope="RESOURCE")[
        "resourcePolicies"
    ]
    print(f"   per-log-group policies left: {[p['resourceArn'] for p in left]}")
    if [p["resourceArn"] for p in left] != groups[2:]:
        failures.append("tidy should remove the two under the wildcard and keep the WAF one")
    again = server.deliver_to(f"{base}/aws/vendedlogs/states/Shipping-Logs")
    print(f"   a new delivery under the wildcard: {'a policy' if again else 'no policy needed'}")
    if again is not None:
        failures.append("a delivery under the wildcard should get no per-log-group policy")
    return failures


def main() -> int:
    """Walk the story; exit non-zero if any step does not behave as the README says."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "demo")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "demo")
    failures: list[str] = []
    with LogsServer() as server:
        print(f"local CloudWatch Logs endpoint (moto, strict layer): {server.url}")
        seeded = seed_grown(server)
        before = len(compact_json(seeded))
        count = len(seeded["Statement"][0]["Resource"])
        print(
            f"\n1. the report's policy, grown: {count} state machine ARNs, "
            f"{before}/5120 characters,"
        )
        print("   plus a Route 53 query logging grant from another team")
        outcome = step_functions_append(server, "/aws/vendedlogs/states/NewStateMachine-Logs")
        print(f"   a new state machine with logging: {outcome}")
        if "does not fit" not in outcome:
            failures.append("the grown policy should refuse one more ARN")

        print("\n2. the operator CLI")
        if cli(server, "plan") != 2:
            failures.append("plan before apply should exit 2")
        if cli(server, "apply") != 0:
            failures.append("apply should exit 0")
        if cli(server, "plan") != 0:
            failures.append("plan after apply should exit 0")

        length, kept = check_after(server, failures, "apply")
        print(f"\n3. after: {before} -> {length} characters; Route 53 grant kept: {kept}")
        covers_new_machine(server, failures, "   the same new state machine now", "apply")

        failures.extend(custom_resource_lifecycle(server))
        failures.extend(account_guard(server))
        failures.extend(per_log_group_policies(server))

    if failures:
        print("\nDEMO FAILED: " + "; ".join(failures))
        return 1
    print("\ndemo finished: every step behaved as described")
    return 0


if __name__ == "__main__":
    sys.exit(main())
