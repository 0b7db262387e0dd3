"""Report the installed versions and check them against the course's requirements."""

from __future__ import annotations

import platform
from importlib import metadata

PACKAGES = ("numpy", "matplotlib", "ipywidgets", "jupyterlab", "ipykernel")


def versions() -> dict[str, str]:
    """Return the Python version and the installed version of each course package.

    A package that is not installed is reported as ``"not installed"``.
    """
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def check_requirements(distribution: str = "course-utils") -> list[str]:
    """List the runtime requirements of ``distribution`` that the environment does not meet.

    Parameters
    ----------
    distribution : str
        Installed distribution whose ``Requires-Dist`` entries are checked (extras skipped).

    Returns
    -------
    list of str
        One line per unmet requirement; empty when everything is satisfied.
    """
    from packaging.requirements import Requirement

    if not isinstance(distribution, str):
        raise TypeError(f"distribution must be a str, got {type(distribution).__name__}")
    try:
        requires = metadata.requires(distribution) or []
    except metadata.PackageNotFoundError as exc:
        raise ValueError(
            f"distribution {distribution!r} is not installed; run `make lab` or "
            "`pip install -e .` from the course folder"
        ) from exc
    problems = []
    for line in requires:
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        try:
            installed = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            problems.append(f"{req.name}: not installed (need {req.specifier})")
            continue
        if not req.specifier.contains(installed, prereleases=True):
            problems.append(f"{req.name}: {installed} installed, need {req.specifier}")
    return problems
