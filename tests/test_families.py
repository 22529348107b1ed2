"""State families of controlled entanglement and the exact maximum of Proposition 1.

Oracles: closed forms (product and equal-coefficient Schmidt states), dense Kronecker-product
circuits, the full density matrix for the objective, and random observables for the maximum.
"""
from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

import plateaus as pl
from plateaus import families as fam
from conftest import random_density_matrix


def rho_v_of(states, n_visible):
    return pl.reduced_state(states, n_visible)


class TestHaarUnitaries:
    def test_unitary(self, rng):
        u = fam.haar_unitaries(5, 20, rng)
        assert u.shape == (20, 5, 5)
        assert_allclose(u @ np.conj(np.swapaxes(u, -1, -2)), np.broadcast_to(np.eye(5), u.shape), atol=1e-12)

    def test_moments_of_an_entry(self):
        # Haar: |U_00|^2 ~ Beta(1, d-1): E = 1/d, E^2 = 2/(d(d+1)).
        d, n = 4, 20000
        u00 = np.abs(fam.haar_unitaries(d, n, 7)[:, 0, 0]) ** 2
        assert_allclose(u00.mean(), 1 / d, atol=4 * np.sqrt(3 / 80 / n))
        assert_allclose((u00**2).mean(), 2 / (d * (d + 1)), atol=0.005)

    def test_phases_are_uniform(self):
        # Without the phase fix of the QR the diagonal would be real positive.
        u = fam.haar_unitaries(3, 4000, 3)
        phase = np.angle(u[:, 0, 0])
        assert abs(np.mean(np.cos(phase))) < 0.05 and abs(np.mean(np.sin(phase))) < 0.05

    def test_seed_list_is_one_generator_per_instance(self):
        seeds = np.random.SeedSequence(11).spawn(3)
        both = fam.haar_unitaries(4, seed=seeds)
        assert_allclose(both[1], fam.haar_unitaries(4, seed=[seeds[1]])[0], atol=0)

    @pytest.mark.parametrize("bad", [0, -2, 2.5, True])
    def test_bad_dim(self, bad):
        with pytest.raises(ValueError, match="dim"):
            fam.haar_unitaries(bad, 2, 0)

    def test_size_needed_without_seed_list(self):
        with pytest.raises(ValueError, match="size"):
            fam.haar_unitaries(2, None, 0)

    def test_seed_list_length_must_match(self):
        with pytest.raises(ValueError, match="one per instance"):
            fam.haar_unitaries(2, 3, np.random.SeedSequence(1).spawn(2))


class TestHaarIsometries:
    def test_orthonormal_columns(self, rng):
        v = fam.haar_isometries(8, 3, 10, rng)
        assert v.shape == (10, 8, 3)
        assert_allclose(np.conj(np.swapaxes(v, -1, -2)) @ v, np.broadcast_to(np.eye(3), (10, 3, 3)), atol=1e-12)

    def test_k_at_most_dim(self):
        with pytest.raises(ValueError, match="k = 5"):
            fam.haar_isometries(4, 5, 1, 0)


class TestProductStates:
    @pytest.mark.parametrize("n_v,n_h", [(1, 1), (2, 3), (3, 2)])
    def test_unentangled(self, rng, n_v, n_h):
        psi = fam.product_states(n_v, n_h, 6, rng)
        assert_allclose(np.linalg.norm(psi, axis=1), 1, atol=1e-12)
        rho = rho_v_of(psi, n_v)
        assert_allclose(pl.entropy(rho), 0, atol=1e-10)
        assert_allclose(pl.purity(rho), 1, atol=1e-12)
        # A pure visible state: ||rho_v - I/D_v||_1 = (1 - 1/D_v) + (D_v - 1)/D_v.
        assert_allclose(fam.max_visible_objective(rho), 2 * (1 - 2.0**-n_v), atol=1e-12)

    def test_bad_sizes(self):
        with pytest.raises(ValueError, match="n_visible"):
            fam.product_states(0, 2, 1, 0)


class TestSchmidtStates:
    @pytest.mark.parametrize("n_v,n_h,r", [(1, 1, 2), (2, 3, 3), (3, 3, 5), (3, 4, 8)])
    def test_equal_coefficients(self, rng, n_v, n_h, r):
        psi = fam.schmidt_states(n_v, n_h, r, 5, rng, coefficients="equal")
        rho = rho_v_of(psi, n_v)
        assert_allclose(pl.entropy(rho), np.log(r), atol=1e-10)
        w = np.linalg.eigvalsh(rho)
        expected = np.r_[np.zeros(2**n_v - r), np.full(r, 1 / r)]
        assert_allclose(w, np.broadcast_to(expected, w.shape), atol=1e-12)
        assert_allclose(fam.max_visible_objective(rho), 2 * (1 - r / 2**n_v), atol=1e-12)

    @pytest.mark.parametrize("r", [1, 2, 3, 4])
    def test_rank_is_exact(self, rng, r):
        psi = fam.schmidt_states(2, 3, r, 8, rng)
        s = np.linalg.svd(psi.reshape(8, 4, 8), compute_uv=False)
        assert (np.sum(s > 1e-10, axis=1) == r).all()
        assert_allclose(np.linalg.norm(psi, axis=1), 1, atol=1e-12)
        assert (pl.entropy(rho_v_of(psi, 2)) <= np.log(r) + 1e-10).all()

    def test_random_coefficients_are_dirichlet(self):
        # The largest of r uniform-simplex weights has mean H_r / r.
        r = 4
        psi = fam.schmidt_states(2, 2, r, 4000, 5)
        top = np.linalg.eigvalsh(rho_v_of(psi, 2))[:, -1]
        assert_allclose(top.mean(), sum(1 / k for k in range(1, r + 1)) / r, atol=0.01)

    def test_rank_limits(self):
        with pytest.raises(ValueError, match="rank = 3"):
            fam.schmidt_states(1, 3, 3, 1, 0)
        with pytest.raises(ValueError, match="rank = 4"):
            fam.schmidt_states(3, 1, 4, 1, 0)

    def test_bad_coefficients(self):
        with pytest.raises(ValueError, match="coefficients"):
            fam.schmidt_states(1, 1, 2, 1, 0, coefficients="flat")


def dense_brickwork(n, depth, gates, offset=0):
    """Independent oracle: the full 2^n x 2^n unitary of every gate, multiplied, on |0...0>."""
    psi = np.zeros(2**n, complex)
    psi[0] = 1
    for k, (_, q) in enumerate(fam.brickwork_layout(n, depth, offset)):
        full = np.kron(np.kron(np.eye(2**q), gates[k]), np.eye(2 ** (n - q - 2)))
        psi = full @ psi
    return psi


class TestBrickworkLayout:
    def test_alternating_bonds(self):
        assert fam.brickwork_layout(5, 3) == [(0, 0), (0, 2), (1, 1), (1, 3), (2, 0), (2, 2)]
        assert fam.brickwork_layout(5, 2, offset=1) == [(0, 1), (0, 3), (1, 0), (1, 2)]

    @pytest.mark.parametrize("n", [2, 3, 6, 7])
    def test_gate_count(self, n):
        depth = 5
        assert len(fam.brickwork_layout(n, depth)) == sum(len(range(l % 2, n - 1, 2)) for l in range(depth))

    def test_cut_gates(self):
        # n_v = 2: the cut bond (1, 2) is odd; with the cut offset it is in layers 0, 2, 4.
        assert fam.cut_gates(2, 6, 5) == 2
        assert fam.cut_gates(2, 6, 5, offset=fam.cut_offset(2)) == 3

    @pytest.mark.parametrize("bad", [{"n_qubits": 1, "depth": 1}, {"n_qubits": 3, "depth": -1}])
    def test_bad(self, bad):
        with pytest.raises(ValueError):
            fam.brickwork_layout(**bad)


class TestBrickworkStates:
    @pytest.mark.parametrize("n,depth,offset", [(2, 1, 0), (4, 3, 0), (5, 4, 1), (6, 2, 1)])
    def test_against_dense(self, rng, n, depth, offset):
        n_gates = len(fam.brickwork_layout(n, depth, offset))
        gates = fam.haar_unitaries(4, 3 * n_gates, rng).reshape(3, n_gates, 4, 4)
        psi = fam.brickwork_states(n, depth, gates, offset)
        for b in range(3):
            assert_allclose(psi[b], dense_brickwork(n, depth, gates[b], offset), atol=1e-12)

    def test_depth_zero_is_all_zeros_state(self):
        psi = fam.random_brickwork_states(3, 0, 2, 0)
        assert_allclose(psi, np.eye(8)[[0, 0]], atol=0)

    def test_light_cone(self, rng):
        # rho_v depends only on gates within n_v + depth qubits: adding hidden qubits beyond
        # them (with any gates on the new bonds) leaves rho_v exactly unchanged.
        n_v, depth, n = 1, 3, 5  # n_h = 4 >= depth
        small = fam.brickwork_layout(n, depth)
        big = fam.brickwork_layout(n + 1, depth)
        g_small = fam.haar_unitaries(4, len(small), rng)
        extra = iter(fam.haar_unitaries(4, len(big), rng))
        lookup = dict(zip(small, g_small))
        g_big = np.stack([lookup[k] if k in lookup else next(extra) for k in big])
        rho_small = rho_v_of(fam.brickwork_states(n, depth, g_small[None]), n_v)
        rho_big = rho_v_of(fam.brickwork_states(n + 1, depth, g_big[None]), n_v)
        assert_allclose(rho_big, rho_small, atol=1e-12)

    def test_entropy_limited_by_cut_gates(self):
        # Each gate across the cut multiplies the Schmidt rank by at most 4.
        n_v, n, depth = 3, 8, 2
        off = fam.cut_offset(n_v)
        g = fam.cut_gates(n_v, n, depth, off)
        psi = fam.random_brickwork_states(n, depth, 30, 1, offset=off)
        assert (pl.entropy(rho_v_of(psi, n_v)) <= 2 * g * np.log(2) + 1e-10).all()
        assert g == 1

    def test_bad_gate_shape(self):
        with pytest.raises(ValueError, match="gates has shape"):
            fam.brickwork_states(3, 2, np.zeros((1, 3, 4, 4)))


class TestRandomBrickworkStates:
    def test_independent_of_chunking(self):
        seeds = np.random.SeedSequence(5).spawn(6)
        whole = fam.random_brickwork_states(5, 4, seed=seeds)
        parts = np.concatenate([fam.random_brickwork_states(5, 4, seed=seeds[:2]),
                                fam.random_brickwork_states(5, 4, seed=seeds[2:])])
        assert_allclose(whole, parts, atol=0)

    def test_normalised(self):
        psi = fam.random_brickwork_states(7, 6, 5, 2)
        assert_allclose(np.linalg.norm(psi, axis=1), 1, atol=1e-12)

    def test_deep_circuits_approach_page(self):
        # Deep random brickworks are approximate designs: the entropy approaches Page's value.
        from plateaus.haar import page_entropy

        psi = fam.random_brickwork_states(8, 24, 200, 4)
        s = pl.entropy(rho_v_of(psi, 2))
        assert_allclose(s.mean(), page_entropy(4, 64), atol=4 * s.std() / np.sqrt(200))


class TestMaxVisibleObjective:
    def test_is_twice_the_trace_distance(self, rng):
        rho = np.stack([random_density_matrix(rng, 4) for _ in range(5)])
        assert_allclose(fam.max_visible_objective(rho), 2 * pl.trace_distance(rho, np.eye(4) / 4), atol=1e-14)

    def test_optimal_observable_attains_it_on_the_full_state(self, rng):
        # Tr[(O x I)(rho - I/D)] on the full 2^n-dimensional state, O = sign(rho_v - I/D_v).
        n_v, n_h = 2, 2
        psi = fam.schmidt_states(n_v, n_h, 3, 1, rng)[0]
        rho = np.outer(psi, psi.conj())
        rho_v = rho_v_of(psi, n_v)
        O = fam.optimal_observable(rho_v)
        assert_allclose(np.linalg.norm(O, 2), 1, atol=1e-12)
        full = np.kron(O, np.eye(2**n_h))
        value = np.trace(full @ (rho - np.eye(16) / 16)).real
        assert_allclose(value, fam.max_visible_objective(rho_v), atol=1e-12)

    def test_no_observable_does_better(self, rng):
        rho_v = random_density_matrix(rng, 4, rank=2)
        best = fam.max_visible_objective(rho_v)
        A = rho_v - np.eye(4) / 4
        for _ in range(300):
            h = rng.standard_normal((4, 4)) + 1j * rng.standard_normal((4, 4))
            h = h + h.conj().T
            O = h / np.linalg.norm(h, 2)
            assert abs(np.trace(O @ A).real) <= best + 1e-12

    @pytest.mark.parametrize("n_h", [1, 3, 6])
    def test_haar_qubit_second_moment(self, n_h):
        # One visible qubit: ||rho_v - I/2||_1 is the Bloch length b, and
        # E b^2 = 2 E Tr rho_v^2 - 1 = 3/(D+1) from E Tr rho_v^2 = (D_v + D_h)/(D + 1).
        rho = rho_v_of(pl.haar_states(1 + n_h, 8000, n_h), 1)
        b2 = fam.max_visible_objective(rho) ** 2
        assert_allclose(b2.mean(), 3 / (2 ** (1 + n_h) + 1), atol=5 * b2.std() / np.sqrt(b2.size))

    def test_maximally_mixed_gives_zero(self):
        assert_allclose(fam.max_visible_objective(np.eye(8)[None] / 8), 0, atol=1e-15)

    def test_bad_shape(self):
        with pytest.raises(ValueError, match="rho_v"):
            fam.max_visible_objective(np.ones((2, 3)))


class TestPinskerBound:
    def test_holds_for_random_mixed_and_pure_states(self, rng):
        for dim in (2, 4, 8):
            for rank in (1, 2, dim):
                rho = np.stack([random_density_matrix(rng, dim, rank=min(rank, dim)) for _ in range(20)])
                assert (fam.max_visible_objective(rho) <= fam.pinsker_bound(rho) + 1e-12).all()

    def test_pure_state_value(self, rng):
        psi = fam.product_states(3, 1, 1, rng)
        assert_allclose(fam.pinsker_bound(rho_v_of(psi, 3)), np.sqrt(2 * np.log(8)), atol=1e-7)

    def test_qubit_is_tight_near_maximally_mixed(self):
        # For a qubit, ||rho - I/2||_1 = r and ln 2 - S = r^2/2 + O(r^4): the ratio tends to 1.
        r = 1e-3
        rho = np.diag([(1 + r) / 2, (1 - r) / 2])[None]
        assert_allclose(fam.max_visible_objective(rho) / fam.pinsker_bound(rho), 1, atol=1e-6)

    def test_reuses_entropy(self, rng):
        rho = random_density_matrix(rng, 4)[None]
        assert_allclose(fam.pinsker_bound(rho, pl.entropy(rho)), fam.pinsker_bound(rho), atol=0)
