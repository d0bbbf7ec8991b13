"""The one escaper of report text (analysis.narrate.text.md) and the wording helpers beside it.

Report prose is Markdown rendered by nbconvert's mistune (exported reports) and by a CommonMark renderer
in JupyterLab. Data put through md() must come out of both as the very text that went in: no emphasis,
list, heading, link, HTML or MathJax maths made from it.
"""

from __future__ import annotations

import html
import re

import mistune
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from analysis.narrate.text import a_or_an, citations, count_of, join_words, link, md, number, plural, usd

_COMMONMARK = MarkdownIt("commonmark")
_MISTUNE = mistune.create_markdown(escape=False)  # nbconvert renders raw HTML, as here: md() must escape it


def shown(rendered_html: str) -> str:
    """The text a reader sees in rendered HTML: tags dropped, entities decoded, whitespace folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", rendered_html)).split())


def test_markdown_and_html_characters_are_escaped():
    assert md("a_b *c* <i>") == r"a\_b \*c\* &lt;i&gt;"
    assert md("$5 *bold* <b>") == r"\$5 \*bold\* &lt;b&gt;"
    assert md(None) == ""
    assert md("Tom & Jerry's") == r"Tom &amp; Jerry\'s"


def test_line_breaks_in_a_value_do_not_start_paragraphs():
    assert md("one\n\n# two") == r"one \# two"


@settings(deadline=None, max_examples=300)
@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_categories=("Cs",))))
def test_escaped_text_renders_as_itself_in_both_renderers(text):
    expected = " ".join(text.split())
    for render in (_COMMONMARK.render, _MISTUNE):
        out = render(md(text))
        assert shown(out) == expected
        assert not re.search(r"<(em|strong|a|h\d|ol|ul|li|code|img|script|blockquote|hr)\b", out)


def test_dollars_never_reach_mathjax_unescaped():
    text = md("costs $10 to $12 per unit, $$x$$")
    assert not re.search(r"(?<!\\)\$", text)


def test_money_and_numbers_read_as_prose():
    assert usd(1234.5) == r"\$1,234.50"
    assert usd(None) == "—"
    assert usd(1500, decimals=0, missing="unknown") == r"\$1,500"
    assert number(None) == "unknown" and number(0.123) == "0.12"
    assert number(12.34) == "12.3" and number(1234.5) == "1,234"


def test_wording_helpers():
    assert join_words([]) == "" and join_words(["a"]) == "a" and join_words(["a", "b", "c"]) == "a, b and c"
    assert count_of(1, "course") == "1 course" and count_of(2, "course") == "2 courses"
    assert a_or_an("LPN") == "an LPN" and a_or_an("nurse") == "a nurse" and a_or_an("aesthetician") == "an aesthetician"
    assert plural("Physician (MD/DO)") == "Physicians (MD/DO)"
    assert plural("Registered nurse", lower=True) == "registered nurses"


def test_citations_link_urls_and_keep_other_text():
    out = _MISTUNE(citations("Board FAQ ; https://x.org/a_(b)?q=1&r=2 ; javascript:alert(1)"))
    assert '<a href="https://x.org/a_(b)?q=1&amp;r=2">https://x.org/a_(b)?q=1&amp;r=2</a>' in out
    assert "Board FAQ" in out and "javascript:alert(1)" in out and 'href="javascript' not in out
    assert link("https://a.org/x", "A <b>") == r"[A &lt;b&gt;](<https://a.org/x>)"
