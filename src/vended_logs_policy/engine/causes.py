"""Why a resource stays in the policy after compaction: one typed cause per resource.

A cause is given for every resource that stays in a statement naming the delivery service and that
a prefix's wildcard could in principle cover (a log group ARN of the scope), other than the
resources that grant the prefixes themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from vended_logs_policy.engine.conditions import Condition
from vended_logs_policy.engine.enums import StrEnum


class CauseKind(StrEnum):
    """What keeps a resource out of the wildcard. Statement-level kinds come first."""

    DENY_OR_NOT = "deny-or-not"  # a Deny, or a NotAction / NotResource / NotPrincipal element
    OTHER_PRINCIPALS = "other-principals"  # the statement also grants other principals
    OTHER_ACTIONS = "other-actions"  # other or broader actions than the two delivery actions
    CONDITIONS = "conditions"  # moving it would narrow it (see engine.conditions)
    POLICY_VARIABLE = "policy-variable"  # ``${...}``: IAM substitutes it, so no glob can prove it
    COMPACTION_OFF = "compaction-off"  # covered, but the options ask not to compact
    OUTSIDE_PREFIXES = "outside-prefixes"  # no prefix's wildcard covers it


STATEMENT_KINDS = (
    CauseKind.DENY_OR_NOT,
    CauseKind.OTHER_PRINCIPALS,
    CauseKind.OTHER_ACTIONS,
    CauseKind.CONDITIONS,
)


@dataclass(frozen=True, slots=True)
class Cause:
    """One resource that stays, where it is, and why.

    ``statement`` is the position in the input document's ``Statement`` list (0 for the single
    object form); ``conditions`` are, for ``CONDITIONS``, the entries that keep it out (removing
    them lets it move); ``elements`` are, for ``DENY_OR_NOT``, the elements that make the
    statement so (``Deny``, ``NotAction``, ...).
    """

    kind: CauseKind
    resource: str
    statement: int
    sid: str | None
    conditions: tuple[Condition, ...] = ()
    elements: tuple[str, ...] = ()
