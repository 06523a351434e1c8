"""glob.matches and glob.covers against a brute-force reference built from regular expressions."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vended_logs_policy.engine.glob import covers, matches

WILDCARDS = "*?"


def reference(pattern: str) -> re.Pattern[str]:
    """The IAM meaning of a glob as a regular expression: ``*`` any run, ``?`` one character."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


def words(alphabet: str, longest: int) -> Iterator[str]:
    for length in range(longest + 1):
        for letters in itertools.product(alphabet, repeat=length):
            yield "".join(letters)


# Patterns over two letters and both wildcards; sample strings over those letters plus a third
# letter that no pattern names, so a "?" or "*" in the covered pattern can pick a character
# that no literal of the covering pattern matches.
PATTERNS = tuple(words("ab" + WILDCARDS, 4))
STRINGS = tuple(words("abc", 7))


@cache
def language(pattern: str) -> int:
    """The sample strings the pattern matches, as a bit set over STRINGS."""
    match = reference(pattern).fullmatch
    return sum(1 << i for i, s in enumerate(STRINGS) if match(s))


def test_covers_is_sound_for_every_small_pair() -> None:
    # Given every pair of patterns of up to 4 symbols over "ab*?"
    # When covers says the general one covers the specific one
    # Then every sample string the specific one matches is matched by the general one
    unsound = [
        (general, specific)
        for general in PATTERNS
        for specific in PATTERNS
        if covers(general, specific) and language(specific) & ~language(general)
    ]
    assert unsound == []


def test_covers_is_complete_when_the_specific_pattern_has_no_star() -> None:
    # Given every pair whose covered pattern has no "*" (its language is then finite in length,
    # and the sample strings hold every shape of it)
    # When covers is asked
    # Then it answers exactly the brute-force subset relation: no false "cannot tell"
    wrong = [
        (general, specific)
        for general in PATTERNS
        for specific in PATTERNS
        if "*" not in specific
        and covers(general, specific) != (language(specific) & ~language(general) == 0)
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("general", "specific", "expected"),
    [
        ("/aws/vendedlogs/*", "/aws/vendedlogs/states/*:*", True),
        ("a*", "*", False),
        ("*", "*", True),
        ("*", "", True),
        ("", "", True),
        ("", "*", False),
        ("?", "*", False),
        ("?", "a", True),
        ("a", "?", False),
        ("??", "?", False),
        ("a**b", "a*b", True),
        ("a*b", "a**b", True),
        ("*:*", "*", False),
        (
            "arn:aws:logs:us-west-2:123456789012:log-group:/aws/vendedlogs/states/*:*",
            "arn:aws:logs:us-west-2:123456789012:log-group:/aws/vendedlogs/states/"
            "HelloWorld-Logs:log-stream:*",
            True,
        ),
        (
            # The log group ARN without ":*" matches names with no ':' after the prefix.
            "arn:aws:logs:us-west-2:123456789012:log-group:/aws/vendedlogs/states/*:*",
            "arn:aws:logs:us-west-2:123456789012:log-group:/aws/vendedlogs/states/*",
            False,
        ),
        (
            "arn:aws:logs:us-west-2:123456789012:log-group:/aws/vendedlogs/states/*:*",
            "arn:aws:logs:us-west-2:999999999999:log-group:/aws/vendedlogs/states/x:*",
            False,
        ),
        ("\x00*", "*", False),  # the covered pattern's wildcards are not literal NUL runs
        ("\x00?", "\x00a", True),
    ],
)
def test_known_pairs(general: str, specific: str, expected: bool) -> None:
    # Given a pair whose answer is known by hand
    # When covers is asked
    # Then it gives that answer
    assert covers(general, specific) is expected


glob_text = st.text(alphabet="ab:" + WILDCARDS, max_size=6)


@st.composite
def pattern_and_instance(draw: st.DrawFn) -> tuple[str, str]:
    """A pattern over "ab:*?" and one string it matches (each wildcard filled in by hypothesis)."""
    pattern = draw(glob_text)
    filled = []
    for char in pattern:
        if char == "*":
            filled.append(draw(st.text(alphabet="ab:c", max_size=3)))
        elif char == "?":
            filled.append(draw(st.sampled_from("ab:c")))
        else:
            filled.append(char)
    return pattern, "".join(filled)


@settings(max_examples=600, deadline=None)
@given(general=glob_text, specific_and_instance=pattern_and_instance())
def test_covers_soundness_on_instances(
    general: str, specific_and_instance: tuple[str, str]
) -> None:
    # Given two patterns and a string that the specific one matches
    specific, instance = specific_and_instance
    assert reference(specific).fullmatch(instance)
    # When covers says the general pattern covers the specific one
    # Then the general pattern matches that string too
    if covers(general, specific):
        assert reference(general).fullmatch(instance), (general, specific, instance)


@settings(max_examples=400, deadline=None)
@given(pattern=st.text(max_size=10), value=st.text(max_size=10))
def test_matches_agrees_with_regular_expressions(pattern: str, value: str) -> None:
    # Given any pattern and any value (NUL, newlines and wildcard characters included)
    # When matches is asked
    # Then it agrees with the regular expression of the pattern, value taken literally
    assert matches(pattern, value) == bool(reference(pattern).fullmatch(value))


@settings(max_examples=300, deadline=None)
@given(pattern=glob_text, value=st.text(alphabet="ab:c*?", max_size=8))
def test_matches_agrees_with_regular_expressions_on_dense_input(pattern: str, value: str) -> None:
    # Given a pattern and a value over a small alphabet, so that matches are frequent
    # When matches is asked
    # Then it agrees with the regular expression (a "*" in the value is a plain character)
    assert matches(pattern, value) == bool(reference(pattern).fullmatch(value))


literal_text = st.text(max_size=10).filter(lambda s: not any(c in WILDCARDS for c in s))


@settings(max_examples=300, deadline=None)
@given(general=st.text(alphabet="ab:" + WILDCARDS, max_size=6), specific=literal_text)
def test_covers_equals_matches_for_literal_strings(general: str, specific: str) -> None:
    # Given a covered pattern without wildcards (one literal string)
    # When covers and matches are asked
    # Then they agree: covering a single string is matching it
    assert covers(general, specific) == matches(general, specific)


@settings(max_examples=300, deadline=None)
@given(general=st.text(max_size=8), specific=st.text(max_size=8).filter(lambda s: "*" not in s))
def test_covers_equals_matches_for_arbitrary_literals(general: str, specific: str) -> None:
    # Given any general pattern and a specific one whose only wildcards may be "?"
    # When the specific one holds no "?" either
    # Then covers equals matches (and with a "?" it never claims more than matches allows)
    if "?" not in specific:
        assert covers(general, specific) == matches(general, specific)
    elif covers(general, specific):
        assert matches(general, specific.replace("?", "\U0001f600"))


@settings(max_examples=300, deadline=None)
@given(pattern=st.text(max_size=12))
def test_every_pattern_covers_itself_and_star_covers_it(pattern: str) -> None:
    # Given any pattern
    # When it is compared with itself and with "*"
    # Then it covers itself and "*" covers it
    assert covers(pattern, pattern)
    assert covers("*", pattern)
    # And it matches itself as a literal string unless "?" or "*" stand for other characters
    assert matches(pattern, pattern)


@settings(max_examples=200, deadline=None)
@given(pattern=st.text(alphabet="ab:" + WILDCARDS, max_size=6))
def test_a_pattern_with_a_literal_never_covers_star(pattern: str) -> None:
    # Given a pattern that holds a literal character
    # When it is compared with "*" (which also matches the empty string and any text)
    # Then it does not cover it
    if any(c not in WILDCARDS for c in pattern):
        assert not covers(pattern, "*")
