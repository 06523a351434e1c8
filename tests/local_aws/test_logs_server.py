"""The strict layer over moto, exercised over real HTTP with boto3."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local_aws.logs_server import LogsServer, ServiceRules, logs_client, sts_client
from local_aws.policies import ARN, NAME, delivery_statement
from local_aws.policies import document as policy_document

pytestmark = pytest.mark.wire


def document(resource: str = f"{ARN}:/a:*") -> str:
    return json.dumps(
        policy_document(delivery_statement(resource, sid=None)), separators=(",", ":")
    )


def padded(length: int) -> str:
    """A valid JSON policy document of exactly `length` characters."""
    base = document("")
    doc = document("x" * (length - len(base)))
    assert len(doc) == length
    return doc


def stored(server: LogsServer) -> dict[str, str]:
    client = logs_client(server, out_of_band=True)
    return {
        p["policyName"]: p["policyDocument"]
        for p in client.describe_resource_policies()["resourcePolicies"]
    }


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error.get("Code", ""), error.get("Message", "")


# ---- moto pass-through ----------------------------------------------------------------------


def test_put_then_describe_round_trips(logs: LogsServer) -> None:
    # GIVEN an empty account
    client = logs_client(logs)
    # WHEN a policy is put
    put = client.put_resource_policy(policyName=NAME, policyDocument=document())
    # THEN put echoes it and describe returns it verbatim, once, without a nextToken
    assert put["resourcePolicy"]["policyDocument"] == document()
    described = client.describe_resource_policies()
    assert [p["policyName"] for p in described["resourcePolicies"]] == [NAME]
    assert described["resourcePolicies"][0]["policyDocument"] == document()
    assert "nextToken" not in described


def test_sts_answers_account_and_partition_of_the_region(logs: LogsServer) -> None:
    # GIVEN clients for three partitions
    # WHEN each asks who it is
    arns = {r: sts_client(logs, r).get_caller_identity() for r in ("us-west-2", "cn-north-1")}
    # THEN moto answers the default account, with the region's partition in the ARN
    assert {i["Account"] for i in arns.values()} == {"123456789012"}
    assert arns["us-west-2"]["Arn"].startswith("arn:aws:sts::")
    assert arns["cn-north-1"]["Arn"].startswith("arn:aws-cn:sts::")


def test_policies_are_per_region(logs: LogsServer) -> None:
    # GIVEN a policy in us-west-2
    logs_client(logs, "us-west-2").put_resource_policy(policyName=NAME, policyDocument=document())
    # WHEN another region is described
    other = logs_client(logs, "eu-west-1").describe_resource_policies()
    # THEN it has none
    assert other["resourcePolicies"] == []


# ---- document rules -------------------------------------------------------------------------


def test_document_at_the_limit_is_accepted_one_more_is_refused(logs: LogsServer) -> None:
    # GIVEN a stored policy and the default limit of 5120 characters
    client = logs_client(logs)
    client.put_resource_policy(policyName=NAME, policyDocument=document())
    assert logs.rules.document_limit == 5120
    # WHEN a document of 5121 characters is put under the same name
    with pytest.raises(ClientError) as exc:
        client.put_resource_policy(policyName=NAME, policyDocument=padded(5121))
    # THEN it is refused with the service's code and the stored policy is unchanged
    code, message = error_of(exc)
    assert code == "InvalidParameterException"
    assert "Policy document length" in message
    assert "5120" in message
    assert stored(logs) == {NAME: document()}
    # AND exactly 5120 characters is accepted
    client.put_resource_policy(policyName=NAME, policyDocument=padded(5120))
    assert len(stored(logs)[NAME]) == 5120


def test_document_limit_is_configurable(logs: LogsServer) -> None:
    # GIVEN the newer 51200 limit
    logs.rules.document_limit = 51200
    # WHEN a 6000-character document is put
    logs_client(logs).put_resource_policy(policyName=NAME, policyDocument=padded(6000))
    # THEN it is stored
    assert len(stored(logs)[NAME]) == 6000


@pytest.mark.parametrize("bad", ["not json", "{", "[]", "5", '"a string"'])
def test_document_that_is_not_a_json_object_is_refused(logs: LogsServer, bad: str) -> None:
    # GIVEN the default rules
    # WHEN a non-object document is put
    with pytest.raises(ClientError) as exc:
        logs_client(logs).put_resource_policy(policyName=NAME, policyDocument=bad)
    # THEN it is refused and nothing is stored
    code, message = error_of(exc)
    assert (code, message) == (
        "InvalidParameterException",
        "Could not convert to persistable policy.",
    )
    assert stored(logs) == {}


def test_require_json_off_stores_anything_like_moto(logs: LogsServer) -> None:
    # GIVEN require_json switched off
    logs.rules.require_json = False
    # WHEN a non-JSON document is put
    logs_client(logs).put_resource_policy(policyName=NAME, policyDocument="not json")
    # THEN moto stores it as is
    assert stored(logs) == {NAME: "not json"}


def test_error_on_the_wire_is_json_1_1(logs: LogsServer) -> None:
    # GIVEN a raw JSON 1.1 request with a non-JSON document
    request = urllib.request.Request(
        logs.url,
        data=json.dumps({"policyName": NAME, "policyDocument": "nope"}).encode(),
        headers={
            "X-Amz-Target": "Logs_20140328.PutResourcePolicy",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20250101/us-west-2/logs/"
            "aws4_request, SignedHeaders=host, Signature=00",
        },
        method="POST",
    )
    # WHEN it is sent
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request, timeout=5)
    # THEN the answer is HTTP 400 with the JSON 1.1 error body
    assert exc.value.code == 400
    assert exc.value.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert json.loads(exc.value.read()) == {
        "__type": "InvalidParameterException",
        "message": "Could not convert to persistable policy.",
    }


# ---- policy count ---------------------------------------------------------------------------


def test_eleventh_policy_is_refused_updates_still_work(logs: LogsServer) -> None:
    # GIVEN ten policies
    client = logs_client(logs)
    for i in range(10):
        client.put_resource_policy(policyName=f"p{i}", policyDocument=document())
    # WHEN an eleventh name is put
    with pytest.raises(ClientError) as exc:
        client.put_resource_policy(policyName="p10", policyDocument=document())
    # THEN LimitExceededException, and an existing name can still be updated
    assert error_of(exc) == ("LimitExceededException", "Resource limit exceeded.")
    client.put_resource_policy(policyName="p3", policyDocument=document("arn:x"))
    policies = stored(logs)
    assert len(policies) == 10
    assert policies["p3"] == document("arn:x")


def test_lower_policy_quota_is_enforced_by_the_strict_layer(logs: LogsServer) -> None:
    # GIVEN a quota of 2
    logs.rules.max_policies = 2
    client = logs_client(logs)
    client.put_resource_policy(policyName="a", policyDocument=document())
    client.put_resource_policy(policyName="b", policyDocument=document())
    # WHEN a third name is put
    with pytest.raises(ClientError) as exc:
        client.put_resource_policy(policyName="c", policyDocument=document())
    # THEN it is refused like the real quota
    assert error_of(exc)[0] == "LimitExceededException"
    assert sorted(stored(logs)) == ["a", "b"]


def test_quota_above_motos_own_cannot_be_set(logs: LogsServer) -> None:
    # GIVEN moto refuses an 11th policy by itself
    # WHEN a test asks for more, or for nonsense
    # THEN the rule refuses at once instead of silently not applying
    with pytest.raises(ValueError, match="max_policies"):
        logs.rules.max_policies = 11
    with pytest.raises(ValueError, match="max_page_size"):
        logs.rules.max_page_size = 0
    assert logs.rules == ServiceRules()


# ---- pagination -----------------------------------------------------------------------------


def test_paginator_yields_all_policies_in_pages_of_two(logs: LogsServer) -> None:
    # GIVEN five policies and a service that returns at most two per page
    seeder = logs_client(logs, out_of_band=True)
    for i in range(5):
        seeder.put_resource_policy(policyName=f"p{i}", policyDocument=document())
    logs.rules.max_page_size = 2
    # WHEN boto3's paginator asks for pages of up to 50
    client = logs_client(logs)
    pages = list(
        client.get_paginator("describe_resource_policies").paginate(
            PaginationConfig={"PageSize": 50}
        )
    )
    # THEN every policy arrives once, no page holds more than two, and it took three calls
    names = [p["policyName"] for page in pages for p in page["resourcePolicies"]]
    assert sorted(names) == [f"p{i}" for i in range(5)]
    assert [len(page["resourcePolicies"]) for page in pages] == [2, 2, 1]
    assert logs.calls == ["DescribeResourcePolicies"] * 3


def test_client_limit_and_next_token_are_honoured(logs: LogsServer) -> None:
    # GIVEN three policies
    seeder = logs_client(logs, out_of_band=True)
    for i in range(3):
        seeder.put_resource_policy(policyName=f"p{i}", policyDocument=document())
    client = logs_client(logs)
    # WHEN the client pages by hand with limit=1
    first = client.describe_resource_policies(limit=1)
    second = client.describe_resource_policies(limit=1, nextToken=first["nextToken"])
    rest = client.describe_resource_policies(nextToken=second["nextToken"])
    # THEN each call resumes where the last stopped and the last page has no token
    assert [p["policyName"] for p in first["resourcePolicies"]] == ["p0"]
    assert [p["policyName"] for p in second["resourcePolicies"]] == ["p1"]
    assert [p["policyName"] for p in rest["resourcePolicies"]] == ["p2"]
    assert "nextToken" not in rest


@pytest.mark.parametrize("limit", [0, 51, -1])
def test_limit_outside_1_to_50_is_refused(logs: LogsServer, limit: int) -> None:
    # GIVEN a client that skips botocore's own range check (botocore checks only the minimum)
    client = logs_client(logs, config=Config(parameter_validation=False))
    # WHEN describe is called with an out-of-range limit
    with pytest.raises(ClientError) as exc:
        client.describe_resource_policies(limit=limit)
    # THEN the service refuses it
    code, message = error_of(exc)
    assert code == "InvalidParameterException"
    assert f"Value '{limit}' at 'limit'" in message


def test_limit_51_is_refused_even_with_validation_on(logs: LogsServer) -> None:
    # GIVEN a default client (botocore does not check the maximum)
    # WHEN limit=51 is asked for
    with pytest.raises(ClientError) as exc:
        logs_client(logs).describe_resource_policies(limit=51)
    # THEN the service refuses it
    assert error_of(exc)[0] == "InvalidParameterException"


@pytest.mark.parametrize("token", ["garbage", "eyJmb28iOiAxfQ==", "eyJvZmZzZXQiOiA5OX0="])
def test_unknown_next_token_is_refused(logs: LogsServer, token: str) -> None:
    # GIVEN an empty account
    # WHEN describe is called with a token the service never issued
    with pytest.raises(ClientError) as exc:
        logs_client(logs).describe_resource_policies(nextToken=token)
    # THEN InvalidParameterException
    assert error_of(exc)[0] == "InvalidParameterException"


# ---- faults, calls, hooks -------------------------------------------------------------------


def test_fault_applies_n_times_then_passes(logs: LogsServer) -> None:
    # GIVEN two throttles queued for PutResourcePolicy
    logs.faults.fail("PutResourcePolicy", code="ThrottlingException", times=2, message="Slow down")
    client = logs_client(logs)
    # WHEN three puts are made
    outcomes: list[str] = []
    for _ in range(3):
        try:
            client.put_resource_policy(policyName=NAME, policyDocument=document())
            outcomes.append("ok")
        except ClientError as exc:
            error = exc.response["Error"]
            outcomes.append(f"{error.get('Code')}: {error.get('Message')}")
    # THEN the first two are throttled and never reach moto, the third is stored
    assert outcomes == ["ThrottlingException: Slow down"] * 2 + ["ok"]
    assert logs.calls_of("PutResourcePolicy") == 3
    assert [c.status for c in logs.recorded("PutResourcePolicy")] == [400, 400, 200]
    assert logs.faults.pending() == 0
    assert stored(logs) == {NAME: document()}


def test_faults_apply_in_order_and_only_to_their_operation(logs: LogsServer) -> None:
    # GIVEN a 500 then an abort queued for PutResourcePolicy
    logs.faults.fail("PutResourcePolicy", code="ServiceUnavailableException", status=500)
    logs.faults.fail("PutResourcePolicy", code="OperationAbortedException")
    client = logs_client(logs)
    # WHEN describe is called, then put twice
    client.describe_resource_policies()
    codes = []
    for _ in range(2):
        with pytest.raises(ClientError) as exc:
            client.put_resource_policy(policyName=NAME, policyDocument=document())
        codes.append((error_of(exc)[0], exc.value.response["ResponseMetadata"]["HTTPStatusCode"]))
    # THEN describe was untouched and the faults came in the order added
    assert codes == [("ServiceUnavailableException", 500), ("OperationAbortedException", 400)]


def test_fault_for_an_unknown_operation_is_a_test_error(logs: LogsServer) -> None:
    # GIVEN a typo in an operation name
    # WHEN a fault is added for it
    # THEN it is refused at once
    with pytest.raises(ValueError, match="not a CloudWatch Logs operation"):
        logs.faults.fail("PutResourcePolicies")


def test_delay_holds_the_call_then_answers_normally(logs: LogsServer) -> None:
    # GIVEN a 0.4 s delay on describe
    logs.faults.delay("DescribeResourcePolicies", seconds=0.4)
    client = logs_client(logs)
    # WHEN describe is called twice
    started = time.monotonic()
    client.describe_resource_policies()
    first = time.monotonic() - started
    started = time.monotonic()
    client.describe_resource_policies()
    second = time.monotonic() - started
    # THEN only the first waited, and both succeeded
    assert first >= 0.4
    assert second < 0.3


def test_hang_is_released_by_reset_without_touching_state(logs: LogsServer) -> None:
    # GIVEN a put that hangs
    logs.faults.hang("PutResourcePolicy")
    client = logs_client(logs)
    outcome: dict[str, Any] = {}

    def put() -> None:
        try:
            client.put_resource_policy(policyName=NAME, policyDocument=document())
        except ClientError as exc:
            outcome["error"] = exc.response

    thread = threading.Thread(target=put, daemon=True)
    thread.start()
    logs.wait_for(lambda: logs.calls_of("PutResourcePolicy") > 0)
    # WHEN the server is reset
    started = time.monotonic()
    logs.reset()
    thread.join(timeout=5)
    # THEN the call returns at once with 503 and the policy was not written
    assert not thread.is_alive()
    assert time.monotonic() - started < 2
    assert outcome["error"]["Error"]["Code"] == "ServiceUnavailableException"
    assert outcome["error"]["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert stored(logs) == {}


def test_calls_are_recorded_in_order_out_of_band_calls_are_not(logs: LogsServer) -> None:
    # GIVEN a recorded client and an out-of-band one
    client = logs_client(logs)
    other = logs_client(logs, out_of_band=True)
    # WHEN both make calls
    client.describe_resource_policies()
    other.put_resource_policy(policyName="other", policyDocument=document())
    client.put_resource_policy(policyName=NAME, policyDocument=document())
    client.describe_resource_policies()
    sts_client(logs).get_caller_identity()
    # THEN only the recorded client's calls appear, in order, with their requests
    assert logs.calls == [
        "DescribeResourcePolicies",
        "PutResourcePolicy",
        "DescribeResourcePolicies",
        "GetCallerIdentity",
    ]
    assert logs.calls_of("PutResourcePolicy") == 1
    assert logs.recorded("PutResourcePolicy")[0].request["policyName"] == NAME


def test_hook_models_a_writer_racing_us(logs: LogsServer) -> None:
    # GIVEN a hook that overwrites our put with another writer's document
    other = logs_client(logs, out_of_band=True)
    seen: list[dict[str, Any]] = []

    def race(request: dict[str, Any]) -> None:
        seen.append(request)
        if len(seen) == 1:
            other.put_resource_policy(
                policyName=request["policyName"], policyDocument=document("arn:theirs")
            )

    logs.hooks.after("PutResourcePolicy", race)
    client = logs_client(logs)
    # WHEN we put, then re-read
    client.put_resource_policy(policyName=NAME, policyDocument=document("arn:ours"))
    reread = client.describe_resource_policies()["resourcePolicies"]
    # THEN the re-read already sees the other writer, who is not in our call log
    assert reread[0]["policyDocument"] == document("arn:theirs")
    assert seen[0]["policyDocument"] == document("arn:ours")
    assert logs.calls == ["PutResourcePolicy", "DescribeResourcePolicies"]


def test_hook_does_not_run_after_a_refused_call(logs: LogsServer) -> None:
    # GIVEN a hook and a put the strict layer refuses
    seen: list[dict[str, Any]] = []
    logs.hooks.after("PutResourcePolicy", seen.append)
    # WHEN the put fails
    with pytest.raises(ClientError):
        logs_client(logs).put_resource_policy(policyName=NAME, policyDocument="x")
    # THEN the hook did not run
    assert seen == []


def test_reset_clears_state_rules_faults_hooks_and_calls(logs: LogsServer) -> None:
    # GIVEN a policy, changed rules, a pending fault, a hook and recorded calls
    client = logs_client(logs)
    client.put_resource_policy(policyName=NAME, policyDocument=document())
    logs.rules.document_limit = 10
    logs.rules.max_page_size = 1
    logs.rules.require_json = False
    logs.rules.max_policies = 1
    logs.faults.fail("DescribeResourcePolicies", times=5)
    seen: list[dict[str, Any]] = []
    logs.hooks.after("DescribeResourcePolicies", seen.append)
    # WHEN the server is reset
    logs.reset()
    # THEN everything is back to the start
    assert logs.rules == ServiceRules()
    assert logs.faults.pending() == 0
    assert logs.calls == []
    assert client.describe_resource_policies()["resourcePolicies"] == []
    assert seen == []


# ---- binding --------------------------------------------------------------------------------


def test_server_binds_loopback_only(logs: LogsServer) -> None:
    # GIVEN the running server
    host, port = logs.address
    # WHEN its address is checked and another loopback address is tried
    # THEN it listens on 127.0.0.1 only, not on every interface
    assert host == "127.0.0.1"
    assert logs.url == f"http://127.0.0.1:{port}"
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.2", port), timeout=1),
    ):
        pass


def test_wait_for_fails_at_its_bound_and_names_the_calls(logs: LogsServer) -> None:
    # Given a server that records no PutResourcePolicy
    # When a test waits for one, with a short bound
    # Then the wait fails with the calls it saw, instead of hanging
    with pytest.raises(AssertionError, match=r"not within 0.05 s; calls: \[\]"):
        logs.wait_for(lambda: logs.calls_of("PutResourcePolicy") > 0, timeout=0.05)
