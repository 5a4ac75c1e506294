"""Laying out a lineage graph with Graphviz's ``dot``: positions and edge curves from dot, drawing by the template.

The graph goes to ``dot -Tplain`` as boxes of a fixed size (each sized to hold its own two lines of text, so no
label is clipped) grouped in columns (what a file came from on the left, what was made from it on the right), with
edges that end on the box's border. dot's answer gives each box's centre and each edge's cubic Bezier control
points; the template draws them as SVG, so every name is escaped by it and every box stays a link. dot receives
only generated ids (``n0``, ``n1``, ...), never a name from the store.

Without ``dot`` (Debian's ``graphviz`` package; ``make browser`` installs it) or when it fails, the caller keeps
its own column layout and the page says so.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import typing

if typing.TYPE_CHECKING:
    from .lineage_graph import Graph

#: Points per inch: dot's plain output is in inches, SVG in pixels of 1/72 inch here.
PER_INCH = 72.0
#: How long dot may take (a graph is at most a few hundred boxes: well under a second).
DOT_TIMEOUT = 20


@functools.lru_cache(maxsize=1)
def dot_program() -> typing.Optional[str]:
    """The ``dot`` executable on ``PATH``, or None."""
    return shutil.which("dot")


def dot_source(graph: "Graph", pad: int) -> str:
    """The graph in the DOT language: generated ids, box sizes in inches, one rank per column."""
    ids = {id(n): f"n{i}" for i, n in enumerate(graph.nodes)}
    lines = ["digraph lineage {", "rankdir=LR; nodesep=0.25; ranksep=0.9; splines=true;",
             f'pad="{pad / PER_INCH:.3f}";',
             'node [shape=box, fixedsize=true, label=""]; edge [arrowhead=none, arrowtail=none];']
    for n in graph.nodes:
        lines.append(f"{ids[id(n)]} [width={n.w / PER_INCH:.4f}, height={n.h / PER_INCH:.4f}];")
    for column in sorted({n.column for n in graph.nodes}):
        members = " ".join(ids[id(n)] for n in graph.nodes if n.column == column)
        lines.append(f"{{ rank=same; {members} }}")
    for e in graph.edges:
        lines.append(f"{ids[id(e.src)]} -> {ids[id(e.dst)]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def layout_with_dot(graph: "Graph", pad: int) -> typing.Optional[str]:
    """Place ``graph``'s nodes and edges as dot lays them out; returns None when it did, else why not (one line)."""
    program = dot_program()
    if program is None:
        return "Graphviz's dot is not installed, so the graph is laid out in plain columns"
    if not graph.nodes:
        return None
    try:
        out = subprocess.run([program, "-Tplain"], input=dot_source(graph, pad), capture_output=True, text=True,
                             timeout=DOT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"Graphviz's dot could not lay the graph out ({type(exc).__name__}), so it is drawn in plain columns"
    if out.returncode != 0:
        return "Graphviz's dot could not lay the graph out, so it is drawn in plain columns"
    try:
        _apply(graph, out.stdout)
    except (ValueError, IndexError, KeyError):
        return "Graphviz's dot gave an answer that could not be read, so the graph is drawn in plain columns"
    return None


def _apply(graph: "Graph", plain: str) -> None:
    """Read ``dot -Tplain`` output into the nodes' positions, the edges' paths and the graph's size."""
    nodes = {f"n{i}": n for i, n in enumerate(graph.nodes)}
    height = 0.0
    placed, paths = {}, []
    for line in plain.splitlines():
        f = line.split()
        if not f:
            continue
        if f[0] == "graph":
            graph.width, height = round(float(f[2]) * PER_INCH), float(f[3]) * PER_INCH
            graph.height = round(height)
        elif f[0] == "node":
            placed[f[1]] = (float(f[2]) * PER_INCH, float(f[3]) * PER_INCH)
        elif f[0] == "edge":
            count = int(f[3])
            points = [(float(f[4 + 2 * i]) * PER_INCH, float(f[5 + 2 * i]) * PER_INCH) for i in range(count)]
            paths.append((f[1], f[2], points))
    if set(placed) != set(nodes):
        raise KeyError("dot placed other nodes than it was given")
    for name, (cx, cy) in placed.items():
        n = nodes[name]
        n.x, n.y = round(cx - n.w / 2), round(height - cy - n.h / 2)
    curves = {}
    for tail, head, points in paths:
        flipped = [(x, height - y) for x, y in points]
        d = f"M{flipped[0][0]:.1f},{flipped[0][1]:.1f}"
        for i in range(1, len(flipped) - 2, 3):
            (x1, y1), (x2, y2), (x3, y3) = flipped[i:i + 3]
            d += f" C{x1:.1f},{y1:.1f} {x2:.1f},{y2:.1f} {x3:.1f},{y3:.1f}"
        curves.setdefault((tail, head), []).append(d)
    ids = {id(n): name for name, n in nodes.items()}
    for e in graph.edges:
        drawn = curves.get((ids[id(e.src)], ids[id(e.dst)]))
        if not drawn:
            raise KeyError("dot drew no curve for an edge")
        e.d = drawn.pop(0) if len(drawn) > 1 else drawn[0]
