"""Tests of the chapter *Boltzmann plateau*: the two readings of Fig. 3(c), the term classes,
Theorem 4's response, and the objectives on the Boltzmann machine, each against an
independent dense implementation (scipy.linalg.expm, numpy's spectral norm, explicit partial
traces) and finite differences."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from scipy.linalg import expm

from plateaus.experiments import boltzmann_plateau as bp
from plateaus.models import BoltzmannMachine, sample_couplings
from plateaus.objectives import Fidelity, Observable
from plateaus.terms import pauli_matrix, two_local_terms

N_V = 3


# --------------------------------------------------------------------------- dense oracles


def dense_h(J, labels):
    return sum(j * pauli_matrix(label) for j, label in zip(J, labels))


def dense_rho_v(H, n_visible):
    rho = expm(-H)
    rho /= np.trace(rho)
    d_v = 2**n_visible
    d_h = H.shape[0] // d_v
    return np.einsum("ihjh->ij", rho.reshape(d_v, d_h, d_v, d_h))


def dense_visible_state(J, labels, n_visible, renormalise):
    H = dense_h(J, labels)
    return dense_rho_v(H / np.linalg.norm(H, 2) if renormalise else H, n_visible)


def half_trace_norm(X):
    return 0.5 * np.abs(np.linalg.eigvalsh(X)).sum()


def couplings(n, size, seed):
    labels = two_local_terms(n)
    return sample_couplings(labels, size, seed, onsite_var=0.01, offsite_var=1.0), labels


@pytest.fixture(scope="module")
def instance():
    """One raw instance at n_v = 3, n_h = 1 (66 terms), as Fig. 3(c) draws them."""
    J, labels = couplings(4, 2, seed=7)
    return J, labels


# --------------------------------------------------------------------------- term classes


class TestTermClasses:
    """The classification is tested in test_core.py; here, that the chapter uses it."""

    def test_the_chapter_uses_the_one_classification(self):
        from plateaus import terms

        assert bp.term_classes is terms.term_classes
        assert bp.TERM_CLASSES == terms.TERM_CLASSES


# --------------------------------------------------------------------------- the norm


class TestNormGradient:
    def test_against_dense_central_differences(self, instance):
        J, labels = instance
        N, dN, _, _ = bp.norm_gradient(J, labels)
        eps = 1e-6
        for b in range(len(J)):
            assert_allclose(N[b], np.linalg.norm(dense_h(J[b], labels), 2), rtol=1e-12)
            for k in (0, 5, 20, 65):
                e = np.zeros(len(labels))
                e[k] = eps
                fd = (np.linalg.norm(dense_h(J[b] + e, labels), 2)
                      - np.linalg.norm(dense_h(J[b] - e, labels), 2)) / (2 * eps)
                assert_allclose(dN[b, k], fd, rtol=1e-6, atol=1e-9)

    def test_euler_identity(self, instance):
        """N is homogeneous of degree 1: sum_k J_k dN/dJ_k = N."""
        J, labels = instance
        N, dN, _, _ = bp.norm_gradient(J, labels)
        assert_allclose((J * dN).sum(axis=1), N, rtol=1e-12)

    def test_zero_hamiltonian_is_refused(self):
        with pytest.raises(ValueError, match="H\\(J\\) = 0"):
            bp.norm_gradient(np.zeros((1, 66)), two_local_terms(4))

    def test_bad_coefficients(self):
        with pytest.raises(ValueError, match="J of shape"):
            bp.norm_gradient(np.zeros(66), two_local_terms(4))


# --------------------------------------------------------------------------- the two readings


@pytest.fixture(scope="module")
def derivatives(instance):
    J, labels = instance
    return bp.reading_derivatives(J, labels, N_V)


class TestReadingDerivatives:
    """Both readings against central differences of the dense expm oracle (rel. <= 1e-6)."""

    @pytest.mark.parametrize("reading", bp.READINGS)
    def test_against_dense_central_differences(self, instance, derivatives, reading):
        J, labels = instance
        eps = 1e-5
        renormalise = reading == "renormalised"
        b = 0
        point = J[b] if renormalise else J[b] / np.linalg.norm(dense_h(J[b], labels), 2)
        for k in (0, 4, 9, 30, 60, 65):  # visible on-site, hidden on-site, pairs of each class
            e = np.zeros(len(labels))
            e[k] = eps
            fd = (dense_visible_state(point + e, labels, N_V, renormalise)
                  - dense_visible_state(point - e, labels, N_V, renormalise)) / (2 * eps)
            exact = derivatives[reading][b, k]
            assert_allclose(exact, fd, rtol=0, atol=1e-6 * np.abs(fd).max() + 1e-11)

    def test_renormalised_is_scale_invariant(self, instance, derivatives):
        """rho_v(J/N(J)) does not change along J: sum_k J_k d rho_v / d J_k = 0."""
        J, _ = instance
        total = np.einsum("bk,bkij->bij", J, derivatives["renormalised"])
        assert_allclose(total, 0, atol=1e-13)

    def test_derivatives_are_hermitian_and_traceless(self, derivatives):
        for reading in bp.READINGS:
            d = derivatives[reading]
            assert_allclose(d, np.conj(np.swapaxes(d, -1, -2)), atol=1e-14)
            assert_allclose(np.trace(d, axis1=-2, axis2=-1), 0, atol=1e-13)

    def test_sensitivities_are_half_trace_norms(self, instance, derivatives):
        J, labels = instance
        s = bp.sensitivities(J, labels, N_V)
        for reading in bp.READINGS:
            expected = [[half_trace_norm(x) for x in row] for row in derivatives[reading]]
            assert_allclose(s[reading], expected, rtol=1e-12)
        assert_allclose(s["raw_norm"], derivatives["raw_norm"])


class TestFiniteDifferenceSensitivities:
    """The paper's protocol (finite differences of the raw coefficients, renormalised)."""

    @pytest.mark.parametrize("reading", bp.READINGS)
    def test_matches_independent_dense_protocol(self, instance, reading):
        J, labels = instance
        eps = 1e-3
        fd = bp.finite_difference_sensitivities(J[:1], labels, N_V, eps, reading)[0]
        renormalise = reading == "renormalised"
        point = J[0] if renormalise else J[0] / np.linalg.norm(dense_h(J[0], labels), 2)
        base = dense_visible_state(point, labels, N_V, renormalise)
        for k in (0, 9, 30, 65):
            e = np.zeros(len(labels))
            e[k] = eps
            dense = half_trace_norm(dense_visible_state(point + e, labels, N_V, renormalise)
                                    - base) / eps
            assert_allclose(fd[k], dense, rtol=1e-8)

    @pytest.mark.parametrize("reading", bp.READINGS)
    def test_converges_to_exact_at_first_order(self, instance, reading):
        J, labels = instance
        exact = bp.sensitivities(J[:1], labels, N_V)[reading][0]
        errors = [np.abs(bp.finite_difference_sensitivities(J[:1], labels, N_V, eps, reading)[0]
                         - exact).max() / exact.max() for eps in (1e-3, 1e-4)]
        assert errors[1] < 1e-3
        assert 5 < errors[0] / errors[1] < 20  # O(eps): ten times smaller for a ten times smaller step

    def test_bad_reading_and_step(self, instance):
        J, labels = instance
        with pytest.raises(ValueError, match="reading"):
            bp.finite_difference_sensitivities(J, labels, N_V, 1e-3, "both")
        with pytest.raises(ValueError, match="eps"):
            bp.finite_difference_sensitivities(J, labels, N_V, 0.0, "renormalised")


# --------------------------------------------------------------------------- Theorem 4


@pytest.fixture(scope="module")
def hermitian():
    rng = np.random.default_rng(3)
    D = 16
    A = rng.normal(size=(D, D)) + 1j * rng.normal(size=(D, D))
    return (A + A.conj().T) / 4


class TestThermalResponse:
    @pytest.mark.parametrize("label", ["XIII", "XIIZ", "IIIZ", "YZXI"])
    def test_against_expm_central_differences(self, hermitian, label):
        E, V = np.linalg.eigh(hermitian)
        X = pauli_matrix(label)
        eps = 1e-5
        fd = (dense_rho_v(hermitian + eps * X, N_V) - dense_rho_v(hermitian - eps * X, N_V)) / (2 * eps)
        got = bp.thermal_response(E[None], V[None], X, N_V)[0]
        assert_allclose(got, half_trace_norm(fd), rtol=1e-7)
        assert_allclose(bp.thermal_response(E[None], V[None], label, N_V)[0], got, rtol=1e-12)

    @pytest.mark.parametrize("label, expected", [("XIII", 0.5), ("XZII", 0.5), ("XIIZ", 0.0), ("IIIZ", 0.0)])
    def test_zero_hamiltonian_closed_form(self, label, expected):
        """H = 0 (fully degenerate): d rho = -(X - Tr X / D) / D, so Tr_h d rho = -h_v Tr(h_h) / D
        and the sensitivity is 1/2 for h_h = I, 0 for traceless h_h: exact limits, no NaN."""
        D = 16
        got = bp.thermal_response(np.zeros((1, D)), np.eye(D)[None], pauli_matrix(label), N_V)
        assert_allclose(got, [expected], atol=1e-15)

    def test_haar_unitary_is_unitary(self):
        U = bp.haar_unitary(np.random.default_rng(0), 8)
        assert_allclose(U @ U.conj().T, np.eye(8), atol=1e-13)

    def test_perturbation_labels(self):
        p = bp.perturbations(3, 2)
        assert p == {"visible": "XIIII", "across": "XIIZI", "hidden": "IIIZI"}
        classes = bp.term_classes(list(p.values()), 3)
        assert list(classes) == ["visible", "across", "hidden"]

    def test_bad_input(self):
        with pytest.raises(ValueError, match="X of shape"):
            bp.thermal_response(np.zeros((1, 16)), np.eye(16)[None], np.eye(8), N_V)
        with pytest.raises(ValueError, match="E .* and V"):
            bp.thermal_response(np.zeros((1, 16)), np.eye(8)[None], "XIII", N_V)
        with pytest.raises(ValueError):
            bp.thermal_response(np.zeros((1, 16)), np.eye(16)[None], "XII", N_V)
        with pytest.raises(ValueError, match="n_visible"):
            bp.thermal_response(np.zeros((1, 16)), np.eye(16)[None], "XIII", 5)


# --------------------------------------------------------------------------- objectives


class TestObjectivesOnTheBoltzmannMachine:
    """BoltzmannMachine.gradient for the Observable and Fidelity objectives vs dense FD."""

    @pytest.fixture(scope="class")
    @classmethod
    def setup(cls):
        qbm = BoltzmannMachine(N_V, 1)
        J, _ = couplings(4, 1, seed=11)
        J = qbm.normalise(J)[0]
        rng = np.random.default_rng(5)
        A = rng.normal(size=(8, 8)) + 1j * rng.normal(size=(8, 8))
        target = A @ A.conj().T
        target /= np.trace(target)
        return qbm, J, {"observable": Observable(pauli_matrix("ZXI")), "fidelity": Fidelity(target)}

    @pytest.mark.parametrize("name", ["observable", "fidelity"])
    def test_gradient_against_dense_central_differences(self, setup, name):
        qbm, J, objectives = setup
        objective = objectives[name]
        grad = qbm.gradient(J, objective)
        eps = 1e-5
        for k in (0, 9, 30, 65):
            e = np.zeros(qbm.n_params)
            e[k] = eps
            plus = objective.value(dense_rho_v(dense_h(J + e, qbm.terms), N_V)[None])[0]
            minus = objective.value(dense_rho_v(dense_h(J - e, qbm.terms), N_V)[None])[0]
            assert_allclose(grad[k], (plus - minus) / (2 * eps), rtol=1e-6, atol=1e-10)


# --------------------------------------------------------------------------- the experiments


@pytest.fixture(scope="module")
def quick_tables(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    mp = pytest.MonkeyPatch()
    mp.setenv("PLATEAUS_DATA", str(root))
    try:
        params = {"scale": "quick", "instances": 12}
        yield (bp.sensitivity(params), bp.theorem4(params), bp.finite_differences(params))
    finally:
        mp.undo()


PARAMS = {"scale": "quick", "instances": 12}


@pytest.fixture(scope="module")
def numbers(quick_tables):
    df, th, fd = quick_tables
    return bp.quoted(PARAMS, df, fd, th, n_boot=400)


class TestQuickScale:
    def test_sensitivity_table(self, quick_tables):
        df = quick_tables[0]
        assert set(df["reading"]) == set(bp.READINGS)
        assert len(df) == 2 * 12 * 3
        assert list(df.columns) == bp.SENSITIVITY_COLUMNS
        classes = df[["inf_visible", "inf_across", "inf_hidden"]].max(axis=1)
        assert_allclose(df["inf_all"], classes, rtol=0, atol=0)

    def test_readings_differ_by_the_norm(self, quick_tables):
        """Reading (i) is about (1/2)/N; reading (ii)'s visible terms are about 1/2."""
        df = quick_tables[0]
        fixed = df[df.reading == "fixed-point"].set_index(["n_hidden", "instance"])
        renorm = df[df.reading == "renormalised"].set_index(["n_hidden", "instance"])
        assert ((fixed["inf_visible"] > 0.45) & (fixed["inf_visible"] <= 0.5)).all()
        assert (fixed["argmax_class"] == "visible").all()
        assert_allclose(renorm["inf_all"] * renorm["raw_norm"], fixed["inf_all"], rtol=0.15)

    def test_theorem4_table(self, quick_tables):
        th = quick_tables[1]
        assert len(th) == 12 * 3 * 2 * 2 * 3  # instances, sizes, bases, betas, perturbations
        haar = th[(th.eigenbasis == "haar") & (th.beta == 1.0)]
        means = haar.groupby(["perturbation", "n_hidden"])["sensitivity"].mean()
        assert means["visible"].min() > 3 * means["across"].max()
        assert means["across"][2] < means["across"][1]


# --------------------------------------------------------------------------- the page's numbers


def weighted_line(x, y, sy):
    """Independent weighted least squares (numpy.polyfit with w = 1/sigma): slope, its t
    interval (dof n - 2, covariance scaled by chi^2/dof where that exceeds 1) and chi^2/dof."""
    x, y, sy = (np.asarray(a, dtype=float) for a in (x, y, sy))
    coef, cov = np.polyfit(x, y, 1, w=1 / sy, cov="unscaled")
    dof = len(x) - 2
    chi2_dof = (((y - np.polyval(coef, x)) / sy) ** 2).sum() / dof
    se = np.sqrt(cov[0, 0] * max(1.0, chi2_dof))
    t = stats.t.ppf(0.975, dof)
    return coef[0], coef[0] - t * se, coef[0] + t * se, chi2_dof, se


def log2_mean(values):
    """log2 of the mean of each group and its delta-method error, by hand."""
    g = values.groupby(level=0)
    m, sd, n = g.mean(), g.std(ddof=1), g.count()
    return m.index.to_numpy(float), np.log2(m.to_numpy()), (sd / np.sqrt(n) / m / np.log(2)).to_numpy()


def log2_var(values):
    """log2 of the unbiased variance of each group and its delta-method error, by hand, from the
    fourth central moment: Var(s^2) = (m4 - (n-3)/(n-1) s^4) / n."""
    xs, ys, ses = [], [], []
    for h, v in values.groupby(level=0):
        v = v.to_numpy(float)
        n, s2 = v.size, v.var(ddof=1)
        m4 = ((v - v.mean()) ** 4).mean()
        xs.append(h)
        ys.append(np.log2(s2))
        ses.append(np.sqrt((m4 - (n - 3) / (n - 1) * s2**2) / n) / s2 / np.log(2))
    return np.array(xs, float), np.array(ys), np.array(ses)


def reading(df, name, column="inf_all"):
    return df[df.reading == name].set_index("n_hidden")[column]


class TestQuoted:
    @pytest.mark.parametrize("tag, name", [("i", "renormalised"), ("ii", "fixed-point")])
    def test_mean_slope_is_the_weighted_fit(self, quick_tables, numbers, tag, name):
        x, y, sy = log2_mean(reading(quick_tables[0], name))
        slope, low, high, chi2_dof, _ = weighted_line(x, y, sy)
        assert_allclose([numbers[f"mean_{tag}"], numbers[f"mean_{tag}_low"], numbers[f"mean_{tag}_high"],
                         numbers[f"mean_{tag}_chi2_dof"]], [slope, low, high, chi2_dof], rtol=1e-9)
        assert numbers[f"mean_{tag}_dof"] == len(x) - 2
        assert_allclose(numbers[f"mean_{tag}_p_line"], stats.chi2.sf(chi2_dof * (len(x) - 2), len(x) - 2),
                        rtol=1e-9)
        assert numbers[f"mean_{tag}_line"] == ("rejected" if numbers[f"mean_{tag}_p_line"] < 0.01
                                               else "not rejected")
        assert_allclose(numbers[f"mean_{tag}_ln"], slope * np.log(2), rtol=1e-12)

    def test_variance_slope_is_weighted_by_the_se_of_the_variance(self, quick_tables, numbers):
        x, y, sy = log2_var(reading(quick_tables[0], "renormalised"))
        slope, low, high, chi2_dof, _ = weighted_line(x, y, sy)
        assert_allclose([numbers["var_i"], numbers["var_i_low"], numbers["var_i_high"],
                         numbers["var_i_chi2_dof"]], [slope, low, high, chi2_dof], rtol=1e-9)

    def test_paper_distance_is_student_t(self, quick_tables, numbers):
        x, y, sy = log2_mean(reading(quick_tables[0], "renormalised"))
        slope, *_, se = weighted_line(x, y, sy)
        t = (slope - bp.PAPER_SLOPE) / se
        assert_allclose(numbers["paper_t"], t, rtol=1e-9)
        assert_allclose(numbers["paper_p"], 2 * stats.t.sf(abs(t), len(x) - 2), rtol=1e-9)
        assert numbers["paper_verdict"] == ("consistent with" if numbers["paper_p"] >= 0.05
                                            else "not consistent with")

    def test_unweighted_line_the_papers_way(self, quick_tables, numbers):
        x, y, _ = log2_mean(reading(quick_tables[0], "renormalised"))
        coef, res, *_ = np.polyfit(x, y, 1, full=True)
        se = np.sqrt(res[0] / (len(x) - 2) / ((x - x.mean()) ** 2).sum())
        assert_allclose([numbers["mean_i_ols"], numbers["mean_i_ols_se"]], [coef[0], se], rtol=1e-9)
        assert numbers["mean_i_ols_low"] < numbers["mean_i_ols"] < numbers["mean_i_ols_high"]

    def test_steps_are_differences_of_the_logs_with_bootstrap_intervals(self, quick_tables, numbers):
        _, y, _ = log2_mean(reading(quick_tables[0], "renormalised"))
        assert_allclose([numbers["mean_i_step_first"], numbers["mean_i_step_last"]],
                        [y[1] - y[0], y[-1] - y[-2]], rtol=1e-12)
        for which in ("first", "last"):
            assert numbers[f"mean_i_step_{which}_low"] < numbers[f"mean_i_step_{which}"] \
                < numbers[f"mean_i_step_{which}_high"]
        assert (numbers["step_first_from"], numbers["step_last_to"]) == (1, 3)

    def test_bootstrap_is_seeded_from_the_parameters(self, quick_tables, numbers):
        df, th, fd = quick_tables
        again = bp.quoted(PARAMS, df, fd, th, n_boot=400)
        other = bp.quoted({**PARAMS, "seed": 7}, df, fd, th, n_boot=400)
        assert again["mean_i_step_first_low"] == numbers["mean_i_step_first_low"]
        assert other["mean_i_step_first_low"] != numbers["mean_i_step_first_low"]
        assert other["mean_i"] == numbers["mean_i"]

    def test_norm_fits(self, quick_tables, numbers):
        df = quick_tables[0]
        x, y, sy = log2_mean(reading(df, "renormalised", "raw_norm"))
        assert_allclose(numbers["norm_slope"], weighted_line(x, y, sy)[0], rtol=1e-9)
        power = weighted_line(np.log2(x + 3), y, sy)
        assert_allclose([numbers["norm_power"], numbers["norm_power_low"], numbers["norm_power_high"]],
                        power[:3], rtol=1e-9)
        assert 1.2 < numbers["norm_power"] < 1.9  # N ~ n^(3/2) for dense 2-local couplings
        assert_allclose([numbers["norm_first"], numbers["norm_last"]], 2 ** y[[0, -1]], rtol=1e-12)

    def test_decay_steps(self, quick_tables):
        df = quick_tables[0]
        steps = bp.decay_steps(df, seed=1, n_boot=200)
        _, y, _ = log2_mean(reading(df, "renormalised"))
        x, yn, sy = log2_mean(reading(df, "renormalised", "raw_norm"))
        dlog = np.diff(np.log2(x + 3))
        assert list(steps["n_hidden_to"]) == [2, 3]
        assert_allclose(steps["measured"], np.diff(y), rtol=1e-12)
        assert_allclose(steps["norm"], np.diff(yn), rtol=1e-12)
        assert_allclose(steps["exponent"], np.diff(yn) / dlog, rtol=1e-12)
        a = weighted_line(np.log2(x + 3), yn, sy)[0]
        assert_allclose(steps["power_law"], -a * dlog, rtol=1e-9)
        assert (np.diff(steps["power_law"]) > 0).all()  # the predicted steps shrink
        assert_allclose(steps["measured"], steps["power_law"], atol=0.1)
        assert (steps["power_law_low"] < steps["power_law"]).all()

    def test_class_and_theorem_fits(self, quick_tables, numbers):
        df, th, _ = quick_tables
        fixed = df[df.reading == "fixed-point"].set_index("n_hidden")["inf_across"]
        assert_allclose(numbers["class_ii_across"], weighted_line(*log2_mean(fixed))[0], rtol=1e-9)
        sub = th[(th.eigenbasis == "two-local") & (th.beta == 10.0) & (th.perturbation == "hidden")]
        slope, *_, se = weighted_line(*log2_mean(sub.set_index("n_hidden")["sensitivity"]))
        assert_allclose(numbers["th_two_local_10_hidden"], slope, rtol=1e-9)
        assert_allclose(numbers["th_two_local_10_hidden_p_hot"],
                        2 * stats.t.sf(abs((slope + 1) / se), 1), rtol=1e-9)

    def test_purity_estimate(self, quick_tables, numbers):
        th = quick_tables[1]
        one = th[(th.eigenbasis == "two-local") & (th.perturbation == "visible") & (th.beta == 10.0)]
        value = np.sqrt(2.0 ** (3 - one["n_hidden"]) * one["purity"])
        est = bp.purity_estimate(th)
        est = est[est.beta == 10.0].set_index("n_hidden")
        assert_allclose(est["estimate"], value.groupby(one["n_hidden"]).mean(), rtol=1e-12)
        d = (one["purity"] * 2.0 ** (3 + one["n_hidden"])).groupby(one["n_hidden"]).mean()
        assert_allclose([numbers["dpurity_10_first"], numbers["dpurity_10_last"]], d.iloc[[0, -1]], rtol=1e-12)
        assert_allclose(numbers["est_10"], weighted_line(*log2_mean(value.set_axis(one["n_hidden"])))[0],
                        rtol=1e-9)

    def test_values_shares_and_finite_differences(self, quick_tables, numbers):
        df, _, fd = quick_tables
        _, y, _ = log2_mean(reading(df, "renormalised"))
        assert_allclose([numbers["log2_i_first"], numbers["log2_i_last"]], y[[0, -1]], rtol=1e-12)
        assert numbers["visible_share"] == 100 * (df["argmax_class"] == "visible").mean()
        big = fd["step"].max()
        assert numbers["fd_err_big"] == fd.loc[fd.step == big, "max_rel_error"].max()
        assert numbers["fd_step_mid"] == 1e-4 and numbers["fd_instances"] == 2

    def test_every_glued_key_of_the_page_is_quoted(self, numbers):
        page = Path(__file__).resolve().parents[1] / "chapters" / "boltzmann-plateau.md"
        used = set(re.findall(r"\{glue:text\}`bp-([a-z0-9-]+)", page.read_text()))
        assert used
        assert used <= {k.replace("_", "-") for k in numbers}


class TestVerdicts:
    """The page's verdicts in words, each against the numbers it is made from."""

    @staticmethod
    def steps(values, lows, highs):
        return pd.DataFrame({"n_hidden_from": np.arange(1, len(values) + 1), "step": values,
                             "low": lows, "high": highs})

    @staticmethod
    def fit(y, se=0.01):
        x = np.arange(1.0, len(y) + 1)
        return bp.analysis.fit_line(x, np.asarray(y, dtype=float), np.full(len(y), se))

    def test_steps_sign(self):
        s = self.steps
        assert bp.steps_sign(s([0.1, 0.2], [0.05, 0.1], [0.2, 0.3])) == "every step is a rise"
        assert bp.steps_sign(s([-0.1, -0.2], [-0.2, -0.3], [-0.05, -0.1])) == "every step is a fall"
        assert bp.steps_sign(s([0.1, -0.1], [-0.1, -0.3], [0.2, 0.1])) == "no step differs from zero"
        assert bp.steps_sign(s([0.1, -0.1], [0.05, -0.3], [0.2, -0.05])) == "the steps change sign"
        assert bp.steps_sign(s([0.1, 0.1], [0.05, -0.1], [0.2, 0.3])) == "some steps differ from zero, some do not"

    def test_rate_change_follows_the_line_and_the_steps(self):
        bent = self.fit([0.0, -1.0, -1.5, -1.75])  # steps -1, -0.5, -0.25: rejected, flattening
        assert bent.rejected()
        steps = self.steps(np.diff([0.0, -1.0, -1.5, -1.75]), [-9] * 3, [9] * 3)
        assert bp.rate_change(bent, steps) == "flattens with every hidden qubit"
        assert bp.rate_change(bent, steps.assign(step=[-0.25, -0.5, -1.0])) == "steepens with every hidden qubit"
        assert bp.rate_change(bent, steps.iloc[::-1]) == "flattens with every hidden qubit"  # by n_hidden
        assert bp.rate_change(bent, steps.assign(step=[-1.0, -0.25, -0.5])) == "changes its rate irregularly"
        straight = self.fit([0.0, -1.0, -2.0, -3.0])
        assert not straight.rejected()
        assert bp.rate_change(straight, steps) == "is consistent with a constant rate"

    def test_slope_verdict_is_student_t_at_5_percent(self):
        fit = self.fit([0.0, -1.1, -2.2, -3.3], se=0.02)  # exact line: the interval is the errors'
        for value in (-1.0, -1.1, -1.2, -0.5):
            p = stats.t.sf(abs(fit.slope - value) / fit.slope_se, fit.dof) * 2
            expected = ("consistent with" if p >= 0.05 else "faster than" if fit.slope < value
                        else "slower than")
            assert bp.slope_verdict(fit, value) == expected
        assert bp.slope_verdict(fit, -1.1) == "consistent with"
        assert bp.slope_verdict(fit, -0.5) == "faster than"
        assert bp.slope_verdict(fit, -2.0) == "slower than"

    def test_trend_and_pair(self):
        assert bp.trend(self.fit([0.0, -1.0, -2.0])) == "falls"
        assert bp.trend(self.fit([0.0, 1.0, 2.0])) == "rises"
        assert bp.trend(self.fit([0.0, 0.001, -0.001], se=0.1)) == "is consistent with no change"
        assert bp.pair_verdict("faster than", "faster than") == "both faster than"
        assert bp.pair_verdict("faster than", "consistent with") \
            == "faster than (across the cut) and consistent with (hidden only)"

    def test_quoted_verdicts_follow_the_quoted_numbers(self, numbers):
        for name in ("mean_i", "mean_ii", "var_i", "th_haar_1_across", "norm_slope"):
            assert numbers[f"{name}_chi2_dof_text"] == bp.analysis.chi2_text(numbers[f"{name}_chi2_dof"])
            expected = ("falls" if numbers[f"{name}_high"] < 0 else "rises" if numbers[f"{name}_low"] > 0
                        else "is consistent with no change")
            assert numbers[f"{name}_trend"] == expected
            if numbers[f"{name}_line"] == "not rejected":
                assert numbers[f"{name}_shape"] == "is consistent with a constant rate"
        for name in ("th_haar_1_across", "th_haar_10_hidden"):
            for ref, p in (("hot", "p_hot"), ("bound", "p_bound")):
                assert (numbers[f"{name}_vs_{ref}"] == "consistent with") == (numbers[f"{name}_{p}"] >= 0.05)
        across, hidden = numbers["th_haar_1_across_vs_bound"], numbers["th_haar_1_hidden_vs_bound"]
        assert numbers["th_haar_1_traceless_vs_bound"] == bp.pair_verdict(across, hidden)

    def test_estimate_ratio(self, quick_tables, numbers):
        th = quick_tables[1]
        ratio = bp.estimate_ratio(th)
        assert set(ratio["perturbation"]) == {"across", "hidden"} and len(ratio) == 2 * 2 * 3
        one = th[(th.eigenbasis == "haar") & (th.beta == 10.0) & (th.perturbation == "hidden") & (th.n_hidden == 2)]
        est = np.sqrt(2.0 ** (3 - 2) * one["purity"]).mean()
        row = ratio[(ratio.beta == 10.0) & (ratio.perturbation == "hidden") & (ratio.n_hidden == 2)]
        assert_allclose(row["ratio"], est / one["sensitivity"].mean(), rtol=1e-12)
        assert numbers["est_ratio_min"] == ratio["ratio"].min() > 1  # the estimate lies above


class TestResultsRows:
    def test_rows(self, numbers):
        rows = bp.results_rows(numbers)
        assert len(rows) == 7
        assert all(set(r) == {"result", "figure", "quantity", "paper", "ours"} for r in rows)
        first = rows[0]
        assert first["paper"].startswith(f"{bp.PAPER_SLOPE} ± {bp.PAPER_SLOPE_SE}")
        assert first["ours"].startswith(numbers["mean_i_text"])
        assert f"t = {numbers['paper_t']:.2f}" in first["ours"]

    def test_local_exponents_are_quoted_where_the_power_law_is_rejected(self, numbers):
        for line in ("rejected", "not rejected"):
            ours = bp.results_rows({**numbers, "norm_power_line": line})[5]["ours"]
            assert ours.startswith(numbers["norm_power_text"])
            assert (numbers["norm_power_steps_text"] in ours) == (line == "rejected")

    def test_steps_are_quoted_only_where_the_line_is_rejected(self, numbers):
        for line in ("rejected", "not rejected"):
            rows = bp.results_rows({**numbers, "var_ii_line": line})
            assert (numbers["var_ii_steps_text"] in rows[4]["ours"]) == (line == "rejected")
            assert rows[4]["ours"].startswith(numbers["var_ii_text"])


class TestSummaries:
    def test_replica_points_errors(self):
        """Normal data: the SE of the sample variance is about sigma^2 sqrt(2/(n-1))."""
        rng = np.random.default_rng(0)
        n = 4000
        df = pd.DataFrame({"reading": "renormalised", "n_hidden": np.repeat([1, 2], n),
                           "inf_all": np.concatenate([rng.normal(5, 1, n), rng.normal(5, 2, n)])})
        var = bp.replica_points(df, "var")
        assert_allclose(var["se"], var["value"] * np.sqrt(2 / (n - 1)), rtol=0.1)
        assert_allclose(var["log2_se"], var["se"] / var["value"] / np.log(2), rtol=1e-12)
        mean = bp.replica_points(df, "mean")
        assert_allclose(mean["se"], [1 / np.sqrt(n), 2 / np.sqrt(n)], rtol=0.1)

    def test_slope_summary(self, quick_tables):
        th = quick_tables[1]
        table = bp.theorem_summary(th, seed=3, n_boot=200)
        fits = bp.theorem_fits(th)
        assert len(table) == 2 * 2 * 3
        assert list(table.columns[-2:]) == ["n_h 1→2", "n_h 2→3"]
        for key, row in table.iterrows():
            fit = fits.loc[key, "fit"]
            assert row["slope [95 %]"] == fit.interval_text()
            assert row["line"] == ("rejected" if fit.rejected() else "not rejected")
        assert bp.replica_summary(quick_tables[0], n_boot=200).index.names == ["statistic", "reading"]

    def test_bad_arguments(self, quick_tables):
        df = quick_tables[0]
        with pytest.raises(ValueError, match="statistic"):
            bp.reading_fits(df, "median")
        with pytest.raises(ValueError, match="statistic"):
            bp.replica_points(df, "median")
        with pytest.raises(ValueError, match="seed"):
            bp.log_steps(df, "reading", "inf_all", seed=-1)
