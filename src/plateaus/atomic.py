"""Writes that are never seen half done, and a lock around a read-modify-write of a directory."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write", "locked"]


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory.

    The bytes go to ``.<name>.*.tmp``, are flushed and fsynced, and the file is renamed over
    ``path`` with :func:`os.replace`; on any error (or interrupt) the temporary file is removed
    and ``path`` is left as it was.

    Parameters
    ----------
    path : pathlib.Path
        The target; its parent directories are created.
    data : bytes
        The complete new contents.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def locked(directory: Path):
    """An exclusive lock on ``directory`` (POSIX ``flock``) for the duration of the block.

    The directory is created if needed. Where ``flock`` is unavailable the block runs
    unlocked.

    Parameters
    ----------
    directory : pathlib.Path
        The directory to lock.
    """
    directory.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - cannot open directories here
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # pragma: no cover - file system without flock
            pass
        yield
    finally:
        os.close(fd)
