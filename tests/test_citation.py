"""Citation metadata: CITATION.cff validates, .zenodo.json names the paper, references.bib parses."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAPER_DOI = "10.1103/PRXQuantum.2.040316"
PAPER_ARXIV = "2010.15968"

BIB_KEYS = {
    "ortizmarrero2021entanglement", "mcclean2018barren", "cerezo2021cost",
    "popescu2006entanglement", "page1993average", "wiebe2019generative", "kieferova2021renyi",
    "larocca2025review", "grant2019initialization", "ledoux2001concentration",
    "hayden2006generic", "anderson2010introduction", "meckes2019random", "bhatia1997matrix",
    "atas2013ratio", "nielsen2010quantum",
}


def cffconvert() -> str:
    beside = Path(sys.executable).with_name("cffconvert")
    found = str(beside) if beside.exists() else shutil.which("cffconvert")
    if found is None:
        pytest.skip("cffconvert is not installed (pip install -e '.[test]')")
    return found


def test_citation_cff_validates():
    result = subprocess.run(
        [cffconvert(), "--validate", "-i", str(ROOT / "CITATION.cff")],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_citation_cff_cites_the_paper():
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert "cff-version: 1.2.0" in text
    assert "preferred-citation:" in text
    assert f"doi: {PAPER_DOI}" in text
    assert "license: MIT" in text
    version = next(line for line in text.splitlines() if line.startswith("version:"))
    import plateaus

    assert version.split(":", 1)[1].strip() == plateaus.__version__


def test_zenodo_json_names_the_paper():
    meta = json.loads((ROOT / ".zenodo.json").read_text(encoding="utf-8"))
    assert meta["upload_type"] == "software"
    assert meta["license"] == "MIT"
    assert meta["creators"] and all("name" in c for c in meta["creators"])
    related = {(r["identifier"], r["relation"]) for r in meta["related_identifiers"]}
    assert (PAPER_DOI, "isSupplementTo") in related
    assert (f"arXiv:{PAPER_ARXIV}", "isSupplementTo") in related


def test_every_record_carries_the_license_pyproject_declares():
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"]
    assert (ROOT / "LICENSE").is_file()
    assert f"license: {declared}" in (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert json.loads((ROOT / ".zenodo.json").read_text(encoding="utf-8"))["license"] == declared


def test_references_bib_parses_with_every_key():
    pybtex = pytest.importorskip("pybtex.database")
    bib = pybtex.parse_file(str(ROOT / "references.bib"))
    assert BIB_KEYS <= set(bib.entries)
    for key, entry in bib.entries.items():
        assert entry.persons.get("author"), key
        assert {"title", "year"} <= set(entry.fields), key
        assert entry.fields.get("doi") or entry.fields.get("eprint") or entry.type == "book", key
    paper = bib.entries["ortizmarrero2021entanglement"].fields
    assert (paper["doi"], paper["eprint"], paper["pages"]) == (PAPER_DOI, PAPER_ARXIV, "040316")
