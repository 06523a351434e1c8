"""Scope's region and partition grammar against botocore's own data, and log group prefixes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.loaders import Loader
from hypothesis import given
from hypothesis import strategies as st

from vended_logs_policy.engine.policy import Options, Scope, check_prefix, ensure
from vended_logs_policy.engine.scope import LOG_GROUP_NAME

from .strategies import ACCOUNT

LOADER = Loader()


def partition_regions() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(partition, region, details) for every region of every partition botocore knows, from
    both of its data files."""
    for partition in LOADER.load_data("partitions")["partitions"]:
        for region, details in partition["regions"].items():
            yield partition["id"], region, details
    for partition in LOADER.load_data("endpoints")["partitions"]:
        for region, details in partition["regions"].items():
            yield partition["partition"], region, details


def pseudo_region(region: str) -> bool:
    """botocore's global pseudo-regions (aws-global, aws-cn-global, ...): endpoints, not places
    where a log group lives."""
    return region.endswith("-global")


def test_botocore_knows_the_partitions_the_design_names() -> None:
    # Given botocore's partition data
    found = {(p, r) for p, r, _ in partition_regions()}
    # Then it holds the partitions and regions the scope grammar must not miss
    partitions = {p for p, _ in found}
    assert {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-eusc"} <= partitions
    assert ("aws-eusc", "eusc-de-east-1") in found
    assert ("aws-iso-b", "us-isob-east-1") in found


def test_scope_accepts_every_region_of_every_partition_in_botocore() -> None:
    # Given every (partition, region) pair in botocore's partitions and endpoints data
    rejected = []
    pseudo = []
    for partition, region, _ in partition_regions():
        if pseudo_region(region):
            pseudo.append(region)
            continue
        # When a Scope is built for it
        try:
            scope = Scope(partition, region, ACCOUNT)
        except ValueError as exc:
            rejected.append((partition, region, str(exc)))
            continue
        # Then it is accepted, and ensure writes its ARNs
        assert ensure(None, scope).added_resources == (
            f"arn:{partition}:logs:{region}:{ACCOUNT}:log-group:/aws/vendedlogs/states/*:*",
        )
    assert rejected == []
    assert pseudo  # the pseudo-regions exist, and are the only ones skipped


@pytest.mark.parametrize("region", ["aws-global", "aws-cn-global", "aws-iso-b-global"])
def test_scope_refuses_pseudo_regions(region: str) -> None:
    # Given one of botocore's global pseudo-regions
    # When a Scope is built for it
    # Then it is refused: no log group lives there
    with pytest.raises(ValueError, match="region"):
        Scope("aws", region, ACCOUNT)


@pytest.mark.parametrize(
    ("partition", "region"),
    [
        ("aws-eusc", "eusc-de-east-1"),
        ("aws-iso", "us-iso-east-1"),
        ("aws-iso-b", "us-isob-east-1"),
        ("aws-iso-e", "eu-isoe-west-1"),
        ("aws-iso-f", "us-isof-south-1"),
        ("aws-us-gov", "us-gov-west-1"),
        ("aws-cn", "cn-northwest-1"),
        ("aws", "ap-southeast-7"),
        ("aws", "mx-central-1"),
        ("aws-future", "xx-newplace-12"),
    ],
)
def test_scope_accepts_named_regions(partition: str, region: str) -> None:
    # Given a region of each partition, and one that AWS may add later in the same grammar
    # When a Scope is built
    scope = Scope(partition, region, ACCOUNT)
    # Then the confused-deputy SourceArn names it
    assert scope.source_conditions()["ArnLike"]["aws:SourceArn"] == [
        f"arn:{partition}:logs:{region}:{ACCOUNT}:*"
    ]


# --- prefixes ----------------------------------------------------------------------------------

log_group_names = st.text(alphabet="abcXYZ019._-/#", min_size=1, max_size=40)


@given(prefix=log_group_names)
def test_every_log_group_name_prefix_is_accepted_but_a_bare_slash(prefix: str) -> None:
    # Given any log group name prefix (letters, digits and _ - / . #; '/' first or not)
    # When it is checked
    # Then it is accepted, unless it is "/" alone, which would cover every log group
    if prefix == "/":
        with pytest.raises(ValueError, match="would cover every log group"):
            check_prefix(prefix)
    else:
        assert check_prefix(prefix) == prefix
        assert Options(prefixes=(prefix,)).prefixes == (prefix,)


@given(prefix=st.text(max_size=20))
def test_a_prefix_is_accepted_exactly_when_it_is_a_log_group_name(prefix: str) -> None:
    # Given any text
    # When it is checked as a prefix
    # Then it is accepted exactly when it is a log group name other than "/"
    if bool(LOG_GROUP_NAME.fullmatch(prefix)) and prefix != "/":
        assert check_prefix(prefix) == prefix
    else:
        with pytest.raises(ValueError, match=r"\S"):
            check_prefix(prefix)


def test_a_waf_prefix_gives_the_waf_wildcard() -> None:
    # Given AWS WAF's required log group prefix, which does not start with '/'
    # When it is ensured
    outcome = ensure(None, Scope("aws", "us-east-1", ACCOUNT), Options(prefixes=("aws-waf-logs-",)))
    # Then the wildcard covers aws-waf-logs-*
    assert outcome.added_resources == (
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:aws-waf-logs-*:*",
    )
