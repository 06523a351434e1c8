"""Template analysis shared by the vended-logs-policy cfn-lint rules.

Everything here works on plain template data (``dict``/``list``/``str``), the way cfn-lint hands it
to rules after its own transform step, and never raises on a malformed template: malformed parts
are skipped, because cfn-lint's own schema rules report them. What CloudFormation creates before a
resource comes from cfn-lint's own dependency graph (``cfn.graph``: ``DependsOn``, ``Ref``,
``Fn::GetAtt`` and ``Fn::Sub`` edges), never from a graph of our own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

DOCS_URL = "https://github.com/vended-logs-policy/vended-logs-policy/blob/main/docs/lint-rules.md"
POLICY_TYPE = "Custom::VendedLogsPolicy"
PROJECT_MARKER = "vended-logs-policy"
NESTED_APP_TYPES = {
    "AWS::Serverless::Application": "Location",
    "AWS::CloudFormation::Stack": "TemplateURL",
}
SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")

CfnPath: TypeAlias = list[str | int]
Section: TypeAlias = dict[str, Mapping[str, object]]
Resources: TypeAlias = Mapping[str, Mapping[str, object]]


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
    """The sections of a template the rules read, the directory of its file (if any), and
    cfn-lint's dependency graph of it (None when cfn-lint could not build one)."""

    resources: Section
    parameters: Section
    mappings: Section
    directory: Path | None
    graph: Any = None


def view_of(cfn: Any) -> TemplateView:
    """Read a cfn-lint `Template`: its sections, its file's directory and its graph."""
    template = cfn.template
    filename = getattr(cfn, "filename", None)
    graph = getattr(cfn, "graph", None)
    return TemplateView(
        resources_of(template),
        section(template, "Parameters"),
        section(template, "Mappings"),
        Path(filename).parent if isinstance(filename, str) else None,
        getattr(graph, "graph", None),
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


def sub_arguments(arg: object) -> tuple[str, Mapping[str, object]] | None:
    """Split a `Fn::Sub` argument into its text and variable map; None when malformed."""
    if isinstance(arg, str):
        return arg, {}
    if not (isinstance(arg, list) and arg and isinstance(arg[0], str)):
        return None
    local = arg[1] if len(arg) > 1 else {}
    return arg[0], local if isinstance(local, Mapping) else {}
