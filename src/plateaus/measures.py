r"""Distances and entropies of density matrices, batched over leading axes.

Every function takes arrays of shape ``(..., d, d)`` and returns ``(...)``; inputs are
assumed Hermitian (only the lower triangle is read by ``eigh``).
"""
from __future__ import annotations

import numpy as np


def _check_square(name: str, a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{name} must have shape (..., d, d), got {a.shape}")
    return a


def trace_distance(rho: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    r"""Trace distance :math:`T(\rho, \sigma) = \tfrac12 \|\rho - \sigma\|_1`.

    The trace norm of the Hermitian difference is the sum of its absolute eigenvalues.
    """
    rho, sigma = _check_square("rho", rho), _check_square("sigma", sigma)
    if rho.shape[-1] != sigma.shape[-1]:
        raise ValueError(f"rho is {rho.shape[-1]}-dimensional but sigma is {sigma.shape[-1]}")
    return 0.5 * np.abs(np.linalg.eigvalsh(rho - sigma)).sum(axis=-1)


def psd_sqrt(rho: np.ndarray) -> np.ndarray:
    r"""Square root of positive semidefinite matrices; negative round-off eigenvalues clipped."""
    w, v = np.linalg.eigh(_check_square("rho", rho))
    w = np.sqrt(np.clip(w, 0.0, None))
    return (v * w[..., None, :]) @ np.conj(np.swapaxes(v, -1, -2))


def fidelity(rho: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    r"""Uhlmann fidelity :math:`F = (\mathrm{Tr}\sqrt{\sqrt\rho\,\sigma\sqrt\rho})^2`.

    Computed as :math:`\|\sqrt\rho\sqrt\sigma\|_1^2` (sum of singular values), which needs no
    inverse and so stays correct, and in :math:`[0, 1]`, for rank-deficient states.
    """
    rho, sigma = _check_square("rho", rho), _check_square("sigma", sigma)
    if rho.shape[-1] != sigma.shape[-1]:
        raise ValueError(f"rho is {rho.shape[-1]}-dimensional but sigma is {sigma.shape[-1]}")
    s = np.linalg.svd(psd_sqrt(rho) @ psd_sqrt(sigma), compute_uv=False)
    return np.clip(s.sum(axis=-1) ** 2, 0.0, 1.0)


def entropy(rho: np.ndarray) -> np.ndarray:
    r"""Von Neumann entropy :math:`S(\rho) = -\mathrm{Tr}\,\rho\ln\rho` in nats."""
    w = np.linalg.eigvalsh(_check_square("rho", rho))
    w = np.clip(w, 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(w > 0, -w * np.log(np.where(w > 0, w, 1.0)), 0.0)
    # an eigenvalue of 1 + O(eps) (a pure state) gives -O(eps); S >= 0 exactly
    return np.maximum(terms.sum(axis=-1), 0.0)


def purity(rho: np.ndarray) -> np.ndarray:
    r""":math:`\mathrm{Tr}\,\rho^2`."""
    rho = _check_square("rho", rho)
    return np.einsum("...ij,...ji->...", rho, rho).real
