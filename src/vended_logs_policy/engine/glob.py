"""IAM wildcards (``*`` any run of characters, ``?`` one character) and sound subsumption.

``covers(general, specific)`` is True only when every string the pattern ``specific`` matches is
matched by ``general``: a True is a proof, a False may mean "cannot tell" (``?*`` against ``*?``).

ARNs have two readings, and a removal must hold under both (``covers_arn``):

* whole-string: the ARN is one glob, ``*`` and ``?`` match any character, ``:`` included;
* segment-wise: IAM documents that wildcards work within the colon-separated segments of an ARN,
  and that a ``*`` ending a segment can expand beyond the colon. So ``?``, and a ``*`` that is not
  the last character of its segment, never match ``:``; a ``*`` before ``:`` or at the end of the
  pattern matches anything.

Both readings are decided by one automaton over *symbols*: the specific pattern's literal
characters, and its wildcards as opaque symbols that only a general token accepting every
character they may stand for can consume. The automaton's states are a bit set (an int), so a check
costs one pass over the specific pattern whatever the shape of either pattern (no backtracking).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

# Wildcard tokens of a pattern (as general tokens and, for the covered pattern, as symbols).
# Literal characters are one-character strings, so these multi-character names never collide.
_ONE = "?any"  # ``?``, whole-string reading: one character
_ONE_NC = "?seg"  # ``?``, segment reading: one character other than ':'
_RUN = "*any"  # ``*``: any run (whole-string reading, or a ``*`` that ends a segment)
_RUN_NC = "*seg"  # ``*`` inside a segment (segment reading): a run without ':'
_WILDCARD = re.compile(r"[*?]")
# A ``*`` followed by something other than ``*`` or ``:``: a star that stays inside its segment.
_INNER_STAR = re.compile(r"\*(?=[^*:])")
# A run of stars, one "?", or a run of literal characters.
_PIECES = re.compile(r"\*+|\?|[^*?]+", re.DOTALL)


def _tokens(pattern: str, segments: bool) -> list[str]:
    """A pattern's tokens; a run of ``*`` is one ``*`` (its last star decides the segment case)."""
    out: list[str] = []
    for match in _PIECES.finditer(pattern):
        piece = match.group()
        if piece[0] == "*":
            inner = segments and match.end() < len(pattern) and pattern[match.end()] != ":"
            out.append(_RUN_NC if inner else _RUN)
        elif piece == "?":
            out.append(_ONE_NC if segments else _ONE)
        else:
            out.extend(piece)
    return out


@dataclass
class _Automaton:
    """A general pattern as a bit-parallel automaton: bit i set = the first i tokens matched."""

    literal: dict[str, int]  # character -> bits of the literal tokens equal to it
    one: int  # bits of ``?`` tokens
    one_colon: int  # bits of ``?`` tokens that accept ':' (whole-string reading only)
    run: int  # bits of ``*`` tokens that accept anything
    stars: int  # bits of every ``*`` token
    final: int
    moves: dict[str, tuple[int, int]] = field(default_factory=dict)

    def start(self, skip: int = 0) -> int:
        """The states once ``skip`` literal tokens (the pattern's literal head) are matched."""
        state = 1 << skip
        return state | ((state << 1) & self.stars)

    def move(self, symbol: str) -> tuple[int, int]:
        """(tokens that consume the symbol and advance, ``*`` tokens that absorb it and stay)."""
        move = self.moves.get(symbol)
        if move is None:
            move = self.moves[symbol] = self._move(symbol)
        return move

    def _move(self, symbol: str) -> tuple[int, int]:
        if symbol == _RUN:
            return 0, self.run
        if symbol == _RUN_NC:
            return 0, self.stars
        if symbol in (_ONE, _ONE_NC):
            return self.one, self.stars
        if symbol == ":":
            return self.literal.get(":", 0) | self.one_colon, self.run
        return self.literal.get(symbol, 0) | self.one, self.stars


@lru_cache(maxsize=512)
def _automaton(pattern: str, segments: bool) -> _Automaton:
    tokens = _tokens(pattern, segments)
    literal: dict[str, int] = {}
    one = run = stars = 0
    for index, token in enumerate(tokens):
        bit = 1 << (index + 1)
        if token in (_ONE, _ONE_NC):
            one |= bit
        elif token in (_RUN, _RUN_NC):
            stars |= bit
            run |= bit if token == _RUN else 0
        else:
            literal[token] = literal.get(token, 0) | bit
    one_colon = 0 if segments else one
    return _Automaton(literal, one, one_colon, run, stars, 1 << len(tokens))


def _accepts(automaton: _Automaton, symbols: list[str] | str, skip: int = 0) -> bool:
    """Whether the automaton accepts the symbols, which follow ``skip`` matched head tokens.

    Each step keeps the states reached by consuming the symbol (advancing past a token that
    accepts it, or staying on a ``*`` that absorbs it), then lets a following ``*`` match empty.
    """
    state, stars, moves = automaton.start(skip), automaton.stars, automaton.moves
    for symbol in symbols:
        advance, stay = moves.get(symbol) or automaton.move(symbol)
        state = ((state << 1) & advance) | (state & stay)
        if not state:
            return False
        state |= (state << 1) & stars
    return bool(state & automaton.final)


def matches(pattern: str, value: str) -> bool:
    """Return whether ``value`` (taken literally) matches the glob ``pattern`` (whole string)."""
    return _accepts(_automaton(pattern, False), value)


@dataclass(frozen=True)
class _Frame:
    """What a quick check needs of a general pattern: its literal head and tail, and whether
    the greedy check decides it in both readings (no ``?``, no NUL, no star inside a segment)."""

    head: str
    tail: str
    literal: bool  # no wildcard at all
    plain: bool


@lru_cache(maxsize=2048)
def _frame(general: str) -> _Frame:
    first = _WILDCARD.search(general)
    if first is None:
        return _Frame(general, "", literal=True, plain=False)
    last = max(general.rfind("*"), general.rfind("?"))
    plain = "?" not in general and "\x00" not in general and not _INNER_STAR.search(general)
    return _Frame(general[: first.start()], general[last + 1 :], literal=False, plain=plain)


def _frame_fits(frame: _Frame, specific: str) -> bool:
    """A quick necessary condition: the literal head and tail of ``general`` frame ``specific``."""
    if frame.literal:
        return frame.head == specific
    return (
        len(specific) >= len(frame.head) + len(frame.tail)
        and specific.startswith(frame.head)
        and specific.endswith(frame.tail)
    )


def _stars_only(general: str, specific: str) -> bool:
    """Whether the greedy check applies: ``general`` has no ``?`` and no NUL to confuse it."""
    return "?" not in general and "\x00" not in general and "\x00" not in specific


def covers(general: str, specific: str) -> bool:
    """Whole-string reading: whether ``general`` matches every string ``specific`` matches."""
    if general == specific:
        return True
    if not _frame_fits(_frame(general), specific):
        return False
    if _stars_only(general, specific):
        return _covers_stars(general, specific)
    return _accepts_rest(general, specific, segments=False)


def covers_segmentwise(general: str, specific: str) -> bool:
    """Segment reading: ``?`` and a ``*`` inside a segment never match ':'."""
    if general == specific:
        return True
    if not _frame_fits(_frame(general), specific):
        return False
    return _accepts_rest(general, specific, segments=True)


def _accepts_rest(general: str, specific: str, segments: bool) -> bool:
    """Run the automaton past the literal head, which the frame check has already matched.

    The head holds no wildcard, so it maps one character to one token in both patterns, and a
    star's reading depends only on what follows it, which the cut does not change.
    """
    skip = len(_frame(general).head)
    rest = specific[skip:]
    symbols = _tokens(rest, segments) if _WILDCARD.search(rest) else rest
    return _accepts(_automaton(general, segments), symbols, skip)


def covers_arn(general: str, specific: str) -> bool:
    """Whether the ARN pattern ``general`` covers ``specific`` under both readings."""
    if general == specific:
        return True
    frame = _frame(general)
    if not _frame_fits(frame, specific):
        return False
    if frame.plain and "\x00" not in specific:
        # Every star of ``general`` matches anything in both readings, and it has no ``?``: its
        # literals accept only literals, so both readings ask the same question.
        return _covers_stars(general, specific)
    return covers(general, specific) and covers_segmentwise(general, specific)


def _covers_stars(general: str, specific: str) -> bool:
    """``covers`` for a ``general`` without ``?``: greedy leftmost matching of its literal chunks.

    The covered pattern's wildcards become NUL, which no chunk holds, so only a ``*`` of
    ``general`` can absorb them. For ``*``-only globs the leftmost match of each middle chunk
    is always a safe choice, so this is exact, and linear in practice (``str.find``).
    """
    text = specific.replace("*", "\x00").replace("?", "\x00")
    chunks = general.split("*")
    if len(chunks) == 1:
        return general == text
    head, tail = chunks[0], chunks[-1]
    end = len(text) - len(tail)
    if end < len(head) or not text.startswith(head) or not text.endswith(tail):
        return False
    position = len(head)
    for chunk in chunks[1:-1]:
        found = text.find(chunk, position, end)
        if found < 0:
            return False
        position = found + len(chunk)
    return True
