"""The strict layer's per-log-group policies (2026), over real HTTP with boto3."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from local_aws.logs_server import LogsServer, logs_client
from local_aws.policies import ARN, STATES, delivery_statement
from local_aws.policies import document as policy_document

GROUP = f"{ARN}:waf-logs-a"


def document(resource: str = f"{GROUP}:*") -> str:
    return json.dumps(policy_document(delivery_statement(resource)), separators=(",", ":"))


def code_of(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_put_returns_a_revision_and_describe_lists_it_only_in_resource_scope(
    logs: LogsServer,
) -> None:
    # GIVEN an empty account
    client = logs_client(logs)
    # WHEN a policy is put on a log group
    put = client.put_resource_policy(
        policyName="team", policyDocument=document(), resourceArn=f"{GROUP}:*"
    )
    # THEN it has a revision, is listed in RESOURCE scope with its ARN, and not in ACCOUNT scope
    assert put["revisionId"]
    listed = client.describe_resource_policies(policyScope="RESOURCE")["resourcePolicies"]
    assert [(p["resourceArn"], p["revisionId"], p["policyScope"]) for p in listed] == [
        (GROUP, put["revisionId"], "RESOURCE")
    ]
    assert client.describe_resource_policies()["resourcePolicies"] == []


def test_every_write_gets_a_new_revision_and_a_stale_one_is_refused(logs: LogsServer) -> None:
    # GIVEN a per-log-group policy
    client = logs_client(logs)
    first = client.put_resource_policy(
        policyName="team", policyDocument=document(), resourceArn=GROUP
    )["revisionId"]
    # WHEN it is updated with its revision
    second = client.put_resource_policy(
        policyName="team", policyDocument=document(), resourceArn=GROUP, expectedRevisionId=first
    )["revisionId"]
    # THEN the revision changes, and the old one (or none) is refused as a conflict
    assert second != first
    for expected in ({"expectedRevisionId": first}, {}):
        with pytest.raises(ClientError) as exc:
            client.put_resource_policy(
                policyName="team", policyDocument=document(), resourceArn=GROUP, **expected
            )
        assert code_of(exc) == "OperationAbortedException"


def test_one_policy_per_log_group(logs: LogsServer) -> None:
    # GIVEN a log group holding the service's delivery policy
    client = logs_client(logs)
    created = logs.deliver_to(GROUP)
    assert created is not None
    # WHEN a team puts its own policy under another name
    with pytest.raises(ClientError) as exc:
        client.put_resource_policy(policyName="team", policyDocument=document(), resourceArn=GROUP)
    # THEN it is refused: the slot is taken
    assert code_of(exc) == "LimitExceededException"


def test_per_log_group_limit_is_51200(logs: LogsServer) -> None:
    # GIVEN a document over 5120 but within 51,200 characters, and one over 51,200
    client = logs_client(logs)
    base = document("")
    fits = document("x" * (51200 - len(base)))
    # WHEN both are put on log groups
    client.put_resource_policy(policyName="a", policyDocument=fits, resourceArn=GROUP)
    with pytest.raises(ClientError) as exc:
        client.put_resource_policy(
            policyName="b", policyDocument=fits + " ", resourceArn=f"{ARN}:other"
        )
    # THEN the first is kept and the second refused as too long
    assert code_of(exc) == "InvalidParameterException"
    assert "51200" in exc.value.response["Error"]["Message"]


def test_delete_needs_the_current_revision(logs: LogsServer) -> None:
    # GIVEN a per-log-group policy updated once
    client = logs_client(logs)
    first = client.put_resource_policy(
        policyName="team", policyDocument=document(), resourceArn=GROUP
    )["revisionId"]
    second = client.put_resource_policy(
        policyName="team", policyDocument=document(), resourceArn=GROUP, expectedRevisionId=first
    )["revisionId"]
    # WHEN it is deleted with the stale revision, then the current one, then again
    with pytest.raises(ClientError) as stale:
        client.delete_resource_policy(
            policyName="team", resourceArn=GROUP, expectedRevisionId=first
        )
    client.delete_resource_policy(policyName="team", resourceArn=GROUP, expectedRevisionId=second)
    with pytest.raises(ClientError) as gone:
        client.delete_resource_policy(
            policyName="team", resourceArn=GROUP, expectedRevisionId=second
        )
    # THEN the stale delete is a conflict, the second removes it, the third finds nothing
    assert code_of(stale) == "OperationAbortedException"
    assert code_of(gone) == "ResourceNotFoundException"
    assert client.describe_resource_policies(policyScope="RESOURCE")["resourcePolicies"] == []


def test_describe_filters_by_resource_arn(logs: LogsServer) -> None:
    # GIVEN policies on two log groups
    client = logs_client(logs)
    for group in (GROUP, f"{ARN}:other"):
        client.put_resource_policy(policyName="p", policyDocument=document(), resourceArn=group)
    # WHEN one log group's policy is asked for
    listed = client.describe_resource_policies(policyScope="RESOURCE", resourceArn=GROUP)
    # THEN only that one comes back
    assert [p["resourceArn"] for p in listed["resourcePolicies"]] == [GROUP]


def test_delivery_gets_a_policy_unless_an_account_wildcard_covers_the_log_group(
    logs: LogsServer,
) -> None:
    # GIVEN no account-level policy
    client = logs_client(logs)
    states_group = f"{ARN}:/aws/vendedlogs/states/m-Logs"
    # WHEN a delivery is set up, then the wildcard is put, then another delivery is set up
    created = logs.deliver_to(f"{states_group}:*")
    client.put_resource_policy(
        policyName="wild", policyDocument=json.dumps(policy_document(delivery_statement(STATES)))
    )
    after = logs.deliver_to(f"{ARN}:/aws/vendedlogs/states/n-Logs")
    # THEN the first got a per-log-group delivery policy and the covered one none
    assert created is not None
    assert created["resourceArn"] == states_group
    statement = json.loads(created["policyDocument"])["Statement"][0]
    assert statement["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert after is None
    listed = client.describe_resource_policies(policyScope="RESOURCE")["resourcePolicies"]
    assert [p["resourceArn"] for p in listed] == [states_group]
