"""Log group names and the prefixes that cover them, for the log group warnings.

A name is resolved into literal text and holes (what the template does not fix); the prefixes a
state machine or delivery destination can count on are those of the `Custom::VendedLogsPolicy`
resources (or nested bootstrap stacks) it depends on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

from vended_logs_policy.lint import dependencies
from vended_logs_policy.lint import template as support
from vended_logs_policy.lint.providers import providers

LOG_GROUP_TYPE = "AWS::Logs::LogGroup"
# What Custom::VendedLogsPolicy ensures without LogGroupPrefixes, and what the bootstrap stack's
# LogGroupPrefixes parameter defaults to.
DEFAULT_PREFIXES = ("/aws/vendedlogs/states/",)
PREFIXES_PROPERTY = "LogGroupPrefixes"


@dataclass(frozen=True)
class Hole:
    """A part of a string the template does not fix.

    `pseudo` (a pseudo parameter) and `generated` (a name CloudFormation generates from the stack
    name) never start with "/"; `unknown` (a parameter, an import, an attribute, a map lookup
    with keys that are not literal) may be anything.
    """

    kind: Literal["unknown", "pseudo", "generated"]
    label: str

    def render(self) -> str:
        """Show the hole the way `Fn::Sub` would write it."""
        if self.kind == "generated":
            return "${AWS::StackName}-" + self.label + "-<random>"
        return "${" + self.label + "}"


Segment: TypeAlias = str | Hole
Name: TypeAlias = list[Segment]
_UNKNOWN = Hole("unknown", "?")
_ARN_HEAD: tuple[Segment, ...] = (
    "arn:",
    Hole("pseudo", "AWS::Partition"),
    ":logs:",
    Hole("pseudo", "AWS::Region"),
    ":",
    Hole("pseudo", "AWS::AccountId"),
    ":log-group:",
)


# --- resolving string expressions ------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a string expression is resolved against; `seen` stops self-referencing names."""

    view: support.TemplateView
    seen: frozenset[str] = frozenset()

    def entering(self, log_group: str) -> Scope:
        """The scope inside a log group's own `LogGroupName`."""
        return Scope(self.view, self.seen | {log_group})

    def log_group(self, name: str) -> bool:
        """Whether `name` is a log group of the template whose name is not being resolved."""
        resource = self.view.resources.get(name)
        return name not in self.seen and resource is not None and _is_log_group(resource)


def _is_log_group(resource: Mapping[str, object]) -> bool:
    return resource.get("Type") == LOG_GROUP_TYPE


def segments(value: object, scope: Scope) -> Name:
    """Turn a string expression (literal, `Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`,
    `Fn::FindInMap`) into parts.

    `Ref` to a log group gives its name and `Fn::GetAtt` `Arn` its ARN, so names that other
    resources spell out are followed.
    """
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping) and len(value) == 1:
        ((key, arg),) = value.items()
        handler = _FUNCTIONS.get(key)
        if handler is not None:
            return handler(arg, scope)
    return [_UNKNOWN]


def _ref_segments(arg: object, scope: Scope) -> Name:
    if not isinstance(arg, str):
        return [_UNKNOWN]
    if arg.startswith("AWS::"):
        return [Hole("pseudo", arg)]
    if scope.log_group(arg):
        return _log_group_name(arg, scope)
    return [Hole("unknown", arg)]


def _getatt_parts(arg: object) -> tuple[str, str] | None:
    """The logical id and attribute of a `Fn::GetAtt`, in its string or list form."""
    if isinstance(arg, str) and "." in arg:
        name, attribute = arg.split(".", 1)
        return name, attribute
    if isinstance(arg, list) and len(arg) == 2 and all(isinstance(item, str) for item in arg):
        return str(arg[0]), str(arg[1])
    return None


def _getatt_segments(arg: object, scope: Scope) -> Name:
    parts = _getatt_parts(arg)
    if parts is None:
        return [_UNKNOWN]
    name, attribute = parts
    if attribute == "Arn" and scope.log_group(name):
        return [*_ARN_HEAD, *_log_group_name(name, scope), ":*"]
    return [Hole("unknown", f"{name}.{attribute}")]


def _join_segments(arg: object, scope: Scope) -> Name:
    if not (isinstance(arg, list) and len(arg) == 2):
        return [_UNKNOWN]
    delimiter, items = arg
    if not (isinstance(delimiter, str) and isinstance(items, list)):
        return [_UNKNOWN]
    joined: Name = []
    for index, item in enumerate(items):
        if index:
            joined.append(delimiter)
        joined.extend(segments(item, scope))
    return joined


def _log_group_name(name: str, scope: Scope) -> Name:
    properties = scope.view.resources[name].get("Properties")
    if not isinstance(properties, Mapping) or "LogGroupName" not in properties:
        return [Hole("generated", name)]
    return segments(properties["LogGroupName"], scope.entering(name))


def _sub_segments(arg: object, scope: Scope) -> Name:
    parsed = support.sub_arguments(arg)
    if parsed is None:
        return [_UNKNOWN]
    text, local = parsed
    result: Name = []
    position = 0
    for match in support.SUB_VARIABLE.finditer(text):
        result.append(text[position : match.start()])
        result.extend(_sub_variable(match.group(1).strip(), local, scope))
        position = match.end()
    result.append(text[position:])
    return result


def _sub_variable(variable: str, local: Mapping[str, object], scope: Scope) -> Name:
    """What one `${...}` of a `Fn::Sub` stands for."""
    if variable.startswith("!"):
        return ["${" + variable[1:] + "}"]
    if variable in local:
        return segments(local[variable], scope)
    if "." in variable:
        return _getatt_segments(variable, scope)
    return _ref_segments(variable, scope)


def _find_in_map_segments(arg: object, scope: Scope) -> Name:
    return segments(find_in_map(arg, scope.view.mappings), scope)


def find_in_map(arg: object, mappings: support.Section) -> object:
    """The value a `Fn::FindInMap` selects when its three keys are literal strings, else None.

    A fourth argument (`{"DefaultValue": ...}`, with AWS::LanguageExtensions) is used when the
    keys are literal but the map does not hold them.
    """
    if not (isinstance(arg, list) and len(arg) in (3, 4)):
        return None
    keys = arg[:3]
    if not all(isinstance(key, str) for key in keys):
        return None
    found = _lookup(mappings, keys)
    if found is None and len(arg) == 4 and isinstance(arg[3], Mapping):
        return arg[3].get("DefaultValue")
    return found


def _lookup(node: object, keys: Iterable[object]) -> object:
    """Follow `keys` down nested mappings; None when one is missing."""
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


_FUNCTIONS: dict[str, Callable[[object, Scope], Name]] = {
    "Ref": _ref_segments,
    "Fn::GetAtt": _getatt_segments,
    "Fn::Sub": _sub_segments,
    "Fn::Join": _join_segments,
    "Fn::FindInMap": _find_in_map_segments,
}


def _merged(parts: Name) -> Name:
    """Join adjacent literals and drop empty ones."""
    merged: Name = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    return merged


def log_group_name_of_arn(arn: object, view: support.TemplateView) -> Name | None:
    """Resolve an ARN expression and cut out its log group name (`...:log-group:<name>[:*]`).

    None when the ARN has no literal `log-group:`.
    """
    marker = "log-group:"
    merged = _merged(segments(arn, Scope(view)))
    for index, part in enumerate(merged):
        if isinstance(part, str) and marker in part:
            return _up_to_colon([part.split(marker, 1)[1], *merged[index + 1 :]])
    return None


def _up_to_colon(parts: Name) -> Name:
    """The parts before the first literal ":"."""
    cut: Name = []
    for part in parts:
        if isinstance(part, str) and ":" in part:
            cut.append(part.split(":", 1)[0])
            break
        cut.append(part)
    return _merged(cut)


def render(name: Name) -> str:
    """Show a name's parts as one string, holes as `${...}`."""
    return "".join(part if isinstance(part, str) else part.render() for part in name)


def generated_from(name: Name) -> str | None:
    """The logical id of the unnamed log group a name is generated for, if it is one."""
    return next(
        (part.label for part in name if isinstance(part, Hole) and part.kind == "generated"), None
    )


# --- prefixes --------------------------------------------------------------------------------


def under_prefix(name: Name, prefix: str) -> bool | None:
    """Whether a name starts with `prefix`: True, False, or None when the template can't tell."""
    known = ""
    for part in _merged(name):
        if isinstance(part, Hole):
            return _hole_after(part, prefix[len(known)])
        known += part
        if known.startswith(prefix):
            return True
        if not prefix.startswith(known):
            return False
    return False


def _hole_after(hole: Hole, expected: str) -> bool | None:
    """Whether a hole can go on with the `expected` character of a prefix (None: it may)."""
    # Pseudo parameters and generated names never start with "/"; anything else may.
    return False if hole.kind != "unknown" and expected == "/" else None


def covered(name: Name, prefixes: Iterable[str]) -> bool | None:
    """Whether any prefix covers a name: True, False, or None when the template can't tell."""
    verdicts = {under_prefix(name, prefix) for prefix in prefixes}
    if True in verdicts:
        return True
    return None if None in verdicts else False


def literal_list(value: object, view: support.TemplateView) -> tuple[str, ...] | None:
    """The strings of a list property when the template fixes them, else None.

    Accepts a list of strings or a comma-separated string, either of them literal, the `Default`
    of a parameter it refers to (`Ref`), or a map value (`Fn::FindInMap` with literal keys).
    """
    resolved = _fixed(value, view)
    items = resolved.split(",") if isinstance(resolved, str) else resolved
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        return None
    kept = tuple(stripped for item in items if (stripped := str(item).strip()))
    return kept or None


def _fixed(value: object, view: support.TemplateView) -> object:
    """A value with a `Ref` to a parameter or a `Fn::FindInMap` replaced by what it gives."""
    if not (isinstance(value, Mapping) and len(value) == 1):
        return value
    ref = value.get("Ref")
    if isinstance(ref, str) and ref in view.parameters:
        return view.parameters[ref].get("Default")
    if "Fn::FindInMap" in value:
        return find_in_map(value["Fn::FindInMap"], view.mappings)
    return None


def prefixes_of(
    resource: Mapping[str, object], view: support.TemplateView
) -> tuple[str, ...] | None:
    """The prefixes a policy provider ensures; None when the template does not fix them.

    A `Custom::VendedLogsPolicy` reads its `LogGroupPrefixes` property, a nested bootstrap stack
    its `LogGroupPrefixes` parameter; without one, both ensure the default prefixes.
    """
    holder = _prefixes_holder(resource)
    if holder is None:
        return None
    if PREFIXES_PROPERTY not in holder:
        return DEFAULT_PREFIXES
    return literal_list(holder[PREFIXES_PROPERTY], view)


def _prefixes_holder(resource: Mapping[str, object]) -> Mapping[str, object] | None:
    """A provider's properties, or a nested stack's `Parameters`; None when not a mapping."""
    holder = resource.get("Properties", {})
    if resource.get("Type") != support.POLICY_TYPE and isinstance(holder, Mapping):
        holder = holder.get("Parameters", {})
    return holder if isinstance(holder, Mapping) else None


@dataclass(frozen=True)
class Coverage:
    """The prefixes the policy providers for one resource (a state machine, say) ensure.

    `providers` are those it depends on or, when it depends on none, those the template
    declares; `providers` is empty when there are none at all, and then `prefixes` are the
    default a new `Custom::VendedLogsPolicy` ensures. `prefixes` is None when some provider's
    prefixes are not fixed by the template.
    """

    providers: tuple[str, ...]
    prefixes: tuple[str, ...] | None

    def covers(self, name: Name) -> bool | None:
        """Whether the prefixes cover a name: True, False, or None when the template can't tell."""
        if self.prefixes is None:
            return None
        return covered(name, self.prefixes)


def coverage(resource: str, view: support.TemplateView) -> Coverage:
    """The prefixes covering a resource's log groups once it is created."""
    before = dependencies.before(view, resource)
    names = providers(before, view) or providers(sorted(view.resources), view)
    if not names:
        return Coverage((), DEFAULT_PREFIXES)
    found = [prefixes_of(view.resources[name], view) for name in sorted(names)]
    union = _union(found)
    return Coverage(tuple(sorted(names)), union)


def _union(found: list[tuple[str, ...] | None]) -> tuple[str, ...] | None:
    """All prefixes, each once in first-seen order; None when one provider's are unknown."""
    if any(prefixes is None for prefixes in found):
        return None
    return tuple(dict.fromkeys(prefix for prefixes in found for prefix in prefixes or ()))
