"""The guard's answer stays within the hook's limits whatever the state machine holds, and a
destination outside the guard's account, region or partition gets a remedy that can work."""

from __future__ import annotations

import json
from typing import Any

from local_aws.events import load_event
from local_aws.lambda_context import FakeLambdaContext
from local_aws.logs_server import LogsServer
from local_aws.policies import ACCOUNT, ARN, REGION
from local_aws.product import product_clients
from vended_logs_policy.function.account_guard import AccountGuardHandler
from vended_logs_policy.function.hook_protocol import MAX_ANNOTATIONS, MAX_MESSAGE
from vended_logs_policy.function.runtime import Runtime


def guard(server: LogsServer) -> AccountGuardHandler:
    return AccountGuardHandler(Runtime(clients=product_clients(server), sleep=lambda _: None), {})


def logging_to(*arns: str) -> dict[str, Any]:
    event = load_event("hook-create")
    properties = event["requestData"]["targetModel"]["resourceProperties"]
    properties["LoggingConfiguration"] = {
        "Level": "ALL",
        "Destinations": [{"CloudWatchLogsLogGroup": {"LogGroupArn": arn}} for arn in arns],
    }
    return event


def test_ten_thousand_destinations_give_a_capped_answer(
    logs: LogsServer, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a state machine with 10,000 uncovered destinations (4.56 MB of answer before)
    arns = [f"{ARN}:/custom/team-{n:05d}/orders:*" for n in range(10_000)]
    # WHEN the guard answers
    answer = guard(logs)(logging_to(*arns), lambda_context)
    # THEN the message and the annotations are capped, the rest counted
    assert answer["hookStatus"] == "SUCCESS"
    assert len(answer["message"]) <= MAX_MESSAGE
    assert answer["message"].endswith(" more")
    assert "; ... and " in answer["message"]
    annotations = answer["annotations"]
    assert len(annotations) == MAX_ANNOTATIONS
    assert annotations[-1]["statusMessage"] == (
        f"... and {10_000 - MAX_ANNOTATIONS + 1} more destinations "
        f"({10_000 - MAX_ANNOTATIONS + 1} not covered)"
    )
    assert len(json.dumps(answer)) < 100_000


def test_a_destination_in_another_account_or_region_gets_a_remedy_that_can_work(
    logs: LogsServer, lambda_context: FakeLambdaContext
) -> None:
    other_account = f"arn:aws:logs:{REGION}:210987654321:log-group:/aws/vendedlogs/states/x:*"
    other_region = f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/vendedlogs/states/y:*"
    other_partition = f"arn:aws-cn:logs:cn-north-1:{ACCOUNT}:log-group:/aws/vendedlogs/z:*"
    answer = guard(logs)(logging_to(other_account, other_region, other_partition), lambda_context)
    remedies = [a["remediationMessage"] for a in answer["annotations"]]
    assert remedies == [
        f"Ensure the policy there: vended-logs-policy apply --region {REGION} with credentials "
        "of account 210987654321 (or --accounts 210987654321), or deploy the bootstrap stack in "
        "that account and region.",
        f"Ensure the policy there: vended-logs-policy apply --region eu-west-1 with credentials "
        f"of account {ACCOUNT} (or --accounts {ACCOUNT}), or deploy the bootstrap stack in that "
        "account and region.",
        "Use a log group in partition aws: Step Functions delivers logs only within its own "
        "partition.",
    ]
    assert "LogGroupPrefixes" not in answer["message"]
    assert f"this account's policy ({ACCOUNT}, {REGION}) cannot cover it" in answer["message"]
