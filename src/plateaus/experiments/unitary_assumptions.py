r"""Chapter *Theorem 3: its 2-design assumption and its D_v dependence*.

Theorem 3 of the paper bounds the change of a visible objective :math:`\mathrm{Tr}(O\rho_v)`
under one parameter of a unitary network by :math:`O(\|O\|_\infty\|H_k\|_\infty
\sqrt{D_v/D_h})`, assuming that the network's sub-products are unitary 2-designs and that the
generator seen from the output, :math:`\tilde H_k = U_{>k} H_k U_{>k}^\dagger`, obeys
:math:`\mathbb E[\tilde H_k\rho] = \mathbb E[\tilde H_k]\,\mathbb E[\rho]`. This module tests
the three things a referee asks of it:

* the visible dimension (:func:`visible_scan`, :func:`parameter_means`): the unitary model of
  Section VI with :math:`n_v` visible qubits at fixed :math:`n_h`, in the three gate orders,
  exact (adjoint) gradients of the observable :math:`Z` on visible qubit 0, of the fidelity
  :math:`F` and of :math:`\sqrt F` to a fixed thermal visible target, against the theorem's
  scale and against the exact 2-design values (:func:`two_design_gradient_ms`,
  :func:`scrambled_gradient_ms`, and the Monte Carlo of :func:`haar_reference` for the
  objectives without a closed form);
* the 2-design assumption (:func:`frame_potentials`): second frame potentials of the circuit
  ensembles and of their first and last quarter, half and three quarters of gates, and the
  state frame potentials of the same products applied to :math:`|0\ldots0\rangle`;
* the independence assumption: the proof averages the state over a 2-design *with*
  :math:`\tilde H_k` *held fixed*; :func:`decoupled_counterexample` builds an ensemble that
  meets the assumption as stated, with :math:`\rho` exactly Haar, whose gradients are of order
  one.

Tables (``data/unitary-assumptions/<scale>/``): ``visible-scan`` (one row per gate order,
objective, size and instance), ``parameter-means`` (per term, the ensemble mean of
:math:`|\partial_k \mathrm{Tr}(O\rho_v)|`), ``haar-reference`` (one row per objective, size
and 2-design sample) and ``frame-potential`` (one row per ensemble, size and product).
Every table is cached under the parameters it depends on only, so that a change of the
frame-potential sizes never recomputes the scan. :func:`readings` computes the page's tables
of statistics and fits, :func:`quoted` every number it quotes, :func:`results_rows` its rows of
the book's results table.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import unitary_group

from .. import analysis as an
from .. import designs, store
from ..measures import entropy
from ..models import UnitaryQNN, random_orders, thermal_target
from ..objectives import Objective
from ..parallel import instance_index, map_instances, spawn_seeds
from ..params import chapter_params
from ..states import as_generator
from ..terms import term_classes, two_local_terms
from .unitary_plateau import haar_rms, make_objective

CHAPTER = "unitary-assumptions"
SCAN = "visible-scan"
PARAMETERS = "parameter-means"
HAAR = "haar-reference"
DESIGNS = "frame-potential"

#: The gate orders of the unitary model (``UnitaryQNN.sample_instances(order=...)``).
ORDERS = {"unitary": "eq11", "unitary-reversed-order": "reversed", "unitary-random-order": "random"}
#: Tags of the gate orders in the names of the quoted numbers.
ORDER_TAGS = {"unitary": "fixed", "unitary-reversed-order": "reversed", "unitary-random-order": "random"}
#: The frame-potential ensembles beside the three orders: a Haar control, and fixed random
#: orders (one order drawn once, angles drawn per instance).
HAAR_MODEL = "haar"
FIXED_RANDOM = "unitary-fixed-random-order"
#: The products of the frame-potential table: the whole circuit, its first (applied first)
#: and last (applied last, next to the output) quarter, half and three quarters of the gates.
PARTS = ("full", "first-1/4", "first-1/2", "first-3/4", "last-1/4", "last-1/2", "last-3/4")
#: The slope per visible qubit of log2 of the theorem's scale sqrt(D_v/D_h).
THEOREM_SLOPE = 0.5
#: The same of the exact 2-design RMS gradient of a Pauli observable, ~ sqrt(2/(D_v D_h)).
TWO_DESIGN_SLOPE = -0.5
#: |z| below which a frame potential is called consistent with its Haar value.
Z_CONSISTENT = 2.0

# Streams of the root seed: [seed, 0, draw] the thermal target (plateaus.models), [seed, 1,
# n_v, n_h] the scan's instances, [seed, 2, n_v, n_h] the 2-design samples, [seed, 3, n] the
# frame-potential instances, [seed, 4, n] the fixed random orders, [seed, 5, n] the Haar
# control, [seed, 6, n_v, n_h] the counterexample.
_SCAN_STREAM, _HAAR_STREAM, _DESIGN_STREAM, _ORDER_STREAM, _CONTROL_STREAM, _COUNTER_STREAM = 1, 2, 3, 4, 5, 6


# ---------------------------------------------------------------------------------------------
# closed forms


def theorem_scale(d_visible, d_hidden) -> np.ndarray:
    r"""Theorem 3's scale :math:`\sqrt{D_v/D_h}` (:math:`\|O\|_\infty = \|H_k\|_\infty = 1`)."""
    return np.sqrt(np.asarray(d_visible, dtype=float) / np.asarray(d_hidden, dtype=float))


def theorem_bound(d_visible, d_hidden) -> np.ndarray:
    r"""The bound on :math:`\mathbb E|\partial_k\mathrm{Tr}(O\rho_v)|` that the proof gives
    (*Unitary plateau* chapter): :math:`\sqrt2\,\|O\|_\infty\|H_k\|_\infty\sqrt{D_v/D_h}`, with
    both norms 1."""
    return np.sqrt(2.0) * theorem_scale(d_visible, d_hidden)


def two_design_gradient_ms(d_visible, d_hidden, tr_o2=None, tr_h2=None) -> np.ndarray:
    r"""Exact :math:`\mathbb E(\partial_\theta \mathrm{Tr}[(O\otimes I)\rho])^2` for a gate
    :math:`e^{-i\theta H}` between two independent Haar-random (or 2-design) unitaries.

    With :math:`U = U_+ e^{-i\theta H} U_-`, :math:`\rho = U|0\rangle\langle0|U^\dagger`,
    :math:`X = O\otimes I_h` and :math:`\tilde H = U_+ H U_+^\dagger`,
    :math:`\partial_\theta\mathrm{Tr}(X\rho) = \langle\psi|A|\psi\rangle` with
    :math:`A = i[\tilde H, X]` and :math:`|\psi\rangle = U|0\rangle` Haar and independent of
    :math:`U_+`. Then (2-design average over :math:`\psi`, :math:`\mathrm{Tr}A = 0`; Weingarten
    average over :math:`U_+`)

    .. math::

        \mathbb E\,(\partial_\theta)^2 = \frac{\mathbb E\,\mathrm{Tr}A^2}{D(D+1)}
        = \frac{2\,\mathrm{Tr}(H_0^2)\,D_h\,\mathrm{Tr}(O_0^2)}{(D^2-1)(D+1)},

    :math:`H_0, O_0` the traceless parts. For Pauli strings (:math:`\mathrm{Tr}H^2 = D`,
    :math:`\mathrm{Tr}O^2 = D_v`, the defaults) this is
    :math:`2D^2/((D^2-1)(D+1)) \approx 2/(D_v D_h)`, the square of
    :func:`plateaus.experiments.unitary_plateau.haar_rms`.

    Parameters
    ----------
    d_visible, d_hidden : array_like
        :math:`D_v`, :math:`D_h`.
    tr_o2 : array_like, optional
        :math:`\mathrm{Tr}_v O_0^2` (default :math:`D_v`).
    tr_h2 : array_like, optional
        :math:`\mathrm{Tr}\,H_0^2` on the whole register (default :math:`D`).
    """
    dv = np.asarray(d_visible, dtype=float)
    dh = np.asarray(d_hidden, dtype=float)
    d = dv * dh
    tr_o2 = dv if tr_o2 is None else np.asarray(tr_o2, dtype=float)
    tr_h2 = d if tr_h2 is None else np.asarray(tr_h2, dtype=float)
    return 2.0 * tr_h2 * dh * tr_o2 / ((d**2 - 1.0) * (d + 1.0))


def scrambled_gradient_ms(variance, dim) -> np.ndarray:
    r""":math:`\mathbb E[(\partial_k F)^2 \mid \psi]` when the generator seen from the output is a
    Pauli string rotated by a Haar-random unitary independent of the state :math:`\psi`.

    :math:`\partial_k F = \langle\psi|i[\tilde H, G\otimes I]|\psi\rangle` with
    :math:`G = \partial F/\partial\rho_v`; the twirl
    :math:`\mathbb E\,\tilde H^{\otimes 2} = (D F_{\rm swap} - I)/(D^2-1)` gives

    .. math::

        \mathbb E[(\partial_k F)^2 \mid \psi] = \frac{2D}{D^2-1}\,
        \mathrm{Var}_\psi(G\otimes I), \qquad
        \mathrm{Var}_\psi(X) = \langle\psi|X^2|\psi\rangle - \langle\psi|X|\psi\rangle^2 .

    ``variance``: :math:`\mathrm{Var}_\psi(G\otimes I)` (:func:`state_variance`); ``dim``: :math:`D`.
    """
    d = np.asarray(dim, dtype=float)
    return 2.0 * d / (d**2 - 1.0) * np.asarray(variance, dtype=float)


def state_variance(G: np.ndarray, rho_v: np.ndarray) -> np.ndarray:
    r""":math:`\mathrm{Var}_\psi(G\otimes I) = \mathrm{Tr}(G^2\rho_v) - \mathrm{Tr}(G\rho_v)^2`,
    batched: ``G``, ``rho_v`` of shape ``(..., D_v, D_v)``, Hermitian."""
    g_rho = G @ rho_v
    first = np.trace(g_rho, axis1=-2, axis2=-1).real
    second = np.einsum("...ij,...ji->...", G, g_rho).real
    return second - first**2


def observable_label(n_visible: int) -> str:
    """The page's observable: Z on visible qubit 0 (qubit 0 first), identity elsewhere."""
    return "Z" + "I" * (n_visible - 1)


# ---------------------------------------------------------------------------------------------
# the 2-design model of one gradient entry, sampled


def haar_derivative_pairs(n_visible: int, n_hidden: int, size: int, seed) -> tuple[np.ndarray, np.ndarray]:
    r"""Samples of :math:`(|\psi\rangle, \tilde H|\psi\rangle)` with :math:`\psi` Haar random and
    :math:`\tilde H = V P V^\dagger` a Pauli string rotated by an independent Haar :math:`V`.

    Given :math:`\psi`, the law of :math:`a = \tilde H\psi` is invariant under the unitaries
    that fix :math:`\psi`, and :math:`\|a\| = 1`, so :math:`a = c\,\psi + \sqrt{1-c^2}\,\chi`
    with :math:`\chi` uniform on the unit sphere orthogonal to :math:`\psi` and
    :math:`c = \langle\phi|P|\phi\rangle` for a Haar :math:`\phi`, i.e. :math:`c = 2b - 1`,
    :math:`b \sim \mathrm{Beta}(D/2, D/2)`. Sampling :math:`a` directly costs :math:`O(D)`
    instead of a Haar unitary's :math:`O(D^3)`. Returns ``(psi, a)``, each ``(size, D)``.
    """
    rng = as_generator(seed)
    dim = 2 ** (n_visible + n_hidden)
    psi = rng.standard_normal((size, dim)) + 1j * rng.standard_normal((size, dim))
    psi /= np.linalg.norm(psi, axis=1, keepdims=True)
    chi = rng.standard_normal((size, dim)) + 1j * rng.standard_normal((size, dim))
    chi -= np.sum(psi.conj() * chi, axis=1, keepdims=True) * psi
    chi /= np.linalg.norm(chi, axis=1, keepdims=True)
    c = 2.0 * rng.beta(dim / 2, dim / 2, size) - 1.0
    a = c[:, None] * psi + np.sqrt(1.0 - c**2)[:, None] * chi
    return psi, a


def derivative_operator(psi: np.ndarray, a: np.ndarray, n_visible: int) -> np.ndarray:
    r""":math:`X = \mathrm{Tr}_h(-i[\tilde H, \rho]) = -i\,\mathrm{Tr}_h(|a\rangle\langle\psi| -
    |\psi\rangle\langle a|)` for :math:`a = \tilde H\psi`: the derivative of :math:`\rho_v`
    along the generator. ``psi``, ``a``: ``(B, D)``; returns ``(B, D_v, D_v)``, Hermitian and
    traceless. :math:`\partial F = \mathrm{Re\,Tr}(G X)` for every objective, and
    :math:`\|X\|_1 = \max_{\|O\|_\infty\le1}|\partial\,\mathrm{Tr}(O\rho_v)|`."""
    dv = 2**n_visible
    p = psi.reshape(len(psi), dv, -1)
    q = a.reshape(len(a), dv, -1)
    m = q @ np.conj(np.swapaxes(p, 1, 2))
    return -1j * (m - np.conj(np.swapaxes(m, 1, 2)))


def _haar_chunk(seeds, *, n_visible, n_hidden, objectives):
    index = [instance_index(s) for s in seeds]
    pairs = [haar_derivative_pairs(n_visible, n_hidden, 1, s) for s in seeds]
    psi = np.concatenate([p for p, _ in pairs])
    a = np.concatenate([q for _, q in pairs])
    x = derivative_operator(psi, a, n_visible)
    dv = 2**n_visible
    amplitudes = psi.reshape(len(psi), dv, -1)
    rho_v = amplitudes @ np.conj(np.swapaxes(amplitudes, 1, 2))
    frames = []
    for name, objective in objectives.items():
        G = objective.derivative(rho_v)
        frames.append(pd.DataFrame({
            "instance": index, "objective": name,
            "derivative": np.einsum("bij,bji->b", G, x).real,
            "variance": state_variance(G, rho_v),
        }))
    frames.append(pd.DataFrame({"instance": index, "objective": "max-observable",
                                "derivative": np.abs(np.linalg.eigvalsh(x)).sum(axis=1),
                                "variance": np.nan}))
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# the counterexample to the independence assumption as stated


def decoupled_counterexample(n_visible: int, n_hidden: int, size: int, seed, *, matrices: bool = False):
    r"""An ensemble that meets Theorem 3's assumptions as stated and has no plateau.

    :math:`\psi` is Haar random (so :math:`\rho = |\psi\rangle\langle\psi|` is exactly a state
    2-design), :math:`X = O\otimes I` with :math:`O` = :func:`observable_label`, and
    :math:`\chi = s\,i(X - \langle X\rangle)\psi / \|(X - \langle X\rangle)\psi\|` with a
    fair random sign :math:`s`. The generator seen from the output is
    :math:`\tilde H = |\psi\rangle\langle\chi| + |\chi\rangle\langle\psi| + R`, with
    :math:`R = 2Q - P_\perp` a reflection on the complement of :math:`\{\psi, \chi\}`
    (:math:`Q` a Haar-random projector of half its rank): :math:`\tilde H` is Hermitian, unitary
    and traceless, with the spectrum of a Pauli string. Then :math:`\tilde H\rho = |\chi\rangle
    \langle\psi|`, so :math:`\mathbb E[\tilde H\rho] = 0 = \mathbb E[\tilde H]\,\mathbb E[\rho]`
    (the sign :math:`s` and the Haar :math:`Q` average to zero): the paper's assumption holds.
    But :math:`\tilde H` is built from :math:`\rho`, and

    .. math:: \partial\,\mathrm{Tr}(X\rho) = -2\,\mathrm{Im}\langle\chi|X\psi\rangle
              = 2s\sqrt{\mathrm{Var}_\psi X} \approx \pm 2 ,

    the largest value any generator of norm 1 can give.

    Returns the derivatives ``(size,)``; with ``matrices=True`` also ``psi`` ``(size, D)``
    and ``H`` ``(size, D, D)`` (dense: small registers only).
    """
    rng = as_generator(seed)
    dv = 2**n_visible
    dim = dv * 2**n_hidden
    psi = rng.standard_normal((size, dim)) + 1j * rng.standard_normal((size, dim))
    psi /= np.linalg.norm(psi, axis=1, keepdims=True)
    z = np.diag(np.kron(np.diag([1.0, -1.0]), np.eye(dim // 2)))  # Z on qubit 0, diagonal
    x_psi = z * psi
    mean = np.sum(psi.conj() * x_psi, axis=1).real
    y = x_psi - mean[:, None] * psi
    sigma = np.linalg.norm(y, axis=1)
    sign = rng.choice([-1.0, 1.0], size)
    chi = (sign * 1j / sigma)[:, None] * y
    derivative = -2.0 * np.sum(chi.conj() * x_psi, axis=1).imag
    if not matrices:
        return derivative
    hs = np.empty((size, dim, dim), dtype=complex)
    for b in range(size):
        frame = np.column_stack([psi[b], chi[b]])
        g = rng.standard_normal((dim, dim)) + 1j * rng.standard_normal((dim, dim))
        g -= frame @ (frame.conj().T @ g)  # random vectors in the complement
        basis, _ = np.linalg.qr(g[:, : dim - 2])
        half = basis[:, : (dim - 2) // 2]
        perp = basis @ basis.conj().T
        reflection = 2.0 * half @ half.conj().T - perp
        hs[b] = np.outer(psi[b], chi[b].conj()) + np.outer(chi[b], psi[b].conj()) + reflection
    return derivative, psi, hs


# ---------------------------------------------------------------------------------------------
# the scan over the visible dimension


def model_order(model: str, random: np.ndarray | None, n_params: int, batch: int):
    """The ``order=`` argument of :class:`UnitaryQNN` for a model: None (Eq. (11)), the
    reversed order, or the per-instance random ``random``."""
    if model == "unitary":
        return None
    if model == "unitary-reversed-order":
        return np.tile(np.arange(n_params)[::-1], (batch, 1))
    if model == "unitary-random-order":
        return random
    raise ValueError(f"model = {model!r} is not allowed; expected one of {tuple(ORDERS)}")


def objectives_for(params: dict, n_visible: int, names=None) -> dict[str, Objective]:
    """The page's objectives on ``n_visible`` qubits: the fixed thermal target of that size
    (:func:`plateaus.models.thermal_target`, draw 0, the *Unitary plateau* chapter's target at
    :math:`n_v = 3`) and the observable :func:`observable_label`."""
    target = thermal_target(params["seed"], n_visible, params["onsite_var"], params["offsite_var"])
    names = params["objectives"] if names is None else names
    return {name: make_objective(name, target, observable_label(n_visible)) for name in names}


def _scan_chunk(seeds, *, n_visible, n_hidden, theta_std, models, objectives):
    qnn = UnitaryQNN(n_visible, n_hidden)
    theta, random = qnn.sample_instances(seeds, theta_std=theta_std, order="random")
    index = [instance_index(s) for s in seeds]
    frames = []
    for model in models:
        order = model_order(model, random, qnn.n_params, len(seeds))
        rho_v = qnn.reduced_state(theta, order=order)
        entropy_v = entropy(rho_v)
        for name, objective in objectives.items():
            grad = qnn.gradient(theta, objective, order=order)
            frames.append(pd.DataFrame({
                "instance": index, "model": model, "objective": name,
                "value": objective.value(rho_v), "entropy_v": entropy_v,
                "inf_norm": np.abs(grad).max(axis=1), "rms": np.sqrt(np.mean(grad**2, axis=1)),
                "mean_abs": np.abs(grad).mean(axis=1),
                "variance": state_variance(objective.derivative(rho_v), rho_v),
            }))
    return pd.concat(frames, ignore_index=True)


def _params(params: dict) -> dict:
    return chapter_params(CHAPTER, params["scale"],
                          **{k: v for k, v in params.items() if k not in ("chapter", "scale")})


def _key(params: dict, names) -> dict:
    """The parameters a table depends on: its cache key."""
    return {"chapter": CHAPTER, "scale": params["scale"], **{k: params[k] for k in names}}


def store_params(experiment: str, params: dict) -> dict:
    """The parameters that key ``experiment``'s table in the store (each table only those it
    depends on)."""
    keys = {SCAN: _SCAN_KEYS, PARAMETERS: _PARAMETER_KEYS, HAAR: _HAAR_KEYS, DESIGNS: _DESIGN_KEYS}
    if experiment not in keys:
        raise ValueError(f"experiment = {experiment!r} is not allowed; expected one of {sorted(keys)}")
    return _key(params, keys[experiment])


_SCAN_KEYS = ("seed", "instances", "visible_sizes", "n_hidden", "theta_std", "onsite_var",
              "offsite_var", "models", "objectives", "chunk_size")
SCAN_COLUMNS = ("model", "objective", "n_visible", "n_hidden", "n_params", "instance", "value",
                "entropy_v", "inf_norm", "rms", "mean_abs", "variance")


def _sizes(params: dict):
    return [(nv, nh) for nh in params["n_hidden"] for nv in params["visible_sizes"]]


def visible_scan(params: dict, *, recompute: bool = False) -> pd.DataFrame:
    r"""The scan over :math:`n_v` (``visible_sizes``) at every :math:`n_h` of ``n_hidden``.

    Each instance draws its angles :math:`\theta_k \sim N(0, \theta_{std}^2)` and then a random
    order from its own seed (stream ``[seed, 1, n_v, n_h]``); the three orders share the
    angles. One row per model, objective, size and instance: ``value`` (the objective),
    ``entropy_v`` (:math:`S(\rho_v)`, nats), ``inf_norm`` (:math:`\|g\|_\infty`), ``rms``
    (:math:`\|g\|_2/\sqrt K`), ``mean_abs`` (:math:`\|g\|_1/K`) and ``variance``
    (:math:`\mathrm{Var}_\psi(G\otimes I)`, :func:`state_variance`, for
    :func:`scrambled_gradient_ms`).
    """
    params = _params(params)

    def compute() -> pd.DataFrame:
        frames = []
        for n_visible, n_hidden in _sizes(params):
            df = map_instances(
                _scan_chunk, params["instances"], seed=[params["seed"], _SCAN_STREAM, n_visible, n_hidden],
                chunk_size=params["chunk_size"], desc=f"scan, n_v={n_visible}, n_h={n_hidden}",
                n_visible=n_visible, n_hidden=n_hidden, theta_std=params["theta_std"],
                models=params["models"], objectives=objectives_for(params, n_visible),
            )
            n_params = UnitaryQNN(n_visible, n_hidden).n_params
            frames.append(df.assign(n_visible=n_visible, n_hidden=n_hidden, n_params=n_params))
        df = pd.concat(frames, ignore_index=True)[list(SCAN_COLUMNS)]
        return df.sort_values(["model", "objective", "n_hidden", "n_visible", "instance"],
                              kind="stable").reset_index(drop=True)

    return store.cached(CHAPTER, params["scale"], SCAN, _key(params, _SCAN_KEYS), compute,
                        recompute=recompute, columns=SCAN_COLUMNS)


def _parameter_chunk(seeds, *, n_visible, n_hidden, theta_std, model, objective):
    qnn = UnitaryQNN(n_visible, n_hidden)
    theta, random = qnn.sample_instances(seeds, theta_std=theta_std, order="random")
    order = model_order(model, random, qnn.n_params, len(seeds))
    return qnn.gradient(theta, objective, order=order)


_PARAMETER_KEYS = ("seed", "instances", "visible_sizes", "n_hidden", "theta_std", "models", "chunk_size")
PARAMETER_COLUMNS = ("model", "n_visible", "n_hidden", "term", "label", "cls", "position",
                     "instances", "mean_abs", "se_abs", "mean_square", "se_square")


def parameter_means(params: dict, *, recompute: bool = False) -> pd.DataFrame:
    r"""Per term :math:`k`, the ensemble mean of :math:`|\partial_k\mathrm{Tr}(O\rho_v)|` (the
    quantity Theorem 3 bounds for every :math:`k`) and of its square, with standard errors.

    The same instances as :func:`visible_scan` (same seeds). Columns: ``model``,
    ``n_visible``, ``n_hidden``, ``term`` (index in Eq. (11)), ``label``, ``cls`` (visible,
    across, hidden), ``position`` (the step at which the gate is applied, 0 first; -1 for the
    random order, where it varies), ``instances``, ``mean_abs``, ``se_abs``, ``mean_square``,
    ``se_square``.
    """
    params = _params(params)

    def compute() -> pd.DataFrame:
        frames = []
        for n_visible, n_hidden in _sizes(params):
            qnn = UnitaryQNN(n_visible, n_hidden)
            k = qnn.n_params
            objective = objectives_for(params, n_visible, ["observable"])["observable"]
            for model in params["models"]:
                g = map_instances(
                    _parameter_chunk, params["instances"],
                    seed=[params["seed"], _SCAN_STREAM, n_visible, n_hidden],
                    chunk_size=params["chunk_size"], desc=f"per term, {model}, n_v={n_visible}, n_h={n_hidden}",
                    n_visible=n_visible, n_hidden=n_hidden, theta_std=params["theta_std"],
                    model=model, objective=objective,
                )
                position = {"unitary": np.arange(k), "unitary-reversed-order": np.arange(k)[::-1],
                            "unitary-random-order": np.full(k, -1)}[model]
                frames.append(pd.DataFrame({
                    "model": model, "n_visible": n_visible, "n_hidden": n_hidden, "term": np.arange(k),
                    "label": list(qnn.terms), "cls": term_classes(qnn.terms, n_visible),
                    "position": position, "instances": len(g),
                    "mean_abs": np.abs(g).mean(axis=0), "se_abs": an.mean_se(np.abs(g), axis=0),
                    "mean_square": (g**2).mean(axis=0), "se_square": an.mean_se(g**2, axis=0),
                }))
        return pd.concat(frames, ignore_index=True)[list(PARAMETER_COLUMNS)]

    return store.cached(CHAPTER, params["scale"], PARAMETERS, _key(params, _PARAMETER_KEYS), compute,
                        recompute=recompute, columns=PARAMETER_COLUMNS)


_HAAR_KEYS = ("seed", "instances", "visible_sizes", "n_hidden", "onsite_var", "offsite_var",
              "objectives", "chunk_size")
HAAR_COLUMNS = ("objective", "n_visible", "n_hidden", "instance", "derivative", "variance")


def haar_reference(params: dict, *, recompute: bool = False) -> pd.DataFrame:
    r"""The 2-design model of one gradient entry at every size of the scan: a Haar state and a
    Pauli generator rotated by an independent Haar unitary (:func:`haar_derivative_pairs`).

    One row per objective, size and sample: ``derivative`` (:math:`\partial F`) and
    ``variance`` (:math:`\mathrm{Var}_\psi(G\otimes I)`); the objective ``max-observable`` has
    :math:`\|X\|_1 = \max_{\|O\|_\infty\le 1}|\partial\,\mathrm{Tr}(O\rho_v)|`
    (:func:`derivative_operator`) in ``derivative``.
    """
    params = _params(params)

    def compute() -> pd.DataFrame:
        frames = []
        for n_visible, n_hidden in _sizes(params):
            df = map_instances(
                _haar_chunk, params["instances"], seed=[params["seed"], _HAAR_STREAM, n_visible, n_hidden],
                chunk_size=params["chunk_size"], desc=f"2-design, n_v={n_visible}, n_h={n_hidden}",
                n_visible=n_visible, n_hidden=n_hidden, objectives=objectives_for(params, n_visible),
            )
            frames.append(df.assign(n_visible=n_visible, n_hidden=n_hidden))
        return pd.concat(frames, ignore_index=True)[list(HAAR_COLUMNS)]

    return store.cached(CHAPTER, params["scale"], HAAR, _key(params, _HAAR_KEYS), compute,
                        recompute=recompute, columns=HAAR_COLUMNS)


# ---------------------------------------------------------------------------------------------
# frame potentials


def part_unitaries(labels, theta: np.ndarray, order=None) -> dict[str, np.ndarray]:
    r"""The products of :data:`PARTS` for one ensemble, ``{part: (B, D, D)}``.

    The gates are cut into quarters at steps :math:`\lfloor jK/4\rfloor` (in the order of
    application); each quarter is built once (:func:`plateaus.designs.circuit_unitaries`) and
    the products are formed from them: ``first-1/2`` = :math:`Q_2Q_1`, ``last-1/2`` =
    :math:`Q_4Q_3`, ``full`` = :math:`Q_4Q_3Q_2Q_1`.
    """
    k = len(labels)
    cuts = [j * k // 4 for j in range(5)]
    q = [designs.circuit_unitaries(labels, theta, order, cuts[j], cuts[j + 1]) for j in range(4)]
    first2 = q[1] @ q[0]
    first3 = q[2] @ first2
    last2 = q[3] @ q[2]
    return {"full": q[3] @ first3, "first-1/4": q[0], "first-1/2": first2, "first-3/4": first3,
            "last-1/4": q[3], "last-1/2": last2, "last-3/4": last2 @ q[1]}


def part_gates(k: int) -> dict[str, int]:
    """The number of gates in each product of :data:`PARTS` for ``k`` gates."""
    cuts = [j * k // 4 for j in range(5)]
    return {"full": k, "first-1/4": cuts[1], "first-1/2": cuts[2], "first-3/4": cuts[3],
            "last-1/4": k - cuts[3], "last-1/2": k - cuts[2], "last-3/4": k - cuts[1]}


def _potential_rows(model: str, draw: int, n: int, unitaries: dict) -> list[dict]:
    dim = 2**n
    gates = part_gates(len(two_local_terms(n)))
    rows = []
    for part, u in unitaries.items():
        fp, fp_se = designs.frame_potential(u)
        sfp, sfp_se = designs.state_frame_potential(u[:, :, 0])
        rows.append({"model": model, "draw": draw, "n_qubits": n, "part": part,
                     "gates": gates[part] if model != HAAR_MODEL else 0, "instances": len(u),
                     "fp": fp, "fp_se": fp_se, "haar_fp": designs.haar_frame_potential(dim),
                     "state_fp": sfp, "state_fp_se": sfp_se,
                     "haar_state_fp": designs.haar_state_frame_potential(dim)})
    return rows


_DESIGN_KEYS = ("seed", "design_qubits", "design_instances", "design_orders", "theta_std", "models")
DESIGN_COLUMNS = ("model", "draw", "n_qubits", "part", "gates", "instances", "fp", "fp_se", "haar_fp",
                  "state_fp", "state_fp_se", "haar_state_fp")


def frame_potentials(params: dict, *, recompute: bool = False) -> pd.DataFrame:
    r"""Second frame potentials :math:`\mathbb E|\mathrm{Tr}U^\dagger V|^4` of the circuit
    ensembles and of their products :data:`PARTS`, and the state frame potentials
    :math:`\mathbb E|\langle\psi|\phi\rangle|^4` of the same products applied to
    :math:`|0\ldots0\rangle`, for :math:`n` = ``design_qubits`` qubits (``design_instances``
    instances; pair U-statistics with jackknife errors, :mod:`plateaus.designs`).

    Ensembles: the three orders of ``models`` (the angles of instance ``b`` drawn from stream
    ``[seed, 3, n]`` and shared by them); ``unitary-fixed-random-order``, ``design_orders``
    orders drawn once (stream ``[seed, 4, n]``, ``draw`` 0, 1, ...), each with the same
    per-instance angles: with the order and the gates after gate :math:`k` fixed, the state is
    a fixed unitary applied to the prefix state, so the prefix states of a *fixed* order test
    the conditional 2-design average of the proof; and ``haar`` (Haar unitaries from
    ``scipy.stats.unitary_group``, the whole product only), a control of the estimator.
    ``draw`` is -1 except for the fixed random orders.
    """
    params = _params(params)

    def compute() -> pd.DataFrame:
        rows = []
        for n in params["design_qubits"]:
            labels = two_local_terms(n)
            k = len(labels)
            seeds = spawn_seeds([params["seed"], _DESIGN_STREAM, n], params["design_instances"])
            theta, random = UnitaryQNN(1, n - 1).sample_instances(seeds, theta_std=params["theta_std"],
                                                                 order="random")
            for model in params["models"]:
                order = model_order(model, random, k, len(theta))
                rows += _potential_rows(model, -1, n, part_unitaries(labels, theta, order))
            fixed = random_orders(k, params["design_orders"],
                                  np.random.default_rng([params["seed"], _ORDER_STREAM, n]))
            for draw, order in enumerate(fixed):
                rows += _potential_rows(FIXED_RANDOM, draw, n, part_unitaries(labels, theta, order))
            control = unitary_group.rvs(2**n, size=params["design_instances"],
                                        random_state=np.random.default_rng([params["seed"], _CONTROL_STREAM, n]))
            rows += _potential_rows(HAAR_MODEL, -1, n, {"full": control})
        return pd.DataFrame(rows)[list(DESIGN_COLUMNS)]

    return store.cached(CHAPTER, params["scale"], DESIGNS, _key(params, _DESIGN_KEYS), compute,
                        recompute=recompute, columns=DESIGN_COLUMNS)


# ---------------------------------------------------------------------------------------------
# statistics, fits and the numbers the page quotes

#: The statistics of the gradient whose D_v dependence is fitted: the ensemble mean of the
#: largest entry, the ensemble RMS entry and the ensemble mean absolute entry.
STATISTICS = {"inf": "E ||g||_inf", "rms": "RMS g_k", "abs": "E |g_k|"}
_CELL = ["model", "objective", "n_hidden", "n_visible"]


def scan_stats(scan: pd.DataFrame) -> pd.DataFrame:
    r"""Per model, objective, :math:`n_h` and :math:`n_v`: the ensemble statistics of the
    gradient with their standard errors: ``inf``, ``inf_se`` (mean of
    :math:`\|g\|_\infty`), ``rms``, ``rms_se`` (:math:`(\mathbb E\,\overline{g_k^2})^{1/2}`,
    its error by the delta method), ``abs``, ``abs_se`` (mean of :math:`\overline{|g_k|}`),
    ``scrambled``, ``scrambled_se`` (the RMS a Haar-scrambled generator would give on the
    same states, :func:`scrambled_gradient_ms`), ``entropy_bits`` (mean :math:`S(\rho_v)` in
    bits) and ``n``."""
    df = scan.assign(ms=scan["rms"] ** 2,
                     scr=scrambled_gradient_ms(scan["variance"], 2.0 ** (scan["n_visible"] + scan["n_hidden"])),
                     bits=scan["entropy_v"] / np.log(2.0))
    out = None
    for column, name in (("inf_norm", "inf"), ("mean_abs", "abs"), ("ms", "ms"), ("scr", "scr"), ("bits", "bits")):
        st = an.group_stats(df, _CELL, column)[_CELL + ["n", "mean", "se"]]
        st = st.rename(columns={"mean": name, "se": f"{name}_se"})
        out = st if out is None else out.merge(st.drop(columns="n"), on=_CELL)
    rms, scr = np.sqrt(out["ms"]), np.sqrt(out["scr"])
    return pd.DataFrame({
        **{c: out[c] for c in _CELL}, "n": out["n"], "inf": out["inf"], "inf_se": out["inf_se"],
        "rms": rms, "rms_se": out["ms_se"] / (2 * rms), "abs": out["abs"], "abs_se": out["abs_se"],
        "scrambled": scr, "scrambled_se": out["scr_se"] / (2 * scr), "entropy_bits": out["bits"],
    })


def haar_stats(haar: pd.DataFrame) -> pd.DataFrame:
    r"""Per objective and size, the 2-design model's ``rms``, ``rms_se`` (of the derivative)
    and ``abs``, ``abs_se`` (its mean absolute value; for ``max-observable``, the mean of
    :math:`\|X\|_1`), and ``exact_rms`` (the closed form, for the observable only, else NaN)."""
    df = haar.assign(d2=haar["derivative"] ** 2, ad=haar["derivative"].abs())
    by = ["objective", "n_hidden", "n_visible"]
    ms = an.group_stats(df, by, "d2")
    ad = an.group_stats(df, by, "ad")
    rms = np.sqrt(ms["mean"])
    exact = np.where(ms["objective"] == "observable",
                     np.sqrt(two_design_gradient_ms(2.0 ** ms["n_visible"], 2.0 ** ms["n_hidden"])), np.nan)
    return pd.DataFrame({**{c: ms[c] for c in by}, "n": ms["n"], "rms": rms, "rms_se": ms["se"] / (2 * rms),
                         "abs": ad["mean"], "abs_se": ad["se"], "exact_rms": exact})


def slope(x, y) -> float:
    """The least-squares slope of ``y`` on ``x`` (for exact curves, which have no errors)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    xc = x - x.mean()
    return float((xc * (y - y.mean())).sum() / (xc**2).sum())


def exact_slope(visible_sizes, n_hidden: int) -> float:
    r"""The slope per visible qubit of :math:`\log_2` of the exact 2-design RMS gradient of a
    Pauli observable over ``visible_sizes`` at ``n_hidden`` (close to :math:`-\frac12`)."""
    nv = np.asarray(visible_sizes, dtype=float)
    return slope(nv, 0.5 * np.log2(two_design_gradient_ms(2.0**nv, 2.0**n_hidden)))


def _distance(fit: an.LineFit, value: float, value_se: float = 0.0) -> tuple[float, float]:
    """t and two-sided p of ``fit.slope - value`` (``value`` with its own standard error)."""
    if fit.dof < 1:
        return float("nan"), float("nan")
    se = float(np.hypot(fit.slope_se, value_se))
    t = (fit.slope - value) / se
    from scipy import stats as _st

    return float(t), float(2 * _st.t.sf(abs(t), fit.dof))


def dv_fits(stats: pd.DataFrame, hstats: pd.DataFrame, visible_sizes) -> pd.DataFrame:
    r"""The weighted lines of :math:`\log_2` of each statistic (:data:`STATISTICS`) against
    :math:`n_v` per model, objective and :math:`n_h` (:func:`plateaus.analysis.log_fit`), with
    ``t_theorem``, ``p_theorem`` (distance from the theorem's :math:`+\frac12`) and, for the
    RMS, ``reference`` (the 2-design slope: the closed form's for the observable, the fitted
    slope of :func:`haar_stats` otherwise), ``t_design``, ``p_design``. The rows of model
    ``haar`` are the 2-design model's own lines (RMS; and for ``max-observable`` the mean of
    :math:`\|X\|_1`, statistic ``abs``)."""
    rows = []
    href = {}
    for (objective, nh), g in hstats.groupby(["objective", "n_hidden"]):
        g = g.sort_values("n_visible")
        stats_here = ("abs",) if objective == "max-observable" else ("rms", "abs")
        for stat in stats_here:
            fit = an.log_fit(g["n_visible"], g[stat], g[f"{stat}_se"])
            href[(objective, nh, stat)] = fit
            t, p = _distance(fit, THEOREM_SLOPE)
            rows.append({"model": HAAR_MODEL, "objective": objective, "n_hidden": nh, "statistic": stat,
                         **an.fit_columns(fit), "t_theorem": t, "p_theorem": p})
    for (model, objective, nh), g in stats.groupby(["model", "objective", "n_hidden"]):
        g = g.sort_values("n_visible")
        for stat in STATISTICS:
            fit = an.log_fit(g["n_visible"], g[stat], g[f"{stat}_se"])
            t, p = _distance(fit, THEOREM_SLOPE)
            row = {"model": model, "objective": objective, "n_hidden": nh, "statistic": stat,
                   **an.fit_columns(fit), "t_theorem": t, "p_theorem": p}
            if stat == "rms":
                if objective == "observable":
                    ref, ref_se = exact_slope(visible_sizes, nh), 0.0
                else:
                    ref_fit = href[(objective, nh, "rms")]
                    ref, ref_se = ref_fit.slope, ref_fit.slope_se
                row["reference"] = ref
                row["t_design"], row["p_design"] = _distance(fit, ref, ref_se)
            rows.append(row)
    return pd.DataFrame(rows)


def dv_steps(scan: pd.DataFrame, *, seed: int) -> pd.DataFrame:
    r"""Per model, objective, :math:`n_h` and statistic (``inf``, ``rms``): the steps
    :math:`\log_2 s(n_v + 1) - \log_2 s(n_v)` with 95 % intervals from a bootstrap over
    instances seeded by ``seed`` (:func:`plateaus.analysis.bootstrap_log_fit`; the RMS as the
    square root of the mean of :math:`\overline{g_k^2}`)."""
    frames = []
    for (model, objective, nh), g in scan.groupby(["model", "objective", "n_hidden"]):
        for stat, column, power in (("inf", "inf_norm", 1), ("rms", "rms", 2)):
            samples = g.set_index("n_visible")[column].astype(float) ** power
            steps = an.bootstrap_log_fit(samples, seed=seed).steps
            steps[["step", "low", "high"]] /= power
            frames.append(steps.assign(model=model, objective=objective, n_hidden=nh, statistic=stat))
    cols = ["model", "objective", "n_hidden", "statistic", "x_from", "x_to", "step", "low", "high"]
    return pd.concat(frames, ignore_index=True)[cols]


def looseness(stats: pd.DataFrame, terms: pd.DataFrame, hstats: pd.DataFrame) -> pd.DataFrame:
    r"""Theorem 3's bound :math:`\sqrt2\sqrt{D_v/D_h}` on :math:`\mathbb E|\partial_k
    \mathrm{Tr}(O\rho_v)|` against the observable's gradients, per model and size:

    * ``mean_ratio``, ``mean_ratio_se``: the bound over the mean of :math:`\mathbb E|\partial_k|`
      over the parameters;
    * ``worst``, ``worst_se``, ``worst_label``, ``worst_cls``, ``worst_position``: the largest
      :math:`\mathbb E|\partial_k|` over the parameters (:func:`parameter_means`) and its term;
      ``worst_ratio``, ``worst_ratio_se`` the bound over it, ``worst_z`` =
      (worst - bound)/worst_se (positive: the bound is exceeded);
    * ``design_abs`` (the 2-design :math:`\mathbb E|\partial|`), ``design_max`` (the 2-design
      :math:`\mathbb E\|X\|_1`, the largest derivative over all observables of norm 1) and
      ``design_max_ratio`` = design_max / bound, with their errors.
    """
    obs = stats[stats["objective"] == "observable"]
    idx = terms.groupby(["model", "n_visible", "n_hidden"])["mean_abs"].idxmax()
    worst = terms.loc[idx].set_index(["model", "n_visible", "n_hidden"])
    h = hstats.set_index(["objective", "n_visible", "n_hidden"])
    rows = []
    for r in obs.itertuples():
        bound = float(theorem_bound(2.0**r.n_visible, 2.0**r.n_hidden))
        w = worst.loc[(r.model, r.n_visible, r.n_hidden)]
        hd, hm = h.loc[("observable", r.n_visible, r.n_hidden)], h.loc[("max-observable", r.n_visible, r.n_hidden)]
        rows.append({
            "model": r.model, "n_visible": r.n_visible, "n_hidden": r.n_hidden, "bound": bound,
            "mean_abs": r.abs, "mean_ratio": bound / r.abs, "mean_ratio_se": bound * r.abs_se / r.abs**2,
            "worst": w["mean_abs"], "worst_se": w["se_abs"], "worst_label": w["label"], "worst_cls": w["cls"],
            "worst_position": int(w["position"]), "worst_ratio": bound / w["mean_abs"],
            "worst_ratio_se": bound * w["se_abs"] / w["mean_abs"] ** 2,
            "worst_z": (w["mean_abs"] - bound) / w["se_abs"],
            "design_abs": hd["abs"], "design_abs_se": hd["abs_se"], "design_max": hm["abs"],
            "design_max_se": hm["abs_se"], "design_max_ratio": hm["abs"] / bound,
        })
    return pd.DataFrame(rows)


def design_readings(fp: pd.DataFrame) -> pd.DataFrame:
    r"""The frame-potential table with ``z`` = (F2 - 2)/SE, ``excess_upper`` (the one-sided
    95 % upper bound on :math:`F^{(2)} - 2`, :math:`F - 2 + 1.645\,\mathrm{SE}`), ``verdict``
    (``"consistent with 2"`` when :math:`|z| <` :data:`Z_CONSISTENT`, else ``"above 2"``),
    and the state frame potential over its Haar value, ``state_ratio`` and
    ``state_ratio_se``, with ``state_z`` and ``state_verdict`` the same way."""
    out = fp.copy()
    out["z"] = (out["fp"] - out["haar_fp"]) / out["fp_se"]
    out["excess_upper"] = out["fp"] - out["haar_fp"] + 1.645 * out["fp_se"]
    out["verdict"] = np.where(out["z"].abs() < Z_CONSISTENT, "consistent with 2", "above 2")
    out["state_ratio"] = out["state_fp"] / out["haar_state_fp"]
    out["state_ratio_se"] = out["state_fp_se"] / out["haar_state_fp"]
    out["state_z"] = (out["state_ratio"] - 1.0) / out["state_ratio_se"]
    out["state_verdict"] = np.where(out["state_z"].abs() < Z_CONSISTENT, "consistent with Haar", "above Haar")
    return out


def target_purities(params: dict) -> dict[int, float]:
    r""":math:`D_v\,\mathrm{Tr}\,\sigma^2` of the thermal target at every :math:`n_v` of the scan (1 for
    the maximally mixed state, :math:`D_v` for a pure one)."""
    out = {}
    for nv in params["visible_sizes"]:
        sigma = thermal_target(params["seed"], nv, params["onsite_var"], params["offsite_var"])
        out[nv] = float(2**nv * np.trace(sigma @ sigma).real)
    return out


def counterexample_stats(params: dict, n_visible: int, n_hidden: int) -> dict:
    r"""Mean and standard error of :math:`|\partial\,\mathrm{Tr}(O\rho_v)|` over ``instances``
    draws of :func:`decoupled_counterexample` (stream ``[seed, 6, n_v, n_h]``) at one size."""
    g = np.abs(decoupled_counterexample(n_visible, n_hidden, params["instances"],
                                        np.random.default_rng([params["seed"], _COUNTER_STREAM, n_visible, n_hidden])))
    return {"mean": float(g.mean()), "se": float(an.mean_se(g)), "min": float(g.min())}


def readings(params: dict, scan: pd.DataFrame, terms: pd.DataFrame, haar: pd.DataFrame,
             fp: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The page's tables of statistics and fits from the four tables: ``stats``
    (:func:`scan_stats`), ``hstats`` (:func:`haar_stats`), ``fits`` (:func:`dv_fits`),
    ``steps`` (:func:`dv_steps`, seeded by ``params["seed"]``), ``loose``
    (:func:`looseness`) and ``designs`` (:func:`design_readings`)."""
    params = _params(params)
    stats, hstats = scan_stats(scan), haar_stats(haar)
    return {"stats": stats, "hstats": hstats, "fits": dv_fits(stats, hstats, params["visible_sizes"]),
            "steps": dv_steps(scan, seed=params["seed"]), "loose": looseness(stats, terms, hstats),
            "designs": design_readings(fp)}


def _tag(model: str) -> str:
    return HAAR_MODEL if model == HAAR_MODEL else ORDER_TAGS[model]


def _verdict(fit: an.LineFit) -> str:
    return "rejected" if fit.rejected() else "not rejected"


def first_consistent(rows: pd.DataFrame, z: str = "z") -> int:
    """The smallest size ``n_qubits`` from which every row at that size and above has
    :math:`|z| <` :data:`Z_CONSISTENT` (0 if none)."""
    ok = rows.groupby("n_qubits")[z].apply(lambda s: bool((s.abs() < Z_CONSISTENT).all())).sort_index()
    sizes = list(ok.index)
    for i, n in enumerate(sizes):
        if ok.iloc[i:].all():
            return int(n)
    return 0


def _pm(value: float, se: float, digits: int = 2) -> str:
    """``value ± se`` with ``digits`` decimals, fewer for large values (a frame potential of
    order 10^4 is quoted to units, not to hundredths)."""
    if abs(value) >= 100:
        digits = 0
    return f"{value:.{digits}f} ± {se:.{digits}f}"


def quoted(params: dict, scan: pd.DataFrame, terms: pd.DataFrame, haar: pd.DataFrame, fp: pd.DataFrame,
           tables: dict | None = None) -> dict:
    """Every number the page quotes (keys without the chapter's prefix): the D_v slopes of every
    statistic with their 95 % t intervals and fit quality, their distances from the theorem's
    +1/2 and from the 2-design slope, the looseness of the bound, the frame potentials and
    their verdicts, and the counterexample. ``tables``: :func:`readings` of the same data."""
    params = _params(params)
    r = readings(params, scan, terms, haar, fp) if tables is None else tables
    sizes, hidden = list(params["visible_sizes"]), list(params["n_hidden"])
    nh_max, nv_max, nv_min = max(hidden), max(sizes), min(sizes)
    out: dict = {"scale": params["scale"], "instances": params["instances"], "nv_min": nv_min,
                 "nv_max": nv_max, "nh_min": min(hidden), "nh_max": nh_max,
                 "nh_list": ", ".join(str(n) for n in hidden), "points": len(sizes), "fit_dof": len(sizes) - 2,
                 "t_quantile": an.t_quantile(len(sizes) - 2), "theorem_slope": THEOREM_SLOPE,
                 "design_slope": TWO_DESIGN_SLOPE, "terms_min": UnitaryQNN(nv_min, min(hidden)).n_params,
                 "terms_max": UnitaryQNN(nv_max, nh_max).n_params,
                 "design_instances": params["design_instances"], "design_orders": params["design_orders"],
                 "design_n_min": min(params["design_qubits"]), "design_n_max": max(params["design_qubits"]),
                 "z_consistent": Z_CONSISTENT}
    for nv, purity in target_purities(params).items():
        out[f"target_purity_{nv}"] = purity
    def lab(nh) -> str:  # the hidden sizes by position, so that the text reads the same at every scale
        return "top" if nh == nh_max else "low" if nh == min(hidden) else str(nh)

    for nh in hidden:
        out[f"exact_slope_{lab(nh)}"] = exact_slope(sizes, nh)
    # the D_v lines
    fits = r["fits"]
    for row in fits.itertuples():
        key = f"{row.statistic}_{_tag(row.model)}_{row.objective}_{lab(row.n_hidden)}"
        fit = row.fit
        out.update({f"{key}_slope": fit.slope, f"{key}_low": fit.slope_low, f"{key}_high": fit.slope_high,
                    f"{key}_chi2_dof": fit.chi2_dof, f"{key}_p_line": fit.p_value, f"{key}_verdict": _verdict(fit),
                    f"{key}_text": fit.text(), f"{key}_interval": fit.interval_text(),
                    f"{key}_t_theorem": row.t_theorem, f"{key}_p_theorem": row.p_theorem})
        if row.statistic == "rms" and row.model != HAAR_MODEL:
            out.update({f"{key}_reference": row.reference, f"{key}_t_design": row.t_design,
                        f"{key}_p_design": row.p_design})
    obs_rms = fits[(fits["statistic"] == "rms") & (fits["objective"] == "observable") & (fits["model"] != HAAR_MODEL)]
    rnd = obs_rms[obs_rms["model"] == "unitary-random-order"]
    out["random_rms_theorem_t_min"] = float(rnd["t_theorem"].abs().min())
    out["random_rms_design_t_max"] = float(rnd["t_design"].abs().max())
    out["random_rms_design_p_min"] = float(rnd["p_design"].min())
    # the random order against the exact 2-design value, point by point
    st = r["stats"]
    ro = st[(st["model"] == "unitary-random-order") & (st["objective"] == "observable")]
    exact = np.sqrt(two_design_gradient_ms(2.0 ** ro["n_visible"], 2.0 ** ro["n_hidden"]))
    z = (ro["rms"] - exact) / ro["rms_se"]
    out.update({"random_exact_zmax": float(z.abs().max()), "random_exact_ratio_min": float((ro["rms"] / exact).min()),
                "random_exact_ratio_max": float((ro["rms"] / exact).max()), "cells": len(ro)})
    hs = r["hstats"]
    ho = hs[hs["objective"] == "observable"]
    out["haar_exact_zmax"] = float(((ho["rms"] - ho["exact_rms"]) / ho["rms_se"]).abs().max())
    # every objective of the random order against the 2-design model, point by point
    both = st.merge(hs, on=["objective", "n_hidden", "n_visible"], suffixes=("", "_design"))
    for objective in params["objectives"]:
        b = both[(both["model"] == "unitary-random-order") & (both["objective"] == objective)]
        ratio = b["rms"] / b["rms_design"]
        zz = (b["rms"] - b["rms_design"]) / np.hypot(b["rms_se"], b["rms_se_design"])
        out.update({f"random_design_{objective}_min": float(ratio.min()),
                    f"random_design_{objective}_max": float(ratio.max()),
                    f"random_design_{objective}_zmax": float(zz.abs().max())})
    # how the bound's looseness grows with D_v: the slope of log2(bound / E|g_k|) is 1/2 minus
    # the slope of log2 E|g_k| (same interval, shifted)
    for nh in hidden:
        f = fits[(fits["model"] == "unitary-random-order") & (fits["objective"] == "observable")
                 & (fits["statistic"] == "abs") & (fits["n_hidden"] == nh)].iloc[0]
        out.update({f"loose_slope_{lab(nh)}": THEOREM_SLOPE - f.slope_log2,
                    f"loose_slope_{lab(nh)}_low": THEOREM_SLOPE - f.high_log2,
                    f"loose_slope_{lab(nh)}_high": THEOREM_SLOPE - f.low_log2})
    # the fidelities' steps in n_v (their lines are rejected: the target changes with n_v)
    steps = r["steps"]
    for row in steps[steps["n_hidden"] == nh_max].itertuples():
        where = "first" if row.x_from == nv_min else "last" if row.x_to == nv_max else str(int(row.x_from))
        key = f"step_{row.statistic}_{ORDER_TAGS[row.model]}_{row.objective}_{where}"
        out.update({key: row.step, f"{key}_text": f"{row.step:.3f} [{row.low:.3f}, {row.high:.3f}]"})
    # the scrambled-generator prediction against the measured RMS, every order and objective
    ratio = st["rms"] / st["scrambled"]
    for model, tag in ORDER_TAGS.items():
        sel = st["model"] == model
        out[f"scrambled_{tag}_min"], out[f"scrambled_{tag}_max"] = float(ratio[sel].min()), float(ratio[sel].max())
    # the bound against the observable's gradients
    lo = r["loose"]
    for model, tag in ORDER_TAGS.items():
        m = lo[lo["model"] == model]
        out[f"loose_{tag}_min"], out[f"loose_{tag}_max"] = float(m["mean_ratio"].min()), float(m["mean_ratio"].max())
        w = m.loc[m["worst_ratio"].idxmin()]
        out.update({f"worst_{tag}_ratio": float(w["worst_ratio"]), f"worst_{tag}_value": float(w["worst"]),
                    f"worst_{tag}_se": float(w["worst_se"]), f"worst_{tag}_bound": float(w["bound"]),
                    f"worst_{tag}_z": float(w["worst_z"]), f"worst_{tag}_nv": int(w["n_visible"]),
                    f"worst_{tag}_nh": int(w["n_hidden"]), f"worst_{tag}_label": str(w["worst_label"]),
                    f"worst_{tag}_cls": str(w["worst_cls"]),
                    f"worst_{tag}_exceeded": int((m["worst_z"] > Z_CONSISTENT).sum()),
                    f"worst_{tag}_max_value": float(m["worst"].max()), f"worst_{tag}_min_value": float(m["worst"].min())})
    for nv, where in ((nv_min, "first"), (nv_max, "last")):
        row = lo[(lo["model"] == "unitary-random-order") & (lo["n_visible"] == nv) & (lo["n_hidden"] == nh_max)].iloc[0]
        out[f"loose_random_{where}"] = float(row["mean_ratio"])
        out[f"loose_random_worst_{where}"] = float(row["worst_ratio"])
    out["sizes"] = len(lo[lo["model"] == "unitary-random-order"])
    out.update({"design_max_ratio_min": float(lo["design_max_ratio"].min()),
                "design_max_ratio_max": float(lo["design_max_ratio"].max())})
    # the counterexample
    ce = counterexample_stats(params, nv_min, nh_max)
    out.update({"counter_abs": ce["mean"], "counter_abs_se": ce["se"], "counter_min": ce["min"],
                "counter_bound": float(theorem_bound(2.0**nv_min, 2.0**nh_max))})
    # frame potentials
    d = r["designs"]
    top = int(d["n_qubits"].max())
    for row in d[d["n_qubits"] == top].itertuples():
        tag = f"{row.model}_{row.draw}" if row.model == FIXED_RANDOM else row.model
        key = f"fp_{tag}_{row.part}".replace("/", "").replace("-", "_")
        out.update({f"{key}": row.fp, f"{key}_se": row.fp_se, f"{key}_z": row.z, f"{key}_text": _pm(row.fp, row.fp_se),
                    f"{key}_state": row.state_ratio, f"{key}_state_se": row.state_ratio_se,
                    f"{key}_state_z": row.state_z, f"{key}_state_text": _pm(row.state_ratio, row.state_ratio_se)})
    orders = d[d["model"].isin(["unitary-random-order", FIXED_RANDOM])]
    for model, name in (("unitary-random-order", "random"), (FIXED_RANDOM, "fixedrandom")):
        m = d[d["model"] == model]
        out[f"consistent_{name}_all"] = first_consistent(m)
        out[f"consistent_{name}_state_all"] = first_consistent(m, "state_z")
        # the prefix states (what the conditional assumption needs): the products that start
        # at the first gate, from the first quarter on and from the first half on
        prefixes = m[m["part"].isin(["first-1/4", "first-1/2", "first-3/4", "full"])]
        out[f"consistent_{name}_prefix_state"] = first_consistent(prefixes, "state_z")
        out[f"consistent_{name}_half_prefix_state"] = first_consistent(
            prefixes[prefixes["part"] != "first-1/4"], "state_z")
        for part in ("first-1/4", "first-1/2", "last-1/4", "last-1/2"):
            p = m[m["part"] == part]
            tag = part.replace("/", "").replace("-", "_")
            out[f"consistent_{name}_{tag}"] = first_consistent(p)
            out[f"consistent_{name}_{tag}_state"] = first_consistent(p, "state_z")
        out[f"{name}_rows"] = len(m)
        out[f"{name}_rows_consistent"] = int((m["z"].abs() < Z_CONSISTENT).sum())
    fixed = d[d["model"].isin(["unitary", "unitary-reversed-order"])]
    out.update({"fixed_orders_z_min": float(fixed["z"].min()), "fixed_orders_rows": len(fixed),
                "fixed_orders_above": int((fixed["z"] >= Z_CONSISTENT).sum()),
                "fixed_full_min": float(fixed.loc[fixed["part"] == "full", "fp"].min()),
                "fixed_full_max": float(fixed.loc[fixed["part"] == "full", "fp"].max())})
    ctrl = d[d["model"] == HAAR_MODEL]
    out.update({"control_z_max": float(ctrl["z"].abs().max()), "control_state_z_max": float(ctrl["state_z"].abs().max()),
                "fp_se_typical": float(orders["fp_se"].median()), "top_n": top,
                "design_rows_random": len(orders)})
    # verdicts as words, so that every sentence holds at every scale
    n_first = min(params["design_qubits"])
    for name in ("random_all", "fixedrandom_first_12", "fixedrandom_last_12", "fixedrandom_state_all",
                 "fixedrandom_prefix_state", "fixedrandom_half_prefix_state"):
        n_from = out[f"consistent_{name}"]
        out[f"consistent_{name}_text"] = ("at every size run" if n_from == n_first else
                                          f"from n = {n_from} on" if n_from else "at none of the sizes run")
    for tag in ("fixed", "reversed"):
        k = out[f"worst_{tag}_exceeded"]
        out[f"worst_{tag}_text"] = (f"exceeds the bound by more than two standard errors at {k} of the {out['sizes']} sizes"
                                    if k else "stays within two standard errors of the bound or below it at every size")
    above, rows_ = out["fixed_orders_above"], out["fixed_orders_rows"]
    out["fixed_orders_text"] = (f"All {rows_} of their rows lie above 2 by at least two standard errors"
                                if above == rows_ else
                                f"{above} of their {rows_} rows lie above 2 by at least two standard errors")
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in out.items()}


def results_rows(numbers: dict) -> list[dict]:
    """The page's rows of the book's results table, from :func:`quoted`."""
    n = numbers
    nh = n["nh_max"]

    def row(quantity, paper, ours):
        return dict(result="Theorem 3", figure="(book)", quantity=quantity, paper=paper, ours=ours)

    theorem = "+0.5 (the bound's √(D_v/D_h))"
    rows = []
    for tag, name in (("random", "random order"), ("reversed", "reversed Eq. (11) order"), ("fixed", "Eq. (11) order")):
        rows.append(row(f"slope of log2 RMS ∂_k Tr(Zρ_v) per visible qubit at n_h = {nh}, {name}; "
                        f"exact 2-design: {n['exact_slope_top']:.3f}", theorem, n[f"rms_{tag}_observable_top_text"]))
        rows.append(row(f"slope of log2 E||∇Tr(Zρ_v)||_inf per visible qubit at n_h = {nh}, {name}", theorem,
                        n[f"inf_{tag}_observable_top_text"]))
    for objective, name in (("root-fidelity", "√F"), ("fidelity", "F")):
        rows.append(row(f"slope of log2 E||∇{name}||_inf per visible qubit at n_h = {nh}, random order", theorem,
                        n[f"inf_random_{objective}_top_text"]))
        rows.append(row(f"slope of log2 RMS ∂_k {name} per visible qubit at n_h = {nh}, random order; "
                        f"2-design (Monte Carlo): {n[f'rms_haar_{objective}_top_interval']}", theorem,
                        n[f"rms_random_{objective}_top_text"]))
    rows += [
        row("random order: RMS ∂_k Tr(Zρ_v) over the exact 2-design value, all sizes", "1 (assumed 2-design)",
            f"{n['random_exact_ratio_min']:.3f} to {n['random_exact_ratio_max']:.3f} (largest |z| = {n['random_exact_zmax']:.1f})"),
        row("bound √2·√(D_v/D_h) over E|∂_k Tr(Zρ_v)| (mean over k), random order, all sizes", "≥ 1 (the bound)",
            f"{n['loose_random_min']:.2f} to {n['loose_random_max']:.2f}"),
        row("2-design E max_{||O||≤1}|∂ Tr(Oρ_v)| over the bound, all sizes", "≤ 1 (the bound)",
            f"{n['design_max_ratio_min']:.2f} to {n['design_max_ratio_max']:.2f}"),
    ]
    for tag, name in (("fixed", "Eq. (11) order"), ("reversed", "reversed order"), ("random", "random order")):
        rows.append(row(f"largest E|∂_k Tr(Zρ_v)| over k against the bound, {name}: smallest ratio bound/E|∂_k| "
                        f"(at n_v = {n[f'worst_{tag}_nv']}, n_h = {n[f'worst_{tag}_nh']})", "≥ 1 (the bound)",
                        f"{n[f'worst_{tag}_ratio']:.2f} (E|∂_k| = {_pm(n[f'worst_{tag}_value'], n[f'worst_{tag}_se'], 3)} "
                        f"vs {n[f'worst_{tag}_bound']:.3f}; bound exceeded at {n[f'worst_{tag}_exceeded']} "
                        f"of {n['sizes']} sizes)"))
    top = n["top_n"]
    for model, name in (("unitary", "Eq. (11) order"), ("unitary-reversed-order", "reversed order"),
                        ("unitary-random-order", "random order"), (f"{FIXED_RANDOM}_0", "one fixed random order"),
                        (HAAR_MODEL, "Haar unitaries (control)")):
        key = f"fp_{model}_full".replace("-", "_")
        rows.append(row(f"frame potential F2 of the whole circuit, n = {top} (SE; z from 2)", "2 (2-design)",
                        f"{name}: {n[key + '_text']} (z = {n[key + '_z']:.1f})"))
    for model, part, name in (("unitary-random-order", "first-1/4", "random order, first quarter"),
                              (f"{FIXED_RANDOM}_0", "first-1/4", "fixed random order, first quarter"),
                              ("unitary", "last-1/4", "Eq. (11) order, last quarter"),
                              ("unitary", "first-1/2", "Eq. (11) order, first half")):
        key = f"fp_{model}_{part}".replace("/", "").replace("-", "_")
        rows.append(row(f"frame potential F2 of a sub-product, n = {top}: {name}", "2 (2-design)",
                        f"{n[key + '_text']} (z = {n[key + '_z']:.1f}); state F2 / Haar: {n[key + '_state_text']}"))
    rows.append(row("independence assumption as stated (E[H̃ρ] = E[H̃]E[ρ], ρ Haar): E|∂ Tr(Zρ_v)| of the "
                    f"book's counterexample at n_v = {n['nv_min']}, n_h = {nh}", f"≤ {n['counter_bound']:.3f} (the bound)",
                    _pm(n["counter_abs"], n["counter_abs_se"], 4)))
    return rows
