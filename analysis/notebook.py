"""Small helpers the notebooks share: parameter checks, the synthetic-data banner, callouts.

Notebooks also run outside the batch (JupyterLab, plain papermill), where nothing validated their
parameters first, so each notebook checks its own with these and fails with a message that lists
the valid choices.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import polars as pl
from IPython.display import HTML

from analysis import reference, sample
from analysis.banner import synthetic_banner_html


def check_choice(name: str, value: object, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``; else raise ValueError listing them."""
    valid = list(choices)
    if not isinstance(value, str) or value not in valid:
        raise ValueError(f"unknown {name} {value!r}; expected one of {', '.join(valid)}")
    return value


def check_state(state: object) -> str:
    """``US`` or a 2-letter code of the 50 states + DC (upper-case)."""
    normalized = state.strip().upper() if isinstance(state, str) else state
    return check_choice("state", normalized, ["US", *reference.state_codes()])


def state_name(state: str) -> str:
    if state == "US":
        return "the United States"
    return reference.states().filter(pl.col("state") == state)["name"].item()


# Inline styles, as the banner's (analysis.banner): JupyterLab and the reports share no stylesheet.
_CALLOUT_STYLE = {
    "note": "background:#eef4fb;border-left:4px solid #2f5d9e;padding:.6rem .9rem;margin:.5rem 0",
    "warning": "background:#fff7e6;border-left:4px solid #c05621;padding:.6rem .9rem;margin:.5rem 0",
}


def synthetic_banner(*frames: pl.DataFrame, what: str = "data") -> HTML:
    """A visible banner when any row of ``frames`` is synthetic; an empty output otherwise."""
    synthetic = sum(int(f["source"].str.contains("(?i)synthetic").sum()) for f in frames if "source" in f.columns)
    total = sum(f.height for f in frames)
    if not synthetic:
        return HTML("")
    return HTML(
        synthetic_banner_html(
            f"<strong>Synthetic sample data.</strong> {synthetic:,} of {total:,} rows of the {html.escape(what)} "
            "are generated, not observed: the numbers show how the analysis works, not what the market charges. "
            "Bring your own file to analyse real observations."
        )
    )


def is_synthetic(*frames: pl.DataFrame) -> bool:
    """True when any row of any frame is synthetic (see :func:`analysis.sample.is_synthetic`)."""
    return any(sample.is_synthetic(f) for f in frames)


def callout(text: str, *, kind: str = "note") -> HTML:
    """A boxed note (``note`` or ``warning``); ``text`` is escaped."""
    style = _CALLOUT_STYLE.get(kind, _CALLOUT_STYLE["note"])
    return HTML(f'<div class="bm-callout {html.escape(kind)}" style="{style}">{html.escape(text)}</div>')
