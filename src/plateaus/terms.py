r"""Pauli strings and the 2-local term set of Eq. (11).

Conventions (a contract, see the book's *Models* chapter):

* qubit 0 is the most significant bit of a basis-state index (``np.kron(q0, q1, ...)``);
* a Pauli label is a string over ``IXYZ``, one letter per qubit, qubit 0 first.

A Pauli string never becomes a :math:`2^n \times 2^n` matrix here. Acting on a basis state,

.. math::

    P\,|b\rangle = i^{n_Y}\,(-1)^{|b \wedge z|}\,|b \oplus x\rangle ,

where ``x`` marks the qubits carrying X or Y (bit flips), ``z`` those carrying Y or Z (signs)
and :math:`n_Y` counts the Ys. So :math:`P\psi` is a permutation of the amplitudes times a
phase vector, applied to a whole batch of state vectors in one gather.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations, product

import numpy as np

PAULI_LETTERS = "IXYZ"
_SINGLE = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}


def two_local_terms(n: int) -> tuple[str, ...]:
    r"""The Pauli labels of the random 2-local Hamiltonian, Eq. (11) of the paper.

    .. math::

        H = \sum_i \sum_a J_i^a \sigma_i^a + \sum_{i<j} \sum_{a,b} J_{ij}^{ab}\sigma_i^a\sigma_j^b ,
        \qquad a, b \in \{x, y, z\}.

    Order: on-site terms for qubit ``i = 0..n-1`` and ``a`` in X, Y, Z; then off-site terms
    for pairs ``i < j`` in lexicographic order and ``a, b`` in X, Y, Z. There are
    :math:`3n + 9n(n-1)/2` of them.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer number of qubits, got {n!r}")
    n = int(n)
    labels = []
    for i in range(n):
        for a in "XYZ":
            label = ["I"] * n
            label[i] = a
            labels.append("".join(label))
    for i, j in combinations(range(n), 2):
        for a, b in product("XYZ", repeat=2):
            label = ["I"] * n
            label[i], label[j] = a, b
            labels.append("".join(label))
    return tuple(labels)


def check_label(label: str, n_qubits: int | None = None) -> str:
    """Validate a Pauli label; return it unchanged."""
    if not isinstance(label, str) or not label or set(label) - set(PAULI_LETTERS):
        raise ValueError(f"Pauli label must be a non-empty string over 'IXYZ', got {label!r}")
    if n_qubits is not None and len(label) != n_qubits:
        raise ValueError(
            f"Pauli label {label!r} has {len(label)} letters; expected one per qubit ({n_qubits})"
        )
    return label


def check_labels(labels, n_qubits: int | None = None, name: str = "labels") -> tuple[str, ...]:
    """Validate a non-empty sequence of Pauli labels of one length (``n_qubits`` if given)."""
    if isinstance(labels, str) or not hasattr(labels, "__iter__"):
        raise ValueError(f"{name} must be a sequence of Pauli labels, got {labels!r}")
    labels = tuple(labels)
    if not labels:
        raise ValueError(f"{name} must hold at least one Pauli label, got an empty sequence")
    n = len(check_label(labels[0])) if n_qubits is None else n_qubits
    for label in labels:
        try:
            check_label(label, n)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    return labels


#: The classes of a term :math:`h_v \otimes h_h` with respect to the cut between the first
#: ``n_visible`` (visible) qubits and the others (hidden); see :func:`term_classes`.
TERM_CLASSES = ("visible", "across", "hidden")


def term_classes(labels, n_visible: int) -> np.ndarray:
    r"""The class of every term with respect to the visible/hidden cut (:data:`TERM_CLASSES`).

    A term :math:`h_v \otimes h_h` is ``"visible"`` when it acts on the first ``n_visible``
    qubits only (:math:`h_h = I`), ``"hidden"`` when it acts on the other qubits only
    (:math:`h_v = I`) and ``"across"`` when it acts on both sides of the cut. The identity acts
    on no qubit and has no class (``ValueError``). Of the :func:`two_local_terms` on
    :math:`n_v + n_h` qubits, :math:`3n_v + 9\binom{n_v}{2}` are visible,
    :math:`9 n_v n_h` across and :math:`3n_h + 9\binom{n_h}{2}` hidden.

    Parameters
    ----------
    labels : sequence of str
        Pauli labels of one length :math:`n`.
    n_visible : int
        Number of visible qubits, ``1..n``.

    Returns
    -------
    ndarray of str, shape ``(len(labels),)``
    """
    labels = check_labels(labels)
    n_qubits = len(labels[0])
    if isinstance(n_visible, bool) or not isinstance(n_visible, (int, np.integer)) \
            or not 1 <= n_visible <= n_qubits:
        raise ValueError(f"n_visible = {n_visible!r} is not allowed; expected an integer in 1..{n_qubits}")
    n_visible = int(n_visible)
    out = []
    for label in labels:
        on_v = any(c != "I" for c in label[:n_visible])
        on_h = any(c != "I" for c in label[n_visible:])
        if not (on_v or on_h):
            raise ValueError(f"term {label!r} is the identity; it has no class")
        out.append("across" if on_v and on_h else "hidden" if on_h else "visible")
    return np.array(out)


@dataclass(frozen=True)
class PauliString:
    """A Pauli string as a permutation of basis states and a phase per basis state.

    ``(P @ psi)[..., c] == phase[c] * psi[..., perm[c]]`` for every basis index ``c``.
    """

    label: str
    x_mask: int
    z_mask: int
    perm: np.ndarray
    phase: np.ndarray

    @property
    def n_qubits(self) -> int:
        return len(self.label)

    def apply(self, states: np.ndarray) -> np.ndarray:
        r"""Return :math:`P\psi` for a batch ``states`` of shape ``(..., 2**n)``."""
        return self.phase * states[..., self.perm]

    def matrix(self) -> np.ndarray:
        """The dense ``(2**n, 2**n)`` matrix; for tests and small checks only."""
        return pauli_matrix(self.label)


@lru_cache(maxsize=4096)
def pauli_string(label: str) -> PauliString:
    """Build (and cache) the permutation-and-phase form of a Pauli label."""
    check_label(label)
    n = len(label)
    x_mask = z_mask = 0
    n_y = 0
    for q, letter in enumerate(label):
        bit = 1 << (n - 1 - q)
        if letter in "XY":
            x_mask |= bit
        if letter in "YZ":
            z_mask |= bit
        n_y += letter == "Y"
    index = np.arange(2**n)
    perm = index ^ x_mask
    # P|b> = i^nY (-1)^{|b & z|} |b ^ x>, so (P psi)[c] = i^nY (-1)^{|(c^x) & z|} psi[c^x].
    parity = _popcount(perm & z_mask) & 1
    phase = (1j**n_y) * (1 - 2 * parity)
    phase = phase.astype(complex)
    perm.setflags(write=False)
    phase.setflags(write=False)
    return PauliString(label, x_mask, z_mask, perm, phase)


def apply_pauli(label: str, states: np.ndarray) -> np.ndarray:
    r"""Apply the Pauli string ``label`` to a batch of state vectors ``(..., 2**n)``."""
    p = pauli_string(label)
    states = np.asarray(states)
    if states.shape[-1] != 2**p.n_qubits:
        raise ValueError(
            f"states have last dimension {states.shape[-1]}; label {label!r} needs {2**p.n_qubits}"
        )
    return p.apply(states)


def pauli_matrix(label: str) -> np.ndarray:
    """Dense matrix of a Pauli label (Kronecker product, qubit 0 first). Small n only."""
    check_label(label)
    out = np.ones((1, 1), dtype=complex)
    for letter in label:
        out = np.kron(out, _SINGLE[letter])
    return out


def hamiltonian_matrix(coefficients: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
    r"""Dense :math:`H = \sum_k J_k P_k`, batched over leading axes of ``coefficients``.

    ``coefficients`` has shape ``(..., len(labels))``; the result ``(..., 2**n, 2**n)``.
    Built from the permutation form, so it costs one scatter per term, not a Kronecker product.
    """
    coefficients = np.asarray(coefficients, dtype=float)
    if coefficients.shape[-1] != len(labels):
        raise ValueError(
            f"coefficients have {coefficients.shape[-1]} entries per instance; "
            f"expected one per term ({len(labels)})"
        )
    n = len(labels[0])
    dim = 2**n
    out = np.zeros(coefficients.shape[:-1] + (dim, dim), dtype=complex)
    rows = np.arange(dim)
    for k, label in enumerate(labels):
        p = pauli_string(label)
        # (P)[c, perm[c]] = phase[c]
        out[..., rows, p.perm] += coefficients[..., k, None] * p.phase
    return out


def _popcount(values: np.ndarray) -> np.ndarray:
    values = values.astype(np.int64)
    count = np.zeros_like(values)
    while np.any(values):
        count += values & 1
        values >>= 1
    return count
