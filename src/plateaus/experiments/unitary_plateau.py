r"""Chapter *Unitary plateau*: Theorem 3 and the paper's Figs. 3(b) and 5(a).

The unitary network of Section VI (one Pauli rotation per term of Eq. (11), applied to
:math:`|0\ldots0\rangle`) with :math:`n_v` visible and :math:`n_h` hidden qubits, angles
:math:`\theta_k \sim N(0, 1)`, and three objectives of its visible state :math:`\rho_v`:

* ``fidelity``: Uhlmann's :math:`F(\rho_v, \sigma) = (\mathrm{Tr}\sqrt{\sqrt\sigma\rho_v
  \sqrt\sigma})^2` to one fixed thermal state :math:`\sigma = e^{-H}/Z` of a random 2-local
  Hamiltonian on the visible qubits (Fig. 3(b));
* ``root-fidelity``: :math:`\sqrt F = \mathrm{Tr}\sqrt{\sqrt\sigma\rho_v\sqrt\sigma}`, the
  other common convention (QuTiP's ``fidelity``); the paper writes "the fidelity" without a
  formula, so the book runs both;
* ``observable``: :math:`\mathrm{Tr}(O\rho_v)` for a Pauli string :math:`O` on the visible
  qubits, the objective Theorem 3 is about.

Every gradient is exact (the adjoint sweep of :mod:`plateaus.adjoint`). Each instance draws
its angles and then its random order of application from its own seed, so the two readings of
the gate order ("unitary": Eq. (11) order; "unitary-random-order": one order per instance)
share the angles of every instance and differ only in the order.

Tables (``data/unitary-plateau/<scale>/``):

* ``gradients``: one row per order reading, objective, hidden size and instance;
* ``finite-differences``: central differences against the exact gradient, per step;
* ``target-draws``: the Fig. 3(b) ensemble statistics for other draws of the thermal target.

Slopes are fitted per hidden qubit to :math:`\log_2` of a statistic (and reported in
:math:`\ln` as well, which is the same fit times :math:`\ln 2`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import store
from ..measures import entropy
from ..models import UnitaryQNN, thermal_target
from ..objectives import Fidelity, Objective, Observable
from ..parallel import instance_index, map_instances, spawn_seeds
from ..params import chapter_params
from ..terms import TERM_CLASSES, pauli_matrix, term_classes

CHAPTER = "unitary-plateau"
EXPERIMENT = "gradients"
FD_EXPERIMENT = "finite-differences"
TARGETS_EXPERIMENT = "target-draws"

#: The paper's Fig. 3(b): the fitted slope with its standard error, and the range of the tick
#: labels of its vertical axis (the first and last tick, at n_h = 1..4; the base of the log is
#: not stated).
PAPER_SLOPE, PAPER_SLOPE_SE = -0.441, 0.003
PAPER_AXIS = (-1.4, -2.6)
#: Theorem 3's scale sqrt(D_v / D_h): slope per hidden qubit of log2 of the gradient.
BOUND_SLOPE_LOG2 = -0.5

#: Term classes of the cut between visible and hidden qubits (:func:`plateaus.terms.term_classes`).
CLASSES = TERM_CLASSES

#: Columns of the gradient table as :func:`gradients` returns it.
GRADIENT_COLUMNS = ("model", "objective", "n_visible", "n_hidden", "n_params", "instance", "value",
                    "entropy_v", "inf_norm", "rms", "rms_visible", "rms_across", "rms_hidden",
                    "inf_visible", "inf_across", "inf_hidden", "max_class",
                    "inf_q1", "inf_q2", "inf_q3", "inf_q4", "max_position")
#: The stored gradient tables (committed and hash-checked) name the class ``across`` ``cut``:
#: in the columns ``rms_cut``, ``inf_cut`` and in the values of ``max_class``. The names are
#: translated at the store and nowhere else (:func:`_to_table`, :func:`_from_table`).
_TABLE_CLASS_NAMES = {"across": "cut"}
_TABLE_COLUMNS = {f"{stat}_{c}": f"{stat}_{t}" for c, t in _TABLE_CLASS_NAMES.items()
                  for stat in ("rms", "inf")}
STORED_GRADIENT_COLUMNS = tuple(_TABLE_COLUMNS.get(c, c) for c in GRADIENT_COLUMNS)

# Streams of the root seed: [seed, 0, draw] the thermal target (plateaus.models.thermal_target,
# stream plateaus.models.THERMAL_TARGET_STREAM), [seed, 1, n_hidden] the instances.
_INSTANCE_STREAM = 1


# ---------------------------------------------------------------------------------------------
# objectives


class RootFidelity(Objective):
    r"""Root fidelity :math:`\sqrt{F(\rho_v, \sigma)} = \mathrm{Tr}\sqrt{\sqrt\sigma\rho_v\sqrt\sigma}`.

    The convention of QuTiP's ``fidelity`` (and of Nielsen & Chuang). Derivative by the chain
    rule from :class:`plateaus.objectives.Fidelity`: :math:`G_{\sqrt F} = G_F / (2\sqrt F)`.

    Parameters
    ----------
    target : array_like, shape (D_v, D_v)
        Density matrix :math:`\sigma`.
    """

    def __init__(self, target):
        self._fidelity = Fidelity(target)
        self.target = self._fidelity.target
        self.dim = self._fidelity.dim

    def value(self, rho_v) -> np.ndarray:
        r""":math:`\sqrt F`, shape ``rho_v.shape[:-2]``."""
        return np.sqrt(self._fidelity.value(rho_v))

    def derivative(self, rho_v) -> np.ndarray:
        r""":math:`G_F / (2\sqrt F)`, shape ``rho_v.shape``; ``ValueError`` where :math:`F = 0`."""
        f = np.asarray(self._fidelity.value(rho_v))
        if np.any(f <= 0.0):
            raise ValueError("the root fidelity is not differentiable where F = 0")
        return self._fidelity.derivative(rho_v) / (2.0 * np.sqrt(f))[..., None, None]


def make_objective(name: str, target: np.ndarray, observable: str) -> Objective:
    """The objective ``name`` (``fidelity``, ``root-fidelity`` or ``observable``)."""
    if name == "fidelity":
        return Fidelity(target)
    if name == "root-fidelity":
        return RootFidelity(target)
    if name == "observable":
        return Observable(pauli_matrix(observable))
    raise ValueError(
        f"objective = {name!r} is not allowed; expected 'fidelity', 'root-fidelity' or 'observable'"
    )


# ---------------------------------------------------------------------------------------------
# ensembles


def _orders(model: str, orders: np.ndarray):
    if model == "unitary":
        return None
    if model == "unitary-random-order":
        return orders
    raise ValueError(f"model = {model!r} is not allowed; expected 'unitary' or 'unitary-random-order'")


def positions(order, n_params: int, batch: int) -> np.ndarray:
    """Step of the product at which every term is applied, ``(batch, n_params)``: 0 first.

    ``order``: None (Eq. (11) order, term ``k`` at step ``k``) or ``(batch, n_params)``
    permutations, ``order[b, j]`` the term applied at step ``j``; the result is its inverse.
    """
    if order is None:
        return np.broadcast_to(np.arange(n_params), (batch, n_params))
    pos = np.empty_like(order)
    np.put_along_axis(pos, order, np.arange(n_params)[None, :], axis=1)
    return pos


def gradient_summary(grad: np.ndarray, classes: np.ndarray, position: np.ndarray | None = None) -> dict[str, np.ndarray]:
    r"""Per instance, from the gradient ``grad`` ``(B, K)``:

    * ``inf_norm`` :math:`\|g\|_\infty` and ``rms`` :math:`\|g\|_2/\sqrt K`;
    * ``rms_<class>`` and ``inf_<class>``: the RMS and the largest entry over the terms of each
      class (:data:`CLASSES`), and ``max_class``, the class holding the largest entry;
    * with ``position`` (``(B, K)``, the step at which each term is applied, see
      :func:`positions`): ``inf_q1`` ... ``inf_q4``, the largest entry over the terms applied in
      each quarter of the product (``q4``: the last gates, nearest the output), and
      ``max_position``, the step of the largest entry divided by :math:`K - 1` (0 first gate,
      1 last).
    """
    absg = np.abs(grad)
    n_params = grad.shape[1]
    out = {"inf_norm": absg.max(axis=1), "rms": np.sqrt(np.mean(grad**2, axis=1))}
    for c in CLASSES:
        mask = classes == c
        none = np.full(len(grad), np.nan)
        out[f"rms_{c}"] = np.sqrt(np.mean(grad[:, mask] ** 2, axis=1)) if mask.any() else none
        out[f"inf_{c}"] = absg[:, mask].max(axis=1) if mask.any() else none
    largest = np.argmax(absg, axis=1)
    out["max_class"] = classes[largest]
    if position is not None:
        quarter = (4 * np.asarray(position)) // n_params  # 0..3, equal shares of the steps
        for q in range(4):
            out[f"inf_q{q + 1}"] = np.where(quarter == q, absg, -np.inf).max(axis=1)
        step = np.take_along_axis(np.asarray(position), largest[:, None], axis=1)[:, 0]
        out["max_position"] = step / max(n_params - 1, 1)
    return out


def _gradient_chunk(seeds, *, n_visible, n_hidden, theta_std, models, objectives):
    qnn = UnitaryQNN(n_visible, n_hidden)
    classes = term_classes(qnn.terms, n_visible)
    theta, orders = qnn.sample_instances(seeds, theta_std=theta_std, order="random")
    index = [instance_index(s) for s in seeds]
    frames = []
    for model in models:
        order = _orders(model, orders)
        position = positions(order, qnn.n_params, len(seeds))
        rho_v = qnn.reduced_state(theta, order=order)
        entropy_v = entropy(rho_v)
        for name, objective in objectives.items():
            grad = qnn.gradient(theta, objective, method="adjoint", order=order)
            frames.append(pd.DataFrame({
                "instance": index, "model": model, "objective": name, "n_hidden": n_hidden,
                "value": objective.value(rho_v), "entropy_v": entropy_v,
                **gradient_summary(grad, classes, position),
            }))
    return pd.concat(frames, ignore_index=True)


def _params(params: dict) -> dict:
    return chapter_params(CHAPTER, params["scale"],
                          **{k: v for k, v in params.items() if k not in ("chapter", "scale")})


def _objectives(params: dict, draw: int = 0, names=None) -> dict[str, Objective]:
    target = thermal_target(params["seed"], params["n_visible"], params["onsite_var"],
                            params["offsite_var"], draw)
    names = params["objectives"] if names is None else names
    return {name: make_objective(name, target, params["visible_observable"]) for name in names}


def _check_sizes(params: dict) -> None:
    if len(params["visible_observable"]) != params["n_visible"]:
        raise ValueError(
            f"visible_observable = {params['visible_observable']!r} has "
            f"{len(params['visible_observable'])} letters; expected n_visible = {params['n_visible']}"
        )
    missing = set(params["n_hidden"]) - set(params["n_hidden_beyond"])
    if missing:
        raise ValueError(
            f"n_hidden_beyond = {params['n_hidden_beyond']} must contain every size of n_hidden "
            f"= {params['n_hidden']} (missing {sorted(missing)})"
        )


def gradients(params: dict, *, recompute: bool = False) -> pd.DataFrame:
    """The gradient table: one row per order reading, objective, hidden size and instance.

    Columns: ``model``, ``objective``, ``n_visible``, ``n_hidden``, ``n_params``,
    ``instance``, ``value`` (the objective), ``entropy_v`` (von Neumann entropy of
    :math:`\\rho_v` in nats, the same for every objective), ``inf_norm``
    (:math:`\\|\\nabla F\\|_\\infty`), ``rms``, ``rms_visible``, ``rms_across``, ``rms_hidden``,
    ``inf_visible``, ``inf_across``, ``inf_hidden``, ``max_class`` (RMS and largest entry of the
    gradient, overall and per term class, and the class of the largest entry), ``inf_q1`` ...
    ``inf_q4`` and ``max_position`` (the largest entry per quarter of the product, and the
    relative step of the largest entry; see :func:`gradient_summary`). Hidden sizes are
    ``n_hidden_beyond`` (which contains the paper's ``n_hidden``). The stored table names the
    class ``across`` ``cut`` (:data:`STORED_GRADIENT_COLUMNS`); the frame returned here uses
    :data:`CLASSES`.
    """
    params = _params(params)
    _check_sizes(params)

    def compute() -> pd.DataFrame:
        objectives = _objectives(params)
        frames = []
        for n_hidden in params["n_hidden_beyond"]:
            df = map_instances(
                _gradient_chunk, params["instances"], seed=[params["seed"], _INSTANCE_STREAM, n_hidden],
                chunk_size=params["chunk_size"], desc=f"gradients, n_h={n_hidden}",
                n_visible=params["n_visible"], n_hidden=n_hidden, theta_std=params["theta_std"],
                models=params["models"], objectives=objectives,
            )
            n_params = UnitaryQNN(params["n_visible"], n_hidden).n_params
            frames.append(df.assign(n_visible=params["n_visible"], n_params=n_params))
        df = pd.concat(frames, ignore_index=True)[list(GRADIENT_COLUMNS)]
        return df.sort_values(["model", "objective", "n_hidden", "instance"], kind="stable").reset_index(drop=True)

    stored = store.cached(CHAPTER, params["scale"], EXPERIMENT, params, lambda: _to_table(compute()),
                          recompute=recompute, columns=STORED_GRADIENT_COLUMNS)
    return _from_table(stored)


def _to_table(df: pd.DataFrame) -> pd.DataFrame:
    """The gradient table under the class names of the stored tables (``across`` -> ``cut``)."""
    return df.rename(columns=_TABLE_COLUMNS).assign(
        max_class=df["max_class"].replace(_TABLE_CLASS_NAMES))


def _from_table(df: pd.DataFrame) -> pd.DataFrame:
    """Inverse of :func:`_to_table`: the stored table under the names of :data:`CLASSES`."""
    back = {t: c for c, t in _TABLE_CLASS_NAMES.items()}
    return df.rename(columns={t: c for c, t in _TABLE_COLUMNS.items()}).assign(
        max_class=df["max_class"].replace(back))


# ---------------------------------------------------------------------------------------------
# finite differences


def central_differences(qnn: UnitaryQNN, theta: np.ndarray, objectives: dict, order, step: float) -> dict:
    r"""Central differences :math:`(F(\theta + h e_k) - F(\theta - h e_k)) / 2h` of several objectives.

    The same numbers as ``qnn.gradient(theta, objective, method="finite-difference",
    step=h)``, but every shifted state of the batch is computed in one call and shared by all
    objectives. ``theta``: ``(B, K)``; ``order``: None or ``(B, K)``. Returns
    ``{name: (B, K)}``.
    """
    batch, K = theta.shape
    shifted = np.repeat(theta[:, None, :], 2 * K, axis=1)
    k = np.arange(K)
    shifted[:, k, k] += step
    shifted[:, K + k, k] -= step
    orders = None if order is None else np.repeat(order[:, None, :], 2 * K, axis=1).reshape(-1, K)
    rho_v = qnn.reduced_state(shifted.reshape(-1, K), order=orders)
    out = {}
    for name, objective in objectives.items():
        values = np.asarray(objective.value(rho_v)).reshape(batch, 2 * K)
        out[name] = (values[:, :K] - values[:, K:]) / (2.0 * step)
    return out


def finite_differences(params: dict, *, recompute: bool = False) -> pd.DataFrame:
    """Central differences against the exact gradient, for the random-order reading.

    The first ``fd_instances`` instances of the gradient table (same seeds) at each size of
    ``fd_n_hidden`` and each step of ``fd_steps``. Columns: ``objective``, ``n_hidden``,
    ``instance``, ``step``, ``max_abs_error`` (:math:`\\|g_{FD} - g\\|_\\infty`),
    ``rel_error`` (divided by :math:`\\|g\\|_\\infty`), ``inf_norm`` (exact) and
    ``inf_norm_fd`` (what a finite-difference run would report).
    """
    params = _params(params)
    _check_sizes(params)

    def compute() -> pd.DataFrame:
        objectives = _objectives(params)
        rows = []
        for n_hidden in params["fd_n_hidden"]:
            qnn = UnitaryQNN(params["n_visible"], n_hidden)
            seeds = spawn_seeds([params["seed"], _INSTANCE_STREAM, n_hidden], params["fd_instances"])
            theta, orders = qnn.sample_instances(seeds, theta_std=params["theta_std"], order="random")
            exact = {name: qnn.gradient(theta, obj, order=orders) for name, obj in objectives.items()}
            for step in params["fd_steps"]:
                approx = central_differences(qnn, theta, objectives, orders, step)
                for name in objectives:
                    inf = np.abs(exact[name]).max(axis=1)
                    err = np.abs(approx[name] - exact[name]).max(axis=1)
                    rows.append(pd.DataFrame({
                        "objective": name, "n_hidden": n_hidden, "instance": np.arange(len(seeds)),
                        "step": step, "max_abs_error": err, "rel_error": err / inf,
                        "inf_norm": inf, "inf_norm_fd": np.abs(approx[name]).max(axis=1),
                    }))
        return pd.concat(rows, ignore_index=True)

    return store.cached(CHAPTER, params["scale"], FD_EXPERIMENT, params, compute, recompute=recompute)


# ---------------------------------------------------------------------------------------------
# other draws of the target


def _targets_chunk(seeds, *, n_visible, n_hidden, theta_std, draws):
    qnn = UnitaryQNN(n_visible, n_hidden)
    theta, orders = qnn.sample_instances(seeds, theta_std=theta_std, order="random")
    index = [instance_index(s) for s in seeds]
    frames = []
    for draw, objectives in enumerate(draws):
        for name, objective in objectives.items():
            grad = qnn.gradient(theta, objective, order=orders)
            frames.append(pd.DataFrame({"instance": index, "draw": draw, "objective": name,
                                        "inf_norm": np.abs(grad).max(axis=1)}))
    return pd.concat(frames, ignore_index=True)


def target_draws(params: dict, *, recompute: bool = False) -> pd.DataFrame:
    """Fig. 3(b) (random order, both fidelity conventions) for ``target_draws`` draws of the target.

    Draw 0 is the chapter's target. The instances are those of the gradient table. One row per
    draw, objective and hidden size of ``n_hidden``: ``mean``, ``var`` and ``sem`` of
    :math:`\\|\\nabla F\\|_\\infty` over the instances, and ``instances``.
    """
    params = _params(params)
    _check_sizes(params)
    names = [n for n in params["objectives"] if n in ("fidelity", "root-fidelity")]

    def compute() -> pd.DataFrame:
        draws = [_objectives(params, draw, names) for draw in range(params["target_draws"])]
        frames = []
        for n_hidden in params["n_hidden"]:
            df = map_instances(
                _targets_chunk, params["instances"], seed=[params["seed"], _INSTANCE_STREAM, n_hidden],
                chunk_size=params["chunk_size"], desc=f"target draws, n_h={n_hidden}",
                n_visible=params["n_visible"], n_hidden=n_hidden, theta_std=params["theta_std"],
                draws=draws,
            )
            stats = df.groupby(["draw", "objective"])["inf_norm"].agg(["mean", "var", "sem", "count"])
            frames.append(stats.reset_index().assign(n_hidden=n_hidden))
        df = pd.concat(frames, ignore_index=True).rename(columns={"count": "instances"})
        cols = ["draw", "objective", "n_hidden", "instances", "mean", "var", "sem"]
        return df[cols].sort_values(["draw", "objective", "n_hidden"]).reset_index(drop=True)

    return store.cached(CHAPTER, params["scale"], TARGETS_EXPERIMENT, params, compute, recompute=recompute)


# ---------------------------------------------------------------------------------------------
# statistics quoted in the chapter


def haar_rms(d_visible: int, d_hidden) -> np.ndarray:
    r"""RMS derivative of :math:`\mathrm{Tr}(O\rho_v)`, :math:`O` a Pauli string, in the 2-design model.

    With :math:`|\psi\rangle` Haar random and :math:`\tilde H_k` a Pauli string conjugated by
    an independent Haar unitary (the assumptions of Theorem 3),
    :math:`\partial_k F = \langle\psi|A|\psi\rangle`, :math:`A = i[\tilde H_k, O\otimes I]`, and

    .. math::

        \mathbb E(\partial_k F)^2 = \frac{\mathbb E\,\mathrm{Tr}A^2}{D(D+1)}
        = \frac{2D^2}{(D^2 - 1)(D + 1)} \approx \frac{2}{D}, \qquad D = D_v D_h .
    """
    d = d_visible * np.asarray(d_hidden, dtype=float)
    return np.sqrt(2.0 * d**2 / ((d**2 - 1.0) * (d + 1.0)))
