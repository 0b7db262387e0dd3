"""Lesson models: the networks, data, fixed batches and comparison runs of the notebooks.

Each module here holds what one lesson (or app) computes, in numpy; the ipywidgets apps
that show these models live in :mod:`course_utils.widgets`, the exercise checks in
:mod:`course_utils.checks`. Nothing in this package imports ipywidgets.
"""
