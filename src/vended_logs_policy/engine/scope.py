"""Names the engine accepts: partitions, regions, accounts, and log group name prefixes.

Regions and partitions follow a grammar rather than a list, so that the engine needs no botocore
and accepts a region AWS adds later: a partition is ``aws`` or ``aws-`` followed by dash-separated
lower-case words (``aws-cn``, ``aws-us-gov``, ``aws-iso-b``, ``aws-eusc``); a region is two or
more lower-case letters, one or more dash-separated words, and a number (``us-west-2``,
``us-isob-east-1``, ``eusc-de-east-1``). botocore's pseudo-regions such as ``aws-global`` name
global endpoints, where no log group lives, and are not regions here.

A log group name holds letters, digits and ``_ - / . #``, at most 512 characters, and need not
start with ``/`` (AWS WAF requires ``aws-waf-logs-...``). A prefix is such a name without
wildcards; ``/`` alone would cover nearly every log group and is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vended_logs_policy.errors import InvalidInputError

PARTITION_PATTERN = re.compile(r"^aws(-[a-z]+)*$")
REGION_PATTERN = re.compile(r"^[a-z]{2,}(-[a-z]+)+-[0-9]{1,2}$")
ACCOUNT_ID = "[0-9]{12}"  # an AWS account id, as a pattern others compose (backup file names)
ACCOUNT_PATTERN = re.compile(rf"^{ACCOUNT_ID}$")
LOG_GROUP_NAME = re.compile(r"^[\.\-_/#A-Za-z0-9]{1,512}$")
MAX_NAME_LENGTH = 512
TOO_BROAD = ("/",)


@dataclass(frozen=True)
class Scope:
    """Partition, region and account whose log groups the wildcard grants."""

    partition: str
    region: str
    account: str

    def __post_init__(self) -> None:
        if not PARTITION_PATTERN.fullmatch(self.partition):
            raise InvalidInputError(f"partition {self.partition!r} is not an AWS partition name")
        if not REGION_PATTERN.fullmatch(self.region):
            raise InvalidInputError(f"region {self.region!r} is not an AWS region name")
        if not ACCOUNT_PATTERN.fullmatch(self.account):
            raise InvalidInputError(f"account {self.account!r} is not a 12-digit AWS account id")

    @property
    def logs_arn(self) -> str:
        """``arn:<partition>:logs:<region>:<account>``: the head of this scope's Logs ARNs."""
        return f"arn:{self.partition}:logs:{self.region}:{self.account}"

    @property
    def log_group_arn(self) -> str:
        """The head of this scope's log group ARNs; the log group name follows it."""
        return f"{self.logs_arn}:log-group:"

    def wildcard(self, prefix: str) -> str:
        """Return the resource ARN that covers every log group whose name starts with prefix."""
        return f"{self.log_group_arn}{prefix}*:*"

    def source_conditions(self) -> dict[str, dict[str, list[str]]]:
        """Return the confused-deputy conditions that tie delivery to this account."""
        return {
            "StringEquals": {"aws:SourceAccount": [self.account]},
            "ArnLike": {"aws:SourceArn": [f"{self.logs_arn}:*"]},
        }


def _shown(prefix: str) -> str:
    return ascii(prefix) if len(prefix) <= 40 else ascii(prefix[:37]) + "..."


def check_prefix(prefix: str) -> str:
    """Return prefix when it is a log group name prefix, else raise ValueError saying why."""
    if not isinstance(prefix, str):
        raise InvalidInputError("a log group prefix must be a string")
    if not prefix:
        raise InvalidInputError(
            "an empty log group prefix would cover every log group; name a narrower prefix"
        )
    if prefix in TOO_BROAD:
        raise InvalidInputError(
            f"log group prefix {_shown(prefix)} would cover every log group whose name starts "
            "with '/'; name a narrower prefix such as /aws/vendedlogs/states/"
        )
    if "*" in prefix or "?" in prefix:
        raise InvalidInputError(
            f"log group prefix {_shown(prefix)} must not contain wildcards ('*' or '?')"
        )
    if not LOG_GROUP_NAME.fullmatch(prefix):
        raise InvalidInputError(
            f"log group prefix {_shown(prefix)} may only hold letters, digits and . - _ / # "
            f"(at most {MAX_NAME_LENGTH} characters)"
        )
    return prefix
