"""machinery/download.py: what arrives is kept only whole and with its
SHA-256; every failure leaves the target's folder as it was. The expected
digests are hashlib's of the bytes served (``file://`` URLs, no network)."""

import hashlib
import subprocess
import sys

import pytest

from deeplearning_tutorials.machinery import download


def served(tmp_path, content=b"some data\n" * 1000):
    source = tmp_path / "served" / "file.bin"
    source.parent.mkdir()
    source.write_bytes(content)
    return source, hashlib.sha256(content).hexdigest()


def test_a_whole_file_with_its_checksum_is_kept(tmp_path, capsys):
    source, sha256 = served(tmp_path)
    target = tmp_path / "new" / "folder" / "file.bin"
    assert download.download(source.as_uri(), target, sha256) == target
    assert target.read_bytes() == source.read_bytes()
    assert capsys.readouterr().out == f"Downloading data from {source.as_uri()}\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.bin"]


def test_another_checksum_is_discarded(tmp_path):
    source, sha256 = served(tmp_path)
    target = tmp_path / "cache" / "file.bin"
    with pytest.raises(download.ChecksumMismatch) as error:
        download.download(source.as_uri(), target, "0" * 64)
    assert error.value.actual == sha256
    assert list(target.parent.iterdir()) == []


@pytest.mark.parametrize("url", ["file:///nowhere/at/all.bin", "not a url"])
def test_a_failed_transfer_leaves_nothing(tmp_path, url):
    target = tmp_path / "cache" / "file.bin"
    with pytest.raises(download.DownloadFailed):
        download.download(url, target)
    assert list(target.parent.iterdir()) == []


def test_an_interrupted_transfer_leaves_nothing(tmp_path, monkeypatch):
    class Broken:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self, n):
            raise ConnectionResetError("reset by peer")

    monkeypatch.setattr("urllib.request.urlopen", lambda url, timeout: Broken())
    target = tmp_path / "cache" / "file.bin"
    with pytest.raises(download.DownloadFailed, match="reset by peer"):
        download.download("https://example.org/file.bin", target)
    assert list(target.parent.iterdir()) == []


def test_starting_a_run_does_not_import_urllib():
    """The module, and urllib.request with it, is imported only to download."""
    code = (
        "import sys; from deeplearning_tutorials.machinery import data, atis, midi; "
        "import deeplearning_tutorials.imdb; "
        "print('urllib.request' in sys.modules, "
        "'deeplearning_tutorials.machinery.download' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
