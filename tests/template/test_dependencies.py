"""Runtime dependencies are ranges with a tested floor; exact pins live in the lock files.

pyproject.toml gives the CLI's dependencies as ranges; ``make py310`` installs
requirements/py310.txt, which must pin each at its floor (so the floor is what is tested), and
requirements/dev.txt, what ``make`` and CI install, must pin each inside its range.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from . import _tools as tools

PROJECT = tomllib.loads((tools.REPO / "pyproject.toml").read_text())["project"]
RUNTIME = [Requirement(line) for line in PROJECT["dependencies"]]


def pins(path: Path) -> dict[str, str]:
    """The `name==version` lines of a lock file, by lower-case name."""
    found = re.findall(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==(\S+)", path.read_text(), re.M)
    return {name.lower().replace("_", "-"): version for name, version in found}


def floor(requirement: Requirement) -> str:
    """The version of a requirement's `>=` bound."""
    (lower,) = [spec.version for spec in requirement.specifier if spec.operator == ">="]
    return lower


def test_runtime_dependencies_are_bounded_ranges() -> None:
    # Given the CLI's runtime dependencies
    # Then each has a floor and an upper bound, and none is an exact pin
    assert {r.name for r in RUNTIME} == {"boto3", "tqdm"}
    for requirement in RUNTIME:
        operators = {spec.operator for spec in requirement.specifier}
        assert operators == {">=", "<"}, requirement


def test_python_310_lock_pins_every_floor() -> None:
    # Given the lock file make py310 installs on Python 3.10
    locked = pins(tools.REPO / "requirements" / "py310.txt")
    # Then each runtime dependency is pinned at its floor (botocore at boto3's), so the floor
    # is what runs the pure and CLI tests there
    for requirement in RUNTIME:
        assert locked[requirement.name] == floor(requirement), requirement
    assert locked["botocore"] == floor(next(r for r in RUNTIME if r.name == "boto3"))


def test_development_lock_is_inside_the_ranges() -> None:
    # Given the lock file make and CI install
    locked = pins(tools.REPO / "requirements" / "dev.txt")
    # Then its pin of each runtime dependency satisfies the range
    for requirement in RUNTIME:
        assert locked[requirement.name] in requirement.specifier, requirement


def test_supported_pythons_match_the_classifiers() -> None:
    # Given requires-python and the classifiers
    supported = SpecifierSet(PROJECT["requires-python"])
    listed = {
        c.rsplit(" :: ", 1)[1]
        for c in PROJECT["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    }
    # Then 3.10 is the oldest supported, and every listed version is supported
    assert "3.10" in supported
    assert "3.9" not in supported
    assert listed == {"3.10", "3.11", "3.12", "3.13"}
    assert all(version in supported for version in listed)
