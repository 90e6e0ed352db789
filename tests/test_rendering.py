"""The Markdown renderer: one converter per thread, reused, with nothing carried over
from one text to the next.
"""

from __future__ import annotations

import threading

import markdown

from app import rendering
from app.rendering import render_content, render_markdown


def test_a_reference_defined_in_one_text_does_not_link_in_the_next():
    first = render_markdown("See [the site][site].\n\n[site]: https://example.org")
    second = render_markdown("And [the site][site] again.")

    assert 'href="https://example.org"' in first
    assert "href" not in second
    assert "[the site][site]" in second


def test_typed_html_stays_text_after_the_converter_is_reused():
    for _ in range(3):
        html = render_markdown("I used a <b>multimeter</b> and *a clamp*.")
        assert "&lt;b&gt;multimeter&lt;/b&gt;" in html
        assert "<em>a clamp</em>" in html


def test_user_text_and_content_keep_their_own_extensions():
    table = "| a | b |\n| - | - |\n| 1 | 2 |"

    assert "<table>" in render_content(table)
    assert "<table>" not in render_markdown(table)
    assert "line one<br>" in render_markdown("line one\nline two")
    assert "<br>" not in render_content("line one\nline two")


def test_a_converter_is_built_once_per_thread(monkeypatch):
    built = []

    class CountingMarkdown(markdown.Markdown):
        def __init__(self, *args, **kwargs):
            built.append(threading.get_ident())
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(rendering.markdown, "Markdown", CountingMarkdown)
    monkeypatch.setattr(rendering, "_converters", threading.local())
    results = {}
    # Both threads stay alive until both have rendered: a thread that ended could hand its
    # id to the next one, and two converters would look like one.
    both_done = threading.Barrier(2, timeout=30)

    def render_many(name: str) -> None:
        results[name] = [str(render_markdown(f"**{name} {i}**")) for i in range(50)]
        both_done.wait()

    threads = [threading.Thread(target=render_many, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(built) == 2
    assert len(set(built)) == 2
    assert results["a"][49] == "<p><strong>a 49</strong></p>"
    assert results["b"][0] == "<p><strong>b 0</strong></p>"
