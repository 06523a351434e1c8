"""Delivering the answer to CloudFormation's presigned ResponseURL, bounded in time.

crhelper 2.0.12 sends with no socket timeout (an endpoint that never answers blocks until the
function times out) and counts any HTTP status as delivered (an S3 503 loses the answer). This
sender bounds every attempt by the time left, retries connection errors and 5xx answers with
backoff, bounds each attempt on the wall clock too (an endpoint that trickles its answer is cut
off), and never retries a 4xx (an expired URL or a refused body will not get better). It never
logs the URL: it is a presigned secret.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from http.client import HTTPException, HTTPSConnection
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from aws_lambda_powertools import Logger

from vended_logs_policy.adapters.deadline import CallTimedOut, within

logger = Logger(child=True)

ATTEMPTS = 5
ATTEMPT_TIMEOUT = 5.0
MAX_DELAY = 4.0


def _put(netloc: str, target: str, data: bytes, timeout: float) -> int | str:
    """One PUT, bounded by ``timeout`` seconds of wall clock (an endpoint that trickles its
    answer never trips a per-read timeout): the HTTP status, or what went wrong on the way."""
    connection = HTTPSConnection(netloc, timeout=timeout, context=ssl.create_default_context())
    try:
        return within(timeout, lambda: _exchange(connection, target, data), _aborter(connection))
    except CallTimedOut:
        return "CallTimedOut"
    except (OSError, HTTPException) as exc:
        return type(exc).__name__
    finally:
        connection.close()


def _exchange(connection: HTTPSConnection, target: str, data: bytes) -> int:
    connection.request(
        "PUT", target, body=data, headers={"Content-Type": "", "Content-Length": str(len(data))}
    )
    return connection.getresponse().status


def _aborter(connection: HTTPSConnection) -> Callable[[], None]:
    """Shut the connection's socket down: a read blocked on it returns at once."""

    def abort() -> None:
        sock = connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    return abort


def _settled(status: int | str, attempt: int) -> bool | None:
    """True/False when the endpoint decided (2xx accepted, 4xx refused), None to try again."""
    if isinstance(status, str) or status >= 500:
        problem = status if isinstance(status, str) else f"HTTP {status}"
        logger.warning("answer not delivered", extra={"problem": problem, "attempt": attempt + 1})
        return None
    accepted = 200 <= status < 300
    (logger.info if accepted else logger.error)(
        "answer sent", extra={"http_status": status, "attempt": attempt + 1}
    )
    return accepted


def deliver(
    url: str,
    body: Mapping[str, Any],
    time_left: Callable[[], float],
    sleep: Callable[[float], None] | None = None,
) -> bool:
    """PUT the answer; True when CloudFormation's endpoint accepted it (2xx)."""
    data = json.dumps(body).encode()
    parts = urlsplit(url)
    target = urlunsplit(("", "", parts.path, parts.query, ""))
    for attempt in range(ATTEMPTS):
        budget = time_left()
        if budget <= 0:
            break
        status = _put(parts.netloc, target, data, min(ATTEMPT_TIMEOUT, budget))
        settled = _settled(status, attempt)
        if settled is not None:
            return settled
        delay = min(MAX_DELAY, 0.5 * 2.0**attempt)
        if attempt + 1 == ATTEMPTS or delay >= time_left():
            break
        (sleep or time.sleep)(delay)
    logger.error("answer could not be delivered; CloudFormation waits for ServiceTimeout")
    return False
