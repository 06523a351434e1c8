"""moto's CloudWatch Logs in server mode, behind a strict layer that adds the rules moto lacks.

moto 5.2 in server mode is a real HTTP endpoint that botocore serialises to, but its
``PutResourcePolicy`` and ``DescribeResourcePolicies`` are laxer than the service. The strict layer
is a WSGI middleware in front of moto that adds these rules, from the service's documentation:

- Document length (``rules.document_limit``, default 5120): a ``policyDocument`` longer than the
  limit, in characters, is refused with ``InvalidParameterException`` "Policy document length
  breaking Cloudwatch Logs Constraints, either < 1 or > 5120", the wording of CloudWatch Logs'
  rejection as services relay it (API Gateway, Route 53 Resolver). The classic limit is 5120;
  newer API references and botocore's model say 51200, and botocore does not check the maximum, so
  only the service refuses. moto accepts any length.
- JSON (``rules.require_json``): a document that is not a JSON object is refused with
  ``InvalidParameterException`` "Could not convert to persistable policy.", the service's message
  for a document it cannot store. moto stores any string.
- Policy count (``rules.max_policies``, default 10, at most 10): creating one name more is refused
  with ``LimitExceededException`` "Resource limit exceeded.", AWS's account-level quota of 10
  resource policies per region. moto enforces 10 itself with the same code and message
  (``moto.logs.models.MAX_RESOURCE_POLICIES_PER_REGION``); the strict layer is the one place the
  rule is decided, so it can be lowered, and moto's own check is never reached.
- Pagination: ``DescribeResourcePolicies`` honours ``limit`` (1-50, otherwise
  ``InvalidParameterException`` with AWS's validation wording) and ``nextToken`` (unknown token:
  ``InvalidParameterException``); ``rules.max_page_size`` makes the service return fewer than asked,
  as paginated AWS APIs may. moto ignores both and returns everything.

- Scope: ``DescribeResourcePolicies`` honours ``policyScope`` (``ACCOUNT``, the default, or
  ``RESOURCE``; anything else is ``InvalidParameterException``). Account-level policies come from
  moto and carry ``policyScope: ACCOUNT``; per-log-group policies (2026: new log deliveries may get
  one) are kept by this layer, since moto has none: ``resourceArn`` on Put, Describe and Delete,
  a new ``revisionId`` on every write, ``expectedRevisionId`` checked, one policy per log group,
  their 51,200 limit, and ``server.deliver_to(arn)`` for the policy the service creates with a
  delivery (see ``local_aws.log_group_policies`` for what is modelled and from which source).
  ``server.resource_scoped`` is their list (a test may append raw entries).

Not modelled: account-level policies have no revision ids (moto returns none, as AWS), and
``OperationAbortedException`` from concurrent writers to account-level policies: inject that with
``faults`` and model another writer with ``hooks`` and an out-of-band client.

Errors use the JSON 1.1 protocol: HTTP 400 (or the fault's status), ``Content-Type:
application/x-amz-json-1.1`` and the body ``{"__type": "<Code>", "message": "..."}``; botocore takes
``Error.Code`` from ``__type`` (after any ``#``) and ``Error.Message`` from ``message``.

Every CloudWatch Logs and query-protocol (STS) request that reaches the server is recorded in
``calls``, including those answered by a fault or refused by a rule, except requests from an
out-of-band client (``logs_client(server, out_of_band=True)``), which skip recording, faults and
hooks but not the rules: they stand for another writer in the same account.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import logging
import threading
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final, cast
from urllib.parse import parse_qs

import boto3
import botocore.session
from botocore.config import Config

from local_aws.log_group_policies import (
    DELIVERY_POLICY_NAME,
    LogGroupPolicies,
    PolicyRefused,
    covered_by_account,
    delivery_document,
)
from local_aws.loopback import LoopbackServer

if TYPE_CHECKING:
    from typing import Self  # Python 3.11+: imported for annotations only (make py310)

    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_sts import STSClient

__all__ = [
    "OUT_OF_BAND_HEADER",
    "Faults",
    "Hooks",
    "LogsServer",
    "RecordedCall",
    "ServiceRules",
    "logs_client",
    "sts_client",
]

TARGET_PREFIX: Final = "Logs_20140328."
OUT_OF_BAND_HEADER: Final = "X-Strict-Layer-Out-Of-Band"
_OUT_OF_BAND_ENVIRON: Final = "HTTP_X_STRICT_LAYER_OUT_OF_BAND"
_JSON_CONTENT_TYPE: Final = "application/x-amz-json-1.1"
MOTO_MAX_POLICIES: Final = 10
DESCRIBE_LIMIT_RANGE: Final = (1, 50)

StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Hook = Callable[[dict[str, Any]], None]


def _logs_operations() -> frozenset[str]:
    model = botocore.session.get_session().get_service_model("logs")
    return frozenset(model.operation_names)


LOGS_OPERATIONS: Final = _logs_operations()


def _check_operation(operation: str) -> None:
    if operation not in LOGS_OPERATIONS:
        raise ValueError(f"{operation!r} is not a CloudWatch Logs operation")


@dataclass
class ServiceRules:
    """The CloudWatch Logs rules the strict layer enforces; mutate per test, reset() restores."""

    document_limit: int = 5120
    max_policies: int = MOTO_MAX_POLICIES
    require_json: bool = True
    max_page_size: int | None = None

    def __setattr__(self, name: str, value: object) -> None:
        if name == "max_policies" and not (
            isinstance(value, int) and 1 <= value <= MOTO_MAX_POLICIES
        ):
            # moto refuses an 11th policy by itself, so a higher quota cannot be modelled.
            raise ValueError(f"max_policies must be 1..{MOTO_MAX_POLICIES}, not {value!r}")
        if (
            name == "max_page_size"
            and value is not None
            and not (isinstance(value, int) and value >= 1)
        ):
            raise ValueError(f"max_page_size must be None or >= 1, not {value!r}")
        if name == "document_limit" and not (isinstance(value, int) and value >= 1):
            raise ValueError(f"document_limit must be >= 1, not {value!r}")
        super().__setattr__(name, value)

    def restore_defaults(self) -> None:
        """Put every rule back to its default."""
        for f in fields(self):
            setattr(self, f.name, f.default)


class ServiceError(Exception):
    """An error answer in the JSON 1.1 protocol."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


@dataclass
class _Fault:
    operation: str
    remaining: int
    error: ServiceError | None = None
    delay: float = 0.0


class Faults:
    """Fault injection: each fault applies to the next N matching calls, in the order added."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._release = threading.Event()

    def fail(
        self,
        operation: str,
        *,
        code: str = "ThrottlingException",
        status: int = 400,
        times: int = 1,
        message: str | None = None,
    ) -> None:
        """Answer the next `times` calls of `operation` with this error, without reaching moto."""
        error = ServiceError(code, message or f"Injected {code}.", status)
        self._add(_Fault(operation, times, error=error))

    def delay(self, operation: str, *, seconds: float, times: int = 1) -> None:
        """Hold the next `times` calls of `operation` for `seconds`, then answer them normally."""
        self._add(_Fault(operation, times, delay=seconds))

    def hang(self, operation: str, *, times: int = 1, seconds: float = 300.0) -> None:
        """Hold the next `times` calls until release(), reset() or stop() (or `seconds` pass)."""
        self.delay(operation, seconds=seconds, times=times)

    def release(self) -> None:
        """Wake every held call now: each is answered 503 ServiceUnavailableException, unwritten."""
        with self._lock:
            self._release.set()
            self._release = threading.Event()

    def clear(self) -> None:
        """Forget pending faults and release held calls."""
        with self._lock:
            self._faults.clear()
        self.release()

    def pending(self) -> int:
        """How many faulty calls are still to come."""
        with self._lock:
            return sum(f.remaining for f in self._faults)

    def _add(self, fault: _Fault) -> None:
        _check_operation(fault.operation)
        if fault.remaining < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._faults.append(fault)

    def _take(self, operation: str) -> tuple[_Fault | None, threading.Event]:
        with self._lock:
            for fault in self._faults:
                if fault.operation == operation and fault.remaining > 0:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault, self._release
            return None, self._release

    def _apply(self, operation: str) -> None:
        """Apply the next fault for `operation`, if any; raise ServiceError to answer with it."""
        fault, release = self._take(operation)
        if fault is None:
            return
        if fault.delay > 0 and release.wait(fault.delay):
            raise ServiceError(
                "ServiceUnavailableException", "Held call released by the test server.", 503
            )
        if fault.error is not None:
            raise fault.error


class Hooks:
    """Callbacks run after a successful matching call, before its answer is sent."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hooks: list[tuple[str, Hook]] = []
        self.errors: list[BaseException] = []

    def after(self, operation: str, fn: Hook) -> None:
        """Call fn(request_json) after every successful `operation` call."""
        _check_operation(operation)
        with self._lock:
            self._hooks.append((operation, fn))

    def clear(self) -> None:
        """Remove every hook and forget hook errors."""
        with self._lock:
            self._hooks.clear()
            self.errors.clear()

    def _run(self, operation: str, request: dict[str, Any]) -> None:
        with self._lock:
            matching = [fn for op, fn in self._hooks if op == operation]
        for fn in matching:
            try:
                fn(request)
            except Exception as exc:  # kept for the test to see (LogsServer's fixture asserts)
                with self._lock:
                    self.errors.append(exc)


@dataclass(frozen=True)
class RecordedCall:
    """One API call that reached the server."""

    operation: str
    request: dict[str, Any]
    status: int = 0


@dataclass
class _CallLog:
    # Reentrant: a condition waited for may read the log (``snapshot``) while the lock is held.
    changed: threading.Condition = field(
        default_factory=lambda: threading.Condition(threading.RLock())
    )
    entries: list[RecordedCall] = field(default_factory=list)

    def add(self, call: RecordedCall) -> int:
        with self.changed:
            self.entries.append(call)
            self.changed.notify_all()
            return len(self.entries) - 1

    def set_status(self, index: int, status: int) -> None:
        with self.changed:
            if index < len(self.entries):
                old = self.entries[index]
                self.entries[index] = RecordedCall(old.operation, old.request, status)
                self.changed.notify_all()

    def snapshot(self) -> list[RecordedCall]:
        with self.changed:
            return list(self.entries)

    def clear(self) -> None:
        with self.changed:
            self.entries.clear()
            self.changed.notify_all()

    def wait_for(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Whether ``condition`` held within ``timeout`` s; evaluated again at each change."""
        with self.changed:
            return self.changed.wait_for(condition, timeout=timeout)


def _error_response(error: ServiceError) -> tuple[int, list[tuple[str, str]], bytes]:
    body = json.dumps({"__type": error.code, "message": error.message}).encode()
    return error.status, _json_headers(body), body


def _json_headers(body: bytes) -> list[tuple[str, str]]:
    return [
        ("Content-Type", _JSON_CONTENT_TYPE),
        ("Content-Length", str(len(body))),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ]


def _validation_error(value: object, parameter: str, constraint: str) -> ServiceError:
    return ServiceError(
        "InvalidParameterException",
        f"1 validation error detected: Value '{value}' at '{parameter}' failed to satisfy "
        f"constraint: {constraint}",
    )


def _encode_token(offset: int) -> str:
    raw = json.dumps({"offset": offset, "v": 1}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_token(token: object) -> int:
    invalid = ServiceError("InvalidParameterException", "The specified nextToken is invalid.")
    if not isinstance(token, str):
        raise invalid
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = data["offset"]
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise invalid from exc
    if not isinstance(offset, int) or offset < 0:
        raise invalid
    return offset


class StrictLayer:
    """WSGI middleware in front of moto: records calls, injects faults, enforces ServiceRules."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.rules = ServiceRules()
        self.faults = Faults()
        self.hooks = Hooks()
        self.log = _CallLog()
        self._put_lock = threading.Lock()
        self.log_groups = LogGroupPolicies()
        self.resource_scoped = self.log_groups.stored

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Handle one request."""
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        body = self._read_body(environ)
        out_of_band = environ.get(_OUT_OF_BAND_ENVIRON) == "1"
        if not target.startswith(TARGET_PREFIX):
            action = self._query_action(environ, body)
            if action and not out_of_band:
                self.log.add(RecordedCall(action, {}))
            return self.app(environ, start_response)

        operation = target.removeprefix(TARGET_PREFIX)
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            request = {}
        if not isinstance(request, dict):
            request = {}
        index = None if out_of_band else self.log.add(RecordedCall(operation, request))
        try:
            if not out_of_band:
                self.faults._apply(operation)
            status, headers, payload = self._dispatch(operation, request, environ)
        except ServiceError as error:
            status, headers, payload = _error_response(error)
        if index is not None:
            self.log.set_status(index, status)
            if 200 <= status < 300:
                self.hooks._run(operation, request)
        start_response(f"{status} {_reason(status)}", headers)
        return [payload]

    # ---- rules -----------------------------------------------------------------------------

    def _dispatch(
        self, operation: str, request: dict[str, Any], environ: dict[str, Any]
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        if "resourceArn" in request and operation in _PER_LOG_GROUP:
            return _per_log_group(self.log_groups, operation, request)
        if operation == "PutResourcePolicy":
            # Check-then-write must not interleave with another put, or two writers could
            # both see 9 policies and both create a 10th and 11th.
            with self._put_lock:
                self._check_put(request, environ)
                return self._forward(environ)
        if operation == "DescribeResourcePolicies":
            return self._describe(request, environ)
        return self._forward(environ)

    def _check_put(self, request: dict[str, Any], environ: dict[str, Any]) -> None:
        rules = self.rules
        document = request.get("policyDocument")
        name = request.get("policyName")
        if isinstance(document, str) and len(document) > rules.document_limit:
            raise ServiceError(
                "InvalidParameterException",
                "Policy document length breaking Cloudwatch Logs Constraints, "
                f"either < 1 or > {rules.document_limit}",
            )
        if rules.require_json and isinstance(document, str):
            try:
                parsed = json.loads(document)
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                raise ServiceError(
                    "InvalidParameterException", "Could not convert to persistable policy."
                )
        names = [p.get("policyName") for p in self._all_policies(environ)]
        if name not in names and len(names) >= rules.max_policies:
            raise ServiceError("LimitExceededException", "Resource limit exceeded.")

    def _describe(
        self, request: dict[str, Any], environ: dict[str, Any]
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        low, high = DESCRIBE_LIMIT_RANGE
        limit = request.get("limit")
        if limit is not None and (not isinstance(limit, int) or not low <= limit <= high):
            constraint = (
                f"Member must have value less than or equal to {high}"
                if isinstance(limit, int) and limit > high
                else f"Member must have value greater than or equal to {low}"
            )
            raise _validation_error(limit, "limit", constraint)
        offset = _decode_token(request["nextToken"]) if "nextToken" in request else 0
        scope = request.get("policyScope", "ACCOUNT")
        if scope not in ("ACCOUNT", "RESOURCE"):
            raise _validation_error(
                scope, "policyScope", "Member must satisfy enum value set: [ACCOUNT, RESOURCE]"
            )
        if scope == "ACCOUNT":
            policies = [p | {"policyScope": "ACCOUNT"} for p in self._all_policies(environ)]
        else:
            policies = self.log_groups.listed(request.get("resourceArn"))
        if offset > len(policies):
            raise ServiceError("InvalidParameterException", "The specified nextToken is invalid.")
        size = len(policies) - offset
        if limit is not None:
            size = min(size, limit)
        if self.rules.max_page_size is not None:
            size = min(size, self.rules.max_page_size)
        page = policies[offset : offset + size]
        result: dict[str, Any] = {"resourcePolicies": page}
        if offset + size < len(policies):
            result["nextToken"] = _encode_token(offset + size)
        payload = json.dumps(result).encode()
        return 200, _json_headers(payload), payload

    # ---- moto ------------------------------------------------------------------------------

    def _all_policies(self, environ: dict[str, Any]) -> list[dict[str, Any]]:
        """Every policy moto holds for the caller's account and region (moto ignores paging)."""
        inner = dict(environ)
        body = b"{}"
        inner["HTTP_X_AMZ_TARGET"] = TARGET_PREFIX + "DescribeResourcePolicies"
        inner["wsgi.input"] = io.BytesIO(body)
        inner["CONTENT_LENGTH"] = str(len(body))
        status, _, payload = self._call_app(inner)
        if status != 200:
            raise ServiceError("ServiceUnavailableException", payload.decode(errors="replace"), 500)
        policies: list[dict[str, Any]] = json.loads(payload)["resourcePolicies"]
        return policies

    def _forward(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        return self._call_app(environ)

    def _call_app(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        captured: dict[str, Any] = {}
        chunks: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: object = None
        ) -> Callable[[bytes], object]:
            captured["status"] = status
            captured["headers"] = headers
            return chunks.append

        result = self.app(environ, start_response)
        try:
            chunks.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status = int(str(captured["status"]).split(" ", 1)[0])
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        body = b"".join(chunks)
        return status, [*headers, ("Content-Length", str(len(body)))], body

    @staticmethod
    def _read_body(environ: dict[str, Any]) -> bytes:
        stream = environ["wsgi.input"]
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > 0:
            body = cast(bytes, stream.read(length))
        elif environ.get("wsgi.input_terminated"):
            body = cast(bytes, stream.read())
        else:
            body = b""
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return body

    @staticmethod
    def _query_action(environ: dict[str, Any], body: bytes) -> str | None:
        if not str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded"):
            return None
        actions = parse_qs(body.decode(errors="replace")).get("Action")
        return actions[0] if actions else None


_PER_LOG_GROUP: Final = ("PutResourcePolicy", "DeleteResourcePolicy")


def _per_log_group(
    store: LogGroupPolicies, operation: str, request: dict[str, Any]
) -> tuple[int, list[tuple[str, str]], bytes]:
    """Put or Delete of a per-log-group policy, answered by the strict layer (moto has none)."""
    try:
        answer = store.put(request) if operation == "PutResourcePolicy" else store.delete(request)
    except PolicyRefused as refused:
        raise ServiceError(refused.code, refused.message) from refused
    payload = json.dumps(answer).encode()
    return 200, _json_headers(payload), payload


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class LogsServer(LoopbackServer):
    """moto in server mode on 127.0.0.1 behind the strict layer; one per test session."""

    def __init__(self) -> None:
        super().__init__()
        self._layer: StrictLayer | None = None

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        """Start serving on a free loopback port in a daemon thread."""
        if self._server is not None:
            return self
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._layer = StrictLayer(DomainDispatcherApplication(create_backend_app))
        server = make_server(
            self.host, 0, self._layer, threaded=True, request_handler=MotoRequestHandler
        )
        self._serve(server, "logs-server")
        return self

    def stop(self) -> None:
        """Release held calls and stop serving (fast: the accept loop polls every 50 ms)."""
        if self._server is None:
            return
        if self._layer is not None:
            self._layer.faults.release()
        super().stop()

    def reset(self) -> None:
        """Reset moto's state, the rules to their defaults, faults, hooks and the call log."""
        layer = self._started()
        layer.faults.clear()
        layer.hooks.clear()
        layer.rules.restore_defaults()
        layer.log_groups.clear()
        request = urllib.request.Request(f"{self.url}/moto-api/reset", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
        layer.log.clear()

    def reset_calls(self) -> None:
        """Forget the recorded calls, keeping the stored policies."""
        self._started().log.clear()

    # ---- attributes ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The endpoint URL, http://127.0.0.1:PORT."""
        return f"http://{self.host}:{self.port}"

    @property
    def resource_scoped(self) -> list[dict[str, Any]]:
        """Per-log-group policies that ``DescribeResourcePolicies`` returns for RESOURCE scope."""
        return self._started().resource_scoped

    @property
    def log_groups(self) -> LogGroupPolicies:
        """The per-log-group policies the strict layer keeps (``document_limit`` is mutable)."""
        return self._started().log_groups

    def deliver_to(self, log_group_arn: str) -> dict[str, Any] | None:
        """Set up a log delivery to the log group as the service does since 2026: no policy when
        an account-level statement grants delivery to it through a wildcard, otherwise a new
        per-log-group policy (returned). Made out of band: not recorded, no faults or hooks."""
        region = log_group_arn.split(":")[3]
        client = logs_client(self, region, out_of_band=True)
        account = client.describe_resource_policies()["resourcePolicies"]
        if covered_by_account([p["policyDocument"] for p in account], log_group_arn):
            return None
        put = client.put_resource_policy(
            policyName=DELIVERY_POLICY_NAME,
            policyDocument=delivery_document(log_group_arn),
            resourceArn=log_group_arn,
        )
        return dict(put["resourcePolicy"])

    @property
    def rules(self) -> ServiceRules:
        """The strict layer's rules (mutable)."""
        return self._started().rules

    @property
    def faults(self) -> Faults:
        """Fault injection."""
        return self._started().faults

    @property
    def hooks(self) -> Hooks:
        """Callbacks after successful calls."""
        return self._started().hooks

    @property
    def calls(self) -> list[str]:
        """Operation names of the recorded calls, in order."""
        return [c.operation for c in self._started().log.snapshot()]

    def calls_of(self, operation: str) -> int:
        """How many recorded calls of `operation`."""
        return sum(1 for c in self._started().log.snapshot() if c.operation == operation)

    def wait_for(self, condition: Callable[[], bool], timeout: float = 30.0) -> None:
        """Wait until ``condition`` (about the recorded calls) holds, evaluated again at each
        recorded call, with no polling; AssertionError after ``timeout`` s (a bound for a run
        that hangs, not a guess at how long anything takes)."""
        assert self._started().log.wait_for(condition, timeout), (
            f"not within {timeout} s; calls: {self.calls}"
        )

    def recorded(self, operation: str | None = None) -> list[RecordedCall]:
        """The recorded calls (operation, request JSON, answered status), optionally filtered."""
        return [
            c
            for c in self._started().log.snapshot()
            if operation is None or c.operation == operation
        ]

    def _started(self) -> StrictLayer:
        if self._layer is None:
            raise RuntimeError("LogsServer is not started")
        return self._layer


_SESSION_LOCK: Final = threading.Lock()
_SESSIONS: list[boto3.session.Session] = []


def _client(service: str, server: LogsServer, region: str, config: Config | None) -> Any:
    """A client from one shared boto3 session (its loaded models make a client take ~5 ms)."""
    base = Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=2,
        read_timeout=15,
    )
    with _SESSION_LOCK:  # sessions are not thread-safe; the clients they make are
        if not _SESSIONS:
            _SESSIONS.append(boto3.session.Session())
        return _SESSIONS[0].client(  # type: ignore[call-overload]
            service,
            region_name=region,
            endpoint_url=server.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            aws_session_token="testing",
            config=base.merge(config) if config is not None else base,
        )


def logs_client(
    server: LogsServer,
    region: str = "us-west-2",
    *,
    out_of_band: bool = False,
    config: Config | None = None,
) -> CloudWatchLogsClient:
    """A boto3 logs client with dummy credentials for `server`; no retries unless `config` says.

    An out-of-band client stands for another writer: its calls skip recording, faults and hooks.
    """
    client: CloudWatchLogsClient = _client("logs", server, region, config)
    if out_of_band:

        def mark(request: Any, **_: Any) -> None:
            request.headers[OUT_OF_BAND_HEADER] = "1"

        client.meta.events.register("before-sign", mark)
    return client


def sts_client(
    server: LogsServer, region: str = "us-west-2", *, config: Config | None = None
) -> STSClient:
    """A boto3 STS client with dummy credentials for `server` (account 123456789012)."""
    client: STSClient = _client("sts", server, region, config)
    return client
