"""The data store: round trip, cache keys, hash checks, atomic writes, figures, names, and the
modules it is split into (paths, fingerprint, atomic, figures.export)."""
from __future__ import annotations

import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from plateaus import store  # noqa: E402
from plateaus.figures.export import save_figure  # noqa: E402
from plateaus.fingerprint import sha256  # noqa: E402
from plateaus.store import StoreError  # noqa: E402

CH, SC, EXP = "ch-test", "quick", "haar_distance"

ENTRY_FIELDS = {
    "parameters", "seed", "package_version", "git", "libraries", "wall_time_s", "date_utc",
    "sha256", "table", "figures",
}


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    root = tmp_path / "data"
    monkeypatch.setenv("PLATEAUS_DATA", str(root))
    return root


def table(seed: int = 0, n: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "instance": np.arange(n),
        "n_hidden": np.arange(n) % 3 + 1,
        "value": rng.standard_normal(n) * 10.0 ** rng.integers(-300, 300, n),
        "tiny": rng.random(n) * 1e-17,
        "label": [f"s{i}" for i in range(n)],
        "flag": np.arange(n) % 2 == 0,
    })


PARAMS = {"seed": 7, "sizes": (1, 2, 3), "instances": np.int64(5), "eps": np.float64(1e-3)}


def csv_path(root):
    return root / CH / SC / f"{EXP}.csv"


# --------------------------------------------------------------------------- round trip


def test_round_trip_exact_and_manifest_complete(data_dir):
    df = table()
    entry = store.save(CH, SC, EXP, df, PARAMS, wall_time=1.25)
    loaded, loaded_entry = store.load(CH, SC, EXP)
    pd.testing.assert_frame_equal(loaded, df, check_exact=True)
    assert loaded_entry == entry

    assert ENTRY_FIELDS <= set(entry)
    assert entry["parameters"] == {"eps": 0.001, "instances": 5, "seed": 7, "sizes": [1, 2, 3]}
    assert entry["seed"] == 7
    assert entry["package_version"] == __import__("plateaus").__version__
    assert set(entry["git"]) == {"commit", "dirty"}
    assert {"python", "numpy", "scipy", "pandas", "matplotlib"} <= set(entry["libraries"])
    assert entry["wall_time_s"] == 1.25
    assert entry["date_utc"].endswith("+00:00")
    assert entry["table"] == f"{CH}/{SC}/{EXP}.csv"
    assert (data_dir / entry["table"]).is_file()
    assert len(entry["sha256"]) == 64
    assert entry["figures"] == []

    on_disk = json.loads((data_dir / CH / SC / "manifest.json").read_text())
    assert on_disk == store.manifest(CH, SC)
    assert on_disk["experiments"][EXP] == entry


def test_csv_is_deterministic(data_dir):
    store.save(CH, SC, EXP, table(), PARAMS, 0.0)
    first = csv_path(data_dir).read_bytes()
    store.save(CH, SC, EXP, table(), PARAMS, 0.0)
    assert csv_path(data_dir).read_bytes() == first
    assert b"\r\n" not in first


def test_no_git_is_not_an_error(monkeypatch):
    import subprocess

    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(subprocess, "run", no_git)
    entry = store.save(CH, SC, EXP, table(), PARAMS, 0.0)
    assert entry["git"]["commit"] == "unknown"


def test_provenance_names_file_hash_params_seed(data_dir):
    entry = store.save(CH, SC, EXP, table(), PARAMS, 0.5)
    text = store.provenance(CH, SC, EXP)
    for piece in (entry["table"], entry["sha256"][:12], '"sizes": [1, 2, 3]', "seed 7",
                  entry["date_utc"]):
        assert piece in text
    assert entry["sha256"][:13] not in text


def test_data_root_walks_up_to_pyproject(tmp_path, monkeypatch):
    monkeypatch.delenv("PLATEAUS_DATA")
    (tmp_path / "repo" / "chapters" / "deep").mkdir(parents=True)
    (tmp_path / "repo" / "pyproject.toml").write_text("[project]\n")
    monkeypatch.chdir(tmp_path / "repo" / "chapters" / "deep")
    assert store.data_root() == (tmp_path / "repo" / "data").resolve()


# --------------------------------------------------------------------------- cache


def test_cache_hit_only_for_identical_parameters():
    calls = []

    def compute():
        calls.append(1)
        return table(seed=len(calls))

    first = store.cached(CH, SC, EXP, PARAMS, compute)
    assert len(calls) == 1
    # the same parameters, spelled with other types: tuple vs list, numpy vs python, key order
    same = {"sizes": [1, 2, 3], "eps": 1e-3, "instances": 5, "seed": np.int32(7)}
    again = store.cached(CH, SC, EXP, same, compute)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(again, first, check_exact=True)
    pd.testing.assert_frame_equal(first, table(seed=1), check_exact=True)

    for changed in ({**PARAMS, "seed": 8}, {**PARAMS, "sizes": (1, 2)}, {**PARAMS, "extra": None},
                    {**PARAMS, "instances": 5.0}):
        calls.clear()
        store.cached(CH, SC, EXP, changed, compute)
        assert len(calls) == 1, changed


def test_recompute_always_runs():
    calls = []

    def compute():
        calls.append(1)
        return table()

    store.cached(CH, SC, EXP, PARAMS, compute)
    store.cached(CH, SC, EXP, PARAMS, compute, recompute=True)
    store.cached(CH, SC, EXP, PARAMS, compute, recompute=True)
    assert len(calls) == 3
    store.cached(CH, SC, EXP, PARAMS, compute)
    assert len(calls) == 3


def test_table_with_other_columns_is_stale():
    """A table stored by an older version (other columns, same parameters) is recomputed."""
    store.cached(CH, SC, EXP, PARAMS, table)
    calls = []

    def compute():
        calls.append(1)
        return table().assign(extra=1.0)

    expected = [*table().columns, "extra"]
    df = store.cached(CH, SC, EXP, PARAMS, compute, columns=expected)
    assert calls == [1] and list(df.columns) == expected
    store.cached(CH, SC, EXP, PARAMS, compute, columns=expected)
    assert calls == [1]


def test_cache_records_the_time_compute_took(monkeypatch):
    """wall_time_s is the clock's advance during compute(), to the microsecond."""
    import time

    now = [1000.0]
    monkeypatch.setattr(time, "perf_counter", lambda: now[0])

    def compute():
        now[0] += 2.345678
        return table()

    store.cached(CH, SC, EXP, PARAMS, compute)
    assert store.manifest(CH, SC)["experiments"][EXP]["wall_time_s"] == 2.345678


def test_cache_records_real_compute_time():
    import time

    def slow():
        time.sleep(0.2)
        return table()

    store.cached(CH, SC, EXP, PARAMS, slow)
    assert 0.2 <= store.manifest(CH, SC)["experiments"][EXP]["wall_time_s"] < 5.0


def test_cached_rejects_non_frame():
    with pytest.raises(ValueError, match="compute"):
        store.cached(CH, SC, EXP, PARAMS, lambda: np.zeros(3))


# --------------------------------------------------------------------------- tampering


def test_tampered_table_is_refused_with_make_command(data_dir):
    entry = store.save(CH, SC, EXP, table(), PARAMS, 0.0)
    path = csv_path(data_dir)
    text = path.read_text().replace("s1", "s9")
    path.write_text(text)
    with pytest.raises(StoreError) as info:
        store.load(CH, SC, EXP)
    message = str(info.value)
    assert str(path) in message
    assert entry["sha256"] in message
    assert sha256(path.read_bytes()) in message
    assert f"make chapter NAME={CH} SCALE={SC} RECOMPUTE=1" in message
    assert isinstance(info.value, ValueError)


def test_tampered_table_is_recomputed_by_cached(data_dir):
    store.save(CH, SC, EXP, table(), PARAMS, 0.0)
    csv_path(data_dir).write_text("instance\n0\n")
    calls = []

    def compute():
        calls.append(1)
        return table()

    with pytest.warns(UserWarning, match="does not match"):
        df = store.cached(CH, SC, EXP, PARAMS, compute)
    assert calls == [1]
    pd.testing.assert_frame_equal(df, table(), check_exact=True)
    store.load(CH, SC, EXP)


def test_missing_table_and_missing_entry(data_dir):
    with pytest.raises(StoreError, match="no table.*make chapter"):
        store.load(CH, SC, EXP)
    path = csv_path(data_dir)
    path.parent.mkdir(parents=True)
    table().to_csv(path, index=False)
    with pytest.raises(StoreError, match="no entry.*make chapter"):
        store.load(CH, SC, EXP)


# --------------------------------------------------------------------------- atomicity


def test_crash_in_writer_leaves_no_table(data_dir, monkeypatch):
    def broken(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(RuntimeError):
        store.save(CH, SC, EXP, table(), PARAMS, 0.0)
    assert not csv_path(data_dir).exists()
    assert EXP not in store.manifest(CH, SC)["experiments"]


def test_crash_mid_write_leaves_no_partial_file(data_dir, monkeypatch):
    """Half the bytes are written, then the process dies before the rename."""
    def crash(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        store.save(CH, SC, EXP, table(), PARAMS, 0.0)
    assert not csv_path(data_dir).exists()
    assert list((data_dir / CH / SC).iterdir()) == []  # temporary file removed too


def test_crash_while_replacing_keeps_old_table(data_dir, monkeypatch):
    old = table(seed=1)
    store.save(CH, SC, EXP, old, PARAMS, 0.0)

    def broken(src, dst):
        raise OSError("interrupted")

    with monkeypatch.context() as patch, pytest.raises(OSError):
        patch.setattr(os, "replace", broken)
        store.save(CH, SC, EXP, table(seed=2), {**PARAMS, "seed": 8}, 0.0)
    df, entry = store.load(CH, SC, EXP)
    pd.testing.assert_frame_equal(df, old, check_exact=True)
    assert entry["seed"] == 7
    assert sorted(p.name for p in (data_dir / CH / SC).iterdir()) == [f"{EXP}.csv", "manifest.json"]


def test_crash_between_table_and_manifest_is_refused_then_recomputed(data_dir, monkeypatch):
    store.save(CH, SC, EXP, table(seed=1), PARAMS, 0.0)
    real_replace = os.replace

    def replace_table_only(src, dst):
        if str(dst).endswith("manifest.json"):
            raise OSError("killed")
        real_replace(src, dst)

    with monkeypatch.context() as patch, pytest.raises(OSError):
        patch.setattr(os, "replace", replace_table_only)
        store.save(CH, SC, EXP, table(seed=2), PARAMS, 0.0)
    with pytest.raises(StoreError, match="RECOMPUTE=1"):
        store.load(CH, SC, EXP)
    calls = []
    with pytest.warns(UserWarning):
        store.cached(CH, SC, EXP, PARAMS, lambda: calls.append(1) or table(seed=3))
    assert calls == [1]
    pd.testing.assert_frame_equal(store.load(CH, SC, EXP)[0], table(seed=3), check_exact=True)


# --------------------------------------------------------------------------- figures


def test_save_figure_writes_both_formats_and_records_hashes(data_dir):
    store.save(CH, SC, EXP, table(), PARAMS, 0.0)
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    paths = save_figure(fig, CH, SC, "fig-2", experiment=EXP)
    assert set(paths) == {"png", "svg"}
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in paths["svg"].read_bytes()
    (record,) = store.manifest(CH, SC)["experiments"][EXP]["figures"]
    assert record["name"] == "fig-2"
    for fmt in ("png", "svg"):
        assert data_dir / record[fmt] == paths[fmt]
        assert record[f"{fmt}_sha256"] == sha256(paths[fmt].read_bytes())

    # saving again replaces the record, and an unchanged figure gives unchanged bytes
    svg = paths["svg"].read_bytes()
    save_figure(fig, CH, SC, "fig-2", experiment=EXP)
    assert len(store.manifest(CH, SC)["experiments"][EXP]["figures"]) == 1
    assert paths["svg"].read_bytes() == svg
    store.load(CH, SC, EXP)  # the table still verifies

    # without an experiment: recorded at the top level
    save_figure(fig, CH, SC, "overview")
    assert "overview" in store.manifest(CH, SC)["figures"]
    plt.close(fig)


def test_save_figure_needs_saved_experiment(data_dir):
    fig = plt.figure()
    with pytest.raises(StoreError, match="save its table"):
        save_figure(fig, CH, SC, "fig", experiment="nothing")
    assert not (data_dir / CH / SC / "fig.png").exists()
    plt.close(fig)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "chapter, scale, experiment, parameter",
    [
        ("Ch1", SC, EXP, "chapter"),
        ("../etc", SC, EXP, "chapter"),
        ("", SC, EXP, "chapter"),
        (CH, "huge", EXP, "scale"),
        (CH, SC, "a b", "experiment"),
        (CH, SC, None, "experiment"),
    ],
)
def test_bad_names(chapter, scale, experiment, parameter):
    for call in (
        lambda: store.save(chapter, scale, experiment, table(), PARAMS, 0.0),
        lambda: store.load(chapter, scale, experiment),
        lambda: store.cached(chapter, scale, experiment, PARAMS, table),
    ):
        with pytest.raises(ValueError, match=rf"^{parameter} = .* is not allowed; expected"):
            call()


def test_bad_scale_lists_allowed():
    with pytest.raises(ValueError, match="quick, paper, extended"):
        store.manifest(CH, "huge")


def test_bad_figure_name_and_params():
    with pytest.raises(ValueError, match="name"):
        save_figure(plt.figure(), CH, SC, "Fig 1")
    plt.close("all")
    with pytest.raises(ValueError, match=r"params\['x'\]"):
        store.save(CH, SC, EXP, table(), {"x": object()}, 0.0)
    with pytest.raises(ValueError, match="params must be a dict"):
        store.save(CH, SC, EXP, table(), [1, 2], 0.0)
    with pytest.raises(ValueError, match="wall_time"):
        store.save(CH, SC, EXP, table(), PARAMS, -1.0)
    with pytest.raises(ValueError, match="df"):
        store.save(CH, SC, EXP, np.zeros(3), PARAMS, 0.0)


# --------------------------------------------------------------------------- the split modules


@pytest.mark.parametrize(
    "module, absent",
    [
        ("plateaus.store", "matplotlib"),
        ("plateaus.store", "plateaus.figures"),
        ("plateaus.store", "plateaus.runner"),
        ("plateaus.figures.provenance", "plateaus.runner"),
    ],
)
def test_imports_go_one_way(module, absent):
    """A fresh interpreter importing ``module`` does not load ``absent``."""
    import subprocess
    import sys

    code = f"import sys, {module}; assert {absent!r} not in sys.modules, sorted(sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize(
    "module, allowed",
    [
        ("atomic", set()),
        ("fingerprint", set()),
        ("paths", {"params"}),
        ("store", {"atomic", "fingerprint", "paths"}),
    ],
)
def test_package_imports_of_the_store_modules(module, allowed):
    """Which package modules each store module imports; none imports the package ``__init__``
    (``from . import x``), which imports the store."""
    import ast
    import importlib
    from pathlib import Path

    path = Path(importlib.import_module(f"plateaus.{module}").__file__)
    imported = {node.module for node in ast.walk(ast.parse(path.read_text()))
                if isinstance(node, ast.ImportFrom) and node.level > 0}
    assert None not in imported  # `from . import x` runs plateaus/__init__.py
    assert imported == allowed


def test_old_names_still_work():
    import plateaus
    from plateaus import fingerprint, paths

    assert plateaus.StoreError is store.StoreError is paths.StoreError
    assert store.data_root is paths.data_root and store.canonical_json is fingerprint.canonical_json
    assert store.SCALES == ("quick", "paper", "extended")
    assert not hasattr(store, "save_figure")  # matplotlib export lives in figures.export


def test_package_version_is_the_installed_one():
    import plateaus
    from plateaus import fingerprint

    assert fingerprint.package_version() == plateaus.__version__ != "0+unknown"


def test_canonical_json_is_compact_sorted_and_type_exact():
    from plateaus.fingerprint import canonical_json

    assert canonical_json({"b": (1, 2), "a": np.float64(0.5), 3: np.bool_(True)}) == \
        '{"3":true,"a":0.5,"b":[1,2]}'
    assert canonical_json({"x": 1}) != canonical_json({"x": 1.0})
    with pytest.raises(ValueError, match=r"params\['k'\]\[1\]"):
        canonical_json({"k": [0, {1, 2}]})


def test_atomic_write_replaces_whole_file(tmp_path):
    from plateaus.atomic import atomic_write

    path = tmp_path / "deep" / "file.bin"
    atomic_write(path, b"old")
    atomic_write(path, b"new bytes")
    assert path.read_bytes() == b"new bytes"
    assert [p.name for p in path.parent.iterdir()] == ["file.bin"]


def test_locked_excludes_a_second_process(tmp_path):
    """While one process holds the lock, another's ``locked`` block waits for it."""
    import subprocess
    import sys
    import time

    from plateaus.atomic import locked

    waiter = (
        "import sys, time; from pathlib import Path; from plateaus.atomic import locked\n"
        "with locked(Path(sys.argv[1])): print(time.monotonic(), flush=True)\n"
    )
    with locked(tmp_path):
        proc = subprocess.Popen([sys.executable, "-c", waiter, str(tmp_path)],
                                stdout=subprocess.PIPE, text=True)
        time.sleep(1.0)
        assert proc.poll() is None  # still waiting for the lock
        released = time.monotonic()
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and float(out) >= released


def test_project_root_and_staging(tmp_path, monkeypatch):
    from plateaus import paths, runner

    assert runner.project_root is paths.project_root and runner.STAGING == paths.STAGING == "book"
    (tmp_path / "chapters" / "x").mkdir(parents=True)
    (tmp_path / "_toc.yml").write_text("root: book/intro\n")
    assert paths.project_root(tmp_path / "chapters" / "x") == tmp_path.resolve()
    monkeypatch.chdir(tmp_path.parent)
    with pytest.raises(FileNotFoundError, match="_toc.yml"):
        paths.project_root()


def test_record_figure_without_entry_is_refused():
    with pytest.raises(StoreError, match="vanished"):
        store.record_figure(CH, SC, EXP, {"name": "f", "png": "x.png"})
    store.record_figure(CH, SC, None, {"name": "f", "png": "x.png"})
    assert store.manifest(CH, SC)["figures"] == {"f": {"name": "f", "png": "x.png"}}


def test_figures_do_not_import_the_runner():
    """Imports go kernels -> models -> experiments -> figures -> runner, never back up, even
    inside functions."""
    import ast
    from pathlib import Path

    import plateaus.figures

    for path in sorted(Path(plateaus.figures.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                assert "runner" not in name and "__main__" not in name, (path.name, name)
