"""course_utils: the tested numpy core of the weight-initialization course.

Submodules are loaded on first use, so ``import course_utils`` stays fast (numpy only is
imported by the core; matplotlib and ipywidgets only by the plotting and widget modules):

>>> import course_utils as cu
>>> w = cu.initializers.xavier_normal((300, 784), rng=0)

Modules
-------
"""

from __future__ import annotations

import importlib
from types import ModuleType

__version__ = "0.1.0"

#: Every submodule with its one-line description: the single source of ``__all__``, of the
#: lazy imports below and of the "Modules" list of this docstring. Add a new module here.
_SUBMODULES: dict[str, str] = {
    "initializers": "weight initializers, gains, fans and their theoretical variances",
    "activations": "activation functions and their derivatives",
    "losses": "softmax cross-entropy, binary cross-entropy (from logits), mean squared error",
    "mlp": "a small fully connected network with forward and backward passes",
    "layers": "BatchNorm and LayerNorm with forward and backward passes",
    "blocknet": "networks of dense and residual blocks (normalization, skip connections)",
    "training": "minibatch SGD with per-layer statistics and divergence detection",
    "theory": "predicted per-layer variances at initialization; mean-field order and chaos",
    "signals": "deep linear chains and products of random matrices (growth, overflow)",
    "jacobians": "layer and end-to-end Jacobians and their singular values",
    "conv": "a numpy 2-D convolution via im2col, its input gradient, conv fans",
    "lsuv": "layer-sequential unit-variance initialization (Mishkin & Matas, 2016)",
    "summary": "the summary table of initialization parameters, checked by simulation",
    "plotting": "theory-vs-measurement and per-layer histogram figures",
    "environment": "installed versions and a requirements check",
    "datasets": "seeded 2-D toy datasets and 5,000 bundled MNIST digits",
    "experiments": "the lessons' models: networks, data and comparison runs (numpy)",
    "checks": "auto-checks for the notebooks' exercises",
    "widgets": "ipywidgets controls and interactive apps (imports ipywidgets and matplotlib)",
}

__doc__ = (__doc__ or "") + "".join(f"{name:13s} {text}\n" for name, text in _SUBMODULES.items())

__all__ = sorted(_SUBMODULES)


def __getattr__(name: str) -> ModuleType:
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'course_utils' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_SUBMODULES])
