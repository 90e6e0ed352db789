"""Cross-site scripting payloads, and a reader that finds what a browser would run.

The payloads are the classics (OWASP's filter evasion cheat sheet, html5sec.org, mXSS
write-ups) and Markdown's own ways in: links, images, autolinks and references with
`javascript:`, `data:` and `vbscript:` targets, titles that try to close the attribute,
entities and control characters inside schemes. `ExecutableFinder` lists every
construct in a page that would run script or load active content.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

DATA_SCRIPT = "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="

PAYLOADS = (
    # raw HTML
    "<script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<ScRiPt>alert(1)</sCrIpT>",
    '<<SCRIPT>alert("XSS");//<</SCRIPT>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script src=//evil.example/x.js></script>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    '<img src="jav&#x0A;ascript:alert(1)">',
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    '<img srcset="x 1x, javascript:alert(1) 2x">',
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="0" y="20">x</text></a></svg>',
    '<math href="javascript:alert(1)">x</math>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<body onload=alert(1)>",
    "<frameset onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<style>@import 'https://evil.example/x.css';</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<object data="javascript:alert(1)"></object>',
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><input type=submit></form>",
    "<button formaction=javascript:alert(1)>x</button>",
    "<isindex type=image src=1 onerror=alert(1)>",
    '<base href="javascript:alert(1)//">',
    "<link rel=stylesheet href=javascript:alert(1)>",
    "<table background=javascript:alert(1)></table>",
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<xss onafterscriptexecute=alert(1)><script>1</script>",
    "<template><script>alert(1)</script></template>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<select autofocus onfocus=alert(1)></select>",
    "<marquee onstart=alert(1)>x</marquee>",
    "<xmp><script>alert(1)</script></xmp>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    f'<a href="{DATA_SCRIPT}">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="https://example.org" onclick="alert(1)">x</a>',
    # Markdown's own ways in
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    f"[x]({DATA_SCRIPT})",
    "[x](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    '![x" onerror="alert(1)](https://example.org/a.png)',
    '[x](https://example.org "t\\" onmouseover=\\"alert(1)")',
    '[x](https://example.org" onmouseover="alert(1))',
    '[x](https://example.org/"><script>alert(1)</script>)',
    "[<img src=x onerror=alert(1)>](https://example.org)",
    "<javascript:alert(1)>",
    '<https://example.org/" onmouseover="alert(1)>',
    "[x][evil]\n\n[evil]: javascript:alert(1)",
    '[x][evil2]\n\n[evil2]: https://example.org "a" onmouseover="alert(1)"',
    "`<img src=x onerror=alert(1)>`",
    "    <script>alert(1)</script>",
    "> <script>alert(1)</script>",
    "- <img src=x onerror=alert(1)>",
    "**<svg/onload=alert(1)>**",
    "### <iframe src=javascript:alert(1)>",
)

# Attributes whose value a browser loads or follows.
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "background",
    "poster",
    "codebase",
    "dynsrc",
    "lowsrc",
}
# Elements that run script or embed active content, whatever their attributes.
EXECUTABLE_TAGS = {
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "math",
    "template",
    "xmp",
    "plaintext",
    "noscript",
    "isindex",
    "style",
    "audio",
    "video",
    "source",
    "xss",
    # SVG's own ways to run or retarget: animations that set an href, handlers, HTML inside
    "animate",
    "set",
    "handler",
    "foreignobject",
}
# SVG animation attributes, whose values an <animate> writes into another attribute.
ANIMATED = {"values", "to", "from", "by"}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
CONTROL = re.compile(r"[\x00-\x20\x7f]+")


class ExecutableFinder(HTMLParser):
    """Collects every construct of a page that would run script or pull in active
    content: event handler attributes, inline or foreign scripts, dangerous URL schemes,
    `srcdoc`, `style` attributes, refreshing meta tags and embedding elements.

    The app's own pages pass: they load one script and their style sheets from
    /static/ and use inline SVG only for charts and icons, without script.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.findings: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = self.findings.append
        if tag in EXECUTABLE_TAGS:
            found(f"<{tag}>")
        values = {name: value or "" for name, value in attrs}
        if tag == "script" and not (
            _on_this_site(values.get("src", "")) and values["src"].startswith("/static/")
        ):
            found("<script> not from /static/")
        if tag == "meta" and "http-equiv" in values:
            found("<meta http-equiv>")
        if tag == "link" and not _on_this_site(values.get("href", "")):
            found("<link> to another site")
        if tag == "img" and not _on_this_site(values.get("src", "")):
            found("<img> from elsewhere")
        for name, value in values.items():
            if name.startswith("on") or name in ("srcdoc", "style", "srcset"):
                found(f"<{tag} {name}>")
            elif name in URL_ATTRIBUTES or name in ANIMATED:
                # an animation's values are a list: each may set an href
                for target in CONTROL.sub("", value).lower().split(";"):
                    if target.startswith(DANGEROUS_SCHEMES):
                        found(f"<{tag} {name}={target[:20]}>")


def _on_this_site(url: str) -> bool:
    """A path on this site: not `//host/…`, not `/\\host/…`, and no way up with `..`."""
    return url.startswith("/") and not url.startswith(("//", "/\\")) and ".." not in url


def executable_constructs(html: str) -> list[str]:
    """What in `html` a browser would run or load from elsewhere, one line each."""
    finder = ExecutableFinder()
    finder.feed(html)
    finder.close()
    return finder.findings
