"""Objectives of the visible state: values against scipy formulas, derivatives against
central finite differences in random Hermitian traceless directions."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla
from numpy.testing import assert_allclose

from plateaus.measures import fidelity
from plateaus.objectives import Fidelity, Observable, RelativeEntropy, _log_divided_differences

DIM = 4


def random_density(rng, dim=DIM, rank=None):
    rank = rank or dim
    g = rng.standard_normal((dim, rank)) + 1j * rng.standard_normal((dim, rank))
    rho = g @ g.conj().T
    return rho / np.trace(rho).real


def random_direction(rng, dim=DIM):
    """Hermitian, traceless, unit Frobenius norm."""
    a = rng.standard_normal((dim, dim)) + 1j * rng.standard_normal((dim, dim))
    d = (a + a.conj().T) / 2
    d -= np.trace(d).real / dim * np.eye(dim)
    return d / np.linalg.norm(d)


def central_difference(f, rho, d, h=1e-6):
    return (f(rho + h * d) - f(rho - h * d)) / (2 * h)


def check_derivative(obj, rho, rng, n_dirs=4, h=1e-6, rtol=1e-6):
    g = obj.derivative(rho)
    assert_allclose(g, g.conj().T, atol=1e-12)  # Hermitian
    for _ in range(n_dirs):
        d = random_direction(rng, rho.shape[-1])
        fd = central_difference(obj.value, rho, d, h)
        assert_allclose(np.trace(g @ d).real, fd, rtol=rtol, atol=rtol * np.abs(g).max())


def scipy_fidelity(rho, sigma):
    root = sla.sqrtm(sigma)
    return np.trace(sla.sqrtm(root @ rho @ root)).real ** 2


def scipy_relative_entropy(data, rho):
    return np.trace(data @ sla.logm(data)).real - np.trace(data @ sla.logm(rho)).real


@pytest.fixture
def rng():
    return np.random.default_rng(314159)


# --------------------------------------------------------------------------- Observable


class TestObservable:
    @pytest.fixture
    def obs(self, rng):
        a = rng.standard_normal((DIM, DIM)) + 1j * rng.standard_normal((DIM, DIM))
        return Observable(a + a.conj().T)

    def test_value(self, obs, rng):
        rhos = np.stack([random_density(rng) for _ in range(3)])
        values = obs.value(rhos)
        assert values.shape == (3,)
        for b in range(3):
            assert_allclose(values[b], np.trace(obs.O @ rhos[b]).real, rtol=1e-13)
        assert obs(rhos[0]).shape == ()

    def test_derivative(self, obs, rng):
        rho = random_density(rng)
        check_derivative(obs, rho, rng)
        assert_allclose(obs.derivative(np.stack([rho, rho])), np.stack([obs.O, obs.O]))

    def test_rejects_non_hermitian(self):
        with pytest.raises(ValueError, match="O must be Hermitian"):
            Observable(np.array([[0.0, 1.0], [0.0, 0.0]]))

    @pytest.mark.parametrize("bad", [np.zeros((2, 3)), np.zeros(4), np.full((2, 2), np.nan)])
    def test_rejects_non_square_or_non_finite(self, bad):
        with pytest.raises(ValueError, match="O must"):
            Observable(bad)

    def test_rejects_rho_of_wrong_dimension(self, obs):
        with pytest.raises(ValueError, match="rho_v is 2-dimensional"):
            obs.value(np.eye(2) / 2)
        with pytest.raises(ValueError, match="rho_v must have shape"):
            obs.derivative(np.ones(4))


# --------------------------------------------------------------------------- Fidelity


class TestFidelity:
    def test_value_matches_scipy_and_measures(self, rng):
        sigma = random_density(rng)
        rhos = np.stack([random_density(rng) for _ in range(3)])
        values = Fidelity(sigma).value(rhos)
        for b in range(3):
            assert_allclose(values[b], scipy_fidelity(rhos[b], sigma), rtol=1e-10)
        assert_allclose(values, fidelity(rhos, sigma), rtol=1e-10)

    def test_value_at_the_target_is_one(self, rng):
        sigma = random_density(rng)
        assert_allclose(Fidelity(sigma).value(sigma), 1.0, atol=1e-12)

    def test_derivative_full_rank(self, rng):
        obj = Fidelity(random_density(rng))
        check_derivative(obj, random_density(rng), rng)

    @pytest.mark.parametrize("rank", [1, 2])
    def test_rank_deficient_target(self, rng, rank):
        sigma = random_density(rng, rank=rank)
        obj = Fidelity(sigma)
        rhos = np.stack([random_density(rng) for _ in range(4)] + [random_density(rng, rank=1)])
        values = obj.value(rhos)
        assert np.all((values >= 0) & (values <= 1))
        # independent value: F = ||sqrt(rho) sqrt(sigma)||_1^2 with scipy square roots
        for b in range(4):
            ref = np.linalg.svd(sla.sqrtm(rhos[b]) @ sla.sqrtm(sigma), compute_uv=False).sum() ** 2
            assert_allclose(values[b], ref, rtol=1e-7)
        # full-rank rho: F is smooth and the derivative exact
        check_derivative(obj, rhos[0], rng)

    def test_orthogonal_supports_give_zero(self):
        sigma = np.diag([1.0, 0, 0, 0])
        rho = np.diag([0, 0.5, 0.5, 0])
        obj = Fidelity(sigma)
        assert obj.value(rho) == 0.0
        assert np.all(np.isfinite(obj.derivative(rho)))

    def test_pure_state_derivative_along_rank_preserving_curves(self, rng):
        # rho(t) = |psi(t)><psi(t)|: F is smooth along it and G = s|psi><psi|s / <psi|s|psi>
        sigma = random_density(rng)
        obj = Fidelity(sigma)
        psi = rng.standard_normal(DIM) + 1j * rng.standard_normal(DIM)
        delta = rng.standard_normal(DIM) + 1j * rng.standard_normal(DIM)

        def rho(t):
            v = (psi + t * delta) / np.linalg.norm(psi + t * delta)
            return np.outer(v, v.conj())

        h = 1e-6
        fd = (obj.value(rho(h)) - obj.value(rho(-h))) / (2 * h)
        drho = (rho(h) - rho(-h)) / (2 * h)
        g = obj.derivative(rho(0.0))
        assert_allclose(np.trace(g @ drho).real, fd, rtol=1e-6)
        v = psi / np.linalg.norm(psi)
        expected = sigma @ np.outer(v, v.conj()) @ sigma / (v.conj() @ sigma @ v).real
        assert_allclose(g, expected, atol=1e-10)

    def test_batched_derivative(self, rng):
        obj = Fidelity(random_density(rng))
        rhos = np.stack([random_density(rng) for _ in range(3)])
        g = obj.derivative(rhos)
        for b in range(3):
            assert_allclose(g[b], obj.derivative(rhos[b]), atol=1e-14)

    @pytest.mark.parametrize(
        "target, match",
        [
            (np.array([[0.5, 0.5], [0.0, 0.5]]), "target must be Hermitian"),
            (np.diag([1.5, -0.5]), "target must be positive semidefinite"),
            (np.eye(2), "target must have trace 1"),
            (np.ones((2, 3)) / 2, "target must be a square"),
        ],
    )
    def test_rejects_bad_target(self, target, match):
        with pytest.raises(ValueError, match=match):
            Fidelity(target)

    def test_rejects_target_of_wrong_dimension(self):
        obj = Fidelity(np.eye(2) / 2)
        for call in (obj.value, obj.derivative):
            with pytest.raises(ValueError, match="target is 2-dimensional but rho_v is 4"):
                call(np.eye(4) / 4)


# --------------------------------------------------------------------------- relative entropy


class TestRelativeEntropy:
    def test_value_matches_scipy_logm(self, rng):
        data = random_density(rng)
        rhos = np.stack([random_density(rng) for _ in range(3)])
        values = RelativeEntropy(data).value(rhos)
        for b in range(3):
            assert_allclose(values[b], scipy_relative_entropy(data, rhos[b]), rtol=1e-10)
        assert_allclose(RelativeEntropy(data).value(data), 0.0, atol=1e-12)
        assert np.all(values > 0)

    def test_rank_deficient_data(self, rng):
        data = random_density(rng, rank=2)
        rho = random_density(rng)
        w, v = np.linalg.eigh(data)
        log_data = (v[:, 2:] * np.log(w[2:])) @ v[:, 2:].conj().T  # on the support
        ref = np.trace(data @ log_data).real - np.trace(data @ sla.logm(rho)).real
        assert_allclose(RelativeEntropy(data).value(rho), ref, rtol=1e-10)
        check_derivative(RelativeEntropy(data), rho, rng)

    def test_derivative(self, rng):
        obj = RelativeEntropy(random_density(rng))
        check_derivative(obj, random_density(rng), rng)

    def test_derivative_at_the_data_is_minus_identity(self, rng):
        # G = -V (L o diag(w)) V^dag = -I, also with (near-)degenerate eigenvalues
        v = np.linalg.qr(rng.standard_normal((DIM, DIM)) + 1j * rng.standard_normal((DIM, DIM)))[0]
        w = np.array([0.1, 0.3, 0.3 + 1e-12, 0.3 - 1e-12])
        w /= w.sum()
        data = (v * w) @ v.conj().T
        assert_allclose(RelativeEntropy(data).derivative(data), -np.eye(DIM), atol=1e-9)

    def test_near_degenerate_model_state(self, rng):
        v = np.linalg.qr(rng.standard_normal((DIM, DIM)) + 1j * rng.standard_normal((DIM, DIM)))[0]
        w = np.array([0.2, 0.2 + 1e-11, 0.3, 0.3 - 1e-11])
        w /= w.sum()
        rho = (v * w) @ v.conj().T
        check_derivative(RelativeEntropy(random_density(rng)), rho, rng)

    def test_divided_differences(self):
        w = np.array([0.1, 0.2, 0.2 * (1 + 1e-9), 0.5])
        L = _log_divided_differences(w)
        assert_allclose(np.diag(L), 1 / w, rtol=1e-15)
        assert_allclose(L[0, 3], (np.log(0.1) - np.log(0.5)) / (0.1 - 0.5), rtol=1e-14)
        assert_allclose(L[1, 2], 1 / 0.2 * (1 - 0.5e-9), rtol=1e-14)
        assert_allclose(L, L.T, rtol=0, atol=0)

    def test_singular_model_state(self, rng):
        obj = RelativeEntropy(random_density(rng))
        pure = random_density(rng, rank=1)
        assert obj.value(pure) == np.inf
        with pytest.raises(ValueError, match="rho_v must be positive definite"):
            obj.derivative(pure)
        # data supported where rho is: finite
        data = np.diag([0.5, 0.5, 0, 0])
        assert_allclose(RelativeEntropy(data).value(np.diag([0.25, 0.75, 0, 0])),
                        0.5 * np.log(0.5 / 0.25) + 0.5 * np.log(0.5 / 0.75), rtol=1e-12)

    def test_rejects_bad_data(self):
        with pytest.raises(ValueError, match="data must have trace 1"):
            RelativeEntropy(np.eye(2))
        with pytest.raises(ValueError, match="data must be Hermitian"):
            RelativeEntropy(np.array([[0.5, 1.0], [0.0, 0.5]]))
