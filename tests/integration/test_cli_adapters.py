"""The CLI's adapters (STS, EC2, Organizations, Step Functions) against moto: paging, the
package's errors, clients with bounded timeouts from ``Clients``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from local_aws.iam_auth import authorized_endpoint, operator
from local_aws.logs_server import LogsServer
from local_aws.organizations import close_account, create_organisation
from local_aws.policies import ACCOUNT
from local_aws.product import product_clients
from tests.support import make_state_machine
from vended_logs_policy.adapters.clients import Clients
from vended_logs_policy.adapters.ec2 import Regions
from vended_logs_policy.adapters.organizations import Organization
from vended_logs_policy.adapters.retry import Retry
from vended_logs_policy.adapters.stepfunctions import StateMachines, logging_state_machines
from vended_logs_policy.adapters.sts import (
    Identity,
    SecurityTokens,
    TemporaryCredentials,
    clients_for,
    role_arn,
)
from vended_logs_policy.errors import AccessDeniedError, AwsError, UnavailableError

NO_WAIT = Retry(attempts=2, sleep=lambda _: None)


def test_identity_and_an_assumed_role(logs: LogsServer) -> None:
    clients = product_clients(logs)
    tokens = SecurityTokens(clients.client("sts", "us-west-2"), NO_WAIT)
    assert tokens.identity() == Identity(f"arn:aws:sts::{ACCOUNT}:user/moto", ACCOUNT, "aws")
    # a role in another account gives clients acting there, with the same endpoint and timeouts
    arn = role_arn("aws", "111122223333", "ops/Role")
    assert arn == "arn:aws:iam::111122223333:role/ops/Role"
    credentials = tokens.assume_role(arn)
    member = clients_for(clients, credentials, "us-west-2")
    assert (member.endpoint_url, member.timeouts) == (clients.endpoint_url, clients.timeouts)
    there = SecurityTokens(member.client("sts", "us-west-2"), NO_WAIT).identity()
    assert (there.account, there.partition) == ("111122223333", "aws")


def test_an_arn_without_an_account_is_an_error() -> None:
    with pytest.raises(AwsError, match="names no account"):
        Identity.from_arn("arn:aws:sts::user/moto")


def test_regions_and_organisation_pages(logs: LogsServer) -> None:
    clients = product_clients(logs)
    enabled = Regions(clients.client("ec2", "us-west-2"), NO_WAIT).enabled()
    assert "us-west-2" in enabled
    assert enabled == sorted(enabled)
    organisation = create_organisation(logs, 4)
    close_account(logs, organisation.members[1])
    paged = Organization(clients.client("organizations", "us-west-2"), NO_WAIT, page_size=2)
    assert [a.id for a in paged.accounts()] == list(organisation.accounts)
    active = [a.id for a in paged.active_accounts()]
    assert active == [a for a in organisation.accounts if a != organisation.members[1]]


def test_state_machines_page_and_skip_those_without_logs(logs: LogsServer) -> None:
    for n in range(3):
        make_state_machine(logs, f"m{n}", f"/aws/vendedlogs/states/m{n}")
    make_state_machine(logs, "quiet", None, level="OFF")
    client = product_clients(logs).client("stepfunctions", "us-west-2")
    machines = StateMachines(client, NO_WAIT, page_size=1)
    assert len(list(machines.listed())) == 4
    assert sorted(m.name for m in machines.logging()) == ["m0", "m1", "m2"]
    assert len(list(logging_state_machines(client))) == 3


def test_denials_become_the_packages_errors(logs: LogsServer) -> None:
    keys = operator(
        logs,
        [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": ["states:*", "ec2:*", "organizations:*"],
             "Resource": "*"},
            {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"},
        ],
    )  # fmt: skip
    import boto3

    session = boto3.session.Session(
        aws_access_key_id=keys["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=keys["AWS_SECRET_ACCESS_KEY"],
    )
    with authorized_endpoint() as url:
        clients = Clients(session, endpoint_url=url)
        calls: list[tuple[Callable[[], object], str]] = [
            (lambda: list(StateMachines(clients.client("stepfunctions", "us-west-2")).logging()),
             "states:ListStateMachines"),
            (lambda: Regions(clients.client("ec2", "us-west-2")).enabled(), "ec2:DescribeRegions"),
            (lambda: Organization(clients.client("organizations", "us-west-2")).accounts(),
             "organizations:ListAccounts"),
            (lambda: SecurityTokens(clients.client("sts", "us-west-2")).assume_role(
                role_arn("aws", "111122223333", "R")), "sts:AssumeRole"),
        ]  # fmt: skip
        for call, permission in calls:
            with pytest.raises(AccessDeniedError) as caught:
                call()
            assert f"{caught.value.service}:{caught.value.operation}" == permission


def test_an_unreachable_endpoint_is_unavailable() -> None:
    clients = Clients(endpoint_url="http://127.0.0.1:9")
    with pytest.raises(UnavailableError, match="EC2 DescribeRegions unreachable after 2 attempts"):
        Regions(clients.client("ec2", "us-west-2"), NO_WAIT).enabled()


def test_temporary_credentials_hide_their_secrets() -> None:
    shown = repr(TemporaryCredentials("AKIA", "secret-key", "token"))
    assert "secret-key" not in shown
    assert "token" not in shown
