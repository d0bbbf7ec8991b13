"""The one escaper for report text, and the small wording helpers every topic's prose shares.

Jupyter and nbconvert render Markdown with MathJax, so ``$…$`` would become maths: ``$`` is escaped
with the other Markdown characters. HTML characters are escaped too (``<`` → ``&lt;``), so a clinic
named ``<script>`` stays text in JupyterLab and in the exported report.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from urllib.parse import urlparse

# Every ASCII punctuation character may be backslash-escaped in CommonMark, and escaping all of them is the
# only way to be sure none starts a list ("1."), a heading ("#", "==="), a link, emphasis or maths ("$").
# & < > are left to html.escape: "\\&amp;" would read as "&" followed by "amp;".
_MD_SPECIAL = re.compile(r"""([!"#$%'()*+,\-./:;=?@\[\\\]^_`{|}~])""")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def md(value: object) -> str:
    """Data text made safe inside Markdown: shown as written, whatever it holds.

    Line breaks become spaces (a value is one phrase, not paragraphs); Markdown and MathJax characters are
    backslash-escaped; HTML characters are escaped.
    """
    text = _LINE_BREAKS.sub(" ", "" if value is None else str(value))
    return html.escape(_MD_SPECIAL.sub(r"\\\1", text), quote=False)


def usd(value: float | None, *, decimals: int = 2, missing: str = "—") -> str:
    """``\\$1,234.50`` (the ``$`` escaped for Markdown), or ``missing`` when unknown."""
    return missing if value is None else f"\\${value:,.{decimals}f}"


def number(value: float | None, spec: str | None = None) -> str:
    """A number for prose: whole numbers from 100 up, one or two decimals below; ``unknown`` when missing."""
    if value is None:
        return "unknown"
    if spec is None:
        spec = ",.0f" if abs(value) >= 100 or value == 0 else (".1f" if abs(value) >= 1 else ".2f")
    return format(value, spec)


def cap(text: str) -> str:
    """The first letter upper-cased, the rest left alone (``cap("nPs")`` → ``"NPs"``)."""
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    """``Registered nurse`` → ``registered nurse``; acronyms (``LPN``) keep their case."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def join_words(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def count_of(n: int, word: str) -> str:
    """``1 course``, ``3 courses``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def a_or_an(word: str) -> str:
    """``a nurse``, ``an aesthetician``, ``an LPN`` (an acronym is read letter by letter)."""
    acronym = word[1:2].isupper()
    vowel_sound = word[:1] in "AEFHILMNORSX" if acronym else word[:1].lower() in "aeiou"
    return f"{'an' if vowel_sound else 'a'} {word}"


def plural(label: str, *, lower: bool = False) -> str:
    """``Physician (MD/DO)`` → ``Physicians (MD/DO)``; ``lower`` for use inside a sentence."""
    match = re.match(r"^(.*?)(\s*\(.*\))?$", label)
    text = f"{match[1]}s{match[2] or ''}"
    return lower_first(text) if lower else text


_URL = re.compile(r"^https?://[^\s<>\"'\\]+$")


def link(url: str, text: str | None = None) -> str:
    """A Markdown link to an http(s) ``url`` (shown as ``text``, else the URL); anything else as plain text.

    The destination goes in angle brackets, so parentheses and other punctuation in a URL cannot end it
    early; a value that is not a plain http(s) URL is never made a link (no ``javascript:``).
    """
    url = url.strip()
    if not _URL.match(url):
        return md(url)
    return f"[{md(text or url)}](<{url}>)"


def site_link(url: str) -> str:
    """A Markdown link to an http(s) ``url`` named by its site ("beckershospitalreview.com"); anything else as
    plain text (see :func:`link`)."""
    site = urlparse(url.strip()).netloc.removeprefix("www.")
    return link(url, site or None)


def citations(source: str | None, *, separator: str = ";", by_site: bool = False) -> str:
    """A ``source`` cell of several citations, each URL a link: ``a ; https://b`` → ``a; [https://b](…)``;
    ``by_site`` names each link by its site (:func:`site_link`)."""
    parts = [p.strip() for p in (source or "").split(separator) if p.strip()]
    return "; ".join(site_link(p) if by_site else link(p) for p in parts)
