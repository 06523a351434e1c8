"""One version for the product: the package, pyproject, the CLI, the template, the CHANGELOG.

``vended_logs_policy.__version__`` is the source; everything else must carry the same string.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib

import vended_logs_policy

from . import _tools as tools

VERSION = vended_logs_policy.__version__
SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")


def test_version_is_semantic() -> None:
    assert SEMVER.fullmatch(VERSION), VERSION


def test_pyproject_reads_the_packages_version() -> None:
    # Given pyproject.toml
    config = tomllib.loads((tools.REPO / "pyproject.toml").read_text())
    # Then its version is dynamic, read by setuptools from the package's __version__, which is
    # a literal it can read without importing the package
    assert "version" not in config["project"]
    assert "version" in config["project"]["dynamic"]
    dynamic = config["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "vended_logs_policy.__version__"}
    source = (tools.REPO / "src" / "vended_logs_policy" / "__init__.py").read_text()
    literals = [
        node.value.value
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign)
        and [getattr(t, "id", None) for t in node.targets] == ["__version__"]
        and isinstance(node.value, ast.Constant)
    ]
    assert literals == [VERSION]


def test_template_description_and_sar_metadata_carry_the_version() -> None:
    # Given the bootstrap template
    template = tools.load(tools.TEMPLATE)
    app = template["Metadata"]["AWS::ServerlessRepo::Application"]
    # Then its SAR SemanticVersion is the version, and its description names it
    assert app["SemanticVersion"] == VERSION
    assert template["Description"].startswith(f"vended-logs-policy {VERSION} bootstrap stack")


def test_changelog_has_a_section_and_a_link_for_the_version() -> None:
    # Given CHANGELOG.md (Keep a Changelog)
    text = (tools.REPO / "CHANGELOG.md").read_text()
    # Then the version has its own section (dated, or Unreleased) and a link reference
    assert re.search(
        rf"^## \[{re.escape(VERSION)}\] - (Unreleased|\d{{4}}-\d{{2}}-\d{{2}})$", text, re.M
    )
    assert re.search(rf"^\[{re.escape(VERSION)}\]: https://", text, re.M)


def test_cli_prints_the_version() -> None:
    # Given the operator CLI, run as a module
    result = subprocess.run(
        [sys.executable, "-m", "vended_logs_policy", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Then --version prints the package's version
    assert (result.returncode, result.stdout) == (0, f"vended-logs-policy {VERSION}\n")
