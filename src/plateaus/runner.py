"""Execute the chapters with papermill and build the book with Jupyter Book.

Chapter sources are MyST-markdown notebooks in ``chapters/`` and carry no outputs. A run
converts one to ``.ipynb`` (jupytext), executes it with papermill at a scale into the staging
tree ``book/`` that ``_toc.yml`` points at, hides the parameter cells, and fails on any error
or stderr output, so the site shows exactly what papermill ran and nothing a reader should not
see. ``jupyter-book build`` then renders the staged notebooks without running a kernel.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

from .params import SCALES
from .paths import STAGING, project_root

KERNEL = "python3"


class ChapterError(RuntimeError):
    """A chapter failed to execute or left output a reader must not see."""


def chapters(root: Path | None = None) -> list[str]:
    """Chapter names in book order, read from ``_toc.yml`` (entries ``book/<name>``)."""
    root = project_root(root)
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", [{"chapters": toc.get("chapters", [])}]):
        files += [entry["file"] for entry in part.get("chapters", [])]
    names = []
    for f in files:
        prefix, _, name = f.partition("/")
        if prefix != STAGING or not name:
            raise ValueError(f"_toc.yml entry {f!r} must point into the staging tree {STAGING}/")
        names.append(name.removesuffix(".ipynb"))
    return names


def execution_order(root: Path | None = None) -> list[str]:
    """The chapters in the order they must run: the introduction, whose results table reads
    every other chapter's recorded numbers, goes last."""
    names = chapters(root)
    return names[1:] + names[:1]


def _check_request(name: str, scale: str, root: Path) -> None:
    known = chapters(root)
    if name not in known:
        raise ValueError(f"NAME = {name!r} is not a chapter; expected one of {', '.join(known)}")
    if scale not in SCALES:
        raise ValueError(f"SCALE = {scale!r} is not allowed; expected one of {', '.join(SCALES)}")


def execute_chapter(
    name: str,
    scale: str = "paper",
    *,
    recompute: bool = False,
    root: Path | None = None,
    out_dir: Path | None = None,
    data_dir: Path | None = None,
    log_output: bool = False,
) -> Path:
    """Execute ``chapters/<name>.md`` at ``scale`` into ``<out_dir>/<name>.ipynb``.

    ``data_dir`` (default ``<root>/data``) is where the chapter reads and writes its tables;
    it reaches the kernel as ``PLATEAUS_DATA``. Raises :class:`ChapterError` when a cell fails
    or writes an error or to stderr.
    """
    import jupytext
    import nbformat
    import papermill

    root = project_root(root)
    _check_request(name, scale, root)
    out_dir = Path(out_dir or root / STAGING)
    data_dir = Path(data_dir or root / "data")
    out_dir.mkdir(parents=True, exist_ok=True)
    source = root / "chapters" / f"{name}.md"
    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    target = out_dir / f"{name}.ipynb"
    env_before = {k: os.environ.get(k) for k in ("PLATEAUS_DATA", "PLATEAUS_PROGRESS")}
    os.environ["PLATEAUS_DATA"] = str(data_dir.resolve())
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, _progress_echo(Path(tmp) / "progress.log"):
        raw = Path(tmp) / f"{name}.ipynb"
        executed = Path(tmp) / f"{name}.executed.ipynb"
        nbformat.write(notebook, raw)
        try:
            papermill.execute_notebook(
                str(raw),
                str(executed),
                parameters={"scale": scale, "recompute": bool(recompute)},
                kernel_name=KERNEL,
                cwd=str(root),
                progress_bar=False,
                log_output=log_output,
            )
        except papermill.PapermillExecutionError as err:
            raise ChapterError(f"chapter {name!r} at scale {scale!r} failed: {err}") from None
        finally:
            for key, value in env_before.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        result = nbformat.read(executed, as_version=4)
        _check_outputs(name, result)
        _hide_parameters(result)
        nbformat.write(result, executed)
        shutil.move(executed, target)  # the staged notebook appears whole or not at all
    print(f"executed {name} at scale={scale} in {time.perf_counter() - start:.1f} s -> {target}")
    return target


@contextlib.contextmanager
def _progress_echo(log: Path):
    """While a chapter runs, copy the ensembles' progress bars from ``log`` to the terminal.

    Only when progress is asked for (``PLATEAUS_PROGRESS`` set, as the command line does):
    the kernel appends its tqdm bars to ``log`` (see :func:`plateaus.parallel.map_instances`).
    """
    if not os.environ.get("PLATEAUS_PROGRESS"):
        yield
        return
    log.touch()
    os.environ["PLATEAUS_PROGRESS"] = str(log)
    done = threading.Event()

    def echo():
        with open(log) as stream:
            while not done.is_set():
                chunk = stream.read()
                if chunk:
                    sys.stderr.write(chunk)
                    sys.stderr.flush()
                done.wait(0.5)
            sys.stderr.write(stream.read())

    thread = threading.Thread(target=echo, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _check_outputs(name: str, nb) -> None:
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                raise ChapterError(f"chapter {name!r}, cell {index}: {out.get('ename')}: {out.get('evalue')}")
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                raise ChapterError(
                    f"chapter {name!r}, cell {index} wrote to stderr (a reader would see it):\n"
                    + "".join(out.get("text", ""))[:2000]
                )


def _hide_parameters(nb) -> None:
    """Remove the parameter cells from the page: the text states the scale it ran at."""
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "parameters" in tags or "injected-parameters" in tags:
            if "remove-cell" not in tags:
                tags.append("remove-cell")
            cell["metadata"]["tags"] = tags


def build_book(root: Path | None = None) -> Path:
    """Render the staged notebooks with ``jupyter-book build -W -n --keep-going --all``."""
    root = project_root(root)
    missing = [n for n in chapters(root) if not (root / STAGING / f"{n}.ipynb").is_file()]
    if missing:
        raise ChapterError(f"not executed yet: {', '.join(missing)}; run the chapters first")
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe) if exe.exists() else "jupyter-book", "build", str(root), "-W", "-n", "--keep-going", "--all"]
    proc = subprocess.run(cmd, cwd=root)
    if proc.returncode != 0:
        raise ChapterError(f"jupyter-book build failed (exit {proc.returncode}); see the warnings above")
    index = root / "_build" / "html" / "index.html"
    return index


def preview_chapter(name: str, scale: str = "quick", *, out: Path, recompute: bool = False,
                    root: Path | None = None) -> Path:
    """Build the whole book into ``out`` with ``name`` at ``scale`` and the rest at ``quick``.

    For authors: the chapter reads and writes the repository's ``data/``; the other chapters
    run at the quick scale with their data under ``out``; the repository's ``book/`` and
    ``_build/`` are untouched.
    """
    root = project_root(root)
    _check_request(name, scale, root)
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    for item in ("_config.yml", "_toc.yml", "references.bib"):
        shutil.copy(root / item, out / item)
    shutil.rmtree(out / "chapters", ignore_errors=True)
    shutil.copytree(root / "chapters", out / "chapters")
    for page in execution_order(out):
        if page == name:
            execute_chapter(page, scale, recompute=recompute, root=out, data_dir=root / "data")
        else:
            execute_chapter(page, "quick", root=out, data_dir=out / "data")
    return build_book(out)


def run_book(scale: str = "paper", *, recompute: bool = False, root: Path | None = None) -> Path:
    """Execute every chapter at ``scale``, then build the site; return ``index.html``."""
    root = project_root(root)
    for name in execution_order(root):
        execute_chapter(name, scale, recompute=recompute, root=root)
    return build_book(root)
