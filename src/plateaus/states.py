r"""Random states and partial traces.

Conventions: the visible qubits are the first ``n_visible``; a state vector of ``n`` qubits
reshapes to ``(D_v, D_h)`` with :math:`D_v = 2^{n_v}`, :math:`D_h = 2^{n - n_v}`.
"""
from __future__ import annotations

import numpy as np

SeedLike = int | np.random.SeedSequence | np.random.Generator | None


def as_generator(seed: SeedLike) -> np.random.Generator:
    """A numpy Generator from an int, a SeedSequence or a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def _check_positive_int(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def haar_states(n_qubits: int, size: int, seed: SeedLike = None) -> np.ndarray:
    r"""``size`` Haar-random pure states on ``n_qubits`` qubits, shape ``(size, 2**n)``.

    A vector of i.i.d. standard complex Gaussians, normalised, is Haar distributed
    (the Gaussian measure is unitarily invariant).
    """
    n_qubits = _check_positive_int("n_qubits", n_qubits)
    size = _check_positive_int("size", size)
    rng = as_generator(seed)
    dim = 2**n_qubits
    psi = rng.standard_normal((size, dim)) + 1j * rng.standard_normal((size, dim))
    psi /= np.linalg.norm(psi, axis=-1, keepdims=True)
    return psi


def _split_dims(dim: int, n_visible: int) -> tuple[int, int]:
    n = int(dim).bit_length() - 1
    if 2**n != dim:
        raise ValueError(f"state dimension {dim} is not a power of two")
    n_visible = _check_positive_int("n_visible", n_visible)
    if n_visible > n:
        raise ValueError(f"n_visible={n_visible} exceeds the number of qubits ({n})")
    return 2**n_visible, 2 ** (n - n_visible)


def reduced_state(states: np.ndarray, n_visible: int) -> np.ndarray:
    r"""Reduced density matrix of the first ``n_visible`` qubits of pure states.

    :math:`\rho_v = \mathrm{Tr}_h |\psi\rangle\langle\psi| = \Psi \Psi^\dagger` with
    :math:`\Psi` the ``(D_v, D_h)`` reshape of :math:`\psi`.

    ``states``: ``(..., 2**n)``; returns ``(..., D_v, D_v)``.
    """
    states = np.asarray(states)
    d_v, d_h = _split_dims(states.shape[-1], n_visible)
    psi = states.reshape(states.shape[:-1] + (d_v, d_h))
    return psi @ np.conj(np.swapaxes(psi, -1, -2))


def partial_trace(rho: np.ndarray, n_visible: int) -> np.ndarray:
    r"""Trace out the hidden qubits of density matrices ``(..., D, D)`` -> ``(..., D_v, D_v)``."""
    rho = np.asarray(rho)
    if rho.ndim < 2 or rho.shape[-1] != rho.shape[-2]:
        raise ValueError(f"rho must have shape (..., D, D), got {rho.shape}")
    d_v, d_h = _split_dims(rho.shape[-1], n_visible)
    r = rho.reshape(rho.shape[:-2] + (d_v, d_h, d_v, d_h))
    return np.einsum("...ihjh->...ij", r)


def maximally_mixed(dim: int) -> np.ndarray:
    """``I / dim``."""
    return np.eye(dim) / dim
