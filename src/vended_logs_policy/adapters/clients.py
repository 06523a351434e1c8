"""boto3 clients with bounded timeouts, built lazily and reused (one factory per session).

An execution environment (a warm Lambda, one CLI run) keeps one ``Clients`` and so builds each
client once; tests pass their own ``session`` or ``endpoint_url``, as Powertools takes
``boto3_session``/``boto3_client``.
"""

from __future__ import annotations

import threading
from typing import Any, NamedTuple

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError

from vended_logs_policy.errors import CredentialsError

CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 5.0


class Timeouts(NamedTuple):
    """Seconds one call may take to connect and to read; their sum bounds one attempt."""

    connect: float = CONNECT_TIMEOUT
    read: float = READ_TIMEOUT

    @property
    def per_call(self) -> float:
        """The longest one attempt can take."""
        return self.connect + self.read


def client_config(timeouts: Timeouts | None = None) -> Config:
    """Bounded timeouts; one attempt, since retries are decided per call (retry.py)."""
    timeouts = timeouts or Timeouts()
    return Config(
        connect_timeout=timeouts.connect,
        read_timeout=timeouts.read,
        retries={"mode": "standard", "total_max_attempts": 1},
    )


class Clients:
    """Clients of one session, cached per service and region; safe to share between threads."""

    def __init__(
        self,
        session: boto3.session.Session | None = None,
        *,
        endpoint_url: str | None = None,
        timeouts: Timeouts | None = None,
    ) -> None:
        self._session = session
        self.endpoint_url = endpoint_url
        self.timeouts = timeouts or Timeouts()
        self._config = client_config(self.timeouts)
        self._cache: dict[tuple[str, str | None], Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def for_profile(
        cls,
        profile: str | None = None,
        region: str | None = None,
        *,
        endpoint_url: str | None = None,
        timeouts: Timeouts | None = None,
    ) -> Clients:
        """Clients of a new session for a named profile (None: the default chain)."""
        try:
            session = boto3.session.Session(profile_name=profile, region_name=region)
        except BotoCoreError as exc:  # ProfileNotFound and friends
            raise CredentialsError(
                str(exc), service="sts", operation="", code=type(exc).__name__
            ) from exc
        return cls(session, endpoint_url=endpoint_url, timeouts=timeouts)

    @property
    def session(self) -> boto3.session.Session:
        """The session clients come from (built on first use)."""
        with self._lock:
            if self._session is None:
                self._session = boto3.session.Session()
            return self._session

    @property
    def region(self) -> str | None:
        """The session's own region (profile, environment), if any."""
        return self.session.region_name

    def client(self, service: str, region: str | None = None) -> Any:
        """The cached client of ``service`` in ``region`` (the session's region when None)."""
        session = self.session
        key = (service, region)
        with self._lock:  # clients are thread-safe; building them is not
            found = self._cache.get(key)
            if found is None:
                found = self._build(session, service, region)
                self._cache[key] = found
            return found

    def _build(self, session: boto3.session.Session, service: str, region: str | None) -> Any:
        try:
            return session.client(
                service,  # type: ignore[call-overload]
                region_name=region,
                endpoint_url=self.endpoint_url,
                config=self._config,
            )
        except BotoCoreError as exc:  # no region, unknown profile, ...
            raise CredentialsError(
                f"cannot make a {service} client: {exc}",
                service=service,
                operation="",
                code=type(exc).__name__,
            ) from exc
