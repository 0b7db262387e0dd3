"""Seeded 2-D toy datasets and 5,000 bundled MNIST digits.

Toy datasets
------------
Every generator has the signature ``make_xxx(n=400, *, noise=..., rng=None, ...)`` and
returns ``(X, y)`` with ``X`` of shape ``(2, n)`` (float64, one example per *column*, as
everywhere in ``course_utils``) and ``y`` of shape ``(n,)`` (int64 labels 0/1). Class 0
gets ``n // 2`` examples and class 1 the other ``n - n // 2``; the examples are then
shuffled. ``noise`` is always the standard deviation of isotropic Gaussian noise added to
the coordinates, so ``noise=0`` gives the exact underlying geometry. The sets live roughly
inside the square ``[-1, 1]^2`` (noise can push points slightly out).

================  ==============================================================
name              description
================  ==============================================================
circles           filled inner disk (radius 0.5, class 1) inside a ring (0.7-1, class 0)
moons             two interleaving half-moons, rescaled to ``x`` in [-1, 1]
spiral            two interleaved spirals (radius 0.1 -> 1, ``turns`` turns)
checkerboard      uniform on a ``cells x cells`` board, class = cell parity (2: XOR)
blobs             two Gaussian blobs centred at (-0.5, -0.5) and (0.5, 0.5)
noisy_circles     two concentric circles, radii 1 (class 0) and ``factor`` (class 1),
                  like scikit-learn's ``make_circles(noise=.05, factor=.5)``
================  ==============================================================

``TOY_DATASETS`` maps these names to the functions and :func:`make_toy` dispatches by name.

MNIST
-----
:func:`load_mnist` reads ``course_utils/data/mnist_5k.npz``: 5,000 real MNIST digits, 500
per class, as ``images`` (uint8, (5000, 28, 28)) and ``labels`` (uint8, (5000,)). The
file is loaded with ``allow_pickle=False`` and the SHA-256 of its array contents is
checked against :data:`MNIST_CONTENT_SHA256`. See ``course_utils/data/README.md`` for
provenance and licences, and ``scripts/build_mnist.py`` to rebuild it.

The train/test split is fixed and stratified: 400 training and 100 test images per class
(4,000 / 1,000 in total). It is computed at load time from a seeded random permutation:
the raw 64-bit output of ``np.random.PCG64(0)`` (the bit generator behind
``np.random.default_rng(0)``; NumPy guarantees that bit streams of a seeded bit generator
never change between versions) is argsorted to give a permutation of the 5,000 images;
walking through it, the first 400 images of each class go to the training set and the
others to the test set. Both sets keep the permuted (shuffled) order.
"""

from __future__ import annotations

import functools
import hashlib
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from course_utils._validation import (
    MAX_SCALE,
    RngLike,
    check_array,
    check_bool,
    check_choice,
    check_dtype,
    check_float,
    check_int,
    check_rng,
)

__all__ = [
    "MNIST_CONTENT_SHA256",
    "TOY_DATASETS",
    "content_sha256",
    "load_mnist",
    "make_blobs",
    "make_checkerboard",
    "make_circles",
    "make_moons",
    "make_noisy_circles",
    "make_spiral",
    "make_toy",
    "standardize",
]

_MAX_N = 10_000_000

# ---------------------------------------------------------------------------
# Toy datasets
# ---------------------------------------------------------------------------


def _check_common(n: object, noise: object) -> tuple[int, float]:
    n = check_int(n, "n", minimum=2, maximum=_MAX_N)
    noise = check_float(noise, "noise", minimum=0.0, maximum=MAX_SCALE)
    return n, noise


def _finish(
    x0: np.ndarray, x1: np.ndarray, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Stack class 0 and class 1 points (each (2, k)), add noise and shuffle."""
    X = np.concatenate([x0, x1], axis=1).astype(np.float64, copy=False)
    y = np.concatenate([np.zeros(x0.shape[1], np.int64), np.ones(x1.shape[1], np.int64)])
    if noise > 0:
        X = X + rng.normal(0.0, noise, size=X.shape)
    order = rng.permutation(X.shape[1])
    return np.ascontiguousarray(X[:, order]), y[order]


def _class_sizes(n: int) -> tuple[int, int]:
    return n // 2, n - n // 2


def _polar(r: np.ndarray, theta: np.ndarray) -> np.ndarray:
    return np.stack([r * np.cos(theta), r * np.sin(theta)])


def _annulus(k: int, r_in: float, r_out: float, rng: np.random.Generator) -> np.ndarray:
    """``k`` points uniform (in area) in the annulus ``r_in <= r <= r_out``."""
    r = np.sqrt(rng.uniform(r_in**2, r_out**2, size=k))
    return _polar(r, rng.uniform(0.0, 2 * np.pi, size=k))


def make_circles(
    n: int = 400, *, noise: float = 0.05, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Inner disk (class 1) surrounded by a ring (class 0).

    Class 1 is uniform in the disk of radius 0.5, class 0 uniform in the ring
    ``0.7 <= r <= 1``. Not linearly separable; a small tanh/ReLU network separates it.

    Parameters
    ----------
    n : int
        Number of examples (>= 2).
    noise : float
        Standard deviation of the Gaussian noise added to each coordinate (>= 0).
    rng : numpy.random.Generator, int or None
        Random generator or seed.

    Returns
    -------
    X : ndarray, shape (2, n), float64
    y : ndarray, shape (n,), int64 in {0, 1}
    """
    n, noise = _check_common(n, noise)
    rng = check_rng(rng)
    n0, n1 = _class_sizes(n)
    x0 = _annulus(n0, 0.7, 1.0, rng)
    x1 = _annulus(n1, 0.0, 0.5, rng)
    return _finish(x0, x1, noise, rng)


def make_moons(
    n: int = 400, *, noise: float = 0.1, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half-moons, rescaled to fit ``[-1, 1] x [-0.5, 0.5]``.

    Before rescaling, class 0 is the upper arc ``(cos t, sin t)`` and class 1 the lower arc
    ``(1 - cos t, 0.5 - sin t)`` with ``t`` uniform in ``[0, pi]`` (scikit-learn's
    geometry); both coordinates are then shifted and divided by 1.5.

    Parameters
    ----------
    n : int
        Number of examples (>= 2).
    noise : float
        Standard deviation of the Gaussian noise added to each (rescaled) coordinate.
    rng : numpy.random.Generator, int or None
        Random generator or seed.

    Returns
    -------
    X : ndarray, shape (2, n), float64
    y : ndarray, shape (n,), int64 in {0, 1}
    """
    n, noise = _check_common(n, noise)
    rng = check_rng(rng)
    n0, n1 = _class_sizes(n)
    t0 = rng.uniform(0.0, np.pi, size=n0)
    t1 = rng.uniform(0.0, np.pi, size=n1)
    x0 = np.stack([np.cos(t0), np.sin(t0)])
    x1 = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    shift = np.array([[0.5], [0.25]])
    return _finish((x0 - shift) / 1.5, (x1 - shift) / 1.5, noise, rng)


def make_spiral(
    n: int = 400, *, noise: float = 0.05, turns: float = 1.5, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals.

    A point of class ``c`` has radius ``r`` uniform in ``[0.1, 1]`` and angle
    ``2 * pi * turns * r + c * pi``: the two arms are the same spiral rotated by 180 degrees.

    Parameters
    ----------
    n : int
        Number of examples (>= 2).
    noise : float
        Standard deviation of the Gaussian noise added to each coordinate.
    turns : float
        Number of turns of each arm (> 0).
    rng : numpy.random.Generator, int or None
        Random generator or seed.

    Returns
    -------
    X : ndarray, shape (2, n), float64
    y : ndarray, shape (n,), int64 in {0, 1}
    """
    n, noise = _check_common(n, noise)
    turns = check_float(turns, "turns", minimum=0.0, strict_min=True, maximum=MAX_SCALE)
    rng = check_rng(rng)
    n0, n1 = _class_sizes(n)
    arms = []
    for c, k in ((0, n0), (1, n1)):
        r = rng.uniform(0.1, 1.0, size=k)
        arms.append(_polar(r, 2 * np.pi * turns * r + c * np.pi))
    return _finish(arms[0], arms[1], noise, rng)


def make_checkerboard(
    n: int = 400, *, cells: int = 2, noise: float = 0.0, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Points on a ``cells x cells`` checkerboard covering ``[-1, 1]^2``.

    Cell ``(i, j)`` (column ``i`` from the left, row ``j`` from the bottom) has class
    ``(i + j) % 2``; with ``cells=2`` this is the XOR problem (class 1 where ``x * y < 0``).
    Each class gets exactly its share of points: a cell of that class is drawn uniformly,
    then a point uniformly inside it.

    Parameters
    ----------
    n : int
        Number of examples (>= 2).
    cells : int
        Number of cells along each side (>= 2).
    noise : float
        Standard deviation of the Gaussian noise added to each coordinate.
    rng : numpy.random.Generator, int or None
        Random generator or seed.

    Returns
    -------
    X : ndarray, shape (2, n), float64
    y : ndarray, shape (n,), int64 in {0, 1}
    """
    n, noise = _check_common(n, noise)
    cells = check_int(cells, "cells", minimum=2, maximum=1000)
    rng = check_rng(rng)
    n0, n1 = _class_sizes(n)
    ii, jj = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    width = 2.0 / cells
    parts = []
    for c, k in ((0, n0), (1, n1)):
        mine = np.flatnonzero((ii + jj) % 2 == c)
        pick = mine[rng.integers(0, mine.size, size=k)]
        corner = np.stack([ii[pick], jj[pick]]) * width - 1.0
        parts.append(corner + rng.uniform(0.0, width, size=(2, k)))
    return _finish(parts[0], parts[1], noise, rng)


def make_blobs(
    n: int = 400, *, noise: float = 0.3, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two isotropic Gaussian blobs: class 0 around (-0.5, -0.5), class 1 around (0.5, 0.5).

    ``noise`` is the standard deviation of each blob (``noise=0`` puts every point on its
    centre). Linearly separable for small noise.

    Parameters
    ----------
    n : int
        Number of examples (>= 2).
    noise : float
        Standard deviation of each blob along each coordinate.
    rng : numpy.random.Generator, int or None
        Random generator or seed.

    Returns
    -------
    X : ndarray, shape (2, n), float64
    y : ndarray, shape (n,), int64 in {0, 1}
    """
    n, noise = _check_common(n, noise)
    rng = check_rng(rng)
    n0, n1 = _class_sizes(n)
    x0 = np.full((2, n0), -0.5)
    x1 = np.full((2, n1), 0.5)
    return _finish(x0, x1, noise, rng)


def make_noisy_circles(
    n: int = 400, *, noise: float = 0.05, factor: float = 0.5, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: radius 1 (class 0) and radius ``factor`` (class 1).

    Angles are uniform; with the defaults this matches scikit-learn's
    ``make_circles(noise=.05, factor=.5)`` used in the classic initialization exercise
    (points are sampled at random angles instead of evenly spaced ones).

    Parameters
    ----------
    n : int
        Number of examples (>= 2).
    noise : float
        Standard deviation of the Gaussian noise added to each coordinate.
    factor : float
        Radius of the inner circle, ``0 < factor < 1``.
    rng : numpy.random.Generator, int or None
        Random generator or seed.

    Returns
    -------
    X : ndarray, shape (2, n), float64
    y : ndarray, shape (n,), int64 in {0, 1}
    """
    n, noise = _check_common(n, noise)
    factor = check_float(factor, "factor", minimum=0.0, strict_min=True)
    if factor >= 1.0:
        raise ValueError(f"factor must be < 1, got {factor}")
    rng = check_rng(rng)
    n0, n1 = _class_sizes(n)
    x0 = _polar(np.ones(n0), rng.uniform(0.0, 2 * np.pi, size=n0))
    x1 = _polar(np.full(n1, factor), rng.uniform(0.0, 2 * np.pi, size=n1))
    return _finish(x0, x1, noise, rng)


TOY_DATASETS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "circles": make_circles,
    "moons": make_moons,
    "spiral": make_spiral,
    "checkerboard": make_checkerboard,
    "blobs": make_blobs,
    "noisy_circles": make_noisy_circles,
}


def make_toy(
    name: str,
    n: int = 400,
    *,
    noise: float | None = None,
    rng: RngLike = None,
    **kwargs: object,
) -> tuple[np.ndarray, np.ndarray]:
    """Generate the toy dataset called ``name`` (a key of :data:`TOY_DATASETS`).

    Parameters
    ----------
    name : str
        One of ``"circles"``, ``"moons"``, ``"spiral"``, ``"checkerboard"``, ``"blobs"``,
        ``"noisy_circles"``.
    n : int
        Number of examples.
    noise : float or None
        Noise level; ``None`` uses the dataset's default.
    rng : numpy.random.Generator, int or None
        Random generator or seed.
    **kwargs
        Extra dataset parameters (``cells`` for checkerboard, ``turns`` for spiral,
        ``factor`` for noisy_circles).

    Returns
    -------
    X : ndarray, shape (2, n), float64
    y : ndarray, shape (n,), int64 in {0, 1}
    """
    name = check_choice(name, "name", sorted(TOY_DATASETS))
    if noise is not None:
        kwargs["noise"] = noise
    return TOY_DATASETS[name](n, rng=rng, **kwargs)


# ---------------------------------------------------------------------------
# MNIST
# ---------------------------------------------------------------------------

#: SHA-256 of ``images.tobytes() + labels.tobytes()`` (uint8, C order) of the bundled file.
MNIST_CONTENT_SHA256 = "809ec085d551285cf9efad12c42a6aead98c62f96eb9936cc5b778870773e50d"

_MNIST_PATH = Path(__file__).resolve().parent / "data" / "mnist_5k.npz"
_MNIST_N = 5000
_MNIST_TEST_PER_CLASS = 100
_SPLIT_SEED = 0
_REBUILD_HINT = (
    "Reinstall course_utils or rebuild the file with `python scripts/build_mnist.py` "
    "from the repository root."
)


def content_sha256(images: np.ndarray, labels: np.ndarray) -> str:
    """SHA-256 hex digest of ``images.tobytes() + labels.tobytes()`` (C order).

    This is the digest that :data:`MNIST_CONTENT_SHA256` records for the bundled file.
    Only uint8 numpy arrays are accepted: the bytes (and so the digest) of the same
    numbers depend on the dtype, so a list or an int64 array would give a different,
    meaningless digest.

    Parameters
    ----------
    images : ndarray of uint8, shape (m, ...)
        The images, one per entry of the first axis (``(m, 28, 28)`` for MNIST).
    labels : ndarray of uint8, shape (m,)
        One label per image.

    Returns
    -------
    str
        64 lowercase hexadecimal characters.

    Raises
    ------
    TypeError
        If ``images`` or ``labels`` is not a numpy array of dtype uint8.
    ValueError
        If ``labels`` is not 1-D, ``images`` is 0-D, or their lengths differ.
    """
    for name, arr in (("images", images), ("labels", labels)):
        if not isinstance(arr, np.ndarray):
            raise TypeError(
                f"{name} must be a numpy array of dtype uint8, got {type(arr).__name__}"
            )
        if arr.dtype != np.uint8:
            raise TypeError(f"{name} must be a numpy array of dtype uint8, got dtype {arr.dtype}")
    labels = check_array(labels, "labels", ndim=1)
    if images.ndim == 0:
        raise ValueError("images must have at least 1 dimension (one entry per image), got 0-D")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"images and labels must have the same length, got {images.shape[0]} images "
            f"and {labels.shape[0]} labels"
        )
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(images).tobytes())
    digest.update(np.ascontiguousarray(labels).tobytes())
    return digest.hexdigest()


# What the bundled file holds, checked against each member's declared header before reading.
_MNIST_MEMBERS = {
    "images.npy": (np.dtype(np.uint8), (_MNIST_N, 28, 28)),
    "labels.npy": (np.dtype(np.uint8), (_MNIST_N,)),
}
_NPY_HEADER_MAX = 4096  # bytes; numpy writes a 128-byte header for such arrays


class _Corrupt(Exception):
    """What is wrong with the data file (turned into one RuntimeError by the caller)."""


def _read_member(archive: zipfile.ZipFile, member: str) -> np.ndarray:
    """Read one ``.npy`` member, checking its declared dtype and shape before the data."""
    dtype, shape = _MNIST_MEMBERS[member]
    expected = int(np.prod(shape)) * dtype.itemsize
    info = archive.getinfo(member)
    if info.file_size > expected + _NPY_HEADER_MAX:
        raise _Corrupt(f"{member} declares {info.file_size} bytes, more than its {expected}")
    with archive.open(info) as fh:
        version = np.lib.format.read_magic(fh)
        readers = {
            (1, 0): np.lib.format.read_array_header_1_0,
            (2, 0): np.lib.format.read_array_header_2_0,
        }
        if version not in readers:
            raise _Corrupt(f"{member} has an unsupported .npy version {version}")
        got_shape, fortran, got_dtype = readers[version](fh, max_header_size=_NPY_HEADER_MAX)
        if got_dtype != dtype or tuple(got_shape) != shape or fortran:
            raise _Corrupt(
                f"{member} declares dtype {got_dtype}, shape {tuple(got_shape)}"
                f"{' (Fortran order)' if fortran else ''}; expected {dtype}, shape {shape}"
            )
        data = fh.read(expected + 1)  # bounded: never more than the array's own size
    if len(data) != expected:
        raise _Corrupt(f"{member} holds {len(data)} data bytes, expected {expected}")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


@functools.lru_cache(maxsize=2)
def _load_mnist_arrays(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Read and verify the npz at ``path``; returns read-only (images, labels).

    The file is opened as a zip archive (never unpickled); each member's declared size,
    dtype and shape are checked against what the course ships before its data is read, and
    no more than the expected number of bytes is ever decompressed. Any corruption (not a
    zip, damaged compressed data, wrong CRC, wrong header, truncation, changed pixels) gives
    the same RuntimeError naming the file, what is wrong and how to restore it.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"MNIST data file {p} is missing. {_REBUILD_HINT}")
    try:
        with zipfile.ZipFile(p) as archive:
            names = sorted(archive.namelist())
            if names != sorted(_MNIST_MEMBERS):
                raise _Corrupt(f"it holds {names}, expected {sorted(_MNIST_MEMBERS)}")
            images = _read_member(archive, "images.npy")
            labels = _read_member(archive, "labels.npy")
    except (
        _Corrupt,
        OSError,
        ValueError,
        KeyError,
        EOFError,
        zipfile.BadZipFile,
        zlib.error,
        NotImplementedError,
    ) as exc:
        raise RuntimeError(f"MNIST data file {p} is corrupted ({exc}). {_REBUILD_HINT}") from exc
    if content_sha256(images, labels) != MNIST_CONTENT_SHA256:
        raise RuntimeError(
            f"MNIST data file {p} is corrupted: its contents do not match the expected "
            f"SHA-256 {MNIST_CONTENT_SHA256}. {_REBUILD_HINT}"
        )
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


@functools.lru_cache(maxsize=2)
def _split_indices(path: str) -> dict[str, np.ndarray]:
    """Fixed stratified split (see the module docstring): indices per split, read-only."""
    _, labels = _load_mnist_arrays(path)
    keys = np.random.PCG64(_SPLIT_SEED).random_raw(labels.size)
    perm = np.argsort(keys, kind="stable")
    permuted = labels[perm]
    is_test = np.zeros(labels.size, dtype=bool)
    for c in range(10):
        positions = np.flatnonzero(permuted == c)
        is_test[positions[positions.size - _MNIST_TEST_PER_CLASS :]] = True
    split = {"train": perm[~is_test], "test": perm[is_test], "all": np.arange(labels.size)}
    for idx in split.values():
        idx.setflags(write=False)
    return split


def load_mnist(
    split: str = "train",
    *,
    flatten: bool = True,
    scale: bool = True,
    dtype: type | np.dtype | str = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """Load the bundled 5,000 MNIST digits.

    Parameters
    ----------
    split : {"train", "test", "all"}
        ``"train"``: 4,000 images (400 per class); ``"test"``: the other 1,000 (100 per
        class); ``"all"``: all 5,000 in file order (sorted by class). The split is fixed
        (see the module docstring).
    flatten : bool
        If True, ``X`` has shape ``(784, m)``: one image per column, pixels in row-major
        order, ready for ``W @ X``. If False, ``X`` has shape ``(m, 28, 28)`` for plotting.
    scale : bool
        If True, pixel values are divided by 255 (range ``[0, 1]``); otherwise they keep
        their raw values 0..255 (still as floats).
    dtype : float32 or float64
        Floating dtype of ``X``.

    Returns
    -------
    X : ndarray, shape (784, m) or (m, 28, 28)
    y : ndarray, shape (m,), int64 labels 0..9

    Raises
    ------
    FileNotFoundError
        If the data file is missing.
    RuntimeError
        If the data file is unreadable or its content hash does not match
        :data:`MNIST_CONTENT_SHA256`.

    Notes
    -----
    The file is read and verified once and cached; every call returns fresh arrays that
    the caller may modify freely.
    """
    split = check_choice(split, "split", ["train", "test", "all"])
    flatten = check_bool(flatten, "flatten")
    scale = check_bool(scale, "scale")
    dt = check_dtype(dtype)
    path = str(_MNIST_PATH)
    images, labels = _load_mnist_arrays(path)
    idx = _split_indices(path)[split]
    X = images[idx].astype(dt)
    if scale:
        X /= dt.type(255.0)
    X = np.ascontiguousarray(X.reshape(idx.size, 28 * 28).T) if flatten else X
    y = labels[idx].astype(np.int64)
    return X, y


# ---------------------------------------------------------------------------
# Preprocessing
# ---------------------------------------------------------------------------


def standardize(
    X: np.ndarray,
    mean: float | np.ndarray | None = None,
    std: float | np.ndarray | None = None,
    *,
    per_feature: bool = False,
) -> tuple[np.ndarray, tuple[float | np.ndarray, float | np.ndarray]]:
    """Standardize features: ``(X - mean) / std``.

    By default a single *global* mean and standard deviation over all entries of ``X``
    are used. This is the right choice for images such as MNIST: every pixel is on the
    same scale and border pixels have zero variance, so per-pixel statistics would divide
    by (almost) zero. With ``per_feature=True`` each row (feature) gets its own mean and
    standard deviation, shape ``(n_features, 1)``; features with zero spread are divided
    by 1 instead.

    Compute the statistics on the training set and reuse them for the test set::

        X_train_s, stats = standardize(X_train)
        X_test_s, _ = standardize(X_test, *stats)

    Parameters
    ----------
    X : array_like, shape (n_features, m)
        Data, one example per column.
    mean, std : float or ndarray, optional
        Statistics to use; give both or neither. Arrays must broadcast against ``X``
        (e.g. shape ``(n_features, 1)``); ``std`` must be > 0.
    per_feature : bool
        Compute per-feature instead of global statistics (only when they are not given).

    Returns
    -------
    X_std : ndarray
        Standardized copy of ``X`` (float; float32 input stays float32).
    (mean, std) : tuple
        The statistics used (floats for global, ``(n_features, 1)`` arrays per feature).
    """
    X = check_array(X, "X", ndim=2)
    per_feature = check_bool(per_feature, "per_feature")
    if X.dtype != np.float32:
        X = X.astype(np.float64, copy=False)
    if X.size and float(np.max(np.abs(X))) > MAX_SCALE:
        raise ValueError(
            f"X has entries up to {float(np.max(np.abs(X))):.3g}; standardize takes data "
            f"with |X| <= {MAX_SCALE:g} (its variance would overflow)"
        )
    if (mean is None) != (std is None):
        raise ValueError("mean and std must be given together (or both left as None)")
    if mean is None:
        if X.size == 0:
            raise ValueError("X must not be empty")
        if per_feature:
            mean_ = X.mean(axis=1, keepdims=True, dtype=np.float64).astype(X.dtype)
            spread = X.std(axis=1, keepdims=True, dtype=np.float64).astype(X.dtype)
            std_ = np.where(spread > 0, spread, 1.0).astype(X.dtype)
        else:
            mean_ = float(X.mean(dtype=np.float64))
            std_ = float(X.std(dtype=np.float64))
            if not std_ > 0:
                raise ValueError("X has zero variance; cannot standardize")
    else:
        mean_ = _check_stat(mean, "mean", X.shape)
        std_ = _check_stat(std, "std", X.shape)
        if np.any(np.asarray(std_) <= 0):
            raise ValueError("std must be > 0")
    X_std = ((X - mean_) / std_).astype(X.dtype, copy=False)
    return X_std, (mean_, std_)


def _check_stat(value: object, name: str, shape: tuple[int, ...]) -> float | np.ndarray:
    arr = check_array(value, name)
    if arr.ndim == 0:
        return float(arr)
    try:
        ok = np.broadcast_shapes(arr.shape, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(
            f"{name} must be a scalar or broadcast against X of shape {shape}, "
            f"got shape {arr.shape}"
        )
    return arr.astype(np.float64, copy=False)
