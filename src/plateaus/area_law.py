r"""An area-law unitary network: nearest-neighbour Pauli rotations on a line, fixed depth.

The paper's conclusion names *area-law entanglement* as the first way out of the plateau:
Proposition 1 bounds every visible objective by :math:`\sqrt{2(\ln D_v - S(\rho_v))}`, which
is small only when the visible entropy approaches its maximum. A network whose entanglement
across the visible/hidden cut stays bounded, whatever the number of hidden qubits, escapes
that bound. This module builds one from the same Pauli rotations as the unitary model of
Section VI (:class:`plateaus.models.UnitaryQNN`), keeping only the terms of Eq. (11) that act
on one qubit or on two *neighbouring* qubits of a line, arranged in ``layers`` brickwork layers:

.. code-block:: text

    layer:  on-site X, Y, Z on every qubit 0..n-1
            then the 9 Pauli pairs sigma^a_i sigma^b_{i+1} on the even bonds (0,1), (2,3), ...
            then the 9 Pauli pairs on the odd bonds (1,2), (3,4), ...

The visible qubits are the first ``n_visible`` ones, at one end of the line. The depth is
``layers`` and does not grow with ``n_hidden``.

Two exact facts follow (and are tested):

* **Bounded entanglement.** The only bond across the cut is :math:`(n_v - 1, n_v)`; each
  layer applies 9 rotations on it, which together form one two-qubit unitary of operator
  Schmidt rank at most 4. So the Schmidt rank across the cut is at most :math:`4^{L}` and
  :math:`S(\rho_v) \le \min(2L\ln 2,\ n_v \ln 2)` for ``layers = L``.
* **A light cone.** Gates outside the backward light cone of the visible qubits cancel in
  :math:`\rho_v`. In the brickwork order above, the cone of the visible qubits holds
  :func:`light_cone_hidden` hidden qubits (:math:`2L - 1` for :math:`n_v = 3`). For
  :math:`n_h` at least that, :math:`\rho_v` and every derivative of a visible objective have a
  law that does not depend on :math:`n_h` (when the angles are i.i.d.); the derivatives of
  the gates outside the cone vanish (to round-off).
"""
from __future__ import annotations

import numpy as np

from .models import UnitaryQNN

__all__ = ["brickwork_terms", "area_law_qnn", "backward_light_cone", "light_cone_hidden"]


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} = {value!r} is not allowed; expected an integer >= {minimum}")
    return int(value)


def _label(n: int, letters: dict[int, str]) -> str:
    out = ["I"] * n
    for q, a in letters.items():
        out[q] = a
    return "".join(out)


def brickwork_terms(n_qubits: int, layers: int) -> tuple[str, ...]:
    r"""Pauli labels of the area-law network, in the order the gates are applied.

    Per layer: ``3 n`` on-site terms (qubit by qubit, X, Y, Z), then ``9`` terms
    :math:`\sigma_i^a\sigma_{i+1}^b` (``a, b`` in X, Y, Z) per even bond ``(i, i+1)``,
    ``i = 0, 2, ...``, then per odd bond. A label may appear once per layer; each occurrence
    is its own parameter.

    Parameters
    ----------
    n_qubits : int, >= 2
    layers : int, >= 1

    Returns
    -------
    tuple of str, length ``layers * (3 n + 9 (n - 1))``
    """
    n = _check_int("n_qubits", n_qubits, 2)
    layers = _check_int("layers", layers, 1)
    layer = [_label(n, {q: a}) for q in range(n) for a in "XYZ"]
    for start in (0, 1):
        for i in range(start, n - 1, 2):
            layer += [_label(n, {i: a, i + 1: b}) for a in "XYZ" for b in "XYZ"]
    return tuple(layer) * layers


def area_law_qnn(n_visible: int, n_hidden: int, layers: int) -> UnitaryQNN:
    r"""The area-law network as a :class:`~plateaus.models.UnitaryQNN` with brickwork terms.

    Its gates are applied in the order of :func:`brickwork_terms` (the model's default
    order); ``theta[k]`` belongs to the ``k``-th label. Every method of
    :class:`~plateaus.models.UnitaryQNN` (``state``, ``reduced_state``, ``gradient`` with
    the exact adjoint sweep) applies unchanged.

    Parameters
    ----------
    n_visible : int, >= 1
    n_hidden : int, >= 1
    layers : int, >= 1
    """
    n_visible = _check_int("n_visible", n_visible, 1)
    n_hidden = _check_int("n_hidden", n_hidden, 1)
    return UnitaryQNN(n_visible, n_hidden, terms=brickwork_terms(n_visible + n_hidden, layers))


def backward_light_cone(terms, n_visible: int) -> set[int]:
    """Qubits whose gates can affect the visible state, for gates applied in ``terms`` order.

    Walks the gates backwards from the end with the set of visible qubits; a gate that touches
    the set adds its support. Gates that never touch the set commute past the end and cancel
    in the partial trace over the other qubits.

    Parameters
    ----------
    terms : sequence of str
        Pauli labels in the order of application.
    n_visible : int

    Returns
    -------
    set of int
    """
    n_visible = _check_int("n_visible", n_visible, 1)
    cone = set(range(n_visible))
    for label in reversed(tuple(terms)):
        support = {q for q, a in enumerate(label) if a != "I"}
        if support & cone:
            cone |= support
    return cone


def light_cone_hidden(n_visible: int, layers: int) -> int:
    r"""Hidden qubits in the backward light cone of the visible ones, for :func:`brickwork_terms`.

    Computed by :func:`backward_light_cone` on a line long enough not to cut the cone. Each
    layer widens the cone by one qubit per bond parity, except that the bond applied last
    cannot widen it; so the count is :math:`2L - 1` when the bond across the cut is even
    (:math:`n_v` odd, e.g. :math:`n_v = 3`) and :math:`2L` when it is odd.
    """
    n_visible = _check_int("n_visible", n_visible, 1)
    layers = _check_int("layers", layers, 1)
    n = n_visible + 2 * layers + 2
    return len(backward_light_cone(brickwork_terms(n, layers), n_visible)) - n_visible
