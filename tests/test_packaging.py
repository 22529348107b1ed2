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


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


# The opening line and the grant of each licence the project may declare (an SPDX expression).
LICENSE_TEXTS = {
    "MIT": ("MIT License", "Permission is hereby granted, free of charge, to any person obtaining a copy"),
}


class TestLicense:
    def test_license_file_exists_and_is_packaged(self):
        files = _project()["license-files"]
        assert "LICENSE" in files
        for pattern in files:
            assert list(ROOT.glob(pattern)), f"license-files entry {pattern!r} matches no file"

    def test_license_text_is_the_one_pyproject_declares(self):
        declared = _project()["license"]
        assert declared in LICENSE_TEXTS, f"no known text for license = {declared!r}"
        first_line, grant = LICENSE_TEXTS[declared]
        text = (ROOT / "LICENSE").read_text(encoding="utf-8")
        assert text.splitlines()[0] == first_line
        assert grant in text
        assert "Copyright (c) 2026 The plateaus book contributors" in text

    def test_no_license_classifier_beside_the_expression(self):
        # PEP 639: a licence expression replaces the 'License ::' classifiers.
        assert not [c for c in _project().get("classifiers", []) if c.startswith("License ::")]


class TestChangelog:
    def test_changelog_has_the_current_version_and_unreleased(self):
        text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
        assert "## [Unreleased]" in text
        assert re.search(rf"^## \[{re.escape(_project()['version'])}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.M)

    def test_readme_links_the_changelog(self):
        assert "](CHANGELOG.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


class TestPythonRequirement:
    def test_makefile_checks_the_version_pyproject_requires(self):
        major, minor = re.fullmatch(r">=(\d+)\.(\d+)", _project()["requires-python"]).groups()
        text = (ROOT / "Makefile").read_text()
        assert f"sys.version_info >= ({major}, {minor})" in text
        assert f"Python >= {major}.{minor} is required" in text
        assert set(re.findall(r"Python >= (3\.\d+)", text)) == {f"{major}.{minor}"}

    def test_readme_states_the_same_version(self):
        required = _project()["requires-python"].removeprefix(">=")
        assert f"Python >= {required}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_commands_shown_run_as_pasted():
    """No command shows its choices as `SCALE=quick|paper|extended`, a pipe in bash."""
    paths = [ROOT / "README.md", ROOT / "Makefile", *ROOT.glob("chapters/*.md"), *ROOT.glob("src/**/*.py")]
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"SCALE=\w+\|", text), path
        assert not re.search(r"\[(RECOMPUTE|JOBS|SCALE)=", text), path


def test_nothing_reads_the_shared_folder():
    for path in [*ROOT.glob("src/**/*.py"), *ROOT.glob("chapters/*.md"), ROOT / "_config.yml", ROOT / "Makefile"]:
        assert "../shared" not in path.read_text() and "/work/shared" not in path.read_text(), path
