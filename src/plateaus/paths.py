"""Where things live: the data root, a chapter's data directory, the book's root, and the names
allowed in them."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from .params import SCALES

__all__ = [
    "SCALES",
    "STAGING",
    "StoreError",
    "chapter_dir",
    "check_name",
    "check_scale",
    "data_root",
    "project_root",
    "recompute_command",
    "relative",
    "root_or_default",
]

STAGING = "book"
"""The staging tree, below the book's root, that ``_toc.yml`` points at."""

_NAME_RE = re.compile(r"[a-z0-9_-]+")


class StoreError(ValueError):
    """Data that cannot be used: a missing table or directory, or bytes that do not match the
    hash in their manifest."""


def check_name(parameter: str, value: Any) -> str:
    """Check a chapter, experiment or file name.

    Parameters
    ----------
    parameter : str
        The name of the argument, quoted in the error.
    value : object
        The name to check.

    Returns
    -------
    str
        ``value``, a non-empty string matching ``[a-z0-9_-]+``.

    Raises
    ------
    ValueError
        Naming ``parameter``, the value and the allowed pattern.
    """
    if not isinstance(value, str) or not _NAME_RE.fullmatch(value):
        raise ValueError(
            f"{parameter} = {value!r} is not allowed; expected a non-empty string of "
            "lowercase letters, digits, '-' and '_' (regex [a-z0-9_-]+)"
        )
    return value


def check_scale(value: Any) -> str:
    """Check a scale.

    Returns
    -------
    str
        ``value``, one of :data:`SCALES`.

    Raises
    ------
    ValueError
        Listing the allowed scales.
    """
    if value not in SCALES:
        raise ValueError(f"scale = {value!r} is not allowed; expected one of {', '.join(SCALES)}")
    return value


def data_root() -> Path:
    """The directory that holds the data of every chapter.

    Returns
    -------
    pathlib.Path
        ``$PLATEAUS_DATA`` if that variable is set and non-empty; otherwise ``<repo>/data``,
        where ``<repo>`` is the nearest directory holding ``pyproject.toml`` at or above the
        current working directory (the book's repository when run from any of its folders).

    Raises
    ------
    StoreError
        If the variable is unset and no ``pyproject.toml`` is found above the working directory.
    """
    env = os.environ.get("PLATEAUS_DATA", "").strip()
    if env:
        return Path(env).expanduser()
    cwd = Path.cwd().resolve()
    for folder in (cwd, *cwd.parents):
        if (folder / "pyproject.toml").is_file():
            return folder / "data"
    raise StoreError(
        f"cannot find the data directory: no pyproject.toml at or above {cwd}; "
        "run from inside the book's repository or set PLATEAUS_DATA=/path/to/data"
    )


def root_or_default(root: str | os.PathLike | None) -> Path:
    """``root`` as a path, or :func:`data_root` if it is ``None``."""
    return Path(root) if root is not None else data_root()


def chapter_dir(chapter: str, scale: str, root: str | os.PathLike | None = None) -> Path:
    """The data directory ``<root>/<chapter>/<scale>``, after checking both names.

    Parameters
    ----------
    chapter, scale : str
        Checked by :func:`check_name` and :func:`check_scale`.
    root : path-like, optional
        The data root; default :func:`data_root`.

    Returns
    -------
    pathlib.Path
    """
    check_name("chapter", chapter)
    check_scale(scale)
    return root_or_default(root) / chapter / scale


def relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root``, with forward slashes (as manifests record it)."""
    return path.relative_to(root).as_posix()


def recompute_command(chapter: str, scale: str) -> str:
    """The ``make`` command that recomputes a chapter's tables, quoted in error messages."""
    return f"make chapter NAME={chapter} SCALE={scale} RECOMPUTE=1"


def project_root(start: Path | None = None) -> Path:
    """The directory holding ``_toc.yml`` at or above ``start`` (default: the cwd).

    Raises
    ------
    FileNotFoundError
        If no directory at or above ``start`` holds ``_toc.yml`` and ``chapters/``.
    """
    here = (start or Path.cwd()).resolve()
    for path in (here, *here.parents):
        if (path / "_toc.yml").is_file() and (path / "chapters").is_dir():
            return path
    raise FileNotFoundError(f"no book (a directory with _toc.yml and chapters/) at or above {here}")
