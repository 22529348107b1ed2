"""The book built once per test session, at scale=quick, in a temporary copy of the repository.

Every chapter executes through papermill into the copy's ``book/`` with its tables under the
copy's ``data/``, and ``jupyter-book build -W -n --keep-going --all`` renders the site into the
copy's ``_build/html``: the repository's ``data/``, ``book/`` and ``_build/`` are never touched.

Test modules wrap :func:`built_book` in a fixture; the build is cached here (this module is
imported once per session), so test_book.py and test_site.py share one build.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from plateaus import runner

ROOT = Path(__file__).resolve().parents[1]
BOOK_FILES = ["_config.yml", "_toc.yml", "references.bib", "chapters"]

_BUILT: dict[str, object] = {}


def copy_book(target: Path) -> Path:
    """Copy the files a build needs (configuration, bibliography, chapter sources) to ``target``."""
    for name in BOOK_FILES:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, target / name)
    return target


def built_book(tmp_path_factory) -> Path:
    """The root of a temporary copy whose site is built (``<root>/_build/html``).

    A failed build fails every test that asks for it with the same error, without building again.
    """
    if "error" in _BUILT:
        raise _BUILT["error"]
    if "root" not in _BUILT:
        try:
            tmp = copy_book(tmp_path_factory.mktemp("book"))
            # The benchmarks page only reads timings that `make bench` wrote; give it the
            # committed paper-scale run, which it shows (and says so) when none is at its scale.
            bench = ROOT / "data" / "benchmarks" / "paper"
            if bench.is_dir():
                shutil.copytree(bench, tmp / "data" / "benchmarks" / "paper")
            for name in runner.execution_order(tmp):  # the introduction last
                runner.execute_chapter(name, "quick", root=tmp, data_dir=tmp / "data")
            runner.build_book(tmp)
        except Exception as exc:
            _BUILT["error"] = exc
            raise
        _BUILT["root"] = tmp
    return _BUILT["root"]
