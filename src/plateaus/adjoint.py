r"""Batched Pauli-rotation circuits: the forward sweep and the adjoint (reverse) sweep.

The unitary network of Section VI is a product of Pauli rotations,

.. math::

    U(\theta) = e^{-i\theta_{k_N} P_{k_N}} \cdots e^{-i\theta_{k_1} P_{k_1}},
    \qquad e^{-i t P}\psi = \cos t\,\psi - i \sin t\,P\psi ,

applied to :math:`|0\ldots0\rangle`, where :math:`(k_1, \ldots, k_N)` is the *order* in which
the terms of Eq. (11) are applied (the identity by default) and :math:`\theta_k` always belongs
to term :math:`k`. :math:`P\psi` is a permutation of the amplitudes times a phase
(:mod:`plateaus.terms`), so no :math:`2^n \times 2^n` matrix is ever formed.

Gradient by the adjoint method (one forward and one reverse sweep). For an objective
:math:`F(\rho_v)` of the visible state :math:`\rho_v = \mathrm{Tr}_h|\psi\rangle\langle\psi|`
with derivative :math:`G = \partial F / \partial \rho_v` (Hermitian,
:math:`dF = \mathrm{Re\,Tr}(G\,d\rho_v)`), put :math:`\lambda = (G \otimes I)\psi`. Then

.. math::

    \frac{\partial F}{\partial \theta_{k_j}}
      = 2\,\mathrm{Re}\,\langle\lambda_j|(-iP_{k_j})|\phi_j\rangle
      = 2\,\mathrm{Im}\,\langle\lambda_j|P_{k_j}|\phi_j\rangle ,

with :math:`\phi_j = U_j\cdots U_1|0\rangle` and
:math:`\lambda_j = U_{j+1}^\dagger \cdots U_N^\dagger \lambda`; walking the gates backwards,
gate :math:`j` is un-applied from both vectors after its term is read. The cost is about three
times that of the forward sweep, independently of the number of parameters, and the result is
exact to round-off.

Performance notes (n = 7, 210 gates, D = 128). The batch is processed in chunks of
:data:`CHUNK_AMPLITUDES` amplitudes so that the working vectors stay in the L2 cache. With the
fixed order the state of a chunk is stored as ``(D, m)`` (amplitude-major, instances
contiguous) and a Pauli string's permutation :math:`c \mapsto c \oplus x` is a *view* with
reversed axes of the ``(2,)*n + (m,)`` reshape, so a gate costs four elementwise passes and no
gather; diagonal gates (``x = 0``) cost two. With one order per instance every instance applies
a different term at each step: the state is stored ``(m, D)`` and the permutation is one flat
``take`` with per-row indices and phases.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np

from .terms import check_labels, pauli_string

#: Target number of complex amplitudes per chunk of the batch (2**15 amplitudes = 512 KiB).
CHUNK_AMPLITUDES = 2**15


@dataclass(frozen=True)
class GateSet:
    r"""Precomputed data to apply the rotations :math:`e^{-itP_k}` of a list of Pauli labels.

    Attributes
    ----------
    labels : tuple of str
        The Pauli labels, term ``k`` is ``labels[k]``.
    n_qubits : int
    weights : ndarray, shape (K, 2**n), complex
        ``weights[k, c] = -1j * phase_k[c]``, so that
        :math:`(-iP_k\psi)[c] = \mathrm{weights}[k, c]\,\psi[c \oplus x_k]`.
    perms : ndarray, shape (K, 2**n), int
        ``perms[k, c] = c ^ x_k``.
    flips : tuple of tuple of slice
        Index of the ``(2,)*n + (m,)`` reshape of a ``(D, m)`` state that realises ``perms[k]``
        as a view (reversed axes on the qubits carrying X or Y).
    weights_nd : tuple of ndarray
        ``weights[k]`` reshaped to ``(2,)*n + (1,)``.
    diagonal : ndarray of bool, shape (K,)
        True for terms without X or Y (no permutation).
    """

    labels: tuple[str, ...]
    n_qubits: int
    weights: np.ndarray
    perms: np.ndarray
    flips: tuple
    weights_nd: tuple
    diagonal: np.ndarray

    @property
    def n_terms(self) -> int:
        return len(self.labels)

    @property
    def dim(self) -> int:
        return 2**self.n_qubits


@lru_cache(maxsize=64)
def gate_set(labels: tuple[str, ...]) -> GateSet:
    """Build (and cache) the :class:`GateSet` of a tuple of Pauli labels of equal length."""
    labels = check_labels(labels)
    n = len(labels[0])
    strings = [pauli_string(label) for label in labels]
    weights = np.stack([-1j * p.phase for p in strings])
    perms = np.stack([p.perm for p in strings])
    flips = tuple(
        tuple(slice(None, None, -1) if letter in "XY" else slice(None) for letter in label)
        for label in labels
    )
    weights_nd = tuple(w.reshape((2,) * n + (1,)) for w in weights)
    diagonal = np.array([p.x_mask == 0 for p in strings])
    for a in (weights, perms, diagonal):
        a.setflags(write=False)
    return GateSet(labels, n, weights, perms, flips, weights_nd, diagonal)


# ---------------------------------------------------------------------------------------------
# input handling shared by the sweeps (the models validate user input before calling these)


def _as_orders(order, n_terms: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Split ``order`` into (fixed order (K,), per-instance orders (B, K)); one of them is None.

    Per-instance orders that are all equal are treated as one fixed order (the fast path).
    """
    if order is None:
        return np.arange(n_terms), None
    order = np.asarray(order)
    if order.ndim == 1:
        return order.astype(np.intp), None
    if np.all(order == order[:1]):
        return order[0].astype(np.intp), None
    return None, order.astype(np.intp)


def _chunks(batch: int, dim: int):
    step = max(1, CHUNK_AMPLITUDES // dim)
    for start in range(0, batch, step):
        yield slice(start, min(batch, start + step))


# ---------------------------------------------------------------------------------------------
# fixed order: (D, m) layout, permutations as reversed-axis views
#
# Angles arrive "step-major": row j holds the values for the gate applied at step j. Real
# factors multiply the float view of a complex array (numpy would otherwise cast them to
# complex through a buffer), so they are stored repeated twice along the instance axis.


@dataclass
class _Angles:
    """cos and sin of the angles in the order they are applied, for one chunk."""

    cos2: np.ndarray  # (K, 2m) float, each value twice (re, im)
    sin2: np.ndarray  # (K, 2m)
    cos_c: np.ndarray  # (K, m) complex
    sin_c: np.ndarray  # (K, m) complex

    @classmethod
    def of(cls, theta: np.ndarray, fixed, per_instance) -> "_Angles":
        if per_instance is None:
            angles = theta[:, fixed].T
        else:
            angles = np.take_along_axis(theta, per_instance, axis=1).T
        cos, sin = np.cos(angles), np.sin(angles)
        return cls(
            np.repeat(cos, 2, axis=1),
            np.repeat(sin, 2, axis=1),
            cos.astype(complex),
            sin.astype(complex),
        )


def _gate_fixed(v, v_f, tmp, tmp_f, gs: GateSet, k: int, ang: _Angles, step: int) -> None:
    """In place ``v <- cos psi + sin (-i P_k) psi`` on the ``(2,)*n + (m,)`` view ``v``.

    ``v_f`` and ``tmp_f`` are the float views ``(D, 2m)`` of ``v`` and ``tmp``.
    """
    if gs.diagonal[k]:
        np.multiply(gs.weights_nd[k], ang.sin_c[step], out=tmp)
        tmp += ang.cos_c[step]
        v *= tmp
        return
    np.multiply(v[gs.flips[k]], gs.weights_nd[k], out=tmp)
    tmp_f *= ang.sin2[step]
    v_f *= ang.cos2[step]
    v_f += tmp_f


def _forward_fixed(gs: GateSet, order: np.ndarray, ang: _Angles) -> np.ndarray:
    """Final states, shape ``(D, m)``."""
    dim, m = gs.dim, ang.cos_c.shape[1]
    psi = np.zeros((dim, m), dtype=complex)
    psi[0] = 1.0
    shape = (2,) * gs.n_qubits + (m,)
    v, v_f = psi.reshape(shape), psi.view(float)
    tmp = np.empty(shape, dtype=complex)
    tmp_f = tmp.reshape(dim, m).view(float)
    for step, k in enumerate(order):
        _gate_fixed(v, v_f, tmp, tmp_f, gs, k, ang, step)
    return psi


def _backward_fixed(gs: GateSet, order, ang: _Angles, phi, lam) -> np.ndarray:
    """Reverse sweep; ``phi`` and ``lam`` are ``(D, m)`` and are overwritten. Returns (K, m)."""
    n_steps, m = ang.cos_c.shape
    shape = (2,) * gs.n_qubits + (m,)
    pv, lv = phi.reshape(shape), lam.reshape(shape)
    phi_f, lam_f = phi.view(float), lam.view(float)
    tmp = np.empty(shape, dtype=complex)
    tmp_f = tmp.reshape(gs.dim, m).view(float)
    prod = np.empty((gs.dim, 2 * m))
    ones = np.ones(gs.dim)
    grad = np.empty((n_steps, m))
    for step in range(n_steps - 1, -1, -1):
        k = order[step]
        # tmp = -i P phi; dF/dtheta = 2 Re <lam|tmp>
        np.multiply(pv[gs.flips[k]], gs.weights_nd[k], out=tmp)
        np.multiply(lam_f, tmp_f, out=prod)
        grad[step] = 2.0 * (ones @ prod).reshape(m, 2).sum(axis=1)
        # un-apply the gate: U^dag psi = cos psi + sin (i P psi) = cos psi - sin (-i P psi)
        if gs.diagonal[k]:
            np.multiply(gs.weights_nd[k], ang.sin_c[step], out=tmp)
            np.subtract(ang.cos_c[step], tmp, out=tmp)
            pv *= tmp
            lv *= tmp
            continue
        c2, s2 = ang.cos2[step], ang.sin2[step]
        tmp_f *= s2
        phi_f *= c2
        phi_f -= tmp_f
        np.multiply(lv[gs.flips[k]], gs.weights_nd[k], out=tmp)
        tmp_f *= s2
        lam_f *= c2
        lam_f -= tmp_f
    return grad


# ---------------------------------------------------------------------------------------------
# one order per instance: (m, D) layout, permutations as one flat gather with per-row indices


class _RowGates:
    """Per-step gather indices and weights for a chunk with one order per instance."""

    def __init__(self, gs: GateSet, orders: np.ndarray):
        self.gs = gs
        self.orders = orders  # (m, K)
        self.offsets = (np.arange(orders.shape[0]) * gs.dim)[:, None]
        self.idx = self.w = None

    def load(self, step: int) -> None:
        # fancy indexing (which allocates) measured faster than np.take(..., out=) here
        ks = self.orders[:, step]
        self.idx = self.gs.perms[ks]
        self.idx += self.offsets
        self.w = self.gs.weights[ks]

    def minus_i_p(self, psi: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``out = (-i P) psi`` row by row for the loaded step."""
        np.multiply(psi.reshape(-1)[self.idx], self.w, out=out)
        return out


def _forward_rows(gs: GateSet, orders: np.ndarray, ang: _Angles) -> np.ndarray:
    m, dim = orders.shape[0], gs.dim
    psi = np.zeros((m, dim), dtype=complex)
    psi[:, 0] = 1.0
    tmp = np.empty_like(psi)
    psi_f, tmp_f = psi.view(float), tmp.view(float)
    rows = _RowGates(gs, orders)
    cos_t, sin_t = ang.cos2[:, ::2].T.copy(), ang.sin2[:, ::2].T.copy()  # (m, K)
    for step in range(orders.shape[1]):
        rows.load(step)
        rows.minus_i_p(psi, tmp)
        tmp_f *= sin_t[:, step, None]
        psi_f *= cos_t[:, step, None]
        psi_f += tmp_f
    return psi


def _backward_rows(gs: GateSet, orders, ang: _Angles, phi, lam) -> np.ndarray:
    """Reverse sweep with one order per instance; ``phi``, ``lam`` are ``(m, D)``. (K, m)."""
    m, n_steps = orders.shape
    tmp = np.empty_like(phi)
    prod = np.empty((m, 2 * gs.dim))
    tmp_f, phi_f, lam_f = tmp.view(float), phi.view(float), lam.view(float)
    ones = np.ones(2 * gs.dim)
    rows = _RowGates(gs, orders)
    cos_t, sin_t = ang.cos2[:, ::2].T.copy(), ang.sin2[:, ::2].T.copy()  # (m, K)
    grad = np.empty((n_steps, m))
    for step in range(n_steps - 1, -1, -1):
        rows.load(step)
        c, s = cos_t[:, step, None], sin_t[:, step, None]
        rows.minus_i_p(phi, tmp)
        np.multiply(lam_f, tmp_f, out=prod)
        grad[step] = 2.0 * (prod @ ones)
        tmp_f *= s
        phi_f *= c
        phi_f -= tmp_f
        rows.minus_i_p(lam, tmp)
        tmp_f *= s
        lam_f *= c
        lam_f -= tmp_f
    return grad


# ---------------------------------------------------------------------------------------------
# public sweeps


def circuit_states(labels, theta: np.ndarray, order=None) -> np.ndarray:
    r"""Output states :math:`U(\theta)|0\ldots0\rangle` of a batch of Pauli-rotation circuits.

    Parameters
    ----------
    labels : tuple of str
        Pauli labels, term ``k`` is ``labels[k]``.
    theta : ndarray, shape (B, K)
        Real angles; ``theta[:, k]`` belongs to ``labels[k]``.
    order : None, ndarray (K,) or ndarray (B, K)
        The order in which the terms are applied (``order[j]`` is the term applied at step
        ``j``, step 0 first): None for ``0..K-1``, one permutation for all instances, or one
        per instance. Not validated here (see :class:`plateaus.models.UnitaryQNN`).

    Returns
    -------
    ndarray, shape (B, 2**n), complex
    """
    gs = gate_set(tuple(labels))
    theta = np.asarray(theta, dtype=float)
    fixed, per_instance = _as_orders(order, gs.n_terms)
    out = np.empty((theta.shape[0], gs.dim), dtype=complex)
    for chunk in _chunks(theta.shape[0], gs.dim):
        if per_instance is None:
            ang = _Angles.of(theta[chunk], fixed, None)
            out[chunk] = _forward_fixed(gs, fixed, ang).T
        else:
            ang = _Angles.of(theta[chunk], None, per_instance[chunk])
            out[chunk] = _forward_rows(gs, per_instance[chunk], ang)
    return out


def adjoint_gradient(
    labels,
    theta: np.ndarray,
    n_visible: int,
    derivative: Callable[[np.ndarray], np.ndarray],
    order=None,
) -> np.ndarray:
    r"""Exact gradient :math:`\partial F(\rho_v(\theta)) / \partial\theta_k` by the adjoint sweep.

    Parameters
    ----------
    labels : tuple of str
        Pauli labels of the terms.
    theta : ndarray, shape (B, K)
        Real angles.
    n_visible : int
        The visible qubits are the first ``n_visible``.
    derivative : callable
        ``derivative(rho_v) -> G``, ``rho_v`` of shape ``(B, D_v, D_v)``, ``G`` Hermitian of the
        same shape with :math:`F(\rho + d) = F(\rho) + \mathrm{Re\,Tr}(G d) + o(d)`.
    order : None, ndarray (K,) or ndarray (B, K)
        As in :func:`circuit_states`.

    Returns
    -------
    ndarray, shape (B, K), real
        Column ``k`` is the derivative in ``theta[:, k]`` whatever the order.

    Notes
    -----
    :math:`\partial_{\theta_{k_j}} F = 2\,\mathrm{Re}\langle\lambda_j|(-iP_{k_j})|\phi_j\rangle`
    with :math:`\lambda = (G\otimes I)\psi` (module docstring). Exact to round-off.
    """
    gs = gate_set(tuple(labels))
    theta = np.asarray(theta, dtype=float)
    batch = theta.shape[0]
    fixed, per_instance = _as_orders(order, gs.n_terms)
    d_v = 2**n_visible
    d_h = gs.dim // d_v

    states = circuit_states(labels, theta, order)
    psi = states.reshape(batch, d_v, d_h)
    rho_v = psi @ np.conj(np.swapaxes(psi, -1, -2))
    g = np.asarray(derivative(rho_v))
    if g.shape != rho_v.shape:
        raise ValueError(
            f"objective derivative has shape {g.shape}; expected {rho_v.shape} (one Hermitian "
            "matrix per instance)"
        )
    lam_all = (g @ psi).reshape(batch, gs.dim)

    grad = np.empty((batch, gs.n_terms))
    for chunk in _chunks(batch, gs.dim):
        if per_instance is None:
            ang = _Angles.of(theta[chunk], fixed, None)
            phi = np.ascontiguousarray(states[chunk].T)
            lam = np.ascontiguousarray(lam_all[chunk].T)
            g_steps = _backward_fixed(gs, fixed, ang, phi, lam)
            grad[chunk] = _scatter(g_steps, fixed)
        else:
            orders = per_instance[chunk]
            ang = _Angles.of(theta[chunk], None, orders)
            g_steps = _backward_rows(gs, orders, ang, states[chunk].copy(), lam_all[chunk].copy())
            out = np.empty((orders.shape[0], gs.n_terms))
            np.put_along_axis(out, orders, g_steps.T, axis=1)
            grad[chunk] = out
    return grad


def _scatter(g_steps: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Step-major ``(K, m)`` values to term columns ``(m, K)``: term ``order[j]`` gets step j."""
    out = np.empty((g_steps.shape[1], g_steps.shape[0]))
    out[:, order] = g_steps.T
    return out
