"""Benchmark 5: the pure engine on policies of 10 to 10,000 resources, in every resource shape.

Each document has one delivery statement whose resources are half per-state-machine ARNs under
``/aws/vendedlogs/states/`` (covered by the wildcard, so compacted away) and half log groups
elsewhere (kept, each with a cause), plus another service's statement. The shapes of the ARNs:

* ``star``: ``...:log-stream:*``, what Step Functions appends (the greedy fast path);
* ``question``: one ``?`` in every name;
* ``inner-star``: a ``*`` inside the name, which the segment reading keeps within its segment;
* ``mixed``: literal ARNs, ``?``, ``*``, inner ``*`` and policy variables in turn;
* ``odd-anchor``: mixed ARNs, and the prefix granted by an existing wildcard with ``?`` and an
  inner ``*`` (``/aws/vendedlogs/*?*:*``), so every check runs the automaton.

Timed per document: ``parse_document`` and ``ensure`` (which renders the result, and the original
for its length), as the service runs them. Every timed run gets a document with names it has
never seen, so no cache helps (as in a fresh Lambda). The sizes are timed in turn, so that load
from other processes falls on all of them alike. Growth is judged by the slope of log(time)
against log(size) between the two largest sizes (1 is linear), from the fastest of the first five
runs at each size (other processes only ever add time, so the minimum is the steadiest estimate
of the work); the per-document figures are medians. The 5120-character case is the document
grown one resource at a time until the next would not fit.

Target, for every shape: under 10 ms for a 5120-character policy, and no worse than linear
(slope at most 1.15, noise allowed).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable, Iterator
from itertools import count, pairwise
from typing import Any, Final

from benchmarks import Result, exit_status
from local_aws.policies import ARN, ROUTE53, SCOPE, delivery_statement, document

SIZES: Final = (10, 100, 1000, 10000)
LIMIT: Final = 5120
TARGET_MS: Final = 10.0
TARGET_SLOPE: Final = 1.15
# Work per size: enough runs for a stable median without making the large sizes take minutes.
BUDGET_RESOURCES: Final = 20000
MIN_RUNS: Final = 5
MAX_RUNS: Final = 30

_salt = count()

# One resource of a shape: (salt, number, covered by the wildcard?) -> ARN.
Shape = Callable[[int, int, bool], str]


def _tree(covered: bool) -> str:
    return "/aws/vendedlogs/states/" if covered else "/aws/lambda/"


def star(salt: int, i: int, covered: bool) -> str:
    return f"{ARN}:{_tree(covered)}Orders{salt}-{i:05d}-Logs:log-stream:*"


def question(salt: int, i: int, covered: bool) -> str:
    return f"{ARN}:{_tree(covered)}Orders{salt}-{i:05d}-Log?:log-stream:*"


def inner_star(salt: int, i: int, covered: bool) -> str:
    return f"{ARN}:{_tree(covered)}Orders{salt}-*-{i:05d}-Logs:*"


def literal(salt: int, i: int, covered: bool) -> str:
    return f"{ARN}:{_tree(covered)}Orders{salt}-{i:05d}-Logs:log-stream:stream-1"


def variable(salt: int, i: int, covered: bool) -> str:
    return f"{ARN}:{_tree(covered)}Orders{salt}-{i:05d}-${{aws:username}}:*"


MIXED: Final = (star, question, inner_star, literal, variable)


def mixed(salt: int, i: int, covered: bool) -> str:
    return MIXED[(i // 2) % len(MIXED)](salt, i, covered)


ODD_ANCHOR: Final = f"{ARN}:/aws/vendedlogs/*?*:*"
SHAPES: Final[dict[str, Shape]] = {
    "star": star,
    "question": question,
    "inner-star": inner_star,
    "mixed": mixed,
    "odd-anchor": mixed,
}


def shaped(name: str, resource_list: list[str]) -> dict[str, Any]:
    """A delivery statement over the resources and another service's statement; for the
    odd-anchor shape, also the existing wildcard that grants the prefix."""
    statements = [delivery_statement(resource_list), ROUTE53]
    if name == "odd-anchor":
        statements.insert(0, delivery_statement([ODD_ANCHOR], sid="Odd"))
    return document(*statements)


def resources(shape: Shape, size: int) -> list[str]:
    """``size`` resources of the shape, alternately covered by the wildcard and not."""
    salt = next(_salt)
    return [shape(salt, i, i % 2 == 0) for i in range(size)]


def at_limit(name: str) -> Iterator[str]:
    """Fresh documents of the shape of just under 5120 characters."""
    from vended_logs_policy.engine.policy import compact_json

    shape = SHAPES[name]
    while True:
        salt = next(_salt)
        body = shaped(name, [])
        grown: list[str] = body["Statement"][-2]["Resource"]
        for number in count(0):
            grown.append(shape(salt, number, number % 2 == 0))
            if len(compact_json(body)) > LIMIT:
                grown.pop()
                break
        yield compact_json(body)


def time_one(text: str) -> tuple[float, float, int]:
    """Seconds to parse, seconds to ensure, and how many resources the wildcard absorbed."""
    from vended_logs_policy.engine.policy import ensure, parse_document

    start = time.perf_counter()
    parsed = parse_document(text)
    middle = time.perf_counter()
    outcome = ensure(parsed, SCOPE)
    end = time.perf_counter()
    return middle - start, end - middle, len(outcome.removed_resources)


def runs_for(size: int) -> int:
    """How many documents to time at this size."""
    return max(MIN_RUNS, min(MAX_RUNS, BUDGET_RESOURCES // size))


def slope(small: tuple[int, float], large: tuple[int, float]) -> float:
    """Exponent of growth between two (size, seconds) points: 1 is linear, 2 quadratic."""
    return math.log(large[1] / small[1]) / math.log(large[0] / small[0])


def interleaved(batches: list[list[str]]) -> list[list[tuple[float, float, int]]]:
    """Time every document, taking the sizes in turn, so that a burst of load from other
    processes falls on every size alike instead of on one."""
    timings: list[list[tuple[float, float, int]]] = [[] for _ in batches]
    for round_number in range(max(len(batch) for batch in batches)):
        for batch, timed in zip(batches, timings, strict=True):
            if round_number < len(batch):
                timed.append(time_one(batch[round_number]))
    return timings


def run_shape(name: str, sizes: tuple[int, ...], details: list[str]) -> tuple[float, float]:
    """Time one shape at each size and at the limit: (ms at the limit, growth exponent)."""
    from vended_logs_policy.engine.policy import compact_json

    batches = [
        [compact_json(shaped(name, resources(SHAPES[name], size))) for _ in range(runs_for(size))]
        for size in sizes
    ]
    points: list[tuple[int, float]] = []
    details.append(f"shape {name}:")
    for size, texts, timings in zip(sizes, batches, interleaved(batches), strict=True):
        parse = statistics.median(t[0] for t in timings)
        total = statistics.median(t[0] + t[1] for t in timings)
        # The same number of runs at every size: a minimum over more runs is lower.
        points.append((size, min(t[0] + t[1] for t in timings[:MIN_RUNS])))
        details.append(
            f"  {size:>6} resources ({len(texts[0]):>7} characters, {timings[0][2]} absorbed): "
            f"{total * 1000:9.2f} ms per document ({parse * 1000:.2f} ms parsing), "
            f"{total / size * 1e6:7.1f} us per resource, n={len(texts)}"
        )
    growth = slope(points[-2], points[-1])
    details.append(
        "  growth exponent: "
        + ", ".join(f"{a[0]}->{b[0]} {slope(a, b):.2f}" for a, b in pairwise(points))
    )
    limit_texts = [text for text, _ in zip(at_limit(name), range(MAX_RUNS), strict=False)]
    at = statistics.median(sum(time_one(text)[:2]) for text in limit_texts)
    details.append(
        f"  at the limit ({len(limit_texts[0])} characters, "
        f"{limit_texts[0].count(ARN) - 1} resources): {at * 1000:.2f} ms (n={len(limit_texts)})"
    )
    return at * 1000, growth


def run(sizes: tuple[int, ...] = SIZES, shapes: tuple[str, ...] = tuple(SHAPES)) -> Result:
    """Time the engine on every shape, at each size and on a policy at the classic limit."""
    details: list[str] = []
    figures = {name: run_shape(name, sizes, details) for name in shapes}
    worst_ms = max(at for at, _ in figures.values())
    worst_growth = max(growth for _, growth in figures.values())
    details.append(
        "per shape (ms at the limit, exponent): "
        + ", ".join(f"{n} {at:.2f} ms {g:.2f}" for n, (at, g) in figures.items())
    )
    return Result(
        5,
        "Engine (parse_document + ensure, which renders) per document, every shape",
        f"worst {worst_ms:.2f} ms at {LIMIT} chars; worst exponent {worst_growth:.2f}",
        f"< {TARGET_MS:.0f} ms at {LIMIT} chars; exponent <= {TARGET_SLOPE}",
        worst_ms < TARGET_MS and worst_growth <= TARGET_SLOPE,
        details,
    )


def main() -> int:
    """``python -m benchmarks.engine [--sizes 10,100,...] [--shapes star,mixed,...]``."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated")
    args = parser.parse_args()
    result = run(tuple(int(s) for s in args.sizes.split(",")), tuple(args.shapes.split(",")))
    print(result.report())
    return 0 if result.met else 1


if __name__ == "__main__":
    raise SystemExit(exit_status(main))
