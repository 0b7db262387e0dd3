"""Hypothesis profiles (`make test` and CI draw the same examples on every run), and the
website that the book tests share.

A property test that fails only on some runs would block CI at random, so the default
profile is derandomized (examples follow from each test's name). To hunt for new failures,
run ``pytest tests --hypothesis-profile=explore`` (random seeds) a few times.
"""

import fcntl
import importlib.util
import json
import time
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("build_book", ROOT / "scripts" / "build_book.py")
build_book = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_book)

settings.register_profile("course", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False, database=None)
settings.load_profile("course")


class BookSite(NamedTuple):
    """A built website: its folder, its page names (index first) and the build time."""

    folder: Path
    pages: list[str]
    seconds: float


@pytest.fixture(scope="session")
def book_site(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> BookSite:
    """The course website, built once per test run with warnings as errors (Sphinx -W).

    Under pytest-xdist the workers share one build: the first builds it under a lock, the
    others wait and reuse it.
    """
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent
    root = shared / "book"
    with open(shared / "book.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = root / "pages.json"
        if not done.exists():
            started = time.perf_counter()
            pages = build_book.build(root / "html", root / "src", root / "doctrees", strict=True)
            seconds = time.perf_counter() - started
            done.write_text(json.dumps({"pages": pages, "seconds": seconds}))
    built = json.loads(done.read_text())
    return BookSite(root / "html", built["pages"], built["seconds"])
