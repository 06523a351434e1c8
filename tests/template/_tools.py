"""Shared helpers for the template suite: tool paths, an offline environment, template loading.

Every external tool runs as a subprocess with an environment that cannot reach AWS: dummy
credentials, a fixed region, and ``AWS_ENDPOINT_URL`` pointing at a closed local port, so an
accidental AWS call fails at once instead of leaving the machine. SAM CLI telemetry and its
PyPI version check are off (a private SAM CLI config directory says so). The session has one such
environment (conftest.py), and each tool run several tests read runs once per test run, in
whichever xdist worker asks first: one checkov scan of every template (conftest.py), the
documented command lines (``tests.support.SharedRuns``).
cfn-lint's findings, where its console script is not the point, come from cfn-lint's API in
process (``rule_pack_findings``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local_aws import function_env
from tests.support import cfn_lint, load_template

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"
EXAMPLES_DIR = REPO / "examples"
EVENTS_DIR = REPO / "events"
# The project's cfn-lint rule pack, by the module path a user who installed it gives.
RULES_MODULE = "vended_logs_policy.lint"
# A closed port on loopback: any AWS SDK call made by a tool fails here, never reaches AWS.
NO_AWS_ENDPOINT = "http://127.0.0.1:9"
REGION = "us-west-2"
ACCOUNT = "123456789012"
CUSTOM_TYPE = "Custom::VendedLogsPolicy"
# The bootstrap stack's functions (named in local_aws.function_env): the custom resource's
# provider, the account guard (Lambda Hook) and the watch (scheduled audit); one code package,
# three handlers (src/Makefile).
PROVIDER, GUARD, WATCH = function_env.CUSTOM_RESOURCE, function_env.GUARD, function_env.WATCH
FUNCTIONS = (PROVIDER, GUARD, WATCH)
STATE_MACHINE_TYPES = ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine")
# The log-delivery actions a logging state machine's role needs (the README's troubleshooting).
LOG_DELIVERY_ACTIONS = frozenset(
    {
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
    }
)
CHECK_ID = re.compile(r"^CKV2?_AWS_\d+$")
# What `sam validate` prints when it ran the SAM transform (with --lint, or samconfig's
# `lint = true`, it runs cfn-lint instead and says only "is a valid SAM Template").
SAM_TRANSFORM_PASSED = "is a valid SAM Template. This is according to basic SAM Validation"
# scripts/stackset_template.py, and the code location the session's translation is made with.
STACKSET_SCRIPT = REPO / "scripts" / "stackset_template.py"
STACKSET_CODE_URI = "s3://vlp-artifacts-example/vended-logs-policy/0123456789abcdef"


def example_templates() -> list[Path]:
    """Every consumer template under examples/."""
    return sorted(EXAMPLES_DIR.glob("**/template.yaml"))


def _tool_path(env_var: str, fallback: Path) -> Path:
    return Path(os.environ.get(env_var) or fallback)


def _tool(env_var: str, fallback: Path) -> Path:
    path = _tool_path(env_var, fallback)
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing ({env_var}); run `make install` first", pytrace=False)
    return path


SAM_FALLBACK = REPO / ".venv-sam" / "bin" / "sam"


def sam() -> Path:
    """The SAM CLI (its own virtual environment)."""
    return _tool("VLP_SAM", SAM_FALLBACK)


def sam_python() -> Path:
    """The SAM CLI environment's Python, which has aws-sam-translator."""
    python = sam().parent / "python"
    if not python.is_file():
        pytest.fail(f"{python} is missing next to the SAM CLI", pytrace=False)
    return python


def checkov() -> Path:
    """checkov (its own virtual environment)."""
    return _tool("VLP_CHECKOV", REPO / ".venv-checkov" / "bin" / "checkov")


def rule_pack_findings(
    *templates: Path, ignore_checks: Sequence[str] = ()
) -> dict[Path, list[str]]:
    """What cfn-lint finds in each template, in process: all of cfn-lint's rules plus the project's
    pack, in the tools' region, as `cfn-lint --append-rules vended_logs_policy.lint -- <template>`
    finds it (that command exits 0 exactly when a template has no finding); each finding as
    ``RULE message (file:line)``. The console script itself runs where it is the point: the
    documented lines (test_documented_commands.py) and tests/rules."""
    found = cfn_lint(
        templates, append_rules=[RULES_MODULE], regions=[REGION], ignore_checks=list(ignore_checks)
    )
    return {
        path: [
            f"{match.rule.id} {match.message} ({match.filename}:{match.linenumber})"
            for match in matches
        ]
        for path, matches in found.items()
    }


def offline_env(home: Path) -> dict[str, str]:
    """Environment for the tools: no AWS reachable, no telemetry, python3.13 of SAM first."""
    config = home / "sam-cli"
    config.mkdir(parents=True, exist_ok=True)
    metadata = config / "metadata.json"
    if not metadata.exists():
        # Far-future last check: SAM CLI skips its weekly PyPI version check. With an installation
        # id too, it has nothing to write here: the xdist workers' SAM runs share this folder.
        settings = {
            "telemetryEnabled": False,
            "lastVersionCheck": 4.0e9,
            "installationId": "00000000-0000-4000-8000-000000000000",
        }
        metadata.write_text(json.dumps(settings))
    # Keep the machine's own settings (pip index and certificates, proxies), drop every AWS one,
    # and the Makefile's bytecode folder: with it, the pip that `sam build` runs would put the
    # package's bytecode there instead of into the build.
    sam_bin = _tool_path("VLP_SAM", SAM_FALLBACK).parent
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "SAM_CLI_", "__SAM_CLI_")) and key != "PYTHONPYCACHEPREFIX"
    }
    env.update(
        {
            # `sam build` looks for python3.13 on PATH: the SAM environment's comes first.
            "PATH": os.pathsep.join([str(sam_bin), env.get("PATH", "")]),
            "SAM_CLI_TELEMETRY": "0",
            "__SAM_CLI_APP_DIR": str(config),
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_ENDPOINT_URL": NO_AWS_ENDPOINT,
            "AWS_MAX_ATTEMPTS": "1",  # fail at once, no retries against the closed port
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    return env


def run(
    command: Sequence[str | Path],
    env: Mapping[str, str],
    cwd: Path = REPO,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run a tool and capture its output as text."""
    return subprocess.run(
        [str(part) for part in command],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def explain(result: subprocess.CompletedProcess[str]) -> str:
    """A failure message with the command and everything it printed."""
    command = " ".join(str(part) for part in result.args)
    return f"`{command}` exited {result.returncode}\n{result.stdout}\n{result.stderr}"


def load(path: Path) -> dict[str, Any]:
    """A template as plain data, short-form intrinsics (!Ref, !GetAtt, !Sub) in long form."""
    return load_template(path)


def resources_of(template: Mapping[str, Any], *types: str) -> dict[str, dict[str, Any]]:
    """The resources of the given types, by logical id."""
    return {
        name: resource
        for name, resource in template.get("Resources", {}).items()
        if resource.get("Type") in types
    }


def as_list(value: Any) -> list[Any]:
    """IAM and DependsOn allow a single value or a list."""
    return list(value) if isinstance(value, list) else [value]


def get_att_target(value: Any) -> str | None:
    """The logical id of ``{"Fn::GetAtt": [id, "Arn"]}``, else None."""
    if isinstance(value, dict) and list(value) == ["Fn::GetAtt"]:
        target = value["Fn::GetAtt"]
        if isinstance(target, list) and len(target) == 2 and target[1] == "Arn":
            return str(target[0])
    return None


def ref_target(value: Any) -> str | None:
    """The name in ``{"Ref": name}``, else None."""
    if isinstance(value, dict) and list(value) == ["Ref"]:
        return str(value["Ref"])
    return None


def checkov_skips(template: Mapping[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(resource, check id, comment) for every checkov suppression in a template."""
    for name, resource in template.get("Resources", {}).items():
        skips = resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
        for skip in skips:
            yield name, str(skip.get("id", "")), skip.get("comment")


def without_checkov_skips(template: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the template with every checkov suppression removed."""
    copy: dict[str, Any] = json.loads(json.dumps(template))
    for resource in copy.get("Resources", {}).values():
        metadata = resource.get("Metadata", {})
        metadata.pop("checkov", None)
        if "Metadata" in resource and not metadata:
            del resource["Metadata"]
    return copy


_PROXIES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")


def checkov_failures(paths: Sequence[Path], env: Mapping[str, str]) -> set[tuple[Path, str, str]]:
    """(file, resource, check id) for every failed check; checkov itself must not break."""
    result = run(
        [
            checkov(),
            *[arg for path in paths for arg in ("-f", str(path))],
            "--framework",
            "cloudformation",
            "--compact",
            "--quiet",
            "--skip-download",  # no Prisma Cloud download: offline, and no guideline fetch
            "--output",
            "json",
        ],
        # No guideline mapping either (BC_SKIP_MAPPING), and every HTTP(S) request goes to a
        # closed loopback port: a call checkov tries fails at once and shows as a traceback.
        {**env, "BC_SKIP_MAPPING": "TRUE", **dict.fromkeys(_PROXIES, NO_AWS_ENDPOINT)},
    )
    assert result.returncode in {0, 1}, explain(result)
    assert "Traceback" not in result.stderr, explain(result)
    reports = json.loads(result.stdout)
    failures: set[tuple[Path, str, str]] = set()
    for report in reports if isinstance(reports, list) else [reports]:
        for check in report.get("results", {}).get("failed_checks", []):
            # checkov names files relative to its working directory, with a leading "/".
            path = (REPO / str(check["file_path"]).lstrip("/")).resolve()
            resource = str(check["resource"]).rsplit(".", 1)[-1]
            failures.add((path, resource, str(check["check_id"])))
    if result.returncode == 1:
        assert failures, explain(result)
    return failures


@dataclass(frozen=True)
class CheckovScan:
    """One checkov run over every template the suite scans.

    ``failures``: (file, resource, check id) of every failed check. ``without_skips``: for
    template.yaml and each example, the copy of it with every checkov suppression removed, which
    the same run scanned too (each suppression must hide a finding that is real).
    """

    failures: frozenset[tuple[Path, str, str]]
    without_skips: dict[Path, Path]

    def failures_in(self, *paths: Path) -> set[tuple[Path, str, str]]:
        """The failures in these files."""
        wanted = {path.resolve() for path in paths}
        return {failure for failure in self.failures if failure[0] in wanted}
