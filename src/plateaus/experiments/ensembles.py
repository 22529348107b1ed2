r"""The random ensembles of the paper's figures, drawn one seed per instance.

Each instance draws from its own :class:`numpy.random.SeedSequence` (see
:func:`plateaus.parallel.map_instances`), so a table never depends on how instances were
split over chunks, processes or machines. Drawing is per instance; the physics that follows is
batched over the chunk.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from scipy import linalg, special

from ..models import BoltzmannMachine, UnitaryQNN, gue_states, sample_couplings
from ..states import haar_states, reduced_state

#: The models of the models chapter, in the order that seeds them (``[seed, index, n_hidden]``):
#: never reorder or insert, or a re-run of its committed tables draws other instances.
MODELS = ("haar", "gue", "unitary", "unitary-random-order", "boltzmann")
#: Every ensemble :func:`visible_states` draws: the models and the reversed gate order.
ENSEMBLES = MODELS + ("unitary-reversed-order",)
#: The reading of the gate order of each unitary model (:meth:`plateaus.UnitaryQNN.sample_instances`).
UNITARY_ORDERS = {"unitary": "eq11", "unitary-reversed-order": "reversed", "unitary-random-order": "random"}
GUE_METHODS = ("eigh", "tridiagonal")

#: Absolute error allowed in the return amplitude when the tridiagonal chain is truncated.
RETURN_AMPLITUDE_TOL = 1e-15
#: Complex amplitudes per sub-batch of Boltzmann-machine matrices (2**21 -> 32 MiB per array),
#: so that a worker's memory stays bounded (joblib restarts a worker whose memory grows by
#: more than 300 MB, with a warning on stderr).
BOLTZMANN_CHUNK_AMPLITUDES = 2**21


def draw(seeds: Sequence[np.random.SeedSequence], sampler: Callable[[np.random.Generator], np.ndarray]) -> np.ndarray:
    """Stack ``sampler(rng)`` over one generator per seed: shape ``(len(seeds), ...)``."""
    return np.stack([np.asarray(sampler(np.random.default_rng(s))) for s in seeds])


def return_amplitude(diagonal: np.ndarray, off_diagonal: np.ndarray, t: float,
                     tol: float = RETURN_AMPLITUDE_TOL) -> complex:
    r"""The return amplitude :math:`\langle 0|e^{-iTt}|0\rangle` of a real symmetric
    tridiagonal matrix :math:`T` (diagonal ``a``, off-diagonal ``b >= 0``).

    Only the leading :math:`m \times m` block :math:`T_m` is diagonalised, with the smallest
    :math:`m` for which the truncation error is provably below ``tol``: by Duhamel's formula,
    :math:`|\langle0|e^{-iTt}|0\rangle - \langle0|e^{-iT_mt}|0\rangle| \le b_{m-1}\,t\,
    \sum_{k\ge m-1}(t\tau)^k/k!`, with :math:`\tau = \max|a_j| + 2\max b_j \ge \|T_m\|`
    (the amplitude reaches site :math:`m-1` only through :math:`m-1` hops). Exact
    (:math:`m = D`) when no smaller block qualifies.
    """
    a = np.asarray(diagonal, dtype=float)
    b = np.asarray(off_diagonal, dtype=float)
    dim = a.size
    if dim < 1 or b.shape != (dim - 1,) or np.any(b < 0):
        raise ValueError(f"need a diagonal of length D >= 1 and D - 1 non-negative off-diagonals; "
                         f"got {a.shape} and {b.shape}")
    m = dim
    if dim > 1 and t != 0:
        k = np.arange(dim - 1)                       # truncation after site k: m = k + 1
        amax = np.maximum.accumulate(np.abs(a[:-1]))
        bmax = np.concatenate([[0.0], np.maximum.accumulate(b[:-1])])
        x = abs(t) * (amax + 2.0 * bmax)             # t * tau_m >= t * ||T_m||
        with np.errstate(divide="ignore", invalid="ignore"):
            log_tail = np.where(x > 0, k * np.log(np.where(x > 0, x, 1.0)), 0.0) - special.gammaln(k + 1.0) \
                - np.log1p(-np.minimum(x / (k + 1.0), 1.0))
            log_bound = np.log(b) + np.log(abs(t)) + log_tail
        ok = (x < k + 1.0) & (log_bound < np.log(tol))
        if np.any(ok):
            m = int(np.argmax(ok)) + 1
    if m == 1:
        return complex(np.exp(-1j * a[0] * t))
    e, v = linalg.eigh_tridiagonal(a[:m], b[: m - 1])
    return complex(np.sum(v[0] ** 2 * np.exp(-1j * e * t)))


def gue_state_tridiagonal(n_qubits: int, rng: np.random.Generator, t: float = 10.0) -> np.ndarray:
    r"""One state :math:`e^{-iHt}|0\ldots0\rangle`, :math:`H` from the GUE of
    :func:`plateaus.models.gue_states` (:math:`E|H_{ij}|^2 = 1/D`), in :math:`O(D)` work.

    Exact in law, by two facts.

    1. *Tridiagonal form* (Trotter 1984; Dumitriu and Edelman 2002). Householder reduction
       :math:`H = Q\,T\,Q^\dagger` with :math:`Q|0\rangle = |0\rangle` gives a real tridiagonal
       :math:`T` with independent entries :math:`T_{kk} \sim N(0, 1/D)` and
       :math:`T_{k,k+1} = \sqrt{\Gamma_{D-1-k}/D}`, :math:`\Gamma_j \sim \mathrm{Gamma}(j, 1)`
       (the norm of the rest of a column; the remaining block, rotated by a :math:`Q` that
       depends on that column only, is again GUE by unitary invariance). So the return
       amplitude :math:`\alpha = \langle 0|e^{-iHt}|0\rangle = \langle 0|e^{-iTt}|0\rangle`
       (:func:`return_amplitude`).
    2. *Invariance*. For every unitary :math:`W` with :math:`W|0\rangle = |0\rangle`,
       :math:`W e^{-iHt}|0\rangle = e^{-iWHW^\dagger t}|0\rangle` has the law of
       :math:`e^{-iHt}|0\rangle` (:math:`WHW^\dagger \sim H`). Applying an independent Haar
       :math:`W` on :math:`|0\rangle^\perp` shows that the state is
       :math:`\alpha|0\rangle + \sqrt{1 - |\alpha|^2}\,|\phi\rangle` with :math:`|\phi\rangle`
       uniform on the unit sphere of :math:`|0\rangle^\perp` and independent of :math:`\alpha`.

    Draws, in this order: ``D`` normals (diagonal), ``D - 1`` gamma variates, ``2(D - 1)``
    normals (:math:`\phi`). Returns a ``(D,)`` complex unit vector.
    """
    if isinstance(n_qubits, bool) or not isinstance(n_qubits, (int, np.integer)) or n_qubits < 1:
        raise ValueError(f"n_qubits = {n_qubits!r} is not allowed; expected an integer >= 1")
    if isinstance(t, bool) or not isinstance(t, (int, float, np.integer, np.floating)) or not np.isfinite(t):
        raise ValueError(f"t = {t!r} is not allowed; expected a finite real number")
    dim = 2**n_qubits
    a = rng.standard_normal(dim) / np.sqrt(dim)
    b = np.sqrt(rng.gamma(np.arange(dim - 1, 0, -1, dtype=float)) / dim)
    g = rng.standard_normal((dim - 1, 2)).view(complex)[:, 0]
    alpha = return_amplitude(a, b, t)
    psi = np.empty(dim, dtype=complex)
    psi[0] = alpha
    psi[1:] = np.sqrt(max(0.0, 1.0 - abs(alpha) ** 2)) * g / np.linalg.norm(g)
    return psi


def boltzmann_visible_states(n_visible: int, n_hidden: int, J: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Visible states of the operator-norm-normalised Boltzmann machine, and the norms.

    The same states as ``BoltzmannMachine.reduced_state(BoltzmannMachine.normalise(J))``
    (Fig. 4(c)), from a single batched ``eigh`` of the sampled :math:`H(J)`: the normalised
    Hamiltonian :math:`H/\|H\|_\infty` has the same eigenvectors :math:`v_k` and the
    eigenvalues :math:`E_k/\|H\|_\infty`, :math:`\|H\|_\infty = \max_k|E_k|`, and

    .. math:: \rho_v = \sum_k p_k\,\mathrm{Tr}_h|v_k\rangle\langle v_k| = \sum_k p_k V_kV_k^\dagger,
              \qquad p_k \propto e^{-(E_k - E_{min})/\|H\|_\infty},

    with :math:`V_k` the :math:`D_v \times D_h` reshape of :math:`v_k`: :math:`O(D^2)` work
    after the ``eigh``, no :math:`D \times D` product.

    Parameters
    ----------
    J : ndarray, shape (B, K)
        Sampled (unnormalised) coefficients of the Eq. (11) terms on ``n_visible + n_hidden``
        qubits.

    Returns
    -------
    rho_v : ndarray, shape (B, D_v, D_v)
    norms : ndarray, shape (B,)
        :math:`\|H(J)\|_\infty`.
    """
    qbm = BoltzmannMachine(n_visible, n_hidden)
    J = np.atleast_2d(J)
    dim = qbm.d_visible * qbm.d_hidden
    rho = np.empty((J.shape[0], qbm.d_visible, qbm.d_visible), dtype=complex)
    norms = np.empty(J.shape[0])
    step = max(1, BOLTZMANN_CHUNK_AMPLITUDES // dim**2)  # bounded memory whatever the batch
    for start in range(0, J.shape[0], step):
        part = slice(start, start + step)
        e, v = np.linalg.eigh(qbm.hamiltonian(J[part]))
        norms[part] = np.abs(e).max(axis=-1)
        if np.any(norms[part] == 0):
            bad = (start + np.flatnonzero(norms[part] == 0)).tolist()
            raise ValueError(f"J gives H(J) = 0 for instance(s) {bad}; it cannot be normalised")
        p = np.exp(-(e - e[:, :1]) / norms[part, None])
        p /= p.sum(axis=-1, keepdims=True)
        # rows of v are basis indices (i, h): W[b, i, (h, k)] = v[b, (i, h), k] sqrt(p_k); rho_v = W W^dag
        w = (v * np.sqrt(p)[:, None, :]).reshape(v.shape[0], qbm.d_visible, -1)
        rho[part] = w @ np.conj(np.swapaxes(w, -1, -2))
    return rho, norms


def visible_states(
    model: str,
    n_visible: int,
    n_hidden: int,
    seeds: Sequence[np.random.SeedSequence],
    *,
    t: float = 10.0,
    theta_low: float = 0.0,
    theta_high: float = 1.0,
    onsite_var: float = 0.01,
    offsite_var: float = 1.0,
    gue_method: str = "eigh",
) -> np.ndarray:
    r"""Visible states :math:`\rho_v`, shape ``(len(seeds), D_v, D_v)``, of one model.

    * ``haar``: Haar-random pure states;
    * ``gue``: :math:`e^{-iHt}|0\ldots0\rangle`, :math:`H` from the GUE (Figs. 3(a), 4(a));
    * ``unitary``, ``unitary-reversed-order``, ``unitary-random-order``: the unitary model
      with :math:`\theta_j \sim U[\theta_{low}, \theta_{high})` (Fig. 4(b)), gates in the
      Eq. (11) order, in its reverse, or in an order drawn per instance;
    * ``boltzmann``: :math:`e^{-H}/Z` with the couplings of
      :func:`plateaus.models.sample_couplings` (one row per seed), normalised by
      the operator norm :math:`\|H\|_\infty` (Fig. 4(c)).

    ``gue_method``: ``"eigh"`` (:func:`plateaus.models.gue_states`, a dense ``eigh`` per
    instance) or ``"tridiagonal"`` (:func:`gue_state_tridiagonal`: the same law in
    :math:`O(D)` work, but different draws from the same seed).
    """
    if model not in ENSEMBLES:
        raise ValueError(f"model = {model!r} is not allowed; expected one of {', '.join(ENSEMBLES)}")
    if gue_method not in GUE_METHODS:
        raise ValueError(f"gue_method = {gue_method!r} is not allowed; expected one of {', '.join(GUE_METHODS)}")
    n = n_visible + n_hidden
    if model == "haar":
        states = draw(seeds, lambda rng: haar_states(n, 1, rng)[0])
        return reduced_state(states, n_visible)
    if model == "gue" and gue_method == "tridiagonal":
        states = draw(seeds, lambda rng: gue_state_tridiagonal(n, rng, t=t))
        return reduced_state(states, n_visible)
    if model == "gue":
        states = draw(seeds, lambda rng: gue_states(n, 1, rng, t=t)[0])
        return reduced_state(states, n_visible)
    if model in UNITARY_ORDERS:
        qnn = UnitaryQNN(n_visible, n_hidden)
        theta, order = qnn.sample_instances(seeds, theta_range=(theta_low, theta_high),
                                            order=UNITARY_ORDERS[model])
        return qnn.reduced_state(theta, order=order)
    qbm = BoltzmannMachine(n_visible, n_hidden)
    J = draw(seeds, lambda rng: sample_couplings(qbm.terms, 1, rng, onsite_var, offsite_var)[0])
    return qbm.reduced_state(qbm.normalise(J))
