"""Auto-checks for the notebooks' exercises.

Each notebook has its own module (``checks.nb00``, ``checks.nb02`` ...) whose functions take
the learner's answer and return a :class:`Feedback`. Feedback says *what* is wrong and in
which direction (off by a factor, and which slip that factor suggests; wrong sign; wrong order
of magnitude; a recognised slip), never the expected value. It displays as one line in the
notebook and is truthy only when the answer passes.

The machinery for the four kinds of exercise:

- *compute a value*: :func:`compare_scalar` (tolerance by significant figures: right to 3
  passes, right to 2 is "close"), :func:`compare_arrays`;
- *predict, then run*: :func:`compare_prediction` compares a prediction with a measurement
  the learner has just seen and explains the gap;
- *modify the experiment*: :func:`run_experiment` runs the learner's function and tests a
  measured property against a target range;
- *explain*: :func:`compare_choice`, multiple choice with feedback per option.

Progressive hints: each module keeps ``HINTS = {"ex1": (idea, formula), ...}`` and exposes
``nbXX.hint("ex1", level=1)`` (made by :func:`hint_function`); :func:`hint` does the same
with the notebook's name. The full solution stays in the notebook's collapsed cell.

Nothing here imports ipywidgets or matplotlib: the checks need numpy only.
"""

from __future__ import annotations

import functools
import importlib
import math
import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from course_utils._validation import check_array, check_bool, check_float, check_int

__all__ = [
    "SIG_FIGS",
    "Choice",
    "Feedback",
    "Hint",
    "Slip",
    "as_float",
    "call_learner",
    "compare_arrays",
    "read_array",
    "compare_choice",
    "compare_prediction",
    "compare_scalar",
    "compare_with_slips",
    "describe_gap",
    "exercise",
    "hint",
    "hint_function",
    "matches_to",
    "run_experiment",
]

SIG_FIGS = 3
"""Significant figures an answer must be right to (the exercises ask for 3)."""

# Ratios that a slip produces, with what each suggests. Checks add their own.
_GENERIC_FACTORS: dict[str, tuple[float, str]] = {
    "2": (2.0, "a factor 2 is missing or extra somewhere (fan-in vs fan-average, ReLU's 1/2?)."),
    "3": (3.0, "a factor 3 often comes from the uniform distribution's Var = r²/3."),
    "4": (4.0, "a factor 4: the logistic slope 1/4, or a factor 2 squared?"),
    "16": (16.0, "a factor 16 = 4²: the logistic slope 1/4 applied to a variance?"),
    "√2": (math.sqrt(2.0), "a factor √2: a square root of a factor 2 (std vs variance)?"),
    "√3": (math.sqrt(3.0), "a factor √3: the uniform bound r versus its std r/√3?"),
    "10": (10.0, "a power of ten: a decimal point, or a factor 0.01 under a square root?"),
    "100": (100.0, "a power of ten: a decimal point or a percentage?"),
    "1000": (1000.0, "a power of ten: a decimal point?"),
}
# A ratio counts as one of the factors above when it is within this relative distance
# (answers rounded to 3 significant figures are off by up to 0.5 %).
_FACTOR_RTOL = 6e-3
_LN10 = math.log(10.0)


@dataclass(frozen=True)
class Feedback:
    """The result of one exercise check.

    Attributes
    ----------
    passed : bool
        Whether the answer is accepted.
    message : str
        One-line explanation: what was right, or what to look at.
    """

    passed: bool
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "passed", check_bool(self.passed, "passed"))
        _check_str(self.message, "message")

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return ("PASSED: " if self.passed else "NOT YET: ") + self.message

    def __repr__(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Hint:
    """One hint of an exercise, displayed as ``HINT 1 of 2: ...``."""

    text: str
    level: int
    levels: int

    def __str__(self) -> str:
        if self.level > self.levels:
            return f"NO MORE HINTS: {self.text}"
        return f"HINT {self.level} of {self.levels}: {self.text}"

    def __repr__(self) -> str:
        return str(self)


# ---------------------------------------------------------------------------------------------
# Reading an answer


def _read_number(answer: object, name: str) -> float | Feedback:
    """``answer`` as a float (possibly inf/nan), or a failing Feedback saying why not."""
    if answer is None or answer is Ellipsis:
        return Feedback(False, f"{name} is not filled in yet.")
    if isinstance(answer, (str, bytes)):
        return Feedback(False, f"{name} should be a number, not text: remove the quotes.")
    if isinstance(answer, (bool, np.bool_)):
        return Feedback(False, f"{name} should be a number, got {answer!r}.")
    try:
        ndim = np.ndim(answer)
    except Exception:  # noqa: BLE001 - any object a learner may pass
        ndim = 0
    if ndim != 0:
        return Feedback(
            False,
            f"{name} should be a single number, got {type(answer).__name__} "
            f"of shape {np.shape(answer)}.",
        )
    if isinstance(answer, (complex, np.complexfloating)):
        return Feedback(False, f"{name} should be a real number, got a complex number.")
    if isinstance(answer, numbers.Integral):
        try:
            return float(answer)
        except OverflowError:
            return math.inf if answer > 0 else -math.inf
    try:
        return float(answer)  # type: ignore[arg-type]
    except OverflowError:
        return math.inf
    except Exception:  # noqa: BLE001 - any object a learner may pass
        return Feedback(False, f"{name} should be a single number, got {type(answer).__name__}.")


def as_float(answer: object) -> float | None:
    """``answer`` as a finite float, or ``None`` when it is not one plain finite number."""
    value = _read_number(answer, "answer")
    if isinstance(value, Feedback) or not math.isfinite(value):
        return None
    return value


def _not_finite(value: float, name: str) -> Feedback:
    if math.isnan(value):
        return Feedback(False, f"{name} is NaN: somewhere a 0/0, inf - inf or log of a negative.")
    return Feedback(
        False,
        f"{name} is {'+' if value > 0 else '-'}infinite (or too large for a float): "
        "the answer is a finite number; look for an overflow or an exponent of the wrong sign.",
    )


# ---------------------------------------------------------------------------------------------
# Tolerance by significant figures


def _sig_tolerance(expected: float, sig_figs: int) -> float:
    """Half a unit in the ``sig_figs``-th significant digit of ``expected``."""
    if expected == 0.0:
        return 0.5 * 10.0 ** (-sig_figs)
    exponent = math.floor(math.log10(abs(expected)))
    return 0.5 * 10.0 ** (exponent - sig_figs + 1) * (1 + 1e-9)


def matches_to(value: float, expected: float, sig_figs: int = SIG_FIGS) -> bool:
    """Whether ``value`` agrees with ``expected`` to ``sig_figs`` significant figures.

    That is, ``|value - expected|`` is at most half a unit in the ``sig_figs``-th significant
    digit of ``expected`` (2.72 and 2.718 match 2.71828 to 3; 2.7 does not).

    Examples
    --------
    >>> matches_to(2.72, 2.71828), matches_to(2.7, 2.71828), matches_to(2.7, 2.71828, 2)
    (True, False, True)
    """
    expected = check_float(expected, "expected")
    sig_figs = check_int(sig_figs, "sig_figs", minimum=1, maximum=15)
    value = as_float(value)  # None for anything that is not one finite number
    return value is not None and abs(value - expected) <= _sig_tolerance(expected, sig_figs)


# ---------------------------------------------------------------------------------------------
# Describing a miss without giving the answer away


def describe_gap(
    value: float,
    reference: float,
    *,
    factors: Mapping[str, tuple[float, str]] | None = None,
    sig_figs: int = SIG_FIGS,
) -> str:
    """How ``value`` differs from ``reference``, in words that do not contain ``reference``.

    The sign first, then a known factor (the generic ones and ``factors``, each with what it
    suggests), a square or square root, else the direction and the order of magnitude.

    Parameters
    ----------
    value, reference : float
        Finite numbers, ``value`` the learner's.
    factors : mapping of label to (factor, explanation), optional
        Ratios that a slip of this exercise produces, tried before the generic ones.
    sig_figs : int
        Precision of the comparisons of magnitudes.
    """
    value = check_float(value, "value")
    reference = check_float(reference, "reference")
    sig_figs = check_int(sig_figs, "sig_figs", minimum=1, maximum=15)
    factors = _check_factors(factors)
    if value == 0.0:
        return "It is 0, and the answer is not zero."
    if reference == 0.0:
        return "The answer is 0."
    if (value > 0) != (reference > 0):
        if matches_to(abs(value), abs(reference), sig_figs):
            return "The sign is wrong; the size is right."
        return "The sign is wrong, and so is the size: " + _magnitude(
            abs(value), abs(reference), factors, sig_figs
        )
    text = _magnitude(abs(value), abs(reference), factors, sig_figs)
    return text[0].upper() + text[1:]


def _magnitude(
    value: float,
    reference: float,
    factors: Mapping[str, tuple[float, str]] | None,
    sig_figs: int,
) -> str:
    log_ratio = math.log(value) - math.log(reference)  # finite for finite positive floats
    table = {**(factors or {}), **_GENERIC_FACTORS}
    for label, (factor, meaning) in table.items():
        log_f = math.log(factor)
        if abs(abs(log_ratio) - log_f) <= _FACTOR_RTOL:
            direction = "large" if log_ratio > 0 else "small"
            return f"it is {label} times too {direction}: {meaning}"
    log_ref = math.log(reference)
    if abs(log_ref) > 0.05:
        if abs(math.log(value) - 2 * log_ref) <= _FACTOR_RTOL * 2:
            return "it is the square of the answer: a variance where a standard deviation belongs?"
        if abs(2 * math.log(value) - log_ref) <= _FACTOR_RTOL * 2:
            return (
                "it is the square root of the answer: a standard deviation where a variance "
                "belongs?"
            )
    direction = "large" if log_ratio > 0 else "small"
    size = abs(log_ratio)
    if size < math.log(1.5):
        return f"it is a little too {direction} (by less than a factor 1.5): recheck each term."
    if size < math.log(2.0):
        return f"it is too {direction} by a factor between 1.5 and 2."
    if size < _LN10:
        return f"it is too {direction} by a factor between 2 and 10."
    orders = round(size / _LN10)
    plural = "s" if orders != 1 else ""
    return (
        f"it is too {direction} by about {orders} order{plural} of magnitude: "
        "recheck the exponents and the units."
    )


# ---------------------------------------------------------------------------------------------
# Compute a value


class Slip(NamedTuple):
    """A value that a typical mistake produces, and what to tell the learner about it.

    A plain ``(value, message)`` tuple works wherever a :class:`Slip` is expected.

    Attributes
    ----------
    value : float
        The value the mistake produces.
    message : str or callable
        The explanation shown when the answer equals ``value`` (to the check's significant
        figures). A callable receives the learner's answer (as a float) and returns the
        explanation. It must not contain the expected value.
    rtol : float or None
        Relative tolerance for this slip instead of the significant figures. A wide
        tolerance around the expected value recognises answers that are only roughly right
        (a measured value instead of a computed one, say); such slips are tried after the
        "close" test.
    """

    value: float
    message: str | Callable[[float], str]
    rtol: float | None = None


def compare_scalar(
    answer: object,
    expected: float,
    name: str,
    *,
    slips: Sequence[Slip | tuple] = (),
    factors: Mapping[str, tuple[float, str]] | None = None,
    sig_figs: int = SIG_FIGS,
    rtol: float = 0.0,
    atol: float = 0.0,
    on_pass: str | None = None,
) -> Feedback:
    """Check a scalar answer and explain a miss without revealing the expected value.

    Parameters
    ----------
    answer : object
        The learner's value. ``None`` or ``...`` means "not attempted yet". Any other
        object (text, arrays, huge ints, inf, NaN) gets a failing Feedback, never an error.
    expected : float
        The reference value.
    name : str
        What the value is, used in the message (e.g. ``"Var(W)"``).
    slips : sequence of :class:`Slip` or (value, message) tuples
        Values that typical mistakes produce, each with its explanation. The first match
        wins; a slip that coincides with ``expected`` is never reported.
    factors : mapping of label to (factor, explanation), optional
        Ratios answer/expected that a slip of this exercise produces.
    sig_figs : int
        An answer right to ``sig_figs`` significant figures passes; one right to
        ``sig_figs - 1`` gets "close".
    rtol, atol : float
        Widen the tolerance (for measured values that differ between machines).
    on_pass : str, optional
        What the passing message adds (why the answer is what it is).

    Raises
    ------
    TypeError, ValueError
        If an argument other than ``answer`` is invalid.

    Examples
    --------
    >>> compare_scalar(2.72, 2.71828, "e")
    PASSED: e is right to 3 significant figures.
    >>> compare_scalar(2.7, 2.71828, "e")
    NOT YET: e is close, but right to only 2 significant figures: give 3.
    """
    expected = check_float(expected, "expected")
    _check_str(name, "name")
    sig_figs = check_int(sig_figs, "sig_figs", minimum=1, maximum=15)
    rtol, atol = _check_tolerances(rtol, atol)
    checked_slips = _check_slips(slips)
    factors = _check_factors(factors)
    if on_pass is not None:
        _check_str(on_pass, "on_pass")
    value = _read_number(answer, name)
    if isinstance(value, Feedback):
        return value
    if not math.isfinite(value):
        return _not_finite(value, name)

    def near(v: float, ref: float, figs: int) -> bool:
        return matches_to(v, ref, figs) or abs(v - ref) <= atol + rtol * abs(ref)

    if near(value, expected, sig_figs):
        text = f"{name} is right to {sig_figs} significant figures."
        return Feedback(True, text + (f" {on_pass}" if on_pass else ""))
    # An exact slip that coincides with the answer is never reported; a wide one (its own
    # rtol) is meant to sit around the answer and is tried after the "close" test.
    distinct = [
        s for s in checked_slips if s.rtol is not None or not near(s.value, expected, sig_figs)
    ]
    for slip in distinct:
        if slip.rtol is None and near(value, slip.value, sig_figs):
            return Feedback(False, _slip_text(slip, value, name))
    if sig_figs > 1 and matches_to(value, expected, sig_figs - 1):
        return Feedback(
            False,
            f"{name} is close, but right to only {sig_figs - 1} significant figures: "
            f"give {sig_figs}.",
        )
    for slip in distinct:
        if slip.rtol is not None and abs(value - slip.value) <= slip.rtol * abs(slip.value):
            return Feedback(False, _slip_text(slip, value, name))
    return Feedback(False, f"{name}: " + describe_gap(value, expected, factors=factors))


def compare_with_slips(
    answer: object,
    expected: float,
    name: str,
    slips: Sequence[Slip | tuple],
    *,
    label: str | None = None,
    **kwargs: object,
) -> Feedback:
    """:func:`compare_scalar` with the slips as a positional argument.

    A text slip message is shown as written or, when ``label`` is given, as
    ``f"{label} = {answer:.6g} {message}"`` (the answer, which is a slip's value, never the
    expected one); other keyword arguments go to :func:`compare_scalar` (``rtol`` widens
    the tolerance there).
    """
    if label is not None:
        _check_str(label, "label")
    shown = []
    for value, message, rtol in _check_slips(slips):
        if isinstance(message, str):  # shown as written, after "label = answer" if given
            message = _labelled(message, label)
        shown.append(Slip(value, message, rtol))
    slips = shown
    return compare_scalar(answer, expected, name, slips=slips, **kwargs)  # type: ignore[arg-type]


def _labelled(message: str, label: str | None) -> Callable[[float], str]:
    if label is None:
        return lambda value: message
    return lambda value: f"{label} = {value:.6g} {message}"


def _slip_text(slip: Slip, value: float, name: str) -> str:
    if callable(slip.message):
        return str(slip.message(value))
    return slip.message if slip.message[:1].isupper() else f"{name} {slip.message}"


def read_array(answer: object, name: str) -> np.ndarray | Feedback:
    """A learner's array answer as a float64 array, or the :class:`Feedback` saying why not
    (not filled in, text, complex entries, not numeric, NaN or inf entries)."""
    if answer is None or answer is Ellipsis:
        return Feedback(False, f"{name} is not filled in yet.")
    if isinstance(answer, (str, bytes)):
        return Feedback(False, f"{name} should be a numeric array, not text.")
    try:
        if np.iscomplexobj(answer):
            return Feedback(False, f"{name} has complex entries; the answer is a real array.")
        with np.errstate(all="ignore"):
            arr = np.asarray(answer, dtype=float)
    except (TypeError, ValueError, OverflowError):
        return Feedback(False, f"{name} should be a numeric array, got {type(answer).__name__}.")
    if not np.all(np.isfinite(arr)):
        return Feedback(False, f"{name} contains NaN or inf.")
    return arr


def compare_arrays(
    answer: object,
    expected: np.ndarray,
    name: str,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-12,
    factors: Mapping[str, tuple[float, str]] | None = None,
) -> Feedback:
    """Compare an array answer with the expected array (shape first, then values).

    Arrays are computed, not typed, so the tolerance is tight. On a miss the message gives
    the number of differing entries and, when the whole array is off by one factor (or by
    its sign), which one and what it suggests; never the expected values.

    Parameters
    ----------
    answer : object
        The learner's array. ``None`` or ``...`` means "not attempted yet".
    expected : array_like
        The reference values (numeric, finite).
    name : str
        What the array is, used in the message (e.g. ``"dW1"``).
    rtol, atol : float
        Tolerances as in :func:`numpy.allclose` (finite, >= 0).
    factors : mapping of label to (factor, explanation), optional
        Ratios that a slip of this exercise produces (see :func:`describe_gap`).

    Raises
    ------
    TypeError, ValueError
        If an argument other than ``answer`` is invalid.
    """
    expected = check_array(expected, "expected", dtype=np.float64)
    _check_str(name, "name")
    rtol, atol = _check_tolerances(rtol, atol)
    factors = _check_factors(factors)
    arr = read_array(answer, name)
    if isinstance(arr, Feedback):
        return arr
    if arr.shape != expected.shape:
        return Feedback(False, f"{name} has shape {arr.shape}, expected {expected.shape}.")
    if np.allclose(arr, expected, rtol=rtol, atol=atol):
        return Feedback(True, f"{name} matches (shape {arr.shape}).")
    bad = int(np.sum(~np.isclose(arr, expected, rtol=rtol, atol=atol)))
    text = f"{name}: {bad} of {arr.size} entries differ from the expected values."
    # One common factor? Compare along the expected array's direction (no overflow: scaled).
    scale_a, scale_e = float(np.max(np.abs(arr))), float(np.max(np.abs(expected)))
    if scale_a > 0 and scale_e > 0:
        a, e = arr / scale_a, expected / scale_e
        coef = float(np.dot(a.ravel(), e.ravel()) / np.dot(e.ravel(), e.ravel()))
        if coef != 0 and np.allclose(a, coef * e, rtol=1e-6, atol=1e-9):
            ratio_log = math.log(abs(coef)) + math.log(scale_a) - math.log(scale_e)
            if abs(ratio_log) < 700:
                ratio = math.copysign(math.exp(ratio_log), coef)
                text += " The whole array is off by one factor. " + describe_gap(
                    ratio, 1.0, factors=factors
                )
    return Feedback(False, text)


# ---------------------------------------------------------------------------------------------
# Predict, then run


def compare_prediction(
    prediction: object,
    measured: float,
    name: str,
    *,
    rtol: float = 0.25,
    slips: Sequence[Slip | tuple] = (),
    explain: str = "",
) -> Feedback:
    """Compare the learner's prediction with a measurement and explain the gap.

    The measurement has just been shown to the learner, so the feedback may name it; what
    it adds is the direction and size of the gap and, for a recognised slip, its reason.

    Parameters
    ----------
    prediction : object
        The number the learner wrote down before running the cell.
    measured : float
        What the run measured.
    name : str
        What was predicted (e.g. ``"Var(z) at layer 10"``).
    rtol : float
        A prediction within this relative distance of the measurement counts as right
        (a measurement scatters around the theory).
    slips : sequence of :class:`Slip` or (value, message) tuples
        Predictions that a typical misconception produces, with its explanation (matched
        to 3 significant figures, or the slip's own ``rtol``).
    explain : str
        Why the measurement is what it is; shown after the gap on a miss, and on a pass.
    """
    measured = check_float(measured, "measured")
    _check_str(name, "name")
    rtol = check_float(rtol, "rtol", minimum=0.0)
    _check_str(explain, "explain")
    checked_slips = _check_slips(slips)
    value = _read_number(prediction, f"Your prediction of {name}")
    if isinstance(value, Feedback):
        return value
    if not math.isfinite(value):
        return _not_finite(value, f"Your prediction of {name}")
    tail = f" {explain}" if explain else ""
    if abs(value - measured) <= rtol * abs(measured) or matches_to(value, measured):
        return Feedback(
            True,
            f"Your prediction of {name} ({value:.3g}) matches the measurement "
            f"({measured:.3g}).{tail}",
        )
    for slip in checked_slips:
        tol = slip.rtol if slip.rtol is not None else 0.0
        if matches_to(value, slip.value) or abs(value - slip.value) <= tol * abs(slip.value):
            return Feedback(False, _slip_text(slip, value, f"Your prediction of {name}") + tail)
    gap = describe_gap(value, measured)
    return Feedback(
        False,
        f"Your prediction of {name} ({value:.3g}) against the measurement "
        f"({measured:.3g}): {gap}{tail}",
    )


# ---------------------------------------------------------------------------------------------
# Modify the experiment


def call_learner(func: object, name: str, *args: object) -> tuple[object, Feedback | None]:
    """Call the learner's function, ``func(*args)``, without letting anything escape.

    A function not filled in yet (``None`` or ``...``), something that is not a function (the
    result of a call, say), and whatever the call raises all come back as a failing
    :class:`Feedback` that names ``name``; floating-point warnings are silenced.

    Returns
    -------
    (result, None) when the call returned, (None, feedback) otherwise.
    """
    _check_str(name, "name")
    if func is None or func is Ellipsis:
        return None, Feedback(False, f"{name} is not filled in yet: define the function first.")
    if not callable(func):
        return None, Feedback(
            False, f"Pass the function itself (no parentheses), got {type(func).__name__}."
        )
    try:
        with np.errstate(all="ignore"):
            return func(*args), None
    except Exception as exc:  # noqa: BLE001 - the learner's code may raise anything
        return None, Feedback(False, f"{name} raised {type(exc).__name__}: {exc}")


def run_experiment(
    func: object,
    measure: Callable[[object], float],
    name: str,
    *,
    low: float,
    high: float,
    too_low: str = "",
    too_high: str = "",
    on_pass: str = "",
) -> Feedback:
    """Run the learner's function, measure a property of its result, test it against a range.

    Parameters
    ----------
    func : callable
        The learner's function (no arguments), e.g. one that builds and runs a network.
        Whatever it raises or returns becomes feedback, never a traceback.
    measure : callable
        Turns ``func()``'s result into the measured number; it may raise ``TypeError`` or
        ``ValueError`` with a message for the learner when the result has the wrong form.
    name : str
        What is measured (e.g. ``"Var(z) at layer 30"``).
    low, high : float
        The property holds when ``low <= measured <= high``.
    too_low, too_high : str
        What to change when the measurement falls below or above the range.
    on_pass : str
        What the passing message adds.
    """
    _check_str(name, "name")
    low = check_float(low, "low")
    high = check_float(high, "high")
    if high < low:
        raise ValueError(f"low must be <= high, got low={low:g} and high={high:g}")
    for text, label in ((too_low, "too_low"), (too_high, "too_high"), (on_pass, "on_pass")):
        _check_str(text, label)
    result, failed = call_learner(func, "Your function")
    if failed is not None:
        return failed
    try:
        with np.errstate(all="ignore"):
            value = float(measure(result))
    except (TypeError, ValueError, OverflowError) as exc:
        return Feedback(False, f"Could not measure {name} on what your function returned: {exc}")
    if not math.isfinite(value):
        return Feedback(
            False, f"{name} is not finite: the signal overflowed or became NaN. {too_high}".rstrip()
        )
    where = f"{name} = {value:.3g}, the target is between {low:.3g} and {high:.3g}"
    if value < low:
        return Feedback(False, f"{where}: too low. {too_low}".rstrip())
    if value > high:
        return Feedback(False, f"{where}: too high. {too_high}".rstrip())
    return Feedback(True, f"{name} = {value:.3g}, within the target. {on_pass}".rstrip())


# ---------------------------------------------------------------------------------------------
# Explain


class Choice(NamedTuple):
    """One option of a multiple-choice question and what choosing it tells the learner."""

    text: str
    correct: bool
    feedback: str


def compare_choice(answer: object, options: Mapping[str, Choice]) -> Feedback:
    """Check a multiple-choice answer and say why the chosen option is right or wrong.

    Parameters
    ----------
    answer : object
        The learner's choice: an option's key (``"b"``, ``"B"``, ``"(b)"`` all work).
    options : mapping of key to :class:`Choice`
        Exactly one option is correct.
    """
    if not isinstance(options, Mapping) or not options:
        raise TypeError("options must be a non-empty mapping of key to Choice")
    for key, choice in options.items():
        if not isinstance(key, str) or not isinstance(choice, Choice):
            raise TypeError(f"options[{key!r}] must map a str key to a Choice")
    if sum(c.correct for c in options.values()) != 1:
        raise ValueError("options must have exactly one correct Choice")
    keys = ", ".join(repr(k) for k in options)
    if answer is None or answer is Ellipsis:
        return Feedback(False, f"Choose one of {keys}.")
    if not isinstance(answer, str):
        return Feedback(False, f"Answer with the option's letter as a string, one of {keys}.")
    key = re.sub(r"[\s().]", "", answer).lower()
    lookup = {k.lower(): c for k, c in options.items()}
    if key not in lookup:
        return Feedback(False, f"{answer!r} is not an option; choose one of {keys}.")
    choice = lookup[key]
    return Feedback(choice.correct, choice.feedback)


# ---------------------------------------------------------------------------------------------
# Hints


def hint(notebook: str, exercise: str, level: int = 1) -> Hint:
    """The ``level``-th hint of an exercise (1: the idea, 2: the formula or the method).

    Parameters
    ----------
    notebook : str
        The check module's name, e.g. ``"nb03"``.
    exercise : str
        The exercise's key, e.g. ``"ex2"``.
    level : int
        1 for the first hint; asking past the last one points at the solution cell.
    """
    _check_str(notebook, "notebook")
    if not re.fullmatch(r"nb\d\d", notebook):
        raise ValueError(f"notebook must look like 'nb03', got {notebook!r}")
    try:
        module = importlib.import_module(f"{__name__}.{notebook}")
    except ModuleNotFoundError:
        raise ValueError(f"notebook {notebook!r} has no checks") from None
    return _hint_from(getattr(module, "HINTS", {}), notebook, exercise, level)


def hint_function(hints: Mapping[str, Sequence[str]], notebook: str) -> Callable[..., Hint]:
    """A module's ``hint(exercise, level=1)`` over its ``HINTS``."""

    def module_hint(exercise: str, level: int = 1) -> Hint:
        return _hint_from(hints, notebook, exercise, level)

    module_hint.__doc__ = (
        f"The ``level``-th hint of an exercise of {notebook} (1: the idea, 2: the formula)."
    )
    return module_hint


def _hint_from(
    hints: Mapping[str, Sequence[str]], notebook: str, exercise: str, level: int
) -> Hint:
    _check_str(exercise, "exercise")
    level = check_int(level, "level", minimum=1)
    if exercise not in hints:
        raise ValueError(
            f"exercise must be one of {sorted(hints)} for {notebook}, got {exercise!r}"
        )
    texts = hints[exercise]
    if level > len(texts):
        return Hint(
            "No more hints: the full solution is in the collapsed cell below the exercise.",
            level,
            len(texts),
        )
    return Hint(texts[level - 1], level, len(texts))


def exercise(key: str) -> Callable[[Callable[..., Feedback]], Callable[..., Feedback]]:
    """Mark a check as exercise ``key`` of its module: a failing message ends with a pointer
    to the hints, and an arithmetic error inside the check becomes feedback."""

    def decorate(check: Callable[..., Feedback]) -> Callable[..., Feedback]:
        notebook = check.__module__.rsplit(".", 1)[-1]

        @functools.wraps(check)
        def wrapped(*args: object, **kwargs: object) -> Feedback:
            try:
                with np.errstate(all="ignore"):
                    result = check(*args, **kwargs)
            except ArithmeticError:
                result = Feedback(False, "This answer is out of any sensible range.")
            if result.passed:
                return result
            return Feedback(False, f"{result.message} (Stuck? {notebook}.hint({key!r}))")

        wrapped.exercise = key  # type: ignore[attr-defined]
        return wrapped

    return decorate


# ---------------------------------------------------------------------------------------------
# Argument checks (for the check modules' own arguments, never the learner's answer)


def _check_str(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return value


def _check_tolerances(rtol: object, atol: object) -> tuple[float, float]:
    return check_float(rtol, "rtol", minimum=0.0), check_float(atol, "atol", minimum=0.0)


def _check_factors(factors: object) -> dict[str, tuple[float, str]]:
    if factors is None:
        return {}
    if not isinstance(factors, Mapping):
        raise TypeError(f"factors must be a mapping, got {type(factors).__name__}")
    checked = {}
    for label, entry in factors.items():
        if not isinstance(label, str) or not isinstance(entry, tuple) or len(entry) != 2:
            raise TypeError(f"factors[{label!r}] must be a (factor, explanation) tuple")
        factor = check_float(entry[0], f"factors[{label!r}]", minimum=0.0, strict_min=True)
        checked[label] = (factor, _check_str(entry[1], f"factors[{label!r}] explanation"))
    return checked


def _check_slips(slips: object) -> list[Slip]:
    """Each entry of ``slips`` as a validated :class:`Slip`."""
    if isinstance(slips, (str, bytes)) or not isinstance(slips, Sequence):
        raise TypeError(
            f"slips must be a sequence of Slip or (value, message) tuples, "
            f"got {type(slips).__name__}"
        )
    checked = []
    for i, slip in enumerate(slips):
        if not isinstance(slip, tuple) or not 2 <= len(slip) <= 3:
            raise TypeError(f"slips[{i}] must be a Slip or a (value, message) tuple, got {slip!r}")
        value, message, rtol = Slip(*slip)
        value = check_float(value, f"slips[{i}].value")
        if not (isinstance(message, str) or callable(message)):
            raise TypeError(
                f"slips[{i}].message must be a str or a callable, got {type(message).__name__}"
            )
        if rtol is not None:
            rtol = check_float(rtol, f"slips[{i}].rtol", minimum=0.0)
        checked.append(Slip(value, message, rtol))
    return checked
