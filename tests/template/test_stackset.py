"""scripts/stackset_template.py: the SAM template as plain CloudFormation for StackSets.

The script runs with the SAM CLI environment's Python (it has aws-sam-translator) and no AWS
endpoint; its output must be deterministic, free of SAM types, and pass cfn-lint and checkov.
The documented `make stackset-template` command runs as written (make and the shell included).
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support import SharedRuns, run_folder

from . import _tools as tools

pytestmark = pytest.mark.template

SCRIPT = tools.STACKSET_SCRIPT
CODE_URI = tools.STACKSET_CODE_URI
# Resources SAM leaves alone: they must come out exactly as written.
UNTOUCHED = (
    "FunctionLogGroup",
    "FunctionRole",
    "VendedLogsPolicy",
    "ServiceTokenParameter",
    "GuardHookRole",
    "AccountGuard",
    "WatchScheduleRole",
    "PolicyLengthAlarm",
    "WatchDashboard",
)
# Where the docs give the StackSets command, with a bucket per region.
DOCUMENTED_IN = (tools.REPO / "docs" / "deploy.md", tools.EXAMPLES_DIR / "stackset" / "README.md")


def _translate(
    env: dict[str, str], output: Path, *where: str, template: Path = tools.TEMPLATE
) -> subprocess.CompletedProcess[str]:
    command: list[str | Path] = [tools.sam_python(), SCRIPT, "--template", template]
    return tools.run([*command, *where, "--output", output], env)


@pytest.fixture(scope="module")
def output(stackset_template: Path) -> Path:
    """template.yaml translated with CODE_URI (once per session: checkov scans it too)."""
    return stackset_template


@pytest.fixture(scope="module")
def translated(output: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(output.read_text())
    return data


@pytest.fixture(scope="module")
def source() -> dict[str, Any]:
    return tools.load(tools.TEMPLATE)


def test_output_is_plain_cloudformation(translated: dict[str, Any]) -> None:
    # Given the translated template
    types = {resource["Type"] for resource in translated["Resources"].values()}
    # Then it needs no transform and has no SAM resource type left
    assert "Transform" not in translated
    assert not {t for t in types if t.startswith("AWS::Serverless::")}, types
    assert "AWS::Lambda::Function" in types
    # And the SAR metadata, which names local files, is gone
    assert "AWS::ServerlessRepo::Application" not in translated.get("Metadata", {})


@pytest.mark.parametrize("name", tools.FUNCTIONS)
def test_function_code_is_the_given_s3_object_and_settings_are_kept(
    translated: dict[str, Any], source: dict[str, Any], name: str
) -> None:
    # Given the function before and after translation
    before = tools.resources_of(source, "AWS::Serverless::Function")[name]
    after = tools.resources_of(translated, "AWS::Lambda::Function")[name]
    assert set(tools.resources_of(translated, "AWS::Lambda::Function")) == set(tools.FUNCTIONS)
    props, original = after["Properties"], before["Properties"]
    # Then its code is the packaged object
    assert props["Code"] == {
        "S3Bucket": "vlp-artifacts-example",
        "S3Key": "vended-logs-policy/0123456789abcdef",
    }
    # And everything that decides how it runs is unchanged
    for key in ("Handler", "Runtime", "Architectures", "MemorySize", "Timeout", "Environment"):
        assert props[key] == original[key], key
    assert props["Role"] == original["Role"]
    assert props["LoggingConfig"] == original["LoggingConfig"]
    # And its checkov suppressions and condition travel with it
    assert after["Metadata"]["checkov"] == before["Metadata"]["checkov"]
    assert after.get("Condition") == before.get("Condition")


def test_guard_and_watch_are_in_the_rollout(translated: dict[str, Any]) -> None:
    # Given the translated template
    resources = translated["Resources"]
    # Then it carries the hook, the watch's schedule, its alarms and its dashboard
    (hook,) = tools.resources_of(translated, "AWS::CloudFormation::LambdaHook").values()
    assert hook["Properties"]["LambdaFunction"] == {"Fn::GetAtt": [tools.GUARD, "Arn"]}
    (schedule,) = tools.resources_of(translated, "AWS::Scheduler::Schedule").values()
    target = schedule["Properties"]["Target"]
    assert target["Arn"] == {"Fn::GetAtt": [tools.WATCH, "Arn"]}
    assert target["RoleArn"] == {"Fn::GetAtt": ["WatchScheduleRole", "Arn"]}
    assert schedule["Properties"]["State"] == {"Fn::If": ["WatchOn", "ENABLED", "DISABLED"]}
    assert "Name" not in schedule["Properties"]
    assert set(tools.resources_of(translated, "AWS::CloudWatch::Alarm")) == {
        "PolicyLengthAlarm",
        "WatchHeartbeatAlarm",
        "WatchErrorsAlarm",
        "AccountPolicyCountAlarm",
        "OverBroadGrantsAlarm",
    }
    assert set(tools.resources_of(translated, "AWS::CloudWatch::Dashboard")) == {"WatchDashboard"}
    # And SAM added no role of its own: the schedule uses the template's, with its condition
    roles = set(tools.resources_of(translated, "AWS::IAM::Role"))
    assert roles == {"FunctionRole", "GuardHookRole", "WatchRole", "WatchScheduleRole"}
    assert resources["GuardHookRole"]["Condition"] == "CreateGuard"


def test_everything_else_is_unchanged(translated: dict[str, Any], source: dict[str, Any]) -> None:
    # Given the resources, parameters, conditions and outputs SAM does not rewrite
    # Then they come out exactly as template.yaml has them
    for name in UNTOUCHED:
        assert translated["Resources"][name] == source["Resources"][name], name
    for section in ("Parameters", "Conditions", "Outputs"):
        assert translated[section] == source[section], section


def test_output_is_region_agnostic_and_deterministic(
    output: Path, env: dict[str, str], tmp_path: Path
) -> None:
    # Given the translated template (the translator was given us-east-1 for the partition)
    text = output.read_text()
    # Then no region is baked in: ARNs use AWS::Region and AWS::Partition
    assert not re.search(r"\b[a-z]{2}(-[a-z]+)+-\d\b", text)
    assert "arn:aws:" not in text
    # When it is generated again
    again = tmp_path / "again.json"
    result = _translate(env, again, "--code-uri", CODE_URI)
    # Then it is byte for byte the same, indented JSON with a final newline
    assert result.returncode == 0, tools.explain(result)
    assert again.read_bytes() == output.read_bytes()
    assert text.startswith('{\n  "AWSTemplateFormatVersion"')
    assert text.endswith("}\n")


def test_cfn_lint_passes(output: Path) -> None:
    # Given the translated template
    # When cfn-lint checks it, with the project's rules (in process)
    findings = tools.rule_pack_findings(output)[output]
    # Then it finds nothing
    assert findings == [], "\n".join(findings)


def test_checkov_passes(output: Path, checkov_scan: tools.CheckovScan) -> None:
    # Given the translated template, which kept its suppressions
    # When checkov scans it (the session's one run over every template)
    failures = checkov_scan.failures_in(output)
    # Then it passes
    assert not failures


@pytest.mark.parametrize(
    ("where", "code"),
    [
        (
            ["--code-uri", "s3://artifacts-${AWS::Region}/vlp/abc.zip?versionId=v7"],
            {
                "S3Bucket": {"Fn::Sub": "artifacts-${AWS::Region}"},
                "S3Key": "vlp/abc.zip",
                "S3ObjectVersion": "v7",
            },
        ),
        (
            ["--code-uri", "s3://artifacts-{region}/vlp/abc.zip"],
            {"S3Bucket": {"Fn::Sub": "artifacts-${AWS::Region}"}, "S3Key": "vlp/abc.zip"},
        ),
        (
            ["--code-bucket", "{region}.artifacts", "--code-key", "vlp/{region}.zip"],
            {"S3Bucket": {"Fn::Sub": "${AWS::Region}.artifacts"}, "S3Key": "vlp/{region}.zip"},
        ),
        (
            ["--code-bucket", "artifacts", "--code-key", "vlp/abc.zip"],
            {"S3Bucket": "artifacts", "S3Key": "vlp/abc.zip"},
        ),
    ],
    ids=[
        "per-region-bucket-with-version",
        "region-placeholder",
        "region-placeholder-bucket-only",
        "bucket-and-key",
    ],
)
def test_other_code_locations(
    where: list[str], code: dict[str, Any], env: dict[str, str], tmp_path: Path
) -> None:
    # Given a code location in another form
    path = tmp_path / "template.json"
    # When the template is translated with it
    result = _translate(env, path, *where)
    # Then the function's Code says exactly that
    assert result.returncode == 0, tools.explain(result)
    functions = tools.resources_of(json.loads(path.read_text()), "AWS::Lambda::Function")
    assert {
        name: f["Properties"]["Code"] == code for name, f in functions.items()
    } == dict.fromkeys(tools.FUNCTIONS, True)


@pytest.mark.parametrize(
    ("where", "template", "message"),
    [
        (["--code-uri", ""], tools.TEMPLATE, "CODE_URI"),
        (["--code-uri", "https://bucket/key.zip"], tools.TEMPLATE, "not an s3://bucket/key"),
        (["--code-uri", "s3://Not_A_Bucket/key.zip"], tools.TEMPLATE, "not an S3 bucket name"),
        (["--code-uri", "s3://-{region}/key.zip"], tools.TEMPLATE, "not an S3 bucket name"),
        (
            ["--code-uri", CODE_URI],
            tools.EXAMPLES_DIR / "nested-app" / "template.yaml",
            "Serverless Application Repository",
        ),
        (["--code-uri", CODE_URI], tools.REPO / "README.md", "not a YAML or JSON template"),
    ],
    ids=[
        "empty",
        "not-s3",
        "bad-bucket",
        "bad-bucket-with-region",
        "nested-application",
        "not-a-template",
    ],
)
def test_refusals_are_clear_and_write_nothing(
    where: list[str], template: Path, message: str, env: dict[str, str], tmp_path: Path
) -> None:
    # Given an input the script cannot turn into a StackSets template
    path = tmp_path / "template.json"
    # When it runs
    result = _translate(env, path, *where, template=template)
    # Then it fails with a one-line reason (no traceback) and writes no file
    assert result.returncode == 1, tools.explain(result)
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not path.exists()


def test_make_target_runs_the_script_with_code_uri(env: dict[str, str]) -> None:
    # Given the Makefile
    # When make shows what `make stackset-template CODE_URI=...` would run
    # (a fresh make, not a sub-make of `make test`, so it prints no "Entering directory" lines)
    fresh = {k: v for k, v in env.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    result = tools.run(
        ["make", "--no-print-directory", "-n", "stackset-template", f"CODE_URI={CODE_URI}"], fresh
    )
    assert result.returncode == 0, tools.explain(result)
    recipe = result.stdout.strip().splitlines()[-1]
    # Then it is this script, on template.yaml, with the code location, into stackset/
    assert "scripts/stackset_template.py" in recipe
    assert f'--code-uri "{CODE_URI}"' in recipe
    assert "--template template.yaml" in recipe
    assert "--output stackset/template.json" in recipe


def _documented_commands() -> list[tuple[str, str]]:
    """(file, line) for every `make stackset-template CODE_URI=...` the docs give."""
    found = []
    for path in DOCUMENTED_IN:
        for line in path.read_text().splitlines():
            if line.strip().startswith("make stackset-template"):
                found.append((path.relative_to(tools.REPO).as_posix(), line.strip()))
    return found


def test_the_docs_give_the_command_with_a_bucket_per_region() -> None:
    # Given the docs' StackSets commands
    commands = _documented_commands()
    # Then both documents give one, for a bucket per region, and none writes ${AWS::Region},
    # which make and the shell would both expand to nothing
    assert {where for where, _ in commands} == {
        p.relative_to(tools.REPO).as_posix() for p in DOCUMENTED_IN
    }
    for where, line in commands:
        assert "{region}" in line, f"{where}: {line}"
        assert "${" not in line, f"{where}: {line}"


@pytest.fixture(scope="module")
def documented_outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the documented commands' recipes write instead of stackset/: one file per line,
    named by its hash (the docs give the same line, and one line is run once), in the folder
    every xdist worker shares."""
    folder = run_folder(tmp_path_factory) / "documented"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.mark.parametrize("command", _documented_commands(), ids=lambda c: str(c[0]))
def test_the_documented_command_gives_each_region_its_own_bucket(
    command: tuple[str, str],
    env: dict[str, str],
    documented_outputs: Path,
    shared_runs: SharedRuns,
) -> None:
    # Given the documented command, with the docs' placeholder for the object's hash filled in
    _, line = command
    line = line.replace("<hash>", "0123456789abcdef")
    fresh = {k: v for k, v in env.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    # When the shell runs it through make, printing the recipe make would run (make -n); a line
    # both documents give is run once (tests.support.SharedRuns)
    assert line.startswith("make stackset-template "), line
    dry = line.replace("make", "make --no-print-directory -n", 1)
    printed = shared_runs.run(["bash", "-c", dry], tools.REPO, fresh, timeout=60)
    assert printed.returncode == 0, printed.stderr
    recipe = printed.stdout.strip().splitlines()[-1]
    assert "--output stackset/template.json" in recipe, recipe
    # And that recipe runs in the shell, writing to a scratch file instead of stackset/
    output = documented_outputs / f"{hashlib.sha256(line.encode()).hexdigest()[:16]}.json"
    recipe = recipe.replace(
        "--output stackset/template.json", f"--output {shlex.quote(str(output))}"
    )
    ran = shared_runs.run(["bash", "-c", recipe], tools.REPO, env, timeout=120)
    # Then every function's code comes from the bucket of the stack's own region
    assert ran.returncode == 0, f"{recipe}\n{ran.stdout}\n{ran.stderr}"
    functions = tools.resources_of(json.loads(output.read_text()), "AWS::Lambda::Function")
    buckets = {name: f["Properties"]["Code"]["S3Bucket"] for name, f in functions.items()}
    expected = {"Fn::Sub": "my-org-artifacts-${AWS::Region}"}
    assert buckets == dict.fromkeys(tools.FUNCTIONS, expected), recipe
