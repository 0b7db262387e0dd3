"""Argument checks shared by every public function of ``course_utils``.

Each helper raises a ``TypeError`` (wrong kind of object) or a ``ValueError``
(right kind, bad value) whose message names the parameter and says what was
expected, in the spirit of scikit-learn's input validation.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from course_utils.activations import Activation

RngLike = np.random.Generator | int | None

_FLOAT_DTYPES = (np.float32, np.float64)

MAX_ELEMENTS = 10**8
"""Largest array (number of entries) any function of the course allocates: 800 MB in float64.

The biggest array the notebooks need is a few million entries; a shape beyond this limit is a
typo, and allocating it would exhaust memory before numpy's own error."""


# Documented upper limits of counts: far beyond what the course uses, small enough that a
# call stays within seconds (a hostile or mistyped count gets a ValueError saying the limit).
MAX_DEPTH = 10_000
"""Deepest network or chain of layers (the notebooks go to 1,000)."""
MAX_STEPS = 100_000
"""Most training steps in one call (the notebooks train for at most a few thousand)."""
MAX_TRIALS = 10_000
"""Most repetitions (trials, runs) of one simulation."""
MAX_BINS = 10_000
"""Most histogram bins in one figure."""
MAX_SCALE = 1e30
"""Largest weight scale (gain, std, bound, noise ...): weights stay finite even in float32
(whose largest value is 3.4e38), and their squares in float64."""


def _count(n: int) -> str:
    """``n`` written for a message, even when it is too large for a float."""
    if abs(n) < 10**16:
        return f"{n:,}"
    return f"{'-' if n < 0 else ''}about 10^{len(str(abs(n))) - 1}"


def check_rng(rng: RngLike, name: str = "rng") -> np.random.Generator:
    """Return a ``np.random.Generator`` from ``rng``.

    Parameters
    ----------
    rng : numpy.random.Generator, int or None
        A generator is returned as is; a non-negative int seeds a new
        ``np.random.default_rng``; ``None`` gives a fresh unseeded generator.
    name : str
        Parameter name used in error messages.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, bool) or not isinstance(rng, numbers.Integral):
        raise TypeError(
            f"{name} must be a numpy.random.Generator, a non-negative int seed "
            f"or None, got {type(rng).__name__}"
        )
    if rng < 0:
        raise ValueError(f"{name} must be a non-negative int seed, got {rng}")
    return np.random.default_rng(int(rng))


def check_int(
    value: object, name: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Check that ``value`` is an integer within ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {_count(value)}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum:,}, got {_count(value)}")
    return value


def check_float(
    value: object,
    name: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    strict_min: bool = False,
) -> float:
    """Check that ``value`` is a finite real number within the given bounds.

    ``strict_min=True`` makes the lower bound exclusive (``value > minimum``).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    try:
        value = float(value)
    except OverflowError:
        raise ValueError(
            f"{name} must be a finite real number, got an int too large for a float "
            f"({len(str(abs(int(value))))} digits)"
        ) from None
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if minimum is not None:
        if strict_min and value <= minimum:
            raise ValueError(f"{name} must be > {minimum}, got {value}")
        if not strict_min and value < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


class NonFiniteError(ValueError):
    """Finite inputs whose result overflows the float range (e.g. a diverged network's
    forward pass). A ValueError, so callers that validate input catch it as such; lesson
    models catch it by name where a diverged run is expected."""


def check_bool(value: object, name: str) -> bool:
    """Check that ``value`` is a bool (Python's or numpy's ``np.bool_``)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool (True or False), got {type(value).__name__}")
    return bool(value)


def check_size(n_elements: int, name: str, *, limit: int = MAX_ELEMENTS) -> int:
    """Check, before allocating, that an array of ``n_elements`` entries is within ``limit``."""
    if n_elements > limit:
        raise ValueError(
            f"{name} asks for an array of {_count(n_elements)} entries; the course's limit "
            f"is {limit:,} entries ({limit * 8 / 1e9:.1f} GB in float64)"
        )
    return n_elements


def check_shape(
    shape: object, name: str = "shape", *, min_dims: int = 1, max_elements: int = MAX_ELEMENTS
) -> tuple[int, ...]:
    """Check that ``shape`` is a tuple/list of positive ints with ``min_dims`` or more entries.

    The number of entries ``prod(shape)`` must not exceed ``max_elements`` (checked before
    anything is allocated).
    """
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, Sequence) or isinstance(shape, str):
        raise TypeError(f"{name} must be a tuple of positive ints, got {type(shape).__name__}")
    dims = []
    for i, s in enumerate(shape):
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"{name}[{i}] must be an int, got {type(s).__name__}")
        if s <= 0:
            raise ValueError(f"{name}[{i}] must be a positive int, got {s}")
        dims.append(int(s))
    if len(dims) < min_dims:
        raise ValueError(f"{name} must have at least {min_dims} dimension(s), got {tuple(dims)}")
    check_size(math.prod(dims), f"{name}={tuple(dims)}", limit=max_elements)
    return tuple(dims)


def check_dtype(dtype: object, name: str = "dtype") -> np.dtype:
    """Accept float32 or float64 (as a type, a string or a ``np.dtype``)."""
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"{name} must be float32 or float64, got {dtype!r}") from exc
    if dt.type not in _FLOAT_DTYPES:
        raise ValueError(f"{name} must be float32 or float64, got {dt}")
    return dt


def check_array(
    x: object,
    name: str,
    *,
    ndim: int | None = None,
    dtype: np.dtype | type | None = None,
    finite: bool = True,
) -> np.ndarray:
    """Convert ``x`` to an ndarray and check its dimensions and finiteness.

    Parameters
    ----------
    x : array_like
        Input data. Must be numeric (bool, int or float).
    name : str
        Parameter name used in error messages.
    ndim : int, optional
        Required number of dimensions.
    dtype : dtype, optional
        If given, the array is cast to this dtype (a copy only if needed).
    finite : bool
        If True (default), NaN and inf raise ``ValueError``.
    """
    if isinstance(x, (str, bytes, dict, set)) or x is None:
        raise TypeError(f"{name} must be a numeric array, got {type(x).__name__}")
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(f"{name} must be a numeric array of a regular shape ({exc})") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if dtype is not None:
        with np.errstate(over="ignore"):  # a float64 beyond float32's range becomes inf below
            arr = arr.astype(dtype, copy=False)
    if finite and arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(
            f"{name} must contain only finite values (no NaN or inf"
            + (
                f", nothing beyond float32's {np.finfo(np.float32).max:.2g}"
                if arr.dtype == np.float32
                else ""
            )
            + ")"
        )
    return arr


def check_choice(value: object, name: str, choices: Sequence[str]) -> str:
    """Check that ``value`` is one of the strings in ``choices``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, one of {list(choices)}, got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def check_sizes(sizes: object, name: str = "sizes") -> list[int]:
    """Check layer widths ``[n_0, n_1, ..., n_L]``: 2 or more positive ints, input first."""
    if isinstance(sizes, str | bytes) or not isinstance(sizes, Sequence | np.ndarray):
        raise TypeError(
            f"{name} must be a list of positive ints (layer widths, input first) such as "
            f"[784, 300, 10], got {type(sizes).__name__}"
        )
    sizes = list(sizes)  # type: ignore[arg-type]
    if len(sizes) < 2:
        raise ValueError(
            f"{name} must list at least 2 layer widths (input and output), got {sizes}"
        )
    if len(sizes) > MAX_DEPTH + 1:
        raise ValueError(f"{name} must list at most {MAX_DEPTH + 1} widths, got {len(sizes)}")
    out = [check_int(s, f"{name}[{i}]", minimum=1) for i, s in enumerate(sizes)]
    for i in range(len(out) - 1):
        check_size(out[i] * out[i + 1], f"{name}[{i}:{i + 2}] (a weight matrix)")
    return out


def check_name(value: object, name: str, valid: Sequence[str], *, kind: str) -> str:
    """Check that ``value`` is one of the names of a registry (initializers, activations).

    The message lists the ``valid`` names. ``kind`` says what is named, e.g. "initializer".
    """
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be a str, an {kind} name, one of {list(valid)}; "
            f"got {type(value).__name__}"
        )
    if value not in valid:
        raise ValueError(f"{name}: unknown {kind} name {value!r}; valid names are {list(valid)}")
    return value


def check_initializer_name(value: object, name: str = "init") -> str:
    """Check that ``value`` names an initializer of :mod:`course_utils.initializers`."""
    from course_utils import initializers  # it imports this module: look it up at call time

    return check_name(value, name, initializers.names(), kind="initializer")


def check_activation(value: object, name: str = "activation") -> Activation:
    """An ``Activation`` as is, or the one a name denotes (see ``activations.get``)."""
    from course_utils import activations  # it imports this module: look it up at call time

    if isinstance(value, activations.Activation):
        return value
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be an activation name (str) or an Activation, got {type(value).__name__}"
        )
    try:
        return activations.get(value)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from exc
