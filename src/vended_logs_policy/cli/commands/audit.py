"""``audit``: every resource policy of one target against the limit, and uncovered state machines.

Findings: ``over-limit`` (a policy over 5120 characters), ``near-limit`` (over 80% of it, so an
over-limit policy is near the limit too), ``uncovered-state-machines``,
``redundant-log-group-policies`` (see ``log_group_report``), ``unconditional-grant`` and
``broad-grant`` (see ``engine.findings``). ``--fail-on`` names the findings that make the target
exit 2.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from vended_logs_policy.adapters.stepfunctions import StateMachines
from vended_logs_policy.cli import grants
from vended_logs_policy.cli.commands.log_group_report import (
    log_group_data,
    log_group_findings,
    log_group_lines,
)
from vended_logs_policy.cli.live import Target
from vended_logs_policy.cli.results import EXIT_CHANGES, EXIT_OK, Status, TargetResult
from vended_logs_policy.cli.settings import PolicySettings
from vended_logs_policy.engine import policy
from vended_logs_policy.engine.policy import CLASSIC_LIMIT
from vended_logs_policy.service import ACCOUNT_POLICY_QUOTA, PolicyAudit, PolicyService
from vended_logs_policy.symptoms import QUOTA_EXCEEDED, full_policy_symptoms
from vended_logs_policy.target import DEFAULT_ALLOWED_PREFIXES
from vended_logs_policy.text import plural

NEAR_LIMIT = CLASSIC_LIMIT * 8 // 10  # 4096: over this is "near the limit"


def size_state(length: int) -> str:
    """``over-limit``, ``near-limit`` or ``ok`` for a document length."""
    if length > CLASSIC_LIMIT:
        return "over-limit"
    if length > NEAR_LIMIT:
        return "near-limit"
    return "ok"


def _row(item: PolicyAudit) -> dict[str, Any]:
    return {
        "policy_name": item.name,
        "length": item.length,
        "state": size_state(item.length),
        "absorbable": None if item.outcome is None else len(item.outcome.removed_resources),
        "error": item.error,
        **_explanation(item),
    }


def _explanation(item: PolicyAudit) -> dict[str, Any]:
    """Why resources stay, and the prefixes that would absorb the most (each computed)."""
    if item.explained is None:
        return {"why": None, "suggested_prefixes": []}
    suggested = [
        {"prefix": s.prefix, "absorbed": s.absorbed, "length": s.length}
        for s in item.explained.advice.prefixes
    ]
    return {"why": item.explained.explanation or None, "suggested_prefixes": suggested}


def _row_lines(row: dict[str, Any]) -> list[str]:
    detail = row["error"] or f"wildcard would absorb {plural(row['absorbable'], 'resource')}"
    head = f"  {row['policy_name']}: {row['length']}/{CLASSIC_LIMIT} characters ({row['state']})"
    why = [f"    {row['why']}"] if row["why"] else []
    full = [f"    when it is full, {full_policy_symptoms()}"] if row["state"] != "ok" else []
    return [f"{head}; {detail}", *why, *_suggestion_lines(row), *full]


def _suggestion_lines(row: dict[str, Any]) -> list[str]:
    return [
        f"    suggested prefix {s['prefix']}: absorbs {plural(s['absorbed'], 'resource')} "
        f"-> {s['length']} characters"
        for s in row["suggested_prefixes"]
    ]


def _quota_lines(count: int) -> list[str]:
    if count < ACCOUNT_POLICY_QUOTA:
        return []
    return [
        f"  the region holds {count} account-level resource policies (quota "
        f'{ACCOUNT_POLICY_QUOTA}): creating another fails with "{QUOTA_EXCEEDED}"'
    ]


def uncovered_state_machines(
    target: Target, documents: list[dict[str, Any]]
) -> list[dict[str, str]]:
    """State machines logging to a log group that no account-level delivery grant covers."""
    machines = StateMachines(target.client("stepfunctions"), target.run.retry)
    found: list[dict[str, str]] = []
    for machine in machines.logging():
        wanted = policy.log_group_target(machine.log_group_arn)
        if wanted is None or not policy.grants_delivery_to(documents, wanted, target.scope):
            found.append(
                {"name": machine.name, "arn": machine.arn, "log_group": machine.log_group_arn}
            )
    return found


def findings(
    rows: list[dict[str, Any]],
    machines: list[dict[str, str]] | None,
    grant_kinds: Collection[str] = (),
) -> list[str]:
    """The findings present, in a fixed order."""
    states = {row["state"] for row in rows}
    present = []
    if "over-limit" in states:
        present.append("over-limit")
    if states & {"over-limit", "near-limit"}:
        present.append("near-limit")
    if machines:
        present.append("uncovered-state-machines")
    return present + list(grant_kinds)


def audit_target(
    target: Target,
    settings: PolicySettings,
    *,
    state_machines: bool,
    fail_on: Collection[str],
    allowed_prefixes: Sequence[str] = DEFAULT_ALLOWED_PREFIXES,
) -> TargetResult:
    """List the policies with their lengths; exit 2 when a finding of ``fail_on`` is present."""
    audit = PolicyService(target.policies()).audit(target.scope, settings.options, settings.name)
    rows = [_row(item) for item in audit.policies]
    data: dict[str, Any] = {
        "limit": CLASSIC_LIMIT,
        "near_limit": NEAR_LIMIT,
        "policies": rows,
        "per_log_group_policies": audit.per_log_group,
    }
    lines = [line for row in rows for line in _row_lines(row)]
    lines += [*_quota_lines(len(rows)), f"  per-log-group policies: {audit.per_log_group}"]
    data |= log_group_data(audit.log_groups)
    lines += log_group_lines(audit.log_groups)
    machines = None
    if state_machines:
        machines = uncovered_state_machines(target, audit.documents)
        data["uncovered_state_machines"] = machines
        lines.append(f"  state machines logging to log groups no grant covers: {len(machines)}")
        lines.extend(f"    {m['name']}: {m['log_group']}" for m in machines)
    over_broad = _grant_findings(audit.policies, allowed_prefixes)
    data["grant_findings"] = over_broad
    lines.extend(grants.lines(over_broad))
    present = findings(rows, machines, grants.kinds(over_broad))
    present += log_group_findings(audit.log_groups)
    failing = [f for f in present if f in fail_on]
    data |= {"findings": present, "failing": failing}
    if present:
        lines.append(f"  findings: {', '.join(present)}")
    status, code = (Status.FINDINGS, EXIT_CHANGES) if failing else (Status.OK, EXIT_OK)
    return TargetResult(
        target.account, target.region, status, code, _summary(rows, machines, failing), lines, data
    )


def _grant_findings(
    policies: list[PolicyAudit], allowed_prefixes: Sequence[str]
) -> list[dict[str, Any]]:
    """The over-broad delivery grants of every policy that parses."""
    return [
        record
        for item in policies
        for record in grants.grant_findings(item.name, item.document, allowed_prefixes)
    ]


def _summary(
    rows: list[dict[str, Any]], machines: list[dict[str, str]] | None, failing: list[str]
) -> str:
    over = sum(1 for row in rows if row["state"] == "over-limit")
    # Counted as the near-limit finding counts: an over-limit policy is near the limit too.
    near = sum(1 for row in rows if row["state"] in ("over-limit", "near-limit"))
    policies = plural(len(rows), "account-level policy", "account-level policies")
    text = f"{policies}, {over} over {CLASSIC_LIMIT}, {near} near it (over {NEAR_LIMIT})"
    if machines is not None:
        text += f", {plural(len(machines), 'uncovered state machine')}"
    if failing:
        text += f" (fails on {', '.join(failing)})"
    return text
