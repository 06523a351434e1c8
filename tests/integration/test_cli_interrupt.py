"""Ctrl-C and SIGTERM: the console script stops starting work, lets calls in flight finish,
reports every target (written, interrupted, not started), and exits 130, never a traceback.

Each run is a real subprocess against moto; a server fault holds calls in flight while the test
sends the signal.
"""

from __future__ import annotations

import io
import json
import signal
import time
from pathlib import Path

import pytest

from local_aws.logs_server import LogsServer
from local_aws.policies import ACCOUNT, NAME, report_document
from local_aws.product import stored_policies, stored_text
from tests.support import finish, seed, silent_endpoint, start, wait_for_handler
from vended_logs_policy.cli import main

pytestmark = pytest.mark.wire

REGIONS = (
    "ap-south-1", "ca-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "sa-east-1",
    "us-east-1", "us-east-2", "us-west-2",
)  # fmt: skip


def test_sigterm_during_apply_reports_written_and_not_started_targets(
    logs: LogsServer, tmp_path: Path
) -> None:
    # GIVEN nine regions and eight writes (the pool's width) held for two seconds each
    logs.faults.delay("PutResourcePolicy", seconds=2, times=8)
    process = start("apply", "--regions", ",".join(REGIONS), "--backup-dir", str(tmp_path),
                    server=logs, cwd=tmp_path)  # fmt: skip
    logs.wait_for(lambda: logs.calls_of("PutResourcePolicy") == 8)
    # WHEN SIGTERM arrives while the eight writes are in flight
    process.send_signal(signal.SIGTERM)
    out, err = finish(process)
    # THEN it exits 130; the eight writes finished, nothing more was called
    assert process.returncode == 130, err
    assert logs.calls_of("PutResourcePolicy") == 8
    written = {region for region in REGIONS if NAME in stored_policies(logs, region)}
    assert len(written) == 8
    # AND every target is reported: written ones with their backup, the ninth not started
    lines = out.splitlines()
    assert len(lines) == len(REGIONS) + 1
    for region, line in zip(REGIONS, lines, strict=False):
        if region in written:
            assert line.startswith(f"{ACCOUNT} {region}: interrupted after writing; backup ")
        else:
            assert line == f"{ACCOUNT} {region}: not started"
    assert lines[-1] == (
        "total: 9 regions, 0 failed, 0 written, 8 interrupted (8 after writing), 1 not started"
    )
    assert err.splitlines()[-1] == (
        "vended-logs-policy: interrupted: 0 of 9 targets finished, 8 interrupted, 1 not started"
    )
    assert len(list(tmp_path.glob(f"{ACCOUNT}_*.json"))) == 8


def test_ctrl_c_during_apply_writes_nothing_more_and_prints_the_json(
    logs: LogsServer, tmp_path: Path
) -> None:
    # GIVEN the report's policy and apply's first read held for two seconds
    seed(logs, report_document())
    before = stored_text(logs)
    puts = logs.calls_of("PutResourcePolicy")
    logs.faults.delay("DescribeResourcePolicies", seconds=2)
    process = start("apply", "--json", "--backup-dir", str(tmp_path), server=logs, cwd=tmp_path)
    logs.wait_for(lambda: logs.calls_of("DescribeResourcePolicies") == 1)
    # WHEN Ctrl-C arrives while the read is in flight
    process.send_signal(signal.SIGINT)
    out, err = finish(process)
    # THEN the read finished, no write was started, and the JSON says so; exit 130
    assert process.returncode == 130, err
    data = json.loads(out)
    assert (data["exit_code"], data["interrupted"]) == (130, True)
    [target] = data["targets"]
    assert target == {
        "account": ACCOUNT, "region": "us-west-2", "status": "interrupted", "writes": 0,
        "backups": [],
    }  # fmt: skip
    assert stored_text(logs) == before
    assert logs.calls_of("PutResourcePolicy") == puts
    assert list(tmp_path.iterdir()) == []
    assert "vended-logs-policy: interrupted: finishing the calls in flight" in err


def test_interrupt_before_any_target_exits_130(tmp_path: Path) -> None:
    # GIVEN an endpoint that never answers: the run is stuck in its first call (STS)
    with silent_endpoint() as (url, connected):
        process = start("plan", "--endpoint-url", url, "--json", server=None, cwd=tmp_path)
        assert connected.wait(30)
        started = time.monotonic()
        # WHEN SIGTERM arrives
        process.send_signal(signal.SIGTERM)
        out, err = finish(process)
    # THEN the call in flight runs into its read timeout, no other call is made, exit 130
    assert process.returncode == 130, err
    assert time.monotonic() - started < 10
    assert json.loads(out)["targets"] == []
    assert err.splitlines()[-1] == (
        "vended-logs-policy: interrupted: stopped before any target started; nothing written"
    )


def test_a_second_signal_exits_at_once(tmp_path: Path) -> None:
    with silent_endpoint() as (url, connected):
        process = start("plan", "--endpoint-url", url, server=None, cwd=tmp_path)
        assert connected.wait(30)
        process.send_signal(signal.SIGINT)
        assert process.stderr is not None
        first = process.stderr.readline()  # the first signal is handled: order, not a pause
        assert first.startswith("vended-logs-policy: interrupted: finishing the calls in flight")
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, err = finish(process)
    assert process.returncode == 130
    assert time.monotonic() - started < 2
    assert err.splitlines()[-1] == "vended-logs-policy: interrupted again: exiting now"


def test_ctrl_c_and_sigterm_while_render_waits_for_stdin(tmp_path: Path) -> None:
    for number in (signal.SIGINT, signal.SIGTERM):
        process = start("render", "--account", ACCOUNT, "--region", "us-west-2", server=None,
                        cwd=tmp_path)  # fmt: skip
        wait_for_handler(process.pid, signal.SIGTERM)  # in main, reading stdin
        process.send_signal(number)
        process.wait(timeout=30)  # stdin stays open: only the signal can end the read
        out, err = finish(process)
        assert process.returncode == 130, err
        assert (out, err) == ("", "vended-logs-policy: interrupted\n")


class DroppingStdin(io.StringIO):
    """stdin whose read first meets SIGTERM inside a ``__del__``, where Python drops the
    KeyboardInterrupt ("Exception ignored"), as happens when a signal lands while modules load."""

    finalised = False

    def read(self, size: int | None = -1) -> str:
        stdin = self

        class Finalised:
            def __del__(self) -> None:
                stdin.finalised = True
                signal.raise_signal(signal.SIGTERM)  # the handler runs here, inside __del__

        Finalised()
        return super().read(size)


def test_a_signal_python_drops_still_interrupts_render(capfd: pytest.CaptureFixture[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    stdin = DroppingStdin("{}")
    argv = ["render", "--account", ACCOUNT, "--region", "us-west-2"]
    # WHEN render's read meets a SIGTERM whose KeyboardInterrupt Python drops
    code = main(argv, stdin, out, err)
    # THEN render prints nothing and exits 130, and Python's report of the drop (a traceback on
    # the process's stderr) is not printed
    assert stdin.finalised
    assert (code, out.getvalue(), err.getvalue()) == (130, "", "vended-logs-policy: interrupted\n")
    assert capfd.readouterr() == ("", "")


def test_an_interrupted_audit_says_so(logs: LogsServer, tmp_path: Path) -> None:
    # GIVEN audit's first read held (it reads twice: account-level, then per-log-group policies)
    logs.faults.delay("DescribeResourcePolicies", seconds=2)
    process = start("audit", server=logs, cwd=tmp_path)
    logs.wait_for(lambda: logs.calls_of("DescribeResourcePolicies") == 1)
    # WHEN Ctrl-C arrives THEN the second read is never made
    process.send_signal(signal.SIGINT)
    out, err = finish(process)
    assert process.returncode == 130, err
    assert out == f"{ACCOUNT} us-west-2: interrupted\n"
    assert logs.calls_of("DescribeResourcePolicies") == 1
