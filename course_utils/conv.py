r"""A 2-D convolution in numpy, written as a dense layer on image patches (im2col).

Layouts follow PyTorch: images ``x`` of shape ``(m, C_in, H, W)`` (``m`` examples), kernels
``w`` of shape ``(C_out, C_in, kh, kw)``, outputs ``(m, C_out, H_out, W_out)`` with
``H_out = (H + 2 padding - kh) // stride + 1`` (the same for the width). As in PyTorch, the
operation is a cross-correlation (the kernel is not flipped).

:func:`im2col` cuts every ``C_in x kh x kw`` patch out of the (zero-padded) images and makes
it one column. The convolution is then the dense layer of the course,

.. math::

    Z = W_\text{flat}\,X_\text{cols}, \qquad W_\text{flat} = w\text{.reshape}(C_\text{out}, -1),

whose rows have ``C_in * kh * kw`` entries: that is ``fan_in`` of
:func:`course_utils.initializers.fans` for the shape ``(C_out, C_in, kh, kw)``. Going
backward, :func:`conv2d_input_grad` multiplies by ``W_flat.T`` and adds every patch gradient
back where the patch came from (col2im); an input pixel away from the border receives
``C_out * kh * kw`` terms (for ``stride=1``), which is ``fan_out``.
"""

from __future__ import annotations

import numpy as np

from course_utils._validation import (
    MAX_ELEMENTS,
    NonFiniteError,
    _count,
    check_array,
    check_int,
    check_size,
)

__all__ = ["col2im", "conv2d", "conv2d_input_grad", "im2col", "output_size"]


def output_size(size: int, k: int, stride: int = 1, padding: int = 0) -> int:
    """Output length ``(size + 2 padding - k) // stride + 1`` along one axis.

    Raises
    ------
    ValueError
        If the (padded) input is smaller than the kernel.
    """
    return _output_size(size, k, stride, padding, ("size", "k"))


def _output_size(
    size: object, k: object, stride: object, padding: object, names: tuple[str, str]
) -> int:
    """:func:`output_size` with the caller's names for ``size`` and ``k`` in its messages."""
    size = check_int(size, names[0], minimum=1, maximum=MAX_ELEMENTS)
    k = check_int(k, names[1], minimum=1, maximum=MAX_ELEMENTS)
    stride = check_int(stride, "stride", minimum=1, maximum=MAX_ELEMENTS)
    padding = check_int(padding, "padding", minimum=0, maximum=MAX_ELEMENTS)
    if size + 2 * padding < k:
        raise ValueError(
            f"the kernel {names[1]}={_count(k)} is larger than the padded input "
            f"({names[0]}={size} + 2 * padding={padding})"
        )
    return (size + 2 * padding - k) // stride + 1


def _geometry(
    shape: tuple[int, int, int, int], kh: object, kw: object, stride: object, padding: object
) -> tuple[int, int]:
    """Output height and width for images of ``shape``; the padded images and the patch
    columns must fit the course's allocation limit."""
    m, c, h, w = shape
    ho = _output_size(h, kh, stride, padding, ("H", "kh"))
    wo = _output_size(w, kw, stride, padding, ("W", "kw"))
    check_size(m * c * (h + 2 * padding) * (w + 2 * padding), "padding (the padded images)")
    check_size(c * kh * kw * m * ho * wo, "the patch columns (C kh kw x m H_out W_out)")
    return ho, wo


def _finite(result: np.ndarray, names: str) -> np.ndarray:
    if not np.all(np.isfinite(result)):
        raise NonFiniteError(
            f"{names} too large (or not finite): the result overflows {result.dtype}"
        )
    return result


def _check_images(x: object, name: str = "x") -> np.ndarray:
    arr = check_array(x, name, ndim=4)
    if 0 in arr.shape:
        raise ValueError(
            f"{name} must have shape (m, C, H, W) with every size >= 1, got {arr.shape}"
        )
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    return arr


def im2col(x: object, kh: int, kw: int, *, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Patches of ``x`` as columns.

    Parameters
    ----------
    x : array_like, shape (m, C, H, W)
        Images.
    kh, kw : int
        Kernel height and width.
    stride, padding : int
        Step between patches (>= 1) and zero padding on every side (>= 0).

    Returns
    -------
    ndarray, shape (C * kh * kw, m * H_out * W_out)
        Row ``(c, i, j)`` (C order) holds pixel ``(i, j)`` of channel ``c`` of every patch;
        columns run over examples, then output rows, then output columns.
    """
    x = _check_images(x)
    m, c, h, w = x.shape
    ho, wo = _geometry(x.shape, kh, kw, stride, padding)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    cols = np.empty((c, kh, kw, m, ho, wo), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i : i + stride * ho : stride, j : j + stride * wo : stride]
            cols[:, i, j] = patch.transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, m * ho * wo)


def col2im(
    cols: object,
    x_shape: tuple[int, int, int, int],
    kh: int,
    kw: int,
    *,
    stride: int = 1,
    padding: int = 0,
) -> np.ndarray:
    """Adjoint of :func:`im2col`: add every column back onto the pixels it came from.

    Parameters
    ----------
    cols : array_like, shape (C * kh * kw, m * H_out * W_out)
    x_shape : tuple (m, C, H, W)
        Shape of the images the columns were cut from.
    kh, kw, stride, padding : int
        As for :func:`im2col`.

    Returns
    -------
    ndarray, shape x_shape
    """
    if not isinstance(x_shape, tuple | list) or len(x_shape) != 4:
        raise TypeError(f"x_shape must be a tuple (m, C, H, W), got {x_shape!r}")
    m, c, h, w = (check_int(v, f"x_shape[{k}]", minimum=1) for k, v in enumerate(x_shape))
    ho, wo = _geometry((m, c, h, w), kh, kw, stride, padding)
    cols = check_array(cols, "cols", ndim=2)
    if cols.shape != (c * kh * kw, m * ho * wo):
        raise ValueError(
            f"cols must have shape {(c * kh * kw, m * ho * wo)} for x_shape {tuple(x_shape)}, "
            f"got {cols.shape}"
        )
    dt = cols.dtype if cols.dtype in (np.float32, np.float64) else np.float64
    blocks = cols.reshape(c, kh, kw, m, ho, wo)
    xp = np.zeros((m, c, h + 2 * padding, w + 2 * padding), dtype=dt)
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(kh):
            for j in range(kw):
                patch = blocks[:, i, j].transpose(1, 0, 2, 3)
                xp[:, :, i : i + stride * ho : stride, j : j + stride * wo : stride] += patch
    return _finite(xp[:, :, padding : padding + h, padding : padding + w], "cols")


def _check_kernel(w: object, c_in: int) -> np.ndarray:
    w = check_array(w, "w", ndim=4)
    if 0 in w.shape:
        raise ValueError(
            f"w must have shape (C_out, C_in, kh, kw) with every size >= 1, got {w.shape}"
        )
    if w.shape[1] != c_in:
        raise ValueError(
            f"w must have shape (C_out, C_in, kh, kw) with C_in = {c_in} (the channels of x), "
            f"got {w.shape}"
        )
    return w


def conv2d(
    x: object, w: object, b: object | None = None, *, stride: int = 1, padding: int = 0
) -> np.ndarray:
    """2-D convolution (cross-correlation) of images ``x`` with kernels ``w``.

    Parameters
    ----------
    x : array_like, shape (m, C_in, H, W)
    w : array_like, shape (C_out, C_in, kh, kw)
    b : array_like, shape (C_out,), optional
        One bias per output channel.
    stride, padding : int
        As for :func:`im2col`.

    Returns
    -------
    ndarray, shape (m, C_out, H_out, W_out)

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d(x, np.ones((1, 1, 2, 2)))[0, 0]  # sums of 2 x 2 windows
    array([[10., 14., 18.],
           [26., 30., 34.],
           [42., 46., 50.]])
    """
    x = _check_images(x)
    w = _check_kernel(w, x.shape[1])
    c_out, _, kh, kw = w.shape
    m = x.shape[0]
    ho, wo = _geometry(x.shape, kh, kw, stride, padding)
    if b is not None:
        b = check_array(b, "b", ndim=1)
        if b.shape != (c_out,):
            raise ValueError(f"b must have shape ({c_out},), got {b.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        z = w.reshape(c_out, -1) @ im2col(x, kh, kw, stride=stride, padding=padding)
        if b is not None:
            z += b[:, None]
    return _finite(z, "x, w or b").reshape(c_out, m, ho, wo).transpose(1, 0, 2, 3)


def conv2d_input_grad(
    dz: object,
    w: object,
    x_shape: tuple[int, int, int, int],
    *,
    stride: int = 1,
    padding: int = 0,
) -> np.ndarray:
    """Gradient with respect to the input of :func:`conv2d`: ``col2im(W_flat.T @ dZ_cols)``.

    Parameters
    ----------
    dz : array_like, shape (m, C_out, H_out, W_out)
        Gradient with respect to the output.
    w : array_like, shape (C_out, C_in, kh, kw)
    x_shape : tuple (m, C_in, H, W)
    stride, padding : int
        As for :func:`conv2d`.

    Returns
    -------
    ndarray, shape x_shape
    """
    dz = _check_images(dz, "dz")
    if not isinstance(x_shape, tuple | list) or len(x_shape) != 4:
        raise TypeError(f"x_shape must be a tuple (m, C, H, W), got {x_shape!r}")
    shape = tuple(check_int(v, f"x_shape[{k}]", minimum=1) for k, v in enumerate(x_shape))
    w = _check_kernel(w, shape[1])
    c_out, _, kh, kw = w.shape
    expected = (shape[0], c_out, *_geometry(shape, kh, kw, stride, padding))
    if dz.shape != expected:
        raise ValueError(f"dz must have shape {expected}, got {dz.shape}")
    dz_cols = dz.transpose(1, 0, 2, 3).reshape(c_out, -1)
    with np.errstate(over="ignore", invalid="ignore"):
        cols = w.reshape(c_out, -1).T @ dz_cols
    cols = _finite(cols, "dz or w")
    return col2im(cols, tuple(x_shape), kh, kw, stride=stride, padding=padding)
