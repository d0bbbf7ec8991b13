"""The "synthetic sample data" banner: one markup for the notebooks, the figures and the report pages.

Inline styles, because JupyterLab, nbconvert's HTML and the report pages share no stylesheet; the
look matches the report page's own banner. The report export looks for :data:`SYNTHETIC_BANNER_MARK`
to show one banner per page, so every banner must come from :func:`synthetic_banner_html`.
"""

from __future__ import annotations

SYNTHETIC_BANNER_MARK = 'class="bm-banner synthetic"'
_STYLE = (
    "background:#fff4d6;border:2px solid #e0a800;color:#5c4300;padding:.8rem 1rem;border-radius:6px;margin:.5rem 0 1rem"
)


def synthetic_banner_html(body_html: str) -> str:
    """The banner around ``body_html``, which the caller has already escaped."""
    return f'<div {SYNTHETIC_BANNER_MARK} role="alert" style="{_STYLE}">{body_html}</div>'
