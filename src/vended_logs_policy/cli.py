"""Operator CLI: ``vended-logs-policy render | plan | apply | audit``.

Exit codes: 0 done or nothing to change, 1 error, 2 (``plan`` only) a write is needed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from vended_logs_policy import policy
from vended_logs_policy.logs import LogsError, ResourcePolicies, make_client
from vended_logs_policy.policy import CLASSIC_LIMIT, Options, Outcome, PolicyError, Scope
from vended_logs_policy.properties import PropertyError, policy_name, prefixes

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2


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
    policy.check_document(payload)
    return payload


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
    outcome = policy.ensure(document, scope, options)
    out.write(outcome.text + "\n")
    err.write("\n".join(_summary(name, outcome, f"for {scope.account} {scope.region}")) + "\n")
    return EXIT_OK


@dataclass(frozen=True)
class Target:
    """One account and region to work on, and its adapter."""

    scope: Scope
    policies: ResourcePolicies


def _target(args: argparse.Namespace) -> Target:
    import boto3  # only the live commands need it

    session = boto3.session.Session(profile_name=args.profile, region_name=args.region)
    region = session.region_name
    if not region:
        raise CliError("no region: pass --region or set AWS_REGION")
    sts = session.client("sts", endpoint_url=args.endpoint_url)
    try:
        arn = sts.get_caller_identity()["Arn"]
    except Exception as exc:
        raise CliError(f"cannot tell the account (sts:GetCallerIdentity): {exc}") from exc
    parts = arn.split(":")
    scope = Scope(partition=parts[1], region=region, account=parts[4])
    client = make_client(region, endpoint_url=args.endpoint_url, profile=args.profile)
    return Target(scope, ResourcePolicies(client))


def _emit(args: argparse.Namespace, out: TextIO, data: dict[str, Any], lines: list[str]) -> None:
    out.write((json.dumps(data, sort_keys=True) if args.json else "\n".join(lines)) + "\n")


def cmd_plan(args: argparse.Namespace, out: TextIO) -> int:
    """Exit 0 when the policy is compliant, 2 when a write is needed."""
    name, options = _options(args)
    target = _target(args)
    stored = {p.name: p for p in target.policies.account_policies()}
    current = stored.get(name)
    try:
        document = None if current is None else policy.parse_document(current.text)
    except PolicyError as exc:
        raise CliError(f"policy {name}: {exc}") from exc
    outcome = policy.ensure(document, target.scope, options)
    where = f"in {target.scope.account} {target.scope.region}"
    data: dict[str, Any] = {"region": target.scope.region, "account": target.scope.account}
    data |= _outcome_json(name, outcome) | {"exists": current is not None}
    _emit(args, out, data, _summary(name, outcome, where))
    return EXIT_CHANGES if outcome.changed else EXIT_OK


def cmd_apply(args: argparse.Namespace, out: TextIO) -> int:
    """Ensure the policy; a second run writes nothing."""
    if args.dry_run:
        code = cmd_plan(args, out)
        return EXIT_OK if code == EXIT_CHANGES else code
    name, options = _options(args)
    target = _target(args)
    result = target.policies.ensure(name, target.scope, options)
    where = f"in {target.scope.account} {target.scope.region}"
    lines = _summary(name, result.outcome, where)
    lines[-1] = f"  wrote {result.writes} time(s)" if result.writes else "  nothing to write"
    data: dict[str, Any] = {"region": target.scope.region, "account": target.scope.account}
    data |= _outcome_json(name, result.outcome) | {"writes": result.writes}
    data["changed"] = bool(result.writes)
    _emit(args, out, data, lines)
    return EXIT_OK


def cmd_audit(args: argparse.Namespace, out: TextIO) -> int:
    """Every account-level policy with its length and what the wildcard would absorb."""
    _, options = _options(args)
    target = _target(args)
    rows: list[dict[str, Any]] = []
    for stored in target.policies.account_policies():
        row: dict[str, Any] = {"policy_name": stored.name, "length": len(stored.text)}
        try:
            outcome = policy.ensure(policy.parse_document(stored.text), target.scope, options)
            row |= {"absorbable": len(outcome.removed_resources), "error": None}
        except PolicyError as exc:
            row |= {"absorbable": None, "error": str(exc)}
        rows.append(row)
    per_log_group = len(target.policies.describe("RESOURCE"))
    lines = [f"account {target.scope.account} {target.scope.region}: {len(rows)} account-level"]
    for row in rows:
        state = "OVER" if row["length"] > CLASSIC_LIMIT else "ok"
        detail = row["error"] or f"wildcard would absorb {row['absorbable']} resources"
        lines.append(
            f"  {row['policy_name']}: {row['length']}/{CLASSIC_LIMIT} characters "
            f"({state}); {detail}"
        )
    lines.append(f"  per-log-group policies: {per_log_group}")
    data = {
        "region": target.scope.region,
        "account": target.scope.account,
        "limit": CLASSIC_LIMIT,
        "policies": rows,
        "per_log_group_policies": per_log_group,
    }
    _emit(args, out, data, lines)
    return EXIT_OK


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
        commands = {"plan": cmd_plan, "apply": cmd_apply, "audit": cmd_audit}
        return commands[args.command](args, out)
    except (CliError, LogsError, ValueError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        err.write(f"vended-logs-policy: error: {first}\n")
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
