"""State machines and the CloudWatch Logs destinations of their logging configuration."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from vended_logs_policy.lint.template import CfnPath, Resources, branches

# Where each state machine type keeps its logging configuration. cfn-lint v1 validates SAM
# resources as they are (it merges Globals but no longer runs the SAM translator), and the
# translator, when it does run, turns `Logging` into `LoggingConfiguration`: both are covered.
LOGGING_PROPERTY = {
    "AWS::StepFunctions::StateMachine": "LoggingConfiguration",
    "AWS::Serverless::StateMachine": "Logging",
}


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
