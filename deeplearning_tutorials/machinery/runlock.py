"""One run per checkpoint folder.

Two trainings given the same ``--checkpoint-dir`` would both save there, and
the last writer would silently replace the other's work. A run therefore
holds an operating-system lock (``fcntl.flock``) on the folder's ``.lock``
file from before it compiles until it ends; a second run started on the
folder meanwhile is refused at once, with the number of the process that
holds it. The kernel releases the lock when the holder's process ends, however
it ends (a ``kill -9`` included), so a lock never outlives its run, and the
``.lock`` file a finished run leaves behind blocks nothing.
"""

import contextlib
import fcntl
import os

from deeplearning_tutorials.machinery.errors import InputError

LOCK_NAME = ".lock"


class FolderInUse(InputError):
    """Another process holds the folder's lock."""


def _holder(fd):
    """The process number the holder wrote in the lock file, or None."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return text if text.isdigit() else None


@contextlib.contextmanager
def holding(directory, flag="--checkpoint-dir"):
    """Hold ``directory``'s lock for the block; raise :class:`FolderInUse`
    at once if another process holds it."""
    path = os.path.join(directory, LOCK_NAME)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise InputError(f"{flag}: cannot create {path} ({exc.strerror})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder(fd)
            who = f"process {pid}" if pid else "another process"
            raise FolderInUse(
                f"{flag}: {directory} is in use by another run ({who}); wait "
                "for it to end, or give this run another folder"
            ) from None
        except OSError as exc:  # a file system without locks (some NFS)
            raise InputError(
                f"{flag}: cannot lock {path} ({exc.strerror}); use a folder "
                "on a local disk"
            ) from None
        with contextlib.suppress(OSError):  # the number only informs
            os.ftruncate(fd, 0)
            os.pwrite(fd, b"%d\n" % os.getpid(), 0)
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock
