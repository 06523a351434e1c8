"""Helpers shared by several test modules (test modules import from here, never from each other):
Hypothesis example counts, running the CLI in-process or as the real console script, and
external tools run once per test run for every test that asks the same thing."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from filelock import FileLock
from hypothesis import settings

from local_aws.policies import ACCOUNT, DELIVERY, NAME, OUTSIDE, REGION, ROUTE53

if TYPE_CHECKING:  # the pure tests import this module too: moto and boto3 load only when used
    from local_aws.logs_server import LogsServer

SCRIPT = str(Path(sys.executable).parent / "vended-logs-policy")
# apply's default backup folder is ./vended-logs-policy-backups: runs happen here, not in the repo.
SCRATCH = tempfile.TemporaryDirectory(prefix="vlp-cli-")
# How every CLI error line starts.
PREFIX = "vended-logs-policy: error: "


def examples(factor: float) -> settings:
    """The loaded Hypothesis profile scaled by ``factor``: for a test that hunts rare cases
    (factor above 1) or whose examples are costly (below 1)."""
    return settings(max_examples=max(1, round(settings().max_examples * factor)))


# ---- the CLI ---------------------------------------------------------------------------------


def cli_env(server: LogsServer | None = None, env: dict[str, str] | None = None) -> dict[str, str]:
    """The console script's environment: dummy credentials, no profile, never real AWS; an
    empty value in ``env`` leaves that variable out."""
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith("AWS_") or k == "AWS_CONFIG_FILE"
    }
    environ |= {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    if server is not None:
        environ["AWS_ENDPOINT_URL"] = server.url
    environ |= env or {}
    return {k: v for k, v in environ.items() if v != ""}


def handles(pid: int, number: int) -> bool:
    """Whether process ``pid`` has installed its own handler for signal ``number`` (Linux: the
    caught-signals mask in /proc)."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    [mask] = [line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")]
    return bool(int(mask, 16) >> (number - 1) & 1)


def wait_for_handler(pid: int, number: int, seconds: float = 30.0) -> None:
    """Wait until process ``pid`` handles signal ``number``: a readiness check on its state, not
    on a clock. Nothing announces a change of a process's signal mask, so /proc is read every
    10 ms; ``seconds`` bounds a run that hangs and is never a guess at how long anything takes.
    Conditions about the servers' calls wait on their notifications (``LogsServer.wait_for``)."""
    deadline = time.monotonic() + seconds
    while not handles(pid, number):
        assert time.monotonic() < deadline, f"process {pid} never handled signal {number}"
        time.sleep(0.01)


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """``os.environ`` is exactly ``values`` inside, and as it was again after."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def working_folder(path: str | Path) -> Iterator[None]:
    """The working folder is ``path`` inside (contextlib.chdir is Python 3.11+: make py310)."""
    saved = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(saved)


def run(
    *args: str,
    server: LogsServer | None = None,
    stdin: str = "",
    env: dict[str, str] | None = None,
    cwd: str | Path | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run the CLI in-process, ``main(argv, stdin, out, err)``, with the console script's
    environment and working folder; never real AWS. ``timeout`` is for ``run_script``'s sake."""
    from vended_logs_policy.cli import main

    del timeout  # in-process: a hang shows as a hang, there is no child to kill
    out, err = io.StringIO(), io.StringIO()
    with environment(cli_env(server, env)), working_folder(cwd or SCRATCH.name):
        code = main(list(args), io.StringIO(stdin), out, err)
    return subprocess.CompletedProcess([SCRIPT, *args], code, out.getvalue(), err.getvalue())


def run_script(
    *args: str,
    server: LogsServer | None = None,
    stdin: str = "",
    env: dict[str, str] | None = None,
    cwd: str | Path | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run the installed console script as a subprocess (as ``run``; for the tests whose point
    is the script itself: its entry point, real signals, a process that must not hang)."""
    return subprocess.run(
        [SCRIPT, *args],
        check=False,
        input=stdin,
        capture_output=True,
        text=True,
        env=cli_env(server, env),
        cwd=cwd or SCRATCH.name,
        timeout=timeout,
    )


def output(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The JSON document a --json run printed."""
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def record(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The one target's record of a --json run."""
    [only] = output(result)["targets"]
    assert isinstance(only, dict)
    return only


def as_operator(url: str, keys: dict[str, str]) -> dict[str, str]:
    """Environment for the console script as the IAM user ``keys`` against ``url``."""
    return keys | {"AWS_ENDPOINT_URL": url, "AWS_SESSION_TOKEN": ""}


# ---- local AWS -------------------------------------------------------------------------------

# The bootstrap stack the handler tests stand for (its function's environment): its defaults,
# widened by a second policy name (the rename event) and the WAF prefix (the advice tests);
# unconditional grants stay refused.
BOOTSTRAP_ENV: dict[str, str] = {
    "VLP_ALLOWED_POLICY_NAMES": "AWSLogDeliveryWrite20150319,VendedLogsStates",
    "VLP_ALLOWED_PREFIXES": "/aws/vendedlogs/,aws-waf-logs-",
}


def seed(server: LogsServer, document: dict[str, Any], name: str = NAME) -> None:
    """Store ``document`` as the account-level policy ``name`` (the CLI's region)."""
    from local_aws.logs_server import logs_client

    logs_client(server, REGION).put_resource_policy(
        policyName=name, policyDocument=json.dumps(document)
    )


def sfn(server: LogsServer, region: str = "us-west-2") -> Any:
    """A Step Functions client for the local endpoint."""
    import boto3

    return boto3.client("stepfunctions", region_name=region, endpoint_url=server.url)


def make_state_machine(
    server: LogsServer, name: str, log_group: str | None, level: str = "ALL"
) -> None:
    """A state machine logging to ``log_group`` (None: no destination) at ``level``."""
    definition = {"StartAt": "x", "States": {"x": {"Type": "Pass", "End": True}}}
    config: dict[str, Any] = {"level": level}
    if log_group is not None:
        arn = f"arn:aws:logs:us-west-2:{ACCOUNT}:log-group:{log_group}:*"
        config["destinations"] = [{"cloudWatchLogsLogGroup": {"logGroupArn": arn}}]
    sfn(server).create_state_machine(
        name=name,
        definition=json.dumps(definition),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/states",
        loggingConfiguration=config,
    )


@contextlib.contextmanager
def silent_endpoint() -> Iterator[tuple[str, threading.Event]]:
    """A loopback socket that accepts connections and never answers; the event is set on the
    first connection."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    connected = threading.Event()
    stop = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)
            connected.set()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", connected
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in held:
            conn.close()
        listener.close()


# ---- policy documents ------------------------------------------------------------------------


def as_list(value: str | list[str]) -> list[str]:
    """A policy element that may be a string or a list, as a list."""
    return [value] if isinstance(value, str) else value


def delivery_resources(document: dict[str, Any] | None) -> list[str]:
    """Every resource the delivery service is granted, statement by statement."""
    if document is None:
        return []
    raw = document.get("Statement", [])
    statements = [raw] if isinstance(raw, dict) else raw
    return [
        resource
        for s in statements
        if s.get("Effect") == "Allow" and s.get("Principal") == {"Service": DELIVERY}
        for resource in as_list(s["Resource"])
    ]


def covered(document: dict[str, Any] | None, resource: str) -> bool:
    """Whether some delivery grant matches the ARN (the service's own check, simplified)."""
    return any(fnmatchcase(resource, grant) for grant in delivery_resources(document))


def assert_nothing_lost(document: dict[str, Any] | None, *granted: str) -> None:
    """The seeded document's other grants are all still there, and each of ``granted``."""
    assert document is not None
    raw = document["Statement"]
    assert ROUTE53 in ([raw] if isinstance(raw, dict) else raw), "another principal was dropped"
    assert OUTSIDE in delivery_resources(document), "a resource outside the prefix was dropped"
    for resource in granted:
        assert covered(document, resource), f"{resource} lost"


def once(fn: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    """A hook that acts on the first matching call only."""
    done = threading.Event()

    def hook(request: dict[str, Any]) -> None:
        if not done.is_set():
            done.set()
            fn(request)

    return hook


def start(*args: str, server: LogsServer | None, cwd: Path) -> subprocess.Popen[str]:
    """The console script as a process the test can signal (its pipes open)."""
    return subprocess.Popen(
        [SCRIPT, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(server),
        cwd=cwd,
    )


def finish(process: subprocess.Popen[str], timeout: float = 30) -> tuple[str, str]:
    """Its stdout and stderr once it ends; never a traceback."""
    out, err = process.communicate(timeout=timeout)
    assert "Traceback" not in err
    return out, err


# ---- external tools, one run per test run -------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
# A closed port on loopback: an AWS call a tool makes fails at once, never reaches AWS.
NO_AWS_ENDPOINT = "http://127.0.0.1:9"
# The environment of command lines run as a user types them: the console script's (dummy
# credentials, us-west-2, no profile), AWS unreachable, and this Python's console scripts (cfn-lint,
# vended-logs-policy) first on PATH. Fixed for the session: runs are shared between tests, so
# nothing in it may depend on which test asks first.
TOOL_ENV: dict[str, str] = cli_env(
    env={
        # Tools are run for their answers; the rule pack's lines are measured in process.
        "COVERAGE_PROCESS_CONFIG": "",
        "AWS_ENDPOINT_URL": NO_AWS_ENDPOINT,
        "AWS_EC2_METADATA_DISABLED": "true",
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
)


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every xdist worker of this pytest run shares (pytest-xdist's recipe: the parent
    of each worker's base temporary folder); without xdist, the base temporary folder."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def made_once(folder: Path, make: Callable[[Path], object]) -> Path:
    """``folder``, filled by ``make`` once for the whole run: the first worker to ask makes it
    while it holds a file lock, the others wait for the lock and use what it made. A ``make``
    that fails leaves no mark, so the next one to ask tries again (and fails the same way)."""
    made = folder / ".made"
    with FileLock(f"{folder}.lock"):
        if not made.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            make(folder)
            made.touch()
    return folder


class SharedRuns:
    """External tools run once per test run for every test, in every xdist worker, that asks
    for the same command in the same folder with the same environment: the first caller runs it,
    the others read its exit code and output. Only for tools whose answer depends on nothing
    else (linters, scanners, translators reading files no test changes)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def run(
        self,
        command: Sequence[str | Path],
        cwd: Path = ROOT,
        env: Mapping[str, str] = TOOL_ENV,
        timeout: float = 300,
    ) -> subprocess.CompletedProcess[str]:
        """``command`` in ``cwd`` with ``env``, bounded by ``timeout``, run once for the run."""
        argv = [str(part) for part in command]
        # pytest's and xdist's own variables (the worker's name) change nothing a tool answers.
        ours = sorted((k, v) for k, v in env.items() if not k.startswith("PYTEST_"))
        key = json.dumps([argv, str(cwd), ours])
        name = hashlib.sha256(key.encode()).hexdigest()[:32]

        def record(folder: Path) -> None:
            ran = subprocess.run(
                argv,
                cwd=cwd,
                env=dict(env),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
            answer = {"code": ran.returncode, "stdout": ran.stdout, "stderr": ran.stderr}
            (folder / "run.json").write_text(json.dumps(answer))

        data = json.loads((made_once(self.folder / name, record) / "run.json").read_text())
        return subprocess.CompletedProcess(argv, data["code"], data["stdout"], data["stderr"])

    def command_line(self, line: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
        """A command line as a user types it (bash expands its globs and quotes) in ``cwd``, with
        ``TOOL_ENV``: the README's and docs/' cfn-lint lines, the pre-commit hook's, the rule
        pack's tests."""
        return self.run(["bash", "-c", line], cwd)


# examples/ci's command, word for word (its test and the permission tests run it).
CI_COMMAND = "vended-logs-policy audit --fail-on over-limit,near-limit --regions all --json"


# ---- templates -----------------------------------------------------------------------------------

TEMPLATE = ROOT / "template.yaml"


def load_template(path: Path) -> dict[str, Any]:
    """A template as plain data, short-form intrinsics (!Ref, !GetAtt, !Sub) in long form. The
    loader is cfn-lint's, imported on first use: importing cfn-lint takes seconds."""
    from cfnlint.decode.cfn_yaml import load

    data: dict[str, Any] = json.loads(json.dumps(load(str(path))))
    return data


if TYPE_CHECKING:
    from cfnlint.rules import Match, Rules


@functools.cache
def cfn_lint_rules(append_rules: tuple[str, ...]) -> Rules:
    """cfn-lint's rules and those of ``append_rules`` (module paths or folders), loaded once per
    process: cfn-lint's ``Runner`` loads its 340 rule modules again each time it is made."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    return Runner(ConfigMixIn([], append_rules=list(append_rules))).rules


def cfn_lint(paths: Sequence[Path], **options: Any) -> dict[Path, list[Match]]:
    """What ``cfn-lint <options> -- <paths>`` finds in each template, in process, with cfn-lint's
    own runner for a template file.

    ``options`` are cfn-lint's ``ManualArgs`` (``append_rules``, ``regions``, ``ignore_checks``).
    The rules are loaded once per process for each ``append_rules``, as the console script loads
    them once for all the files it is given: cfn-lint's ``lint_file`` loads its 340 rule modules
    again for every template (0.5 s each, most of a fixture's lint). Each template gets its own
    settings, since a template's ``Metadata`` can change them.
    """
    from cfnlint.config import ConfigMixIn, ManualArgs
    from cfnlint.runner.template import run_template_by_file_paths

    rules = cfn_lint_rules(tuple(options.get("append_rules", ())))
    return {
        path: list(
            run_template_by_file_paths(
                ConfigMixIn(["--template", str(path)], **ManualArgs(**options)), rules
            )
        )
        for path in paths
    }
