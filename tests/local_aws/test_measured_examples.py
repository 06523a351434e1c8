"""tests.support.measured_examples: coverage on a property's first examples only, then back on."""

from __future__ import annotations

from pathlib import Path

import coverage
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import measured_examples


def test_coverage_stops_after_the_first_examples_and_starts_again(tmp_path: Path) -> None:
    # Given two running Coverages, one started over the other (as pytest-cov's lies over the one
    # an xdist worker starts with), and a property of 6 examples
    under, over = (
        coverage.Coverage(data_file=str(tmp_path / name), config_file=False)
        for name in (".under", ".over")
    )
    seen: list[coverage.Coverage | None] = []

    @settings(max_examples=6, database=None)
    @given(st.integers())
    def prop(value: int) -> None:
        seen.append(coverage.Coverage.current())

    under.start()
    over.start()
    try:
        # When it runs with coverage on its first 2 examples
        with measured_examples(prop, 2):
            prop()
        after = coverage.Coverage.current()
    finally:
        over.stop()
        under.stop()
    # Then the first 2 ran measured, the rest with neither running, and both run again after
    assert seen == [over, over, None, None, None, None]
    assert after is over


def test_a_plain_test_is_left_alone_and_a_property_gets_its_own_test_back(tmp_path: Path) -> None:
    # Given a running Coverage, a function that is not a Hypothesis test, and a property
    running = coverage.Coverage(data_file=str(tmp_path / ".coverage"), config_file=False)
    calls: list[int] = []

    def plain() -> None:
        calls.append(0)

    @settings(max_examples=3, database=None)
    @given(st.integers())
    def prop(value: int) -> None:
        calls.append(1)

    inner = prop.hypothesis.inner_test  # type: ignore[attr-defined]
    running.start()
    try:
        # When each runs under measured_examples with no example measured
        with measured_examples(plain, 0):
            plain()
            # Then the plain one runs measured
            assert coverage.Coverage.current() is running
        with measured_examples(prop, 0):
            prop()
        # and the property ran all its examples, its inner test its own again afterwards
        assert prop.hypothesis.inner_test is inner  # type: ignore[attr-defined]
        assert coverage.Coverage.current() is running
    finally:
        running.stop()
    assert calls == [0, 1, 1, 1]
