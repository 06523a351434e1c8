"""The live commands' AWS side: the caller, its accounts and regions, one target's adapters.

Every client comes from ``Clients`` (bounded connect and read timeouts, one attempt each) and every
call goes through a ``retry.Caller`` on the run's ``Retry``: at most ``ATTEMPTS`` attempts, so one
region against an endpoint that never answers fails in about 16 s, and no attempt at all once the
run is interrupted. Importing this module imports boto3: only the live commands do.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vended_logs_policy.adapters.clients import Clients, Timeouts
from vended_logs_policy.adapters.ec2 import Regions
from vended_logs_policy.adapters.logs import LogGroupPolicy, ResourcePolicies
from vended_logs_policy.adapters.organizations import Organization
from vended_logs_policy.adapters.retry import Retry
from vended_logs_policy.adapters.sts import Identity, SecurityTokens, clients_for, role_arn
from vended_logs_policy.cli.backup import BackupWriter
from vended_logs_policy.cli.interrupt import Interruption
from vended_logs_policy.cli.regions import partition_of, region_from_environment
from vended_logs_policy.engine.policy import Scope
from vended_logs_policy.errors import InvalidInputError

ATTEMPTS = 3
BASE_DELAY = 0.5
MAX_DELAY = 4.0


def retry_for(interruption: Interruption, timeouts: Timeouts) -> Retry:
    """The run's retry budget: a few attempts, and none once the run is interrupted."""
    return Retry(
        attempts=ATTEMPTS,
        base_delay=BASE_DELAY,
        max_delay=MAX_DELAY,
        time_left=lambda: 0.0 if interruption.requested else math.inf,
        call_seconds=timeouts.per_call,
    )


@dataclass(frozen=True)
class AwsRun:
    """The caller's clients, the region the run starts from, who the caller is, the retry budget."""

    clients: Clients
    home: str
    identity: Identity
    retry: Retry

    @property
    def partition(self) -> str:
        """The caller's partition (from its ARN)."""
        return self.identity.partition


def _home_region(clients: Clients, flag: str | None, fallback: str | None) -> str:
    region = clients.region or fallback
    if not region:
        raise InvalidInputError(
            "no region: pass --region (or --regions), or set AWS_REGION or AWS_DEFAULT_REGION, "
            "or give the profile a region"
        )
    try:
        partition_of(region)
    except InvalidInputError as exc:
        source = "--region" if flag else "the environment or profile"
        raise InvalidInputError(f"{exc} (from {source})") from exc
    return region


def connect(
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    interruption: Interruption,
    fallback: str | None = None,
) -> AwsRun:
    """The caller's session (region: --region, AWS_REGION, AWS_DEFAULT_REGION, the profile,
    then ``fallback``: the first region of ``--regions``)."""
    clients = Clients.for_profile(
        profile, region_from_environment(region), endpoint_url=endpoint_url
    )
    home = _home_region(clients, region, fallback)
    retry = retry_for(interruption, clients.timeouts)
    identity = SecurityTokens(clients.client("sts", home), retry).identity()
    if partition_of(home) != identity.partition:
        raise InvalidInputError(
            f"region {home} is in partition {partition_of(home)}, but the credentials are for "
            f"partition {identity.partition}"
        )
    return AwsRun(clients, home, identity, retry)


def organisation_accounts(run: AwsRun) -> list[str]:
    """The organisation's ACTIVE accounts, in the service's order."""
    organization = Organization(run.clients.client("organizations", run.home), run.retry)
    return [account.id for account in organization.active_accounts()]


def account_clients(run: AwsRun, account: str, role_name: str) -> Clients:
    """The caller's clients for its own account; for another, those of the role assumed there."""
    if account == run.identity.account:
        return run.clients
    tokens = SecurityTokens(run.clients.client("sts", run.home), run.retry)
    credentials = tokens.assume_role(role_arn(run.partition, account, role_name))
    return clients_for(run.clients, credentials, run.home)


def enabled_regions(run: AwsRun, clients: Clients) -> list[str]:
    """The account's enabled regions (``ec2:DescribeRegions`` from the home region)."""
    return Regions(clients.client("ec2", run.home), run.retry).enabled()


class TrackedPolicies(ResourcePolicies):
    """The Logs adapter, counting the writes that succeeded (what an interruption reports)."""

    def __init__(self, client: Any, retry: Retry, on_write: Callable[[], None]) -> None:
        super().__init__(client, retry)
        self._on_write = on_write

    def put(self, name: str, text: str) -> None:
        """Write, then count the write."""
        super().put(name, text)
        self._on_write()

    def delete(self, name: str) -> None:
        """Delete an account-level policy (``apply --absorb``), then count it as a write."""
        super().delete(name)
        self._on_write()

    def put_log_group_policy(self, policy: LogGroupPolicy, expected: str | None) -> str | None:
        """Write a per-log-group policy; count it when it was not refused."""
        refused = super().put_log_group_policy(policy, expected)
        if refused is None:
            self._on_write()
        return refused

    def delete_log_group_policy(self, policy: LogGroupPolicy) -> str | None:
        """Delete a per-log-group policy (``tidy``); count it when it was not refused."""
        refused = super().delete_log_group_policy(policy)
        if refused is None:
            self._on_write()
        return refused


@dataclass
class Target:
    """One account and region of a run, with what it has done so far."""

    account: str
    region: str
    run: AwsRun
    clients: Clients
    report: Callable[[str], None]
    check: Callable[[], None] = lambda: None  # raises once the run is interrupted
    writes: int = 0
    backups: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        found = partition_of(self.region)
        if found != self.run.partition:
            raise InvalidInputError(
                f"region {self.region} is in partition {found}; the credentials are for "
                f"{self.run.partition}"
            )

    @property
    def scope(self) -> Scope:
        """Partition, region and account of the ARNs."""
        return Scope(self.run.partition, self.region, self.account)

    def client(self, service: str) -> Any:
        """A client of this target's account and region."""
        return self.clients.client(service, self.region)

    def policies(self) -> TrackedPolicies:
        """The region's resource policies, writes counted."""
        return TrackedPolicies(self.client("logs"), self.run.retry, self._wrote)

    def backup_writer(self, folder: str, taken_by: str) -> Callable[..., None]:
        """A ``before_write`` that saves each replaced document in ``folder`` and reports it;
        once the run is interrupted it starts nothing (and so nothing is written)."""
        writer = BackupWriter(
            Path(folder), self.account, self.region, self.run.partition, taken_by, self._saved
        )

        def before_write(
            name: str, replaced_text: str | None, resource_arn: str | None = None
        ) -> None:
            self.check()
            writer(name, replaced_text, resource_arn)

        return before_write

    def progress_data(self) -> dict[str, Any]:
        """What the target did before it stopped: writes and backups."""
        return {"writes": self.writes, "backups": [str(p) for p in self.backups]}

    def _wrote(self) -> None:
        self.writes += 1

    def _saved(self, path: Path) -> None:
        self.backups.append(path)
        self.report(f"{self.account} {self.region}: saved the current policy to {path}")
