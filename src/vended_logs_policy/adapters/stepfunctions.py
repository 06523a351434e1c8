"""Step Functions adapter for ``audit --state-machines``: which state machines log where."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient


@dataclass(frozen=True)
class LoggingStateMachine:
    """A state machine with a CloudWatch Logs destination."""

    name: str
    arn: str
    log_group_arn: str


def logging_state_machines(client: SFNClient) -> Iterator[LoggingStateMachine]:
    """Every state machine of the region whose logging level is not OFF, per destination."""
    for page in client.get_paginator("list_state_machines").paginate():
        for item in page["stateMachines"]:
            described = client.describe_state_machine(stateMachineArn=item["stateMachineArn"])
            config = described.get("loggingConfiguration") or {}
            if config.get("level", "OFF") == "OFF":
                continue
            for destination in config.get("destinations", []):
                group = destination.get("cloudWatchLogsLogGroup", {}).get("logGroupArn")
                if group:
                    yield LoggingStateMachine(item["name"], item["stateMachineArn"], group)
