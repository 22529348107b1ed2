r"""The table cache: tidy tables plus a manifest per ``<chapter>/<scale>``, checked by hash.

Layout below the data root (:func:`~plateaus.paths.data_root`): ``<chapter>/<scale>/`` holds
``<experiment>.csv`` tables, their figures and ``manifest.json``. Each manifest entry records
the parameters (:func:`~plateaus.fingerprint.canonical_json`), seed, package version, git commit,
library versions, wall time, date, and the table's path, sha256 and shape, and the figures
drawn from it (:func:`record_figure`). The table is written before the manifest, both
atomically (:mod:`plateaus.atomic`), so a table whose hash the manifest lacks is refused by
:func:`load` and recomputed by :func:`cached`. CSV is deterministic: ``index=False``, ``"\n"``
line ends, floats as ``%.17g`` (exact round trip).
"""
from __future__ import annotations

import io
import json
import os
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from .atomic import atomic_write, locked
from .fingerprint import (
    canonical_json,
    git_info,
    library_versions,
    normalise_params,
    package_version,
    sha256,
    utc_now,
)
from .paths import (
    SCALES,
    StoreError,
    chapter_dir,
    check_name,
    data_root,
    recompute_command,
    relative,
    root_or_default,
)

__all__ = [
    "SCALES",
    "StoreError",
    "cached",
    "canonical_json",
    "data_root",
    "load",
    "manifest",
    "provenance",
    "record_figure",
    "require_entry",
    "save",
]

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
FLOAT_FORMAT = "%.17g"
_PANDAS_MAJOR = int(pd.__version__.split(".")[0])


# --------------------------------------------------------------------------- manifests


def _read_manifest(directory: Path, chapter: str, scale: str) -> dict:
    """The manifest in ``directory`` (an empty one if there is none)."""
    path = directory / MANIFEST_NAME
    if not path.exists():
        return {"format": MANIFEST_FORMAT, "chapter": chapter, "scale": scale,
                "experiments": {}, "figures": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise StoreError(
            f"{path} is not valid JSON ({exc}); restore it from git or recompute with "
            f"`{recompute_command(chapter, scale)}`"
        ) from exc
    data.setdefault("experiments", {})
    data.setdefault("figures", {})
    return data


def _write_manifest(directory: Path, data: dict) -> None:
    """Write ``data`` as the manifest of ``directory`` (sorted, indented JSON), atomically."""
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    atomic_write(directory / MANIFEST_NAME, text.encode("utf-8"))


# --------------------------------------------------------------------------- tables


def _check_frame(df: Any) -> pd.DataFrame:
    """``df`` if it is a DataFrame with at least one column, else ValueError."""
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    if df.shape[1] == 0:
        raise ValueError("df has no columns; a table needs at least one column")
    return df


def _to_csv_bytes(df: pd.DataFrame) -> bytes:
    """The deterministic CSV bytes of ``df``."""
    text = df.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return text.encode("utf-8")


def _from_csv_bytes(data: bytes) -> pd.DataFrame:
    """The table in CSV bytes, floats parsed exactly."""
    # pandas >= 3 parses floats exactly by default (and deprecates float_precision).
    options = {} if _PANDAS_MAJOR >= 3 else {"float_precision": "round_trip"}
    return pd.read_csv(io.BytesIO(data), **options)


def save(
    chapter: str,
    scale: str,
    experiment: str,
    df: pd.DataFrame,
    params: Mapping,
    wall_time: float,
    root: str | os.PathLike | None = None,
) -> dict:
    """Write a table and record it in the manifest.

    Parameters
    ----------
    chapter, scale, experiment : str
        Where the table goes: ``<root>/<chapter>/<scale>/<experiment>.csv``. Names match
        ``[a-z0-9_-]+``; ``scale`` is one of :data:`SCALES`.
    df : pandas.DataFrame
        The tidy table (one row per instance and size). The index is not written.
    params : dict
        The parameters that produced it (JSON-like; see :func:`canonical_json`).
        ``params["seed"]``, if present, is recorded as the seed.
    wall_time : float
        Seconds spent computing the table.
    root : path-like, optional
        The data root; default :func:`data_root`.

    Returns
    -------
    dict
        The manifest entry written for this experiment.
    """
    directory = chapter_dir(chapter, scale, root)
    check_name("experiment", experiment)
    _check_frame(df)
    parameters = normalise_params(params)
    if isinstance(wall_time, bool) or not isinstance(wall_time, (int, float, np.floating, np.integer)) \
            or not np.isfinite(wall_time) or wall_time < 0:
        raise ValueError(f"wall_time = {wall_time!r} is not allowed; expected seconds, a finite number >= 0")

    data = _to_csv_bytes(df)
    base = root_or_default(root)
    path = directory / f"{experiment}.csv"
    entry = {
        "experiment": experiment,
        "parameters": parameters,
        "seed": parameters.get("seed"),
        "package_version": package_version(),
        "git": git_info(),
        "libraries": library_versions(),
        "wall_time_s": round(float(wall_time), 6),
        "date_utc": utc_now(),
        "table": relative(path, base),
        "sha256": sha256(data),
        "rows": int(df.shape[0]),
        "columns": [str(c) for c in df.columns],
        "figures": [],
    }
    with locked(directory):
        current = _read_manifest(directory, chapter, scale)  # fail early on a broken manifest
        atomic_write(path, data)  # 1. the table (old entry no longer matches: refused)
        current["experiments"][experiment] = entry
        _write_manifest(directory, current)  # 2. the manifest (new table now verifies)
    return entry


def _verified_bytes(chapter: str, scale: str, experiment: str, root) -> tuple[bytes, dict]:
    """The bytes of a table and its manifest entry, after checking the hash."""
    directory = chapter_dir(chapter, scale, root)
    check_name("experiment", experiment)
    path = directory / f"{experiment}.csv"
    command = recompute_command(chapter, scale)
    entry = _read_manifest(directory, chapter, scale)["experiments"].get(experiment)
    if not path.exists():
        raise StoreError(f"no table {path}; compute it with `{command}`")
    if entry is None:
        raise StoreError(
            f"{path} has no entry in {directory / MANIFEST_NAME}, so its hash cannot be "
            f"checked; refusing to use it. Recompute it with `{command}`"
        )
    data = path.read_bytes()
    actual = sha256(data)
    if actual != entry.get("sha256"):
        raise StoreError(
            f"{path} does not match its manifest: sha256 {actual} on disk, "
            f"{entry.get('sha256')} expected in {directory / MANIFEST_NAME}. The table was "
            f"edited or a run was interrupted; recompute it with `{command}`"
        )
    return data, entry


def load(
    chapter: str, scale: str, experiment: str, root: str | os.PathLike | None = None
) -> tuple[pd.DataFrame, dict]:
    """Read a table after checking its sha256 against the manifest.

    Parameters
    ----------
    chapter, scale, experiment : str
        Which table.
    root : path-like, optional
        The data root; default :func:`data_root`.

    Returns
    -------
    (pandas.DataFrame, dict)
        The table and its manifest entry.

    Raises
    ------
    StoreError
        If the table is missing, has no manifest entry, or its hash differs from the one in
        the manifest; the message names the file, both hashes and the ``make`` command that
        recomputes it.
    """
    data, entry = _verified_bytes(chapter, scale, experiment, root)
    return _from_csv_bytes(data), entry


def cached(
    chapter: str,
    scale: str,
    experiment: str,
    params: Mapping,
    compute: Callable[[], pd.DataFrame],
    *,
    recompute: bool = False,
    columns: Sequence[str] | None = None,
    root: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """The stored table for exactly these parameters, or compute, time and store it.

    A cache hit needs all three: a manifest entry whose parameters have the same
    :func:`canonical_json` as ``params`` (and, if ``columns`` is given, exactly these columns),
    the table file, and a matching sha256. Anything else (including a tampered or half-written
    table, or one written by an older version with other columns) runs ``compute()`` again.

    Parameters
    ----------
    chapter, scale, experiment : str
        Where the table lives (see :func:`save`).
    params : dict
        The parameters of the run; the cache key.
    compute : callable
        ``compute() -> DataFrame``; called with no arguments on a miss.
    recompute : bool, default False
        Always run ``compute()`` and overwrite the stored table.
    columns : sequence of str, optional
        The columns the caller expects, in order; a stored table with other columns is stale.
    root : path-like, optional
        The data root; default :func:`data_root`.

    Returns
    -------
    pandas.DataFrame
        The table as stored: on a miss, the computed table read back from the exact bytes
        written, so a hit and a miss return identical frames.
    """
    directory = chapter_dir(chapter, scale, root)
    check_name("experiment", experiment)
    key = canonical_json(params)
    if not callable(compute):
        raise ValueError(f"compute = {compute!r} is not allowed; expected a callable returning a DataFrame")

    if not recompute:
        entry = _read_manifest(directory, chapter, scale)["experiments"].get(experiment)
        fresh = (entry is not None and canonical_json(entry.get("parameters", {})) == key
                 and (columns is None or list(entry.get("columns", [])) == list(columns)))
        if fresh:
            try:
                data, _ = _verified_bytes(chapter, scale, experiment, root)
            except StoreError as exc:
                warnings.warn(f"{exc}. Recomputing it now.", stacklevel=2)
            else:
                return _from_csv_bytes(data)

    start = time.perf_counter()
    df = compute()
    wall_time = time.perf_counter() - start
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"compute() returned {type(df).__name__}; expected a pandas DataFrame")
    save(chapter, scale, experiment, df, params, wall_time, root=root)
    return _from_csv_bytes(_to_csv_bytes(df))


# --------------------------------------------------------------------------- figures


def _entry(chapter: str, scale: str, experiment: str, root, remedy: str) -> dict:
    """The manifest entry of ``experiment``; a :class:`StoreError` naming ``remedy`` if none."""
    directory = chapter_dir(chapter, scale, root)
    check_name("experiment", experiment)
    entry = _read_manifest(directory, chapter, scale)["experiments"].get(experiment)
    if entry is None:
        raise StoreError(f"experiment {experiment!r} has no entry in {directory / MANIFEST_NAME}; {remedy}")
    return entry


def require_entry(
    chapter: str, scale: str, experiment: str, root: str | os.PathLike | None = None
) -> dict:
    """The manifest entry of ``experiment``, which must exist before its figures are saved.

    Raises
    ------
    StoreError
        If the experiment has no manifest entry.
    """
    return _entry(chapter, scale, experiment, root, "save its table before its figures")


def record_figure(
    chapter: str,
    scale: str,
    experiment: str | None,
    record: Mapping[str, Any],
    root: str | os.PathLike | None = None,
) -> None:
    """Record a saved figure in the manifest, replacing a record of the same name.

    Parameters
    ----------
    chapter, scale : str
        The data directory ``<root>/<chapter>/<scale>``.
    experiment : str or None
        The experiment whose entry lists the figure (its ``"figures"``, sorted by name); with
        ``None``, the manifest's top-level ``"figures"``.
    record : dict
        ``{"name", "png", "png_sha256", "svg", "svg_sha256"}``, paths relative to the root.
    root : path-like, optional
        The data root; default :func:`data_root`.

    Raises
    ------
    StoreError
        If ``experiment`` has no manifest entry.
    """
    directory = chapter_dir(chapter, scale, root)
    if experiment is not None:
        check_name("experiment", experiment)
    record = dict(record)
    with locked(directory):
        current = _read_manifest(directory, chapter, scale)
        if experiment is not None:
            entry = current["experiments"].get(experiment)
            if entry is None:  # removed meanwhile
                raise StoreError(f"experiment {experiment!r} vanished from {directory / MANIFEST_NAME}")
            figures = [f for f in entry.get("figures", []) if f.get("name") != record["name"]]
            entry["figures"] = sorted(figures + [record], key=lambda f: f["name"])
        else:
            current["figures"][record["name"]] = record
        _write_manifest(directory, current)


# --------------------------------------------------------------------------- reading


def manifest(chapter: str, scale: str, root: str | os.PathLike | None = None) -> dict:
    """The manifest of ``<root>/<chapter>/<scale>``.

    Returns
    -------
    dict
        ``{"format", "chapter", "scale", "experiments": {name: entry}, "figures": {...}}``;
        with empty ``experiments`` if nothing was saved yet.
    """
    return _read_manifest(chapter_dir(chapter, scale, root), chapter, scale)


def provenance(
    chapter: str, scale: str, experiment: str, root: str | os.PathLike | None = None
) -> str:
    """A one-line provenance note for a figure caption.

    Returns
    -------
    str
        E.g. ``"Data: ch1/paper/haar.csv (sha256 0123456789ab); parameters: {...}; seed 1;
        commit 3770759 (modified); run 2026-01-01T00:00:00+00:00."``

    Raises
    ------
    StoreError
        If the experiment has no manifest entry.
    """
    entry = _entry(chapter, scale, experiment, root, f"compute it with `{recompute_command(chapter, scale)}`")
    git = entry.get("git", {})
    commit = str(git.get("commit", "unknown"))
    commit = commit[:7] if commit != "unknown" else commit
    if git.get("dirty"):
        commit += " (modified)"
    params = json.dumps(entry.get("parameters", {}), sort_keys=True, separators=(", ", ": "))
    return (
        f"Data: {entry.get('table')} (sha256 {str(entry.get('sha256'))[:12]}); "
        f"parameters: {params}; seed {entry.get('seed')}; commit {commit}; "
        f"run {entry.get('date_utc')}."
    )
