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
        yield (bp.sensitivity(params), bp.theorem4(params), bp.finite_differences(params),
               bp.theorem4_betas(params), bp.spectra(params))
    finally:
        mp.undo()


#: The repository's data root, where the committed extended table lies.
DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def extended():
    return bp.load_extended(root=DATA)


PARAMS = {"scale": "quick", "instances": 12}
PARAMS_SEED = 2021


@pytest.fixture(scope="module")
def numbers(quick_tables, extended):
    df, th, fd, tt, sp = quick_tables
    return bp.quoted(PARAMS, df, fd, th, tt, sp, extended, n_boot=400)


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
        df, th, fd, tt, sp = quick_tables
        again = bp.quoted(PARAMS, df, fd, th, tt, sp, None, n_boot=400)
        other = bp.quoted({**PARAMS, "seed": 7}, df, fd, th, tt, sp, None, n_boot=400)
        for key in ("mean_i_step_first_low", "gamma_h1_low", "mg_book_1_1_3_low"):
            assert again[key] == numbers[key]
            assert other[key] != numbers[key]
        assert other["mean_i"] == numbers["mean_i"] and other["gamma_h1"] == numbers["gamma_h1"]

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
        df, th, *_ = quick_tables
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
        df, _, fd, *_ = quick_tables
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
        th = quick_tables[3]  # the page's Theorem 4 numbers come from the beta scan
        ratio = bp.estimate_ratio(th)
        assert set(ratio["perturbation"]) == {"across", "hidden"} and len(ratio) == 2 * 3 * 3
        one = th[(th.eigenbasis == "haar") & (th.beta == 10.0) & (th.perturbation == "hidden") & (th.n_hidden == 2)]
        est = np.sqrt(2.0 ** (3 - 2) * one["purity"]).mean()
        row = ratio[(ratio.beta == 10.0) & (ratio.perturbation == "hidden") & (ratio.n_hidden == 2)]
        assert_allclose(row["ratio"], est / one["sensitivity"].mean(), rtol=1e-12)
        assert numbers["est_ratio_min"] == ratio["ratio"].min() > 1  # the estimate lies above


class TestResultsRows:
    def test_rows(self, numbers):
        rows = bp.results_rows(numbers)
        assert len(rows) == 7 + len(bp.issue16_rows(numbers))
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


# --------------------------------------------------------------------------- issue 16: the store


class TestStoreKeys:
    def test_first_tables_are_keyed_without_the_added_parameters(self):
        """The committed tables' manifests hold exactly the key store_params gives them, so the
        page reads them from the cache and never recomputes them."""
        import json

        from plateaus.fingerprint import canonical_json
        from plateaus.params import chapter_params

        for scale in ("paper", "extended"):  # the committed scales (quick tables are not committed)
            params = chapter_params("boltzmann-plateau", scale)
            assert set(bp.ADDED_KEYS) <= set(params)
            manifest = json.loads((DATA / "boltzmann-plateau" / scale / "manifest.json").read_text())
            for name in bp.FIRST_TABLES:
                stored = manifest["experiments"][name]["parameters"]
                assert canonical_json(stored) == canonical_json(bp.store_params(name, params)), (scale, name)
            assert bp.store_params(bp.THEOREM_BETAS, params) == params
            assert bp.store_params(bp.SPECTRA, params) == params

    def test_beta_scan_repeats_the_committed_theorem_rows(self, quick_tables):
        _, th, _, tt, _ = quick_tables
        keys = ["n_hidden", "instance", "eigenbasis", "beta", "perturbation"]
        both = th.merge(tt, on=keys, suffixes=("", "_scan"))
        assert len(both) == len(th) and set(tt["beta"]) == {1.0, 3.0, 10.0}
        assert (both["sensitivity"] == both["sensitivity_scan"]).all()
        assert (both["purity"] == both["purity_scan"]).all()


# --------------------------------------------------------------------------- issue 16: Gamma


def dense_normalised_spectrum(J, labels):
    H = dense_h(J, labels)
    return np.linalg.eigvalsh(H / np.linalg.norm(H, 2))


class TestLevelSpacing:
    def test_inverse_gap_sums_against_a_loop(self):
        E = np.random.default_rng(1).normal(size=(3, 7))
        out = bp.inverse_gap_sums(E)
        for b in range(3):
            for n in range(7):
                expected = sum(1 / (E[b, n] - E[b, j]) for j in range(7) if j != n) / 7
                assert_allclose(out[b, n], expected, rtol=1e-12)

    def test_picket_fence_closed_form(self):
        """Equal spacing delta: the edge levels have |sigma| = H_{D-1}/(D delta), the largest,
        the same in every instance, so the bootstrap interval has no width; Gamma(beta) =
        Gamma(1)/beta and D Tr rho^2 is the closed form of a geometric distribution."""
        D, delta, B = 16, 0.1, 6
        E = np.tile(np.arange(D) * delta, (B, 1))
        sp = pd.DataFrame({"n_hidden": 1, "instance": np.repeat(np.arange(B), D),
                           "level": np.tile(np.arange(D), B), "energy": E.ravel()})
        ls = bp.level_spacing(sp, [1.0, 4.0], seed=0, n_boot=200)
        harmonic = (1 / np.arange(1, D)).sum()
        one, four = ls.iloc[0], ls.iloc[1]
        assert_allclose(one["gamma"], harmonic / (D * delta), rtol=1e-12)
        assert_allclose([one["gamma_low"], one["gamma_high"]], one["gamma"], rtol=1e-12)
        assert_allclose(four["gamma"], one["gamma"] / 4, rtol=1e-12)
        assert one["argmax_place"] in ("ground", "top") and one["top_share"] == pytest.approx(1 / B)
        q = np.exp(-4.0 * delta)
        p = q ** np.arange(D) * (1 - q) / (1 - q**D)
        assert_allclose(four["d_purity"], D * (p**2).sum(), rtol=1e-12)

    def test_spectra_table_against_dense_matrices(self, quick_tables):
        sp = quick_tables[4]
        assert set(sp["n_hidden"]) == {1, 2, 3}
        for n_hidden in (1, 3):
            n = N_V + n_hidden
            labels = two_local_terms(n)
            seeds = np.random.SeedSequence([2021, n_hidden]).spawn(2)
            J = np.stack([sample_couplings(n, 1, np.random.default_rng(s), 0.01, 1.0)[0] for s in seeds])
            for i in range(2):
                got = sp[(sp.n_hidden == n_hidden) & (sp.instance == i)].sort_values("level")["energy"]
                assert_allclose(got, dense_normalised_spectrum(J[i], labels), atol=1e-12)

    def test_purity_is_the_theorem_tables(self, quick_tables):
        """D Tr rho^2 from the spectra is the theorem table's purity (a dense expm there)."""
        tt, sp = quick_tables[3], quick_tables[4]
        ls = bp.level_spacing(sp, [1.0, 3.0, 10.0], seed=0, n_boot=100).set_index(["beta", "n_hidden"])
        one = tt[(tt.eigenbasis == "haar") & (tt.perturbation == "visible")]
        d = (one["purity"] * 2.0 ** (N_V + one["n_hidden"])).groupby([one["beta"], one["n_hidden"]]).mean()
        assert_allclose(ls["d_purity"].sort_index(), d.sort_index(), rtol=1e-10)
        J, labels = couplings(4, 1, seed=3)
        H = dense_h(J[0], labels)
        rho = expm(-3.0 * H / np.linalg.norm(H, 2))
        rho /= np.trace(rho)
        e = dense_normalised_spectrum(J[0], labels)
        w = np.exp(-3.0 * (e - e[0]))
        assert_allclose(16 * np.trace(rho @ rho).real, 16 * ((w / w.sum()) ** 2).sum(), rtol=1e-10)

    def test_bootstrap_is_seeded_and_brackets_gamma(self, quick_tables):
        sp = quick_tables[4]
        a = bp.level_spacing(sp, seed=5, n_boot=200)
        assert a.equals(bp.level_spacing(sp, seed=5, n_boot=200))
        assert (a["gamma_low"] <= a["gamma_high"]).all()
        assert not a.equals(bp.level_spacing(sp, seed=6, n_boot=200))

    def test_kramers_pairs_make_gamma_parity_dependent(self):
        """Without on-site terms the off-site 2-local Hamiltonian is even under time reversal
        Y^{(x)n} K, whose square is (-1)^n: at odd n every level is doubly degenerate (Kramers),
        at even n not. The on-site terms of Fig. 3(c) only split these pairs weakly."""
        for n, degenerate in ((4, False), (5, True), (6, False)):
            J = sample_couplings(n, 2, 11, onsite_var=0.0, offsite_var=1.0)
            E = bp.normalised_spectra(J, two_local_terms(n))
            pairs = np.abs(np.diff(E, axis=1)[:, 0::2]).max()
            assert (pairs < 1e-12) == degenerate

    def test_bad_input(self):
        with pytest.raises(ValueError, match="E of shape"):
            bp.inverse_gap_sums(np.zeros(4))
        sp = pd.DataFrame({"n_hidden": 1, "instance": 0, "level": [0, 1], "energy": [0.0, 1.0]})
        with pytest.raises(ValueError, match="betas"):
            bp.level_spacing(sp, [0.0])
        with pytest.raises(ValueError, match="n_boot"):
            bp.level_spacing(sp, n_boot=10)


# --------------------------------------------------------------------------- issue 16: the two forms


class TestForms:
    def test_trace_ratio_against_matrices(self):
        rng = np.random.default_rng(2)
        for label, expected in (("II", 4.0), ("ZI", 0.0), ("XY", 0.0), ("III", 8.0)):
            assert bp.trace_ratio(label) == expected
            assert_allclose(bp.trace_ratio(pauli_matrix(label)), expected, atol=1e-12)
        a = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
        h = a + a.conj().T
        assert_allclose(bp.trace_ratio(h), np.trace(h).real ** 2 / np.trace(h @ h).real, rtol=1e-12)
        with pytest.raises(ValueError, match="Hermitian"):
            bp.trace_ratio(a)

    def test_bound_factors(self):
        """h_h = I: printed sqrt(2 D_v/D_h), book sqrt(D_v (D_h + 1)/D_h); traceless: both
        sqrt(D_v/D_h); and the printed form never exceeds sqrt(2 D_v/D_h), since
        (Tr h)^2 <= D_h Tr h^2 (Cauchy-Schwarz)."""
        n_h = np.arange(1, 6)
        d_h = 2.0**n_h
        assert_allclose(bp.bound_factor(3, n_h, "identity", "printed"), np.sqrt(2 * 8 / d_h), rtol=1e-12)
        assert_allclose(bp.bound_factor(3, n_h, "identity", "book"), np.sqrt(8 * (d_h + 1) / d_h), rtol=1e-12)
        for form in bp.FORMS:
            assert_allclose(bp.bound_factor(3, n_h, 0.0, form), np.sqrt(8 / d_h), rtol=1e-12)
        rng = np.random.default_rng(4)
        for _ in range(20):
            a = rng.normal(size=(8, 8)) + 2.0 * np.eye(8) * rng.normal()
            c = bp.trace_ratio(a + a.T)
            assert bp.bound_factor(3, 3, c, "printed") <= np.sqrt(2 * 8 / 8) + 1e-12
        with pytest.raises(ValueError, match="form"):
            bp.bound_factor(3, 1, 0.0, "other")

    def test_form_tests_are_weighted_fits_and_student_t(self, quick_tables):
        df, _, _, tt, _ = quick_tables
        tests = bp.form_tests(tt, df)
        assert list(tests.index) == ["haar_1", "haar_3", "haar_10", "ii_mean", "ii_max"]
        sub = tt[(tt.eigenbasis == "haar") & (tt.beta == 3.0) & (tt.perturbation == "visible")]
        x, y, sy = log2_mean(sub.set_index("n_hidden")["sensitivity"])
        slope, low, high, _, se = weighted_line(x, y, sy)
        row = tests.loc["haar_3"]
        assert_allclose([row["slope"], row["low"], row["high"]], [slope, low, high], rtol=1e-9)
        book = np.log2(np.sqrt(8 * (2.0**x + 1) / 2.0**x))
        pred = np.polyfit(x, book, 1, w=1 / sy)[0]
        assert_allclose(row["pred_book"], pred, rtol=1e-9)
        assert row["pred_printed"] == -0.5 and row["pred_flat"] == 0.0
        assert_allclose(row["p_printed"], 2 * stats.t.sf(abs((slope + 0.5) / se), len(x) - 2), rtol=1e-9)
        assert_allclose(row["t_book"], (slope - pred) / se, rtol=1e-9)
        fixed = df[df.reading == "fixed-point"].set_index("n_hidden")
        assert_allclose(tests.loc["ii_mean", "slope"], weighted_line(*log2_mean(fixed["mean_visible"]))[0], rtol=1e-9)
        assert_allclose(tests.loc["ii_max", "slope"], weighted_line(*log2_mean(fixed["inf_visible"]))[0], rtol=1e-9)
        points = bp.form_points(tt, df)
        assert (points.groupby("set")["rel"].first() == 0).all()
        assert len(bp.form_table(tests)) == 5

    def test_bound_table_and_matched_growth(self, quick_tables):
        tt, sp = quick_tables[3], quick_tables[4]
        bt = bp.bound_table(tt, sp, seed=1, n_boot=200)
        ls = bp.level_spacing(sp, [1.0, 3.0, 10.0], seed=1, n_boot=200).set_index(["beta", "n_hidden"])
        assert len(bt) == 3 * 3 * 3
        for r in bt.itertuples():
            one = tt[(tt.eigenbasis == "haar") & (tt.beta == r.beta) & (tt.perturbation == r.perturbation)
                     & (tt.n_hidden == r.n_hidden)]
            assert_allclose(r.G, 2 * one["sensitivity"].mean(), rtol=1e-12)
            assert_allclose(r.gamma, ls.loc[(r.beta, r.n_hidden), "gamma"], rtol=1e-12)
            c = "identity" if r.perturbation == "visible" else 0.0
            for form in bp.FORMS:
                bound = r.gamma * bp.bound_factor(3, r.n_hidden, c, form)
                assert_allclose(getattr(r, f"bound_{form}"), bound, rtol=1e-12)
                assert_allclose(getattr(r, f"ratio_{form}"), r.G / bound, rtol=1e-12)
                assert getattr(r, f"ratio_{form}_low") <= getattr(r, f"ratio_{form}_high")
        growth = bp.matched_growth(tt, sp, seed=1, n_boot=200)
        assert set(zip(growth.n_from, growth.n_to)) == {(1, 3)}
        for r in growth.itertuples():
            a = bt[(bt.beta == r.beta) & (bt.perturbation == r.perturbation) & (bt.n_hidden == 1)].iloc[0]
            b = bt[(bt.beta == r.beta) & (bt.perturbation == r.perturbation) & (bt.n_hidden == 3)].iloc[0]
            assert_allclose(r.growth, np.log2(b[f"ratio_{r.form}"] / a[f"ratio_{r.form}"]), rtol=1e-9)
            assert_allclose(r.gamma_change, np.log2(b["gamma"] / a["gamma"]), rtol=1e-9)
            expected = 1.0 if (r.form == "printed" or r.perturbation != "visible") else \
                -np.log2(np.sqrt((9 / 8) / (3 / 2)))
            assert_allclose(r.predicted_if_flat, expected, rtol=1e-12)
        assert len(bp.bound_page_table(bt)) == len(bt)
        assert len(bp.gamma_page_table(ls.reset_index())) == len(ls)


# --------------------------------------------------------------------------- issue 16: N times across


class TestAcrossScaled:
    def test_mean_over_terms_then_instances_and_the_class_maximum(self, quick_tables):
        df = quick_tables[0]
        fixed = df[df.reading == "fixed-point"]
        scaled = bp.across_scaled(df)
        for stat, col in (("mean", "mean_across"), ("max", "inf_across")):
            v = (fixed["raw_norm"] * fixed[col]).groupby(fixed["n_hidden"])
            got = scaled[scaled.statistic == stat].set_index("n_hidden")
            assert_allclose(got["value"], v.mean(), rtol=1e-12)
            half = stats.t.ppf(0.975, v.count() - 1) * v.std(ddof=1) / np.sqrt(v.count())
            assert_allclose(got["high"] - got["value"], half, rtol=1e-9)
            fit = bp.across_fits(df)[stat]
            x, y, sy = log2_mean((fixed["raw_norm"] * fixed[col]).set_axis(fixed["n_hidden"]))
            assert_allclose(fit.slope, weighted_line(x, y, sy)[0], rtol=1e-9)

    def test_quoted_keeps_the_old_keys(self, numbers):
        assert numbers["across_mean_first"] == numbers["across_n_first"]
        assert numbers["across_mean_last"] == numbers["across_n_last"]


# --------------------------------------------------------------------------- issue 16: the extended run


class TestExtended:
    def test_step_changes_are_second_differences(self):
        x = np.array([1, 2, 3, 4])
        v = np.array([8.0, 4.0, 2.5, 2.0])
        se = np.array([0.1, 0.05, 0.04, 0.02])
        out = bp.step_changes(x, v, se)
        y, sy = np.log2(v), se / v / np.log(2)
        assert_allclose(out["change"], y[2:] - 2 * y[1:-1] + y[:-2], rtol=1e-12)
        assert_allclose(out["se"], np.sqrt(sy[2:] ** 2 + 4 * sy[1:-1] ** 2 + sy[:-2] ** 2), rtol=1e-12)
        assert_allclose(out["high"] - out["change"], stats.norm.ppf(0.975) * out["se"], rtol=1e-12)
        assert (out["change"] > 0).all()  # this decay flattens
        with pytest.raises(ValueError, match="at least 3"):
            bp.step_changes(x[:2], v[:2], se[:2])

    def test_step_change_error_by_simulation(self):
        """The delta-method error of the change is the spread of the change of independent means."""
        rng = np.random.default_rng(3)
        means, n = np.array([4.0, 2.0, 1.5]), 400
        draws = np.stack([rng.exponential(m, size=(2000, n)).mean(axis=1) for m in means], axis=1)
        changes = np.log2(draws[:, 2]) - 2 * np.log2(draws[:, 1]) + np.log2(draws[:, 0])
        se = bp.step_changes([1, 2, 3], means, means / np.sqrt(n))["se"].iloc[0]
        assert_allclose(changes.std(), se, rtol=0.08)

    def test_change_verdict(self):
        assert bp.change_verdict(0.01, 0.05) == "flattens"
        assert bp.change_verdict(-0.05, -0.01) == "steepens"
        assert bp.change_verdict(-0.01, 0.05) == "does not change measurably"

    def test_load_extended_is_read_only_and_checked(self, tmp_path):
        import shutil

        from plateaus.store import StoreError

        assert bp.load_extended(root=tmp_path) is None
        table, entry = bp.load_extended(root=DATA)
        assert sorted(table["n_hidden"].unique()) == entry["parameters"]["n_hidden"]
        copy = tmp_path / "boltzmann-plateau" / "extended"
        copy.mkdir(parents=True)
        shutil.copy(DATA / "boltzmann-plateau" / "extended" / "manifest.json", copy)
        text = (DATA / "boltzmann-plateau" / "extended" / "sensitivity.csv").read_text()
        (copy / "sensitivity.csv").write_text(text.replace("fixed-point", "fixed-pointx", 1))
        with pytest.raises(StoreError, match="does not match"):
            bp.load_extended(root=tmp_path)

    def test_summary_predictions(self, extended):
        table = extended[0]
        es = bp.extended_summary(table, seed=2, n_boot=200)
        before = table[table.n_hidden < 5]
        renorm = before[before.reading == "renormalised"].set_index("n_hidden")
        x, y, sy = log2_mean(renorm["inf_all"])
        slope, *_, se = weighted_line(x, y, sy)
        assert_allclose([es["exponential"], es["exponential_se"]], [slope, se], rtol=1e-9)
        norm = renorm["raw_norm"].groupby(level=0)
        n = norm.mean().index.to_numpy() + 3
        yn, syn = np.log2(norm.mean()), norm.std(ddof=1) / np.sqrt(norm.count()) / norm.mean() / np.log(2)
        a, *_, a_se = weighted_line(np.log2(n), yn, syn)
        assert_allclose(es["power_law"], -a * np.log2(8 / 7), rtol=1e-9)
        assert_allclose(es["power_law_se"], a_se * np.log2(8 / 7), rtol=1e-9)
        last = renorm["inf_all"].groupby(level=0).mean()
        full = table[(table.reading == "renormalised") & (table.n_hidden == 5)]["inf_all"]
        assert_allclose(es["last_step"], np.log2(full.mean() / last.iloc[-1]), rtol=1e-12)
        z = (es["last_step"] - es["power_law"]) / np.hypot(es["last_se"], es["power_law_se"])
        assert_allclose(es["power_law_z"], z, rtol=1e-12)
        assert_allclose(es["power_law_p"], 2 * stats.norm.sf(abs(z)), rtol=1e-9)
        assert len(bp.extended_table(es)) == 4

    def test_numbers_rows_and_text_with_and_without_the_table(self, quick_tables, extended, numbers):
        df = quick_tables[0]
        assert bp.extended_numbers(None, df) == {"ext_present": 0}
        assert "absent" in bp.extended_text({"ext_present": 0})
        absent = {k: v for k, v in numbers.items() if not k.startswith("ext_")} | {"ext_present": 0}
        assert bp.issue16_rows(absent)[-1]["ours"] == "absent from this data root"
        assert "absent" in bp.extended_view(None).iloc[0, 0]
        assert numbers["ext_present"] == 1
        assert numbers["ext_match_rows"] == 2 * 12 * 3 and numbers["ext_match_diff"] < 1e-10
        text = bp.extended_text(numbers)
        assert f"{numbers['ext_power_law_z']:.2f}" in text and numbers["ext_last_change_verdict"] in text


# --------------------------------------------------------------------------- issue 16: the page's numbers


class TestIssue16Numbers:
    def test_gamma_and_forms_are_quoted(self, quick_tables, numbers):
        sp = quick_tables[4]
        ls = bp.level_spacing(sp, [1.0], seed=PARAMS_SEED, n_boot=400)
        assert_allclose([numbers[f"gamma_h{h}"] for h in (1, 2, 3)], ls["gamma"], rtol=1e-12)
        assert numbers["gamma_parity"] in ("larger at every odd n than at every even n", "not ordered by the parity of n")
        for ref in ("printed", "book", "flat"):
            ps = [numbers[f"form_{s}_p_{ref}"] for s in ("haar_1", "haar_3", "haar_10", "ii_mean", "ii_max")]
            assert numbers[f"form_{ref}_p_max"] == max(ps)
            assert numbers[f"form_{ref}_rejected"] == sum(p < 0.05 for p in ps)
        assert numbers["th_match_diff"] == 0 and numbers["th_match_rows"] == numbers["th_rows"]
        assert numbers["betas_text"] == "1, 3, 10" and numbers["beta_mid"] == 3.0

    def test_rows_carry_intervals(self, numbers):
        rows = bp.issue16_rows(numbers)
        assert all(set(r) == {"result", "figure", "quantity", "paper", "ours"} for r in rows)
        forms = [r for r in rows if "each form of the bound" in r["quantity"]]
        assert len(forms) == 5 and all("[" in r["ours"] and "p = " in r["ours"] for r in forms)
        assert any("Gamma =" in r["quantity"] and numbers["gamma_text"] in r["ours"] for r in rows)
        assert sum("N x across-the-cut" in r["quantity"] for r in rows) == 2
        assert any("step n_h = " in r["quantity"] for r in rows)
        table = bp.results_table(numbers)
        assert len(table) == len(bp.results_rows(numbers))

    def test_form_verdict_and_extended_conclusion(self, numbers):
        expected = ("contradict the form as printed and are consistent with the form the book reads"
                    if numbers["form_printed_rejected"] == numbers["form_sets"] else None)
        assert "$" not in numbers["form_verdict"]  # glued text is not parsed as Markdown
        if expected:
            assert numbers["form_verdict"] == expected
        assert bp.extended_conclusion({"ext_present": 0}).startswith("- The extended run")
        text = bp.extended_conclusion(numbers)
        assert numbers["ext_power_law_verdict"] in text and f"{numbers['ext_exponential_p']:.2g}" in text

    def test_sensitivity_is_at_most_the_norm_of_the_perturbation(self):
        """The page's argument that a bound tending to a constant is never exceeded: the trace
        norm of d rho / d theta is at most 2 ||H_k||, so the sensitivity is at most 1 for a Pauli."""
        rng = np.random.default_rng(8)
        for beta in (0.1, 1.0, 10.0, 100.0):
            E = beta * rng.normal(size=(4, 16))
            V = np.stack([bp.haar_unitary(rng, 16) for _ in range(4)])
            for label in ("XIII", "XIZI", "IIIZ"):
                assert (bp.thermal_response(E, V, label, 2) <= 1 + 1e-12).all()
