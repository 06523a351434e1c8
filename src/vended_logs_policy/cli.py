"""Operator CLI: ``vended-logs-policy render | plan | apply | audit``.

Exit codes: 0 done or nothing to change, 1 error, 2 (``plan`` only) a write is needed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from vended_logs_policy.engine import policy
from vended_logs_policy.engine.policy import CLASSIC_LIMIT, Options, Outcome, Scope
from vended_logs_policy.errors import PolicyError, VendedLogsPolicyError
from vended_logs_policy.function.properties import PropertyError, policy_name, prefixes

if TYPE_CHECKING:
    from vended_logs_policy.adapters.clients import Clients
    from vended_logs_policy.service import PolicyService

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2
MAX_PARALLEL_REGIONS = 8


class CliError(Exception):
    """A one-line error for the operator; the CLI exits 1."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vended-logs-policy",
        description="Keep the CloudWatch Logs resource policy compact for Step Functions logs.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def policy_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--policy-name", default=policy.DEFAULT_POLICY_NAME)
        p.add_argument(
            "--prefix",
            action="append",
            dest="prefixes",
            metavar="PREFIX",
            help="log group name prefix to cover (repeatable; default /aws/vendedlogs/states/)",
        )
        p.add_argument("--no-source-conditions", action="store_true")
        p.add_argument("--no-compact", action="store_true")

    def live_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--region", help="AWS region (default: the profile's or AWS_REGION)")
        p.add_argument("--profile", help="AWS profile")
        p.add_argument("--endpoint-url", help="endpoint for CloudWatch Logs and STS (emulators)")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.add_argument(
            "--regions",
            help="comma-separated regions, or 'all' (the account's enabled regions), in parallel",
        )

    render = sub.add_parser("render", help="ensure a document read from a file or stdin")
    render.add_argument("--account", required=True)
    render.add_argument("--region", required=True)
    render.add_argument("--partition", default="aws")
    render.add_argument("--input", default="-", help="policy JSON or describe output (- = stdin)")
    policy_options(render)

    plan = sub.add_parser("plan", help="show what apply would change (exit 2 when it would)")
    live_options(plan)
    policy_options(plan)

    apply = sub.add_parser("apply", help="ensure the policy in the account")
    live_options(apply)
    policy_options(apply)
    apply.add_argument("--dry-run", action="store_true", help="plan only, write nothing")

    audit = sub.add_parser("audit", help="list the region's resource policies and their sizes")
    live_options(audit)
    policy_options(audit)
    audit.add_argument(
        "--state-machines",
        action="store_true",
        help="also list state machines whose log groups no delivery grant covers",
    )
    return parser


def _options(args: argparse.Namespace) -> tuple[str, Options]:
    try:
        name = policy_name(args.policy_name, "--policy-name")
        chosen = prefixes(args.prefixes, "--prefix") if args.prefixes else policy.DEFAULT_PREFIXES
    except PropertyError as exc:
        raise CliError(str(exc)) from exc
    return name, Options(
        prefixes=chosen,
        source_conditions=not args.no_source_conditions,
        compact=not args.no_compact,
    )


def select_document(payload: Any, name: str) -> dict[str, Any] | None:
    """The named policy from ``describe-resource-policies`` output, or the payload itself."""
    if isinstance(payload, dict) and "resourcePolicies" in payload:
        listed = payload["resourcePolicies"]
        if not isinstance(listed, list):
            raise PolicyError("resourcePolicies must be a list")
        for item in listed:
            if isinstance(item, dict) and item.get("policyName") == name:
                text = item.get("policyDocument")
                if not isinstance(text, str):
                    raise PolicyError(f"policy {name}: policyDocument must be a string")
                return policy.parse_document(text)
        return None
    if not isinstance(payload, dict):
        raise PolicyError("input must be a JSON object")
    return payload  # ensure checks it


def _summary(name: str, outcome: Outcome, where: str) -> list[str]:
    lines = [f"policy {name} {where}"]
    lines.append(
        f"  before: {outcome.before_length} characters; after: {outcome.length} "
        f"(classic limit {CLASSIC_LIMIT}{'' if outcome.within_limit else ', OVER'})"
    )
    lines.extend(f"  + {r}" for r in outcome.added_resources)
    if outcome.removed_resources:
        lines.append(f"  - {len(outcome.removed_resources)} resources covered by the wildcard")
    if outcome.uncovered_resources:
        lines.append(
            f"  {len(outcome.uncovered_resources)} delivery resources stay (outside the prefixes)"
        )
    lines.append("  change needed" if outcome.changed else "  already compliant")
    return lines


def _outcome_json(name: str, outcome: Outcome) -> dict[str, Any]:
    return {
        "policy_name": name,
        "changed": outcome.changed,
        "length_before": outcome.before_length,
        "length_after": outcome.length,
        "limit": outcome.limit,
        "added": list(outcome.added_resources),
        "removed": list(outcome.removed_resources),
        "uncovered": len(outcome.uncovered_resources),
    }


def cmd_render(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    """Ensure a document given on a file or stdin; print it compact on stdout."""
    name, options = _options(args)
    try:
        scope = Scope(args.partition, args.region, args.account)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    try:
        if args.input == "-":
            text = stdin.read()
        else:
            with open(args.input, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as exc:
        raise CliError(f"cannot read {args.input}: {exc.strerror}") from exc
    try:
        payload = json.loads(text)
        document = select_document(payload, name)
    except json.JSONDecodeError as exc:
        raise CliError(f"input is not valid JSON: {exc.msg} at char {exc.pos}") from exc
    except PolicyError as exc:
        raise CliError(str(exc)) from exc
    try:
        outcome = policy.ensure(document, scope, options)
    except PolicyError as exc:
        raise CliError(str(exc)) from exc
    out.write(outcome.text + "\n")
    err.write("\n".join(_summary(name, outcome, f"for {scope.account} {scope.region}")) + "\n")
    return EXIT_OK


@dataclass(frozen=True)
class Account:
    """Who we are (from STS, asked once per run) and the clients of the run's one session."""

    partition: str
    account: str
    clients: Clients

    def client(self, service: str, region: str) -> Any:
        """A client for one region, built once per run."""
        return self.clients.client(service, region)


@dataclass(frozen=True)
class Job:
    """One live command's settings, read and checked once for every region it runs in."""

    args: argparse.Namespace
    account: Account
    name: str
    options: Options


@dataclass(frozen=True)
class Target:
    """One account and region to work on."""

    scope: Scope
    service: PolicyService
    account: Account


@dataclass
class Report:
    """What one command did in one region: exit code, JSON, full lines and a one-line summary."""

    region: str
    code: int
    data: dict[str, Any]
    lines: list[str]
    summary: str


def _account(args: argparse.Namespace) -> Account:
    from vended_logs_policy.adapters.clients import Clients  # only the live commands need boto3

    clients = Clients.for_profile(args.profile, args.region, endpoint_url=args.endpoint_url)
    if not clients.region:
        raise CliError("no region: pass --region or set AWS_REGION")
    sts = clients.client("sts")
    try:
        arn = sts.get_caller_identity()["Arn"]
    except Exception as exc:
        raise CliError(f"cannot tell the account (sts:GetCallerIdentity): {exc}") from exc
    parts = arn.split(":")
    return Account(parts[1], parts[4], clients)


def _target(job: Job, region: str) -> Target:
    account = job.account
    scope = Scope(partition=account.partition, region=region, account=account.account)
    from vended_logs_policy.adapters.logs import ResourcePolicies
    from vended_logs_policy.service import PolicyService

    return Target(scope, PolicyService(ResourcePolicies(account.client("logs", region))), account)


def _emit(args: argparse.Namespace, out: TextIO, data: dict[str, Any], lines: list[str]) -> None:
    out.write((json.dumps(data, sort_keys=True) if args.json else "\n".join(lines)) + "\n")


def _head(target: Target) -> dict[str, Any]:
    return {"region": target.scope.region, "account": target.scope.account}


def plan_region(job: Job, region: str) -> Report:
    """Exit 0 when the policy is compliant, 2 when a write is needed."""
    name = job.name
    target = _target(job, region)
    planned = target.service.plan(name, target.scope, job.options)
    outcome, exists = planned.outcome, planned.existed
    data = _head(target) | _outcome_json(name, outcome) | {"exists": exists}
    lines = _summary(name, outcome, f"in {target.scope.account} {target.scope.region}")
    summary = (
        f"change needed ({outcome.before_length} -> {outcome.length} characters)"
        if outcome.changed
        else f"compliant ({outcome.length} characters)"
    )
    return Report(
        target.scope.region, EXIT_CHANGES if outcome.changed else EXIT_OK, data, lines, summary
    )


def apply_region(job: Job, region: str) -> Report:
    """Ensure the policy; a second run writes nothing."""
    if job.args.dry_run:
        report = plan_region(job, region)
        report.code = EXIT_OK if report.code == EXIT_CHANGES else report.code
        return report
    name = job.name
    target = _target(job, region)
    result = target.service.ensure(name, target.scope, job.options)
    outcome = result.outcome
    lines = _summary(name, outcome, f"in {target.scope.account} {target.scope.region}")
    lines[-1] = f"  wrote {result.writes} time(s)" if result.writes else "  nothing to write"
    data = _head(target) | _outcome_json(name, outcome) | {"writes": result.writes}
    data["changed"] = bool(result.writes)
    summary = (
        f"wrote ({outcome.before_length} -> {outcome.length} characters)"
        if result.writes
        else f"nothing to write ({outcome.length} characters)"
    )
    return Report(target.scope.region, EXIT_OK, data, lines, summary)


def _uncovered_state_machines(
    target: Target, documents: list[dict[str, Any]]
) -> list[dict[str, str]]:
    from vended_logs_policy.adapters.stepfunctions import logging_state_machines

    client = target.account.client("stepfunctions", target.scope.region)
    found: list[dict[str, str]] = []
    for machine in logging_state_machines(client):
        wanted = policy.log_group_target(machine.log_group_arn)
        if wanted is None or not policy.grants_delivery_to(documents, wanted, target.scope):
            found.append(
                {"name": machine.name, "arn": machine.arn, "log_group": machine.log_group_arn}
            )
    return found


def audit_region(job: Job, region: str) -> Report:
    """Every account-level policy with its length and what the wildcard would absorb."""
    target = _target(job, region)
    audit = target.service.audit(target.scope, job.options)
    rows: list[dict[str, Any]] = [
        {
            "policy_name": p.name,
            "length": p.length,
            "absorbable": None if p.outcome is None else len(p.outcome.removed_resources),
            "error": p.error,
        }
        for p in audit.policies
    ]
    documents = audit.documents
    per_log_group = audit.per_log_group
    where = f"{target.scope.account} {target.scope.region}"
    lines = [f"account {where}: {len(rows)} account-level resource policies"]
    for row in rows:
        state = "OVER" if row["length"] > CLASSIC_LIMIT else "ok"
        detail = row["error"] or f"wildcard would absorb {row['absorbable']} resources"
        lines.append(
            f"  {row['policy_name']}: {row['length']}/{CLASSIC_LIMIT} characters "
            f"({state}); {detail}"
        )
    lines.append(f"  per-log-group policies: {per_log_group}")
    data = _head(target) | {
        "limit": CLASSIC_LIMIT,
        "policies": rows,
        "per_log_group_policies": per_log_group,
    }
    over = sum(1 for row in rows if row["length"] > CLASSIC_LIMIT)
    summary = f"{len(rows)} policies, {over} over {CLASSIC_LIMIT}, {per_log_group} per-log-group"
    if job.args.state_machines:
        machines = _uncovered_state_machines(target, documents)
        data["uncovered_state_machines"] = machines
        lines.append(f"  state machines logging to log groups no grant covers: {len(machines)}")
        lines.extend(f"    {m['name']}: {m['log_group']}" for m in machines)
        summary += f", {len(machines)} uncovered state machines"
    return Report(target.scope.region, EXIT_OK, data, lines, summary)


def _regions(args: argparse.Namespace, account: Account) -> list[str] | None:
    """The regions of --regions (``all``: the account's enabled ones), None for one region."""
    if not args.regions:
        return None
    if args.regions.strip() != "all":
        chosen = sorted({r.strip() for r in args.regions.split(",") if r.strip()})
        if not chosen:
            raise CliError("--regions needs region names or 'all'")
        return chosen
    ec2 = account.client("ec2", str(account.clients.region))
    try:
        found = ec2.describe_regions(AllRegions=False)["Regions"]
    except Exception as exc:
        raise CliError(f"cannot list the enabled regions (ec2:DescribeRegions): {exc}") from exc
    return sorted(r["RegionName"] for r in found)


def _one_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


type Command = Callable[[Job, str], Report]


def _safely(command: Command, job: Job, region: str) -> Report:
    try:
        return command(job, region)
    except (CliError, VendedLogsPolicyError, ValueError) as exc:
        message = _one_line(exc)
        return Report(
            region, EXIT_ERROR, {"region": region, "error": message}, [message], f"error: {message}"
        )


def _worst(codes: list[int]) -> int:
    """Exit code of a multi-region run: an error beats a needed change beats nothing to do."""
    for code in (EXIT_ERROR, EXIT_CHANGES):
        if code in codes:
            return code
    return EXIT_OK


def run_live(command: Command, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """One region (full output) or many at once (one line each and a total)."""
    name, options = _options(args)
    account = _account(args)
    job = Job(args, account, name, options)
    regions = _regions(args, account)
    if regions is None:
        report = command(job, str(account.clients.region))
        _emit(args, out, report.data, report.lines)
        return report.code
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_REGIONS, len(regions))) as pool:
        reports = list(pool.map(lambda r: _safely(command, job, r), regions))
    code = _worst([r.code for r in reports])
    errors = sum(1 for r in reports if r.code == EXIT_ERROR)
    changes = sum(1 for r in reports if r.code == EXIT_CHANGES)
    total = f"total: {len(reports)} regions, {errors} failed" + (
        f", {changes} need a change" if args.command == "plan" else ""
    )
    if args.json:
        out.write(
            json.dumps({"regions": [r.data for r in reports], "exit_code": code}, sort_keys=True)
            + "\n"
        )
    else:
        out.write("\n".join([*(f"{r.region}: {r.summary}" for r in reports), total]) + "\n")
    for report in reports:
        if report.code == EXIT_ERROR:
            err.write(f"vended-logs-policy: error: {report.region}: {report.data['error']}\n")
    return code


def main(
    argv: Sequence[str] | None = None,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run the CLI; returns the exit code."""
    stdin, out, err = stdin or sys.stdin, out or sys.stdout, err or sys.stderr
    args = _parser().parse_args(argv)
    try:
        if args.command == "render":
            return cmd_render(args, stdin, out, err)
        commands = {"plan": plan_region, "apply": apply_region, "audit": audit_region}
        return run_live(commands[args.command], args, out, err)
    except (CliError, VendedLogsPolicyError, ValueError) as exc:
        err.write(f"vended-logs-policy: error: {_one_line(exc)}\n")
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
