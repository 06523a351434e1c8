"""E9101: a state machine that logs to CloudWatch Logs must depend on Custom::VendedLogsPolicy."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch
from cfnlint.template import Template


def _load_support() -> ModuleType:
    """Load rules/_vended_logs.py by its path.

    cfn-lint imports each rule file as a top-level module without putting its directory on
    sys.path, so an import statement can't find the helper (and under pytest the name `rules`
    may already mean tests/rules).
    """
    path = Path(__file__).resolve().with_name("_vended_logs.py")
    name = "vended_logs_policy_lint_support"
    loaded = sys.modules.get(name)
    if loaded is not None and getattr(loaded, "__file__", None) == str(path):
        return loaded
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    from rules import _vended_logs as support
else:
    support = _load_support()


class StateMachineDependsOnVendedLogsPolicy(CloudFormationLintRule):  # type: ignore[misc]
    """A logging state machine must be created after the resource policy is compacted."""

    id = "E9101"
    shortdesc = "Logging state machine must depend on Custom::VendedLogsPolicy"
    description = (
        "A state machine that logs to CloudWatch Logs must depend, through DependsOn or "
        "Ref/GetAtt/Sub chains, on a Custom::VendedLogsPolicy resource or the vended-logs-policy "
        "nested application, so the account's log delivery policy is compact before Step "
        "Functions appends to it"
    )
    source_url = f"{support.DOCS_URL}#e9101"
    tags: ClassVar[list[str]] = ["stepfunctions", "logs", "vended-logs-policy"]

    def match(self, cfn: Template) -> list[RuleMatch]:
        """Report each logging state machine with no path to the policy resource."""
        resources = support.resources_of(cfn.template)
        parameters = support.parameters_of(cfn.template)
        filename = getattr(cfn, "filename", None)
        template_dir = Path(filename).parent if isinstance(filename, str) else None
        policies = sorted(
            name for name, body in resources.items() if body.get("Type") == support.POLICY_TYPE
        )
        fix = (
            f"add `DependsOn: {policies[0]}`"
            if len(policies) == 1
            else f"add DependsOn to one of {', '.join(policies)}"
            if policies
            else f"add a {support.POLICY_TYPE} resource (or the vended-logs-policy nested "
            "application) and DependsOn it"
        )
        matches: list[RuleMatch] = []
        for machine in support.state_machines(resources):
            if not machine.logs_to_cloudwatch:
                continue
            before = support.dependency_closure(resources, machine.name)
            if any(
                support.is_policy_provider(resources[name], template_dir, parameters)
                for name in before
            ):
                continue
            nested = [
                name for name in before if resources[name].get("Type") in support.NESTED_APP_TYPES
            ]
            note = (
                f" ({', '.join(nested)}: nested, but not recognised as the vended-logs-policy "
                "bootstrap stack)"
                if nested
                else ""
            )
            where = "/".join(map(str, machine.logging_path[2:]))
            matches.append(
                RuleMatch(
                    ["Resources", machine.name],
                    f"State machine {machine.name} logs to CloudWatch Logs ({where}) but does not "
                    f"depend on {support.POLICY_TYPE}{note}; {fix}",
                )
            )
        return matches
