"""Bad and good ``dtype`` arguments of ``experiments.mnist.load_data``.

Kept apart from tests/test_widgets_mnist_explorer.py (the explorer app's own tests).
"""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.experiments.mnist import load_data


@pytest.mark.parametrize(
    ("dtype", "exc", "match"),
    [
        (np.int64, ValueError, "dtype must be float32 or float64, got int64"),
        ("uint8", ValueError, "dtype must be float32 or float64, got uint8"),
        (np.float16, ValueError, "dtype must be float32 or float64, got float16"),
        (np.complex128, ValueError, "dtype must be float32 or float64"),
        ("not-a-dtype", TypeError, "dtype must be float32 or float64"),
        (3.5, TypeError, "dtype must be float32 or float64"),
    ],
)
def test_load_data_rejects_non_float_dtypes(dtype, exc, match):
    with pytest.raises(exc, match=match):
        load_data(dtype)
    with pytest.raises(exc, match=match):
        load_data(dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float64, "float64", np.dtype("float64")])
def test_load_data_float64_spellings_share_one_cached_result(dtype):
    data = load_data(dtype)
    assert data is load_data(np.float64)
    for name in ("x_train", "x_test", "batch_x"):
        assert getattr(data, name).dtype == np.float64, name
    assert data.y_train.dtype == np.int64


def test_load_data_default_is_float32():
    data = load_data()
    assert data is load_data("float32")
    assert data.x_train.dtype == np.float32 and data.batch_x.dtype == np.float32
