"""Regions and partitions: AWS CLI v2's region order, partitions from botocore's data, no boto3
for render."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local_aws.logs_server import LogsServer
from local_aws.policies import ACCOUNT, REPORT
from tests.support import PREFIX, output, record, run


@pytest.mark.parametrize(
    ("args", "env", "region"),
    [
        ((), {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-east-1"}, "eu-west-1"),
        (("--region", "ap-south-1"), {"AWS_REGION": "eu-west-1"}, "ap-south-1"),
        ((), {"AWS_DEFAULT_REGION": "us-east-1"}, "us-east-1"),
    ],
)
def test_region_order(
    logs: LogsServer, args: tuple[str, ...], env: dict[str, str], region: str
) -> None:
    # --region, then AWS_REGION, then AWS_DEFAULT_REGION
    environ = {"AWS_DEFAULT_REGION": ""} | env
    result = run("plan", "--json", *args, server=logs, env=environ)
    assert result.returncode == 0, result.stderr  # no policy yet in that region
    assert record(result)["region"] == region


def test_the_profiles_region_comes_last(logs: LogsServer, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[profile ops]\nregion = ca-central-1\naws_access_key_id = testing\n"
        "aws_secret_access_key = testing\n",
        encoding="utf-8",
    )
    env = {"AWS_CONFIG_FILE": str(config), "AWS_DEFAULT_REGION": ""}
    result = run("plan", "--json", "--profile", "ops", server=logs, env=env)
    assert result.returncode == 0, result.stderr
    assert record(result)["region"] == "ca-central-1"
    # AWS_REGION still beats the profile
    env |= {"AWS_REGION": "sa-east-1"}
    assert record(run("plan", "--json", "--profile", "ops", server=logs, env=env))["region"] == (
        "sa-east-1"
    )


def test_no_region_anywhere_is_one_line(logs: LogsServer) -> None:
    result = run("plan", server=logs, env={"AWS_DEFAULT_REGION": ""})
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line == (
        f"{PREFIX}no region: pass --region (or --regions), or set AWS_REGION or "
        "AWS_DEFAULT_REGION, or give the profile a region"
    )


def test_a_china_region_gets_aws_cn_arns_live(logs: LogsServer) -> None:
    # moto answers STS in cn-north-1 with an aws-cn ARN, as AWS does
    result = run("plan", "--region", "cn-north-1", "--json", server=logs)
    assert result.returncode == 0, result.stderr
    assert record(result)["added"] == [
        f"arn:aws-cn:logs:cn-north-1:{ACCOUNT}:log-group:/aws/vendedlogs/states/*:*"
    ]


def test_a_region_of_another_partition_is_that_targets_error(logs: LogsServer) -> None:
    result = run("plan", "--regions", "us-west-2,cn-north-1", "--json", server=logs)
    assert result.returncode == 1
    targets = {t["region"]: t for t in output(result)["targets"]}
    assert targets["us-west-2"]["status"] == "no_policy"
    assert targets["cn-north-1"]["error"] == (
        "region cn-north-1 is in partition aws-cn; the credentials are for aws"
    )


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("cn-north-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("eusc-de-east-1", "aws-eusc"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("eu-isoe-west-1", "aws-iso-e"),
        ("us-isof-south-1", "aws-iso-f"),
    ],
)
def test_render_takes_the_partition_from_the_region(region: str, partition: str) -> None:
    result = run("render", "--account", ACCOUNT, "--region", region, stdin="{}")
    assert result.returncode == 0, result.stderr
    statement = json.loads(result.stdout)["Statement"][0]
    assert statement["Resource"] == [
        f"arn:{partition}:logs:{region}:{ACCOUNT}:log-group:/aws/vendedlogs/states/*:*"
    ]
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"] == [
        f"arn:{partition}:logs:{region}:{ACCOUNT}:*"
    ]
    # the same --partition is accepted; another one is an error
    same = run("render", "--account", ACCOUNT, "--region", region, "--partition", partition,
               stdin="{}")  # fmt: skip
    assert same.stdout == result.stdout
    other = run("render", "--account", ACCOUNT, "--region", region, "--partition", "aws",
                stdin="{}")  # fmt: skip
    assert other.returncode == 1
    assert other.stderr == (
        f"{PREFIX}region {region} is in partition {partition}, not aws: drop --partition or "
        f"pass --partition {partition}\n"
    )


@pytest.mark.wire
def test_render_imports_neither_boto3_nor_botocore() -> None:
    # GIVEN the CLI run as python -m, with every import timed
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "vended_logs_policy", "render",
         "--account", ACCOUNT, "--region", "cn-north-1", "--input", str(REPORT)],
        check=False, capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    # THEN it rendered, and no boto3 or botocore module was imported
    assert result.returncode == 0, result.stderr[-2000:]
    imported = [
        line.rsplit("|", 1)[-1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    ]
    assert "vended_logs_policy.cli" in imported
    assert [name for name in imported if name.split(".")[0] in ("boto3", "botocore")] == []
    assert "tqdm" not in imported
