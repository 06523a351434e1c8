"""What the test servers share: serving on 127.0.0.1 from a daemon thread, start and stop."""

from __future__ import annotations

import threading
from socketserver import TCPServer
from types import TracebackType
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from typing import Self  # Python 3.11+: for annotations only (make py310)


class LoopbackServer:
    """A server on a free loopback port, served by a daemon thread; a context manager.

    Subclasses build their server in ``start`` and hand it to ``_serve``; ``stop`` shuts it down
    (fast: the accept loop polls every 50 ms).
    """

    host: Final = "127.0.0.1"

    def __init__(self) -> None:
        self._server: TCPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        raise NotImplementedError

    def _serve(self, server: TCPServer, name: str) -> None:
        """Serve `server` from a daemon thread named after it and its port."""
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{name}-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and wait for the serving thread."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return int(self._server.server_address[1])

    @property
    def address(self) -> tuple[str, int]:
        """The socket address actually bound."""
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        host, port = self._server.socket.getsockname()[:2]
        return str(host), int(port)
