from __future__ import annotations

import pytest

from course_utils import environment


def test_versions_lists_python_and_every_course_package():
    v = environment.versions()
    assert set(v) == {"python", *environment.PACKAGES}
    assert v["numpy"] != "not installed"


def test_requirements_are_met_in_the_test_environment():
    assert environment.check_requirements() == []


def test_unknown_distribution_is_a_clear_error():
    with pytest.raises(ValueError, match="distribution"):
        environment.check_requirements("no-such-distribution-xyz")
    with pytest.raises(TypeError, match="distribution"):
        environment.check_requirements(3)
