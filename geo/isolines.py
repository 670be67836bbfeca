"""Where a gridded field reaches a level: marching squares on a rectilinear grid.

A conditioned intensity map (``geo/shakemap.py``) is no longer a function of distance alone, so
its contours are drawn from gridded values. :func:`regions_at_or_above` returns the region where
the field is at or above a level as polygons (an outer ring and its holes), with vertices
interpolated linearly along the grid's edges.

Rings are oriented with the region on their left: outer rings run counter-clockwise, holes
clockwise (x east, y north). The grid is padded with a border below every level, so each ring
closes: a region that reaches the border is cut along it. A saddle cell (two opposite corners
inside) is resolved by the mean of its four corners, the usual choice, which keeps rings from
crossing.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

#: A ring: an (n, 2) array of (x, y), not repeating its first point.
Ring = np.ndarray
#: A polygon: its outer ring and its holes.
Region = tuple[Ring, list[Ring]]

# Cell corners counter-clockwise: 0 (i, j), 1 (i, j+1), 2 (i+1, j+1), 3 (i+1, j); edge k runs
# from corner k to corner k+1. A segment starts on an edge the boundary leaves the region by
# (corner k inside, k+1 outside) and ends on the next edge it enters by, region on the left.


def _segments(case: int, connected: bool) -> list[tuple[int, int]]:
    """(from edge, to edge) pairs of one cell whose corners inside the region are ``case``'s
    bits; ``connected``: a saddle's two inside corners are joined through the centre."""
    inside = [(case >> k) & 1 for k in range(4)]
    leaving = [k for k in range(4) if inside[k] and not inside[(k + 1) % 4]]
    entering = [k for k in range(4) if not inside[k] and inside[(k + 1) % 4]]
    if len(leaving) == 1:
        return [(leaving[0], entering[0])]
    return [(k, (k + 1) % 4 if connected else (k - 1) % 4) for k in leaving]


def _table() -> np.ndarray:
    """Segments per (case * 2 + connected): up to two (from edge, to edge) pairs, -1 if none."""
    table = np.full((32, 2, 2), -1, dtype=np.int64)
    for case in range(1, 15):
        for connected in (0, 1):
            for n, pair in enumerate(_segments(case, bool(connected))):
                table[case * 2 + connected, n] = pair
    return table


_TABLE = _table()


#: Per edge k of a cell: (row offset, column offset, vertical?) of the edge's first point.
_EDGE = np.array([(0, 0, 0), (0, 1, 1), (1, 0, 0), (0, 0, 1)], dtype=np.int64)


def _edge_ids(i: np.ndarray, j: np.ndarray, edge: np.ndarray, width: int) -> np.ndarray:
    """Global ids of edges ``edge`` of cells (i, j): even for horizontal edges (a point and its
    right neighbour), odd for vertical ones (a point and the one above it)."""
    di, dj, vertical = _EDGE[edge].T
    result: np.ndarray = 2 * ((i + di) * width + (j + dj)) + vertical
    return result


def _crossings(
    ids: np.ndarray, x: np.ndarray, y: np.ndarray, z: np.ndarray, level: float
) -> np.ndarray:
    """Where ``level`` crosses each edge, linearly interpolated: an (n, 2) array."""
    width = z.shape[1]
    vertical = ids % 2 == 1
    point = ids // 2
    i, j = point // width, point % width
    i2, j2 = i + vertical, j + ~vertical
    z1, z2 = z[i, j], z[i2, j2]
    t = (level - z1) / (z2 - z1)  # z1, z2 lie on either side of level: never 0 / 0
    return np.column_stack((x[j] + t * (x[j2] - x[j]), y[i] + t * (y[i2] - y[i])))


def _links(z: np.ndarray, level: float) -> dict[int, int]:
    """Every boundary segment of the padded grid, as edge id -> next edge id."""
    inside = z >= level
    case = (
        inside[:-1, :-1].astype(np.int64)
        | inside[:-1, 1:] << 1
        | inside[1:, 1:] << 2
        | inside[1:, :-1] << 3
    )
    i, j = np.nonzero((case > 0) & (case < 15))  # cells the boundary crosses
    centre = (z[i, j] + z[i, j + 1] + z[i + 1, j + 1] + z[i + 1, j]) / 4.0 >= level
    pairs = _TABLE[case[i, j] * 2 + centre]
    width = z.shape[1]
    starts, ends = [], []
    for n in (0, 1):  # the second pair exists in saddle cells only
        has = pairs[:, n, 0] >= 0
        ii, jj, p = i[has], j[has], pairs[has, n]
        starts.append(_edge_ids(ii, jj, p[:, 0], width))
        ends.append(_edge_ids(ii, jj, p[:, 1], width))
    return dict(zip(np.concatenate(starts).tolist(), np.concatenate(ends).tolist(), strict=True))


def _rings(links: dict[int, int]) -> list[list[int]]:
    """Follow the links into closed rings of edge ids."""
    rings = []
    while links:
        start, edge = links.popitem()
        ring = [start]
        while edge != start:
            ring.append(edge)
            edge = links.pop(edge)
        rings.append(ring)
    return rings


def signed_area(ring: Ring) -> float:
    """Shoelace area: positive for a counter-clockwise ring."""
    x, y = ring[:, 0], ring[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0


def contains(ring: Ring, point: ArrayLike) -> bool:
    """Even-odd test: is ``point`` inside ``ring``?"""
    px, py = np.asarray(point, dtype=float)
    x, y = ring[:, 0], ring[:, 1]
    x2, y2 = np.roll(x, -1), np.roll(y, -1)
    straddles = (y > py) != (y2 > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        cross_x = x + (py - y) * (x2 - x) / (y2 - y)
    return bool(np.count_nonzero(straddles & (px < cross_x)) % 2)


def _padded(
    x: ArrayLike, y: ArrayLike, z: ArrayLike, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The grid with a border below ``level`` on zero-width cells (rings close on the edge)."""
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    zs = np.asarray(z, dtype=float)
    if zs.shape != (ys.size, xs.size) or min(zs.shape) < 2:
        raise ValueError(f"z must be (len(y), len(x)) with both >= 2, got {zs.shape}")
    if np.any(np.diff(xs) <= 0) or np.any(np.diff(ys) <= 0):
        raise ValueError("x and y must increase strictly")
    low = min(float(np.nanmin(zs)), level) - 1.0
    padded = np.pad(np.nan_to_num(zs, nan=low), 1, constant_values=low)
    return np.pad(xs, 1, mode="edge"), np.pad(ys, 1, mode="edge"), padded


def regions_at_or_above(x: ArrayLike, y: ArrayLike, z: ArrayLike, level: float) -> list[Region]:
    """The polygons where the gridded field ``z`` is at or above ``level``.

    Args:
        x: the grid's column coordinates, strictly increasing (n).
        y: its row coordinates, strictly increasing (m).
        z: values, shape (m, n); NaN counts as below every level.
        level: the threshold.

    Returns:
        (outer ring, holes) per polygon; empty when no value reaches ``level``.
    """
    xs, ys, zs = _padded(x, y, z, level)
    rings = []
    for ids in _rings(_links(zs, level)):
        ring = _crossings(np.array(ids), xs, ys, zs, level)
        keep = np.any(ring != np.roll(ring, 1, axis=0), axis=1)  # the border repeats points
        ring = ring[keep]
        if len(ring) >= 3 and signed_area(ring) != 0.0:
            rings.append(ring)
    shells = sorted((r for r in rings if signed_area(r) > 0), key=signed_area)
    regions: list[Region] = [(shell, []) for shell in shells]
    for hole in (r for r in rings if signed_area(r) < 0):
        # Holes nest in the smallest outer ring around them (rings never cross).
        owner = next((reg for reg in regions if contains(reg[0], hole[0])), None)
        if owner is not None:
            owner[1].append(hole)
    return regions
