"""Build a reveal.js deck from each notebook, usable without network access.

Usage: python scripts/build_slides.py [--no-vendor] [--out build/slides] [notebooks ...]

Each cell's ``slideshow`` metadata decides its place in the deck (``slide``, ``subslide``,
``fragment``, ``skip``). The decks are lecture slides, not the notebook cut into pages: every
slide fits a 16:9 screen (1280x720 slide pixels, scaled to the screen). The build decides what
a slide shows, by rules that need no per-cell metadata:

- a markdown cell keeps its headings, display formulas, "Predict first" boxes, short lists,
  tables and code blocks, the first sentence of its first paragraph and short lead-ins to a
  formula; the rest of its prose goes into the speaker notes;
- a code cell shows its figures and its short printed output; its code is hidden unless the
  cell's metadata says ``"slides": {"show_code": true}``; long printed output goes into the
  notes;
- a cell that opens with a heading starts a new (vertical) slide;
- a figure fills the height left under its headline, at most one figure per slide; whatever
  does not fit the slide by the layout estimate below moves to a new vertical slide under the
  same headline (marked "continued").

Speaker notes live in a cell's ``speaker_notes`` metadata (a string), never in a visible cell:
the build puts each one, followed by the cell's prose that left the slide, right after its cell
as a ``notes`` cell, which reveal.js shows in its speaker view (press S) as
``<aside class="notes">``. TeX in the moved prose becomes plain text there (the speaker view
does not typeset math). The decks use stored outputs; nothing is executed. Unless
``--no-vendor`` is given, reveal.js, require.js, jQuery and MathJax 2 are fetched once from the
npm registry into ``build/npm`` (not committed) and copied next to the decks, so a lecture
room needs no network. tests/browser/test_slides_fit.py checks every slide in Chromium.
"""

from __future__ import annotations

import argparse
import copy
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NPM_PACKAGES = {
    "reveal.js": "4.6.0",
    "requirejs": "2.3.8",
    "jquery": "3.7.1",
    "mathjax": "2.7.9",
}
# nbconvert's template imports mermaid from a CDN; the course has no mermaid diagrams.
MERMAID = re.compile(r'<script type="module">\s*import mermaid from [^<]*</script>')
# reveal.js's "white" theme loads its font from the vendored files; several others, "simple"
# among them, @import Google Fonts, a request that fails without network.
THEME = "white"
# Paths of the vendored files, relative to the folder of the decks.
URLS = {
    "reveal_url_prefix": "vendor/reveal.js",
    "require_js_url": "vendor/requirejs/require.js",
    "jquery_url": "vendor/jquery/dist/jquery.min.js",
    "mathjax_url": "vendor/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
}

# The slide, in its own pixels (reveal.js scales it to the screen, 16:9 like 1280x720 and
# 1920x1080), and the layout estimate that decides where a slide is full. The estimate only
# has to err on the safe side: the browser test measures the real thing.
SLIDE_WIDTH, SLIDE_HEIGHT = 1280, 720
BUDGET = 610  # of the 720 pixels, minus padding and a safety margin
TEXT_LINE, TEXT_CHARS = 36, 78  # body text: pixels per line, characters per line
OUTPUT_LINE, OUTPUT_CHARS = 28, 95  # printed output
HEADING_FONT = {1: 46, 2: 40, 3: 34, 4: 30}  # pixels, as in CSS below
MATH_ROW = 58  # one row of a display formula
FIGURE_MIN = 400  # a figure gets at least this much height, so that its text stays legible
MAX_OUTPUT_LINES = 9  # longer printed output goes into the notes
MAX_TABLE_ROWS = 12
MAX_TABLE_COLUMNS = 5  # a wider table output is shown in parts of a few columns
MAX_LIST_ITEM_CHARS = 170
LIST_CHUNK = 400  # a longer list continues on the next slide
FIRST_SENTENCE_CHARS = 230
LEAD_IN_CHARS = 120
CONTINUED_TAG = "deck-continued"
FIGURE_TAG = "deck-figure"

CSS = f"""
:root {{
  --jp-content-font-size1: 26px;
  --jp-ui-font-size1: 22px;
  --jp-code-font-size: 19px;
}}
.reveal .slides {{ text-align: left; }}
.reveal .slides section:not(.stack) {{
  box-sizing: border-box; height: {SLIDE_HEIGHT}px; padding: 18px 36px 28px;
  flex-direction: column; justify-content: flex-start; overflow: hidden;
}}
.reveal .slides section:not(.stack) > * {{ flex: 0 0 auto; min-width: 0; max-width: 100%; }}
.reveal .jp-InputPrompt, .reveal .jp-OutputPrompt, .reveal .jp-Collapser {{ display: none; }}
.reveal .controls {{ transform: scale(0.6); transform-origin: bottom right; }}
.reveal .jp-Cell, .reveal .jp-Cell-inputWrapper, .reveal .jp-InputArea,
.reveal .jp-Cell-outputWrapper, .reveal .jp-OutputArea, .reveal .jp-OutputArea-child {{
  padding: 0; margin: 0; border: 0; max-width: 100%; overflow: visible;
}}
.reveal .jp-RenderedHTMLCommon {{
  font-size: 26px; line-height: 1.32; padding: 0; overflow: visible;
}}
.reveal .jp-RenderedHTMLCommon p {{ margin: 0 0 0.45em; }}
.reveal .jp-RenderedHTMLCommon h1 {{ font-size: 46px; margin: 0 0 0.35em; }}
.reveal .jp-RenderedHTMLCommon h2 {{ font-size: 40px; margin: 0 0 0.35em; }}
.reveal .jp-RenderedHTMLCommon h3 {{ font-size: 34px; margin: 0 0 0.35em; }}
.reveal .jp-RenderedHTMLCommon h4 {{ font-size: 30px; margin: 0 0 0.3em; }}
.reveal .jp-RenderedHTMLCommon h1, .reveal .jp-RenderedHTMLCommon h2,
.reveal .jp-RenderedHTMLCommon h3, .reveal .jp-RenderedHTMLCommon h4 {{
  line-height: 1.15; text-transform: none;
}}
.reveal .celltag_{CONTINUED_TAG} h1::after, .reveal .celltag_{CONTINUED_TAG} h2::after,
.reveal .celltag_{CONTINUED_TAG} h3::after, .reveal .celltag_{CONTINUED_TAG} h4::after {{
  content: " (continued)"; font-size: 60%; color: #888; font-weight: normal;
}}
.reveal .jp-RenderedHTMLCommon ul, .reveal .jp-RenderedHTMLCommon ol {{ margin: 0 0 0.4em 1.2em; }}
.reveal .jp-RenderedHTMLCommon li {{ margin: 0 0 0.2em; }}
.reveal .jp-RenderedHTMLCommon blockquote {{
  font-size: 24px; margin: 0.2em 0 0.5em; padding: 0.4em 0.8em; width: auto;
  background: #eef4fb; border-left: 6px solid #4a7ab5; box-shadow: none; font-style: normal;
}}
.reveal .slides .jp-RenderedHTMLCommon table {{ font-size: 21px; margin: 0 0 0.4em; }}
.reveal .slides .mjx-chtml, .reveal .slides .mjx-chtml * {{ white-space: nowrap; }}
.reveal .jp-RenderedHTMLCommon td, .reveal .jp-RenderedHTMLCommon th {{ padding: 2px 10px; }}
.reveal .MathJax_Display {{ margin: 0.3em 0 !important; }}
.reveal .slides section pre {{
  text-align: left; font-size: 20px; line-height: 1.35;
  white-space: pre-wrap; overflow-wrap: anywhere; width: auto;
  margin: 0 0 0.3em; padding: 0.2em 0.4em; box-shadow: none;
}}
.reveal .jp-CodeCell .jp-InputArea-editor {{ padding: 0.2em 0.4em; background: #f5f5f5; }}
.reveal .jp-OutputArea-output {{ overflow: visible; padding: 0; }}
/* A figure takes the height left under its headline and text, keeping its aspect ratio. */
.reveal .slides section:not(.stack) .celltag_{FIGURE_TAG},
.reveal .slides section:not(.stack) > .fragment:has(.celltag_{FIGURE_TAG}),
.reveal .celltag_{FIGURE_TAG} .jp-Cell-outputWrapper,
.reveal .celltag_{FIGURE_TAG} .jp-OutputArea,
.reveal .celltag_{FIGURE_TAG} .jp-OutputArea-child,
.reveal .celltag_{FIGURE_TAG} .jp-RenderedImage {{
  display: flex; flex-direction: column; flex: 1 1 0; min-height: 0;
}}
.reveal .celltag_{FIGURE_TAG} img {{
  flex: 1 1 0; min-height: 0; width: 100%; max-width: 100%; max-height: 100%;
  object-fit: contain; margin: 0;
}}
"""

TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block html_head_css -%}
<style type="text/css">{{ resources.deck_css }}</style>
{%- endblock html_head_css -%}
{% block footer_js %}
<script>
require(
    {waitSeconds: 15},
    ["{{ resources.reveal.url_prefix }}/dist/reveal.js",
     "{{ resources.reveal.url_prefix }}/plugin/notes/notes.js"],
    function (Reveal, RevealNotes) {
        window.Reveal = Reveal;
        Reveal.initialize({
            controls: true,
            progress: true,
            history: true,
            transition: "slide",
            slideNumber: "c/t",
            plugins: [RevealNotes],
            width: {{ resources.deck_width }},
            height: {{ resources.deck_height }},
            margin: 0.04,
            center: false,
            display: "flex",
            disableLayout: false,
        });
        // MathJax measures nothing in a hidden slide: typeset the math of a slide again when
        // it shows, in MathJax's queue (so that whoever queues after it sees the result).
        Reveal.on("slidechanged", function (event) {
            MathJax.Hub.Queue(["Rerender", MathJax.Hub, event.currentSlide]);
        });
    }
);
</script>
{% endblock footer_js %}
"""


def fetch_front_end() -> Path:
    """The front-end packages in ``build/npm/node_modules``, fetched from npm the first time."""
    npm_dir = ROOT / "build" / "npm"
    modules = npm_dir / "node_modules"
    if not all((modules / name / "package.json").exists() for name in NPM_PACKAGES):
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("npm is needed once to fetch reveal.js (or pass --no-vendor)")
        npm_dir.mkdir(parents=True, exist_ok=True)
        specs = [f"{name}@{version}" for name, version in NPM_PACKAGES.items()]
        subprocess.run(
            [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(npm_dir)]
            + specs,
            check=True,
        )
    return modules


def vendor(out: Path) -> None:
    """Copy the front-end packages (fetched once) to ``out/vendor``."""
    modules = fetch_front_end()
    for name in NPM_PACKAGES:
        target = out / "vendor" / name
        if not target.exists():
            shutil.copytree(modules / name, target)


def with_speaker_notes(nb):  # noqa: ANN001, ANN201 - nbformat.NotebookNode
    """A copy of ``nb`` with each cell's ``speaker_notes`` metadata as a ``notes`` cell after it."""
    import nbformat

    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        notes = cell.metadata.get("speaker_notes")
        if notes:
            cells.append(
                nbformat.v4.new_markdown_cell(
                    str(notes), metadata={"slideshow": {"slide_type": "notes"}}
                )
            )
    nb.cells = cells
    return nb


# ---- markdown: what stays on the slide, what goes into the notes ---------------------------

_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_INLINE_MATH = re.compile(r"\$[^$]+\$")
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)(?<!\bcf)[.!?](?=\s+[A-Z(*`$])")


def markdown_blocks(source: str) -> list[tuple[str, str]]:
    """Split markdown into ``(kind, text)`` blocks: heading, math, code, html, quote, list,
    table or paragraph. Display formulas, fenced code and ``<div>`` boxes stay whole."""
    blocks: list[tuple[str, str]] = []
    lines = source.splitlines()
    i = 0
    para: list[str] = []

    def flush() -> None:
        if para:
            text = "\n".join(para)
            first = para[0].lstrip()
            if first.startswith(">"):
                kind = "quote"
            elif _LIST_ITEM.match(para[0]):
                kind = "list"
            elif first.startswith("|"):
                kind = "table"
            else:
                kind = "paragraph"
            blocks.append((kind, text))
            para.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            flush()
            fence, j = stripped[:3], i + 1
            while j < len(lines) and not lines[j].strip().startswith(fence):
                j += 1
            blocks.append(("code", "\n".join(lines[i : j + 1])))
            i = j + 1
            continue
        if stripped.startswith("$$"):
            flush()
            j = i
            if not (len(stripped) > 2 and stripped.endswith("$$")):
                j = i + 1
                while j < len(lines) and not lines[j].rstrip().endswith("$$"):
                    j += 1
            blocks.append(("math", "\n".join(lines[i : j + 1])))
            i = j + 1
            continue
        if stripped.startswith("<div"):
            flush()
            depth, j = 0, i
            while j < len(lines):
                depth += lines[j].count("<div") - lines[j].count("</div")
                if depth <= 0:
                    break
                j += 1
            blocks.append(("html", "\n".join(lines[i : j + 1])))
            i = j + 1
            continue
        if _HEADING.match(stripped):
            flush()
            blocks.append(("heading", stripped))
        elif not stripped:
            flush()
        else:
            para.append(line)
        i += 1
    flush()
    return blocks


def first_sentence(text: str) -> str:
    """The first sentence of a paragraph (math spans and abbreviations do not end it)."""
    masked = _INLINE_MATH.sub(lambda m: "x" * len(m.group()), text)
    m = _SENTENCE_END.search(masked)
    return text if m is None else text[: m.end()]


def text_height(text: str, chars: int = TEXT_CHARS, line: int = TEXT_LINE) -> int:
    """Estimated height in slide pixels of wrapped text, with the TeX of inline math shortened."""
    shown = _INLINE_MATH.sub(lambda m: "x" * max(3, len(m.group()) // 3), text)
    shown = re.sub(r"[*`]", "", shown)
    rows = sum(max(1, -(-len(part) // chars)) for part in shown.split("\n") if part.strip())
    return rows * line + 12


def block_height(kind: str, text: str) -> int:
    if kind == "heading":
        level = len(_HEADING.match(text).group(1))
        size = HEADING_FONT.get(level, 30)
        per_line = 1200 // (size // 2)
        return int(size * 1.2) * max(1, -(-len(_HEADING.match(text).group(2)) // per_line)) + 16
    if kind == "math":
        rows = 1 + text.count("\\\\") + text.count(r"\frac") // 2
        limits = len(re.findall(r"\\(?:sum|prod|int)\w*_", text))  # limits above and below
        return rows * MATH_ROW + 24 + 40 * min(limits, rows) + 16 * text.count(r"\boxed")
    if kind == "table":
        rows = [r for r in text.splitlines() if not re.match(r"^\s*\|[-:| ]+\|\s*$", r)]
        return sum(40 + 28 * (len(r) > 110) for r in rows) + 16
    if kind == "code":
        return len(text.splitlines()) * OUTPUT_LINE + 16
    if kind == "quote":
        return text_height(text.replace(">", ""), chars=TEXT_CHARS + 6, line=33) + 24
    if kind == "list":
        items = split_list(text)
        return sum(text_height(item) for item in items) + 8
    return text_height(text)


def split_list(text: str) -> list[str]:
    items: list[str] = []
    for line in text.splitlines():
        if _LIST_ITEM.match(line) or not items:
            items.append(line)
        else:
            items[-1] += "\n" + line
    return items


def shorten(item: str) -> str:
    """A list item cut to its first sentence, and a long one to its first clause."""
    short = first_sentence(item)
    if len(short) <= MAX_LIST_ITEM_CHARS:
        return short
    masked = _INLINE_MATH.sub(lambda m: "x" * len(m.group()), short)
    cuts = [
        m.start() for m in re.finditer(r"[;:,] ", masked[:MAX_LIST_ITEM_CHARS]) if m.start() > 40
    ]
    return short[: cuts[-1]] + " …" if cuts else short


def is_predict_first(text: str) -> bool:
    return text.lstrip("> ").startswith("**Predict first")


def slide_markdown(source: str) -> tuple[list[tuple[str, str]], list[str]]:
    """The blocks of a markdown cell that stay on its slide, and the text for its notes."""
    blocks = markdown_blocks(source)
    keep: list[tuple[str, str]] = []
    notes: list[str] = []
    seen_paragraph = False
    for n, (kind, text) in enumerate(blocks):
        nxt = blocks[n + 1][0] if n + 1 < len(blocks) else None
        if kind in {"heading", "math"}:
            keep.append((kind, text))
        elif kind == "quote":
            (keep if is_predict_first(text) else notes).append(
                (kind, text) if is_predict_first(text) else text
            )
        elif kind == "table":
            rows = len(text.splitlines()) - 1
            if rows <= MAX_TABLE_ROWS and max(map(len, text.splitlines())) <= 200:
                keep.append((kind, text))
            else:
                notes.append(text)
        elif kind == "code":
            lines = text.splitlines()
            if len(lines) <= 8 and max(map(len, lines)) <= 90:
                keep.append((kind, text))
            else:
                notes.append(text)
        elif kind == "list":
            items = [" ".join(i.split()) for i in split_list(text)]
            short = [shorten(i) for i in items]
            chunk: list[str] = []
            for item in short:
                if chunk and block_height("list", "\n".join([*chunk, item])) > LIST_CHUNK:
                    keep.append((kind, "\n".join(chunk)))
                    chunk = []
                chunk.append(item)
            keep.append((kind, "\n".join(chunk)))
            if short != items:
                notes.append(text)
        elif kind == "paragraph":
            flat = " ".join(text.split())
            lead = first_sentence(flat)
            if nxt == "math" and len(flat) <= LEAD_IN_CHARS and flat.endswith((":", ",")):
                keep.append((kind, flat))
            elif not seen_paragraph and len(lead) <= FIRST_SENTENCE_CHARS:
                keep.append((kind, lead))
                if lead != flat:
                    notes.append(flat)
            else:
                notes.append(text)
            seen_paragraph = True
        else:
            notes.append(text)
    return keep, notes


# ---- TeX for the speaker view, which shows HTML without MathJax ------------------------------

_TEX_SYMBOLS = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "eta": "η",
    "theta": "θ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "phi": "φ",
    "varphi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Sigma": "Σ",
    "Phi": "Φ",
    "Omega": "Ω",
    "ell": "ℓ",
    "cdot": "·",
    "times": "×",
    "approx": "≈",
    "neq": "≠",
    "ne": "≠",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "ll": "≪",
    "gg": "≫",
    "infty": "∞",
    "to": "→",
    "rightarrow": "→",
    "Rightarrow": "⇒",
    "mapsto": "↦",
    "sum": "Σ",
    "prod": "Π",
    "partial": "∂",
    "nabla": "∇",
    "sqrt": "√",
    "pm": "±",
    "mp": "∓",
    "in": "∈",
    "sim": "~",
    "propto": "∝",
    "odot": "⊙",
    "top": "ᵀ",
    "ldots": "…",
    "cdots": "⋯",
    "dots": "…",
    "quad": " ",
    "qquad": "  ",
    "lvert": "|",
    "rvert": "|",
    "lVert": "‖",
    "rVert": "‖",
    "|": "‖",
    "mid": "|",
    "circ": "∘",
    "equiv": "≡",
    "cap": "∩",
    "cup": "∪",
    "forall": "∀",
    "exists": "∃",
}
_ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303"}  # combining characters
_TEX_DROP = re.compile(
    r"\\(?:left|right|big|Big|bigg|Bigg|displaystyle|boxed|,|;|:|!|\s)(?![a-zA-Z])"
)
_TEX_WORD = re.compile(
    r"\\(mathrm|text|textbf|mathbf|operatorname|mathcal|mathbb|bm|boldsymbol|hat|bar|tilde)\{([^{}]*)\}"
)
_TEX_FRAC = re.compile(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}")
_TEX_COMMAND = re.compile(r"\\([a-zA-Z]+|\|)")


def plain_math(tex: str) -> str:
    """Readable plain text for a TeX formula: ``\\sigma_w^2`` becomes ``σ_w^2``."""
    out = tex
    out = re.sub(
        r"\\(hat|bar|tilde)\s*(?:\{(\w)\}|(\w))", lambda m: (m[2] or m[3]) + _ACCENTS[m[1]], out
    )
    out = re.sub(r"\\[dt]?frac\s*(\w)\s*(\w)", r"\1/\2", out)
    for _ in range(3):
        out = _TEX_WORD.sub(lambda m: m.group(2), out)
        out = _TEX_FRAC.sub(lambda m: f"({m.group(1)})/({m.group(2)})", out)
    out = _TEX_DROP.sub("", out)
    out = _TEX_COMMAND.sub(lambda m: _TEX_SYMBOLS.get(m.group(1), m.group(1)), out)
    out = re.sub(r"\{([^{}]*)\}", r"\1", out)
    out = re.sub(r"\{([^{}]*)\}", r"\1", out)
    return " ".join(out.replace("&", " ").split())


def notes_text(text: str) -> str:
    """Markdown for the speaker view: TeX as plain text, no ``$`` left for MathJax."""
    text = re.sub(r"\$\$(.+?)\$\$", lambda m: plain_math(m.group(1)), text, flags=re.S)
    text = re.sub(r"\$([^$]+)\$", lambda m: plain_math(m.group(1)), text)
    return text.replace("$", "")


# ---- code cells ------------------------------------------------------------------------------


def output_kind(output) -> str:  # noqa: ANN001
    """figure, text (short enough for a slide), notes (long text) or drop."""
    data = output.get("data", {})
    if output.output_type == "stream":
        if output.get("name") == "stderr":
            return "drop"
        lines = output.text.rstrip("\n").splitlines()
        fits = len(lines) <= MAX_OUTPUT_LINES and max(map(len, lines), default=0) <= OUTPUT_CHARS
        return "text" if fits else "notes"
    if output.output_type == "error":
        return "drop"
    if any(k.startswith("image/") for k in data):
        return "figure"
    if "application/vnd.jupyter.widget-view+json" in data:
        return "drop"
    if "text/html" in data:
        return "html"
    text = data.get("text/plain", "")
    lines = text.splitlines()
    fits = len(lines) <= 3 and max(map(len, lines), default=0) <= OUTPUT_CHARS
    return "text" if fits else "notes"


def output_height(output, kind: str) -> int:  # noqa: ANN001
    if kind == "figure":
        return FIGURE_MIN
    if kind == "html":
        html = output["data"]["text/html"]
        return 44 * html.count("<tr") + 30 * bool(_CAPTION.search(html)) + 20
    text = output.text if output.output_type == "stream" else output["data"]["text/plain"]
    return len(text.rstrip("\n").splitlines()) * OUTPUT_LINE + 20


_ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
_TABLE_CELL = re.compile(r"<(t[hd])[^>]*>(.*?)</t[hd]>", re.S)
_CAPTION = re.compile(r"<caption[^>]*>(.*?)</caption>", re.S)


def split_table(html: str) -> tuple[str, list[str]] | None:
    """A table too wide for a slide as tables of a few columns each, every one with the first
    (label) column, and its caption for the notes; None if the table fits as it is."""
    rows = [_TABLE_CELL.findall(r) for r in _ROW.findall(html)]
    width = max((len(r) for r in rows), default=0)
    if width <= MAX_TABLE_COLUMNS or any(len(r) != width for r in rows):
        return None
    caption = _CAPTION.search(html)
    rest = list(range(1, width))
    parts = -(-len(rest) // (MAX_TABLE_COLUMNS - 1))
    size = -(-len(rest) // parts)
    tables = []
    for k in range(0, len(rest), size):
        columns = [0, *rest[k : k + size]]
        body = "".join(
            "<tr>" + "".join(f"<{r[c][0]}>{r[c][1]}</{r[c][0]}>" for c in columns) + "</tr>"
            for r in rows
        )
        tables.append(f'<table style="text-align: left">{body}</table>')
    return (caption.group(1) if caption else ""), tables


def output_text(output) -> str:  # noqa: ANN001
    if output.output_type == "stream":
        return output.text
    return output.get("data", {}).get("text/plain", "")


# ---- the deck ---------------------------------------------------------------------------------


class Item:
    """One piece of a slide: a new cell of the deck with its estimated height."""

    def __init__(self, cell, height: int, figure: bool = False) -> None:  # noqa: ANN001
        self.cell, self.height, self.figure = cell, height, figure
        self.keep_with = 0  # height of what must stay on the same slide (after a heading)


def cell_items(cell) -> tuple[list[Item], str]:  # noqa: ANN001
    """The pieces a notebook cell puts on its slides, and the text it adds to the notes."""
    import nbformat

    if cell.cell_type == "markdown":
        keep, notes = slide_markdown(cell.source)
        items = [
            Item(nbformat.v4.new_markdown_cell(text), block_height(kind, text))
            for kind, text in keep
        ]
        for (kind, _), item, after in zip(keep, items, items[1:], strict=False):
            if kind == "heading":  # a heading stays with the block under it
                item.keep_with = after.height
        return items, "\n\n".join(notes_text(n) for n in notes)
    if cell.cell_type != "code":
        return [], ""
    items, notes = [], []
    show_code = bool(cell.metadata.get("slides", {}).get("show_code"))
    if show_code:
        code = nbformat.v4.new_code_cell(cell.source)
        items.append(Item(code, len(cell.source.splitlines()) * OUTPUT_LINE + 24))
    for output in cell.get("outputs", []):
        kind = output_kind(output)
        if kind == "drop":
            continue
        if kind == "notes":
            notes.append("```\n" + output_text(output).rstrip("\n") + "\n```")
            continue
        if kind == "html" and (parts := split_table(output["data"]["text/html"])):
            caption, tables = parts
            notes.append(caption)
            for table in tables:
                part = copy.deepcopy(output)
                part["data"] = {"text/html": table}
                piece = nbformat.v4.new_code_cell("", outputs=[part])
                piece.execution_count = None
                piece.metadata["transient"] = {"remove_source": True}
                items.append(Item(piece, output_height(part, kind)))
            continue
        piece = nbformat.v4.new_code_cell("", outputs=[copy.deepcopy(output)])
        piece.execution_count = None
        piece.metadata["transient"] = {"remove_source": True}
        if kind == "figure":
            piece.metadata["tags"] = [FIGURE_TAG]
        items.append(Item(piece, output_height(output, kind), figure=kind == "figure"))
    return items, "\n\n".join(notes)


def continued(headline: str, slide_type: str):  # noqa: ANN201 - nbformat.NotebookNode
    """The headline of a slide again, at the top of a slide that continues it."""
    import nbformat

    return nbformat.v4.new_markdown_cell(
        headline, metadata={"tags": [CONTINUED_TAG], "slideshow": {"slide_type": slide_type}}
    )


def deck_notebook(nb):  # noqa: ANN001, ANN201 - nbformat.NotebookNode
    """A copy of ``nb`` laid out as slides that fit (see the module docstring)."""
    import nbformat

    deck = copy.deepcopy(nb)
    cells = []
    used = 0  # estimated height filled on the current slide
    figures = 0
    headline = None  # markdown of the current slide's headline, repeated when it continues
    for cell in nb.cells:
        kind = cell.metadata.get("slideshow", {}).get("slide_type", "-")
        if kind in {"skip", "notes"}:
            continue
        items, moved = cell_items(cell)
        speaker = str(cell.metadata.get("speaker_notes") or "")
        notes = "\n\n".join(n for n in (speaker, moved) if n)
        if not items and kind in {"slide", "subslide"}:
            # A cell that starts a slide shows something: its first sentence at least.
            lead = first_sentence(" ".join(re.sub(r"(?m)^\s*>", "", cell.source).split()))
            items = [Item(nbformat.v4.new_markdown_cell(lead), text_height(lead))]
        for n, item in enumerate(items):
            start = kind if n == 0 else "-"
            if n == 0 and start in {"-", "fragment"} and used and item.cell.source.startswith("#"):
                start = "subslide"  # a section heading inside a slide opens a slide of its own
            if start in {"slide", "subslide"}:
                used, figures = 0, 0
                if start == "slide" or item.cell.source.startswith("#"):
                    headline = None
                elif headline is not None:  # a vertical slide without a heading continues one
                    cells.append(continued(headline, start))
                    used, start = block_height("heading", headline), "-"
            elif used + item.height + item.keep_with > BUDGET or (item.figure and figures):
                # The slide is full: continue on a new vertical slide under the same headline.
                if headline is not None:
                    cells.append(continued(headline, "subslide"))
                    used = block_height("heading", headline)
                    start = "fragment" if start == "fragment" else "-"
                else:
                    used = 0
                    start = "subslide"
                figures = 0
            is_heading = item.cell.cell_type == "markdown" and _HEADING.match(item.cell.source)
            if is_heading and (headline is None or start in {"slide", "subslide"}):
                headline = item.cell.source
            item.cell.metadata["slideshow"] = {"slide_type": start}
            cells.append(item.cell)
            used += item.height
            figures += item.figure
            if n == 0 and notes:
                cells.append(
                    nbformat.v4.new_markdown_cell(
                        notes, metadata={"slideshow": {"slide_type": "notes"}}
                    )
                )
        if not items and notes:
            cells.append(
                nbformat.v4.new_markdown_cell(
                    notes, metadata={"slideshow": {"slide_type": "notes"}}
                )
            )
    deck.cells = cells
    return deck


def build_deck(notebook: Path, out: Path) -> Path:
    """Convert one notebook to ``out/<stem>.slides.html`` and return the path."""
    import jinja2
    import nbformat
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(
        reveal_theme=THEME,
        extra_loaders=[jinja2.DictLoader({"course_deck.html.j2": TEMPLATE})],
        template_file="course_deck.html.j2",
        **URLS,
    )
    nb = nbformat.read(notebook, as_version=4)
    title = next(
        (c.source.splitlines()[0].lstrip("# ") for c in nb.cells if c.cell_type == "markdown"),
        notebook.stem,
    )
    resources = {
        "metadata": {"name": title},
        "deck_css": CSS,
        "deck_width": SLIDE_WIDTH,
        "deck_height": SLIDE_HEIGHT,
    }
    body, _ = exporter.from_notebook_node(deck_notebook(nb), resources=resources)
    body = MERMAID.sub("", body)
    target = out / f"{notebook.stem}.slides.html"
    target.write_text(body, encoding="utf-8")
    return target


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "slides")
    parser.add_argument("--no-vendor", action="store_true", help="skip fetching reveal.js")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.no_vendor:
        vendor(args.out)
    for nb in notebooks:
        print(build_deck(nb, args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
