"""The adapters turn every botocore failure into the package's errors, with the right retry."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from local_aws.logs_server import LogsServer
from local_aws.product import product_clients
from vended_logs_policy.adapters.logs import ResourcePolicies
from vended_logs_policy.adapters.retry import Caller, Retry, pages, translate
from vended_logs_policy.errors import (
    AccessDeniedError,
    CredentialsRefusedError,
    RejectedError,
    UnavailableError,
)


def test_a_request_botocore_refuses_is_rejected_at_once_without_a_call(logs: LogsServer) -> None:
    # GIVEN the Logs adapter with a budget of several attempts, sleeps recorded
    slept: list[float] = []
    policies = ResourcePolicies(
        product_clients(logs).client("logs", "us-west-2"), Retry(sleep=slept.append)
    )
    # WHEN a write carries a value botocore's model refuses (a number for the document)
    with pytest.raises(RejectedError) as raised:
        policies.put("Name", 123)  # type: ignore[arg-type]
    # THEN it fails at once, naming the call, with no retry and nothing sent
    assert str(raised.value).startswith("CloudWatch Logs PutResourcePolicy refused the request:")
    assert raised.value.code == "ParamValidationError"
    assert slept == []
    assert logs.calls == []


def test_a_page_token_sent_twice_ends_the_listing_with_an_error() -> None:
    # GIVEN a listing whose service keeps answering with the same next-page token
    caller = Caller("logs", "CloudWatch Logs", Retry(sleep=lambda _: None))

    def read(**_: Any) -> dict[str, Any]:
        return {"items": [], "nextToken": "again"}

    # WHEN every page is read
    with pytest.raises(UnavailableError) as raised:
        list(pages(caller, "DescribeResourcePolicies", read, "nextToken"))
    # THEN it stops with a clear error instead of looping
    assert raised.value.code == "RepeatedPageToken"


def test_refused_credentials_are_not_told_to_grant_a_permission() -> None:
    # GIVEN an expired session token's refusal
    refused = ClientError(
        {"Error": {"Code": "ExpiredTokenException", "Message": "expired"}}, "PutResourcePolicy"
    )
    # WHEN it is translated
    error = translate(refused, "logs", "PutResourcePolicy")
    # THEN it says to refresh the credentials, not to grant anything
    assert isinstance(error, AccessDeniedError)
    assert isinstance(error, CredentialsRefusedError)  # the service lets it through unchanged
    assert "refresh or replace them" in str(error)
    assert "grant" not in str(error)


def test_a_denied_call_is_not_a_credentials_refusal() -> None:
    # GIVEN a permission the caller lacks
    denied = ClientError(
        {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "PutResourcePolicy"
    )
    # WHEN it is translated
    error = translate(denied, "logs", "PutResourcePolicy")
    # THEN it is access denied, with the grant to add, not a refusal of the credentials
    assert isinstance(error, AccessDeniedError)
    assert not isinstance(error, CredentialsRefusedError)
    assert "grant it to the caller's role" in str(error)
