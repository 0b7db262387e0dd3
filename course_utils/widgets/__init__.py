"""ipywidgets controls and interactive apps of the course.

Importing this package imports ipywidgets; the apps also import matplotlib. The numpy core
(``course_utils.initializers`` and friends) never does.

Modules
-------
picker          InitializerPicker: choose an initializer and a scale, see n_in·Var(W)
playground      the 2-D playground of notebook 01
mnist_explorer  the MNIST explorer of notebook 07
"""

from __future__ import annotations

from course_utils.widgets.picker import InitializerPicker

__all__ = ["InitializerPicker"]
