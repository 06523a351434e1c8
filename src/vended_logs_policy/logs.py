"""CloudWatch Logs adapter: the only place that talks to the service.

Reads page through ``DescribeResourcePolicies``; a change is read, merged by the pure engine,
written, then read back to verify. Account-level policies have no revision ids, so a concurrent
writer can still replace the document between our read and our write: the verify read catches a
write that undid ours (we merge again and retry with jitter); it cannot see a grant that another
writer added and our write overwrote in that window of one round trip.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from vended_logs_policy.engine import policy
from vended_logs_policy.engine.policy import Options, Outcome, Scope
from vended_logs_policy.errors import PolicyError

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

ACCOUNT_POLICY_QUOTA = 10
# CloudFormation shows Reason to the user; crhelper cuts a longer one from the front, losing
# what failed, so every reason is made to fit from its start.
MAX_REASON = 256
type PolicyScope = Literal["ACCOUNT", "RESOURCE"]
# Retried by our own loop; botocore's standard mode would also retry LimitExceededException
# (a quota, not throttling) and would not retry OperationAbortedException (a lost race).
RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "OperationAbortedException",
        "ServiceUnavailableException",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalServerError",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)


class LogsError(Exception):
    """A CloudWatch Logs call failed; ``reason`` is short and says what to do."""

    def __init__(self, reason: str, code: str = "") -> None:
        reason = _fit(reason)
        super().__init__(reason)
        self.reason = reason
        self.code = code


def _fit(text: str, limit: int = MAX_REASON) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def client_config(connect_timeout: float = 3.0, read_timeout: float = 10.0) -> Config:
    """Bounded timeouts, and retries left to this module, which knows which codes are safe."""
    return Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": 1},
    )


def make_client(
    region: str | None = None,
    *,
    endpoint_url: str | None = None,
    profile: str | None = None,
    config: Config | None = None,
    session: boto3.session.Session | None = None,
) -> CloudWatchLogsClient:
    """Build a logs client; ``endpoint_url`` None means boto3's own (``AWS_ENDPOINT_URL`` too).

    Pass ``session`` to reuse its loaded service models (a new session parses them again).
    """
    session = session or boto3.session.Session(profile_name=profile, region_name=region)
    return session.client(
        "logs", region_name=region, endpoint_url=endpoint_url, config=config or client_config()
    )


@dataclass(frozen=True)
class StoredPolicy:
    """One account-level resource policy as the service holds it."""

    name: str
    text: str


@dataclass(frozen=True)
class EnsureResult:
    """What an ensure did: the engine's outcome for the final round and the calls it made."""

    name: str
    outcome: Outcome
    writes: int
    reads: int
    rounds: int
    existed: bool


@dataclass
class Retry:
    """Retry budget: attempts, full-jitter backoff, and the caller's deadline in seconds."""

    attempts: int = 6
    base_delay: float = 0.2
    max_delay: float = 3.0
    time_left: Callable[[], float] = field(default=lambda: float("inf"))
    call_seconds: float = 0.0  # the longest one call may take (connect + read timeout)
    sleep: Callable[[float], None] = time.sleep
    rng: Callable[[], float] = random.random

    def backoff(self, attempt: int) -> float | None:
        """Seconds to wait before the next attempt, or None when the budget is spent."""
        if attempt + 1 >= self.attempts:
            return None
        delay = self.rng() * min(self.max_delay, self.base_delay * 2.0**attempt)
        if delay + self.call_seconds >= self.time_left():
            return None
        return delay

    def can_call(self) -> bool:
        """Whether one more call fits before the deadline."""
        return self.call_seconds < self.time_left()


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", ""))[:120]


class ResourcePolicies:
    """Account-level CloudWatch Logs resource policies of one region."""

    def __init__(self, client: CloudWatchLogsClient, retry: Retry | None = None) -> None:
        self._client = client
        self._retry = retry or Retry()

    def _call[T](
        self,
        operation: str,
        call: Callable[[], T],
        explain: Callable[[ClientError], str] | None = None,
    ) -> T:
        attempt = 0
        while True:
            if not self._retry.can_call():
                raise LogsError(
                    f"no time left to call CloudWatch Logs {operation} before the deadline",
                    "DeadlineExceeded",
                )
            try:
                return call()
            except ClientError as exc:
                code = _code(exc)
                status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
                if code not in RETRYABLE_CODES and status < 500:
                    reason = explain(exc) if explain else _call_reason(operation, exc)
                    raise LogsError(reason, code) from exc
                delay = self._retry.backoff(attempt)
                if delay is None:
                    raise LogsError(
                        f"CloudWatch Logs {operation} kept failing with {code or status} "
                        f"after {attempt + 1} attempts; try again later",
                        code,
                    ) from exc
            except BotoCoreError as exc:  # connection refused, read timeout, ...
                delay = self._retry.backoff(attempt)
                if delay is None:
                    raise LogsError(
                        f"CloudWatch Logs {operation} unreachable after {attempt + 1} attempts: "
                        f"{type(exc).__name__}",
                        type(exc).__name__,
                    ) from exc
            self._retry.sleep(delay)
            attempt += 1

    def describe(self, scope: PolicyScope = "ACCOUNT") -> list[dict[str, Any]]:
        """Every policy of the scope (``ACCOUNT`` or ``RESOURCE``), paging through the results."""
        found: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = self._call("DescribeResourcePolicies", self._page_reader(scope, token))
            found.extend(dict(p) for p in page.get("resourcePolicies", []))
            token = page.get("nextToken")
            if not token:
                return found

    def _page_reader(self, scope: PolicyScope, token: str | None) -> Callable[[], Any]:
        def read() -> Any:
            if token:
                return self._client.describe_resource_policies(
                    limit=50, policyScope=scope, nextToken=token
                )
            return self._client.describe_resource_policies(limit=50, policyScope=scope)

        return read

    def account_policies(self) -> list[StoredPolicy]:
        """Account-level policies (those without a per-log-group scope), in service order."""
        return [
            StoredPolicy(str(p.get("policyName", "")), str(p.get("policyDocument", "")))
            for p in self.describe()
            if p.get("policyScope", "ACCOUNT") == "ACCOUNT"
        ]

    def put(
        self, name: str, text: str, explain: Callable[[ClientError], str] | None = None
    ) -> None:
        """Write one account-level policy."""
        self._call(
            "PutResourcePolicy",
            lambda: self._client.put_resource_policy(policyName=name, policyDocument=text),
            explain,
        )

    def plan(self, name: str, scope: Scope, options: Options) -> tuple[Outcome, bool]:
        """What ensure would write (one read, no write), and whether the policy exists."""
        current = _named(self.account_policies(), name)
        return _merge(name, current, scope, options), current is not None

    def ensure(self, name: str, scope: Scope, options: Options) -> EnsureResult:
        """Make the named policy hold the wildcard: read, merge, write, verify; retry on a race."""
        reads = writes = rounds = 0
        stored = self.account_policies()
        reads += 1
        existed = any(p.name == name for p in stored)
        while True:
            rounds += 1
            current = _named(stored, name)
            outcome = _merge(name, current, scope, options)
            if not outcome.changed:
                return EnsureResult(name, outcome, writes, reads, rounds, existed)
            self._write(name, outcome, stored, current is None)
            writes += 1
            stored = self.account_policies()
            reads += 1
            after = _named(stored, name)
            if after is not None and not _merge(name, after, scope, options).changed:
                return EnsureResult(name, outcome, writes, reads, rounds, existed)
            # Another writer replaced the document after our write: merge its version again.
            delay = self._retry.backoff(rounds - 1)
            if delay is None:
                raise LogsError(
                    f"policy {name} kept changing under us (another writer?) after {rounds} "
                    "writes; run again",
                    "ConcurrentModification",
                )
            self._retry.sleep(delay)

    def _write(self, name: str, outcome: Outcome, stored: list[StoredPolicy], new: bool) -> None:
        self.put(name, outcome.text, lambda exc: _put_reason(name, exc, outcome, stored, new))


def _named(stored: list[StoredPolicy], name: str) -> StoredPolicy | None:
    return next((p for p in stored if p.name == name), None)


def _merge(name: str, current: StoredPolicy | None, scope: Scope, options: Options) -> Outcome:
    try:
        document = None if current is None else policy.parse_document(current.text)
        return policy.ensure(document, scope, options)
    except PolicyError as exc:
        raise LogsError(f"policy {name} left unchanged: {exc}", "InvalidPolicyDocument") from exc


def _call_reason(operation: str, exc: ClientError) -> str:
    code = _code(exc)
    if code == "AccessDeniedException":
        return f"not allowed to call logs:{operation}: grant it to the caller's role"
    return f"CloudWatch Logs {operation} failed: {code}: {_message(exc)}"


def _names(names: list[str], budget: int) -> str:
    """Whole names, comma-separated, as many as fit in `budget` characters, then "and N more"."""
    for shown in range(len(names), 0, -1):
        hidden = len(names) - shown
        text = ", ".join(names[:shown]) + (f" and {hidden} more" if hidden else "")
        if len(text) <= budget:
            return text
    return f"{len(names)} others"


def _put_reason(
    name: str, exc: ClientError, outcome: Outcome, stored: list[StoredPolicy], new: bool
) -> str:
    """A reason a person can act on, for a rejected PutResourcePolicy."""
    code = _code(exc)
    if code == "LimitExceededException" and new:
        head = (
            f"cannot create policy {name}: the region already has {len(stored)} resource "
            f"policies (quota {ACCOUNT_POLICY_QUOTA}): "
        )
        tail = "; reuse one as PolicyName or delete one"
        return head + _names([p.name for p in stored], MAX_REASON - len(head) - len(tail)) + tail
    if code == "InvalidParameterException" and not outcome.within_limit:
        return (
            f"policy {name} would be {outcome.length} characters (limit {outcome.limit}) with "
            f"{len(outcome.uncovered_resources)} resources outside the wildcard; add a broader "
            "prefix such as /aws/vendedlogs/"
        )
    if code == "AccessDeniedException":
        return f"not allowed to write policy {name}: grant logs:PutResourcePolicy to the caller"
    return f"CloudWatch Logs rejected policy {name}: {code}: {_message(exc)}"
