"""The benchmark harness (benchmarks/, `make bench`) and the appendix page that reads its results.

* Every implementation of every task gives the project's numbers at tiny sizes. The peer
  libraries of the ``bench`` extra (pennylane-lightning, qiskit, quimb) are not installed by
  ``make test``: their cases are SKIPPED WITH THE REASON "peer not installed ..." (``-ra`` lists
  them), never passed silently.
* The harness refuses to time an implementation that differs, and keeps the minimum of samples.
* The readers of ``plateaus.experiments.benchmarks``: ratios, targets, the cost fit, the
  figures' compute times.
* A quick run of the suite is saved, read back, and the page executes on it.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

# benchmarks/ is a top-level package of the repository, not part of the installed `plateaus`.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import harness, suite  # noqa: E402
from plateaus import store  # noqa: E402
from plateaus.experiments import benchmarks as reader  # noqa: E402

TASKS = suite.tasks()
PARAMS = {"chapter": "benchmarks", "scale": "paper"}
TINY = {"T1": 4, "T2": 4, "T2-forward": 4, "T3": 4}


def _problem(task, n):
    params = {"seed": 7, "check_instances": 2, "t1_batch": 3, "t2_batch": 3, "t2_fd_batch": 2,
              "t3_batch": 2, "t3_eps": 1e-6}
    return suite._problem_factory(TASKS[task].module, params)(n)


def _cases():
    for name, task in TASKS.items():
        for impl in task.implementations[1:]:
            yield pytest.param(name, impl, id=f"{name}-{impl.key}")


@pytest.fixture(scope="module")
def problems():
    return {name: _problem(name, n) for name, n in TINY.items()}


@pytest.fixture(scope="module")
def references(problems):
    return {name: TASKS[name].implementations[0].prepare(problems[name]).check() for name in TASKS}


class TestSameNumbers:
    @pytest.mark.parametrize("task, impl", list(_cases()))
    def test_implementation_gives_the_projects_numbers(self, task, impl, problems, references):
        missing = impl.missing()
        if missing is not None:
            pytest.skip(f"peer not installed: {impl.library} (module {missing}); "
                        "install the bench extra: pip install -e '.[bench]'")
        got = impl.prepare(problems[task]).check()
        np.testing.assert_allclose(got, references[task], rtol=impl.rtol, atol=impl.atol)

    def test_references_are_the_physics(self, problems, references):
        import plateaus as pl

        # T1: the trace distance of a one-qubit state to I/2 is sqrt(1 - 2 Tr rho^2)/sqrt(2)...
        rho = pl.reduced_state(problems["T1"].states, 1)
        bloch = np.sqrt(np.clip(2 * pl.purity(rho) - 1, 0, None))
        np.testing.assert_allclose(references["T1"], bloch / 2, atol=1e-12)
        # T2: the gradient is the derivative of the forward task's value (central differences)
        p = problems["T2"]
        h = 1e-6
        e = np.zeros(p.qnn.n_params)
        e[5] = h
        f = lambda t: p.objective.value(p.qnn.reduced_state(t))  # noqa: E731
        fd = (f(p.check_theta + e) - f(p.check_theta - e)) / (2 * h)
        np.testing.assert_allclose(references["T2"][:, 5], fd, atol=1e-8)
        np.testing.assert_allclose(references["T2-forward"], f(p.check_theta), atol=1e-14)
        # T3: sensitivities are trace norms of traceless Hermitian matrices: >= 0
        assert references["T3"].shape == (2, 66) and np.all(references["T3"] >= 0)

    def test_every_peer_library_is_in_the_bench_extra(self):
        import tomllib

        extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
        pinned = {r.split("==")[0].lower() for r in extra["bench"] + extra["test"]}
        libraries = {i.library for t in TASKS.values() for i in t.implementations}
        assert libraries - {"plateaus", "numpy"} <= pinned


class TestHarness:
    def test_an_implementation_that_differs_is_not_timed(self):
        ref = harness.Implementation("project", "reference", "plateaus", (), role="project",
                                     prepare=lambda p: harness.Prepared(lambda: np.ones(3), lambda: None, 1))
        off = harness.Implementation("off", "off by 1e-6", "plateaus", (), rtol=1e-8, atol=1e-10,
                                     prepare=lambda p: harness.Prepared(lambda: np.ones(3) + 1e-6,
                                                                        lambda: None, 1))
        rows = harness.run_task("T0", [3], lambda n: None, (ref, off), repeats=2, min_sample=1e-4,
                                n_terms=lambda n: 0, log=lambda *a: None)
        assert rows[0]["status"] == "ok" and np.isfinite(rows[0]["cpu_seconds"])
        assert rows[1]["status"].startswith("differs from the project: max |diff| = 1e-06")
        assert math.isnan(rows[1]["cpu_seconds"]) and rows[1]["samples"] == 0

    def test_missing_module_is_reported_not_timed(self):
        ref = harness.Implementation("project", "reference", "plateaus", (), role="project",
                                     prepare=lambda p: harness.Prepared(lambda: np.ones(1), lambda: None, 1))
        ghost = harness.Implementation("ghost", "ghost", "no-such-dist", ("no_such_module_xyz",),
                                       prepare=lambda p: pytest.fail("prepared a missing peer"))
        rows = harness.run_task("T0", [2], lambda n: None, (ref, ghost), repeats=1, min_sample=1e-4,
                                n_terms=lambda n: 0, log=lambda *a: None)
        assert rows[1]["status"].startswith("not installed (no_such_module_xyz)")
        assert rows[1]["version"] == "not installed"

    def test_measure_keeps_the_minimum_and_loops_short_calls(self):
        calls = []
        timing = harness.measure(lambda: calls.append(1), repeats=3, min_sample=1e-3)
        assert timing.samples == 3 and timing.loops >= 1
        assert len(calls) == 1 + 3 * timing.loops
        assert timing.wall == min(timing.walls) and timing.wall > 0

    def test_a_slow_call_is_measured_once(self, monkeypatch):
        monkeypatch.setattr(harness, "SLOW_CALL", 0.0)
        calls = []
        timing = harness.measure(lambda: calls.append(1), repeats=5, min_sample=1.0)
        assert (timing.samples, len(calls)) == (1, 1)

    def test_pin_threads_limits_blas(self):
        setting = harness.pin_threads()
        assert setting["threads"] == 1 and harness.blas_threads() == 1


def _timings(rows):
    base = dict(label="x", library="plateaus", version="1", instances=1, samples=1, loops=1,
                max_error=0.0, status="ok")
    return pd.DataFrame([{**base, **r} for r in rows])


class TestReaders:
    def test_ratios_and_targets(self):
        rows = []
        for n, lightning in ((7, 0.05), (10, 0.2)):
            rows += [dict(task="T2", implementation="project", role="project", n=n, n_terms=1,
                          seconds=2e-4, cpu_seconds=1e-4),
                     dict(task="T2", implementation="lightning-adjoint", role="peer", n=n,
                          n_terms=1, seconds=0.1, cpu_seconds=lightning)]
        df = reader.with_ratios(_timings(rows))
        np.testing.assert_allclose(df["ratio"], [1, 500, 1, 2000])
        np.testing.assert_allclose(df["wall_ratio"], [1, 500, 1, 500])
        t = reader.targets(_timings(rows)).set_index(["task", "n"])
        assert t.loc[("T2", 7), "status"] == "met" and t.loc[("T2", 10), "met"]
        assert t.loc[("T3", 7), "status"] == "not measured at this scale"
        slow = _timings([r if r["implementation"] == "project" else {**r, "cpu_seconds": 0.01}
                         for r in rows])
        t = reader.targets(slow).set_index(["task", "n"])
        assert t.loc[("T2", 7), "status"] == "missed"
        np.testing.assert_allclose(t.loc[("T2", 7), "measured"], 100.0)
        q = reader.quoted(PARAMS, reader.Results(slow, {}, {}), reader.figure_wall_times("paper", []))
        assert q["verdict-T2-7"] == "missed: 100× measured against 400×, a factor 4.0 short"
        assert q["verdict-T3-7"] == "not measured at this scale"

    def test_a_peer_is_quoted_in_its_faster_form(self):
        rows = []
        # lightning: native faster at n = 7, PauliRot faster at n = 10; the project 1e-4 s
        for n, native, paulirot in ((7, 0.02, 0.03), (10, 0.05, 0.04)):
            rows += [dict(task="T2", implementation="project", role="project", n=n, n_terms=1,
                          seconds=1e-4, cpu_seconds=1e-4),
                     dict(task="T2", implementation="lightning-adjoint", role="peer", n=n,
                          n_terms=1, seconds=native, cpu_seconds=native),
                     dict(task="T2", implementation="lightning-adjoint-paulirot", role="peer-variant",
                          n=n, n_terms=1, seconds=paulirot, cpu_seconds=paulirot)]
        df = reader.with_ratios(_timings(rows))
        assert reader.fastest(df, "T2", 7, "lightning-adjoint")["implementation"] == "lightning-adjoint"
        assert reader.fastest(df, "T2", 10, "lightning-adjoint")["implementation"] == "lightning-adjoint-paulirot"
        assert reader.form_of(df, "T2", 10, "lightning-adjoint") == "PauliRot"
        assert reader.form_of(df, "T2", 7, "project") == ""
        assert reader.fastest(df, "T3", 7, "lightning-adjoint") is None
        assert reader.speedup(df, "T2", 7, "lightning-adjoint") == "200×"
        assert reader.speedup(df, "T2", 10, "lightning-adjoint") == "400×"  # 0.04 / 1e-4, not 0.05
        t = reader.targets(_timings(rows)).set_index(["task", "n"])
        assert t.loc[("T2", 7), "form"] == "native gates" and t.loc[("T2", 10), "form"] == "PauliRot"
        np.testing.assert_allclose(t.loc[("T2", 10), "measured"], 400.0)
        assert t.loc[("T2", 10), "status"] == "met" and t.loc[("T2", 7), "status"] == "missed"
        assert reader.targets_table(_timings(rows)).loc[("T2", 10), "against"] == "lightning-adjoint (PauliRot)"
        q = reader.quoted(PARAMS, reader.Results(_timings(rows), {}, {}), reader.figure_wall_times("paper", []))
        assert (q["t2-lightning-form-7"], q["t2-lightning-form-10"]) == ("native gates", "PauliRot")
        assert q["t2-lightning-10"] == "40 ms" and q["t2-x-lightning-adjoint-10"] == "400×"
        assert q["t2-form-lightning-7"] == "1.50×" and q["t2-form-lightning-10"] == "0.80×"

    def test_t1_and_finite_difference_overheads(self):
        rows = [dict(task="T1", implementation=k, role=r, n=n, n_terms=0, seconds=1.0, cpu_seconds=t)
                for n, k, r, t in ((6, "project", "project", 1e-6), (6, "project-single", "project-variant", 8e-6),
                                   (6, "quimb", "peer", 4e-5), (8, "project", "project", 4e-6))]
        rows += [dict(task=task, implementation=k, role=r, n=n, n_terms=kk, seconds=1.0, cpu_seconds=t)
                 for task, k, r, n, kk, t in (("T2", "project", "project", 4, 66, 1e-5),
                                              ("T2", "finite-differences", "paper", 4, 66, 6.6e-3),
                                              ("T2-forward", "project", "project", 4, 66, 1e-5),
                                              ("T2", "project", "project", 5, 105, 2e-5),
                                              ("T2", "finite-differences", "paper", 5, 105, 4.2e-3),
                                              ("T2-forward", "project", "project", 5, 105, 1e-5))]
        q = reader.quoted(PARAMS, reader.Results(_timings(rows), {}, {}), reader.figure_wall_times("paper", []))
        assert (q["t1-n-min"], q["t1-x-project-single-min"], q["t1-quimb-over-single-min"]) == ("6", "8.0×", "5.0×")
        # 6.6e-3 / (2 * 66 * 1e-5) = 5.0; 4.2e-3 / (2 * 105 * 1e-5) = 2.0
        assert (q["t2-fd-n-min"], q["t2-fd-over-forwards-min"]) == ("4", "5.0")
        assert (q["t2-fd-n-max"], q["t2-fd-over-forwards-max"]) == ("5", "2.0")

    def test_model_exponents(self):
        from scipy import stats

        ns = np.arange(4, 11)
        ks = 3 * ns + 9 * ns * (ns - 1) // 2
        x = np.log(ks * 2.0**ns)
        # independent: ordinary least squares of log(K^2 2^n) on log(K 2^n)
        ref = stats.linregress(x, np.log(ks.astype(float) ** 2 * 2.0**ns)).slope
        name, value = reader.model_exponent("T2", "finite-differences", ns, ks)
        assert name == "K^2 2^n" and 1.2 < value < 1.4
        np.testing.assert_allclose(value, ref, rtol=1e-12)
        np.testing.assert_allclose(reader.model_exponent("T2", "project", ns, ks)[1], 1.0, rtol=1e-12)
        np.testing.assert_allclose(reader.model_exponent("T1", "qutip", ns, ks)[1], 3.0, rtol=1e-12)
        assert reader.model_exponent("T2", "lightning-adjoint", ns, ks)[0] == ""
        assert np.isnan(reader.model_exponent("T2", "project", [4], [66])[1])
        rows = [dict(task="T2", implementation="finite-differences", role="paper", n=int(n), n_terms=int(k),
                     seconds=1.0, cpu_seconds=1e-9 * (k * 2.0**n) * (1 + 0.05 * (n % 2))) for n, k in zip(ns, ks)]
        fits = reader.cost_fits(_timings(rows))
        row = fits.iloc[0]
        assert row["model"] == "K^2 2^n"
        np.testing.assert_allclose(row["model_exponent"], ref, rtol=1e-12)
        np.testing.assert_allclose(row["model_exponent_upper"], stats.linregress(
            x[3:], np.log(ks[3:].astype(float) ** 2 * 2.0 ** ns[3:])).slope, rtol=1e-12)
        assert reader.model_position(row["fit"], row["model_exponent"]) == "above the fit's interval"
        assert reader.model_position(row["fit"], row["fit"].slope) == "inside the fit's interval"
        assert reader.model_position(row["fit"], 0.0) == "below the fit's interval"
        q = reader.quoted(PARAMS, reader.Results(_timings(rows), {}, {}), reader.figure_wall_times("paper", []))
        assert q["model-exponent-T2-finite-differences"] == f"{ref:.2f}"
        assert q["model-exponent-position-T2-finite-differences"] == "above the fit's interval"
        table = reader.fits_table(fits)
        assert table.iloc[0]["cost model: its exponent, all (larger) sizes"] == (
            f"K^2 2^n: {row['model_exponent']:.2f} ({row['model_exponent_upper']:.2f})")

    def test_cost_fit_recovers_the_exponent(self):
        rows = []
        for n in (4, 5, 6, 7, 8):
            k = 3 * n + 9 * n * (n - 1) // 2
            rows.append(dict(task="T2", implementation="project", role="project", n=n, n_terms=k,
                             seconds=1.0, cpu_seconds=3e-9 * (k * 2.0**n) ** 1.25))
            rows.append(dict(task="T1", implementation="project", role="project", n=n, n_terms=0,
                             seconds=1.0, cpu_seconds=1e-8 * 2.0**n))
        fits = reader.cost_fits(_timings(rows)).set_index("task")
        np.testing.assert_allclose(fits.loc["T2", "exponent"], 1.25, rtol=1e-10)
        np.testing.assert_allclose(fits.loc["T1", "exponent"], 1.0, rtol=1e-10)
        assert fits.loc["T2", "exponent_se"] < 1e-6

    def test_cost_fit_interval_is_unweighted_t_with_sizes_minus_two_dof(self):
        from scipy import stats

        rng = np.random.default_rng(5)
        ns = np.arange(4, 11)
        rows = []
        for n in ns:
            k = 3 * n + 9 * n * (n - 1) // 2
            rows.append(dict(task="T2", implementation="project", role="project", n=int(n), n_terms=k,
                             seconds=1.0, cpu_seconds=1e-9 * (k * 2.0**n) ** 0.9 * np.exp(0.1 * rng.standard_normal())))
        df = _timings(rows)
        fits = reader.cost_fits(df).set_index("task")
        x = np.log(reader.cost_variable("T2", df["n"], df["n_terms"]))
        y = np.log(df["cpu_seconds"].to_numpy())
        ref = stats.linregress(x, y)  # independent: ordinary least squares
        row = fits.loc["T2"]
        np.testing.assert_allclose(row["exponent"], ref.slope, rtol=1e-10)
        np.testing.assert_allclose(row["exponent_se"], ref.stderr, rtol=1e-8)
        t = stats.t.ppf(0.975, len(ns) - 2)
        np.testing.assert_allclose([row["exponent_low"], row["exponent_high"]],
                                   [ref.slope - t * ref.stderr, ref.slope + t * ref.stderr], rtol=1e-8)
        assert row["dof"] == 5 and row["fit"].weighted is False
        # the larger half: n = 7..10, 4 sizes, 2 dof
        top = stats.linregress(x[3:], y[3:])
        assert row["n_upper"] == 7 and row["dof_upper"] == 2
        np.testing.assert_allclose(row["exponent_upper"], top.slope, rtol=1e-10)
        t2 = stats.t.ppf(0.975, 2)
        np.testing.assert_allclose(row["exponent_upper_high"], top.slope + t2 * top.stderr, rtol=1e-8)
        q = reader.quoted(PARAMS, reader.Results(df, {}, {}), reader.figure_wall_times("paper", []))
        assert q["exponent-T2-project"] == f"{ref.slope:.2f} [{ref.slope - t * ref.stderr:.2f}, {ref.slope + t * ref.stderr:.2f}]"
        assert q["exponent-dof-T2-project"] == "5" and q["exponent-upper-dof-T2-project"] == "2"
        table = reader.fits_table(reader.cost_fits(df))
        assert table.iloc[0]["all sizes: n (dof)"] == "4–10 (5)"
        assert table.iloc[0]["larger sizes: n (dof)"] == "7–10 (2)"
        assert table.iloc[0]["exponent a, all sizes [95 %]"] == q["exponent-T2-project"]

    def test_two_sizes_give_no_interval(self):
        rows = [dict(task="T3", implementation="project", role="project", n=n, n_terms=3 * n,
                     seconds=1.0, cpu_seconds=1e-6 * n**3) for n in (4, 5, 6, 7)]
        fits = reader.cost_fits(_timings(rows))
        top = fits.iloc[0]["fit_upper"]
        assert fits.iloc[0]["dof_upper"] == 0 and fits.iloc[0]["dof"] == 2
        assert reader.exponent_text(top) == f"{top.slope:.2f}, two sizes: no interval"
        q = reader.quoted(PARAMS, reader.Results(_timings(rows), {}, {}), reader.figure_wall_times("paper", []))
        assert q["exponent-upper-T3-project"].endswith(", two sizes: no interval")
        assert q["exponent-T2-project"] == reader.NOT_MEASURED

    def test_table_defaults_to_the_largest_size(self):
        rows = [dict(task="T1", implementation="project", role="project", n=n, n_terms=0,
                     seconds=1e-3 * n, cpu_seconds=1e-3 * n) for n in (6, 8)]
        t = reader.table(_timings(rows), "T1")
        assert t.index.get_level_values("n").tolist() == [8]
        assert reader.table(reader.empty_timings(), "T1").empty

    def test_figure_wall_times_read_the_manifests(self, tmp_path):
        df = pd.DataFrame({"x": [1.0]})
        store.save("ch-a", "paper", "table-one", df, {"seed": 1}, 12.5, root=tmp_path)
        store.save("ch-a", "paper", "results", df, {"seed": 1}, 0.0, root=tmp_path)
        store.save("ch-b", "paper", "table-two", df, {"seed": 1}, 7.5, root=tmp_path)
        walls = reader.figure_wall_times("paper", ["ch-a", "ch-b", "ch-missing"], root=tmp_path)
        assert walls[["chapter", "experiment"]].values.tolist() == [["ch-a", "table-one"], ["ch-b", "table-two"]]
        np.testing.assert_allclose(walls["wall_time_s"], [12.5, 7.5])
        q = reader.quoted(PARAMS, None, walls)
        assert q["figures-total-min"] == "0.3" and q["figures-verdict"] == "within the target"
        today = walls["date_utc"].iloc[0][:10]
        assert q["figures-dates"] == f"all on {today}"
        walls.loc[1, "date_utc"] = "2020-01-02T00:00:00+00:00"
        assert reader.quoted(PARAMS, None, walls)["figures-dates"] == f"between 2020-01-02 and {today}"

    @pytest.mark.parametrize("load, state", [("0.05 0.80 1.20", "idle"), ("0.65 1.03 0.60", "not idle")])
    def test_machine_state_reads_the_one_minute_load_before_the_run(self, load, state):
        results = reader.Results(reader.empty_timings(), {"load_before": load}, {})
        assert reader.quoted(PARAMS, results, reader.figure_wall_times("paper", []))["machine-state"] == state
        assert reader.quoted(PARAMS, None, reader.figure_wall_times("paper", []))["machine-state"] == reader.NOT_MEASURED

    def test_nothing_measured_reads_not_measured(self):
        q = reader.quoted({"scale": "quick"}, None, reader.figure_wall_times("paper", []), "paper")
        assert q["t2-x-lightning-adjoint-7"] == reader.NOT_MEASURED
        assert q["exponent-T2-project"] == reader.NOT_MEASURED
        assert (q["scale"], q["results-scale"]) == ("quick", "paper")
        assert "python -m benchmarks --scale quick" in reader.missing_note(None, "quick")
        assert reader.missing_note(reader.Results(reader.empty_timings(), {}, {}), "quick") == ""


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """The suite at scale quick, the project's own implementations only, saved to a data root."""
    root = tmp_path_factory.mktemp("bench")
    data = root / "data"
    timings, env, params, wall = suite.run("quick", only=["project-single", "finite-differences"],
                                           log=lambda *a: None)
    suite.save("quick", timings, env, params, wall, root=data)
    return root, data, timings


class TestShownRun:
    def _save(self, root, scale):
        rows = [dict(task="T1", implementation="project", role="project", n=n, n_terms=0,
                     seconds=1e-3 * n, cpu_seconds=1e-3 * n) for n in (6, 8)]
        params = {"chapter": "benchmarks", "scale": scale}
        store.save(reader.CHAPTER, scale, reader.TIMINGS, _timings(rows)[list(reader.TIMING_COLUMNS)],
                   params, 1.0, root=root)
        store.save(reader.CHAPTER, scale, reader.ENVIRONMENT,
                   pd.DataFrame({"key": ["cores"], "value": ["2"]}), params, 0.0, root=root)

    def test_falls_back_to_paper(self, tmp_path):
        assert reader.load_shown("quick", root=tmp_path) == ("paper", None)
        assert reader.load_shown("paper", root=tmp_path) == ("paper", None)
        self._save(tmp_path, "paper")
        scale, results = reader.load_shown("quick", root=tmp_path)
        assert scale == "paper" and results.environment == {"cores": "2"}
        assert reader.scale_note(results, "quick", scale).startswith("There is no benchmark run at scale `quick`")
        self._save(tmp_path, "quick")
        scale, results = reader.load_shown("quick", root=tmp_path)
        assert scale == "quick"
        assert reader.scale_note(results, "quick", scale) == ("This page shows the `quick`-scale run, "
                                                              "`data/benchmarks/quick/`.")
        assert "python -m benchmarks --scale quick" in reader.scale_note(None, "quick", "paper")

    def test_a_fallback_figure_is_not_saved(self, tmp_path, monkeypatch):
        import matplotlib.pyplot as plt

        from plateaus.chapter import Chapter
        from plateaus.figures import benchmarks as figures

        monkeypatch.setenv("PLATEAUS_DATA", str(tmp_path))
        self._save(tmp_path, "paper")
        ch = Chapter("benchmarks", "quick")
        results_scale, results = reader.load_shown("quick")
        fig = figures.time_per_instance(reader.timings_of(results))
        assert figures.show(ch, fig, "time-per-instance", results_scale, results) is fig
        assert not plt.fignum_exists(fig.number)
        assert not (tmp_path / "benchmarks" / "quick").exists()
        assert reader.TIMINGS not in store.manifest("benchmarks", "quick").get("experiments", {})
        assert figures.provenance("time-per-instance", results_scale, None) is None


class TestQuickRun:
    def test_saved_and_read_back(self, quick_run):
        _, data, timings = quick_run
        results = reader.load("quick", root=data)
        assert results is not None
        assert set(results.timings.task) == {"T1", "T2", "T2-forward", "T3"}
        assert (results.timings.status == "ok").all()
        assert (results.timings.cpu_seconds > 0).all()
        assert results.environment["ratio_measure"] == "cpu_seconds"
        assert "version:numpy" in results.environment
        pd.testing.assert_frame_equal(results.timings[list(reader.TIMING_COLUMNS)],
                                      timings[list(reader.TIMING_COLUMNS)], check_dtype=False)

    def test_nothing_saved_means_none(self, tmp_path):
        assert reader.load("quick", root=tmp_path) is None

    def test_the_page_executes_on_the_saved_results(self, quick_run):
        from book_fixture import copy_book
        from plateaus import runner

        root, data, _ = quick_run
        copy_book(root)
        runner.execute_chapter("benchmarks", "quick", root=root, data_dir=data)
        import nbformat

        nb = nbformat.read(root / runner.STAGING / "benchmarks.ipynb", as_version=4)
        text = "\n".join(str(o.get("data", {}).get("text/plain", "")) for c in nb.cells
                         if c.cell_type == "code" for o in c.get("outputs", []))
        assert "plateaus, batched" in text  # the T1 table
        figures = store.manifest("benchmarks", "quick", data)["experiments"]["timings"]["figures"]
        assert {f["name"] for f in figures} == {"time-per-instance", "cost-growth"}
