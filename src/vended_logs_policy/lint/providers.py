"""Policy providers: the resources whose creation puts the compact policy in place."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from vended_logs_policy.lint.template import (
    NESTED_APP_TYPES,
    POLICY_TYPE,
    PROJECT_MARKER,
    Section,
    TemplateView,
    resources_of,
)


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
