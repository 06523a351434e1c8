"""Backups taken before each write, and ``restore`` putting one back, against moto."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from local_aws.logs_server import LogsServer
from local_aws.policies import ACCOUNT, NAME, REGION, ROUTE53, report_document
from local_aws.product import stored_text
from tests.support import PREFIX, output, record, run, seed
from vended_logs_policy.backup import Backup

FILE_NAME = re.compile(rf"^{ACCOUNT}_{REGION}_{NAME}_\d{{8}}T\d{{12}}Z\.json$")


def backups(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


def content(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_apply_saves_the_exact_stored_text_before_writing(logs: LogsServer, tmp_path: Path) -> None:
    # GIVEN the report's policy, stored in the service's own spacing
    seed(logs, report_document())
    before = stored_text(logs)
    assert before is not None
    # WHEN apply runs with a backup folder
    result = run("apply", "--backup-dir", str(tmp_path / "saved"), "--json", server=logs)
    # THEN one backup file holds the exact text and what is needed to put it back
    assert result.returncode == 0, result.stderr
    [path] = backups(tmp_path / "saved")
    assert FILE_NAME.match(path.name), path.name
    data = content(path)
    assert data["document"] == before
    assert {k: data[k] for k in ("account", "region", "partition", "policy_name", "existed")} == {
        "account": ACCOUNT, "region": REGION, "partition": "aws", "policy_name": NAME,
        "existed": True,
    }  # fmt: skip
    assert (data["format"], data["version"], data["taken_by"]) == (
        "vended-logs-policy-backup", 1, "apply",
    )  # fmt: skip
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", data["taken_at"])
    # AND its path is printed: at once on stderr, and in the record
    assert f"saved the current policy to {path}" in result.stderr
    assert record(result)["backups"] == [str(path)]


def test_the_default_backup_folder_is_in_the_working_directory(
    logs: LogsServer, tmp_path: Path
) -> None:
    result = run("apply", server=logs, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [path] = backups(tmp_path / "vended-logs-policy-backups")
    # a policy that did not exist: the backup says so, with no document
    assert (content(path)["existed"], content(path)["document"]) == (False, None)
    assert f"; backup: vended-logs-policy-backups/{path.name}" in result.stdout


def test_apply_that_writes_nothing_saves_nothing(logs: LogsServer, tmp_path: Path) -> None:
    assert run("apply", "--backup-dir", str(tmp_path), server=logs).returncode == 0
    assert len(backups(tmp_path)) == 1
    again = run("apply", "--backup-dir", str(tmp_path), server=logs)
    assert again.returncode == 0, again.stderr
    assert "nothing written" in again.stdout
    assert len(backups(tmp_path)) == 1


def test_no_backup_no_write(logs: LogsServer, tmp_path: Path) -> None:
    # GIVEN a backup "folder" that is a file, so no backup can be saved
    seed(logs, report_document())
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    before = stored_text(logs)
    puts = logs.calls_of("PutResourcePolicy")
    # WHEN apply runs THEN it fails in one line and the policy is unchanged
    result = run("apply", "--backup-dir", str(blocker), server=logs)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{PREFIX}{ACCOUNT} {REGION}: cannot save the backup in {blocker}")
    assert line.endswith("nothing was written")
    assert stored_text(logs) == before
    assert logs.calls_of("PutResourcePolicy") == puts


def test_restore_shows_the_change_then_puts_the_backup_back(
    logs: LogsServer, tmp_path: Path
) -> None:
    # GIVEN the report's policy with a Route 53 grant, compacted by apply
    document = report_document()
    document["Statement"].append(ROUTE53)
    seed(logs, document)
    original = stored_text(logs)
    assert run("apply", "--backup-dir", str(tmp_path), server=logs).returncode == 0
    [taken] = backups(tmp_path)
    compacted = stored_text(logs)
    puts = logs.calls_of("PutResourcePolicy")
    # WHEN restore --dry-run runs
    dry = run("restore", str(taken), "--dry-run", "--backup-dir", str(tmp_path), server=logs)
    # THEN it exits 2 with the statement-level change back, writing nothing
    assert dry.returncode == 2, dry.stderr
    assert dry.stdout.splitlines()[0].startswith(
        f"{ACCOUNT} {REGION}: {NAME}: differs from the backup"
    )
    assert "statements: 1 changed, 1 unchanged" in dry.stdout
    assert "4 resources added, 1 removed; Condition changed" in dry.stdout
    assert logs.calls_of("PutResourcePolicy") == puts
    assert stored_text(logs) == compacted
    # WHEN restore runs
    restored = run("restore", str(taken), "--backup-dir", str(tmp_path), "--json", server=logs)
    # THEN the exact original text is back, after a backup of what it replaced
    assert restored.returncode == 0, restored.stderr
    assert stored_text(logs) == original
    data = record(restored)
    assert data["status"] == "restored"
    [newer] = [p for p in backups(tmp_path) if p != taken]
    assert data["backups"] == [str(newer)]
    assert (content(newer)["document"], content(newer)["taken_by"]) == (compacted, "restore")
    # WHEN it runs again THEN there is nothing to do, and its dry run exits 0
    assert "already as in the backup" in run("restore", str(taken), server=logs).stdout
    assert run("restore", str(taken), "--dry-run", server=logs).returncode == 0
    assert logs.calls_of("PutResourcePolicy") == puts + 1


def test_restore_of_a_policy_that_did_not_exist_refuses_to_delete(
    logs: LogsServer, tmp_path: Path
) -> None:
    # GIVEN apply created the policy, so its backup records "did not exist"
    assert run("apply", "--backup-dir", str(tmp_path), server=logs).returncode == 0
    [taken] = backups(tmp_path)
    # WHEN restore runs THEN it refuses, saying how to delete the policy by hand
    for args in ((), ("--dry-run",)):
        result = run("restore", str(taken), *args, server=logs)
        assert result.returncode == 1
        [line] = result.stderr.splitlines()
        assert "restore never deletes a policy (no logs:DeleteResourcePolicy)" in line
        assert line.endswith(
            f"aws logs delete-resource-policy --policy-name {NAME} --region {REGION}"
        )
    assert stored_text(logs) is not None


def test_restore_of_an_absent_policy_when_still_absent_does_nothing(
    logs: LogsServer, tmp_path: Path
) -> None:
    # GIVEN a backup taken when SomeOtherPolicy did not exist (edits are refused: one taken so)
    taken = tmp_path / "other.json"
    absent = Backup(ACCOUNT, REGION, "aws", "SomeOtherPolicy", "2026-01-01T00:00:00Z", "plan",
                    False, None)  # fmt: skip
    taken.write_text(json.dumps(absent.as_json()), encoding="utf-8")
    result = run("restore", str(taken), "--policy-name", "SomeOtherPolicy", server=logs)
    assert result.returncode == 0, result.stderr
    assert "SomeOtherPolicy: absent, as in the backup" in result.stdout


def test_restore_recreates_a_deleted_policy(logs: LogsServer, tmp_path: Path) -> None:
    # GIVEN a backup of the report's policy, and then the policy deleted
    seed(logs, report_document())
    assert run("apply", "--backup-dir", str(tmp_path), server=logs).returncode == 0
    [taken] = backups(tmp_path)
    from local_aws.logs_server import logs_client

    logs_client(logs, REGION).delete_resource_policy(policyName=NAME)
    # WHEN restore runs THEN the policy is back with the exact text
    result = run("restore", str(taken), "--backup-dir", str(tmp_path), server=logs)
    assert result.returncode == 0, result.stderr
    assert stored_text(logs) == content(taken)["document"] == json.dumps(report_document())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "is not a vended-logs-policy backup: Expecting value"),
        ("{}", 'it has no "format": "vended-logs-policy-backup"'),
        ('{"format": "vended-logs-policy-backup", "version": 2}', "version 2 is not 1"),
    ],
)
def test_restore_rejects_a_file_that_is_not_a_backup(
    logs: LogsServer, tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "backup.json"
    path.write_text(text, encoding="utf-8")
    result = run("restore", str(path), server=logs)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert message in line
    assert logs.calls == []


def test_restore_rejects_a_tampered_backup(logs: LogsServer, tmp_path: Path) -> None:
    assert run("apply", "--backup-dir", str(tmp_path), server=logs).returncode == 0
    [taken] = backups(tmp_path)
    for key, value, message in (
        ("region", "cn-north-1", "region cn-north-1 is in partition aws-cn, not aws"),
        ("account", "123", "account '123' is not a 12-digit account id"),
        ("existed", True, '"document" must be a string when "existed" is true'),
    ):
        data = content(taken) | {key: value}
        bad = tmp_path / f"bad-{key}.json"
        bad.write_text(json.dumps(data), encoding="utf-8")
        result = run("restore", str(bad), "--json", server=logs)
        assert result.returncode == 1
        assert message in result.stderr
        assert output(result)["targets"] == []
