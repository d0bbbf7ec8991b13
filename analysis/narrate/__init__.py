"""Every sentence a report prints, built from the same frames its charts draw.

One module per topic (:mod:`.pricing`, :mod:`.providers`, :mod:`.training`, :mod:`.overview`) and one
escaper (:func:`.text.md`) for the data inside a sentence. Each function returns Markdown that is safe
to render as it is: data text has its Markdown and MathJax characters backslash-escaped and its HTML
characters escaped; the sentence's own markup (``**bold**``) is the only markup. Topic modules
(:mod:`analysis.pricing` …) compute; they never build sentences.
"""
