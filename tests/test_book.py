"""Every chapter executes through papermill at scale=quick, and the book builds from those
outputs into a site whose pages, figures and glued numbers are all there.

The build happens in a temporary copy of the book so the repository's data/ and _build/ are
never touched. It happens once per session (tests/book_fixture.py, shared with test_site.py);
the checks read the HTML.
"""
from __future__ import annotations

import re

import pytest

from book_fixture import built_book, copy_book
from plateaus import runner


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return built_book(tmp_path_factory)


def _pages(site):
    return {name: (site / "_build" / "html" / runner.STAGING / f"{name}.html") for name in runner.chapters(site)}


def test_every_chapter_has_a_page(site):
    for name, page in _pages(site).items():
        assert page.is_file(), f"no page for chapter {name}"


def test_every_figure_image_exists(site):
    for name, page in _pages(site).items():
        html = page.read_text()
        for src in re.findall(r'<img[^>]+src="([^"]+)"', html):
            if src.startswith("data:"):
                continue
            assert (page.parent / src).resolve().is_file(), f"{name}: missing image {src}"


def test_no_error_output_or_unrendered_roles(site):
    for name, page in _pages(site).items():
        html = page.read_text()
        assert "Traceback" not in html, f"{name} shows a traceback"
        assert 'class="output stderr"' not in html, f"{name} shows stderr output"
        assert "{glue:" not in html and "{cite}" not in html and "{eq}" not in html, f"{name}: unrendered role"


def test_staged_notebooks_have_outputs_and_hide_parameters(site):
    import nbformat

    for name in runner.chapters(site):
        nb = nbformat.read(site / runner.STAGING / f"{name}.ipynb", as_version=4)
        for cell in nb.cells:
            tags = cell.metadata.get("tags", [])
            if "parameters" in tags or "injected-parameters" in tags:
                assert "remove-cell" in tags


def test_models_page_quotes_numbers_and_figure(site):
    html = (site / "_build" / "html" / runner.STAGING / "models.html").read_text()
    assert "fig-models-entropy" in html
    text = re.sub(r"<[^>]+>", "", html)
    assert re.search(r"Haar states against Page.s formula\.\s+Over the hidden sizes, their mean entropy is at\s+most\s+\d+\.\d\s+standard", text), "glued Haar check missing"
    assert re.search(r"deficits are \d\.\d{3} and\s+\d\.\d{3} nats", text), "glued deficits missing"
    assert "quick" in html  # the page states the scale it ran at


def _check_entry(directory, entry, params=None):
    """The entry's table and figures hash as recorded (and its parameters are ``params``)."""
    from plateaus.fingerprint import canonical_json, sha256

    root = directory.parent.parent
    if params is not None:
        assert canonical_json(entry["parameters"]) == canonical_json(params), entry["table"]
    assert sha256((root / entry["table"]).read_bytes()) == entry["sha256"], entry["table"]
    for figure in entry["figures"]:
        for fmt in ("png", "svg"):
            assert sha256((root / figure[fmt]).read_bytes()) == figure[f"{fmt}_sha256"], figure[fmt]


def test_the_data_store_recorded_the_run(site):
    import json

    from plateaus.experiments import models
    from plateaus.params import chapter_params

    directory = site / "data" / "models" / "quick"
    manifest = json.loads((directory / "manifest.json").read_text())
    assert (manifest["chapter"], manifest["scale"]) == ("models", "quick")
    entry = manifest["experiments"][models.EXPERIMENT]
    _check_entry(directory, entry, chapter_params("models", "quick"))
    assert [f["name"] for f in entry["figures"]] == ["entropy-deficit"]


def _modules():
    """Each chapter's experiment module."""
    from plateaus.experiments import (area_volume, benchmarks, boltzmann_plateau, concentration,
                                      escaping, models, typicality, unitary_assumptions,
                                      unitary_plateau)

    return {"typicality": typicality, "models": models, "area-volume": area_volume,
            "concentration": concentration, "unitary-plateau": unitary_plateau,
            "unitary-assumptions": unitary_assumptions, "boltzmann-plateau": boltzmann_plateau,
            "escaping": escaping, "benchmarks": benchmarks}


def _tables_written():
    """The tables each chapter's experiment module writes (its experiment-name constants)."""
    m = _modules()
    return {
        "typicality": {m["typicality"].EXPERIMENT, m["typicality"].SCAN, m["typicality"].ADDED},
        "models": {m["models"].EXPERIMENT},
        "area-volume": {m["area-volume"].EXPERIMENT},
        "concentration": {m["concentration"].EXPERIMENT},
        "unitary-plateau": {m["unitary-plateau"].EXPERIMENT, m["unitary-plateau"].FD_EXPERIMENT,
                            m["unitary-plateau"].TARGETS_EXPERIMENT,
                            m["unitary-plateau"].REVERSED_EXPERIMENT,
                            m["unitary-plateau"].NORMALISED_EXPERIMENT,
                            m["unitary-plateau"].NORMALISED_TARGETS_EXPERIMENT},
        "unitary-assumptions": {m["unitary-assumptions"].SCAN, m["unitary-assumptions"].PARAMETERS,
                                m["unitary-assumptions"].HAAR, m["unitary-assumptions"].DESIGNS},
        "boltzmann-plateau": {m["boltzmann-plateau"].SENSITIVITY, m["boltzmann-plateau"].FINITE_DIFFERENCES,
                              m["boltzmann-plateau"].THEOREM, m["boltzmann-plateau"].THEOREM_BETAS,
                              m["boltzmann-plateau"].SPECTRA},
        "escaping": {m["escaping"].GRADIENTS, m["escaping"].TRAINING},
        "benchmarks": {m["benchmarks"].TIMINGS, m["benchmarks"].ENVIRONMENT},
    }


def test_committed_paper_data_is_complete_and_verifies():
    """Each chapter's committed paper-scale manifest lists every table its experiment module
    writes, computed with the current paper parameters, and every table and figure on disk
    hashes as recorded; no table lies there unrecorded."""
    import json
    from pathlib import Path

    from plateaus.params import CHAPTERS, chapter_params
    from plateaus.results import EXPERIMENT as RESULTS

    data = Path(__file__).resolve().parent.parent / "data"
    written = _tables_written()
    assert set(written) == set(CHAPTERS)
    for chapter, tables in written.items():
        directory = data / chapter / "paper"
        experiments = json.loads((directory / "manifest.json").read_text())["experiments"]
        assert tables <= set(experiments), (chapter, sorted(tables - set(experiments)))
        assert set(experiments) <= tables | {RESULTS}, (chapter, sorted(experiments))
        # a module whose older tables are keyed without later parameters says so in store_params
        keyed = getattr(_modules()[chapter], "store_params", lambda name, params: params)
        for name, entry in experiments.items():
            params = chapter_params(chapter, "paper")
            _check_entry(directory, entry, keyed(name, params) if name in tables else None)
        assert {p.stem for p in directory.glob("*.csv")} == set(experiments), chapter


def test_failing_cell_fails_the_run(tmp_path):
    copy_book(tmp_path)
    page = tmp_path / "chapters" / "models.md"
    page.write_text(page.read_text().replace("df = experiment.visible_entropy", "1 / 0\ndf = experiment.visible_entropy"))
    with pytest.raises(runner.ChapterError, match="ZeroDivisionError"):
        runner.execute_chapter("models", "quick", root=tmp_path, data_dir=tmp_path / "data")
    assert not (tmp_path / runner.STAGING / "models.ipynb").exists()
