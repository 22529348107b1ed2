r"""Adjoint gradients of the unitary network against an independent dense implementation.

The oracle here shares no code with the package's sweeps: gates are ``scipy.linalg.expm`` of
dense Kronecker-product Pauli matrices, the partial trace is a numpy reshape and the objective
values are plain formulas of the ``(D_v, D_h)`` reshape :math:`\Psi` of the state: the trace
:math:`\mathrm{Tr}(O\Psi\Psi^\dagger)`, and the fidelity as the squared trace norm
:math:`\|\sqrt\sigma\Psi\|_1^2` (``scipy.linalg.sqrtm`` and an SVD). That form is exact
even when :math:`\rho_v = \Psi\Psi^\dagger` is rank-deficient (``n_h < n_v``), where a
formula through :math:`\sqrt{\rho_v}` (as in :func:`plateaus.measures.fidelity`) carries
:math:`\sqrt\epsilon` round-off that finite differences would amplify.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla
from numpy.testing import assert_allclose

from plateaus import adjoint
from plateaus.models import UnitaryQNN, sample_couplings
from plateaus.objectives import Fidelity, Observable
from plateaus.terms import pauli_matrix, two_local_terms
from conftest import dense_state

SIZES = [(1, 1), (2, 1), (2, 2), (3, 2)]  # (n_visible, n_hidden), n <= 5


# --------------------------------------------------------------------------- dense oracle


def dense_gates(labels, theta):
    return [sla.expm(-1j * t * pauli_matrix(label)) for label, t in zip(labels, theta)]


def as_matrix(psi, d_v):
    """The (D_v, D_h) reshape of a state vector (visible qubits first)."""
    return psi.reshape(d_v, -1)


def trace_value(O):
    return lambda m: np.trace(O @ m @ m.conj().T).real


def fidelity_value(sigma):
    root = sla.sqrtm(sigma)
    return lambda m: np.linalg.svd(root @ m, compute_uv=False).sum() ** 2


def dense_fd_gradient(labels, theta, order, d_v, value, h=1e-5):
    """Central differences of value(Psi(theta)) with prefix/suffix dense products."""
    order = list(range(len(labels))) if order is None else list(order)
    gates = dense_gates(labels, theta)
    dim = 2 ** len(labels[0])
    prefix = [np.eye(dim, dtype=complex)[:, 0]]  # state before step j
    for k in order:
        prefix.append(gates[k] @ prefix[-1])
    suffix = [np.eye(dim, dtype=complex)]  # product of the gates after step j
    for k in reversed(order):
        suffix.append(suffix[-1] @ gates[k])
    suffix = suffix[::-1]  # suffix[j] = G_{order[-1]} ... G_{order[j]}
    grad = np.empty(len(labels))
    for step, k in enumerate(order):
        vals = []
        for sign in (1, -1):
            g = sla.expm(-1j * (theta[k] + sign * h) * pauli_matrix(labels[k]))
            psi = suffix[step + 1] @ (g @ prefix[step])
            vals.append(value(as_matrix(psi, d_v)))
        grad[k] = (vals[0] - vals[1]) / (2 * h)
    return grad


def thermal_target(n_visible, seed):
    """exp(-H)/Z of a random 2-local H on the visible qubits (Fig. 3(b)), by expm."""
    labels = two_local_terms(n_visible)
    J = sample_couplings(labels, 1, seed)[0]
    h = sum(j * pauli_matrix(label) for j, label in zip(J, labels))
    rho = sla.expm(-h)
    return rho / np.trace(rho).real


def random_hermitian(rng, dim):
    a = rng.standard_normal((dim, dim)) + 1j * rng.standard_normal((dim, dim))
    return (a + a.conj().T) / 2


# --------------------------------------------------------------------------- tests


class TestAdjointGradient:
    @pytest.fixture(params=SIZES, ids=lambda s: f"nv{s[0]}-nh{s[1]}")
    def case(self, request):
        n_v, n_h = request.param
        rng = np.random.default_rng(100 + 10 * n_v + n_h)
        qnn = UnitaryQNN(n_v, n_h)
        theta = rng.normal(size=(2, qnn.n_params))
        orders = np.stack([rng.permutation(qnn.n_params) for _ in range(2)])
        return qnn, theta, orders, rng

    @staticmethod
    def _check(qnn, theta, orders, objective, value):
        grad = qnn.gradient(theta, objective, order=orders)
        assert grad.shape == theta.shape
        for b in range(theta.shape[0]):
            order = None if orders is None else orders[b]
            ref = dense_fd_gradient(qnn.terms, theta[b], order, qnn.d_visible, value)
            scale = np.abs(ref).max()
            assert scale > 1e-3
            assert_allclose(grad[b], ref, rtol=0, atol=1e-6 * scale)

    @pytest.mark.parametrize("per_instance", [False, True], ids=["eq11-order", "random-orders"])
    def test_observable(self, case, per_instance):
        qnn, theta, orders, rng = case
        O = random_hermitian(rng, qnn.d_visible)
        self._check(qnn, theta, orders if per_instance else None, Observable(O), trace_value(O))

    @pytest.mark.parametrize("per_instance", [False, True], ids=["eq11-order", "random-orders"])
    def test_fidelity_to_thermal_target(self, case, per_instance):
        qnn, theta, orders, _ = case
        sigma = thermal_target(qnn.n_visible, seed=7)
        value = fidelity_value(sigma)
        self._check(qnn, theta, orders if per_instance else None, Fidelity(sigma), value)

    def test_single_order_for_all_instances(self):
        qnn = UnitaryQNN(2, 1)
        rng = np.random.default_rng(3)
        theta = rng.normal(size=(2, qnn.n_params))
        order = rng.permutation(qnn.n_params)
        obj = Observable(np.diag([1.0, -1.0, 0.5, 0.0]))
        grad = qnn.gradient(theta, obj, order=order)
        value = trace_value(obj.O)
        for b in range(2):
            ref = dense_fd_gradient(qnn.terms, theta[b], order, 4, value)
            assert_allclose(grad[b], ref, rtol=0, atol=1e-6 * np.abs(ref).max())

    def test_unbatched_equals_batched(self):
        qnn = UnitaryQNN(2, 2)
        theta = np.random.default_rng(4).normal(size=(3, qnn.n_params))
        obj = Fidelity(thermal_target(2, seed=1))
        batched = qnn.gradient(theta, obj)
        for b in range(3):
            assert_allclose(qnn.gradient(theta[b], obj), batched[b], rtol=0, atol=1e-13)

    def test_custom_terms_with_three_local_labels(self):
        terms = ("XII", "ZZI", "YXZ", "IIY", "ZIX")
        qnn = UnitaryQNN(1, 2, terms=terms)
        theta = np.random.default_rng(5).normal(size=(2, len(terms)))
        obj = Observable(np.array([[0.3, 1 - 1j], [1 + 1j, -0.7]]))
        grad = qnn.gradient(theta, obj)
        value = trace_value(obj.O)
        for b in range(2):
            ref = dense_fd_gradient(terms, theta[b], None, 2, value)
            assert_allclose(grad[b], ref, rtol=0, atol=1e-6 * np.abs(ref).max())


class TestFiniteDifferenceMethod:
    """n_v = 2, n_h = 1: rank(rho_v) <= 2 < D_v, the rank-deficient case of Fig. 3(b)."""

    @pytest.fixture
    def setup(self):
        qnn = UnitaryQNN(2, 1)
        theta = np.random.default_rng(6).normal(size=(3, qnn.n_params))
        return qnn, theta, Fidelity(thermal_target(2, seed=2))

    def test_converges_to_adjoint_as_step_shrinks(self, setup):
        qnn, theta, obj = setup
        exact = qnn.gradient(theta, obj, method="adjoint")
        errors = [
            np.abs(qnn.gradient(theta, obj, method="finite-difference", step=h) - exact).max()
            for h in (1e-1, 1e-2, 1e-3)
        ]
        # truncation error O(step^2): a factor ~100 per decade
        assert errors[0] > errors[1] > errors[2]
        assert 30 < errors[0] / errors[1] < 300
        assert 30 < errors[1] / errors[2] < 300

    def test_default_step_agrees(self, setup):
        qnn, theta, obj = setup
        exact = qnn.gradient(theta, obj)
        fd = qnn.gradient(theta, obj, method="finite-difference")
        assert_allclose(fd, exact, rtol=0, atol=1e-8)

    def test_with_per_instance_orders(self, setup):
        qnn, theta, obj = setup
        orders = qnn.random_orders(3, seed=9)
        exact = qnn.gradient(theta, obj, order=orders)
        fd = qnn.gradient(theta, obj, method="finite-difference", order=orders)
        assert_allclose(fd, exact, rtol=0, atol=1e-8)


class TestChunking:
    """Results do not depend on how the batch is split into cache-sized chunks."""

    @pytest.fixture
    def setup(self):
        labels = two_local_terms(4)
        rng = np.random.default_rng(8)
        theta = rng.normal(size=(7, len(labels)))
        orders = np.stack([rng.permutation(len(labels)) for _ in range(7)])
        obj = Observable(random_hermitian(rng, 4))
        return labels, theta, orders, obj

    @pytest.mark.parametrize("per_instance", [False, True])
    def test_states_and_gradients(self, setup, monkeypatch, per_instance):
        labels, theta, orders, obj = setup
        order = orders if per_instance else None
        states = adjoint.circuit_states(labels, theta, order)
        grad = adjoint.adjoint_gradient(labels, theta, 2, obj.derivative, order)
        monkeypatch.setattr(adjoint, "CHUNK_AMPLITUDES", 2 * 16)  # 2 instances per chunk
        assert_allclose(adjoint.circuit_states(labels, theta, order), states, atol=1e-14)
        assert_allclose(
            adjoint.adjoint_gradient(labels, theta, 2, obj.derivative, order), grad, atol=1e-13
        )

    def test_identical_rows_take_the_fixed_path(self, setup):
        labels, theta, orders, obj = setup
        same = np.broadcast_to(orders[0], orders.shape)
        assert_allclose(
            adjoint.adjoint_gradient(labels, theta, 2, obj.derivative, same),
            adjoint.adjoint_gradient(labels, theta, 2, obj.derivative, orders[0]),
            atol=1e-14,
        )


class TestGateSet:
    def test_weights_and_permutations_realise_minus_i_p(self):
        labels = two_local_terms(3)
        gs = adjoint.gate_set(labels)
        psi = np.random.default_rng(0).normal(size=8) + 0j
        for k, label in enumerate(labels):
            expected = -1j * pauli_matrix(label) @ psi
            assert_allclose(gs.weights[k] * psi[gs.perms[k]], expected, atol=1e-15)
            view = psi.reshape((2,) * 3 + (1,))[gs.flips[k]].reshape(8)
            assert_allclose(view, psi[gs.perms[k]], atol=0)

    def test_rejects_empty_and_ragged_labels(self):
        with pytest.raises(ValueError, match="labels"):
            adjoint.gate_set(())
        with pytest.raises(ValueError, match="'XY'"):
            adjoint.gate_set(("XYZ", "XY"))

    def test_derivative_of_wrong_shape(self):
        labels = two_local_terms(2)
        theta = np.zeros((2, len(labels)))
        with pytest.raises(ValueError, match="derivative"):
            adjoint.adjoint_gradient(labels, theta, 1, lambda rho: np.eye(2), None)
