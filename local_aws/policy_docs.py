"""IAM policies written in Markdown: the JSON blocks named ``<!-- policy: NAME -->`` in a doc.

docs/permissions.md (and examples/ci/README.md) keep each policy as a fenced ``json`` block right
after such a comment, so the tests run exactly what the reader copies.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any, Final, TypeAlias

ROOT: Final = Path(__file__).resolve().parent.parent
PERMISSIONS: Final = ROOT / "docs" / "permissions.md"
BLOCK: Final = re.compile(r"<!-- policy: ([a-z-]+) -->\n```json\n(.*?)\n```", re.DOTALL)
VERSION: Final = "2012-10-17"
# What a policy left with no action allows: AWS allows it anyway, and IAM refuses an empty policy.
NOTHING: Final = {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}

Policy: TypeAlias = dict[str, Any]


def policy_blocks(path: Path = PERMISSIONS) -> dict[str, Policy]:
    """Every named policy block of ``path``, parsed, by name (a name used twice is an error)."""
    found = BLOCK.findall(path.read_text(encoding="utf-8"))
    names = [name for name, _ in found]
    if len(names) != len(set(names)):
        raise ValueError(f"{path}: a policy name is used twice: {names}")
    return {name: json.loads(text) for name, text in found}


def merged(*names: str, path: Path = PERMISSIONS) -> Policy:
    """The named policies of ``path`` as one document (their statements together)."""
    blocks = policy_blocks(path)
    statements = [s for name in names for s in blocks[name]["Statement"]]
    return {"Version": VERSION, "Statement": copy.deepcopy(statements)}


def _listed(statement: Policy) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def actions_of(policy: Policy) -> list[str]:
    """Every action the policy names, in order, once each."""
    found: list[str] = []
    for statement in policy["Statement"]:
        found.extend(a for a in _listed(statement) if a not in found)
    return found


def without(policy: Policy, action: str) -> Policy:
    """The policy with ``action`` removed; a statement left with none is dropped, and a policy
    left with none allows only ``sts:GetCallerIdentity`` (``NOTHING``)."""
    statements = [
        statement | {"Action": kept}
        for statement in copy.deepcopy(policy["Statement"])
        if (kept := [a for a in _listed(statement) if a != action])
    ]
    return {"Version": policy["Version"], "Statement": statements or [dict(NOTHING)]}
