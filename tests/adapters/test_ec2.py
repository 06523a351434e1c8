"""The EC2 adapter against a stubbed client: DescribeRegions' request and the enabled regions."""

from __future__ import annotations

import pytest

from tests.adapters.conftest import Stubs
from vended_logs_policy.adapters.ec2 import Regions
from vended_logs_policy.adapters.retry import Retry
from vended_logs_policy.errors import AccessDeniedError

ENABLED_ONLY = {"AllRegions": False}


def test_enabled_regions_are_asked_for_and_sorted(stubs: Stubs, retry: Retry) -> None:
    # GIVEN an answer in no particular order, with an entry that names no region
    client, stubber = stubs("ec2")
    answer = {
        "Regions": [
            {"RegionName": "us-west-2", "OptInStatus": "opt-in-not-required"},
            {"RegionName": "af-south-1", "OptInStatus": "opted-in"},
            {"Endpoint": "ec2.example"},
            {"RegionName": "eu-west-1", "OptInStatus": "opt-in-not-required"},
        ]
    }
    stubber.add_response("describe_regions", answer, ENABLED_ONLY)
    # WHEN the enabled regions are read
    found = Regions(client, retry).enabled()
    # THEN only the enabled ones were asked for (AllRegions=False), named and sorted
    assert found == ["af-south-1", "eu-west-1", "us-west-2"]


def test_no_regions_in_the_answer_is_an_empty_list(stubs: Stubs, retry: Retry) -> None:
    # GIVEN an answer with no Regions at all
    client, stubber = stubs("ec2")
    stubber.add_response("describe_regions", {}, ENABLED_ONLY)
    # WHEN the enabled regions are read / THEN there are none
    assert Regions(client, retry).enabled() == []


def test_request_limit_exceeded_is_retried(stubs: Stubs, retry: Retry, slept: list[float]) -> None:
    # GIVEN EC2's own throttling code on the first request
    client, stubber = stubs("ec2")
    stubber.add_client_error(
        "describe_regions", "RequestLimitExceeded", expected_params=ENABLED_ONLY
    )
    stubber.add_response("describe_regions", {"Regions": [{"RegionName": "us-east-1"}]})
    # WHEN the regions are read
    found = Regions(client, retry).enabled()
    # THEN the second request answered, after one pause
    assert (found, slept) == (["us-east-1"], [0.2])


def test_unauthorized_operation_is_a_denial_naming_the_ec2_action(
    stubs: Stubs, retry: Retry
) -> None:
    # GIVEN EC2's own denial code
    client, stubber = stubs("ec2")
    stubber.add_client_error(
        "describe_regions", "UnauthorizedOperation", "no", 403, expected_params=ENABLED_ONLY
    )
    # WHEN the regions are read
    with pytest.raises(AccessDeniedError) as raised:
        Regions(client, retry).enabled()
    # THEN the error names ec2:DescribeRegions
    assert str(raised.value) == (
        "not allowed to call ec2:DescribeRegions: grant it to the caller's role"
    )
