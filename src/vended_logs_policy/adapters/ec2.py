"""EC2: the regions enabled for the account (``--regions all``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vended_logs_policy.adapters.retry import Caller, Retry

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client


class Regions:
    """``DescribeRegions`` through the retry budget (one page: the call is not paginated)."""

    def __init__(self, client: EC2Client, retry: Retry | None = None) -> None:
        self._client = client
        self._call = Caller("ec2", "EC2", retry)

    def enabled(self) -> list[str]:
        """The names of the regions enabled for the account (opted in or not needing it), sorted."""
        found = self._call(
            "DescribeRegions", lambda: self._client.describe_regions(AllRegions=False)
        )
        return sorted(str(r["RegionName"]) for r in found.get("Regions", []) if "RegionName" in r)
