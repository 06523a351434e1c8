"""Template analysis shared by the vended-logs-policy cfn-lint rules (not a rule module).

cfn-lint loads every ``[A-Za-z1-9]*.py`` in an ``--append-rules`` directory as a rule module, so
this file's leading underscore keeps it from being loaded as one. cfn-lint does not put the
directory on sys.path either: each rule module inserts it there and then imports this helper (and
``_log_groups``) by name.

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

DOCS_URL = "https://github.com/vended-logs-policy/vended-logs-policy/blob/main/docs/lint-rules.md"
POLICY_TYPE = "Custom::VendedLogsPolicy"
PROJECT_MARKER = "vended-logs-policy"
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
type Section = dict[str, Mapping[str, object]]
type Resources = Mapping[str, Mapping[str, object]]


def section(template: object, key: str) -> Section:
    """Return the entries of a top-level section (`Resources`, ...) that are mappings, by name."""
    if not isinstance(template, Mapping):
        return {}
    entries = template.get(key)
    if not isinstance(entries, Mapping):
        return {}
    return {
        name: body
        for name, body in entries.items()
        if isinstance(name, str) and isinstance(body, Mapping)
    }


def resources_of(template: object) -> Section:
    """Return the template's resources, by logical id."""
    return section(template, "Resources")


@dataclass(frozen=True)
class TemplateView:
    """The sections of a template the rules read, and the directory of its file (if any)."""

    resources: Section
    parameters: Section
    mappings: Section
    directory: Path | None


def view_of(template: object, filename: object = None) -> TemplateView:
    """Read a template (and the name of its file, for nested templates given by path)."""
    return TemplateView(
        resources_of(template),
        section(template, "Parameters"),
        section(template, "Mappings"),
        Path(filename).parent if isinstance(filename, str) else None,
    )


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
        if key is not None and isinstance(properties, Mapping) and key in properties:
            yield _read_logging(name, properties[key], ["Resources", name, "Properties", key])


def _read_logging(name: str, logging: object, path: CfnPath) -> StateMachine:
    """Read one logging configuration, in every `Fn::If` branch."""
    configs = list(_configs(logging, path))
    entries = [entry for config, config_path in configs for entry in _entries(config, config_path)]
    destinations = tuple(
        destination for entry, entry_path in entries for destination in _arns(entry, entry_path)
    )
    logs = any(_level_logs(config) for config, _ in configs) or bool(entries)
    return StateMachine(name, path, logs, destinations)


def _configs(logging: object, path: CfnPath) -> Iterator[tuple[Mapping[str, object], CfnPath]]:
    """Yield each logging configuration (a mapping) that `Fn::If` branches can give."""
    for config, config_path in branches(logging, path):
        if isinstance(config, Mapping):
            yield config, config_path


def _level_logs(config: Mapping[str, object]) -> bool:
    """Whether a `Level` logs: anything but OFF, and a level from a parameter may be anything."""
    level = config.get("Level", "OFF")
    return not (isinstance(level, str) and level.upper() == "OFF")


def _entries(config: Mapping[str, object], path: CfnPath) -> Iterator[tuple[object, CfnPath]]:
    """Yield each `Destinations` entry; a value that is not a list counts as one entry."""
    for dest_list, list_path in branches(config.get("Destinations"), [*path, "Destinations"]):
        if isinstance(dest_list, list):
            for index, entry in enumerate(dest_list):
                yield from branches(entry, [*list_path, index])
        elif dest_list is not None:
            yield dest_list, list_path


def _arns(dest: object, path: CfnPath) -> Iterator[Destination]:
    """Yield the `CloudWatchLogsLogGroup.LogGroupArn` values of one destination entry."""
    if not isinstance(dest, Mapping):
        return
    for group, group_path in branches(
        dest.get("CloudWatchLogsLogGroup"), [*path, "CloudWatchLogsLogGroup"]
    ):
        if isinstance(group, Mapping) and "LogGroupArn" in group:
            for arn, arn_path in branches(group["LogGroupArn"], [*group_path, "LogGroupArn"]):
                yield Destination(arn_path, arn)


# --- dependencies ----------------------------------------------------------------------------

SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _sub_names(text: str) -> Iterator[str]:
    """Yield the names `${Name}` and `${Name.Attribute}` refer to in a `Fn::Sub` string."""
    for match in SUB_VARIABLE.finditer(text):
        variable = match.group(1).strip()
        if variable and not variable.startswith("!"):
            yield variable.split(".", 1)[0]


def references(value: object) -> Iterator[str]:
    """Yield the logical ids named by `Ref`, `Fn::GetAtt` and `Fn::Sub` anywhere in `value`."""
    if isinstance(value, list):
        for item in value:
            yield from references(item)
    elif isinstance(value, Mapping):
        for key, arg in value.items():
            yield from _REFERENCE_READERS.get(key, references)(arg)


def _ref_target(arg: object) -> Iterator[str]:
    """The logical id of a `Ref`."""
    if isinstance(arg, str):
        yield arg
    else:
        yield from references(arg)


def _getatt_target(arg: object) -> Iterator[str]:
    """The logical id of a `Fn::GetAtt`, in its string or list form."""
    if isinstance(arg, str):
        yield arg.split(".", 1)[0]
    elif isinstance(arg, list) and arg and isinstance(arg[0], str):
        yield arg[0]
    else:
        yield from references(arg)


def sub_arguments(arg: object) -> tuple[str, Mapping[str, object]] | None:
    """Split a `Fn::Sub` argument into its text and variable map; None when malformed."""
    if isinstance(arg, str):
        return arg, {}
    if not (isinstance(arg, list) and arg and isinstance(arg[0], str)):
        return None
    local = arg[1] if len(arg) > 1 else {}
    return arg[0], local if isinstance(local, Mapping) else {}


def _sub_targets(arg: object) -> Iterator[str]:
    """The logical ids a `Fn::Sub` names outside its own variable map, and those in the map."""
    parsed = sub_arguments(arg)
    if parsed is None:
        yield from references(arg)
        return
    text, local = parsed
    yield from (name for name in _sub_names(text) if name not in local)
    yield from references(local)


_REFERENCE_READERS: dict[str, Callable[[object], Iterator[str]]] = {
    "Ref": _ref_target,
    "Fn::GetAtt": _getatt_target,
    "Fn::Sub": _sub_targets,
}


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


# --- policy providers ----------------------------------------------------------------------------


def is_policy_provider(resource: Mapping[str, object], view: TemplateView) -> bool:
    """Whether creating `resource` puts the compact policy in place."""
    return resource.get("Type") == POLICY_TYPE or is_bootstrap_stack(resource, view)


def providers(names: list[str], view: TemplateView) -> list[str]:
    """The policy providers among `names` (logical ids of `view`'s resources)."""
    return [name for name in names if is_policy_provider(view.resources[name], view)]


def _strings(value: object, parameters: Section) -> Iterator[str]:
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


def is_bootstrap_stack(resource: Mapping[str, object], view: TemplateView) -> bool:
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
    if any(PROJECT_MARKER in text.lower() for text in _strings(location, view.parameters)):
        return True
    if isinstance(location, str) and "://" not in location and view.directory is not None:
        return _declares_policy(view.directory / location)
    return False


def _declares_policy(path: Path) -> bool:
    """Whether a local template file declares a `Custom::VendedLogsPolicy`."""
    from cfnlint.decode import decode  # cfn-lint's own YAML/JSON loader, with its tags

    try:
        if not path.is_file():
            return False
    except OSError:  # a name too long for the file system, say
        return False
    template, _errors = decode(str(path))
    return any(body.get("Type") == POLICY_TYPE for body in resources_of(template).values())
