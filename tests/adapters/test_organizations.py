"""The Organizations adapter against a stubbed client: ListAccounts' pages and statuses."""

from __future__ import annotations

from typing import Any

import pytest

from tests.adapters.conftest import Stubs
from vended_logs_policy.adapters.organizations import Account, Organization
from vended_logs_policy.adapters.retry import Retry
from vended_logs_policy.errors import AccessDeniedError, RejectedError, UnavailableError


def listed(number: str, status: str = "ACTIVE") -> dict[str, Any]:
    """One account as ListAccounts lists it."""
    return {"Id": number, "Name": f"account {number}", "Status": status}


def test_accounts_page_with_the_page_size_and_the_token(stubs: Stubs, retry: Retry) -> None:
    # GIVEN two pages of two accounts
    client, stubber = stubs("organizations")
    first = {"Accounts": [listed("111111111111"), listed("222222222222")], "NextToken": "n1"}
    stubber.add_response("list_accounts", first, {"MaxResults": 2})
    second = {"Accounts": [listed("333333333333", "SUSPENDED")]}
    stubber.add_response("list_accounts", second, {"MaxResults": 2, "NextToken": "n1"})
    # WHEN every account is listed, two a page
    found = Organization(client, retry, page_size=2).accounts()
    # THEN each request carried the page size, the second the first's token, in service order
    assert found == [
        Account("111111111111", "account 111111111111", "ACTIVE"),
        Account("222222222222", "account 222222222222", "ACTIVE"),
        Account("333333333333", "account 333333333333", "SUSPENDED"),
    ]


def test_the_default_page_is_listaccounts_maximum(stubs: Stubs, retry: Retry) -> None:
    # GIVEN one page
    client, stubber = stubs("organizations")
    stubber.add_response(
        "list_accounts", {"Accounts": [listed("111111111111")]}, {"MaxResults": 20}
    )
    # WHEN the accounts are listed with the default page size / THEN it asked for 20
    assert [a.id for a in Organization(client, retry).accounts()] == ["111111111111"]


def test_only_active_accounts_are_active(stubs: Stubs, retry: Retry) -> None:
    # GIVEN accounts in every status
    client, stubber = stubs("organizations")
    answer = {
        "Accounts": [
            listed("111111111111"),
            listed("222222222222", "SUSPENDED"),
            listed("333333333333", "PENDING_CLOSURE"),
            listed("444444444444"),
        ]
    }
    stubber.add_response("list_accounts", answer, {"MaxResults": 20})
    # WHEN the active ones are asked for
    found = [a.id for a in Organization(client, retry).active_accounts()]
    # THEN suspended and closing accounts are left out
    assert found == ["111111111111", "444444444444"]


def test_a_throttled_page_is_retried_with_its_token(
    stubs: Stubs, retry: Retry, slept: list[float]
) -> None:
    # GIVEN a second page throttled once
    client, stubber = stubs("organizations")
    first = {"Accounts": [listed("111111111111")], "NextToken": "n1"}
    stubber.add_response("list_accounts", first, {"MaxResults": 20})
    again = {"MaxResults": 20, "NextToken": "n1"}
    stubber.add_client_error("list_accounts", "TooManyRequestsException", expected_params=again)
    stubber.add_response("list_accounts", {"Accounts": [listed("222222222222")]}, again)
    # WHEN every account is listed
    found = [a.id for a in Organization(client, retry).accounts()]
    # THEN the second page alone was asked for again
    assert (found, slept) == (["111111111111", "222222222222"], [0.2])


def test_a_repeated_token_ends_the_listing_with_an_error(stubs: Stubs, retry: Retry) -> None:
    # GIVEN a service that keeps sending the same NextToken
    client, stubber = stubs("organizations")
    stubber.add_response("list_accounts", {"Accounts": [], "NextToken": "n1"}, {"MaxResults": 20})
    again = {"MaxResults": 20, "NextToken": "n1"}
    stubber.add_response("list_accounts", {"Accounts": [], "NextToken": "n1"}, again)
    # WHEN every account is listed
    with pytest.raises(UnavailableError) as raised:
        Organization(client, retry).accounts()
    # THEN it fails instead of looping
    assert str(raised.value) == (
        "Organizations ListAccounts sent the same NextToken twice; try again later"
    )


def test_no_organisation_and_a_denial_are_the_packages_errors(stubs: Stubs, retry: Retry) -> None:
    # GIVEN an account in no organisation, then a caller outside the management account
    client, stubber = stubs("organizations")
    stubber.add_client_error(
        "list_accounts", "AWSOrganizationsNotInUseException", "not in an organization",
        expected_params={"MaxResults": 20},
    )  # fmt: skip
    stubber.add_client_error(
        "list_accounts", "AccessDeniedException", "no", 403, expected_params={"MaxResults": 20}
    )
    organization = Organization(client, retry)
    # WHEN the accounts are listed twice
    with pytest.raises(RejectedError) as rejected:
        organization.accounts()
    with pytest.raises(AccessDeniedError) as denied:
        organization.accounts()
    # THEN the first is a rejection with the service's words, the second names the action
    assert str(rejected.value) == (
        "Organizations ListAccounts failed: AWSOrganizationsNotInUseException: "
        "not in an organization"
    )
    assert f"{denied.value.service}:{denied.value.operation}" == "organizations:ListAccounts"
