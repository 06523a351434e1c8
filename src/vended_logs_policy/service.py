"""The service layer: read, merge (the pure engine), write, verify, retry on a race.

The one entry the custom resource, the account guard, the watch and the CLI call. It returns
typed results and raises the package's errors; wording for an audience is the caller's.

Account-level policies have no revision ids, so a concurrent writer can replace the document
between our read and our write: the verifying read catches a write that undid ours (we merge
again and retry with jitter); it cannot see a grant that another writer added and our write
overwrote in that window of one round trip. The window is kept that short: no write when the
policy is compliant, the write follows its read at once, and a retry reads again after its pause
rather than merging what it read before it (docs/reliability.md has the measured figures).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeAlias

from vended_logs_policy.adapters.logs import ResourcePolicies, StoredPolicy
from vended_logs_policy.engine import policy
from vended_logs_policy.engine.policy import DEFAULT_POLICY_NAME, Options, Outcome, Scope
from vended_logs_policy.errors import (
    AccessDeniedError,
    ConcurrentModificationError,
    CredentialsRefusedError,
    PolicyError,
    QuotaExceededError,
    RejectedError,
)

# What only explanations, advice and audits need (the engine's explain module, the per-log-group
# report) is imported when first asked: a function's first Create does not load it.
if TYPE_CHECKING:
    from vended_logs_policy.diff import DocumentDiff
    from vended_logs_policy.engine.explain import Advice
    from vended_logs_policy.log_groups import LogGroupReport

ACCOUNT_POLICY_QUOTA = 10


class PolicyQuotaError(QuotaExceededError):
    """A new policy would pass the region's quota of account-level resource policies."""

    def __init__(self, name: str, existing: list[str]) -> None:
        self.name = name
        self.existing = existing
        super().__init__(
            self.shortened(None),
            service="logs",
            operation="PutResourcePolicy",
            code="LimitExceededException",
        )

    def shortened(self, limit: int | None) -> str:
        """The message, naming as many whole policies as fit in ``limit`` characters (None: all),
        then "and N more" (a name cut in the middle helps no one find it)."""
        head = (
            f"cannot create policy {self.name}: the region already has {len(self.existing)} "
            f"resource policies (quota {ACCOUNT_POLICY_QUOTA}); reuse one as the policy name or "
            "delete one: "
        )
        for shown in range(len(self.existing), 0, -1):
            hidden = len(self.existing) - shown
            text = (
                head + ", ".join(self.existing[:shown]) + (f" and {hidden} more" if hidden else "")
            )
            if limit is None or len(text) <= limit:
                return text
        return head + f"{len(self.existing)} others"


class PolicyTooLargeError(RejectedError):
    """The service refused the ensured document as too long; ``outcome`` says what it held and
    ``advice`` what would make it fit (computed by the engine, each figure from a real ensure)."""

    def __init__(self, name: str, outcome: Outcome, advice: Advice | None = None) -> None:
        from vended_logs_policy.engine.explain import summarise

        explained = summarise(outcome, advice)
        super().__init__(
            f"policy {name} would be {outcome.length} characters (limit {outcome.limit})"
            + (f": {explained}" if explained else ""),
            service="logs",
            operation="PutResourcePolicy",
            code="InvalidParameterException",
        )
        self.name = name
        self.outcome = outcome
        self.advice = advice


@dataclass(frozen=True)
class Explained:
    """An outcome with the document it started from, and what callers show of it: the
    statement-level change and why resources stay (each computed once, when first asked)."""

    outcome: Outcome
    before: dict[str, Any] | None  # the document the outcome started from (None: no policy)
    scope: Scope
    options: Options

    @cached_property
    def change(self) -> DocumentDiff:
        """Statements and resources added and removed, from ``before`` to the outcome."""
        from vended_logs_policy.diff import diff

        outcome = self.outcome
        return diff(self.before, outcome.document, outcome.before_length, outcome.length)

    @cached_property
    def advice(self) -> Advice:
        """What would make more resources fold into the wildcard (each figure computed)."""
        from vended_logs_policy.engine.explain import advise

        return advise(self.before, self.scope, self.options)

    @cached_property
    def explanation(self) -> str:
        """Why resources stay, with the advice ("" when nothing stays)."""
        if not self.outcome.causes:
            return ""
        from vended_logs_policy.engine.explain import summarise

        return summarise(self.outcome, self.advice)


@dataclass(frozen=True)
class Plan:
    """What ensure would write, from one read; ``explained``: its change and why."""

    name: str
    outcome: Outcome
    existed: bool
    stored_text: str | None
    explained: Explained


@dataclass(frozen=True)
class EnsureResult:
    """What an ensure did: the engine's outcome for the final round and the calls it made."""

    name: str
    outcome: Outcome
    writes: int
    reads: int
    rounds: int
    existed: bool
    # The change from what our first write replaced (or, with no write, the compliant document)
    # to the outcome, and why resources stay.
    explained: Explained
    replaced_text: str | None = None  # the document our first write replaced, None if none
    stored: tuple[StoredPolicy, ...] = ()  # every account-level policy as last read
    # Ours as last read, parsed when ensure checked it (None: not read back, as in tests)
    ensured: dict[str, Any] | None = None

    def documents(self) -> list[dict[str, Any]]:
        """The account-level documents as last read (ours ensured), those that parse; ours is
        not parsed again."""
        found = (
            self.ensured if p.name == self.name and self.ensured is not None else _parsed(p.text)
            for p in self.stored
        )
        return [d for d in found if d is not None]


@dataclass(frozen=True)
class PolicyAudit:
    """One account-level policy: its length and what ensuring it would do (or why it cannot);
    ``explained``: why resources would stay, and advice (None when it cannot be read)."""

    name: str
    length: int
    outcome: Outcome | None
    document: dict[str, Any] | None
    error: str | None
    explained: Explained | None = None


@dataclass(frozen=True)
class Audit:
    """Every account-level policy of a region, and the number of per-log-group policies
    (``log_groups``: each of them classified, and the account-level policies that could fold in)."""

    policies: list[PolicyAudit]
    per_log_group: int
    log_groups: LogGroupReport | None = None

    @property
    def documents(self) -> list[dict[str, Any]]:
        """The parsed documents (those that parse), for coverage checks."""
        return [p.document for p in self.policies if p.document is not None]


BeforeWrite: TypeAlias = Callable[[str, str | None], None]


@dataclass
class PolicyService:
    """Ensures the wildcard in the named policy of one region, through the Logs adapter."""

    policies: ResourcePolicies
    before_write: BeforeWrite | None = field(default=None)

    def plan(self, name: str, scope: Scope, options: Options) -> Plan:
        """What ensure would write (one read, no write)."""
        current = _named(self.policies.account_policies(), name)
        text = None if current is None else current.text
        document, outcome = _merged(name, text, scope, options)
        explained = Explained(outcome, document, scope, options)
        return Plan(name, outcome, current is not None, text, explained)

    def ensure(self, name: str, scope: Scope, options: Options) -> EnsureResult:
        """Make the named policy hold the wildcard: read, merge, write, verify; retry on a race."""
        stored = self.policies.account_policies()
        existed = _named(stored, name) is not None
        reads, writes, replaced, replaced_document = 1, 0, None, None

        def result(
            outcome: Outcome, before: dict[str, Any] | None, ensured: dict[str, Any] | None
        ) -> EnsureResult:
            """The result with the counts and the policies as they stand when it is called;
            ``ensured``: ours as last read, already parsed."""
            explained = Explained(outcome, before, scope, options)
            counts = (writes, reads, rounds)
            return EnsureResult(
                name, outcome, *counts, existed, explained, replaced, tuple(stored), ensured
            )

        for rounds in range(1, self.policies.rounds + 1):
            current = _named(stored, name)
            text = None if current is None else current.text
            document, outcome = _merged(name, text, scope, options)
            if not outcome.changed:
                return result(outcome, replaced_document if writes else outcome.document, document)
            if writes == 0:
                replaced, replaced_document = text, document
            self._write(name, stored, text, Explained(outcome, document, scope, options))
            stored, writes, reads = self.policies.account_policies(), writes + 1, reads + 1
            verified = _verified(name, stored, scope, options)
            if verified is not None:
                return result(outcome, replaced_document, verified)
            self._wait_before_round(name, rounds)
            stored, reads = self.policies.account_policies(), reads + 1  # fresh after the pause
        raise _kept_changing(name, self.policies.rounds)

    def audit(self, scope: Scope, options: Options, name: str = DEFAULT_POLICY_NAME) -> Audit:
        """Every account-level policy with its length and what the wildcard would absorb, and
        every per-log-group policy against the account-level grants as ensuring ``name`` makes
        them."""
        from vended_logs_policy.log_groups import report

        stored = self.policies.account_policies()
        rows = [_audit_one(policy, scope, options) for policy in stored]
        found = report(self.policies.log_group_policies(), stored, name, scope, options)
        return Audit(rows, len(found.policies), found)

    def _write(
        self, name: str, stored: list[StoredPolicy], text: str | None, explained: Explained
    ) -> None:
        """Put ``explained``'s outcome in place of ``text``, the stored text it was merged from."""
        outcome = explained.outcome
        if self.before_write is not None:
            self.before_write(name, text)
        try:
            self.policies.put(name, outcome.text)
        except QuotaExceededError as exc:
            if text is not None:
                raise
            raise PolicyQuotaError(name, [p.name for p in stored]) from exc
        except CredentialsRefusedError:  # a grant would not help
            raise
        except AccessDeniedError as exc:
            raise AccessDeniedError(
                f"not allowed to write policy {name}: grant logs:PutResourcePolicy to the caller",
                service="logs",
                operation="PutResourcePolicy",
                code=exc.code,
            ) from exc
        except RejectedError as exc:
            if exc.code == "InvalidParameterException" and not outcome.within_limit:
                raise PolicyTooLargeError(name, outcome, explained.advice) from exc
            raise

    def _wait_before_round(self, name: str, rounds: int) -> None:
        """Another writer replaced the document after our write: back off, then merge again."""
        if not self.policies.pause(rounds):
            raise _kept_changing(name, rounds)


def _kept_changing(name: str, rounds: int) -> ConcurrentModificationError:
    return ConcurrentModificationError(
        f"policy {name} kept changing under us (another writer?) after {rounds} writes; run again"
    )


def _named(stored: list[StoredPolicy], name: str) -> StoredPolicy | None:
    return next((p for p in stored if p.name == name), None)


def _verified(
    name: str, stored: list[StoredPolicy], scope: Scope, options: Options
) -> dict[str, Any] | None:
    """Our policy's document as read back, parsed, when it holds the wildcard; else None."""
    after = _named(stored, name)
    if after is None:
        return None
    document, outcome = _merged(name, after.text, scope, options)
    return None if outcome.changed else document


def _merged(
    name: str, text: str | None, scope: Scope, options: Options
) -> tuple[dict[str, Any] | None, Outcome]:
    """The stored text's document, parsed once, and the engine's outcome for it."""
    try:
        document = None if text is None else policy.parse_document(text)
        outcome = policy.ensure(document, scope, options)
    except PolicyError as exc:
        raise PolicyError(f"policy {name} left unchanged: {_clipped(str(exc))}") from exc
    # The length the service counts is the stored text's, whatever its spacing (the engine's
    # figure is of the canonical compact rendering): every command reports the stored one.
    return document, outcome if text is None else replace(outcome, before_length=len(text))


def _clipped(detail: str, limit: int = 200) -> str:
    """``detail`` cut in the middle to ``limit`` characters: it may quote the stored document
    (a repeated key of any length), and both its start and its end say what is wrong."""
    if len(detail) <= limit:
        return detail
    tail = limit // 3
    return detail[: limit - tail - 3] + "..." + detail[-tail:]


def _parsed(text: str) -> dict[str, Any] | None:
    try:
        return policy.parse_document(text)
    except PolicyError:
        return None


def _audit_one(stored: StoredPolicy, scope: Scope, options: Options) -> PolicyAudit:
    try:
        document = policy.parse_document(stored.text)
        outcome = policy.ensure(document, scope, options)
    except PolicyError as exc:
        return PolicyAudit(stored.name, len(stored.text), None, None, str(exc))
    explained = Explained(outcome, document, scope, options)
    return PolicyAudit(stored.name, len(stored.text), outcome, document, None, explained)
