"""The CLI's pure parts: option values, regions from botocore's data, the parser, the diff."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from vended_logs_policy import diff
from vended_logs_policy.cli import regions, values
from vended_logs_policy.cli.backup import Backup, BackupError, BackupWriter, file_name, load
from vended_logs_policy.cli.parser import COMMANDS, UsageError, build_parser, parse
from vended_logs_policy.cli.results import (
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_OK,
    Status,
    TargetResult,
    worst,
)
from vended_logs_policy.cli.settings import allowed_prefixes
from vended_logs_policy.errors import InvalidInputError
from vended_logs_policy.text import clip, plural

# ---- values --------------------------------------------------------------------------------


def test_region_lists() -> None:
    assert values.region_list("us-west-2, eu-west-1,us-west-2").names == ("eu-west-1", "us-west-2")
    assert values.region_list("all").all
    for bad, message in [
        ("", "not an empty list"),
        ("  ", "not an empty list"),
        ("a,,b", "empty item"),
        ("all,us-east-1", "stands alone"),
        ("us-west-9", "unknown region 'us-west-9'"),
    ]:
        with pytest.raises(InvalidInputError, match=message):
            values.region_list(bad)


def test_account_lists_keep_the_order_given() -> None:
    ids = "222222222222,111111111111,222222222222"
    assert values.account_list(ids).names == ("222222222222", "111111111111")
    assert values.account_list("all").all
    with pytest.raises(InvalidInputError, match="not a 12-digit"):
        values.account_list("1111")


def test_a_choice_is_some_names_or_all_said_explicitly() -> None:
    # "all" parses to the one explicit Choice.ALL, names to a choice of those names
    assert values.region_list("all") is values.Choice.ALL
    assert values.account_list("all") is values.Choice.ALL
    assert (values.Choice.ALL.all, values.Choice.ALL.names) == (True, ())
    assert not values.Choice(("us-west-2",)).all
    # and neither no names without all, nor names with it, is a choice
    for names, everything in [((), False), (("us-west-2",), True)]:
        with pytest.raises(ValueError, match="some names or all"):
            values.Choice(names, all=everything)


def test_fail_on_and_role_names() -> None:
    assert values.fail_on("near-limit,over-limit") == {"near-limit", "over-limit"}
    with pytest.raises(InvalidInputError, match="choose from over-limit, near-limit"):
        values.fail_on("big")
    assert values.role_name("ops/team/VendedLogs") == "ops/team/VendedLogs"
    for bad in ("", "/Role", "Role/", "a b", "x" * 513):
        with pytest.raises(InvalidInputError):
            values.role_name(bad)


def test_grant_findings_options() -> None:
    # plan takes no-policy and the grant findings; audit takes every finding of its own; both
    # take --allowed-prefix
    assert values.plan_fail_on("broad-grant,unconditional-grant,no-policy") == {
        "broad-grant",
        "unconditional-grant",
        "no-policy",
    }
    with pytest.raises(
        InvalidInputError, match="choose from no-policy, unconditional-grant, broad-grant"
    ):
        values.plan_fail_on("near-limit")
    assert values.fail_on("broad-grant") == {"broad-grant"}
    args = parse(["plan", "--fail-on", "broad-grant", "--allowed-prefix", "aws-waf-logs-"])
    assert (args.fail_on, args.allowed_prefixes) == ({"broad-grant"}, ["aws-waf-logs-"])
    args = parse(["audit", "--prefix", "/apps/", "--allowed-prefix", "aws-waf-logs-"])
    assert allowed_prefixes(args) == ("/aws/vendedlogs/", "/apps/", "aws-waf-logs-")
    with pytest.raises(InvalidInputError, match="--allowed-prefix"):
        allowed_prefixes(parse(["audit", "--allowed-prefix", "/"]))


# ---- regions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("il-central-1", "aws"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-east-1", "aws-us-gov"),
        ("eusc-de-east-1", "aws-eusc"),
        ("us-iso-west-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
    ],
)
def test_partitions_come_from_botocores_data(region: str, partition: str) -> None:
    assert regions.partition_of(region) == partition
    assert regions.partition_for(region, None) == partition
    assert regions.partition_for(region, partition) == partition


def test_unknown_names_suggest_the_closest() -> None:
    with pytest.raises(InvalidInputError, match="did you mean eu-central-1"):
        regions.partition_of("eu-cnetral-1")
    with pytest.raises(InvalidInputError, match=r"^unknown region 'xx'[^;]*$"):
        regions.partition_of("xx")
    with pytest.raises(InvalidInputError, match="did you mean aws-cn"):
        regions.check_partition("aws-cm")
    assert "aws-global" not in regions.known_regions()


def test_region_from_the_environment() -> None:
    assert regions.region_from_environment("eu-west-1", {"AWS_REGION": "us-east-1"}) == "eu-west-1"
    assert regions.region_from_environment(None, {"AWS_REGION": "us-east-1"}) == "us-east-1"
    assert regions.region_from_environment(None, {"AWS_REGION": ""}) is None
    assert regions.region_from_environment(None, {"AWS_DEFAULT_REGION": "x"}) is None


# ---- the parser ----------------------------------------------------------------------------


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_option_has_help() -> None:
    parser = build_parser()
    commands = _subparsers(parser)
    assert set(commands) == set(COMMANDS)
    for name, command in [("", parser), *commands.items()]:
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"


def test_usage_errors_raise_instead_of_exiting_2() -> None:
    with pytest.raises(UsageError, match="unrecognized arguments: --jsn"):
        parse(["plan", "--jsn"])
    with pytest.raises(UsageError, match="--role-name needs --accounts"):
        parse(["apply", "--role-name", "Ops"])
    with pytest.raises(UsageError, match="not allowed with argument --region"):
        parse(["audit", "--region", "us-east-1", "--regions", "all"])
    args = parse(["audit", "--fail-on", "near-limit", "--accounts", "all", "--role-name", "Ops"])
    assert (args.fail_on, args.accounts.all, args.role_name) == ({"near-limit"}, True, "Ops")


# ---- diff ----------------------------------------------------------------------------------


def _statement(sid: str | None, resources: list[str], **extra: object) -> dict[str, object]:
    found: dict[str, object] = {} if sid is None else {"Sid": sid}
    return found | {"Effect": "Allow", "Principal": {"Service": "s"}, "Action": "a:B",
                    "Resource": resources} | extra  # fmt: skip


def test_diff_pairs_statements_and_lists_resources() -> None:
    before = {"Statement": [_statement("A", ["r1", "r2"]), _statement("B", ["x"])]}
    after = {
        "Statement": [
            _statement("B", ["x"]),
            _statement("A", ["r1", "w"], Condition={"k": "v"}),
            _statement(None, ["n"], Principal="*"),
        ]
    }
    found = diff.diff(before, after, 10, 12)
    assert (found.count("changed"), found.count("added"), found.unchanged) == (1, 1, 1)
    changed = found.changes[0]
    assert (changed.added_resources, changed.removed_resources) == (("w",), ("r2",))
    assert changed.other_changes == ("Condition",)
    assert found.changes[1].principal == "*"
    lines = diff.describe(found, limit=1)
    assert lines[:2] == [
        "  length: 10 -> 12 characters",
        "  statements: 1 changed, 1 added, 1 unchanged",
    ]
    assert "  + statement (no Sid) (Allow *): 1 resource added, 0 removed" in lines


def test_diff_of_a_removed_statement_and_long_lists() -> None:
    before = {"Statement": _statement("A", [f"r{n}" for n in range(25)])}
    found = diff.diff(before, {"Statement": []}, 100, 20)
    assert found.changes[0].change == "removed"
    lines = diff.describe(found)
    assert lines[-1] == "      - ... and 5 more"
    assert diff.statements(None) == []
    assert diff.statements({"Statement": "junk"}) == []


# ---- results, backups ----------------------------------------------------------------------


def test_plurals_clips_and_exit_codes() -> None:
    assert (clip("abcdef", 6), clip("abcdefg", 6), clip("x" * 100)) == (
        "abcdef",
        "abc...",
        "x" * 77 + "...",
    )
    assert (plural(1, "region"), plural(0, "region"), plural(2, "policy", "policies")) == (
        "1 region", "0 regions", "2 policies",
    )  # fmt: skip
    assert worst([EXIT_OK, EXIT_CHANGES]) == EXIT_CHANGES
    assert worst([EXIT_CHANGES, EXIT_ERROR, EXIT_OK]) == EXIT_ERROR
    assert worst([]) == EXIT_OK
    record = TargetResult("1", None, Status.NOT_STARTED, 0, data={"x": 1}).record()
    assert list(record) == ["account", "region", "status", "x"]
    assert Status.CHANGE_NEEDED.words == "change needed"


def test_backups_round_trip(tmp_path: Path) -> None:
    saved: list[Path] = []
    writer = BackupWriter(tmp_path, "123456789012", "us-west-2", "aws", "apply", saved.append)
    writer("team/policy one", '{"a":1}')
    writer("team/policy one", '{"a":1}')  # the same microsecond or not: two files
    assert len(set(saved)) == 2
    backup = load(str(saved[0]))
    assert (backup.policy_name, backup.document, backup.existed) == (
        "team/policy one",
        '{"a":1}',
        True,
    )
    assert saved[0].name.startswith("123456789012_us-west-2_team-policy-one_")


def test_a_backup_folder_that_cannot_be_made(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    writer = BackupWriter(blocker / "sub", "123456789012", "us-west-2", "aws", "apply", print)
    with pytest.raises(BackupError, match="nothing was written"):
        writer("p", None)


def test_file_names_are_safe() -> None:
    backup = Backup("1", "r", "aws", "../..", "t", "apply", False, None)
    assert file_name(backup, "S") == "1_r_policy_S.json"
