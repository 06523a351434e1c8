"""IAM-style globs (``*`` any run of characters, ``?`` one character) and sound subsumption."""

from __future__ import annotations

from functools import lru_cache

# Stand-ins for the wildcards of the *covered* pattern while it is matched as a string.
_ANY_RUN = "\x00*"
_ANY_ONE = "\x00?"


def _tokens(pattern: str) -> tuple[str, ...]:
    """Split a pattern into literal characters and the wildcard tokens ``*`` and ``?``."""
    out: list[str] = []
    for char in pattern:
        if char == "*":
            if not out or out[-1] != "*":  # "**" means the same as "*"
                out.append("*")
        else:
            out.append(char)
    return tuple(out)


def matches(pattern: str, value: str) -> bool:
    """Return whether ``value`` (taken literally) matches the glob ``pattern``."""
    return _covers(_tokens(pattern), tuple(value))


def covers(general: str, specific: str) -> bool:
    """Return True only when every string the glob ``specific`` matches is matched by ``general``.

    Sound, not complete: a True is a proof, a False may be "cannot tell" for unusual pairs such
    as ``?*`` against ``*?``. Callers keep whatever they cannot prove covered.
    """
    if general == specific:
        return True
    if "?" not in general and "?" not in specific and "\x00" not in general:
        return _covers_stars(general, specific)
    symbols = tuple(
        _ANY_RUN if tok == "*" else _ANY_ONE if tok == "?" else tok for tok in _tokens(specific)
    )
    return _covers(_tokens(general), symbols)


def _covers_stars(general: str, specific: str) -> bool:
    """``covers`` for patterns without ``?``: greedy leftmost matching of the literal chunks.

    The covered pattern's ``*`` becomes a character no literal chunk holds, so only a ``*`` of
    the general pattern can absorb it. For ``*``-only globs the leftmost match of each middle
    chunk is always a safe choice, so this is exact, and linear in practice (``str.find``).
    """
    text = specific.replace("*", "\x00")
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


@lru_cache(maxsize=4096)
def _covers(pattern: tuple[str, ...], symbols: tuple[str, ...]) -> bool:
    """Match ``pattern`` tokens against ``symbols`` of the covered pattern.

    A literal matches only the same literal; ``?`` matches one literal or one ``?`` of the
    covered pattern; ``*`` matches any run of symbols, the covered pattern's ``*`` included.
    Any other pairing could admit a string the general pattern rejects, so it fails.
    """
    rows, cols = len(pattern), len(symbols)
    # reachable[j]: pattern[:i] can match symbols[:j]; classic dynamic programming, O(rows*cols).
    reachable = [False] * (cols + 1)
    reachable[0] = True
    for i in range(rows):
        tok = pattern[i]
        nxt = [False] * (cols + 1)
        if tok == "*":
            seen = False
            for j in range(cols + 1):
                seen = seen or reachable[j]
                nxt[j] = seen
        else:
            for j in range(cols):
                if not reachable[j]:
                    continue
                sym = symbols[j]
                if sym == _ANY_RUN:
                    continue
                if tok in ("?", sym):
                    nxt[j + 1] = True
        reachable = nxt
        if not any(reachable):
            return False
    return reachable[cols]
