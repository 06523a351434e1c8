"""Every function write leaves a backup: one log line, in the CLI's backup format, before the
write; ``restore`` puts it back."""

from __future__ import annotations

import functools
import io
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from local_aws.events import load_event
from local_aws.lambda_context import FakeLambdaContext
from local_aws.logs_server import LogsServer
from local_aws.policies import ACCOUNT, NAME, REGION, report_document
from local_aws.product import product_clients, seed, stored_text
from local_aws.response_endpoint import ResponseEndpoint
from tests.support import run
from vended_logs_policy.backup import LOG_KEY, LOG_MESSAGE, parse
from vended_logs_policy.function.account_guard import AccountGuardHandler
from vended_logs_policy.function.answer import deliver
from vended_logs_policy.function.custom_resource import CustomResourceHandler, logger
from vended_logs_policy.function.runtime import Runtime

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def skip(_: float) -> None:
    """A pause not taken."""


@contextmanager
def function_log() -> Iterator[io.StringIO]:
    """What the functions' Powertools logger prints (one JSON object a line)."""
    stream = io.StringIO()
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


def backup_lines(text: str) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [r for r in records if r.get("message") == LOG_MESSAGE]


def runtime(logs: LogsServer) -> Runtime:
    return Runtime(clients=product_clients(logs), sleep=lambda _: None, now=lambda: NOW)


def guard_invocation(logs: LogsServer) -> Callable[[FakeLambdaContext], Any]:
    guard = AccountGuardHandler(runtime(logs), {})
    return lambda context: guard(load_event("hook-create"), context)


def test_the_guard_logs_the_replaced_policy_before_writing_and_restore_reads_the_line(
    logs: LogsServer, lambda_context: FakeLambdaContext, tmp_path: Path
) -> None:
    # GIVEN the report's policy
    seed(logs, report_document())
    original = stored_text(logs)
    # WHEN the guard compacts it
    with function_log() as stream:
        answer = guard_invocation(logs)(lambda_context)
    assert answer["hookStatus"] == "SUCCESS"
    assert stored_text(logs) != original
    # THEN one line, at WARNING, holds the exact replaced text in the backup format
    [line] = backup_lines(stream.getvalue())
    assert line["level"] == "WARNING"
    backup = parse(line[LOG_KEY])
    assert (backup.account, backup.region, backup.partition, backup.policy_name) == (
        ACCOUNT, REGION, "aws", NAME,
    )  # fmt: skip
    assert (backup.document, backup.existed, backup.taken_at) == (
        original, True, "2026-03-01T12:00:00.000000Z",
    )  # fmt: skip
    # AND restore, given that line in a file, puts the original back
    path = tmp_path / "line.json"
    path.write_text(json.dumps(line), encoding="utf-8")
    result = run("restore", str(path), "--backup-dir", str(tmp_path / "b"), server=logs)
    assert result.returncode == 0, result.stderr
    assert stored_text(logs) == original


def test_the_custom_resource_logs_a_backup_before_creating_and_none_without_a_write(
    logs: LogsServer, cfn: ResponseEndpoint, lambda_context: FakeLambdaContext
) -> None:
    handler = CustomResourceHandler(runtime(logs), sender=functools.partial(deliver, sleep=skip))
    create = load_event("create") | {"ResponseURL": cfn.url_for("create")}
    with function_log() as stream:
        handler(create, lambda_context)
        first = backup_lines(stream.getvalue())
        handler(create | {"ResponseURL": cfn.url_for("again")}, lambda_context)
    # THEN the first Create (which wrote) logged "did not exist"; the second wrote nothing
    [line] = first
    assert parse(line[LOG_KEY]).existed is False
    assert backup_lines(stream.getvalue()) == first
    assert [(r.body or {}).get("Status") for r in cfn.received] == ["SUCCESS", "SUCCESS"]
