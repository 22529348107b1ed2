"""Chapter *Unitary plateau*: the experiment, its objectives and statistics, and an independent
oracle (PennyLane) for the exact gradient of one instance."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from scipy.stats import unitary_group

from plateaus.experiments import unitary_plateau as ex
from plateaus.figures import unitary_plateau as fg
from plateaus.models import UnitaryQNN
from plateaus.objectives import Fidelity, Observable
from plateaus.params import chapter_params
from plateaus.parallel import spawn_seeds
from plateaus.terms import pauli_matrix, two_local_terms


@pytest.fixture(scope="module")
def target():
    return ex.thermal_target(2021, 3, 0.01, 1.0)


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """The three tables at quick scale, computed once into a scratch data directory."""
    root = tmp_path_factory.mktemp("data")
    mp = pytest.MonkeyPatch()
    mp.setenv("PLATEAUS_DATA", str(root))
    params = chapter_params("unitary-plateau", "quick")
    tables = {
        "params": params,
        "gradients": ex.gradients(params),
        "fd": ex.finite_differences(params),
        "targets": ex.target_draws(params),
        "more": ex.added_tables(params),
    }
    yield tables
    mp.undo()


def _random_state(dim, rank, rng):
    a = rng.normal(size=(dim, rank)) + 1j * rng.normal(size=(dim, rank))
    rho = a @ a.conj().T
    return rho / np.trace(rho).real


class TestThermalTarget:
    """The function itself is tested in test_models.py; here, that the chapter uses it."""

    def test_is_the_one_of_the_models_module(self, target):
        from plateaus import models

        assert ex.thermal_target is models.thermal_target
        assert_allclose(target, models.thermal_target(2021, 3, 0.01, 1.0, draw=0), atol=0)


class TestRootFidelity:
    @pytest.mark.parametrize("rank", [1, 3, 8])
    def test_value_is_the_square_root_of_the_fidelity(self, target, rank):
        rho = _random_state(8, rank, np.random.default_rng(rank))
        assert_allclose(ex.RootFidelity(target).value(rho) ** 2, Fidelity(target).value(rho), rtol=1e-12)

    def test_is_qutips_fidelity(self, target):
        """The chapter's claim: QuTiP's ``fidelity`` is the root fidelity."""
        qutip = pytest.importorskip("qutip")
        rho = _random_state(8, 3, np.random.default_rng(4))
        assert_allclose(ex.RootFidelity(target).value(rho),
                        qutip.fidelity(qutip.Qobj(rho), qutip.Qobj(target)), rtol=1e-8)

    def test_derivative_against_central_differences(self):
        """Well-conditioned states (eigenvalues >= 1/16): near-zero eigenvalues would make the
        finite differences, not the derivative, the inexact side."""
        rng = np.random.default_rng(3)
        target, rho = (0.5 * _random_state(8, 8, rng) + 0.5 * np.eye(8) / 8 for _ in range(2))
        d = rng.normal(size=(8, 8)) + 1j * rng.normal(size=(8, 8))
        d = d + d.conj().T
        d -= np.trace(d) / 8 * np.eye(8)
        obj, h = ex.RootFidelity(target), 1e-6
        fd = (obj.value(rho + h * d) - obj.value(rho - h * d)) / (2 * h)
        analytic = np.real(np.trace(obj.derivative(rho) @ d))
        assert_allclose(analytic, fd, rtol=1e-7)

    def test_make_objective_rejects_unknown_names(self, target):
        with pytest.raises(ValueError, match="objective = 'trace-distance'"):
            ex.make_objective("trace-distance", target, "ZII")


class TestTermClasses:
    """The classification is tested in test_core.py; here, its names at the table boundary."""

    def test_the_chapter_uses_the_one_classification(self):
        from plateaus import terms

        assert ex.term_classes is terms.term_classes
        assert ex.CLASSES == terms.TERM_CLASSES == ("visible", "across", "hidden")

    def test_stored_table_keeps_its_class_names(self):
        """The committed tables name the class ``across`` ``cut``; only the store sees that."""
        s = ex.gradient_summary(np.array([[0.1, 0.5, 0.2]]), np.array(["visible", "across", "hidden"]))
        df = pd.DataFrame({c: [0] for c in ex.GRADIENT_COLUMNS}).assign(
            **{k: v for k, v in s.items() if k in ex.GRADIENT_COLUMNS})
        stored = ex._to_table(df)
        assert tuple(stored.columns) == ex.STORED_GRADIENT_COLUMNS
        assert {"rms_cut", "inf_cut"} <= set(stored.columns) and "inf_across" not in stored.columns
        assert list(stored["max_class"]) == ["cut"]
        back = ex._from_table(stored)
        pd.testing.assert_frame_equal(back, df)


class TestGradientSummary:
    def test_class_split_sums_to_the_whole(self):
        rng = np.random.default_rng(0)
        classes = ex.term_classes(two_local_terms(5), 3)
        grad = rng.normal(size=(7, classes.size))
        s = ex.gradient_summary(grad, classes)
        counts = {c: (classes == c).sum() for c in ex.CLASSES}
        total = sum(counts[c] * s[f"rms_{c}"] ** 2 for c in ex.CLASSES)
        assert_allclose(total, classes.size * s["rms"] ** 2, rtol=1e-13)
        assert_allclose(s["inf_norm"], np.abs(grad).max(axis=1), rtol=0)
        for b in range(7):
            assert np.abs(grad[b, classes == s["max_class"][b]]).max() == s["inf_norm"][b]


    def test_positions_invert_the_order(self):
        rng = np.random.default_rng(2)
        order = np.stack([rng.permutation(9) for _ in range(4)])
        pos = ex.positions(order, 9, 4)
        for b in range(4):
            assert (order[b, pos[b]] == np.arange(9)).all()
        assert (ex.positions(None, 9, 4) == np.arange(9)).all()

    def test_position_and_class_split_cover_the_largest_entry(self):
        rng = np.random.default_rng(1)
        classes = ex.term_classes(two_local_terms(5), 3)
        K = classes.size
        grad = rng.normal(size=(6, K))
        order = np.stack([rng.permutation(K) for _ in range(6)])
        s = ex.gradient_summary(grad, classes, ex.positions(order, K, 6))
        quarters = np.stack([s[f"inf_q{q}"] for q in range(1, 5)], axis=1)
        by_class = np.stack([s[f"inf_{c}"] for c in ex.CLASSES], axis=1)
        assert_allclose(quarters.max(axis=1), s["inf_norm"], rtol=0)
        assert_allclose(by_class.max(axis=1), s["inf_norm"], rtol=0)
        for b in range(6):
            step = int(np.flatnonzero(order[b] == np.argmax(np.abs(grad[b])))[0])
            assert s["max_position"][b] == step / (K - 1)
            # the last quarter of the product: the gates applied at steps >= 3K/4
            last = order[b, np.arange(K) * 4 // K == 3]
            assert s["inf_q4"][b] == np.abs(grad[b, last]).max()

    def test_gates_after_the_last_visible_gate_have_zero_gradient(self):
        """In Eq. (11) order the hidden-only pairs come last; they commute past rho_v."""
        qnn = UnitaryQNN(1, 3)
        classes = ex.term_classes(qnn.terms, 1)
        theta = np.random.default_rng(0).normal(size=(2, qnn.n_params))
        grad = qnn.gradient(theta, Observable(pauli_matrix("Z")))
        last_visible = max(k for k, c in enumerate(classes) if c != "hidden")
        assert last_visible < qnn.n_params - 1
        assert_allclose(grad[:, last_visible + 1:], 0.0, atol=1e-14)
        assert np.abs(grad[:, : last_visible + 1]).max() > 0.1


class TestGradientsTable:
    def test_shape_and_columns(self, quick):
        df, p = quick["gradients"], quick["params"]
        per_cell = p["instances"] * len(p["n_hidden_beyond"])
        assert len(df) == per_cell * len(p["models"]) * len(p["objectives"])
        assert df.groupby(["model", "objective", "n_hidden"]).size().eq(p["instances"]).all()
        assert set(df["max_class"]) <= set(ex.CLASSES)
        assert tuple(df.columns) == ex.GRADIENT_COLUMNS
        # on disk the class ``across`` keeps the committed tables' name ``cut``
        from plateaus import store

        stored, _ = store.load(ex.CHAPTER, "quick", ex.EXPERIMENT)
        assert tuple(stored.columns) == ex.STORED_GRADIENT_COLUMNS
        assert set(stored["max_class"]) <= {"visible", "cut", "hidden"}
        assert_allclose(stored["inf_cut"], df["inf_across"], rtol=0)
        assert ((df["max_position"] >= 0) & (df["max_position"] <= 1)).all()
        n_v = p["n_visible"]
        assert (df["entropy_v"] >= 0).all() and (df["entropy_v"] <= n_v * np.log(2) + 1e-12).all()
        # the entropy belongs to the state: equal in every objective's rows
        assert (df.groupby(["model", "n_hidden", "instance"])["entropy_v"].nunique() == 1).all()

    def test_does_not_depend_on_the_number_of_processes(self, quick, tmp_path, monkeypatch):
        params = {**quick["params"], "n_hidden": [1, 3], "n_hidden_beyond": [1, 3], "instances": 12,
                  "chunk_size": 5}
        tables = []
        for jobs in ("1", "2"):
            monkeypatch.setenv("PLATEAUS_DATA", str(tmp_path / jobs))
            monkeypatch.setenv("PLATEAUS_N_JOBS", jobs)
            tables.append(ex.gradients(params))
        pd.testing.assert_frame_equal(tables[0], tables[1], check_exact=True)

    def test_rows_match_a_direct_computation(self, quick, target):
        """Chunked, batched table rows equal one instance computed alone from its seed."""
        df, p = quick["gradients"], quick["params"]
        n_hidden, instance = 2, p["instances"] - 1
        seed = spawn_seeds([p["seed"], 1, n_hidden], p["instances"])[instance]
        qnn = UnitaryQNN(3, n_hidden)
        theta, order = qnn.sample_instances([seed], theta_std=p["theta_std"], order="random")
        objectives = {"fidelity": Fidelity(target), "observable": Observable(pauli_matrix("ZII"))}
        for model, o in (("unitary", None), ("unitary-random-order", order[0])):
            for name, obj in objectives.items():
                g = qnn.gradient(theta[0], obj, order=o)
                row = df[(df.model == model) & (df.objective == name) & (df.n_hidden == n_hidden)
                         & (df.instance == instance)].iloc[0]
                assert_allclose(row["inf_norm"], np.abs(g).max(), rtol=1e-12)
                assert_allclose(row["rms"], np.sqrt(np.mean(g**2)), rtol=1e-12)
                assert_allclose(row["value"], obj.value(qnn.reduced_state(theta[0], order=o)), rtol=1e-12)
                rho_v = qnn.reduced_state(theta[0], order=o)
                w = np.linalg.eigvalsh(rho_v)
                w = w[w > 1e-15]
                assert_allclose(row["entropy_v"], -np.sum(w * np.log(w)), atol=1e-12)
                steps = np.arange(qnn.n_params) if o is None else np.argsort(o)
                assert_allclose(row["max_position"], steps[np.argmax(np.abs(g))] / (qnn.n_params - 1))

    def test_target_draw_zero_is_the_chapter_target(self, quick):
        td, df = quick["targets"], quick["gradients"]
        stats = ex.ensemble_stats(df)
        for name in ("fidelity", "root-fidelity"):
            ours = td[(td.draw == 0) & (td.objective == name)].sort_values("n_hidden")["mean"].to_numpy()
            ref = stats[(stats.model == "unitary-random-order") & (stats.objective == name)
                        & stats.n_hidden.isin(quick["params"]["n_hidden"])]["mean"].to_numpy()
            assert_allclose(ours, ref, rtol=1e-12)

    def test_bad_parameters_are_rejected_before_work(self):
        p = chapter_params("unitary-plateau", "quick")
        with pytest.raises(ValueError, match="n_hidden_beyond"):
            ex.gradients({**p, "n_hidden": [1, 5]})
        with pytest.raises(ValueError, match="visible_observable"):
            ex.gradients({**p, "n_visible": 2})


class TestFiniteDifferences:
    def test_observable_error_is_the_trigonometric_closed_form(self, quick):
        r"""For Tr(O rho_v), F(theta_k) = a + b cos 2theta_k + c sin 2theta_k, so the central
        difference is exactly g sin(2h)/(2h): relative error 1 - sin(2h)/(2h) in every entry."""
        fd = quick["fd"]
        obs = fd[(fd.objective == "observable") & (fd.step >= 1e-3)]
        h = obs["step"].to_numpy()
        assert_allclose(obs["rel_error"], 1 - np.sin(2 * h) / (2 * h), rtol=1e-6)

    def test_converges_to_the_exact_gradient(self, quick):
        fd = quick["fd"]
        best = fd.groupby(["objective", "n_hidden", "instance"])["rel_error"].min()
        assert (best < 1e-8).all()
        large = fd[fd.step == fd.step.max()]
        assert (large["rel_error"] > 1e-3).all()  # a step of 0.1 is visibly biased

    def test_batched_differences_equal_the_models_method(self, target):
        qnn = UnitaryQNN(3, 1)
        rng = np.random.default_rng(1)
        theta = rng.normal(size=(2, qnn.n_params))
        order = qnn.random_orders(2, rng)
        obj = Fidelity(target)
        ours = ex.central_differences(qnn, theta, {"f": obj}, order, 1e-4)["f"]
        ref = qnn.gradient(theta, obj, method="finite-difference", order=order, step=1e-4)
        assert_allclose(ours, ref, rtol=0, atol=1e-12)


def _weighted_log2_line(x, values, se):
    """Independent weighted least squares of log2 values (numpy.polyfit with w = 1/sigma)."""
    y = np.log2(values)
    sigma = np.asarray(se) / (np.asarray(values) * np.log(2))
    coef = np.polyfit(x, y, 1, w=1 / sigma)
    chi2 = np.sum(((y - np.polyval(coef, x)) / sigma) ** 2)
    return coef[0], chi2 / (len(x) - 2)


def _synthetic(slopes, sizes=(1, 2, 3, 4), n=400, seed=0, noise=0.3):
    """Instances whose mean of ``inf_norm`` falls like 2**(slope * n_h), per (model, objective)."""
    rng = np.random.default_rng(seed)
    frames = []
    for (model, objective), slope in slopes.items():
        for m in sizes:
            v = 2.0 ** (slope * m) * rng.lognormal(0.0, noise, n) / np.exp(noise**2 / 2)
            frames.append(pd.DataFrame({"model": model, "objective": objective, "n_hidden": m,
                                        "instance": np.arange(n), "inf_norm": v, "rms": v / 3}))
    return pd.concat(frames, ignore_index=True)


class TestStatistics:
    def test_ensemble_stats_are_the_hand_computed_moments(self, quick):
        df = quick["gradients"]
        st = ex.ensemble_stats(df)
        sel = (df.model == "unitary") & (df.objective == "observable") & (df.n_hidden == 3)
        v = df.loc[sel, "inf_norm"].to_numpy()
        row = st[(st.model == "unitary") & (st.objective == "observable") & (st.n_hidden == 3)].iloc[0]
        assert row["n"] == v.size
        assert_allclose([row["mean"], row["se"], row["var"]],
                        [v.mean(), v.std(ddof=1) / np.sqrt(v.size), v.var(ddof=1)], rtol=1e-12)
        m4 = np.mean((v - v.mean()) ** 4)
        s2 = v.var(ddof=1)
        assert_allclose(row["var_se"], np.sqrt((m4 - (v.size - 3) / (v.size - 1) * s2**2) / v.size), rtol=1e-12)

    def test_norm_fits_are_weighted_lines_of_log2(self, quick):
        df, p = quick["gradients"], quick["params"]
        for stat, se in (("mean", "se"), ("var", "var_se")):
            fits = ex.norm_fits(df, stat, p["n_hidden"])
            st = ex.ensemble_stats(df)
            for row in fits.itertuples():
                g = st[(st.model == row.model) & (st.objective == row.objective)
                       & st.n_hidden.isin(p["n_hidden"])]
                slope, chi2_dof = _weighted_log2_line(g["n_hidden"], g[stat], g[se])
                assert_allclose(row.slope_log2, slope, rtol=1e-9)
                assert_allclose(row.chi2_dof, chi2_dof, rtol=1e-9)
                assert_allclose(row.slope_ln, slope * np.log(2), rtol=1e-9)
                assert row.low_log2 < row.slope_log2 < row.high_log2
                assert row.dof == len(p["n_hidden"]) - 2

    def test_bootstrap_steps_centre_on_the_data_and_are_seeded(self):
        df = _synthetic({("m", "o"): -0.4, ("m", "p"): -0.2})
        steps = ex.bootstrap_steps(df, ["model", "objective"], "inf_norm", seed=7)
        means = df.groupby(["objective", "n_hidden"])["inf_norm"].mean()
        for objective in ("o", "p"):
            s = steps[steps.objective == objective]
            assert_allclose(s["step"], np.diff(np.log2(means[objective].to_numpy())), rtol=1e-12)
            assert (s["low"] < s["step"]).all() and (s["step"] < s["high"]).all()
            assert list(s["x_from"]) == [1, 2, 3] and list(s["x_to"]) == [2, 3, 4]
        assert abs(steps[steps.objective == "o"]["step"].mean() + 0.4) < 0.05
        again = ex.bootstrap_steps(df, ["model", "objective"], "inf_norm", seed=7)
        pd.testing.assert_frame_equal(steps, again)
        other = ex.bootstrap_steps(df, ["model", "objective"], "inf_norm", seed=8)
        assert not np.allclose(steps["low"], other["low"])

    def test_bootstrap_steps_of_an_rms(self):
        df = _synthetic({("m", "o"): -0.5})
        steps = ex.bootstrap_steps(df, ["model"], "rms", seed=1, power=2)
        rms = df.groupby("n_hidden")["rms"].apply(lambda x: np.sqrt(np.mean(x**2)))
        assert_allclose(steps["step"], np.diff(np.log2(rms.to_numpy())), rtol=1e-12)
        sizes = ex.bootstrap_steps(df, ["model"], "rms", seed=1, power=2, sizes=[2, 3])
        assert len(sizes) == 1 and sizes["x_from"].iloc[0] == 2

    def test_bootstrap_steps_of_a_variance(self):
        df = _synthetic({("m", "o"): -0.5})
        steps = ex.bootstrap_steps(df, ["model"], "inf_norm", seed=1, statistic="var")
        var = df.groupby("n_hidden")["inf_norm"].var()
        assert_allclose(steps["step"], np.diff(np.log2(var.to_numpy())), rtol=1e-12)

    def test_class_stats_rms_and_its_delta_method_error(self, quick):
        df = quick["gradients"]
        cs = ex.class_stats(df)
        assert set(cs["cls"]) == {"all", *ex.CLASSES}
        sel = (df.model == "unitary") & (df.objective == "fidelity") & (df.n_hidden == 1)
        for col, cls in (("rms", "all"), ("rms_across", "across")):
            x2 = df.loc[sel, col].to_numpy() ** 2
            got = cs[(cs.model == "unitary") & (cs.objective == "fidelity") & (cs.n_hidden == 1)
                     & (cs.cls == cls)].iloc[0]
            assert_allclose(got["rms"], np.sqrt(x2.mean()), rtol=1e-12)
            assert_allclose(got["se"], x2.std(ddof=1) / np.sqrt(x2.size) / (2 * np.sqrt(x2.mean())), rtol=1e-12)

    def test_class_fits_weight_by_the_rms_errors(self, quick):
        cs = ex.class_stats(quick["gradients"])
        fits = ex.class_fits(cs, [1, 2, 3])
        row = fits[(fits.model == "unitary-random-order") & (fits.objective == "observable")
                   & (fits.cls == "all")].iloc[0]
        g = cs[(cs.model == "unitary-random-order") & (cs.objective == "observable") & (cs.cls == "all")
               & cs.n_hidden.isin([1, 2, 3])]
        slope, chi2_dof = _weighted_log2_line(g["n_hidden"], g["rms"], g["se"])
        assert_allclose([row["slope_log2"], row["chi2_dof"]], [slope, chi2_dof], rtol=1e-9)
        assert row["sizes"] == "1..3"

    def test_split_stats_are_the_ensemble_means_of_each_part(self, quick):
        df = quick["gradients"]
        ss = ex.split_stats(df)
        assert set(ss["part"]) == set(ex.PARTS)
        sel = (df.model == "unitary-random-order") & (df.objective == "observable") & (df.n_hidden == 2)
        for part in ex.PARTS:
            got = ss[(ss.model == "unitary-random-order") & (ss.objective == "observable")
                     & (ss.n_hidden == 2) & (ss.part == part)]
            assert_allclose(got["mean"].iloc[0], df.loc[sel, part].mean(), rtol=1e-12)
            assert_allclose(got["se"].iloc[0], df.loc[sel, part].sem(), rtol=1e-12)

    def test_split_fits_skip_a_vanishing_part(self):
        n = np.arange(1, 5)
        rows = [pd.DataFrame({"model": m, "objective": "o", "n_hidden": n, "part": part,
                              "mean": mean, "se": 0.01 * mean})
                for m, part, mean in (("a", "inf_q1", 2.0 ** (-0.3 * n)),
                                      ("a", "inf_q4", np.where(n < 4, 0.2, 1e-17)),
                                      ("b", "inf_q4", 2.0 ** (-0.5 * n)))]
        fits = ex.split_fits(pd.concat(rows), n)
        assert set(zip(fits.model, fits.part)) == {("a", "inf_q1"), ("b", "inf_q4")}
        assert_allclose(fits.set_index("part").loc["inf_q1", "slope_log2"], -0.3, rtol=1e-12)
        # an exact exponential: chi^2 = 0, and the line is not rejected
        assert_allclose(fits["chi2_dof"], 0.0, atol=1e-20)
        assert not fits["rejected"].any()
        # over the sizes where the part does not vanish it has a line again
        assert len(ex.split_fits(pd.concat(rows), [1, 2, 3])) == 3

    def test_entropy_stats_and_pages_value(self, quick):
        """The random-order state is Haar-like: its mean visible entropy is Page's within noise,
        while the Eq. (11) order stays below it (measured at paper scale: 1.4 vs 3.0 bits)."""
        es = ex.entropy_stats(quick["gradients"]).set_index(["model", "n_hidden"])
        assert (es["n"] == quick["params"]["instances"]).all()
        page = ex.page_curve(quick["params"]).set_index("n_hidden")["entropy"]
        for n_hidden in (3, 4):
            rnd = es.loc[("unitary-random-order", n_hidden)]
            assert abs(rnd["mean"] - page[n_hidden]) < 4 * rnd["se"] + 0.02
            assert es.loc[("unitary", n_hidden), "mean"] < page[n_hidden] - 0.3

    def test_largest_holders_are_fractions_of_instances(self, quick):
        df = quick["gradients"]
        h = ex.largest_holders(df, 3)
        assert_allclose(h.sum(axis=1), 1.0, rtol=1e-12)
        sel = (df.model == "unitary") & (df.objective == "fidelity") & (df.n_hidden == 3)
        assert_allclose(h.loc[("unitary", "fidelity"), "across"],
                        np.mean(df.loc[sel, "max_class"] == "across"), rtol=1e-12)

    def test_draw_fits_and_their_spread(self):
        n = np.arange(1, 5)
        td = pd.concat([pd.DataFrame({"draw": d, "objective": "fidelity", "n_hidden": n,
                                      "mean": 2.0 ** (s * n), "sem": 0.01 * 2.0 ** (s * n)})
                        for d, s in enumerate((-0.3, -0.4, -0.5))])
        fits = ex.draw_fits(td)
        assert_allclose(fits["slope_log2"], [-0.3, -0.4, -0.5], rtol=1e-12)
        spread = ex.draw_spread(fits).loc["fidelity"]
        assert_allclose([spread["mean"], spread["std"], spread["min"], spread["max"]],
                        [-0.4, 0.1, -0.5, -0.3], rtol=1e-12)
        assert spread["rejected"] == 0 and spread["draws"] == 3
        assert fg.draws_table(ex.draw_spread(fits)).loc["F (Uhlmann)", "lines rejected"] == "0 of 3"
        # one draw (-0.5) at least as steep as -0.441; with none, the bound is 1 - 0.05^(1/n)
        assert spread["as_steep"] == 1
        assert_allclose(spread["z_paper"], (-0.4 + 0.441) / 0.1, rtol=1e-12)
        none = ex.draw_spread(fits, paper_slope=-0.6).loc["fidelity"]
        assert none["as_steep"] == 0
        assert_allclose(none["as_steep_upper"], 1 - 0.05 ** (1 / 3), rtol=1e-9)
        full = ex.draw_spread(fits, ex.draw_steps(td), band=0.05)
        row = full.loc["fidelity"]
        assert_allclose([row["first_mean"], row["first_min"], row["first_max"]], [-0.4, -0.5, -0.3], rtol=1e-12)
        assert row["straight"] == 1  # only the draw at -0.4 stays within 0.05 of -0.441 at every step
        assert fg.draws_table(full).loc["F (Uhlmann)", "first step: mean (range)"] == "-0.400 (-0.500 to -0.300)"


class TestTermStructure:
    def test_counts_and_shares_of_the_eq11_order(self):
        """n_v = 3, n_h = 4: 210 terms; 36 visible-only, 108 across, 66 hidden-only; the last
        visible-only term is the pair (1, 2), index 83; the 54 hidden pairs close the list."""
        s = ex.term_structure(3, 4)
        assert (s["terms"], s["visible_terms"], s["hidden_terms"]) == (210, 36, 66)
        assert_allclose(s["across_share"], 100 * 108 / 210)
        assert_allclose(s["visible_last_share"], 100 * 84 / 210)
        assert_allclose(s["after_last_visible"], 100 * 54 / 210)
        assert s["unscrambled_count"] == 3 + 9 * 3
        assert_allclose(s["unscrambled_share"], 100 * 30 / 210)

    def test_unscrambled_terms_touch_the_last_qubit_and_the_visible_side(self):
        labels = two_local_terms(4)
        mask = ex.unscrambled_terms(labels, 2)
        chosen = {label for label, m in zip(labels, mask) if m}
        assert "IIIX" in chosen and "XIIY" in chosen and "IXIZ" in chosen
        assert "IIXY" not in chosen and "XYII" not in chosen
        assert len(chosen) == 3 + 9 * 2

    def test_unscrambled_holders(self):
        """Eq. (11) order: the step of a gate is its term's index."""
        labels = two_local_terms(4)
        k = len(labels) - 1
        mask = ex.unscrambled_terms(labels, 2)
        held = [int(np.flatnonzero(mask)[0]), int(np.flatnonzero(~mask)[0]), int(np.flatnonzero(mask)[-1])]
        df = pd.DataFrame({"model": "unitary", "n_hidden": 2, "objective": ["a", "a", "b"],
                           "max_position": np.array(held) / k})
        got = ex.unscrambled_holders(df, 2, 2)
        assert_allclose(got["a"], 0.5) and assert_allclose(got["b"], 1.0)


@pytest.fixture(scope="module")
def numbers(quick):
    return ex.quoted(quick["params"], quick["gradients"], quick["fd"], quick["targets"], more=quick["more"])


class TestQuoted:
    def test_slopes_against_an_independent_fit(self, quick, numbers):
        df, p = quick["gradients"], quick["params"]
        sel = (df.model == "unitary-random-order") & (df.objective == "root-fidelity") & df.n_hidden.isin(p["n_hidden"])
        g = df[sel].groupby("n_hidden")["inf_norm"]
        x, mean, se = np.array(p["n_hidden"]), g.mean().to_numpy(), g.sem().to_numpy()
        slope, chi2_dof = _weighted_log2_line(x, mean, se)
        key = "mean_random_root-fidelity"
        assert_allclose(numbers[f"{key}_slope_log2"], slope, rtol=1e-9)
        assert_allclose(numbers[f"{key}_chi2_dof"], chi2_dof, rtol=1e-9)
        assert_allclose(numbers[f"{key}_slope_ln"], slope * np.log(2), rtol=1e-9)
        # the t interval: half-width t_{0.975, n-2} * se, se = sqrt(chi2/dof / S_xx) of the log2 points
        w = (mean * np.log(2) / se) ** 2
        sxx = np.sum(w * (x - np.sum(w * x) / np.sum(w)) ** 2)
        # the points' errors set the scale unless the scatter exceeds them (chi^2/dof > 1)
        half = stats.t.ppf(0.975, len(x) - 2) * np.sqrt(max(1.0, chi2_dof) / sxx)
        assert_allclose(numbers[f"{key}_high_log2"] - numbers[f"{key}_low_log2"], 2 * half, rtol=1e-9)
        t = (slope - ex.PAPER_SLOPE) / np.sqrt(max(1.0, chi2_dof) / sxx)
        assert_allclose(numbers[f"{key}_t_paper"], t, rtol=1e-9)
        assert_allclose(numbers[f"{key}_p_paper"], 2 * stats.t.sf(abs(t), len(x) - 2), rtol=1e-9)
        assert_allclose(numbers[f"{key}_step_first"], np.log2(mean[1] / mean[0]), rtol=1e-12)
        assert numbers[f"{key}_step_first_low"] < numbers[f"{key}_step_first"] < numbers[f"{key}_step_first_high"]
        assert_allclose(numbers[f"{key}_step_last"], np.log2(mean[-1] / mean[-2]), rtol=1e-12)
        assert numbers[f"{key}_step_last_text"] == "{:.3f} [{:.3f}, {:.3f}]".format(
            *(numbers[f"{key}_step_last{e}"] for e in ("", "_low", "_high")))
        # beyond the paper: the last step over every size
        top = df[(df.model == "unitary-random-order") & (df.objective == "root-fidelity")].groupby("n_hidden")["inf_norm"].mean()
        assert_allclose(numbers[f"beyond_{key}_step_last"], np.log2(top.iloc[-1] / top.iloc[-2]), rtol=1e-12)
        # the steps against the paper's band: the distance of each step's interval from it
        band = ex.paper_step_band()
        steps = [(numbers[f"{key}_step_{w}_low"], numbers[f"{key}_step_{w}_high"]) for w in ("first", "last")]
        misses = [max(0.0, lo - (ex.PAPER_SLOPE + band), (ex.PAPER_SLOPE - band) - hi) for lo, hi in steps]
        assert numbers[f"{key}_band_miss"] >= max(misses) - 1e-15
        assert (numbers[f"{key}_band_missed"] > 0) == (numbers[f"{key}_band_miss"] > 0)
        assert numbers[f"{key}_verdict"] == ("rejected" if numbers[f"{key}_p_line"] < 0.01 else "not rejected")
        assert numbers[f"{key}_paper_verdict"] == ("consistent with" if numbers[f"{key}_p_paper"] >= 0.05
                                                   else "not consistent with")
        assert_allclose(numbers["random_root-fidelity_first_log2"], np.log2(mean[0]), rtol=1e-12)
        assert numbers[f"{key}_fit"].startswith(f"{slope:.3f} [")

    def test_plain_numbers_against_the_tables(self, quick, numbers):
        df, p = quick["gradients"], quick["params"]
        top, last = max(p["n_hidden_beyond"]), max(p["n_hidden"])
        one = df[(df.objective == "fidelity") & (df.model == "unitary-random-order")]
        assert_allclose(numbers["entropy_random_last"], one[one.n_hidden == top]["entropy_v"].mean() / np.log(2))
        assert_allclose(numbers["deficit_random_last"], 3 - numbers["entropy_random_last"])
        from plateaus.haar import page_entropy

        assert_allclose(numbers["entropy_page_paper"], page_entropy(8, 2**last) / np.log(2))
        assert (numbers["first_nh"], numbers["last_nh"], numbers["beyond_nh"]) == (1, last, top)
        assert_allclose(sum(numbers[f"holder_random_fidelity_{c}"] for c in ex.CLASSES), 100.0)
        assert_allclose(numbers["paper_step_band"], 0.003 * np.sqrt(18), rtol=1e-12)
        assert_allclose(numbers["t_quantile"], stats.t.ppf(0.975, len(p["n_hidden"]) - 2))
        dr = quick["targets"]
        fits = ex.draw_fits(dr)
        assert_allclose(numbers["draws_fidelity_max"], fits[fits.objective == "fidelity"]["slope_log2"].max())
        slopes = fits.set_index(["objective", "draw"])["slope_log2"]
        for name in ("fidelity", "root-fidelity"):
            assert numbers[f"draws_{name}_as_steep"] == int((slopes[name] <= ex.PAPER_SLOPE).sum())
            assert_allclose(numbers[f"draws_{name}_z_paper"],
                            (slopes[name].mean() - ex.PAPER_SLOPE) / slopes[name].std(ddof=1), rtol=1e-12)
            first = dr[dr.objective == name].pivot(index="draw", columns="n_hidden", values="mean")
            assert_allclose(numbers[f"draws_{name}_first_min"],
                            np.log2(first.iloc[:, 1] / first.iloc[:, 0]).min(), rtol=1e-12)
        shown = ex.norm_fits(df, "mean", p["n_hidden"])
        shown = shown[shown.objective != "observable"]
        assert numbers["mean_rejected"] == int(sum(f.p_value < 0.01 for f in shown["fit"]))
        assert numbers["mean_lines"] == 6  # three orders, two conventions
        assert numbers["shape_nearer"] in ex.CONVENTION_TEXT.values() or numbers["shape_nearer"] == "neither"
        fd = quick["fd"]
        assert_allclose(numbers["fd_best"], fd.groupby(["objective", "n_hidden", "instance"])["rel_error"].min().max())
        # every value is a plain number or a text, ready to glue
        assert all(isinstance(v, (int, float, str)) for v in numbers.values())

    def test_results_rows_carry_interval_and_quality(self, numbers):
        rows = ex.results_rows(numbers)
        from plateaus.results import COLUMNS

        assert all(set(r) == set(COLUMNS) for r in rows)
        # the committed rows first, unchanged
        assert rows[0]["ours"] == numbers["mean_random_root-fidelity_text"]
        assert rows[4]["ours"] == numbers["var_random_root-fidelity_text"]
        assert rows[0]["paper"] == "-0.441 ± 0.003"
        # then every added reading: Eq. (11) √F; reversed (3(b) x2, observable, 5(a) x3);
        # normalised (3(b) x6, 5(a) x2, two steps for each convention); the draws (x4)
        assert len(rows) == 5 + 1 + 6 + (6 + 2 + 4) + 4
        fits = [r for r in rows if "spread" not in r["quantity"] and "draws" not in r["quantity"]
                and "step" not in r["quantity"]]
        for r in fits:
            assert "[" in r["ours"] and "t with" in r["ours"] and "χ²/dof" in r["ours"]
        for r in rows:
            assert "[" in r["ours"] or "±" in r["ours"]
        normalised = [r for r in rows if "normalised target" in r["quantity"]]
        assert {r["ours"] for r in normalised} >= {numbers[f"nt_mean_{t}_{n}_text"] for t in
                                                   ("fixed", "reversed", "random") for n in ex.FIDELITIES}
        draws = [r for r in rows if "targets" in r["quantity"]]
        assert len(draws) == 4 and all(" of " in r["ours"] and "±" in r["ours"] for r in draws)


class TestTables:
    def test_slopes_table_shows_interval_and_quality(self):
        df = _synthetic({("unitary", "fidelity"): -0.1, ("unitary-random-order", "fidelity"): -0.5,
                         ("unitary-random-order", "observable"): -0.25})
        fits = ex.norm_fits(df)
        table = fg.slopes_table(fits, fg.ORDER_NAMES, ("fidelity", "observable"))
        assert list(table.index.get_level_values(0)) == ["Eq. (11) order", "random order", "random order"]
        row = table.loc[("random order", fg.OBJECTIVE_TEXT["fidelity"])]
        fit = fits[(fits.model == "unitary-random-order") & (fits.objective == "fidelity")]["fit"].iloc[0]
        assert row["slope, log2 per hidden qubit [95 %]"] == \
            f"{fit.slope:.3f} [{fit.slope_low:.3f}, {fit.slope_high:.3f}]"
        ln = fit.in_base("ln")
        assert row["slope, ln per hidden qubit [95 %]"].startswith(f"{ln.slope:.3f} [{ln.slope_low:.3f}")
        assert row["χ²/dof of the line"].startswith(ex.chi2_text(fit.chi2_dof) + " (p = ")

    def test_steps_table(self):
        df = _synthetic({("unitary", "fidelity"): -0.1, ("unitary-random-order", "fidelity"): -0.5})
        steps = ex.bootstrap_steps(df, ["model", "objective"], "inf_norm", seed=0)
        table = fg.steps_table(steps, fg.ORDER_NAMES, ("fidelity",))
        assert list(table.columns) == ["n_h 1 → 2", "n_h 2 → 3", "n_h 3 → 4"]
        s = steps[(steps.model == "unitary") & (steps.x_from == 2)].iloc[0]
        assert table.loc[("Eq. (11) order", "F (Uhlmann)"), "n_h 2 → 3"] == \
            f"{s.step:.3f} [{s.low:.3f}, {s.high:.3f}]"
        later = fg.steps_table(steps, fg.ORDER_NAMES, ("fidelity",), start=2)
        assert list(later.columns) == ["n_h 2 → 3", "n_h 3 → 4"]
        assert later.loc[("Eq. (11) order", "F (Uhlmann)"), "n_h 2 → 3"] == \
            table.loc[("Eq. (11) order", "F (Uhlmann)"), "n_h 2 → 3"]
        fits = ex.norm_fits(df)
        assert "slope, ln per hidden qubit [95 %]" not in fg.slopes_table(fits, fg.ORDER_NAMES, ("fidelity",), ln=False)

    def test_holders_table_in_per_cent(self):
        holders = pd.DataFrame({"visible": [0.1, 0.2], "across": [0.6, 0.5], "hidden": [0.3, 0.3]},
                               index=pd.MultiIndex.from_tuples([("unitary", "fidelity"),
                                                                ("unitary-random-order", "fidelity")],
                                                               names=["model", "objective"]))
        table = fg.holders_table(holders, fg.ORDER_NAMES, ("fidelity",))
        assert table.loc[("random order", "F (Uhlmann)"), fg.CLASS_LABELS["across"]] == "50 %"
        assert list(table.columns) == [fg.CLASS_LABELS[c] for c in ex.CLASSES]

    def test_split_steps_table(self):
        steps = pd.DataFrame({"model": "unitary", "part": "inf_q1", "x_from": [1.0, 2.0], "x_to": [2.0, 3.0],
                              "step": [-0.1, -0.2], "low": [-0.15, -0.25], "high": [-0.05, -0.15]})
        table = fg.split_steps_table(steps, fg.ORDER_NAMES)
        assert table.loc[fg.POSITION_PARTS["inf_q1"], ("Eq. (11) order", "n_h 2 → 3")] == "-0.200 [-0.250, -0.150]"
        assert table.loc[fg.CLASS_PARTS["inf_visible"], ("random order", "n_h 1 → 2")] == "exactly 0 at some sizes"

    def test_fit_brief_and_chi2_text(self):
        from plateaus.analysis import fit_line

        fit = fit_line([1, 2, 3, 4], [0.0, -0.5, -0.9, -1.6], [0.01] * 4)
        assert ex.fit_brief(fit) == f"{fit.interval_text(3)}, χ²/dof = {ex.chi2_text(fit.chi2_dof)}"
        assert ex.chi2_text(112.38) == "112" and ex.chi2_text(2.664) == "2.7" and ex.chi2_text(0.148) == "0.15" and ex.chi2_text(3.03) == "3.0"
        assert ex.chi2_text(9.96) == "10" and ex.chi2_text(1.0) == "1.0"

    def test_paper_step_band_is_the_largest_step_deviation(self):
        """Ordinary least squares over n_h = 1..4 with slope error 0.003: the residuals r lie
        orthogonal to 1 and x with sum r^2 = 0.003^2 * 5 * 2; no step differs from the slope by
        more than the band, and the middle step can reach it."""
        band = ex.paper_step_band(0.003)
        assert_allclose(band, 0.003 * np.sqrt(18), rtol=1e-12)
        x = np.arange(1.0, 5.0)
        rng = np.random.default_rng(1)
        worst = 0.0
        for _ in range(2000):
            y = -0.441 * x + rng.normal(size=4)
            fit = stats.linregress(x, y)
            y = -0.441 * x + (y - fit.intercept - fit.slope * x) * 0.003 / fit.stderr  # rescale to se 0.003
            fit = stats.linregress(x, y)
            assert_allclose(fit.stderr, 0.003, rtol=1e-9)
            worst = max(worst, np.abs(np.diff(y) - fit.slope).max())
        assert worst <= band * (1 + 1e-9) and worst > 0.9 * band
        with pytest.raises(ValueError):
            ex.paper_step_band(0.003, (1, 2))

    def test_band_misses(self):
        steps = pd.DataFrame({"x_from": [1, 2, 3], "step": [-0.40, -0.44, -0.50],
                              "low": [-0.41, -0.46, -0.52], "high": [-0.39, -0.42, -0.48]})
        m = ex.band_misses(steps, -0.441, 0.01)
        assert_allclose(m["miss"], [-0.41 - (-0.431), 0.0, -0.451 - (-0.48)], atol=1e-12)

    def test_fd_numbers_on_a_small_table(self):
        fd = pd.DataFrame({"objective": "observable", "n_hidden": 1, "instance": [0, 0, 1, 1],
                           "step": [0.1, 1e-3, 0.1, 1e-3],
                           "rel_error": [1 - np.sin(0.2) / 0.2, 1e-7, 1 - np.sin(0.2) / 0.2, 3e-7],
                           "inf_norm": 1.0, "inf_norm_fd": [0.99, 1.0, 0.98, 1.0]})
        n = ex.fd_numbers(fd)
        assert n["fd_best"] == 3e-7 and n["fd_largest_step"] == 0.1
        assert_allclose(n["fd_largest_error"], 1 - np.sin(0.2) / 0.2)
        assert_allclose(n["fd_norm_shift"], 0.02) and n["fd_second_step"] == 1e-3
        assert_allclose(n["fd_second_shift"], 0.0, atol=1e-15)
        closed = 1 - np.sin(2e-3) / 2e-3
        assert_allclose(n["fd_closed_form"], max(abs(1e-7 / closed - 1), abs(3e-7 / closed - 1)))


class TestFigures:
    def test_variance_panels_have_two_standard_error_bars(self, quick):
        """Fig. 5(a): error bars of log2 Var, 2 var_se / (Var ln 2) on each side."""
        from matplotlib.container import ErrorbarContainer

        df, p = quick["gradients"], quick["params"]
        st = ex.ensemble_stats(df)
        fig = fg.norm_panels(st, ex.norm_fits(df, "var", p["n_hidden"]), "var", sizes=p["n_hidden"])
        ax = fig.axes[0]  # fidelity
        bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
        assert len(bars) == 2
        g = st[(st.model == "unitary") & (st.objective == "fidelity") & st.n_hidden.isin(p["n_hidden"])]
        segments = bars[0].lines[2][0].get_segments()
        heights = np.array([seg[1, 1] - seg[0, 1] for seg in segments])
        assert_allclose(heights, 4 * g["var_se"] / (g["var"] * np.log(2)), rtol=1e-9)
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert any("[" in t and "χ²/dof" in t for t in labels)
        assert not any("±" in t for t in labels)
        import matplotlib.pyplot as plt

        plt.close(fig)

    def test_every_figure_draws_from_the_readings(self, quick):
        import matplotlib.pyplot as plt

        p, df, fd = quick["params"], quick["gradients"], quick["fd"]
        r = ex.readings(p, df, quick["targets"])
        figs = [fg.norm_panels(r["stats"], r["mean_fits"], "mean", sizes=p["n_hidden"]),
                fg.observable_panels(r["stats"], r["mean_fits"], r["var_fits"], sizes=p["n_hidden"]),
                fg.term_classes(r["cstats"], r["haar"]),
                fg.inf_norm_split(r["sstats"], "fidelity", fitted_sizes=p["n_hidden"]),
                fg.visible_entropy(r["estats"], r["page"], p["n_visible"]),
                fg.fd_convergence(fd), fg.beyond(r["stats"], r["cstats"], r["haar"], p["n_hidden"]),
                fg.target_slopes(r["draw_fits"], ex.PAPER_SLOPE, ex.PAPER_SLOPE_SE)]
        # the mean panels draw only the fitted sizes, with the fitted line through them
        line = [l for l in figs[0].axes[0].get_lines() if l.get_linestyle() == "--"][0]
        assert list(line.get_xdata()) == list(p["n_hidden"])
        assert all(len(f.axes) >= 1 for f in figs)
        for f in figs:
            plt.close(f)


class TestFiguresOfTheAddedReadings:
    def test_three_orders_and_axis_labels_that_name_the_objective(self, quick):
        import matplotlib.pyplot as plt
        from matplotlib.container import ErrorbarContainer

        p = quick["params"]
        r = ex.readings(p, quick["gradients"], quick["targets"], quick["more"])
        fig = fg.observable_panels(r["stats"], r["mean_fits"], r["var_fits"], sizes=p["n_hidden"])
        for ax in fig.axes:
            assert len([c for c in ax.containers if isinstance(c, ErrorbarContainer)]) == 3
            label = ax.get_ylabel()
            assert r"\mathrm{Tr}(O" in label and "nabla F" not in label
        plt.close(fig)
        fig = fg.norm_panels(r["nt_stats"], r["nt_mean_fits"], "mean", sizes=p["n_hidden"])
        assert r"\nabla F" in fig.axes[0].get_ylabel() and r"\sqrt{F}" in fig.axes[1].get_ylabel()
        colours = {c.lines[0].get_color() for c in fig.axes[0].containers if isinstance(c, ErrorbarContainer)}
        assert len(colours) == 3
        plt.close(fig)
        for f in (fg.inf_norm_split(r["sstats"], "fidelity", fitted_sizes=p["n_hidden"]),
                  fg.visible_entropy(r["estats"], r["page"], p["n_visible"]),
                  fg.target_slopes(r["nt_draw_fits"], ex.PAPER_SLOPE, ex.PAPER_SLOPE_SE, title="normalised")):
            assert len(f.axes) >= 1
            plt.close(f)
        # the tables show the reversed order as a row of its own
        table = fg.slopes_table(r["mean_fits"], fg.ORDER_NAMES, ex.FIDELITIES)
        assert "reversed Eq. (11) order" in table.index.get_level_values(0)


class TestHaarRms:
    def test_monte_carlo_of_the_two_design_model(self):
        """Haar state, independently Haar-rotated Pauli generator, Pauli observable: the mean
        square derivative <psi|i[H, O]|psi>^2 matches 2D^2/((D^2-1)(D+1))."""
        rng = np.random.default_rng(11)
        d_v, d_h, samples = 2, 4, 4000
        d = d_v * d_h
        o = np.kron(pauli_matrix("Z"), np.eye(d_h))
        p = pauli_matrix("XYI")
        v = unitary_group.rvs(d, size=samples, random_state=rng)
        h = v @ p @ np.conj(np.swapaxes(v, 1, 2))
        psi = rng.normal(size=(samples, d)) + 1j * rng.normal(size=(samples, d))
        psi /= np.linalg.norm(psi, axis=1, keepdims=True)
        a = 1j * (h @ o - o @ h)
        x = np.einsum("bi,bij,bj->b", psi.conj(), a, psi).real
        expected = ex.haar_rms(d_v, d_h) ** 2
        assert abs(np.mean(x**2) - expected) < 4 * np.std(x**2) / np.sqrt(samples)
        assert_allclose(ex.haar_rms(8, 2 ** np.arange(1, 8)) ** 2 * 8 * 2 ** np.arange(1, 8), 2, rtol=0.07)


class TestPennyLane:
    """The exact gradient of one instance (n_v = 3, n_h = 3, 153 parameters, random order)
    against PennyLane's backpropagation through its own simulator, density matrix and fidelity.

    At n_h = 3 the visible state has full rank; for rank-deficient visible states PennyLane's
    ``qml.math.fidelity`` itself is accurate only to about 1e-7 (those sizes are covered by the
    finite differences above)."""

    def test_gradients_agree(self, target):
        qml = pytest.importorskip("pennylane")
        from pennylane import numpy as pnp

        qnn = UnitaryQNN(3, 3)
        rng = np.random.default_rng(5)
        theta, order = rng.normal(size=qnn.n_params), rng.permutation(qnn.n_params)
        dev = qml.device("default.qubit", wires=qnn.n_qubits)

        def circuit(t):
            for k in order:  # exp(-i t_k P_k) = PauliRot(2 t_k) on the support of P_k
                wires = [q for q, c in enumerate(qnn.terms[k]) if c != "I"]
                qml.PauliRot(2 * t[k], "".join(qnn.terms[k][q] for q in wires), wires=wires)

        @qml.qnode(dev, diff_method="backprop")
        def visible(t):
            circuit(t)
            return qml.density_matrix(wires=range(3))

        @qml.qnode(dev, diff_method="backprop")
        def expval(t):
            circuit(t)
            return qml.expval(qml.PauliZ(0))

        t = pnp.array(theta, requires_grad=True)
        assert_allclose(np.asarray(visible(t)), qnn.reduced_state(theta, order=order), atol=1e-13)
        cases = [
            (expval, Observable(pauli_matrix("ZII"))),
            (lambda s: qml.math.fidelity(visible(s), target), Fidelity(target)),
            (lambda s: qml.math.sqrt(qml.math.fidelity(visible(s), target)), ex.RootFidelity(target)),
        ]
        for func, objective in cases:
            ours = qnn.gradient(theta, objective, order=order)
            theirs = np.asarray(qml.grad(func)(t))
            assert_allclose(theirs, ours, atol=1e-9 * np.abs(ours).max())


# --------------------------------------------------------------------------- issue 16 readings


def _dense_fidelity_value(rho_v, sigma, root):
    """Independent fidelity: Tr sqrt(sqrt(sigma) rho sqrt(sigma)) from eigenvalues, the
    eigenvalues of M below 1e-12 of the largest dropped (round-off of a rank-deficient rho)."""
    w, v = np.linalg.eigh(sigma)
    s = (v * np.sqrt(np.clip(w, 0, None))) @ v.conj().T
    m = np.linalg.eigvalsh(s @ rho_v @ s)
    value = np.sum(np.sqrt(m[m > 1e-12 * m.max()]))
    return value if root else value**2


def _dense_visible(theta, order, labels, n_visible):
    """The visible state of the network by dense Pauli rotations, exp(-i t P) = cos t - i sin t P."""
    n = len(labels[0])
    psi = np.zeros(2**n, complex)
    psi[0] = 1.0
    for k in order:
        psi = np.cos(theta[k]) * psi - 1j * np.sin(theta[k]) * (pauli_matrix(labels[k]) @ psi)
    m = psi.reshape(2**n_visible, -1)
    return m @ m.conj().T


class TestReversedOrder:
    def test_orders_are_those_the_model_draws(self):
        qnn = UnitaryQNN(3, 2)
        seeds = spawn_seeds([2021, 1, 2], 5)
        theta_r, orders_r = qnn.sample_instances(seeds, theta_std=1.0, order="random")
        theta_v, orders_v = qnn.sample_instances(seeds, theta_std=1.0, order="reversed")
        assert_allclose(theta_r, theta_v, rtol=0, atol=0)  # the readings share their angles
        assert np.array_equal(ex._orders("unitary-reversed-order", orders_r), orders_v)
        assert np.array_equal(ex._orders("unitary-random-order", orders_r), orders_r)
        assert ex._orders("unitary", orders_r) is None
        with pytest.raises(ValueError, match="model = 'gue'"):
            ex._orders("gue", orders_r)

    def test_table_rows_match_a_direct_computation(self, quick, target):
        dr, p = quick["more"]["reversed"], quick["params"]
        assert set(dr["model"]) == {"unitary-reversed-order"}
        assert tuple(dr.columns) == ex.GRADIENT_COLUMNS
        assert sorted(dr["n_hidden"].unique()) == sorted(p["n_hidden_beyond"])
        n_hidden, instance = 2, 3
        seed = spawn_seeds([p["seed"], 1, n_hidden], p["instances"])[instance]
        qnn = UnitaryQNN(3, n_hidden)
        theta, order = qnn.sample_instances([seed], theta_std=1.0, order="reversed")
        rho_v = _dense_visible(theta[0], order[0], qnn.terms, 3)
        for name, obj in {"fidelity": Fidelity(target), "observable": Observable(pauli_matrix("ZII"))}.items():
            g = qnn.gradient(theta[0], obj, order=order[0])
            row = dr[(dr.objective == name) & (dr.n_hidden == n_hidden) & (dr.instance == instance)].iloc[0]
            assert_allclose(row["inf_norm"], np.abs(g).max(), rtol=1e-12)
            assert_allclose(row["value"], obj.value(rho_v), rtol=1e-10)
            # in this order term k is applied at step K - 1 - k
            assert_allclose(row["max_position"], (qnn.n_params - 1 - np.argmax(np.abs(g))) / (qnn.n_params - 1))

    def test_tail_is_visible_pairs_of_qubit_0_and_every_on_site_term(self):
        for n_hidden in (1, 2, 4):
            labels = two_local_terms(3 + n_hidden)
            tail = ex.reversed_tail(labels, 3)
            support = [tuple(q for q, c in enumerate(t) if c != "I") for t in labels]
            expected = [len(sup) == 1 or sup in ((0, 1), (0, 2)) for sup in support]
            assert list(tail) == expected
            st = ex.reversed_structure(3, n_hidden)
            n = 3 + n_hidden
            assert st["terms"] == 3 * n + 9 * n * (n - 1) // 2
            assert st["tail"] == 18 + 3 * n and st["tail_visible"] == 18 + 9 and st["tail_hidden"] == 3 * n_hidden
            assert_allclose(st["first_pairs"], 100 * 9 * n_hidden * (n_hidden - 1) / 2 / st["terms"])

    def test_hidden_on_site_gates_have_zero_derivative(self, target):
        """In the reversed order the hidden on-site gates act after every gate that couples the
        hidden qubits to the visible ones: they leave rho_v unchanged."""
        qnn = UnitaryQNN(3, 3)
        theta, order = qnn.sample_instances(spawn_seeds(4, 3), theta_std=1.0, order="reversed")
        classes = ex.term_classes(qnn.terms, 3)
        zero = ex.reversed_tail(qnn.terms, 3) & (classes == "hidden")
        assert zero.sum() == 9
        for obj in (Fidelity(target), Observable(pauli_matrix("ZII"))):
            g = qnn.gradient(theta, obj, order=order)
            assert_allclose(g[:, zero], 0.0, atol=1e-13)
            assert np.abs(g[:, ~zero]).max() > 0.05

    def test_reversed_holders(self):
        labels = two_local_terms(5)
        k = len(labels)
        tail = ex.reversed_tail(labels, 3)
        # instances whose largest entry is term 0 (in the tail), term k - 1 (a hidden pair,
        # applied first), and the first term across the cut (applied last of the cut gates)
        terms = [0, k - 1, int(np.flatnonzero(~tail).min())]
        df = pd.DataFrame({"model": "unitary-reversed-order", "n_hidden": 2, "objective": "fidelity",
                           "max_position": [(k - 1 - t) / (k - 1) for t in terms]})
        assert_allclose(ex.reversed_holders(df, 3, 2)["fidelity"], 1 / 3)


class TestNormalisedTarget:
    def test_tables_hold_the_fidelities_to_the_normalised_target(self, quick):
        dn, p = quick["more"]["normalised"], quick["params"]
        assert set(dn["model"]) == {"unitary", "unitary-random-order", "unitary-reversed-order"}
        assert set(dn["objective"]) == set(ex.FIDELITIES)
        assert sorted(dn["n_hidden"].unique()) == sorted(p["n_hidden_beyond"])
        from plateaus.models import thermal_target

        sigma = thermal_target(p["seed"], 3, 0.01, 1.0, normalise=True)
        n_hidden, instance = 1, 5
        seed = spawn_seeds([p["seed"], 1, n_hidden], p["instances"])[instance]
        qnn = UnitaryQNN(3, n_hidden)
        theta, orders = qnn.sample_instances([seed], theta_std=1.0, order="random")
        for model in ("unitary", "unitary-random-order", "unitary-reversed-order"):
            order = ex._orders(model, orders)
            o = np.arange(qnn.n_params) if order is None else order[0]
            rho_v = _dense_visible(theta[0], o, qnn.terms, 3)
            for name, root in (("fidelity", False), ("root-fidelity", True)):
                row = dn[(dn.model == model) & (dn.objective == name) & (dn.n_hidden == n_hidden)
                         & (dn.instance == instance)].iloc[0]
                assert_allclose(row["value"], _dense_fidelity_value(rho_v, sigma, root), rtol=1e-9)
                g = qnn.gradient(theta[0], ex.make_objective(name, sigma, "ZII"),
                                 order=None if order is None else order[0])
                assert_allclose(row["inf_norm"], np.abs(g).max(), rtol=1e-12)

    @pytest.mark.parametrize("n_hidden", [1, 4])
    def test_gradient_against_dense_central_differences(self, n_hidden):
        """Rank-deficient rho_v (n_h = 1) and full rank (n_h = 4 > n_v): the exact gradient of
        both fidelities to the warm, full-rank target against central differences of an
        independent dense computation (a random subset of the parameters at n_h = 4)."""
        from plateaus.models import thermal_target

        sigma = thermal_target(2021, 3, 0.01, 1.0, normalise=True)
        qnn = UnitaryQNN(3, n_hidden)
        rng = np.random.default_rng(n_hidden)
        theta, order = rng.normal(size=qnn.n_params), rng.permutation(qnn.n_params)
        ks = np.arange(qnn.n_params) if n_hidden == 1 else rng.choice(qnn.n_params, 30, replace=False)
        h = 1e-3
        for name, root in (("fidelity", False), ("root-fidelity", True)):
            g = qnn.gradient(theta, ex.make_objective(name, sigma, "ZII"), order=order)
            fd = []
            for k in ks:
                up, down = theta.copy(), theta.copy()
                up[k] += h
                down[k] -= h
                fd.append((_dense_fidelity_value(_dense_visible(up, order, qnn.terms, 3), sigma, root)
                           - _dense_fidelity_value(_dense_visible(down, order, qnn.terms, 3), sigma, root)) / (2 * h))
            assert_allclose(g[ks], fd, atol=1e-5 * np.abs(g).max(), rtol=0)

    def test_draw_zero_is_the_normalised_chapter_target(self, quick):
        tdn, dn = quick["more"]["normalised_draws"], quick["more"]["normalised"]
        assert tdn["draw"].nunique() == quick["params"]["target_draws"]
        stats = ex.ensemble_stats(dn)
        for name in ex.FIDELITIES:
            ours = tdn[(tdn.draw == 0) & (tdn.objective == name)].sort_values("n_hidden")["mean"].to_numpy()
            ref = stats[(stats.model == "unitary-random-order") & (stats.objective == name)
                        & stats.n_hidden.isin(quick["params"]["n_hidden"])]["mean"].to_numpy()
            assert_allclose(ours, ref, rtol=1e-12)
        # other draws differ from the unnormalised ones
        td = quick["targets"]
        assert np.abs(tdn["mean"].to_numpy() - td["mean"].to_numpy()).max() > 1e-3

    def test_spectra(self):
        p = chapter_params("unitary-plateau", "quick")
        table = ex.target_spectra(p)
        assert list(table.index) == ["unnormalised", "normalised"]
        assert_allclose(table.sum(axis=1), 1.0, atol=5e-4)  # rounded to 4 decimals
        warm = table.loc["normalised"].to_numpy()
        assert warm.max() / warm.min() <= np.exp(2) * 1.01  # unit-norm H: ratios within e^2
        assert table.loc["unnormalised"].iloc[:2].sum() > 0.98  # nearly rank two

    def test_committed_tables_are_keyed_without_the_added_parameters(self, quick):
        from plateaus import store

        entries = store.manifest(ex.CHAPTER, "quick")["experiments"]
        for name in (ex.EXPERIMENT, ex.FD_EXPERIMENT, ex.TARGETS_EXPERIMENT):
            assert "added_models" not in entries[name]["parameters"]
            assert "normalise_target" not in entries[name]["parameters"]
        assert entries[ex.REVERSED_EXPERIMENT]["parameters"]["normalise_target"] is False
        for name in (ex.NORMALISED_EXPERIMENT, ex.NORMALISED_TARGETS_EXPERIMENT):
            assert entries[name]["parameters"]["normalise_target"] is True

    def test_store_params_are_the_keys_of_the_stored_tables(self, quick):
        from plateaus import store
        from plateaus.fingerprint import canonical_json

        p = quick["params"]
        entries = store.manifest(ex.CHAPTER, "quick")["experiments"]
        for name in (*ex.FIRST_TABLES, ex.REVERSED_EXPERIMENT, *ex.NORMALISED_TABLES):
            assert canonical_json(entries[name]["parameters"]) == canonical_json(ex.store_params(name, p))
        with pytest.raises(ValueError, match="experiment = 'results'"):
            ex.store_params("results", p)

    def test_added_models_must_be_new_orders(self):
        p = chapter_params("unitary-plateau", "quick")
        with pytest.raises(ValueError, match="added_models"):
            ex.reversed_gradients({**p, "added_models": ["unitary"]})


class TestIssue16Numbers:
    def test_normalised_slopes_against_an_independent_fit(self, quick, numbers):
        dn, p = quick["more"]["normalised"], quick["params"]
        for model, tag in (("unitary-random-order", "random"), ("unitary-reversed-order", "reversed")):
            for name in ex.FIDELITIES:
                sel = (dn.model == model) & (dn.objective == name) & dn.n_hidden.isin(p["n_hidden"])
                g = dn[sel].groupby("n_hidden")["inf_norm"]
                x, mean, se = np.array(p["n_hidden"]), g.mean().to_numpy(), g.sem().to_numpy()
                slope, chi2_dof = _weighted_log2_line(x, mean, se)
                key = f"nt_mean_{tag}_{name}"
                assert_allclose(numbers[f"{key}_slope_log2"], slope, rtol=1e-9)
                assert_allclose(numbers[f"{key}_chi2_dof"], chi2_dof, rtol=1e-9)
                assert_allclose(numbers[f"{key}_step_first"], np.log2(mean[1] / mean[0]), rtol=1e-12)
                assert_allclose(numbers[f"nt_{tag}_{name}_first_log2"], np.log2(mean[0]), rtol=1e-12)
        top = dn[(dn.model == "unitary-random-order") & (dn.objective == "root-fidelity")].groupby("n_hidden")["inf_norm"].mean()
        step = numbers["nt_beyond_mean_random_root-fidelity_step_rank_text"]
        assert step.startswith(f"{np.log2(top[4] / top[3]):.3f} [")

    def test_reversed_numbers_against_the_tables(self, quick, numbers):
        df = pd.concat([quick["gradients"], quick["more"]["reversed"]])
        p = quick["params"]
        sel = (df.model == "unitary-reversed-order") & (df.objective == "observable") & df.n_hidden.isin(p["n_hidden"])
        g = df[sel].groupby("n_hidden")["inf_norm"]
        slope, chi2_dof = _weighted_log2_line(np.array(p["n_hidden"]), g.mean().to_numpy(), g.sem().to_numpy())
        assert_allclose(numbers["mean_reversed_observable_slope_log2"], slope, rtol=1e-9)
        one = df[(df.objective == "fidelity") & (df.model == "unitary-reversed-order")]
        top = max(p["n_hidden_beyond"])
        assert_allclose(numbers["entropy_reversed_last"], one[one.n_hidden == top]["entropy_v"].mean() / np.log(2))
        last = max(p["n_hidden"])
        assert numbers["rev_tail"] == ex.reversed_structure(3, last)["tail"]
        assert_allclose(numbers["rev_tail_holds_fidelity"],
                        100 * ex.reversed_holders(df, 3, last)["fidelity"])
        assert_allclose(sum(numbers[f"holder_reversed_fidelity_{c}"] for c in ex.CLASSES), 100.0)

    def test_axis_misses_by_hand(self):
        m = ex.axis_misses(2.0**-1.5, 2.0**-2.5)
        assert_allclose(m["log2"], max(abs(-1.5 + 1.4), abs(-2.5 + 2.6)))
        assert_allclose(m["ln"], max(abs(-1.5 * np.log(2) + 1.4), abs(-2.5 * np.log(2) + 2.6)))
        assert_allclose(m["log10"], max(abs(-1.5 * np.log10(2) + 1.4), abs(-2.5 * np.log10(2) + 2.6)))

    def test_axis_numbers_and_groups(self, numbers):
        for prefix in ("", "nt_"):
            for name in ex.FIDELITIES:
                key = f"{prefix}random_{name}"
                misses = {b: numbers[f"{key}_axis_miss_{b}"] for b in ex.LOG_BASES}
                assert numbers[f"{key}_axis_base"] == min(misses, key=misses.get)
                assert_allclose(misses["log2"], max(abs(numbers[f"{key}_first_log2"] - ex.PAPER_AXIS[0]),
                                                    abs(numbers[f"{key}_last_log2"] - ex.PAPER_AXIS[1])))
            groups = [numbers[f"{prefix}mean_{t}_{n}_band_missed"] for t in ("fixed", "reversed", "random")
                      for n in ex.FIDELITIES]
            assert numbers[f"{prefix}groups"] == 6
            assert numbers[f"{prefix}groups_straight"] == sum(g == 0 for g in groups)

    def test_trend(self):
        assert ex.trend(0.01, 0.2) == "rises"
        assert ex.trend(-0.3, -0.1) == "falls"
        assert ex.trend(-0.1, 0.1) == "is level within its interval"
