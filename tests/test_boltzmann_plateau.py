"""Tests of the chapter *Boltzmann plateau*: the two readings of Fig. 3(c), the term classes,
Theorem 4's response, and the objectives on the Boltzmann machine, each against an
independent dense implementation (scipy.linalg.expm, numpy's spectral norm, explicit partial
traces) and finite differences."""
from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
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
        yield bp.sensitivity(params), bp.theorem4({**params, "n_hidden": [1, 2]})
    finally:
        mp.undo()


class TestQuickScale:
    def test_sensitivity_table(self, quick_tables):
        df, _ = quick_tables
        assert set(df["reading"]) == set(bp.READINGS)
        assert len(df) == 2 * 12 * 3
        assert list(df.columns) == bp.SENSITIVITY_COLUMNS
        classes = df[["inf_visible", "inf_across", "inf_hidden"]].max(axis=1)
        assert_allclose(df["inf_all"], classes, rtol=0, atol=0)

    def test_readings_differ_by_the_norm(self, quick_tables):
        """Reading (i) is about (1/2)/N; reading (ii)'s visible terms are about 1/2."""
        df, _ = quick_tables
        fixed = df[df.reading == "fixed-point"].set_index(["n_hidden", "instance"])
        renorm = df[df.reading == "renormalised"].set_index(["n_hidden", "instance"])
        assert ((fixed["inf_visible"] > 0.45) & (fixed["inf_visible"] <= 0.5)).all()
        assert (fixed["argmax_class"] == "visible").all()
        assert_allclose(renorm["inf_all"] * renorm["raw_norm"], fixed["inf_all"], rtol=0.15)

    def test_slopes(self, quick_tables):
        df, _ = quick_tables
        slopes = bp.slope_table(df, "reading", "inf_all").set_index("reading")
        assert slopes.loc["renormalised", "slope_log2"] < -0.3
        assert abs(slopes.loc["fixed-point", "slope_log2"]) < 0.05
        assert_allclose(slopes["slope_ln"], slopes["slope_log2"] * np.log(2))

    def test_norm_grows_like_a_power_law(self, quick_tables):
        df, _ = quick_tables
        fits = bp.norm_fits(df)
        assert 1.2 < fits["power_law"].slope < 1.9  # N ~ n^(3/2) for dense 2-local couplings
        steps = bp.power_law_steps(df)
        assert list(steps["n_hidden_to"]) == [2, 3]
        assert (np.diff(steps["power_law"]) > 0).all()  # the predicted steps shrink
        assert_allclose(steps["measured"], steps["power_law"], atol=0.1)

    def test_theorem4_table(self, quick_tables):
        _, th = quick_tables
        assert len(th) == 12 * 2 * 2 * 2 * 3  # instances, sizes, bases, betas, perturbations
        haar = th[(th.eigenbasis == "haar") & (th.beta == 1.0)]
        means = haar.groupby(["perturbation", "n_hidden"])["sensitivity"].mean()
        assert means["visible"].min() > 3 * means["across"].max()
        assert means["across"][2] < means["across"][1]

    def test_bad_statistic(self, quick_tables):
        with pytest.raises(ValueError, match="statistic"):
            bp.slope_table(quick_tables[0], "reading", "inf_all", statistic="median")
