"""Helpers shared by several test modules (test modules import from here, never from each other)."""

from __future__ import annotations

from hypothesis import settings


def examples(factor: float) -> settings:
    """The loaded Hypothesis profile scaled by ``factor``: for a test that hunts rare cases
    (factor above 1) or whose examples are costly (below 1)."""
    return settings(max_examples=max(1, round(settings().max_examples * factor)))
