"""Every slide of every deck fits a 16:9 screen (`make slides`, issue 17).

Each deck is opened once from its folder (file://, every request outside the folder blocked).
After MathJax has typeset and every image has loaded, the test steps through all slides with
``Reveal.slide(h, v, f)`` (every fragment shown) at 1280x720 and at 1920x1080, and measures,
in the slide's own pixels, whether anything is taller or wider than the slide: the slide's
scroll size, every element's box, and every element that clips or scrolls its content (a code
block with a horizontal scroll bar is cut off on a projector). It saves a screenshot of the
first slide with a figure of each deck (build/browser-artifacts/slides-<deck>-<width>.png)
and checks that every figure is large: at least 45 % of the slide's height.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.browser.conftest import ROOT, folder_page

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SIZES = [(1280, 720), (1920, 1080)]
MIN_FIGURE_HEIGHT = 0.45  # of the slide's height

_spec = importlib.util.spec_from_file_location("build_slides", ROOT / "scripts" / "build_slides.py")
build_slides = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_slides)

# One pass over all slides at the current viewport size. Returns, per slide, its indices, its
# headline, its scroll size, the worst element box beyond the slide and the clipped elements.
MEASURE = """async () => {
  Reveal.configure({transition: 'none', backgroundTransition: 'none'});
  Reveal.layout();
  const cfg = Reveal.getConfig();
  const W = cfg.width, H = cfg.height, tol = 1;
  const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const out = [];
  const stacks = Reveal.getHorizontalSlides();
  for (let h = 0; h < stacks.length; h++) {
    const n = Math.max(stacks[h].querySelectorAll(':scope > section').length, 1);
    for (let v = 0; v < n; v++) {
      Reveal.slide(h, v, 1000);
      await new Promise(r => MathJax.Hub.Queue(r));  // the decks re-render math on a new slide
      await frame();
      const s = Reveal.getCurrentSlide();
      await Promise.all([...s.querySelectorAll('img')].map(i => i.decode().catch(() => null)));
      const box = Reveal.getSlidesElement().getBoundingClientRect();
      const k = box.width / W;  // viewport pixels per slide pixel (reveal scales or zooms)
      let right = 0, bottom = 0, worst = null;
      const clipped = [];
      for (const el of s.querySelectorAll('*')) {
        // notes are not shown; MathJax's MathML copy is clipped on purpose (screen readers)
        if (el.closest('aside.notes, script, style, .MJX_Assistive_MathML')) continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        const x = (r.right - box.left) / k, y = (r.bottom - box.top) / k;
        if (x > right) right = x;
        if (y > bottom) { bottom = y; }
        if (x > W + tol || y > H + tol) worst = worst || el.tagName + '.' + el.className;
        const st = getComputedStyle(el);
        const clipsX = st.overflowX !== 'visible', clipsY = st.overflowY !== 'visible';
        if ((clipsX && el.scrollWidth > el.clientWidth + tol)
            || (clipsY && el.scrollHeight > el.clientHeight + tol)) {
          clipped.push(`${el.tagName}.${el.className} ${el.scrollWidth}x${el.scrollHeight}`
                       + ` in ${el.clientWidth}x${el.clientHeight}`);
        }
      }
      const top = (s.getBoundingClientRect().top - box.top) / k;
      const head = s.querySelector('h1, h2, h3, h4');
      out.push({
        h, v, W, H,
        title: (head ? head.textContent : s.textContent).trim().slice(0, 60),
        scrollWidth: s.scrollWidth, scrollHeight: s.scrollHeight,
        right: Math.round(right), bottom: Math.round(bottom), top: Math.round(top),
        worst, clipped,
        figures: [...s.querySelectorAll('.jp-OutputArea-output img')].map(i => {
          const r = i.getBoundingClientRect();
          return [Math.round(r.width / k), Math.round(r.height / k)];
        }),
      });
    }
  }
  Reveal.slide(0, 0, 0);
  return out;
}"""

# The decks load reveal.js through require.js, so it is no global: fetch the module by its URL.
# MathJax's "End" startup hook fires after its first typesetting pass (also for a late listener).
WAIT_READY = """() => new Promise(resolve => {
  const url = document.documentElement.innerHTML.match(/"([^"]*dist\\/reveal\\.js)"/)[1];
  const typeset = () => MathJax.Hub.Register.StartupHook('End', () => resolve(true));
  require([url], R => {
    window.Reveal = R;
    if (R.isReady()) typeset(); else R.on('ready', typeset);
  });
})"""


SHOW = """async ([h, v]) => {
  Reveal.slide(h, v, 1000);
  await new Promise(r => MathJax.Hub.Queue(r));
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
}"""


def overflows(slide: dict) -> list[str]:
    """What is wrong with one measured slide (empty if it fits)."""
    w, h = slide["W"], slide["H"]
    problems = []
    if slide["scrollHeight"] > h + 1 or slide["bottom"] > h + 1:
        problems.append(f"taller: {max(slide['scrollHeight'], slide['bottom'])} > {h}")
    if slide["scrollWidth"] > w + 1 or slide["right"] > w + 1:
        problems.append(f"wider: {max(slide['scrollWidth'], slide['right'])} > {w}")
    problems += [f"clipped {c}" for c in slide["clipped"]]
    # a figure is the point of its slide: it takes most of the height left under the headline
    problems += [
        f"figure only {fw}x{fh}" for fw, fh in slide["figures"] if fh < MIN_FIGURE_HEIGHT * h
    ]
    return problems


def open_deck(browser, folder: Path, stem: str):  # noqa: ANN001, ANN201
    """A page showing one deck, with every request outside its folder blocked and recorded."""
    pg = folder_page(browser, folder, {"width": SIZES[0][0], "height": SIZES[0][1]})
    pg.goto(pg.prefix + f"{stem}.slides.html", wait_until="load")
    pg.evaluate(WAIT_READY)
    return pg


def measure(pg) -> dict[tuple[int, int], list[dict]]:  # noqa: ANN001
    """Every slide measured at each size of SIZES."""
    result = {}
    for width, height in SIZES:
        pg.set_viewport_size({"width": width, "height": height})
        result[(width, height)] = pg.evaluate(MEASURE)
    return result


def screenshot_first_figure(pg, slides: list[dict], path: Path) -> bool:  # noqa: ANN001
    first = next((s for s in slides if s["figures"]), None)
    if first is None:
        return False
    pg.evaluate(SHOW, [first["h"], first["v"]])
    pg.screenshot(path=str(path))
    return True


@pytest.fixture(scope="session")
def deck_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All decks, built once, with the vendored front end linked next to them."""
    out = tmp_path_factory.mktemp("decks")
    modules = build_slides.fetch_front_end()
    build_slides.main(["--no-vendor", "--out", str(out)])
    (out / "vendor").symlink_to(modules, target_is_directory=True)
    return out


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_slide_fits_the_screen(notebook, deck_folder, browser, artifacts):  # noqa: ANN001
    pg = open_deck(browser, deck_folder, notebook.stem)
    try:
        measured = measure(pg)
        shots = []
        for (width, height), slides in measured.items():
            pg.set_viewport_size({"width": width, "height": height})
            shots.append(
                screenshot_first_figure(
                    pg, slides, artifacts / f"slides-{notebook.stem}-{width}.png"
                )
            )
    finally:
        pg.context.close()
    assert pg.outside == [], "requests outside the deck's folder"
    assert pg.problems == [], "page errors or failed requests"
    assert all(shots), "the deck has no slide with a figure"
    bad = [
        f"{size[0]}x{size[1]} slide {s['h']}.{s['v']} ({s['title']!r}): {'; '.join(p)}"
        for size, slides in measured.items()
        for s in slides
        if (p := overflows(s))
    ]
    assert not bad, f"{len(bad)} slides do not fit:\n" + "\n".join(bad)
