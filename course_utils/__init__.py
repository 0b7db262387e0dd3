"""course_utils: the tested numpy core of the weight-initialization course.

Submodules are loaded on first use, so ``import course_utils`` stays fast (numpy only is
imported by the core; matplotlib and ipywidgets only by the plotting and widget modules):

>>> import course_utils as cu
>>> w = cu.initializers.xavier_normal((300, 784), rng=0)

Modules
-------
initializers  weight initializers, gains, fans and their theoretical variances
activations   activation functions and their derivatives
losses        softmax cross-entropy, binary cross-entropy (from logits), mean squared error
mlp           a small fully connected network with forward and backward passes
training      minibatch SGD with per-layer statistics and divergence detection
theory        predicted per-layer variances at initialization (forward and backward)
signals       deep linear chains and products of random matrices (growth, overflow)
jacobians     layer Jacobians and their singular values
conv          a numpy 2-D convolution via im2col, its input gradient, conv fans
lsuv          layer-sequential unit-variance initialization (Mishkin & Matas, 2016)
summary       the summary table of initialization parameters, checked by simulation
plotting      theory-vs-measurement and per-layer histogram figures
environment   installed versions and a requirements check
datasets      seeded 2-D toy datasets and 5,000 bundled MNIST digits
checks        auto-checks for the notebooks' exercises
widgets       ipywidgets controls and interactive apps (imports ipywidgets and matplotlib)
"""

from __future__ import annotations

import importlib
from types import ModuleType

__version__ = "0.1.0"

_SUBMODULES = (
    "activations",
    "environment",
    "checks",
    "conv",
    "datasets",
    "initializers",
    "jacobians",
    "losses",
    "lsuv",
    "mlp",
    "plotting",
    "signals",
    "summary",
    "theory",
    "training",
    "widgets",
)

__all__ = list(_SUBMODULES)


def __getattr__(name: str) -> ModuleType:
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'course_utils' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_SUBMODULES])
