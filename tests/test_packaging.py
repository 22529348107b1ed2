"""The project's own files install everything: pins agree, commands exist, nothing reads ../shared."""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pyproject_pins() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    return project["dependencies"] + extras["test"] + extras["dask"]


class TestPins:
    def test_every_dependency_is_pinned(self):
        for pin in _pyproject_pins():
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.]*", pin), pin

    def test_environment_yml_carries_the_same_pins(self):
        env = yaml.safe_load((ROOT / "environment.yml").read_text())
        pip = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
        assert [p for p in pip if not p.startswith("-e")] == _pyproject_pins()

    def test_jupyter_book_is_version_1(self):
        pin = next(p for p in _pyproject_pins() if p.startswith("jupyter-book=="))
        assert pin.split("==")[1].startswith("1.")


class TestCommands:
    def test_readme_gives_the_two_commands_first(self):
        text = (ROOT / "README.md").read_text()
        first_block = re.search(r"```(?:bash|sh)?\n(.*?)```", text, re.S).group(1)
        assert "make book" in first_block and "make test" in first_block

    def test_ci_runs_exactly_make_test(self):
        lines = [l.strip() for l in (ROOT / ".ci" / "run").read_text().splitlines()]
        assert "make test" in lines

    def test_cli_help(self):
        out = subprocess.run([sys.executable, "-m", "plateaus", "--help"], capture_output=True, text=True)
        assert out.returncode == 0 and "run" in out.stdout and "book" in out.stdout

    def test_cli_rejects_unknown_chapter(self):
        out = subprocess.run([sys.executable, "-m", "plateaus", "run", "no-such-chapter", "--scale", "quick"],
                             capture_output=True, text=True, cwd=ROOT)
        assert out.returncode != 0 and "NAME = 'no-such-chapter'" in out.stderr

    def test_cli_rejects_unknown_scale(self):
        out = subprocess.run([sys.executable, "-m", "plateaus", "run", "models", "--scale", "huge"],
                             capture_output=True, text=True, cwd=ROOT)
        assert out.returncode != 0 and "huge" in out.stderr


def test_nothing_reads_the_shared_folder():
    for path in [*ROOT.glob("src/**/*.py"), *ROOT.glob("chapters/*.md"), ROOT / "_config.yml", ROOT / "Makefile"]:
        assert "../shared" not in path.read_text() and "/work/shared" not in path.read_text(), path
