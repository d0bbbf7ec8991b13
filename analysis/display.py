"""What the notebooks display besides figures: Markdown sentences, boxed notes and the synthetic banner.

The only module here that imports IPython; topic modules and :mod:`analysis.narrate` never import it.
Boxes are Markdown wrapped in a ``<div>`` (a blank line either side, so the Markdown inside still
renders), with inline styles because JupyterLab and the exported reports share no stylesheet.
"""

from __future__ import annotations

from IPython.display import Markdown

from analysis.banner import synthetic_banner_html

_CALLOUT_STYLE = {
    "note": "background:#eef4fb;border-left:4px solid #2f5d9e;padding:.6rem .9rem;margin:.5rem 0",
    "warning": "background:#fff7e6;border-left:4px solid #c05621;padding:.6rem .9rem;margin:.5rem 0",
    "answer": "background:#f0f7f1;border:1px solid #2f7d4a;border-left:6px solid #2f7d4a;border-radius:4px;"
    "padding:.7rem 1rem;margin:.8rem 0 1.2rem",
}


def callout(text: str, *, kind: str = "note") -> Markdown:
    """A boxed note (``note``, ``warning`` or ``answer``: the report's answer box) around Markdown from
    :mod:`analysis.narrate`."""
    style = _CALLOUT_STYLE.get(kind, _CALLOUT_STYLE["note"])
    css_class = kind if kind in _CALLOUT_STYLE else "note"
    return Markdown(f'<div class="bm-callout {css_class}" style="{style}">\n\n{text}\n\n</div>')


def banner(text: str) -> Markdown:
    """The synthetic-data banner around Markdown from :mod:`analysis.narrate`; nothing when ``text`` is empty."""
    return Markdown(synthetic_banner_html(f"\n\n{text}\n\n") if text else "")
