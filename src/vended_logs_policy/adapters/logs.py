"""CloudWatch Logs: the account's resource policies of one region (paged reads, one write)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from vended_logs_policy.adapters.retry import Caller, Retry, pages

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

type PolicyScope = Literal["ACCOUNT", "RESOURCE"]
PAGE_SIZE = 50


@dataclass(frozen=True)
class StoredPolicy:
    """One account-level resource policy as the service holds it."""

    name: str
    text: str


class ResourcePolicies:
    """Account-level CloudWatch Logs resource policies of one region.

    Pages are read one call at a time through the retry budget, so a throttled page is retried
    alone (a paginator would restart the listing).
    """

    def __init__(self, client: CloudWatchLogsClient, retry: Retry | None = None) -> None:
        self._client = client
        self._call = Caller("logs", "CloudWatch Logs", retry)

    @property
    def retry(self) -> Retry:
        """The retry budget every call of this adapter draws on."""
        return self._call.retry

    @property
    def rounds(self) -> int:
        """How many read-merge-write rounds the retry budget allows a caller."""
        return self._call.retry.attempts

    def pause(self, rounds: int) -> bool:
        """Back off after ``rounds`` rounds before another; False when the budget is spent."""
        return self._call.retry.pause(rounds - 1)

    def describe(self, scope: PolicyScope = "ACCOUNT") -> list[dict[str, Any]]:
        """Every policy of the scope (``ACCOUNT`` or ``RESOURCE``), paging through the results."""
        read = partial(self._client.describe_resource_policies, limit=PAGE_SIZE, policyScope=scope)
        return [
            dict(p)
            for page in pages(self._call, "DescribeResourcePolicies", read, "nextToken")
            for p in page.get("resourcePolicies", [])
        ]

    def account_policies(self) -> list[StoredPolicy]:
        """Account-level policies (those without a per-log-group scope), in service order."""
        return [
            StoredPolicy(str(p.get("policyName", "")), str(p.get("policyDocument", "")))
            for p in self.describe()
            if p.get("policyScope", "ACCOUNT") == "ACCOUNT"
        ]

    def put(self, name: str, text: str) -> None:
        """Write one account-level policy (quota and size refusals raise the package's errors)."""
        self._call(
            "PutResourcePolicy",
            lambda: self._client.put_resource_policy(policyName=name, policyDocument=text),
        )
