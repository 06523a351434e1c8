"""What CloudFormation creates before a resource, from cfn-lint's own dependency graph.

cfn-lint builds `cfn.graph` (a networkx multigraph) for every template, after its transforms:
an edge goes from a resource to each resource it depends on through `DependsOn`, `Ref`,
`Fn::GetAtt` or `Fn::Sub`, with the path of the reference (`source_paths`). Its E3004 reports
the cycles; the walk here visits each resource once, so a cycle ends it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from vended_logs_policy.lint.template import TemplateView


def _has(view: TemplateView, name: str) -> bool:
    """Whether the graph exists and holds `name`."""
    return view.graph is not None and name in view.graph


def before(view: TemplateView, start: str) -> list[str]:
    """Every resource CloudFormation creates before `start`, nearest first (breadth first)."""
    if not _has(view, start):
        return []
    seen = {start}
    order: list[str] = []
    queue = deque([start])
    while queue:
        fresh = [t for t in view.graph.successors(queue.popleft()) if t not in seen]
        seen.update(fresh)
        order.extend(fresh)
        queue.extend(fresh)
    return order


def _edges(view: TemplateView, source: str) -> Iterator[tuple[str, list[object]]]:
    """Each resource `source` refers to, with the path of the reference in `source`."""
    for _, target, paths in view.graph.out_edges(source, data="source_paths"):
        yield target, list(paths or [])


def targets(view: TemplateView, source: str, prop: str) -> list[str]:
    """The resources that property `prop` of `source` refers to (Ref, GetAtt, Sub)."""
    if not _has(view, source):
        return []
    return sorted({t for t, path in _edges(view, source) if path[:2] == ["Properties", prop]})
