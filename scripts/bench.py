"""Measure the course's speed and memory on this machine and update the README's table.

Usage: ``make bench`` (or ``python scripts/bench.py [--no-notebooks] [--no-write]``).

What is measured (medians; every figure comes from this run on this machine):

- ``import course_utils``: wall time of the import alone, in 7 fresh interpreters;
- each app (the MNIST explorer and the playground): control change -> updated view, i.e. the
  time from setting a widget's value (or clicking Step) until the new PNG has been assigned
  to the displayed image, in process and without a browser (sending the PNG to the browser
  comes on top). Target: median under 100 ms;
- one SGD step of the MNIST explorer's network (batch 100, float32, one BLAS thread as
  ``make`` runs everything), interleaved in one process with the step's matrix products alone
  (the floor of numpy's step) and, when ``torch`` is importable (not a dependency), with the
  same step in PyTorch on one CPU thread; ratios against both; which OpenBLAS core type
  (kernel set) ran, and on x86-64 the same comparison with the AVX2 ("Haswell") kernels that
  ``make test`` and ``make notebooks`` pin, when the machine would choose others. Each case is
  timed in wall-clock and in CPU time of the process (on a shared machine the latter leaves
  out the time other processes held the core), with the load average of the run;
- one epoch (40 steps), with one BLAS thread and with one thread per core;
- the peak resident memory of the kernel of every notebook, executed with nbclient in a
  fresh kernel (a last cell reads the kernel's own ``ru_maxrss``), and its execution time.

The table is written between ``<!-- bench:start -->`` and ``<!-- bench:end -->`` in
README.md; without those markers it is only printed. The whole run takes a few minutes,
most of it executing the notebooks one after the other.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
TARGET_MS = 100.0
STEP_FLOOR = 1.25  # target: the MNIST step within 1.25 x its bare matrix products
STEP_TORCH = 0.90  # target: at most 0.9 x PyTorch's CPU step


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def median_ms(samples: list[float]) -> float:
    return 1e3 * statistics.median(samples)


def timed(fn: Callable[[], object], repeat: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return samples


def interleaved(
    cases: dict[str, Callable[[], object]], rounds: int, warmup: int = 5
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Time each case once per round, so that load hits all alike.

    The order of the cases is shuffled in every round (seeded): a case that always ran right
    after another would find that one's arrays in the CPU caches, or its own evicted by it.

    Returns wall-clock and CPU-time samples (the CPU time this process spent: on a shared
    machine it leaves out the time other processes held the core).
    """
    for fn in cases.values():
        for _ in range(warmup):
            fn()
    wall: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    order = random.Random(0)
    names = list(cases)
    for _ in range(rounds):
        order.shuffle(names)
        for name in names:
            fn = cases[name]
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            t1, c1 = time.perf_counter(), time.process_time()
            wall[name].append(t1 - t0)
            cpu[name].append(c1 - c0)
    return wall, cpu


def run_worker(
    args: list[str],
    env: dict[str, str] | None = None,
    timeout: int = 600,
    unset: tuple[str, ...] = (),
) -> dict:
    """Run this script as a worker in a fresh interpreter; it prints one JSON line."""
    full_env = {k: v for k, v in os.environ.items() if k not in unset}
    if env:
        full_env.update(env)
    out = subprocess.run(
        [sys.executable, __file__, "--worker", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"worker {args} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_core() -> str:
    """The OpenBLAS core type (kernel set) numpy's matrix products run on, e.g. "Haswell".

    Read from the OpenBLAS library numpy has loaded; "unknown" where it cannot be found.
    """
    import ctypes

    import numpy  # noqa: F401  (loads its BLAS)

    try:
        maps = Path("/proc/self/maps").read_text().splitlines()
    except OSError:
        return "unknown"
    libs = {line.split()[-1] for line in maps if "openblas" in line.rsplit("/", 1)[-1].lower()}
    for lib in sorted(libs):
        handle = ctypes.CDLL(lib)
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                fn = getattr(handle, f"{prefix}_get_corename{suffix}", None)
                if fn is not None:
                    fn.restype = ctypes.c_char_p
                    return fn().decode()
    return "unknown"


# ---------------------------------------------------------------------------
# workers (run in fresh interpreters)
# ---------------------------------------------------------------------------
# Each worker imports what it measures itself: worker_import times the first
# ``import course_utils`` of its interpreter, so this module imports nothing of the package.


def worker_import() -> dict:
    t0 = time.perf_counter()
    import course_utils  # noqa: F401

    elapsed = time.perf_counter() - t0
    heavy = sorted(m for m in ("matplotlib", "scipy", "ipywidgets") if m in sys.modules)
    return {"seconds": elapsed, "heavy": heavy}


def worker_train() -> dict:
    import numpy as np

    from course_utils.experiments.mnist import MnistModel

    model = MnistModel("Xavier", seed=0)
    trainer = model.trainer
    step = timed(lambda: trainer.step(1), repeat=60, warmup=5)
    epoch = timed(lambda: trainer.step(40), repeat=5, warmup=1)
    return {
        "step": statistics.median(step),
        "epoch": statistics.median(epoch),
        "finite": bool(np.all(np.isfinite(trainer.history.loss))),
    }


def torch_step() -> tuple[Callable[[], None], Callable[[], None], dict]:
    """The MNIST step in PyTorch on one CPU thread, and its matrix products alone.

    Same network, initial weight scale, data, batch size, batch order rule and plain SGD as
    the course's step; examples are rows, as PyTorch has them.
    """
    import numpy as np
    import torch

    from course_utils.experiments.mnist import SIZES, load_data

    torch.set_num_threads(1)
    torch.manual_seed(0)
    data = load_data()
    x = torch.from_numpy(np.ascontiguousarray(data.x_train.T))  # (4000, 784) float32
    y = torch.from_numpy(data.y_train.astype(np.int64))  # a writable copy
    layers: list[torch.nn.Module] = []
    linears: list[torch.nn.Linear] = []
    for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:], strict=True)):
        linear = torch.nn.Linear(n_in, n_out)
        torch.nn.init.normal_(linear.weight, std=n_in**-0.5)
        torch.nn.init.zeros_(linear.bias)
        layers.append(linear)
        linears.append(linear)
        if i < len(SIZES) - 2:
            layers.append(torch.nn.Tanh())
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = np.random.default_rng(0)
    state = {"order": gen.permutation(4000), "pos": 0}

    def step() -> None:
        if state["pos"] >= 4000:
            state["order"], state["pos"] = gen.permutation(4000), 0
        idx = torch.from_numpy(state["order"][state["pos"] : state["pos"] + 100])
        state["pos"] += 100
        opt.zero_grad()
        loss = loss_fn(net(x[idx]), y[idx])
        loss.backward()
        opt.step()

    acts = [x[:100]] + [torch.tanh(torch.randn(100, n)) for n in SIZES[1:-1]]
    dzs = [torch.randn(100, n) for n in SIZES[1:]]
    weights = [lin.weight.detach() for lin in linears]

    def products() -> None:
        with torch.no_grad():
            for w, a in zip(weights, acts, strict=True):
                a @ w.T
            for dz, a in zip(dzs, acts, strict=True):
                dz.T @ a
            for w, dz in zip(weights[1:], dzs[1:], strict=True):
                dz @ w

    build = "CPU-only wheel" if torch.version.cuda is None else f"CUDA {torch.version.cuda} wheel"
    info = {"version": torch.__version__, "build": build, "threads": torch.get_num_threads()}
    return step, products, info


def worker_step(rounds: str = "300", rotation: str = "with-torch") -> dict:
    """The course's step, its matrix products alone and PyTorch's step, interleaved.

    ``rotation="solo"`` leaves PyTorch's two cases out of the rotation even when torch is
    importable: the step and its products alone.
    """
    from course_utils.widgets.mnist_explorer import MnistModel

    model = MnistModel("Xavier", seed=0)
    trainer, net = model.trainer, model.net
    # The step's 14 matrix products, on arrays of the step's shapes and memory layouts:
    # forward W a (5), backward dz a^T (5) and W^T dz (4: no gradient for the input).
    xb, yb = trainer._next_batch()
    cache = net._forward(xb)
    grads = net._backward(cache, yb, input_grad=False)

    def products() -> None:
        for w, a in zip(net.weights, cache.a[:-1], strict=True):
            w @ a
        for dz, a in zip(grads.dz, cache.a[:-1], strict=True):
            dz @ a.T
        for w, dz in zip(net.weights[1:], grads.dz[1:], strict=True):
            w.T @ dz

    cases: dict[str, Callable[[], object]] = {"step": lambda: trainer.step(1), "products": products}
    result: dict = {"core": blas_core(), "torch": None}
    if rotation != "solo" and importlib.util.find_spec("torch") is not None:
        cases["torch_step"], cases["torch_products"], result["torch"] = torch_step()
    load = os.getloadavg()[0]
    wall, cpu = interleaved(cases, rounds=int(rounds))
    result.update({name: statistics.median(v) for name, v in wall.items()})
    result["cpu"] = {name: statistics.median(v) for name, v in cpu.items()}
    result["load"] = [load, os.getloadavg()[0]]
    result["rounds"] = int(rounds)
    result["diverged"] = trainer.diverged_at is not None
    return result


def _controls_bench(changes: list[tuple[str, Callable[[], object]]], rounds: int) -> dict:
    per_control: dict[str, list[float]] = {name: [] for name, _ in changes}
    for _name, fn in changes:  # warm-up: caches, first full renders
        fn()
    for _ in range(rounds):
        for name, fn in changes:
            t0 = time.perf_counter()
            fn()
            per_control[name].append(time.perf_counter() - t0)
    every = [s for samples in per_control.values() for s in samples]
    return {
        "median": statistics.median(every),
        "p90": sorted(every)[int(0.9 * (len(every) - 1))],
        "n": len(every),
        "per_control": {k: statistics.median(v) for k, v in per_control.items()},
    }


def worker_mnist_controls(mode: str = "notebook") -> dict:
    from course_utils.widgets.mnist_explorer import MnistExplorer

    app = MnistExplorer("Xavier", projector=mode == "projector")
    inits = iter(["He", "Uniform", "Orthogonal", "Xavier"] * 100)
    kinds = iter(["gradients", "activations"] * 100)
    lrs = iter([0.05, 0.1, 0.2, 0.1] * 100)
    scales = iter([2.0, 0.5, 4.0, 1.0] * 100)
    changes = [
        ("Step (2 SGD steps)", app.controls.press_step),
        ("histogram toggle", lambda: setattr(app.hist_buttons, "value", next(kinds))),
        ("learning rate", lambda: setattr(app.controls.lr, "value", next(lrs))),
        ("initializer", lambda: setattr(app.init_buttons, "value", next(inits))),
        ("weight scale", lambda: setattr(app.scale_slider, "value", next(scales))),
    ]
    result = _controls_bench(changes, rounds=12)
    result["png_kb"] = len(app.view.image.value) / 1024
    return result


def worker_playground_controls(mode: str = "notebook") -> dict:
    from course_utils.experiments.playground import DATASETS, INITIALIZERS
    from course_utils.widgets.playground import Playground

    app = Playground(projector=mode == "projector")
    inits = iter(list(INITIALIZERS) * 100)
    datasets = iter(list(DATASETS) * 100)
    views = iter(list(Playground.VIEWS)[::-1] * 100)
    lrs = iter([0.2, 0.5, 1.0, 0.5] * 100)
    scales = iter([2.0, 0.5, 4.0, 1.0] * 100)
    changes = [
        (f"Step ({app.controls.steps_per_tick} steps)", app.controls.press_step),
        ("view toggle", lambda: setattr(app.view_buttons, "value", next(views))),
        ("learning rate", lambda: setattr(app.controls.lr, "value", next(lrs))),
        ("initializer", lambda: setattr(app.init_buttons, "value", next(inits))),
        ("weight scale", lambda: setattr(app.scale_slider, "value", next(scales))),
        ("dataset", lambda: setattr(app.dataset_dropdown, "value", next(datasets))),
    ]
    result = _controls_bench(changes, rounds=12)
    result["png_kb"] = len(app.view.image.value) / 1024
    return result


MEMORY_CELL = """\
import resource as _resource, sys as _sys
_peak = _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss
print("BENCH_PEAK_BYTES", _peak if _sys.platform == "darwin" else 1024 * _peak)
"""


def worker_notebook(path: str) -> dict:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(MEMORY_CELL))
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(Path(path).parent)}},
    )
    t0 = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - t0
    peak = None
    for output in nb.cells[-1].outputs:
        for line in output.get("text", "").splitlines():
            if line.startswith("BENCH_PEAK_BYTES"):
                peak = int(line.split()[1])
    if peak is None:
        raise RuntimeError(f"{path}: the memory cell printed nothing")
    return {"seconds": elapsed, "peak_bytes": peak}


WORKERS: dict[str, Callable[..., dict]] = {
    "import": worker_import,
    "train": worker_train,
    "step": worker_step,
    "mnist": worker_mnist_controls,
    "playground": worker_playground_controls,
    "notebook": worker_notebook,
}


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------


def meets(ratio: float, target: float) -> str:
    return "meets" if ratio <= target else "MISSES"


def avx2_x86() -> bool:
    """Whether this is an x86-64 machine with AVX2 (where the Makefile pins Haswell)."""
    if platform.machine() not in ("x86_64", "AMD64"):
        return False
    try:
        return "avx2" in Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False


def fmt_ms(seconds: float) -> str:
    ms = 1e3 * seconds
    return f"{ms:.3g} ms" if ms < 1000 else f"{ms / 1e3:.3g} s"


def write_readme_block(table: str, start: str, end: str, command: str) -> None:
    """Replace what README.md holds between the markers ``start`` and ``end`` by ``table``."""
    text = README.read_text(encoding="utf-8")
    if start in text and end in text and text.index(start) < text.index(end):
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        README.write_text(f"{before}{start}\n{table}\n{end}{after}", encoding="utf-8")
        print(f"\nREADME.md updated between {start} and {end}.")
    else:
        print(
            f"\nREADME.md has no {start} ... {end} markers: the table above was not written. "
            f"Add the markers in the README's Performance section and re-run `{command}`."
        )


def controls_row(name: str, r: dict) -> list[str]:
    detail = ", ".join(f"{k} {fmt_ms(v)}" for k, v in r["per_control"].items())
    ok = "meets" if 1e3 * r["median"] < TARGET_MS else "MISSES"
    return [
        f"{name}: control change → updated view",
        fmt_ms(r["median"]),
        f"{1e3 * r['median'] / TARGET_MS:.2f} × target ({ok} < {TARGET_MS:.0f} ms)",
        f"{r['n']} changes, 90th percentile {fmt_ms(r['p90'])}; medians: {detail}; "
        f"PNG {r['png_kb']:.0f} KB per update",
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-notebooks", action="store_true", help="skip the notebook runs")
    parser.add_argument("--no-write", action="store_true", help="print only, keep README.md")
    parser.add_argument(
        "--rounds", type=int, default=600, help="interleaved rounds of the step comparison"
    )
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            result = WORKERS[args.worker[0]](*args.worker[1:])
        print(json.dumps(result))
        return 0

    t_start = time.perf_counter()
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    cores = os.cpu_count() or 1
    rows: list[list[str]] = []
    notes: list[str] = []

    def progress(msg: str) -> None:
        print(f"[{time.perf_counter() - t_start:6.1f} s] {msg}", flush=True)

    progress("import course_utils (7 fresh interpreters)")
    imports = [run_worker(["import"]) for _ in range(7)]
    heavy = sorted({m for r in imports for m in r["heavy"]})
    rows.append(
        [
            "`import course_utils`",
            fmt_ms(statistics.median(r["seconds"] for r in imports)),
            "",
            "median of 7 fresh interpreters; pulls in "
            + (", ".join(heavy) if heavy else "no matplotlib, scipy or ipywidgets"),
        ]
    )

    progress("MNIST explorer: control changes")
    mnist = run_worker(["mnist"])
    rows.append(controls_row("MNIST explorer", mnist))
    progress("playground: control changes")
    rows.append(controls_row("Playground", run_worker(["playground"])))
    progress("both apps at projector size (what `make app` serves)")
    rows.append(
        controls_row("MNIST explorer (projector, `make app`)", run_worker(["mnist", "projector"]))
    )
    rows.append(
        controls_row("Playground (projector, `make app`)", run_worker(["playground", "projector"]))
    )

    progress("MNIST training step, its matrix products and PyTorch's step, interleaved")
    single = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    # The kernels OpenBLAS picks for this CPU (what `make lab` and `make app` run on) ...
    auto = run_worker(["step", str(args.rounds)], env=single, unset=("OPENBLAS_CORETYPE",))
    if auto["diverged"]:
        notes.append("The benchmarked MNIST run diverged: the step timings are not meaningful.")
    # ... and the AVX2 kernels that `make test` and `make notebooks` pin on x86-64.
    pinned = None
    if auto["core"] not in ("Haswell", "unknown") and avx2_x86():
        pinned = run_worker(
            ["step", str(args.rounds)], env={**single, "OPENBLAS_CORETYPE": "Haswell"}
        )
    solo = None
    if auto["torch"] is not None:
        solo = run_worker(
            ["step", str(args.rounds), "solo"], env=single, unset=("OPENBLAS_CORETYPE",)
        )
    one = run_worker(["train"], env=single, unset=("OPENBLAS_CORETYPE",))
    many = run_worker(
        ["train"],
        env={"OPENBLAS_NUM_THREADS": str(cores), "OMP_NUM_THREADS": str(cores)},
        unset=("OPENBLAS_CORETYPE",),
    )
    floor_ratio = auto["step"] / auto["products"]
    cpu = auto["cpu"]
    cpu_floor = cpu["step"] / cpu["products"]
    load = "–".join(f"{v:.1f}" for v in auto["load"])
    rows.append(
        [
            "MNIST SGD step, batch 100, float32, 1 BLAS thread",
            fmt_ms(auto["step"]),
            "1 (reference)",
            "network [784, 300, 300, 300, 300, 10], tanh, softmax; `Trainer.step(1)`; "
            f"interleaved with the next two rows in one process, medians of {auto['rounds']} "
            f"rounds; load average {load} on {cores} cores during the run; CPU time of the "
            f"process (leaves out time other processes held the core) {fmt_ms(cpu['step'])}",
        ]
    )
    rows.append(
        [
            "its 14 matrix products alone (the floor)",
            fmt_ms(auto["products"]),
            f"step / products = {floor_ratio:.2f} ({meets(floor_ratio, STEP_FLOOR)} "
            f"≤ {STEP_FLOOR})",
            "forward W a, backward dz aᵀ and Wᵀ dz on the step's own arrays (shapes, float32, "
            f"memory layouts); in CPU time {fmt_ms(cpu['products'])}, step / products = "
            f"{cpu_floor:.2f}",
        ]
    )
    if auto["torch"] is not None:
        info = auto["torch"]
        torch_ratio = auto["step"] / auto["torch_step"]
        rows.append(
            [
                f"same step in PyTorch {info['version']} ({info['build']}, "
                f"{info['threads']} thread)",
                fmt_ms(auto["torch_step"]),
                f"numpy / torch = {torch_ratio:.2f} ({meets(torch_ratio, STEP_TORCH)} "
                f"≤ {STEP_TORCH})",
                "optional comparison (torch is not a dependency); its matrix products alone "
                f"{fmt_ms(auto['torch_products'])}; in CPU time {fmt_ms(cpu['torch_step'])}, "
                f"numpy / torch = {cpu['step'] / cpu['torch_step']:.2f}",
            ]
        )
    else:
        notes.append("PyTorch is not installed, so the PyTorch comparison was skipped.")
    if solo is not None:
        rows.append(
            [
                "step and products again, PyTorch left out of the rotation",
                f"{fmt_ms(solo['step'])}, {fmt_ms(solo['products'])}",
                f"step / products = {solo['step'] / solo['products']:.2f}",
                "the same two cases interleaved on their own in a fresh process "
                f"({solo['rounds']} rounds); with PyTorch's two cases in the rotation (rows "
                f"above) step / products = {floor_ratio:.2f}",
            ]
        )
    if pinned is not None:
        detail = (
            f"with the pin: step {fmt_ms(pinned['step'])}, products "
            f"{fmt_ms(pinned['products'])}"
            + (f", PyTorch {fmt_ms(pinned['torch_step'])}" if pinned["torch"] else "")
        )
    else:
        detail = "the pin changes nothing here" if auto["core"] == "Haswell" else "not pinned"
    rows.append(
        [
            "BLAS kernels of the rows above (OpenBLAS core type)",
            auto["core"],
            "",
            "chosen by OpenBLAS for this CPU, as in `make lab` and `make app`; `make test` and "
            f"`make notebooks` pin Haswell (AVX2) on x86-64: {detail}",
        ]
    )
    rows.append(
        [
            "one epoch (40 steps of 100 = 4,000 digits), 1 BLAS thread",
            fmt_ms(one["epoch"]),
            f"{one['epoch'] / one['step']:.1f} × one step",
            f"a separate process (step there {fmt_ms(one['step'])})",
        ]
    )
    rows.append(
        [
            f"MNIST SGD step, {cores} BLAS threads",
            fmt_ms(many["step"]),
            f"{many['step'] / one['step']:.2f} × 1 thread",
            f"epoch {fmt_ms(many['epoch'])}; `make` exports OPENBLAS_NUM_THREADS=1 "
            "because threads compete with the other process of `make test`",
        ]
    )

    if not args.no_notebooks:
        for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
            rel = path.relative_to(ROOT)
            progress(f"executing {rel}")
            try:
                r = run_worker(["notebook", str(rel)])
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                notes.append(f"{rel} failed to execute: {str(exc).splitlines()[0]}")
                continue
            rows.append(
                [
                    f"kernel peak memory: `{path.name}`",
                    f"{r['peak_bytes'] / 2**20:.0f} MB",
                    "",
                    f"peak RSS of the kernel (ru_maxrss); executed in {r['seconds']:.1f} s",
                ]
            )

    today = datetime.date.today().isoformat()
    import matplotlib
    import numpy

    header = (
        f"Measured {today} by `make bench` on {cpu_name()} ({cores} cores), "
        f"Python {platform.python_version()}, numpy {numpy.__version__}, matplotlib "
        f"{matplotlib.__version__}, OPENBLAS_NUM_THREADS={threads}, OpenBLAS core "
        f"{auto['core']} (OpenBLAS's own choice). Medians; timings vary with machine load, so "
        "compare ratios."
    )
    lines = [header, "", "| measurement | median | ratio | notes |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    if notes:
        lines += [""] + [f"- {n}" for n in notes]
    table = "\n".join(lines)
    print()
    print(table)
    progress("done")

    if args.no_write:
        return 0
    write_readme_block(table, START, END, "make bench")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
