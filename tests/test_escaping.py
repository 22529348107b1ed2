"""Tests of the escaping chapter's models, objectives, initialisations and training loop.

Every exact gradient is checked against central finite differences of an independent dense
implementation (Kronecker products of 2x2 Paulis, scipy.linalg.expm / logm / sqrtm), never
against the package's own kernels.
"""
from __future__ import annotations

from functools import lru_cache, reduce

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import linalg

from plateaus import area_law, training
from plateaus.experiments import escaping
from plateaus.models import BoltzmannMachine, UnitaryQNN
from plateaus.objectives import Fidelity, Observable, RelativeEntropy

PAULI = {
    "I": np.eye(2),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]]),
    "Z": np.diag([1.0, -1.0]).astype(complex),
}
STEP = 1e-5


# --------------------------------------------------------------------------- dense oracles


@lru_cache(maxsize=None)
def dense_pauli(label: str) -> np.ndarray:
    return reduce(np.kron, [PAULI[a] for a in label])


def dense_visible(terms, theta, order, n_visible: int) -> np.ndarray:
    """rho_v of prod_j exp(-i theta P) |0...0>, gates in ``order``, by dense matrices.

    exp(-i t P) = cos t I - i sin t P for a Pauli string (P^2 = I), checked against expm below.
    """
    n = len(terms[0])
    psi = np.zeros(2**n, dtype=complex)
    psi[0] = 1.0
    for k in order:
        psi = np.cos(theta[k]) * psi - 1j * np.sin(theta[k]) * (dense_pauli(terms[k]) @ psi)
    m = psi.reshape(2**n_visible, -1)
    return m @ m.conj().T


def dense_thermal_visible(terms, J, n_visible: int) -> np.ndarray:
    H = sum(j * dense_pauli(t) for j, t in zip(J, terms))
    rho = linalg.expm(-H)
    rho /= np.trace(rho)
    d_v = 2**n_visible
    d_h = rho.shape[0] // d_v
    return np.einsum("ahbh->ab", rho.reshape(d_v, d_h, d_v, d_h))


def dense_fidelity(rho, sigma) -> float:
    s = linalg.sqrtm(sigma)
    return float(np.real(np.trace(linalg.sqrtm(s @ rho @ s))) ** 2)


def dense_relative_entropy(data, rho) -> float:
    return float(np.real(np.trace(data @ linalg.logm(data)) - np.trace(data @ linalg.logm(rho))))


def central_differences(f, x, step=STEP) -> np.ndarray:
    out = np.empty_like(x)
    for k in range(x.size):
        e = np.zeros_like(x)
        e[k] = step
        out[k] = (f(x + e) - f(x - e)) / (2 * step)
    return out


def test_dense_rotation_is_expm():
    t, label = 0.37, "XZY"
    assert_allclose(np.cos(t) * np.eye(8) - 1j * np.sin(t) * dense_pauli(label),
                    linalg.expm(-1j * t * dense_pauli(label)), atol=1e-13)


@pytest.fixture(scope="module")
def target2():
    """A full-rank thermal target on two visible qubits."""
    return escaping.thermal_target(7, 2, 0.01, 1.0)


# --------------------------------------------------------------------------- area law


class TestBrickworkTerms:
    @pytest.mark.parametrize("n, layers", [(2, 1), (4, 2), (7, 3)])
    def test_count_and_locality(self, n, layers):
        terms = area_law.brickwork_terms(n, layers)
        assert len(terms) == layers * (3 * n + 9 * (n - 1))
        for label in terms:
            support = [q for q, a in enumerate(label) if a != "I"]
            assert len(support) in (1, 2)
            assert support[-1] - support[0] <= 1

    @pytest.mark.parametrize("layers, expected", [(1, 1), (2, 3), (3, 5)])
    def test_light_cone_of_three_visible_qubits(self, layers, expected):
        assert area_law.light_cone_hidden(3, layers) == expected

    def test_bad_input(self):
        with pytest.raises(ValueError, match="layers"):
            area_law.brickwork_terms(4, 0)
        with pytest.raises(ValueError, match="n_qubits"):
            area_law.brickwork_terms(1, 1)


class TestAreaLawQNN:
    @pytest.mark.parametrize("n_hidden, layers", [(2, 1), (3, 2)])
    def test_gradient_against_dense_finite_differences(self, target2, n_hidden, layers):
        qnn = area_law.area_law_qnn(2, n_hidden, layers)
        theta = np.random.default_rng(3).normal(size=qnn.n_params)
        order = np.arange(qnn.n_params)
        for objective, value in (
            (Fidelity(target2), lambda r: dense_fidelity(r, target2)),
            (Observable(dense_pauli("ZX")), lambda r: float(np.real(np.trace(dense_pauli("ZX") @ r)))),
        ):
            exact = qnn.gradient(theta, objective)
            fd = central_differences(lambda t: value(dense_visible(qnn.terms, t, order, 2)), theta)
            assert_allclose(exact, fd, atol=1e-7)

    def test_entropy_bounded_by_the_cut(self):
        # one layer crosses the cut with one two-qubit unitary: Schmidt rank <= 4, S <= 2 ln 2
        qnn = area_law.area_law_qnn(3, 4, 1)
        theta = np.random.default_rng(4).normal(size=(50, qnn.n_params))
        w = np.linalg.eigvalsh(qnn.reduced_state(theta))
        assert np.all((w > 1e-10).sum(axis=1) <= 4)
        s = -np.sum(np.where(w > 1e-14, w * np.log(np.clip(w, 1e-14, None)), 0.0), axis=1)
        assert np.all(s <= 2 * np.log(2) + 1e-9)

    def test_gates_outside_the_light_cone_have_zero_gradient(self, target2):
        qnn = area_law.area_law_qnn(3, 4, 1)
        cone = area_law.backward_light_cone(qnn.terms, 3)
        theta = np.random.default_rng(5).normal(size=(4, qnn.n_params))
        target = escaping.thermal_target(1, 3, 0.01, 1.0)
        grad = qnn.gradient(theta, Fidelity(target))
        outside = np.array([not ({q for q, a in enumerate(t) if a != "I"} & cone) for t in qnn.terms])
        assert outside.any()
        assert_allclose(grad[:, outside], 0.0, atol=1e-13)
        assert np.all(np.abs(grad[:, ~outside]).max(axis=1) > 1e-3)


# --------------------------------------------------------------------------- initialisations


class TestIdentityBlock:
    def test_starts_at_the_identity(self):
        qnn = UnitaryQNN(2, 2)
        rng = np.random.default_rng(6)
        theta = rng.normal(size=(3, qnn.n_params))
        orders = np.stack([rng.permutation(qnn.n_params) for _ in range(3)])
        terms2, theta2, order2 = training.identity_block(qnn.terms, theta, orders)
        psi = UnitaryQNN(2, 2, terms=terms2).state(theta2, order=order2)
        expected = np.zeros(psi.shape[1])
        expected[0] = 1.0
        assert_allclose(np.abs(psi), np.broadcast_to(expected, psi.shape), atol=1e-12)

    def test_gradient_against_dense_finite_differences(self):
        # an observable, since the fidelity is not differentiable at the pure start in the
        # directions that raise the rank of rho_v
        qnn = UnitaryQNN(2, 1)
        rng = np.random.default_rng(7)
        theta = rng.normal(size=(1, qnn.n_params))
        order = rng.permutation(qnn.n_params)[None]
        terms2, theta2, order2 = training.identity_block(qnn.terms, theta, order)
        model = UnitaryQNN(2, 1, terms=terms2)
        O = dense_pauli("XY") + 0.5 * dense_pauli("ZX")
        exact = model.gradient(theta2[0], Observable(O), order=order2[0])
        fd = central_differences(
            lambda t: float(np.real(np.trace(O @ dense_visible(terms2, t, order2[0], 2)))), theta2[0])
        assert_allclose(exact, fd, atol=1e-8)
        assert np.abs(exact).max() > 1e-2

    def test_observable_with_the_start_as_eigenvector_has_zero_gradient(self):
        qnn = UnitaryQNN(2, 1)
        rng = np.random.default_rng(8)
        theta = rng.normal(size=(2, qnn.n_params))
        terms2, theta2, order2 = training.identity_block(qnn.terms, theta, None)
        grad = UnitaryQNN(2, 1, terms=terms2).gradient(theta2, Observable(dense_pauli("ZI")), order=order2)
        assert_allclose(grad, 0.0, atol=1e-12)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="theta"):
            training.identity_block(("XI", "ZZ"), np.zeros((2, 3)))


class TestBoltzmannInitialisations:
    def test_typical_are_the_boltzmann_plateau_draws_and_weak_rescales_them(self):
        from plateaus.models import sample_couplings
        from plateaus.parallel import spawn_seeds

        seeds = spawn_seeds([1, 2], 3)
        inits = escaping.boltzmann_initialisations(2, 1, seeds, onsite_var=0.01, offsite_var=1.0,
                                                   weak_onsite_var=1.0, weak_offsite_var=0.01)
        qbm, J = inits["typical"]
        raw = np.stack([sample_couplings(3, 1, np.random.default_rng(s), 0.01, 1.0)[0] for s in seeds])
        assert_allclose(J, qbm.normalise(raw), rtol=1e-12)
        _, Jw = inits["weak-coupling"]
        norms = np.abs(np.linalg.eigvalsh(qbm.hamiltonian(Jw))).max(axis=1)
        assert_allclose(norms, 1.0, rtol=1e-12)
        onsite = np.arange(qbm.n_params) < 9
        ratio = Jw / J  # proportional per class: on-site x10, off-site x0.1, then one norm
        for mask in (onsite, ~onsite):
            assert_allclose(ratio[:, mask], np.broadcast_to(ratio[:, mask][:, :1], ratio[:, mask].shape),
                            rtol=1e-10)
        assert_allclose(ratio[:, onsite][:, 0] / ratio[:, ~onsite][:, 0], 100.0, rtol=1e-10)


# --------------------------------------------------------------------------- relative entropy


class TestRelativeEntropy:
    def test_value_against_logm(self, target2):
        rng = np.random.default_rng(9)
        a = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
        rho = a @ a.conj().T
        rho /= np.trace(rho)
        assert_allclose(RelativeEntropy(target2).value(rho), dense_relative_entropy(target2, rho), atol=1e-10)
        assert_allclose(RelativeEntropy(target2).value(target2), 0.0, atol=1e-10)

    def test_boltzmann_gradient_against_dense_finite_differences(self, target2):
        qbm = BoltzmannMachine(2, 1)
        J = qbm.normalise(qbm.sample_couplings(1, 10)[0])
        exact = qbm.gradient(J, RelativeEntropy(target2))
        fd = central_differences(
            lambda j: dense_relative_entropy(target2, dense_thermal_visible(qbm.terms, j, 2)), J)
        assert_allclose(exact, fd, atol=1e-7)

    def test_near_the_maximally_mixed_state_it_is_dv_times_the_overlap(self, target2):
        # ln(I/D + d) = -ln D + D d + O(d^2): the gradients differ by the factor -D_v
        qbm = BoltzmannMachine(2, 2)
        J = 1e-4 * qbm.sample_couplings(1, 11)[0]
        g_rel = qbm.gradient(J, RelativeEntropy(target2))
        g_lin = qbm.gradient(J, Observable(target2))
        assert_allclose(g_rel, -4.0 * g_lin, atol=1e-3 * np.abs(g_lin).max())


# --------------------------------------------------------------------------- training loop


class TestDescend:
    A = np.diag([1.0, 3.0])

    def grad(self, x):
        return x @ self.A

    def loss(self, x):
        return 0.5 * np.einsum("bi,ij,bj->b", x, self.A, x)

    def test_gradient_descent_is_the_closed_form(self):
        x0 = np.array([[1.0, 1.0], [2.0, -1.0]])
        x, steps, losses = training.descend(self.grad, x0, steps=7, lr=0.1, loss=self.loss, every=3)
        assert_allclose(x, x0 * (1 - 0.1 * np.diag(self.A)) ** 7, rtol=1e-12)
        assert steps.tolist() == [0, 3, 6, 7]
        assert losses.shape == (4, 2)
        assert np.all(np.diff(losses, axis=0) < 0)

    def test_adam_first_step_moves_by_lr_along_the_sign(self):
        x0 = np.array([[1.0, -2.0]])
        x, _, _ = training.descend(self.grad, x0, steps=1, lr=0.01, optimiser="adam")
        assert_allclose(x, x0 - 0.01 * np.sign(self.grad(x0)), rtol=1e-6)

    def test_runs_are_independent(self):
        x0 = np.array([[1.0, 1.0], [5.0, -3.0]])
        both, _, _ = training.descend(self.grad, x0, steps=5, lr=0.05, optimiser="adam")
        alone, _, _ = training.descend(self.grad, x0[1:], steps=5, lr=0.05, optimiser="adam")
        assert_allclose(both[1:], alone, rtol=1e-14)

    def test_bad_input(self):
        x0 = np.zeros((1, 2))
        with pytest.raises(ValueError, match="lr"):
            training.descend(self.grad, x0, steps=1, lr=0.0)
        with pytest.raises(ValueError, match="optimiser"):
            training.descend(self.grad, x0, steps=1, lr=0.1, optimiser="sgd")
        with pytest.raises(ValueError, match="steps"):
            training.descend(self.grad, x0, steps=0, lr=0.1)


class TestStepsToReach:
    def test_first_recorded_step_or_nan(self):
        steps = np.array([0, 5, 10])
        losses = np.array([[1.0, 1.0], [0.04, 0.5], [0.01, 0.2]])
        assert_allclose(training.steps_to_reach(steps, losses, 0.05), [5.0, np.nan])


# --------------------------------------------------------------------------- the chapter's tables


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """The quick-scale tables, computed into a temporary data root."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLATEAUS_DATA", str(tmp_path_factory.mktemp("data")))
        yield escaping.gradients({"scale": "quick"}), escaping.training({"scale": "quick"})


class TestQuickScale:

    def test_training_lowers_the_loss(self, tables):
        _, tr = tables
        for _, g in tr.groupby(["model", "init", "loss_name", "n_hidden", "run"]):
            g = g.sort_values("step")
            assert g["loss"].iloc[-1] < g["loss"].iloc[0]

    def test_every_initialisation_and_objective_is_there(self, tables):
        df, _ = tables
        inits = set(df[df.model == "unitary"].init)
        assert inits == {"typical", "area-law", "small-angle-0.03", "small-angle-0.1", "identity-block"}
        assert set(df[df.model == "boltzmann"].objective) == set(escaping.BOLTZMANN_OBJECTIVES)
        assert (df.groupby(["model", "init", "objective", "n_hidden"]).size() == 8).all()
        # the identity block starts at a pure product state
        assert_allclose(df[df.init == "identity-block"].entropy, 0.0, atol=1e-9)

    def test_slopes_of_the_typical_unitary_fidelity_decay(self, tables):
        df, _ = tables
        s = escaping.slopes(df)
        row = s[(s.model == "unitary") & (s.init == "typical") & (s.objective == "fidelity")].iloc[0]
        assert row.slope < 0
        assert_allclose(row.slope_ln, row.slope * np.log(2))
