"""The adapters turn every botocore failure into the package's errors, with the right retry."""

from __future__ import annotations

import pytest

from local_aws.logs_server import LogsServer
from local_aws.product import product_clients
from vended_logs_policy.adapters.logs import ResourcePolicies
from vended_logs_policy.adapters.retry import Retry
from vended_logs_policy.errors import RejectedError


def test_a_request_botocore_refuses_is_rejected_at_once_without_a_call(logs: LogsServer) -> None:
    # GIVEN the Logs adapter with a budget of several attempts, sleeps recorded
    slept: list[float] = []
    policies = ResourcePolicies(
        product_clients(logs).client("logs", "us-west-2"), Retry(sleep=slept.append)
    )
    # WHEN a write carries a value botocore's model refuses (a number for the document)
    with pytest.raises(RejectedError) as raised:
        policies.put("Name", 123)  # type: ignore[arg-type]
    # THEN it fails at once, naming the call, with no retry and nothing sent
    assert str(raised.value).startswith("CloudWatch Logs PutResourcePolicy refused the request:")
    assert raised.value.code == "ParamValidationError"
    assert slept == []
    assert logs.calls == []
