r"""The three models of Section VI: the unitary network, the quantum Boltzmann machine, GUE.

Conventions (the book's contract): qubit 0 is the most significant bit of a basis index, the
visible qubits are the first ``n_visible`` and a state vector reshapes to ``(D_v, D_h)``; the
terms are the Pauli labels of Eq. (11) in :func:`plateaus.terms.two_local_terms` order.

* :class:`UnitaryQNN`: :math:`U(\theta) = e^{-i\theta_{k_N}P_{k_N}}\cdots
  e^{-i\theta_{k_1}P_{k_1}}|0\ldots0\rangle`, one rotation per term of Eq. (11) ("we
  exhaustively sample from the individual terms in Eq. (11) to construct the individual
  unitaries"). The order :math:`k_1, \ldots, k_N` is not stated in the paper: the Eq. (11)
  order by default, or any permutation, one per instance if wanted.
* :class:`BoltzmannMachine`: :math:`\rho(J) = e^{-H(J)}/\mathrm{Tr}\,e^{-H(J)}`,
  :math:`H(J) = \sum_k J_k P_k` (Sec. IV.B, Theorem 4, Figs. 3(c), 4(c)).
* :func:`gue_states`: :math:`e^{-iHt}|0\ldots0\rangle` with :math:`H` from the Gaussian
  unitary ensemble, :math:`t = 10` (Fig. 4(a)).

Every random function takes ``seed``: an int, a :class:`numpy.random.SeedSequence` or a
:class:`numpy.random.Generator` (:func:`plateaus.states.as_generator`).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import adjoint
from .states import SeedLike, as_generator, partial_trace
from .terms import check_labels, hamiltonian_matrix, two_local_terms

#: Default step of the central finite differences (truncation error O(step**2) ~ 1e-10,
#: round-off error O(eps / step) ~ 1e-11 for objectives of order one).
FD_STEP = 1e-5

METHODS = ("adjoint", "finite-difference")

#: Largest register (``n_visible + n_hidden``) of a :class:`UnitaryQNN`: a state vector of
#: 2**20 complex amplitudes is 16 MiB per instance; 2**40 would be 16 TiB. The book's largest
#: unitary register is 16 qubits (area-volume, extended scale).
MAX_STATE_QUBITS = 20

#: Largest register (``n_visible + n_hidden``) of a :class:`BoltzmannMachine`: a density matrix
#: (and the eigendecomposition of the Hamiltonian) of 2**14 x 2**14 complex entries is 4 GiB per
#: instance. The book's largest Boltzmann machine is 10 qubits (typicality, benchmarks).
MAX_DENSITY_QUBITS = 14


# ---------------------------------------------------------------------------------------------
# validation helpers


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _is_real_number(value) -> bool:
    return (
        not isinstance(value, bool)
        and isinstance(value, (int, float, np.integer, np.floating))
        and bool(np.isfinite(value))
    )


def _check_terms(terms, n_qubits: int) -> tuple[str, ...]:
    if terms is None:
        return two_local_terms(n_qubits)
    if isinstance(terms, str) or not isinstance(terms, Sequence):
        raise ValueError(f"terms must be a sequence of Pauli labels, got {terms!r}")
    return check_labels(terms, n_qubits, name="terms")


def _check_params(name: str, values, n_params: int) -> tuple[np.ndarray, bool]:
    """Real finite ``(K,)`` or ``(B, K)`` -> float ``(B, K)`` and whether the input was 1-D."""
    arr = np.asarray(values)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise ValueError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise ValueError(f"{name} must be real, got a complex array")
    if arr.ndim not in (1, 2) or arr.shape[-1] != n_params or (arr.ndim == 2 and not arr.shape[0]):
        raise ValueError(
            f"{name} has shape {arr.shape}; expected ({n_params},) or (batch, {n_params}), "
            f"one value per term ({n_params} terms)"
        )
    arr = arr.astype(float, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; it holds NaN or infinite entries")
    return (arr[None, :] if arr.ndim == 1 else arr), arr.ndim == 1


def _check_order(order, n_params: int, batch: int, single: bool):
    """None, a permutation ``(K,)`` or per-instance permutations ``(B, K)``."""
    if order is None:
        return None
    arr = np.asarray(order)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            f"order must be None or an integer array of permutations of 0..{n_params - 1}, "
            f"got dtype {arr.dtype}"
        )
    if arr.ndim == 1:
        expected = f"({n_params},)"
    elif arr.ndim == 2 and not single:
        expected = f"({batch}, {n_params})"
    else:
        expected = f"({n_params},)" + ("" if single else f" or ({batch}, {n_params})")
        raise ValueError(f"order has shape {arr.shape}; expected {expected}")
    if arr.shape[-1] != n_params or (arr.ndim == 2 and arr.shape[0] != batch):
        raise ValueError(
            f"order has shape {arr.shape}; expected {expected} (one permutation of the "
            f"{n_params} terms{'' if arr.ndim == 1 else ' per instance'})"
        )
    if not np.array_equal(np.sort(arr, axis=-1), np.broadcast_to(np.arange(n_params), arr.shape)):
        raise ValueError(f"order must hold permutations of 0..{n_params - 1}; got {arr!r}")
    return arr.astype(np.intp)


def _check_objective(objective, d_visible: int):
    for attr in ("value", "derivative"):
        if not callable(getattr(objective, attr, None)):
            raise ValueError(
                f"objective must have value(rho_v) and derivative(rho_v) methods, got "
                f"{type(objective).__name__}"
            )
    dim = getattr(objective, "dim", None)
    if dim is not None and dim != d_visible:
        raise ValueError(
            f"objective acts on {dim}-dimensional states but the visible dimension is "
            f"{d_visible}"
        )
    return objective


def random_orders(n_params: int, size: int, seed) -> np.ndarray:
    """One random permutation of ``0..n_params-1`` per instance, shape ``(size, n_params)``.

    Parameters
    ----------
    n_params : int
    size : int
    seed : int, SeedSequence, Generator, or a sequence of ``size`` of them
        A single seed draws all rows from one generator; a sequence gives row ``i`` from
        ``seed[i]`` alone (e.g. the per-instance ``SeedSequence.spawn`` children of
        :mod:`plateaus.parallel`), so an instance's order never depends on the batch.
    """
    n_params = _check_int("n_params", n_params, 1)
    size = _check_int("size", size, 1)
    if isinstance(seed, (list, tuple)):
        if len(seed) != size:
            raise ValueError(f"seed holds {len(seed)} seeds; expected one per instance ({size})")
        return np.stack([as_generator(s).permutation(n_params) for s in seed])
    rng = as_generator(seed)
    return np.stack([rng.permutation(n_params) for _ in range(size)])


# ---------------------------------------------------------------------------------------------
# unitary network


def _size_text(nbytes: int) -> str:
    """``nbytes`` in binary units, e.g. ``"64 TiB"``."""
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")
    k = 0
    while nbytes >= 1024 and k < len(units) - 1:
        nbytes /= 1024
        k += 1
    return f"{nbytes:.3g} {units[k]}"


class _Register:
    """Visible and hidden qubits and a term set: what both models are built on.

    A register larger than ``max_qubits`` (the subclass's memory limit) is refused at
    construction, before any array is allocated.
    """

    #: Largest ``n_visible + n_hidden`` and what it bounds, set by each model.
    max_qubits = MAX_STATE_QUBITS
    _stores = "a state vector of 2**n complex amplitudes"

    def __init__(self, n_visible: int, n_hidden: int, terms=None):
        self.n_visible = _check_int("n_visible", n_visible, 1)
        self.n_hidden = _check_int("n_hidden", n_hidden, 0)
        self.n_qubits = self.n_visible + self.n_hidden
        if self.n_qubits > self.max_qubits:
            raise ValueError(
                f"{type(self).__name__}: n_visible + n_hidden = {self.n_visible} + "
                f"{self.n_hidden} = {self.n_qubits} qubits is not allowed; expected at most "
                f"{self.max_qubits} ({_size_text(self._bytes_per_instance())} "
                f"per instance for {self._stores})"
            )
        self.terms = _check_terms(terms, self.n_qubits)
        self.n_params = len(self.terms)
        self.d_visible = 2**self.n_visible
        self.d_hidden = 2**self.n_hidden

    def _bytes_per_instance(self) -> int:
        return 16 * 2**self.n_qubits

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(n_visible={self.n_visible}, n_hidden={self.n_hidden}, "
            f"n_params={self.n_params})"
        )


class UnitaryQNN(_Register):
    r"""The unitary network of Section VI: one Pauli rotation per term of Eq. (11).

    .. math::

        |\psi(\theta)\rangle = e^{-i\theta_{k_N}P_{k_N}}\cdots e^{-i\theta_{k_1}P_{k_1}}
        |0\ldots0\rangle, \qquad \rho_v(\theta) = \mathrm{Tr}_h|\psi\rangle\langle\psi| ,

    with :math:`(k_1, \ldots, k_N)` the order of application (``order``; the identity, i.e.
    Eq. (11) order, by default) and :math:`\theta_k` always the angle of term :math:`k`.
    Theorem 3 bounds the derivatives of :math:`\mathrm{Tr}(O\rho_v)`; Fig. 3(b) uses the
    fidelity to a thermal target.

    Parameters
    ----------
    n_visible : int
        Visible qubits (the first ones), ``>= 1``.
    n_hidden : int
        Hidden qubits, ``>= 0``; ``n_visible + n_hidden <= MAX_STATE_QUBITS`` (20), else a
        ``ValueError`` at construction (the state vector would not fit in memory).
    terms : sequence of str, optional
        Pauli labels on ``n_visible + n_hidden`` qubits; default :func:`two_local_terms`.

    Attributes
    ----------
    n_visible, n_hidden, n_qubits, terms, n_params, d_visible, d_hidden
    """

    def _inputs(self, theta, order):
        theta, single = _check_params("theta", theta, self.n_params)
        order = _check_order(order, self.n_params, theta.shape[0], single)
        return theta, single, order

    def state(self, theta, order=None) -> np.ndarray:
        r"""Output state :math:`U(\theta)|0\ldots0\rangle`.

        Parameters
        ----------
        theta : array_like, shape (n_params,) or (B, n_params)
            Real angles, ``theta[..., k]`` belongs to ``terms[k]``.
        order : None, int array (n_params,) or (B, n_params)
            Order of application, step 0 first: ``order[j]`` (or ``order[b, j]`` for instance
            ``b``) is the term applied at step ``j``. None: Eq. (11) order.

        Returns
        -------
        ndarray, shape (2**n,) or (B, 2**n), complex, unit norm
        """
        theta, single, order = self._inputs(theta, order)
        out = adjoint.circuit_states(self.terms, theta, order)
        return out[0] if single else out

    def reduced_state(self, theta, order=None) -> np.ndarray:
        r"""Visible state :math:`\rho_v = \mathrm{Tr}_h|\psi(\theta)\rangle\langle\psi(\theta)|`.

        Returns ``(D_v, D_v)`` or ``(B, D_v, D_v)``; arguments as in :meth:`state`.
        """
        psi = self.state(theta, order)
        psi = psi.reshape(psi.shape[:-1] + (self.d_visible, self.d_hidden))
        return psi @ np.conj(np.swapaxes(psi, -1, -2))

    def random_orders(self, size: int, seed) -> np.ndarray:
        """One random order of application per instance, ``(size, n_params)``.

        See :func:`random_orders`.
        """
        return random_orders(self.n_params, size, seed)

    def sample_instances(self, seeds, *, theta_std=None, theta_range=None, order: str = "eq11"):
        r"""Instances of the network, one per seed: its angles, then its order of application.

        Instance ``b`` draws from ``default_rng(seeds[b])`` (or from ``seeds[b]`` itself if it
        is a Generator, which can then go on drawing) first its angles, :math:`\theta_k \sim
        N(0, \theta_{std}^2)` or :math:`U[a, b)` for ``theta_range = (a, b)``, and then, with
        ``order="random"``, a uniformly random permutation of the terms. An instance depends
        only on its own seed, and the readings of the gate order share the angles of every
        instance. This is how every chapter draws its unitary networks.

        Parameters
        ----------
        seeds : sequence of int, SeedSequence or Generator
            One per instance (e.g. the children of :func:`plateaus.parallel.spawn_seeds`).
        theta_std, theta_range : float or (float, float)
            Exactly one of them.
        order : ``"eq11"``, ``"reversed"`` or ``"random"``
            ``"eq11"``: the order of Eq. (11), its first term acting first (no order is drawn);
            ``"reversed"``: the reverse, the last term of Eq. (11) acting first, as Theorem 3
            writes the product :math:`\prod_{j=1}^N e^{-i\theta_j H_j}|0\rangle` with
            :math:`H_1` leftmost (no order is drawn); ``"random"``: one drawn per instance.

        Returns
        -------
        theta : ndarray, shape (B, n_params)
        orders : ndarray, shape (B, n_params), or None for ``order="eq11"``
            To pass as ``order=`` to :meth:`state`, :meth:`reduced_state`, :meth:`gradient`.
        """
        if order not in ("eq11", "reversed", "random"):
            raise ValueError(f"order = {order!r} is not allowed; expected 'eq11', 'reversed' or 'random'")
        if (theta_std is None) == (theta_range is None):
            raise ValueError("give exactly one of theta_std (normal angles) and theta_range (uniform angles)")
        if theta_std is not None and not (np.isscalar(theta_std) and np.isfinite(theta_std) and theta_std > 0):
            raise ValueError(f"theta_std = {theta_std!r} is not allowed; expected a real number > 0")
        if theta_range is not None:
            low, high = (float(x) for x in theta_range)
            if not (np.isfinite(low) and np.isfinite(high) and low < high):
                raise ValueError(f"theta_range = {theta_range!r} is not allowed; expected (low, high) with low < high")
        if isinstance(seeds, (int, np.integer, np.random.SeedSequence, np.random.Generator)) or len(seeds) == 0:
            raise ValueError(f"seeds must be a non-empty sequence of seeds, one per instance; got {seeds!r}")
        theta, orders = [], []
        for seed in seeds:
            rng = as_generator(seed)
            if theta_std is not None:
                theta.append(rng.normal(0.0, theta_std, self.n_params))
            else:
                theta.append(rng.uniform(low, high, self.n_params))
            if order == "random":
                orders.append(rng.permutation(self.n_params))
        theta = np.stack(theta)
        if order == "reversed":
            return theta, np.tile(np.arange(self.n_params)[::-1], (len(theta), 1))
        return theta, (np.stack(orders) if order == "random" else None)

    def gradient(self, theta, objective, method: str = "adjoint", order=None, step=FD_STEP):
        r"""Derivatives :math:`\partial F(\rho_v(\theta))/\partial\theta_k` for every term.

        Parameters
        ----------
        theta : array_like, shape (n_params,) or (B, n_params)
        objective : object with ``value(rho_v)`` and ``derivative(rho_v)``
            e.g. :class:`plateaus.objectives.Fidelity`, :class:`~plateaus.objectives.Observable`.
        method : {"adjoint", "finite-difference"}
            ``"adjoint"``: exact to round-off, one forward and one reverse sweep over the
            gates (:func:`plateaus.adjoint.adjoint_gradient`), about 3.5 forward passes
            whatever the number of parameters. ``"finite-difference"``: central differences
            :math:`(F(\theta + h e_k) - F(\theta - h e_k)) / 2h`, truncation error
            :math:`O(h^2)` (and round-off :math:`O(\epsilon/h)`), :math:`2K` forward passes;
            for comparison only (the paper's Fig. 3(b) used finite differences with an
            unstated step).
        order : as in :meth:`state`
        step : float
            The finite-difference step ``h`` (default :data:`FD_STEP` = 1e-5); ignored by the
            adjoint method.

        Returns
        -------
        ndarray, shape (n_params,) or (B, n_params), real
        """
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        theta, single, order = self._inputs(theta, order)
        objective = _check_objective(objective, self.d_visible)
        if method == "adjoint":
            grad = adjoint.adjoint_gradient(
                self.terms, theta, self.n_visible, objective.derivative, order
            )
        else:
            if not (_is_real_number(step) and step > 0):
                raise ValueError(f"step must be a positive finite number, got {step!r}")
            grad = self._finite_difference(theta, objective, order, float(step))
        return grad[0] if single else grad

    def _finite_difference(self, theta, objective, order, step: float) -> np.ndarray:
        grad = np.empty_like(theta)
        shifted = theta.copy()
        for k in range(self.n_params):
            values = []
            for sign in (1.0, -1.0):
                shifted[:, k] = theta[:, k] + sign * step
                psi = adjoint.circuit_states(self.terms, shifted, order)
                psi = psi.reshape(-1, self.d_visible, self.d_hidden)
                values.append(np.asarray(objective.value(psi @ np.conj(np.swapaxes(psi, 1, 2)))))
            shifted[:, k] = theta[:, k]
            grad[:, k] = (values[0] - values[1]) / (2.0 * step)
        return grad


# ---------------------------------------------------------------------------------------------
# quantum Boltzmann machine


def onsite_mask(terms) -> np.ndarray:
    """True for the terms acting on one qubit (the on-site terms of Eq. (11)), ``(K,)``."""
    return np.array([sum(letter != "I" for letter in label) == 1 for label in terms])


def sample_couplings(
    terms, size: int, seed: SeedLike, onsite_var: float = 0.01, offsite_var: float = 1.0
) -> np.ndarray:
    r"""Random coefficients of the 2-local Hamiltonian of Eq. (11), shape ``(size, K)``.

    Section VI, Figs. 3(b), 3(c), 4(c): on-site :math:`J_i^a \sim N(0, 0.01)` and off-site
    :math:`J_{ij}^{ab} \sim N(0, 1)`, the second argument being the **variance**. Terms acting
    on one qubit are on-site; all others (two or more qubits) are off-site.

    This is the book's one sampler of these coefficients: every experiment draws its couplings
    here. The draws are standard normals in row-major order (instance by instance, each in the
    order of ``terms``), each times its term's standard deviation. So one generator gives the
    same rows whether they are drawn at once (``size = B``) or one row at a time (``size = 1``,
    ``B`` calls); the experiments draw one row per instance, each from the instance's own seed
    (:func:`plateaus.parallel.map_instances`), which is not the same as ``size = B`` rows from
    the parent seed.

    Parameters
    ----------
    terms : int or sequence of str
        A number of qubits (for :func:`two_local_terms`) or the Pauli labels.
    size : int
    seed : int, SeedSequence or Generator
    onsite_var, offsite_var : float
        Variances, ``>= 0``.
    """
    if isinstance(terms, (int, np.integer)) and not isinstance(terms, bool):
        terms = two_local_terms(_check_int("terms", terms, 1))
    else:
        if isinstance(terms, str) or not isinstance(terms, Sequence) or not terms:
            raise ValueError(f"terms must be a number of qubits or Pauli labels, got {terms!r}")
        terms = _check_terms(terms, len(terms[0]))
    size = _check_int("size", size, 1)
    for name, var in (("onsite_var", onsite_var), ("offsite_var", offsite_var)):
        if not (_is_real_number(var) and var >= 0):
            raise ValueError(f"{name} must be a finite variance >= 0, got {var!r}")
    std = np.where(onsite_mask(terms), np.sqrt(onsite_var), np.sqrt(offsite_var))
    return as_generator(seed).standard_normal((size, len(terms))) * std


class BoltzmannMachine(_Register):
    r"""Quantum Boltzmann machine :math:`\rho(J) = e^{-H(J)}/\mathrm{Tr}\,e^{-H(J)}`.

    :math:`H(J) = \sum_k J_k P_k` over the terms of Eq. (11); :math:`\rho_v = \mathrm{Tr}_h\rho`
    (Sec. IV.B, Theorem 4, Figs. 3(c), 4(c)). With ``n_hidden = 0`` it is the thermal target of
    Fig. 3(b).

    Parameters
    ----------
    n_visible : int, >= 1
    n_hidden : int, >= 0
        ``n_visible + n_hidden <= MAX_DENSITY_QUBITS`` (14), else a ``ValueError`` at
        construction (the density matrix would not fit in memory).
    terms : sequence of str, optional
        Default :func:`two_local_terms` on ``n_visible + n_hidden`` qubits.
    """

    max_qubits = MAX_DENSITY_QUBITS
    _stores = "a density matrix of 2**n x 2**n complex entries"

    def _bytes_per_instance(self) -> int:
        return 16 * 4**self.n_qubits

    def _couplings(self, J):
        return _check_params("J", J, self.n_params)

    def hamiltonian(self, J) -> np.ndarray:
        r"""Dense :math:`H(J) = \sum_k J_k P_k`, ``(D, D)`` or ``(B, D, D)``."""
        J, single = self._couplings(J)
        h = hamiltonian_matrix(J, self.terms)
        return h[0] if single else h

    def density_matrix(self, J) -> np.ndarray:
        r"""Gibbs state :math:`e^{-H}/\mathrm{Tr}\,e^{-H}` by a batched ``eigh``.

        :math:`\rho = V\mathrm{diag}(p)V^\dagger`, :math:`p_i = e^{-(E_i - E_0)}/\sum_j
        e^{-(E_j - E_0)}`, :math:`E_0 = \min_i E_i`: every exponent is :math:`\le 0` and the
        largest weight is 1, so nothing overflows or underflows to a zero trace at any
        temperature (any scale of ``J``).

        Returns ``(D, D)`` or ``(B, D, D)``.
        """
        J, single = self._couplings(J)
        e, v = np.linalg.eigh(hamiltonian_matrix(J, self.terms))
        p = np.exp(-(e - e[:, :1]))
        p /= p.sum(axis=-1, keepdims=True)
        rho = (v * p[:, None, :]) @ np.conj(np.swapaxes(v, -1, -2))
        return rho[0] if single else rho

    def reduced_state(self, J) -> np.ndarray:
        r""":math:`\rho_v = \mathrm{Tr}_h\,\rho(J)`, ``(D_v, D_v)`` or ``(B, D_v, D_v)``."""
        return partial_trace(self.density_matrix(J), self.n_visible)

    def normalise(self, J) -> np.ndarray:
        r"""Rescale to unit operator norm: :math:`J / \|H(J)\|_\infty`, batched.

        :math:`\|H\|_\infty = \max_i |E_i|` (spectral norm). The paper normalises the sampled
        Hamiltonian once (Figs. 3(c), 4(c)); derivatives are then taken at the normalised
        point with respect to :math:`J` (the book's convention). ``ValueError`` if some
        :math:`H(J) = 0`.
        """
        J, single = self._couplings(J)
        norms = np.abs(np.linalg.eigvalsh(hamiltonian_matrix(J, self.terms))).max(axis=-1)
        if np.any(norms == 0):
            raise ValueError(
                f"J gives H(J) = 0 for instance(s) {np.flatnonzero(norms == 0).tolist()}; "
                "it cannot be normalised"
            )
        out = J / norms[:, None]
        return out[0] if single else out

    def sample_couplings(
        self, size: int, seed: SeedLike, onsite_var: float = 0.01, offsite_var: float = 1.0
    ) -> np.ndarray:
        """Random couplings for this machine's terms (:func:`sample_couplings`), ``(size, K)``."""
        return sample_couplings(self.terms, size, seed, onsite_var, offsite_var)

    def gradient(self, J, objective) -> np.ndarray:
        r"""Exact :math:`\partial F(\mathrm{Tr}_h\rho(J))/\partial J_k`, ``(K,)`` or ``(B, K)``.

        Delegates to :func:`plateaus.thermal.thermal_gradient` (Daleckii-Krein).
        """
        from . import thermal

        J, single = self._couplings(J)
        objective = _check_objective(objective, self.d_visible)
        grad = thermal.thermal_gradient(J, self.terms, self.n_visible, objective)
        return grad[0] if single else grad

    def sensitivity(self, J) -> np.ndarray:
        r"""Exact :math:`\tfrac12\|\mathrm{Tr}_h\,\partial\rho/\partial J_k\|_1` for every ``k``.

        The :math:`\varepsilon \to 0` limit of the paper's
        :math:`T(\rho_v(J), \rho_v(J + \varepsilon e_k))/\varepsilon` (Fig. 3(c)). Delegates
        to :func:`plateaus.thermal.thermal_sensitivity`. ``(K,)`` or ``(B, K)``.
        """
        from . import thermal

        J, single = self._couplings(J)
        sens = thermal.thermal_sensitivity(J, self.terms, self.n_visible)
        return sens[0] if single else sens


#: The stream of a root seed from which :func:`thermal_target` draws: ``[seed, 0, draw]``.
THERMAL_TARGET_STREAM = 0


def thermal_target(seed: int, n_visible: int, onsite_var: float, offsite_var: float,
                   draw: int = 0, normalise: bool = False) -> np.ndarray:
    r"""The fixed thermal target of Fig. 3(b), :math:`\sigma = e^{-H}/\mathrm{Tr}\,e^{-H}`.

    :math:`H = \sum_k J_k P_k` is the 2-local Hamiltonian of Eq. (11) on ``n_visible`` qubits,
    its coefficients drawn once by :func:`sample_couplings` (on-site :math:`N(0,
    \sigma^2_{on})`, off-site :math:`N(0, \sigma^2_{off})`, variances) from the stream
    ``[seed, 0, draw]`` (:data:`THERMAL_TARGET_STREAM`). By default it is **not** normalised
    (the paper normalises the Boltzmann machine of Fig. 3(c) and says nothing of this target);
    with ``normalise=True`` the same coefficients are first rescaled to unit operator norm,
    :math:`J \leftarrow J/\|H(J)\|_\infty` (:meth:`BoltzmannMachine.normalise`, the
    normalisation of Fig. 3(c)), which gives a much warmer target. ``draw = 0`` is the target
    of the *Unitary plateau* and *Escaping* chapters; other draws measure how much Fig. 3(b)
    depends on it.

    Returns
    -------
    ndarray, shape (2**n_visible, 2**n_visible)
    """
    rng = np.random.default_rng([int(seed), THERMAL_TARGET_STREAM, int(draw)])
    J = sample_couplings(n_visible, 1, rng, onsite_var=onsite_var, offsite_var=offsite_var)
    machine = BoltzmannMachine(n_visible, 0)
    if normalise:
        J = machine.normalise(J)
    return machine.density_matrix(J[0])


# ---------------------------------------------------------------------------------------------
# GUE model

#: Complex amplitudes per chunk of GUE matrices (2**22 -> 64 MiB of complex128 per chunk).
_GUE_CHUNK_AMPLITUDES = 2**22


def _gue_chunks(n_qubits: int, size: int, seed: SeedLike):
    """Yield ``(slice, H)`` chunks of GUE matrices drawn sequentially from one generator."""
    n_qubits = _check_int("n_qubits", n_qubits, 1)
    size = _check_int("size", size, 1)
    rng = as_generator(seed)
    dim = 2**n_qubits
    step = max(1, _GUE_CHUNK_AMPLITUDES // (dim * dim))
    for start in range(0, size, step):
        m = min(size, start + step) - start
        a = rng.standard_normal((m, dim, dim, 2)).view(complex)[..., 0] / np.sqrt(2.0)
        yield slice(start, start + m), (a + np.conj(np.swapaxes(a, -1, -2))) / np.sqrt(2.0 * dim)


def gue_hamiltonians(n_qubits: int, size: int, seed: SeedLike) -> np.ndarray:
    r"""GUE Hamiltonians ``(size, D, D)``, :math:`D = 2^n`, normalised as in :func:`gue_states`.

    :math:`H = (A + A^\dagger)/\sqrt{2D}`, :math:`A` complex Ginibre with
    :math:`E|A_{ij}|^2 = 1`. So :math:`E|H_{ij}|^2 = 1/D` for every entry, the density is
    :math:`\propto e^{-(D/2)\mathrm{Tr}H^2}`, :math:`E\,\mathrm{Tr}H^2/D = 1` exactly, and the
    spectrum tends to the semicircle :math:`\sqrt{4 - x^2}/2\pi` on :math:`[-2, 2]` (mean 0,
    variance 1, fourth moment 2). The same seed gives the same matrices here and in
    :func:`gue_states` (and the first ``m`` of ``size`` do not depend on ``size``).
    """
    parts = [h for _, h in _gue_chunks(n_qubits, size, seed)]
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


GUE_METHODS = ("eigh", "spectral")


def gue_spectra(n_qubits: int, size: int, seed: SeedLike) -> np.ndarray:
    r"""GUE eigenvalues, ``(size, D)`` ascending, from the tridiagonal model, in O(D^2) each.

    Dumitriu & Edelman (J. Math. Phys. 43, 5830 (2002)): the eigenvalues of the symmetric
    tridiagonal matrix with diagonal :math:`N(0, 2)` and off-diagonal
    :math:`\chi_{2(D-1)}, \chi_{2(D-2)}, \ldots, \chi_2`, divided by :math:`\sqrt2`, have the
    joint law of the GUE with density :math:`\propto e^{-\mathrm{Tr}H^2/2}`. A further
    :math:`1/\sqrt D` gives the normalisation of :func:`gue_hamiltonians` (semicircle on
    :math:`[-2, 2]`). One ``scipy.linalg.eigvalsh_tridiagonal`` per instance (a LAPACK call on
    O(D) numbers; there is no batched tridiagonal solver); the random draws are batched.
    """
    from scipy.linalg import eigvalsh_tridiagonal

    n_qubits = _check_int("n_qubits", n_qubits, 1)
    size = _check_int("size", size, 1)
    rng = as_generator(seed)
    dim = 2**n_qubits
    diag = rng.standard_normal((size, dim)) * np.sqrt(2.0)
    off = np.sqrt(rng.chisquare(2.0 * np.arange(dim - 1, 0, -1), size=(size, dim - 1)))
    scale = 1.0 / np.sqrt(2.0 * dim)
    return np.stack([eigvalsh_tridiagonal(d, e) for d, e in zip(diag, off)]) * scale


def gue_states(
    n_qubits: int, size: int, seed: SeedLike, t: float = 10.0, method: str = "eigh"
) -> np.ndarray:
    r"""States :math:`e^{-iHt}|0\ldots0\rangle`, :math:`H` from the GUE (Fig. 4(a)), ``(size, D)``.

    Normalisation (the paper does not state one; this is the book's choice):
    :math:`H = (A + A^\dagger)/\sqrt{2D}` with :math:`A` complex Ginibre
    (:func:`gue_hamiltonians`), so the spectrum fills the semicircle on :math:`[-2, 2]` with
    unit variance at every size. Why this scale: the eigenvectors of a GUE matrix are Haar
    distributed whatever its scale, and only the phases :math:`e^{-iE_jt}` depend on
    :math:`t`. With a size-independent bandwidth, :math:`t = 10` is 40 inverse bandwidths at
    every :math:`n`: the return amplitude :math:`E\langle 0|e^{-iHt}|0\rangle \to J_1(2t)/t`
    is about :math:`7\times10^{-3}` at :math:`t = 10`, so the state has left
    :math:`|0\ldots0\rangle` and the ensemble is close to Haar random (Proposition 2 then
    applies). A spectrum growing like :math:`\sqrt D` (unnormalised Ginibre) would make
    :math:`t` mean something different at each size.

    Methods (the same ensemble, different random streams):

    * ``"eigh"`` (default): draw :math:`H` (:func:`gue_hamiltonians`) and evolve by a batched
      ``eigh``, :math:`\psi = V e^{-i\Lambda t} V^\dagger|0\rangle`, in chunks of at most
      64 MiB of matrices. O(D^3) per instance: about 10 s at n = 11 on one core.
    * ``"spectral"``: exact in distribution at O(D^2). The eigenvectors :math:`V` of a GUE
      matrix are Haar and independent of its eigenvalues. Put :math:`u = V^\dagger|0\rangle`
      (a Haar unit vector: :math:`|u_j|^2` uniform on the simplex) and
      :math:`a = \langle 0|\psi\rangle = \sum_j |u_j|^2 e^{-i\lambda_j t}`. Conditioned on
      :math:`u` and the spectrum, :math:`V` is still Haar on the unitaries that fix
      :math:`|0\rangle` in the complement of :math:`|0\rangle`, so
      :math:`\psi = a|0\rangle + \sqrt{1-|a|^2}\,\xi` with :math:`\xi` a Haar unit vector
      orthogonal to :math:`|0\rangle`. The eigenvalues come from :func:`gue_spectra`.
      The state is thus Haar random except for its return amplitude :math:`a`.

    Parameters
    ----------
    n_qubits : int, >= 1
    size : int, >= 1
    seed : int, SeedSequence or Generator
    t : float
        Evolution time, finite.
    method : {"eigh", "spectral"}
    """
    if not _is_real_number(t):
        raise ValueError(f"t must be a finite real number, got {t!r}")
    if method not in GUE_METHODS:
        raise ValueError(f"method must be one of {GUE_METHODS}, got {method!r}")
    t = float(t)
    if method == "spectral":
        n_qubits = _check_int("n_qubits", n_qubits, 1)
        size = _check_int("size", size, 1)
        rng = as_generator(seed)
        dim = 2**n_qubits
        spectra = gue_spectra(n_qubits, size, rng)
        weights = rng.standard_exponential((size, dim))
        weights /= weights.sum(axis=-1, keepdims=True)
        a = (weights * np.exp(-1j * t * spectra)).sum(axis=-1)
        xi = rng.standard_normal((size, dim - 1, 2)).view(complex)[..., 0]
        xi /= np.linalg.norm(xi, axis=-1, keepdims=True)
        out = np.empty((size, dim), dtype=complex)
        out[:, 0] = a
        out[:, 1:] = np.sqrt(np.clip(1.0 - np.abs(a) ** 2, 0.0, None))[:, None] * xi
        return out
    out = None
    for chunk, h in _gue_chunks(n_qubits, size, seed):
        if out is None:
            out = np.empty((size, h.shape[-1]), dtype=complex)
        e, v = np.linalg.eigh(h)
        coeff = np.exp(-1j * t * e) * np.conj(v[:, 0, :])  # e^{-iEt} V^dag |0>
        out[chunk] = np.einsum("bij,bj->bi", v, coeff)
    return out


__all__ = [
    "FD_STEP",
    "MAX_STATE_QUBITS",
    "MAX_DENSITY_QUBITS",
    "UnitaryQNN",
    "BoltzmannMachine",
    "random_orders",
    "onsite_mask",
    "sample_couplings",
    "THERMAL_TARGET_STREAM",
    "thermal_target",
    "gue_hamiltonians",
    "gue_spectra",
    "gue_states",
]
