"""helpers.mnist: bundled subset, local caches (npz / IDX, gz or not), atomic checked download (no network)."""

from __future__ import annotations

import gzip
import hashlib
import io
from pathlib import Path

import numpy as np
import pytest

from helpers import mnist


# ---------------------------------------------------------------------------------------------- bundled
def test_bundled_default_shapes_dtypes_and_ranges():
    s = mnist.load_mnist()
    assert s.x_train.shape == (4000, 784) and s.x_val.shape == (1000, 784)
    assert s.x_train.dtype == np.float32 and s.y_train.dtype == np.float32
    assert s.y_train.shape == (4000, 10) and np.all(s.y_train.sum(axis=1) == 1)
    assert 0.0 <= s.x_train.min() and s.x_train.max() <= 1.0 and s.x_train.max() > 0.99
    assert "bundled" in s.source and s.x_test is None


def test_bundled_is_shuffled_stratified_and_seeded():
    s = mnist.load_mnist(800, 200, one_hot=False, random_state=3)
    assert s.y_train.dtype == np.int64
    assert np.all(np.bincount(s.y_train, minlength=10) == 80)
    assert np.all(np.bincount(s.y_val, minlength=10) == 20)
    # shuffled: the first 80 labels are not all one class (the raw subset is sorted by class)
    assert len(np.unique(s.y_train[:80])) > 5
    again = mnist.load_mnist(800, 200, one_hot=False, random_state=3)
    other = mnist.load_mnist(800, 200, one_hot=False, random_state=4)
    np.testing.assert_array_equal(s.x_train, again.x_train)
    assert not np.array_equal(s.y_train, other.y_train)


def test_bundled_train_and_val_are_disjoint():
    s = mnist.load_mnist(4000, 1000)
    train_rows = {r.tobytes() for r in s.x_train}
    assert sum(r.tobytes() in train_rows for r in s.x_val) < 5  # the subset may hold a few duplicates


@pytest.mark.parametrize("kwargs, error, words", [
    ({"n_train": 4500, "n_val": 1000}, ValueError, ["n_train + n_val", "exceeds", "smaller"]),
    ({"n_train": 0}, ValueError, ["n_train", "at least 10"]),
    ({"n_val": -5}, ValueError, ["n_val", "at least 10"]),
    ({"n_train": 100.5}, TypeError, ["n_train", "integer"]),
    ({"n_train": 400.0}, TypeError, ["n_train", "pass 400"]),
    ({"n_train": "400"}, TypeError, ["n_train", "int('5')"]),
    ({"source": "emnist"}, ValueError, ["unknown source", "'bundled'", "'full'"]),
    ({"random_state": -1}, ValueError, ["random_state"]),
    ({"random_state": 0.5}, TypeError, ["random_state"]),
    ({"one_hot": "yes"}, TypeError, ["one_hot", "True or False"]),
    ({"timeout": 0}, ValueError, ["timeout", "positive"]),
    ({"path": 3, "source": "full"}, TypeError, ["path", "str or Path"]),
])
def test_bad_arguments_name_the_argument_and_what_to_pass(kwargs, error, words):
    with pytest.raises(error) as info:
        mnist.load_mnist(**kwargs)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


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
    for key, stem in mnist.IDX_FILES.items():
        raw = _idx_bytes(arrays[key])
        if gz:
            (folder / (stem + ".gz")).write_bytes(gzip.compress(raw))
        else:
            (folder / stem).write_bytes(raw)


def test_full_from_tiny_npz(tmp_path):
    arrays = _tiny()
    np.savez(tmp_path / "mnist.npz", **arrays)
    s = mnist.load_mnist(40, 20, source="full", path=tmp_path / "mnist.npz", random_state=1)
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
    got = mnist.read_idx_folder(tmp_path / "idx")
    for k in arrays:
        np.testing.assert_array_equal(got[k], arrays[k])
    s = mnist.load_mnist(30, 20, source="full", path=tmp_path / "idx", one_hot=False)
    assert s.y_train.shape == (30,) and "IDX" in s.source
    np.testing.assert_array_equal(s.y_test, arrays["y_test"])


def test_npz_preferred_in_a_folder_and_default_cache_dir(tmp_path, monkeypatch):
    np.savez(tmp_path / "mnist.npz", **_tiny())
    monkeypatch.setattr(mnist, "DEFAULT_CACHE_DIR", tmp_path)
    assert mnist.find_cached_mnist() == tmp_path / "mnist.npz"
    assert mnist.load_mnist(40, 20, source="full").x_train.shape == (40, 784)


def test_truncated_idx_raises(tmp_path):
    raw = _idx_bytes(_tiny()["x_train"])
    (tmp_path / "bad").write_bytes(raw[:-100])
    with pytest.raises(ValueError, match="corrupt"):
        mnist.read_idx(tmp_path / "bad")
    (tmp_path / "magic").write_bytes(b"\x12\x34" + raw[2:])
    with pytest.raises(ValueError, match="magic"):
        mnist.read_idx(tmp_path / "magic")


def test_corrupted_npz_raises(tmp_path):
    np.savez(tmp_path / "mnist.npz", **_tiny())
    blob = (tmp_path / "mnist.npz").read_bytes()
    (tmp_path / "mnist.npz").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ValueError, match="not a readable .npz"):
        mnist.read_mnist_npz(tmp_path / "mnist.npz")
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="lacks the arrays"):
        mnist.read_mnist_npz(tmp_path / "other.npz")


def test_missing_cache_without_download_raises(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the network must not be touched")

    monkeypatch.setattr(mnist, "_open_url", no_network)
    with pytest.raises(FileNotFoundError, match="download=True"):
        mnist.load_mnist(source="full", path=tmp_path)


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

    monkeypatch.setattr(mnist, "_open_url", fake_open)
    monkeypatch.setattr(mnist, "MNIST_SHA256", digest)
    s = mnist.load_mnist(40, 20, source="full", path=tmp_path, download=True, timeout=7.0, progress=False)
    assert calls == [(mnist.MNIST_URL, 7.0)]
    assert (tmp_path / "mnist.npz").read_bytes() == payload
    assert list(tmp_path.iterdir()) == [tmp_path / "mnist.npz"]
    assert s.x_train.shape == (40, 784)
    # present now: a second load does not download
    monkeypatch.setattr(mnist, "_open_url", lambda *a: pytest.fail("downloaded twice"))
    mnist.load_mnist(40, 20, source="full", path=tmp_path)


def test_wrong_checksum_leaves_no_file_and_keeps_a_good_one(tmp_path):
    good = tmp_path / "mnist.npz"
    good.write_bytes(b"good copy")
    payload = b"x" * 200_000
    with pytest.raises(ValueError, match="checksum mismatch"):
        mnist.download_file("https://example.invalid/m.npz", good, "0" * 64, progress=False,
                           opener=lambda url, t: _FakeResponse(payload))
    assert good.read_bytes() == b"good copy"
    assert list(tmp_path.iterdir()) == [good]


def test_download_failing_midway_leaves_nothing(tmp_path):
    payload = b"y" * 300_000
    dest = tmp_path / "sub" / "mnist.npz"
    with pytest.raises(ConnectionError, match="timed out"):
        mnist.download_file("https://example.invalid/m.npz", dest, hashlib.sha256(payload).hexdigest(),
                           progress=False, opener=lambda url, t: _FakeResponse(payload, fail_after=100_000))
    assert not dest.exists() and list(dest.parent.iterdir()) == []


def test_interrupted_download_keeps_existing_file(tmp_path):
    dest = tmp_path / "mnist.npz"
    dest.write_bytes(b"old")

    class Interrupting(_FakeResponse):
        def read(self, n=-1):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        mnist.download_file("u", dest, "0" * 64, progress=False, opener=lambda url, t: Interrupting(b"abc"))
    assert dest.read_bytes() == b"old" and list(tmp_path.iterdir()) == [dest]


def test_download_rejects_non_positive_timeout(tmp_path):
    with pytest.raises(ValueError, match="timeout"):
        mnist.download_file("u", tmp_path / "f", "0" * 64, timeout=0)


def test_offline_download_says_what_it_tried_and_the_two_ways_out(tmp_path, monkeypatch):
    from urllib.error import URLError

    def offline(url, timeout):
        raise URLError(OSError(-3, "Temporary failure in name resolution"))

    monkeypatch.setattr(mnist, "_open_url", offline)
    with pytest.raises(ConnectionError) as info:
        mnist.load_mnist(source="full", path=tmp_path, download=True, progress=False)
    message = str(info.value)
    for words in (mnist.MNIST_URL, "no network connection", "source='bundled'", str(tmp_path / "mnist.npz"),
                  "train-images-idx3-ubyte", "path="):
        assert words in message, (words, message)
    assert list(tmp_path.iterdir()) == []  # nothing left behind


def test_http_error_is_named_as_such(tmp_path):
    from urllib.error import HTTPError

    def not_found(url, timeout):
        raise HTTPError(url, 404, "Not Found", {}, None)

    with pytest.raises(ConnectionError, match="HTTP 404"):
        mnist.download_file("https://example.invalid/m.npz", tmp_path / "m.npz", "0" * 64, progress=False,
                            opener=not_found)


@pytest.mark.parametrize("reader", [mnist.read_mnist_npz, mnist.read_idx])
def test_a_missing_file_is_called_missing_not_corrupt(reader, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist") as err:
        reader(tmp_path / "absent.gz")
    assert "corrupt" not in str(err.value) and "delete" not in str(err.value)
    with pytest.raises(TypeError, match="must be a file path"):
        reader(3)
