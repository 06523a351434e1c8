"""Short text for messages, shared by the engine, the functions and the CLI: a count with its
noun, a string cut to a length."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 region``, ``3 regions`` (``many`` for irregular plurals)."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"


def clip(text: str, limit: int = 80) -> str:
    """The text cut from its end to ``limit`` characters, with "..." when cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."
