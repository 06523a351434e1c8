"""The STS adapter against a stubbed client: the caller's identity, AssumeRole's request and
credentials, its denials, and clients signed with the assumed role."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.adapters.conftest import Stubs
from vended_logs_policy.adapters.clients import Clients, Timeouts
from vended_logs_policy.adapters.retry import Retry
from vended_logs_policy.adapters.sts import (
    Identity,
    SecurityTokens,
    TemporaryCredentials,
    clients_for,
    role_arn,
)
from vended_logs_policy.errors import AccessDeniedError, AwsError, CredentialsRefusedError

ROLE = "arn:aws:iam::111122223333:role/ops/Role"
ASSUME = {"RoleArn": ROLE, "RoleSessionName": "vended-logs-policy", "DurationSeconds": 3600}
CREDENTIALS = {
    "AccessKeyId": "ASIAEXAMPLEEXAMPLE",
    "SecretAccessKey": "secret-key",
    "SessionToken": "session-token",
    "Expiration": datetime(2026, 1, 1, tzinfo=timezone.utc),
}


@pytest.mark.parametrize(
    ("arn", "account", "partition"),
    [
        ("arn:aws:sts::123456789012:assumed-role/R/s", "123456789012", "aws"),
        ("arn:aws-cn:iam::210987654321:user/u", "210987654321", "aws-cn"),
        ("arn:aws-us-gov:sts::123456789012:federated-user/f", "123456789012", "aws-us-gov"),
    ],
)
def test_identity_is_read_from_get_caller_identity(
    stubs: Stubs, retry: Retry, arn: str, account: str, partition: str
) -> None:
    # GIVEN the caller's ARN in some partition
    client, stubber = stubs("sts")
    answer = {"UserId": "AIDA", "Account": account, "Arn": arn}
    stubber.add_response("get_caller_identity", answer, {})
    # WHEN the identity is asked for (a request with no parameters)
    found = SecurityTokens(client, retry).identity()
    # THEN account and partition come from the ARN
    assert found == Identity(arn, account, partition)


def test_an_arn_naming_no_account_is_an_error(stubs: Stubs, retry: Retry) -> None:
    # GIVEN an endpoint answering with an ARN that names no account
    client, stubber = stubs("sts")
    answer = {"UserId": "AIDA", "Account": "", "Arn": "arn:aws:sts::user/moto"}
    stubber.add_response("get_caller_identity", answer, {})
    # WHEN the identity is asked for
    with pytest.raises(AwsError) as raised:
        SecurityTokens(client, retry).identity()
    # THEN the error quotes the ARN
    assert raised.value.code == "UnexpectedArn"
    assert "'arn:aws:sts::user/moto'" in str(raised.value)


def test_assume_role_sends_the_role_the_session_name_and_an_hour(
    stubs: Stubs, retry: Retry
) -> None:
    # GIVEN STS hands out credentials for the role
    client, stubber = stubs("sts")
    stubber.add_response("assume_role", {"Credentials": CREDENTIALS}, ASSUME)
    # WHEN the role (a path before its name) is assumed
    assert role_arn("aws", "111122223333", "ops/Role") == ROLE
    found = SecurityTokens(client, retry).assume_role(ROLE)
    # THEN the request named the role, the product's session name and one hour
    assert found == TemporaryCredentials("ASIAEXAMPLEEXAMPLE", "secret-key", "session-token")
    assert "secret-key" not in repr(found)
    assert "session-token" not in repr(found)


def test_a_denied_assume_role_names_the_role_and_what_to_check(
    stubs: Stubs, retry: Retry, slept: list[float]
) -> None:
    # GIVEN a role that does not trust the caller
    client, stubber = stubs("sts")
    stubber.add_client_error("assume_role", "AccessDenied", "no", 403, expected_params=ASSUME)
    # WHEN it is assumed
    with pytest.raises(AccessDeniedError) as raised:
        SecurityTokens(client, retry).assume_role(ROLE)
    # THEN the error names the role and the checks, and was not retried
    assert str(raised.value) == (
        f"cannot assume role {ROLE}: access denied (sts:AssumeRole); check that the role exists, "
        "trusts the caller, and that the caller may assume it"
    )
    assert (raised.value.service, raised.value.code) == ("sts", "AccessDenied")
    assert slept == []


def test_expired_credentials_on_assume_role_say_to_refresh_them(stubs: Stubs, retry: Retry) -> None:
    # GIVEN a caller whose own session token has expired
    client, stubber = stubs("sts")
    stubber.add_client_error("assume_role", "ExpiredToken", "expired", 403, expected_params=ASSUME)
    # WHEN a role is assumed
    with pytest.raises(CredentialsRefusedError) as raised:
        SecurityTokens(client, retry).assume_role(ROLE)
    # THEN it is a refusal of the credentials (refresh them), not advice about the role's trust
    assert "refresh or replace them" in str(raised.value)
    assert "trusts the caller" not in str(raised.value)


def test_a_throttled_assume_role_is_retried(stubs: Stubs, retry: Retry, slept: list[float]) -> None:
    # GIVEN STS throttles the first request
    client, stubber = stubs("sts")
    stubber.add_client_error("assume_role", "Throttling", expected_params=ASSUME)
    stubber.add_response("assume_role", {"Credentials": CREDENTIALS}, ASSUME)
    # WHEN the role is assumed
    found = SecurityTokens(client, retry).assume_role(ROLE)
    # THEN the same request succeeded after one pause
    assert found.access_key_id == "ASIAEXAMPLEEXAMPLE"
    assert slept == [0.2]


def test_clients_for_a_role_sign_with_its_credentials_and_keep_the_base_settings() -> None:
    # GIVEN base clients with their own endpoint and timeouts, and a role's credentials
    base = Clients(endpoint_url="http://127.0.0.1:9", timeouts=Timeouts(1.0, 2.0))
    credentials = TemporaryCredentials("ASIAEXAMPLEEXAMPLE", "secret-key", "session-token")
    # WHEN clients acting as the role are made for a region
    member = clients_for(base, credentials, "eu-west-1")
    # THEN they sign with the role's credentials in that region, and keep endpoint and timeouts
    signed = member.session.get_credentials()
    assert signed is not None
    assert (signed.access_key, signed.secret_key, signed.token) == (
        "ASIAEXAMPLEEXAMPLE",
        "secret-key",
        "session-token",
    )
    assert member.region == "eu-west-1"
    assert (member.endpoint_url, member.timeouts) == ("http://127.0.0.1:9", Timeouts(1.0, 2.0))
