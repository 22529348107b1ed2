r"""The data store: tidy tables plus a manifest, written atomically and checked by hash.

Layout, below the data root (:func:`data_root`)::

    <chapter>/<scale>/<experiment>.csv     one row per instance and size (tidy)
    <chapter>/<scale>/<name>.png, .svg     figures drawn from those tables
    <chapter>/<scale>/manifest.json        provenance of everything in the directory

``manifest.json`` holds, under ``"experiments"``, one entry per experiment:

``parameters``
    the parameters of the run (canonical JSON: sorted keys, numpy values as plain numbers/lists);
``seed``
    ``parameters["seed"]`` (or ``None``);
``package_version``, ``git``, ``libraries``
    ``plateaus.__version__``; ``{"commit": ..., "dirty": ...}`` of the package's repository
    (``"unknown"`` outside git, never an error); versions of python, numpy, scipy, pandas and
    matplotlib;
``wall_time_s``, ``date_utc``
    seconds spent computing the table, and when the table was written (ISO 8601, UTC);
``table``, ``sha256``, ``rows``, ``columns``
    the table's path relative to the data root (POSIX), the sha256 of its bytes, its shape;
``figures``
    the figures saved for it: name, paths and sha256 of the PNG and the SVG.

Writes are atomic: the bytes go to a temporary file in the same directory, are flushed to disk
and then renamed over the target with :func:`os.replace`. The table is replaced first and the
manifest second, so an interruption leaves either the old table with its old entry (still
verified) or a new table whose hash the manifest does not hold yet, which :func:`load` refuses
and :func:`cached` recomputes. A partial table is never visible under its final name.

CSV output is deterministic: ``index=False``, ``"\n"`` line ends, floats as ``%.17g`` (exact
round trip; :func:`load` parses floats exactly: the default of pandas >= 3,
``float_precision="round_trip"`` before).

Environment
-----------
``PLATEAUS_DATA``
    the data root; defaults to ``<repo>/data``, where ``<repo>`` is the nearest directory
    holding ``pyproject.toml`` at or above the current working directory.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import io
import json
import os
import platform
import re
import subprocess
import tempfile
import time
import warnings
from importlib.metadata import PackageNotFoundError, version as _dist_version
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "SCALES",
    "StoreError",
    "cached",
    "canonical_json",
    "data_root",
    "load",
    "manifest",
    "provenance",
    "save",
    "save_figure",
]

SCALES = ("quick", "paper", "extended")
"""The allowed values of ``scale``."""

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
FLOAT_FORMAT = "%.17g"
FIGURE_DPI = 150
_NAME_RE = re.compile(r"[a-z0-9_-]+")
_LIBRARIES = ("numpy", "scipy", "pandas", "matplotlib")
_PACKAGE_DIR = Path(__file__).resolve().parent
_PANDAS_MAJOR = int(pd.__version__.split(".")[0])


class StoreError(ValueError):
    """A table that is missing, or whose bytes do not match the hash in its manifest."""


# --------------------------------------------------------------------------- validation


def _check_name(parameter: str, value: Any) -> str:
    if not isinstance(value, str) or not _NAME_RE.fullmatch(value):
        raise ValueError(
            f"{parameter} = {value!r} is not allowed; expected a non-empty string of "
            "lowercase letters, digits, '-' and '_' (regex [a-z0-9_-]+)"
        )
    return value


def _check_scale(value: Any) -> str:
    if value not in SCALES:
        raise ValueError(f"scale = {value!r} is not allowed; expected one of {', '.join(SCALES)}")
    return value


def _check_frame(df: Any) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    if df.shape[1] == 0:
        raise ValueError("df has no columns; a table needs at least one column")
    return df


def _directory(chapter: str, scale: str, root: str | os.PathLike | None) -> Path:
    _check_name("chapter", chapter)
    _check_scale(scale)
    return _root(root) / chapter / scale


def _root(root: str | os.PathLike | None) -> Path:
    return Path(root) if root is not None else data_root()


def _make_command(chapter: str, scale: str) -> str:
    return f"make chapter NAME={chapter} SCALE={scale} RECOMPUTE=1"


# --------------------------------------------------------------------------- data root


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


# --------------------------------------------------------------------------- canonical JSON


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


def _normalise_params(params: Any) -> dict:
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
    return json.dumps(_normalise_params(params), sort_keys=True, separators=(",", ":"))


# --------------------------------------------------------------------------- provenance


def _git_info() -> dict:
    """Commit and dirty flag of the repository holding the package; "unknown" outside git."""
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


def _library_versions() -> dict:
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = _dist_version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _package_version() -> str:
    from . import __version__

    return __version__


def _utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- atomic writes


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory."""
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
def _locked(directory: Path):
    """An exclusive lock on ``directory`` (POSIX flock) around a manifest read-modify-write."""
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


def _read_manifest(directory: Path, chapter: str, scale: str) -> dict:
    path = directory / MANIFEST_NAME
    if not path.exists():
        return {"format": MANIFEST_FORMAT, "chapter": chapter, "scale": scale,
                "experiments": {}, "figures": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise StoreError(
            f"{path} is not valid JSON ({exc}); restore it from git or recompute with "
            f"`{_make_command(chapter, scale)}`"
        ) from exc
    data.setdefault("experiments", {})
    data.setdefault("figures", {})
    return data


def _write_manifest(directory: Path, data: dict) -> None:
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    _atomic_write(directory / MANIFEST_NAME, text.encode("utf-8"))


# --------------------------------------------------------------------------- tables


def _to_csv_bytes(df: pd.DataFrame) -> bytes:
    text = df.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return text.encode("utf-8")


def _from_csv_bytes(data: bytes) -> pd.DataFrame:
    # pandas >= 3 parses floats exactly by default (and deprecates float_precision).
    options = {} if _PANDAS_MAJOR >= 3 else {"float_precision": "round_trip"}
    return pd.read_csv(io.BytesIO(data), **options)


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


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
    directory = _directory(chapter, scale, root)
    _check_name("experiment", experiment)
    _check_frame(df)
    parameters = _normalise_params(params)
    if isinstance(wall_time, bool) or not isinstance(wall_time, (int, float, np.floating, np.integer)) \
            or not np.isfinite(wall_time) or wall_time < 0:
        raise ValueError(f"wall_time = {wall_time!r} is not allowed; expected seconds, a finite number >= 0")

    data = _to_csv_bytes(df)
    base = _root(root)
    path = directory / f"{experiment}.csv"
    entry = {
        "experiment": experiment,
        "parameters": parameters,
        "seed": parameters.get("seed"),
        "package_version": _package_version(),
        "git": _git_info(),
        "libraries": _library_versions(),
        "wall_time_s": round(float(wall_time), 6),
        "date_utc": _utc_now(),
        "table": _relative(path, base),
        "sha256": _sha256(data),
        "rows": int(df.shape[0]),
        "columns": [str(c) for c in df.columns],
        "figures": [],
    }
    with _locked(directory):
        current = _read_manifest(directory, chapter, scale)  # fail early on a broken manifest
        _atomic_write(path, data)  # 1. the table (old entry no longer matches: refused)
        current["experiments"][experiment] = entry
        _write_manifest(directory, current)  # 2. the manifest (new table now verifies)
    return entry


def _verified_bytes(chapter: str, scale: str, experiment: str, root) -> tuple[bytes, dict]:
    directory = _directory(chapter, scale, root)
    _check_name("experiment", experiment)
    path = directory / f"{experiment}.csv"
    command = _make_command(chapter, scale)
    entry = _read_manifest(directory, chapter, scale)["experiments"].get(experiment)
    if not path.exists():
        raise StoreError(f"no table {path}; compute it with `{command}`")
    if entry is None:
        raise StoreError(
            f"{path} has no entry in {directory / MANIFEST_NAME}, so its hash cannot be "
            f"checked; refusing to use it. Recompute it with `{command}`"
        )
    data = path.read_bytes()
    actual = _sha256(data)
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
    directory = _directory(chapter, scale, root)
    _check_name("experiment", experiment)
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


def save_figure(
    fig,
    chapter: str,
    scale: str,
    name: str,
    experiment: str | None = None,
    root: str | os.PathLike | None = None,
) -> dict:
    """Save a figure as ``<name>.png`` (150 dpi) and ``<name>.svg`` beside the data.

    Both files are written atomically. The SVG carries no date and fixed element ids, so an
    unchanged figure gives unchanged bytes.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    chapter, scale : str
        The data directory ``<root>/<chapter>/<scale>``.
    name : str
        File stem, matching ``[a-z0-9_-]+``.
    experiment : str, optional
        The experiment whose table the figure draws; the figure (paths and sha256 of both
        files) is recorded in that manifest entry, which must exist. Without it the figure is
        recorded under the manifest's top-level ``"figures"``.
    root : path-like, optional
        The data root; default :func:`data_root`.

    Returns
    -------
    dict
        ``{"png": Path, "svg": Path}``.
    """
    import matplotlib

    directory = _directory(chapter, scale, root)
    _check_name("name", name)
    if experiment is not None:
        _check_name("experiment", experiment)
        entry = _read_manifest(directory, chapter, scale)["experiments"].get(experiment)
        if entry is None:
            raise StoreError(
                f"experiment {experiment!r} has no entry in {directory / MANIFEST_NAME}; "
                "save its table before its figures"
            )
    if not hasattr(fig, "savefig"):
        raise ValueError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")

    base = _root(root)
    paths, record = {}, {"name": name}
    with matplotlib.rc_context({"svg.hashsalt": f"plateaus-{name}"}):
        for fmt, options in (
            ("png", {"dpi": FIGURE_DPI, "metadata": {"Software": None}}),
            ("svg", {"metadata": {"Date": None}}),
        ):
            buffer = io.BytesIO()
            fig.savefig(buffer, format=fmt, **options)
            data = buffer.getvalue()
            path = directory / f"{name}.{fmt}"
            _atomic_write(path, data)
            paths[fmt] = path
            record[fmt] = _relative(path, base)
            record[f"{fmt}_sha256"] = _sha256(data)

    with _locked(directory):
        current = _read_manifest(directory, chapter, scale)
        if experiment is not None:
            entry = current["experiments"].get(experiment)
            if entry is None:  # removed meanwhile
                raise StoreError(f"experiment {experiment!r} vanished from {directory / MANIFEST_NAME}")
            figures = [f for f in entry.get("figures", []) if f.get("name") != name]
            entry["figures"] = sorted(figures + [record], key=lambda f: f["name"])
        else:
            current["figures"][name] = record
        _write_manifest(directory, current)
    return paths


# --------------------------------------------------------------------------- reading


def manifest(chapter: str, scale: str, root: str | os.PathLike | None = None) -> dict:
    """The manifest of ``<root>/<chapter>/<scale>``.

    Returns
    -------
    dict
        ``{"format", "chapter", "scale", "experiments": {name: entry}, "figures": {...}}``;
        with empty ``experiments`` if nothing was saved yet.
    """
    return _read_manifest(_directory(chapter, scale, root), chapter, scale)


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
    directory = _directory(chapter, scale, root)
    _check_name("experiment", experiment)
    entry = _read_manifest(directory, chapter, scale)["experiments"].get(experiment)
    if entry is None:
        raise StoreError(
            f"experiment {experiment!r} has no entry in {directory / MANIFEST_NAME}; "
            f"compute it with `{_make_command(chapter, scale)}`"
        )
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
