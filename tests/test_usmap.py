"""The offline US map: TopoJSON decoding, the Albers USA layout, the shipped outlines and the figure."""

from __future__ import annotations

import math

import polars as pl
import pytest

from analysis import geo, reference, states
from analysis.figures.common import HIGHLIGHT_COLOR, MISSING_COLOR
from analysis.figures.usmap import us_state_map

# A two-arc topology: arc 0 goes (0,0) -> (2,0) -> (2,1) in quantised deltas, arc 1 back to the start.
TINY = {
    "type": "Topology",
    "transform": {"scale": [0.5, 2.0], "translate": [-100.0, 30.0]},
    "arcs": [[[0, 0], [2, 0], [0, 1]], [[2, 1], [-2, -1]]],
    "objects": {
        "subunits": {"type": "GeometryCollection", "geometries": [{"type": "Polygon", "id": "KS", "arcs": [[0, 1]]}]}
    },
}


def test_arcs_undo_the_delta_encoding_and_the_quantisation():
    arcs = geo.decode_arcs(TINY)
    assert arcs[0] == [(-100.0, 30.0), (-99.0, 30.0), (-99.0, 32.0)]
    assert arcs[1] == [(-99.0, 32.0), (-100.0, 30.0)]


def test_a_ring_joins_its_arcs_without_repeating_shared_points_and_reverses_negative_ones():
    arcs = geo.decode_arcs(TINY)
    assert geo.ring_points([0, 1], arcs) == [(-100.0, 30.0), (-99.0, 30.0), (-99.0, 32.0), (-100.0, 30.0)]
    # ~1 is arc 1 backwards: (-100, 30) -> (-99, 32)
    assert geo.ring_points([~1], arcs) == [(-100.0, 30.0), (-99.0, 32.0)]


def test_albers_usa_puts_its_centre_at_the_translate_point_and_north_up_east_right():
    project = geo.albers_usa()
    x, y = project("KS", -96.6, 38.7)  # d3's geoAlbers centre: (-0.6, 38.7) after the 96 degree rotation
    assert (x, y) == pytest.approx((480, 250), abs=1e-9)
    east, _ = project("ME", -69.0, 45.0)
    west, _ = project("CA", -120.0, 37.0)
    _, north = project("ND", -100.0, 47.0)
    _, south = project("TX", -100.0, 30.0)
    assert east > x > west and north < y < south  # screen units: y grows downwards


def test_alaska_and_hawaii_are_insets_below_the_west_coast():
    project = geo.albers_usa()
    ak_x, ak_y = project("AK", -150.0, 61.2)  # Anchorage
    hi_x, hi_y = project("HI", -157.9, 21.3)  # Honolulu
    sd_x, sd_y = project("CA", -117.2, 32.7)  # San Diego
    assert ak_y > sd_y and hi_y > sd_y  # both below the southern border of California
    assert ak_x < hi_x < 480


def test_state_shapes_from_a_topology_carry_source_and_as_of():
    shapes = geo.state_shapes(TINY)
    assert shapes["state"].unique().to_list() == ["KS"]
    assert shapes.height == 4 and shapes["source"].unique().to_list() == [geo.SOURCE]
    assert shapes["as_of"].unique().to_list() == [geo.AS_OF]


def test_shipped_outlines_cover_every_state_with_closed_rings():
    shapes = reference.us_state_shapes()
    assert sorted(shapes["state"].unique().to_list()) == sorted(list(states.state_codes()))
    assert shapes.select(pl.col("source").is_null().any() | pl.col("as_of").is_null().any()).item() is False
    assert all(math.isfinite(v) for v in shapes["x"].to_list() + shapes["y"].to_list())
    ends = shapes.group_by("state", "ring").agg(
        pl.col("x").first().alias("x0"),
        pl.col("x").last().alias("x1"),
        pl.col("y").first().alias("y0"),
        pl.col("y").last().alias("y1"),
    )
    assert ends.filter((pl.col("x0") != pl.col("x1")) | (pl.col("y0") != pl.col("y1"))).height == 0


def test_shipped_outlines_lie_where_the_states_are():
    centres = reference.us_state_shapes().group_by("state").agg(pl.col("x").mean(), pl.col("y").mean())
    at = {r["state"]: (r["x"], r["y"]) for r in centres.iter_rows(named=True)}
    assert at["ME"][0] > at["OH"][0] > at["CA"][0]  # east is right
    assert at["MN"][1] > at["TX"][1]  # north is up (y is north-up in the file)


def luminance(rgb: str) -> float:
    r, g, b = (int(v) for v in rgb.removeprefix("rgb(").removesuffix(")").split(","))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_map_fills_each_state_by_value_grey_without_one_and_outlines_the_highlight():
    frame = pl.DataFrame(
        {
            "state": ["TX", "CA", "NY"],
            "median": [10.0, 12.0, 14.0],
            "n": [5, 6_000, 7],
            "index": [90.0, 105.26315, 110.0],
        }
    )
    fig = us_state_map(
        frame,
        reference.us_state_shapes(),
        value="median",
        label="Median",
        title="t",
        highlight="TX",
        value_prefix="$",
        hover={"n": "observations", "index": "index"},
    )
    states = {t.name: t for t in fig.data if t.name != "scale"}
    assert len(states) == 51
    assert states["WY"].fillcolor == MISSING_COLOR and "no data" in states["WY"].text
    assert luminance(states["TX"].fillcolor) > luminance(states["CA"].fillcolor) > luminance(states["NY"].fillcolor)
    assert states["TX"].line.color == HIGHLIGHT_COLOR and fig.data[-2].name == "TX"  # drawn last, on top
    assert (
        "$12.00" in states["CA"].text
        and "observations: 6,000" in states["CA"].text
        and "index: 105.3" in states["CA"].text
    )
    scale = fig.data[-1]
    assert (scale.marker.cmin, scale.marker.cmax) == (10.0, 14.0)


def test_map_hover_text_from_data_is_escaped():
    frame = pl.DataFrame({"state": ["TX"], "median": [10.0], "note": ["<script>alert(1)</script>"]})
    fig = us_state_map(
        frame, reference.us_state_shapes(), value="median", label="<b>Median</b>", title="t", hover={"note": "note"}
    )
    text = next(t.text for t in fig.data if t.name == "TX")
    assert "<script>" not in text and "&lt;script&gt;" in text and "&lt;b&gt;Median" in text


def test_map_of_no_data_is_all_grey():
    fig = us_state_map(
        pl.DataFrame({"state": [], "median": []}, schema={"state": pl.String, "median": pl.Float64}),
        reference.us_state_shapes(),
        value="median",
        label="m",
        title="t",
    )
    assert {t.fillcolor for t in fig.data if t.name != "scale"} == {MISSING_COLOR}


def test_tile_labels_meet_wcag_aa_on_their_own_fill():
    import polars as pl
    from plotly.colors import sample_colorscale

    from analysis.figures.common import MISSING_COLOR, MISSING_TEXT_COLOR, contrast_ratio, us_tile_map

    frame = pl.DataFrame({"state": ["MA", "SD", "DC", "TX", "CA"], "v": [100.0, 75.0, 50.0, 25.0, 0.0]})
    fig = us_tile_map(frame, value="v", label="v", title="t")
    known, missing = fig.data[0], fig.data[1]
    values = list(known.marker.color)
    fills = sample_colorscale("Blues", [(v - min(values)) / (max(values) - min(values)) for v in values])
    for fill, text in zip(fills, known.textfont.color, strict=True):
        assert contrast_ratio(text, fill) >= 4.5, (text, fill)
    assert contrast_ratio(missing.textfont.color, MISSING_COLOR) >= 4.5 and missing.textfont.color == MISSING_TEXT_COLOR


def test_contrast_ratio_matches_the_wcag_reference_values():
    from analysis.figures.common import contrast_ratio

    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast_ratio("#777777", "#ffffff"), 2) == 4.48  # the classic just-fails-AA grey


def test_table_cells_link_their_urls_by_site_and_escape_everything_else():
    import polars as pl

    from analysis.figures.common import Table

    frame = pl.DataFrame(
        {"source": ["ASPS 2024 (https://www.plasticsurgery.org/stats), p. 3", "javascript:alert(1) <b>"]}
    )
    html = Table(frame)._repr_html_()
    assert html.count("<a href") == 1 and "&lt;b&gt;" in html  # javascript: stays text
    assert '<a href="https://www.plasticsurgery.org/stats">plasticsurgery.org</a>), p. 3' in html
