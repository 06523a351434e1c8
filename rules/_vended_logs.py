"""Template analysis shared by the vended-logs-policy cfn-lint rules (not a rule module).

cfn-lint imports every ``[A-Za-z]*.py`` in an ``--append-rules`` directory as a top-level module,
so this file's leading underscore keeps it from being loaded as a rule. That import does not put
this directory on sys.path either, so each rule module loads this file by its path (its
`_load_support`) rather than with an import statement.

Everything here works on plain template data (``dict``/``list``/``str``), the way cfn-lint hands it
to rules after its own transform step, and never raises on a malformed template: malformed parts
are skipped, because cfn-lint's own schema rules report them.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

DOCS_URL = "https://github.com/vended-logs-policy/vended-logs-policy/blob/main/docs/lint-rules.md"
POLICY_TYPE = "Custom::VendedLogsPolicy"
VENDED_LOGS_PREFIX = "/aws/vendedlogs/"
PROJECT_MARKER = "vended-logs-policy"
LOG_GROUP_TYPE = "AWS::Logs::LogGroup"
NESTED_APP_TYPES = {
    "AWS::Serverless::Application": "Location",
    "AWS::CloudFormation::Stack": "TemplateURL",
}
# Where each state machine type keeps its logging configuration. cfn-lint v1 (1.58) validates SAM
# resources as they are (it merges Globals but no longer runs the SAM translator), and the
# translator, when it does run, turns `Logging` into `LoggingConfiguration`: both are covered.
LOGGING_PROPERTY = {
    "AWS::StepFunctions::StateMachine": "LoggingConfiguration",
    "AWS::Serverless::StateMachine": "Logging",
}

type CfnPath = list[str | int]
type Resources = Mapping[str, Mapping[str, object]]


def resources_of(template: object) -> dict[str, Mapping[str, object]]:
    """Return the template's resources that are mappings, by logical id."""
    if not isinstance(template, Mapping):
        return {}
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        return {}
    return {
        name: body
        for name, body in resources.items()
        if isinstance(name, str) and isinstance(body, Mapping)
    }


def parameters_of(template: object) -> dict[str, Mapping[str, object]]:
    """Return the template's parameter declarations, by name."""
    if not isinstance(template, Mapping):
        return {}
    parameters = template.get("Parameters")
    if not isinstance(parameters, Mapping):
        return {}
    return {
        name: body
        for name, body in parameters.items()
        if isinstance(name, str) and isinstance(body, Mapping)
    }


def branches(value: object, path: CfnPath) -> Iterator[tuple[object, CfnPath]]:
    """Yield each value `value` can take through `Fn::If`, with its path; drop `AWS::NoValue`."""
    if isinstance(value, Mapping) and len(value) == 1:
        if_args = value.get("Fn::If")
        if isinstance(if_args, list) and len(if_args) == 3:
            yield from branches(if_args[1], [*path, "Fn::If", 1])
            yield from branches(if_args[2], [*path, "Fn::If", 2])
            return
        if value.get("Ref") == "AWS::NoValue":
            return
    yield value, path


# --- state machines and their log destinations -------------------------------------------------


@dataclass(frozen=True)
class Destination:
    """One `CloudWatchLogsLogGroup.LogGroupArn` of a state machine, after `Fn::If` expansion."""

    path: CfnPath
    log_group_arn: object


@dataclass(frozen=True)
class StateMachine:
    """A state machine with its logging configuration."""

    name: str
    logging_path: CfnPath
    logs_to_cloudwatch: bool
    destinations: tuple[Destination, ...]


def state_machines(resources: Resources) -> Iterator[StateMachine]:
    """Yield every state machine that has a logging configuration."""
    for name, resource in resources.items():
        key = LOGGING_PROPERTY.get(str(resource.get("Type")))
        properties = resource.get("Properties")
        if key is None or not isinstance(properties, Mapping) or key not in properties:
            continue
        logging_path: CfnPath = ["Resources", name, "Properties", key]
        destinations: list[Destination] = []
        entries = 0
        level_logs = False
        for config, config_path in branches(properties[key], logging_path):
            if not isinstance(config, Mapping):
                continue
            level = config.get("Level", "OFF")
            # A level from a parameter or a condition may be anything but OFF.
            level_logs |= not (isinstance(level, str) and level.upper() == "OFF")
            for dest_list, list_path in branches(
                config.get("Destinations"), [*config_path, "Destinations"]
            ):
                if not isinstance(dest_list, list):
                    entries += dest_list is not None
                    continue
                for index, entry in enumerate(dest_list):
                    for dest, dest_path in branches(entry, [*list_path, index]):
                        entries += 1
                        destinations.extend(_log_group_arns(dest, dest_path))
        yield StateMachine(name, logging_path, level_logs or entries > 0, tuple(destinations))


def _log_group_arns(dest: object, path: CfnPath) -> Iterator[Destination]:
    if not isinstance(dest, Mapping):
        return
    for group, group_path in branches(
        dest.get("CloudWatchLogsLogGroup"), [*path, "CloudWatchLogsLogGroup"]
    ):
        if isinstance(group, Mapping) and "LogGroupArn" in group:
            for arn, arn_path in branches(group["LogGroupArn"], [*group_path, "LogGroupArn"]):
                yield Destination(arn_path, arn)


# --- dependencies ----------------------------------------------------------------------------

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _sub_names(text: str) -> Iterator[str]:
    """Yield the names `${Name}` and `${Name.Attribute}` refer to in a `Fn::Sub` string."""
    for match in _SUB_VARIABLE.finditer(text):
        variable = match.group(1).strip()
        if variable and not variable.startswith("!"):
            yield variable.split(".", 1)[0]


def references(value: object) -> Iterator[str]:
    """Yield the logical ids named by `Ref`, `Fn::GetAtt` and `Fn::Sub` anywhere in `value`."""
    if isinstance(value, list):
        for item in value:
            yield from references(item)
        return
    if not isinstance(value, Mapping):
        return
    for key, arg in value.items():
        if key == "Ref" and isinstance(arg, str):
            yield arg
        elif key == "Fn::GetAtt" and isinstance(arg, str):
            yield arg.split(".", 1)[0]
        elif key == "Fn::GetAtt" and isinstance(arg, list) and arg and isinstance(arg[0], str):
            yield arg[0]
        elif key == "Fn::Sub" and isinstance(arg, str):
            yield from _sub_names(arg)
        elif key == "Fn::Sub" and isinstance(arg, list) and arg and isinstance(arg[0], str):
            local = arg[1] if len(arg) > 1 and isinstance(arg[1], Mapping) else {}
            yield from (name for name in _sub_names(arg[0]) if name not in local)
            yield from references(local)
        else:
            yield from references(arg)


def depends_on(resource: Mapping[str, object]) -> Iterator[str]:
    """Yield the logical ids in `DependsOn` (a string or a list of strings)."""
    value = resource.get("DependsOn")
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        yield from (item for item in value if isinstance(item, str))


def dependencies(resource: Mapping[str, object]) -> Iterator[str]:
    """Yield what CloudFormation creates before `resource`: `DependsOn`, and Ref/GetAtt/Sub."""
    yield from depends_on(resource)
    yield from references(resource.get("Properties"))


def dependency_closure(resources: Resources, start: str) -> list[str]:
    """Return every resource CloudFormation creates before `start`, nearest first.

    Breadth first over DependsOn and Ref/GetAtt/Sub edges; each resource is visited once, so
    cycles end.
    """
    seen = {start}
    order: list[str] = []
    queue = deque([start])
    while queue:
        for target in dependencies(resources[queue.popleft()]):
            if target in resources and target not in seen:
                seen.add(target)
                order.append(target)
                queue.append(target)
    return order


def is_policy_provider(
    resource: Mapping[str, object],
    template_dir: Path | None,
    parameters: Mapping[str, Mapping[str, object]],
) -> bool:
    """Whether creating `resource` puts the compact policy in place."""
    return resource.get("Type") == POLICY_TYPE or is_bootstrap_stack(
        resource, template_dir, parameters
    )


def _strings(value: object, parameters: Mapping[str, Mapping[str, object]]) -> Iterator[str]:
    """Yield the literal strings in `value`, and the defaults of the parameters it refers to."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, parameters)
    elif isinstance(value, Mapping):
        ref = value.get("Ref")
        if isinstance(ref, str) and ref in parameters:
            yield from _strings(parameters[ref].get("Default"), {})
        for item in value.values():
            yield from _strings(item, parameters)


def is_bootstrap_stack(
    resource: Mapping[str, object],
    template_dir: Path | None,
    parameters: Mapping[str, Mapping[str, object]],
) -> bool:
    """Whether a nested application or stack is this project's bootstrap stack.

    Recognised when its `Location` (SAR `ApplicationId`, path or URL) or `TemplateURL` names the
    project, literally or through the default of a parameter it refers to, or when that is a
    local template file (relative to the linted template) that declares a
    `Custom::VendedLogsPolicy`. Any other nested stack is not trusted: depending on an unrelated
    nested stack does not put the policy in place.
    """
    key = NESTED_APP_TYPES.get(str(resource.get("Type")))
    properties = resource.get("Properties")
    if key is None or not isinstance(properties, Mapping):
        return False
    location = properties.get(key)
    if any(PROJECT_MARKER in text.lower() for text in _strings(location, parameters)):
        return True
    if isinstance(location, str) and "://" not in location and template_dir is not None:
        return _declares_policy(template_dir / location)
    return False


def _declares_policy(path: Path) -> bool:
    from cfnlint.decode import decode  # cfn-lint's own YAML/JSON loader, with its tags

    try:
        if not path.is_file():
            return False
    except OSError:  # a name too long for the file system, say
        return False
    template, _errors = decode(str(path))
    return any(body.get("Type") == POLICY_TYPE for body in resources_of(template).values())


# --- log group names -------------------------------------------------------------------------


@dataclass(frozen=True)
class Hole:
    """A part of a string the template does not fix.

    `pseudo` (a pseudo parameter) and `generated` (a name CloudFormation generates from the stack
    name) never start with "/"; `unknown` (a parameter, an import, a map) may be anything.
    """

    kind: Literal["unknown", "pseudo", "generated"]
    label: str

    def render(self) -> str:
        """Show the hole the way `Fn::Sub` would write it."""
        if self.kind == "generated":
            return "${AWS::StackName}-" + self.label + "-<random>"
        return "${" + self.label + "}"


type Segment = str | Hole
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


def _is_resource(resources: Resources, name: str, type_: str) -> bool:
    return name in resources and resources[name].get("Type") == type_


def segments(
    value: object, resources: Resources, seen: frozenset[str] = frozenset()
) -> list[Segment]:
    """Turn a string expression (literal, `Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`) into parts.

    `Ref` to a log group gives its name and `Fn::GetAtt` `Arn` its ARN, so names that other
    resources spell out are followed; `seen` stops a log group whose name refers to itself.
    """
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping) and len(value) == 1:
        ((key, arg),) = value.items()
        handler = _FUNCTIONS.get(key)
        if handler is not None:
            return handler(arg, resources, seen)
    return [_UNKNOWN]


def _ref_segments(arg: object, resources: Resources, seen: frozenset[str]) -> list[Segment]:
    if not isinstance(arg, str):
        return [_UNKNOWN]
    if arg.startswith("AWS::"):
        return [Hole("pseudo", arg)]
    if arg not in seen and _is_resource(resources, arg, LOG_GROUP_TYPE):
        return _log_group_name(arg, resources, seen)
    return [Hole("unknown", arg)]


def _getatt_segments(arg: object, resources: Resources, seen: frozenset[str]) -> list[Segment]:
    if isinstance(arg, str) and "." in arg:
        name, attribute = arg.split(".", 1)
    elif isinstance(arg, list) and len(arg) == 2 and all(isinstance(item, str) for item in arg):
        name, attribute = str(arg[0]), str(arg[1])
    else:
        return [_UNKNOWN]
    if attribute == "Arn" and name not in seen and _is_resource(resources, name, LOG_GROUP_TYPE):
        return [*_ARN_HEAD, *_log_group_name(name, resources, seen), ":*"]
    return [Hole("unknown", f"{name}.{attribute}")]


def _join_segments(arg: object, resources: Resources, seen: frozenset[str]) -> list[Segment]:
    if not (isinstance(arg, list) and len(arg) == 2):
        return [_UNKNOWN]
    delimiter, items = arg
    if not (isinstance(delimiter, str) and isinstance(items, list)):
        return [_UNKNOWN]
    joined: list[Segment] = []
    for index, item in enumerate(items):
        if index:
            joined.append(delimiter)
        joined.extend(segments(item, resources, seen))
    return joined


def _log_group_name(name: str, resources: Resources, seen: frozenset[str]) -> list[Segment]:
    properties = resources[name].get("Properties")
    if not isinstance(properties, Mapping) or "LogGroupName" not in properties:
        return [Hole("generated", name)]
    return segments(properties["LogGroupName"], resources, seen | {name})


def _sub_segments(arg: object, resources: Resources, seen: frozenset[str]) -> list[Segment]:
    text: object = arg
    local: Mapping[str, object] = {}
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], Mapping):
        text, local = arg
    if not isinstance(text, str):
        return [_UNKNOWN]
    result: list[Segment] = []
    position = 0
    for match in _SUB_VARIABLE.finditer(text):
        result.append(text[position : match.start()])
        position = match.end()
        variable = match.group(1).strip()
        if variable.startswith("!"):
            result.append("${" + variable[1:] + "}")
        elif variable in local:
            result.extend(segments(local[variable], resources, seen))
        elif "." in variable:
            result.extend(_getatt_segments(variable, resources, seen))
        else:
            result.extend(_ref_segments(variable, resources, seen))
    result.append(text[position:])
    return result


_FUNCTIONS: dict[str, Callable[[object, Resources, frozenset[str]], list[Segment]]] = {
    "Ref": _ref_segments,
    "Fn::GetAtt": _getatt_segments,
    "Fn::Sub": _sub_segments,
    "Fn::Join": _join_segments,
}


def _merged(parts: list[Segment]) -> list[Segment]:
    """Join adjacent literals and drop empty ones."""
    merged: list[Segment] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    return merged


def log_group_name_of_arn(parts: list[Segment]) -> list[Segment] | None:
    """Cut the log group name out of an ARN's parts (`...:log-group:<name>[:*]`), or None."""
    marker = "log-group:"
    merged = _merged(parts)
    for index, part in enumerate(merged):
        if isinstance(part, str) and marker in part:
            name: list[Segment] = [part.split(marker, 1)[1]]
            name.extend(merged[index + 1 :])
            cut: list[Segment] = []
            for piece in name:
                if isinstance(piece, str) and ":" in piece:
                    cut.append(piece.split(":", 1)[0])
                    break
                cut.append(piece)
            return _merged(cut)
    return None


def under_prefix(name: list[Segment], prefix: str = VENDED_LOGS_PREFIX) -> bool | None:
    """Whether a name starts with `prefix`: True, False, or None when the template can't tell."""
    known = ""
    for part in _merged(name):
        if isinstance(part, str):
            known += part
            if known.startswith(prefix):
                return True
            if not prefix.startswith(known):
                return False
        elif part.kind != "unknown" and prefix[len(known)] == "/":
            return False  # pseudo parameters and generated names never start with "/"
        else:
            return None
    return known.startswith(prefix)


def render(name: list[Segment]) -> str:
    """Show a name's parts as one string, holes as `${...}`."""
    return "".join(part if isinstance(part, str) else part.render() for part in name)
