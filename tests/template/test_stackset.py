"""scripts/stackset_template.py: the SAM template as plain CloudFormation for StackSets.

The script runs with the SAM CLI environment's Python (it has aws-sam-translator) and no AWS
endpoint; its output must be deterministic, free of SAM types, and pass cfn-lint and checkov.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from . import _tools as tools

pytestmark = pytest.mark.template

SCRIPT = tools.REPO / "scripts" / "stackset_template.py"
CODE_URI = "s3://vlp-artifacts-example/vended-logs-policy/0123456789abcdef"
# Resources SAM leaves alone: they must come out exactly as written.
UNTOUCHED = ("FunctionLogGroup", "FunctionRole", "VendedLogsPolicy", "ServiceTokenParameter")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return tools.offline_env(tmp_path_factory.mktemp("home"))


def _translate(
    env: dict[str, str], output: Path, *where: str, template: Path = tools.TEMPLATE
) -> subprocess.CompletedProcess[str]:
    command: list[str | Path] = [tools.sam_python(), SCRIPT, "--template", template]
    return tools.run([*command, *where, "--output", output], env)


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Path:
    path = tmp_path_factory.mktemp("stackset") / "template.json"
    result = _translate(env, path, "--code-uri", CODE_URI)
    assert result.returncode == 0, tools.explain(result)
    return path


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


def test_function_code_is_the_given_s3_object_and_settings_are_kept(
    translated: dict[str, Any], source: dict[str, Any]
) -> None:
    # Given the function before and after translation
    (before,) = tools.resources_of(source, "AWS::Serverless::Function").values()
    (after,) = tools.resources_of(translated, "AWS::Lambda::Function").values()
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
    # And its checkov suppressions travel with it
    assert after["Metadata"]["checkov"] == before["Metadata"]["checkov"]


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


def test_cfn_lint_passes(output: Path, env: dict[str, str]) -> None:
    # Given the translated template
    # When cfn-lint checks it, with the project's rules
    result = tools.run(tools.cfn_lint_command(output), env)
    # Then it finds nothing
    assert result.returncode == 0, tools.explain(result)


def test_checkov_passes(output: Path, env: dict[str, str]) -> None:
    # Given the translated template, which kept its suppressions
    # When checkov scans it
    failures = tools.checkov_failures([output], env)
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
            ["--code-bucket", "artifacts", "--code-key", "vlp/abc.zip"],
            {"S3Bucket": "artifacts", "S3Key": "vlp/abc.zip"},
        ),
    ],
    ids=["per-region-bucket-with-version", "bucket-and-key"],
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
    (function,) = tools.resources_of(json.loads(path.read_text()), "AWS::Lambda::Function").values()
    assert function["Properties"]["Code"] == code


@pytest.mark.parametrize(
    ("where", "template", "message"),
    [
        (["--code-uri", ""], tools.TEMPLATE, "CODE_URI"),
        (["--code-uri", "https://bucket/key.zip"], tools.TEMPLATE, "not an s3://bucket/key"),
        (["--code-uri", "s3://Not_A_Bucket/key.zip"], tools.TEMPLATE, "not an S3 bucket name"),
        (
            ["--code-uri", CODE_URI],
            tools.EXAMPLES_DIR / "nested-app" / "template.yaml",
            "Serverless Application Repository",
        ),
        (["--code-uri", CODE_URI], tools.REPO / "README.md", "not a YAML or JSON template"),
    ],
    ids=["empty", "not-s3", "bad-bucket", "nested-application", "not-a-template"],
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
