"""moto's IAM authorization, switched on for one test: real AccessDenied answers from any service.

With ``iam_authorization(server)`` on, moto checks every request's signature and the caller's IAM
policies (``POST /moto-api/reset-auth``; it is process-wide, so the context manager switches it
off again). ``operator(server, statements)`` makes an IAM user with those policy statements and
returns its keys; the dummy ``testing`` keys are refused while authorization is on.

What it gives beyond the strict layer's injected faults: ``AccessDenied`` from STS
(``AssumeRole`` of a role ARN the policy denies), EC2, Organizations and Step Functions, through
their own protocols (Step Functions answers 403 with an XML body).

The strict layer re-sends a request's headers with another body to list the policies, which
moto's signature check refuses: authorized runs go to ``authorized_endpoint(server)`` instead, a
plain moto server (no strict layer) that shares the strict one's state, since moto keeps its
backends per process. Inject CloudWatch Logs denials with the strict layer's ``faults``.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from local_aws.logs_server import LogsServer
from local_aws.organizations import ALLOW_ALL, admin_client


def _set_auth(url: str, count: str) -> None:
    request = urllib.request.Request(
        f"{url}/moto-api/reset-auth",
        data=count.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@contextmanager
def authorized_endpoint() -> Iterator[str]:
    """The URL of a plain moto server (loopback) checking signatures and IAM policies on every
    request while the block runs; it shares the strict layer's state."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    _set_auth(url, "0")
    try:
        yield url
    finally:
        _set_auth(url, "inf")
        server.stop()


def operator(
    server: LogsServer, statements: list[dict[str, Any]] | None = None, name: str = "operator"
) -> dict[str, str]:
    """An IAM user of the default account with ``statements`` (default: allow everything);
    returns environment variables with its keys. Call before switching authorization on."""
    iam = admin_client(server, "iam")
    iam.create_user(UserName=name)
    document = {"Version": "2012-10-17", "Statement": statements or ALLOW_ALL["Statement"]}
    iam.put_user_policy(UserName=name, PolicyName="operator", PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
    }
