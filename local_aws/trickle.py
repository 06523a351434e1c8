"""An endpoint that trickles its answer: one byte every ``interval`` seconds.

Per-read timeouts never fire against it (each read gets a byte in time), so only a wall-clock
bound on the whole call stops a client. It reads a request (headers and ``Content-Length`` body),
then sends ``answer`` byte by byte. Bounded: 127.0.0.1 only, at most ``max_connections`` at once,
and it stops itself after ``lifetime`` seconds (``stop`` ends every trickle at once). HTTPS when
``tls`` is set (a trustme CA; point ``SSL_CERT_FILE`` at ``ca_path``).
"""

from __future__ import annotations

import shutil
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from socketserver import BaseRequestHandler, ThreadingTCPServer
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from typing import Self  # Python 3.11+: for annotations only (make py310)

import trustme

from local_aws.loopback import LoopbackServer

__all__ = ["JSON_ANSWER", "TrickleEndpoint"]

JSON_ANSWER: Final = b'{"resourcePolicies":[]}'


def http_answer(body: bytes, content_type: str = "application/x-amz-json-1.1") -> bytes:
    """A whole HTTP/1.1 200 answer with ``body``."""
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        "x-amzn-RequestId: trickle\r\n\r\n"
    )
    return head.encode() + body


@dataclass
class _State:
    lock: threading.Condition = field(default_factory=threading.Condition)
    started: int = 0  # requests read whose answer began to trickle
    completed: int = 0  # answers sent in full
    cut_off: int = 0  # answers the client stopped reading (closed or shut its socket)
    stopped: int = 0  # answers ended by stop() or the lifetime
    refused: int = 0  # connections over max_connections, closed at once
    open: int = 0


class _Handler(BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        trickle = self.server.trickle
        if not trickle._enter():
            return
        try:
            sock = self._wrapped()
            if sock is None or not _read_request(sock):
                return
            trickle._count("started")
            trickle._count(self._send(sock, trickle))
        finally:
            trickle._leave()

    def _wrapped(self) -> socket.socket | None:
        sock: socket.socket = self.request
        sock.settimeout(10)
        context = self.server.trickle._context
        if context is None:
            return sock
        try:
            return context.wrap_socket(sock, server_side=True)
        except (ssl.SSLError, OSError):
            return None

    @staticmethod
    def _send(sock: socket.socket, trickle: TrickleEndpoint) -> str:
        for byte in trickle.answer:
            if trickle._stopping.wait(trickle.interval):
                return "stopped"
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                return "cut_off"
        return "completed"


def _read_request(sock: socket.socket) -> bool:
    """Read headers and body; False when the client went away first."""
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                return False
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip() or 0)
        while len(body) < length:
            chunk = sock.recv(4096)
            if not chunk:
                return False
            body += chunk
    except (OSError, ValueError):
        return False
    return True


class _Server(ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, trickle: TrickleEndpoint) -> None:
        self.trickle = trickle
        super().__init__((TrickleEndpoint.host, 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that goes away is the scenario under test."""


class TrickleEndpoint(LoopbackServer):
    """Answers every request one byte every ``interval`` seconds (loopback, bounded)."""

    def __init__(
        self,
        *,
        interval: float = 2.0,
        answer: bytes = http_answer(JSON_ANSWER),
        tls: bool = False,
        max_connections: int = 16,
        lifetime: float = 60.0,
    ) -> None:
        super().__init__()
        self.interval = interval
        self.answer = answer
        self.max_connections = max_connections
        self.lifetime = lifetime
        self._state = _State()
        self._stopping = threading.Event()
        self._timer: threading.Timer | None = None
        self._ca = trustme.CA() if tls else None
        self._context: ssl.SSLContext | None = None
        self._dir: Path | None = None

    def start(self) -> Self:
        """Serve on a free loopback port; stop by itself after ``lifetime`` seconds."""
        if self._server is not None:
            return self
        if self._ca is not None:
            self._dir = Path(tempfile.mkdtemp(prefix="trickle-"))
            self._ca.cert_pem.write_to_path(str(self._dir / "ca.pem"))
            self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self._ca.issue_cert("127.0.0.1", "localhost").configure_cert(self._context)
        self._serve(_Server(self), "trickle")
        self._timer = threading.Timer(self.lifetime, self._stopping.set)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        """End every trickle, stop serving, remove the CA file."""
        self._stopping.set()
        if self._timer is not None:
            self._timer.cancel()
        super().stop()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    @property
    def url(self) -> str:
        """``http(s)://127.0.0.1:<port>``."""
        scheme = "https" if self._ca is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def ca_path(self) -> str:
        """PEM file of the CA that signed the certificate (HTTPS only)."""
        if self._dir is None:
            raise RuntimeError("TrickleEndpoint has no TLS")
        return str(self._dir / "ca.pem")

    @property
    def started(self) -> int:
        """Requests whose answer began to trickle."""
        return self._state.started

    @property
    def completed(self) -> int:
        """Answers sent in full."""
        return self._state.completed

    @property
    def cut_off(self) -> int:
        """Answers the client stopped reading before the end."""
        return self._state.cut_off

    def _enter(self) -> bool:
        with self._state.lock:
            if self._state.open >= self.max_connections or self._stopping.is_set():
                self._state.refused += 1
                return False
            self._state.open += 1
            return True

    def _leave(self) -> None:
        with self._state.lock:
            self._state.open -= 1

    def _count(self, what: str) -> None:
        with self._state.lock:
            setattr(self._state, what, getattr(self._state, what) + 1)
            self._state.lock.notify_all()

    def wait_for_cut_off(self, count: int = 1, timeout: float = 10.0) -> bool:
        """Whether ``count`` answers were cut off by their client within ``timeout`` seconds."""
        with self._state.lock:
            return self._state.lock.wait_for(lambda: self._state.cut_off >= count, timeout)
