"""The CloudWatch Logs adapter against a stubbed client: the requests it sends (scope, page size,
page tokens, per-log-group ARN and revision), what it makes of the answers, and its refusals."""

from __future__ import annotations

from typing import Any

import pytest

from tests.adapters.conftest import Stubs
from vended_logs_policy.adapters.logs import LogGroupPolicy, ResourcePolicies, StoredPolicy
from vended_logs_policy.adapters.retry import Retry
from vended_logs_policy.errors import (
    AccessDeniedError,
    QuotaExceededError,
    RejectedError,
    UnavailableError,
)

GROUP = "arn:aws:logs:us-west-2:123456789012:log-group:/aws/vendedlogs/states/one"
OTHER_GROUP = "arn:aws:logs:us-west-2:123456789012:log-group:/aws/vendedlogs/states/two"
DOC = '{"Version":"2012-10-17","Statement":[]}'


def account(name: str) -> dict[str, Any]:
    """An account-level policy as DescribeResourcePolicies lists it."""
    return {"policyName": name, "policyDocument": DOC, "policyScope": "ACCOUNT"}


def per_group(name: str, arn: str, revision: str | None = "r1") -> dict[str, Any]:
    """A per-log-group policy as DescribeResourcePolicies lists it."""
    found: dict[str, Any] = {
        "policyName": name,
        "policyDocument": DOC,
        "policyScope": "RESOURCE",
        "resourceArn": arn,
    }
    if revision is not None:
        found["revisionId"] = revision
    return found


def reads(scope: str, token: str | None = None, arn: str | None = None) -> dict[str, Any]:
    """The parameters of one DescribeResourcePolicies page."""
    params: dict[str, Any] = {"limit": 50, "policyScope": scope}
    if token is not None:
        params["nextToken"] = token
    if arn is not None:
        params["resourceArn"] = arn
    return params


@pytest.fixture
def logs(stubs: Stubs, retry: Retry) -> tuple[ResourcePolicies, Any]:
    """The Logs adapter on a stubbed client, and the client's Stubber."""
    client, stubber = stubs("logs")
    return ResourcePolicies(client, retry), stubber


def test_account_policies_page_through_every_answer_and_keep_only_the_account_scope(
    logs: tuple[ResourcePolicies, Any],
) -> None:
    # GIVEN two pages, the second holding a per-log-group policy and one with no scope named
    policies, stubber = logs
    first = {"resourcePolicies": [account("a")], "nextToken": "t1"}
    no_scope = {"policyName": "b", "policyDocument": DOC}
    second = {"resourcePolicies": [per_group("g", GROUP), no_scope]}
    stubber.add_response("describe_resource_policies", first, reads("ACCOUNT"))
    stubber.add_response("describe_resource_policies", second, reads("ACCOUNT", "t1"))
    # WHEN the account-level policies are read
    found = policies.account_policies()
    # THEN each page asked for 50 ACCOUNT policies, the second with the first's token, and the
    # per-log-group one is left out (a policy with no scope named is account-level)
    assert found == [StoredPolicy("a", DOC), StoredPolicy("b", DOC)]


def test_log_group_policies_ask_for_the_resource_scope_and_keep_what_the_answer_scopes_so(
    logs: tuple[ResourcePolicies, Any],
) -> None:
    # GIVEN an answer that also lists an account policy and a RESOURCE one without an ARN
    policies, stubber = logs
    no_arn = {"policyName": "x", "policyDocument": DOC, "policyScope": "RESOURCE"}
    answer = {
        "resourcePolicies": [
            account("a"),
            per_group("g1", GROUP),
            per_group("g2", OTHER_GROUP, revision=None),
            no_arn,
        ]
    }
    stubber.add_response("describe_resource_policies", answer, reads("RESOURCE"))
    # WHEN the per-log-group policies are read
    found = policies.log_group_policies()
    # THEN only RESOURCE-scoped ones with an ARN count, their revision kept (None when absent)
    assert found == [
        LogGroupPolicy("g1", DOC, GROUP, "r1"),
        LogGroupPolicy("g2", DOC, OTHER_GROUP, None),
    ]


def test_one_log_groups_policies_name_its_arn_in_every_page(
    logs: tuple[ResourcePolicies, Any],
) -> None:
    # GIVEN one log group's policies over two pages
    policies, stubber = logs
    first = {"resourcePolicies": [per_group("g1", GROUP, "r7")], "nextToken": "t1"}
    stubber.add_response("describe_resource_policies", first, reads("RESOURCE", arn=GROUP))
    stubber.add_response(
        "describe_resource_policies", {"resourcePolicies": []}, reads("RESOURCE", "t1", GROUP)
    )
    # WHEN that log group's policies are read
    found = policies.log_group_policies(GROUP)
    # THEN both requests carried resourceArn and the RESOURCE scope
    assert found == [LogGroupPolicy("g1", DOC, GROUP, "r7")]


def test_a_throttled_page_is_retried_alone_with_its_token(
    logs: tuple[ResourcePolicies, Any], slept: list[float]
) -> None:
    # GIVEN a listing whose second page is throttled once
    policies, stubber = logs
    first = {"resourcePolicies": [account("a")], "nextToken": "t1"}
    stubber.add_response("describe_resource_policies", first, reads("ACCOUNT"))
    stubber.add_client_error(
        "describe_resource_policies", "ThrottlingException", expected_params=reads("ACCOUNT", "t1")
    )
    second = {"resourcePolicies": [account("b")]}
    stubber.add_response("describe_resource_policies", second, reads("ACCOUNT", "t1"))
    # WHEN every policy is read
    found = [p.name for p in policies.account_policies()]
    # THEN the retry asked for the second page again (no restart from the first), after one pause
    assert found == ["a", "b"]
    assert slept == [0.2]


def test_a_page_token_sent_twice_fails_instead_of_looping(
    logs: tuple[ResourcePolicies, Any],
) -> None:
    # GIVEN a service that answers the second page with the token it already sent
    policies, stubber = logs
    again = {"resourcePolicies": [], "nextToken": "t1"}
    stubber.add_response("describe_resource_policies", again, reads("ACCOUNT"))
    stubber.add_response("describe_resource_policies", again, reads("ACCOUNT", "t1"))
    # WHEN the policies are read
    with pytest.raises(UnavailableError) as raised:
        policies.account_policies()
    # THEN the listing stops with an error naming the call and the token, after two requests
    assert raised.value.code == "RepeatedPageToken"
    assert (raised.value.service, raised.value.operation) == ("logs", "DescribeResourcePolicies")
    assert "sent the same nextToken twice" in str(raised.value)


def test_an_account_policy_is_written_and_deleted_by_name_alone(
    logs: tuple[ResourcePolicies, Any],
) -> None:
    # GIVEN a write and a delete the service accepts
    policies, stubber = logs
    stubber.add_response("put_resource_policy", {}, {"policyName": "p", "policyDocument": DOC})
    stubber.add_response("delete_resource_policy", {}, {"policyName": "p"})
    # WHEN an account-level policy is written and then deleted
    policies.put("p", DOC)
    policies.delete("p")
    # THEN neither request named a log group or a revision (the Stubber checks the exact params)


def test_a_per_log_group_write_names_the_log_group_and_the_revision_it_expects(
    logs: tuple[ResourcePolicies, Any],
) -> None:
    # GIVEN the service accepts a conditional write
    policies, stubber = logs
    sent = {"policyName": "g", "policyDocument": DOC, "resourceArn": GROUP}
    answer = {"revisionId": "r2"}
    stubber.add_response("put_resource_policy", answer, sent | {"expectedRevisionId": "r1"})
    # WHEN a per-log-group policy is written over revision r1
    refused = policies.put_log_group_policy(LogGroupPolicy("g", DOC, GROUP, "r1"), "r1")
    # THEN the request carried the ARN and the expected revision, and nothing was refused
    assert refused is None


def test_a_first_per_log_group_write_expects_no_revision(
    logs: tuple[ResourcePolicies, Any],
) -> None:
    # GIVEN a log group with no policy yet
    policies, stubber = logs
    sent = {"policyName": "g", "policyDocument": DOC, "resourceArn": GROUP}
    stubber.add_response("put_resource_policy", {"revisionId": "r1"}, sent)
    # WHEN its first policy is written
    refused = policies.put_log_group_policy(LogGroupPolicy("g", DOC, GROUP, None), None)
    # THEN the request named no expectedRevisionId at all
    assert refused is None


@pytest.mark.parametrize("code", ["OperationAbortedException", "ResourceNotFoundException"])
def test_a_conditional_refusal_is_returned_not_retried(
    logs: tuple[ResourcePolicies, Any], slept: list[float], code: str
) -> None:
    # GIVEN another revision (or no policy) where the write and the delete expect r1
    policies, stubber = logs
    policy = LogGroupPolicy("g", DOC, GROUP, "r1")
    put = {"policyName": "g", "policyDocument": DOC, "resourceArn": GROUP}
    stubber.add_client_error(
        "put_resource_policy", code, expected_params=put | {"expectedRevisionId": "r1"}
    )
    delete = {"policyName": "g", "resourceArn": GROUP, "expectedRevisionId": "r1"}
    stubber.add_client_error("delete_resource_policy", code, expected_params=delete)
    # WHEN the policy is written, then deleted, at that revision
    put_refused = policies.put_log_group_policy(policy, "r1")
    delete_refused = policies.delete_log_group_policy(policy)
    # THEN each refusal comes back as its code, after one request each and no pause (even
    # OperationAbortedException, which an account-level write retries)
    assert (put_refused, delete_refused) == (code, code)
    assert slept == []


def test_a_per_log_group_delete_names_the_log_group_and_the_revision_read(
    logs: tuple[ResourcePolicies, Any],
) -> None:
    # GIVEN the service accepts the conditional delete
    policies, stubber = logs
    delete = {"policyName": "g", "resourceArn": GROUP, "expectedRevisionId": "r3"}
    stubber.add_response("delete_resource_policy", {}, delete)
    # WHEN the policy read at revision r3 is deleted
    refused = policies.delete_log_group_policy(LogGroupPolicy("g", DOC, GROUP, "r3"))
    # THEN the request named the ARN and r3, and nothing was refused
    assert refused is None


def test_a_per_log_group_denial_is_still_an_error(logs: tuple[ResourcePolicies, Any]) -> None:
    # GIVEN a caller that may not delete per-log-group policies
    policies, stubber = logs
    delete = {"policyName": "g", "resourceArn": GROUP, "expectedRevisionId": "r1"}
    stubber.add_client_error(
        "delete_resource_policy", "AccessDeniedException", expected_params=delete
    )
    # WHEN a delete is tried
    with pytest.raises(AccessDeniedError) as raised:
        policies.delete_log_group_policy(LogGroupPolicy("g", DOC, GROUP, "r1"))
    # THEN it is the package's denial naming the permission, not a returned refusal
    assert (raised.value.service, raised.value.operation) == ("logs", "DeleteResourcePolicy")


def test_an_account_write_is_retried_after_a_lost_race(
    logs: tuple[ResourcePolicies, Any], slept: list[float]
) -> None:
    # GIVEN an account-level write that loses a race once
    policies, stubber = logs
    sent = {"policyName": "p", "policyDocument": DOC}
    stubber.add_client_error(
        "put_resource_policy", "OperationAbortedException", expected_params=sent
    )
    stubber.add_response("put_resource_policy", {}, sent)
    # WHEN it is written
    policies.put("p", DOC)
    # THEN the same request went out again after one pause
    assert slept == [0.2]


def test_the_quota_of_ten_is_a_quota_error_at_once(
    logs: tuple[ResourcePolicies, Any], slept: list[float]
) -> None:
    # GIVEN a region that already holds ten policies
    policies, stubber = logs
    sent = {"policyName": "p", "policyDocument": DOC}
    stubber.add_client_error(
        "put_resource_policy", "LimitExceededException", "Resource limit exceeded.", 400,
        expected_params=sent,
    )  # fmt: skip
    # WHEN an eleventh is written
    with pytest.raises(QuotaExceededError) as raised:
        policies.put("p", DOC)
    # THEN it is the package's quota error with the service's words, and was not retried
    assert str(raised.value) == (
        "CloudWatch Logs PutResourcePolicy failed: LimitExceededException: Resource limit exceeded."
    )
    assert raised.value.code == "LimitExceededException"
    assert slept == []


def test_a_document_the_service_refuses_is_rejected(logs: tuple[ResourcePolicies, Any]) -> None:
    # GIVEN a document the service finds invalid (too large, say)
    policies, stubber = logs
    sent = {"policyName": "p", "policyDocument": DOC}
    stubber.add_client_error(
        "put_resource_policy", "InvalidParameterException", "x" * 300, expected_params=sent
    )
    # WHEN it is written
    with pytest.raises(RejectedError) as raised:
        policies.put("p", DOC)
    # THEN the error names the call and code, with the service's message cut to 120 characters
    assert raised.value.code == "InvalidParameterException"
    assert str(raised.value).endswith("InvalidParameterException: " + "x" * 120)


def test_rounds_and_pauses_draw_on_the_adapters_budget(
    logs: tuple[ResourcePolicies, Any], slept: list[float]
) -> None:
    # GIVEN the adapter on a budget of three attempts
    policies, _ = logs
    # WHEN a caller backs off between read-merge-write rounds
    # THEN it may pause after the first and second rounds, not after the third
    assert policies.rounds == 3
    assert [policies.pause(1), policies.pause(2), policies.pause(3)] == [True, True, False]
    assert slept == [0.2, 0.4]
    assert policies.retry.attempts == 3
