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
    act = check_activation(activation)
    init_fn = initializers.get(check_initializer_name(init, "init"))
    depth = check_int(depth, "depth", minimum=1, maximum=MAX_DEPTH)
    width = check_int(width, "width", minimum=1)
    m = check_int(m, "m", minimum=1)
    check_size(width * width, "width (a width x width weight matrix)")
    check_size(depth * width * m, "depth * width * m (the output array)")
    input_var = check_float(input_var, "input_var", minimum=0.0, maximum=MAX_SCALE)
    input_mean = check_float(input_mean, "input_mean")
    dt = check_dtype(dtype)
    gen = check_rng(rng)
    out = np.empty((depth, width, m), dtype=dt)
    out[0] = gen.normal(input_mean, math.sqrt(input_var), (width, m))
    weights = []
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for layer in range(1, depth):
            w = init_fn((width, width), **init_kw, rng=gen, dtype=dt)
            out[layer] = w @ act(out[layer - 1])
            weights.append(w)
    return out, weights


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
    delta = check_array(delta, "delta")
    if delta.shape != z.shape[1:]:
        raise ValueError(f"delta must have shape {z.shape[1:]}, got shape {delta.shape}")
    out = np.empty(z.shape, dtype=np.result_type(z, delta))
    out[-1] = delta
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for layer in range(z.shape[0] - 1, 0, -1):
            out[layer - 1] = act.derivative(z[layer - 1]) * (weights[layer - 1].T @ out[layer])
    return out


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
        kw = ", ".join(f"{k}={v:.4g}" for k, v in self.init_kw.items())
        return f"{self.family}_*({kw})"

    def get_activation(self) -> activations.Activation:
        """The :class:`course_utils.activations.Activation` of this rule."""
        return activations.get(self.activation, **self.activation_kw)

    def initializer_name(self, distribution: str) -> str:
        """Initializer name for ``distribution`` ``"uniform"`` or ``"normal"``."""
        check_choice(distribution, "distribution", ("uniform", "normal"))
        return f"{self.family}_{distribution}"

    def weight_variance(self, n: int) -> float:
        """Variance of one weight of an ``n x n`` layer (the same for both distributions)."""
        n = check_int(n, "n", minimum=1)
        check_size(n * n, "n (an n x n weight matrix)")
        return initializers.variance(self.initializer_name("normal"), (n, n), **self.init_kw)

    def gain(self) -> float:
        """Effective gain ``sqrt(n Var(W))`` for ``fan_in = fan_out = n`` (independent of n)."""
        return math.sqrt(self.weight_variance(1000) * 1000)

    def uniform_bound(self, n: int) -> float:
        """Bound ``r`` of ``U(-r, r)`` for an ``n x n`` layer: ``sqrt(3 Var(W))``."""
        n = check_int(n, "n", minimum=1)
        check_size(n * n, "n (an n x n weight matrix)")
        var = initializers.variance(self.initializer_name("uniform"), (n, n), **self.init_kw)
        return math.sqrt(3.0 * var)

    def normal_std(self, n: int) -> float:
        """Standard deviation of the normal initializer for an ``n x n`` layer."""
        return math.sqrt(self.weight_variance(n))

    def symbolic_bound(self) -> str:
        """The uniform bound for ``fan_in = fan_out = n``, e.g. ``"(5/3)·√(3/n)"``."""
        g = self.gain_symbol
        return "√(3/n)" if g == "1" else f"{_wrap(g)}·√(3/n)"

    def symbolic_std(self) -> str:
        """The normal standard deviation for ``fan_in = fan_out = n``, e.g. ``"√2/√n"``."""
        g = self.gain_symbol
        return "1/√n" if g == "1" else f"{_wrap(g)}/√n"


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
    """A :class:`Rule` evaluated for ``n x n`` layers and checked by simulation.

    Attributes
    ----------
    rule : Rule
    n : int
        Layer width used for the numbers.
    gain : float
        Effective gain ``sqrt(n Var(W))``.
    bound : float
        Uniform bound at ``n``.
    std : float
        Normal standard deviation at ``n``.
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
        Measured per-layer backward factor ``n Var(W) E[g'(z)^2]`` (normal weights; the
        geometric mean over the layers of ``E[g'(z_l)^2]`` on the propagated signals).
    preserved : bool
        Whether both directions hold: the forward and the backward ratios, for both
        distributions, lie within ``[1 / tol, tol]``. The spread is shown but not part of
        the verdict (it also decays slowly under He's rule: deep ReLU stacks make all
        inputs alike, notebook 08).
    failing : tuple of str
        The directions that fail: a subset of ``("forward", "backward")``.
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
    "r at n={n}",
    "normal std σ",
    "σ at n={n}",
    "Var(z{d})/Var(z1) theory",
    "measured: uniform / normal",
    "spread Var_x(z{d})/Var_x(z1): uniform / normal",
    "backward E[δ1²]/E[δ{d}²]: uniform / normal",
    "n·Var(W)·E[g′(z)²] per layer",
    "preserved?",
)


@dataclass(frozen=True)
class SummaryTable:
    """The summary table: rows plus the settings of the check; displays as HTML or text.

    Attributes
    ----------
    rows : list of SummaryRow
    n : int
        Layer width of the numeric columns and of the simulation.
    depth : int
        Number of pre-activation layers in the simulation.
    tol : float
        A ratio within ``[1 / tol, tol]`` counts as preserved.
    """

    rows: list[SummaryRow]
    n: int
    depth: int
    tol: float

    def header(self) -> list[str]:
        """Column titles."""
        return [h.format(n=self.n, d=self.depth) for h in _HEADER]

    def cells(self) -> list[list[str]]:
        """Every row as display strings (gain to 3 decimals, other numbers to 3 or 4 digits)."""
        out = []
        for r in self.rows:
            out.append(
                [
                    r.rule.label,
                    r.rule.source,
                    r.rule.call,
                    f"{r.gain:.3f}",
                    r.rule.symbolic_bound(),
                    _fmt(r.bound, 4),
                    r.rule.symbolic_std(),
                    _fmt(r.std, 4),
                    _fmt(r.ratio_theory),
                    f"{_fmt(r.ratio_uniform)} / {_fmt(r.ratio_normal)}",
                    f"{_fmt(r.spread_uniform)} / {_fmt(r.spread_normal)}",
                    f"{_fmt(r.backward_uniform)} / {_fmt(r.backward_normal)}",
                    _fmt(r.backward_factor),
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
        caption = (
            f"Initialization per activation for fan_in = fan_out = n; check: z1 ~ N(0, 1) "
            f"through layers 2..{self.depth} of width {self.n} and a unit-variance "
            f"gradient back; preserved if the forward and the backward ratios are both "
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


def _measured_ratios(
    rule: Rule,
    distribution: str,
    sizes: tuple[int, int, int, int],
    gen: np.random.Generator,
    dtype: np.dtype,
) -> tuple[float, float, float, float]:
    """Means over ``trials`` sampled stacks of the forward, spread and backward ratios.

    Returns ``(forward, spread, backward, factor)``: ``E[z_depth^2] / E[z_1^2]``,
    ``Var_x(z_depth) / Var_x(z_1)``, ``E[δ_1^2] / E[δ_depth^2]`` and the geometric mean
    over layers of ``n Var(W) E[g'(z_l)^2]``.
    """
    n, depth, m, trials = sizes
    act = rule.get_activation()
    var_w = rule.weight_variance(n)
    forward, spread, backward, factor = [], [], [], []
    for _ in range(trials):
        z, weights = _stack(
            act,
            rule.initializer_name(distribution),
            depth,
            n,
            m,
            1.0,
            0.0,
            gen,
            dtype,
            rule.init_kw,
        )
        delta = gen.standard_normal((n, m)).astype(dtype)
        grads = backpropagate(act, z, weights, delta)
        with np.errstate(over="ignore", invalid="ignore", under="ignore", divide="ignore"):
            z64 = z.astype(np.float64)
            forward.append(float(np.mean(z64[-1] ** 2) / np.mean(z64[0] ** 2)))
            spread.append(float(np.mean(z64[-1].var(axis=1)) / np.mean(z64[0].var(axis=1))))
            g64 = grads.astype(np.float64)
            backward.append(float(np.mean(g64[0] ** 2) / np.mean(g64[-1] ** 2)))
            d2 = np.mean(np.square(act.derivative(z64[:-1])), axis=(1, 2))
            factor.append(float(n * var_w * np.exp(np.mean(np.log(d2)))))
    return tuple(float(np.mean(v)) for v in (forward, spread, backward, factor))


def _predicted_ratio(rule: Rule, n: int, depth: int) -> float:
    act = rule.get_activation()
    second = float(theory.gaussian_moments(act, 1.0)["second"])
    pred = theory.predict_variances(
        [n] * depth, rule.initializer_name("normal"), act, input_var=second, **rule.init_kw
    )
    return float(pred["z_var"][-1])


def summary_table(
    rules: list[Rule] | None = None,
    *,
    n: int = 256,
    depth: int = 20,
    m: int = 32,
    trials: int = 4,
    tol: float = 2.0,
    rng: RngLike = 0,
    dtype: type | np.dtype | str = np.float32,
) -> SummaryTable:
    """Evaluate the rules for ``n x n`` layers and check each one by simulation.

    For every rule: the gain, the uniform bound and the normal standard deviation at ``n``
    (from :func:`course_utils.initializers.variance`), the predicted ratio
    ``Var(z_depth) / Var(z_1)`` for ``z_1 ~ N(0, 1)`` and the ratio measured with uniform
    and with normal weights (:func:`propagate`, ``m`` examples), averaged over ``trials``
    independently sampled stacks. ``Var`` is the mean square over all units and examples.

    Averaging over stacks matters for ReLU-like activations: at finite width the squared
    norm of the signal performs a random walk in log scale whose spread grows like
    ``sqrt(depth / n)`` (about a factor 1.5 up or down for one 20-layer ReLU stack of
    width 256), even though its mean follows the mean-field prediction.

    Parameters
    ----------
    rules : list of Rule, optional
        Default :func:`standard_rules`.
    n : int
        Layer width (fan_in = fan_out = n).
    depth : int
        Number of pre-activation layers (``depth - 1`` weight matrices), ``>= 2``.
    m : int
        Number of examples in the simulation.
    trials : int
        Number of sampled stacks per rule and distribution.
    tol : float
        ``> 1``; a rule preserves the variance if both measured ratios are in
        ``[1 / tol, tol]``.
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
    n = check_int(n, "n", minimum=1)
    depth = check_int(depth, "depth", minimum=2, maximum=MAX_DEPTH)
    m = check_int(m, "m", minimum=1)
    trials = check_int(trials, "trials", minimum=1, maximum=MAX_TRIALS)
    check_size(n * n, "n (an n x n weight matrix)")
    check_size(depth * n * m, "depth * n * m (the propagated signals)")
    tol = check_float(tol, "tol", minimum=1.0, strict_min=True)
    gen = check_rng(rng)
    dt = check_dtype(dtype)
    sizes = (n, depth, m, trials)
    rows = []
    for rule in rules:
        ratio_u, spread_u, back_u, _ = _measured_ratios(rule, "uniform", sizes, gen, dt)
        ratio_n, spread_n, back_n, factor = _measured_ratios(rule, "normal", sizes, gen, dt)
        directions = {"forward": (ratio_u, ratio_n), "backward": (back_u, back_n)}
        failing = tuple(
            name
            for name, pair in directions.items()
            if not all(1.0 / tol <= r <= tol for r in pair)
        )
        rows.append(
            SummaryRow(
                rule=rule,
                n=n,
                gain=rule.gain(),
                bound=rule.uniform_bound(n),
                std=rule.normal_std(n),
                ratio_theory=_predicted_ratio(rule, n, depth),
                ratio_uniform=ratio_u,
                ratio_normal=ratio_n,
                spread_uniform=spread_u,
                spread_normal=spread_n,
                backward_uniform=back_u,
                backward_normal=back_n,
                backward_factor=factor,
                preserved=not failing,
                failing=failing,
            )
        )
    return SummaryTable(rows=rows, n=n, depth=depth, tol=tol)
