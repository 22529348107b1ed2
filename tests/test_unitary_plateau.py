"""Chapter *Unitary plateau*: the experiment, its objectives and statistics, and an independent
oracle (PennyLane) for the exact gradient of one instance."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
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
        stats = fg.ensemble_stats(df)
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


class TestSlopes:
    def test_recovers_an_exact_exponential(self):
        n = np.arange(1, 6)
        stats = pd.DataFrame({"model": "m", "objective": "o", "n_hidden": n, "mean": 3.0 * 2.0 ** (-0.4 * n)})
        fit = fg.log2_slopes(stats).iloc[0]
        assert_allclose(fit["slope_log2"], -0.4, rtol=1e-12)
        assert_allclose(fit["slope_ln"], -0.4 * np.log(2), rtol=1e-12)
        assert_allclose(fit["se_log2"], 0.0, atol=1e-12)

    def test_slopes_table_gives_both_logarithms_per_reading(self):
        n = np.arange(1, 5)
        stats = pd.concat([pd.DataFrame({"model": m, "objective": o, "n_hidden": n,
                                         "mean": 2.0 ** (slope * n)})
                           for m, o, slope in (("unitary", "fidelity", -0.1),
                                               ("unitary-random-order", "fidelity", -0.5),
                                               ("unitary-random-order", "observable", -0.25))])
        table = fg.slopes_table(fg.log2_slopes(stats), fg.ORDER_NAMES, ("fidelity", "observable"))
        assert list(table.index.get_level_values(0)) == ["Eq. (11) order", "random order", "random order"]
        row = table.loc[("random order", fg.OBJECTIVE_TEXT["fidelity"])]
        assert row["slope, log2 per hidden qubit"] == "-0.500 ± 0.000"
        assert row["slope, ln per hidden qubit"] == f"{-0.5 * np.log(2):.3f} ± 0.000"

    def test_split_slopes_skip_a_vanishing_part(self):
        n = np.arange(1, 5)
        rows = [pd.DataFrame({"model": m, "objective": "o", "n_hidden": n, "part": part,
                              "mean": mean, "sem": 0.0})
                for m, part, mean in (("a", "inf_q1", 2.0 ** (-0.3 * n)),
                                      ("a", "inf_q4", np.where(n < 4, 0.2, 1e-17)),
                                      ("b", "inf_q4", 2.0 ** (-0.5 * n)))]
        fits = fg.split_slopes(pd.concat(rows), n)
        assert set(zip(fits.model, fits.part)) == {("a", "inf_q1"), ("b", "inf_q4")}
        table = fg.split_slopes_table(fits, "o", {"a": "A", "b": "B"})
        assert table.loc[fg.POSITION_PARTS["inf_q1"], "A"] == "-0.300 ± 0.000"
        assert table.loc[fg.POSITION_PARTS["inf_q4"], "A"] == "exactly 0 at some sizes"
        assert table.loc[fg.POSITION_PARTS["inf_q4"], "B"] == "-0.500 ± 0.000"
        # over the sizes where the part does not vanish it has a slope again
        assert len(fg.split_slopes(pd.concat(rows), [1, 2, 3])) == 3

    def test_class_stats_of_all_terms_is_the_ensemble_rms(self, quick):
        df = quick["gradients"]
        cs = fg.class_stats(df)
        sel = (df.model == "unitary") & (df.objective == "fidelity") & (df.n_hidden == 1)
        got = cs[(cs.model == "unitary") & (cs.objective == "fidelity") & (cs.n_hidden == 1) & (cs.cls == "all")]
        assert_allclose(got["rms"].iloc[0], np.sqrt(np.mean(df.loc[sel, "rms"] ** 2)), rtol=1e-12)

    def test_split_stats_are_the_ensemble_means_of_each_part(self, quick):
        df = quick["gradients"]
        ss = fg.split_stats(df)
        parts = list(fg.POSITION_PARTS) + list(fg.CLASS_PARTS)
        assert set(ss["part"]) == set(parts)
        sel = (df.model == "unitary-random-order") & (df.objective == "observable") & (df.n_hidden == 2)
        for part in parts:
            got = ss[(ss.model == "unitary-random-order") & (ss.objective == "observable")
                     & (ss.n_hidden == 2) & (ss.part == part)]
            assert_allclose(got["mean"].iloc[0], df.loc[sel, part].mean(), rtol=1e-12)
            assert_allclose(got["sem"].iloc[0], df.loc[sel, part].sem(), rtol=1e-12)

    def test_random_order_entropy_is_close_to_pages_value(self, quick):
        """The random-order state is Haar-like: its mean visible entropy is Page's within noise,
        while the Eq. (11) order stays below it (measured at paper scale: 1.4 vs 3.0 bits)."""
        from plateaus.haar import page_entropy

        es = fg.entropy_stats(quick["gradients"]).set_index(["model", "n_hidden"])
        assert (es["instances"] == quick["params"]["instances"]).all()
        for n_hidden in (3, 4):
            page = page_entropy(8, 2**n_hidden)
            rnd = es.loc[("unitary-random-order", n_hidden)]
            assert abs(rnd["mean"] - page) < 4 * rnd["sem"] + 0.02
            assert es.loc[("unitary", n_hidden), "mean"] < page - 0.3


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
