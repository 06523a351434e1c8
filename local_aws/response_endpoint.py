"""The CloudFormation side of a custom resource: an HTTPS endpoint for the presigned ResponseURL.

crhelper 2.0.12 (``crhelper.utils._send_response``) sends the response with
``http.client.HTTPSConnection(host, context=ssl.create_default_context())`` and ``PUT`` to the
URL's path and query. The default context honours ``SSL_CERT_FILE``, so a test sets it to
``ResponseEndpoint.ca_path`` (a trustme CA) before the send.

What crhelper retries: only an exception raised while connecting, sending or reading the status
line (TLS verification failure, refused or reset connection, a connection closed before any
answer: ``drop_next``). Any HTTP status, 4xx and 5xx included, counts as delivered: it logs the
reason and stops, so ``fail_next`` is never retried. A failing send is retried 5 times 2 s apart,
then after a 5 s pause the cycle starts again, without end: only the Lambda timeout stops it.
``HTTPSConnection`` has no timeout, so an endpoint that accepts and never answers blocks it too.

Like CloudFormation, the endpoint refuses a body over 4096 bytes (400) and records it as rejected;
a PUT whose query lacks the URL's ``X-Amz-Signature`` is refused 403 like S3.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from typing import Self  # Python 3.11+: for annotations only (make py310)
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import trustme

from local_aws.loopback import LoopbackServer

__all__ = ["MAX_BODY_BYTES", "ReceivedResponse", "ResponseEndpoint"]

MAX_BODY_BYTES: Final = 4096
Outcome = Literal["accepted", "rejected", "failed", "dropped"]


@dataclass(frozen=True)
class ReceivedResponse:
    """One PUT the endpoint read in full, and how it was answered."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw: bytes
    body: dict[str, Any] | None
    status: int | None
    outcome: Outcome
    reason: str = ""

    @property
    def request_id(self) -> str:
        """The last path segment: the request id url_for() put there."""
        return self.path.rsplit("/", 1)[-1]


@dataclass
class _State:
    cond: threading.Condition = field(default_factory=threading.Condition)
    received: list[ReceivedResponse] = field(default_factory=list)
    fail: list[int] = field(default_factory=list)
    drop: int = 0
    tls_failures: list[str] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    server: _TLSServer
    timeout = 10
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""

    def do_PUT(self) -> None:
        """Receive a custom resource response."""
        endpoint = self.server.endpoint
        state = endpoint._state
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        split = urlsplit(self.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        try:
            parsed = json.loads(raw)
            body: dict[str, Any] | None = parsed if isinstance(parsed, dict) else None
        except ValueError:
            body = None

        with state.cond:
            drop = state.drop > 0
            if drop:
                state.drop -= 1
            fail = state.fail.pop(0) if not drop and state.fail else None

        status: int | None
        outcome: Outcome
        reason = ""
        if drop:
            status, outcome, reason = None, "dropped", "connection closed without an answer"
        elif query.get("X-Amz-Signature") != endpoint.signature:
            status, outcome, reason = 403, "rejected", "SignatureDoesNotMatch"
        elif len(raw) > MAX_BODY_BYTES:
            status, outcome = 400, "rejected"
            reason = f"Response object is too long ({len(raw)} > {MAX_BODY_BYTES} bytes)"
        elif fail is not None:
            status, outcome, reason = fail, "failed", "injected by fail_next"
        else:
            status, outcome = 200, "accepted"

        record = ReceivedResponse(
            path=split.path,
            query=query,
            headers=dict(self.headers.items()),
            raw=raw,
            body=body,
            status=status,
            outcome=outcome,
            reason=reason,
        )
        with state.cond:
            state.received.append(record)
            state.cond.notify_all()

        if status is None:
            self.close_connection = True
            return
        payload = reason.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amz-request-id", secrets.token_hex(8).upper())
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)
        self.close_connection = True


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    endpoint: ResponseEndpoint

    def __init__(self, endpoint: ResponseEndpoint, context: ssl.SSLContext) -> None:
        self.endpoint = endpoint
        self.context = context
        super().__init__((ResponseEndpoint.host, 0), _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """TLS handshake in the worker thread, so a stalled client cannot block accept()."""
        sock: socket.socket = request
        sock.settimeout(10)
        try:
            tls = self.context.wrap_socket(sock, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            with self.endpoint._state.cond:
                self.endpoint._state.tls_failures.append(repr(exc))
                self.endpoint._state.cond.notify_all()
            return
        try:
            super().finish_request(tls, client_address)
        finally:
            with contextlib.suppress(OSError):
                tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: a client that goes away mid-request is a test scenario, not a failure."""


class ResponseEndpoint(LoopbackServer):
    """HTTPS server on 127.0.0.1 with a trustme certificate, standing in for CloudFormation's S3."""

    def __init__(self) -> None:
        super().__init__()
        self._state = _State()
        self.signature = secrets.token_hex(32)
        self._ca = trustme.CA()
        self._cert = self._ca.issue_cert("127.0.0.1", "localhost")
        self._dir: Path | None = None

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        """Write the CA file and start serving on a free loopback port."""
        if self._server is not None:
            return self
        self._dir = Path(tempfile.mkdtemp(prefix="cfn-endpoint-"))
        self._ca.cert_pem.write_to_path(str(self._dir / "ca.pem"))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._cert.configure_cert(context)
        self._serve(_TLSServer(self, context), "cfn-endpoint")
        return self

    def stop(self) -> None:
        """Stop serving and remove the CA file."""
        super().stop()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
        self._dir = None

    # ---- addresses -------------------------------------------------------------------------

    @property
    def ca_path(self) -> str:
        """PEM file of the CA that signed the server certificate (for SSL_CERT_FILE)."""
        if self._dir is None:
            raise RuntimeError("ResponseEndpoint is not started")
        return str(self._dir / "ca.pem")

    def url_for(self, request_id: str) -> str:
        """A ResponseURL shaped like CloudFormation's presigned S3 URL, carrying `signature`."""
        query = urlencode(
            {
                "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                "X-Amz-Date": "20250101T000000Z",
                "X-Amz-SignedHeaders": "host",
                "X-Amz-Expires": "7200",
                "X-Amz-Credential": "AKIAIOSFODNN7EXAMPLE/20250101/us-west-2/s3/aws4_request",
                "X-Amz-Signature": self.signature,
            }
        )
        return f"https://{self.host}:{self.port}/cfn-response/{quote(request_id, safe='')}?{query}"

    # ---- what arrived ----------------------------------------------------------------------

    @property
    def received(self) -> list[ReceivedResponse]:
        """Every PUT read in full, whatever the answer, in order."""
        with self._state.cond:
            return list(self._state.received)

    @property
    def responses(self) -> list[ReceivedResponse]:
        """PUTs answered 200: what CloudFormation would have taken."""
        return [r for r in self.received if r.outcome == "accepted"]

    @property
    def rejected(self) -> list[ReceivedResponse]:
        """PUTs refused by a rule (oversized body, bad signature) or answered by fail_next."""
        return [r for r in self.received if r.outcome in ("rejected", "failed")]

    @property
    def dropped(self) -> list[ReceivedResponse]:
        """PUTs whose connection drop_next closed without an answer."""
        return [r for r in self.received if r.outcome == "dropped"]

    @property
    def tls_failures(self) -> list[str]:
        """Handshakes that failed (for instance a client that does not trust the CA)."""
        with self._state.cond:
            return list(self._state.tls_failures)

    def wait_for_tls_failure(self, timeout: float = 10.0) -> list[str]:
        """Wait until a handshake failed; TimeoutError otherwise."""
        with self._state.cond:
            if not self._state.cond.wait_for(lambda: self._state.tls_failures, timeout=timeout):
                raise TimeoutError(f"no TLS handshake failed within {timeout} s")
            return list(self._state.tls_failures)

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[ReceivedResponse]:
        """Wait until `count` responses were accepted; TimeoutError otherwise."""

        def enough() -> bool:
            return sum(r.outcome == "accepted" for r in self._state.received) >= count

        with self._state.cond:
            if not self._state.cond.wait_for(enough, timeout=timeout):
                outcomes = [r.outcome for r in self._state.received]
                raise TimeoutError(
                    f"{count} accepted response(s) expected within {timeout} s; got {outcomes}"
                )
        return self.responses

    def clear(self) -> None:
        """Forget received responses, pending fail_next/drop_next and TLS failures."""
        with self._state.cond:
            self._state.received.clear()
            self._state.fail.clear()
            self._state.drop = 0
            self._state.tls_failures.clear()

    # ---- misbehaviour ----------------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        """Answer the next `n` PUTs with `status` (crhelper takes any status as delivered)."""
        with self._state.cond:
            self._state.fail.extend([status] * n)

    def drop_next(self, n: int = 1) -> None:
        """Read the next `n` PUTs, then close the connection unanswered (crhelper retries)."""
        with self._state.cond:
            self._state.drop += n
