"""The built site as its readers meet it: in a real browser, with the network off, every figure
traceable to its data, every internal link and asset resolving.

The site is the quick-scale build of tests/book_fixture.py (shared with test_book.py). The
static checks parse the HTML with the standard library. The browser checks open every page in
headless Chromium (Debian's ``chromium``, driven by Playwright with ``executable_path``; no
browser is ever downloaded) over ``file://`` URLs, with every request that is neither
``file://`` nor localhost aborted and recorded, and save one full-page screenshot per page into
``$PLATEAUS_SCREENSHOTS`` (default: a pytest temporary directory, printed by the test). Without
Chromium the browser tests skip, and fail when ``CI`` is set.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from book_fixture import built_book
from plateaus import runner

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Chapters whose pages do not carry the provenance and re-run notes yet (plateaus.figures.
# provenance); remove a name once its chapter calls rerun_note and provenance_note.
NOT_YET_TRACEABLE: set[str] = set()
NOT_PAGES = ("_static", "_sources", "_downloads", "_images")
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)  # http:, mailto:, data:, //host, ...
REMOTE = re.compile(r"^(?:https?:)?//", re.I)


# --------------------------------------------------------------------------- the notes


@pytest.fixture
def book(tmp_path, monkeypatch):
    """A book root (``_toc.yml``, ``chapters/demo.md``) as the working directory, data under it."""
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/demo\n")
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "demo.md").write_text("# Demo\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PLATEAUS_DATA", str(tmp_path / "data"))
    return tmp_path


def _save_demo(params=None):
    import pandas as pd

    from plateaus import store

    df = pd.DataFrame({"n": [1, 2, 3], "value": [0.5, 0.25, 0.125]})
    return store.save("demo", "quick", "exp", df, params or {"seed": 7, "sizes": [1, 2], "chapter": "demo"}, 0.1)


def _links(text: str) -> dict[str, str]:
    """{shown text: target} of the MyST {download} roles in ``text``."""
    return dict(re.findall(r"\{download\}`([^<`]+?) <([^>`]+)>`", text))


class TestProvenanceNote:
    def test_links_the_table_and_states_hash_parameters_seed_commit_date(self, book):
        from plateaus.figures.provenance import provenance_note

        entry = _save_demo()
        text = provenance_note("demo", "quick", "exp").data
        csv = book / "data" / "demo" / "quick" / "exp.csv"
        assert _links(text) == {"exp.csv": "../data/demo/quick/exp.csv"}
        assert (book / "book" / "../data/demo/quick/exp.csv").resolve() == csv.resolve()
        assert f"sha256 `{hashlib.sha256(csv.read_bytes()).hexdigest()[:12]}`" in text
        assert "3 rows" in text and "seed `7`" in text and "`sizes = [1, 2]`" in text
        assert "chapter =" not in text  # the page is the chapter; not repeated
        commit = entry["git"]["commit"]
        assert (f"commit `{commit[:7]}`" if commit != "unknown" else "commit unknown") in text
        assert re.search(r"run \d{4}-\d\d-\d\d \d\d:\d\d UTC", text)

    def test_links_the_figure_files(self, book):
        from matplotlib.figure import Figure

        from plateaus.figures.export import save_figure
        from plateaus.figures.provenance import provenance_note

        _save_demo()
        fig = Figure()
        fig.add_subplot().plot([0, 1], [1, 0])
        save_figure(fig, "demo", "quick", "curve", experiment="exp")
        links = _links(provenance_note("demo", "quick", "exp", figure="curve").data)
        assert links["SVG"] == "../data/demo/quick/curve.svg" and links["PNG"] == "../data/demo/quick/curve.png"

    def test_data_outside_the_book_is_linked_relative_to_the_staged_page(self, book, tmp_path_factory, monkeypatch):
        from plateaus.figures.provenance import provenance_note

        elsewhere = tmp_path_factory.mktemp("elsewhere") / "data"
        monkeypatch.setenv("PLATEAUS_DATA", str(elsewhere))
        _save_demo()
        target = _links(provenance_note("demo", "quick", "exp").data)["exp.csv"]
        assert (book / "book" / target).resolve() == (elsewhere / "demo" / "quick" / "exp.csv").resolve()

    def test_unknown_figure_is_refused(self, book):
        from plateaus.figures.provenance import provenance_note

        _save_demo()
        with pytest.raises(ValueError, match="figure = 'nope'"):
            provenance_note("demo", "quick", "exp", figure="nope")

    def test_missing_or_tampered_table_is_refused(self, book):
        from plateaus import store
        from plateaus.figures.provenance import provenance_note

        with pytest.raises(store.StoreError, match="make chapter NAME=demo"):
            provenance_note("demo", "quick", "exp")
        _save_demo()
        (book / "data" / "demo" / "quick" / "exp.csv").write_text("n,value\n1,9\n")
        with pytest.raises(store.StoreError, match="does not match its manifest"):
            provenance_note("demo", "quick", "exp")

    @pytest.mark.parametrize("args, name", [(("demo", "huge", "exp"), "scale"),
                                            (("Demo!", "quick", "exp"), "chapter"),
                                            (("demo", "quick", "e x"), "experiment")])
    def test_bad_names_are_refused(self, book, args, name):
        from plateaus.figures.provenance import provenance_note

        with pytest.raises(ValueError, match=f"{name} = "):
            provenance_note(*args)


class TestRerunNote:
    def test_gives_the_command_and_links_the_source(self, book):
        from plateaus.figures.provenance import rerun_note

        text = rerun_note("demo", "paper").data
        assert text.startswith("Executed at scale `paper`. ")
        assert "`make chapter NAME=demo SCALE=paper` (or `SCALE=quick`, `SCALE=extended`;" in text
        assert "RECOMPUTE=1" in text and "|" not in text  # runs as pasted into bash
        assert _links(text) == {"chapters/demo.md": "../chapters/demo.md"}
        assert "\n" not in text  # one line

    def test_without_scale_states_none(self, book):
        from plateaus.figures.provenance import rerun_note

        assert rerun_note("demo").data.startswith("Re-run this page: ")

    @pytest.mark.parametrize("scale", ["quick", "paper", "extended"])
    def test_the_command_names_the_page_scale_and_runs_as_pasted(self, book, scale):
        import shlex

        from plateaus.figures.provenance import rerun_note

        text = rerun_note("demo", scale).data
        command = text.split("Re-run this page: `", 1)[1].split("`", 1)[0]
        assert shlex.split(command) == ["make", "chapter", "NAME=demo", f"SCALE={scale}"]
        assert all(f"`SCALE={s}`" in text for s in {"quick", "paper", "extended"} - {scale})

    def test_unknown_chapter_or_scale_is_refused(self, book):
        from plateaus.figures.provenance import rerun_note

        with pytest.raises(ValueError, match="chapter = 'other'"):
            rerun_note("other")
        with pytest.raises(ValueError, match="scale = 'huge'"):
            rerun_note("demo", "huge")


# --------------------------------------------------------------------------- the site


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return built_book(tmp_path_factory)


@pytest.fixture(scope="module")
def html_dir(root) -> Path:
    return root / "_build" / "html"


@pytest.fixture(scope="module")
def pages(html_dir) -> dict[str, "Page"]:
    """Every HTML page of the site (not the theme's templates under _static/), parsed."""
    found = {}
    for path in sorted(html_dir.rglob("*.html")):
        rel = path.relative_to(html_dir)
        if rel.parts[0] in NOT_PAGES:
            continue
        found[rel.as_posix()] = Page.parse(path)
    assert found, f"no HTML pages under {html_dir}"
    return found


@pytest.fixture(scope="module")
def chapter_pages(root, pages) -> dict[str, "Page"]:
    named = {name: pages.get(f"{runner.STAGING}/{name}.html") for name in runner.chapters(root)}
    missing = [name for name, page in named.items() if page is None]
    assert not missing, f"chapters without a page: {missing}"
    return named


class Page(HTMLParser):
    """One HTML file: its ids, links, assets and whether it only redirects."""

    def __init__(self, path: Path):
        super().__init__(convert_charrefs=True)
        self.path = path
        self.ids: set[str] = set()
        self.links: list[str] = []  # <a href>
        self.assets: list[tuple[str, str]] = []  # (tag, url) that the browser loads
        self.redirect: str | None = None
        self.text = ""

    @classmethod
    def parse(cls, path: Path) -> "Page":
        page = cls(path.resolve())
        page.text = path.read_text(encoding="utf-8")
        page.feed(page.text)
        return page

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if a.get(key):
                self.ids.add(a[key])
        if tag == "a" and a.get("href") is not None:
            self.links.append(a["href"])
        elif tag in ("script", "img", "iframe", "source", "video", "audio", "embed") and a.get("src"):
            self.assets.append((tag, a["src"]))
        elif tag == "link" and a.get("href") and a.get("rel", "") not in ("canonical", "alternate"):
            self.assets.append((tag, a["href"]))
        elif tag == "object" and a.get("data"):
            self.assets.append((tag, a["data"]))
        elif tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            self.redirect = a.get("content", "").partition("url=")[2].strip() or None


def _resolve(page: Path, url: str) -> tuple[Path, str]:
    """The file a relative URL on ``page`` points at, and its #fragment ('' if none)."""
    parts = urlsplit(url)
    target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
    if parts.path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


# --------------------------------------------------------------------------- static checks


class TestLinks:
    def test_every_internal_link_and_anchor_resolves(self, html_dir, pages):
        broken = []
        for name, page in pages.items():
            hrefs = page.links + ([page.redirect] if page.redirect else [])
            for href in hrefs:
                if not href or EXTERNAL.match(href) or href == "#":
                    continue
                target, anchor = _resolve(page.path, href)
                if not target.is_file():
                    broken.append(f"{name}: {href} -> no file {target}")
                    continue
                if anchor and target.suffix == ".html":
                    rel = os.path.relpath(target, html_dir.resolve())
                    ids = pages[rel].ids if rel in pages else Page.parse(target).ids
                    if anchor not in ids:
                        broken.append(f"{name}: {href} -> no id {anchor!r} in {rel}")
        assert not broken, "broken internal links:\n" + "\n".join(broken)

    def test_every_local_asset_exists(self, html_dir, pages):
        missing = [f"{name}: <{tag}> {url}" for name, page in pages.items() for tag, url in page.assets
                   if not EXTERNAL.match(url) and not _resolve(page.path, url)[0].is_file()]
        assert not missing, "assets that are not in the site:\n" + "\n".join(missing)


class TestOffline:
    def test_no_page_loads_a_remote_asset(self, pages):
        remote = [f"{name}: <{tag}> {url}" for name, page in pages.items() for tag, url in page.assets
                  if REMOTE.match(url)]
        assert not remote, "remote assets (the site must work offline):\n" + "\n".join(remote)

    def test_no_stylesheet_imports_a_remote_file(self, html_dir):
        pattern = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])(?:https?:)?//""", re.I)
        remote = [p.relative_to(html_dir).as_posix() for p in html_dir.rglob("*.css")
                  if pattern.search(p.read_text(encoding="utf-8", errors="replace"))]
        assert not remote, f"stylesheets that load remote files: {remote}"

    def test_mathjax_is_served_by_the_site(self, pages):
        with_math = [name for name, page in pages.items() if 'class="math' in page.text]
        assert "book/models.html" in with_math
        for name in with_math:
            page = pages[name]
            scripts = [url for tag, url in page.assets if tag == "script" and "mathjax" in url.lower()]
            assert scripts and all(not REMOTE.match(u) for u in scripts), f"{name}: MathJax from {scripts}"


NOTE = re.compile(r"<strong>Provenance\.</strong>(.*?)</p>", re.S)


class TestTraceable:
    """Chapter pages link their source and executed notebook; figures carry their provenance."""

    @staticmethod
    def _checked(chapter_pages):
        return {name: page for name, page in chapter_pages.items() if name not in NOT_YET_TRACEABLE}

    def test_download_button_offers_the_executed_notebook(self, chapter_pages):
        bad = []
        for name, page in chapter_pages.items():
            href = f"../_sources/{runner.STAGING}/{name}.ipynb"
            if "dropdown-download-buttons" not in page.text or href not in page.links:
                bad.append(f"{name}: no download button offering {href}")
            elif not _resolve(page.path, href)[0].is_file():
                bad.append(f"{name}: {href} is not in the site")
        assert not bad, "\n".join(bad)

    def test_each_page_says_how_to_rerun_it_and_links_its_source(self, chapter_pages):
        bad = []
        for name, page in self._checked(chapter_pages).items():
            if f"NAME={name}" not in page.text or "Re-run this page" not in page.text:
                bad.append(f"{name}: no re-run line; add a remove-input cell `rerun_note({name!r}, scale)` "
                           "(from plateaus.figures.provenance import rerun_note)")
                continue
            sources = [h for h in page.links if h.startswith("../_downloads/") and h.endswith(f"/{name}.md")]
            source = page.path.parents[3] / "chapters" / f"{name}.md"
            if not sources:
                bad.append(f"{name}: no download link to chapters/{name}.md")
            elif _resolve(page.path, sources[0])[0].read_bytes() != source.read_bytes():
                bad.append(f"{name}: the linked source is not chapters/{name}.md")
        assert not bad, "\n".join(bad)

    def test_every_figure_is_followed_by_its_provenance(self, chapter_pages):
        bad = []
        for name, page in self._checked(chapter_pages).items():
            figures = re.findall(r'<figure[^>]*\bid="([^"]+)"', page.text)
            # the text from each figure to the next one must hold a provenance note
            starts = [m.start() for m in re.finditer(r"<figure\b", page.text)] + [len(page.text)]
            bad += [f"{name}: figure {fig} has no provenance note after it; add a remove-input cell "
                    "`provenance_note(chapter, scale, experiment, figure=...)`"
                    for fig, start, end in zip(figures, starts, starts[1:])
                    if not NOTE.search(page.text, start, end)]
        assert not bad, "\n".join(bad)

    def test_provenance_links_the_hashed_csv(self, chapter_pages):
        bad = []
        for name, page in self._checked(chapter_pages).items():
            for body in NOTE.findall(page.text):
                csv = re.search(r'href="([^"]+\.csv)"', body)
                digest = re.search(r"sha256 <code[^>]*><span[^>]*>([0-9a-f]{12})</span>", body)
                if not (csv and digest):
                    bad.append(f"{name}: provenance note without a CSV link or hash: {body[:200]}")
                    continue
                data = _resolve(page.path, csv.group(1))[0].read_bytes()
                if hashlib.sha256(data).hexdigest()[:12] != digest.group(1):
                    bad.append(f"{name}: {csv.group(1)} does not have the sha256 the page states")
                bad += [f"{name}: provenance note without its {word.strip()}"
                        for word in ("seed", "commit", "run ", "parameters") if word not in body]
        assert not bad, "\n".join(bad)


# --------------------------------------------------------------------------- in a browser

_RENDER_JS = r"""
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const images = [...document.images];
  images.forEach(img => { img.loading = "eager"; });
  await Promise.all(images.map(img => img.complete ? null :
      new Promise(done => { img.addEventListener("load", done); img.addEventListener("error", done); })));
  const textWithout = (selector) => {
    const copy = document.body.cloneNode(true);
    copy.querySelectorAll(selector).forEach(e => e.remove());
    return copy.textContent;
  };
  return {
    math: document.querySelectorAll(".math").length,
    untypeset: [...document.querySelectorAll(".math")].filter(e => !e.querySelector("mjx-container"))
                 .map(e => e.textContent.slice(0, 80)),
    containers: document.querySelectorAll("mjx-container").length,
    texErrors: [...document.querySelectorAll("mjx-merror")].map(e => (e.getAttribute("data-mjx-error")
                 || e.textContent).slice(0, 120)),
    brokenImages: images.filter(img => !(img.naturalWidth > 0)).map(img => img.getAttribute("src")),
    images: images.length,
    errorCells: [...document.querySelectorAll(
        ".output.stderr, .output.traceback, .output.error, .system-message, .problematic")]
        .map(e => e.textContent.trim().slice(0, 200)),
    prose: textWithout("script, style, pre, code, mjx-container, mjx-assistive-mml"),
    text: textWithout("script, style, pre, mjx-container, mjx-assistive-mml"),
  };
}
"""


def _missing_browser(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser tests (.ci/run installs Debian's chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium() -> str:
    path = os.environ.get("PLATEAUS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        _missing_browser("Chromium is not installed (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing_browser("the Python package playwright is not installed (pip install -e '.[test]')")
    return path


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    env = os.environ.get("PLATEAUS_SCREENSHOTS", "").strip()
    folder = Path(env) if env else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("file", "data", "blob", "about") or (
        parts.scheme in ("http", "https", "ws", "wss") and parts.hostname in ("localhost", "127.0.0.1", "::1"))


@pytest.fixture(scope="module")
def rendered(chromium, html_dir, pages, screenshots) -> dict[str, dict]:
    """Open every page with the network off; what each page showed, by page name."""
    from playwright.sync_api import sync_playwright

    results: dict[str, dict] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
            remote: list[str] = []

            def offline(route):
                if _local(route.request.url):
                    route.continue_()
                else:
                    remote.append(route.request.url)
                    route.abort("internetdisconnected")

            context.route("**/*", offline)
            for name, page in pages.items():
                if page.redirect:  # index.html: a meta refresh, checked by the link test
                    continue
                tab = context.new_page()
                failed, js_errors = [], []
                tab.on("requestfailed", lambda r, failed=failed: _local(r.url) and failed.append(
                    f"{r.url} ({r.failure})"))
                tab.on("pageerror", lambda e, js_errors=js_errors: js_errors.append(str(e)))
                before = len(remote)
                tab.goto(page.path.resolve().as_uri(), wait_until="load")
                result = tab.evaluate(_RENDER_JS)
                shot = screenshots / (name.removesuffix(".html").replace("/", "-") + ".png")
                tab.screenshot(path=str(shot), full_page=True, animations="disabled")
                result.update(remote=remote[before:], failed=failed, js_errors=js_errors, screenshot=shot)
                results[name] = result
                tab.close()
            context.close()
        finally:
            browser.close()
    print(f"\nscreenshots of {len(results)} pages in {screenshots}")
    return results


RAW_MATH = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|(?<![\w$\\])\$[^$\n]{1,200}\$(?![\w$])")
UNRENDERED_ROLE = re.compile(r"\{(?:glue(?::\w+)?|cite(?::\w+)?|eq|doc|ref|numref|download|prf:\w+|math)\}")


def _report(rendered, check) -> list[str]:
    """``check(result) -> list of problems`` over every page; one line per page with problems."""
    lines = []
    for name, result in rendered.items():
        problems = [p for p in check(result) if p]
        if problems:
            lines.append(f"{name}: " + "; ".join(problems) + f" (screenshot {result['screenshot']})")
    return lines


class TestInTheBrowser:
    def test_every_page_was_rendered_with_a_screenshot(self, rendered, pages):
        expected = {name for name, page in pages.items() if not page.redirect}
        assert set(rendered) == expected
        for name, result in rendered.items():
            assert result["screenshot"].stat().st_size > 10_000, f"{name}: empty screenshot"

    def test_no_remote_request_and_no_broken_local_one(self, rendered):
        bad = _report(rendered, lambda r: [
            r["remote"] and f"asked the network for {r['remote']}",
            r["failed"] and f"local requests that failed: {r['failed']}",
        ])
        assert not bad, "\n".join(bad)

    def test_math_is_typeset_offline(self, rendered):
        bad = _report(rendered, lambda r: [
            r["untypeset"] and f"math left untypeset: {r['untypeset'][:5]}",
            r["containers"] < r["math"] and f"{r['math']} math elements, {r['containers']} typeset",
            r["texErrors"] and f"TeX errors: {r['texErrors'][:5]}",
            RAW_MATH.findall(r["prose"]) and f"raw TeX in the text: {RAW_MATH.findall(r['prose'])[:5]}",
        ])
        assert not bad, "\n".join(bad)

    def test_pages_with_math_have_it(self, rendered):
        for name in ("book/intro.html", "book/models.html"):
            assert rendered[name]["containers"] > 0, f"{name}: no typeset math"

    def test_every_image_loads(self, rendered):
        bad = _report(rendered, lambda r: [r["brokenImages"] and f"images that did not load: {r['brokenImages']}"])
        assert not bad, "\n".join(bad)
        assert rendered["book/models.html"]["images"] > 0

    def test_no_error_cell_or_unrendered_markup(self, rendered):
        bad = _report(rendered, lambda r: [
            r["errorCells"] and f"shows errors: {r['errorCells'][:3]}",
            "Traceback (most recent call last)" in r["text"] and "shows a traceback",
            UNRENDERED_ROLE.findall(r["text"]) and f"unrendered MyST roles {UNRENDERED_ROLE.findall(r['text'])}",
        ])
        assert not bad, "\n".join(bad)

    def test_no_javascript_error(self, rendered):
        bad = _report(rendered, lambda r: [r["js_errors"] and f"JavaScript errors: {r['js_errors']}"])
        assert not bad, "\n".join(bad)
