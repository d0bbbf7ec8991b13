"""Seeded, deterministic generators of SYNTHETIC data for the default run and the benchmarks.

Nothing here is an observation. Every generated price row says ``synthetic`` in its ``source`` column,
and reports built on it show a banner. The generator is calibrated to cited public figures, read from
``data/reference/`` at run time (not copied into code):

* the national Botox per-unit price: the median of the midpoints of the national per-unit ranges in
  ``price_benchmarks.csv``; the spread: those ranges read as P10–P90 of a log-normal;
* regional variation: a ``region_scope`` in ``price_benchmarks.csv`` that names a Census region
  (e.g. Midwest) or a state scales those states by (its midpoint / the national midpoint) — the only
  regional effects; all other states get the national level;
* other products: their own cited per-unit ranges relative to Botox's (:func:`product_price_ratios`),
  falling back to ``toxin_unit_conversions.csv``; units per area from ``units_per_area.csv``;
* Botox's share of quotes: ``botox_market_share`` in ``published_statistics.csv`` when present.

The remaining mixes (pricing models, provider types, the share of messy price text) are stated
assumptions in ``ASSUMPTIONS`` below, not facts; they shape the demo, and the banner says so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from analysis import reference

ASSUMPTIONS = {
    "pricing_model_mix": {"per_unit": 0.6, "per_area": 0.3, "per_session": 0.1},
    "provider_type_mix": {
        "physician": 0.35,
        "registered_nurse": 0.25,
        "nurse_practitioner": 0.2,
        "physician_assistant": 0.1,
        "dentist": 0.05,
        "unknown": 0.05,
    },
    "botox_share_if_uncited": 0.8,
    "session_units_range": (20, 60),
    "share_messy_text": 0.1,  # prices written as people write them: "$12/unit", "from $199", ranges
    "share_unpriced": 0.01,  # "call for price": exercises the rejects path
    "observed_from": "2025-01-01",
    "observed_days": 640,
}
SOURCE_LABEL = "synthetic (botox-market sample generator, seed {seed}; not an observation)"
_Z90 = 1.2815515655446004  # standard normal quantile of 0.90


def _mid() -> pl.Expr:
    return (pl.col("price_low_usd") + pl.col("price_high_usd")) / 2


def calibration() -> dict[str, object]:
    """The cited figures the generator uses, derived from the reference tables (see module docstring)."""
    bench = reference.price_benchmarks()
    botox_unit = bench.filter((pl.col("product") == "botox_cosmetic") & (pl.col("pricing_model") == "per_unit"))
    national = botox_unit.filter(pl.col("region_scope") == "national").drop_nulls(["price_low_usd", "price_high_usd"])
    if national.is_empty():
        raise ValueError("price_benchmarks.csv has no national per-unit Botox range to calibrate the sample")
    national_mid = float(national.select(_mid()).to_series().median())
    sigma = float(
        national.select(((pl.col("price_high_usd") / pl.col("price_low_usd")).log() / (2 * _Z90)).median()).item()
    )
    states = reference.states()
    scopes = set(states["region"].to_list()) | set(states["name"].to_list())
    level_factor: dict[str, float] = {}
    for row in botox_unit.filter(pl.col("region_scope").is_in(sorted(scopes))).iter_rows(named=True):
        level_factor[row["region_scope"]] = ((row["price_low_usd"] + row["price_high_usd"]) / 2) / national_mid
    stats = reference.published_statistics()
    botox_share = ASSUMPTIONS["botox_share_if_uncited"]
    if stats is not None:
        share = stats.filter(pl.col("statistic").str.contains("botox_market_share"))
        if share.height:
            botox_share = float(share["value"][0]) / 100
    return {
        "national_botox_per_unit_usd": national_mid,
        "log_sigma": sigma,
        "level_factor": level_factor,
        "product_price_ratio": product_price_ratios(bench),
        "botox_share": botox_share,
    }


def product_price_ratios(bench: pl.DataFrame) -> dict[str, float]:
    """Each product's price per own unit relative to Botox's, from the cited ranges.

    National ranges first; else the median ratio over places quoted for both products (e.g. Daxxify vs
    Botox in the same city); else the unit conversion factor (same price per Botox-equivalent unit).
    """
    per_unit = bench.filter(pl.col("pricing_model") == "per_unit").drop_nulls(["price_low_usd", "price_high_usd"])
    mids = per_unit.group_by("product", "region_scope").agg(_mid().median().alias("mid"))
    botox = mids.filter(pl.col("product") == "botox_cosmetic").select("region_scope", pl.col("mid").alias("botox_mid"))
    ratios = (
        mids.filter(pl.col("product") != "botox_cosmetic")
        .join(botox, on="region_scope", how="inner")
        .with_columns(
            (pl.col("mid") / pl.col("botox_mid")).alias("ratio"),
            (pl.col("region_scope") == "national").alias("national"),
        )
        .sort("national", descending=True)
        .group_by("product", maintain_order=True)
        .agg(pl.col("ratio").filter(pl.col("national")).median().fill_null(pl.col("ratio").median()).alias("ratio"))
    )
    factors = reference.unit_conversions().drop_nulls("botox_units_per_product_unit_mid")
    result = dict(zip(factors["product"].to_list(), factors["botox_units_per_product_unit_mid"].to_list(), strict=True))
    result.update(dict(zip(ratios["product"].to_list(), ratios["ratio"].to_list(), strict=True)))
    result["botox_cosmetic"] = 1.0
    return result


def _choice(rng: np.random.Generator, mix: dict[str, float], n: int) -> np.ndarray:
    keys = list(mix)
    p = np.array([mix[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def synthetic_prices(rows: int, *, seed: int = 20261126) -> pl.DataFrame:
    """``rows`` synthetic price observations in the prices schema, same seed → same rows.

    Vectorised with numpy, so 10 million rows take seconds, not minutes. One function because each
    column's draw depends on the ones before it (state → price level, product → unit ratio, model → units)
    in one seeded stream: the order of the draws is what makes the same seed give the same rows.
    """
    if rows < 1:
        raise ValueError("rows must be at least 1")
    cal = calibration()
    rng = np.random.default_rng(seed)
    states = reference.states()
    weights = states["population_2020"].to_numpy().astype(float)
    state_idx = rng.choice(states.height, size=rows, p=weights / weights.sum())
    state = states["state"].to_numpy()[state_idx]
    # a state-level cited range wins over its region's; everywhere else is at the national level
    level_by_state = [
        cal["level_factor"].get(n, cal["level_factor"].get(r, 1.0))
        for n, r in states.select("name", "region").iter_rows()
    ]
    level = np.array(level_by_state)[state_idx]

    conv = reference.unit_conversions().drop_nulls("botox_units_per_product_unit_mid")
    products = [p for p in conv["product"].to_list() if p != "botox_cosmetic"]
    other_share = (1 - cal["botox_share"]) / max(len(products), 1)
    product = _choice(rng, {"botox_cosmetic": cal["botox_share"], **dict.fromkeys(products, other_share)}, rows)
    factor_of = dict(zip(conv["product"].to_list(), conv["botox_units_per_product_unit_mid"].to_list(), strict=True))
    factor = np.vectorize(factor_of.get, otypes=[float])(product)
    ratio = np.vectorize(cal["product_price_ratio"].get, otypes=[float])(product)

    botox_eq_unit = cal["national_botox_per_unit_usd"] * level * np.exp(rng.normal(0.0, cal["log_sigma"], rows))
    model = _choice(rng, ASSUMPTIONS["pricing_model_mix"], rows)

    areas = reference.units_per_area().filter(pl.col("default"))
    area_idx = rng.integers(0, areas.height, size=rows)
    area = areas["area"].to_numpy()[area_idx]
    area_units = areas["units_typical"].to_numpy()[area_idx]
    lo, hi = ASSUMPTIONS["session_units_range"]
    session_units = rng.integers(lo, hi + 1, size=rows).astype(float)

    per_unit_price = np.round(botox_eq_unit * ratio, 2)  # in the product's own units
    area_price = np.round(botox_eq_unit * area_units / 5) * 5
    session_price = np.round(botox_eq_unit * session_units / 5) * 5
    price = np.select([model == "per_unit", model == "per_area"], [per_unit_price, area_price], session_price)
    units = np.where(model == "per_session", session_units / factor, np.nan)  # product units in the session
    units = np.round(units)

    text = _price_text(rng, price, model)
    observed = np.datetime64(ASSUMPTIONS["observed_from"]) + rng.integers(0, ASSUMPTIONS["observed_days"], rows).astype(
        "timedelta64[D]"
    )
    frame = pl.DataFrame(
        {
            "source": SOURCE_LABEL.format(seed=seed),
            "observed_date": observed,
            "clinic": pl.Series(np.char.add("Synthetic clinic ", (np.arange(rows) % 997 + 1).astype(str))),
            "state": state,
            "city": None,
            # "unknown" is written as a blank cell, as real price lists leave it
            "provider_type": pl.Series(
                _choice(rng, ASSUMPTIONS["provider_type_mix"], rows).tolist(), dtype=pl.String
            ).replace("unknown", None),
            "product": product,
            "pricing_model": model,
            "price_usd": text,
            "units": pl.Series(units).fill_nan(None),
            "treatment_area": pl.Series(np.where(model == "per_area", area, None).tolist(), dtype=pl.String),
        },
        schema_overrides={"city": pl.String, "observed_date": pl.Date},
    )
    return frame


def _price_text(rng: np.random.Generator, price: np.ndarray, model: np.ndarray) -> np.ndarray:
    """Prices as text: mostly plain numbers, some written the way clinics write them."""
    n = price.size
    plain = np.char.mod("%.2f", price)
    roll = rng.random(n)
    messy_share = ASSUMPTIONS["share_messy_text"]
    unpriced = roll < ASSUMPTIONS["share_unpriced"]
    messy = (~unpriced) & (roll < ASSUMPTIONS["share_unpriced"] + messy_share)
    suffix = np.where(model == "per_unit", "/unit", np.where(model == "per_area", " per area", " per session"))
    dollars = np.char.add("$", np.char.mod("%.2f", price))
    text = np.where(messy, np.char.add(dollars, suffix), plain)
    return np.where(unpriced, "call for price", text).astype(object)


SYNTHETIC_DENSITY_PER_100K = {  # assumed densities for types with no cited state table: shape only, not facts
    "physician": 300.0,
    "nurse_practitioner": 85.0,
    "licensed_practical_nurse": 200.0,
}


def synthetic_provider_counts(types: dict[str, float] | None = None, *, seed: int = 20261126) -> pl.DataFrame:
    """Synthetic provider counts per state: Poisson around population × an assumed density per 100k."""
    rng = np.random.default_rng(seed)
    densities = SYNTHETIC_DENSITY_PER_100K if types is None else types
    rows = [
        (state, ptype, int(rng.poisson(pop / 100_000 * density)))
        for state, pop in reference.states().select("state", "population_2020").iter_rows()
        for ptype, density in densities.items()
    ]
    frame = pl.DataFrame(rows, schema={"state": pl.String, "provider_type": pl.String, "count": pl.Int64}, orient="row")
    return frame.with_columns(pl.lit(SOURCE_LABEL.format(seed=seed)).alias("source"), pl.lit("2026").alias("as_of"))


def default_provider_counts(*, seed: int = 20261126) -> pl.DataFrame:
    """The shipped provider counts: published, cited counts where a state table exists (RNs, PAs,
    dentists), synthetic rows — labelled in ``source`` — for the types that have none."""
    published = reference.provider_counts_published()
    published = published.select("state", "provider_type", pl.col("count").cast(pl.Int64), "source", "as_of")
    missing = {t: d for t, d in SYNTHETIC_DENSITY_PER_100K.items() if t not in set(published["provider_type"])}
    return pl.concat([published, synthetic_provider_counts(missing, seed=seed)]).sort("state", "provider_type")


def write_frame(frame: pl.DataFrame, path: Path) -> None:
    """Write CSV or Parquet atomically (temp file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if path.suffix == ".parquet":
        frame.write_parquet(tmp)
    else:
        frame.write_csv(tmp)
    tmp.replace(path)
