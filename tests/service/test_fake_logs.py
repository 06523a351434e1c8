"""The in-memory fake keeps the CloudWatch Logs rules the product depends on (the same the strict
layer adds to moto), so that tests on it mean what they would mean against the service."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from local_aws.fake_logs import FakeLogs
from local_aws.policies import NAME, compliant_text, route53_text

READ = "DescribeResourcePolicies"
WRITE = "PutResourcePolicy"


def code_of(raised: pytest.ExceptionInfo[ClientError]) -> str:
    return str(raised.value.response["Error"]["Code"])


def test_a_document_over_the_limit_is_refused_and_not_stored() -> None:
    # GIVEN a region on the fake
    fake = FakeLogs()
    # WHEN a document one character over 5120 is written
    with pytest.raises(ClientError) as raised:
        fake.put_resource_policy(policyName=NAME, policyDocument='{"a":"' + "x" * 5113 + '"}')
    # THEN the service's refusal, and nothing stored; 5120 itself is fine
    assert code_of(raised) == "InvalidParameterException"
    assert fake.stored() is None
    fake.put_resource_policy(policyName=NAME, policyDocument='{"a":"' + "x" * 5112 + '"}')
    assert len(str(fake.stored())) == 5120


def test_an_eleventh_policy_is_refused_but_a_tenth_is_replaced() -> None:
    # GIVEN ten policies
    fake = FakeLogs()
    for number in range(10):
        fake.seed(route53_text(number), f"Other{number}")
    # WHEN an eleventh is written THEN the quota refuses it; replacing one of the ten works
    with pytest.raises(ClientError) as raised:
        fake.put_resource_policy(policyName=NAME, policyDocument=compliant_text())
    assert code_of(raised) == "LimitExceededException"
    fake.put_resource_policy(policyName="Other3", policyDocument=compliant_text())
    assert fake.stored("Other3") == compliant_text()
    assert fake.recorded(WRITE)[0].status == 400


def test_a_document_that_is_not_a_json_object_is_refused() -> None:
    fake = FakeLogs()
    for text in ("not json", "[1]"):
        with pytest.raises(ClientError) as raised:
            fake.put_resource_policy(policyName=NAME, policyDocument=text)
        assert code_of(raised) == "InvalidParameterException"
    assert fake.policies == {}


def test_pages_follow_the_limit_and_the_rule_and_a_foreign_token_is_refused() -> None:
    # GIVEN five policies and a service answering at most two per page
    fake = FakeLogs()
    for number in range(5):
        fake.seed(route53_text(number), f"Other{number}")
    fake.rules.max_page_size = 2
    # WHEN read page by page (the first page asking for one) THEN 1, 2, 2 in service order
    first = fake.describe_resource_policies(limit=1)
    second = fake.describe_resource_policies(limit=50, nextToken=first["nextToken"])
    third = fake.describe_resource_policies(limit=50, nextToken=second["nextToken"])
    pages = [[p["policyName"] for p in page["resourcePolicies"]] for page in (first, second, third)]
    assert pages == [["Other0"], ["Other1", "Other2"], ["Other3", "Other4"]]
    assert "nextToken" not in third
    with pytest.raises(ClientError) as raised:
        fake.describe_resource_policies(nextToken="someone-elses")
    assert code_of(raised) == "InvalidParameterException"


def test_per_log_group_policies_are_listed_apart_and_not_counted_in_the_quota() -> None:
    fake = FakeLogs()
    fake.resource_scoped.append({"policyName": "lg", "policyScope": "RESOURCE"})
    for number in range(10):
        fake.seed(route53_text(number), f"Other{number}")
    account = fake.describe_resource_policies()["resourcePolicies"]
    resource = fake.describe_resource_policies(policyScope="RESOURCE")["resourcePolicies"]
    assert "lg" not in [p["policyName"] for p in account]
    assert [p["policyName"] for p in resource] == ["lg"]


def test_faults_apply_in_order_and_a_delay_moves_the_clock_only() -> None:
    # GIVEN a slow read, then a throttled one
    fake = FakeLogs()
    fake.faults.delay(READ, seconds=7.5)
    fake.faults.fail(READ, code="ThrottlingException", times=1)
    # WHEN three reads are made
    fake.describe_resource_policies()
    with pytest.raises(ClientError) as raised:
        fake.describe_resource_policies()
    fake.describe_resource_policies()
    # THEN the first took 7.5 s on the fake's clock, the second was throttled, the third plain
    assert fake.clock() == 7.5
    assert code_of(raised) == "ThrottlingException"
    assert [c.status for c in fake.recorded(READ)] == [200, 400, 200]
    assert fake.faults.pending() == 0
    with pytest.raises(ValueError, match="not an operation"):
        fake.faults.fail("GetLogEvents")


def test_seeding_and_reading_out_of_band_are_not_recorded() -> None:
    fake = FakeLogs()
    fake.seed(compliant_text())
    assert fake.stored() == compliant_text()
    assert fake.calls == []
    fake.delete_resource_policy(policyName=NAME)
    assert fake.calls == ["DeleteResourcePolicy"]
    assert fake.stored() is None
