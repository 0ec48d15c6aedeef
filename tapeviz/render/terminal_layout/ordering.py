"""Ordering the items of each rank: barycentre sweeps that keep clusters contiguous.

The ordering with the fewest edge crossings between neighbouring ranks wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .layered import LayeredItems

ORDER_ITERATIONS = 10


def order_ranks(lg: LayeredItems) -> None:
    """Barycentre sweeps down and up; keep the ordering with the fewest crossings."""
    n = len(lg.g.ids)
    initial = [it if it < n else n + it for it in range(len(lg.size))]
    for r in range(lg.n_ranks):
        lg.rank_items[r].sort(key=lambda it: initial[it])
        _set_positions(lg, r)
    if lg.g.cluster_names:  # group every rank by cluster before anything is compared
        gkey = _cluster_keys(lg)
        for r in range(lg.n_ranks):
            keys = {it: float(lg.pos[it]) for it in lg.rank_items[r]}
            lg.rank_items[r] = _cluster_sort(lg, lg.rank_items[r], keys, gkey, 0)
            _set_positions(lg, r)
    # Sweeps cover every rank (an end rank keeps its keys) so that all ranks are sorted
    # with the same cluster order, which keeps sibling clusters in one order everywhere.
    _sweep(lg, range(lg.n_ranks), lg.up)
    best = [list(items) for items in lg.rank_items]
    best_cross = _crossings(lg)
    for _ in range(ORDER_ITERATIONS):
        if best_cross == 0:
            break
        _sweep(lg, range(lg.n_ranks - 1, -1, -1), lg.down)
        _sweep(lg, range(lg.n_ranks), lg.up)
        cross = _crossings(lg)
        if cross < best_cross:
            best_cross = cross
            best = [list(items) for items in lg.rank_items]
    lg.rank_items = best
    for r in range(lg.n_ranks):
        _set_positions(lg, r)


def _set_positions(lg: LayeredItems, r: int) -> None:
    """Record each item's index within rank ``r``."""
    for k, it in enumerate(lg.rank_items[r]):
        lg.pos[it] = k


def _sweep(
    lg: LayeredItems, ranks: Iterable[int], neighbours: list[list[tuple[int, float]]]
) -> None:
    """Sort each of ``ranks`` by the weighted mean position of its items' ``neighbours``."""
    gkey = _cluster_keys(lg) if lg.g.cluster_names else []
    for r in ranks:
        keys: dict[int, float] = {}
        for it in lg.rank_items[r]:
            nbs = neighbours[it]
            if nbs:
                total = sum(w for _, w in nbs)
                keys[it] = sum(lg.pos[b] * w for b, w in nbs) / total
            else:
                keys[it] = float(lg.pos[it])
        if gkey:
            lg.rank_items[r] = _cluster_sort(lg, lg.rank_items[r], keys, gkey, 0)
        else:
            lg.rank_items[r].sort(key=lambda it: (keys[it], lg.pos[it]))
        _set_positions(lg, r)


def _cluster_keys(lg: LayeredItems) -> list[float]:
    """Each cluster's mean relative position pull; sibling clusters keep this order in all ranks."""
    sums = [0.0] * len(lg.g.cluster_names)
    counts = [0] * len(lg.g.cluster_names)
    for it, path in enumerate(lg.path):
        if not path:
            continue
        nbs = lg.up[it] + lg.down[it]
        if nbs:
            val = sum((lg.pos[b] + 0.5) / len(lg.rank_items[lg.rank[b]]) for b, _ in nbs) / len(nbs)
        else:
            val = (lg.pos[it] + 0.5) / len(lg.rank_items[lg.rank[it]])
        for c in path:
            sums[c] += val
            counts[c] += 1
    return [s / k if k else 0.0 for s, k in zip(sums, counts)]


def _cluster_sort(
    lg: LayeredItems, items: list[int], keys: Mapping[int, float], gkey: list[float], depth: int
) -> list[int]:
    """Sort by key while keeping each cluster's items contiguous (recursively)."""
    groups: dict[int, list[int]] = {}
    entries: list[tuple[float, int, int, int]] = []  # (key, tie, is_group, payload)
    for it in items:
        path = lg.path[it]
        if len(path) > depth:
            groups.setdefault(path[depth], []).append(it)
        else:
            entries.append((keys[it], lg.pos[it], 0, it))
    for c, members in groups.items():
        k = sum(keys[m] for m in members) / len(members)
        entries.append((k, min(lg.pos[m] for m in members), 1, c))
    entries.sort(key=lambda e: (e[0], e[1]))
    slots = [k for k, e in enumerate(entries) if e[2]]
    ordered = sorted((entries[k][3] for k in slots), key=lambda c: (gkey[c], c))
    out: list[int] = []
    fill = iter(ordered)
    for e in entries:
        if e[2]:
            out.extend(_cluster_sort(lg, groups[next(fill)], keys, gkey, depth + 1))
        else:
            out.append(e[3])
    return out


def _crossings(lg: LayeredItems) -> int:
    """Edge crossings between all neighbouring ranks (inversion count with a Fenwick tree)."""
    total = 0
    for r in range(lg.n_ranks - 1):
        pairs = sorted((lg.pos[a], lg.pos[b]) for a in lg.rank_items[r] for b, _ in lg.down[a])
        size = len(lg.rank_items[r + 1])
        tree = [0] * (size + 1)
        for seen, (_, pb) in enumerate(pairs):
            k, not_greater = pb + 1, 0
            while k > 0:
                not_greater += tree[k]
                k -= k & -k
            total += seen - not_greater
            k = pb + 1
            while k <= size:
                tree[k] += 1
                k += k & -k
    return total


# ---- placement ------------------------------------------------------------------------
