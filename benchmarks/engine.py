"""Benchmark 5: the pure engine on policies of 10 to 10,000 resources.

Each document has one delivery statement whose resources are half per-state-machine ARNs under
``/aws/vendedlogs/states/`` (covered by the wildcard, so compacted away) and half log groups
elsewhere (kept), plus another service's statement. Timed per document: ``parse_document`` and
``ensure`` (which renders the result, and the original for its length), as the adapter runs them.
Every timed run gets a document with names it has never seen, so no cache helps (as in a fresh
Lambda). Growth is judged by the time per resource at each size and by the slope of log(time)
against log(size) between the two largest sizes (1 is linear). The 5120-character case is the
report's policy grown one state machine at a time until the next would not fit.

Target: no worse than linear (slope at most 1.15, noise allowed) and under 10 ms for a
5120-character policy.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Iterator
from itertools import count, pairwise
from typing import Any, Final

from benchmarks import Result
from local_aws.policies import ARN, ROUTE53, SCOPE, delivery_statement, document

SIZES: Final = (10, 100, 1000, 10000)
LIMIT: Final = 5120
TARGET_MS: Final = 10.0
TARGET_SLOPE: Final = 1.15
# Work per size: enough runs for a stable median without making the large sizes take minutes.
BUDGET_RESOURCES: Final = 20000
MIN_RUNS: Final = 3
MAX_RUNS: Final = 30

_salt = count()


def resources(size: int) -> list[str]:
    """``size`` resources, alternately covered by the wildcard and not, never seen before."""
    salt = next(_salt)
    return [
        f"{ARN}:/aws/vendedlogs/states/Orders{salt}-{i:05d}-Logs:log-stream:*"
        if i % 2 == 0
        else f"{ARN}:/aws/lambda/orders{salt}-{i:05d}:log-stream:*"
        for i in range(size)
    ]


def report_shaped(resource_list: list[str]) -> dict[str, Any]:
    """A delivery statement over the resources and another service's statement."""
    return document(delivery_statement(resource_list), ROUTE53)


def at_limit() -> Iterator[str]:
    """Fresh report-shaped policies of just under 5120 characters, covered ARNs only."""
    from vended_logs_policy.engine.policy import render

    while True:
        salt = next(_salt)
        body = document(delivery_statement([]))
        grown: list[str] = body["Statement"][0]["Resource"]
        for number in count(1):
            grown.append(
                f"{ARN}:/aws/vendedlogs/states/Pipeline{salt}-{number:03d}-Logs:log-stream:*"
            )
            if len(render(body)) > LIMIT:
                grown.pop()
                break
        yield render(body)


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


def run(sizes: tuple[int, ...] = SIZES) -> Result:
    """Time the engine at each size and on a policy at the classic limit."""
    from vended_logs_policy.engine.policy import render

    details: list[str] = []
    points: list[tuple[int, float]] = []
    for size in sizes:
        texts = [render(report_shaped(resources(size))) for _ in range(runs_for(size))]
        timings = [time_one(text) for text in texts]
        parse = statistics.median(t[0] for t in timings)
        total = statistics.median(t[0] + t[1] for t in timings)
        absorbed = timings[0][2]
        points.append((size, total))
        details.append(
            f"{size:>6} resources ({len(texts[0]):>7} characters, {absorbed} absorbed): "
            f"{total * 1000:9.2f} ms per document ({parse * 1000:.2f} ms parsing), "
            f"{total / size * 1e6:7.1f} us per resource, n={len(texts)}"
        )
    growth = slope(points[-2], points[-1])
    details.append(
        "growth exponent: "
        + ", ".join(f"{a[0]}->{b[0]} {slope(a, b):.2f}" for a, b in pairwise(points))
    )
    limit_texts = [text for text, _ in zip(at_limit(), range(MAX_RUNS), strict=False)]
    at = statistics.median(sum(time_one(text)[:2]) for text in limit_texts)
    details.append(
        f"policy at the limit ({len(limit_texts[0])} characters, "
        f"{limit_texts[0].count('log-stream')} resources): {at * 1000:.2f} ms "
        f"(n={len(limit_texts)})"
    )
    return Result(
        5,
        "Engine (parse_document + ensure, which renders) per document",
        f"{at * 1000:.2f} ms at {LIMIT} chars; exponent {growth:.2f}",
        f"< {TARGET_MS:.0f} ms at {LIMIT} chars; exponent <= {TARGET_SLOPE}",
        at * 1000 < TARGET_MS and growth <= TARGET_SLOPE,
        details,
    )


def main() -> int:
    """``python -m benchmarks.engine [--sizes 10,100,...]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated")
    args = parser.parse_args()
    result = run(tuple(int(s) for s in args.sizes.split(",")))
    print(result.report())
    return 0 if result.met else 1


if __name__ == "__main__":
    raise SystemExit(main())
