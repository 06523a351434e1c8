"""Policy documents as JSON: parse, check the parts the engine reads, render compactly.

IAM's grammar allows a string or a list for ``Action``, ``Resource`` and ``Principal.Service``, and
an object or a list for ``Statement``; every form is accepted and kept as it is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from vended_logs_policy.errors import PolicyError

POLICY_VERSION = "2012-10-17"
# Versions under which IAM does not substitute policy variables (``${...}`` is plain text).
LITERAL_VERSIONS = ("2008-10-17",)

Document = dict[str, Any]
Statement = dict[str, Any]


def compact_json(document: Mapping[str, Any]) -> str:
    """A document the engine built, as compact JSON: the same document always gives the same
    bytes. What cannot be JSON raises as ``json.dumps`` raises (for text read from outside, see
    ``writable_json``)."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _reject_constant(name: str) -> Any:
    raise PolicyError(f"policy JSON holds {name}, which is not valid JSON")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise PolicyError(f"policy JSON repeats the key {key!r}; its meaning is ambiguous")
        result[key] = value
    return result


def _loads(text: str) -> Any:
    try:
        return json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        raise PolicyError(
            f"policy document is not valid JSON: {exc.msg} at char {exc.pos}"
        ) from exc
    except RecursionError as exc:
        raise PolicyError("policy document is nested too deeply") from exc
    except PolicyError:
        raise
    except ValueError as exc:  # e.g. an integer past Python's digit limit
        raise PolicyError(f"policy document holds a value JSON cannot carry: {exc}"[:120]) from exc


def parse_document(text: str) -> Document:
    """Parse and check a policy document, raising PolicyError naming the problem."""
    value = _loads(text)
    if not isinstance(value, dict):
        raise PolicyError("policy document must be a JSON object")
    check_document(value)
    return value


def writable_json(document: Mapping[str, Any]) -> str:
    """A document read from outside, as compact JSON (``compact_json``), or PolicyError saying
    why it cannot be written back."""
    try:
        text = compact_json(document)
        text.encode("utf-8")
    except (ValueError, TypeError, RecursionError) as exc:
        raise PolicyError(
            "policy document holds a value that cannot be written back as JSON "
            "(NaN, Infinity, a lone surrogate, or nesting too deep)"
        ) from exc
    return text


def check_document(document: Mapping[str, Any]) -> None:
    """Raise PolicyError when the document cannot be edited and written back without loss."""
    writable_json(document)
    check_grammar(document)


def statements(document: Mapping[str, Any]) -> list[Any]:
    """``Statement`` as a list, whichever form the document uses (absent: none)."""
    raw = document.get("Statement", [])
    if isinstance(raw, dict):
        return [raw]
    if isinstance(raw, list):
        return list(raw)
    raise PolicyError("policy Statement must be an object or a list of objects")


def substitutes_variables(document: Mapping[str, Any]) -> bool:
    """Whether IAM would substitute ``${...}`` policy variables in this document's resources.

    Version 2012-10-17 does; 2008-10-17 and a missing Version do not. Any other Version is taken
    to substitute, the reading under which the engine keeps more.
    """
    return "Version" in document and document["Version"] not in LITERAL_VERSIONS


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _strings(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list) and bool(value) and all(isinstance(item, str) for item in value)
    )


def _check_strings(statement: Mapping[str, Any], key: str, where: str) -> None:
    if key in statement and not _strings(statement[key]):
        raise PolicyError(f"{where}: {key} must be a string or a non-empty list of strings")


def _check_principal(statement: Mapping[str, Any], key: str, where: str) -> None:
    if key not in statement or statement[key] == "*":
        return
    value = statement[key]
    if not isinstance(value, dict) or not value:
        raise PolicyError(f'{where}: {key} must be "*" or an object')
    for kind, names in value.items():
        if not _strings(names):
            raise PolicyError(f"{where}: {key}.{kind} must be a string or a list of strings")


def _check_condition(statement: Mapping[str, Any], where: str) -> None:
    if "Condition" not in statement:
        return
    condition = statement["Condition"]
    if not isinstance(condition, dict):
        raise PolicyError(f"{where}: Condition must be an object")
    for operator, entries in condition.items():
        if not isinstance(entries, dict):
            raise PolicyError(f"{where}: Condition.{operator} must be an object")


def _check_statement(statement: Any, where: str) -> None:
    if not isinstance(statement, dict):
        raise PolicyError(f"{where} must be an object")
    for key in ("Sid", "Effect"):
        if key in statement and not isinstance(statement[key], str):
            raise PolicyError(f"{where}: {key} must be a string")
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        _check_strings(statement, key, where)
    for key in ("Principal", "NotPrincipal"):
        _check_principal(statement, key, where)
    _check_condition(statement, where)


def check_grammar(document: Mapping[str, Any]) -> None:
    """Raise PolicyError when the parts the engine reads are not in IAM's JSON grammar."""
    if "Version" in document and not isinstance(document["Version"], str):
        raise PolicyError("policy Version must be a string")
    for index, statement in enumerate(statements(document)):
        _check_statement(statement, f"Statement[{index}]")
