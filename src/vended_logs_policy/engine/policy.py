"""The policy engine: ensure the vended-logs wildcard, compact, and say why anything stays.

A *delivery statement* grants ``delivery.logs.amazonaws.com`` the actions ``logs:CreateLogStream``
and ``logs:PutLogEvents``; it is recognised by Effect, Principal and Action, never by Sid.

For each prefix, ``ensure`` looks for a grant already covering the prefix's wildcard ARN (an
*anchor*) whose conditions are no stricter than the options ask for; when there is none it adds the
wildcard, to a delivery statement with exactly its actions and conditions or to a new one.
Compaction then removes every resource of a statement that grants only the delivery service when an
anchor covers it (under both readings of ARN wildcards, see ``glob``), grants at least its actions,
and may absorb it under the conditions rule (see ``conditions``). A resource holding a policy
variable (``${...}``) in a document whose Version substitutes them is never removed and never an
anchor: its substituted value is unknown.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from vended_logs_policy.engine.causes import Cause, CauseKind
from vended_logs_policy.engine.conditions import (
    Condition,
    Conditions,
    blocking_conditions,
    may_absorb,
    normal_conditions,
    only_source_entries,
    qualifies,
)
from vended_logs_policy.engine.document import (
    POLICY_VERSION,
    Document,
    Statement,
    as_list,
    check_document,
    check_grammar,
    compact_json,
    parse_document,
    statements,
    substitutes_variables,
    writable_json,
)
from vended_logs_policy.engine.glob import covers, covers_arn
from vended_logs_policy.engine.scope import Scope, check_prefix
from vended_logs_policy.errors import InvalidInputError

__all__ = [
    "CLASSIC_LIMIT",
    "DEFAULT_POLICY_NAME",
    "DEFAULT_PREFIXES",
    "DELIVERY_ACTIONS",
    "DELIVERY_SERVICE",
    "POLICY_VERSION",
    "RESOURCE_LIMIT",
    "WILDCARD_SIDS",
    "Options",
    "Outcome",
    "Scope",
    "check_document",
    "check_prefix",
    "compact_json",
    "ensure",
    "grants_delivery_to",
    "log_group_target",
    "parse_document",
]

DELIVERY_SERVICE = "delivery.logs.amazonaws.com"
DELIVERY_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
DEFAULT_POLICY_NAME = "AWSLogDeliveryWrite20150319"
DEFAULT_PREFIXES = ("/aws/vendedlogs/states/",)
CLASSIC_LIMIT = 5120  # characters of an account-level policy
RESOURCE_LIMIT = 51200  # characters of a policy on a log group (log_group_policies)
WILDCARD_SIDS = ("AWSLogDeliveryWrite", "VendedLogsPolicyWildcard")
NOT_ELEMENTS = ("NotAction", "NotResource", "NotPrincipal")
_REQUIRED = tuple(a.lower() for a in DELIVERY_ACTIONS)


@dataclass(frozen=True)
class Options:
    """What to ensure: which prefixes, with source conditions, and whether to compact.

    ``require_conditions`` (with source conditions on): an existing wildcard grant without any
    confused-deputy condition does not count as the prefix's grant, so it is narrowed.
    """

    prefixes: tuple[str, ...] = DEFAULT_PREFIXES
    source_conditions: bool = True
    compact: bool = True
    require_conditions: bool = False

    def __post_init__(self) -> None:
        if not self.prefixes:
            raise InvalidInputError("at least one log group prefix is needed")
        for prefix in self.prefixes:
            check_prefix(prefix)

    def effective_prefixes(self) -> tuple[str, ...]:
        """Return the prefixes without duplicates and without any nested in another one."""
        unique = sorted(set(self.prefixes))
        return tuple(p for p in unique if not any(p != q and p.startswith(q) for q in unique))

    def with_prefix(self, prefix: str) -> Options:
        """These options with one more prefix."""
        return replace(self, prefixes=(*self.prefixes, prefix))


@dataclass(frozen=True)
class Outcome:
    """The ensured document, what changed to get there, and why what stays stays.

    ``uncovered_resources`` are the resources of delivery-only statements that no prefix's grant
    provably covers; ``causes`` explain every log group ARN of the scope that stays in a statement
    naming the delivery service (see ``causes``).
    """

    document: Document
    text: str
    changed: bool
    added_resources: tuple[str, ...]
    removed_resources: tuple[str, ...]
    uncovered_resources: tuple[str, ...]
    before_length: int
    limit: int = CLASSIC_LIMIT
    causes: tuple[Cause, ...] = ()

    @property
    def length(self) -> int:
        """Characters in the compact rendering that would be written."""
        return len(self.text)

    @property
    def within_limit(self) -> bool:
        """Whether the rendering fits the classic 5120-character document limit."""
        return self.length <= self.limit


def _actions_cover(general: Sequence[str], specific: Sequence[str]) -> bool:
    return all(any(covers(g, s) for g in general) for s in specific)


def _services(statement: Mapping[str, Any], key: str = "Principal") -> set[str] | None:
    """The Service principals of a principal element that names only services, else None."""
    principal = statement.get(key)
    if not isinstance(principal, dict) or set(principal) != {"Service"}:
        return None
    return set(as_list(principal["Service"]))


def _names_delivery(statement: Mapping[str, Any]) -> bool:
    """Whether Principal or NotPrincipal names the delivery service."""
    for key in ("Principal", "NotPrincipal"):
        principal = statement.get(key)
        if isinstance(principal, dict) and DELIVERY_SERVICE in as_list(
            principal.get("Service", [])
        ):
            return True
    return False


def _plain_allow(statement: Mapping[str, Any]) -> bool:
    return statement.get("Effect") == "Allow" and not any(k in statement for k in NOT_ELEMENTS)


def _delivery_only(statement: Mapping[str, Any]) -> bool:
    """Allow for the delivery service alone: the statements whose resources may be pruned."""
    return (
        _plain_allow(statement)
        and _services(statement) == {DELIVERY_SERVICE}
        and "Resource" in statement
        and "Action" in statement
    )


def _grants_delivery(statement: Mapping[str, Any], actions: Sequence[str]) -> bool:
    """Allow for the delivery service (among services) of both delivery actions on resources."""
    services = _services(statement) or set()
    return (
        _plain_allow(statement)
        and DELIVERY_SERVICE in services
        and "Resource" in statement
        and _actions_cover(actions, _REQUIRED)
    )


class _View:
    """One statement as the engine reads it; ``index`` is its position in the input."""

    def __init__(self, index: int, statement: Statement) -> None:
        self.index = index
        self.statement = statement
        self.actions = tuple(a.lower() for a in as_list(statement.get("Action", [])))
        self.conditions: Conditions = normal_conditions(statement)
        self.plain_allow = _plain_allow(statement)
        self.delivery_only = _delivery_only(statement)
        self.grants_delivery = _grants_delivery(statement, self.actions)
        self.names_delivery = _names_delivery(statement)

    @property
    def sid(self) -> str | None:
        sid = self.statement.get("Sid")
        return sid if isinstance(sid, str) else None

    def resources(self) -> list[str]:
        return as_list(self.statement.get("Resource", []))

    def listed(self) -> list[str]:
        """Resource, or NotResource for a statement that has that instead."""
        key = "Resource" if "Resource" in self.statement else "NotResource"
        return as_list(self.statement.get(key, []))


def _variable(substitutes: bool, resource: str) -> bool:
    """Whether IAM substitutes a policy variable in the resource (its value is then unknown)."""
    return substitutes and "${" in resource


@dataclass(frozen=True)
class _Context:
    scope: Scope
    options: Options
    substitutes: bool
    wanted: Conditions

    @classmethod
    def of(cls, scope: Scope, options: Options, document: Mapping[str, Any]) -> _Context:
        wanted = (
            normal_conditions({"Condition": scope.source_conditions()})
            if options.source_conditions
            else frozenset()
        )
        return cls(scope, options, substitutes_variables(document), wanted)

    def variable(self, resource: str) -> bool:
        """Whether IAM substitutes a policy variable in the resource."""
        return _variable(self.substitutes, resource)

    def in_scope(self, resource: str) -> bool:
        """Whether the resource is a log group ARN of the scope: a wildcard could cover it."""
        return resource.startswith(self.scope.log_group_arn)

    def qualifies(self, view: _View) -> bool:
        options = self.options
        return view.grants_delivery and qualifies(
            view.conditions,
            self.scope,
            options.source_conditions,
            conditioned=options.require_conditions,
        )

    def may_absorb(self, grant: Conditions, wildcard: Conditions) -> bool:
        return may_absorb(grant, wildcard, self.scope, self.options.source_conditions)


@dataclass(frozen=True)
class _Anchor:
    """A resource that grants a prefix's wildcard: never removed, may absorb others."""

    view: _View = field(compare=False)
    resource: str
    index: int  # the statement's position
    position: int  # the resource's position in the statement's Resource list


@dataclass
class _Placement:
    anchors: list[_Anchor] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    new: list[_View] = field(default_factory=list)  # the statement the engine appends, if any


def _anchors_of(wildcard: str, views: list[_View], context: _Context) -> Iterator[_Anchor]:
    for view in views:
        if not context.qualifies(view):
            continue
        for position, resource in enumerate(view.resources()):
            if not context.variable(resource) and covers_arn(resource, wildcard):
                yield _Anchor(view, resource, view.index, position)


def _is_host(view: _View, context: _Context) -> bool:
    """A delivery statement with exactly our principal, actions and conditions, to extend."""
    return (
        view.delivery_only
        and sorted(set(view.actions)) == sorted(_REQUIRED)
        and view.conditions == context.wanted
    )


def _new_statement(scope: Scope, options: Options) -> Statement:
    statement: Statement = {
        "Sid": "",  # chosen once compaction has dropped what it drops
        "Effect": "Allow",
        "Principal": {"Service": DELIVERY_SERVICE},
        "Action": list(DELIVERY_ACTIONS),
        "Resource": [],
    }
    if options.source_conditions:
        statement["Condition"] = scope.source_conditions()
    return statement


def _add_wildcard(
    wildcard: str, views: list[_View], placement: _Placement, context: _Context
) -> _Anchor:
    host = next((v for v in [*views, *placement.new] if _is_host(v, context)), None)
    if host is None:
        host = _View(len(views), _new_statement(context.scope, context.options))
        placement.new.append(host)
    resources = host.resources()
    resources.append(wildcard)
    host.statement["Resource"] = resources
    placement.added.append(wildcard)
    return _Anchor(host, wildcard, host.index, len(resources) - 1)


def _place_wildcards(views: list[_View], context: _Context) -> _Placement:
    """Find each prefix's anchors, adding the wildcard where there is none."""
    placement = _Placement()
    for prefix in context.options.effective_prefixes():
        wildcard = context.scope.wildcard(prefix)
        found = list(_anchors_of(wildcard, [*views, *placement.new], context))
        if not found:
            found = [_add_wildcard(wildcard, views, placement, context)]
        placement.anchors.extend(a for a in found if a not in placement.anchors)
    return placement


@dataclass(frozen=True)
class _Judgement:
    """One delivery-only statement, judged once for all its resources."""

    view: _View
    compatible: list[_Anchor]  # the anchors that may absorb its grants, whichever they cover
    others: list[_Anchor]  # the anchors that may not
    other_actions: bool  # it grants actions no wildcard the engine writes grants
    source: bool  # source conditions are on
    blocked: bool  # its conditions keep it from the wildcard the engine writes
    blocking: tuple[Condition, ...]  # the entries that do (with source conditions on)

    def kind(self, covered: bool) -> CauseKind:
        """Why a resource that no compatible anchor covers stays."""
        if self.other_actions:
            return CauseKind.OTHER_ACTIONS
        if self.source and (covered or self.blocked):
            # Covered by an anchor that may not absorb it: only conditions can be why.
            return CauseKind.CONDITIONS
        return CauseKind.OUTSIDE_PREFIXES


@dataclass
class _Sweep:
    """What compaction keeps, removes, and why what stays stays."""

    anchors: list[_Anchor]
    context: _Context
    statements: list[Statement] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)
    causes: list[Cause] = field(default_factory=list)
    positions: set[tuple[int, int]] = field(init=False)

    def __post_init__(self) -> None:
        self.positions = {(a.index, a.position) for a in self.anchors}

    def statement(self, view: _View) -> None:
        if view.delivery_only:
            self._delivery_only(view)
            return
        self.statements.append(view.statement)
        if view.names_delivery:
            self.causes.extend(self._statement_causes(view))

    def _judge(self, view: _View) -> _Judgement:
        """What decides the fate of every resource of a delivery-only statement."""
        context = self.context
        compatible = [
            anchor
            for anchor in self.anchors
            if _actions_cover(anchor.view.actions, view.actions)
            and context.may_absorb(view.conditions, anchor.view.conditions)
        ]
        source = context.options.source_conditions
        return _Judgement(
            view,
            compatible,
            [anchor for anchor in self.anchors if anchor not in compatible],
            other_actions=not _actions_cover(_REQUIRED, view.actions),
            source=source,
            blocked=source and not context.may_absorb(view.conditions, context.wanted),
            blocking=blocking_conditions(view.statement, context.scope) if source else (),
        )

    def _delivery_only(self, view: _View) -> None:
        judgement = self._judge(view)
        resources = view.resources()
        survivors = [
            resource
            for position, resource in enumerate(resources)
            if not self._removes(judgement, position, resource)
        ]
        if len(survivors) == len(resources):
            self.statements.append(view.statement)
        elif survivors:
            view.statement["Resource"] = survivors
            self.statements.append(view.statement)

    def _removes(self, judgement: _Judgement, position: int, resource: str) -> bool:
        """Whether the resource goes; when it stays, record whether it is covered and why."""
        if (judgement.view.index, position) in self.positions:
            return False
        if self.context.variable(resource):
            self._stays(judgement, resource, CauseKind.POLICY_VARIABLE, covered=False)
            return False
        if any(covers_arn(anchor.resource, resource) for anchor in judgement.compatible):
            if self.context.options.compact:
                self.removed.append(resource)
                return True
            self._stays(judgement, resource, CauseKind.COMPACTION_OFF, covered=True)
            return False
        covered = any(covers_arn(anchor.resource, resource) for anchor in judgement.others)
        self._stays(judgement, resource, judgement.kind(covered), covered=covered)
        return False

    def _stays(self, judgement: _Judgement, resource: str, kind: CauseKind, covered: bool) -> None:
        if not covered:
            self.uncovered.append(resource)
        if self.context.in_scope(resource):
            view = judgement.view
            blocking = judgement.blocking if kind is CauseKind.CONDITIONS else ()
            self.causes.append(Cause(kind, resource, view.index, view.sid, conditions=blocking))

    def _cause(self, view: _View, resource: str, kind: CauseKind) -> Cause:
        if kind is CauseKind.DENY_OR_NOT:
            return Cause(kind, resource, view.index, view.sid, elements=_denying(view))
        return Cause(kind, resource, view.index, view.sid)

    def _statement_causes(self, view: _View) -> list[Cause]:
        kind = _statement_kind(view)
        return [  # an anchor is the grant itself: nothing to explain
            self._cause(view, resource, kind)
            for position, resource in enumerate(view.listed())
            if self.context.in_scope(resource) and (view.index, position) not in self.positions
        ]


def _denying(view: _View) -> tuple[str, ...]:
    effect = view.statement.get("Effect")
    head = [] if effect == "Allow" else ["Deny" if effect == "Deny" else "Effect"]
    return (*head, *(k for k in NOT_ELEMENTS if k in view.statement))


def _statement_kind(view: _View) -> CauseKind:
    """Why no resource of a statement naming delivery, but not delivery-only, can move."""
    if not view.plain_allow:
        return CauseKind.DENY_OR_NOT
    if _services(view.statement) != {DELIVERY_SERVICE}:
        return CauseKind.OTHER_PRINCIPALS
    return CauseKind.OTHER_ACTIONS


def _free_sid(kept: list[Statement]) -> str:
    taken = {s.get("Sid") for s in kept}
    for sid in WILDCARD_SIDS:
        if sid not in taken:
            return sid
    number = 2
    while f"{WILDCARD_SIDS[1]}{number}" in taken:
        number += 1
    return f"{WILDCARD_SIDS[1]}{number}"


def ensure(
    document: Mapping[str, Any] | None, scope: Scope, options: Options | None = None
) -> Outcome:
    """Return the document with the wildcard statement ensured, and a report of the change.

    Parameters
    ----------
    document:
        The current policy document (any IAM JSON grammar), or None when the policy does not exist.
    scope:
        Partition, region and account that the wildcard ARN names.
    options:
        Prefixes, source conditions and compaction; defaults to ``Options()``.
    """
    options = options or Options()
    original, before, result = _working_copy(document)
    was_single = isinstance(result.get("Statement"), dict)
    context = _Context.of(scope, options, result)
    views = [_View(index, statement) for index, statement in enumerate(statements(result))]
    placement = _place_wildcards(views, context)
    sweep = _Sweep(placement.anchors, context)
    for view in [*views, *placement.new]:
        sweep.statement(view)
    kept = sweep.statements
    for view in placement.new:
        view.statement["Sid"] = _free_sid([s for s in kept if s is not view.statement])
    result["Statement"] = kept[0] if was_single and len(kept) == 1 else kept
    text = compact_json(result)
    return Outcome(
        document=result,
        text=text,
        changed=result != original,
        added_resources=tuple(placement.added),
        removed_resources=tuple(sweep.removed),
        uncovered_resources=tuple(sweep.uncovered),
        before_length=len(before) if document is not None else 0,
        causes=tuple(sweep.causes),
    )


def _working_copy(document: Mapping[str, Any] | None) -> tuple[Document, str, Document]:
    """The input as a dict, its checked rendering, and a deep copy to edit.

    The copy comes from the checked rendering: a faithful deep copy of any JSON, at any depth
    json accepts (copy.deepcopy recurses in Python and fails sooner).
    """
    original: Document = {} if document is None else dict(document)
    before = writable_json(original)
    check_grammar(original)
    result: Document = {"Version": POLICY_VERSION} if document is None else json.loads(before)
    return original, before, result


def log_group_target(log_group_arn: str) -> str | None:
    """The resource Step Functions needs granted for a log group ARN, or None if not one.

    ``...:log-group:/x:*`` gives ``...:log-group:/x:log-stream:*``, the form Step Functions
    appends to the policy.
    """
    head, marker, rest = log_group_arn.partition(":log-group:")
    if not marker or not head.startswith("arn:") or not rest:
        return None
    name = rest.removesuffix(":*")
    if not name or ":" in name:
        return None
    return f"{head}{marker}{name}:log-stream:*"


def _document_grants(document: Mapping[str, Any], target: str, scope: Scope) -> bool:
    substitutes = substitutes_variables(document)
    for index, statement in enumerate(statements(document)):
        view = _View(index, statement)
        if not view.grants_delivery or not only_source_entries(view.conditions, scope):
            continue
        if any(
            not _variable(substitutes, resource) and covers_arn(resource, target)
            for resource in view.resources()
        ):
            return True
    return False


def grants_delivery_to(documents: Sequence[Mapping[str, Any]], target: str, scope: Scope) -> bool:
    """Whether any statement of the documents grants delivery on every ARN the target matches.

    A grant counts when it carries no conditions or only this scope's source entries (see
    ``conditions``), and its resource provably covers the target under both ARN readings.
    """
    return any(_document_grants(document, target, scope) for document in documents)
