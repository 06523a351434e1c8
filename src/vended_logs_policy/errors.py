"""One exception hierarchy for the whole package: entry points catch ``VendedLogsPolicyError``.

Every error carries what happened and what to do, in words; the entry points only fit them to
their medium (a 256-character CloudFormation reason, a hook message, one CLI line).
"""

from __future__ import annotations


class VendedLogsPolicyError(Exception):
    """The root: anything this package raises on purpose."""


class InvalidInputError(VendedLogsPolicyError, ValueError):
    """The caller's input (options, scope, properties, a request) is not usable; nothing written."""


class PolicyError(InvalidInputError):
    """A policy document cannot be edited and written back without losing meaning."""


class AwsError(VendedLogsPolicyError):
    """An AWS call failed; ``service``, ``operation`` and ``code`` say which and how."""

    def __init__(self, message: str, *, service: str, operation: str, code: str = "") -> None:
        super().__init__(message)
        self.service = service
        self.operation = operation
        self.code = code


class AccessDeniedError(AwsError):
    """The caller's credentials may not make the call."""


class CredentialsRefusedError(AccessDeniedError):
    """The service refused the credentials themselves (expired, unknown, mis-signed): refreshing
    them helps, a grant does not."""


class CredentialsError(AwsError):
    """No usable credentials or profile: nothing was called."""


class QuotaExceededError(AwsError):
    """A service quota refuses the call (e.g. 10 resource policies per region)."""


class UnavailableError(AwsError):
    """The service kept failing, throttling or not answering within the retry budget."""


class DeadlineExceededError(AwsError):
    """No time is left before the caller's deadline for one more call."""


class RejectedError(AwsError):
    """The service refused the request (a validation error, a document too large, ...)."""


class ConcurrentModificationError(VendedLogsPolicyError):
    """Another writer kept replacing the policy between our write and our verifying read."""
