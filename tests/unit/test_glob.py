"""glob.matches, covers, covers_segmentwise and covers_arn against brute-force references built
from regular expressions: one for the whole-string reading of a glob, one for the segment reading
of an ARN (``?`` and a ``*`` inside a colon-separated segment never match ':')."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support import examples
from vended_logs_policy.engine.glob import covers, covers_arn, covers_segmentwise, matches

WILDCARDS = "*?"


def reference(pattern: str) -> re.Pattern[str]:
    """The IAM meaning of a glob as a regular expression: ``*`` any run, ``?`` one character."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


def segment_reference(pattern: str) -> re.Pattern[str]:
    """The segment reading: ``?`` and a ``*`` that is not the last character of its
    colon-separated segment never match ':'; a ``*`` before ':' or at the end matches anything."""
    parts = []
    for index, char in enumerate(pattern):
        if char == "*":
            last = index + 1 == len(pattern) or pattern[index + 1] == ":"
            parts.append(".*" if last else "[^:]*")
        elif char == "?":
            parts.append("[^:]")
        else:
            parts.append(re.escape(char))
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


@examples(1.5)  # hunts rare counterexamples
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


@given(pattern=st.text(max_size=10), value=st.text(max_size=10))
def test_matches_agrees_with_regular_expressions(pattern: str, value: str) -> None:
    # Given any pattern and any value (NUL, newlines and wildcard characters included)
    # When matches is asked
    # Then it agrees with the regular expression of the pattern, value taken literally
    assert matches(pattern, value) == bool(reference(pattern).fullmatch(value))


@given(pattern=glob_text, value=st.text(alphabet="ab:c*?", max_size=8))
def test_matches_agrees_with_regular_expressions_on_dense_input(pattern: str, value: str) -> None:
    # Given a pattern and a value over a small alphabet, so that matches are frequent
    # When matches is asked
    # Then it agrees with the regular expression (a "*" in the value is a plain character)
    assert matches(pattern, value) == bool(reference(pattern).fullmatch(value))


literal_text = st.text(max_size=10).filter(lambda s: not any(c in WILDCARDS for c in s))


@given(general=st.text(alphabet="ab:" + WILDCARDS, max_size=6), specific=literal_text)
def test_covers_equals_matches_for_literal_strings(general: str, specific: str) -> None:
    # Given a covered pattern without wildcards (one literal string)
    # When covers and matches are asked
    # Then they agree: covering a single string is matching it
    assert covers(general, specific) == matches(general, specific)


@given(general=st.text(max_size=8), specific=st.text(max_size=8).filter(lambda s: "*" not in s))
def test_covers_equals_matches_for_arbitrary_literals(general: str, specific: str) -> None:
    # Given any general pattern and a specific one whose only wildcards may be "?"
    # When the specific one holds no "?" either
    # Then covers equals matches (and with a "?" it never claims more than matches allows)
    if "?" not in specific:
        assert covers(general, specific) == matches(general, specific)
    elif covers(general, specific):
        assert matches(general, specific.replace("?", "\U0001f600"))


@given(pattern=st.text(max_size=12))
def test_every_pattern_covers_itself_and_star_covers_it(pattern: str) -> None:
    # Given any pattern
    # When it is compared with itself and with "*"
    # Then it covers itself and "*" covers it
    assert covers(pattern, pattern)
    assert covers("*", pattern)
    # And it matches itself as a literal string unless "?" or "*" stand for other characters
    assert matches(pattern, pattern)


@given(pattern=st.text(alphabet="ab:" + WILDCARDS, max_size=6))
def test_a_pattern_with_a_literal_never_covers_star(pattern: str) -> None:
    # Given a pattern that holds a literal character
    # When it is compared with "*" (which also matches the empty string and any text)
    # Then it does not cover it
    if any(c not in WILDCARDS for c in pattern):
        assert not covers(pattern, "*")


# --- the segment reading of ARNs ---------------------------------------------------------------

# Patterns over one letter, the colon and both wildcards; strings over those and a letter no
# pattern names. Short enough to compare every pair, long enough for every shape of 4 symbols.
SEGMENT_PATTERNS = tuple(words("a:" + WILDCARDS, 4))
SEGMENT_STRINGS = tuple(words("a:c", 7))


@cache
def languages(pattern: str) -> tuple[int, int]:
    """The sample strings the pattern matches under each reading (whole, segments), as bit sets."""
    whole, segments = reference(pattern).fullmatch, segment_reference(pattern).fullmatch
    return (
        sum(1 << i for i, s in enumerate(SEGMENT_STRINGS) if whole(s)),
        sum(1 << i for i, s in enumerate(SEGMENT_STRINGS) if segments(s)),
    )


def subset(specific: int, general: int) -> bool:
    return specific & ~general == 0


def test_segment_reference_reads_the_documented_examples() -> None:
    # Given the reference of the segment reading
    # When it reads IAM's examples
    # Then a star ending a segment crosses colons, and "?" or a star inside one does not
    assert segment_reference("arn:aws:s3:::my*").fullmatch("arn:aws:s3:::my:bucket")
    assert segment_reference("a*:b").fullmatch("ax:y:b")
    assert not segment_reference("a*x:b").fullmatch("a:x:b")
    assert not segment_reference("a?b").fullmatch("a:b")
    assert reference("a?b").fullmatch("a:b")


def test_covers_segmentwise_is_sound_for_every_small_pair() -> None:
    # Given every pair of patterns of up to 4 symbols over "a:*?"
    # When covers_segmentwise says the general one covers the specific one
    # Then under the segment reading every sample string of the specific one is in the general one
    unsound = [
        (general, specific)
        for general in SEGMENT_PATTERNS
        for specific in SEGMENT_PATTERNS
        if covers_segmentwise(general, specific)
        and not subset(languages(specific)[1], languages(general)[1])
    ]
    assert unsound == []


def test_covers_arn_is_sound_under_both_readings_for_every_small_pair() -> None:
    # Given every pair of patterns of up to 4 symbols over "a:*?"
    # When covers_arn says the general one covers the specific one
    # Then it does under the whole-string reading and under the segment reading
    unsound = [
        (general, specific)
        for general in SEGMENT_PATTERNS
        for specific in SEGMENT_PATTERNS
        if covers_arn(general, specific)
        and not all(
            subset(s, g) for s, g in zip(languages(specific), languages(general), strict=True)
        )
    ]
    assert unsound == []


def test_covers_arn_is_complete_when_the_specific_pattern_has_no_star() -> None:
    # Given every pair whose covered pattern has no "*"
    # When covers_arn is asked
    # Then it answers exactly "subset under both readings"
    wrong = [
        (general, specific)
        for general in SEGMENT_PATTERNS
        for specific in SEGMENT_PATTERNS
        if "*" not in specific
        and covers_arn(general, specific)
        != all(subset(s, g) for s, g in zip(languages(specific), languages(general), strict=True))
    ]
    assert wrong == []


ARN = "arn:aws:logs:us-west-2:123456789012:log-group:"


@pytest.mark.parametrize(
    ("general", "specific", "whole", "segments"),
    [
        # The fuzzer's anchor: "?" may match ':' only in the whole-string reading.
        ("arn:*:logs?*:*:*", f"{ARN}/aws/vendedlogs/states/*:*", True, False),
        ("arn:*:logs?*:*:*", f"{ARN}/x:log-stream:*", True, False),
        # A star inside a segment does not cross into the next one.
        (f"{ARN}/aws/*-Logs:*", f"{ARN}/aws/a:b-Logs:*", True, False),
        (f"{ARN}/aws/*-Logs:*", f"{ARN}/aws/a-Logs:*", True, True),
        # A star ending a segment does.
        (f"{ARN}/aws/vendedlogs/*", f"{ARN}/aws/vendedlogs/states/*:*", True, True),
        (
            f"{ARN}/aws/vendedlogs/states/*:*",
            f"{ARN}/aws/vendedlogs/states/x:log-stream:*",
            True,
            True,
        ),
        ("*", f"{ARN}/x:*", True, True),
        # The covered pattern's inner star may hold ':' in the whole-string reading only.
        (f"{ARN}/a/*:*", f"{ARN}/a/*x:*", True, True),
        (f"{ARN}/a/?*:*", f"{ARN}/a/x*:*", True, True),
        (f"{ARN}/a/*?:*", f"{ARN}/a/?:*", True, True),
        (f"{ARN}/a/*?x:*", f"{ARN}/a/*?x:*", True, True),
        (f"{ARN}/a/*?x:*", f"{ARN}/a/*:?x:*", True, False),
    ],
)
def test_known_arn_pairs(general: str, specific: str, whole: bool, segments: bool) -> None:
    # Given a pair whose answer under each reading is known by hand
    # When each check is asked
    # Then each gives that answer, and covers_arn needs both
    assert covers(general, specific) is whole
    assert covers_segmentwise(general, specific) is segments
    assert covers_arn(general, specific) is (whole and segments)


arn_text = st.text(alphabet="ab:" + WILDCARDS, max_size=8)


@st.composite
def segment_instance(draw: st.DrawFn) -> tuple[str, str]:
    """A pattern over "ab:*?" and one string it matches under the segment reading."""
    pattern = draw(arn_text)
    filled = []
    for index, char in enumerate(pattern):
        if char == "*":
            last = index + 1 == len(pattern) or pattern[index + 1] == ":"
            filled.append(draw(st.text(alphabet="ab:c" if last else "abc", max_size=3)))
        elif char == "?":
            filled.append(draw(st.sampled_from("abc")))
        else:
            filled.append(char)
    return pattern, "".join(filled)


@examples(2)  # hunts rare counterexamples
@given(general=arn_text, specific_and_instance=segment_instance())
def test_covers_arn_soundness_on_segment_instances(
    general: str, specific_and_instance: tuple[str, str]
) -> None:
    # Given two patterns and a string the specific one matches under the segment reading
    specific, instance = specific_and_instance
    assert segment_reference(specific).fullmatch(instance)
    # When covers_arn or covers_segmentwise says the general pattern covers the specific one
    # Then the general pattern matches that string under the segment reading too
    if covers_arn(general, specific) or covers_segmentwise(general, specific):
        assert segment_reference(general).fullmatch(instance), (general, specific, instance)


@given(general=arn_text, specific_and_instance=pattern_and_instance())
def test_covers_arn_soundness_on_whole_instances(
    general: str, specific_and_instance: tuple[str, str]
) -> None:
    # Given two patterns and a string the specific one matches under the whole-string reading
    specific, instance = specific_and_instance
    # When covers_arn says the general pattern covers the specific one
    # Then the general pattern matches that string under the whole-string reading too
    if covers_arn(general, specific):
        assert reference(general).fullmatch(instance), (general, specific, instance)


@given(general=st.text(max_size=10), specific=st.text(max_size=10))
def test_covers_arn_on_any_text(general: str, specific: str) -> None:
    # Given any two patterns (NUL, newlines and other odd characters included)
    # When covers_arn is asked
    # Then it implies both readings' checks, and every pattern covers itself
    if covers_arn(general, specific):
        assert covers(general, specific)
        assert covers_segmentwise(general, specific)
    assert covers_arn(specific, specific)
    assert covers_arn("*", specific)
