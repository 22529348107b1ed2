r"""Thermal states of Pauli Hamiltonians and their exact derivatives (Daleckii-Krein).

The quantum Boltzmann machine of Sec. IV.B of the paper (Theorem 4) is the Gibbs state

.. math::

    \rho(J) = \frac{e^{-H(J)}}{Z(J)}, \qquad H(J) = \sum_k J_k P_k, \qquad
    Z(J) = \mathrm{Tr}\, e^{-H(J)},

with :math:`P_k` Pauli strings (by default the 2-local set of Eq. (11)), and Theorem 4 and
Fig. 3(c) are about how :math:`\rho_v = \mathrm{Tr}_h \rho` responds to one coefficient
:math:`J_k`. Everything here comes from **one eigendecomposition per instance**,
:math:`H = V \operatorname{diag}(E) V^\dagger`: no matrix exponential, no finite differences.

Derivative of the exponential (Daleckii-Krein theorem)
------------------------------------------------------
For a differentiable :math:`f` and a Hermitian direction :math:`X`,

.. math::

    \frac{d}{dt} f(H + tX)\Big|_{t=0} = V \bigl(L \circ (V^\dagger X V)\bigr) V^\dagger,
    \qquad L_{ij} = \frac{f(E_i) - f(E_j)}{E_i - E_j}\ (E_i \ne E_j),\quad
    L_{ij} = f'(E_i)\ (E_i = E_j),

(:math:`\circ` is the entrywise product). With :math:`f(x) = e^{-(x - E_0)}`,
:math:`E_0 = \min_i E_i` (the shift cancels in :math:`\rho` and keeps every number in
:math:`[0, 1]` at any temperature), :math:`a_i = E_i - E_0 \ge 0` and
:math:`\delta = |a_i - a_j|`,

.. math::

    L_{ij} = -\,e^{-\min(a_i, a_j)}\, \varphi(\delta), \qquad
    \varphi(\delta) = \frac{1 - e^{-\delta}}{\delta}
                     = \frac{-\operatorname{expm1}(-\delta)}{\delta},
    \quad \varphi(0) = 1 ,

a divided difference without cancellation: degenerate or nearly degenerate levels
(including :math:`H = 0`) give the exact limit :math:`f'(E_i)`, never NaN, and nothing
overflows. Writing :math:`A = e^{-(H - E_0)}`, :math:`Z_0 = \mathrm{Tr} A \ge 1` and
:math:`\partial_k A = V (L \circ V^\dagger P_k V) V^\dagger`, the normalisation contributes
:math:`\mathrm{Tr}\,\partial_k A = \sum_i L_{ii} (V^\dagger P_k V)_{ii}
= -Z_0 \langle P_k\rangle`, so

.. math::

    \partial_k \rho = \frac{\partial_k A - \rho\, \mathrm{Tr}\,\partial_k A}{Z_0}
                    = V (\tilde L \circ V^\dagger P_k V) V^\dagger + \rho\,\langle P_k\rangle,
    \qquad \tilde L = L / Z_0, \quad \langle P_k\rangle = \mathrm{Tr}(\rho P_k).

Adjoint form (why it is cheap)
------------------------------
Because :math:`L` is symmetric, the Daleckii-Krein map
:math:`\mathcal D[X] = V (\tilde L \circ V^\dagger X V) V^\dagger` is self-adjoint for the
pairing :math:`\langle X, Y\rangle = \mathrm{Tr}(XY)`:
:math:`\mathrm{Tr}(W \mathcal D[P]) = \sum_{ij} M_{ji} \tilde L_{ij} X_{ij}
= \mathrm{Tr}(\mathcal D[W] P)` with :math:`M = V^\dagger W V`, :math:`X = V^\dagger P V`.
So for any fixed :math:`W` **one** matrix :math:`B_W = \mathcal D[W]` gives the response to
every term, :math:`\mathrm{Tr}(W \partial_k \rho) = \mathrm{Tr}(B_W P_k) + \langle W\rangle
\langle P_k\rangle`, and a Pauli trace costs :math:`O(D)`:
:math:`(P_k)_{c,\pi_k(c)} = s_k(c)` (``perm``, ``phase`` of :func:`plateaus.terms.pauli_string`), so
:math:`\mathrm{Tr}(B P_k) = \sum_c s_k(c)\, B_{\pi_k(c), c}`.

* Gradient of an objective :math:`F(\rho_v)` with derivative :math:`G` (``value(rho + d) =
  value(rho) + Re Tr(G d)``): :math:`W = G \otimes I_h`, one :math:`B_W` per instance,
  :math:`O(D^3 + KD)`.
* Visible derivatives: :math:`(\mathrm{Tr}_h X)_{ab} = \mathrm{Tr}\bigl(X\,(|b\rangle\langle a|
  \otimes I_h)\bigr)`, so entry :math:`(a,b)` of :math:`\mathrm{Tr}_h \partial_k \rho` is an
  adjoint with :math:`W^{ab} = |b\rangle\langle a| \otimes I_h`, for which
  :math:`V^\dagger W^{ab} V = V_b^\dagger V_a` (:math:`V_a` = the :math:`D_h` rows of
  :math:`V` whose visible index is :math:`a`). :math:`W^{ba} = W^{ab\dagger}` gives
  :math:`B^{ba} = B^{ab\dagger}`, so only :math:`a < b` is computed; the real diagonal
  entries are paired, :math:`W = (|a\rangle\langle a| + i|a'\rangle\langle a'|) \otimes I_h`
  returns :math:`(\cdot)_{aa} + i(\cdot)_{a'a'}`. That is :math:`D_v^2/2` adjoints for the
  :math:`D_v^2` real numbers of each :math:`\mathrm{Tr}_h\partial_k\rho`.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .terms import check_labels, pauli_string

__all__ = [
    "thermal_eigh",
    "thermal_state",
    "thermal_gradient",
    "thermal_sensitivity",
    "visible_derivatives",
]

# Working-set budget (bytes) for one chunk of instances in visible_derivatives: about the
# size of the L3 cache, so that the per-instance stacks stay in cache at n = 7.
_CHUNK_BYTES = 24 * 2**20
# Blocks of adjoint probes and of basis columns in the products of visible_derivatives.
_PROBE_BLOCK = 16
_COLUMN_BLOCK = 32


# --------------------------------------------------------------------------- validation


def _check_labels(labels) -> tuple[tuple[str, ...], int]:
    labels = check_labels(labels)
    return labels, len(labels[0])


def _check_coefficients(J, n_terms: int) -> tuple[np.ndarray, bool]:
    """Return ``J`` as a float ``(B, K)`` array and whether the input was a single instance."""
    arr = np.asarray(J)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise ValueError(f"J must be a real numeric array, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise ValueError("J must be real (coefficients of Hermitian Pauli terms), got complex")
    if arr.ndim not in (1, 2) or arr.shape[-1] != n_terms:
        raise ValueError(
            f"J has shape {arr.shape}; expected ({n_terms},) or (B, {n_terms}), "
            f"one coefficient per label ({n_terms} labels)"
        )
    arr = arr.astype(float, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError("J must be finite; it holds NaN or infinite entries")
    single = arr.ndim == 1
    return (arr[None, :] if single else arr), single


def _check_n_visible(n_visible, n: int) -> int:
    if isinstance(n_visible, bool) or not isinstance(n_visible, (int, np.integer)) or not (
        1 <= n_visible <= n
    ):
        raise ValueError(
            f"n_visible = {n_visible!r} is not allowed; expected an integer in 1..{n} "
            f"(the labels act on {n} qubits)"
        )
    return int(n_visible)


# --------------------------------------------------------------------------- Pauli tables


@lru_cache(maxsize=64)
def _pauli_tables(labels: tuple[str, ...]):
    r"""Permutations, phases and x-mask groups of ``labels`` (cached per label set).

    Returns ``perms (K, D)``, ``phases (K, D)``, ``masks (X,)`` (distinct bit-flip masks) and
    ``groups``: for each mask, the term indices that carry it. ``P_k`` has entry
    ``phase[k, c]`` at ``(c, perm[k, c])`` and ``perm[k, c] = c ^ x_k``.
    """
    strings = [pauli_string(label) for label in labels]
    perms = np.stack([p.perm for p in strings])
    phases = np.stack([p.phase for p in strings])
    x_masks = np.array([p.x_mask for p in strings])
    masks, inverse = np.unique(x_masks, return_inverse=True)
    groups = tuple(np.flatnonzero(inverse == m) for m in range(len(masks)))
    for a in (perms, phases, masks):
        a.setflags(write=False)
    return perms, phases, masks, groups


def _pauli_traces(X: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
    r""":math:`\mathrm{Tr}(X P_k)` for all ``k``: ``X (B, D, D)`` -> ``(B, K)``, O(KD) each.

    :math:`\mathrm{Tr}(X P_k) = \sum_c X_{\pi_k(c), c}\, s_k(c)`.
    """
    perms, phases, _, _ = _pauli_tables(labels)
    cols = np.arange(perms.shape[1])
    return np.einsum("bkc,kc->bk", X[:, perms, cols], phases)


# --------------------------------------------------------------------------- spectral core


def _hamiltonian(J: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
    r"""Dense :math:`H(J)` ``(B, D, D)``, one scatter per bit-flip mask rather than per term.

    All terms with mask :math:`x` fill the same entries :math:`(c, c \oplus x)`, so
    :math:`H_{c, c \oplus x} = \sum_{k: x_k = x} J_k s_k(c)` is one small product per mask.
    Equals :func:`plateaus.terms.hamiltonian_matrix` (tested through :func:`thermal_eigh`).
    """
    _, phases, masks, groups = _pauli_tables(labels)
    D = phases.shape[1]
    rows = np.arange(D)
    H = np.zeros((J.shape[0], D, D), dtype=complex)
    for x, ks in zip(masks, groups):
        H[:, rows, rows ^ x] = J[:, ks] @ phases[ks]
    return H


def _spectrum(J: np.ndarray, labels: tuple[str, ...]):
    """``E, V`` of ``H(J)`` for ``J (B, K)``."""
    return np.linalg.eigh(_hamiltonian(J, labels))


def _boltzmann(E: np.ndarray):
    r"""Weights and scaled divided differences from the spectrum ``E (B, D)`` (ascending).

    Returns ``p (B, D)`` (the eigenvalues of :math:`\rho`) and
    :math:`\tilde L = L / Z_0` ``(B, D, D)`` with
    :math:`L_{ij} = -e^{-\min(a_i, a_j)}\varphi(|a_i - a_j|)`, :math:`a = E - E_{\min}`.
    """
    a = E - E.min(axis=-1, keepdims=True)
    w = np.exp(-a)
    Z0 = w.sum(axis=-1)
    delta = np.abs(a[..., :, None] - a[..., None, :])
    positive = delta > 0
    safe = np.where(positive, delta, 1.0)
    phi = np.where(positive, -np.expm1(-safe) / safe, 1.0)
    L = np.exp(-np.minimum(a[..., :, None], a[..., None, :])) * phi
    L /= -Z0[:, None, None]
    return w / Z0[:, None], L


def _density(V: np.ndarray, p: np.ndarray) -> np.ndarray:
    r""":math:`\rho = V \operatorname{diag}(p) V^\dagger`."""
    return (V * p[:, None, :]) @ np.conj(np.swapaxes(V, -1, -2))


def _hidden_trace(rho: np.ndarray, d_v: int) -> np.ndarray:
    B, D, _ = rho.shape
    d_h = D // d_v
    return np.einsum("bihjh->bij", rho.reshape(B, d_v, d_h, d_v, d_h))


def _chunks(batch: int, bytes_per_instance: int) -> list[slice]:
    """Slices of at most ``_CHUNK_BYTES / bytes_per_instance`` instances (at least one)."""
    size = int(max(1, min(batch, _CHUNK_BYTES // bytes_per_instance)))
    return [slice(i, min(i + size, batch)) for i in range(0, batch, size)]


# --------------------------------------------------------------------------- public API


def thermal_eigh(J, labels) -> tuple[np.ndarray, np.ndarray]:
    r"""Eigendecomposition :math:`H(J) = V \operatorname{diag}(E) V^\dagger`.

    Parameters
    ----------
    J : array_like, shape ``(K,)`` or ``(B, K)``
        Real, finite coefficients, one per label.
    labels : sequence of str
        ``K`` Pauli labels over ``IXYZ`` on ``n`` qubits (qubit 0 first), e.g.
        :func:`plateaus.two_local_terms`.

    Returns
    -------
    E : ndarray, shape ``(B, D)`` (or ``(D,)``)
        Eigenvalues in ascending order, :math:`D = 2^n`.
    V : ndarray, shape ``(B, D, D)`` (or ``(D, D)``)
        Orthonormal eigenvectors in the columns.
    """
    labels, _ = _check_labels(labels)
    J, single = _check_coefficients(J, len(labels))
    E, V = _spectrum(J, labels)
    return (E[0], V[0]) if single else (E, V)


def thermal_state(J, labels) -> np.ndarray:
    r"""Gibbs state :math:`\rho = e^{-H}/\mathrm{Tr}\,e^{-H}` of :math:`H = \sum_k J_k P_k`.

    Computed as :math:`V \operatorname{diag}(p) V^\dagger` with
    :math:`p_i = e^{-(E_i - E_{\min})} / \sum_j e^{-(E_j - E_{\min})}`: the shift by the
    smallest eigenvalue cancels in the ratio and keeps every exponent :math:`\le 0`, so the
    state is exact and finite at any temperature (any norm of :math:`J`).

    Parameters
    ----------
    J : array_like, shape ``(K,)`` or ``(B, K)``
    labels : sequence of str, length ``K``

    Returns
    -------
    ndarray, shape ``(B, D, D)`` (or ``(D, D)`` for a single instance)
    """
    labels, _ = _check_labels(labels)
    J, single = _check_coefficients(J, len(labels))
    E, V = _spectrum(J, labels)
    a = E - E[:, :1]
    w = np.exp(-a)
    rho = _density(V, w / w.sum(axis=-1, keepdims=True))
    return rho[0] if single else rho


def thermal_gradient(J, labels, n_visible, objective) -> np.ndarray:
    r"""Exact gradient :math:`\partial F(\mathrm{Tr}_h \rho(J)) / \partial J_k` for every ``k``.

    With :math:`G` = ``objective.derivative(rho_v)`` (``value(rho + d) = value(rho) +
    Re Tr(G d) + o(d)``) and :math:`W = G \otimes I_h`,

    .. math::

        \frac{\partial F}{\partial J_k}
        = \mathrm{Re}\,\mathrm{Tr}(W \partial_k\rho)
        = \mathrm{Re}\bigl[\mathrm{Tr}(B\, P_k) + \langle W\rangle \langle P_k\rangle\bigr],
        \qquad B = V\bigl(\tilde L \circ (V^\dagger W V)\bigr) V^\dagger ,

    by the self-adjointness of the Daleckii-Krein map (module docstring; Theorem 4 and
    Sec. IV.B of the paper differentiate the same state). One eigendecomposition and three
    :math:`D \times D` products per instance, then :math:`O(D)` per term:
    :math:`O(D^3 + KD)` in all.

    Parameters
    ----------
    J : array_like, shape ``(K,)`` or ``(B, K)``
    labels : sequence of str, length ``K``
    n_visible : int
        The first ``n_visible`` qubits are visible, ``1 <= n_visible <= n``.
    objective : object
        With ``derivative(rho_v) -> (B, D_v, D_v)`` for ``rho_v`` of shape ``(B, D_v, D_v)``
        (a single instance is passed with ``B = 1``).

    Returns
    -------
    ndarray, shape ``(B, K)`` (or ``(K,)``), real
    """
    labels, n = _check_labels(labels)
    J, single = _check_coefficients(J, len(labels))
    n_visible = _check_n_visible(n_visible, n)
    if not callable(getattr(objective, "derivative", None)):
        raise ValueError(
            f"objective must have a derivative(rho_v) method, got {type(objective).__name__}"
        )
    d_v = 2**n_visible
    D = 2**n
    batch = J.shape[0]

    # Two passes over chunks of instances, so that no (B, D, D) temporary beyond V is held:
    # rho_v and <P_k> first; then G, asked for once for the whole batch; then B_W.
    E, V = _spectrum(J, labels)
    chunks = _chunks(batch, 16 * D * D * 5)
    rho_v = np.empty((batch, d_v, d_v), dtype=complex)
    expect_P = np.empty((batch, len(labels)))
    for s in chunks:
        rho = _density(V[s], _boltzmann(E[s])[0])
        rho_v[s] = _hidden_trace(rho, d_v)
        expect_P[s] = _pauli_traces(rho, labels).real
    G = np.asarray(objective.derivative(rho_v))
    if G.shape not in ((batch, d_v, d_v), (d_v, d_v)):
        raise ValueError(
            f"objective.derivative returned shape {G.shape}; expected ({batch}, {d_v}, {d_v})"
        )
    G = np.broadcast_to(G, (batch, d_v, d_v))

    expect_W = np.einsum("bij,bji->b", G, rho_v)
    grad = expect_W[:, None] * expect_P
    for s in chunks:
        Vs = V[s]
        Lt = _boltzmann(E[s])[1]
        Vh = np.conj(np.swapaxes(Vs, -1, -2))
        WV = (G[s] @ Vs.reshape(-1, d_v, D * D // d_v)).reshape(-1, D, D)  # (G (x) I_h) V
        grad[s] += _pauli_traces(Vs @ ((Lt * (Vh @ WV)) @ Vh), labels)
    grad = grad.real
    return grad[0] if single else grad


def visible_derivatives(J, labels, n_visible) -> np.ndarray:
    r"""Exact :math:`\mathrm{Tr}_h\, \partial\rho / \partial J_k` for every term ``k``.

    .. math::

        \mathrm{Tr}_h \partial_k\rho = \mathrm{Tr}_h \mathcal D[P_k] + \rho_v \langle P_k\rangle,
        \qquad
        \bigl(\mathrm{Tr}_h \mathcal D[P_k]\bigr)_{ab} = \mathrm{Tr}(B^{ab} P_k),
        \quad B^{ab} = V\bigl(\tilde L \circ V_b^\dagger V_a\bigr) V^\dagger

    (module docstring: Daleckii-Krein, adjoint form; Theorem 4 / Sec. IV.B of the paper).

    Cost and route. Per instance: one ``eigh``; :math:`D_v^2/2` adjoint matrices
    :math:`V_b^\dagger V_a` (:math:`D^3 D_v / 2` in all); one product
    :math:`(\tilde L \circ V_b^\dagger V_a) V^\dagger` each (:math:`D^3`); and of
    :math:`B^{ab} = V (\cdots)` only the entries :math:`B_{c \oplus x, c}` that Pauli traces
    read, for the :math:`X` distinct bit-flip masks :math:`x` of the labels (29 of 128 at
    :math:`n = 7` for Eq. (11)), :math:`X D^2` each. About :math:`(D_v^2/2)(D^3 + X D^2)`,
    against :math:`K (D^3 + D^2 D_v^2)` for the forward route that forms every
    :math:`V^\dagger P_k V`; for Eq. (11) with :math:`n_v = 3` that is 32 against
    :math:`K = 66, 105, 153, 210` products at :math:`n = 4..7`. Measured
    (``benchmarks/bench_thermal_dev.py``, one BLAS thread, per instance): adjoint 0.63, 1.7,
    5.9, 24 ms against forward 0.80, 8.6, 51, 330 ms at :math:`n = 4..7`, so the adjoint
    route is the only one. At :math:`n = 7` its time goes to the :math:`D_v^2/2 = 32`
    products of stage 1 (~11 ms, the floor for 32 complex :math:`128^3` products on this
    core), the masked entries (~4-6 ms), the probes :math:`V_b^\dagger V_a` (~3.5 ms, inner
    dimension :math:`D_h = 16`), ``eigh`` (~2.2 ms) and ~2 ms of the rest; with one process
    per core (1 BLAS thread each) that is ~12 ms per instance amortised on 2 cores, about
    25-30x less than the finite-difference sweep (:math:`K + 1` ``eigh``) on the same cores.

    Parameters
    ----------
    J : array_like, shape ``(K,)`` or ``(B, K)``
    labels : sequence of str, length ``K``
    n_visible : int, ``1 <= n_visible <= n``

    Returns
    -------
    ndarray, shape ``(B, K, D_v, D_v)`` (or ``(K, D_v, D_v)``), complex, Hermitian and
    traceless in the last two axes.
    """
    labels, n = _check_labels(labels)
    J, single = _check_coefficients(J, len(labels))
    n_visible = _check_n_visible(n_visible, n)
    d_v, D = 2**n_visible, 2**n
    n_adj = d_v * d_v // 2
    # Per instance: Y, T and a few D x D arrays (V, rho, L~, ...). At n = 7 that is about
    # 14 MB, so chunks hold one instance: the products are already large BLAS calls there.
    per_instance = 16 * D * D * (n_adj + _PROBE_BLOCK + 4)
    out = np.empty((J.shape[0], len(labels), d_v, d_v), dtype=complex)
    for s in _chunks(J.shape[0], per_instance):
        out[s] = _visible_derivatives_chunk(J[s], labels, d_v)
    return out[0] if single else out


def _adjoint_pairs(d_v: int):
    """Visible index pairs: off-diagonal ``(a, b)`` with ``a < b``; diagonal pairs ``(a, a+1)``."""
    a, b = np.triu_indices(d_v, k=1)
    diag = np.arange(0, d_v, 2)
    return a, b, diag


def _visible_derivatives_chunk(J: np.ndarray, labels: tuple[str, ...], d_v: int) -> np.ndarray:
    r"""The adjoint route of :func:`visible_derivatives` for one chunk ``J (B, K)``.

    Array layouts are chosen so that every product is one BLAS call on contiguous (or
    simply transposed) operands and no large array is ever transposed in memory:

    * ``Y[j, w, i] = L~_ij (V_b^dag V_a)_ij``: the adjoint probes ``w``, built by one product
      per visible row ``a`` (``V_a^T conj(V_b)`` for all ``b > a`` at once) and scaled by
      ``L~`` in place;
    * ``T[c, w, i] = sum_j conj(V_cj) Y[j, w, i] = (Y^w V^dag)_{ic}``: one product
      ``(D x D) @ (D x n_w D)`` per block of ``n_w`` probes, the dominant cost (``D^3`` per
      probe, about 11 ms of the ~25 ms per instance at n = 7 on one core);
    * ``F[c, x, w] = sum_i V_{c^x, i} T[c, w, i] = B^w_{c^x, c}``: a stack of
      ``(X x D) @ (D x n_w)`` products, one per column ``c``, for the ``X`` masks only
      (``X D^2`` per probe instead of ``D^3`` for the whole of ``B^w``).
    """
    _, phases, masks, groups = _pauli_tables(labels)
    batch = J.shape[0]
    E, V = _spectrum(J, labels)
    p, Lt = _boltzmann(E)
    D = V.shape[-1]
    d_h = D // d_v
    rho = _density(V, p)
    a_idx, b_idx, diag = _adjoint_pairs(d_v)
    n_off, n_diag = len(a_idx), len(diag)
    n_adj = n_off + n_diag

    # Probes, layout (j, w, i). Off-diagonal w = (a, b), a < b, ordered as triu_indices:
    # Y[j, w, i] = sum_h V[(a,h), j] conj(V[(b,h), i]) = (V_a^T conj(V_b))[j, i].
    Vb = V.reshape(batch, d_v, d_h, D)
    A = np.swapaxes(Vb, -1, -2)  # A[:, a] = V_a^T, (D_j, d_h)
    C = np.conj(np.swapaxes(Vb, 1, 2))  # C[:, h, b, i] = conj(V[(b,h), i])
    Y = np.empty((batch, D, n_adj, D), dtype=complex)
    w = 0
    for a in range(d_v - 1):
        nb = d_v - 1 - a
        np.matmul(
            A[:, a],
            C[:, :, a + 1 :, :].reshape(batch, d_h, nb * D),
            out=Y[:, :, w : w + nb, :].reshape(batch, D, nb * D),
        )
        w += nb
    # Diagonal pairs: V_a^T conj(V_a) + i V_{a+1}^T conj(V_{a+1}) as one product, inner 2 d_h.
    left = np.concatenate([A[:, diag], A[:, diag + 1]], axis=-1)  # (batch, n_diag, D_j, 2 d_h)
    right = np.concatenate([C[:, :, diag], 1j * C[:, :, diag + 1]], axis=1)  # (., 2d_h, n_diag, D)
    for q in range(n_diag):
        np.matmul(left[:, q], right[:, :, q], out=Y[:, :, n_off + q, :])
    Y *= Lt[:, :, None, :]

    # Stages 1 and 2 go by blocks of probes and of columns c, so that T and the gathered
    # rows of V stay small (a few MB) when two processes share the cache.
    rows = np.arange(D)[:, None] ^ masks[None, :]  # (D, X): rows c ^ x read for column c
    Vc = np.conj(V)
    F = np.empty((batch, D, len(masks), n_adj), dtype=complex)
    T = np.empty((batch, D, min(_PROBE_BLOCK, n_adj), D), dtype=complex)
    for w0 in range(0, n_adj, _PROBE_BLOCK):
        w1 = min(w0 + _PROBE_BLOCK, n_adj)
        Tw = T[:, :, : w1 - w0, :]
        np.matmul(
            Vc,
            Y[:, :, w0:w1, :].reshape(batch, D, -1),
            out=Tw.reshape(batch, D, -1),
        )
        for c0 in range(0, D, _COLUMN_BLOCK):
            c1 = min(c0 + _COLUMN_BLOCK, D)
            np.matmul(
                V[:, rows[c0:c1], :],
                np.swapaxes(Tw[:, c0:c1], -1, -2),
                out=F[:, c0:c1, :, w0:w1],
            )
    del Y, T

    traces = np.empty((batch, len(labels), n_adj), dtype=complex)
    for m, ks in enumerate(groups):
        traces[:, ks] = phases[ks] @ F[:, :, m, :]

    out = np.empty((batch, len(labels), d_v, d_v), dtype=complex)
    out[:, :, a_idx, b_idx] = traces[..., :n_off]
    out[:, :, b_idx, a_idx] = np.conj(traces[..., :n_off])
    out[:, :, diag, diag] = traces[..., n_off:].real
    out[:, :, diag + 1, diag + 1] = traces[..., n_off:].imag
    expect = _pauli_traces(rho, labels).real
    out += _hidden_trace(rho, d_v)[:, None] * expect[:, :, None, None]
    return out


def thermal_sensitivity(J, labels, n_visible) -> np.ndarray:
    r"""Exact sensitivity :math:`g_k = \tfrac12 \|\mathrm{Tr}_h \partial\rho/\partial J_k\|_1`.

    The :math:`\varepsilon \to 0` limit of the paper's finite-difference quantity of Fig. 3(c),
    :math:`T(\rho_v(J), \rho_v(J + \varepsilon e_k)) / \varepsilon`, since
    :math:`\rho_v(J + \varepsilon e_k) - \rho_v(J) = \varepsilon\, \mathrm{Tr}_h \partial_k \rho
    + O(\varepsilon^2)`. The trace norm of the Hermitian :math:`D_v \times D_v` matrix
    (from :func:`visible_derivatives`) is the sum of its absolute eigenvalues.

    Parameters
    ----------
    J : array_like, shape ``(K,)`` or ``(B, K)``
    labels : sequence of str, length ``K``
    n_visible : int, ``1 <= n_visible <= n``

    Returns
    -------
    ndarray, shape ``(B, K)`` (or ``(K,)``), real, non-negative
    """
    deriv = visible_derivatives(J, labels, n_visible)
    return 0.5 * np.abs(np.linalg.eigvalsh(deriv)).sum(axis=-1)
