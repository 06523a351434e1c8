"""``apply --absorb NAME``: fold another account-level policy that only grants delivery into the
target policy and delete it, freeing one of the region's 10 account-level slots.

Order: ensure the target (as apply does), then move the other policy's grants that the target
does not already cover into it (as they are written, conditions included: nothing narrowed), then
verify the target now covers every grant of the other policy, then delete the other policy.
``before_write`` saves each document before it is replaced or deleted. A policy with any
statement for another principal or action is refused before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from vended_logs_policy.adapters.logs import StoredPolicy
from vended_logs_policy.engine import policy
from vended_logs_policy.engine.document import compact_json, statements
from vended_logs_policy.engine.log_group_policies import (
    Kind,
    account_grants,
    classify_text,
    is_delivery_grant,
    uncovered_in,
)
from vended_logs_policy.engine.policy import CLASSIC_LIMIT, Options, Scope
from vended_logs_policy.errors import ConcurrentModificationError, InvalidInputError, PolicyError
from vended_logs_policy.service import EnsureResult, PolicyService


@dataclass(frozen=True)
class AbsorbResult:
    """What folding in did: the target's ensure, the policy deleted, the resources moved."""

    ensured: EnsureResult
    absorbed: str
    moved: tuple[str, ...]
    text: str


def _held(service: PolicyService, name: str, other: str) -> StoredPolicy:
    if other == name:
        raise InvalidInputError(f"--absorb {other}: that is the target policy itself")
    held = next((p for p in service.policies.account_policies() if p.name == other), None)
    if held is None:
        raise InvalidInputError(f"--absorb {other}: the region has no account-level policy {other}")
    try:
        document = policy.parse_document(held.text)
    except PolicyError as exc:
        raise InvalidInputError(f"--absorb {other}: cannot read it ({exc}); left as it is") from exc
    for number, statement in enumerate(statements(document), start=1):
        if not is_delivery_grant(statement):
            raise InvalidInputError(
                f"--absorb {other}: its statement {number} is for another principal or action "
                "(only delivery grants move); nothing written"
            )
    return held


def _target_text(ensured: EnsureResult, name: str) -> str:
    return next((p.text for p in ensured.stored if p.name == name), ensured.outcome.text)


def _folded(
    target_text: str, held: StoredPolicy, scope: Scope, options: Options
) -> tuple[str, tuple[str, ...]]:
    """The target with the other policy's uncovered grants appended, and those resources."""
    document = policy.parse_document(target_text)
    grants = account_grants([document])
    moved = uncovered_in(policy.parse_document(held.text), grants, scope, options.source_conditions)
    if not moved:
        return target_text, ()
    document["Statement"] = [*statements(document), *moved]
    resources = tuple(r for s in moved for r in s["Resource"])
    return compact_json(document), resources


def absorb(
    service: PolicyService, name: str, other: str, scope: Scope, options: Options
) -> AbsorbResult:
    """Fold policy ``other`` into ``name`` and delete it (see the module's docstring)."""
    held = _held(service, name, other)
    ensured = service.ensure(name, scope, options)
    current = _target_text(ensured, name)
    text, moved = _folded(current, held, scope, options)
    if len(text) > CLASSIC_LIMIT:
        raise InvalidInputError(
            f"--absorb {other}: {name} would be {len(text)} characters with its grants (limit "
            f"{CLASSIC_LIMIT}); {other} left as it is"
        )
    write = service.before_write or (lambda _name, _text: None)
    if moved:
        write(name, current)
        service.policies.put(name, text)
    after = next((p.text for p in service.policies.account_policies() if p.name == name), "")
    grants = account_grants([policy.parse_document(after)] if after else [])
    if classify_text(held.text, grants, scope, options.source_conditions) is not Kind.REDUNDANT:
        raise ConcurrentModificationError(
            f"policy {name} changed under us (another writer?): {other} not deleted; run again"
        )
    write(other, held.text)
    service.policies.delete(other)
    return AbsorbResult(ensured, other, moved, after)
