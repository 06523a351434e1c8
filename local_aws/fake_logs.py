"""An in-memory CloudWatch Logs client for the service, adapter and handler tests: no server, no
wire, no thread, no real time.

``FakeLogs`` answers the calls the Logs adapter makes (``describe_resource_policies``,
``put_resource_policy``, ``delete_resource_policy``) with the rules of the service that the product
depends on, the same ones the strict layer adds to moto (``local_aws.logs_server``):

- the account-level document limit (``rules.document_limit``, 5120 characters) and JSON documents
  only: ``InvalidParameterException``;
- the quota of account-level policies per region (``rules.max_policies``, 10):
  ``LimitExceededException`` for a new name past it;
- paging of ``DescribeResourcePolicies`` (``limit`` 1-50, ``nextToken``, ``rules.max_page_size``
  for a service that answers fewer than asked); an unknown token is ``InvalidParameterException``;
- per-log-group policies (``policyScope`` ``RESOURCE``) listed apart and never counted in the quota.

Errors are botocore ``ClientError``s shaped as botocore parses them, so the adapter's translation
and retries run as they do against AWS. Faults (``faults.fail``, ``faults.delay``) apply to the next
N calls of an operation; a delay advances ``clock`` (a ``ManualClock``) instead of waiting. Hooks
(``hooks.after``) run after a successful call, to force an interleaving. ``calls`` and
``recorded`` log every call the product made; ``seed`` and ``stored`` go out of band.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from botocore.exceptions import ClientError

from local_aws.lambda_context import ManualClock
from local_aws.policies import NAME
from vended_logs_policy.adapters.clients import Clients

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

    from vended_logs_policy.adapters.retry import Retry
    from vended_logs_policy.function.custom_resource import CustomResourceHandler
    from vended_logs_policy.service import PolicyService

DESCRIBE = "DescribeResourcePolicies"
PUT = "PutResourcePolicy"
DELETE = "DeleteResourcePolicy"
OPERATIONS = frozenset({DESCRIBE, PUT, DELETE})
DESCRIBE_LIMIT_RANGE = (1, 50)
Hook: TypeAlias = Callable[[dict[str, Any]], None]


@dataclass
class FakeRules:
    """The service's rules the fake keeps; mutate per test."""

    document_limit: int = 5120
    max_policies: int = 10
    require_json: bool = True
    max_page_size: int | None = None


@dataclass(frozen=True)
class FakeCall:
    """One call the product made: its operation, parameters and HTTP status."""

    operation: str
    request: dict[str, Any]
    status: int = 200


@dataclass
class _Fault:
    operation: str
    remaining: int
    code: str = ""
    message: str = ""
    status: int = 400
    seconds: float = 0.0


def client_error(operation: str, code: str, message: str, status: int = 400) -> ClientError:
    """The ClientError botocore raises for an error answer."""
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, operation)


@dataclass
class FakeFaults:
    """Faults for the next N calls of an operation, in the order added."""

    clock: ManualClock
    _faults: list[_Fault] = field(default_factory=list)

    def fail(
        self,
        operation: str,
        *,
        code: str = "ThrottlingException",
        status: int = 400,
        times: int = 1,
        message: str | None = None,
        seconds: float = 0.0,
    ) -> None:
        """Answer the next ``times`` calls of ``operation`` with this error, each after
        ``seconds`` on the clock."""
        error = message or f"Injected {code}."
        self._add(_Fault(operation, times, code, error, status, seconds))

    def delay(self, operation: str, *, seconds: float, times: int = 1) -> None:
        """The next ``times`` calls of ``operation`` take ``seconds`` on the clock, then answer."""
        self._add(_Fault(operation, times, seconds=seconds))

    def pending(self) -> int:
        """How many faulty calls are still to come."""
        return sum(f.remaining for f in self._faults)

    def _add(self, fault: _Fault) -> None:
        if fault.operation not in OPERATIONS:
            raise ValueError(f"{fault.operation!r} is not an operation the fake answers")
        if fault.remaining < 1:
            raise ValueError("times must be >= 1")
        self._faults.append(fault)

    def apply(self, operation: str) -> None:
        """Apply the next fault of ``operation``, if any (raising its error)."""
        fault = next((f for f in self._faults if f.operation == operation), None)
        if fault is None:
            return
        fault.remaining -= 1
        if fault.remaining == 0:
            self._faults.remove(fault)
        if fault.seconds:
            self.clock.sleep(fault.seconds)
        if fault.code:
            raise client_error(operation, fault.code, fault.message, fault.status)


@dataclass
class FakeHooks:
    """Callbacks run after a successful call of an operation, before it answers."""

    _hooks: list[tuple[str, Hook]] = field(default_factory=list)

    def after(self, operation: str, fn: Hook) -> None:
        """Call ``fn(request)`` after every successful ``operation`` call."""
        self._hooks.append((operation, fn))

    def run(self, operation: str, request: dict[str, Any]) -> None:
        """Run the hooks of ``operation`` (a hook's error propagates to the test)."""
        for op, fn in list(self._hooks):
            if op == operation:
                fn(request)


class FakeLogs:
    """CloudWatch Logs resource policies of one account and region, in memory."""

    def __init__(self, clock: ManualClock | None = None) -> None:
        self.clock = clock or ManualClock()
        self.rules = FakeRules()
        self.faults = FakeFaults(self.clock)
        self.hooks = FakeHooks()
        self.policies: dict[str, str] = {}  # account-level, in creation order
        self.resource_scoped: list[dict[str, Any]] = []
        self._log: list[FakeCall] = []

    # ---- what a test reads and arranges (out of band: not recorded, no faults) ----------------

    @property
    def calls(self) -> list[str]:
        """The operations the product called, in order."""
        return [c.operation for c in self._log]

    def calls_of(self, operation: str) -> int:
        """How many calls of ``operation`` the product made."""
        return self.calls.count(operation)

    def recorded(self, operation: str | None = None) -> list[FakeCall]:
        """The product's calls (of ``operation``), with parameters and statuses."""
        return [c for c in self._log if operation is None or c.operation == operation]

    def seed(self, policy: str | dict[str, Any], name: str = NAME) -> None:
        """Store a policy (text, or a document rendered compactly) as another writer would."""
        text = policy if isinstance(policy, str) else json.dumps(policy, separators=(",", ":"))
        self.policies[name] = text

    def stored(self, name: str = NAME) -> str | None:
        """The named policy's text, None when there is none."""
        return self.policies.get(name)

    def client(self) -> CloudWatchLogsClient:
        """This fake typed as the boto3 client the adapter takes."""
        return cast("CloudWatchLogsClient", self)

    # ---- the client's operations -------------------------------------------------------------

    def describe_resource_policies(self, **request: Any) -> dict[str, Any]:
        """One page of policies of a scope."""
        return self._call(DESCRIBE, request, self._describe)

    def put_resource_policy(self, **request: Any) -> dict[str, Any]:
        """Create or replace an account-level policy."""
        return self._call(PUT, request, self._put)

    def delete_resource_policy(self, **request: Any) -> dict[str, Any]:
        """Delete an account-level policy."""
        return self._call(DELETE, request, self._delete)

    def _call(
        self,
        operation: str,
        request: dict[str, Any],
        answer: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> dict[str, Any]:
        try:
            self.faults.apply(operation)
            result = answer(request)
        except ClientError as exc:
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400))
            self._log.append(FakeCall(operation, dict(request), status))
            raise
        self._log.append(FakeCall(operation, dict(request)))
        self.hooks.run(operation, dict(request))
        return result

    def _describe(self, request: dict[str, Any]) -> dict[str, Any]:
        limit = request.get("limit")
        low, high = DESCRIBE_LIMIT_RANGE
        if limit is not None and not low <= limit <= high:
            raise client_error(DESCRIBE, "ValidationException", f"limit must be {low}..{high}")
        if request.get("policyScope", "ACCOUNT") == "RESOURCE":
            policies = [dict(p) for p in self.resource_scoped]
        else:
            policies = [
                {"policyName": name, "policyDocument": text, "policyScope": "ACCOUNT"}
                for name, text in self.policies.items()
            ]
        offset = _offset(request.get("nextToken"), len(policies))
        size = min(len(policies) - offset, limit or high, self.rules.max_page_size or high)
        result: dict[str, Any] = {"resourcePolicies": policies[offset : offset + size]}
        if offset + size < len(policies):
            result["nextToken"] = f"token-{offset + size}"
        return result

    def _put(self, request: dict[str, Any]) -> dict[str, Any]:
        name, text = str(request["policyName"]), str(request["policyDocument"])
        if len(text) > self.rules.document_limit:
            raise client_error(
                PUT,
                "InvalidParameterException",
                "Policy document length breaking Cloudwatch Logs Constraints, "
                f"either < 1 or > {self.rules.document_limit}",
            )
        if self.rules.require_json and not _is_json_object(text):
            raise client_error(
                PUT, "InvalidParameterException", "Could not convert to persistable policy."
            )
        if name not in self.policies and len(self.policies) >= self.rules.max_policies:
            raise client_error(PUT, "LimitExceededException", "Resource limit exceeded.")
        self.policies[name] = text
        return {"resourcePolicy": {"policyName": name, "policyDocument": text}}

    def _delete(self, request: dict[str, Any]) -> dict[str, Any]:
        name = str(request["policyName"])
        if name not in self.policies:
            raise client_error(DELETE, "ResourceNotFoundException", "Policy does not exist.")
        del self.policies[name]
        return {}


def _offset(token: object, total: int) -> int:
    if token is None:
        return 0
    text = str(token)
    if not text.startswith("token-") or not text[6:].isdigit() or int(text[6:]) > total:
        raise client_error(
            DESCRIBE, "InvalidParameterException", "The specified nextToken is invalid."
        )
    return int(text[6:])


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def fake_retry(fake: FakeLogs, **budget: Any) -> Retry:
    """The product's retry budget on the fake's clock: pauses advance it, nothing sleeps."""
    from vended_logs_policy.adapters.retry import Retry

    return Retry(sleep=fake.clock.sleep, **budget)


def fake_policy_service(fake: FakeLogs, retry: Retry | None = None) -> PolicyService:
    """The product's policy service and Logs adapter over the fake (pauses on its clock)."""
    from vended_logs_policy.adapters.logs import ResourcePolicies
    from vended_logs_policy.service import PolicyService

    return PolicyService(ResourcePolicies(fake.client(), retry or fake_retry(fake)))


class FakeClients(Clients):
    """The product's client factory handing out the fake for ``logs`` in any region (the
    regions asked for are recorded); any other service is a test's mistake."""

    def __init__(self, fake: FakeLogs) -> None:
        super().__init__()
        self.fake = fake
        self.regions: list[str | None] = []

    def client(self, service: str, region: str | None = None) -> Any:
        """The fake, for ``logs``."""
        if service != "logs":
            raise ValueError(f"the fake answers CloudWatch Logs only, not {service}")
        self.regions.append(region)
        return self.fake


@dataclass
class RecordingSender:
    """An answer sender that keeps each answer instead of sending it over HTTPS: its body, the
    URL it was for, and the bytes ``function.answer.deliver`` would PUT (``json.dumps``)."""

    answers: list[dict[str, Any]] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)

    def __call__(self, url: str, body: Mapping[str, Any], time_left: Callable[[], float]) -> bool:
        self.answers.append(dict(body))
        self.urls.append(url)
        self.raw.append(json.dumps(body).encode())
        return True


def fake_custom_resource(
    fake: FakeLogs, environ: Mapping[str, str] | None = None
) -> tuple[CustomResourceHandler, RecordingSender]:
    """The product's custom resource handler over the fake: its pauses advance the fake's clock
    and its answers are recorded (no endpoint, no TLS). ``environ`` is the bootstrap stack's
    allow-list (``VLP_ALLOWED_...``); None: its defaults, not the process environment."""
    from vended_logs_policy.function.custom_resource import CustomResourceHandler
    from vended_logs_policy.function.runtime import Runtime

    sender = RecordingSender()
    runtime = Runtime(clients=FakeClients(fake), sleep=fake.clock.sleep)
    handler = CustomResourceHandler(
        runtime, sender=sender, environ={} if environ is None else environ
    )
    return handler, sender
