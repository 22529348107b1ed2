"""The package's layers import one way, and chapters hold prose, parameters, calls and glue only.

Layers, bottom to top (DESIGN.md): kernels -> models -> experiments and analysis -> figures ->
chapter helper, runner and CLI. A module may import its own layer and the layers below it.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "plateaus"

#: Layer of every module (dotted name below ``plateaus``); a package's modules share its layer.
LAYERS = {
    0: ("terms", "states", "measures", "haar", "paths", "fingerprint", "atomic", "params"),
    1: ("models", "adjoint", "thermal", "objectives", "families", "area_law", "training", "parallel",
        "store", "analysis", "designs"),
    2: ("experiments", "results"),
    3: ("figures",),
    4: ("chapter", "runner", "__main__", "__init__"),
}
LAYER_OF = {name: level for level, names in LAYERS.items() for name in names}


def _layer(dotted: str) -> int:
    head = dotted.split(".")[0]
    if head not in LAYER_OF:
        raise AssertionError(f"module plateaus.{dotted} has no layer in tests/test_layout.py")
    return LAYER_OF[head]


def _imports(path: Path) -> set[str]:
    """Modules of ``plateaus`` that ``path`` imports (absolute or relative), as dotted names."""
    module = path.relative_to(PACKAGE).with_suffix("")
    parts = list(module.parts)
    package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = [*base, *(node.module.split(".") if node.module else [])]
                names = [[*target, a.name] for a in node.names] if not node.module else [target]
                # "from . import store" imports a module; "from .x import y" imports from x
                out.update(".".join(n) for n in names if n)
            elif node.module and node.module.split(".")[0] == "plateaus":
                out.add(node.module.partition(".")[2] or "__init__")
        elif isinstance(node, ast.Import):
            out.update(a.name.partition(".")[2] or "__init__" for a in node.names if a.name.split(".")[0] == "plateaus")
    return {name for name in out if name}


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_one_way(path):
    dotted = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    own = _layer(dotted)
    upward = sorted(name for name in _imports(path) if _layer(name) > own)
    assert not upward, f"plateaus.{dotted} (layer {own}) imports from higher layers: {upward}"


def test_experiments_never_import_figures_or_the_runner():
    for path in (PACKAGE / "experiments").glob("*.py"):
        bad = {n for n in _imports(path) if n.split(".")[0] in ("figures", "runner", "chapter")}
        assert not bad, (path.name, bad)


# --------------------------------------------------------------------------- chapter sources

CELL = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", re.S)


def _cells(path: Path):
    """(tags, code lines) of every code cell of a MyST notebook."""
    for match in CELL.finditer(path.read_text()):
        body = match.group(1)
        tags, lines = [], body.splitlines()
        if lines and lines[0].startswith("---"):  # YAML front matter of the cell
            end = lines.index("---", 1)
            front, lines = "\n".join(lines[1:end]), lines[end + 1:]
            tags = re.findall(r"tags:\s*\[([^\]]*)\]", front)
        else:
            while lines and lines[0].startswith(":"):
                tags += re.findall(r":tags:\s*\[([^\]]*)\]", lines.pop(0))
        tags = [t.strip() for group in tags for t in group.split(",")]
        yield tags, [line for line in lines if line.strip() and not line.strip().startswith("#")]


CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_cells_only_set_call_show_and_glue(path):
    forbidden = re.compile(r"^\s*(def |class |for |while |with |try:)|\blambda\b|^\s*import numpy|^\s*import scipy")
    for tags, lines in _cells(path):
        for line in lines:
            assert not forbidden.search(line), f"{path.name}: {line.strip()!r} is work for the package"
        assert len(lines) <= 15, f"{path.name}: a cell of {len(lines)} lines (tags {tags}): {lines[0]!r}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_removed_cells_do_no_work(path):
    """A removed cell (tag remove-cell or remove-input) may glue, record, show a note or import."""
    allowed = re.compile(r"^\s*((\w+ = )?(ch\.\w+|figures\.\w+|Chapter|Markdown|HTML|display|glue)\(|from (plateaus|IPython|myst_nb)|import |\)|\]|[\w\"'=, ]+\),?$)")
    for tags, lines in _cells(path):
        if not {"remove-cell", "remove-input"} & set(tags):
            continue
        for line in lines:
            assert allowed.match(line), f"{path.name}: removed cell does work: {line.strip()!r}"
