r"""Families of pure states whose entanglement across the visible/hidden cut is controlled.

The paper's Proposition 1 bounds any visible objective by the entanglement entropy of the
visible qubits. To test it we need states from no entanglement to maximal entanglement:

* :func:`product_states`: :math:`|a\rangle|b\rangle`, :math:`S(\rho_v) = 0`;
* :func:`schmidt_states`: Schmidt rank exactly :math:`r` across the cut,
  :math:`S(\rho_v) \le \ln r` (equality for equal coefficients);
* :func:`brickwork_states`, :func:`random_brickwork_states`: brickwork circuits of two-qubit
  gates on a line, the visible qubits at one end; at fixed depth the visible state depends only
  on the gates in its light cone (an *area law*), while depth growing with the system size gives
  a volume law;
* :func:`plateaus.states.haar_states`: Haar-random states (volume law, Page's entropy).

And the exact quantity Proposition 1 bounds, maximised over every observable of unit norm
(:func:`max_visible_objective`), beside the bound itself (:func:`pinsker_bound`).

Conventions: the visible qubits are the first ``n_visible`` (qubit 0 is the most significant
bit), so a state vector reshapes to ``(D_v, D_h)``; entropies are in nats.

Randomness: every sampler takes ``seed`` as one seed (an int, a
:class:`numpy.random.SeedSequence` or a :class:`numpy.random.Generator`) that draws all
``size`` instances in turn, or as a sequence of ``size`` seeds, one per instance, as
:func:`plateaus.parallel.map_instances` hands them out. Instance ``i`` is then drawn from its own
generator only, so a table never depends on how instances were chunked. The random parameters
are drawn per instance; the states are then built for the whole batch at once.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .measures import entropy
from .states import as_generator

__all__ = [
    "brickwork_layout",
    "brickwork_states",
    "cut_gates",
    "cut_offset",
    "haar_isometries",
    "haar_unitaries",
    "max_visible_objective",
    "optimal_observable",
    "pinsker_bound",
    "product_states",
    "random_brickwork_states",
    "schmidt_states",
]

COEFFICIENTS = ("equal", "random")


# --------------------------------------------------------------------------- validation


def _int(name: str, value, minimum: int, maximum: int | None = None) -> int:
    bad = isinstance(value, bool) or not isinstance(value, (int, np.integer))
    if bad or value < minimum or (maximum is not None and value > maximum):
        allowed = f"an integer >= {minimum}" + (f" and <= {maximum}" if maximum is not None else "")
        raise ValueError(f"{name} = {value!r} is not allowed; expected {allowed}")
    return int(value)


def _is_seed_list(seed) -> bool:
    return isinstance(seed, (list, tuple)) or (isinstance(seed, np.ndarray) and seed.dtype == object)


def _instances(seed, size: int, sampler: Callable[[np.random.Generator], np.ndarray]) -> np.ndarray:
    """Stack ``sampler(rng)`` for ``size`` instances: one generator per seed of a list, or one
    generator drawing every instance in turn."""
    if _is_seed_list(seed):
        seeds: Sequence = list(seed)
        if len(seeds) != size:
            raise ValueError(f"seed is a list of {len(seeds)} seeds; expected one per instance ({size})")
        return np.stack([np.asarray(sampler(as_generator(s))) for s in seeds])
    rng = as_generator(seed)
    return np.stack([np.asarray(sampler(rng)) for _ in range(size)])


def _size(seed, size) -> int:
    if size is None:
        if not _is_seed_list(seed):
            raise ValueError("size = None is only allowed when seed is a list of per-instance seeds")
        return len(seed)
    return _int("size", size, 1)


# --------------------------------------------------------------------------- Haar matrices


def _haar_columns(rng: np.random.Generator, dim: int, k: int) -> np.ndarray:
    """First ``k`` columns of a Haar unitary: QR of a complex Ginibre matrix, phases fixed."""
    z = (rng.standard_normal((dim, k)) + 1j * rng.standard_normal((dim, k))) / np.sqrt(2.0)
    q, r = np.linalg.qr(z)
    d = np.diagonal(r)
    return q * (d / np.abs(d))


def haar_unitaries(dim: int, size: int | None = None, seed=None) -> np.ndarray:
    r"""``size`` Haar-random unitaries of dimension ``dim``, shape ``(size, dim, dim)``.

    The QR decomposition :math:`Z = QR` of a complex Ginibre matrix, with the phases of the
    diagonal of :math:`R` moved into :math:`Q` (Mezzadri 2007), is Haar distributed.
    """
    dim = _int("dim", dim, 1)
    size = _size(seed, size)
    return _instances(seed, size, lambda rng: _haar_columns(rng, dim, dim))


def haar_isometries(dim: int, k: int, size: int | None = None, seed=None) -> np.ndarray:
    r"""The first ``k`` columns of ``size`` Haar unitaries, shape ``(size, dim, k)``.

    Distributed as ``haar_unitaries(dim)[..., :k]`` at the cost of a ``dim x k`` QR.
    """
    dim = _int("dim", dim, 1)
    k = _int("k", k, 1, dim)
    size = _size(seed, size)
    return _instances(seed, size, lambda rng: _haar_columns(rng, dim, k))


# --------------------------------------------------------------------------- low entanglement


def _check_sizes(n_visible, n_hidden) -> tuple[int, int]:
    n_visible = _int("n_visible", n_visible, 1)
    n_hidden = _int("n_hidden", n_hidden, 0)
    if n_visible + n_hidden > 26:
        raise ValueError(f"n_visible + n_hidden = {n_visible + n_hidden} is not allowed; expected <= 26")
    return n_visible, n_hidden


def product_states(n_visible: int, n_hidden: int, size: int | None = None, seed=None) -> np.ndarray:
    r"""Product states :math:`|a\rangle \otimes |b\rangle`, :math:`a, b` Haar on each side.

    Shape ``(size, D_v D_h)``; :math:`\rho_v = |a\rangle\langle a|` is pure, :math:`S(\rho_v) = 0`.
    """
    n_visible, n_hidden = _check_sizes(n_visible, n_hidden)
    size = _size(seed, size)
    d_v, d_h = 2**n_visible, 2**n_hidden

    def sample(rng):
        a = rng.standard_normal(d_v) + 1j * rng.standard_normal(d_v)
        b = rng.standard_normal(d_h) + 1j * rng.standard_normal(d_h)
        return np.kron(a / np.linalg.norm(a), b / np.linalg.norm(b))

    return _instances(seed, size, sample)


def schmidt_states(
    n_visible: int,
    n_hidden: int,
    rank: int,
    size: int | None = None,
    seed=None,
    *,
    coefficients: str = "random",
) -> np.ndarray:
    r"""States of Schmidt rank exactly ``rank`` across the visible/hidden cut.

    .. math::

        |\psi\rangle = \sum_{k=1}^{r} \sqrt{\lambda_k}\, |a_k\rangle |b_k\rangle ,

    with :math:`\{a_k\}` and :math:`\{b_k\}` the first :math:`r` columns of Haar unitaries on
    the visible and hidden spaces. ``coefficients="equal"``: :math:`\lambda_k = 1/r`, so
    :math:`\rho_v` has :math:`r` eigenvalues :math:`1/r` and :math:`S(\rho_v) = \ln r`;
    ``"random"``: :math:`\lambda` uniform on the simplex (Dirichlet(1, ..., 1), the squared
    moduli of a Haar vector in :math:`\mathbb{C}^r`), so :math:`S(\rho_v) < \ln r` almost surely.

    Parameters
    ----------
    n_visible, n_hidden : int
        Qubits on each side; ``1 <= rank <= min(D_v, D_h)``.
    rank : int
        The Schmidt rank :math:`r`.
    size : int, optional
        Instances; may be omitted when ``seed`` is a list of per-instance seeds.
    seed : seed, or list of seeds
        See the module docstring.
    coefficients : {"random", "equal"}

    Returns
    -------
    numpy.ndarray
        ``(size, D_v D_h)`` complex, normalised.
    """
    n_visible, n_hidden = _check_sizes(n_visible, n_hidden)
    d_v, d_h = 2**n_visible, 2**n_hidden
    rank = _int("rank", rank, 1, min(d_v, d_h))
    if coefficients not in COEFFICIENTS:
        raise ValueError(
            f"coefficients = {coefficients!r} is not allowed; expected one of {', '.join(map(repr, COEFFICIENTS))}"
        )
    size = _size(seed, size)

    def sample(rng):
        a = _haar_columns(rng, d_v, rank)
        b = _haar_columns(rng, d_h, rank)
        if coefficients == "equal":
            lam = np.full(rank, 1.0 / rank)
        else:
            lam = rng.dirichlet(np.ones(rank)) if rank > 1 else np.ones(1)
        # Psi = A diag(sqrt(lambda)) B^T, row index visible, column index hidden.
        return ((a * np.sqrt(lam)) @ b.T).reshape(-1)

    return _instances(seed, size, sample)


# --------------------------------------------------------------------------- brickwork circuits


def brickwork_layout(n_qubits: int, depth: int, offset: int = 0) -> list[tuple[int, int]]:
    r"""The gates of a brickwork circuit on a line, in the order they act: ``(layer, q)`` for
    a gate on qubits ``(q, q + 1)``.

    Layer :math:`\ell = 0, 1, \ldots` holds the gates on the pairs :math:`(q, q+1)` with
    :math:`q \equiv \ell + \text{offset} \pmod 2` and :math:`q + 1 < n`: with ``offset=0``
    the even bonds first, then the odd bonds, in alternation; ``offset=1`` starts with the odd
    bonds. The visible qubits are ``0 .. n_visible - 1``, one end of the line; the families use
    ``offset = (n_visible - 1) % 2`` so that the first layer holds the gate across the cut.
    """
    n_qubits = _int("n_qubits", n_qubits, 2)
    depth = _int("depth", depth, 0)
    offset = _int("offset", offset, 0, 1)
    return [(layer, q) for layer in range(depth) for q in range((layer + offset) % 2, n_qubits - 1, 2)]


def cut_offset(n_visible: int) -> int:
    """The layout offset whose first layer holds the gate across the visible/hidden cut."""
    return (_int("n_visible", n_visible, 1) - 1) % 2


def cut_gates(n_visible: int, n_qubits: int, depth: int, offset: int = 0) -> int:
    r"""How many gates of the brickwork cross the cut between qubits ``n_visible - 1`` and
    ``n_visible``. Each can multiply the Schmidt rank by at most 4, so
    :math:`S(\rho_v) \le \min(n_v, n_h, 2 g) \ln 2` for :math:`g` crossing gates."""
    n_visible = _int("n_visible", n_visible, 1)
    n_qubits = _int("n_qubits", n_qubits, n_visible + 1)
    return sum(1 for _, q in brickwork_layout(n_qubits, depth, offset) if q == n_visible - 1)


def brickwork_states(n_qubits: int, depth: int, gates: np.ndarray, offset: int = 0) -> np.ndarray:
    r"""Apply a brickwork circuit with the given gates to :math:`|0\ldots0\rangle`.

    Parameters
    ----------
    n_qubits : int
        Length of the line, >= 2.
    depth : int
        Number of layers (see :func:`brickwork_layout`), >= 0.
    gates : array, shape ``(B, G, 4, 4)``
        One two-qubit unitary per gate of :func:`brickwork_layout`, in that order, for each of
        ``B`` instances; gate ``(layer, q)`` acts on qubits ``q`` (the more significant bit of
        its 4-dimensional index) and ``q + 1``.
    offset : {0, 1}
        Which bonds the first layer holds (see :func:`brickwork_layout`).

    Returns
    -------
    numpy.ndarray
        ``(B, 2**n_qubits)`` states, one batched matrix product per gate.
    """
    layout = brickwork_layout(n_qubits, depth, offset)
    gates = np.asarray(gates)
    if gates.ndim != 4 or gates.shape[1:] != (len(layout), 4, 4):
        raise ValueError(
            f"gates has shape {gates.shape}; expected (B, {len(layout)}, 4, 4) for a depth-{depth} "
            f"brickwork on {n_qubits} qubits"
        )
    batch = gates.shape[0]
    psi = np.zeros((batch, 2**n_qubits), dtype=complex)
    psi[:, 0] = 1.0
    for k, (_, q) in enumerate(layout):
        view = psi.reshape(batch, 2**q, 4, 2 ** (n_qubits - q - 2))
        psi = (gates[:, k, None] @ view).reshape(batch, -1)
    return psi


def random_brickwork_states(
    n_qubits: int, depth: int, size: int | None = None, seed=None, *, offset: int = 0
) -> np.ndarray:
    r"""Brickwork circuits of independent Haar-random two-qubit gates applied to
    :math:`|0\ldots0\rangle`, shape ``(size, 2**n_qubits)``.

    Each instance draws its ``len(brickwork_layout(n, depth))`` gates from its own generator
    (see the module docstring); the circuits are then applied to the whole batch at once.
    """
    layout = brickwork_layout(n_qubits, depth, offset)
    size = _size(seed, size)
    if not layout:
        psi = np.zeros((size, 2**n_qubits), dtype=complex)
        psi[:, 0] = 1.0
        return psi
    gates = _instances(seed, size, lambda rng: np.stack([_haar_columns(rng, 4, 4) for _ in layout]))
    return brickwork_states(n_qubits, depth, gates, offset)


# --------------------------------------------------------------------------- Proposition 1


def _check_states(rho_v: np.ndarray) -> np.ndarray:
    rho_v = np.asarray(rho_v)
    if rho_v.ndim < 2 or rho_v.shape[-1] != rho_v.shape[-2]:
        raise ValueError(f"rho_v must have shape (..., D_v, D_v), got {rho_v.shape}")
    return rho_v


def max_visible_objective(rho_v: np.ndarray) -> np.ndarray:
    r"""The largest :math:`|\Tr[(O \otimes I)(\rho - I/D)]|` over all :math:`\|O\|_\infty \le 1`.

    Since :math:`\Tr_h (I/D) = I/D_v`,
    :math:`\Tr[(O\otimes I)(\rho - I/D)] = \Tr[O(\rho_v - I/D_v)]`, and by Hölder's inequality
    for Schatten norms (the von Neumann trace inequality)

    .. math::

        \max_{\|O\|_\infty \le 1} |\Tr[O A]| = \|A\|_1 ,
        \qquad A = \rho_v - I/D_v ,

    attained by :math:`O = \operatorname{sign}(A)` (:func:`optimal_observable`). The maximum is
    therefore the trace norm :math:`\|\rho_v - I/D_v\|_1 = 2\,T(\rho_v, I/D_v)`, computed
    exactly from the eigenvalues, not sampled.

    ``rho_v``: ``(..., D_v, D_v)``; returns ``(...)``.
    """
    rho_v = _check_states(rho_v)
    d_v = rho_v.shape[-1]
    return np.abs(np.linalg.eigvalsh(rho_v - np.eye(d_v) / d_v)).sum(axis=-1)


def optimal_observable(rho_v: np.ndarray) -> np.ndarray:
    r"""The observable :math:`O = \operatorname{sign}(\rho_v - I/D_v) = P_+ - P_-` that attains
    :func:`max_visible_objective` (eigenvalue 0 mapped to +1); :math:`\|O\|_\infty = 1`."""
    rho_v = _check_states(rho_v)
    d_v = rho_v.shape[-1]
    w, v = np.linalg.eigh(rho_v - np.eye(d_v) / d_v)
    s = np.where(w >= 0, 1.0, -1.0)
    return (v * s[..., None, :]) @ np.conj(np.swapaxes(v, -1, -2))


def pinsker_bound(rho_v: np.ndarray, entropy_nats: np.ndarray | None = None) -> np.ndarray:
    r"""The bound of Proposition 1 for :math:`\|O\|_\infty = 1`,

    .. math::

        \sqrt{2\,(\ln D_v - S(\rho_v))} = \sqrt{2\, S(\rho_v \,\|\, I/D_v)} ,

    with the entropy in nats (quantum Pinsker: :math:`\|\rho - \sigma\|_1^2 \le 2 S(\rho\|\sigma)`
    in nats). Pass ``entropy_nats`` to reuse an entropy already computed. Round-off that makes
    :math:`\ln D_v - S` slightly negative is clipped to zero.
    """
    rho_v = _check_states(rho_v)
    s = entropy(rho_v) if entropy_nats is None else np.asarray(entropy_nats, dtype=float)
    return np.sqrt(2.0 * np.clip(np.log(rho_v.shape[-1]) - s, 0.0, None))
