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
    assert re.search(r"Haar states follow Page.s formula\.\s+Over the hidden sizes, their mean entropy is at\s+most\s+\d+\.\d\s+standard", text), "glued Haar check missing"
    assert re.search(r"deficits are \d\.\d{3} and\s+\d\.\d{3} nats", text), "glued deficits missing"
    assert "quick" in html  # the page states the scale it ran at


def test_the_data_store_recorded_the_run(site):
    import json

    manifest = json.loads((site / "data" / "models" / "quick" / "manifest.json").read_text())
    assert manifest, "empty manifest"


def test_failing_cell_fails_the_run(tmp_path):
    copy_book(tmp_path)
    page = tmp_path / "chapters" / "models.md"
    page.write_text(page.read_text().replace("df = experiment.visible_entropy", "1 / 0\ndf = experiment.visible_entropy"))
    with pytest.raises(runner.ChapterError, match="ZeroDivisionError"):
        runner.execute_chapter("models", "quick", root=tmp_path, data_dir=tmp_path / "data")
    assert not (tmp_path / runner.STAGING / "models.ipynb").exists()
