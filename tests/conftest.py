"""Shared fixtures. BLAS is limited to one thread: the suite runs on 2 shared cores."""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import settings

# Property tests draw the same examples on every run, so CI is reproducible.
settings.register_profile("plateaus", derandomize=True, deadline=None)
settings.load_profile("plateaus")


@pytest.fixture
def rng():
    return np.random.default_rng(20201030)


def random_density_matrix(rng, dim, rank=None):
    """A random density matrix of the given rank (full rank by default)."""
    rank = rank or dim
    g = rng.standard_normal((dim, rank)) + 1j * rng.standard_normal((dim, rank))
    rho = g @ g.conj().T
    return rho / np.trace(rho).real


def dense_state(labels, theta, order=None):
    """Independent oracle of the unitary model: prod_k expm(-i theta_k P_k) |0...0>, dense,
    the first term of ``order`` acting first."""
    from plateaus.terms import pauli_matrix

    order = range(len(labels)) if order is None else order
    psi = np.zeros(2 ** len(labels[0]), dtype=complex)
    psi[0] = 1.0
    for k in order:
        psi = sla.expm(-1j * theta[k] * pauli_matrix(labels[k])) @ psi
    return psi
