r"""Activation-specific initialization: numerical gains and the summary table (notebook 06).

For a layer with ``fan_in = fan_out = n`` and zero-mean weights of variance ``Var(W)``, the
pre-activations of the next layer have variance

.. math::

    q_{l+1} = n \operatorname{Var}(W) \, E_{z \sim N(0, q_l)}\big[g(z)^2\big]
            = \text{gain}^2 \, E\big[g(z)^2\big] \quad\text{with}\quad
            \operatorname{Var}(W) = \text{gain}^2 / n

(the *second moment* of the activation enters, not its variance: an activation with a
non-zero mean such as the logistic function feeds its mean forward too). Keeping ``q = 1``
fixed therefore needs :func:`numerical_gain` ``= 1 / sqrt(E[g(z)^2])``, ``z ~ N(0, 1)``;
:func:`variance_map` is the map ``q -> gain^2 E[g(z)^2]`` and :func:`fixed_point` iterates
it to the variance a deep stack settles at.

The summary table
-----------------
:func:`standard_rules` lists the initialization rules discussed in the course (one per
activation and source: Glorot, PyTorch's :func:`~course_utils.initializers.calculate_gain`,
He, LeCun, the logistic Taylor argument, the numerical fixed point), each a :class:`Rule`
naming a ``course_utils`` initializer family (``xavier``, ``he``, ``lecun``) and its
parameters. For ``fan_in = fan_out = n`` every rule has ``Var(W) = gain^2 / n``, so
the uniform bound is ``gain * sqrt(3 / n)`` and the normal standard deviation
``gain / sqrt(n)``. :func:`summary_table` evaluates both for a concrete ``n`` with the
initializers' own :func:`~course_utils.initializers.variance` and checks every rule by
simulation: unit-variance pre-activations ``z_1 ~ N(0, 1)`` go through layers
``2, ..., depth`` (``z_l = W_l g(z_{l-1})``, biases zero) drawn with the rule's uniform and
normal initializer, and the measured ratio ``Var(z_depth) / Var(z_1)`` is compared with the
mean-field prediction of :func:`course_utils.theory.predict_variances`. The result displays
as an HTML table in a notebook and as plain text elsewhere, with rounded numbers so that
re-running it prints the same text.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from course_utils import activations, initializers, theory
from course_utils._validation import (
    MAX_DEPTH,
    MAX_SCALE,
    MAX_TRIALS,
    RngLike,
    check_activation,
    check_array,
    check_choice,
    check_dtype,
    check_float,
    check_initializer_name,
    check_int,
    check_rng,
    check_size,
    check_sizes,
)

__all__ = [
    "Rule",
    "SummaryRow",
    "SummaryTable",
    "fixed_point",
    "numerical_gain",
    "backpropagate",
    "propagate",
    "standard_rules",
    "summary_table",
    "variance_map",
    "zigzag_rules",
]

_FAMILIES = ("xavier", "he", "lecun")


# --------------------------------------------------------------------------------------
# Numerical gains and fixed points
# --------------------------------------------------------------------------------------


def variance_map(
    activation: str | activations.Activation, gain: float, q: float | np.ndarray
) -> float | np.ndarray:
    """Variance of the next layer's pre-activations: ``gain**2 * E[g(z)^2]``, ``z ~ N(0, q)``.

    This is the mean-field forward recurrence for a layer with ``fan_in = fan_out = n`` and
    ``Var(W) = gain**2 / n`` (biases zero).

    Parameters
    ----------
    activation : str or Activation
        The activation ``g`` (a name of :func:`course_utils.activations.names` or an
        instance such as ``activations.get("leaky_relu", slope=0.2)``).
    gain : float
        Gain ``> 0`` of the weights.
    q : float or array_like
        Variance(s) ``>= 0`` of the current pre-activations.

    Returns
    -------
    float or ndarray
        Same shape as ``q``.

    Examples
    --------
    >>> round(variance_map("relu", 2**0.5, 3.0), 12)  # He: the variance is kept
    3.0
    """
    act = check_activation(activation)
    gain = check_float(gain, "gain", minimum=0.0, strict_min=True, maximum=MAX_SCALE)
    second = theory.gaussian_moments(act, q)["second"]
    return gain**2 * second


def numerical_gain(activation: str | activations.Activation, q: float = 1.0) -> float:
    """The gain that keeps ``Var(z) = q`` from layer to layer: ``sqrt(q / E[g(z)^2])``.

    ``E[g(z)^2]`` with ``z ~ N(0, q)`` comes from
    :func:`course_utils.theory.gaussian_moments`. ``q`` is then a fixed point of
    :func:`variance_map`. For the homogeneous activations (identity, ReLU, leaky ReLU) the
    result does not depend on ``q`` and equals PyTorch's gain; for saturating ones it does.

    Parameters
    ----------
    activation : str or Activation
        The activation ``g``.
    q : float
        Target variance ``> 0`` of the pre-activations.

    Raises
    ------
    ValueError
        If ``E[g(z)^2]`` is 0 (an activation that is identically zero on ``N(0, q)``).

    Examples
    --------
    >>> round(numerical_gain("relu"), 6)  # sqrt(2)
    1.414214
    >>> round(numerical_gain("tanh"), 4), round(numerical_gain("logistic"), 4)
    (1.5925, 1.8462)
    """
    act = check_activation(activation)
    q = check_float(q, "q", minimum=0.0, strict_min=True)
    second = float(theory.gaussian_moments(act, q)["second"])
    if not second > 0.0:
        raise ValueError(f"E[g(z)^2] is 0 for activation {act.name!r} and q={q}: no gain helps")
    return math.sqrt(q / second)


def fixed_point(
    activation: str | activations.Activation,
    gain: float,
    q0: float = 1.0,
    *,
    rtol: float = 1e-10,
    max_iter: int = 2000,
) -> float:
    """The variance a deep stack settles at: iterate ``q <- variance_map(g, gain, q)``.

    Parameters
    ----------
    activation : str or Activation
        The activation ``g``.
    gain : float
        Gain ``> 0`` of every layer (``Var(W) = gain**2 / n``).
    q0 : float
        Starting variance ``> 0``.
    rtol : float
        Stop when one step changes ``q`` by less than ``rtol * q``.
    max_iter : int
        Maximum number of steps.

    Returns
    -------
    float
        The fixed point; ``0.0`` if the variance collapses below ``1e-300`` and ``inf`` if it
        grows beyond ``1e300`` (no finite non-zero fixed point is reached).

    Raises
    ------
    ValueError
        If the iteration has not settled after ``max_iter`` steps, which happens when the
        variance drifts slowly towards 0 (tanh with gain 1 decays like ``1 / (2 l)``).

    Examples
    --------
    >>> round(fixed_point("tanh", 5 / 3), 4)
    1.1785
    """
    act = check_activation(activation)
    gain = check_float(gain, "gain", minimum=0.0, strict_min=True, maximum=MAX_SCALE)
    q = check_float(q0, "q0", minimum=0.0, strict_min=True)
    rtol = check_float(rtol, "rtol", minimum=0.0, strict_min=True)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    for _ in range(max_iter):
        new = float(variance_map(act, gain, q))
        if not new < 1e300:
            return math.inf
        if new < 1e-300:
            return 0.0
        if abs(new - q) <= rtol * q:
            return new
        q = new
    raise ValueError(
        f"the variance map of {act.name!r} with gain {gain:.6g} did not settle within "
        f"max_iter={max_iter} steps (last q = {q:.6g}); it may be drifting slowly to 0"
    )


# --------------------------------------------------------------------------------------
# Forward propagation through a deep stack
# --------------------------------------------------------------------------------------


def propagate(
    activation: str | activations.Activation,
    init: str,
    *,
    depth: int,
    width: int,
    m: int,
    input_var: float = 1.0,
    input_mean: float = 0.0,
    rng: RngLike = None,
    dtype: type | np.dtype | str = np.float64,
    **init_kw: object,
) -> np.ndarray:
    """Pre-activations of every layer of a deep square stack, layer 1 fed directly.

    ``z_1`` has i.i.d. ``N(input_mean, input_var)`` entries (it stands for the
    pre-activations of a first layer); then ``z_l = W_l g(z_{l-1})`` for
    ``l = 2, ..., depth`` with ``W_l`` of shape ``(width, width)`` drawn by the initializer
    ``init`` (biases zero). Overflow, if the initialization explodes, gives ``inf``/``nan``
    entries without warnings.

    Parameters
    ----------
    activation : str or Activation
        The activation ``g`` of every layer.
    init : str
        Initializer name (:func:`course_utils.initializers.names`).
    depth : int
        Number of pre-activation layers (``>= 1``); ``depth - 1`` weight matrices are drawn.
    width : int
        Units per layer.
    m : int
        Number of examples (columns).
    input_var, input_mean : float
        Distribution of the entries of ``z_1``.
    rng : numpy.random.Generator, int or None
        Source of randomness (input first, then the weights layer by layer).
    dtype : float32 or float64
        Floating dtype.
    **init_kw
        Parameters of the initializer, e.g. ``gain=5/3``.

    Returns
    -------
    ndarray, shape (depth, width, m)
        ``out[l - 1]`` is ``z_l``.
    """
    z, _ = _stack(activation, init, depth, width, m, input_var, input_mean, rng, dtype, init_kw)
    return z


def _stack(
    activation: str | activations.Activation,
    init: str,
    depth: int,
    width: int,
    m: int,
    input_var: float,
    input_mean: float,
    rng: RngLike,
    dtype: type | np.dtype | str,
    init_kw: Mapping[str, object],
) -> tuple[np.ndarray, list[np.ndarray]]:
    """:func:`propagate`'s pre-activations together with the weight matrices drawn."""
    depth = check_int(depth, "depth", minimum=1, maximum=MAX_DEPTH)
    width = check_int(width, "width", minimum=1)
    m = check_int(m, "m", minimum=1)
    check_size(width * width, "width (a width x width weight matrix)")
    check_size(depth * width * m, "depth * width * m (the output array)")
    zs, weights = _forward(
        activation, init, [width] * depth, m, input_var, input_mean, rng, dtype, init_kw
    )
    return np.stack(zs), weights


def _forward(
    activation: str | activations.Activation,
    init: str,
    widths: Sequence[int],
    m: int,
    input_var: float,
    input_mean: float,
    rng: RngLike,
    dtype: type | np.dtype | str,
    init_kw: Mapping[str, object],
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Pre-activations ``z_l`` of widths ``widths`` (``z_l = W_l g(z_{l-1})``, ``W_l`` of shape
    ``(widths[l], widths[l - 1])``) and the weight matrices drawn."""
    act = check_activation(activation)
    init_fn = initializers.get(check_initializer_name(init, "init"))
    input_var = check_float(input_var, "input_var", minimum=0.0, maximum=MAX_SCALE)
    input_mean = check_float(input_mean, "input_mean")
    dt = check_dtype(dtype)
    gen = check_rng(rng)
    zs = [gen.normal(input_mean, math.sqrt(input_var), (widths[0], m)).astype(dt, copy=False)]
    weights = []
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for n_out in widths[1:]:
            w = init_fn((n_out, zs[-1].shape[0]), **init_kw, rng=gen, dtype=dt)
            zs.append(w @ act(zs[-1]))
            weights.append(w)
    return zs, weights


def backpropagate(
    activation: str | activations.Activation,
    z: np.ndarray,
    weights: Sequence[np.ndarray],
    delta: np.ndarray,
) -> np.ndarray:
    """Gradients ``dL/dz_l`` of every layer of a stack from :func:`propagate`.

    ``delta`` is ``dL/dz_depth``; going down, ``dL/dz_{l-1} = g'(z_{l-1}) * (W_l^T dL/dz_l)``
    (the backward pass of ``z_l = W_l g(z_{l-1})``). Each layer multiplies the gradient's
    mean square by about ``fan_out Var(W) E[g'(z)^2]``.

    Parameters
    ----------
    activation : str or Activation
        The activation ``g`` of every layer.
    z : ndarray, shape (depth, width, m)
        Pre-activations of every layer.
    weights : sequence of ndarray
        ``depth - 1`` weight matrices; ``weights[l - 1]`` maps layer ``l`` to ``l + 1``.
    delta : ndarray, shape (width, m)
        Gradient at the last layer.

    Returns
    -------
    ndarray, shape (depth, width, m)
        ``out[l - 1]`` is ``dL/dz_l``.
    """
    act = check_activation(activation)
    z = check_array(z, "z", ndim=3)
    if isinstance(weights, np.ndarray | str) or not isinstance(weights, Sequence):
        raise TypeError(f"weights must be a list of matrices, got {type(weights).__name__}")
    if len(weights) != z.shape[0] - 1:
        raise ValueError(
            f"weights must hold depth - 1 = {z.shape[0] - 1} matrices, got {len(weights)}"
        )
    width = z.shape[1]
    weights = [check_array(w, f"weights[{i}]", ndim=2) for i, w in enumerate(weights)]
    for i, w in enumerate(weights):
        if w.shape != (width, width):
            raise ValueError(f"weights[{i}] must have shape {(width, width)}, got {w.shape}")
    delta = check_array(delta, "delta")
    if delta.shape != z.shape[1:]:
        raise ValueError(f"delta must have shape {z.shape[1:]}, got shape {delta.shape}")
    return np.stack(_backward(act, list(z), weights, delta))


def _backward(
    act: activations.Activation,
    zs: Sequence[np.ndarray],
    weights: Sequence[np.ndarray],
    delta: np.ndarray,
) -> list[np.ndarray]:
    """:func:`backpropagate` for layers of any widths (lists of per-layer arrays)."""
    out = [delta]
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for layer in range(len(zs) - 1, 0, -1):
            out.append(act.derivative(zs[layer - 1]) * (weights[layer - 1].T @ out[-1]))
    return out[::-1]


# --------------------------------------------------------------------------------------
# Rules and the summary table
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One row of the summary table: an activation and an initialization rule for it.

    Attributes
    ----------
    activation : str
        Activation name for :func:`course_utils.activations.get`.
    family : {"xavier", "he", "lecun"}
        Initializer family: ``<family>_uniform`` and ``<family>_normal`` are used.
    source : str
        Where the rule comes from (shown in the table).
    gain_symbol : str
        The gain written symbolically, e.g. ``"5/3"`` or ``"√2"`` (shown in the table).
    init_kw : dict
        Parameters of the initializers, e.g. ``{"gain": 5/3}`` or
        ``{"negative_slope": 0.01}``.
    activation_kw : dict
        Parameters of the activation, e.g. ``{"slope": 0.01}``.
    """

    activation: str
    family: str
    source: str
    gain_symbol: str
    init_kw: Mapping[str, float] = field(default_factory=dict)
    activation_kw: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.activation, str):
            raise TypeError(
                f"activation must be an activation name (str), got {type(self.activation).__name__}"
            )
        for name in ("init_kw", "activation_kw"):
            if not isinstance(getattr(self, name), Mapping):
                raise TypeError(f"{name} must be a dict, got {type(getattr(self, name)).__name__}")
        try:  # validates the name and the parameters
            activations.get(self.activation, **self.activation_kw)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"activation {self.activation!r} with activation_kw: {exc}") from None
        check_choice(self.family, "family", _FAMILIES)

    @property
    def label(self) -> str:
        """Activation with its parameters, e.g. ``"leaky_relu(0.01)"``."""
        params = ", ".join(f"{v:g}" for v in self.activation_kw.values())
        return f"{self.activation}({params})" if params else self.activation

    @property
    def call(self) -> str:
        """The ``course_utils`` initializers and arguments, e.g. ``"xavier_*(gain=1.667)"``."""
        kw = ", ".join(
            f"{k}={v!r}" if isinstance(v, str) else f"{k}={v:.4g}" for k, v in self.init_kw.items()
        )
        return f"{self.family}_*({kw})"

    def get_activation(self) -> activations.Activation:
        """The :class:`course_utils.activations.Activation` of this rule."""
        return activations.get(self.activation, **self.activation_kw)

    def initializer_name(self, distribution: str) -> str:
        """Initializer name for ``distribution`` ``"uniform"`` or ``"normal"``."""
        check_choice(distribution, "distribution", ("uniform", "normal"))
        return f"{self.family}_{distribution}"

    def weight_variance(self, n: int | tuple[int, int]) -> float:
        """Variance of one weight of an ``n x n`` layer, or of a layer of shape
        ``n = (n_out, n_in)`` (the same for both distributions)."""
        return initializers.variance(self.initializer_name("normal"), _shape(n), **self.init_kw)

    def gain(self) -> float:
        """Effective gain ``sqrt(n Var(W))`` for ``fan_in = fan_out = n`` (independent of n)."""
        return math.sqrt(self.weight_variance(1000) * 1000)

    def uniform_bound(self, n: int | tuple[int, int]) -> float:
        """Bound ``r`` of ``U(-r, r)`` for an ``n x n`` layer or one of shape ``(n_out, n_in)``:
        ``sqrt(3 Var(W))``."""
        var = initializers.variance(self.initializer_name("uniform"), _shape(n), **self.init_kw)
        return math.sqrt(3.0 * var)

    def normal_std(self, n: int | tuple[int, int]) -> float:
        """Standard deviation of the normal initializer for an ``n x n`` layer or one of shape
        ``(n_out, n_in)``."""
        return math.sqrt(self.weight_variance(n))

    def _fan_symbol(self, square: bool) -> str:
        if square:
            return "n"
        if self.family == "xavier":
            return "(n_in+n_out)"
        return "n_out" if self.init_kw.get("mode", "fan_in") == "fan_out" else "n_in"

    def symbolic_bound(self, square: bool = True) -> str:
        """The uniform bound, e.g. ``"(5/3)·√(3/n)"`` for ``fan_in = fan_out = n``; with
        ``square=False`` in terms of the fans, e.g. ``"√(6/(n_in+n_out))"``."""
        g = self.gain_symbol
        fan = self._fan_symbol(square)
        base = f"√(6/{fan})" if fan == "(n_in+n_out)" else f"√(3/{fan})"
        return base if g == "1" else f"{_wrap(g)}·{base}"

    def symbolic_std(self, square: bool = True) -> str:
        """The normal standard deviation, e.g. ``"√2/√n"`` for ``fan_in = fan_out = n``; with
        ``square=False`` in terms of the fans, e.g. ``"√(2/(n_in+n_out))"``."""
        g = self.gain_symbol
        fan = self._fan_symbol(square)
        if fan == "(n_in+n_out)":
            return "√(2/(n_in+n_out))" if g == "1" else f"{_wrap(g)}·√(2/(n_in+n_out))"
        return f"1/√{fan}" if g == "1" else f"{_wrap(g)}/√{fan}"


def _shape(n: object) -> tuple[int, int]:
    """``(n, n)`` for an int, a validated ``(n_out, n_in)`` for a pair."""
    if isinstance(n, tuple):
        if len(n) != 2:
            raise ValueError(f"n must be an int or a shape (n_out, n_in), got {n!r}")
        shape = (check_int(n[0], "n_out", minimum=1), check_int(n[1], "n_in", minimum=1))
    else:
        k = check_int(n, "n", minimum=1)
        shape = (k, k)
    check_size(shape[0] * shape[1], "n (the weight matrix)")
    return shape


def _wrap(symbol: str) -> str:
    """Parenthesise a gain symbol that is a quotient or a product (``5/3`` -> ``(5/3)``)."""
    if symbol.startswith("√(") and symbol.endswith(")"):
        return symbol
    return f"({symbol})" if any(c in symbol for c in "/·+-") else symbol


def standard_rules() -> list[Rule]:
    """The rules of the summary table, in display order.

    ============================  ===========  ==========================================
    activation                    family       source / gain
    ============================  ===========  ==========================================
    identity                      xavier       calculate_gain("linear") = 1
    tanh                          xavier       Glorot & Bengio: gain 1
    tanh                          xavier       calculate_gain("tanh") = 5/3
    logistic                      xavier       calculate_gain("sigmoid") = 1
    logistic                      xavier       Taylor argument sigma'(0) = 1/4: gain 4
    logistic                      xavier       fixed point: numerical_gain("logistic")
    relu                          xavier       gain 1 (the mismatch He et al. fixed)
    relu                          he           He et al. (2015): gain √2
    leaky_relu(0.01)              he           negative_slope 0.01: √(2/(1 + 0.01²))
    selu                          lecun        Klambauer et al. (2017): LeCun normal
    selu                          xavier       calculate_gain("selu") = 3/4
    ============================  ===========  ==========================================
    """
    gain = initializers.calculate_gain
    logistic_gain = numerical_gain("logistic")
    return [
        Rule("identity", "xavier", "calculate_gain('linear')", "1", {"gain": gain("linear")}),
        Rule("tanh", "xavier", "Glorot & Bengio (2010)", "1", {"gain": 1.0}),
        Rule("tanh", "xavier", "calculate_gain('tanh')", "5/3", {"gain": gain("tanh")}),
        Rule("logistic", "xavier", "calculate_gain('sigmoid')", "1", {"gain": gain("sigmoid")}),
        Rule("logistic", "xavier", "Taylor: 1/σ'(0) = 4", "4", {"gain": 4.0}),
        Rule(
            "logistic",
            "xavier",
            "fixed point 1/√E[σ(z)²]",
            f"{logistic_gain:.4g}",
            {"gain": logistic_gain},
        ),
        Rule("relu", "xavier", "Xavier, gain 1", "1", {"gain": 1.0}),
        Rule("relu", "he", "He et al. (2015)", "√2"),
        Rule(
            "leaky_relu",
            "he",
            "He et al., slope 0.01",
            "√(2/(1+0.01²))",
            {"negative_slope": 0.01},
            {"slope": 0.01},
        ),
        Rule("selu", "lecun", "Klambauer et al. (2017)", "1"),
        Rule("selu", "xavier", "calculate_gain('selu')", "3/4", {"gain": gain("selu")}),
    ]


@dataclass(frozen=True)
class SummaryRow:
    """A :class:`Rule` evaluated for the table's layers and checked by simulation.

    Attributes
    ----------
    rule : Rule
    n : int
        Layer width used for the numbers (the first width of a non-square stack).
    gain : float
        Effective gain ``sqrt(n Var(W))`` of a square layer.
    bound : float
        Uniform bound of the first weight layer.
    std : float
        Normal standard deviation of the first weight layer.
    ratio_theory : float
        Predicted ``Var(z_depth) / Var(z_1)`` (:func:`course_utils.theory.predict_variances`).
    ratio_uniform, ratio_normal : float
        Measured ratio with uniform and with normal weights.
    spread_uniform, spread_normal : float
        Measured ratio of the input-dependent spread, ``Var_x(z_depth) / Var_x(z_1)``: the
        variance over examples of each unit, averaged over units. A stack can keep the mean
        square ``E[z^2]`` while every unit forgets its input (a mean shared by all inputs).
    backward_uniform, backward_normal : float
        Measured ratio of the gradients' mean squares ``E[δ_1^2] / E[δ_depth^2]`` for a
        unit-variance gradient ``δ_depth`` sent back through the stack.
    backward_factor : float
        Measured per-layer backward factor ``n_out Var(W) E[g'(z)^2]`` (normal weights; the
        geometric mean over the layers of its value on the propagated signals).
    preserved : bool
        Whether both directions hold at every layer: for both distributions, every
        ``E[z_l^2] / E[z_1^2]`` and every ``E[δ_l^2] / E[δ_depth^2]`` lies within
        ``[1 / tol, tol]`` (see ``worst_forward``, ``worst_backward``). The spread is shown
        but not part of the verdict (it also decays slowly under He's rule: deep ReLU stacks
        make all inputs alike, notebook 08).
    failing : tuple of str
        The directions that fail: a subset of ``("forward", "backward")``.
    bounds, stds : tuple of float
        Uniform bound and normal standard deviation of each distinct layer shape, in the
        order of :attr:`SummaryTable.shapes` (one entry for a square stack).
    worst_forward, worst_backward : float
        Over all layers and both distributions, the measured ratio farthest from 1 (in log
        scale): ``E[z_l^2] / E[z_1^2]`` forward, ``E[δ_l^2] / E[δ_depth^2]`` backward.
    """

    rule: Rule
    n: int
    gain: float
    bound: float
    std: float
    ratio_theory: float
    ratio_uniform: float
    ratio_normal: float
    spread_uniform: float
    spread_normal: float
    backward_uniform: float
    backward_normal: float
    backward_factor: float
    preserved: bool
    failing: tuple[str, ...] = ()
    bounds: tuple[float, ...] = ()
    stds: tuple[float, ...] = ()
    worst_forward: float = 1.0
    worst_backward: float = 1.0


def _fmt(x: float, digits: int = 3) -> str:
    """Rounded number for display (stable across machines at this precision)."""
    if not math.isfinite(x):
        return str(x)
    return f"{x:#.{digits}g}"


_HEADER = (
    "activation",
    "rule (source)",
    "course_utils",
    "gain",
    "uniform bound r",
    "r at {at}",
    "normal std σ",
    "σ at {at}",
    "Var(z{d})/Var(z1) theory",
    "measured: uniform / normal",
    "spread Var_x(z{d})/Var_x(z1): uniform / normal",
    "backward E[δ1²]/E[δ{d}²]: uniform / normal",
    "n_out·Var(W)·E[g′(z)²] per layer",
    "worst layer: forward / backward",
    "preserved?",
)


@dataclass(frozen=True)
class SummaryTable:
    """The summary table: rows plus the settings of the check; displays as HTML or text.

    Attributes
    ----------
    rows : list of SummaryRow
    n : int
        Layer width of the numeric columns and of the simulation (the first width of a
        non-square stack).
    depth : int
        Number of pre-activation layers in the simulation.
    tol : float
        A ratio within ``[1 / tol, tol]`` counts as preserved.
    widths : tuple of int
        Widths of ``z_1, ..., z_depth`` (all ``n`` for a square stack).
    """

    rows: list[SummaryRow]
    n: int
    depth: int
    tol: float
    widths: tuple[int, ...] = ()

    @property
    def square(self) -> bool:
        """Whether every layer is ``n x n``."""
        return len(set(self.widths or (self.n,))) == 1

    @property
    def shapes(self) -> list[tuple[int, int]]:
        """Distinct ``(n_in, n_out)`` of the weight layers, in order of appearance."""
        widths = self.widths or (self.n, self.n)
        pairs = list(zip(widths[:-1], widths[1:], strict=True))
        return list(dict.fromkeys(pairs))

    def header(self) -> list[str]:
        """Column titles."""
        at = f"n={self.n}" if self.square else " / ".join(f"{a}→{b}" for a, b in self.shapes)
        return [h.format(at=at, d=self.depth) for h in _HEADER]

    def cells(self) -> list[list[str]]:
        """Every row as display strings (gain to 3 decimals, other numbers to 3 or 4 digits)."""
        out = []
        for r in self.rows:
            bounds = " / ".join(_fmt(b, 4) for b in (r.bounds or (r.bound,)))
            stds = " / ".join(_fmt(b, 4) for b in (r.stds or (r.std,)))
            out.append(
                [
                    r.rule.label,
                    r.rule.source,
                    r.rule.call,
                    f"{r.gain:.3f}",
                    r.rule.symbolic_bound(self.square),
                    bounds,
                    r.rule.symbolic_std(self.square),
                    stds,
                    _fmt(r.ratio_theory),
                    f"{_fmt(r.ratio_uniform)} / {_fmt(r.ratio_normal)}",
                    f"{_fmt(r.spread_uniform)} / {_fmt(r.spread_normal)}",
                    f"{_fmt(r.backward_uniform)} / {_fmt(r.backward_normal)}",
                    _fmt(r.backward_factor),
                    f"{_fmt(r.worst_forward)} / {_fmt(r.worst_backward)}",
                    "yes" if r.preserved else "no: " + ", ".join(r.failing),
                ]
            )
        return out

    def to_text(self) -> str:
        """Plain-text table with aligned columns."""
        table = [self.header(), *self.cells()]
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in table]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(line.rstrip() for line in lines)

    def to_html(self) -> str:
        """HTML table (escaped strings, no styling beyond alignment)."""
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.header())
        body = []
        for cells in self.cells():
            tds = "".join(f"<td>{html.escape(c)}</td>" for c in cells)
            body.append(f"<tr>{tds}</tr>")
        if self.square:
            layers = f"fan_in = fan_out = n; check: z1 ~ N(0, 1) through layers 2..{self.depth} "
            layers += f"of width {self.n}"
        else:
            shown = ", ".join(str(w) for w in self.widths[:4])
            layers = (
                f"layers of widths {shown}, ... ({self.depth} in all); check: z1 ~ N(0, 1) "
                f"through layers 2..{self.depth}"
            )
        caption = (
            f"Initialization per activation for {layers} and a unit-variance gradient back; "
            f"preserved if at every layer the forward and the backward ratios are both "
            f"within [1/{self.tol:g}, {self.tol:g}]"
        )
        return (
            '<table style="text-align: left">'
            f"<caption>{html.escape(caption)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()


def _worst(ratios: np.ndarray) -> float:
    """The entry farthest from 1 in log scale (``nan`` entries count as farthest)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        dist = np.abs(np.log(ratios))
    dist = np.where(np.isnan(dist), np.inf, dist)
    return float(ratios[int(np.argmax(dist))])


def _measured_ratios(
    rule: Rule,
    distribution: str,
    widths: Sequence[int],
    m: int,
    trials: int,
    gen: np.random.Generator,
    dtype: np.dtype,
) -> dict[str, float]:
    """Means over ``trials`` sampled stacks of the forward, spread and backward ratios.

    Returns a dict with ``forward`` ``E[z_depth^2] / E[z_1^2]``, ``spread``
    ``Var_x(z_depth) / Var_x(z_1)``, ``backward`` ``E[δ_1^2] / E[δ_depth^2]``, ``factor``
    the geometric mean over layers of ``n_out Var(W) E[g'(z_l)^2]``, and ``worst_forward``,
    ``worst_backward``: of the per-layer ratios (averaged over the stacks) the one farthest
    from 1.
    """
    act = rule.get_activation()
    var_w = [rule.weight_variance((b, a)) for a, b in zip(widths[:-1], widths[1:], strict=True)]
    fan_out = np.array(widths[1:], dtype=np.float64)
    forward, spread, backward, factor = [], [], [], []
    for _ in range(trials):
        zs, weights = _forward(
            act, rule.initializer_name(distribution), widths, m, 1.0, 0.0, gen, dtype, rule.init_kw
        )
        delta = gen.standard_normal((widths[-1], m)).astype(dtype)
        grads = _backward(act, zs, weights, delta)
        with np.errstate(over="ignore", invalid="ignore", under="ignore", divide="ignore"):
            z2 = np.array([np.mean(np.square(z, dtype=np.float64)) for z in zs])
            g2 = np.array([np.mean(np.square(g, dtype=np.float64)) for g in grads])
            forward.append(z2 / z2[0])
            backward.append(g2 / g2[-1])
            spread.append(
                float(
                    np.mean(zs[-1].astype(np.float64).var(axis=1))
                    / np.mean(zs[0].astype(np.float64).var(axis=1))
                )
            )
            d2 = np.array(
                [np.mean(np.square(act.derivative(z.astype(np.float64)))) for z in zs[:-1]]
            )
            factor.append(float(np.exp(np.mean(np.log(fan_out * np.array(var_w) * d2)))))
    fwd = np.mean(forward, axis=0)
    bwd = np.mean(backward, axis=0)
    return {
        "forward": float(fwd[-1]),
        "spread": float(np.mean(spread)),
        "backward": float(bwd[0]),
        "factor": float(np.mean(factor)),
        "worst_forward": _worst(fwd),
        "worst_backward": _worst(bwd),
    }


def _predicted_ratio(rule: Rule, widths: Sequence[int]) -> float:
    act = rule.get_activation()
    second = float(theory.gaussian_moments(act, 1.0)["second"])
    pred = theory.predict_variances(
        list(widths), rule.initializer_name("normal"), act, input_var=second, **rule.init_kw
    )
    return float(pred["z_var"][-1])


def summary_table(
    rules: list[Rule] | None = None,
    *,
    n: int | None = None,
    depth: int | None = None,
    widths: Sequence[int] | None = None,
    m: int = 32,
    trials: int = 4,
    tol: float = 2.0,
    rng: RngLike = 0,
    dtype: type | np.dtype | str = np.float32,
) -> SummaryTable:
    """Evaluate the rules for a stack of layers and check each one by simulation.

    For every rule: the gain, the uniform bound and the normal standard deviation of each
    layer shape (from :func:`course_utils.initializers.variance`), the predicted ratio
    ``Var(z_depth) / Var(z_1)`` for ``z_1 ~ N(0, 1)`` and the ratio measured with uniform
    and with normal weights (``m`` examples), averaged over ``trials`` independently
    sampled stacks. ``Var`` is the mean square over all units and examples. The backward
    check sends a unit-variance gradient from the last layer to the first. A rule is
    *preserved* when at every layer, for both distributions, both the forward ratio
    ``E[z_l^2] / E[z_1^2]`` and the backward ratio ``E[δ_l^2] / E[δ_depth^2]`` lie within
    ``[1 / tol, tol]``.

    Averaging over stacks matters for ReLU-like activations: at finite width the squared
    norm of the signal performs a random walk in log scale whose spread grows like
    ``sqrt(depth / n)`` (about a factor 1.5 up or down for one 20-layer ReLU stack of
    width 256), even though its mean follows the mean-field prediction.

    Parameters
    ----------
    rules : list of Rule, optional
        Default :func:`standard_rules`.
    n : int, optional
        Layer width of a square stack (fan_in = fan_out = n); default 256.
    depth : int, optional
        Number of pre-activation layers of a square stack (``depth - 1`` weight matrices),
        ``>= 2``; default 20.
    widths : sequence of int, optional
        Instead of ``n`` and ``depth``: the widths of ``z_1, ..., z_depth``, e.g.
        ``[400, 100] * 10 + [400]`` for a zigzag in which fan-in, fan-out and fan-average
        rules differ.
    m : int
        Number of examples in the simulation.
    trials : int
        Number of sampled stacks per rule and distribution.
    tol : float
        ``> 1``; see above.
    rng : numpy.random.Generator, int or None
        Source of randomness (default seed 0, so that the table is reproducible).
    dtype : float32 or float64
        Dtype of the simulation (float32 by default, for speed; the ratios are accumulated
        in float64).

    Returns
    -------
    SummaryTable
    """
    if rules is not None and (isinstance(rules, str) or not isinstance(rules, Sequence)):
        raise TypeError(
            f"rules must be a non-empty list of Rule objects, got {type(rules).__name__}"
        )
    rules = standard_rules() if rules is None else list(rules)
    if not rules or not all(isinstance(r, Rule) for r in rules):
        raise TypeError("rules must be a non-empty list of Rule objects")
    if widths is None:
        n = 256 if n is None else check_int(n, "n", minimum=1)
        depth = 20 if depth is None else check_int(depth, "depth", minimum=2, maximum=MAX_DEPTH)
        check_size(n * n, "n (an n x n weight matrix)")
        widths = [n] * depth
    else:
        if n is not None or depth is not None:
            raise ValueError("give either widths or n and depth, not both")
        widths = check_sizes(widths, "widths")
        n, depth = widths[0], len(widths)
    m = check_int(m, "m", minimum=1)
    trials = check_int(trials, "trials", minimum=1, maximum=MAX_TRIALS)
    check_size(sum(widths) * m, "sum(widths) * m (the propagated signals)")
    tol = check_float(tol, "tol", minimum=1.0, strict_min=True)
    gen = check_rng(rng)
    dt = check_dtype(dtype)
    table = SummaryTable(rows=[], n=n, depth=depth, tol=tol, widths=tuple(widths))
    rows = []
    for rule in rules:
        uni = _measured_ratios(rule, "uniform", widths, m, trials, gen, dt)
        nor = _measured_ratios(rule, "normal", widths, m, trials, gen, dt)
        worst_f = _worst(np.array([uni["worst_forward"], nor["worst_forward"]]))
        worst_b = _worst(np.array([uni["worst_backward"], nor["worst_backward"]]))
        failing = tuple(
            name
            for name, worst in (("forward", worst_f), ("backward", worst_b))
            if not 1.0 / tol <= worst <= tol
        )
        shapes = [(b, a) for a, b in table.shapes]
        rows.append(
            SummaryRow(
                rule=rule,
                n=n,
                gain=rule.gain(),
                bound=rule.uniform_bound(shapes[0]),
                std=rule.normal_std(shapes[0]),
                ratio_theory=_predicted_ratio(rule, widths),
                ratio_uniform=uni["forward"],
                ratio_normal=nor["forward"],
                spread_uniform=uni["spread"],
                spread_normal=nor["spread"],
                backward_uniform=uni["backward"],
                backward_normal=nor["backward"],
                backward_factor=nor["factor"],
                preserved=not failing,
                failing=failing,
                bounds=tuple(rule.uniform_bound(s) for s in shapes),
                stds=tuple(rule.normal_std(s) for s in shapes),
                worst_forward=worst_f,
                worst_backward=worst_b,
            )
        )
    return SummaryTable(rows=rows, n=n, depth=depth, tol=tol, widths=tuple(widths))


def zigzag_rules() -> list[Rule]:
    """Rules that differ only in the fan they use, for a table of non-square layers.

    For the identity and for ReLU: the fan-in rule (LeCun, He), the fan-out rule
    (``mode="fan_out"``) and the fan average (Xavier, with He's gain for ReLU).
    """
    root2 = math.sqrt(2.0)
    return [
        Rule("identity", "lecun", "LeCun (fan_in)", "1"),
        Rule("identity", "lecun", "fan_out", "1", {"mode": "fan_out"}),
        Rule("identity", "xavier", "Glorot & Bengio (fan average)", "1", {"gain": 1.0}),
        Rule("relu", "he", "He et al. (fan_in)", "√2"),
        Rule("relu", "he", "He et al. (fan_out)", "√2", {"mode": "fan_out"}),
        Rule("relu", "xavier", "fan average, gain √2", "√2", {"gain": root2}),
    ]
