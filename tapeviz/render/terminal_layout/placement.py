"""Placing the ordered items along each rank: balanced toward neighbours, then made legal.

Balancing is isotonic regression per rank (pool adjacent violators); legalising pushes items
right as little as needed so gaps and cluster frames hold.
"""

from __future__ import annotations

import itertools
from collections import defaultdict, deque
from typing import TYPE_CHECKING

from .graph import round_half_up

if TYPE_CHECKING:
    from .layered import LayeredItems

PLACE_ITERATIONS = 6


def _separation(lg: LayeredItems, a: int, b: int) -> tuple[int, list[int], list[int]]:
    """Blank cells needed between neighbours ``a`` < ``b``, and the frames between them."""
    pa, pb = lg.path[a], lg.path[b]
    common = 0
    while common < min(len(pa), len(pb)) and pa[common] == pb[common]:
        common += 1
    closing = list(reversed(pa[common:]))  # innermost first
    opening = list(pb[common:])  # outermost first
    if closing or opening or lg.is_node[a] and lg.is_node[b]:
        gap = lg.sp.node_gap
    else:
        gap = lg.sp.virtual_gap
    sep = gap + (1 + lg.sp.cluster_margin) * (len(closing) + len(opening))
    return sep, closing, opening


def place_items(lg: LayeredItems) -> tuple[list[int], list[list[int]], dict[int, tuple[int, int]]]:
    """Positions along ranks: balanced per rank (isotonic regression), then made legal."""
    n_items = len(lg.size)
    x = [0.0] * n_items  # centres
    seps: list[list[int]] = []
    for items in lg.rank_items:
        row_seps = [_separation(lg, a, b)[0] for a, b in itertools.pairwise(items)]
        seps.append(row_seps)
        cursor = 0.0
        for k, it in enumerate(items):
            x[it] = cursor + lg.size[it] / 2
            cursor += lg.size[it] + (row_seps[k] if k < len(row_seps) else 0)
    for _ in range(PLACE_ITERATIONS):
        for r in range(1, lg.n_ranks):
            _balance(lg, r, x, seps[r], lg.up)
        for r in range(lg.n_ranks - 2, -1, -1):
            _balance(lg, r, x, seps[r], lg.down)
    both = [u + d for u, d in zip(lg.up, lg.down)]
    for r in range(lg.n_ranks):
        _balance(lg, r, x, seps[r], both)
    left = [round_half_up(x[it] - lg.size[it] / 2) for it in range(n_items)]
    left = _legalize(lg, left)
    shift = min(left)
    left = [v - shift for v in left]

    cluster_u: dict[int, tuple[int, int]] = {}
    m = lg.sp.cluster_margin
    direct: dict[int, list[int]] = defaultdict(list)
    for it, c in enumerate(lg.cluster):
        if c is not None:
            direct[c].append(it)
    for c in lg.g.postorder():
        los = [left[it] for it in direct[c]] + [cluster_u[k][0] for k in lg.g.cluster_children[c]]
        his = [left[it] + lg.size[it] - 1 for it in direct[c]] + [
            cluster_u[k][1] for k in lg.g.cluster_children[c]
        ]
        cluster_u[c] = (min(los) - 1 - m, max(his) + 1 + m)
    n = len(lg.g.ids)
    waypoints = [[left[v] for v in chain] for chain in lg.chains]
    return left[:n], waypoints, cluster_u


def _balance(
    lg: LayeredItems,
    r: int,
    x: list[float],
    seps: list[int],
    neighbours: list[list[tuple[int, float]]],
) -> None:
    """Move rank ``r`` toward its neighbours' barycentres, keeping order and gaps (PAVA)."""
    items = lg.rank_items[r]
    if not items:
        return
    offsets = [0.0]
    for k in range(len(items) - 1):
        a, b = items[k], items[k + 1]
        offsets.append(offsets[-1] + lg.size[a] / 2 + seps[k] + lg.size[b] / 2)
    blocks: list[list[float]] = []  # [weighted sum, weight, count]
    for k, it in enumerate(items):
        nbs = neighbours[it]
        if nbs:
            w = sum(wt for _, wt in nbs)
            target = sum(x[b] * wt for b, wt in nbs) / w
        else:
            w, target = 0.01, x[it]
        blocks.append([(target - offsets[k]) * w, w, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, wt, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += wt
            blocks[-1][2] += c
    k = 0
    for s, wt, c in blocks:
        z = s / wt
        for _ in range(c):
            x[items[k]] = z + offsets[k]
            k += 1


def _legalize(lg: LayeredItems, left: list[int]) -> list[int]:
    """Push items right as little as needed so gaps and cluster frames all hold."""
    n_items = len(lg.size)
    n_cl = len(lg.g.cluster_names)
    m = lg.sp.cluster_margin
    n_vars = n_items + 2 * n_cl  # cluster c: left frame n_items + 2c, right frame + 1
    succ: list[list[tuple[int, int]]] = [[] for _ in range(n_vars)]

    def need(a: int, b: int, d: int) -> None:  # value[b] >= value[a] + d
        succ[a].append((b, d))

    for items in lg.rank_items:
        for a, b in itertools.pairwise(items):
            sep, closing, opening = _separation(lg, a, b)
            if not closing and not opening:
                need(a, b, lg.size[a] + sep)
                continue
            prev, d = a, lg.size[a] + m
            for c in closing:
                need(prev, n_items + 2 * c + 1, d)
                prev, d = n_items + 2 * c + 1, 1 + m
            d = (1 + lg.sp.node_gap) if closing else (lg.size[a] + lg.sp.node_gap)
            for c in opening:
                need(prev, n_items + 2 * c, d)
                prev, d = n_items + 2 * c, 1 + m
            need(prev, b, d)
    for it, c in enumerate(lg.cluster):
        if c is not None:
            need(n_items + 2 * c, it, 1 + m)
            need(it, n_items + 2 * c + 1, lg.size[it] + m)
    for c, parent in enumerate(lg.g.cluster_parent):
        if parent is not None:
            need(n_items + 2 * parent, n_items + 2 * c, 1 + m)
            need(n_items + 2 * c + 1, n_items + 2 * parent + 1, 1 + m)

    low = -(10**9)
    value = list(left) + [low] * (2 * n_cl)
    indeg = [0] * n_vars
    for outs in succ:
        for b, _ in outs:
            indeg[b] += 1
    queue = deque(v for v in range(n_vars) if indeg[v] == 0)
    done = 0
    while queue:
        a = queue.popleft()
        done += 1
        for b, d in succ[a]:
            value[b] = max(value[b], value[a] + d)
            indeg[b] -= 1
            if indeg[b] == 0:
                queue.append(b)
    if done == n_vars:
        return value[:n_items]
    # Cyclic frame constraints should not happen; keep at least the boxes apart.
    out = list(left)
    for items in lg.rank_items:
        for a, b in itertools.pairwise(items):
            out[b] = max(out[b], out[a] + lg.size[a] + _separation(lg, a, b)[0])
    return out
