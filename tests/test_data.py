"""helpers.data: bundled subset, local caches (npz / IDX, gz or not), atomic checked download (no network)."""

from __future__ import annotations

import gzip
import hashlib
import io
from pathlib import Path

import numpy as np
import pytest

from helpers import data


# ---------------------------------------------------------------------------------------------- bundled
def test_bundled_default_shapes_dtypes_and_ranges():
    s = data.load_mnist()
    assert s.x_train.shape == (4000, 784) and s.x_val.shape == (1000, 784)
    assert s.x_train.dtype == np.float32 and s.y_train.dtype == np.float32
    assert s.y_train.shape == (4000, 10) and np.all(s.y_train.sum(axis=1) == 1)
    assert 0.0 <= s.x_train.min() and s.x_train.max() <= 1.0 and s.x_train.max() > 0.99
    assert "bundled" in s.source and s.x_test is None


def test_bundled_is_shuffled_stratified_and_seeded():
    s = data.load_mnist(800, 200, one_hot=False, random_state=3)
    assert s.y_train.dtype == np.int64
    assert np.all(np.bincount(s.y_train, minlength=10) == 80)
    assert np.all(np.bincount(s.y_val, minlength=10) == 20)
    # shuffled: the first 80 labels are not all one class (the raw subset is sorted by class)
    assert len(np.unique(s.y_train[:80])) > 5
    again = data.load_mnist(800, 200, one_hot=False, random_state=3)
    other = data.load_mnist(800, 200, one_hot=False, random_state=4)
    np.testing.assert_array_equal(s.x_train, again.x_train)
    assert not np.array_equal(s.y_train, other.y_train)


def test_bundled_train_and_val_are_disjoint():
    s = data.load_mnist(4000, 1000)
    train_rows = {r.tobytes() for r in s.x_train}
    assert sum(r.tobytes() in train_rows for r in s.x_val) < 5  # the subset may hold a few duplicates


@pytest.mark.parametrize("kwargs, match", [
    ({"n_train": 4500, "n_val": 1000}, "exceeds"),
    ({"n_train": 0}, ">= 10"),
    ({"n_val": -5}, ">= 10"),
    ({"source": "emnist"}, "unknown source"),
])
def test_bad_arguments_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.load_mnist(**kwargs)


def test_non_integer_size_raises_type_error():
    with pytest.raises(TypeError, match="positive integer"):
        data.load_mnist(n_train=100.5)


# ---------------------------------------------------------------------------------------------- tiny caches
def _tiny(n_train=60, n_test=20, seed=0):
    rng = np.random.default_rng(seed)
    arrays = {}
    for part, n in (("train", n_train), ("test", n_test)):
        arrays[f"x_{part}"] = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        arrays[f"y_{part}"] = (np.arange(n) % 10).astype(np.uint8)
    return arrays


def _idx_bytes(a: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, a.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in a.shape)
    return header + a.astype(np.uint8).tobytes()


def _write_idx_folder(folder: Path, arrays, gz: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for key, stem in data.IDX_FILES.items():
        raw = _idx_bytes(arrays[key])
        if gz:
            (folder / (stem + ".gz")).write_bytes(gzip.compress(raw))
        else:
            (folder / stem).write_bytes(raw)


def test_full_from_tiny_npz(tmp_path):
    arrays = _tiny()
    np.savez(tmp_path / "mnist.npz", **arrays)
    s = data.load_mnist(40, 20, source="full", path=tmp_path / "mnist.npz", random_state=1)
    assert s.x_train.shape == (40, 784) and s.x_val.shape == (20, 784) and s.x_test.shape == (20, 784)
    assert "mnist.npz" in s.source and "full MNIST" in s.source
    # the pixels are the file's, scaled to [0, 1]
    raw = {r.tobytes() for r in (arrays["x_train"].reshape(60, -1) / 255.0).astype(np.float32)}
    assert all(r.tobytes() in raw for r in s.x_train)
    np.testing.assert_array_equal(s.y_test.argmax(1), arrays["y_test"])


@pytest.mark.parametrize("gz", [False, True])
def test_full_from_tiny_idx_folder(tmp_path, gz):
    arrays = _tiny(seed=2)
    _write_idx_folder(tmp_path / "idx", arrays, gz)
    got = data.read_idx_folder(tmp_path / "idx")
    for k in arrays:
        np.testing.assert_array_equal(got[k], arrays[k])
    s = data.load_mnist(30, 20, source="full", path=tmp_path / "idx", one_hot=False)
    assert s.y_train.shape == (30,) and "IDX" in s.source
    np.testing.assert_array_equal(s.y_test, arrays["y_test"])


def test_npz_preferred_in_a_folder_and_default_cache_dir(tmp_path, monkeypatch):
    np.savez(tmp_path / "mnist.npz", **_tiny())
    monkeypatch.setattr(data, "DEFAULT_CACHE_DIR", tmp_path)
    assert data.find_cached_mnist() == tmp_path / "mnist.npz"
    assert data.load_mnist(40, 20, source="full").x_train.shape == (40, 784)


def test_truncated_idx_raises(tmp_path):
    raw = _idx_bytes(_tiny()["x_train"])
    (tmp_path / "bad").write_bytes(raw[:-100])
    with pytest.raises(ValueError, match="corrupt"):
        data.read_idx(tmp_path / "bad")
    (tmp_path / "magic").write_bytes(b"\x12\x34" + raw[2:])
    with pytest.raises(ValueError, match="magic"):
        data.read_idx(tmp_path / "magic")


def test_corrupted_npz_raises(tmp_path):
    np.savez(tmp_path / "mnist.npz", **_tiny())
    blob = (tmp_path / "mnist.npz").read_bytes()
    (tmp_path / "mnist.npz").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ValueError, match="not a readable .npz"):
        data.read_mnist_npz(tmp_path / "mnist.npz")
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="lacks the arrays"):
        data.read_mnist_npz(tmp_path / "other.npz")


def test_missing_cache_without_download_raises(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the network must not be touched")

    monkeypatch.setattr(data, "_open_url", no_network)
    with pytest.raises(FileNotFoundError, match="download=True"):
        data.load_mnist(source="full", path=tmp_path)


# ---------------------------------------------------------------------------------------------- download
class _FakeResponse(io.BytesIO):
    def __init__(self, payload: bytes, fail_after: int | None = None):
        super().__init__(payload)
        self.headers = {"Content-Length": str(len(payload))}
        self.fail_after = fail_after

    def read(self, n=-1):
        if self.fail_after is not None and self.tell() >= self.fail_after:
            raise TimeoutError("connection dropped")
        return super().read(n)


def _npz_bytes(arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_download_writes_verified_file_and_loads(tmp_path, monkeypatch):
    payload = _npz_bytes(_tiny())
    digest = hashlib.sha256(payload).hexdigest()
    calls = []

    def fake_open(url, timeout):
        calls.append((url, timeout))
        return _FakeResponse(payload)

    monkeypatch.setattr(data, "_open_url", fake_open)
    monkeypatch.setattr(data, "MNIST_SHA256", digest)
    s = data.load_mnist(40, 20, source="full", path=tmp_path, download=True, timeout=7.0, progress=False)
    assert calls == [(data.MNIST_URL, 7.0)]
    assert (tmp_path / "mnist.npz").read_bytes() == payload
    assert list(tmp_path.iterdir()) == [tmp_path / "mnist.npz"]
    assert s.x_train.shape == (40, 784)
    # present now: a second load does not download
    monkeypatch.setattr(data, "_open_url", lambda *a: pytest.fail("downloaded twice"))
    data.load_mnist(40, 20, source="full", path=tmp_path)


def test_wrong_checksum_leaves_no_file_and_keeps_a_good_one(tmp_path):
    good = tmp_path / "mnist.npz"
    good.write_bytes(b"good copy")
    payload = b"x" * 200_000
    with pytest.raises(ValueError, match="checksum mismatch"):
        data.download_file("https://example.invalid/m.npz", good, "0" * 64, progress=False,
                           opener=lambda url, t: _FakeResponse(payload))
    assert good.read_bytes() == b"good copy"
    assert list(tmp_path.iterdir()) == [good]


def test_download_failing_midway_leaves_nothing(tmp_path):
    payload = b"y" * 300_000
    dest = tmp_path / "sub" / "mnist.npz"
    with pytest.raises(TimeoutError):
        data.download_file("https://example.invalid/m.npz", dest, hashlib.sha256(payload).hexdigest(),
                           progress=False, opener=lambda url, t: _FakeResponse(payload, fail_after=100_000))
    assert not dest.exists() and list(dest.parent.iterdir()) == []


def test_interrupted_download_keeps_existing_file(tmp_path):
    dest = tmp_path / "mnist.npz"
    dest.write_bytes(b"old")

    class Interrupting(_FakeResponse):
        def read(self, n=-1):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        data.download_file("u", dest, "0" * 64, progress=False, opener=lambda url, t: Interrupting(b"abc"))
    assert dest.read_bytes() == b"old" and list(tmp_path.iterdir()) == [dest]


def test_download_rejects_non_positive_timeout(tmp_path):
    with pytest.raises(ValueError, match="timeout"):
        data.download_file("u", tmp_path / "f", "0" * 64, timeout=0)
