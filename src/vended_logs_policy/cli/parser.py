"""The command line: commands, options, help text; every usage error exits 1 (2 means "a change").

argparse exits 2 on a usage error, which would read as plan's "a change is needed"; ``Parser``
raises ``UsageError`` instead and ``main`` turns it into one line and exit 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from vended_logs_policy.cli import regions, values
from vended_logs_policy.engine.policy import DEFAULT_POLICY_NAME
from vended_logs_policy.errors import InvalidInputError

PROG = "vended-logs-policy"
DEFAULT_ROLE = "OrganizationAccountAccessRole"
DEFAULT_BACKUP_DIR = "vended-logs-policy-backups"
COMMANDS = ("plan", "apply", "audit", "render", "restore", "tidy")


class UsageError(InvalidInputError):
    """The command line cannot be used as given; the CLI exits 1."""


class Parser(argparse.ArgumentParser):
    """argparse without its exit 2: a usage error raises ``UsageError``."""

    def error(self, message: str) -> NoReturn:
        """Raise instead of printing the usage and exiting 2."""
        raise UsageError(f"{_once(message)} (see {self.prog} --help)")


def _once(message: str) -> str:
    """argparse's ``argument --x: --x: ...`` (or ``--x needs ...``) with the option named once."""
    head, colon, rest = message.partition(": ")
    option = head.removeprefix("argument ")
    if not colon or option == head:
        return message
    if rest.startswith(f"{option}: "):
        return f"{head}: {rest.removeprefix(f'{option}: ')}"
    if rest.startswith(f"{option} "):
        return f"argument {rest}"
    return message


def _checked(check: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse ``type`` from a checker that raises InvalidInputError."""

    def convert(value: str) -> Any:
        try:
            return check(value)
        except InvalidInputError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from exc

    convert.__name__ = check.__name__.replace("_", " ")
    return convert


def version() -> str:
    """The package's version (``vended_logs_policy.__version__``, the one source)."""
    from vended_logs_policy import __version__

    return __version__


class VersionAction(argparse.Action):
    """``--version``: print the version and exit 0 (looked up only when asked)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        """Print ``vended-logs-policy X.Y.Z`` on stdout."""
        sys.stdout.write(f"{PROG} {version()}\n")
        sys.stdout.flush()
        parser.exit()


def build_parser() -> Parser:
    """The whole command line."""
    parser = Parser(
        prog=PROG,
        description="Keep the CloudWatch Logs resource policy compact for Step Functions "
        "vended logs (/aws/vendedlogs/states/), keeping every other grant.",
        epilog="Exit codes: 0 nothing to do, 2 a change is needed (or a --fail-on finding), "
        "1 an error (usage errors too), 130 interrupted. See docs/cli.md.",
        allow_abbrev=False,
    )
    parser.add_argument(
        "--version", action=VersionAction, nargs=0, help="print the version and exit"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _plan(sub)
    _apply(sub)
    _audit(sub)
    _render(sub)
    _restore(sub)
    _tidy(sub)
    return parser


def _command(sub: Any, name: str, help_text: str) -> Parser:
    command: Parser = sub.add_parser(
        name, help=help_text, description=help_text, allow_abbrev=False
    )
    command.add_argument(
        "--version", action=VersionAction, nargs=0, help="print the version and exit"
    )
    return command


def _plan(sub: Any) -> None:
    plan = _command(sub, "plan", "show what apply would change, statement by statement "
                    "(exit 2 when a write is needed)")  # fmt: skip
    _targets(plan)
    _connection(plan)
    _policy(plan)
    _grant_findings(plan)
    plan.add_argument(
        "--fail-on",
        type=_checked(values.plan_fail_on),
        default=frozenset(),
        metavar="FINDINGS",
        help="exit 2 when one of these comma-separated findings is present: no-policy (the "
        "region holds no such policy yet; reported, exit 0, unless named here), or in the policy "
        f"apply would leave: {', '.join(values.GRANT_FINDINGS)}",
    )


def _apply(sub: Any) -> None:
    apply = _command(sub, "apply", "ensure the policy: back up what it replaces, then write")
    _targets(apply)
    _connection(apply)
    _policy(apply)
    apply.add_argument(
        "--dry-run", action="store_true", help="plan only: write nothing, exit 0 either way"
    )
    apply.add_argument(
        "--absorb",
        metavar="NAME",
        help="also fold this other account-level policy (delivery grants only) into the policy "
        "and delete it, freeing a slot of the region's 10; both are backed up first",
    )
    _backup_dir(apply)


def _audit(sub: Any) -> None:
    audit = _command(sub, "audit", "list the resource policies with their lengths against "
                     "the 5120-character limit")  # fmt: skip
    _targets(audit)
    _connection(audit)
    _policy(audit)
    _grant_findings(audit)
    audit.add_argument(
        "--state-machines",
        action="store_true",
        help="also list state machines whose log groups no delivery grant covers",
    )
    audit.add_argument(
        "--fail-on",
        type=_checked(values.fail_on),
        default=frozenset(),
        metavar="FINDINGS",
        help="exit 2 when one of these comma-separated findings is present: "
        f"{', '.join(values.FAIL_ON)} (near-limit: over 80%% of 5120 characters; "
        "uncovered-state-machines turns on --state-machines; unconditional-grant: a delivery "
        "grant without confused-deputy conditions; broad-grant: one that reaches log groups "
        "outside the allowed prefixes)",
    )


def _render(sub: Any) -> None:
    render = _command(sub, "render", "offline: ensure a document read from a file or stdin, "
                      "print it as compact JSON")  # fmt: skip
    render.add_argument("--account", required=True, help="12-digit account id of the ARNs")
    render.add_argument(
        "--region",
        required=True,
        type=_checked(regions.check_region),
        help="region of the ARNs; its partition comes from botocore's data",
    )
    render.add_argument(
        "--partition",
        type=_checked(regions.check_partition),
        help="partition of the ARNs (default: the region's); must match the region",
    )
    render.add_argument(
        "--input",
        default="-",
        metavar="FILE",
        help="a policy document, or `aws logs describe-resource-policies` output (- = stdin)",
    )
    _policy(render)


def _restore(sub: Any) -> None:
    restore = _command(sub, "restore", "put a backup taken by apply (or restore) back, "
                       "after backing up what it replaces")  # fmt: skip
    restore.add_argument(
        "file",
        metavar="FILE",
        help="a backup file written by apply or restore, a function's backup log line (or a "
        "file holding it), or plan --json output",
    )
    restore.add_argument(
        "--dry-run",
        action="store_true",
        help="show the change only; exit 2 when the stored document differs from the backup",
    )
    restore.add_argument(
        "--role-name",
        type=_checked(values.role_name),
        help=f"role to assume in --account when it is not the caller's (default {DEFAULT_ROLE})",
    )
    restore.add_argument(
        "--account",
        type=_checked(values.account_id),
        metavar="ID",
        help="the account to write (default: the caller's); it must be the backup's account",
    )
    restore.add_argument(
        "--policy-name",
        default=DEFAULT_POLICY_NAME,
        metavar="NAME",
        help=f"the policy restore may write (default {DEFAULT_POLICY_NAME}); it must be the "
        "backup's",
    )
    _connection(restore)
    _backup_dir(restore)


def _tidy(sub: Any) -> None:
    tidy = _command(sub, "tidy", "ensure the policy (as apply), then delete each per-log-group "
                    "policy its wildcard makes redundant, each backed up first")  # fmt: skip
    _targets(tidy)
    _connection(tidy)
    _policy(tidy)
    tidy.add_argument(
        "--dry-run",
        action="store_true",
        help="list what would be removed: write and delete nothing, exit 0",
    )
    _backup_dir(tidy)


def _targets(command: Parser) -> None:
    where = command.add_mutually_exclusive_group()
    where.add_argument(
        "--region",
        type=_checked(regions.check_region),
        help="one region (default: AWS_REGION, then AWS_DEFAULT_REGION, then the profile's)",
    )
    where.add_argument(
        "--regions",
        type=_checked(values.region_list),
        metavar="R1,R2|all",
        help="several regions at once, or 'all': the account's enabled regions "
        "(ec2:DescribeRegions)",
    )
    command.add_argument(
        "--accounts",
        type=_checked(values.account_list),
        metavar="ID,ID|all",
        help="run in these accounts through --role-name, or 'all': the organisation's active "
        "accounts (organizations:ListAccounts); the caller's own account uses its credentials",
    )
    command.add_argument(
        "--role-name",
        type=_checked(values.role_name),
        help=f"role assumed in each account of --accounts (default {DEFAULT_ROLE})",
    )


def _connection(command: Parser) -> None:
    command.add_argument("--profile", help="named AWS profile (default: the default chain)")
    command.add_argument(
        "--endpoint-url",
        metavar="URL",
        help="send every AWS call to this endpoint (an emulator); AWS_ENDPOINT_URL works too",
    )
    command.add_argument(
        "--json",
        action="store_true",
        help='print one JSON object: {"version": 1, "exit_code": N, "targets": [...]}',
    )


def _policy(command: Parser) -> None:
    command.add_argument(
        "--policy-name",
        default=DEFAULT_POLICY_NAME,
        metavar="NAME",
        help=f"account-level resource policy to keep compact (default {DEFAULT_POLICY_NAME})",
    )
    command.add_argument(
        "--prefix",
        action="append",
        dest="prefixes",
        metavar="PREFIX",
        help="log group name prefix the wildcard covers (repeatable; default "
        "/aws/vendedlogs/states/)",
    )
    command.add_argument(
        "--no-source-conditions",
        action="store_true",
        help="leave out the aws:SourceAccount and aws:SourceArn conditions on the wildcard",
    )
    command.add_argument(
        "--no-compact",
        action="store_true",
        help="keep the resources the wildcard covers instead of removing them",
    )


def _grant_findings(command: Parser) -> None:
    command.add_argument(
        "--allowed-prefix",
        action="append",
        dest="allowed_prefixes",
        metavar="PREFIX",
        help="log group name prefix a delivery grant may reach without a broad-grant finding "
        "(repeatable; /aws/vendedlogs/ and the --prefix values always are), e.g. aws-waf-logs-",
    )


def _backup_dir(command: Parser) -> None:
    command.add_argument(
        "--backup-dir",
        default=DEFAULT_BACKUP_DIR,
        metavar="DIR",
        help=f"folder for the backup taken before each write (default ./{DEFAULT_BACKUP_DIR}/)",
    )


def parse(argv: list[str]) -> argparse.Namespace:
    """Parse and check the options that depend on each other."""
    args = build_parser().parse_args(argv)
    if (
        args.command in ("plan", "apply", "audit", "tidy")
        and args.role_name
        and args.accounts is None
    ):
        raise UsageError("--role-name needs --accounts")
    return args
