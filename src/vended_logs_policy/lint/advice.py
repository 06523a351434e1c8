"""The wording the rules share: what to depend on, and which prefixes cover a log group."""

from __future__ import annotations

from vended_logs_policy.lint import log_groups
from vended_logs_policy.lint.template import NESTED_APP_TYPES, POLICY_TYPE, TemplateView


def policy_resources(view: TemplateView) -> list[str]:
    """The template's Custom::VendedLogsPolicy resources, by logical id."""
    return sorted(n for n, body in view.resources.items() if body.get("Type") == POLICY_TYPE)


def dependency_fix(policies: list[str]) -> str:
    """What to add, given the template's Custom::VendedLogsPolicy resources."""
    if len(policies) == 1:
        return f"add `DependsOn: {policies[0]}`"
    if policies:
        return f"add DependsOn to one of {', '.join(policies)}"
    return (
        f"add a {POLICY_TYPE} resource (or the vended-logs-policy nested application) "
        "and DependsOn it"
    )


def nested_note(before: list[str], view: TemplateView) -> str:
    """Names the nested stacks among `before` that were not recognised as the bootstrap stack."""
    nested = [name for name in before if view.resources[name].get("Type") in NESTED_APP_TYPES]
    if not nested:
        return ""
    return (
        f" ({', '.join(nested)}: nested, but not recognised as the vended-logs-policy "
        "bootstrap stack)"
    )


def describe(name: log_groups.Name) -> str:
    """The log group, and the name CloudFormation generates when it has none."""
    generated = log_groups.generated_from(name)
    if generated is None:
        return f"log group {log_groups.render(name)}"
    return (
        f"log group {generated}, which has no LogGroupName (CloudFormation names it "
        f"{log_groups.render(name)})"
    )


def ensured(cover: log_groups.Coverage) -> str:
    """The prefixes, and which resources ensure them."""
    prefixes = cover.prefixes or ()
    noun = "the prefix" if len(prefixes) == 1 else "the prefixes"
    if not cover.providers:
        return f"{', '.join(prefixes)} ({noun} a {POLICY_TYPE} ensures by default)"
    verb = "ensures" if len(cover.providers) == 1 else "ensure"
    return f"{', '.join(prefixes)} ({noun} {listed(cover.providers, 'and')} {verb})"


def prefix_fix(cover: log_groups.Coverage) -> str:
    """How to be covered: a name under a prefix, or one more prefix."""
    under = "that prefix" if len(cover.prefixes or ()) == 1 else "one of those prefixes"
    where = (
        f"LogGroupPrefixes of {listed(cover.providers, 'or')}"
        if cover.providers
        else "that resource's LogGroupPrefixes"
    )
    return f"name the log group under {under}, or add a prefix to {where}"


def listed(names: tuple[str, ...], conjunction: str) -> str:
    """`A`, `A and B`, `A, B and C`."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"
