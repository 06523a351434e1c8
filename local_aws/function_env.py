"""The Lambda functions' environment as template.yaml sets it: its literal values (the
``POWERTOOLS_*`` variables), for local runs and tests that mean to run a function as deployed.

Values the stack computes (``!Ref``, ``!Join``, ``!If``: the ``VLP_*`` settings) are left out;
callers pass their own.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Final

import yaml

TEMPLATE: Final = Path(__file__).resolve().parents[1] / "template.yaml"
CUSTOM_RESOURCE: Final = "VendedLogsPolicyFunction"
GUARD: Final = "GuardFunction"
WATCH: Final = "WatchFunction"


class _IntrinsicsAsNone(yaml.SafeLoader):
    """YAML with CloudFormation's short-form intrinsics (``!Ref`` and the rest) read as None."""


_IntrinsicsAsNone.add_multi_constructor("!", lambda loader, suffix, node: None)


def function_environment(function: str, template: Path = TEMPLATE) -> dict[str, str]:
    """The literal string variables of ``function``'s environment in ``template`` (a copy)."""
    return dict(_literal_variables(function, template))


def handler_environment(module: str, template: Path = TEMPLATE) -> dict[str, str]:
    """The literal string variables of the function whose handler is in ``module`` (a copy);
    KeyError when no function of ``template`` has its handler there."""
    resources = _resources(template)
    for function, resource in resources.items():
        handler = resource.get("Properties", {}).get("Handler")
        if isinstance(handler, str) and handler.rpartition(".")[0] == module:
            return function_environment(function, template)
    raise KeyError(f"no function in {template} has its handler in {module}")


@functools.cache
def _resources(template: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(template.read_text(encoding="utf-8"), _IntrinsicsAsNone)
    resources: dict[str, Any] = data["Resources"]
    return resources


@functools.cache
def _literal_variables(function: str, template: Path) -> dict[str, str]:
    properties = _resources(template)[function]["Properties"]
    variables = properties.get("Environment", {}).get("Variables", {})
    return {name: value for name, value in variables.items() if isinstance(value, str)}
