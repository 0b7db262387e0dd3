"""Corrupted copies of the bundled MNIST file all give the same clear RuntimeError.

Each case builds a damaged file in ``tmp_path`` and checks that ``load_mnist`` names the file,
says it is corrupted and how to restore it, reading no more than the expected bytes.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from course_utils import datasets

EXPECTED_IMAGE_BYTES = 5000 * 28 * 28


@pytest.fixture(autouse=True)
def _fresh_cache():
    datasets._load_mnist_arrays.cache_clear()
    datasets._split_indices.cache_clear()
    yield
    datasets._load_mnist_arrays.cache_clear()
    datasets._split_indices.cache_clear()


def _use(monkeypatch, path):
    monkeypatch.setattr(datasets, "_MNIST_PATH", path)


def _assert_clear_error(path):
    with pytest.raises(RuntimeError) as info:
        datasets.load_mnist("all")
    message = str(info.value)
    assert str(path) in message
    assert "corrupted" in message
    assert "build_mnist.py" in message
    return message


def _npy_bytes(header: dict, payload: bytes) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue() + payload


def _zip(path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _labels_member() -> bytes:
    return _npy_bytes({"descr": "|u1", "fortran_order": False, "shape": (5000,)}, bytes(5000))


@pytest.mark.parametrize("fraction", [0.1, 0.3, 0.5, 0.7, 0.9])
def test_flipped_byte_in_compressed_images(tmp_path, monkeypatch, fraction):
    raw = bytearray(datasets._MNIST_PATH.read_bytes())
    info = zipfile.ZipFile(datasets._MNIST_PATH).getinfo("images.npy")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    raw[start + int(fraction * info.compress_size)] ^= 0xFF
    bad = tmp_path / "flipped.npz"
    bad.write_bytes(bytes(raw))
    _use(monkeypatch, bad)
    _assert_clear_error(bad)


def test_npy_in_place_of_npz(tmp_path, monkeypatch):
    bad = tmp_path / "mnist_5k.npz"
    np.save(bad.with_suffix(".npy"), np.zeros((5000, 28, 28), np.uint8))
    bad.write_bytes(bad.with_suffix(".npy").read_bytes())
    _use(monkeypatch, bad)
    _assert_clear_error(bad)


def test_header_claiming_a_huge_shape_is_rejected_before_reading(tmp_path, monkeypatch):
    bad = tmp_path / "huge.npz"
    images = _npy_bytes({"descr": "|u1", "fortran_order": False, "shape": (2**40,)}, bytes(64))
    _zip(bad, {"images.npy": images, "labels.npy": _labels_member()})
    _use(monkeypatch, bad)
    message = _assert_clear_error(bad)
    assert "images.npy declares" in message and "(1099511627776,)" in message


@pytest.mark.parametrize(
    ("header", "needle"),
    [
        ({"descr": "<f8", "fortran_order": False, "shape": (5000, 28, 28)}, "float64"),
        ({"descr": "|O", "fortran_order": False, "shape": (5000, 28, 28)}, "object"),
        ({"descr": "|u1", "fortran_order": True, "shape": (5000, 28, 28)}, "Fortran"),
    ],
)
def test_header_with_wrong_dtype_or_order_is_rejected(tmp_path, monkeypatch, header, needle):
    bad = tmp_path / "header.npz"
    _zip(bad, {"images.npy": _npy_bytes(header, bytes(16)), "labels.npy": _labels_member()})
    _use(monkeypatch, bad)
    assert needle in _assert_clear_error(bad)


def test_decompression_bomb_is_not_unpacked(tmp_path, monkeypatch):
    """64 MiB of zeros compress to ~64 KiB; the loader reads the declared size and stops."""
    bad = tmp_path / "bomb.npz"
    header = _npy_bytes({"descr": "|u1", "fortran_order": False, "shape": (5000, 28, 28)}, b"")
    with zipfile.ZipFile(bad, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("images.npy", "w", force_zip64=True) as fh:
            fh.write(header)
            chunk = bytes(1 << 20)
            for _ in range(64):
                fh.write(chunk)
        zf.writestr("labels.npy", _labels_member())
    assert bad.stat().st_size < 1 << 20
    read = []
    real_read = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        data = real_read(self, n)
        read.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    _use(monkeypatch, bad)
    assert "declares" in _assert_clear_error(bad)
    assert sum(read) <= EXPECTED_IMAGE_BYTES + 4096


def test_trailing_data_beyond_the_array_is_rejected(tmp_path, monkeypatch):
    bad = tmp_path / "long.npz"
    header = {"descr": "|u1", "fortran_order": False, "shape": (5000, 28, 28)}
    images = _npy_bytes(header, bytes(EXPECTED_IMAGE_BYTES + 100))
    _zip(bad, {"images.npy": images, "labels.npy": _labels_member()})
    _use(monkeypatch, bad)
    _assert_clear_error(bad)


def test_truncated_member_is_rejected(tmp_path, monkeypatch):
    bad = tmp_path / "short.npz"
    header = {"descr": "|u1", "fortran_order": False, "shape": (5000, 28, 28)}
    _zip(bad, {"images.npy": _npy_bytes(header, bytes(1000)), "labels.npy": _labels_member()})
    _use(monkeypatch, bad)
    assert "holds 1000 data bytes" in _assert_clear_error(bad)


@pytest.mark.parametrize("keep", [0.0, 0.5, 0.99])
def test_truncated_file_is_rejected(tmp_path, monkeypatch, keep):
    raw = datasets._MNIST_PATH.read_bytes()
    bad = tmp_path / "cut.npz"
    bad.write_bytes(raw[: int(keep * len(raw))])
    _use(monkeypatch, bad)
    _assert_clear_error(bad)


def test_valid_copy_still_loads(tmp_path, monkeypatch):
    good = tmp_path / "copy.npz"
    good.write_bytes(datasets._MNIST_PATH.read_bytes())
    _use(monkeypatch, good)
    X, y = datasets.load_mnist("all", flatten=np.False_, scale=np.True_)
    assert X.shape == (5000, 28, 28) and y.shape == (5000,)
