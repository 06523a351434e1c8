"""An organisation of several accounts in moto (server mode), and clients inside its accounts.

moto keeps every account's resources apart: credentials from ``sts:AssumeRole`` of a role ARN in
account X act in account X (moto does not check that the role exists, unless IAM authorization
is on: see ``local_aws.iam_auth``). The management account is moto's default, 123456789012 (the
dummy credentials' account).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

import boto3

from local_aws.logs_server import OUT_OF_BAND_HEADER, LogsServer

MANAGEMENT: Final = "123456789012"
ROLE: Final = "OrganizationAccountAccessRole"
ALLOW_ALL: Final = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
TRUST_ANYONE: Final = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
}


def admin_client(server: LogsServer, service: str, region: str = "us-west-2") -> Any:
    """A client of the management account with the dummy credentials (for seeding)."""
    return boto3.session.Session().client(  # type: ignore[call-overload]
        service,
        region_name=region,
        endpoint_url=server.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@dataclass(frozen=True)
class Organisation:
    """The management account and the member accounts created, in creation order."""

    management: str
    members: tuple[str, ...]

    @property
    def accounts(self) -> tuple[str, ...]:
        """Every account: the management account first."""
        return (self.management, *self.members)


def create_organisation(
    server: LogsServer, members: int, region: str = "us-west-2"
) -> Organisation:
    """An organisation (all features) with ``members`` new member accounts."""
    client = admin_client(server, "organizations", region)
    management = client.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"]
    created = [
        client.create_account(Email=f"member{n}@example.com", AccountName=f"member{n}")[
            "CreateAccountStatus"
        ]["AccountId"]
        for n in range(members)
    ]
    return Organisation(str(management), tuple(str(a) for a in created))


def close_account(server: LogsServer, account: str, region: str = "us-west-2") -> None:
    """Close a member account: ListAccounts shows it SUSPENDED."""
    admin_client(server, "organizations", region).close_account(AccountId=account)


def credentials_in(
    server: LogsServer, account: str, role: str = ROLE, region: str = "us-west-2"
) -> dict[str, str]:
    """boto3 keyword arguments with credentials of ``role`` assumed in ``account``."""
    sts = admin_client(server, "sts", region)
    found = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="local-aws-seed"
    )["Credentials"]
    return {
        "aws_access_key_id": found["AccessKeyId"],
        "aws_secret_access_key": found["SecretAccessKey"],
        "aws_session_token": found["SessionToken"],
    }


def client_in(
    server: LogsServer, account: str, service: str, region: str = "us-west-2", role: str = ROLE
) -> Any:
    """A client acting in ``account`` (through ``role``); Logs calls go out of band (a seed)."""
    keys = credentials_in(server, account, role, region)
    client = boto3.session.Session(
        aws_access_key_id=keys["aws_access_key_id"],
        aws_secret_access_key=keys["aws_secret_access_key"],
        aws_session_token=keys["aws_session_token"],
    ).client(service, region_name=region, endpoint_url=server.url)  # type: ignore[call-overload]
    if service == "logs":

        def mark(request: Any, **_: Any) -> None:
            request.headers[OUT_OF_BAND_HEADER] = "1"

        client.meta.events.register("before-sign", mark)
    return client


def seed_in(
    server: LogsServer, account: str, name: str, document: dict[str, Any], region: str = "us-west-2"
) -> None:
    """Store a policy in another account, as another writer there would."""
    client_in(server, account, "logs", region).put_resource_policy(
        policyName=name, policyDocument=json.dumps(document, separators=(",", ":"))
    )


def stored_in(server: LogsServer, account: str, region: str = "us-west-2") -> dict[str, str]:
    """Every account-level policy's text by name in ``account`` and ``region``."""
    listed = client_in(server, account, "logs", region).describe_resource_policies()
    return {p["policyName"]: p["policyDocument"] for p in listed["resourcePolicies"]}


def allow_role(server: LogsServer, account: str, role: str = ROLE) -> None:
    """Let ``role`` in ``account`` (made if missing) be assumed by anyone and do anything: what
    IAM authorization checks. moto's CreateAccount makes OrganizationAccountAccessRole with a
    trust policy but no permissions."""
    iam = client_in(server, account, "iam", role=role)
    try:
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST_ANYONE))
    except iam.exceptions.EntityAlreadyExistsException:
        iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(TRUST_ANYONE))
    iam.put_role_policy(RoleName=role, PolicyName="all", PolicyDocument=json.dumps(ALLOW_ALL))


def in_account(document: dict[str, Any], account: str, default: str = MANAGEMENT) -> dict[str, Any]:
    """A copy of ``document`` whose ARNs and conditions name ``account`` instead of ``default``."""
    parsed: dict[str, Any] = json.loads(json.dumps(document).replace(default, account))
    return parsed
