"""CloudWatch Logs: the resource policies of one region, account-level and per-log-group.

Paged reads; writes of one policy at a time. Per-log-group policies (2026) carry a revision id:
their writes and deletes name the revision they expect, and a conditional refusal (another
revision, or no policy) is returned to the caller, never retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from botocore.exceptions import ClientError

from vended_logs_policy.adapters.retry import Caller, Retry, error_code, pages

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

PolicyScope: TypeAlias = Literal["ACCOUNT", "RESOURCE"]
PAGE_SIZE = 50
# The refusals of a conditional write or delete: another revision, or no policy.
CONDITIONAL_CODES = frozenset({"OperationAbortedException", "ResourceNotFoundException"})


@dataclass(frozen=True)
class StoredPolicy:
    """One account-level resource policy as the service holds it."""

    name: str
    text: str


@dataclass(frozen=True)
class LogGroupPolicy:
    """One per-log-group resource policy: its log group ARN and current revision."""

    name: str
    text: str
    resource_arn: str
    revision_id: str | None


def _log_group_policy(p: dict[str, Any]) -> LogGroupPolicy:
    revision = p.get("revisionId")
    return LogGroupPolicy(
        str(p.get("policyName", "")),
        str(p.get("policyDocument", "")),
        str(p["resourceArn"]),
        None if revision is None else str(revision),
    )


def _conditional(call: Any, **params: Any) -> Any:
    """Make the call; a conditional refusal comes back as its code instead of an error."""
    try:
        return call(**params)
    except ClientError as exc:
        if error_code(exc) in CONDITIONAL_CODES:
            return error_code(exc)
        raise


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

    def describe(
        self, scope: PolicyScope = "ACCOUNT", resource_arn: str | None = None
    ) -> list[dict[str, Any]]:
        """Every policy of the scope (``ACCOUNT`` or ``RESOURCE``), paging through the results;
        with ``resource_arn``, that log group's."""
        more = {} if resource_arn is None else {"resourceArn": resource_arn}
        read = partial(
            self._client.describe_resource_policies, limit=PAGE_SIZE, policyScope=scope, **more
        )
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

    def log_group_policies(self, resource_arn: str | None = None) -> list[LogGroupPolicy]:
        """Per-log-group policies (one log group's with ``resource_arn``): only those the answer
        says are ``RESOURCE``-scoped, so an endpoint ignoring the scope is not miscounted."""
        return [
            _log_group_policy(p)
            for p in self.describe("RESOURCE", resource_arn)
            if p.get("policyScope") == "RESOURCE" and p.get("resourceArn")
        ]

    def put_log_group_policy(self, policy: LogGroupPolicy, expected: str | None) -> str | None:
        """Write a per-log-group policy expecting revision ``expected`` (None: no policy yet).

        Returns the refusal's code when another revision (or none) is there, else None.
        """
        more = {} if expected is None else {"expectedRevisionId": expected}
        answer = self._call(
            "PutResourcePolicy",
            lambda: _conditional(
                self._client.put_resource_policy,
                policyName=policy.name,
                policyDocument=policy.text,
                resourceArn=policy.resource_arn,
                **more,
            ),
        )
        return answer if isinstance(answer, str) else None

    def delete_log_group_policy(self, policy: LogGroupPolicy) -> str | None:
        """Delete a per-log-group policy at the revision read; the refusal's code, else None."""
        answer = self._call(
            "DeleteResourcePolicy",
            lambda: _conditional(
                self._client.delete_resource_policy,
                policyName=policy.name,
                resourceArn=policy.resource_arn,
                expectedRevisionId=policy.revision_id or "",
            ),
        )
        return answer if isinstance(answer, str) else None

    def delete(self, name: str) -> None:
        """Delete one account-level policy (``apply --absorb`` after folding it in)."""
        self._call(
            "DeleteResourcePolicy", lambda: self._client.delete_resource_policy(policyName=name)
        )

    def put(self, name: str, text: str) -> None:
        """Write one account-level policy (quota and size refusals raise the package's errors)."""
        self._call(
            "PutResourcePolicy",
            lambda: self._client.put_resource_policy(policyName=name, policyDocument=text),
        )
