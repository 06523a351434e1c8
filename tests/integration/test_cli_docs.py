"""Documentation that cannot drift: every CLI command line in README.md and docs/*.md parses with
the real parser, the offline ones run, and docs/cli.md's JSON examples have today's fields.

Convention (docs/cli.md, "Command lines in these documents"): fenced ``sh``, ``bash``, ``shell``
and ``console`` blocks hold command lines; in ``console`` blocks only lines starting with ``$ ``
are commands (the rest is output). ``#`` comments and ``\\`` continuations are handled; a command
ends at a pipe, redirection or separator. A ``vended-logs-policy`` line holding ``[`` is a
synopsis: only its command name is checked. ``--help``, ``--version`` and ``render`` with an
``--input`` file that exists in the repository are run.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local_aws.logs_server import LogsServer
from local_aws.policies import ROUTE53, report_document
from tests.support import make_state_machine, output, run, seed
from vended_logs_policy.cli.parser import COMMANDS, UsageError, parse

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELLS = {"sh", "bash", "shell", "console"}
FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
OPERATORS = {"|", "||", "&", "&&", ";", ">", ">>", "<", "2>", "(", ")"}
PROG = "vended-logs-policy"


@dataclass(frozen=True)
class CommandLine:
    """One command line of a fenced block, where it was found."""

    path: Path
    line: int
    text: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    def argv(self) -> list[str]:
        """The words up to the first shell operator, comments dropped."""
        lexer = shlex.shlex(self.text, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words: list[str] = []
        for word in lexer:
            if word in OPERATORS or set(word) <= set("|&;<>()"):
                break
            words.append(word)
        return words


def _blocks(path: Path) -> list[tuple[str, list[tuple[int, str]]]]:
    """Every fenced block: its info string and its numbered lines."""
    found: list[tuple[str, list[tuple[int, str]]]] = []
    current: list[tuple[int, str]] | None = None
    language = ""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = FENCE.match(line)
        if match and current is None:
            language, current = match.group(2).lower(), []
        elif match:
            found.append((language, current or []))
            current = None
        elif current is not None:
            current.append((number, line))
    return found


def _commands(path: Path, language: str, lines: list[tuple[int, str]]) -> list[CommandLine]:
    found: list[CommandLine] = []
    pending: tuple[int, str] | None = None
    for number, raw in lines:
        text = raw.strip()
        if pending is None:
            if language == "console":
                if not text.startswith("$ "):
                    continue
                text = text[2:]
            pending = (number, "")
        start, head = pending
        if text.endswith("\\"):
            pending = (start, head + text[:-1] + " ")
            continue
        pending = None
        command = (head + text).strip()
        if command and not command.startswith("#"):
            found.append(CommandLine(path, start, command))
    return found


def command_lines() -> list[CommandLine]:
    """Every command line in the shell blocks of the documents."""
    return [
        command
        for path in DOCS
        for language, lines in _blocks(path)
        if language in SHELLS
        for command in _commands(path, language, lines)
    ]


def cli_lines() -> list[CommandLine]:
    return [c for c in command_lines() if c.argv()[:1] == [PROG]]


def test_the_documents_hold_cli_command_lines() -> None:
    found = cli_lines()
    assert len(found) >= 15
    assert {c.path.name for c in found} >= {"README.md", "cli.md"}
    assert any("[" in c.text for c in found)  # the synopsis is checked too


def _runs_offline(argv: list[str]) -> bool:
    if "--help" in argv or "--version" in argv:
        return True
    if argv[:1] != ["render"] or "--input" not in argv:
        return False
    source = argv[argv.index("--input") + 1]
    return (ROOT / source).is_file()


@pytest.mark.parametrize("command", cli_lines(), ids=lambda c: c.where)
def test_every_documented_command_line_parses(command: CommandLine) -> None:
    argv = command.argv()[1:]
    if "[" in command.text:  # a synopsis: its command must exist
        assert argv[0] in COMMANDS or argv[0].startswith("["), command.where
        return
    if _runs_offline(argv):
        result = run(*argv, cwd=ROOT)
        assert result.returncode == 0, f"{command.where}: {result.stderr}"
        return
    try:
        parse(argv)
    except UsageError as exc:
        pytest.fail(f"{command.where}: {command.text!r} does not parse: {exc}")


# ---- the JSON examples of docs/cli.md -----------------------------------------------------


def shape(value: Any) -> Any:
    """The keys of a JSON value, recursively (lists by their first item)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value and isinstance(value[0], dict) else []
    return None


def documented_examples() -> dict[str, dict[str, Any]]:
    """docs/cli.md's JSON output examples, by command."""
    found: dict[str, dict[str, Any]] = {}
    for language, lines in _blocks(ROOT / "docs" / "cli.md"):
        if language != "json":
            continue
        data = json.loads("\n".join(line for _, line in lines))
        if isinstance(data, dict) and "targets" in data:
            found[data["command"]] = data
    return found


def test_the_json_examples_have_todays_fields(logs: LogsServer, tmp_path: Path) -> None:
    # GIVEN the examples' account: the report's policy, a Route 53 grant, a state machine
    examples = documented_examples()
    assert set(examples) == {"plan", "apply", "audit", "restore"}
    document = report_document()
    document["Statement"].append(ROUTE53)
    seed(logs, document)
    make_state_machine(logs, "orders", "/custom/orders-logs")
    folder = str(tmp_path)
    # WHEN each command runs as the examples did
    real = {
        "plan": output(run("plan", "--json", server=logs)),
        "audit": output(run("audit", "--state-machines", "--json", server=logs)),
        "apply": output(run("apply", "--json", "--backup-dir", folder, server=logs)),
    }
    [backup] = tmp_path.iterdir()
    restored = run("restore", str(backup), "--json", "--backup-dir", folder, server=logs)
    real["restore"] = output(restored)
    # THEN every example has exactly the fields (and nesting) of today's output
    for command, example in examples.items():
        assert shape(example) == shape(real[command]), command
        assert example["exit_code"] == real[command]["exit_code"], command
        statuses = [t["status"] for t in example["targets"]]
        assert statuses == [t["status"] for t in real[command]["targets"]], command


def test_the_reader_follows_the_convention(tmp_path: Path) -> None:
    # GIVEN a document with each kind of line the convention names
    page = tmp_path / "page.md"
    page.write_text(
        "```console\n"
        "$ vended-logs-policy plan --jsn   # a typo\n"
        "123456789012 us-west-2: output, not a command\n"
        "$ vended-logs-policy apply \\\n"
        "    --regions all | tee out.txt\n"
        "```\n"
        "```sh\n"
        "# a comment line\n"
        "vended-logs-policy audit [--fail-on FINDINGS]\n"
        "aws logs describe-resource-policies > policies.json\n"
        "```\n"
        "```yaml\n"
        "vended-logs-policy: not a shell block\n"
        "```\n",
        encoding="utf-8",
    )
    found = [
        command
        for language, lines in _blocks(page)
        if language in SHELLS
        for command in _commands(page, language, lines)
    ]
    # THEN commands are the $ lines and the sh lines, continuations joined, operators cut
    assert [(c.line, c.argv()) for c in found] == [
        (2, [PROG, "plan", "--jsn"]),
        (4, [PROG, "apply", "--regions", "all"]),
        (9, [PROG, "audit", "[--fail-on", "FINDINGS]"]),
        (10, ["aws", "logs", "describe-resource-policies"]),
    ]
    # AND the typo does not parse
    with pytest.raises(UsageError, match="unrecognized arguments: --jsn"):
        parse(found[0].argv()[1:])
