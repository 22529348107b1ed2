"""What identifies a run: the canonical JSON of its parameters, and the stamps a manifest keeps
(sha256, git commit, library and package versions, UTC time)."""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version as _dist_version
from pathlib import Path
from typing import Any, Mapping

import numpy as np

__all__ = [
    "canonical_json",
    "git_info",
    "library_versions",
    "normalise_params",
    "package_version",
    "sha256",
    "utc_now",
]

LIBRARIES = ("numpy", "scipy", "pandas", "matplotlib")
"""The libraries whose versions a manifest records, besides python."""

_PACKAGE_DIR = Path(__file__).resolve().parent


def _normalise(value: Any, where: str) -> Any:
    """Plain JSON types from numpy scalars/arrays, tuples and paths; sorted string keys."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, np.ndarray):
        return [_normalise(v, f"{where}[{i}]") for i, v in enumerate(value.tolist())]
    if isinstance(value, (list, tuple)):
        return [_normalise(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if isinstance(key, (np.integer, np.str_)):
                key = key.item()
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise ValueError(
                    f"params{where}: key {key!r} is not allowed; expected str or int keys"
                )
            out[str(key)] = _normalise(item, f"{where}[{key!r}]")
        return dict(sorted(out.items()))
    raise ValueError(
        f"params{where} = {value!r} ({type(value).__name__}) is not allowed; expected JSON "
        "values: None, bool, int, float, str, lists/tuples/numpy arrays and dicts of these"
    )


def normalise_params(params: Any) -> dict:
    """A parameter dict as plain JSON values.

    Parameters
    ----------
    params : dict
        JSON-like values; numpy scalars and arrays, tuples and paths are allowed.

    Returns
    -------
    dict
        The same values as ``None``, bool, int, float, str, lists and dicts, keys sorted.

    Raises
    ------
    ValueError
        If ``params`` is not a dict, or a key or value has no JSON form; the message gives
        its place, e.g. ``params['x']``.
    """
    if not isinstance(params, Mapping):
        raise ValueError(f"params must be a dict, got {type(params).__name__}")
    return _normalise(params, "")


def canonical_json(params: Mapping) -> str:
    """The canonical JSON text of a parameter dict, used to compare runs.

    Parameters
    ----------
    params : dict
        JSON-like values; numpy scalars and arrays, and tuples, are turned into plain
        numbers and lists, keys are sorted.

    Returns
    -------
    str
        Compact JSON (``sort_keys=True``, no spaces). Two parameter sets are the same run
        exactly when these strings are equal (``1`` and ``1.0`` differ).
    """
    return json.dumps(normalise_params(params), sort_keys=True, separators=(",", ":"))


def sha256(data: bytes) -> str:
    """The sha256 of ``data``, as 64 hex digits."""
    return hashlib.sha256(data).hexdigest()


def git_info() -> dict:
    """The commit of the repository holding the package, and whether its sources are modified.

    Returns
    -------
    dict
        ``{"commit": str, "dirty": bool | None}``; ``{"commit": "unknown", "dirty": None}``
        outside git or without git, never an error. Changes below ``data/`` do not count.
    """
    unknown = {"commit": "unknown", "dirty": None}

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(_PACKAGE_DIR), *args],
            capture_output=True, text=True, timeout=20, check=True,
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
    except (OSError, subprocess.SubprocessError):
        return unknown
    try:
        # Only source changes count: the data directory changes during every run.
        status = git(
            "status", "--porcelain", "--untracked-files=no", "--", ":(top)", ":(top,exclude)data"
        )
        dirty = bool(status)
    except (OSError, subprocess.SubprocessError):
        dirty = None
    return {"commit": commit or "unknown", "dirty": dirty}


def library_versions() -> dict:
    """The versions of python and of :data:`LIBRARIES` (``"not installed"`` if missing)."""
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = _dist_version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def package_version() -> str:
    """The installed version of ``plateaus`` (``plateaus.__version__``), ``"0+unknown"`` if
    it is not installed."""
    try:
        return _dist_version("plateaus")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def utc_now() -> str:
    """The current time, ISO 8601 in UTC to the second (``...+00:00``)."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
