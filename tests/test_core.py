"""Kernels: the Eq. (11) term set, Pauli strings, partial traces and measures.

Independent oracles: a brute-force term construction, dense Kronecker products, and QuTiP.
"""
from __future__ import annotations

from itertools import product

import numpy as np
import pytest
import qutip
from hypothesis import given, settings, strategies as st
from numpy.testing import assert_allclose
from scipy.stats import unitary_group

import plateaus as pl
from plateaus.terms import TERM_CLASSES, pauli_string, term_classes
from conftest import random_density_matrix


class TestTwoLocalTerms:
    @pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 10])
    def test_count(self, n):
        assert len(pl.two_local_terms(n)) == 3 * n + 9 * n * (n - 1) // 2

    @pytest.mark.parametrize("n", [2, 3, 5])
    def test_against_brute_force(self, n):
        # Every Pauli string of weight 1 or 2, sorted as Eq. (11): on-site by qubit, then pairs.
        brute = []
        for label in product("IXYZ", repeat=n):
            support = [q for q, a in enumerate(label) if a != "I"]
            if len(support) in (1, 2):
                brute.append(("".join(label), len(support), tuple(support), "".join(a for a in label if a != "I")))
        brute.sort(key=lambda t: (t[1], t[2], ["XYZ".index(c) for c in t[3]]))
        assert pl.two_local_terms(n) == tuple(t[0] for t in brute)

    def test_order_of_eq_11(self):
        assert pl.two_local_terms(2) == ("XI", "YI", "ZI", "IX", "IY", "IZ",
                                         "XX", "XY", "XZ", "YX", "YY", "YZ", "ZX", "ZY", "ZZ")

    @pytest.mark.parametrize("bad", [0, -1, 2.0, True, "3"])
    def test_bad_n(self, bad):
        with pytest.raises(ValueError, match="n must be a positive integer"):
            pl.two_local_terms(bad)


class TestTermClasses:
    """The one classification of terms by the visible/hidden cut (both plateau chapters)."""

    def test_hand_checked_one_visible_two_hidden(self):
        # n_v = 1, n = 3: the 3 on-site terms of qubit 0 are visible; the 9 + 9 pairs (0, 1),
        # (0, 2) are across; the 3 + 3 on-site terms of qubits 1, 2 and the 9 of the pair
        # (1, 2) are hidden: 3 + 18 + 15 = 36 terms.
        labels = pl.two_local_terms(3)
        classes = term_classes(labels, 1)
        assert [int((classes == c).sum()) for c in TERM_CLASSES] == [3, 18, 15]
        assert list(classes[:9]) == ["visible"] * 3 + ["hidden"] * 6
        assert list(classes[9:27]) == ["across"] * 18
        assert list(classes[27:]) == ["hidden"] * 9
        assert list(term_classes(["XII", "IYI", "XIZ", "IZZ"], 1)) == ["visible", "hidden", "across", "hidden"]

    @pytest.mark.parametrize("n_v, n_h", [(1, 1), (3, 1), (3, 4), (2, 5), (4, 0)])
    def test_counts(self, n_v, n_h):
        classes = term_classes(pl.two_local_terms(n_v + n_h), n_v)
        count = lambda m: 3 * m + 9 * m * (m - 1) // 2  # noqa: E731
        assert (classes == "visible").sum() == count(n_v)
        assert (classes == "hidden").sum() == count(n_h)
        assert (classes == "across").sum() == 9 * n_v * n_h

    @pytest.mark.parametrize("n", [2, 3, 5, 6])
    def test_against_the_support(self, rng, n):
        """Oracle: the set of qubits a label acts on, against the set of visible qubits."""
        labels = ["".join(rng.choice(list("IXYZ"), n)) for _ in range(200)]
        labels = [label for label in labels if set(label) != {"I"}]
        for n_visible in range(1, n + 1):
            visible = set(range(n_visible))
            expected = []
            for label in labels:
                support = {q for q, a in enumerate(label) if a != "I"}
                expected.append("visible" if support <= visible
                                else "hidden" if not support & visible else "across")
            assert list(term_classes(labels, n_visible)) == expected

    def test_vocabulary(self):
        assert TERM_CLASSES == ("visible", "across", "hidden")
        classes = term_classes(pl.two_local_terms(4), 2)
        assert classes.shape == (len(pl.two_local_terms(4)),) and set(classes) == set(TERM_CLASSES)

    def test_identity_has_no_class(self):
        with pytest.raises(ValueError, match="identity"):
            term_classes(("XI", "II"), 1)

    @pytest.mark.parametrize("n_visible", [0, 5, 2.0, True])
    def test_bad_n_visible(self, n_visible):
        with pytest.raises(ValueError, match="n_visible"):
            term_classes(pl.two_local_terms(4), n_visible)

    @pytest.mark.parametrize("bad", ["XIII", [], ["XI", "XYZ"], ["XA"]])
    def test_bad_labels(self, bad):
        with pytest.raises(ValueError, match="label"):
            term_classes(bad, 1)


class TestPageCurve:
    """``haar.page_curve``: the one table of Page's entropy, from ``haar.page_entropy``."""

    def test_rows_are_page_entropy(self):
        from plateaus import haar

        curve = haar.page_curve(3, [1, 2, 5])
        assert curve["n_hidden"].tolist() == [1, 2, 5]
        assert curve["entropy"].tolist() == [haar.page_entropy(8, 2**h) for h in (1, 2, 5)]
        # no visible qubit: nothing to be entangled; n_v = n_h = 1: 1/3 + 1/4 - 1/4 = 1/3 nats
        assert haar.page_curve(0, [3])["entropy"].iloc[0] == 0.0
        assert_allclose(haar.page_curve(1, [1])["entropy"].iloc[0], 1 / 3, rtol=1e-14)

    @pytest.mark.parametrize("n_visible, n_hidden", [(1.5, [1]), (1, [2.5]), (-1, [1]), (1, [True])])
    def test_bad_sizes(self, n_visible, n_hidden):
        from plateaus import haar

        with pytest.raises(ValueError, match="integer"):
            haar.page_curve(n_visible, n_hidden)


class TestPauliStrings:
    @pytest.mark.parametrize("label", ["X", "Y", "Z", "XYZ", "YIY", "ZZI", "IYX", "YYYY", "XZYIZ"])
    def test_apply_matches_dense(self, rng, label):
        dim = 2 ** len(label)
        psi = rng.standard_normal((4, dim)) + 1j * rng.standard_normal((4, dim))
        dense = qutip.tensor([{"I": qutip.qeye(2), "X": qutip.sigmax(), "Y": qutip.sigmay(),
                               "Z": qutip.sigmaz()}[a] for a in label]).full()
        assert_allclose(pl.pauli_matrix(label), dense, atol=0)
        assert_allclose(pl.apply_pauli(label, psi), psi @ dense.T, atol=1e-14)

    def test_batch_axes(self, rng):
        psi = rng.standard_normal((2, 3, 8)) + 0j
        out = pl.apply_pauli("XYZ", psi)
        assert_allclose(out[1, 2], pl.pauli_matrix("XYZ") @ psi[1, 2], atol=1e-14)

    def test_wrong_dimension(self):
        with pytest.raises(ValueError, match="needs 8"):
            pl.apply_pauli("XYZ", np.ones(4))

    @pytest.mark.parametrize("bad", ["", "XA", 3])
    def test_bad_label(self, bad):
        with pytest.raises(ValueError, match="Pauli label"):
            pauli_string(bad)

    def test_hamiltonian_matrix(self, rng):
        labels = pl.two_local_terms(3)
        J = rng.standard_normal((2, len(labels)))
        dense = np.einsum("bk,kij->bij", J, np.array([pl.pauli_matrix(l) for l in labels]))
        assert_allclose(pl.hamiltonian_matrix(J, labels), dense, atol=1e-13)


class TestReducedState:
    @pytest.mark.parametrize("n, n_visible", [(2, 1), (4, 1), (4, 3), (5, 2)])
    def test_against_qutip(self, n, n_visible):
        states = pl.haar_states(n, 3, seed=n)
        rho = pl.reduced_state(states, n_visible)
        for psi, r in zip(states, rho):
            ket = qutip.Qobj(psi, dims=[[2] * n, [1] * n])
            assert_allclose(r, ket.ptrace(list(range(n_visible))).full(), atol=1e-13)

    def test_partial_trace_of_density_matrix(self, rng):
        rho = random_density_matrix(rng, 16)
        q = qutip.Qobj(rho, dims=[[2] * 4, [2] * 4])
        assert_allclose(pl.partial_trace(rho, 2), q.ptrace([0, 1]).full(), atol=1e-13)

    def test_haar_states_are_normalised_and_seeded(self):
        a, b = pl.haar_states(5, 10, seed=7), pl.haar_states(5, 10, seed=7)
        assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-14)
        assert np.array_equal(a, b)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="n_visible"):
            pl.reduced_state(np.ones(8), 4)
        with pytest.raises(ValueError, match="power of two"):
            pl.reduced_state(np.ones(6), 1)
        with pytest.raises(ValueError, match="size"):
            pl.haar_states(3, 0)


class TestMeasuresAgainstQutip:
    @pytest.mark.parametrize("dim, rank", [(2, 2), (4, 4), (4, 1), (8, 3)])
    def test_fidelity_trace_distance_entropy(self, rng, dim, rank):
        rho, sigma = random_density_matrix(rng, dim, rank), random_density_matrix(rng, dim)
        qr, qs = qutip.Qobj(rho), qutip.Qobj(sigma)
        assert_allclose(pl.trace_distance(rho, sigma), qutip.tracedist(qr, qs), atol=1e-12)
        # QuTiP's fidelity is the square root of Uhlmann's
        assert_allclose(pl.fidelity(rho, sigma), qutip.fidelity(qr, qs) ** 2, atol=1e-9)
        assert_allclose(pl.entropy(rho), qutip.entropy_vn(qr), atol=1e-10)

    def test_batched_equals_unbatched(self, rng):
        rho = np.array([random_density_matrix(rng, 4) for _ in range(5)])
        sigma = np.array([random_density_matrix(rng, 4, 2) for _ in range(5)])
        batched = pl.fidelity(rho, sigma)
        assert_allclose(batched, [pl.fidelity(r, s) for r, s in zip(rho, sigma)], atol=1e-14)

    def test_pure_states_closed_forms(self, rng):
        psi, phi = pl.haar_states(3, 2, seed=3)
        rho, sigma = np.outer(psi, psi.conj()), np.outer(phi, phi.conj())
        overlap = abs(np.vdot(psi, phi)) ** 2
        assert_allclose(pl.fidelity(rho, sigma), overlap, atol=1e-10)
        assert_allclose(pl.trace_distance(rho, sigma), np.sqrt(1 - overlap), atol=1e-10)
        assert_allclose(pl.entropy(rho), 0.0, atol=1e-10)
        assert_allclose(pl.entropy(np.eye(8) / 8), np.log(8), atol=1e-14)

    def test_dimension_mismatch(self):
        with pytest.raises(ValueError, match="dimensional"):
            pl.trace_distance(np.eye(2) / 2, np.eye(4) / 4)


density_matrices = st.builds(
    lambda seed, dim, rank: random_density_matrix(np.random.default_rng(seed), dim, min(rank, dim)),
    st.integers(0, 2**32 - 1), st.sampled_from([2, 4, 8]), st.integers(1, 8),
)


class TestMeasureProperties:
    @settings(max_examples=60, deadline=None)
    @given(st.integers(0, 2**32 - 1), st.sampled_from([2, 4, 8]), st.integers(1, 8), st.integers(1, 8))
    def test_ranges_symmetry_invariance(self, seed, dim, rank_a, rank_b):
        rng = np.random.default_rng(seed)
        rho = random_density_matrix(rng, dim, min(rank_a, dim))
        sigma = random_density_matrix(rng, dim, min(rank_b, dim))
        t, f = pl.trace_distance(rho, sigma), pl.fidelity(rho, sigma)
        assert 0.0 <= t <= 1.0 + 1e-12
        assert 0.0 <= f <= 1.0
        assert_allclose(t, pl.trace_distance(sigma, rho), atol=1e-12)
        assert_allclose(f, pl.fidelity(sigma, rho), atol=1e-7)
        # Fuchs-van de Graaf inequalities tie the two together
        assert 1 - np.sqrt(f) <= t + 1e-7 and t <= np.sqrt(1 - f) + 1e-7
        u = unitary_group.rvs(dim, random_state=rng)
        rot = lambda a: u @ a @ u.conj().T
        assert_allclose(pl.trace_distance(rot(rho), rot(sigma)), t, atol=1e-10)
        assert_allclose(pl.fidelity(rot(rho), rot(sigma)), f, atol=1e-7)
        assert_allclose(pl.entropy(rot(rho)), pl.entropy(rho), atol=1e-9)

    @settings(max_examples=40, deadline=None)
    @given(density_matrices)
    def test_self_fidelity_and_distance(self, rho):
        assert_allclose(pl.fidelity(rho, rho), 1.0, atol=1e-7)
        assert_allclose(pl.trace_distance(rho, rho), 0.0, atol=1e-12)
        assert 0.0 <= pl.entropy(rho) <= np.log(rho.shape[0]) + 1e-12
