"""Concurrency: how many grants a foreign read-modify-write writer loses to the product's writes.

Not part of ``make bench``'s five targets (it measures a risk, not a speed); run it with
``python -m benchmarks.concurrency [--seconds 20] [--rate 3.6] [--guards 4]``.

Everything runs in this process against moto behind the strict layer on 127.0.0.1 (document limit
raised to 51200 so the foreign grants can pile up): for ``--seconds`` seconds,

- a **foreign writer** (an out-of-band client: another service or a person) does read, append,
  write, read back, about ``--rate`` times a second; each write appends one delivery grant outside
  the wildcard (``/foreign/wN``, which the product must keep) and one under
  ``/aws/vendedlogs/states/`` (as Step Functions appends a state machine's log group, which makes
  the policy non-compliant, so the product writes: the worst case for the race);
- ``--guards`` threads invoke the **account guard** (its real handler) in a loop;
- one thread runs the **custom resource** (its real handler, answering an HTTPS endpoint) in a loop;
- one thread runs the **CLI** (``vended-logs-policy apply``, in-process ``main``) in a loop.

It reports the foreign writes confirmed (read back right after), those lost (not covered by the
final policy), the product's answers, and the read-to-write window: from the end of the read an
ensure merges to the start of its write, measured in the guard's and the custom resource's
service (and, for the CLI's path, the same service with the CLI's backup file as ``before_write``).
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from benchmarks import ROOT, child_env, exit_status, use_dummy_aws
from local_aws.events import load_event
from local_aws.lambda_context import FakeLambdaContext
from local_aws.logs_server import OUT_OF_BAND_HEADER, LogsServer, logs_client
from local_aws.policies import ARN, DELIVERY, NAME, REGION, delivery_statement, seeded_document
from local_aws.response_endpoint import ResponseEndpoint
from vended_logs_policy.adapters.clients import Clients
from vended_logs_policy.adapters.logs import ResourcePolicies, StoredPolicy
from vended_logs_policy.adapters.retry import Retry
from vended_logs_policy.cli import main as cli_main
from vended_logs_policy.cli.backup import BackupWriter
from vended_logs_policy.engine.policy import Options, Scope
from vended_logs_policy.function.account_guard import AccountGuardHandler
from vended_logs_policy.function.answer import deliver
from vended_logs_policy.function.custom_resource import CustomResourceHandler
from vended_logs_policy.function.custom_resource import logger as function_logger
from vended_logs_policy.function.runtime import Runtime
from vended_logs_policy.service import BeforeWrite, PolicyService


@dataclass
class Windows:
    """Read-to-write windows in seconds, per writer kind; thread-safe."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    seconds: dict[str, list[float]] = field(default_factory=dict)

    def add(self, kind: str, value: float) -> None:
        with self.lock:
            self.seconds.setdefault(kind, []).append(value)


class TimedPolicies(ResourcePolicies):
    """The Logs adapter, noting the end of each read and the window before each write."""

    def __init__(self, client: Any, retry: Retry, windows: Windows, kind: str) -> None:
        super().__init__(client, retry)
        self._windows, self._kind = windows, kind
        self._read_start = self._read_end = 0.0

    def account_policies(self) -> list[StoredPolicy]:
        started = time.perf_counter()
        found = super().account_policies()
        self._read_start, self._read_end = started, time.perf_counter()
        return found

    def put(self, name: str, text: str) -> None:
        self._windows.add(self._kind, time.perf_counter() - self._read_end)
        super().put(name, text)
        self._windows.add(f"{self._kind} (read sent to write answered)",
                          time.perf_counter() - self._read_start)  # fmt: skip


class TimedRuntime(Runtime):
    """The functions' runtime whose service notes its read-to-write windows."""

    def __init__(
        self,
        clients: Clients,
        windows: Windows,
        kind: str = "guard",
        before_write: BeforeWrite | None = None,
    ) -> None:
        super().__init__(clients)
        self.windows = windows
        self.kind = kind
        self.before_write = before_write

    def service(self, scope: Scope, time_left: Callable[[], float]) -> PolicyService:
        retry = Retry(time_left=time_left, call_seconds=self.clients.timeouts.per_call)
        client = self.clients.client("logs", scope.region)
        policies = TimedPolicies(client, retry, self.windows, self.kind)
        return PolicyService(policies, before_write=self.before_write or self.backup_logger(scope))


@dataclass
class Foreign:
    """Another writer: read, append, write, read back (run in its own process, see ``main``)."""

    client: Any
    covered: bool = True  # also append a grant the wildcard covers (as Step Functions does)
    confirmed: list[str] = field(default_factory=list)
    writes: int = 0

    def write_once(self, n: int) -> None:
        document = _read(self.client)
        outside = f"{ARN}:/foreign/w{n}:*"
        covered = [f"{ARN}:/aws/vendedlogs/states/f{n}:*"] if self.covered else []
        _write(self.client, _appended(document, [outside, *covered]))
        self.writes += 1
        if _covers(_read(self.client), outside):
            self.confirmed.append(outside)

    def run(self, seconds: float, rate: float) -> None:
        """Write about ``rate`` times a second for ``seconds``."""
        start, n = time.monotonic(), 0
        while time.monotonic() < start + seconds:
            self.write_once(n)
            n += 1
            time.sleep(max(0.0, start + n / rate - time.monotonic()))


def _foreign_client(url: str) -> Any:
    """An out-of-band client (the strict layer neither records nor faults it)."""
    client = boto3.session.Session().client(
        "logs",
        region_name=REGION,
        endpoint_url=url,
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )

    def mark(request: Any, **_: Any) -> None:
        request.headers[OUT_OF_BAND_HEADER] = "1"

    client.meta.events.register("before-sign", mark)
    return client


def _foreign_process(url: str, seconds: float, rate: float, covered: bool) -> subprocess.Popen[str]:
    """The foreign writer in a child process: it competes for the server, not for our GIL."""
    code = (
        "import json, sys\n"
        "from benchmarks.concurrency import Foreign, _foreign_client\n"
        f"foreign = Foreign(_foreign_client({url!r}), covered={covered!r})\n"
        f"foreign.run({seconds!r}, {rate!r})\n"
        "print(json.dumps({'writes': foreign.writes, 'confirmed': foreign.confirmed}))\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        text=True,
        env=child_env({"PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"}),
        cwd=ROOT,
    )


def _read(client: Any) -> dict[str, Any]:
    for item in client.describe_resource_policies()["resourcePolicies"]:
        if item["policyName"] == NAME:
            document: dict[str, Any] = json.loads(item["policyDocument"])
            return document
    return {"Version": "2012-10-17", "Statement": []}


def _write(client: Any, document: dict[str, Any]) -> None:
    text = json.dumps(document, separators=(",", ":"))
    client.put_resource_policy(policyName=NAME, policyDocument=text)


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    raw = document.get("Statement", [])
    return [raw] if isinstance(raw, dict) else list(raw)


def _appended(document: dict[str, Any], resources: list[str]) -> dict[str, Any]:
    statements = _statements(document)
    statements.append(delivery_statement(resources) | {"Sid": f"Foreign{len(statements)}"})
    return document | {"Statement": statements}


def _covers(document: dict[str, Any], resource: str) -> bool:
    target = resource.removesuffix(":*") + ":log-stream:*"
    for statement in _statements(document):
        if statement.get("Principal") != {"Service": DELIVERY}:
            continue
        raw = statement.get("Resource", [])
        grants = [raw] if isinstance(raw, str) else raw
        if any(fnmatchcase(target, g) or fnmatchcase(resource, g) for g in grants):
            return True
    return False


def _loop(stop: threading.Event, work: Callable[[], bool], outcomes: list[bool]) -> None:
    while not stop.is_set():
        outcomes.append(work())


def _guard(server: LogsServer, windows: Windows) -> Callable[[], bool]:
    runtime = TimedRuntime(clients=Clients(endpoint_url=server.url), windows=windows)
    guard = AccountGuardHandler(runtime, {})

    def invoke() -> bool:
        answer = guard(load_event("hook-create"), FakeLambdaContext())
        return bool(answer["hookStatus"] == "SUCCESS")

    return invoke


def _custom_resource(
    server: LogsServer, cfn: ResponseEndpoint, windows: Windows
) -> Callable[[], bool]:
    runtime = TimedRuntime(
        clients=Clients(endpoint_url=server.url), windows=windows, kind="custom resource"
    )
    handler = CustomResourceHandler(runtime, sender=functools.partial(deliver, sleep=time.sleep))
    count = iter(range(1_000_000))

    def invoke() -> bool:
        request = f"bench-{next(count)}"
        handler(load_event("create") | {"ResponseURL": cfn.url_for(request)}, FakeLambdaContext())
        answers = [r for r in cfn.received if r.request_id == request]
        return bool(answers and (answers[0].body or {}).get("Status") == "SUCCESS")

    return invoke


def _cli(server: LogsServer, folder: Path) -> Callable[[], bool]:
    def invoke() -> bool:
        args = ["apply", "--endpoint-url", server.url, "--backup-dir", str(folder)]
        return cli_main(args, out=io.StringIO(), err=io.StringIO()) == 0

    return invoke


def _cli_path(server: LogsServer, windows: Windows, folder: Path) -> Callable[[], bool]:
    """The CLI's service path (a backup file before each write), its window measured."""
    clients = Clients(endpoint_url=server.url)
    scope = Scope("aws", REGION, "123456789012")
    writer = BackupWriter(folder, scope.account, REGION, "aws", "apply", lambda _: None)

    def invoke() -> bool:
        policies = TimedPolicies(clients.client("logs", REGION), Retry(), windows, "cli path")
        PolicyService(policies, before_write=writer).ensure(NAME, scope, Options())
        return True

    return invoke


def _percentiles(values: list[float]) -> str:
    if not values:
        return "no write"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (
        f"{len(values)} writes, window median {statistics.median(values) * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"
    )


def run(seconds: float, rate: float, guards: int, covered: bool = True) -> dict[str, Any]:
    """Run the scenario; the figures as a dict (also printed)."""
    use_dummy_aws()
    handler = function_logger.registered_handler
    if isinstance(handler, logging.StreamHandler):
        handler.setStream(io.StringIO())  # the functions' own log: not what is measured
    windows = Windows()
    with LogsServer() as server, ResponseEndpoint() as cfn, tempfile.TemporaryDirectory() as tmp:
        os.environ["SSL_CERT_FILE"] = cfn.ca_path
        server.rules.document_limit = 51200
        _write(logs_client(server, REGION, out_of_band=True), seeded_document())
        stop = threading.Event()
        outcomes: dict[str, list[bool]] = {}
        workers: list[tuple[str, Callable[[], bool]]] = [
            *[(f"guard {n}", _guard(server, windows)) for n in range(guards)],
            ("custom resource", _custom_resource(server, cfn, windows)),
            ("cli apply", _cli(server, Path(tmp) / "cli")),
            ("cli path", _cli_path(server, windows, Path(tmp) / "path")),
        ]
        threads = []
        for name, work in workers:
            outcomes[name] = []
            thread = threading.Thread(target=_loop, args=(stop, work, outcomes[name]), daemon=True)
            threads.append(thread)
            thread.start()
        child = _foreign_process(server.url, seconds, rate, covered)
        out, _ = child.communicate(timeout=seconds + 60)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        foreign = json.loads(out)
        final = _read(logs_client(server, REGION, out_of_band=True))
    lost = [r for r in foreign["confirmed"] if not _covers(final, r)]
    answers = {k: (sum(v), len(v)) for k, v in outcomes.items()}
    return {
        "seconds": seconds,
        "foreign_writes": foreign["writes"],
        "foreign_confirmed": len(foreign["confirmed"]),
        "foreign_lost": len(lost),
        "answers_success": sum(ok for ok, _ in answers.values()),
        "answers": sum(total for _, total in answers.values()),
        "windows": {k: _percentiles(v) for k, v in windows.seconds.items()},
        "product_writes": sum(len(v) for k, v in windows.seconds.items() if "(" not in k),
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.concurrency")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=3.6, help="foreign writes per second")
    parser.add_argument("--guards", type=int, default=4)
    parser.add_argument(
        "--outside-only",
        action="store_true",
        help="the foreign writer appends only grants outside the wildcard (the policy stays "
        "compliant, so the product does not write)",
    )
    args = parser.parse_args()
    figures = run(min(args.seconds, 120.0), args.rate, min(args.guards, 20), not args.outside_only)
    lost, confirmed = figures["foreign_lost"], figures["foreign_confirmed"]
    share = 100 * lost / confirmed if confirmed else 0.0
    print(f"foreign writes: {figures['foreign_writes']} ({confirmed} confirmed by a read back)")
    print(f"foreign grants lost: {lost} of {confirmed} ({share:.1f}%)")
    print(f"product answers: {figures['answers_success']} SUCCESS of {figures['answers']}")
    print(f"product writes: {figures['product_writes']}")
    for kind, line in figures["windows"].items():
        print(f"read-to-write window, {kind}: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(exit_status(main))
