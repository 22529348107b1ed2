r"""How close an ensemble of circuits is to a unitary 2-design: frame potentials.

Theorem 3 assumes that the products of the unitary model's gates before and after each gate
are 2-designs. The second frame potential of an ensemble :math:`\mathcal E` of unitaries,

.. math:: F^{(2)}_{\mathcal E} = \mathbb E_{U, V \sim \mathcal E} |\mathrm{Tr}\, U^\dagger V|^4,

is at least its Haar value, :math:`2` for :math:`D \ge 2`, with equality exactly for a
2-design (Gross, Audenaert, Eisert 2007). The state frame potential
:math:`\mathbb E |\langle\psi|\phi\rangle|^4` of the states :math:`U|0\rangle` is at least
:math:`2/(D(D+1))`, with equality exactly for a state 2-design, the property Proposition 2's
proof uses. Both are estimated here by the mean over all pairs of distinct instances (an
unbiased U-statistic), with a delete-one jackknife standard error.
"""
from __future__ import annotations

import numpy as np

from .terms import check_labels, pauli_string


def haar_frame_potential(dim: int) -> float:
    r"""The second frame potential of the Haar measure on :math:`U(D)`: 2 for :math:`D \ge 2`
    (the number of permutations of two copies), 1 for :math:`D = 1`."""
    if not (isinstance(dim, (int, np.integer)) and dim >= 1):
        raise ValueError(f"dim must be an integer >= 1, got {dim!r}")
    return 2.0 if dim >= 2 else 1.0


def haar_state_frame_potential(dim: int) -> float:
    r""":math:`\mathbb E |\langle\psi|\phi\rangle|^4 = 2/(D(D+1))` for independent Haar states."""
    if not (isinstance(dim, (int, np.integer)) and dim >= 1):
        raise ValueError(f"dim must be an integer >= 1, got {dim!r}")
    return 2.0 / (dim * (dim + 1))


def circuit_unitaries(labels, theta, order=None, start: int = 0, stop: int | None = None) -> np.ndarray:
    r"""The products of gates ``order[start:stop]`` of the unitary model, as matrices.

    :math:`U = e^{-i\theta_{o_{s-1}} P_{o_{s-1}}} \cdots e^{-i\theta_{o_a} P_{o_a}}` for
    :math:`o` = ``order`` (Eq. (11) order when None), the gate ``order[start]`` acting first,
    and :math:`\theta_k` always the angle of term ``k`` (as in :class:`plateaus.UnitaryQNN`).

    Parameters
    ----------
    labels : sequence of str, length K
    theta : array_like, shape (B, K)
    order : array_like of int, shape (K,) or (B, K), optional
    start, stop : int
        The slice of the product, ``0 <= start < stop <= K``.

    Returns
    -------
    ndarray, shape (B, D, D)
    """
    labels = check_labels(labels)
    theta = np.asarray(theta, dtype=float)
    k = len(labels)
    if theta.ndim != 2 or theta.shape[1] != k:
        raise ValueError(f"theta must have shape (B, {k}), got {theta.shape}")
    batch, dim = theta.shape[0], 2 ** len(labels[0])
    if order is None:
        order = np.arange(k)
    order = np.broadcast_to(np.asarray(order), (batch, k))
    if not np.all(np.sort(order, axis=1) == np.arange(k)):
        raise ValueError("order must hold a permutation of 0..K-1 per instance")
    stop = k if stop is None else stop
    if not (0 <= start < stop <= k):
        raise ValueError(f"start, stop must satisfy 0 <= start < stop <= {k}, got {start}, {stop}")
    # columns[b, j] = U_b e_j: every gate acts on the last axis of all columns at once
    perms = np.stack([pauli_string(label).perm for label in labels])
    phases = np.stack([pauli_string(label).phase for label in labels])
    columns = np.broadcast_to(np.eye(dim, dtype=complex), (batch, dim, dim)).copy()
    rows = np.arange(batch)
    for step in range(start, stop):
        term = order[:, step]
        ang = theta[rows, term]
        c, s = np.cos(ang)[:, None, None], np.sin(ang)[:, None, None]
        flipped = np.take_along_axis(columns, np.broadcast_to(perms[term][:, None, :], columns.shape), axis=2)
        columns = c * columns - 1j * s * (phases[term][:, None, :] * flipped)
    return np.swapaxes(columns, 1, 2)


def _pair_mean(gram_power: np.ndarray) -> tuple[float, float]:
    """Mean over pairs i < j of a symmetric matrix's entries and its delete-one jackknife SE."""
    m = gram_power.shape[0]
    if m < 3:
        raise ValueError(f"need at least 3 instances, got {m}")
    off = gram_power - np.diag(np.diag(gram_power))
    total = off.sum() / 2
    pairs = m * (m - 1) / 2
    row = off.sum(axis=1)
    loo = (total - row) / ((m - 1) * (m - 2) / 2)  # mean without instance k
    se = np.sqrt((m - 1) / m * np.sum((loo - loo.mean()) ** 2))
    return float(total / pairs), float(se)


def frame_potential(unitaries) -> tuple[float, float]:
    r"""Estimate :math:`\mathbb E|\mathrm{Tr}\,U^\dagger V|^4` from ``(M, D, D)`` instances:
    the mean over the :math:`M(M-1)/2` pairs of distinct instances and its jackknife standard
    error. Returns ``(value, se)``."""
    u = np.asarray(unitaries)
    if u.ndim != 3 or u.shape[1] != u.shape[2]:
        raise ValueError(f"unitaries must have shape (M, D, D), got {u.shape}")
    flat = u.reshape(u.shape[0], -1)
    gram = np.abs(flat.conj() @ flat.T) ** 4
    return _pair_mean(gram)


def state_frame_potential(states) -> tuple[float, float]:
    r"""Estimate :math:`\mathbb E|\langle\psi|\phi\rangle|^4` from ``(M, D)`` normalised states
    (mean over pairs of distinct instances, jackknife SE). Returns ``(value, se)``."""
    s = np.asarray(states)
    if s.ndim != 2:
        raise ValueError(f"states must have shape (M, D), got {s.shape}")
    gram = np.abs(s.conj() @ s.T) ** 4
    return _pair_mean(gram)
