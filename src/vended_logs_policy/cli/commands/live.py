"""The live commands (plan, apply, audit, restore, tidy): connect, choose the targets, run, report.

Importing this module imports boto3 (through ``cli.live``); ``main`` imports it only for them.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from vended_logs_policy import log_safety
from vended_logs_policy.cli import backup as backups
from vended_logs_policy.cli.commands.absorb import absorb_target
from vended_logs_policy.cli.commands.apply import apply_target
from vended_logs_policy.cli.commands.audit import audit_target
from vended_logs_policy.cli.commands.plan import plan_target
from vended_logs_policy.cli.commands.restore import check_request, restore_target
from vended_logs_policy.cli.commands.tidy import tidy_target
from vended_logs_policy.cli.interrupt import Interruption
from vended_logs_policy.cli.live import AwsRun, Target, connect, organisation_accounts
from vended_logs_policy.cli.output import emit, emit_failure
from vended_logs_policy.cli.parser import DEFAULT_ROLE
from vended_logs_policy.cli.progress import Progress
from vended_logs_policy.cli.results import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    TargetResult,
    one_line,
    worst,
)
from vended_logs_policy.cli.runner import Runner, Work
from vended_logs_policy.cli.settings import allowed_prefixes, policy_settings
from vended_logs_policy.cli.values import Choice
from vended_logs_policy.errors import InvalidInputError


@dataclass(frozen=True)
class Job:
    """What to run where: the work for one target, the accounts and regions, the home region."""

    work: Work
    accounts: Choice | None
    regions: Choice | None
    region: str | None
    writes_policy: bool
    several: bool  # asked for several targets (--regions, --accounts): a line each and a total
    fallback: str | None = None  # the home region when none is configured: --regions' first


def _first_listed(regions: Choice | None) -> str | None:
    """``--regions a,b``: the region that serves as home when none is configured."""
    return regions.names[0] if regions is not None and not regions.all else None


def _policy_job(args: argparse.Namespace) -> Job:
    settings = policy_settings(args)
    work: Work
    if args.command == "plan":
        work = lambda target: plan_target(  # noqa: E731
            target, settings, allowed_prefixes=allowed_prefixes(args), fail_on=args.fail_on
        )
    elif args.command == "apply" and args.absorb is not None and not args.dry_run:
        work = lambda target: absorb_target(  # noqa: E731
            target, settings, args.absorb, backup_dir=args.backup_dir
        )
    elif args.command in ("apply", "tidy"):
        run = apply_target if args.command == "apply" else tidy_target
        work = lambda target: run(  # noqa: E731
            target, settings, backup_dir=args.backup_dir, dry_run=args.dry_run
        )
    else:
        machines = args.state_machines or "uncovered-state-machines" in args.fail_on
        work = lambda target: audit_target(  # noqa: E731
            target,
            settings,
            state_machines=machines,
            fail_on=args.fail_on,
            allowed_prefixes=allowed_prefixes(args),
        )
    writes = args.command in ("apply", "tidy") and not args.dry_run
    several = args.accounts is not None or args.regions is not None
    home = _first_listed(args.regions)
    return Job(work, args.accounts, args.regions, args.region, writes, several, home)


def _restore_job(args: argparse.Namespace) -> Job:
    backup = backups.load(args.file)
    check_request(backup, args.policy_name, args.account)
    accounts = None if args.account is None else Choice((args.account,))

    def restore(target: Target) -> TargetResult:
        return restore_target(
            target, backup, args.file, backup_dir=args.backup_dir, dry_run=args.dry_run
        )

    return Job(restore, accounts, None, backup.region, not args.dry_run, False)


def _job(args: argparse.Namespace) -> Job:
    return _restore_job(args) if args.command == "restore" else _policy_job(args)


def _accounts(aws: AwsRun, chosen: Choice | None) -> Sequence[str]:
    if chosen is None:
        return [aws.identity.account]
    if not chosen.all:
        return chosen.names
    found = organisation_accounts(aws)
    if not found:
        raise InvalidInputError(
            "--accounts all: organizations:ListAccounts lists no active account; is the "
            "caller's account the management (or a delegated administrator) account of an "
            "organisation?"
        )
    return found


def _execute(args: argparse.Namespace, interruption: Interruption, out: TextIO, err: TextIO) -> int:
    job = _job(args)
    aws = connect(args.profile, job.region, args.endpoint_url, interruption, job.fallback)
    accounts = _accounts(aws, job.accounts)
    runner = Runner(
        aws,
        interruption,
        Progress(err, args.command),
        role_name=args.role_name or DEFAULT_ROLE,
        writes_policy=job.writes_policy,
    )
    results = runner.execute(accounts, job.regions, job.work)
    stopped = interruption.requested
    code = EXIT_INTERRUPTED if stopped else worst(r.code for r in results)
    emit(
        args.command,
        results,
        code,
        as_json=args.json,
        interrupted=stopped,
        several=job.several,
        out=out,
        err=err,
    )
    return code


def run_live(
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO,
    *,
    checkpoint: Callable[[], None],
) -> int:
    """Run plan, apply, audit or restore; every failure is one line, Ctrl-C exits 130.

    ``checkpoint`` raises KeyboardInterrupt if a signal arrived before this run took them over."""
    log_safety.hold()  # no SDK DEBUG line (signed headers, tokens) whatever logging is set up
    interruption = Interruption(err)
    with interruption.installed():
        checkpoint()
        try:
            return _execute(args, interruption, out, err)
        except Exception as exc:
            if interruption.requested:
                message, code = (
                    "stopped before any target started; nothing written",
                    EXIT_INTERRUPTED,
                )
            else:
                message, code = one_line(exc), EXIT_ERROR
            emit_failure(args.command, message, code, as_json=args.json, out=out, err=err)
            return code
