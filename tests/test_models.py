"""The models of Section VI against dense, independent constructions (scipy.linalg.expm)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.linalg as sla
from numpy.testing import assert_allclose
from scipy import stats

from plateaus.models import (
    BoltzmannMachine,
    UnitaryQNN,
    gue_hamiltonians,
    gue_spectra,
    gue_states,
    onsite_mask,
    random_orders,
    sample_couplings,
    thermal_target,
)
from plateaus.measures import trace_distance
from plateaus.objectives import Fidelity, Observable
from plateaus.parallel import spawn_seeds
from plateaus.states import reduced_state
from plateaus.terms import pauli_matrix, two_local_terms
from conftest import dense_state

SIZES = [(1, 1), (2, 1), (1, 3), (3, 2)]  # (n_visible, n_hidden), n <= 5


def dense_partial_trace(rho, d_v):
    d_h = rho.shape[-1] // d_v
    return np.einsum("ihjh->ij", rho.reshape(d_v, d_h, d_v, d_h))


def dense_hamiltonian(J, labels):
    return sum(j * pauli_matrix(label) for j, label in zip(J, labels))


# --------------------------------------------------------------------------- unitary network


class TestUnitaryQNN:
    @pytest.fixture(params=SIZES, ids=lambda s: f"nv{s[0]}-nh{s[1]}")
    def case(self, request):
        n_v, n_h = request.param
        qnn = UnitaryQNN(n_v, n_h)
        rng = np.random.default_rng(200 + 10 * n_v + n_h)
        return qnn, rng.normal(size=(3, qnn.n_params)), rng

    def test_attributes(self):
        qnn = UnitaryQNN(3, 2)
        assert (qnn.n_visible, qnn.n_hidden, qnn.n_qubits) == (3, 2, 5)
        assert qnn.terms == two_local_terms(5)
        assert qnn.n_params == 3 * 5 + 9 * 10
        assert (qnn.d_visible, qnn.d_hidden) == (8, 4)

    def test_state_matches_dense_expm_product(self, case):
        qnn, theta, _ = case
        states = qnn.state(theta)
        assert states.shape == (3, 2**qnn.n_qubits)
        for b in range(3):
            assert_allclose(states[b], dense_state(qnn.terms, theta[b]), rtol=0, atol=1e-12)

    def test_state_with_random_order_per_instance(self, case):
        qnn, theta, rng = case
        orders = np.stack([rng.permutation(qnn.n_params) for _ in range(3)])
        states = qnn.state(theta, order=orders)
        for b in range(3):
            assert_allclose(states[b], dense_state(qnn.terms, theta[b], orders[b]), atol=1e-12)

    def test_state_with_one_order_for_all(self, case):
        qnn, theta, rng = case
        order = rng.permutation(qnn.n_params)
        states = qnn.state(theta, order=order)
        for b in range(3):
            assert_allclose(states[b], dense_state(qnn.terms, theta[b], order), atol=1e-12)

    def test_theta_belongs_to_its_term_whatever_the_order(self):
        qnn = UnitaryQNN(1, 1)
        theta = np.zeros(qnn.n_params)
        k = qnn.terms.index("XI")
        theta[k] = np.pi / 2  # exp(-i pi/2 X_0)|00> = -i|10>
        order = np.random.default_rng(0).permutation(qnn.n_params)
        assert_allclose(qnn.state(theta, order=order), [0, 0, -1j, 0], atol=1e-15)

    def test_batched_equals_unbatched(self, case):
        qnn, theta, rng = case
        orders = np.stack([rng.permutation(qnn.n_params) for _ in range(3)])
        states = qnn.state(theta, order=orders)
        for b in range(3):
            single = qnn.state(theta[b], order=orders[b])
            assert single.shape == (2**qnn.n_qubits,)
            assert_allclose(single, states[b], rtol=0, atol=1e-14)

    def test_sample_instances_draws_angles_then_order_from_each_seed(self):
        qnn = UnitaryQNN(2, 1)
        seeds = np.random.SeedSequence(5).spawn(4)
        theta, orders = qnn.sample_instances(seeds, theta_std=0.7, order="random")
        for b, s in enumerate(seeds):
            rng = np.random.default_rng(s)
            assert_allclose(theta[b], rng.normal(0.0, 0.7, qnn.n_params), rtol=0)
            assert (orders[b] == rng.permutation(qnn.n_params)).all()
        # an instance depends only on its own seed; the two readings share the angles
        one, order_one = qnn.sample_instances(seeds[2:3], theta_std=0.7, order="random")
        assert_allclose(one[0], theta[2], rtol=0)
        assert (order_one[0] == orders[2]).all()
        fixed, none = qnn.sample_instances(seeds, theta_std=0.7)
        assert none is None
        assert_allclose(fixed, theta, rtol=0)
        uniform, _ = qnn.sample_instances(seeds, theta_range=(0.0, 1.0))
        assert ((uniform >= 0) & (uniform < 1)).all()
        # the reversed reading: the same angles, the last term of Eq. (11) first (Theorem 3's product)
        rev_theta, rev = qnn.sample_instances(seeds, theta_std=0.7, order="reversed")
        assert_allclose(rev_theta, theta, rtol=0)
        assert (rev == np.arange(qnn.n_params)[::-1]).all() and rev.shape == (4, qnn.n_params)
        last_first = dense_state(qnn.terms, theta[0], order=np.arange(qnn.n_params)[::-1])
        assert_allclose(qnn.state(theta[0], order=rev[0]), last_first, atol=1e-12)
        # a Generator is used as it is, and can go on drawing afterwards
        rngs = [np.random.default_rng(s) for s in seeds]
        again, _ = qnn.sample_instances(rngs, theta_std=0.7, order="random")
        assert_allclose(again, theta, rtol=0)
        assert not np.allclose(rngs[0].normal(size=3), np.random.default_rng(seeds[0]).normal(size=3))

    @pytest.mark.parametrize("kwargs, match", [
        (dict(theta_std=1.0, order="shuffled"), "order"),
        (dict(), "exactly one"),
        (dict(theta_std=1.0, theta_range=(0, 1)), "exactly one"),
        (dict(theta_std=-1.0), "theta_std"),
        (dict(theta_range=(1.0, 0.0)), "theta_range"),
    ])
    def test_sample_instances_rejects_bad_input(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            UnitaryQNN(1, 1).sample_instances([1, 2], **kwargs)
        with pytest.raises(ValueError, match="seeds"):
            UnitaryQNN(1, 1).sample_instances(3, theta_std=1.0)

    def test_norm_preserved(self):
        qnn = UnitaryQNN(2, 3)
        theta = np.random.default_rng(1).uniform(0, 1, size=(50, qnn.n_params)) * 10
        assert_allclose(np.linalg.norm(qnn.state(theta), axis=-1), 1.0, rtol=0, atol=1e-12)

    def test_reduced_state_is_dense_partial_trace(self, case):
        qnn, theta, _ = case
        rho_v = qnn.reduced_state(theta)
        assert rho_v.shape == (3, qnn.d_visible, qnn.d_visible)
        for b in range(3):
            psi = dense_state(qnn.terms, theta[b])
            ref = dense_partial_trace(np.outer(psi, psi.conj()), qnn.d_visible)
            assert_allclose(rho_v[b], ref, rtol=0, atol=1e-12)
        assert_allclose(np.trace(rho_v, axis1=1, axis2=2), 1.0, atol=1e-12)

    def test_no_hidden_qubits_gives_a_pure_visible_state(self):
        qnn = UnitaryQNN(2, 0)
        rho = qnn.reduced_state(np.random.default_rng(2).normal(size=qnn.n_params))
        assert_allclose(np.trace(rho @ rho).real, 1.0, atol=1e-12)


class TestUnitaryQNNValidation:
    @pytest.fixture
    def qnn(self):
        return UnitaryQNN(2, 1)

    @pytest.mark.parametrize(
        "kwargs, match",
        [
            ({"n_visible": 0, "n_hidden": 1}, "n_visible"),
            ({"n_visible": 2.0, "n_hidden": 1}, "n_visible"),
            ({"n_visible": True, "n_hidden": 1}, "n_visible"),
            ({"n_visible": 2, "n_hidden": -1}, "n_hidden"),
            ({"n_visible": 2, "n_hidden": 1.5}, "n_hidden"),
            ({"n_visible": 2, "n_hidden": 1, "terms": ("XY",)}, "terms"),
            ({"n_visible": 2, "n_hidden": 1, "terms": ()}, "terms"),
            ({"n_visible": 2, "n_hidden": 1, "terms": "XYZ"}, "terms"),
        ],
    )
    def test_constructor(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            UnitaryQNN(**kwargs)

    @pytest.mark.parametrize(
        "theta, match",
        [
            (np.zeros(5), r"theta has shape \(5,\); expected \(36,\)"),
            (np.zeros((2, 35)), "theta has shape"),
            (np.zeros((2, 3, 36)), "theta has shape"),
            (np.full(36, np.nan), "theta must be finite"),
            (np.full(36, np.inf), "theta must be finite"),
            (np.zeros(36, dtype=complex), "theta must be real"),
            (np.array(["a"] * 36), "theta must be a real numeric array"),
        ],
    )
    def test_theta(self, qnn, theta, match):
        for call in (qnn.state, qnn.reduced_state):
            with pytest.raises(ValueError, match=match):
                call(theta)
        with pytest.raises(ValueError, match=match):
            qnn.gradient(theta, Observable(np.eye(4)))

    @pytest.mark.parametrize(
        "order, match",
        [
            (np.arange(35), r"order has shape \(35,\)"),
            (np.zeros(36, dtype=int), "permutations"),
            (np.arange(36.0), "integer"),
            (np.tile(np.arange(36), (3, 1)), r"order has shape \(3, 36\); expected \(2, 36\)"),
            (np.arange(36)[None, None], "order has shape"),
        ],
    )
    def test_order(self, qnn, order, match):
        theta = np.zeros((2, 36))
        with pytest.raises(ValueError, match=match):
            qnn.state(theta, order=order)
        with pytest.raises(ValueError, match=match):
            qnn.gradient(theta, Observable(np.eye(4)), order=order)

    def test_per_instance_orders_need_batched_theta(self, qnn):
        with pytest.raises(ValueError, match="order has shape"):
            qnn.state(np.zeros(36), order=np.tile(np.arange(36), (2, 1)))

    def test_unknown_method(self, qnn):
        with pytest.raises(ValueError, match="method must be one of .* got 'backprop'"):
            qnn.gradient(np.zeros(36), Observable(np.eye(4)), method="backprop")

    @pytest.mark.parametrize("step", [0.0, -1e-3, np.nan, "1e-5"])
    def test_step(self, qnn, step):
        with pytest.raises(ValueError, match="step"):
            qnn.gradient(np.zeros(36), Observable(np.eye(4)), method="finite-difference", step=step)

    def test_objective(self, qnn):
        with pytest.raises(ValueError, match="objective acts on 2-dimensional"):
            qnn.gradient(np.zeros(36), Observable(np.eye(2)))
        with pytest.raises(ValueError, match="objective must have value"):
            qnn.gradient(np.zeros(36), object())


class TestRandomOrders:
    def test_rows_are_permutations_and_reproducible(self):
        orders = random_orders(20, 5, seed=1)
        assert orders.shape == (5, 20)
        assert_allclose(np.sort(orders, axis=1), np.tile(np.arange(20), (5, 1)))
        assert_allclose(random_orders(20, 5, seed=1), orders)
        assert not np.array_equal(orders[0], orders[1])

    def test_one_seed_per_instance_does_not_depend_on_the_batch(self):
        seeds = np.random.SeedSequence(42).spawn(4)
        all_four = random_orders(10, 4, seed=seeds)
        assert_allclose(random_orders(10, 1, seed=[seeds[2]])[0], all_four[2])

    def test_method_and_validation(self):
        qnn = UnitaryQNN(1, 1)
        assert qnn.random_orders(3, seed=0).shape == (3, qnn.n_params)
        with pytest.raises(ValueError, match="seed holds 2 seeds"):
            random_orders(10, 3, seed=[1, 2])
        with pytest.raises(ValueError, match="size"):
            random_orders(10, 0, seed=1)


# --------------------------------------------------------------------------- Boltzmann machine


class TestBoltzmannMachine:
    @pytest.fixture
    def qbm(self):
        return BoltzmannMachine(2, 2)

    @pytest.fixture
    def couplings(self, qbm):
        return qbm.sample_couplings(3, seed=11)

    def test_hamiltonian_is_dense_sum(self, qbm, couplings):
        h = qbm.hamiltonian(couplings)
        assert h.shape == (3, 16, 16)
        for b in range(3):
            assert_allclose(h[b], dense_hamiltonian(couplings[b], qbm.terms), atol=1e-13)

    def test_density_matrix_matches_expm(self, qbm, couplings):
        rho = qbm.density_matrix(couplings)
        for b in range(3):
            ref = sla.expm(-dense_hamiltonian(couplings[b], qbm.terms))
            assert_allclose(rho[b], ref / np.trace(ref), rtol=0, atol=1e-12)
        assert_allclose(qbm.density_matrix(couplings[1]), rho[1], atol=1e-15)

    def test_stable_at_large_norm(self, qbm, couplings):
        big = 1e3 * couplings
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
            rho = qbm.density_matrix(big)
        assert np.all(np.isfinite(rho))
        assert_allclose(np.trace(rho, axis1=1, axis2=2), 1.0, atol=1e-12)
        # essentially the projector on the ground state of H
        e, v = np.linalg.eigh(qbm.hamiltonian(big))
        ground = np.einsum("bi,bj->bij", v[:, :, 0], v[:, :, 0].conj())
        gap = (e[:, 1] - e[:, 0]).min()
        assert gap > 0.05  # so exp(-gap) is negligible
        assert_allclose(rho, ground, atol=1e-12)

    def test_reduced_state(self, qbm, couplings):
        rho_v = qbm.reduced_state(couplings)
        rho = qbm.density_matrix(couplings)
        for b in range(3):
            assert_allclose(rho_v[b], dense_partial_trace(rho[b], 4), atol=1e-14)

    def test_normalise_gives_unit_operator_norm(self, qbm, couplings):
        J = qbm.normalise(couplings)
        norms = np.linalg.norm(qbm.hamiltonian(J), ord=2, axis=(1, 2))
        assert_allclose(norms, 1.0, rtol=1e-12)
        scale = np.linalg.norm(qbm.hamiltonian(couplings), ord=2, axis=(1, 2))
        assert_allclose(J * scale[:, None], couplings, rtol=1e-12)
        assert_allclose(qbm.normalise(couplings[0]), J[0], rtol=1e-14)

    def test_normalise_rejects_zero(self, qbm):
        with pytest.raises(ValueError, match="J gives H"):
            qbm.normalise(np.zeros((2, qbm.n_params)))

    def test_validation(self, qbm):
        with pytest.raises(ValueError, match=r"J has shape \(3,\)"):
            qbm.density_matrix(np.zeros(3))
        with pytest.raises(ValueError, match="J must be finite"):
            qbm.density_matrix(np.full(qbm.n_params, np.nan))
        with pytest.raises(ValueError, match="n_hidden"):
            BoltzmannMachine(2, -1)
        with pytest.raises(ValueError, match="n_visible"):
            BoltzmannMachine(0, 2)

    def test_gradient_delegates_to_thermal(self, qbm, couplings):
        J = qbm.normalise(couplings)
        sigma = BoltzmannMachine(2, 0).density_matrix(sample_couplings(2, 1, seed=3)[0])
        obj = Fidelity(sigma)
        grad = qbm.gradient(J, obj)
        assert grad.shape == J.shape
        h = 1e-5
        for k in (0, 7, qbm.n_params - 1):
            e = np.zeros(qbm.n_params)
            e[k] = h
            plus, minus = qbm.reduced_state(J + e), qbm.reduced_state(J - e)
            fd = (obj.value(plus) - obj.value(minus)) / (2 * h)
            assert_allclose(grad[:, k], fd, rtol=1e-6, atol=1e-10)
        assert_allclose(qbm.gradient(J[0], obj), grad[0], atol=1e-14)

    def test_sensitivity_delegates_to_thermal(self, qbm, couplings):
        J = qbm.normalise(couplings)
        sens = qbm.sensitivity(J)
        assert sens.shape == J.shape
        eps = 1e-6
        for k in (1, 20):
            e = np.zeros(qbm.n_params)
            e[k] = eps
            diff = qbm.reduced_state(J + e) - qbm.reduced_state(J - e)
            fd = 0.5 * np.abs(np.linalg.eigvalsh(diff)).sum(axis=-1) / (2 * eps)
            assert_allclose(sens[:, k], fd, rtol=1e-6)


class TestSampleCouplings:
    """The one sampler of the Eq. (11) coefficients: every entry point, the same draws."""

    @pytest.mark.parametrize("n_visible, n_hidden", [(1, 1), (2, 1), (1, 3), (3, 2)])
    def test_same_seed_same_couplings_via_every_entry_point(self, n_visible, n_hidden):
        from plateaus.experiments import ensembles

        n = n_visible + n_hidden
        terms = two_local_terms(n)
        root = np.random.SeedSequence([2021, n])
        ref = sample_couplings(n, 3, root, onsite_var=0.01, offsite_var=1.0)
        for J in (sample_couplings(terms, 3, root),
                  sample_couplings(list(terms), 3, np.random.default_rng(root)),
                  BoltzmannMachine(n_visible, n_hidden).sample_couplings(3, root)):
            assert np.array_equal(J, ref)
        # all rows at once from one generator = one row at a time from the same generator
        rng = np.random.default_rng(root)
        assert np.array_equal(np.stack([sample_couplings(n, 1, rng)[0] for _ in range(3)]), ref)
        # the experiments draw one row from each instance's own seed
        seeds = spawn_seeds([2021, n], 3)
        per_instance = ensembles.draw(seeds, lambda g: sample_couplings(n, 1, g)[0])
        for i, seed in enumerate(seeds):
            assert np.array_equal(per_instance[i], sample_couplings(terms, 1, seed)[0])
            assert np.array_equal(per_instance[i], sample_couplings(n, 1, np.random.default_rng(seed), 0.01, 1.0)[0])
            assert np.array_equal(per_instance[i],
                                  BoltzmannMachine(n_visible, n_hidden).sample_couplings(1, seed)[0])

    def test_draw_order_is_standard_normals_in_term_order(self):
        n, on, off = 3, 0.3, 2.5
        z = np.random.default_rng(4).standard_normal((2, len(two_local_terms(n))))
        std = np.where(onsite_mask(two_local_terms(n)), np.sqrt(on), np.sqrt(off))
        assert np.array_equal(sample_couplings(n, 2, 4, onsite_var=on, offsite_var=off), z * std)
        assert onsite_mask(two_local_terms(n)).tolist() == [True] * 9 + [False] * 27

    def test_reproduces_the_draws_of_the_committed_tables(self):
        """``raw_frobenius`` of the committed Fig. 3(c) table is :math:`\\|J\\|_2` of the raw
        draws: instance ``i`` at ``n_h`` from child ``i`` of ``[2021, n_h]``."""
        path = Path(__file__).resolve().parents[1] / "data" / "boltzmann-plateau" / "paper" / "sensitivity.csv"
        if not path.exists():
            pytest.skip("no committed tables here")
        import pandas as pd

        table = pd.read_csv(path)
        table = table[(table.reading == "renormalised") & (table.instance < 3)]
        for n_hidden in (1, 4):
            seeds = spawn_seeds([2021, n_hidden], 3)
            J = np.stack([sample_couplings(3 + n_hidden, 1, np.random.default_rng(s))[0] for s in seeds])
            ref = table[table.n_hidden == n_hidden].sort_values("instance")["raw_frobenius"]
            assert_allclose(np.sqrt((J**2).sum(axis=1)), ref.to_numpy(), rtol=1e-15)

    @pytest.mark.parametrize("onsite_var, offsite_var", [(0.01, 1.0), (1.0, 0.01), (0.3, 2.5)])
    def test_variances_of_onsite_and_offsite_terms(self, onsite_var, offsite_var):
        """Chi-square: the sum of squares over variance of the N draws of each class is
        chi2(N) (the means are 0); fixed seed, two-sided p-value above 1e-3."""
        terms = two_local_terms(3)
        J = sample_couplings(terms, 4000, seed=5, onsite_var=onsite_var, offsite_var=offsite_var)
        onsite = onsite_mask(terms)
        assert onsite.sum() == 9
        for mask, var in ((onsite, onsite_var), (~onsite, offsite_var)):
            x = J[:, mask]
            q, dof = float((x**2).sum() / var), x.size
            p = 2 * min(stats.chi2.cdf(q, dof), stats.chi2.sf(q, dof))
            assert p > 1e-3, (var, q / dof, p)
            # and per term: the sample variance within 5 standard errors (sqrt(2/N) relative)
            assert_allclose(x.var(axis=0), var, rtol=5 * np.sqrt(2 / len(x)))
            assert_allclose(x.mean(axis=0), 0.0, atol=5 * np.sqrt(var / len(x)))

    def test_zero_variance_gives_zero_couplings(self):
        J = sample_couplings(2, 5, seed=1, onsite_var=0.0, offsite_var=1.0)
        assert np.all(J[:, onsite_mask(two_local_terms(2))] == 0)
        assert np.all(J[:, ~onsite_mask(two_local_terms(2))] != 0)

    def test_reproducible_and_method(self):
        qbm = BoltzmannMachine(1, 1)
        assert_allclose(qbm.sample_couplings(4, seed=2), sample_couplings(qbm.terms, 4, seed=2))
        assert_allclose(sample_couplings(2, 4, np.random.default_rng(2)), sample_couplings(2, 4, 2))

    def test_validation(self):
        with pytest.raises(ValueError, match="offsite_var"):
            sample_couplings(2, 3, seed=0, offsite_var=-1.0)
        with pytest.raises(ValueError, match="size"):
            sample_couplings(2, 2.5, seed=0)
        with pytest.raises(ValueError, match="terms"):
            sample_couplings("XI", 2, seed=0)


class TestThermalTarget:
    """The one thermal target of Fig. 3(b) (the *Unitary plateau* and *Escaping* chapters)."""

    @pytest.mark.parametrize("seed, n_visible, draw", [(2021, 1, 0), (2021, 3, 0), (7, 2, 0), (2021, 3, 4)])
    def test_is_the_gibbs_state_of_the_sampled_hamiltonian(self, seed, n_visible, draw):
        sigma = thermal_target(seed, n_visible, 0.01, 1.0, draw)
        rng = np.random.default_rng([seed, 0, draw])  # the stream [seed, 0, draw]
        J = sample_couplings(two_local_terms(n_visible), 1, rng, onsite_var=0.01, offsite_var=1.0)[0]
        ref = sla.expm(-dense_hamiltonian(J, two_local_terms(n_visible)))
        assert sigma.shape == (2**n_visible, 2**n_visible)
        assert_allclose(sigma, ref / np.trace(ref).real, rtol=0, atol=1e-12)

    @pytest.mark.parametrize("seed, n_visible, draw", [(2021, 3, 0), (1, 2, 3), (0, 4, 0)])
    def test_is_a_density_matrix(self, seed, n_visible, draw):
        sigma = thermal_target(seed, n_visible, 0.01, 1.0, draw)
        assert_allclose(sigma, sigma.conj().T, rtol=0, atol=1e-15)
        assert_allclose(np.trace(sigma).real, 1.0, rtol=0, atol=1e-13)
        assert np.linalg.eigvalsh(sigma).min() > 0  # a Gibbs state has full rank

    def test_deterministic_and_draws_differ(self):
        sigma = thermal_target(2021, 3, 0.01, 1.0)
        assert np.array_equal(sigma, thermal_target(2021, 3, 0.01, 1.0, draw=0))
        assert np.abs(thermal_target(2021, 3, 0.01, 1.0, draw=1) - sigma).max() > 1e-2
        assert np.abs(thermal_target(2022, 3, 0.01, 1.0) - sigma).max() > 1e-2

    @pytest.mark.parametrize("seed, n_visible, draw", [(2021, 3, 0), (7, 2, 1), (2021, 3, 4)])
    def test_normalised_is_the_gibbs_state_of_the_unit_norm_hamiltonian(self, seed, n_visible, draw):
        sigma = thermal_target(seed, n_visible, 0.01, 1.0, draw, normalise=True)
        rng = np.random.default_rng([seed, 0, draw])
        J = sample_couplings(two_local_terms(n_visible), 1, rng, onsite_var=0.01, offsite_var=1.0)[0]
        H = dense_hamiltonian(J, two_local_terms(n_visible))
        H = H / np.abs(np.linalg.eigvalsh(H)).max()  # unit operator norm
        ref = sla.expm(-H)
        assert_allclose(sigma, ref / np.trace(ref).real, rtol=0, atol=1e-12)
        # a Gibbs state of a unit-norm H: eigenvalue ratios within e^2
        p = np.linalg.eigvalsh(sigma)
        assert p.max() / p.min() <= np.exp(2.0) * (1 + 1e-12)

    def test_normalise_default_is_the_unnormalised_target(self):
        sigma = thermal_target(2021, 3, 0.01, 1.0)
        assert np.array_equal(sigma, thermal_target(2021, 3, 0.01, 1.0, 0, normalise=False))
        assert np.abs(thermal_target(2021, 3, 0.01, 1.0, normalise=True) - sigma).max() > 1e-2

    def test_both_chapters_use_it(self):
        from plateaus.experiments import escaping, unitary_plateau

        assert escaping.thermal_target is thermal_target
        assert unitary_plateau.thermal_target is thermal_target


# --------------------------------------------------------------------------- GUE


@pytest.fixture(scope="module")
def dense_gue_spectra():
    """Eigenvalues of 100 GUE matrices of dimension 64."""
    return np.linalg.eigvalsh(gue_hamiltonians(6, 100, seed=2021))


class TestGUE:

    def test_hamiltonians_are_hermitian(self):
        h = gue_hamiltonians(3, 4, seed=0)
        assert h.shape == (4, 8, 8)
        assert_allclose(h, np.conj(np.swapaxes(h, 1, 2)), atol=0)

    def test_semicircle_moments(self, dense_gue_spectra):
        spectra = dense_gue_spectra
        # semicircle on [-2, 2]: mean 0, variance 1, fourth moment 2 (+1/D^2 at finite D)
        assert abs(spectra.mean()) < 0.02
        assert_allclose((spectra**2).mean(), 1.0, rtol=0.02)
        assert_allclose((spectra**4).mean(), 2.0 + 1 / 64**2, rtol=0.05)
        assert np.mean(np.abs(spectra) > 2.2) < 1e-3

    def test_level_spacing_ratio(self, dense_gue_spectra):
        spectra = dense_gue_spectra
        s = np.diff(spectra, axis=1)
        r = np.minimum(s[:, 1:], s[:, :-1]) / np.maximum(s[:, 1:], s[:, :-1])
        # GUE <r> = 0.5996 (Atas et al. 2013); Poisson 0.386, GOE 0.536
        assert_allclose(r.mean(), 0.5996, atol=0.01)

    def test_states_are_normalised_evolutions(self):
        states = gue_states(4, 6, seed=3)
        hams = gue_hamiltonians(4, 6, seed=3)
        assert states.shape == (6, 16)
        assert_allclose(np.linalg.norm(states, axis=1), 1.0, atol=1e-13)
        for b in range(6):
            assert_allclose(states[b], sla.expm(-10j * hams[b])[:, 0], atol=1e-11)
        assert_allclose(gue_states(4, 2, seed=3, t=0.0), np.eye(16)[[0, 0]], atol=1e-13)

    def test_reproducible_and_prefix_stable(self, monkeypatch):
        import plateaus.models as models

        full = gue_states(3, 5, seed=7)
        assert_allclose(gue_states(3, 5, seed=7), full, atol=0)
        assert_allclose(gue_states(3, 2, seed=7), full[:2], atol=1e-14)
        monkeypatch.setattr(models, "_GUE_CHUNK_AMPLITUDES", 2 * 64)  # two matrices per chunk
        assert_allclose(gue_states(3, 5, seed=7), full, atol=1e-14)

    def test_tridiagonal_spectra_match_the_semicircle(self):
        spectra = gue_spectra(6, 100, seed=5)
        assert spectra.shape == (100, 64)
        assert np.all(np.diff(spectra, axis=1) >= 0)
        assert_allclose((spectra**2).mean(), 1.0, rtol=0.02)
        assert_allclose((spectra**4).mean(), 2.0 + 1 / 64**2, rtol=0.05)
        s = np.diff(spectra, axis=1)
        r = np.minimum(s[:, 1:], s[:, :-1]) / np.maximum(s[:, 1:], s[:, :-1])
        assert_allclose(r.mean(), 0.5996, atol=0.01)

    @pytest.mark.parametrize("t", [1.0, 10.0])
    def test_spectral_method_has_the_law_of_eigh(self, t):
        size = 3000
        stats = []
        for method, seed in (("eigh", 1), ("spectral", 2)):
            psi = gue_states(3, size, seed=seed, t=t, method=method)
            assert_allclose(np.linalg.norm(psi, axis=1), 1.0, atol=1e-13)
            dist = trace_distance(reduced_state(psi, 1), np.eye(2) / 2)
            stats.append(np.stack([psi[:, 0].real, np.abs(psi[:, 0]) ** 2, dist]))
        means = [x.mean(axis=1) for x in stats]
        errors = np.sqrt(sum(x.var(axis=1) / size for x in stats))
        assert np.all(np.abs(means[0] - means[1]) < 4 * errors)

    def test_spectral_method_at_time_zero(self):
        assert_allclose(gue_states(3, 2, seed=0, t=0.0, method="spectral"), np.eye(8)[[0, 0]],
                        atol=1e-15)

    def test_validation(self):
        with pytest.raises(ValueError, match="method must be one of"):
            gue_states(2, 3, seed=0, method="expm")
        with pytest.raises(ValueError, match="n_qubits"):
            gue_states(0, 3, seed=0, method="spectral")
        with pytest.raises(ValueError, match="n_qubits"):
            gue_states(0, 3, seed=0)
        with pytest.raises(ValueError, match="size"):
            gue_states(2, 0, seed=0)
        with pytest.raises(ValueError, match="t must be"):
            gue_states(2, 3, seed=0, t=np.inf)


# --- The chapter *Models*: its analysis (plateaus.experiments.models) and its figure ---------

def models_table(n_hidden=(1, 2, 3), instances=40, seed=0):
    """A small ``visible-entropy`` table whose deficits are known: Haar-like models at Page's
    mean (deficit halving per hidden qubit), a flat one and a Boltzmann machine whose deficit
    falls by a curve."""
    import pandas as pd

    from plateaus.haar import page_entropy

    rng = np.random.default_rng(seed)
    frames = []
    for model in ("haar", "gue", "unitary-random-order", "unitary", "boltzmann"):
        for n_h in n_hidden:
            if model == "unitary":
                deficit = 0.4
            elif model == "boltzmann":
                deficit = 1e-3 / (1 + n_h) ** 3
            else:
                deficit = np.log(2) - page_entropy(2, 2**n_h)
            d = deficit * rng.uniform(0.5, 1.5, instances)
            frames.append(pd.DataFrame({"model": model, "n_visible": 1, "n_hidden": n_h,
                                        "instance": np.arange(instances), "entropy_nats": np.log(2) - d,
                                        "purity": 0.6, "trace_distance": 0.1}))
    return pd.concat(frames, ignore_index=True)


def curve_fit_log2(x, samples):
    """Independent oracle of a weighted fit of log2 of means (delta-method errors, enlarged by
    sqrt(chi2/dof) when that exceeds 1) with the t interval: (slope, low, high, chi2/dof)."""
    from scipy import optimize

    x = np.asarray(x, float)
    means = np.array([s.mean() for s in samples])
    sigma = np.array([s.std(ddof=1) / np.sqrt(s.size) for s in samples]) / (means * np.log(2))
    y = np.log2(means)
    (a, b), cov = optimize.curve_fit(lambda x, a, b: a * x + b, x, y, sigma=sigma, absolute_sigma=True)
    t = stats.t.ppf(0.975, x.size - 2)
    chi2 = (((y - (a * x + b)) / sigma) ** 2).sum()
    se = np.sqrt(cov[0, 0] * max(1.0, chi2 / (x.size - 2)))
    return a, a - t * se, a + t * se, chi2 / (x.size - 2)


class TestModelsChapter:
    def test_term_counts(self):
        from plateaus.experiments import models as mo

        counts = mo.term_counts([2, 3, 10])
        assert counts["terms in Eq. (11)"].tolist() == [15, 36, 435] and counts["agree"].all()

    def test_entropy_stats_against_page(self):
        from plateaus.experiments import models as mo

        df = models_table()
        s = mo.entropy_stats(df)
        assert list(dict.fromkeys(s.model)) == ["haar", "gue", "unitary-random-order", "unitary", "boltzmann"]
        row = s[(s.model == "gue") & (s.n_hidden == 2)].iloc[0]
        values = df[(df.model == "gue") & (df.n_hidden == 2)]["entropy_nats"].to_numpy()
        page = sum(1 / k for k in range(5, 9)) - 1 / 8  # Page's sum for D_v = 2, D_h = 4
        assert_allclose([row["mean"], row["se"], row["page"]], [values.mean(), values.std(ddof=1) / np.sqrt(40), page])
        assert_allclose(row["z"], (values.mean() - page) / row["se"])
        assert_allclose(row["deficit"], np.log(2) - values.mean())

    def test_entropy_table(self):
        from plateaus.experiments import models as mo

        df = models_table()
        table = mo.entropy_table(df)
        assert table.shape == (6, 6) and table.columns[-1] == "Page (exact)"
        g = df[(df.model == "unitary") & (df.n_hidden == 3)]["entropy_nats"]
        assert_allclose(table.loc[(3, "mean"), "unitary"], g.mean())
        assert_allclose(table.loc[(3, "sem"), "unitary"], g.sem())
        assert np.isnan(table.loc[(3, "sem"), "Page (exact)"])

    def test_deficit_fits_against_curve_fit_and_page(self):
        from plateaus.experiments import models as mo
        from plateaus.haar import page_entropy

        df = models_table(n_hidden=(1, 2, 3, 4))
        fits = mo.deficit_fits(df)
        for model in fits.index:
            sub = df[df.model == model]
            samples = [np.log(2) - g.to_numpy() for _, g in sub.groupby("n_hidden")["entropy_nats"]]
            expected = curve_fit_log2([1, 2, 3, 4], samples)
            row = fits.loc[model]
            assert_allclose([row.slope_log2, row.low_log2, row.high_log2, row.chi2_dof], expected,
                            rtol=1e-5, atol=1e-7)
        exact = np.log2([np.log(2) - page_entropy(2, 2**h) for h in (1, 2, 3, 4)])
        assert_allclose(mo.page_fit(1, [1, 2, 3, 4]).slope, np.polyfit([1, 2, 3, 4], exact, 1)[0], rtol=1e-12)
        assert abs(fits.loc["unitary", "slope_log2"]) < 0.2 and fits.loc["haar", "high_log2"] < -0.5

    def test_deficit_steps(self):
        from plateaus.experiments import models as mo

        df = models_table(n_hidden=(1, 2, 3, 4))
        steps = mo.deficit_steps(df, "boltzmann", seed=3)
        means = (np.log(2) - df[df.model == "boltzmann"].groupby("n_hidden")["entropy_nats"].mean()).to_numpy()
        assert_allclose(steps["step"], np.diff(np.log2(means)), rtol=1e-10)
        assert steps[["n_hidden_from", "n_hidden_to"]].to_numpy().tolist() == [[1, 2], [2, 3], [3, 4]]
        assert ((steps["low"] < steps["step"]) & (steps["step"] < steps["high"])).all()
        assert steps.equals(mo.deficit_steps(df, "boltzmann", seed=3))
        with pytest.raises(ValueError, match="model"):
            mo.deficit_steps(df, "qaoa", seed=3)

    def test_quoted_and_results_rows(self):
        from plateaus.experiments import models as mo
        from plateaus.params import chapter_params

        params = chapter_params("models", "quick")  # n_hidden 1, 2, 3
        df = models_table(n_hidden=params["n_hidden"])
        n = mo.quoted(params, df)
        assert (n["instances"], n["largest_nh"]) == (params["instances"], 3)
        for model in ("haar", "gue", "unitary-random-order", "unitary", "boltzmann"):
            sub = df[df.model == model]
            samples = [np.log(2) - g.to_numpy() for _, g in sub.groupby("n_hidden")["entropy_nats"]]
            slope, low, high, chi2_dof = curve_fit_log2(params["n_hidden"], samples)
            assert_allclose([n[f"slope_{model}"], n[f"slope_low_{model}"], n[f"slope_high_{model}"]],
                            [slope, low, high], rtol=1e-5, atol=1e-6)
            assert n[f"dof_{model}"] == 1
            assert n[f"line_{model}"] == ("rejected" if n[f"p_line_{model}"] < 0.01 else "not rejected")
            assert_allclose(n[f"deficit_{model}"], samples[-1].mean())
        haar_means = df[df.model == "haar"].groupby("n_hidden")["entropy_nats"].agg(["mean", "sem"])
        page = np.array([sum(1 / k for k in range(3, 5)) - 1 / 4, sum(1 / k for k in range(5, 9)) - 1 / 8,
                         sum(1 / k for k in range(9, 17)) - 1 / 16])
        assert_allclose(n["z_max_haar"], np.abs((haar_means["mean"] - page) / haar_means["sem"]).max())
        assert_allclose(n["deficit_page"], np.log(2) - page[-1])
        unitary = df[df.model == "unitary"].groupby("n_hidden")["entropy_nats"].mean()
        assert_allclose([n["unitary_entropy_min"], n["unitary_entropy_max"]], [unitary.min(), unitary.max()])
        inside = [n[f"slope_low_{m}"] <= n["slope_page"] <= n[f"slope_high_{m}"]
                  for m in ("haar", "gue", "unitary-random-order")]
        assert n["page_in_intervals"] == sum(inside) and n["haar_like_models"] == 3
        passed = [ok and n[f"z_max_{m}"] <= 3 for ok, m in zip(inside, ("haar", "gue", "unitary-random-order"))]
        assert n["haar_like_passed"] == sum(passed) and n["haar_z"] == 3
        for model in ("haar", "gue", "unitary-random-order", "unitary", "boltzmann"):
            disjoint = n[f"{model}_last_step_low"] > n[f"{model}_first_step_high"]
            assert n[f"{model}_slows"].startswith("are disjoint" if disjoint else "overlap")

    def test_haar_like_needs_the_entropies_and_the_slope(self):
        from plateaus.experiments import models as mo
        from plateaus.params import chapter_params

        params = chapter_params("models", "paper")  # n_hidden 1..5
        df = models_table(n_hidden=params["n_hidden"], instances=400, seed=1)
        n = mo.quoted(params, df)
        # the synthetic Haar-like models scatter uniformly about Page's deficit: entropies near Page's
        assert n["haar_like_passed"] == 3, {m: (n[f"z_max_{m}"], n[f"slope_low_{m}"], n[f"slope_high_{m}"])
                                            for m in ("haar", "gue", "unitary-random-order")}
        # shift the GUE entropies by 5 standard errors at one size: it no longer passes
        sel = (df.model == "gue") & (df.n_hidden == 3)
        shifted = df.copy()
        shifted.loc[sel, "entropy_nats"] += 5 * df.loc[sel, "entropy_nats"].sem()
        assert mo.quoted(params, shifted)["haar_like_passed"] == 2
        # a decay that slows: the Boltzmann machine of the synthetic table, deficit ~ (1 + n_h)^-3
        assert n["boltzmann_slows"].startswith("are disjoint")

        rows = mo.results_rows(n)
        assert len(rows) == 5 and rows[1]["ours"] == n["fit_text_gue"]
        assert all(set(r) == {"result", "figure", "quantity", "paper", "ours"} for r in rows)
        assert f"{n['slope_page']:.3f}" in rows[0]["paper"]
        forced = mo.results_rows({**n, "line_boltzmann": "rejected"})
        assert forced[4]["ours"].startswith(n["fit_text_boltzmann"])
        assert n["boltzmann_first_step_text"] in forced[4]["ours"] and "per-step" in forced[4]["ours"]
        assert "per-step" not in mo.results_rows({**n, "line_boltzmann": "not rejected"})[4]["ours"]

    def test_figure_draws_the_means_and_the_fits(self):
        import matplotlib.pyplot as plt

        from plateaus.experiments import models as mo
        from plateaus.figures import models as figures
        from plateaus.figures.style import MODEL_LABELS

        df = models_table()
        page = mo.page_deficits(1, [1, 2, 3])
        fits = mo.deficit_fits(df)
        fig = figures.entropy_deficit(df, page, fits)
        (ax,) = fig.axes
        drawn = {c.get_label().split("\n")[0]: c for c in ax.containers}
        for model, g in mo.entropy_stats(df).groupby("model"):
            container = drawn[MODEL_LABELS[model]]
            assert_allclose(np.asarray(container.lines[0].get_ydata(), float), g["deficit"])
            assert fits.loc[model, "fit"].interval_text(3) in container.get_label()
        dashed = [line for line in ax.get_lines() if line.get_label() == "Haar, exact (Page)"][0]
        assert_allclose(dashed.get_ydata(), page["deficit"])
        plt.close(fig)


def test_ensembles_reversed_order_is_the_reversed_product():
    """``visible_states("unitary-reversed-order")``: the same angles as the Eq. (11) reading, the
    gates applied last term first, checked against the dense oracle."""
    from plateaus.experiments.ensembles import visible_states
    from plateaus.states import reduced_state

    seeds = np.random.SeedSequence(9).spawn(3)
    rho = visible_states("unitary-reversed-order", 1, 2, seeds)
    qnn = UnitaryQNN(1, 2)
    theta, _ = qnn.sample_instances(seeds, theta_range=(0.0, 1.0))
    for b in range(3):
        psi = dense_state(qnn.terms, theta[b], order=np.arange(qnn.n_params)[::-1])
        assert_allclose(rho[b], reduced_state(psi, 1), atol=1e-12)
    assert not np.allclose(rho, visible_states("unitary", 1, 2, seeds))


# ---------------------------------------------------------------------------------------------
# registers that would not fit in memory are refused at construction


def test_register_size_limits_are_refused_at_construction():
    import time

    from plateaus.models import MAX_DENSITY_QUBITS, MAX_STATE_QUBITS

    assert (MAX_STATE_QUBITS, MAX_DENSITY_QUBITS) == (20, 14)
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"^UnitaryQNN: n_visible \+ n_hidden = 3 \+ 40 = 43 qubits "
                                         r"is not allowed; expected at most 20 \(128 TiB per instance"):
        UnitaryQNN(3, 40)
    with pytest.raises(ValueError, match=r"^UnitaryQNN: n_visible \+ n_hidden = 1 \+ 20 = 21 qubits"):
        UnitaryQNN(1, 20)
    with pytest.raises(ValueError, match=r"^BoltzmannMachine: n_visible \+ n_hidden = 3 \+ 12 = 15 "
                                         r"qubits is not allowed; expected at most 14 \(16 GiB"):
        BoltzmannMachine(3, 12)
    with pytest.raises(ValueError, match="BoltzmannMachine: n_visible \\+ n_hidden = 40 \\+ 0"):
        BoltzmannMachine(40, 0)
    assert time.perf_counter() - start < 1.0  # refused before any work
    # the limits themselves are allowed (construction allocates no state)
    assert UnitaryQNN(1, MAX_STATE_QUBITS - 1).n_qubits == MAX_STATE_QUBITS
    assert BoltzmannMachine(2, MAX_DENSITY_QUBITS - 2).n_qubits == MAX_DENSITY_QUBITS


def test_register_limits_admit_every_scale_of_the_book():
    """The largest registers of every chapter and scale fit the models' limits."""
    from plateaus.models import MAX_DENSITY_QUBITS, MAX_STATE_QUBITS
    from plateaus.params import CHAPTERS

    for scale in ("quick", "paper", "extended"):
        t = CHAPTERS["typicality"][scale]
        assert t["n_visible"] + max(t["n_hidden"] + [t["scan_n_hidden"]]) <= MAX_STATE_QUBITS
        assert t["n_visible"] + max(t["boltzmann_n_hidden"] + t["boltzmann_n_hidden_added"]) \
            <= MAX_DENSITY_QUBITS
        a = CHAPTERS["area-volume"][scale]
        assert max(a["visible_sizes"]) + max(a["n_hidden"]) <= MAX_STATE_QUBITS
        u = CHAPTERS["unitary-plateau"][scale]
        assert u["n_visible"] + max(u["n_hidden_beyond"] + u["fd_n_hidden"]) <= MAX_STATE_QUBITS
        ua = CHAPTERS["unitary-assumptions"][scale]
        assert max(ua["visible_sizes"]) + max(ua["n_hidden"]) <= MAX_STATE_QUBITS
        for chapter in ("boltzmann-plateau", "escaping"):
            c = CHAPTERS[chapter][scale]
            assert c["n_visible"] + max(c["n_hidden"]) <= MAX_DENSITY_QUBITS
        m = CHAPTERS["models"][scale]
        assert m["n_visible"] + max(m["n_hidden"]) <= MAX_DENSITY_QUBITS
        b = CHAPTERS["benchmarks"][scale]
        assert max(b["t1_qubits"] + b["t2_qubits"]) <= MAX_STATE_QUBITS
        assert max(b["t3_qubits"]) <= MAX_DENSITY_QUBITS
