"""Measure how fast a figure updates in JupyterLab with each display mechanism.

Issue 4 asks to pick the figure mechanism of the apps by measuring update latency: inline
re-rendering into an Output widget, ipympl, or an Image widget fed from Agg (what the apps
use). This script measures them in a real browser, on the same figure.

Usage
-----
``make bench-figures``, or::

    python scripts/bench_figures.py [--clicks N] [--warmup N] [--projector] [--no-write]

``--clicks`` measured clicks per mechanism (default 20), ``--warmup`` unmeasured clicks
before them (default 2), ``--projector`` measures the figure of the apps' projector mode
(``MnistExplorer("Xavier", projector=True)``, 1280 x 528 pixels shown at the page's width,
what ``make app`` shows) instead of the notebook's, ``--no-write`` prints the table without
touching README.md. ``make bench-figures`` runs both sizes; each writes its own block of the
README (``figures`` and ``figures-projector``). Needs
Debian's Chromium (``/usr/bin/chromium``, or ``COURSE_CHROMIUM``) and the ``playwright``
package, like the browser tests; it never downloads a browser. Run it with one BLAS thread,
as ``make`` does (``OPENBLAS_NUM_THREADS=1``). It takes about two minutes.

What is measured
----------------
The time from a button click in the page until the updated figure is in the page (the new
PNG decoded into an ``<img>``, or drawn into ipympl's ``<canvas>``). The figure is the MNIST
explorer's (``MnistExplorer("Xavier")``, 720 x 360 pixels, or 1280 x 528 with ``--projector``:
digit grid, four histograms, cost
and accuracy curves). Each click runs two SGD steps and updates every artist
(``app.model.step(2)``, ``app.refresh()``), then shows the figure through one mechanism:

- ``image``: what the apps do: :meth:`FigureView.redraw` renders with Agg (only the artists
  that change, on a cached background) and assigns the PNG to an ``ipywidgets.Image``;
- ``image_full``: the same with every artist rendered each time, as the inline backend and
  plain ipympl do; this separates the transport from the cached background;
- ``output``: ``with out: clear_output(wait=True); display(fig)``, the figure rendered by
  the inline backend (``bbox_inches="tight"``): what a naive notebook app does;
- ``ipympl``: ipympl's canvas widget (what ``%matplotlib widget`` shows), ``canvas.draw()``
  in the callback (``draw_idle`` would add a round trip to the browser);
- ``ipympl_blit``: ipympl's canvas with the apps' cached background, ``canvas.blit()``.

The two ipympl rows need ``ipympl`` (not a dependency); without it they are skipped and the
table says so. Besides the browser time (median and 90th percentile) the kernel-side time
of the same clicks is reported (``time.perf_counter`` around the callback, rendering
included), so that the share of messaging and front end is visible.

Notes
-----
JupyterLab is started as in ``tests/browser`` (127.0.0.1, a free port, a random token,
``--allow-root`` as root) on a temporary folder holding the generated notebook, and is
stopped with its kernel at the end, also on failure. The clicks alternate between the
mechanisms, so that a burst of machine load hits all alike. The table and a paragraph
explaining the choice are written between ``<!-- figures:start -->`` and
``<!-- figures:end -->`` in README.md; without those markers they are only printed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.metadata
import importlib.util
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.bench import cpu_name, fmt_ms, write_readme_block  # noqa: E402
from tests.browser import lab  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Server, running_lab  # noqa: E402

START, END = "<!-- figures:start -->", "<!-- figures:end -->"
# the projector-mode table has a block of its own
PROJECTOR_START = "<!-- figures-projector:start -->"
PROJECTOR_END = "<!-- figures-projector:end -->"
NOTEBOOK = "bench_figures.ipynb"
REFERENCE = "image"
# ipympl would become a dependency only if it took at most this fraction of the apps' time.
CLEAR_WIN = 0.8

# key -> (label in the table, what one update does)
MECHANISMS: dict[str, tuple[str, str]] = {
    "image": (
        "Image widget (the app)",
        "`FigureView.redraw`: Agg renders the changing artists on a cached background, "
        "PNG to `ipywidgets.Image.value`",
    ),
    "image_full": (
        "Image widget, full render",
        "the same with every artist rendered each time (no cached background)",
    ),
    "output": (
        "Output widget + inline backend",
        '`clear_output(wait=True); display(fig)`, PNG with `bbox_inches="tight"`',
    ),
    "ipympl": (
        "ipympl canvas widget",
        "`canvas.draw()`: full Agg render, PNG of the changed pixels to the `<canvas>`",
    ),
    "ipympl_blit": (
        "ipympl canvas widget, cached background",
        "the app's cached background and changing artists on ipympl's canvas, `canvas.blit()`",
    ),
}


# ---------------------------------------------------------------------------
# the notebook run by the kernel
# ---------------------------------------------------------------------------

SETUP = '''\
%matplotlib inline
import json
import time

import ipywidgets as widgets
from IPython.display import clear_output, display

from course_utils.widgets.mnist_explorer import MnistExplorer

TIMES = {}  # mechanism -> kernel-side seconds of each click
SIZES = {}  # mechanism -> bytes of each picture sent


def bench_box(kind, app, show, view):
    """A button (two SGD steps, then ``show()``) above ``view``, tagged ``bench-<kind>``."""
    TIMES[kind], SIZES[kind] = [], []
    button = widgets.Button(description=f"bench {kind}")

    def on_click(_):
        t0 = time.perf_counter()
        app.model.step(2)
        app.refresh()
        size = show()
        TIMES[kind].append(time.perf_counter() - t0)
        SIZES[kind].append(size)

    button.on_click(on_click)
    return widgets.VBox([button, view]).add_class(f"bench-{kind}")


def without_image(app):
    """Let ``app.refresh()`` update the artists only; every artist is drawn normally."""
    app.view.set_animated([])
    app.view.redraw = lambda full=True: b""
    return app
'''

CELL_IMAGE = """\
app_image = MnistExplorer("Xavier"{APP_ARGS})
display(bench_box("image", app_image, lambda: len(app_image.view.image.value),
                  app_image.view.image))
"""

CELL_IMAGE_FULL = """\
app_full = MnistExplorer("Xavier"{APP_ARGS})
app_full.view.set_animated([])
app_full.refresh()
display(bench_box("image_full", app_full, lambda: len(app_full.view.image.value),
                  app_full.view.image))
"""

CELL_OUTPUT = """\
app_out = without_image(MnistExplorer("Xavier"{APP_ARGS}))
out = widgets.Output()


def show_output():
    with out:
        clear_output(wait=True)
        display(app_out.view.figure)
    return 0  # measured once at the end (the inline backend does not return it)


show_output()
display(bench_box("output", app_out, show_output, out))
"""

CELL_IPYMPL = """\
from ipympl.backend_nbagg import new_figure_manager_given_figure
from matplotlib.backends.backend_agg import FigureCanvasAgg


def ipympl_canvas(app, num):
    \"\"\"ipympl's canvas widget for ``app``'s figure, and the list of bytes it sends.\"\"\"
    canvas = new_figure_manager_given_figure(num, app.view.figure).canvas
    canvas.header_visible = canvas.footer_visible = canvas.resizable = False
    canvas.toolbar_visible = False
    sent = []
    send_binary = canvas.send_binary

    def counting_send_binary(data):
        sent.append(len(data))
        send_binary(data)

    canvas.send_binary = counting_send_binary
    return canvas, sent


app_mpl = without_image(MnistExplorer("Xavier"{APP_ARGS}))
canvas_mpl, sent_mpl = ipympl_canvas(app_mpl, 1)


def show_mpl():
    n = len(sent_mpl)
    canvas_mpl.draw()
    return sum(sent_mpl[n:])


display(bench_box("ipympl", app_mpl, show_mpl, canvas_mpl))
"""

CELL_IPYMPL_BLIT = """\
class AggOnly:
    \"\"\"The ipympl canvas, whose draw() only renders (blit() then sends the picture).\"\"\"

    def __init__(self, canvas):
        self._canvas = canvas

    def draw(self):
        FigureCanvasAgg.draw(self._canvas)

    def __getattr__(self, name):
        return getattr(self._canvas, name)


app_blit = MnistExplorer("Xavier"{APP_ARGS})  # its changing artists drawn on a cached background
canvas_blit, sent_blit = ipympl_canvas(app_blit, 2)
app_blit.view.canvas = AggOnly(canvas_blit)
app_blit.view._encode = lambda: b""
last_blit = [0]


def redraw_blit(full=True):
    n = len(sent_blit)
    app_blit.view._render(full)
    canvas_blit.blit()
    last_blit[0] = sum(sent_blit[n:])


app_blit.view.redraw = redraw_blit
display(bench_box("ipympl_blit", app_blit, lambda: last_blit[0], canvas_blit))
"""

REPORT = """\
from IPython.core.pylabtools import print_figure

SIZES["output"] = [len(print_figure(app_out.view.figure, "png"))] * len(TIMES["output"])
print(json.dumps({"times": TIMES, "sizes": SIZES}))
"""


def write_notebook(folder: Path, kinds: list[str], projector: bool = False) -> Path:
    import nbformat

    cells = {
        "image": CELL_IMAGE,
        "image_full": CELL_IMAGE_FULL,
        "output": CELL_OUTPUT,
        "ipympl": CELL_IPYMPL,
        "ipympl_blit": CELL_IPYMPL_BLIT,
    }
    nb = nbformat.v4.new_notebook()
    args = ", projector=True" if projector else ""
    nb.cells = [nbformat.v4.new_code_cell(SETUP)] + [
        nbformat.v4.new_code_cell(cells[k].replace("{APP_ARGS}", args)) for k in kinds
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / NOTEBOOK
    nbformat.write(nb, path)
    return path


# ---------------------------------------------------------------------------
# the server and the browser
# ---------------------------------------------------------------------------


@contextlib.contextmanager
def lab_server(folder: Path) -> Iterator[Server]:
    """JupyterLab serving ``folder/root``, as in the browser tests; kernels stopped on exit."""
    root = folder / "root"
    root.mkdir()
    with running_lab(root, folder) as server:
        try:
            yield server
        finally:
            with contextlib.suppress(OSError):
                server.shutdown_kernels()


# Click the mechanism's button and resolve with the milliseconds until its new picture is
# in the page: an <img> whose src changed (Image widget) or a new <img> (Output widget),
# decoded; or the drawImage() that copies ipympl's new frame into its visible <canvas>.
CLICK_JS = """
async ({kind, timeoutMs}) => {
  const root = document.querySelector(`.bench-${kind}`);
  const button = root.querySelector('button');
  const oldImg = root.querySelector('img');
  const oldSrc = oldImg ? oldImg.src : null;
  let finish;
  const done = new Promise(resolve => { finish = resolve; });
  let observer = null, ctx = null, seen = false;
  if (kind.startsWith('ipympl')) {
    ctx = root.querySelector('.jupyter-matplotlib-figure canvas').getContext('2d');
    ctx.drawImage = function (...args) {
      CanvasRenderingContext2D.prototype.drawImage.apply(this, args);
      finish(performance.now());
    };
  } else {
    observer = new MutationObserver(() => {
      const imgs = root.querySelectorAll('img');
      const img = imgs[imgs.length - 1];
      const fresh = kind === 'output' ? img !== oldImg : img.src !== oldSrc;
      if (seen || !img || !img.src || !fresh) return;
      seen = true;
      img.decode().catch(() => {}).then(() => finish(performance.now()));
    });
    observer.observe(root, {subtree: true, childList: true, attributes: true,
                            attributeFilter: ['src']});
  }
  const timer = new Promise(resolve => setTimeout(() => resolve(null), timeoutMs));
  const t0 = performance.now();
  button.click();
  const t1 = await Promise.race([done, timer]);
  if (observer) observer.disconnect();
  if (ctx) delete ctx.drawImage;
  return t1 === null ? null : t1 - t0;
}
"""

# Run code in the notebook's kernel (outside the notebook) and return what it printed.
EXECUTE_JS = """
async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({code, store_history: false});
  let text = '';
  future.onIOPub = msg => {
    if (msg.header.msg_type === 'stream') text += msg.content.text;
    if (msg.header.msg_type === 'error') text += msg.content.traceback.join('\\n');
  };
  await future.done;
  return text;
}
"""


def click(page, kind: str, timeout_s: float = 30.0) -> float:  # noqa: ANN001
    """One click of ``kind``'s button; seconds until the new figure is in the page."""
    page.eval_on_selector(f".bench-{kind}", "el => el.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(100)
    ms = page.evaluate(CLICK_JS, {"kind": kind, "timeoutMs": timeout_s * 1000})
    if ms is None:
        raise TimeoutError(f"{kind}: the figure did not change within {timeout_s:.0f} s")
    lab.wait_idle(page)
    return ms / 1e3


def measure(
    kinds: list[str],
    clicks: int,
    warmup: int,
    progress,  # noqa: ANN001
    projector: bool = False,
) -> tuple[dict, str]:
    """Seconds per click in the browser and in the kernel, bytes per picture, and the
    Chromium version."""
    from playwright.sync_api import sync_playwright

    browser_s: dict[str, list[float]] = {k: [] for k in kinds}
    with tempfile.TemporaryDirectory(prefix="bench-figures-") as tmp:
        folder = Path(tmp)
        with lab_server(folder) as server, sync_playwright() as p:
            write_notebook(server.root, kinds, projector)
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                progress("JupyterLab is up; running the notebook")
                lab.open_notebook(page, server, NOTEBOOK)
                lab.run_all(page)
                errors = lab.error_outputs(page)
                if errors:
                    raise RuntimeError("the benchmark notebook failed:\n" + "\n".join(errors))
                for kind in kinds:
                    sel = "canvas" if kind.startswith("ipympl") else "img"
                    page.locator(f".bench-{kind} {sel}").first.wait_for(timeout=60_000)
                progress(f"{warmup} warm-up clicks and {clicks} measured clicks per mechanism")
                for _ in range(warmup):
                    for kind in kinds:
                        click(page, kind)
                for _ in range(clicks):
                    for kind in kinds:
                        browser_s[kind].append(click(page, kind))
                text = page.evaluate(EXECUTE_JS, REPORT)
                version = browser.version
            finally:
                browser.close()
    try:
        report = json.loads(text.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise RuntimeError(f"the kernel's report is not JSON:\n{text[-2000:]}") from None
    kernel_s = {k: report["times"][k][warmup:] for k in kinds}
    sizes = {k: report["sizes"][k][warmup:] for k in kinds}
    for kind in kinds:
        if len(kernel_s[kind]) != clicks:
            raise RuntimeError(f"{kind}: {len(kernel_s[kind])} kernel timings for {clicks} clicks")
    return {"browser": browser_s, "kernel": kernel_s, "sizes": sizes}, version


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------


def p90(samples: list[float]) -> float:
    return sorted(samples)[int(0.9 * (len(samples) - 1))]


def version_of(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def summarize(data: dict, kinds: list[str]) -> dict[str, dict[str, float]]:
    stats = {}
    for kind in kinds:
        b, k = data["browser"][kind], data["kernel"][kind]
        stats[kind] = {
            "median": statistics.median(b),
            "p90": p90(b),
            "kernel": statistics.median(k),
            "kernel_p90": p90(k),
            # per click, so that the two medians' noise cannot add up past 100 %
            "share": statistics.median(ki / bi for ki, bi in zip(k, b, strict=True)),
            "kb": statistics.median(data["sizes"][kind]) / 1024,
            "n": len(b),
        }
    return stats


def conclusion(stats: dict[str, dict[str, float]], has_ipympl: bool) -> str:
    """The README's paragraph: which mechanism won, by how much, and why (not) ipympl."""
    ref = stats[REFERENCE]

    def ratio(kind: str) -> float:
        return stats[kind]["median"] / ref["median"]

    def kb(kind: str) -> str:
        return f"{stats[kind]['kb']:.0f} KB"

    winner = min(stats, key=ratio)
    if winner == REFERENCE:
        text = (
            f"The apps' way, an Image widget fed from Agg, was fastest in this run: "
            f"{fmt_ms(ref['median'])} from click to picture (median)."
        )
    else:
        text = (
            f"{MECHANISMS[winner][0]} was fastest in this run ({fmt_ms(stats[winner]['median'])} "
            f"from click to picture, median); the apps' Image widget fed from Agg takes "
            f"{fmt_ms(ref['median'])}."
        )
    text += (
        f" A naive Output widget takes {ratio('output'):.1f} times as long: the inline backend "
        "renders every artist and fits a tight bounding box on every update, and JupyterLab "
        "replaces the whole output."
    )
    if has_ipympl:
        best = min(("ipympl", "ipympl_blit"), key=ratio)
        text += (
            f" ipympl's canvas widget takes {ratio('ipympl'):.2f} times as long with a full "
            f"render, and {ratio('ipympl_blit'):.2f} times with the apps' cached background; "
            f"it sends only the pixels that changed ({kb('ipympl_blit')} instead of "
            f"{kb(REFERENCE)} per picture)."
        )
    text += (
        f" Most of each click is spent in the kernel (the kernel share column), and a full "
        f"render alone makes the Image widget {ratio('image_full'):.1f} times slower: "
        "drawing only the changing artists matters more than how the picture reaches the page."
    )
    if not has_ipympl:
        text += (
            " ipympl was not installed for this run, so it was not measured; it is not a "
            "dependency of the course."
        )
    elif ratio(best) <= CLEAR_WIN:
        text += (
            f" ipympl is clearly faster here ({ratio(best):.2f} times the apps' time, "
            f"the threshold is {CLEAR_WIN}): worth adding as a dependency (it is not one yet)."
        )
    else:
        r = ratio(best)
        diff = abs(stats[best]["median"] - ref["median"])
        gain = (
            f"its best case is only {1 - r:.0%} faster, short of the {1 - CLEAR_WIN:.0%} a "
            "change would need"
            if r < 1
            else f"even its best case is {r - 1:.0%} slower"
        )
        if diff < ref["p90"] - ref["median"]:
            gain += (
                ", a difference smaller than the spread of single clicks (90th percentiles "
                f"{fmt_ms(ref['p90'])} and {fmt_ms(stats[best]['p90'])})"
            )
        text += (
            f" ipympl is therefore not a dependency: {gain}. It would add a JupyterLab "
            "extension to keep in step with JupyterLab and Voila, and its fast path needs "
            "blitting, which matplotlib marks unsupported on that canvas."
        )
    return text


def render(
    stats: dict, has_ipympl: bool, chromium: str, clicks: int, warmup: int, projector: bool = False
) -> str:
    today = datetime.date.today().isoformat()
    import matplotlib
    import numpy

    header = (
        f"Measured {today} by `make bench-figures` on {cpu_name()} ({os.cpu_count()} cores), "
        f"Python {platform.python_version()}, numpy {numpy.__version__}, matplotlib "
        f"{matplotlib.__version__}, ipywidgets {version_of('ipywidgets')}, JupyterLab "
        f"{version_of('jupyterlab')}, ipympl {version_of('ipympl')}, Chromium {chromium} "
        f"(headless), OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'auto')}. {clicks} clicks per "
        f"mechanism after {warmup} warm-up clicks, alternating between mechanisms; timings vary "
        "with machine load, so compare ratios."
    )
    lines = [
        header,
        "",
        "| mechanism | click → figure in the page, median | 90th percentile | ratio | "
        "kernel-side, median | kernel share | notes |",
        "|---|---|---|---|---|---|---|",
    ]
    ref = stats[REFERENCE]["median"]
    for kind, s in stats.items():
        label, what = MECHANISMS[kind]
        lines.append(
            f"| {label} | {fmt_ms(s['median'])} | {fmt_ms(s['p90'])} | "
            f"{s['median'] / ref:.2f} | {fmt_ms(s['kernel'])} | "
            f"{s['share']:.0%} | {what}; {s['kb']:.0f} KB per picture |"
        )
    notes = [
        "Each click runs 2 SGD steps and updates every artist of the MNIST explorer's figure "
        + ("(projector mode, 1280 x 528 px shown at the page's width) " if projector else "")
        + ("" if projector else "(720 x 360 px) ")
        + "before showing it. Kernel-side: `time.perf_counter` around the "
        "callback, training and rendering included (its 90th percentiles: "
        + ", ".join(f"{MECHANISMS[k][0]} {fmt_ms(s['kernel_p90'])}" for k, s in stats.items())
        + "); kernel share: median over the clicks of kernel-side time / browser time; the "
        "rest of a click is messaging and the browser (decoding and drawing).",
        "ratio: median divided by the median of the Image widget (the app).",
    ]
    if not has_ipympl:
        notes.append(
            "ipympl was not installed, so its two rows are missing "
            "(`pip install ipympl` measures them)."
        )
    lines += [""] + [f"- {n}" for n in notes]
    lines += ["", conclusion(stats, has_ipympl)]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=20, help="measured clicks per mechanism")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured clicks first")
    parser.add_argument(
        "--projector", action="store_true", help="the apps' projector-mode figure (make app)"
    )
    parser.add_argument("--no-write", action="store_true", help="print only, keep README.md")
    args = parser.parse_args(argv)
    if args.clicks < 2 or args.warmup < 0:
        parser.error("--clicks must be >= 2 and --warmup >= 0")
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} not found (apt-get install chromium); nothing measured.")
        return 1
    if importlib.util.find_spec("playwright") is None:
        print("the playwright package is not installed; nothing measured.")
        return 1

    t_start = time.perf_counter()

    def progress(msg: str) -> None:
        print(f"[{time.perf_counter() - t_start:6.1f} s] {msg}", flush=True)

    has_ipympl = importlib.util.find_spec("ipympl") is not None
    kinds = ["image", "image_full", "output"]
    kinds += ["ipympl", "ipympl_blit"] if has_ipympl else []
    if not has_ipympl:
        print("ipympl is not installed: skipping it (pip install ipympl to measure it).")
    progress("starting JupyterLab")
    data, chromium = measure(kinds, args.clicks, args.warmup, progress, args.projector)
    stats = summarize(data, kinds)
    table = render(stats, has_ipympl, chromium, args.clicks, args.warmup, args.projector)
    print()
    print(table)
    progress("done")
    if not args.no_write:
        start, end = (PROJECTOR_START, PROJECTOR_END) if args.projector else (START, END)
        write_readme_block(table, start, end, "make bench-figures")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
