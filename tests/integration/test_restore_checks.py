"""``restore`` verifies a backup before it writes, in ``--dry-run`` too (issue 16's reproducers),
and reads the backups the functions log and ``plan --json`` records."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from local_aws.logs_server import LogsServer
from local_aws.policies import ACCOUNT, NAME, REGION, ROUTE53, report_document
from local_aws.product import stored_text
from tests.support import finish, output, run, seed, start
from vended_logs_policy.backup import LOG_KEY, LOG_MESSAGE, Backup

OTHER = "666666666666"
TAKEN_AT = "2026-01-01T00:00:00.000000Z"


def backup_of(document: str | None, **changes: Any) -> dict[str, Any]:
    """A backup as a writer would take it (its digest right), with ``changes`` applied first."""
    fields: dict[str, Any] = {
        "account": ACCOUNT,
        "region": REGION,
        "partition": "aws",
        "policy_name": NAME,
        "taken_at": TAKEN_AT,
        "taken_by": "apply",
        "existed": document is not None,
        "document": document,
    } | changes
    return Backup(**fields).as_json()


def write(folder: Path, data: Any, name: str = "backup.json") -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def refused(logs: LogsServer, source: str, *extra: str) -> str:
    """Run restore and its dry run; both refuse in one line, exit 1, write nothing; the line."""
    puts = logs.calls_of("PutResourcePolicy")
    lines = []
    for args in ((), ("--dry-run",)):
        result = run("restore", source, *extra, *args, server=logs)
        assert result.returncode == 1, result.stdout
        [line] = result.stderr.splitlines()
        lines.append(line)
    assert logs.calls_of("PutResourcePolicy") == puts
    assert lines[0] == lines[1]
    return lines[0]


def foreign_grant() -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                    "Action": "logs:*",
                    "Resource": "*",
                }
            ],
        }
    )


def big_document() -> str:
    statements = [
        ROUTE53 | {"Sid": f"S{n}", "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/g{n}:*"}
        for n in range(60)
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json at all", "its document is not a valid policy"),
        ('{"Statement": [{"Effect": 1}]}', "its document is not a valid policy"),
        (big_document(), "over the 5120-character limit of an account-level resource policy"),
        (foreign_grant(), f"its document names arn:aws:iam::{OTHER}:root, in account {OTHER}"),
    ],
    ids=["not-json", "not-iam-grammar", "over-limit", "foreign-account-arn"],
)
def test_a_document_restore_must_not_write_is_refused(
    logs: LogsServer, tmp_path: Path, document: str, message: str
) -> None:
    seed(logs, report_document())
    line = refused(logs, str(write(tmp_path, backup_of(document))))
    assert message in line


def test_an_arn_of_another_region_or_partition_is_refused(logs: LogsServer, tmp_path: Path) -> None:
    for arn, problem in (
        (f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/x:*", "in region eu-west-1"),
        (f"arn:aws-cn:logs:{REGION}:{ACCOUNT}:log-group:/x:*", "in partition aws-cn"),
    ):
        document = json.dumps({"Statement": [ROUTE53 | {"Resource": arn}]})
        assert problem in refused(logs, str(write(tmp_path, backup_of(document))))


def test_a_backup_edited_since_it_was_taken_is_refused(logs: LogsServer, tmp_path: Path) -> None:
    seed(logs, report_document())
    data = backup_of(json.dumps(report_document()))
    data["document"] = json.dumps({"Statement": [ROUTE53]})
    line = refused(logs, str(write(tmp_path, data)))
    assert f"it was edited since it was taken at {TAKEN_AT}" in line
    data.pop("digest")
    assert 'it records no "digest"' in refused(logs, str(write(tmp_path, data)))


def test_a_file_name_that_disagrees_with_the_content_is_refused(
    logs: LogsServer, tmp_path: Path
) -> None:
    data = backup_of(json.dumps(report_document()))
    name = f"{ACCOUNT}_eu-west-1_{NAME}_20260101T000000000000Z.json"
    line = refused(logs, str(write(tmp_path, data, name)))
    assert "its file name says region eu-west-1 but it holds region us-west-2" in line


def test_another_teams_policy_is_refused_unless_named(logs: LogsServer, tmp_path: Path) -> None:
    # GIVEN a backup (digest right) of another team's policy
    seed(logs, report_document(), name="OtherTeamPolicy")
    before = stored_text(logs, "OtherTeamPolicy")
    path = write(tmp_path, backup_of(json.dumps({"Statement": [ROUTE53]}),
                                     policy_name="OtherTeamPolicy"))  # fmt: skip
    # WHEN restore runs without --policy-name THEN it refuses and writes nothing
    line = refused(logs, str(path))
    assert line.endswith(
        f"the backup is of policy OtherTeamPolicy, but restore writes {NAME}: pass --policy-name "
        "OtherTeamPolicy if that policy is yours to restore"
    )
    assert stored_text(logs, "OtherTeamPolicy") == before
    # WHEN the user names that policy THEN it is restored
    result = run("restore", str(path), "--policy-name", "OtherTeamPolicy", "--backup-dir",
                 str(tmp_path / "b"), server=logs)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert stored_text(logs, "OtherTeamPolicy") == json.dumps({"Statement": [ROUTE53]})


def test_a_backup_of_another_account_assumes_no_role_unless_asked(
    logs: LogsServer, tmp_path: Path
) -> None:
    # GIVEN a backup of another account (digest and ARNs consistent with it)
    document = json.dumps(
        {"Statement": [ROUTE53 | {"Resource": f"arn:aws:logs:{REGION}:{OTHER}:*"}]}
    )
    path = str(write(tmp_path, backup_of(document, account=OTHER)))
    # WHEN restore runs with the caller's credentials THEN it refuses; no role is assumed
    line = refused(logs, path)
    assert line.endswith(
        f"the backup is of account {OTHER}, but the credentials reach account {ACCOUNT}: use "
        f"credentials of {OTHER}, or pass --account {OTHER} to assume --role-name there"
    )
    # AND --account naming another account than the backup's is refused before any call
    calls = len(logs.calls)
    assert f"the backup is of account {OTHER}, not --account {ACCOUNT}" in refused(
        logs, path, "--account", ACCOUNT
    )
    assert len(logs.calls) == calls
    assert logs.calls_of("AssumeRole") == 0


def test_a_fifo_is_refused_at_once(logs: LogsServer, tmp_path: Path) -> None:
    fifo = tmp_path / "backup.json"
    os.mkfifo(fifo)
    line = refused(logs, str(fifo))
    assert line.endswith(
        f"{fifo} is not a regular file (a FIFO, device or folder): pass a backup file"
    )
    assert logs.calls == []


@pytest.mark.wire  # a real signal to a real process
def test_sigterm_ends_restore_like_ctrl_c(logs: LogsServer, tmp_path: Path) -> None:
    # GIVEN a restore whose first read is held
    seed(logs, report_document())
    path = write(tmp_path, backup_of(json.dumps({"Statement": [ROUTE53]})))
    puts = logs.calls_of("PutResourcePolicy")
    logs.faults.delay("DescribeResourcePolicies", seconds=2)
    process = start("restore", str(path), "--backup-dir", str(tmp_path / "b"), server=logs,
                    cwd=tmp_path)  # fmt: skip
    logs.wait_for(lambda: logs.calls_of("DescribeResourcePolicies") == 1)
    # WHEN SIGTERM arrives THEN it stops as after Ctrl-C: exit 130, nothing written
    process.send_signal(signal.SIGTERM)
    _, err = finish(process)
    assert process.returncode == 130, err
    assert logs.calls_of("PutResourcePolicy") == puts


def test_restore_reads_a_functions_log_line_inline_or_in_a_file(
    logs: LogsServer, tmp_path: Path
) -> None:
    # GIVEN the line a function logs before its write (Powertools' JSON), of the Route 53 policy
    original = json.dumps({"Version": "2012-10-17", "Statement": [ROUTE53]})
    line = json.dumps(
        {
            "level": "WARNING",
            "message": LOG_MESSAGE,
            "service": "vended-logs-policy",
            LOG_KEY: backup_of(original, taken_by="vended-logs-policy-fn"),
        }
    )
    seed(logs, report_document())
    # WHEN restore reads it from a file THEN the original is back
    result = run("restore", str(write(tmp_path, line + "\n", "line.json")), "--backup-dir",
                 str(tmp_path / "b"), server=logs)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert stored_text(logs) == original
    # WHEN it is given inline THEN it is already as in the backup
    again = run("restore", line, "--dry-run", server=logs)
    assert again.returncode == 0, again.stderr
    assert "already as in the backup" in again.stdout


def test_restore_reads_plan_json_and_refuses_an_edited_before(
    logs: LogsServer, tmp_path: Path
) -> None:
    # GIVEN plan --json of the report's policy, then apply compacting it
    seed(logs, report_document())
    original = stored_text(logs)
    plan = run("plan", "--json", server=logs)
    assert plan.returncode == 2, plan.stderr
    assert run("apply", "--backup-dir", str(tmp_path / "b"), server=logs).returncode == 0
    # WHEN plan's "before" is edited THEN restore refuses
    edited = output(plan)
    edited["targets"][0]["before"]["Statement"].append(ROUTE53)
    line = refused(logs, str(write(tmp_path, edited, "edited.json")))
    assert 'its "before" was edited since the plan' in line
    # WHEN restore reads the plan output as printed THEN the stored text is back exactly
    path = write(tmp_path, plan.stdout, "plan.json")
    result = run("restore", str(path), "--backup-dir", str(tmp_path / "b"), server=logs)
    assert result.returncode == 0, result.stderr
    assert stored_text(logs) == original
