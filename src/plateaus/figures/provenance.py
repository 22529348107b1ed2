r"""Notes a page shows its readers: where a figure's numbers come from, and how to re-run the page.

Both functions return an :class:`IPython.display.Markdown` object. The book renders Markdown
outputs as MyST (``nb_render_markdown_format: myst`` in ``_config.yml``), so the notes can use
Sphinx roles: ``{download}`` copies the linked file into the site's ``_downloads/`` and links it
there, which works offline and is checked by ``jupyter-book build -W -n`` (a missing file is a
warning, so an error).

Links are written relative to the staged page. The runner executes a chapter with the working
directory at the book's root and writes it to ``<root>/book/<name>.ipynb``
(:data:`plateaus.paths.STAGING`), so a file ``F`` is linked as ``relpath(F, <root>/book)``; the
data root is :func:`plateaus.paths.data_root` (``$PLATEAUS_DATA`` in a run), wherever it is.

Use, in a chapter (both cells ``remove-input``)::

    provenance_note("models", scale, experiment.EXPERIMENT, figure="entropy-deficit")
    rerun_note("models", scale)
"""
from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path

from IPython.display import Markdown

from .. import store
from ..paths import SCALES, STAGING, check_name, check_scale, data_root, project_root

__all__ = ["provenance_note", "rerun_note"]


def _book_root() -> Path:
    """The book's root (holding ``_toc.yml`` and ``chapters/``) at or above the cwd, else the cwd."""
    try:
        return project_root()
    except FileNotFoundError:
        return Path.cwd().resolve()


def _link_target(path: Path) -> str:
    """``path`` relative to the staged page's folder ``<root>/book``, with forward slashes."""
    return Path(os.path.relpath(Path(path).resolve(), _book_root() / STAGING)).as_posix()


def _download(path: Path, text: str | None = None) -> str:
    path = Path(path)
    if not path.is_file():
        raise store.StoreError(f"cannot link {path}: no such file")
    return f"{{download}}`{text or path.name} <{_link_target(path)}>`"


def _value(value) -> str:
    return json.dumps(value, separators=(", ", ": "), ensure_ascii=False)


def _date(iso: str | None) -> str:
    """``2026-01-01T12:34:56+00:00`` as ``2026-01-01 12:34 UTC``; anything else unchanged."""
    try:
        when = _dt.datetime.fromisoformat(str(iso)).astimezone(_dt.timezone.utc)
    except (TypeError, ValueError):
        return str(iso)
    return when.strftime("%Y-%m-%d %H:%M UTC")


def _commit(entry: dict) -> str:
    git = entry.get("git") or {}
    commit = str(git.get("commit", "unknown"))
    text = f"`{commit[:7]}`" if commit != "unknown" else "unknown (not run from a git checkout)"
    if git.get("dirty"):
        text += " with uncommitted changes"
    return text


def provenance_note(chapter: str, scale: str, experiment: str, figure: str | None = None) -> Markdown:
    r"""The provenance of a table (and of a figure drawn from it), to show under the figure.

    Everything comes from the manifest entry of ``experiment``
    (:func:`plateaus.store.manifest`): the data file as a download link, the first 12 hex digits
    of its sha256 (checked against the file on disk first), the number of rows, the parameters,
    the seed, the commit of the run and its date (UTC). With ``figure``, the figure's SVG and PNG
    recorded in that entry are linked too.

    Parameters
    ----------
    chapter, scale, experiment : str
        Which table: ``<data root>/<chapter>/<scale>/<experiment>.csv``.
    figure : str, optional
        The name under which the figure was saved with
        ``save_figure(fig, chapter, scale, figure, experiment=experiment)``
        (:func:`plateaus.figures.export.save_figure`).

    Returns
    -------
    IPython.display.Markdown
        One MyST paragraph, e.g. ``**Provenance.** Data {download}`visible-entropy.csv <...>`
        (300 rows, sha256 `e03500f0fe43`); figure ...; seed `2021`; commit `b23ecef`; run
        2026-11-24 21:15 UTC; parameters: ...``.

    Raises
    ------
    ValueError
        If ``scale`` or a name is not allowed, or ``figure`` was not saved for ``experiment``.
    plateaus.store.StoreError
        If the experiment has no manifest entry, or its table is missing or fails its hash.
    """
    check_name("experiment", experiment)
    if figure is not None:
        check_name("figure", figure)
    entry = store.manifest(chapter, scale)["experiments"].get(experiment)
    if entry is None:
        # provenance() raises the store's own message, which names the make command.
        store.provenance(chapter, scale, experiment)
    store.load(chapter, scale, experiment)  # the hash on disk must match the manifest
    root = data_root()
    table = root / entry["table"]
    parts = [
        f"Data {_download(table)} ({entry.get('rows')} rows, sha256 `{str(entry.get('sha256'))[:12]}`)"
    ]
    if figure is not None:
        saved = {f.get("name"): f for f in entry.get("figures", [])}
        if figure not in saved:
            raise ValueError(
                f"figure = {figure!r} is not allowed; experiment {experiment!r} of {chapter}/{scale} "
                f"has the figures {sorted(saved) or 'none'} (save it with "
                f"plateaus.figures.export.save_figure(..., experiment={experiment!r}) first)"
            )
        record = saved[figure]
        files = [_download(root / record[fmt], fmt.upper()) for fmt in ("svg", "png") if record.get(fmt)]
        parts.append(f"figure `{figure}` as {' and '.join(files)}")
    parameters = {k: v for k, v in (entry.get("parameters") or {}).items()
                  if k != "seed" and not (k == "chapter" and v == chapter)}
    parts += [
        f"seed `{_value(entry.get('seed'))}`",
        f"commit {_commit(entry)}",
        f"run {_date(entry.get('date_utc'))}",
        "parameters: " + (", ".join(f"`{k} = {_value(v)}`" for k, v in sorted(parameters.items())) or "none"),
    ]
    return Markdown("**Provenance.** " + "; ".join(parts) + ".")


def rerun_note(chapter: str, scale: str | None = None) -> Markdown:
    r"""One line telling a reader how to re-run this page, with a link to its source.

    Parameters
    ----------
    chapter : str
        The chapter's name, as in ``_toc.yml`` (``book/<chapter>``).
    scale : str, optional
        The scale this page was executed at, stated in the line when given.

    Returns
    -------
    IPython.display.Markdown
        E.g. ``Executed at scale `paper`. Re-run this page: `make chapter NAME=models
        SCALE=paper` (or `SCALE=quick`, `SCALE=extended`; add `RECOMPUTE=1` to ignore cached
        tables); source: {download}`chapters/models.md <../chapters/models.md>`.`` The command
        runs as pasted into a shell: it names one scale (the page's, else ``paper``, the
        Makefile's default) and lists the others beside it, never ``quick|paper|extended``.
        Without ``scale`` the line starts at ``Re-run this page:``.

    Raises
    ------
    ValueError
        If ``chapter`` is not a chapter of the book, or ``scale`` is not a scale.
    """
    check_name("chapter", chapter)
    if scale is not None:
        check_scale(scale)
    root = _book_root()
    source = root / "chapters" / f"{chapter}.md"
    if not source.is_file():
        raise ValueError(
            f"chapter = {chapter!r} is not allowed; no source {source} (chapters are the files "
            f"chapters/<name>.md of the book at {root})"
        )
    head = f"Executed at scale `{scale}`. " if scale is not None else ""
    shown = scale if scale is not None else "paper"
    others = ", ".join(f"`SCALE={s}`" for s in SCALES if s != shown)
    return Markdown(
        f"{head}Re-run this page: `make chapter NAME={chapter} SCALE={shown}` "
        f"(or {others}; add `RECOMPUTE=1` to ignore cached tables); source: "
        f"{_download(source, f'chapters/{chapter}.md')}."
    )
