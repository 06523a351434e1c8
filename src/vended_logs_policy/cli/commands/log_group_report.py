"""``audit``'s per-log-group section: what each per-log-group policy is, and what could fold in.

Finding ``redundant-log-group-policies``: a per-log-group policy that the account-level wildcard
provably covers (``tidy`` removes it). ``foldable_policies`` names the other account-level
policies that only grant delivery and that the wildcard covers (``apply --absorb NAME`` frees
their slot of the region's 10).
"""

from __future__ import annotations

from typing import Any

from vended_logs_policy.engine.log_group_policies import Kind
from vended_logs_policy.log_groups import RESOURCE_LIMIT, LogGroupReport

REDUNDANT_FINDING = "redundant-log-group-policies"


def log_group_data(found: LogGroupReport | None) -> dict[str, Any]:
    """The JSON keys ``log_group_policies`` and ``foldable_policies``."""
    if found is None:
        return {}
    return {"log_group_policies": found.as_json(), "foldable_policies": list(found.foldable)}


def log_group_lines(found: LogGroupReport | None) -> list[str]:
    """The text lines: counts by kind, the redundant ARNs, the largest length, what folds in."""
    if found is None or not (found.policies or found.foldable):
        return []
    slots = len(found.arns(Kind.REDUNDANT)) + len(found.arns(Kind.DELIVERY))
    lines = (
        [
            f"    {len(found.arns(Kind.REDUNDANT))} redundant under the wildcard, "
            f"{len(found.arns(Kind.DELIVERY))} delivery with an uncovered grant, "
            f"{len(found.arns(Kind.FOREIGN))} foreign; largest "
            f"{found.largest_length}/{RESOURCE_LIMIT} characters"
        ]
        if found.policies
        else []
    )
    if slots:
        lines.append(f"    log groups whose one policy slot a delivery-only policy takes: {slots}")
    lines += [f"    redundant (tidy removes it): {arn}" for arn in found.arns(Kind.REDUNDANT)]
    lines += [
        f"  account-level policy {name} only grants delivery the wildcard covers: "
        f"apply --absorb {name} frees its slot"
        for name in found.foldable
    ]
    return lines


def log_group_findings(found: LogGroupReport | None) -> list[str]:
    """``redundant-log-group-policies`` when one is present."""
    return [REDUNDANT_FINDING] if found is not None and found.arns(Kind.REDUNDANT) else []
