"""Step Functions, for ``audit --state-machines``: which state machines log to which log groups.

Every call goes through the retry budget, so throttling is retried and a denial becomes the
package's ``AccessDeniedError`` naming ``states:<Operation>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from vended_logs_policy.adapters.retry import Caller, Retry, pages
from vended_logs_policy.errors import RejectedError

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

PAGE_SIZE = 100
GONE = "StateMachineDoesNotExist"


@dataclass(frozen=True)
class LoggingStateMachine:
    """A state machine with a CloudWatch Logs destination."""

    name: str
    arn: str
    log_group_arn: str


class StateMachines:
    """The state machines of one region, listed a page at a time."""

    def __init__(
        self, client: SFNClient, retry: Retry | None = None, page_size: int = PAGE_SIZE
    ) -> None:
        self._client = client
        self._call = Caller("states", "Step Functions", retry)
        self._page_size = page_size

    def listed(self) -> Iterator[dict[str, Any]]:
        """Every state machine's list entry (name, ARN), paging through ``ListStateMachines``."""
        read = partial(self._client.list_state_machines, maxResults=self._page_size)
        for page in pages(self._call, "ListStateMachines", read, "nextToken"):
            yield from (dict(item) for item in page.get("stateMachines", []))

    def logging(self) -> Iterator[LoggingStateMachine]:
        """Every state machine whose logging level is not OFF, once per log group destination."""
        for item in self.listed():
            config = self._logging_configuration(str(item["stateMachineArn"]))
            if config is None or config.get("level", "OFF") == "OFF":
                continue
            for destination in config.get("destinations", []):
                group = destination.get("cloudWatchLogsLogGroup", {}).get("logGroupArn")
                if group:
                    yield LoggingStateMachine(
                        str(item["name"]), str(item["stateMachineArn"]), str(group)
                    )

    def _logging_configuration(self, arn: str) -> dict[str, Any] | None:
        """The state machine's logging configuration; None when it was deleted meanwhile."""
        try:
            described = self._call(
                "DescribeStateMachine",
                lambda: self._client.describe_state_machine(stateMachineArn=arn),
            )
        except RejectedError as exc:
            if exc.code == GONE:
                return None
            raise
        return dict(described.get("loggingConfiguration") or {})


def logging_state_machines(
    client: SFNClient, retry: Retry | None = None
) -> Iterator[LoggingStateMachine]:
    """Every state machine of the region whose logging level is not OFF, per destination."""
    return StateMachines(client, retry).logging()
