"""Figure files: a matplotlib figure saved as PNG and SVG beside its table, with reproducible
bytes, and recorded in the manifest."""
from __future__ import annotations

import io
import os

import matplotlib

from .. import store
from ..atomic import atomic_write
from ..fingerprint import sha256
from ..paths import chapter_dir, check_name, relative, root_or_default

__all__ = ["FIGURE_DPI", "save_figure"]

FIGURE_DPI = 150


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
        The data root; default :func:`plateaus.paths.data_root`.

    Returns
    -------
    dict
        ``{"png": Path, "svg": Path}``.

    Raises
    ------
    plateaus.StoreError
        If ``experiment`` has no manifest entry; nothing is written then.
    """
    directory = chapter_dir(chapter, scale, root)
    check_name("name", name)
    if experiment is not None:
        store.require_entry(chapter, scale, experiment, root)
    if not hasattr(fig, "savefig"):
        raise ValueError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")

    base = root_or_default(root)
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
            atomic_write(path, data)
            paths[fmt] = path
            record[fmt] = relative(path, base)
            record[f"{fmt}_sha256"] = sha256(data)

    store.record_figure(chapter, scale, experiment, record, root)
    return paths
