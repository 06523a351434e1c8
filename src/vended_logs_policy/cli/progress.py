"""Progress of a multi-target run on stderr, only when stderr is a terminal (tqdm, only here).

Messages written while a bar is shown go through ``tqdm.write`` so they do not break it; without a
bar they are plain lines. Every write is under one lock: workers report from their threads.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from tqdm import tqdm


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """A bar of finished targets (when stderr is a terminal and the run has several) and a
    thread-safe way to print lines on stderr beside it."""

    def __init__(self, err: TextIO, label: str, *, enabled: bool | None = None) -> None:
        self._err = err
        self._label = label
        self._enabled = _is_terminal(err) if enabled is None else enabled
        self._lock = threading.Lock()
        self._bar: tqdm[Any] | None = None

    def start(self, total: int) -> None:
        """Show a bar for ``total`` targets so far (nothing when stderr is not a terminal)."""
        if not self._enabled:
            return
        from tqdm import tqdm

        with self._lock:
            self._bar = tqdm(
                total=total, desc=self._label, unit="target", file=self._err, leave=False
            )

    def grow(self, more: int) -> None:
        """Count ``more`` targets found while running (``--regions all`` of a new account)."""
        with self._lock:
            if self._bar is not None and self._bar.total is not None:
                self._bar.total += more
                self._bar.refresh()

    def advance(self) -> None:
        """One more target finished."""
        with self._lock:
            if self._bar is not None:
                self._bar.update(1)

    def write(self, line: str) -> None:
        """Print one line on stderr without breaking the bar."""
        with self._lock:
            if self._bar is not None:
                self._bar.write(line, file=self._err)
            else:
                self._err.write(line + "\n")
                self._err.flush()

    def close(self) -> None:
        """Remove the bar."""
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self._bar = None
