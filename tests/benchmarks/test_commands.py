"""How the benchmark modules behave as commands, and how they compare series (their figures are
docs/benchmarks.md's)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks import BenchError, exit_status, paired_ratio
from benchmarks.cold_start import installed_layout, runtime_bytecode, split_line
from benchmarks.package_size import CUSTOM_RESOURCE, built_functions

BUILT_TEMPLATE = """\
Resources:
  VendedLogsPolicyFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: vended_logs_policy.function.custom_resource.lambda_handler
"""


def test_a_benchmark_that_cannot_measure_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a benchmark whose run fails
    def main() -> int:
        raise BenchError("boto3 exited 1: no module")

    # When it runs as a command
    status = exit_status(main)
    # Then it exits 2 with one line that says why, and no traceback
    assert status == 2
    assert capsys.readouterr().err == "could not measure: boto3 exited 1: no module\n"


def test_ctrl_c_in_a_benchmark_exits_130_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a benchmark interrupted by Ctrl-C
    def main() -> int:
        raise KeyboardInterrupt

    # When it runs as a command
    status = exit_status(main)
    # Then it exits 130, says so in one line, and prints no traceback
    assert status == 130
    assert capsys.readouterr().err == "interrupted: nothing measured was reported\n"


@pytest.mark.parametrize("status", [0, 1])
def test_a_benchmark_that_measured_exits_with_its_own_status(status: int) -> None:
    assert exit_status(lambda: status) == status


def test_a_relative_build_folder_gives_absolute_function_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a sam build folder named relative to the current directory
    build = tmp_path / "build"
    handler = build / "VendedLogsPolicyFunction" / (CUSTOM_RESOURCE.replace(".", "/") + ".py")
    handler.parent.mkdir(parents=True)
    handler.touch()
    (build / "template.yaml").write_text(BUILT_TEMPLATE)
    monkeypatch.chdir(tmp_path)
    # When its functions are read
    (function,) = built_functions(Path("build"))
    # Then the folder is absolute: the measured children run in other folders
    assert function.folder == (build / "VendedLogsPolicyFunction").resolve()
    assert os.path.isabs(function.folder)


def test_a_folder_without_a_built_template_names_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(BenchError, match=r"holds no template.yaml: give a sam build folder"):
        built_functions(tmp_path)


def test_the_packaged_baseline_has_boto3s_bytecode_as_the_runtime_does(tmp_path: Path) -> None:
    # Given the benchmark has made sure of boto3's bytecode once (uv installs none)
    runtime_bytecode(tmp_path)
    # When it checks again
    line = runtime_bytecode(tmp_path)
    # Then every module `import boto3` loads from .venv has its bytecode, none left to compile
    loaded = int(line.split("its ")[1].split()[0])
    assert loaded > 50, line
    assert line.endswith("(0 compiled now)"), line


def test_a_paired_ratio_compares_each_round_with_its_own_baseline() -> None:
    # Given five rounds where the machine got twice as slow for the last two, and one run of the
    # measured series also fell in a slow moment of its round
    baseline = [1.0, 1.0, 1.0, 2.0, 2.0]
    measured = [1.05, 1.05, 2.1, 2.1, 2.1]
    # When they are compared round by round
    ratio = paired_ratio(measured, baseline)
    # Then the drift cancels: each round's own ratio is 1.05 but one, where the ratio of medians
    # (2.1 against 1.0) would report 2.1
    assert ratio == pytest.approx(1.05)


def test_a_paired_ratio_needs_one_baseline_run_per_round() -> None:
    with pytest.raises(ValueError, match="shorter"):
        paired_ratio([1.0, 1.0], [1.0])


def test_the_one_process_split_puts_the_dependencies_apart_from_the_package(tmp_path: Path) -> None:
    # Given the installed layout of the custom resource's handler module
    layout = installed_layout(tmp_path / "pycache", [CUSTOM_RESOURCE], None)
    # When its import is split in one process
    line = split_line(layout, CUSTOM_RESOURCE, tmp_path, runs=1)
    # Then the dependencies it loads beyond boto3 are named, and the package is not among them
    named = line.split("of boto3's; ")[1].split(")")[0].split(", ")
    assert {"aws_lambda_powertools", "crhelper"} <= set(named), line
    assert not [name for name in named if name.startswith(("vended_logs_policy", "boto"))], line
    assert "then the package " in line, line
