"""The client factory: one client per service and region, each bounded to one attempt with the
configured timeouts, and the package's error when no client can be made (no network)."""

from __future__ import annotations

import boto3
import pytest

from vended_logs_policy.adapters.clients import Clients, Timeouts
from vended_logs_policy.errors import CredentialsError


def dummy_session(region: str | None = "us-west-2") -> boto3.session.Session:
    """A session with dummy credentials."""
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
    )


def test_a_client_is_built_once_per_service_and_region() -> None:
    # GIVEN one factory
    clients = Clients(dummy_session())
    # WHEN clients are asked for twice, in the session's region and another
    logs = clients.client("logs")
    # THEN each (service, region) gets one client, in its own region
    assert clients.client("logs") is logs
    assert clients.client("logs", "eu-west-1") is not logs
    assert clients.client("logs", "eu-west-1").meta.region_name == "eu-west-1"
    assert logs.meta.region_name == clients.region == "us-west-2"


def test_clients_make_one_attempt_within_the_timeouts() -> None:
    # GIVEN a factory with its own timeouts and endpoint
    clients = Clients(dummy_session(), endpoint_url="http://127.0.0.1:9", timeouts=Timeouts(1, 3))
    # WHEN a client is made
    config = clients.client("sts").meta.config
    # THEN botocore makes one attempt (retries are the adapters'), within those timeouts
    assert config.retries == {"mode": "standard", "total_max_attempts": 1}
    assert (config.connect_timeout, config.read_timeout) == (1, 3)
    assert clients.timeouts.per_call == 4
    assert clients.client("sts").meta.endpoint_url == "http://127.0.0.1:9"


def test_an_unknown_profile_is_a_credentials_error() -> None:
    # GIVEN no profile of that name (the tests' config file is empty)
    # WHEN clients are made for it
    with pytest.raises(CredentialsError) as raised:
        Clients.for_profile("no-such-profile")
    # THEN the error names the profile and botocore's reason
    assert raised.value.code == "ProfileNotFound"
    assert "no-such-profile" in str(raised.value)


def test_no_region_is_a_credentials_error_naming_the_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN no region in the session or the environment
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    clients = Clients(dummy_session(None))
    # WHEN a client of the session's region is asked for
    with pytest.raises(CredentialsError) as raised:
        clients.client("logs")
    # THEN the error says which client could not be made, and why
    assert str(raised.value).startswith("cannot make a logs client: ")
    assert (raised.value.service, raised.value.code) == ("logs", "NoRegionError")
