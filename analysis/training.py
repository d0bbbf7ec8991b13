"""Training courses: where they are held, who may take them, what they cost, and when they pay back.

Every function takes the validated course catalogue — :func:`analysis.reference.training_courses`, one
row per course offering, schema :data:`analysis.schemas.TRAINING` — or a frame derived from it, and
returns a new frame (or, for the break-even of one course, a plain dict). The catalogue has tens of
rows, so these functions are eager: a ``pl.DataFrame`` is clearer here than a lazy plan.

Unknowns stay unknown: a course without a price has no price per hour and no break-even; a course that
does not say who may enrol is marked ``eligibility = "not stated"``, never assumed open; a state rule
that is missing reads "unknown rule".

Distances are great-circle distances between the states' **2010 Census mean centres of population**
(``pop_center_lat``/``pop_center_lon`` in ``data/reference/states.csv``; the 2020 file was not
available), on a sphere of the IUGG mean Earth radius. They say roughly how far apart two states'
people live, not the distance to a course's city.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from analysis.checks import check_profession
from analysis.schemas import SUPERVISION_TEXT

Frame = pl.DataFrame | pl.LazyFrame


def _eager(frame: Frame) -> pl.DataFrame:
    return frame.collect() if isinstance(frame, pl.LazyFrame) else frame


EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius R1 = (2a + b) / 3 of the GRS80 ellipsoid (Moritz 2000)
KM_PER_MILE = 1.609344  # the international mile, exact by definition (1959)
ONLINE = "online"

CAVEAT_MAY_NOT_PRACTISE = "may take but may not practise here"
CAVEAT_UNKNOWN_RULE = "unknown rule: check the state board before enrolling"


# --- where courses are held ------------------------------------------------------------------------


def split_offered(courses: Frame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(offered, past)``: courses still offered (status ``current`` or ``unknown``) and past ones.

    Everything that counts or places courses (availability, nearest course, counts, options,
    break-even) takes the first frame; past courses are listed apart, as history. A catalogue without a
    ``status`` column is all offered (status unknown).
    """
    frame = _eager(courses)
    if "status" not in frame.columns:
        return frame, frame.clear()
    past = pl.col("status") == "past"
    return frame.filter(~past.fill_null(False)), frame.filter(past.fill_null(False))


def parse_locations(courses: Frame) -> pl.DataFrame:
    """One row per session place: split ``locations`` (``"City, ST;City, ST"`` or ``"online"``).

    Parameters
    ----------
    courses
        Frame with a ``locations`` column.

    Returns
    -------
    pl.DataFrame
        ``course_id`` (the course's row position in ``courses``), ``location`` (the piece as written,
        trimmed), ``online`` (the piece is ``online``), ``city`` and ``state`` (null unless the piece
        reads ``City, ST`` with a 2-letter upper-case code). Courses with no ``locations`` have no rows;
        a piece that is neither form keeps its text with null ``city``/``state``.

    Examples
    --------
    >>> for row in parse_locations(pl.DataFrame({"locations": ["Austin, TX;Irvine, CA", "online", None]})).rows():
    ...     print(row)
    (0, 'Austin, TX', False, 'Austin', 'TX')
    (0, 'Irvine, CA', False, 'Irvine', 'CA')
    (1, 'online', True, None, None)
    """
    pattern = r"^(?<city>.*\S)\s*,\s*(?<state>[A-Z]{2})$"
    return (
        _eager(courses)
        .with_row_index("course_id")
        .select("course_id", pl.col("locations").str.split(";").alias("location"))
        .explode("location")
        .with_columns(pl.col("location").str.strip_chars())
        .filter(pl.col("location").is_not_null() & (pl.col("location") != ""))
        .with_columns(
            (pl.col("location").str.to_lowercase() == ONLINE).alias("online"),
            pl.col("location").str.extract(pattern, 1).alias("city"),
            pl.col("location").str.extract(pattern, 2).alias("state"),
        )
    )


def haversine_km(
    lat1: str | pl.Expr | float,
    lon1: str | pl.Expr | float,
    lat2: str | pl.Expr | float,
    lon2: str | pl.Expr | float,
    *,
    radius_km: float = EARTH_RADIUS_KM,
) -> pl.Expr:
    """Great-circle distance in km between two points given in decimal degrees (haversine formula).

    Each argument is a column name, an expression or a number; the result is an expression, so it is
    vectorised over whole columns. A null coordinate gives a null distance.

    Examples
    --------
    >>> round(pl.select(haversine_km(36.12, -86.67, 33.94, -118.40, radius_km=6372.8)).item(), 4)
    2887.26
    """

    def expr(value: str | pl.Expr | float) -> pl.Expr:
        if isinstance(value, pl.Expr):
            return value
        return pl.col(value) if isinstance(value, str) else pl.lit(float(value))

    phi1, phi2 = expr(lat1).radians(), expr(lat2).radians()
    dphi = phi2 - phi1
    dlambda = expr(lon2).radians() - expr(lon1).radians()
    a = (dphi / 2).sin() ** 2 + phi1.cos() * phi2.cos() * (dlambda / 2).sin() ** 2
    return 2 * radius_km * a.sqrt().clip(upper_bound=1.0).arcsin()


def online_course_ids(courses: Frame) -> pl.Series:
    """Row positions of courses open from anywhere: ``format`` online or a location that reads ``online``."""
    frame = _eager(courses)
    by_format = frame.with_row_index("course_id").filter(pl.col("format") == ONLINE)["course_id"]
    by_location = parse_locations(frame).filter(pl.col("online"))["course_id"]
    return pl.concat([by_format, by_location]).unique().sort()


def availability_by_state(courses: Frame, states: Frame) -> pl.DataFrame:
    """In-person courses per state and, for every state, the nearest state that has one.

    Parameters
    ----------
    courses
        The catalogue (``locations``, ``format``).
    states
        ``state``, ``name``, ``pop_center_lat``, ``pop_center_lon`` (:func:`analysis.reference.states`).

    Returns
    -------
    pl.DataFrame
        One row per state of ``states``, sorted by code: ``state``, ``name``, ``in_person_courses``
        (courses with a session in a city of the state; 0 when none), ``in_person_cities``
        (``"; "``-joined, null when none), ``nearest_in_person_state`` (the state itself when it has a
        course, else the state with one whose population centre is closest; ties go to the first code),
        ``distance_km`` and ``distance_mi`` (0 for the state itself; null when no state has a course),
        ``online_courses`` (the same in every state: online courses are open everywhere).
    """
    geo = _eager(states).select("state", "name", "pop_center_lat", "pop_center_lon")
    sessions = parse_locations(courses).filter(pl.col("state").is_not_null())
    per_state = sessions.group_by("state").agg(
        pl.col("course_id").n_unique().cast(pl.Int64).alias("in_person_courses"),
        pl.col("city").unique().sort().str.join("; ").alias("in_person_cities"),
    )
    hubs = geo.join(per_state.select("state"), on="state", how="semi").select(
        pl.col("state").alias("nearest_in_person_state"),
        pl.col("pop_center_lat").alias("_hub_lat"),
        pl.col("pop_center_lon").alias("_hub_lon"),
    )
    nearest = (
        geo.join(hubs, how="cross")
        .with_columns(haversine_km("pop_center_lat", "pop_center_lon", "_hub_lat", "_hub_lon").alias("distance_km"))
        .sort("state", "distance_km", "nearest_in_person_state")
        .group_by("state", maintain_order=True)
        .first()
        .select("state", "nearest_in_person_state", "distance_km")
    )
    n_online = online_course_ids(courses).len()
    return (
        geo.select("state", "name")
        .join(per_state, on="state", how="left")
        .join(nearest, on="state", how="left")
        .with_columns(
            pl.col("in_person_courses").fill_null(0),
            (pl.col("distance_km") / KM_PER_MILE).alias("distance_mi"),
            pl.lit(n_online, pl.Int64).alias("online_courses"),
        )
        .select(
            "state",
            "name",
            "in_person_courses",
            "in_person_cities",
            "nearest_in_person_state",
            "distance_km",
            "distance_mi",
            "online_courses",
        )
        .sort("state")
    )


def add_where_offered(courses: Frame, *, state: str | None = None) -> pl.DataFrame:
    """Add ``where``: how a course can be reached from ``state`` (``None`` or ``"US"``: anywhere).

    ``"in person in Austin, TX"`` (sessions in the state), ``"online"``, ``"in person elsewhere: Irvine, CA"``,
    ``"hybrid; cities not stated"``, ``"cities not stated"`` or ``"format and place not stated"``. Also
    adds ``in_state`` (a session in the state; with no state: any US session). Other columns and the row
    order are unchanged.
    """
    frame = _eager(courses).with_row_index("_id")
    local = state if state not in (None, "US") else None
    sessions = parse_locations(frame.drop("_id")).filter(pl.col("state").is_not_null())
    here = sessions.filter(pl.col("state") == local) if local else sessions
    here_text = here.group_by("course_id").agg(pl.col("location").unique().sort().str.join("; ").alias("_here"))
    elsewhere = sessions.filter(pl.col("state") != local) if local else sessions.clear()
    elsewhere_text = elsewhere.group_by("course_id").agg(
        pl.col("location").unique().sort().str.join("; ").alias("_elsewhere")
    )
    online = online_course_ids(frame.drop("_id"))
    where = (
        pl.when(pl.col("_here").is_not_null())
        .then(pl.format("in person in {}", pl.col("_here")))
        .when(pl.col("_id").is_in(online.implode()))
        .then(pl.lit("online"))
        .when(pl.col("_elsewhere").is_not_null())
        .then(pl.format("in person elsewhere: {}", pl.col("_elsewhere")))
        .when(pl.col("format") == "hybrid")
        .then(pl.lit("hybrid; cities not stated"))
        .when(pl.col("format").is_null())
        .then(pl.lit("format and place not stated"))
        .otherwise(pl.lit("cities not stated"))
    )
    return (
        frame.join(here_text.rename({"course_id": "_id"}), on="_id", how="left", maintain_order="left")
        .join(elsewhere_text.rename({"course_id": "_id"}), on="_id", how="left", maintain_order="left")
        .with_columns(where.alias("where"), pl.col("_here").is_not_null().alias("in_state"))
        .drop("_id", "_here", "_elsewhere")
    )


# --- who may take a course, and practise afterwards ------------------------------------------------


def courses_for_profession(courses: Frame, profession: str, *, include_unstated: bool = False) -> pl.DataFrame:
    """The courses ``profession`` may enrol in, with ``eligibility`` saying how we know.

    Parameters
    ----------
    courses
        The catalogue (``eligible_professions``: ``;``-separated provider types, null when not stated).
    profession
        One of :data:`analysis.schemas.PROVIDER_TYPES`.
    include_unstated
        Also return courses that do not say who may enrol (``eligibility = "not stated"``): the
        profession *might* be admitted; ask the provider.

    Returns
    -------
    pl.DataFrame
        The matching rows of ``courses`` plus ``eligibility`` (``"listed"`` or ``"not stated"``).

    Raises
    ------
    ValueError
        ``profession`` is not a known provider type.
    """
    check_profession(profession)
    listed = (
        pl.col("eligible_professions")
        .str.split(";")
        .list.eval(pl.element().str.strip_chars())
        .list.contains(profession)
    )
    unstated = pl.col("eligible_professions").is_null() | (pl.col("eligible_professions").str.strip_chars() == "")
    keep = listed.fill_null(False) | (unstated if include_unstated else pl.lit(False))
    return (
        _eager(courses)
        .filter(keep)
        .with_columns(pl.when(unstated).then(pl.lit("not stated")).otherwise(pl.lit("listed")).alias("eligibility"))
    )


def practice_rule(rules: Frame, state: str, profession: str) -> dict[str, Any] | None:
    """The state rule row for ``profession`` in ``state`` as a dict, or ``None`` when there is none."""
    rows = _eager(rules).filter((pl.col("state") == state) & (pl.col("provider_type") == profession))
    return rows.row(0, named=True) if rows.height else None


def _caveat(may_inject: pl.Expr, supervision: pl.Expr) -> pl.Expr:
    text = supervision.replace_strict(
        SUPERVISION_TEXT, default="the supervision required is not known", return_dtype=pl.String
    )
    return (
        pl.when(may_inject == "no")
        .then(pl.lit(CAVEAT_MAY_NOT_PRACTISE))
        .when((may_inject == "conditional") & (supervision == "independent"))
        .then(pl.lit("conditional: no supervision required, but conditions apply (see the rule's notes)"))
        .when(may_inject == "conditional")
        .then(pl.format("conditional: supervision — {}", text))
        .when((may_inject == "yes") & (supervision == "independent"))
        .then(pl.lit("may practise here"))
        .when(may_inject == "yes")
        .then(pl.format("may practise here; supervision — {}", text))
        .otherwise(pl.lit(CAVEAT_UNKNOWN_RULE))
    )


def practice_caveats(courses: Frame, rules: Frame, state: str, profession: str) -> pl.DataFrame:
    """Join each course with the rule for ``profession`` in ``state`` and say what it means.

    Parameters
    ----------
    courses
        Courses the profession may take (e.g. :func:`courses_for_profession`).
    rules
        State rules (:func:`analysis.reference.state_rules`): ``state``, ``provider_type``,
        ``may_inject``, ``supervision``, ``notes``, ``source``, ``as_of``.
    state, profession
        A 2-letter state code and a provider type.

    Returns
    -------
    pl.DataFrame
        ``courses`` plus ``may_inject``, ``supervision``, ``rule_notes``, ``rule_source``, ``rule_as_of``
        (null when the rules have no row) and ``caveat``: ``"may take but may not practise here"``
        (may_inject ``no``), ``"conditional: supervision — …"``, ``"may practise here"`` (with the
        supervision when it is not independent) or ``"unknown rule: …"`` (``unknown`` or no row).
    """
    check_profession(profession)
    rule = (
        _eager(rules)
        .filter((pl.col("state") == state) & (pl.col("provider_type") == profession))
        .select(
            "may_inject",
            "supervision",
            pl.col("notes").alias("rule_notes"),
            pl.col("source").alias("rule_source"),
            pl.col("as_of").alias("rule_as_of"),
        )
        .head(1)
    )
    frame = _eager(courses)
    if rule.height:
        joined = frame.join(rule, how="cross", maintain_order="left_right")
    else:
        joined = frame.with_columns(pl.lit(None, pl.String).alias(c) for c in rule.columns)
    return joined.with_columns(_caveat(pl.col("may_inject"), pl.col("supervision")).alias("caveat"))


def practice_by_state(rules: Frame, profession: str) -> pl.DataFrame:
    """Across states: how many let ``profession`` inject (``yes``/``conditional``/``no``/``unknown``), and which.

    Returns one row per ``may_inject`` value present: ``may_inject``, ``states`` (count), ``codes``
    (``", "``-joined, sorted), in the order yes, conditional, no, unknown.
    """
    check_profession(profession)
    order = {"yes": 0, "conditional": 1, "no": 2, "unknown": 3}
    return (
        _eager(rules)
        .filter(pl.col("provider_type") == profession)
        .group_by("may_inject")
        .agg(pl.len().cast(pl.Int64).alias("states"), pl.col("state").sort().str.join(", ").alias("codes"))
        .sort(pl.col("may_inject").replace_strict(order, default=9, return_dtype=pl.Int64))
    )


def can_practise(rules: Frame, state: str, profession: str) -> bool:
    """False only when the rules say ``profession`` may not inject in ``state`` (for ``"US"``: in any state).

    ``yes``, ``conditional``, ``unknown`` and a missing rule all count as "not ruled out".
    """
    check_profession(profession)
    mine = _eager(rules).filter(pl.col("provider_type") == profession)
    if state != "US":
        mine = mine.filter(pl.col("state") == state)
    return mine.is_empty() or bool((mine["may_inject"] != "no").any())


def count_in_person(courses: Frame, *, state: str | None = None) -> int:
    """Courses with a session in a city of ``state`` (``None`` or ``"US"``: in any US state)."""
    sessions = parse_locations(courses).filter(pl.col("state").is_not_null())
    if state not in (None, "US"):
        sessions = sessions.filter(pl.col("state") == state)
    return sessions["course_id"].n_unique()


# --- cost -----------------------------------------------------------------------------------------


def cost_metrics(courses: Frame) -> pl.DataFrame:
    """Add ``price_per_hour_usd`` and ``price_per_cme_credit_usd`` (list price ÷ hours or credits).

    Null when the price or the divisor is unknown, or the divisor is 0: an unknown stays unknown.
    """

    def per(divisor: str) -> pl.Expr:
        ok = pl.col("list_price_usd").is_not_null() & (pl.col(divisor) > 0)
        return pl.when(ok).then(pl.col("list_price_usd") / pl.col(divisor)).otherwise(None)

    return _eager(courses).with_columns(
        per("duration_hours").alias("price_per_hour_usd"),
        per("cme_credits").alias("price_per_cme_credit_usd"),
    )


def cost_summary(courses: Frame, *, by: str = "format") -> pl.DataFrame:
    """Prices compared across ``by`` (``format`` or ``hands_on``): how many courses, how many priced, and what.

    Returns one row per group (a null group reads ``"not stated"``; ``hands_on`` reads ``yes``/``no``):
    ``courses``, ``priced`` (with a list price), ``median_price_usd``, ``min_price_usd``,
    ``max_price_usd``, ``with_hours`` (a price per hour is known) and ``median_price_per_hour_usd``.
    Needs :func:`cost_metrics` columns.
    """
    if by not in ("format", "hands_on"):
        raise ValueError(f"cannot summarise by {by!r}; expected format or hands_on")
    group = pl.col(by)
    if by == "hands_on":
        group = pl.when(group).then(pl.lit("yes")).when(~group).then(pl.lit("no"))
    price = pl.col("list_price_usd")
    return (
        _eager(courses)
        .with_columns(group.cast(pl.String).fill_null("not stated").alias(by))
        .group_by(by)
        .agg(
            pl.len().cast(pl.Int64).alias("courses"),
            price.count().cast(pl.Int64).alias("priced"),
            price.median().alias("median_price_usd"),
            price.min().alias("min_price_usd"),
            price.max().alias("max_price_usd"),
            pl.col("price_per_hour_usd").count().cast(pl.Int64).alias("with_hours"),
            pl.col("price_per_hour_usd").median().alias("median_price_per_hour_usd"),
        )
        .sort("courses", by, descending=[True, False])
    )


def headline_numbers(
    *,
    state: str,
    profession: str,
    synthetic: bool,
    courses: pl.DataFrame,
    availability: pl.DataFrame,
    options: pl.DataFrame,
    course_fee: float | None,
    rule: dict[str, Any] | None,
    price_per_unit: float | None,
    break_even_treatments: int | None,
) -> dict[str, Any]:
    """The numbers the report index shows for this report (JSON-friendly)."""
    here = availability.filter(pl.col("state") == state)
    return {
        "state": state,
        "profession": profession,
        "synthetic": synthetic,
        "in_person_courses_in_state": count_in_person(courses, state=state),
        "nearest_in_person_state": here["nearest_in_person_state"].item() if here.height else None,
        "nearest_in_person_km": here["distance_km"].item() if here.height else None,
        "online_courses": online_course_ids(courses).len(),
        "courses_for_profession": options.height,
        "median_course_price_usd": course_fee,
        "may_inject": rule["may_inject"] if rule else None,
        "median_botox_price_per_unit_usd": price_per_unit,
        "break_even_treatments": break_even_treatments,
    }


# --- the answer box: the courses to look at first -----------------------------------------------------------------


def best_courses(options: Frame, states: Frame, *, state: str, n: int = 5) -> pl.DataFrame:
    """The ``n`` current courses that fit best, for the training report's answer box.

    ``options``: the profession's current courses (:func:`courses_for_profession`, with ``where``). Ranked by, in
    order: an in-person session by distance band (in the state; under 500 km; under 1,000 km; further — great-circle
    distance between state population centres; for ``US`` any session counts as in the state), live-model
    practice (``hands_on`` true), the provider naming the profession (``eligibility`` listed), a stated price, then
    nearest and cheapest; at most two courses per organisation. Adds ``distance_km`` (null for courses without a
    placed session) and keeps the other columns.
    """
    frame = _eager(options).with_row_index("_id")
    geo = _eager(states).select("state", "pop_center_lat", "pop_center_lon")
    sessions = parse_locations(frame.drop("_id")).filter(pl.col("state").is_not_null())
    if state == "US":
        distance = sessions.group_by("course_id").agg(pl.lit(0.0).alias("distance_km"))
    else:
        home = geo.filter(pl.col("state") == state)
        lat, lon = (home["pop_center_lat"][0], home["pop_center_lon"][0]) if home.height else (None, None)
        distance = (
            (
                sessions.join(geo, on="state", how="inner")
                .with_columns(haversine_km(lat, lon, "pop_center_lat", "pop_center_lon").alias("distance_km"))
                .with_columns(pl.when(pl.col("state") == state).then(0.0).otherwise(pl.col("distance_km")))
                .group_by("course_id")
                .agg(pl.col("distance_km").min())
            )
            if lat is not None
            else sessions.group_by("course_id").agg(pl.lit(None, pl.Float64).alias("distance_km"))
        )
    # distance in bands (in the state; under 500 km; under 1,000 km; further; no placed session), so a slightly
    # nearer course does not outrank one with live models, a price and the profession named
    band = (
        pl.when(pl.col("distance_km").is_null())
        .then(4)
        .when(pl.col("distance_km") == 0)
        .then(0)
        .when(pl.col("distance_km") < 500)
        .then(1)
        .when(pl.col("distance_km") < 1000)
        .then(2)
        .otherwise(3)
    )
    listed = pl.col("eligibility").fill_null("") == "listed" if "eligibility" in frame.columns else pl.lit(True)
    ranked = (
        frame.join(distance.rename({"course_id": "_id"}), on="_id", how="left")
        .sort(
            band,
            ~pl.col("hands_on").fill_null(False),
            ~listed,
            pl.col("list_price_usd").is_null(),
            pl.col("distance_km"),
            pl.col("list_price_usd"),
            nulls_last=True,
        )
        # at most two courses of one organisation, so the list shows choices
        .filter(pl.int_range(pl.len()).over("organization") < 2)
    )
    return ranked.head(n).drop("_id")
