"""ipywidgets controls and interactive apps of the course.

Importing this package imports ipywidgets; the apps also import matplotlib. The numpy core
(``course_utils.initializers`` and friends) never does.

Modules
-------
base            FigureView, TrainingControls and TrainingApp, shared by the apps
picker          InitializerPicker: choose an initializer and a scale, see n_in·Var(W)
playground      the app of notebook 01's playground (model: experiments.playground)
mnist_explorer  the app of notebook 07's MNIST explorer (model: experiments.mnist)

The lesson models the apps show live in :mod:`course_utils.experiments` and need neither
ipywidgets nor matplotlib.
"""

from __future__ import annotations

from course_utils.widgets.picker import InitializerPicker

__all__ = ["InitializerPicker"]
