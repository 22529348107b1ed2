"""plateaus.designs: frame potentials, against closed forms and the dense oracle of the model."""
import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.stats import unitary_group

from conftest import dense_state
from plateaus import designs, haar_states, two_local_terms
from plateaus.models import UnitaryQNN, random_orders


class TestCircuitUnitaries:
    @pytest.mark.parametrize("n", [2, 3])
    def test_columns_are_the_dense_product(self, n, rng):
        labels = two_local_terms(n)
        theta = rng.normal(size=(3, len(labels)))
        orders = random_orders(len(labels), 3, 5)
        u = designs.circuit_unitaries(labels, theta, orders)
        for b in range(3):
            assert_allclose(u[b] @ u[b].conj().T, np.eye(2**n), atol=1e-12)
            # the first column is the model's state U|0...0>, from the dense oracle
            assert_allclose(u[b][:, 0], dense_state(labels, theta[b], orders[b]), atol=1e-12)
            assert_allclose(u[b][:, 0], UnitaryQNN(1, n - 1).state(theta[b], order=orders[b]), atol=1e-12)

    def test_a_slice_is_a_factor(self, rng):
        labels = two_local_terms(3)
        theta = rng.normal(size=(2, len(labels)))
        k = len(labels)
        whole = designs.circuit_unitaries(labels, theta)
        first = designs.circuit_unitaries(labels, theta, stop=10)
        rest = designs.circuit_unitaries(labels, theta, start=10)
        assert_allclose(rest @ first, whole, atol=1e-12)
        with pytest.raises(ValueError, match="start, stop"):
            designs.circuit_unitaries(labels, theta, start=k)

    def test_bad_order(self, rng):
        labels = two_local_terms(2)
        with pytest.raises(ValueError, match="permutation"):
            designs.circuit_unitaries(labels, np.zeros((1, len(labels))), np.zeros(len(labels), int))


class TestFramePotential:
    def test_haar_unitaries_reach_two(self):
        u = unitary_group.rvs(8, size=400, random_state=1)
        value, se = designs.frame_potential(u)
        assert abs(value - designs.haar_frame_potential(8)) < 4 * se
        assert 0 < se < 0.2

    def test_a_fixed_unitary_gives_d_to_the_fourth(self):
        u = np.broadcast_to(unitary_group.rvs(4, random_state=2), (5, 4, 4))
        value, se = designs.frame_potential(u)
        assert value == pytest.approx(4.0**4) and se == pytest.approx(0.0, abs=1e-9)

    def test_random_paulis_are_a_one_design_not_a_two_design(self):
        # uniformly random Pauli strings: |Tr P^dag Q|^4 = D^4 [P = Q], so F2 = D^4 / 4^n = D^2
        rng = np.random.default_rng(3)
        from plateaus.terms import pauli_matrix
        letters = rng.choice(list("IXYZ"), size=(600, 2))
        u = np.stack([pauli_matrix("".join(l)) for l in letters])
        value, se = designs.frame_potential(u)
        assert abs(value - 16.0) < 4 * se

    def test_haar_states(self):
        states = haar_states(4, 400, 7)
        value, se = designs.state_frame_potential(states)
        assert abs(value - designs.haar_state_frame_potential(16)) < 4 * se

    def test_jackknife_matches_the_spread_over_repetitions(self):
        values, ses = zip(*(designs.state_frame_potential(haar_states(3, 100, s)) for s in range(40)))
        assert np.std(values) == pytest.approx(np.mean(ses), rel=0.35)

    @pytest.mark.parametrize("bad", [np.zeros((2, 3, 3)), np.zeros((3, 2, 3))])
    def test_bad_input(self, bad):
        with pytest.raises(ValueError):
            designs.frame_potential(bad)
