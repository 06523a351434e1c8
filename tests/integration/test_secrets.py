"""The presigned ResponseURL is a secret: no log line and no Reason may carry it, on any path.

test_handler_lifecycle.py::test_logs_hold_no_response_url covers a plain lifecycle at the default
level. These add the failure paths (faults, a dropped answer, malformed requests) and the level an
operator sets to troubleshoot, ``POWERTOOLS_LOG_LEVEL=DEBUG``, at which crhelper itself logs the
event and the URL unless its loggers are held at INFO.
"""

from __future__ import annotations

import functools
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest

from local_aws.events import load_event
from local_aws.function_env import WATCH, function_environment
from local_aws.lambda_context import FakeLambdaContext
from local_aws.logs_server import LogsServer
from local_aws.policies import REGION, report_document
from local_aws.product import seed
from local_aws.response_endpoint import ResponseEndpoint
from vended_logs_policy import log_safety
from vended_logs_policy.adapters.clients import Clients
from vended_logs_policy.cli import main
from vended_logs_policy.function.account_guard import AccountGuardHandler
from vended_logs_policy.function.answer import deliver
from vended_logs_policy.function.custom_resource import CustomResourceHandler, logger
from vended_logs_policy.function.runtime import Runtime
from vended_logs_policy.function.watch import WatchHandler

pytestmark = pytest.mark.wire

ROOT = Path(__file__).resolve().parents[2]


def requests(cfn: ResponseEndpoint) -> list[dict[str, Any]]:
    """A lifecycle with its failure paths, each with a presigned ResponseURL."""
    create = load_event("create")
    bad_properties = load_event("create-bad-properties")
    unknown_type = load_event("create") | {"RequestType": "Destroy"}
    oversized_id = load_event("update") | {"PhysicalResourceId": "p" * 2000}
    delete = load_event("delete")
    events = [create, bad_properties, unknown_type, oversized_id, create, delete]
    for n, event in enumerate(events):
        event["RequestId"] = f"secret-{n}"
        event["ResponseURL"] = cfn.url_for(event["RequestId"])
    return events


def assert_no_secret(text: str, cfn: ResponseEndpoint) -> None:
    assert cfn.signature not in text
    assert "X-Amz-Signature" not in text
    assert "X-Amz-Credential" not in text
    assert "cfn-response" not in text


def arm_faults(logs: LogsServer, cfn: ResponseEndpoint) -> None:
    """The first Create meets a throttled read and a dropped answer; the second a denied write."""
    logs.faults.fail("DescribeResourcePolicies", code="ThrottlingException", times=2)
    logs.faults.fail("PutResourcePolicy", code="OperationAbortedException")
    cfn.drop_next(1)


def test_failure_paths_log_no_response_url(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    handler: CustomResourceHandler,
) -> None:
    # GIVEN the function's log output captured, faults armed, and the handler's pauses (retry
    # backoff, answer resends) recorded instead of slept
    arm_faults(logs, cfn)
    stream = io.StringIO()
    log_handler = logger.registered_handler
    assert isinstance(log_handler, logging.StreamHandler)
    previous = log_handler.setStream(stream)
    # WHEN a lifecycle with retries, a dropped answer and malformed requests runs
    try:
        for event in requests(cfn):
            handler(event, lambda_context)
    finally:
        log_handler.setStream(previous)
    # THEN every request was answered, the faults were met, and the log shows the failures
    logged = stream.getvalue()
    assert len(cfn.responses) == 6
    assert [r.outcome for r in cfn.received].count("dropped") == 1
    assert logs.faults.pending() == 0
    assert "answer not delivered" in logged
    assert "malformed request" in logged
    # AND neither the log nor any answer's Reason holds the URL or its signature
    assert_no_secret(logged, cfn)
    assert_no_secret(json.dumps([r.body for r in cfn.received]), cfn)


SCRIPT = """
import functools, json, sys
from local_aws.lambda_context import FakeLambdaContext
from vended_logs_policy.adapters.clients import Clients
from vended_logs_policy.function.answer import deliver
from vended_logs_policy.function.custom_resource import CustomResourceHandler, logger
from vended_logs_policy.function.runtime import Runtime

def skip(_):
    pass

runtime = Runtime(clients=Clients(endpoint_url=sys.argv[2]), sleep=skip)
handler = CustomResourceHandler(runtime, sender=functools.partial(deliver, sleep=skip))
logger.debug("debug-probe")
for event in json.loads(sys.argv[1]):
    handler(event, FakeLambdaContext())
"""


def test_debug_level_logs_no_response_url(logs: LogsServer, cfn: ResponseEndpoint) -> None:
    # GIVEN an operator troubleshooting with POWERTOOLS_LOG_LEVEL=DEBUG (read at import, so the
    # function runs in its own process), and the same faults
    arm_faults(logs, cfn)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    environment |= {
        "SSL_CERT_FILE": cfn.ca_path,
        "POWERTOOLS_LOG_LEVEL": "DEBUG",
    }
    # WHEN the lifecycle runs
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(requests(cfn)), logs.url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
        check=False,
    )
    # THEN it ran at DEBUG and answered everything
    assert done.returncode == 0, done.stderr
    output = done.stdout + done.stderr
    assert "debug-probe" in output
    assert len(cfn.responses) == 6
    # AND not one line holds the URL or its signature
    assert_no_secret(output, cfn)


# ---- the root logger at DEBUG (what Lambda's ApplicationLogLevel: DEBUG does) ---------------

KEY_ID = "ASIAEXAMPLEKEYID12345"
SECRET = "secret-access-key-that-must-never-be-logged"
SESSION_TOKEN = "session-token-that-must-never-be-logged"


def secret_clients(server: LogsServer) -> Clients:
    """The product's clients with distinctive temporary credentials, to search the log for."""
    session = boto3.session.Session(
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        aws_session_token=SESSION_TOKEN,
        region_name=REGION,
    )
    return Clients(session, endpoint_url=server.url)


@contextmanager
def root_at_debug() -> Iterator[io.StringIO]:
    """The root logger at DEBUG with a handler capturing every record that reaches it."""
    stream = io.StringIO()
    capture = logging.StreamHandler(stream)
    capture.setLevel(logging.DEBUG)
    root = logging.getLogger()
    previous = root.level
    held = {name: logging.getLogger(name).level for name in log_safety.HELD}
    for name in log_safety.HELD:
        logging.getLogger(name).setLevel(logging.NOTSET)  # as a fresh Lambda environment has them
    root.setLevel(logging.DEBUG)
    root.addHandler(capture)
    try:
        yield stream
    finally:
        root.removeHandler(capture)
        root.setLevel(previous)
        for name, level in held.items():
            logging.getLogger(name).setLevel(level)


def assert_no_credentials(text: str) -> None:
    for secret in (KEY_ID, SECRET, SESSION_TOKEN, "x-amz-security-token", "Authorization"):
        assert secret not in text, secret


def test_root_at_debug_logs_no_credentials_from_guard_custom_resource_or_watch(
    logs: LogsServer, cfn: ResponseEndpoint, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN the root logger at DEBUG, then the guard and the watch built with temporary
    # credentials (the custom resource last: crhelper resets the root logger to INFO)
    seed(logs, report_document())
    with root_at_debug() as stream:
        logging.getLogger("botocore.probe").debug("sdk-debug-probe")  # DEBUG reaches the root
        guard = AccountGuardHandler(Runtime(clients=secret_clients(logs), sleep=lambda _: None), {})
        watch = WatchHandler(
            Runtime(clients=secret_clients(logs), sleep=lambda _: None),
            function_environment(WATCH),
        )
        # WHEN each handles a request that reads (the guard writes too)
        answer = guard(load_event("hook-create"), lambda_context)
        watch(load_event("watch"), lambda_context)
        custom = CustomResourceHandler(
            Runtime(clients=secret_clients(logs), sleep=lambda _: None),
            sender=functools.partial(deliver, sleep=lambda _: None),
        )
        create = load_event("create") | {"ResponseURL": cfn.url_for("debug-create")}
        custom(create, lambda_context)
    # THEN they worked, and DEBUG records reached the root handler
    assert answer["hookStatus"] == "SUCCESS", answer
    assert [(r.body or {}).get("Status") for r in cfn.received] == ["SUCCESS"]
    logged = stream.getvalue()
    assert "sdk-debug-probe" in logged
    # AND no line holds the credentials, a signed header or the presigned URL
    assert_no_credentials(logged)
    assert_no_secret(logged, cfn)


def test_cli_with_the_root_logger_at_debug_logs_no_credentials(
    logs: LogsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the CLI run in a process whose root logger is at DEBUG, with temporary credentials
    for key, value in (("AWS_ACCESS_KEY_ID", KEY_ID), ("AWS_SECRET_ACCESS_KEY", SECRET),
                       ("AWS_SESSION_TOKEN", SESSION_TOKEN), ("AWS_DEFAULT_REGION", REGION),
                       ("AWS_ENDPOINT_URL", logs.url)):  # fmt: skip
        monkeypatch.setenv(key, value)
    seed(logs, report_document())
    out, err = io.StringIO(), io.StringIO()
    with root_at_debug() as stream:
        logging.getLogger("botocore.probe").debug("sdk-debug-probe")
        # WHEN apply reads and writes
        code = main(["apply", "--backup-dir", str(tmp_path)], out=out, err=err)
    # THEN it wrote, and nothing it logged or printed holds the credentials
    assert code == 0, err.getvalue()
    assert "sdk-debug-probe" in stream.getvalue()
    assert_no_credentials(stream.getvalue() + out.getvalue() + err.getvalue())
