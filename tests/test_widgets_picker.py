"""The initializer picker, driven headlessly as a learner would."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import initializers
from course_utils.widgets import InitializerPicker


def test_readout_follows_the_controls():
    picker = InitializerPicker((256, 128), value="xavier_normal")
    assert picker.forward_gain == pytest.approx(128 * 2 / (256 + 128))
    picker.dropdown.value = "he_normal"
    assert picker.forward_gain == pytest.approx(2.0)
    assert "2" in picker.readout.value
    picker.scale.value = 0.5
    assert picker.forward_gain == pytest.approx(0.5)
    assert picker.weight_variance == pytest.approx(0.25 * 2 / 128)


def test_sample_uses_choice_scale_and_seed():
    picker = InitializerPicker((200, 300), value="lecun_normal", scale=2.0)
    w = picker.sample(rng=0)
    assert w.shape == (200, 300)
    np.testing.assert_array_equal(w, 2.0 * initializers.lecun_normal((200, 300), rng=0))
    assert w.var() == pytest.approx(picker.weight_variance, rel=0.05)


def test_default_options_exclude_initializers_needing_arguments():
    picker = InitializerPicker()
    assert "constant" not in picker.dropdown.options
    assert "xavier_uniform" in picker.dropdown.options


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"shape": (3,)}, ValueError, "shape"),
        ({"shape": (3, -1)}, ValueError, "shape"),
        ({"value": "nope"}, ValueError, "value"),
        ({"scale": 0.0}, ValueError, "scale"),
        ({"scale": "big"}, TypeError, "scale"),
        ({"options": ["xavier_normal", "bogus"]}, ValueError, "options"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        InitializerPicker(**kwargs)
