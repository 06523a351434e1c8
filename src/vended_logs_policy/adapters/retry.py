"""Bounded calls: which errors are retried, full-jitter backoff, a deadline, error translation.

Retries are ours, per call and per error code: botocore's standard mode would retry
``LimitExceededException`` (a quota, not throttling) and would not retry
``OperationAbortedException`` (a lost race). Clients are built with one attempt (clients.py).
Each attempt is bounded on the wall clock (deadline.py), not only per socket read.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ProfileNotFound,
)

from vended_logs_policy.adapters.deadline import CallTimedOut, within
from vended_logs_policy.errors import (
    AccessDeniedError,
    AwsError,
    CredentialsError,
    CredentialsRefusedError,
    DeadlineExceededError,
    QuotaExceededError,
    RejectedError,
    UnavailableError,
)

T = TypeVar("T")

RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "OperationAbortedException",
        "ServiceUnavailableException",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalServerError",
        "InternalServiceError",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
# The credentials themselves are refused (expired, unknown, mis-signed): a grant won't help.
REFUSED_CREDENTIAL_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
    }
)
ACCESS_DENIED_CODES = REFUSED_CREDENTIAL_CODES | {
    "AccessDeniedException",
    "AccessDenied",
    "UnauthorizedOperation",
    "AuthorizationError",
}
QUOTA_CODES = frozenset({"LimitExceededException", "ServiceQuotaExceededException"})
CREDENTIAL_ERRORS = (NoCredentialsError, PartialCredentialsError, ProfileNotFound, NoRegionError)
# What makes each one go away, said after botocore's own words.
CREDENTIAL_FIXES = {
    "NoCredentialsError": "; give it credentials: a profile (--profile, AWS_PROFILE; aws configure "
    "or aws sso login), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    "PartialCredentialsError": "; set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use a "
    "profile",
    "ProfileNotFound": "; name a profile of the AWS config file (aws configure list-profiles)",
    "NoRegionError": "; pass --region or set AWS_REGION",
}


@dataclass
class Retry:
    """Retry budget: attempts, full-jitter backoff, and the caller's deadline in seconds."""

    attempts: int = 6
    base_delay: float = 0.2
    max_delay: float = 3.0
    time_left: Callable[[], float] = field(default=lambda: float("inf"))
    call_seconds: float = 0.0  # the longest one call may take (connect + read timeout)
    sleep: Callable[[float], None] = time.sleep
    rng: Callable[[], float] = random.random

    def backoff(self, attempt: int) -> float | None:
        """Seconds to wait before the next attempt, or None when the budget is spent."""
        if attempt + 1 >= self.attempts:
            return None
        delay = self.rng() * min(self.max_delay, self.base_delay * 2.0**attempt)
        if delay + self.call_seconds >= self.time_left():
            return None
        return delay

    def attempt_seconds(self) -> float:
        """The wall-clock bound of one attempt: ``call_seconds`` (0: none), within the deadline."""
        return min(self.call_seconds or math.inf, max(0.0, self.time_left()))

    def pause(self, attempt: int) -> bool:
        """Wait before attempt ``attempt + 1``; False (no wait) when the budget is spent."""
        delay = self.backoff(attempt)
        if delay is None:
            return False
        self.sleep(delay)
        return True

    def can_call(self) -> bool:
        """Whether one more call fits before the deadline."""
        return self.call_seconds < self.time_left()


def error_code(exc: ClientError) -> str:
    """The service's error code of a ClientError ('' when it has none)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def error_message(exc: ClientError) -> str:
    """The service's own message, cut to 120 characters."""
    return str(exc.response.get("Error", {}).get("Message", ""))[:120]


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def is_retryable(exc: ClientError) -> bool:
    """Throttling, a lost race or a server-side failure: worth another attempt."""
    return error_code(exc) in RETRYABLE_CODES or _status(exc) >= 500


def translate(exc: ClientError, service: str, operation: str, title: str = "") -> AwsError:
    """The package's error for a final ClientError, naming the call and what to do."""
    code = error_code(exc)
    if code in ACCESS_DENIED_CODES or _status(exc) == 403:  # 403: some services send no code
        refused = code in REFUSED_CREDENTIAL_CODES
        fix = (
            f"the caller's credentials were refused ({code}): refresh or replace them"
            if refused
            else "grant it to the caller's role"
        )
        denied = CredentialsRefusedError if refused else AccessDeniedError
        return denied(
            f"not allowed to call {service}:{operation}: {fix}",
            service=service,
            operation=operation,
            code=code,
        )
    kind = QuotaExceededError if code in QUOTA_CODES else RejectedError
    return kind(
        f"{title or service} {operation} failed: {code}: {error_message(exc)}",
        service=service,
        operation=operation,
        code=code,
    )


class Caller:
    """Makes one service's calls within a retry budget, raising only the package's errors."""

    def __init__(self, service: str, title: str, retry: Retry | None = None) -> None:
        self.service = service  # the IAM prefix, as in "logs:PutResourcePolicy"
        self.title = title  # the name people know, as in "CloudWatch Logs"
        self.retry = retry or Retry()

    def __call__(self, operation: str, call: Callable[[], T]) -> T:
        """Run ``call``, retrying what is retryable while the budget lasts."""
        attempt = 0
        while True:
            self._check_deadline(operation)
            try:
                return within(self.retry.attempt_seconds(), call)
            except ClientError as exc:
                if not is_retryable(exc):
                    raise translate(exc, self.service, operation, self.title) from exc
                failure: BaseException = exc
                problem = error_code(exc) or str(_status(exc))
            except CREDENTIAL_ERRORS as exc:
                raise self._credentials(operation, exc) from exc
            except ParamValidationError as exc:  # our request is wrong: another try won't help
                raise RejectedError(
                    f"{self.title} {operation} refused the request: {exc}",
                    service=self.service,
                    operation=operation,
                    code="ParamValidationError",
                ) from exc
            except (BotoCoreError, CallTimedOut) as exc:  # refused, read timeout, too slow, ...
                failure, problem = exc, ""
            delay = self.retry.backoff(attempt)
            if delay is None:
                raise self._gave_up(operation, attempt + 1, problem, failure) from failure
            self.retry.sleep(delay)
            attempt += 1

    def _check_deadline(self, operation: str) -> None:
        if not self.retry.can_call():
            raise DeadlineExceededError(
                f"no time left to call {self.title} {operation} before the deadline",
                service=self.service,
                operation=operation,
                code="DeadlineExceeded",
            )

    def _credentials(self, operation: str, exc: BotoCoreError) -> CredentialsError:
        fix = CREDENTIAL_FIXES.get(type(exc).__name__, "")
        return CredentialsError(
            f"cannot call {self.title} {operation}: {exc}{fix}",
            service=self.service,
            operation=operation,
            code=type(exc).__name__,
        )

    def _gave_up(
        self, operation: str, attempts: int, problem: str, failure: BaseException
    ) -> UnavailableError:
        call = f"{self.title} {operation}"
        if problem:
            message = (
                f"{call} kept failing with {problem} after {attempts} attempts; try again later"
            )
        elif isinstance(failure, CallTimedOut):
            message = (
                f"{call} did not answer within {failure.seconds:g} s ({attempts} attempts; the "
                "endpoint is too slow); try again later"
            )
        else:
            message = f"{call} unreachable after {attempts} attempts: {type(failure).__name__}"
        return UnavailableError(
            message,
            service=self.service,
            operation=operation,
            code=problem or type(failure).__name__,
        )


def pages(call: Caller, operation: str, read: Callable[..., Any], token_key: str) -> Iterator[Any]:
    """Each page of a paginated operation, each read through ``call``'s retry budget.

    ``read`` takes the next-page token as the keyword ``token_key`` (absent on the first page).
    A throttled page is retried alone; a boto3 paginator would restart the whole listing.
    A token the service already sent ends the listing with an error rather than a loop.
    """
    token: str | None = None
    seen: set[str] = set()
    while True:
        more = {token_key: token} if token else {}
        page = call(operation, partial(read, **more))
        yield page
        token = page.get(token_key)
        if not token:
            return
        if token in seen:
            raise UnavailableError(
                f"{call.title} {operation} sent the same {token_key} twice; try again later",
                service=call.service,
                operation=operation,
                code="RepeatedPageToken",
            )
        seen.add(token)
