"""Auto-checks for the notebooks' exercises.

Each notebook has its own module (``checks.nb00``, ``checks.nb02`` ...) whose functions take
the learner's answer and return a :class:`Feedback`. Feedback says *what* is wrong (wrong
shape, off by a factor, wrong sign, not deterministic ...), not just ``False``; it displays
as one line in the notebook and is truthy only when the answer passes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from course_utils._validation import check_array, check_bool, check_float

__all__ = [
    "Feedback",
    "Slip",
    "as_float",
    "compare_arrays",
    "compare_scalar",
    "compare_with_slips",
]


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


def compare_scalar(
    answer: object, expected: float, name: str, *, rtol: float = 1e-6, atol: float = 0.0
) -> Feedback:
    """Compare a scalar answer with the expected value and explain any mismatch.

    Parameters
    ----------
    answer : object
        The learner's value. ``None`` or ``...`` means "not attempted yet".
    expected : float
        The reference value.
    name : str
        What the value is, used in the message (e.g. ``"Var(W)"``).
    rtol, atol : float
        Tolerances as in :func:`numpy.isclose` (finite, >= 0).

    Raises
    ------
    TypeError, ValueError
        If ``expected``, ``name``, ``rtol`` or ``atol`` is invalid (the learner's
        ``answer`` never raises: a bad answer gets a failing :class:`Feedback`).
    """
    expected = check_float(expected, "expected")
    _check_str(name, "name")
    rtol, atol = _check_tolerances(rtol, atol)
    if answer is None or answer is Ellipsis:
        return Feedback(False, f"{name} is not filled in yet.")
    if isinstance(answer, str | bytes | bool) or np.ndim(answer) != 0:
        return Feedback(False, f"{name} should be a single number, got {type(answer).__name__}.")
    try:
        value = float(answer)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return Feedback(False, f"{name} should be a single number, got {type(answer).__name__}.")
    if not np.isfinite(value):
        return Feedback(False, f"{name} is {value}; expected a finite number.")
    if np.isclose(value, expected, rtol=rtol, atol=atol):
        return Feedback(True, f"{name} = {value:.6g} is correct.")
    hint = _ratio_hint(value, expected)
    return Feedback(False, f"{name} = {value:.6g}, expected {expected:.6g}.{hint}")


def as_float(answer: object) -> float | None:
    """``answer`` as a finite float, or ``None`` when it is not one plain finite number."""
    if answer is None or isinstance(answer, str | bytes | bool) or np.ndim(answer) != 0:
        return None
    try:
        value = float(answer)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if np.isfinite(value) else None


class Slip(NamedTuple):
    """A value that a typical mistake produces, and what to tell the learner about it.

    A plain ``(value, message)`` tuple works wherever a :class:`Slip` is expected.

    Attributes
    ----------
    value : float
        The value the mistake produces.
    message : str or callable
        The explanation shown when the answer equals ``value``; a callable receives the
        learner's answer (as a float) and returns the explanation.
    rtol : float or None
        Relative tolerance for this slip only; ``None`` uses the check's ``rtol``. A wide
        tolerance around the expected value recognises answers that are only roughly right
        (a measured value instead of a computed one, say).
    """

    value: float
    message: str | Callable[[float], str]
    rtol: float | None = None


def compare_with_slips(
    answer: object,
    expected: float,
    name: str,
    slips: Sequence[Slip | tuple[float, str | Callable[[float], str]]],
    *,
    rtol: float = 1e-4,
    label: str | None = None,
) -> Feedback:
    """Compare a scalar answer, first recognising the typical slips of one exercise.

    Parameters
    ----------
    answer : object
        The learner's value.
    expected : float
        The reference value.
    name : str
        What the value is, used in the message.
    slips : sequence of :class:`Slip` or (float, message) tuples
        Values a typical mistake produces, each with the explanation shown when the answer
        equals it (to ``rtol``, or the slip's own ``rtol``). The first match wins; a correct
        answer never matches. A message may be a callable of the answer's value.
    rtol : float
        Relative tolerance for the answer, and for the slips without their own.
    label : str, optional
        When given, a slip's text message is shown after the answer, as
        ``f"{label} = {value:.6g} {message}"``; callable messages are shown as they return.

    Raises
    ------
    TypeError, ValueError
        If ``expected``, ``name``, ``slips``, ``rtol`` or ``label`` is invalid (the
        learner's ``answer`` never raises).

    Examples
    --------
    >>> n = 256
    >>> compare_with_slips(1 / n, n**-0.5, "std", [(1 / n, "that is Var(W), not its std")])
    NOT YET: that is Var(W), not its std
    >>> compare_with_slips(2 / n, n**-0.5, "std", [(2 / n, "is 2/n")], label="std")
    NOT YET: std = 0.0078125 is 2/n
    """
    expected = check_float(expected, "expected")
    _check_str(name, "name")
    rtol = check_float(rtol, "rtol", minimum=0.0)
    if label is not None:
        _check_str(label, "label")
    slips = _check_slips(slips)
    value = as_float(answer)
    if value is not None and not np.isclose(value, expected, rtol=rtol, atol=0.0):
        for slip_value, message, slip_rtol in slips:
            tol = rtol if slip_rtol is None else slip_rtol
            if np.isclose(value, slip_value, rtol=tol, atol=0.0):
                if callable(message):
                    return Feedback(False, message(value))
                if label is not None:
                    return Feedback(False, f"{label} = {value:.6g} {message}")
                return Feedback(False, message)
    return compare_scalar(answer, expected, name, rtol=rtol)


def compare_arrays(
    answer: object,
    expected: np.ndarray,
    name: str,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-12,
) -> Feedback:
    """Compare an array answer with the expected array (shape first, then values).

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

    Raises
    ------
    TypeError, ValueError
        If ``expected``, ``name``, ``rtol`` or ``atol`` is invalid (the learner's
        ``answer`` never raises: a bad answer gets a failing :class:`Feedback`).
    """
    expected = check_array(expected, "expected", dtype=np.float64)
    _check_str(name, "name")
    rtol, atol = _check_tolerances(rtol, atol)
    if answer is None or answer is Ellipsis:
        return Feedback(False, f"{name} is not filled in yet.")
    try:
        arr = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return Feedback(False, f"{name} should be a numeric array, got {type(answer).__name__}.")
    if arr.shape != expected.shape:
        return Feedback(False, f"{name} has shape {arr.shape}, expected {expected.shape}.")
    if not np.all(np.isfinite(arr)):
        return Feedback(False, f"{name} contains NaN or inf.")
    if np.allclose(arr, expected, rtol=rtol, atol=atol):
        return Feedback(True, f"{name} matches (shape {arr.shape}).")
    bad = int(np.sum(~np.isclose(arr, expected, rtol=rtol, atol=atol)))
    scale = float(np.linalg.norm(arr) / max(np.linalg.norm(expected), 1e-300))
    hint = _ratio_hint(scale, 1.0) if np.isfinite(scale) else ""
    return Feedback(
        False, f"{name}: {bad} of {arr.size} entries differ from the expected values.{hint}"
    )


def _check_str(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return value


def _check_tolerances(rtol: object, atol: object) -> tuple[float, float]:
    return check_float(rtol, "rtol", minimum=0.0), check_float(atol, "atol", minimum=0.0)


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


def _ratio_hint(value: float, expected: float) -> str:
    """Recognise common slips: a sign error or a factor of 2, 3, 4, sqrt(2) ..."""
    if expected == 0 or value == 0:
        return ""
    ratio = value / expected
    if np.isclose(ratio, -1.0, rtol=1e-6):
        return " Check the sign."
    factors: dict[str, float] = {
        "2": 2.0,
        "3": 3.0,
        "4": 4.0,
        "16": 16.0,
        "sqrt(2)": float(np.sqrt(2.0)),
        "sqrt(3)": float(np.sqrt(3.0)),
    }
    for label, f in factors.items():
        if np.isclose(ratio, f, rtol=1e-3):
            return f" Your value is {label} times too large."
        if np.isclose(ratio, 1.0 / f, rtol=1e-3):
            return f" Your value is {label} times too small."
    if expected > 0 and value > 0 and not np.isclose(expected, 1.0):
        if np.isclose(value, expected**2, rtol=1e-3):
            return " That is the square of the expected value: a variance instead of a std?"
        if np.isclose(value**2, expected, rtol=1e-3):
            return " That is the square root of the expected value: a std instead of a variance?"
    return ""
