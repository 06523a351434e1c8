"""Operator CLI: ``vended-logs-policy plan | apply | audit | render | restore``.

Exit codes: 0 nothing to do, 2 a change is needed (or a ``--fail-on`` finding), 1 an error (every
usage error too), 130 interrupted. Every failure is one line on stderr, never a traceback.

Modules: ``parser`` (options, help, usage errors), ``values`` (option values), ``regions``
(botocore's partition data, read without boto3), ``settings`` (policy options), ``commands``
(one module per command), ``live`` (the AWS side of a run), ``runner`` (the bounded pool and
interruption), ``interrupt`` (signals), ``progress`` (tqdm on a terminal), ``backup`` (backups
and restore files), ``diff`` (statement-level diff), ``results`` and ``output`` (what is printed).
``render`` imports neither boto3 nor botocore.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from vended_logs_policy.cli.interrupt import Arrivals
from vended_logs_policy.cli.output import emit_failure
from vended_logs_policy.cli.parser import COMMANDS, PROG, parse
from vended_logs_policy.cli.results import EXIT_ERROR, EXIT_INTERRUPTED, one_line

__all__ = ["main"]


def _dispatch(
    argv: list[str], stdin: TextIO, out: TextIO, err: TextIO, checkpoint: Callable[[], None]
) -> int:
    try:
        with contextlib.redirect_stdout(out):  # --help and --version print to ``out``
            args = parse(argv)
    except SystemExit as exc:  # --help, --version: argparse is done (usage errors raise)
        return int(exc.code or 0)
    if args.command == "render":
        from vended_logs_policy.cli.commands.render import render

        return render(args, stdin, out, err, checkpoint=checkpoint)
    from vended_logs_policy.cli.commands.live import run_live  # imports boto3

    return run_live(args, out, err, checkpoint=checkpoint)


def _run(argv: list[str], stdin: TextIO, out: TextIO, err: TextIO) -> int:
    arrivals = Arrivals()  # SIGINT and SIGTERM raise KeyboardInterrupt until a live run takes over
    try:
        with arrivals.installed():
            code = _dispatch(argv, stdin, out, err, arrivals.check)
            arrivals.check()  # a signal Python dropped on the way counts too
            return code
    except KeyboardInterrupt:
        return _interrupted(err)
    except Exception as exc:  # usage errors, render's errors; never a traceback
        if arrivals.arrived:  # e.g. stdin ended after a dropped Ctrl-C
            return _interrupted(err)
        if _wants_json(argv):
            emit_failure(_command(argv), one_line(exc), EXIT_ERROR, as_json=True, out=out, err=err)
        else:
            err.write(f"{PROG}: error: {one_line(exc)}\n")
        return EXIT_ERROR


def _interrupted(err: TextIO) -> int:
    err.write(f"{PROG}: interrupted\n")
    return EXIT_INTERRUPTED


def _wants_json(argv: list[str]) -> bool:
    """Whether the command line asked for JSON (also when it could not be parsed)."""
    return "--json" in argv[: argv.index("--")] if "--" in argv else "--json" in argv


def _command(argv: list[str]) -> str | None:
    """The command named on the line, if any: the JSON of a usage error names it."""
    return next((arg for arg in argv if arg in COMMANDS), None)


def main(
    argv: Sequence[str] | None = None,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run the CLI; returns the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    return _run(arguments, stdin or sys.stdin, out or sys.stdout, err or sys.stderr)
