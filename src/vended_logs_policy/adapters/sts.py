"""STS: who the caller is (account, partition) and clients for a role assumed in another account."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3

from vended_logs_policy.adapters.clients import Clients
from vended_logs_policy.adapters.retry import Caller, Retry
from vended_logs_policy.errors import AccessDeniedError, AwsError, CredentialsRefusedError

if TYPE_CHECKING:
    from mypy_boto3_sts import STSClient

SESSION_NAME = "vended-logs-policy"
ROLE_SECONDS = 3600


@dataclass(frozen=True)
class Identity:
    """The caller: its ARN, and the account and partition that ARN names."""

    arn: str
    account: str
    partition: str

    @classmethod
    def from_arn(cls, arn: str) -> Identity:
        """Split ``arn:<partition>:sts::<account>:...`` (or ``iam``)."""
        parts = arn.split(":")
        if len(parts) < 6 or parts[0] != "arn" or not parts[4].isdigit():
            raise AwsError(
                f"STS returned an ARN that names no account: {arn!r}",
                service="sts",
                operation="GetCallerIdentity",
                code="UnexpectedArn",
            )
        return cls(arn, parts[4], parts[1])


@dataclass(frozen=True)
class TemporaryCredentials:
    """Credentials of an assumed role; the secret parts are not shown in a repr."""

    access_key_id: str
    secret_access_key: str
    session_token: str

    def __repr__(self) -> str:
        return f"TemporaryCredentials(access_key_id={self.access_key_id!r}, ...)"


def role_arn(partition: str, account: str, role_name: str) -> str:
    """The ARN of role ``role_name`` (a path may precede the name) in ``account``."""
    return f"arn:{partition}:iam::{account}:role/{role_name}"


class SecurityTokens:
    """STS calls of one region, each through the retry budget, raising the package's errors."""

    def __init__(self, client: STSClient, retry: Retry | None = None) -> None:
        self._client = client
        self._call = Caller("sts", "STS", retry)

    def identity(self) -> Identity:
        """``GetCallerIdentity``: the caller's ARN, account and partition."""
        found = self._call("GetCallerIdentity", self._client.get_caller_identity)
        return Identity.from_arn(str(found["Arn"]))

    def assume_role(self, arn: str, session_name: str = SESSION_NAME) -> TemporaryCredentials:
        """``AssumeRole``: credentials for ``arn`` (denied: an error naming the role)."""
        try:
            found = self._call(
                "AssumeRole",
                lambda: self._client.assume_role(
                    RoleArn=arn, RoleSessionName=session_name, DurationSeconds=ROLE_SECONDS
                ),
            )
        except CredentialsRefusedError:  # the caller's own credentials: the role is not the issue
            raise
        except AccessDeniedError as exc:
            raise AccessDeniedError(
                f"cannot assume role {arn}: access denied (sts:AssumeRole); check that the role "
                "exists, trusts the caller, and that the caller may assume it",
                service="sts",
                operation="AssumeRole",
                code=exc.code,
            ) from exc
        credentials = found["Credentials"]
        return TemporaryCredentials(
            credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
        )


def clients_for(base: Clients, credentials: TemporaryCredentials, region: str) -> Clients:
    """Clients with the base's endpoint and timeouts, signed with an assumed role's credentials."""
    session = boto3.session.Session(
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        region_name=region,
    )
    return Clients(session, endpoint_url=base.endpoint_url, timeouts=base.timeouts)
