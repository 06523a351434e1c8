"""``--accounts`` against an organisation in moto: roles assumed, targets per account x region."""

from __future__ import annotations

import json
import threading

from local_aws.iam_auth import authorized_endpoint, operator
from local_aws.logs_server import LogsServer
from local_aws.organizations import (
    allow_role,
    close_account,
    create_organisation,
    in_account,
    seed_in,
    stored_in,
)
from local_aws.policies import ACCOUNT, NAME, report_document
from tests.support import PREFIX, as_operator, output, run, seed


def test_accounts_all_plans_every_active_account_and_region(logs: LogsServer) -> None:
    # GIVEN an organisation of the management account and three members, one closed
    organisation = create_organisation(logs, 3)
    first, second, closed = organisation.members
    close_account(logs, closed)
    seed_in(logs, first, NAME, in_account(report_document(), first))
    assumed = logs.calls_of("AssumeRole")
    # WHEN plan runs in every account and two regions
    result = run("plan", "--accounts", "all", "--regions", "us-west-2,eu-west-1", "--json",
                 server=logs)  # fmt: skip
    # THEN there is one record per active account x region, each naming its account
    assert result.returncode == 2, result.stderr
    targets = output(result)["targets"]
    expected = [(a, r) for a in (ACCOUNT, first, second) for r in ("eu-west-1", "us-west-2")]
    assert [(t["account"], t["region"]) for t in targets] == expected
    # AND only the member holding the policy needs a change; the others have none yet
    statuses = {(t["account"], t["region"]): t["status"] for t in targets}
    assert statuses.pop((first, "us-west-2")) == "change_needed"
    assert set(statuses.values()) == {"no_policy"}
    # AND the member's policy was read in the member account: its four grants are removed
    removed = {(t["account"], t["region"]): len(t["removed"]) for t in targets}
    assert removed[(first, "us-west-2")] == 4
    assert removed[(ACCOUNT, "us-west-2")] == 0
    # AND the ARNs name each target's own account
    assert all(f":{t['account']}:log-group:" in t["added"][0] for t in targets)
    # AND a role was assumed in each member, none in the caller's own account
    assert logs.calls_of("AssumeRole") - assumed == 2


def test_apply_in_named_accounts_writes_in_each_account(logs: LogsServer) -> None:
    # GIVEN two members; a policy in the first, nothing in the second
    organisation = create_organisation(logs, 2)
    first, second = organisation.members
    seed_in(logs, first, NAME, in_account(report_document(), first))
    # WHEN apply runs in both members (text output)
    result = run("apply", "--accounts", f"{first},{second}", server=logs)
    # THEN each line names its account, the total counts accounts, and each account is written
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{first} us-west-2: {NAME}: written (646 -> ")
    assert lines[1].startswith(f"{second} us-west-2: {NAME}: written (0 -> ")
    assert lines[2] == "total: 2 accounts, 2 targets, 0 failed, 2 written"
    for account in (first, second):
        stored = json.loads(stored_in(logs, account)[NAME])
        assert (
            f"arn:aws:logs:us-west-2:{account}:log-group:/aws/vendedlogs/states/*:*"
            in json.dumps(stored)
        )
    # AND the management account was not touched
    assert "no policy yet" in run("plan", server=logs).stdout


def test_role_name_is_the_role_assumed(logs: LogsServer) -> None:
    organisation = create_organisation(logs, 1)
    [member] = organisation.members
    result = run("plan", "--accounts", member, "--role-name", "ops/VendedLogs", server=logs)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{member} us-west-2: ")


def test_an_account_whose_role_cannot_be_assumed_is_that_targets_error(logs: LogsServer) -> None:
    # GIVEN two members with the role, and an operator who may not assume it in the second
    organisation = create_organisation(logs, 2)
    allowed, denied = organisation.members
    for account in organisation.members:
        allow_role(logs, account)
    keys = operator(
        logs,
        [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "sts:AssumeRole",
             "Resource": f"arn:aws:iam::{denied}:role/*"},
        ],
    )  # fmt: skip
    with authorized_endpoint() as url:
        # WHEN plan runs in both over two regions
        result = run(
            "plan", "--accounts", f"{allowed},{denied}", "--regions", "us-west-2,eu-west-1",
            "--json", env=as_operator(url, keys),
        )  # fmt: skip
    # THEN the denied account's targets are errors naming the role; the other is planned
    assert result.returncode == 1
    targets = {(t["account"], t["region"]): t for t in output(result)["targets"]}
    role = f"arn:aws:iam::{denied}:role/OrganizationAccountAccessRole"
    for region in ("eu-west-1", "us-west-2"):
        assert targets[(allowed, region)]["status"] == "no_policy"
        assert targets[(denied, region)]["status"] == "error"
        assert targets[(denied, region)]["error"].startswith(f"cannot assume role {role}")
    errors = result.stderr.splitlines()
    assert errors == [
        f"{PREFIX}{denied} {region}: cannot assume role {role}: access denied (sts:AssumeRole); "
        "check that the role exists, trusts the caller, and that the caller may assume it"
        for region in ("eu-west-1", "us-west-2")
    ]


def test_at_most_eight_targets_are_in_flight(logs: LogsServer) -> None:
    # GIVEN ten regions whose reads are each held at the server until eight reads have arrived
    regions = "af-south-1,ap-east-1,ap-south-1,ca-central-1,eu-north-1,eu-west-1,eu-west-2," \
        "sa-east-1,us-east-1,us-east-2"  # fmt: skip
    read = "DescribeResourcePolicies"
    lock = threading.Lock()
    answered: list[int] = []
    seen: list[int] = []

    def hold_until_eight_arrived(_: dict[str, object]) -> None:
        """Counts the reads in flight (arrived, not answered) once eight have arrived: a ninth
        can arrive only if more than eight targets run at once (order, not a clock)."""
        logs.wait_for(lambda: logs.calls_of(read) >= 8)
        with lock:
            seen.append(logs.calls_of(read) - len(answered))
            answered.append(1)

    logs.hooks.after(read, hold_until_eight_arrived)
    result = run("plan", "--regions", regions, server=logs)
    # THEN no more than eight reads were in flight at once, eight were at the start, and all ran
    assert result.returncode == 0, result.stderr
    assert max(seen) == 8
    assert len(seen) == 10
    assert result.stdout.splitlines()[-1] == (
        "total: 10 regions, 0 failed, 0 need a change, 10 without the policy"
    )


def test_restore_of_another_accounts_backup_assumes_the_role(logs: LogsServer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # GIVEN a member's policy replaced by apply, its backup in a folder
    organisation = create_organisation(logs, 1)
    [member] = organisation.members
    seed_in(logs, member, NAME, in_account(report_document(), member))
    before = stored_in(logs, member)[NAME]
    seed(logs, report_document())  # the same policy in the caller's account, left alone
    applied = run("apply", "--accounts", member, "--backup-dir", str(tmp_path), server=logs)
    assert applied.returncode == 0, applied.stderr
    [backup] = tmp_path.iterdir()
    # WHEN restore runs from the management account, naming the member's account (a role is
    # assumed only in an account the user names, never in one a file names)
    restored = run("restore", str(backup), "--account", member, "--backup-dir", str(tmp_path),
                   server=logs)  # fmt: skip
    # THEN the member's policy is back as it was, through the role
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith(f"{member} us-west-2: {NAME}: restored")
    assert stored_in(logs, member)[NAME] == before
