"""The presigned ResponseURL is a secret: no log line and no Reason may carry it, on any path.

test_handler_lifecycle.py::test_logs_hold_no_response_url covers a plain lifecycle at the default
level. These add the failure paths (faults, a dropped answer, malformed requests) and the level an
operator sets to troubleshoot, ``POWERTOOLS_LOG_LEVEL=DEBUG``, at which crhelper itself logs the
event and the URL unless its loggers are held at INFO.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local_aws.events import load_event
from local_aws.lambda_context import FakeLambdaContext
from local_aws.logs_server import LogsServer
from local_aws.response_endpoint import ResponseEndpoint
from vended_logs_policy.function.custom_resource import CustomResourceHandler, logger

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
