"""A fake Lambda context with the attributes Powertools and crhelper read."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

__all__ = [
    "DEFAULT_ACCOUNT",
    "DEFAULT_FUNCTION_ARN",
    "PARTITION_REGIONS",
    "FakeLambdaContext",
    "ManualClock",
    "context_in",
    "partition_of",
]

DEFAULT_ACCOUNT: Final = "123456789012"
DEFAULT_FUNCTION_NAME: Final = "vended-logs-policy"
DEFAULT_FUNCTION_ARN: Final = (
    f"arn:aws:lambda:us-west-2:{DEFAULT_ACCOUNT}:function:{DEFAULT_FUNCTION_NAME}"
)
# One representative region per partition the product supports.
PARTITION_REGIONS: Final = {
    "aws": "us-west-2",
    "aws-cn": "cn-north-1",
    "aws-us-gov": "us-gov-west-1",
}


def partition_of(region: str) -> str:
    """The partition a region belongs to (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("us-isob-"):
        return "aws-iso-b"
    if region.startswith("us-iso-"):
        return "aws-iso"
    return "aws"


def _log_stream_name() -> str:
    return f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}"


@dataclass
class ManualClock:
    """A monotonic clock that moves only when told: ``clock()`` reads it, ``sleep`` advances it
    (pass it where the code under test would sleep), so nothing waits on real time."""

    now: float = 0.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        """Advance the clock by ``seconds`` at once, and record the pause."""
        self.slept.append(seconds)
        self.now += seconds


@dataclass
class FakeLambdaContext:
    """Stands in for the Lambda context; the remaining time counts down from construction on
    ``clock`` (``time.monotonic`` unless a test passes its own, such as ``ManualClock``)."""

    function_name: str = DEFAULT_FUNCTION_NAME
    function_version: str = "$LATEST"
    invoked_function_arn: str = DEFAULT_FUNCTION_ARN
    memory_limit_in_mb: int = 128
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = f"/aws/lambda/{DEFAULT_FUNCTION_NAME}"
    log_stream_name: str = field(default_factory=_log_stream_name)
    timeout_seconds: float = 60.0
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)
    _deadline: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._deadline = self.clock() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds until the deadline (never negative)."""
        return max(0, int((self._deadline - self.clock()) * 1000))


def context_in(
    region: str,
    *,
    account: str = DEFAULT_ACCOUNT,
    function_name: str = DEFAULT_FUNCTION_NAME,
    timeout_seconds: float = 60.0,
) -> FakeLambdaContext:
    """A context whose function ARN uses the partition, region and account given.

    ``context_in("cn-north-1")`` has ``arn:aws-cn:lambda:cn-north-1:123456789012:function:...``.
    """
    arn = f"arn:{partition_of(region)}:lambda:{region}:{account}:function:{function_name}"
    return FakeLambdaContext(
        function_name=function_name,
        invoked_function_arn=arn,
        log_group_name=f"/aws/lambda/{function_name}",
        timeout_seconds=timeout_seconds,
    )
