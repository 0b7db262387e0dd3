"""Lesson models: the networks, data, fixed batches and comparison runs of the notebooks.

Each module here holds what one lesson (or app) computes, in numpy; the ipywidgets apps
that show these models live in :mod:`course_utils.widgets`, the exercise checks in
:mod:`course_utils.checks`. Nothing in this package imports ipywidgets.

Modules
-------
base        LessonModel, what the lesson models share (learning rate, quiet steps, scale)
playground  notebook 01: a [2, 6, 3, 1] ReLU network on 2-D toy data, six initializations
saturation  notebook 03: a [784, 200 x 4, 10] logistic (or tanh) network on MNIST, saturation
mnist       notebook 07: a [784, 300 x 4, 10] tanh network on 5,000 MNIST digits
"""
