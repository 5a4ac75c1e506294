"""A file's lineage as a graph laid out for a server-drawn SVG: what it came from (left) and what used it (right).

Upstream comes from :func:`lineage.upstream` (files of the same run the file was derived from, and files of other
runs its queries resolved), downstream from :func:`lineage.downstream` (later runs whose queries resolved it, and
the files they made), both ``depth`` levels deep and at most ``MAX_NODES`` nodes. Every node is a link: a file to
its own lineage, a run that made no artifact file from it to the run's page. Names are kept as data here; the
template escapes them.
"""

from __future__ import annotations

import typing
import unicodedata
from dataclasses import dataclass, field

from ..errors import ArtifactNotFoundError
from ..store import lineage
from ..store.artifact_store import SUCCEEDED, ArtifactStore, Record
from ..store.keys import record_key
from ..store.runs import REMOVED
from .dot_layout import layout_with_dot

MAX_DEPTH = 5
MAX_NODES = 120
NODE_W, NODE_H = 250, 54
GAP_X, GAP_Y, PAD = 70, 16, 12
LABEL_CHARS = 30
#: Widths, in pixels per character, the page's two label lines take at most (13px semi-bold, 11px), with room to
#: spare: a box is sized to its own text, so no label is clipped.
TITLE_PX, SUBTITLE_PX, TEXT_PAD = 8.4, 6.9, 24


@dataclass
class Node:
    """One box of the graph."""

    key: tuple
    kind: str  # "file" or "run"
    title: str  # artifact / filename, or the run id
    subtitle: str  # the run, or the workflow
    route: typing.Optional[str]  # None: nothing the page can show (a run removed since), so no link
    params: dict
    column: int
    focus: bool = False
    note: str = ""
    x: int = 0
    y: int = 0

    @property
    def short_title(self) -> str:
        return _short(self.title)

    @property
    def short_subtitle(self) -> str:
        return _short(self.subtitle)

    @property
    def second_line(self) -> str:
        """The box's second line: the run or workflow, and the note when there is one."""
        return self.short_subtitle + (f" \u00b7 {self.note}" if self.note else "")

    @property
    def w(self) -> int:
        """The box's width: ``NODE_W``, or wider when its text needs it."""
        need = max(_columns(self.short_title) * TITLE_PX, _columns(self.second_line) * SUBTITLE_PX) + TEXT_PAD
        return max(NODE_W, int(need + 0.999))

    @property
    def h(self) -> int:
        return NODE_H


@dataclass
class Edge:
    """An arrow from what was used to what was made from it."""

    src: Node
    dst: Node
    via_query: bool = False
    #: The curve Graphviz drew (an SVG path), when it laid the graph out.
    d: typing.Optional[str] = None

    @property
    def path(self) -> str:
        if self.d:
            return self.d
        x1, y1 = self.src.x + self.src.w, self.src.y + NODE_H // 2
        x2, y2 = self.dst.x, self.dst.y + NODE_H // 2
        bend = GAP_X // 2
        return f"M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2} {x2},{y2}"


@dataclass
class Graph:
    """Nodes with positions, edges, the focal file's inputs, and whether the graph was cut short."""

    focus: Node
    nodes: typing.List[Node] = field(default_factory=list)
    edges: typing.List[Edge] = field(default_factory=list)
    inputs: typing.List[dict] = field(default_factory=list)
    notes: typing.List[str] = field(default_factory=list)
    truncated: bool = False
    width: int = 0
    height: int = 0
    #: Why the graph is drawn in plain columns instead of by Graphviz (empty when Graphviz laid it out).
    layout_note: str = ""


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "\u2026"


def _columns(text: str) -> int:
    """How many character widths ``text`` takes: wide (East Asian) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class _Builder:
    def __init__(self, store: ArtifactStore, depth: int):
        self.store, self.depth = store, depth
        self.by_key: typing.Dict[tuple, Node] = {}
        self.graph: typing.Optional[Graph] = None

    def file_node(self, d: dict, column: int) -> typing.Optional[Node]:
        key = ("file", d.get("execution_id", ""), d.get("artifact", ""), d.get("filename", ""))
        if key in self.by_key:
            return self.by_key[key]
        if len(self.by_key) >= MAX_NODES:
            self.graph.truncated = True
            return None
        params = {"run": key[1], "artifact": key[2], "filename": key[3], "depth": self.depth}
        status = d.get("status", SUCCEEDED)
        shown = f"run {key[1]}" + ("" if status == SUCCEEDED else f" ({status})")
        node = Node(key, "file", f"{key[2]} / {key[3]}", shown, "/lineage", params, column)
        if status == REMOVED:
            node.note, node.route, node.params = "no longer in the store", None, {}
        elif d.get("missing") or not self.store.backend.exists(record_key(key[1], key[2], key[3])):
            node.note = "not recorded in this run"
            node.route, node.params = "/run", {"id": key[1]}
        self.by_key[key] = node
        self.graph.nodes.append(node)
        return node

    def run_node(self, use: dict, column: int) -> typing.Optional[Node]:
        key = ("run", use.get("execution_id", ""))
        if key in self.by_key:
            return self.by_key[key]
        if len(self.by_key) >= MAX_NODES:
            self.graph.truncated = True
            return None
        status = use.get("status", SUCCEEDED)
        removed = status == REMOVED
        subtitle = use.get("workflow", "") + ("" if status == SUCCEEDED else f" ({status})")
        route, params = (None, {}) if removed else ("/run", {"id": key[1]})
        node = Node(key, "run", f"run {key[1]}", subtitle, route, params, column,
                    note="no longer in the store" if removed else "made no artifact file from it")
        self.by_key[key] = node
        self.graph.nodes.append(node)
        return node

    def upstream(self, tree: dict, node: Node, column: int) -> None:
        for child in tree.get("derived_from", []):
            if child.get("kind") != "file":
                continue
            up = self.file_node(child, column - 1)
            if up is None:
                return
            self.graph.edges.append(Edge(up, node, via_query="via_query" in child))
            if not child.get("repeated"):
                self.upstream(child, up, column - 1)

    def downstream(self, rec: Record, node: Node, level: int) -> None:
        if level > self.depth:
            return
        room = max(1, MAX_NODES - len(self.by_key))
        uses, total = lineage.downstream_page(self.store, rec, room)
        if total > len(uses):
            self.graph.notes.append(f"{rec.artifact} / {rec.filename} of run {rec.execution_id}: the newest "
                                    f"{len(uses):,} of the {total:,} later runs that used it are drawn "
                                    f"(and {total - len(uses):,} more)")
        for use in uses:
            made = use.get("produced") or []
            if not made:
                run = self.run_node(use, node.column + 1)
                if run is not None:
                    self.graph.edges.append(Edge(node, run, via_query=True))
                continue
            for f in made:
                f = {**f, "status": use.get("status", SUCCEEDED)}
                seen = ("file", f.get("execution_id"), f.get("artifact"), f.get("filename")) in self.by_key
                down = self.file_node(f, node.column + 1)
                if down is None:
                    return
                self.graph.edges.append(Edge(node, down, via_query=True))
                if seen:
                    continue
                try:
                    nxt = self.store.record(f["execution_id"], f["artifact"], f["filename"])
                except (ArtifactNotFoundError, KeyError):
                    continue
                self.downstream(nxt, down, level + 1)


def build(store: ArtifactStore, rec: Record, depth: int = 3) -> Graph:
    """The lineage graph of ``rec``, ``depth`` (1 to ``MAX_DEPTH``) levels each way, laid out for drawing."""
    depth = max(1, min(MAX_DEPTH, depth))
    b = _Builder(store, depth)
    focus_dict = {"execution_id": rec.execution_id, "artifact": rec.artifact, "filename": rec.filename}
    b.graph = Graph(focus=None)  # type: ignore[arg-type]
    focus = b.file_node(focus_dict, 0)
    focus.focus = True
    focus.route = "/run/file"
    focus.params = {"run": rec.execution_id, "artifact": rec.artifact, "filename": rec.filename}
    b.graph.focus = focus
    tree = lineage.upstream(store, rec, depth)
    if tree.get("lineage"):
        b.graph.notes.append(f"upstream: {tree['lineage']}")
    b.graph.inputs = [c for c in tree.get("derived_from", []) if c.get("kind") == "input"]
    b.upstream(tree, focus, 0)
    b.downstream(rec, focus, 1)
    note = layout_with_dot(b.graph, PAD)
    if note is not None:
        b.graph.layout_note = note
        _layout(b.graph)
    return b.graph


def _layout(graph: Graph) -> None:
    """Plain columns, for when Graphviz is not there: each column as wide as its widest box."""
    columns = sorted({n.column for n in graph.nodes})
    widths = {c: max(n.w for n in graph.nodes if n.column == c) for c in columns}
    left, x = {}, PAD
    for c in columns:
        left[c], x = x, x + widths[c] + GAP_X
    rows: typing.Dict[int, int] = {}
    for n in graph.nodes:
        row = rows.get(n.column, 0)
        rows[n.column] = row + 1
        n.x = left[n.column]
        n.y = PAD + row * (NODE_H + GAP_Y)
    graph.width = x - GAP_X + PAD
    graph.height = 2 * PAD + max(rows.values()) * (NODE_H + GAP_Y) - GAP_Y
    # Centre shorter columns against the tallest, so arrows run mostly level.
    for col, count in rows.items():
        shift = (graph.height - 2 * PAD - (count * (NODE_H + GAP_Y) - GAP_Y)) // 2
        for n in graph.nodes:
            if n.column == col:
                n.y += shift
