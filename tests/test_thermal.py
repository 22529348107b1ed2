"""Tests of plateaus.thermal against an independent dense oracle.

The oracle builds H with np.kron products of 2x2 Pauli matrices, the Gibbs state with
scipy.linalg.expm and the partial trace by a reshape, and differentiates by central finite
differences. Nothing in it uses plateaus.terms' permutation form.
"""
from __future__ import annotations

from functools import reduce

import numpy as np
import pytest
import scipy.linalg
from numpy.testing import assert_allclose

from plateaus.terms import two_local_terms
from plateaus.thermal import (
    thermal_eigh,
    thermal_gradient,
    thermal_sensitivity,
    thermal_state,
    visible_derivatives,
)

# ----------------------------------------------------------------------------- oracle

_PAULI = {
    "I": np.eye(2),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]]),
    "Z": np.diag([1.0, -1.0]),
}
FD_STEP = 1e-5  # central differences: truncation ~ h^2 ~ 1e-10, round-off ~ eps/h ~ 1e-11
RTOL = 1e-6


def dense_paulis(labels):
    return np.array([reduce(np.kron, [_PAULI[c] for c in label]) for label in labels])


def oracle_state(J, paulis):
    A = scipy.linalg.expm(-np.tensordot(J, paulis, axes=1))
    return A / np.trace(A)


def oracle_reduced(rho, n_visible):
    d_v = 2**n_visible
    d_h = rho.shape[-1] // d_v
    return np.einsum("ahbh->ab", rho.reshape(d_v, d_h, d_v, d_h))


def oracle_visible_fd(J, paulis, n_visible, h=FD_STEP):
    """Central finite differences of rho_v(J) for every term: (K, D_v, D_v)."""
    out = []
    for k in range(len(J)):
        e = np.zeros_like(J)
        e[k] = h
        plus = oracle_reduced(oracle_state(J + e, paulis), n_visible)
        minus = oracle_reduced(oracle_state(J - e, paulis), n_visible)
        out.append((plus - minus) / (2 * h))
    return np.array(out)


def trace_norm(a):
    return np.abs(np.linalg.eigvalsh(a)).sum(axis=-1)


def paper_coefficients(labels, rng, size=None):
    """On-site N(0, 0.01), off-site N(0, 1) (variances), as in Figs. 3(c), 4(c)."""
    onsite = np.array([sum(c != "I" for c in lab) == 1 for lab in labels])
    shape = (len(labels),) if size is None else (size, len(labels))
    return rng.standard_normal(shape) * np.where(onsite, 0.1, 1.0)


def normalised(J, paulis):
    return J / np.linalg.norm(np.tensordot(J, paulis, axes=1), ord=2)


def assert_close_to_reference(actual, reference, rtol=RTOL):
    """Entry-wise agreement to rtol relative to the largest reference entry."""
    scale = np.max(np.abs(reference))
    assert scale > 0
    assert_allclose(actual, reference, rtol=rtol, atol=rtol * scale)


class Observable:
    """value = Re Tr(O rho_v), derivative = O (test-local stand-in for objectives)."""

    def __init__(self, O):
        self.O = np.asarray(O)

    def value(self, rho_v):
        return np.einsum("ij,...ji->...", self.O, rho_v).real

    def derivative(self, rho_v):
        return np.broadcast_to(self.O, np.shape(rho_v)).copy()


class Purity:
    """A non-linear objective: value = Tr rho_v^2, derivative = 2 rho_v."""

    def value(self, rho_v):
        return np.einsum("...ij,...ji->...", rho_v, rho_v).real

    def derivative(self, rho_v):
        return 2 * np.asarray(rho_v)


def random_hermitian(d, rng):
    a = rng.standard_normal((d, d)) + 1j * rng.standard_normal((d, d))
    return a + a.conj().T


# (n, n_visible, seed) cases for the derivative checks; n <= 5 keeps the oracle quick.
CASES = [(3, 1, 1), (4, 2, 2), (5, 1, 3), (5, 3, 4), (3, 3, 5)]


@pytest.fixture(scope="module")
def paulis_cache():
    cache = {}

    def get(n):
        if n not in cache:
            labels = two_local_terms(n)
            cache[n] = (labels, dense_paulis(labels))
        return cache[n]

    return get


# ----------------------------------------------------------------------------- tests


class TestThermalEigh:
    def test_reconstructs_dense_hamiltonian(self, paulis_cache):
        labels, paulis = paulis_cache(4)
        J = paper_coefficients(labels, np.random.default_rng(10), size=3)
        E, V = thermal_eigh(J, labels)
        assert E.shape == (3, 16) and V.shape == (3, 16, 16)
        for b in range(3):
            H = np.tensordot(J[b], paulis, axes=1)
            assert_allclose((V[b] * E[b]) @ V[b].conj().T, H, atol=1e-12)
            assert_allclose(V[b].conj().T @ V[b], np.eye(16), atol=1e-12)
            assert_allclose(E[b], np.linalg.eigvalsh(H), atol=1e-12)

    def test_single_instance_has_no_batch_axis(self, paulis_cache):
        labels, _ = paulis_cache(3)
        J = paper_coefficients(labels, np.random.default_rng(11))
        E, V = thermal_eigh(J, labels)
        assert E.shape == (8,) and V.shape == (8, 8)


class TestThermalState:
    @pytest.mark.parametrize("n", [1, 2, 3, 4])
    def test_matches_expm(self, n, paulis_cache):
        labels, paulis = paulis_cache(n)
        rng = np.random.default_rng(20 + n)
        J = rng.standard_normal((2, len(labels)))
        rho = thermal_state(J, labels)
        for b in range(2):
            assert_allclose(rho[b], oracle_state(J[b], paulis), atol=1e-13)

    def test_large_norm_is_stable(self, paulis_cache):
        labels, paulis = paulis_cache(4)
        J = 1e3 * paper_coefficients(labels, np.random.default_rng(21))
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
            rho = thermal_state(J, labels)
        assert np.all(np.isfinite(rho))
        assert_allclose(np.trace(rho).real, 1.0, atol=1e-12)
        assert_allclose(rho, rho.conj().T, atol=1e-15)
        # exp(-H) overflows at this norm; compare with the ground-state projector instead.
        E, V = np.linalg.eigh(np.tensordot(J, paulis, axes=1))
        assert E[1] - E[0] > 10  # a gap of many units at this norm: rho is the projector
        assert_allclose(rho, np.outer(V[:, 0], V[:, 0].conj()), atol=1e-10)

    def test_moderately_large_norm_matches_shifted_expm(self, paulis_cache):
        labels, paulis = paulis_cache(3)
        J = 40 * paper_coefficients(labels, np.random.default_rng(22))
        H = np.tensordot(J, paulis, axes=1)
        A = scipy.linalg.expm(-(H - np.linalg.eigvalsh(H)[0] * np.eye(8)))
        assert_allclose(thermal_state(J, labels), A / np.trace(A), atol=1e-12)

    def test_zero_hamiltonian_is_maximally_mixed(self, paulis_cache):
        labels, _ = paulis_cache(3)
        assert_allclose(thermal_state(np.zeros(len(labels)), labels), np.eye(8) / 8, atol=1e-15)


class TestVisibleDerivatives:
    @pytest.mark.parametrize("n, n_visible, seed", CASES)
    def test_matches_finite_differences(self, n, n_visible, seed, paulis_cache):
        labels, paulis = paulis_cache(n)
        J = normalised(paper_coefficients(labels, np.random.default_rng(seed)), paulis)
        exact = visible_derivatives(J, labels, n_visible)
        assert exact.shape == (len(labels), 2**n_visible, 2**n_visible)
        assert_close_to_reference(exact, oracle_visible_fd(J, paulis, n_visible))

    def test_unnormalised_coefficients(self, paulis_cache):
        labels, paulis = paulis_cache(4)
        J = 0.7 * np.random.default_rng(30).standard_normal(len(labels))
        exact = visible_derivatives(J, labels, 2)
        assert_close_to_reference(exact, oracle_visible_fd(J, paulis, 2))

    def test_hermitian_and_traceless(self, paulis_cache):
        labels, _ = paulis_cache(5)
        J = paper_coefficients(labels, np.random.default_rng(31))
        d = visible_derivatives(J, labels, 3)
        assert_allclose(d, np.conj(np.swapaxes(d, -1, -2)), atol=1e-14)
        assert_allclose(np.trace(d, axis1=-2, axis2=-1), 0, atol=1e-13)

    def test_batched_equals_unbatched(self, paulis_cache):
        labels, _ = paulis_cache(4)
        J = paper_coefficients(labels, np.random.default_rng(32), size=5)
        batched = visible_derivatives(J, labels, 2)
        for b in range(5):
            assert_allclose(batched[b], visible_derivatives(J[b], labels, 2), atol=1e-14)


class TestThermalSensitivity:
    @pytest.mark.parametrize("n, n_visible, seed", CASES)
    def test_matches_finite_differences(self, n, n_visible, seed, paulis_cache):
        labels, paulis = paulis_cache(n)
        J = normalised(paper_coefficients(labels, np.random.default_rng(40 + seed)), paulis)
        g = thermal_sensitivity(J, labels, n_visible)
        assert g.shape == (len(labels),)
        reference = 0.5 * trace_norm(oracle_visible_fd(J, paulis, n_visible))
        assert_close_to_reference(g, reference)

    @pytest.mark.parametrize("a", [0.0, 0.3, -1.2, 2.5])
    def test_single_term_closed_form(self, a, paulis_cache):
        """H = a P: rho = (I - tanh(a) P) / D, so d rho / da = -sech^2(a) P / D. For P on the
        visible qubits only, Tr_h gives -sech^2(a) p_v / D_v, trace norm sech^2(a): g = sech^2(a)/2;
        for P touching a hidden qubit, Tr_h P = 0: g = 0."""
        n, n_visible = 4, 2
        labels, _ = paulis_cache(n)
        for k, label in enumerate(labels):
            J = np.zeros(len(labels))
            J[k] = a
            g = thermal_sensitivity(J, labels, n_visible)[k]
            visible_only = set(label[n_visible:]) == {"I"}
            expected = 0.5 / np.cosh(a) ** 2 if visible_only else 0.0
            assert g == pytest.approx(expected, abs=1e-12), label

    def test_is_the_limit_of_the_papers_quotient(self, paulis_cache):
        """g_k = lim T(rho_v(J), rho_v(J + eps e_k)) / eps: first-order convergence."""
        n, n_visible = 5, 3
        labels, paulis = paulis_cache(n)
        J = normalised(paper_coefficients(labels, np.random.default_rng(41)), paulis)
        g = thermal_sensitivity(J, labels, n_visible)
        base = oracle_reduced(oracle_state(J, paulis), n_visible)

        def quotient(eps):
            out = []
            for k in range(len(J)):
                Jk = J.copy()
                Jk[k] += eps
                diff = oracle_reduced(oracle_state(Jk, paulis), n_visible) - base
                out.append(0.5 * trace_norm(diff) / eps)
            return np.array(out)

        err_coarse = np.max(np.abs(quotient(1e-4) - g))
        err_fine = np.max(np.abs(quotient(1e-6) - g))
        assert err_fine <= 1e-5 * np.max(g)
        assert err_fine <= err_coarse / 20  # O(eps): a 100x smaller step, ~100x smaller error

    def test_batched_equals_unbatched(self, paulis_cache):
        labels, _ = paulis_cache(5)
        J = paper_coefficients(labels, np.random.default_rng(42), size=3)
        batched = thermal_sensitivity(J, labels, 3)
        assert batched.shape == (3, len(labels))
        for b in range(3):
            assert_allclose(batched[b], thermal_sensitivity(J[b], labels, 3), atol=1e-14)

    def test_visible_terms_do_not_vanish_hidden_terms_are_small(self, paulis_cache):
        """Theorem 4's contrast at H = 0 exactly: only purely visible terms move rho_v."""
        labels, _ = paulis_cache(4)
        g = thermal_sensitivity(np.zeros(len(labels)), labels, 2)
        visible_only = np.array([set(lab[2:]) == {"I"} for lab in labels])
        assert_allclose(g[visible_only], 0.5, atol=1e-14)
        assert_allclose(g[~visible_only], 0.0, atol=1e-14)


class TestDegenerateSpectra:
    def test_zero_hamiltonian(self, paulis_cache):
        """H = 0: every eigenvalue equal; d rho_k = -P_k / D, so Tr_h d rho_k = -p_v / D_v."""
        n, n_visible = 4, 2
        labels, paulis = paulis_cache(n)
        J = np.zeros(len(labels))
        d = visible_derivatives(J, labels, n_visible)
        assert np.all(np.isfinite(d))
        expected = np.array(
            [
                -dense_paulis([lab[:n_visible]])[0] / 2**n_visible
                if set(lab[n_visible:]) == {"I"}
                else np.zeros((4, 4))
                for lab in labels
            ]
        )
        assert_allclose(d, expected, atol=1e-14)
        assert_allclose(d, oracle_visible_fd(J, paulis, n_visible), atol=1e-9)

    @pytest.mark.parametrize("split", [0.0, 1e-12])
    def test_repeated_eigenvalues(self, split, paulis_cache):
        """Equal Z and ZZ coefficients: a highly degenerate diagonal H, exactly or split by
        1e-12 (there the naive quotient (f_i - f_j) / (E_i - E_j) is off by ~3e-3)."""
        n, n_visible = 4, 2
        labels, paulis = paulis_cache(n)
        J = np.array([0.7 if lab.count("Z") == 1 and set(lab) <= {"I", "Z"} else 0.0
                      for lab in labels])
        J += np.array([0.3 if lab.count("Z") == 2 and set(lab) <= {"I", "Z"} else 0.0
                       for lab in labels])
        J[labels.index("ZIII")] += split
        E = np.linalg.eigvalsh(np.tensordot(J, paulis, axes=1))
        assert np.sum(np.isclose(np.diff(E), 0.0, atol=1e-8)) >= 8  # many repeated levels
        d = visible_derivatives(J, labels, n_visible)
        g = thermal_sensitivity(J, labels, n_visible)
        assert np.all(np.isfinite(d)) and np.all(np.isfinite(g))
        reference = oracle_visible_fd(J, paulis, n_visible)
        assert_close_to_reference(d, reference)
        assert_close_to_reference(g, 0.5 * trace_norm(reference))

    def test_gradient_at_zero_hamiltonian(self, paulis_cache):
        labels, paulis = paulis_cache(3)
        O = random_hermitian(2, np.random.default_rng(50))
        grad = thermal_gradient(np.zeros(len(labels)), labels, 1, Observable(O))
        expected = [
            -np.trace(O @ dense_paulis([lab[0]])[0]).real / 2 if lab[1:] == "II" else 0.0
            for lab in labels
        ]
        assert_allclose(grad, expected, atol=1e-14)

    def test_large_norm_derivatives_are_finite(self, paulis_cache):
        labels, _ = paulis_cache(4)
        J = 1e3 * paper_coefficients(labels, np.random.default_rng(51))
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            d = visible_derivatives(J, labels, 2)
            grad = thermal_gradient(J, labels, 2, Purity())
        assert np.all(np.isfinite(d)) and np.all(np.isfinite(grad))


class TestThermalGradient:
    @staticmethod
    def fd_gradient(J, paulis, n_visible, objective, h=FD_STEP):
        out = []
        for k in range(len(J)):
            e = np.zeros_like(J)
            e[k] = h
            plus = objective.value(oracle_reduced(oracle_state(J + e, paulis), n_visible))
            minus = objective.value(oracle_reduced(oracle_state(J - e, paulis), n_visible))
            out.append((plus - minus) / (2 * h))
        return np.array(out)

    @pytest.mark.parametrize("n, n_visible, seed", CASES)
    def test_observable_matches_finite_differences(self, n, n_visible, seed, paulis_cache):
        labels, paulis = paulis_cache(n)
        rng = np.random.default_rng(60 + seed)
        J = normalised(paper_coefficients(labels, rng), paulis)
        objective = Observable(random_hermitian(2**n_visible, rng))
        grad = thermal_gradient(J, labels, n_visible, objective)
        assert grad.shape == (len(labels),) and grad.dtype == float
        assert_close_to_reference(grad, self.fd_gradient(J, paulis, n_visible, objective))

    def test_nonlinear_objective(self, paulis_cache):
        labels, paulis = paulis_cache(5)
        J = 2 * normalised(paper_coefficients(labels, np.random.default_rng(61)), paulis)
        grad = thermal_gradient(J, labels, 3, Purity())
        assert_close_to_reference(grad, self.fd_gradient(J, paulis, 3, Purity()))

    def test_consistent_with_visible_derivatives(self, paulis_cache):
        labels, _ = paulis_cache(5)
        rng = np.random.default_rng(62)
        J = paper_coefficients(labels, rng, size=2)
        O = random_hermitian(8, rng)
        via_derivatives = np.einsum("ij,bkji->bk", O, visible_derivatives(J, labels, 3)).real
        assert_allclose(thermal_gradient(J, labels, 3, Observable(O)), via_derivatives,
                        atol=1e-12)

    def test_batched_equals_unbatched(self, paulis_cache):
        labels, _ = paulis_cache(4)
        J = paper_coefficients(labels, np.random.default_rng(63), size=4)
        batched = thermal_gradient(J, labels, 2, Purity())
        assert batched.shape == (4, len(labels))
        for b in range(4):
            assert_allclose(batched[b], thermal_gradient(J[b], labels, 2, Purity()), atol=1e-14)


class TestChunking:
    """Large batches go through in chunks of instances; the chunking must not show."""

    def test_chunked_equals_whole(self, paulis_cache, monkeypatch):
        import plateaus.thermal as thermal

        labels, _ = paulis_cache(4)
        J = paper_coefficients(labels, np.random.default_rng(70), size=5)
        whole_d = visible_derivatives(J, labels, 2)
        whole_g = thermal_gradient(J, labels, 2, Purity())
        monkeypatch.setattr(thermal, "_CHUNK_BYTES", 1)  # one instance per chunk
        assert_allclose(visible_derivatives(J, labels, 2), whole_d, atol=1e-14)
        assert_allclose(thermal_gradient(J, labels, 2, Purity()), whole_g, atol=1e-14)

    def test_uneven_probe_and_column_blocks(self, paulis_cache, monkeypatch):
        import plateaus.thermal as thermal

        labels, _ = paulis_cache(5)
        J = paper_coefficients(labels, np.random.default_rng(71), size=2)
        whole = visible_derivatives(J, labels, 3)
        monkeypatch.setattr(thermal, "_PROBE_BLOCK", 5)  # 32 probes: 5, 5, ..., 2
        monkeypatch.setattr(thermal, "_COLUMN_BLOCK", 7)  # 32 columns: 7, 7, 7, 7, 4
        assert_allclose(visible_derivatives(J, labels, 3), whole, atol=1e-14)


class TestValidation:
    labels = two_local_terms(3)

    @pytest.mark.parametrize(
        "J, match",
        [
            (np.zeros(5), r"J has shape \(5,\).*\(36,\)"),
            (np.zeros((2, 3, 36)), "J has shape"),
            (np.full(36, np.nan), "J must be finite"),
            (np.r_[np.inf, np.zeros(35)], "J must be finite"),
            (np.zeros(36, dtype=complex), "J must be real"),
            (np.array(["a"] * 36), "J must be a real numeric array"),
        ],
    )
    def test_bad_coefficients(self, J, match):
        for call in (
            lambda: thermal_eigh(J, self.labels),
            lambda: thermal_state(J, self.labels),
            lambda: visible_derivatives(J, self.labels, 1),
            lambda: thermal_sensitivity(J, self.labels, 1),
            lambda: thermal_gradient(J, self.labels, 1, Purity()),
        ):
            with pytest.raises(ValueError, match=match):
                call()

    @pytest.mark.parametrize("n_visible", [0, 4, -1, 1.5, True, "1"])
    def test_bad_n_visible(self, n_visible):
        J = np.zeros(36)
        with pytest.raises(ValueError, match=rf"n_visible = .*{n_visible!r}.*1\.\.3"):
            thermal_sensitivity(J, self.labels, n_visible)
        with pytest.raises(ValueError, match="n_visible"):
            thermal_gradient(J, self.labels, n_visible, Purity())

    @pytest.mark.parametrize(
        "labels, match",
        [
            ("XYZ", "labels must be a sequence"),
            ((), "at least one"),
            (("XI", "XII"), "expected one per qubit"),
            (("XA",), "IXYZ"),
        ],
    )
    def test_bad_labels(self, labels, match):
        with pytest.raises(ValueError, match=match):
            thermal_state(np.zeros(max(len(labels), 1)), labels)

    def test_bad_objective(self):
        J = np.zeros(36)
        with pytest.raises(ValueError, match="objective must have a derivative"):
            thermal_gradient(J, self.labels, 1, object())

        class WrongShape:
            def derivative(self, rho_v):
                return np.zeros((3, 3))

        with pytest.raises(ValueError, match=r"objective.derivative returned shape \(3, 3\)"):
            thermal_gradient(J, self.labels, 1, WrongShape())
