"""Terminal graph layout: stored ``dot -Tjson`` fixtures, the pure-Python fallback, rasterizing.

The dot-based tests read JSON stored in ``tests/data/layout/`` so they do not depend on the
installed Graphviz; one end-to-end test runs dot when it is there. Regenerate the fixtures
(after changing ``dot_source``) with ``python -m tests.render.test_terminal_layout``.
"""

from __future__ import annotations

import itertools
import json
import random
import shutil

import pytest

from tapeviz.render.terminal_layout import (
    Box,
    Canvas,
    EdgeRoute,
    LayoutInput,
    LayoutNode,
    LayoutUnavailable,
    TerminalLayout,
    dot_source,
    edge_style,
    layout_auto,
    layout_from_dot_json,
    layout_key,
    layout_layered,
    layout_with_dot,
    rasterize,
)
from tests.support.paths import DATA as TEST_DATA

DATA = TEST_DATA / "layout"
HAS_DOT = shutil.which("dot") is not None


# ---- the graphs ---------------------------------------------------------------------------


def chain_diamond() -> dict:
    """A chain a -> b -> c with a skip edge a -> c, and a diamond d -> {e, f} -> g."""
    labels = {k: [k] for k in "abcdefg"}
    labels["e"] = ["e", "longer label"]
    return {
        "labels": labels,
        "nodes": [LayoutNode.for_label(k, v) for k, v in labels.items()],
        "edges": [
            ("a", "b"),
            ("b", "c"),
            ("a", "c"),
            ("d", "e"),
            ("d", "f"),
            ("e", "g"),
            ("f", "g"),
        ],
        "clusters": {},
    }


def network() -> dict:
    """The article's 2-layer network as a tape would record it, with one cluster per layer."""
    labels = {
        "x": ["x", "32×10"],
        "dense_1/W": ["W1", "10×5"],
        "dense_1/b": ["b1", "5"],
        "dense_1/MatMul": ["MatMul", "32×5"],
        "dense_1/BiasAdd": ["BiasAdd", "32×5"],
        "dense_1/Relu": ["Relu", "32×5"],
        "dense_2/W": ["W2", "5×2"],
        "dense_2/b": ["b2", "2"],
        "dense_2/MatMul": ["MatMul", "32×2"],
        "dense_2/BiasAdd": ["BiasAdd", "32×2"],
        "y": ["y_true", "32×2"],
        "loss/LogSoftmax": ["LogSoftmax", "32×2"],
        "loss/Mul": ["Mul", "32×2"],
        "loss/Sum": ["Sum", "32"],
        "loss/Mean": ["Mean", "()"],
    }
    edges = [
        ("x", "dense_1/MatMul"),
        ("dense_1/W", "dense_1/MatMul"),
        ("dense_1/MatMul", "dense_1/BiasAdd"),
        ("dense_1/b", "dense_1/BiasAdd"),
        ("dense_1/BiasAdd", "dense_1/Relu"),
        ("dense_1/Relu", "dense_2/MatMul"),
        ("dense_2/W", "dense_2/MatMul"),
        ("dense_2/MatMul", "dense_2/BiasAdd"),
        ("dense_2/b", "dense_2/BiasAdd"),
        ("dense_2/BiasAdd", "loss/LogSoftmax"),
        ("loss/LogSoftmax", "loss/Mul"),
        ("y", "loss/Mul"),
        ("loss/Mul", "loss/Sum"),
        ("loss/Sum", "loss/Mean"),
        ("x", "loss/Mean"),  # a long edge that has to pass several ranks
    ]
    clusters = {
        "dense_1": [k for k in labels if k.startswith("dense_1/")],
        "dense_2": [k for k in labels if k.startswith("dense_2/")],
    }
    return {
        "labels": labels,
        "nodes": [LayoutNode.for_label(k, v) for k, v in labels.items()],
        "edges": edges,
        "clusters": clusters,
    }


def cyclic() -> dict:
    """A cycle, a self-loop and a parallel edge: dot makes a flat edge and a back edge here."""
    labels = {k: [k] for k in ("a", "b", "c", "d")}
    return {
        "labels": labels,
        "nodes": [LayoutNode.for_label(k, v) for k, v in labels.items()],
        "edges": [
            ("a", "b"),
            ("b", "c"),
            ("c", "a"),
            ("a", "c"),
            ("a", "a"),
            ("c", "d"),
            ("c", "d"),
        ],
        "clusters": {},
    }


FIXTURES = {
    "chain_diamond_tb": (chain_diamond, "TB"),
    "network_tb": (network, "TB"),
    "network_lr": (network, "LR"),
    "cyclic_tb": (cyclic, "TB"),
}
ACYCLIC = ["chain_diamond_tb", "network_tb", "network_lr"]


def as_input(graph: dict, rankdir: str | None = None) -> LayoutInput:
    """A test graph (nodes, edges, clusters) as the layout functions take it."""
    return LayoutInput(graph["nodes"], graph["edges"], graph["clusters"], rankdir)


def load_fixture(name: str) -> tuple[dict, str, dict]:
    make, rankdir = FIXTURES[name]
    return make(), rankdir, json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def from_fixture(name: str) -> tuple[dict, TerminalLayout]:
    graph, rankdir, data = load_fixture(name)
    layout = layout_from_dot_json(data, as_input(graph, rankdir))
    return graph, layout


def random_dag(n: int = 300, seed: int = 1234) -> dict:
    """A seeded random DAG: each node uses 1-3 of the 30 nodes before it; 10 clusters."""
    rng = random.Random(seed)
    ids = [f"n{i}" for i in range(n)]
    nodes = [LayoutNode.for_label(i, [i, "·" * rng.randint(1, 9)]) for i in ids]
    edges = []
    for j in range(1, n):
        k = min(j, rng.choice([1, 1, 2, 2, 3]))
        for i in sorted(rng.sample(range(max(0, j - 30), j), k)):
            edges.append((ids[i], ids[j]))
    clusters = {f"block{b}": ids[b * 10 : b * 10 + 6] for b in range(0, n // 10, 3)}
    return {"labels": None, "nodes": nodes, "edges": edges, "clusters": clusters}


# ---- invariants ---------------------------------------------------------------------------


def check_layout(layout: TerminalLayout, graph: dict, *, acyclic: bool = True) -> None:
    """Every geometric promise of a TerminalLayout, checked cell by cell."""
    nodes, edges, clusters = graph["nodes"], graph["edges"], graph["clusters"]
    assert set(layout.nodes) == {n.id for n in nodes}
    occupied: dict[tuple[int, int], str] = {}
    for node in nodes:
        box = layout.nodes[node.id]
        assert (box.w, box.h) == (node.width, node.height)
        assert 0 <= box.x and box.right < layout.width
        assert 0 <= box.y and box.bottom < layout.height
        for x in range(box.x, box.right + 1):
            for y in range(box.y, box.bottom + 1):
                assert (x, y) not in occupied, f"{node.id} overlaps {occupied[(x, y)]}"
                occupied[(x, y)] = node.id

    assert [(r.tail, r.head) for r in layout.edges] == list(edges)
    for route in layout.edges:
        pts = route.points
        tail, head = layout.nodes[route.tail], layout.nodes[route.head]
        assert len(pts) >= 2
        for (x0, y0), (x1, y1) in itertools.pairwise(pts):
            assert (x0 == x1) != (y0 == y1), f"{route.key} is not rectilinear: {pts}"
        x, y = pts[0]
        assert tail.on_border(x, y), f"{route.key} does not start on its tail border"
        assert x not in (tail.x, tail.right) or y not in (tail.y, tail.bottom), "corner port"
        x, y = pts[-1]
        assert (y in (head.y - 1, head.bottom + 1) and head.x < x < head.right) or (
            x in (head.x - 1, head.right + 1) and head.y < y < head.bottom
        ), f"{route.key} does not end next to a side of its head box"
        cells = route.cells()
        for cx, cy in cells:
            assert 0 <= cx < layout.width and 0 <= cy < layout.height
        for cell in cells[1:]:
            assert cell not in occupied, f"{route.key} runs through {occupied[cell]} at {cell}"
        if acyclic:  # y grows downward (TB) / x grows rightward (LR) along every edge
            if layout.rankdir == "TB":
                assert head.y > tail.bottom, route.key
            else:
                assert head.x > tail.right, route.key

    assert set(layout.clusters) == set(clusters)
    for name, members in clusters.items():
        frame = layout.clusters[name]
        assert 0 <= frame.x and frame.right < layout.width
        assert 0 <= frame.y and frame.bottom < layout.height
        for nid, box in layout.nodes.items():
            if nid in members:
                assert frame.encloses(box), f"cluster {name} does not hold {nid}"
            else:
                assert not frame.overlaps(box), f"cluster {name} covers {nid}"
    names = list(clusters)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            sa, sb = set(clusters[a]), set(clusters[b])
            fa, fb = layout.clusters[a], layout.clusters[b]
            if sa.isdisjoint(sb):
                assert not fa.overlaps(fb), f"clusters {a} and {b} overlap"
            elif sb < sa:
                assert fa.encloses(fb)
            elif sa < sb:
                assert fb.encloses(fa)


def check_canvas(canvas: Canvas, layout: TerminalLayout, labels: dict | None) -> None:
    text = canvas.text()
    assert len(text) == layout.height and all(len(row) == layout.width for row in text)
    joined = "\n".join(text)
    for nid, box in layout.nodes.items():
        for line in (labels or {}).get(nid, [nid]):
            if len(line) <= box.w - 2:
                assert line in joined, f"label {line!r} of {nid} is missing"
        assert canvas.rows[box.y][box.x] == ("┌", f"node:{nid}")
        assert canvas.rows[box.bottom][box.right] == ("┘", f"node:{nid}")
        assert canvas.rows[box.y + 1][box.x + 1][1] == f"label:{nid}"
    ending: dict[tuple[int, int], set[str]] = {}
    for route in layout.edges:  # edges into a box too narrow for all of them share a port
        ending.setdefault(route.points[-1], set()).add(edge_style(route.tail, route.head))
    for (x, y), styles in ending.items():
        char, style = canvas.rows[y][x]
        assert char in "▼▲►◄" and style in styles
    for name, frame in layout.clusters.items():
        assert canvas.rows[frame.y][frame.x] == ("╭", f"cluster:{name}")
        assert canvas.rows[frame.bottom][frame.right] == ("╯", f"cluster:{name}")


# ---- dot JSON fixtures --------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_fixture_matches_its_graph(name: str) -> None:
    """The stored JSON was made from dot_source() of the same graph (names and sizes agree)."""
    graph, rankdir, data = load_fixture(name)
    found = {o["name"]: o for o in data["objects"] if "pos" in o}
    assert data["rankdir"] == rankdir
    for node in graph["nodes"]:
        obj = found[node.id]
        assert abs(float(obj["width"]) - node.width * 0.1) < 0.02
        assert abs(float(obj["height"]) - node.height * 0.2) < 0.02
    assert len(data["edges"]) == len(graph["edges"])


@pytest.mark.parametrize("name", ACYCLIC)
def test_dot_fixture_invariants(name: str) -> None:
    graph, layout = from_fixture(name)
    assert layout.engine == "dot"
    check_layout(layout, graph)
    check_canvas(rasterize(layout, graph["labels"]), layout, graph["labels"])


def test_dot_fixture_cyclic_has_flat_back_and_self_edges() -> None:
    graph, layout = from_fixture("cyclic_tb")
    check_layout(layout, graph, acyclic=False)
    check_canvas(rasterize(layout, graph["labels"]), layout, graph["labels"])
    ys = {nid: box.y for nid, box in layout.nodes.items()}
    routes = {(r.tail, r.head): r for r in layout.edges}
    # the self-loop leaves and re-enters the top of its own box
    (x0, y0), (x1, y1) = routes[("a", "a")].points[0], routes[("a", "a")].points[-1]
    assert y0 == ys["a"] and y1 == ys["a"] - 1 and x0 != x1
    # the two parallel c -> d edges get their own ports
    cd = [r for r in layout.edges if (r.tail, r.head) == ("c", "d")]
    assert cd[0].points[0] != cd[1].points[0] and cd[0].points[-1] != cd[1].points[-1]


def test_edge_missing_from_the_json_still_gets_a_route() -> None:
    """An edge dot never saw (here between two nodes of one rank) is routed as a flat edge."""
    graph, rankdir, data = load_fixture("chain_diamond_tb")
    graph["edges"] = [*graph["edges"], ("e", "f")]
    layout = layout_from_dot_json(data, LayoutInput(graph["nodes"], graph["edges"], rankdir=rankdir))
    check_layout(layout, graph, acyclic=False)
    flat = layout.edges[-1]
    e, f = layout.nodes["e"], layout.nodes["f"]
    assert flat.points[0][1] == e.y and flat.points[-1][1] == f.y - 1
    assert min(y for _, y in flat.points) < min(e.y, f.y) - 1  # over the top, in a track
    assert rasterize(layout, graph["labels"]).rows[f.y - 1][flat.points[-1][0]][0] == "▼"


def test_dot_chain_goes_down_and_diamond_spreads() -> None:
    _, layout = from_fixture("chain_diamond_tb")
    n = layout.nodes
    assert n["a"].bottom < n["b"].y and n["b"].bottom < n["c"].y
    assert n["d"].bottom < n["e"].y and n["e"].y == n["f"].y and n["f"].bottom < n["g"].y
    assert n["e"].right < n["f"].x or n["f"].right < n["e"].x


def test_dot_network_clusters_and_rankdir() -> None:
    _, tb = from_fixture("network_tb")
    _, lr = from_fixture("network_lr")
    assert tb.rankdir == "TB" and lr.rankdir == "LR"
    assert tb.nodes["loss/Mean"].y > tb.nodes["x"].bottom
    assert lr.nodes["loss/Mean"].x > lr.nodes["x"].right
    d1, d2 = tb.clusters["dense_1"], tb.clusters["dense_2"]
    assert not d1.overlaps(d2)
    canvas = rasterize(tb, network()["labels"])
    top = canvas.text()[d1.y]
    assert "dense_1" in top
    x = top.index("dense_1")
    assert canvas.rows[d1.y][x][1] == "cluster-title:dense_1"
    assert "▼" in str(canvas) and "►" in str(rasterize(lr))


def test_rankdir_is_read_from_the_json() -> None:
    graph, _, data = load_fixture("network_lr")
    layout = layout_from_dot_json(json.dumps(data), as_input(graph))
    assert layout.rankdir == "LR"


def test_dot_fixture_is_deterministic() -> None:
    graph, first = from_fixture("network_tb")
    _, second = from_fixture("network_tb")
    assert first == second
    assert rasterize(first, graph["labels"]).rows == rasterize(second, graph["labels"]).rows


def test_missing_node_in_json_is_a_clear_error() -> None:
    graph, _, data = load_fixture("chain_diamond_tb")
    extra = [*graph["nodes"], LayoutNode("zzz", 5, 3)]
    with pytest.raises(ValueError, match="no node 'zzz'"):
        layout_from_dot_json(data, LayoutInput(extra, graph["edges"], rankdir="TB"))


# ---- fallback layered layout --------------------------------------------------------------


@pytest.mark.parametrize("name", ACYCLIC)
def test_layered_invariants(name: str) -> None:
    make, rankdir = FIXTURES[name]
    graph = make()
    layout = layout_layered(as_input(graph, rankdir))
    assert layout.engine == "layered"
    check_layout(layout, graph)
    check_canvas(rasterize(layout, graph["labels"]), layout, graph["labels"])
    assert layout == layout_layered(as_input(graph, rankdir))


def test_layered_cyclic() -> None:
    graph = cyclic()
    layout = layout_layered(LayoutInput(graph["nodes"], graph["edges"], rankdir="TB"))
    check_layout(layout, graph, acyclic=False)
    check_canvas(rasterize(layout, graph["labels"]), layout, graph["labels"])
    # the edge that closes the cycle runs upward: it leaves the top of c, enters the bottom of a
    back = next(r for r in layout.edges if (r.tail, r.head) == ("c", "a"))
    assert back.points[0][1] == layout.nodes["c"].y
    assert back.points[-1][1] == layout.nodes["a"].bottom + 1


def test_layered_chain_diamond_shape() -> None:
    graph = chain_diamond()
    layout = layout_layered(LayoutInput(graph["nodes"], graph["edges"]))
    n = layout.nodes
    assert n["a"].bottom < n["b"].y < n["c"].y
    assert n["e"].y <= n["f"].bottom and n["f"].y <= n["e"].bottom  # e and f share a rank
    text = rasterize(layout, graph["labels"]).text()
    assert sum(row.count("▼") for row in text) == len(graph["edges"])


def test_layered_nested_clusters_and_lr() -> None:
    graph = network()
    graph["clusters"] = {
        "model": [k for k in graph["labels"] if k.startswith("dense")],
        **graph["clusters"],
    }
    for rankdir in ("TB", "LR"):
        layout = layout_layered(as_input(graph, rankdir))
        check_layout(layout, graph)
        assert layout.clusters["model"].encloses(layout.clusters["dense_1"])


def test_layered_random_dag_300() -> None:
    graph = random_dag()
    layout = layout_layered(as_input(graph))
    check_layout(layout, graph)
    canvas = rasterize(layout)
    assert canvas.height == layout.height and canvas.width == layout.width
    assert layout == layout_layered(as_input(graph))


def test_layered_isolated_and_empty() -> None:
    nodes = [LayoutNode("solo", 6, 3), LayoutNode("other", 7, 4)]
    layout = layout_layered(LayoutInput(nodes, []))
    check_layout(layout, {"nodes": nodes, "edges": [], "clusters": {}})
    empty = layout_layered(LayoutInput([], []))
    assert (empty.width, empty.height, dict(empty.nodes)) == (0, 0, {})
    assert rasterize(empty).text() == []


# ---- DOT text, keys, errors ---------------------------------------------------------------


def test_dot_source_sizes_clusters_and_quoting() -> None:
    nodes = [LayoutNode('say "hi"', 10, 3), LayoutNode("b\\c", 7, 4), LayoutNode("d", 5, 3)]
    graph = LayoutInput(nodes, [('say "hi"', "b\\c")], {"outer": ['say "hi"', "b\\c"], "inner": ["b\\c"]})
    src = dot_source(graph)
    assert '"say \\"hi\\"" [width=1, height=0.6];' in src
    assert '"b\\\\c" [width=0.7, height=0.8];' in src
    assert '"say \\"hi\\"" -> "b\\\\c";' in src
    outer, inner = src.index('subgraph "cluster_outer"'), src.index('subgraph "cluster_inner"')
    assert outer < inner < src.index("}", inner) < src.rindex("}")
    assert "rankdir=TB" in src and "rankdir=LR" in dot_source(LayoutInput(nodes, [], rankdir="lr"))
    assert src == dot_source(graph)


def test_layout_key_is_stable_and_structural() -> None:
    graph = network()
    key = layout_key(as_input(graph))
    assert key == layout_key(LayoutInput(iter(graph["nodes"]), iter(graph["edges"]), dict(graph["clusters"])))
    assert key == layout_key(as_input(graph, "TB"))
    assert len(key) == 32 and int(key, 16) >= 0
    bigger = [LayoutNode(n.id, n.width + (n.id == "x"), n.height) for n in graph["nodes"]]
    assert key != layout_key(LayoutInput(bigger, graph["edges"], graph["clusters"]))
    assert key != layout_key(LayoutInput(graph["nodes"], graph["edges"][:-1], graph["clusters"]))
    assert key != layout_key(as_input(graph, "LR"))


@pytest.mark.parametrize(
    ("nodes", "edges", "clusters", "rankdir", "message"),
    [
        ([LayoutNode("a", 5, 3), LayoutNode("a", 5, 3)], [], None, "TB", "duplicate node id"),
        ([LayoutNode("a", 5, 3)], [("a", "b")], None, "TB", "unknown node"),
        ([LayoutNode("a", 2, 3)], [], None, "TB", "at least 3x3"),
        ([LayoutNode("a", 5, 3)], [], {"c": ["zz"]}, "TB", "unknown node 'zz'"),
        ([LayoutNode("a", 5, 3)], [], None, "BT", "rankdir"),
        (
            [LayoutNode("a", 5, 3), LayoutNode("b", 5, 3), LayoutNode("c", 5, 3)],
            [],
            {"p": ["a", "b"], "q": ["b", "c"]},
            "TB",
            "must nest",
        ),
    ],
)
def test_bad_input_is_rejected(nodes, edges, clusters, rankdir, message) -> None:
    with pytest.raises(ValueError, match=message):
        layout_layered(LayoutInput(nodes, edges, clusters, rankdir))


def test_missing_dot_raises_layout_unavailable() -> None:
    nodes = [LayoutNode("a", 5, 3)]
    with pytest.raises(LayoutUnavailable, match="not found"):
        layout_with_dot(LayoutInput(nodes, []), executable="no-such-dot-program-here")
    assert issubclass(LayoutUnavailable, RuntimeError)


# ---- rasterizing --------------------------------------------------------------------------


def test_rasterize_small_picture_exactly() -> None:
    """A two-node chain drawn by hand: box, port, line, arrowhead."""
    layout = TerminalLayout(
        width=5,
        height=7,
        rankdir="TB",
        engine="layered",
        nodes={"a": Box(0, 0, 5, 3), "b": Box(0, 4, 5, 3)},
        edges=(EdgeRoute("a", "b", ((2, 2), (2, 3))),),
        clusters={},
    )
    canvas = rasterize(layout)
    assert canvas.text() == ["┌───┐", "│ a │", "└─┬─┘", "  ▼  ", "┌───┐", "│ b │", "└───┘"]
    assert canvas.rows[3][2] == ("▼", "edge:a->b")
    assert canvas.rows[2][2] == ("┬", "edge:a->b")
    assert canvas.runs(1) == [("│", "node:a"), (" a ", "label:a"), ("│", "node:a")]
    assert canvas.runs(3) == [("  ", ""), ("▼", "edge:a->b"), ("  ", "")]


def test_rasterize_cuts_long_labels_and_emphasis_wins_shared_cells() -> None:
    graph = chain_diamond()
    layout = layout_layered(LayoutInput(graph["nodes"], graph["edges"]))
    labels = {**graph["labels"], "a": ["a label far too long for its box"]}
    text = "\n".join(rasterize(layout, labels).text())
    assert "…" in text and "far too long for its box" not in text
    graph = random_dag(60, seed=3)
    layout = layout_layered(LayoutInput(graph["nodes"], graph["edges"]))
    shared: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for r in layout.edges:
        for cell in r.cells()[1:-1]:
            shared.setdefault(cell, []).append((r.tail, r.head))
    cell, owners = next((c, o) for c, o in shared.items() if len(o) > 1)
    for owner in owners:
        canvas = rasterize(layout, emphasis=[owner])
        assert canvas.rows[cell[1]][cell[0]][1] == edge_style(*owner)


# ---- dot end to end -----------------------------------------------------------------------


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz dot is not installed")
@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_layout_with_dot_end_to_end(name: str) -> None:
    make, rankdir = FIXTURES[name]
    graph = make()
    layout = layout_with_dot(as_input(graph, rankdir))
    assert layout.engine == "dot"
    check_layout(layout, graph, acyclic=name in ACYCLIC)
    check_canvas(rasterize(layout, graph["labels"]), layout, graph["labels"])


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz dot is not installed")
def test_layout_with_dot_odd_ids_and_random_dag() -> None:
    ids = ['quote"d', "back\\slash", "space d", "ünïcødé", "x->y", "{brace}"]
    nodes = [LayoutNode.for_label(i, [i]) for i in ids]
    edges = list(itertools.pairwise(ids))
    graph = {"nodes": nodes, "edges": edges, "clusters": {'odd "one"': ids[:3]}}
    layout = layout_with_dot(as_input(graph))
    check_layout(layout, graph)
    graph = random_dag(120, seed=5)
    layout = layout_auto(LayoutInput(iter(graph["nodes"]), iter(graph["edges"]), graph["clusters"]))
    assert layout.engine == "dot"
    check_layout(layout, graph)


def regenerate_fixtures() -> None:
    """Run dot once per fixture graph and store its JSON (needs Graphviz)."""
    import subprocess

    DATA.mkdir(parents=True, exist_ok=True)
    for name, (make, rankdir) in FIXTURES.items():
        graph = make()
        src = dot_source(as_input(graph, rankdir))
        out = subprocess.run(["dot", "-Tjson"], input=src.encode(), capture_output=True, check=True)
        (DATA / f"{name}.json").write_bytes(out.stdout)
        print(f"wrote {name}.json ({len(out.stdout)} bytes)")


if __name__ == "__main__":
    regenerate_fixtures()
