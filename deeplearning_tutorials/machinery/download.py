"""Downloads that never leave a half-written or unchecked file.

Every data set the project can fetch (MNIST, the ATIS folds, the Nottingham
MIDI archive, the IMDB reviews) comes through :func:`download`: the transfer
is announced on standard output as the original tutorials announce it
(``Downloading data from URL``), streamed into a temporary file beside the
target and hashed on the way, and the temporary file becomes the target only
once it is complete and, when a SHA-256 is given, has it. An interrupted
transfer, a refused connection or a file with another checksum leaves
nothing behind.

The callers turn the two failures into their own one-line errors, which say
what to do offline. This module is imported only when a download happens:
``urllib.request`` (HTTP, e-mail parsing, SSL) is not needed to start a run.
"""

import hashlib
import os
import tempfile
import urllib.request
from pathlib import Path


class DownloadFailed(Exception):
    """The transfer failed: no network, a refused or timed-out connection,
    an HTTP error, an unwritable folder. ``str()`` is the reason."""


class ChecksumMismatch(Exception):
    """The file arrived whole, but its SHA-256 (``actual``) is not the one
    expected; it was discarded."""

    def __init__(self, actual):
        super().__init__(actual)
        self.actual = actual


def download(url, target, sha256=None, timeout=60):
    """Fetch ``url`` into ``target`` (a path; its folder is made if needed)
    and return ``target`` as a :class:`~pathlib.Path`.

    :raises DownloadFailed: the transfer or the writing failed
    :raises ChecksumMismatch: ``sha256`` was given and the file's differs
    """
    target = Path(target)
    print(f"Downloading data from {url}", flush=True)  # on stdout, as the original
    part = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, part = tempfile.mkstemp(dir=target.parent, suffix=".part")
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            for block in iter(lambda: response.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
        if sha256 is not None and digest.hexdigest() != sha256:
            raise ChecksumMismatch(digest.hexdigest())
        os.replace(part, target)
        part = None
    except (OSError, ValueError) as exc:  # ValueError: a malformed URL
        raise DownloadFailed(str(exc)) from None
    finally:
        if part is not None and os.path.exists(part):
            os.unlink(part)
    return target
