r"""Objectives of the visible state :math:`\rho_v`: value and derivative.

Every objective ``obj`` has

* ``obj.value(rho_v)``: real values, shape ``rho_v.shape[:-2]`` (batched over leading axes);
* ``obj.derivative(rho_v)``: Hermitian :math:`G`, shape ``rho_v.shape``, with

  .. math::

      F(\rho + d) = F(\rho) + \mathrm{Re\,Tr}(G\,d) + o(\|d\|)

  for Hermitian :math:`d`. The adjoint sweep of the unitary network
  (:func:`plateaus.adjoint.adjoint_gradient`) and the thermal derivatives consume :math:`G`.

The paper's objectives (Section VI, Fig. 3): the fidelity to a fixed thermal target, the
trace distance (through the sensitivity of the Boltzmann machine), and, for its theorems, an
observable :math:`\mathrm{Tr}(O\rho_v)`; the conclusion's remedy is the quantum relative entropy
:math:`S(\rho_{\rm train}\,\|\,\rho_v)` of generative pretraining.
"""
from __future__ import annotations

import numpy as np


_HERMITIAN_ATOL = 1e-10


def _dagger(a: np.ndarray) -> np.ndarray:
    return np.conj(np.swapaxes(a, -1, -2))


def _check_operator(name: str, op, *, hermitian: bool = True) -> np.ndarray:
    """A square 2-D matrix of finite numbers, Hermitian to ``1e-10 * max(1, ||op||)``."""
    try:
        op = np.asarray(op, dtype=complex)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a square numeric matrix, got {op!r}") from exc
    if op.ndim != 2 or op.shape[0] != op.shape[1] or op.shape[0] == 0:
        raise ValueError(f"{name} must be a square 2-D matrix, got shape {op.shape}")
    if not np.all(np.isfinite(op)):
        raise ValueError(f"{name} must have finite entries")
    if hermitian:
        scale = max(1.0, float(np.abs(op).max()))
        err = float(np.abs(op - op.conj().T).max())
        if err > _HERMITIAN_ATOL * scale:
            raise ValueError(
                f"{name} must be Hermitian; max |{name} - {name}^dagger| = {err:.3g} "
                f"exceeds {_HERMITIAN_ATOL:g} * max(1, max|{name}|)"
            )
        op = 0.5 * (op + op.conj().T)
    return op


def _check_density(name: str, rho, atol: float = 1e-8) -> np.ndarray:
    """A density matrix: Hermitian, positive semidefinite (to ``-atol``) and of unit trace."""
    rho = _check_operator(name, rho)
    tr = np.trace(rho).real
    if abs(tr - 1.0) > atol:
        raise ValueError(f"{name} must have trace 1, got trace {tr:.12g}")
    w_min = float(np.linalg.eigvalsh(rho)[0])
    if w_min < -atol:
        raise ValueError(f"{name} must be positive semidefinite, smallest eigenvalue {w_min:.3g}")
    return rho


class Objective:
    """Base class: a function of ``(..., dim, dim)`` visible states with a derivative."""

    #: Dimension :math:`D_v` of the visible states the objective accepts.
    dim: int

    def _check_rho(self, rho_v) -> np.ndarray:
        rho_v = np.asarray(rho_v)
        if rho_v.ndim < 2 or rho_v.shape[-1] != rho_v.shape[-2]:
            raise ValueError(f"rho_v must have shape (..., D_v, D_v), got {rho_v.shape}")
        if rho_v.shape[-1] != self.dim:
            raise ValueError(
                f"rho_v is {rho_v.shape[-1]}-dimensional but {type(self).__name__} was built "
                f"for dimension {self.dim}"
            )
        return rho_v

    def value(self, rho_v) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def derivative(self, rho_v) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def __call__(self, rho_v) -> np.ndarray:
        return self.value(rho_v)


class Observable(Objective):
    r"""Expectation value of an observable on the visible qubits, :math:`F = \mathrm{Tr}(O\rho_v)`.

    The objective of Proposition 1, Proposition 2 and Theorem 3 (the paper bounds
    :math:`|\mathrm{Tr}[(O\otimes I)(\rho - I/D)]|`). Linear, so the derivative is
    :math:`G = O`.

    Parameters
    ----------
    O : array_like, shape (D_v, D_v)
        Hermitian matrix (``ValueError`` naming ``O`` otherwise).
    """

    def __init__(self, O):
        self.O = _check_operator("O", O)
        self.dim = self.O.shape[0]

    def value(self, rho_v) -> np.ndarray:
        """:math:`\\mathrm{Re\\,Tr}(O\\rho_v)`, shape ``rho_v.shape[:-2]``."""
        rho_v = self._check_rho(rho_v)
        return np.einsum("ij,...ji->...", self.O, rho_v).real

    def derivative(self, rho_v) -> np.ndarray:
        """:math:`G = O` for every instance."""
        rho_v = self._check_rho(rho_v)
        return np.broadcast_to(self.O, rho_v.shape).copy()


class Fidelity(Objective):
    r"""Uhlmann fidelity to a fixed target.

    .. math::

        F(\rho_v, \sigma) = \left(\mathrm{Tr}\sqrt{\sqrt\sigma\,\rho_v\sqrt\sigma}\right)^2 .

    The objective of Fig. 3(b) (there :math:`\sigma = e^{-H}/Z` a thermal state of a random
    2-local Hamiltonian on the visible qubits).

    Value. With :math:`M = \sqrt\sigma\rho\sqrt\sigma = W\mathrm{diag}(m)W^\dagger`,
    :math:`F = (\sum_i \sqrt{m_i})^2` over the eigenvalues above ``rtol`` times the largest
    (the support of :math:`M`), clipped to :math:`[0, 1]`. This equals
    :func:`plateaus.measures.fidelity` (:math:`\|\sqrt\rho\sqrt\sigma\|_1^2`) to round-off
    for full-rank states, and is used instead of it because the square root of a
    rank-deficient :math:`\rho_v` turns the :math:`\sim\epsilon` round-off of its zero
    eigenvalues into :math:`\sim\sqrt\epsilon \approx 10^{-8}` errors of the value. The
    visible state of a network with fewer hidden than visible qubits has rank
    :math:`\le D_h < D_v` (Fig. 3(b) at :math:`n_h = 1, 2`), and finite differences of such
    values with step :math:`10^{-5}` would be wrong by :math:`\sim 10^{-3}`; with the cut-off
    the value is smooth and consistent with :meth:`derivative`.

    Derivative. :math:`d\,\mathrm{Tr}\sqrt M = \tfrac12\mathrm{Tr}(M^{-1/2} dM)` and
    :math:`dM = \sqrt\sigma\,d\rho\,\sqrt\sigma`, so

    .. math::

        dF = \sqrt F\,\mathrm{Tr}\!\left(M^{-1/2}\sqrt\sigma\,d\rho\,\sqrt\sigma\right),
        \qquad G = \sqrt F\,\sqrt\sigma\,M^{-1/2}\sqrt\sigma ,

    with :math:`M^{-1/2}` the pseudo-inverse square root on the support of :math:`M`.

    Rank-deficient states. The value stays correct and in :math:`[0, 1]` for any pair of
    states. If :math:`\sigma` is rank-deficient and :math:`\rho_v` has full rank, :math:`M` has
    the rank of :math:`\sigma` and :math:`F` is smooth: :math:`G` is its exact derivative. If
    :math:`\rho_v` is rank-deficient (pure, or any network with :math:`n_h < n_v`), :math:`F`
    is not differentiable in directions that raise the rank (it grows like
    :math:`\sqrt{|t|}` there); :math:`G` is the derivative of the restriction to the support
    of :math:`M`, which is exact along perturbations that keep the rank, as every
    perturbation of a network's parameters does (:math:`\rho_v = \Psi\Psi^\dagger` with
    :math:`\Psi` of size :math:`D_v\times D_h`). For a pure state,
    :math:`G = \sigma|\psi\rangle\langle\psi|\sigma / \langle\psi|\sigma|\psi\rangle`.

    Parameters
    ----------
    target : array_like, shape (D_v, D_v)
        Density matrix :math:`\sigma`: Hermitian, positive semidefinite, trace 1
        (``ValueError`` naming ``target`` otherwise).
    rtol : float
        Relative eigenvalue cut-off defining the supports of :math:`\sigma` and :math:`M`
        (default ``1e-12``, four orders above the round-off of ``eigh``; an eigenvalue of
        :math:`M` below it would add at most :math:`10^{-6}\sqrt{\max m}` to
        :math:`\mathrm{Tr}\sqrt M`).
    """

    def __init__(self, target, rtol: float = 1e-12):
        self.target = _check_density("target", target)
        self.dim = self.target.shape[0]
        if isinstance(rtol, bool) or not isinstance(rtol, (float, int)) or not 0 < rtol < 1:
            raise ValueError(f"rtol must be a float in (0, 1), got {rtol!r}")
        self.rtol = float(rtol)
        w, v = np.linalg.eigh(self.target)
        w = np.where(w > self.rtol * w.max(), w, 0.0)
        self.sqrt_target = (v * np.sqrt(w)) @ v.conj().T

    def _check_rho(self, rho_v) -> np.ndarray:
        rho_v = np.asarray(rho_v)
        if rho_v.ndim >= 2 and rho_v.shape[-1] == rho_v.shape[-2] and rho_v.shape[-1] != self.dim:
            raise ValueError(
                f"target is {self.dim}-dimensional but rho_v is {rho_v.shape[-1]}-dimensional"
            )
        return super()._check_rho(rho_v)

    def _spectrum(self, rho_v):
        """Eigen-decomposition of M on its support: (eigenvectors, sqrt m, 1/sqrt m) (0 off it)."""
        s = self.sqrt_target
        m = s @ rho_v @ s
        w, v = np.linalg.eigh(0.5 * (m + _dagger(m)))
        keep = w > self.rtol * np.maximum(w[..., -1:], 0.0)
        keep &= w > 0
        root = np.sqrt(np.where(keep, w, 0.0))
        inv_root = np.where(keep, 1.0 / np.where(keep, root, 1.0), 0.0)
        return v, root, inv_root

    def value(self, rho_v) -> np.ndarray:
        """Uhlmann fidelity, shape ``rho_v.shape[:-2]``, in [0, 1]."""
        rho_v = self._check_rho(rho_v)
        _, root, _ = self._spectrum(rho_v)
        return np.clip(root.sum(axis=-1) ** 2, 0.0, 1.0)

    def derivative(self, rho_v) -> np.ndarray:
        r""":math:`G = \sqrt F\,\sqrt\sigma M^{-1/2}\sqrt\sigma`, shape ``rho_v.shape``."""
        rho_v = self._check_rho(rho_v)
        v, root, inv_root = self._spectrum(rho_v)
        s = self.sqrt_target
        inner = (v * inv_root[..., None, :]) @ _dagger(v)
        g = root.sum(axis=-1)[..., None, None] * (s @ inner @ s)
        return 0.5 * (g + _dagger(g))


def _log_divided_differences(w: np.ndarray) -> np.ndarray:
    r"""First divided differences of :math:`\ln`: :math:`L_{ij} = (\ln w_i - \ln w_j)/(w_i - w_j)`.

    Computed as :math:`L_{ij} = \frac{2}{w_i + w_j}\,\frac{\operatorname{artanh} u}{u}` with
    :math:`u = (w_i - w_j)/(w_i + w_j)`, since :math:`\ln(w_i/w_j) = 2\operatorname{artanh} u`;
    the factor :math:`\operatorname{artanh}(u)/u` is replaced by its series
    :math:`1 + u^2/3 + u^4/5` for :math:`|u| < 10^{-4}`, so near-equal eigenvalues lose no
    digits and the diagonal is :math:`1/w_i`. ``w``: ``(..., d)`` positive; returns
    ``(..., d, d)``.
    """
    wi, wj = w[..., :, None], w[..., None, :]
    total = wi + wj
    u = (wi - wj) / total
    small = np.abs(u) < 1e-4
    safe_u = np.where(small, 0.5, u)
    ratio = np.where(small, 1.0 + u**2 / 3.0 + u**4 / 5.0, np.arctanh(safe_u) / safe_u)
    return 2.0 * ratio / total


class RelativeEntropy(Objective):
    r"""Quantum relative entropy of the data to the model, in nats.

    .. math::

        S(\rho_{\rm data}\,\|\,\rho_v) = \mathrm{Tr}\,\rho_{\rm data}\ln\rho_{\rm data}
        - \mathrm{Tr}\,\rho_{\rm data}\ln\rho_v .

    The non-linear objective of generative pretraining that the paper's conclusion offers as a
    way out of the plateau (Section VII; Wiebe & Wossnig 2019, Kieferova et al. 2021). Minimal,
    zero, at :math:`\rho_v = \rho_{\rm data}`.

    Derivative (Daleckii-Krein). With :math:`\rho_v = V\,\mathrm{diag}(w)\,V^\dagger`, the
    Frechet derivative of the logarithm is
    :math:`D\ln[\rho](d) = V\,(L\circ V^\dagger d V)\,V^\dagger`,
    :math:`L_{ij} = (\ln w_i - \ln w_j)/(w_i - w_j)` (:math:`1/w_i` on the diagonal). It is
    self-adjoint under the trace inner product, so

    .. math::

        G = -V\left(L \circ V^\dagger\rho_{\rm data}V\right)V^\dagger .

    Singular :math:`\rho_v`. Eigenvalues of :math:`\rho_v` at or below
    ``rtol * max(w)`` count as zero: the value is :math:`+\infty` if :math:`\rho_{\rm data}` has
    weight (above ``rtol``) on their eigenvectors, and those eigenvectors are ignored
    otherwise (:math:`0 \ln 0 = 0`). The derivative needs :math:`\rho_v` positive definite and
    raises ``ValueError`` otherwise (it is unbounded there).

    Parameters
    ----------
    data : array_like, shape (D_v, D_v)
        The training state :math:`\rho_{\rm data}` (a density matrix).
    rtol : float
        Relative eigenvalue cut-off for "zero" eigenvalues of :math:`\rho_v`.
    """

    def __init__(self, data, rtol: float = 1e-13):
        self.data = _check_density("data", data)
        self.dim = self.data.shape[0]
        if isinstance(rtol, bool) or not isinstance(rtol, (float, int)) or not 0 < rtol < 1:
            raise ValueError(f"rtol must be a float in (0, 1), got {rtol!r}")
        self.rtol = float(rtol)
        w = np.clip(np.linalg.eigvalsh(self.data), 0.0, None)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(w > 0, w * np.log(np.where(w > 0, w, 1.0)), 0.0)
        self.neg_entropy = float(terms.sum())

    def value(self, rho_v) -> np.ndarray:
        r""":math:`S(\rho_{\rm data}\|\rho_v)` in nats, shape ``rho_v.shape[:-2]``."""
        rho_v = self._check_rho(rho_v)
        w, v = np.linalg.eigh(rho_v)
        weights = np.einsum("...ki,kl,...li->...i", v.conj(), self.data, v).real
        zero = w <= self.rtol * w[..., -1:]
        logw = np.log(np.where(zero, 1.0, w))
        cross = np.where(zero, 0.0, weights * logw).sum(axis=-1)
        infinite = np.any(zero & (weights > self.rtol), axis=-1)
        return np.where(infinite, np.inf, self.neg_entropy - cross)

    def derivative(self, rho_v) -> np.ndarray:
        r""":math:`G = -V(L\circ V^\dagger\rho_{\rm data}V)V^\dagger`, shape ``rho_v.shape``."""
        rho_v = self._check_rho(rho_v)
        w, v = np.linalg.eigh(rho_v)
        if np.any(w <= self.rtol * w[..., -1:]):
            raise ValueError(
                "rho_v must be positive definite for the derivative of the relative entropy "
                f"(smallest eigenvalue {float(w[..., 0].min()):.3g})"
            )
        a = _dagger(v) @ self.data @ v
        g = -(v @ (_log_divided_differences(w) * a) @ _dagger(v))
        return 0.5 * (g + _dagger(g))


__all__ = ["Objective", "Observable", "Fidelity", "RelativeEntropy"]
