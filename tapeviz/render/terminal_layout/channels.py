"""Channel routing helpers: free columns where edges cross a rank, tracks for horizontal hops.

A channel is the strip of rows between two ranks; every horizontal piece of an edge runs on
one track (row) of a channel.
"""

from __future__ import annotations

import math
from collections import defaultdict

from .model import Point


def free_column(col: int, blocked: set[int], taken: set[int]) -> int:
    """The nearest column to ``col`` that is neither blocked nor taken (ties go right)."""
    if col not in blocked and col not in taken:
        return col
    d = 1
    while True:
        for cand in (col + d, col - d):
            if cand not in blocked and cand not in taken:
                return cand
        d += 1


def assign_tracks(segs: list[tuple[int, int, tuple[int, ...], tuple[int, ...]]]) -> list[int]:
    """Constrained left-edge channel routing: a track per horizontal segment.

    A segment is ``(lo, hi, top_pins, bottom_pins)``. Segments on one track never share a
    column, and a segment that drops from above into column c sits above one that leaves
    column c downward, so their vertical runs do not overlap (unless the constraints cycle).
    """
    n = len(segs)
    above: list[set[int]] = [set() for _ in range(n)]
    tops: dict[int, list[int]] = defaultdict(list)
    bottoms: dict[int, list[int]] = defaultdict(list)
    for i, (_, _, tp, bp) in enumerate(segs):
        for c in tp:
            tops[c].append(i)
        for c in bp:
            bottoms[c].append(i)
    for c, upper in tops.items():
        for j in bottoms.get(c, ()):
            for i in upper:
                if i != j:
                    above[j].add(i)
    order = sorted(range(n), key=lambda i: (segs[i][0], segs[i][1], i))
    track = [-1] * n
    left_to_place = n
    t = 0
    while left_to_place:
        last_hi = -math.inf
        placed = False
        for i in order:
            if track[i] != -1 or segs[i][0] <= last_hi:
                continue
            if all(track[p] != -1 and track[p] < t for p in above[i]):
                track[i] = t
                last_hi = segs[i][1]
                left_to_place -= 1
                placed = True
        if not placed:  # the constraints form a cycle: break it at the leftmost segment
            i = next(i for i in order if track[i] == -1)
            track[i] = t
            left_to_place -= 1
        t += 1
    return track


def simplify_polyline(points: list[Point]) -> tuple[Point, ...]:
    """Drop repeated points and the middle of straight runs."""
    out: list[Point] = []
    for p in points:
        if out and out[-1] == p:
            continue
        if len(out) >= 2:
            a, b = out[-2], out[-1]
            if (a[0] == b[0] == p[0]) or (a[1] == b[1] == p[1]):
                out[-1] = p
                continue
        out.append(p)
    return tuple(out)
