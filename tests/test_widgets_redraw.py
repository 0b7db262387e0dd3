"""Rapid control changes from the browser fold into one redraw; changes in code do not."""

from __future__ import annotations

import asyncio
import concurrent.futures

import pytest

from course_utils.experiments.playground import INITIALIZERS
from course_utils.widgets import base
from course_utils.widgets.mnist_explorer import MnistExplorer
from course_utils.widgets.playground import Playground


def run_in_own_loop(coro) -> None:
    """asyncio.run in a thread of its own: a browser test of the same pytest worker may keep
    Playwright's event loop running in the main thread, where asyncio.run refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


INTERVAL = 0.5  # generous, so that a slow machine still sees the changes as rapid


@pytest.fixture
def interval(monkeypatch):
    monkeypatch.setattr(base, "MIN_REDRAW_INTERVAL", INTERVAL)
    return INTERVAL


def counting(app) -> list[str]:  # noqa: ANN001
    """Record the model's initializer at every redraw of ``app``."""
    seen: list[str] = []
    redraw = app.refresh

    def refresh() -> None:
        seen.append(app.model.init)
        redraw()

    app.refresh = refresh
    return seen


def browser_sets(widget, value) -> None:  # noqa: ANN001
    """What a message from the front end does: ``Widget.set_state`` (selections send index)."""
    widget.set_state({"index": list(widget.options).index(value)})


def test_burst_of_browser_changes_redraws_first_and_last(interval):
    app = Playground("Appropriate", "circles")
    seen = counting(app)
    clicks = [*INITIALIZERS, *INITIALIZERS[:3]]  # 9 clicks, last one "Too large"
    assert clicks[0] != app.model.init

    async def learner() -> None:
        for label in clicks:
            browser_sets(app.init_buttons, label)
        assert seen == [clicks[0]], "only the first click redraws at once"
        await asyncio.sleep(interval * 1.6)

    run_in_own_loop(learner())
    assert seen == [clicks[0], clicks[-1]]
    assert app.model.init == app.init_buttons.value == clicks[-1]


def test_step_after_a_burst_redraws_once_and_cancels_the_trailing_redraw(interval):
    app = MnistExplorer("Xavier")
    seen = counting(app)

    async def learner() -> None:
        browser_sets(app.init_buttons, "He")
        browser_sets(app.init_buttons, "Uniform")  # deferred
        app.controls.press_step()  # redraws now, with "Uniform"
        await asyncio.sleep(interval * 1.6)

    run_in_own_loop(learner())
    assert seen == ["He", "Uniform"]
    assert app.model.step_count == app.controls.steps_per_tick


def test_changes_made_in_code_always_redraw_at_once(interval):
    app = Playground("Appropriate", "circles")
    seen = counting(app)
    labels = list(INITIALIZERS[:4])

    async def cell() -> None:  # a notebook cell runs inside the kernel's event loop
        for label in labels:
            app.init_buttons.value = label
        app.view_buttons.value = Playground.VIEWS[-1]

    run_in_own_loop(cell())
    assert seen == [*labels, labels[-1]]


def test_without_an_event_loop_every_browser_change_redraws(interval):
    def clicks() -> list[str]:
        app = Playground("Appropriate", "circles")
        seen = counting(app)
        for label in INITIALIZERS[:3]:
            browser_sets(app.init_buttons, label)
        return seen

    # In a thread of its own: no event loop runs there, whatever the main thread holds.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        seen = pool.submit(clicks).result()
    assert seen == list(INITIALIZERS[:3])


def test_browser_changes_further_apart_than_the_interval_each_redraw(monkeypatch):
    monkeypatch.setattr(base, "MIN_REDRAW_INTERVAL", 0.0)
    app = Playground("Appropriate", "circles")
    seen = counting(app)

    async def learner() -> None:
        for label in INITIALIZERS[:3]:
            browser_sets(app.init_buttons, label)

    run_in_own_loop(learner())
    assert seen == list(INITIALIZERS[:3])


def test_burst_of_weight_scale_changes_redraws_first_and_last(interval):
    app = MnistExplorer("He")
    seen: list[float] = []
    redraw = app.refresh

    def refresh() -> None:
        seen.append(app.model.scale)
        redraw()

    app.refresh = refresh
    scales = [2.0, 4.0, 0.5, 0.25]

    async def learner() -> None:
        for scale in scales:
            app.scale_slider.set_state({"value": scale})  # as a message from the browser
        assert seen == [scales[0]], "only the first change redraws at once"
        await asyncio.sleep(interval * 1.6)

    run_in_own_loop(learner())
    assert seen == [scales[0], scales[-1]]
    assert app.model.scale == app.scale_slider.value == scales[-1]
    assert "He ×0.25" in app.readout.value
