"""What the lessons' trainable models share: a settable learning rate, quiet stepping and
the weight scale.

:class:`LessonModel` is the small base of
:class:`~course_utils.experiments.playground.PlaygroundModel` and
:class:`~course_utils.experiments.mnist.MnistModel`. A subclass holds an
:class:`~course_utils.mlp.MLP` in ``net``, its :class:`~course_utils.training.Trainer` in
``trainer`` and the learning rate in ``_lr``; it builds the network with
:meth:`LessonModel._scale_weights` applied right after the initialization.
"""

from __future__ import annotations

import warnings

from course_utils._validation import check_choice, check_float, check_int
from course_utils.mlp import MLP
from course_utils.training import DivergenceWarning, Trainer

__all__ = ["MAX_WEIGHT_SCALE", "LessonModel", "check_positive", "check_scale"]


def check_positive(value: object, name: str) -> float:
    """``value`` as a finite float > 0 (a learning rate)."""
    return check_float(value, name, minimum=0.0, strict_min=True)


MAX_WEIGHT_SCALE = 1e4
"""Largest weight scale of the lesson models: the apps' slider ends at 16, and at 1e4 times
the initializer's weights every tanh unit is already saturated (the forward pass of the
float32 MNIST network stays finite; far larger scales overflow it)."""


def check_scale(value: object, name: str = "scale") -> float:
    """``value`` as a weight scale: a finite float in ``(0, MAX_WEIGHT_SCALE]``."""
    return check_float(value, name, minimum=0.0, strict_min=True, maximum=MAX_WEIGHT_SCALE)


class LessonModel:
    """Base of the lesson models: learning rate, divergence and quiet training steps.

    Attributes
    ----------
    net : MLP
        The network, trained in place.
    trainer : Trainer
        Its trainer; replaced by the subclass whenever the model restarts.
    """

    #: The initialization labels a subclass offers.
    INITIALIZERS: tuple[str, ...] = ()

    net: MLP
    trainer: Trainer
    _lr: float

    def _check_changes(
        self, init: str | None, seed: int | None, scale: float | None
    ) -> tuple[str | None, int | None, float | None]:
        """The optional ``init``, ``seed`` and ``scale`` of a reset, checked (None = keep)."""
        if init is not None:
            init = check_choice(init, "init", self.INITIALIZERS)
        if seed is not None:
            seed = check_int(seed, "seed", minimum=0)
        if scale is not None:
            scale = check_scale(scale, "scale")
        return init, seed, scale

    @property
    def lr(self) -> float:
        """Learning rate; setting it takes effect at the next step (no reset)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_positive(value, "lr")
        self.trainer.lr = self._lr

    @property
    def diverged_at(self) -> int | None:
        """Step at which the cost, a gradient or an update stopped being finite, or None.

        Training stopped there; the weights keep their last finite values.
        """
        return self.trainer.diverged_at

    def _train(self, n: int) -> int:
        """Run up to ``n`` trainer steps; return how many ran (fewer after a divergence).

        The :class:`~course_utils.training.DivergenceWarning` is not propagated: the apps
        show :attr:`diverged_at` instead.
        """
        before = len(self.trainer.history)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)
            self.trainer.step(n)
        return len(self.trainer.history) - before

    @staticmethod
    def _scale_weights(net: MLP, scale: float) -> None:
        """Multiply every weight matrix of ``net`` by ``scale`` in place (biases unchanged).

        In the network's dtype, so with the same draw the weights at scale ``k`` are ``k``
        times those at scale 1 (exactly for powers of 2).
        """
        if scale != 1.0:
            for w in net.weights:
                w *= scale
