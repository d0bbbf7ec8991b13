"""Honest small samples: each state's price per Botox unit, partially pooled toward its division and the nation.

Real quotes are few: most states have 0–15. A state's raw median from 3 quotes is mostly noise, and
ranking states on it over-claims. Here each state's estimate borrows strength from its Census division,
and each division from the nation, in proportion to how little data it has (empirical Bayes, normal
model on the log price; Efron & Morris 1975, with method-of-moments variances):

1. ``y`` = log(price per Botox-equivalent unit) of each quote (regular prices only).
2. Within-state variance ``σ²``: the pooled variance of ``y`` within states (states with n ≥ 2).
3. Division level: a division's mean ``ȳ_d`` (n_d quotes) is shrunk toward the national mean ``ȳ``
   with weight ``w_d = τ_d² / (τ_d² + σ²/n_d)``. The between-division variance ``τ_d²`` is the
   DerSimonian–Laird moment estimate (DerSimonian & Laird 1986): with precisions ``p_d = n_d/σ²``,
   ``Q = Σ p_d (ȳ_d − ȳ_p)²`` around their precision-weighted mean ``ȳ_p``, ``τ² = max(0, (Q − (k − 1)) /
   (Σp − Σp²/Σp))`` for k divisions.
4. State level: ``θ_s = w_s ȳ_s + (1 − w_s) μ_d`` with ``w_s = τ_s² / (τ_s² + σ²/n_s)``, ``μ_d`` the
   division's estimate from step 3, and ``τ_s²`` the same estimate over states, each state's deviation
   taken from the precision-weighted mean of its own division (degrees of freedom: states − divisions).
5. Interval: ``θ_s ± 1.96 √V_s`` with ``V_s = w_s σ²/n_s + (1 − w_s)² V_d`` and ``V_d = w_d σ²/n_d``
   (the variance of the division estimate); it ignores the uncertainty of σ² and τ² themselves, so it is
   somewhat too narrow for the smallest states. Exponentiated, the estimate is a typical (geometric-mean)
   price in dollars.

A state without quotes gets no estimate: it is reported as having none, never given its division's.
"""

from __future__ import annotations

import math

import polars as pl

Z_95 = 1.959963984540054  # two-sided 95% normal quantile
FEW_QUOTES = 5  # below this many quotes a state's estimate leans mostly on its division (said in reports)


def _group_moments(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    return frame.group_by(key).agg(
        pl.len().alias("n"), pl.col("y").mean().alias("mean"), pl.col("y").var(ddof=1).alias("var")
    )


def dersimonian_laird(means: pl.Series, precisions: pl.Series, groups: pl.Series | None = None) -> float:
    """Between-group variance by the DerSimonian–Laird moment estimate, floored at zero.

    ``means`` of k groups with ``precisions`` (1 / sampling variance). With ``groups``, each mean deviates
    from the precision-weighted mean of its own group and the degrees of freedom drop by one per group.
    """
    frame = pl.DataFrame({"m": means, "p": precisions, "g": groups if groups is not None else [0] * len(means)})
    frame = frame.filter(pl.col("p").is_finite() & (pl.col("p") > 0))
    if frame.height < 2:
        return 0.0
    centred = frame.with_columns(((pl.col("m") * pl.col("p")).sum() / pl.col("p").sum()).over("g").alias("c"))
    q = float((centred["p"] * (centred["m"] - centred["c"]) ** 2).sum())
    per_group = centred.group_by("g").agg(pl.col("p").sum().alias("s"), (pl.col("p") ** 2).sum().alias("s2"))
    scale = float((per_group["s"] - per_group["s2"] / per_group["s"]).sum())
    df = frame.height - per_group.height
    return max(0.0, (q - df) / scale) if scale > 0 and df > 0 else 0.0


def _shrink(mean: pl.Expr, prior: pl.Expr, n: pl.Expr, sigma2: float, tau2: float) -> tuple[pl.Expr, pl.Expr]:
    """Weight on the group's own mean, and the shrunken mean."""
    weight = pl.lit(tau2) / (pl.lit(tau2) + pl.lit(sigma2) / n) if tau2 > 0 else pl.lit(0.0)
    return weight, weight * mean + (1 - weight) * prior


def pooled_state_prices(
    prices: pl.DataFrame, states: pl.DataFrame, *, value: str = "price_per_botox_unit_usd"
) -> pl.DataFrame:
    """Raw and partially pooled price per Botox-equivalent unit for every state (see the module docstring).

    Parameters
    ----------
    prices
        Quotes with ``state`` and ``value`` (null, non-positive and non-finite values are left out).
    states
        ``state, name, division`` for all states (:func:`analysis.reference.states`).

    Returns
    -------
    pl.DataFrame
        One row per state, sorted by state: ``state, name, division, n, raw_median_usd``,
        ``pooled_usd, pooled_low_usd, pooled_high_usd`` (null without quotes), ``own_weight`` (the
        share of the estimate that comes from the state's own quotes), ``division_n`` and the model's
        ``sigma``, ``tau_state``, ``tau_division`` (the same in every row; log-price scale).
    """
    quotes = (
        prices.filter(pl.col(value).is_finite() & (pl.col(value) > 0))
        .select("state", pl.col(value).log().alias("y"), pl.col(value).alias("usd"))
        .join(states.select("state", "division"), on="state", how="inner")
    )
    frame = states.select("state", "name", "division")
    if quotes.is_empty():
        return frame.with_columns(
            pl.lit(0, pl.UInt32).alias("n"),
            *(pl.lit(None, pl.Float64).alias(c) for c in ("raw_median_usd", "pooled_usd", "pooled_low_usd")),
            *(pl.lit(None, pl.Float64).alias(c) for c in ("pooled_high_usd", "own_weight")),
            pl.lit(0, pl.UInt32).alias("division_n"),
            *(pl.lit(None, pl.Float64).alias(c) for c in ("sigma", "tau_state", "tau_division")),
        ).sort("state")
    by_state = _group_moments(quotes, "state")
    within = by_state.filter(pl.col("n") >= 2)
    sigma2 = float((within["var"] * (within["n"] - 1)).sum() / (within["n"] - 1).sum()) if within.height else 0.0
    nation = float(quotes["y"].mean())

    by_division = _group_moments(quotes, "division")
    tau2_d = dersimonian_laird(by_division["mean"], by_division["n"].cast(pl.Float64) / sigma2) if sigma2 else 0.0
    weight_d, mu_d = _shrink(pl.col("mean"), pl.lit(nation), pl.col("n"), sigma2, tau2_d)
    divisions = by_division.select(
        "division",
        pl.col("n").alias("division_n"),
        mu_d.alias("mu_d"),
        (weight_d * sigma2 / pl.col("n")).alias("v_d"),
    )

    states_with = by_state.join(quotes.select("state", "division").unique(), on="state").join(divisions, on="division")
    tau2_s = (
        dersimonian_laird(states_with["mean"], states_with["n"].cast(pl.Float64) / sigma2, states_with["division"])
        if sigma2
        else 0.0
    )
    weight_s, theta = _shrink(pl.col("mean"), pl.col("mu_d"), pl.col("n"), sigma2, tau2_s)
    variance = weight_s * sigma2 / pl.col("n") + (1 - weight_s) ** 2 * pl.col("v_d")
    estimates = states_with.select(
        "state",
        "n",
        theta.exp().alias("pooled_usd"),
        (theta - Z_95 * variance.sqrt()).exp().alias("pooled_low_usd"),
        (theta + Z_95 * variance.sqrt()).exp().alias("pooled_high_usd"),
        weight_s.alias("own_weight"),
    )
    medians = quotes.group_by("state").agg(pl.col("usd").median().alias("raw_median_usd"))
    return (
        frame.join(estimates, on="state", how="left")
        .join(medians, on="state", how="left")
        .join(divisions.select("division", "division_n"), on="division", how="left")
        .with_columns(
            pl.col("n").fill_null(0),
            pl.col("division_n").fill_null(0),
            pl.lit(math.sqrt(sigma2)).alias("sigma"),
            pl.lit(math.sqrt(tau2_s)).alias("tau_state"),
            pl.lit(math.sqrt(tau2_d)).alias("tau_division"),
        )
        .select(
            "state",
            "name",
            "division",
            "n",
            "raw_median_usd",
            "pooled_usd",
            "pooled_low_usd",
            "pooled_high_usd",
            "own_weight",
            "division_n",
            "sigma",
            "tau_state",
            "tau_division",
        )
        .sort("state")
    )


def state_row(pooled: pl.DataFrame, state: str) -> dict | None:
    """One state's row of :func:`pooled_state_prices` as a dict; None for ``US`` or a state not in the table."""
    if state == "US":
        return None
    rows = pooled.filter(pl.col("state") == state)
    return rows.row(0, named=True) if rows.height else None
