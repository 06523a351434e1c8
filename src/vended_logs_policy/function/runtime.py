"""What every entry point reads from its invocation: scope, deadline, the retry budget; and the
backup line every function write leaves in its log (vended_logs_policy/backup.py's format).

The engine, the service and the adapters are imported when a request first needs them, not when
a handler module is imported: what a cold start loads beyond boto3 and Powertools is kept to the
handler's own protocol (docs/benchmarks.md, cold start).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from vended_logs_policy import log_safety
from vended_logs_policy.adapters.clients import Clients

if TYPE_CHECKING:
    from vended_logs_policy.engine.scope import Scope
    from vended_logs_policy.service import BeforeWrite, PolicyService

logger = Logger(child=True)

# Seconds kept back from the function's timeout for the answer (and crhelper's timer).
SAFETY_MARGIN = 5.0


def scope_of(context: Any) -> Scope:
    """Partition, region and account from the function's own ARN (aws-cn, aws-us-gov too)."""
    from vended_logs_policy.engine.scope import Scope

    parts = str(context.invoked_function_arn).split(":")
    return Scope(partition=parts[1], region=parts[3], account=parts[4])


def utc_now() -> datetime:
    """The wall clock's time, in UTC."""
    return datetime.now(UTC)


class Runtime:
    """The clients (reused by warm invocations) and the clock an entry point works with.

    A plain class, not a dataclass: building a dataclass costs about 1 ms of every cold start.
    """

    def __init__(
        self,
        clients: Clients | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        safety_margin: float = SAFETY_MARGIN,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.clients = clients if clients is not None else Clients()
        self.sleep = sleep
        self.safety_margin = safety_margin
        self.now = now
        log_safety.hold()  # no SDK DEBUG line (signed headers, tokens) even at a DEBUG root

    def deadline(self, context: Any) -> Callable[[], float]:
        """Seconds left before the work must stop, from the Lambda context."""
        return lambda: context.get_remaining_time_in_millis() / 1000 - self.safety_margin

    def service(self, scope: Scope, time_left: Callable[[], float]) -> PolicyService:
        """The policy service for the scope's region, every call bounded by ``time_left``."""
        from vended_logs_policy.adapters.logs import ResourcePolicies
        from vended_logs_policy.adapters.retry import Retry
        from vended_logs_policy.service import PolicyService

        retry = Retry(
            time_left=time_left, call_seconds=self.clients.timeouts.per_call, sleep=self.sleep
        )
        return PolicyService(
            ResourcePolicies(self.clients.client("logs", scope.region), retry),
            before_write=self.backup_logger(scope),
        )

    def backup_logger(self, scope: Scope) -> BeforeWrite:
        """A ``before_write`` that logs one line holding the backup of what the write replaces.

        Logged at WARNING, so that no level a function runs at (INFO, WARN) drops it; find it
        with the Logs Insights query in docs/deploy.md and pass it to ``restore``."""
        from vended_logs_policy.backup import LOG_KEY, LOG_MESSAGE, Backup

        def log_backup(name: str, replaced_text: str | None) -> None:
            backup = Backup(
                scope.account,
                scope.region,
                scope.partition,
                name,
                self.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "function"),
                replaced_text is not None,
                replaced_text,
            )
            logger.warning(LOG_MESSAGE, extra={LOG_KEY: backup.as_json()})

        return log_backup
