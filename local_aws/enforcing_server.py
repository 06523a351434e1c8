"""A moto server in its own process that enforces IAM policies: what a policy lets a caller do.

moto checks a request's signature and the caller's IAM policies once
``settings.INITIAL_NO_AUTH_ACTION_COUNT`` requests have been served; the setting is global to the
process, so this server runs in a subprocess of its own (``python -m local_aws.enforcing_server``,
bound to 127.0.0.1 on a free port) and the session's shared server is never touched. Setup
(seeding, IAM users, roles) runs with enforcement off, then ``enforce()`` turns it on
(``POST /moto-api/reset-auth``) until the next ``reset()``.

What moto 5.2 checks, read from ``moto/core/authorization.py`` and ``moto/iam/access_control.py``:
the action (``Action``/``NotAction``, wildcards, explicit ``Deny`` wins) for every service, but
the resource only for STS ``AssumeRole`` (the role ARN), IAM, S3 and SQS; every other request is
authorized against the resource ``"*"``, so a statement naming narrower ARNs for, say, Logs or
Step Functions never matches, and conditions are evaluated only in trust policies.
``sts:GetCallerIdentity`` is always allowed (as in AWS).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from typing import Self  # Python 3.11+: for annotations only (make py310)

import boto3

ROOT: Final = Path(__file__).resolve().parent.parent
# moto's default account: the dummy credentials act in it.
ACCOUNT: Final = "123456789012"
DUMMY: Final = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


class EnforcingServer:
    """A moto server subprocess on loopback; ``with`` starts it and stops it."""

    def __init__(self, region: str = "us-west-2") -> None:
        self.region = region
        self.url = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> Self:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "local_aws.enforcing_server"],
            cwd=ROOT,
            # moto, not the product, runs here: coverage's subprocess measurement (which its
            # COVERAGE_PROCESS_CONFIG starts) would only slow every request down.
            env={k: v for k, v in os.environ.items() if k != "COVERAGE_PROCESS_CONFIG"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        port = self._process.stdout.readline().strip()
        if not port.isdigit():
            self.__exit__(None, None, None)
            raise RuntimeError(f"the enforcing moto server did not start (said {port!r})")
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None
        process.stdin.close()  # the child stops its server when its stdin ends
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _post(self, path: str, body: str) -> None:
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=body.encode(),
            method="POST",
            headers={"Content-Type": "text/plain"},  # moto reads the raw body
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def reset(self) -> None:
        """Forget every resource, and stop enforcing (for the next test's setup)."""
        self._post("/moto-api/reset-auth", "inf")
        self._post("/moto-api/reset", "")

    def enforce(self) -> None:
        """Check every request's signature and the caller's policies from now on."""
        self._post("/moto-api/reset-auth", "0")

    def client(self, service: str, region: str | None = None, **keys: str) -> Any:
        """A client of ``service`` here, with ``keys`` or the dummy (setup) credentials."""
        return boto3.session.Session().client(  # type: ignore[call-overload]
            service, region_name=region or self.region, endpoint_url=self.url, **(keys or DUMMY)
        )

    def session(self, keys: dict[str, str]) -> boto3.session.Session:
        """A session with the access keys ``user`` returned."""
        return boto3.session.Session(
            aws_access_key_id=keys["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=keys["AWS_SECRET_ACCESS_KEY"],
            region_name=self.region,
        )

    def user(self, name: str, policy: dict[str, Any]) -> dict[str, str]:
        """An IAM user with only ``policy`` (inline); the environment with its access keys."""
        iam = self.client("iam")
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName=name, PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return {
            "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
        }

    def in_account(self, account: str, role: str, service: str) -> Any:
        """A client acting in ``account`` through ``role`` (setup only: enforcement off)."""
        found = self.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="setup"
        )["Credentials"]
        return self.client(
            service,
            aws_access_key_id=found["AccessKeyId"],
            aws_secret_access_key=found["SecretAccessKey"],
            aws_session_token=found["SessionToken"],
        )

    def role_policy(self, account: str, role: str, policy: dict[str, Any]) -> None:
        """Give ``role`` in ``account`` only ``policy`` (its trust policy stays as it is)."""
        self.in_account(account, role, "iam").put_role_policy(
            RoleName=role, PolicyName="vended-logs-policy", PolicyDocument=json.dumps(policy)
        )


def _serve() -> None:
    """The subprocess: start moto on loopback, print its port, serve until stdin ends."""
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    print(server.get_host_and_port()[1], flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    _serve()
