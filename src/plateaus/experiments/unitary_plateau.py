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
its angles and then its random order of application from its own seed, so the three readings
of the gate order ("unitary": Eq. (11) order; "unitary-reversed-order": the reverse, the last
term of Eq. (11) applied first, as Theorem 3 writes the product; "unitary-random-order": one
order per instance) share the angles of every instance and differ only in the order.

The thermal target is read two ways (:func:`plateaus.models.thermal_target`): the Gibbs state
of the sampled Hamiltonian as drawn (*unnormalised*, nearly rank two; the committed tables),
and of the same Hamiltonian first rescaled to unit operator norm (*normalised*, as the paper
normalises its Boltzmann machine; a much warmer state).

Tables (``data/unitary-plateau/<scale>/``):

* ``gradients``: one row per order reading (Eq. (11) and random), objective, hidden size and
  instance, unnormalised target;
* ``gradients-reversed-order``: the same for the reversed Eq. (11) order (issue 16);
* ``gradients-normalised-target``: the fidelities for all three orders, normalised target
  (the observable does not depend on the target);
* ``finite-differences``: central differences against the exact gradient, per step;
* ``target-draws``, ``target-draws-normalised``: the Fig. 3(b) ensemble statistics for other
  draws of the thermal target, unnormalised and normalised.

Slopes are fitted per hidden qubit to :math:`\log_2` of a statistic (and reported in
:math:`\ln` as well, which is the same fit times :math:`\ln 2`), weighted by the standard
error of each point, with 95 % t intervals and :math:`\chi^2/\mathrm{dof}`
(:mod:`plateaus.analysis`); where the data reject a straight line, the page quotes the
per-step differences, from a bootstrap over instances seeded by the chapter's seed.
:func:`readings` computes the chapter's tables of statistics, fits and steps, :func:`quoted`
every number the page quotes, :func:`results_rows` its rows of the book's results table.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _st

from .. import analysis as an
from .. import haar, store
from ..measures import entropy
from ..models import UnitaryQNN, thermal_target
from ..objectives import Fidelity, Objective, Observable
from ..parallel import instance_index, map_instances, spawn_seeds
from ..params import chapter_params, without
from ..terms import TERM_CLASSES, pauli_matrix, term_classes, two_local_terms

CHAPTER = "unitary-plateau"
EXPERIMENT = "gradients"
FD_EXPERIMENT = "finite-differences"
TARGETS_EXPERIMENT = "target-draws"
REVERSED_EXPERIMENT = "gradients-reversed-order"
NORMALISED_EXPERIMENT = "gradients-normalised-target"
NORMALISED_TARGETS_EXPERIMENT = "target-draws-normalised"
#: Parameters added after the tables ``gradients``, ``finite-differences`` and
#: ``target-draws`` were committed: those tables are keyed without them (they stay
#: byte-identical and are read from the cache); the new tables are keyed with them.
ADDED_KEYS = ("added_models",)
#: The two conventions of "the fidelity" (the objectives that depend on the target).
FIDELITIES = ("fidelity", "root-fidelity")

#: The paper's Fig. 3(b): the fitted slope with its standard error, and the range of the tick
#: labels of its vertical axis (the first and last tick, at n_h = 1..4; the base of the log is
#: not stated).
PAPER_SLOPE, PAPER_SLOPE_SE = -0.441, 0.003
PAPER_AXIS = (-1.4, -2.6)
#: The hidden sizes of the paper's Fig. 3(b), over which its line is fitted (whatever the scale).
PAPER_SIZES = (1, 2, 3, 4)
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


#: The readings of the gate order and the ``order`` of :meth:`plateaus.models.UnitaryQNN.sample_instances`.
ORDER_KINDS = {"unitary": "eq11", "unitary-reversed-order": "reversed", "unitary-random-order": "random"}


def _orders(model: str, orders: np.ndarray):
    """The ``order=`` of ``model`` for a batch whose random orders are ``orders`` ``(B, K)``:
    None (Eq. (11) order), the reversed order in every row, or ``orders`` themselves."""
    if model == "unitary":
        return None
    if model == "unitary-reversed-order":
        return np.ascontiguousarray(np.broadcast_to(np.arange(orders.shape[1])[::-1], orders.shape))
    if model == "unitary-random-order":
        return orders
    raise ValueError(f"model = {model!r} is not allowed; expected one of {sorted(ORDER_KINDS)}")


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


def _objectives(params: dict, draw: int = 0, names=None, normalise: bool = False) -> dict[str, Objective]:
    target = thermal_target(params["seed"], params["n_visible"], params["onsite_var"],
                            params["offsite_var"], draw, normalise=normalise)
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


def _committed_key(params: dict) -> dict:
    """The cache key of the tables committed before :data:`ADDED_KEYS`: the parameters
    without them."""
    return without(params, ADDED_KEYS)


def _reading_key(params: dict, normalise: bool) -> dict:
    """The cache key of a table added for issue 16: every parameter and the target's reading."""
    return {**params, "normalise_target": bool(normalise)}


#: The tables committed before issue 16, keyed without :data:`ADDED_KEYS`.
FIRST_TABLES = (EXPERIMENT, FD_EXPERIMENT, TARGETS_EXPERIMENT)
#: The tables of the normalised target (keyed with ``normalise_target = True``).
NORMALISED_TABLES = (NORMALISED_EXPERIMENT, NORMALISED_TARGETS_EXPERIMENT)


def store_params(experiment: str, params: dict) -> dict:
    """The parameters that key ``experiment``'s table in the store: ``params`` without
    :data:`ADDED_KEYS` for the tables of :data:`FIRST_TABLES` (:func:`_committed_key`); for the
    tables added for issue 16, every parameter and ``normalise_target``, the reading of the
    target (:func:`_reading_key`)."""
    if experiment in FIRST_TABLES:
        return _committed_key(params)
    if experiment == REVERSED_EXPERIMENT:
        return _reading_key(params, False)
    if experiment in NORMALISED_TABLES:
        return _reading_key(params, True)
    raise ValueError(f"experiment = {experiment!r} is not allowed; expected one of "
                     f"{[*FIRST_TABLES, REVERSED_EXPERIMENT, *NORMALISED_TABLES]}")


def _gradient_table(params: dict, models, objectives: dict, sizes) -> pd.DataFrame:
    """The rows of a gradient table (:data:`GRADIENT_COLUMNS`) for ``models`` and
    ``objectives`` at the hidden ``sizes``, instances from the streams ``[seed, 1, n_hidden]``
    (the same angles for every table and model)."""
    frames = []
    for n_hidden in sizes:
        df = map_instances(
            _gradient_chunk, params["instances"], seed=[params["seed"], _INSTANCE_STREAM, n_hidden],
            chunk_size=params["chunk_size"], desc=f"gradients, n_h={n_hidden}",
            n_visible=params["n_visible"], n_hidden=n_hidden, theta_std=params["theta_std"],
            models=list(models), objectives=objectives,
        )
        n_params = UnitaryQNN(params["n_visible"], n_hidden).n_params
        frames.append(df.assign(n_visible=params["n_visible"], n_params=n_params))
    df = pd.concat(frames, ignore_index=True)[list(GRADIENT_COLUMNS)]
    return df.sort_values(["model", "objective", "n_hidden", "instance"], kind="stable").reset_index(drop=True)


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
        return _gradient_table(params, params["models"], _objectives(params), params["n_hidden_beyond"])

    stored = store.cached(CHAPTER, params["scale"], EXPERIMENT, store_params(EXPERIMENT, params),
                          lambda: _to_table(compute()), recompute=recompute, columns=STORED_GRADIENT_COLUMNS)
    return _from_table(stored)


def reversed_gradients(params: dict, *, recompute: bool = False) -> pd.DataFrame:
    """The gradient table (columns as :func:`gradients`) of the readings ``added_models`` (the
    reversed Eq. (11) order, ``unitary-reversed-order``): the same instances, objectives,
    unnormalised target and sizes (``n_hidden_beyond``) as :func:`gradients`, so that its rows
    join that table's."""
    params = _params(params)
    _check_sizes(params)
    new = [m for m in params["added_models"] if m not in params["models"]]
    if not new or any(m not in ORDER_KINDS for m in new):
        raise ValueError(f"added_models = {params['added_models']} must name readings of the gate "
                         f"order not in models = {params['models']}; allowed: {sorted(ORDER_KINDS)}")

    def compute() -> pd.DataFrame:
        return _gradient_table(params, new, _objectives(params), params["n_hidden_beyond"])

    stored = store.cached(CHAPTER, params["scale"], REVERSED_EXPERIMENT,
                          store_params(REVERSED_EXPERIMENT, params), lambda: _to_table(compute()),
                          recompute=recompute, columns=STORED_GRADIENT_COLUMNS)
    return _from_table(stored)


def normalised_gradients(params: dict, *, recompute: bool = False) -> pd.DataFrame:
    """The gradient table (columns as :func:`gradients`) of the two fidelities to the
    *normalised* target (:func:`plateaus.models.thermal_target` with ``normalise=True``: the
    same draw, its Hamiltonian rescaled to unit operator norm) for every reading of the gate
    order (``models`` and ``added_models``), at every size of ``n_hidden_beyond``, on the same
    instances as :func:`gradients`. The observable does not depend on the target and is not
    repeated here."""
    params = _params(params)
    _check_sizes(params)
    models = list(dict.fromkeys([*params["models"], *params["added_models"]]))
    names = [n for n in params["objectives"] if n in FIDELITIES]

    def compute() -> pd.DataFrame:
        return _gradient_table(params, models, _objectives(params, names=names, normalise=True),
                               params["n_hidden_beyond"])

    stored = store.cached(CHAPTER, params["scale"], NORMALISED_EXPERIMENT,
                          store_params(NORMALISED_EXPERIMENT, params),
                          lambda: _to_table(compute()), recompute=recompute, columns=STORED_GRADIENT_COLUMNS)
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

    return store.cached(CHAPTER, params["scale"], FD_EXPERIMENT, store_params(FD_EXPERIMENT, params),
                        compute, recompute=recompute)


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
    return _target_draws(params, recompute=recompute, normalise=False)


def normalised_target_draws(params: dict, *, recompute: bool = False) -> pd.DataFrame:
    """:func:`target_draws` with every draw of the target normalised (its Hamiltonian rescaled
    to unit operator norm, :func:`plateaus.models.thermal_target` with ``normalise=True``):
    the same draws of the coefficients, the same instances, the same columns."""
    return _target_draws(params, recompute=recompute, normalise=True)


def _target_draws(params: dict, *, recompute: bool, normalise: bool) -> pd.DataFrame:
    params = _params(params)
    _check_sizes(params)
    names = [n for n in params["objectives"] if n in FIDELITIES]

    def compute() -> pd.DataFrame:
        draws = [_objectives(params, draw, names, normalise) for draw in range(params["target_draws"])]
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

    name = NORMALISED_TARGETS_EXPERIMENT if normalise else TARGETS_EXPERIMENT
    return store.cached(CHAPTER, params["scale"], name, store_params(name, params), compute, recompute=recompute)


# ---------------------------------------------------------------------------------------------
# statistics quoted in the chapter

#: The tag of each reading of the gate order in the names of the quoted numbers.
ORDER_TAGS = {"unitary": "fixed", "unitary-reversed-order": "reversed", "unitary-random-order": "random"}
#: The two readings of the thermal target, by the ``normalise`` of :func:`plateaus.models.thermal_target`.
TARGET_READINGS = {False: "unnormalised", True: "normalised"}
#: The largest gradient entry within each quarter of the product (``inf_q4``: the last gates,
#: next to the output) and within each term class: columns of the gradient table.
QUARTERS = ("inf_q1", "inf_q2", "inf_q3", "inf_q4")
PARTS = QUARTERS + tuple(f"inf_{c}" for c in CLASSES)
#: The RMS columns of the gradient table and the class each one averages over.
RMS_COLUMNS = {"rms": "all", **{f"rms_{c}": c for c in CLASSES}}
#: A mean largest entry below this is round-off of a derivative that vanishes exactly.
VANISHES = 1e-12
_CELL = ["model", "objective", "n_hidden"]


def target_spectrum(params: dict, draw: int = 0, normalise: bool = False) -> np.ndarray:
    """Eigenvalues of the chapter's thermal target (``normalise``: its normalised reading),
    largest first, rounded to 4 decimals."""
    params = _params(params)
    target = thermal_target(params["seed"], params["n_visible"], params["onsite_var"],
                            params["offsite_var"], draw, normalise=normalise)
    return np.round(np.linalg.eigvalsh(target)[::-1], 4)


def target_spectra(params: dict) -> pd.DataFrame:
    """The spectra of both readings of the chapter's target (:func:`target_spectrum`), a row
    per reading and a column per eigenvalue, largest first."""
    rows = {TARGET_READINGS[n]: target_spectrum(params, normalise=n) for n in (False, True)}
    table = pd.DataFrame(rows).T
    table.columns = [f"p{i + 1}" for i in range(table.shape[1])]
    return table.rename_axis(index="target")


def ensemble_stats(df: pd.DataFrame, column: str = "inf_norm") -> pd.DataFrame:
    """Per model, objective and hidden size: ``n``, ``mean``, ``se``, ``var`` and ``var_se`` of
    ``column`` over the instances (:func:`plateaus.analysis.group_stats`)."""
    return an.group_stats(df, _CELL, column)


def norm_fits(df: pd.DataFrame, statistic: str = "mean", sizes=None) -> pd.DataFrame:
    r"""Figs. 3(b) (``statistic="mean"``) and 5(a) (``"var"``): per model and objective, the line
    of :math:`\log_2` of the mean (or variance) of :math:`\|\nabla F\|_\infty` against
    :math:`n_h`, weighted by the delta-method errors of each point
    (:func:`plateaus.analysis.log_fits`), over ``sizes`` (all sizes when None)."""
    return an.log_fits(df, ["model", "objective"], "inf_norm", statistic=statistic, sizes=sizes)


def _fits(stats: pd.DataFrame, by, value: str, se: str, sizes=None) -> pd.DataFrame:
    """Per group of ``by``: the weighted line of log2 ``value`` (errors ``se``) against n_h."""
    by = list(by)
    if sizes is not None:
        stats = stats[stats["n_hidden"].isin(list(sizes))]
    rows = []
    for key, g in stats.groupby(by, sort=False):
        fit = an.log_fit(g["n_hidden"], g[value], g[se], base=2)
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by, key)), **an.fit_columns(fit),
                     "sizes": f"{g['n_hidden'].min():g}..{g['n_hidden'].max():g}"})
    return pd.DataFrame(rows)


def bootstrap_steps(df: pd.DataFrame, by, value: str, *, seed: int, statistic: str = "mean",
                    sizes=None, power: int = 1) -> pd.DataFrame:
    r"""Per group of ``by``: the per-step differences :math:`\log_2 s(n_h + 1) - \log_2 s(n_h)`
    of the ``statistic`` (mean or variance over instances) of ``value**power``, divided by
    ``power``, with 95 % intervals from a bootstrap over instances seeded by ``seed``
    (:func:`plateaus.analysis.bootstrap_log_fit`). ``power=2`` with the mean gives the steps of
    the ensemble RMS, :math:`\log_2\sqrt{\mathbb E x^2}`. Columns: the ``by`` columns,
    ``x_from``, ``x_to``, ``step``, ``low``, ``high``."""
    by = list(by)
    if sizes is not None:
        df = df[df["n_hidden"].isin(list(sizes))]
    frames = []
    for key, g in df.groupby(by, sort=False):
        samples = g.set_index("n_hidden")[value].astype(float) ** power
        steps = an.bootstrap_log_fit(samples, statistic=statistic, seed=seed).steps
        steps[["step", "low", "high"]] /= power
        key = key if isinstance(key, tuple) else (key,)
        frames.append(steps.assign(**dict(zip(by, key))))
    return pd.concat(frames, ignore_index=True)[by + ["x_from", "x_to", "step", "low", "high"]]


def class_stats(df: pd.DataFrame) -> pd.DataFrame:
    r"""Ensemble RMS gradient entry per term class,
    :math:`\big(\mathbb E\,\overline{g_k^2}\big)^{1/2}` over the terms of the class and the
    instances, with its standard error by the delta method (the standard error of the mean
    square over instances divided by twice the RMS). One row per model, objective, hidden size
    and ``cls`` (``all`` or a class of :data:`CLASSES`): ``n``, ``rms``, ``se``."""
    long = df.melt(id_vars=_CELL, value_vars=list(RMS_COLUMNS), var_name="cls", value_name="x")
    long["cls"] = long["cls"].map(RMS_COLUMNS)
    long["x2"] = long["x"] ** 2
    st = an.group_stats(long, ["model", "objective", "cls", "n_hidden"], "x2")
    rms = np.sqrt(st["mean"])
    return pd.DataFrame({"model": st["model"], "objective": st["objective"], "n_hidden": st["n_hidden"],
                         "cls": st["cls"], "n": st["n"], "rms": rms, "se": st["se"] / (2 * rms)})


def class_fits(cstats: pd.DataFrame, sizes=None) -> pd.DataFrame:
    """Weighted log2 lines of :func:`class_stats` per model, objective and class."""
    return _fits(cstats, ["model", "objective", "cls"], "rms", "se", sizes)


def split_stats(df: pd.DataFrame) -> pd.DataFrame:
    """Ensemble mean and standard error of the largest gradient entry within each part of the
    gradient (:data:`PARTS`). One row per model, objective, hidden size and ``part`` (the
    column name): ``n``, ``mean``, ``se``."""
    long = df.melt(id_vars=_CELL, value_vars=list(PARTS), var_name="part", value_name="x")
    st = an.group_stats(long, ["model", "objective", "part", "n_hidden"], "x")
    return st[_CELL + ["part", "n", "mean", "se"]]


def split_fits(sstats: pd.DataFrame, sizes=None) -> pd.DataFrame:
    """Weighted log2 lines of :func:`split_stats` per model, objective and part over ``sizes``.
    A part whose mean is below :data:`VANISHES` at one of the sizes (a derivative that is
    exactly zero) has no line and no row."""
    sub = sstats if sizes is None else sstats[sstats["n_hidden"].isin(list(sizes))]
    alive = sub.groupby(["model", "objective", "part"])["mean"].transform("min") > VANISHES
    return _fits(sub[alive], ["model", "objective", "part"], "mean", "se")


def entropy_stats(df: pd.DataFrame) -> pd.DataFrame:
    r"""Mean and standard error of the visible entropy :math:`S(\rho_v)` (nats) per model and
    hidden size (``n``, ``mean``, ``se``, ...). The entropy belongs to the state, the same in
    every objective's rows; the rows of one objective are used."""
    one = df[df["objective"] == df["objective"].iloc[0]]
    return an.group_stats(one, ["model", "n_hidden"], "entropy_v")


def page_curve(params: dict) -> pd.DataFrame:
    """Page's mean entropy (nats) of Haar states at every hidden size of the chapter
    (:func:`plateaus.haar.page_curve`): columns ``n_hidden``, ``entropy``."""
    return haar.page_curve(params["n_visible"], params["n_hidden_beyond"])


def haar_curve(params: dict) -> pd.DataFrame:
    """The 2-design RMS gradient entry of an observable (:func:`haar_rms`) at every hidden size:
    columns ``n_hidden``, ``rms``."""
    sizes = np.asarray(params["n_hidden_beyond"])
    return pd.DataFrame({"n_hidden": sizes, "rms": haar_rms(2 ** params["n_visible"], 2.0 ** sizes)})


def largest_holders(df: pd.DataFrame, n_hidden: int) -> pd.DataFrame:
    """At ``n_hidden``: the fraction of instances in which the largest gradient entry belongs to
    each term class, a row per model and objective and a column per class."""
    at = df[df["n_hidden"] == n_hidden]
    return (at.groupby(["model", "objective"])["max_class"].value_counts(normalize=True)
            .unstack(fill_value=0.0).reindex(columns=list(CLASSES), fill_value=0.0))


def draw_fits(td: pd.DataFrame) -> pd.DataFrame:
    """The Fig. 3(b) line (log2 of the mean against n_h, weighted by the standard errors of the
    means) for every draw of the target and fidelity convention of :func:`target_draws`."""
    return _fits(td, ["draw", "objective"], "mean", "sem")


def draw_steps(td: pd.DataFrame) -> pd.DataFrame:
    """The steps of Fig. 3(b) for every draw of the target: log2 of the mean at one hidden size
    minus at the one before, per ``draw`` and ``objective`` (columns ``draw``, ``objective``,
    ``x_from``, ``x_to``, ``step``)."""
    rows = []
    for (draw, objective), g in td.groupby(["draw", "objective"]):
        g = g.sort_values("n_hidden")
        logs, x = np.log2(g["mean"].to_numpy()), g["n_hidden"].to_numpy()
        rows.append(pd.DataFrame({"draw": draw, "objective": objective, "x_from": x[:-1], "x_to": x[1:],
                                  "step": np.diff(logs)}))
    return pd.concat(rows, ignore_index=True)


def draw_spread(dfits: pd.DataFrame, dsteps: pd.DataFrame | None = None,
                paper_slope: float = PAPER_SLOPE, band: float | None = None,
                level: float = 0.95) -> pd.DataFrame:
    """The slopes of :func:`draw_fits` over the draws, per objective: ``mean``, ``std``
    (``ddof = 1``), ``min``, ``max``; ``rejected``, the number of draws whose line is rejected
    by its errors, out of ``draws``; ``as_steep``, the number of draws whose slope is at least
    as steep as ``paper_slope``; ``as_steep_upper``, the one-sided ``level`` upper bound on the
    fraction of targets that would give such a slope (Clopper-Pearson: no assumption on the
    shape of the spread); ``z_paper``, ``(mean - paper_slope) / std``, how many standard
    deviations of the spread the paper's slope lies below (steeper than) the mean, and
    ``normal_tail``, the share of a normal spread at least that steep. With ``dsteps``
    (:func:`draw_steps`): ``first_mean``, ``first_min``, ``first_max`` of the first step, and
    ``straight``, the number of draws all of whose steps lie within ``paper_slope ± band``
    (default :func:`paper_step_band`)."""
    g = dfits.groupby("objective")
    out = g["slope_log2"].agg(["mean", "std", "min", "max"])
    out["rejected"] = g["rejected"].sum().astype(int)
    out["draws"] = g.size()
    out["as_steep"] = g["slope_log2"].apply(lambda v: int((v <= paper_slope).sum())).astype(int)
    k, n = out["as_steep"].to_numpy(), out["draws"].to_numpy()
    out["as_steep_upper"] = np.where(k < n, _st.beta.ppf(level, k + 1, np.maximum(n - k, 1)), 1.0)
    out["z_paper"] = (out["mean"] - paper_slope) / out["std"]
    out["normal_tail"] = _st.norm.sf(out["z_paper"])
    if dsteps is not None:
        band = paper_step_band() if band is None else band
        first = dsteps[dsteps["x_from"] == dsteps["x_from"].min()].groupby("objective")["step"]
        out["first_mean"], out["first_min"], out["first_max"] = first.mean(), first.min(), first.max()
        inside = (dsteps["step"] - paper_slope).abs() <= band
        per_draw = inside.groupby([dsteps["objective"], dsteps["draw"]]).all()
        out["straight"] = per_draw.groupby(level="objective").sum().astype(int)
    return out


def unscrambled_terms(labels, n_visible: int) -> np.ndarray:
    """In the Eq. (11) order, the terms that no later gate scrambles across the cut: the pairs
    of a visible qubit with the last qubit, and the on-site terms of the last qubit (``True``)."""
    labels = list(labels)
    last = len(labels[0]) - 1
    allowed = {last, *range(n_visible)}
    support = [{q for q, c in enumerate(label) if c != "I"} for label in labels]
    return np.array([last in sup and min(sup) in allowed for sup in support])


def term_structure(n_visible: int, n_hidden: int) -> dict:
    """Counts and shares (%) of the terms of Eq. (11) on ``n_visible + n_hidden`` qubits, in
    the Eq. (11) order: ``terms``, ``visible_terms``, ``hidden_terms``, ``across_share``,
    ``visible_last_share`` (the share of the product up to the last visible-only gate),
    ``after_last_visible`` (the share of gates after the last gate that touches a visible
    qubit), ``unscrambled_count`` and ``unscrambled_share`` (:func:`unscrambled_terms`)."""
    labels = two_local_terms(n_visible + n_hidden)
    classes = term_classes(labels, n_visible)
    k = classes.size
    on_visible = np.flatnonzero(classes != "hidden")
    unscrambled = unscrambled_terms(labels, n_visible)
    return {
        "terms": k, "visible_terms": int(np.sum(classes == "visible")),
        "hidden_terms": int(np.sum(classes == "hidden")),
        "across_share": 100.0 * float(np.mean(classes == "across")),
        "visible_last_share": 100.0 * (np.flatnonzero(classes == "visible").max() + 1) / k,
        "after_last_visible": 100.0 * (k - 1 - on_visible.max()) / k,
        "unscrambled_count": int(unscrambled.sum()),
        "unscrambled_share": 100.0 * float(unscrambled.mean()),
    }


def reversed_tail(labels, n_visible: int) -> np.ndarray:
    """In the reversed Eq. (11) order (term ``K - 1`` applied first, term 0 last): the terms
    applied after the last gate across the cut (``True``). They are the on-site terms of every
    qubit and the visible pairs that come before the first pair across the cut in Eq. (11)
    (with qubit 0 visible, ``(0, 1) ... (0, n_v - 1)``): gates on the visible qubits only, and
    on-site gates of hidden qubits, which then act on the hidden register alone."""
    classes = term_classes(list(labels), n_visible)
    first_across = np.flatnonzero(classes == "across").min()  # applied last of the cut gates
    return np.arange(classes.size) < first_across


def reversed_structure(n_visible: int, n_hidden: int) -> dict:
    """Counts of the terms of Eq. (11) on ``n_visible + n_hidden`` qubits in the reversed
    order: ``tail`` (:func:`reversed_tail`, the gates after the last gate across the cut),
    ``tail_visible`` (of those, the gates on visible qubits only), ``tail_hidden`` (the
    on-site gates of hidden qubits, whose derivative vanishes: nothing after them couples the
    hidden qubits to the visible ones), ``terms``, and ``first_pairs`` (the hidden-hidden pairs,
    applied first, as a share of the terms in %)."""
    labels = two_local_terms(n_visible + n_hidden)
    classes = term_classes(labels, n_visible)
    tail = reversed_tail(labels, n_visible)
    return {"terms": int(classes.size), "tail": int(tail.sum()),
            "tail_visible": int(np.sum(tail & (classes == "visible"))),
            "tail_hidden": int(np.sum(tail & (classes == "hidden"))),
            "first_pairs": 100.0 * float(np.mean([k == "hidden" and sum(c != "I" for c in t) == 2
                                                  for t, k in zip(labels, classes)]))}


def reversed_holders(df: pd.DataFrame, n_visible: int, n_hidden: int) -> pd.Series:
    """Reversed order, at ``n_hidden``: per objective, the fraction of instances whose largest
    gradient entry is one of the gates after the last gate across the cut
    (:func:`reversed_tail`; in this order term ``k`` is applied at step ``K - 1 - k``)."""
    labels = two_local_terms(n_visible + n_hidden)
    tail = reversed_tail(labels, n_visible)
    at = df[(df["model"] == "unitary-reversed-order") & (df["n_hidden"] == n_hidden)]
    step = np.rint(at["max_position"].to_numpy() * (len(labels) - 1)).astype(int)
    return pd.Series(tail[len(labels) - 1 - step], index=at.index).groupby(at["objective"]).mean()


def unscrambled_holders(df: pd.DataFrame, n_visible: int, n_hidden: int) -> pd.Series:
    """Eq. (11) order, at ``n_hidden``: per objective, the fraction of instances whose largest
    gradient entry is one of the :func:`unscrambled_terms` (in this order the step of a gate is
    its term's index)."""
    labels = two_local_terms(n_visible + n_hidden)
    unscrambled = unscrambled_terms(labels, n_visible)
    at = df[(df["model"] == "unitary") & (df["n_hidden"] == n_hidden)]
    held = np.rint(at["max_position"].to_numpy() * (len(labels) - 1)).astype(int)
    return pd.Series(unscrambled[held], index=at.index).groupby(at["objective"]).mean()


def fd_table(fd: pd.DataFrame) -> pd.DataFrame:
    """The largest relative error of central differences over the instances, per step (rows,
    as text) and objective and hidden size (columns), as text."""
    names = {"fidelity": "F", "root-fidelity": "√F", "observable": "Tr(O ρ_v)"}
    table = fd.assign(objective=fd["objective"].map(names)).pivot_table(
        index="step", columns=["objective", "n_hidden"], values="rel_error", aggfunc="max")
    present = set(table.columns.get_level_values(0))
    table = table.reindex(columns=[n for n in names.values() if n in present], level=0)
    table.index = pd.Index([f"{h:.0e}" for h in table.index], name="step h")
    return table.rename_axis(columns=["objective", "n_h"]).map(lambda x: f"{x:.1e}")


def fd_numbers(fd: pd.DataFrame) -> dict:
    """What the page quotes of the finite differences: ``fd_best`` (the largest over instances
    of each instance's best relative error), ``fd_largest_step`` and ``fd_largest_error``
    (the largest relative error at the largest step), ``fd_closed_form`` (the largest relative
    deviation of the observable's errors from :math:`1 - \\sin 2h / 2h`, steps >= 1e-3),
    ``fd_norm_shift`` (the largest relative change of :math:`\\|\\nabla F\\|_\\infty` at the
    largest step), ``fd_second_step`` and ``fd_second_shift`` (the same at the next step)."""
    best = fd.groupby(["objective", "n_hidden", "instance"])["rel_error"].min()
    worst = fd.groupby("step")["rel_error"].max()
    obs = fd[(fd["objective"] == "observable") & (fd["step"] >= 1e-3)]
    closed = 1 - np.sin(2 * obs["step"]) / (2 * obs["step"])
    shift = (fd["inf_norm_fd"] / fd["inf_norm"] - 1).abs().groupby(fd["step"]).max()
    return {
        "fd_best": float(best.max()), "fd_largest_step": float(worst.index.max()),
        "fd_largest_error": float(worst.loc[worst.index.max()]),
        "fd_closed_form": float(np.max(np.abs(obs["rel_error"] / closed - 1))),
        "fd_norm_shift": float(shift.iloc[-1]), "fd_second_step": float(shift.index[-2]),
        "fd_second_shift": float(shift.iloc[-2]),
    }


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


#: The bases of the logarithm a semilog axis may use, by name.
LOG_BASES = {"log2": 2.0, "ln": np.e, "log10": 10.0}


def axis_misses(first_mean: float, last_mean: float, axis=PAPER_AXIS) -> dict[str, float]:
    """How far the ensemble means at the first and last of the paper's sizes fall from the
    paper's axis, in each base of :data:`LOG_BASES`: the larger of
    :math:`|\\log_b(\\text{first}) - a_0|` and :math:`|\\log_b(\\text{last}) - a_1|`, with
    ``axis = (a_0, a_1)`` the paper's first and last tick (:data:`PAPER_AXIS`). A small miss
    in one base and a large one in the others is the level argument for that base."""
    return {name: max(abs(np.log(first_mean) / np.log(b) - axis[0]), abs(np.log(last_mean) / np.log(b) - axis[1]))
            for name, b in LOG_BASES.items()}


def chi2_text(chi2_dof: float) -> str:
    """:math:`\\chi^2/\\mathrm{dof}` for prose: two significant digits below 10 (``"3.0"``,
    ``"0.15"``), a whole number above (``"112"``)."""
    return f"{chi2_dof:.0f}" if chi2_dof >= 9.95 else f"{chi2_dof:#.2g}"


def fit_brief(fit: an.LineFit, digits: int = 3) -> str:
    """``"-0.437 [-0.484, -0.390], χ²/dof = 14"``: a slope, its 95 % interval and the fit's
    quality, for a sentence (the full form is :meth:`plateaus.analysis.LineFit.text`)."""
    return f"{fit.interval_text(digits)}, χ²/dof = {chi2_text(fit.chi2_dof)}"


#: The fidelity conventions as the page's text names them.
CONVENTION_TEXT = {"root-fidelity": "the root fidelity √F", "fidelity": "Uhlmann's fidelity F"}


def _nearer(distances: dict) -> str:
    """The convention (:data:`CONVENTION_TEXT`) with the smaller distance, or ``"neither"``."""
    (a, da), (b, db) = distances.items()
    if da == db:
        return "neither"
    return CONVENTION_TEXT[a] if da < db else CONVENTION_TEXT[b]


def verdict(fit: an.LineFit) -> str:
    """``"rejected"`` when the fit's errors reject its straight line (p < 0.01,
    :meth:`plateaus.analysis.LineFit.rejected`), else ``"not rejected"``: for a sentence."""
    return "rejected" if fit.rejected() else "not rejected"


def holds(fit: an.LineFit, value: float) -> str:
    """``"holds"`` when ``value`` lies in the fit's 95 % interval, else ``"excludes"``."""
    return "holds" if fit.slope_low <= value <= fit.slope_high else "excludes"


def _fit_numbers(key: str, fit: an.LineFit, full: bool = False) -> dict:
    """The numbers of one fit: slope and interval in log2, chi^2/dof, the line's p-value, the
    short text (:func:`fit_brief`) and the verdict on the line (:func:`verdict`); with ``full``,
    the ln reading and the long text too."""
    out = {f"{key}_slope_log2": fit.slope, f"{key}_low_log2": fit.slope_low,
           f"{key}_high_log2": fit.slope_high, f"{key}_chi2_dof": fit.chi2_dof,
           f"{key}_p_line": fit.p_value, f"{key}_fit": fit_brief(fit), f"{key}_verdict": verdict(fit)}
    if full:
        ln = fit.in_base("ln")
        out.update({f"{key}_slope_ln": ln.slope, f"{key}_low_ln": ln.slope_low,
                    f"{key}_high_ln": ln.slope_high, f"{key}_text": fit.text()})
    return out


def _step_numbers(key: str, steps: pd.DataFrame) -> dict:
    """The first and the last of a group's steps (``<key>_step_first``, ``_step_last``, each
    with ``_low``, ``_high``, ``_text`` and ``_trend``, :func:`trend`), named by position so
    that the text reads the same at every scale."""
    steps = steps.sort_values("x_from")
    out = {}
    for where, row in (("first", steps.iloc[0]), ("last", steps.iloc[-1])):
        name = f"{key}_step_{where}"
        out.update({name: row["step"], f"{name}_low": row["low"], f"{name}_high": row["high"],
                    f"{name}_text": f"{row['step']:.3f} [{row['low']:.3f}, {row['high']:.3f}]",
                    f"{name}_trend": trend(row["low"], row["high"])})
    return out


def trend(low: float, high: float) -> str:
    """A step's direction for a sentence, from its interval: ``"rises"`` (the whole interval
    above 0), ``"falls"`` (below 0) or ``"is level within its interval"``."""
    if low > 0:
        return "rises"
    if high < 0:
        return "falls"
    return "is level within its interval"


def _tag(model: str, objective: str) -> str:
    return f"{ORDER_TAGS[model]}_{objective}"


def paper_step_band(slope_se: float = PAPER_SLOPE_SE, sizes=PAPER_SIZES) -> float:
    r"""How far any step of the paper's points can lie from the paper's slope.

    The caption of Fig. 3(b) describes an ordinary least-squares line "with the standard error
    of the estimated slope under the assumption of residual normality": then the residuals
    :math:`r` of its points at ``sizes`` have :math:`\sum r_i^2 = \sigma_a^2 S_{xx} (n - 2)`
    and lie in the space orthogonal to :math:`1` and :math:`x`. A step
    :math:`y_{i+1} - y_i` differs from the slope by :math:`r_{i+1} - r_i`, at most
    :math:`\sqrt{\sum r^2}\,\|P(e_{i+1} - e_i)\|` with :math:`P` the projection onto that
    space. Returns the largest of these bounds over the steps (for unit spacing and four
    points, :math:`\sigma_a \sqrt{18}`; 0.0127 for the paper's 0.003): whatever the paper's
    points were, each of its steps lies within this distance of its slope."""
    x = np.asarray(sizes, dtype=float)
    n = x.size
    if n < 3:
        raise ValueError(f"a slope error from residuals needs at least 3 sizes, got {n}")
    rss = slope_se**2 * np.sum((x - x.mean()) ** 2) * (n - 2)
    basis = np.column_stack([np.ones(n), x])
    residual_space = np.eye(n) - basis @ np.linalg.pinv(basis)
    steps = np.diff(np.eye(n), axis=0)  # rows e_{i+1} - e_i
    return float(np.sqrt(rss) * np.linalg.norm(steps @ residual_space, axis=1).max())


def band_misses(steps: pd.DataFrame, centre: float, half_width: float) -> pd.DataFrame:
    """For each step of ``steps`` (columns ``step``, ``low``, ``high``): ``miss``, the distance
    from its interval to the band ``centre ± half_width`` (0 where they overlap)."""
    lo, hi = centre - half_width, centre + half_width
    miss = np.maximum(0.0, np.maximum(steps["low"] - hi, lo - steps["high"]))
    return steps.assign(miss=miss)


def _band_numbers(key: str, steps: pd.DataFrame, band: float) -> dict:
    """How a group's steps compare with the paper's straight line: ``<key>_band_missed`` (how
    many step intervals miss the band :data:`PAPER_SLOPE` ± ``band``), ``<key>_band_miss`` (the
    largest distance by which one misses it, 0 if none) and ``<key>_band_worst_text`` (that
    step, ``"-0.395 [-0.413, -0.376]"``)."""
    m = band_misses(steps.sort_values("x_from"), PAPER_SLOPE, band)
    worst = m.loc[m["miss"].idxmax()]
    return {f"{key}_band_missed": int((m["miss"] > 0).sum()), f"{key}_band_miss": float(worst["miss"]),
            f"{key}_band_worst_text": f"{worst['step']:.3f} [{worst['low']:.3f}, {worst['high']:.3f}]"}


def added_tables(params: dict, *, recompute: bool = False) -> dict[str, pd.DataFrame]:
    """The tables added for issue 16, by the name :func:`readings` takes them under:
    ``reversed`` (:func:`reversed_gradients`), ``normalised`` (:func:`normalised_gradients`)
    and ``normalised_draws`` (:func:`normalised_target_draws`)."""
    return {"reversed": reversed_gradients(params, recompute=recompute),
            "normalised": normalised_gradients(params, recompute=recompute),
            "normalised_draws": normalised_target_draws(params, recompute=recompute)}


def readings(params: dict, df: pd.DataFrame, td: pd.DataFrame,
             more: dict | None = None) -> dict[str, pd.DataFrame]:
    """The chapter's tables of statistics, fits and steps, from the gradient table ``df`` and
    the target draws ``td`` (what the figures draw and the page shows):

    * ``gradients``: ``df`` with the rows of ``more["reversed"]`` when given (the reversed
      order then joins every reading below);
    * ``stats``: :func:`ensemble_stats`; ``mean_fits``, ``var_fits``: :func:`norm_fits` over the
      paper's sizes; ``mean_steps``, ``var_steps``: their per-step differences
      (:func:`bootstrap_steps`, seeded by ``params["seed"]``);
    * ``cstats``, ``class_fits`` (paper's sizes), ``rms_steps`` (all terms, paper's sizes);
    * ``sstats``, ``split_fits``, ``split_steps`` (the largest entry per part, fidelity, paper's
      sizes; parts that vanish at some size left out);
    * ``estats``, ``page``, ``haar``, ``holders`` (at the paper's largest size);
    * ``draw_fits``, ``draw_spread``;
    * ``beyond_mean_fits``, ``beyond_rms_fits``, ``beyond_mean_steps``, ``beyond_rms_steps``:
      the same over every size of ``n_hidden_beyond``;
    * with ``more["normalised"]`` (:func:`normalised_gradients`): ``nt_stats``,
      ``nt_mean_fits``, ``nt_var_fits``, ``nt_mean_steps``, ``nt_var_steps``, the Fig. 3(b)
      and 5(a) readings for the normalised target, and ``nt_beyond_mean_fits``,
      ``nt_beyond_mean_steps`` over every size; with ``more["normalised_draws"]``:
      ``nt_draw_fits``, ``nt_draw_spread``.
    """
    params = _params(params)
    more = {} if more is None else more
    if more.get("reversed") is not None:
        df = pd.concat([df, more["reversed"]], ignore_index=True)
    paper, seed = list(params["n_hidden"]), params["seed"]
    by = ["model", "objective"]
    cstats, sstats = class_stats(df), split_stats(df)
    all_terms = cstats[cstats["cls"] == "all"]
    split = split_fits(sstats, paper)
    fid = df[df["objective"] == "fidelity"]
    long = fid.melt(id_vars=_CELL, value_vars=list(PARTS), var_name="part", value_name="x")
    alive = split[split["objective"] == "fidelity"][["model", "part"]]
    long = long.merge(alive, on=["model", "part"])
    out = {
        "gradients": df,
        "stats": ensemble_stats(df),
        "mean_fits": norm_fits(df, "mean", paper),
        "var_fits": norm_fits(df, "var", paper),
        "mean_steps": bootstrap_steps(df, by, "inf_norm", seed=seed, sizes=paper),
        "var_steps": bootstrap_steps(df, by, "inf_norm", seed=seed, sizes=paper, statistic="var"),
        "cstats": cstats,
        "class_fits": class_fits(cstats, paper),
        "rms_steps": bootstrap_steps(df, by, "rms", seed=seed, sizes=paper, power=2),
        "sstats": sstats,
        "split_fits": split,
        "split_steps": bootstrap_steps(long, ["model", "part"], "x", seed=seed, sizes=paper),
        "estats": entropy_stats(df),
        "page": page_curve(params),
        "haar": haar_curve(params),
        "holders": largest_holders(df, max(paper)),
        "draw_fits": draw_fits(td),
        "draw_spread": draw_spread(draw_fits(td), draw_steps(td)),
        "beyond_mean_fits": norm_fits(df, "mean"),
        "beyond_rms_fits": class_fits(all_terms),
        "beyond_mean_steps": bootstrap_steps(df, by, "inf_norm", seed=seed),
        "beyond_rms_steps": bootstrap_steps(df, by, "rms", seed=seed, power=2),
    }
    dn = more.get("normalised")
    if dn is not None:
        out.update({
            "nt_stats": ensemble_stats(dn),
            "nt_mean_fits": norm_fits(dn, "mean", paper),
            "nt_var_fits": norm_fits(dn, "var", paper),
            "nt_mean_steps": bootstrap_steps(dn, by, "inf_norm", seed=seed, sizes=paper),
            "nt_var_steps": bootstrap_steps(dn, by, "inf_norm", seed=seed, sizes=paper, statistic="var"),
            "nt_beyond_mean_fits": norm_fits(dn, "mean"),
            "nt_beyond_mean_steps": bootstrap_steps(dn, by, "inf_norm", seed=seed),
        })
    tdn = more.get("normalised_draws")
    if tdn is not None:
        out.update({"nt_draw_fits": draw_fits(tdn), "nt_draw_spread": draw_spread(draw_fits(tdn), draw_steps(tdn))})
    return out


def _figure_numbers(prefix: str, r: dict, paper_sizes, band: float) -> dict:
    """The numbers of Figs. 3(b) and 5(a) for one reading of the target (``prefix`` ``""`` or
    ``"nt_"``, the keys of :func:`readings`): every line (full), its distance from the
    paper's slope and the ln reading (mean) or the square of the theorem's scale (variance),
    the first and last steps, how far the steps stray from the paper's band, how many lines
    are rejected, and log2, ln and log10 of the means at the first and last paper size."""
    out: dict = {}
    first, last = min(paper_sizes), max(paper_sizes)
    for stat in ("mean", "var"):
        for row in r[f"{prefix}{stat}_fits"].itertuples():
            key = f"{prefix}{stat}_{_tag(row.model, row.objective)}"
            out.update(_fit_numbers(key, row.fit, full=True))
            if stat == "mean":
                dist = an.slope_distance(row.fit, PAPER_SLOPE)
                out.update({f"{key}_t_paper": dist["t"], f"{key}_p_paper": dist["p_value"],
                            f"{key}_paper_verdict": "consistent with" if dist["p_value"] >= 0.05
                            else "not consistent with",
                            f"{key}_vs_ln_reading": holds(row.fit, PAPER_SLOPE / np.log(2)),
                            f"{key}_vs_bound": holds(row.fit, BOUND_SLOPE_LOG2)})
            else:  # the variance against the square of the theorem's scale
                out[f"{key}_vs_square"] = holds(row.fit, 2 * BOUND_SLOPE_LOG2)
        for (model, objective), s in r[f"{prefix}{stat}_steps"].groupby(["model", "objective"]):
            out.update(_step_numbers(f"{prefix}{stat}_{_tag(model, objective)}", s))
            if stat == "mean":  # how far the steps stray from the paper's straight line
                out.update(_band_numbers(f"{prefix}mean_{_tag(model, objective)}", s, band))
    # how many of the lines the page shows for Fig. 3(b) (both fidelities) and, per order, for
    # Fig. 5(a) are rejected
    fits = r[f"{prefix}mean_fits"]
    shown = fits[fits["objective"].isin(list(FIDELITIES))]
    out.update({f"{prefix}mean_lines": len(shown), f"{prefix}mean_rejected": int(shown["rejected"].sum())})
    for model in dict.fromkeys(r[f"{prefix}var_fits"]["model"]):
        v = r[f"{prefix}var_fits"][r[f"{prefix}var_fits"]["model"] == model]
        tag = ORDER_TAGS[model]
        out.update({f"{prefix}var_{tag}_lines": len(v), f"{prefix}var_{tag}_rejected": int(v["rejected"].sum())})
    stats = r[f"{prefix}stats"]
    for row in stats[stats["n_hidden"].isin([first, last])].itertuples():
        key = f"{prefix}{_tag(row.model, row.objective)}_{'first' if row.n_hidden == first else 'last'}"
        out.update({f"{key}_log2": np.log2(row.mean), f"{key}_ln": np.log(row.mean),
                    f"{key}_log10": np.log10(row.mean)})
    # how many pairs of order and convention follow the paper's line in shape: no step interval
    # misses its band
    groups = [k for k in out if k.startswith(f"{prefix}mean_") and k.endswith("_band_missed")
              and any(f"_{n}_band" in k for n in FIDELITIES)]
    out.update({f"{prefix}groups": len(groups),
                f"{prefix}groups_straight": sum(out[k] == 0 for k in groups)})
    # which convention is nearer the paper in shape (the largest miss of a step interval from
    # the paper's band), random order
    if all(f"{prefix}mean_random_{n}_band_miss" in out for n in FIDELITIES):
        miss = {n: out[f"{prefix}mean_random_{n}_band_miss"] for n in ("root-fidelity", "fidelity")}
        out[f"{prefix}shape_nearer"] = _nearer(miss)
    return out


def _draw_numbers(prefix: str, spread: pd.DataFrame) -> dict:
    """The numbers of one table of :func:`draw_spread` (``prefix`` ``"draws"`` or
    ``"nt_draws"``), and which convention the paper's slope lies nearer over the draws (in
    standard deviations of the spread)."""
    out: dict = {}
    for name, row in spread.iterrows():
        out.update({f"{prefix}_{name}_{col}": row[col]
                    for col in ("mean", "std", "min", "max", "z_paper", "first_mean", "first_min", "first_max")})
        out.update({f"{prefix}_{name}_{col}": int(row[col]) for col in ("rejected", "as_steep", "straight")})
        out.update({f"{prefix}_{name}_as_steep_upper": 100.0 * row["as_steep_upper"],
                    f"{prefix}_{name}_normal_tail": 100.0 * row["normal_tail"],
                    f"{prefix}_{name}_text": f"{row['mean']:.3f} ± {row['std']:.3f} "
                                             f"(range {row['min']:.3f} to {row['max']:.3f})"})
    apart = (spread.loc["root-fidelity", "max"] < spread.loc["fidelity", "min"]
             or spread.loc["fidelity", "max"] < spread.loc["root-fidelity", "min"])
    out[f"{prefix}_overlap"] = "do not overlap" if apart else "overlap"
    out[f"{prefix}_nearer"] = _nearer({n: abs(spread.loc[n, "z_paper"]) for n in ("root-fidelity", "fidelity")})
    return out


def quoted(params: dict, df: pd.DataFrame, fd: pd.DataFrame, td: pd.DataFrame,
           tables: dict | None = None, more: dict | None = None) -> dict:
    """Every number the chapter quotes, from the three tables (:func:`gradients`,
    :func:`finite_differences`, :func:`target_draws`), the added ones (``more``,
    :func:`added_tables`) and the parameters; ``tables`` are :func:`readings` of the same data
    (computed from ``df``, ``td`` and ``more`` when not given). Keys are the glue names without
    the chapter's prefix; values are numbers or short texts. Slopes are weighted log2 fits
    (:mod:`plateaus.analysis`) with their 95 % t intervals and fit quality; steps
    (``..._step_first``, ``_step_last``, each with ``_low``, ``_high``) come from a bootstrap
    over instances seeded by ``params["seed"]``. Keys of the normalised target start with
    ``nt_``."""
    params = _params(params)
    r = readings(params, df, td, more) if tables is None else tables
    df = r["gradients"]
    models = [m for m in ORDER_TAGS if m in set(df["model"])]
    paper, beyond = sorted(params["n_hidden"]), sorted(params["n_hidden_beyond"])
    first, last, top = min(paper), max(paper), max(beyond)
    out: dict = {"scale": params["scale"], "instances": params["instances"], "first_nh": first,
                 "last_nh": last, "beyond_nh": top, "beyond_n": params["n_visible"] + top,
                 "second_nh": paper[1], "prev_nh": paper[-2], "beyond_prev_nh": beyond[-2]}
    # Figs. 3(b) and 5(a), for each reading of the target present
    band = paper_step_band(PAPER_SLOPE_SE, PAPER_SIZES)
    out.update(_figure_numbers("", r, paper, band))
    out["fit_steps"] = len(paper) - 1
    if "nt_stats" in r:
        out.update(_figure_numbers("nt_", r, paper, band))
        for row in r["nt_beyond_mean_fits"].itertuples():
            out.update(_fit_numbers(f"nt_beyond_mean_{_tag(row.model, row.objective)}", row.fit))
        for (model, objective), s in r["nt_beyond_mean_steps"].groupby(["model", "objective"]):
            key = f"nt_beyond_mean_{_tag(model, objective)}"
            out.update(_step_numbers(key, s))
            # the step from n_h = n_v (rho_v of full rank but poorly conditioned) to n_v + 1
            at = s[s["x_from"] == params["n_visible"]]
            if len(at):
                row = at.iloc[0]
                out[f"{key}_step_rank_text"] = f"{row['step']:.3f} [{row['low']:.3f}, {row['high']:.3f}]"
                out[f"{key}_step_rank_trend"] = trend(row["low"], row["high"])
    out.update({"paper_slope": PAPER_SLOPE, "paper_se": PAPER_SLOPE_SE, "paper_top": PAPER_AXIS[0],
                "paper_bottom": PAPER_AXIS[1], "paper_step_band": band,
                "paper_band_low": PAPER_SLOPE - band, "paper_band_high": PAPER_SLOPE + band,
                "bound_log2": BOUND_SLOPE_LOG2, "bound_ln": BOUND_SLOPE_LOG2 * np.log(2),
                "paper_as_ln_in_log2": PAPER_SLOPE / np.log(2), "fit_dof": len(paper) - 2,
                "t_quantile": an.t_quantile(len(paper) - 2)})
    # other draws of the target
    out["draws"] = params["target_draws"]
    out.update(_draw_numbers("draws", r["draw_spread"]))
    out["fidelity_match"] = (out["shape_nearer"] if out["shape_nearer"] == out["draws_nearer"]
                             else "undecided")
    if "nt_draw_spread" in r:
        out.update(_draw_numbers("nt_draws", r["nt_draw_spread"]))
        # the difference of log2 of the two conventions' means (F against √F) at the last paper
        # size, random order: a level the two readings of the target set apart
    # the level argument: in which base of the logarithm the random-order means fall on the
    # paper's axis, for each reading of the target and convention (axis_misses)
    for prefix in ("", "nt_") if "nt_stats" in r else ("",):
        st = r[f"{prefix}stats"]
        for name in FIDELITIES:
            g = st[(st["model"] == "unitary-random-order") & (st["objective"] == name)].set_index("n_hidden")["mean"]
            misses = axis_misses(g[first], g[last])
            key = f"{prefix}random_{name}"
            out.update({f"{key}_axis_miss_{b}": m for b, m in misses.items()})
            out[f"{key}_axis_base"] = min(misses, key=misses.get)
    # term classes: RMS lines and steps, the 2-design value, who holds the largest entry
    for row in r["class_fits"].itertuples():
        key = f"rms_{_tag(row.model, row.objective)}_{row.cls}"
        out.update(_fit_numbers(key, row.fit))
        out[f"{key}_vs_bound"] = holds(row.fit, BOUND_SLOPE_LOG2)
    for (model, objective), s in r["rms_steps"].groupby(["model", "objective"]):
        out.update(_step_numbers(f"rms_{_tag(model, objective)}_all", s))
    cstats = r["cstats"]
    obs = cstats[(cstats["model"] == "unitary-random-order") & (cstats["objective"] == "observable")
                 & (cstats["cls"] == "all")].set_index("n_hidden")["rms"]
    ratio = obs / r["haar"].set_index("n_hidden")["rms"]
    out.update({"haar_ratio_min": ratio.min(), "haar_ratio_max": ratio.max()})
    structure = term_structure(params["n_visible"], last)
    out.update({"cut_share": structure["across_share"], "unscrambled_count": structure["unscrambled_count"],
                "pairs_last_count": structure["unscrambled_count"] - 3,
                "unscrambled_share": structure["unscrambled_share"],
                "visible_last_share": structure["visible_last_share"],
                "visible_terms": structure["visible_terms"],
                "after_last_visible": structure["after_last_visible"],
                "hidden_terms_first": term_structure(params["n_visible"], first)["hidden_terms"],
                "hidden_terms_last": structure["hidden_terms"]})
    rev = reversed_structure(params["n_visible"], last)
    out.update({f"rev_{k}": v for k, v in rev.items()})
    for objective, share in unscrambled_holders(df, params["n_visible"], last).items():
        out[f"unscrambled_{objective}"] = 100.0 * share
    for (model, objective), row in r["holders"].iterrows():
        out.update({f"holder_{_tag(model, objective)}_{c}": 100.0 * row[c] for c in CLASSES})
    # where the largest entry sits: lines and the last step of each part, fidelity
    for row in r["split_fits"].itertuples():
        if row.objective == "fidelity":
            out.update(_fit_numbers(f"split_{ORDER_TAGS[row.model]}_{row.part}", row.fit))
    split = r["split_fits"][(r["split_fits"]["objective"] == "fidelity")
                            & r["split_fits"]["model"].isin(["unitary", "unitary-random-order"])]
    out.update({"split_lines": len(split), "split_rejected": int(split["rejected"].sum()),
                "split_chi2_min": chi2_text(split["chi2_dof"].min()),
                "split_chi2_max": chi2_text(split["chi2_dof"].max())})
    for (model, part), s in r["split_steps"].groupby(["model", "part"]):
        out.update(_step_numbers(f"split_{ORDER_TAGS[model]}_{part}", s))
    fid = df[(df["objective"] == "fidelity") & (df["n_hidden"] == last)]
    for model in models:
        out[f"maxpos_{ORDER_TAGS[model]}"] = fid.loc[fid["model"] == model, "max_position"].mean()
    sstats = r["sstats"]
    q4 = sstats[(sstats["model"] == "unitary") & (sstats["objective"] == "fidelity")
                & (sstats["part"] == "inf_q4") & (sstats["mean"] < VANISHES)]
    out["q4_zero_from"] = int(q4["n_hidden"].min()) if len(q4) else 0
    out["q4_zero_max"] = fid.loc[fid["model"] == "unitary", "inf_q4"].max()
    if "unitary-reversed-order" in models:
        for objective, share in reversed_holders(df, params["n_visible"], last).items():
            out[f"rev_tail_holds_{objective}"] = 100.0 * share
    # the visible entropy against Page's
    bits = 1.0 / np.log(2.0)
    ent = r["estats"].set_index(["model", "n_hidden"])["mean"] * bits
    page = r["page"].set_index("n_hidden")["entropy"] * bits
    for model in models:
        tag = ORDER_TAGS[model]
        out.update({f"entropy_{tag}_first": ent[(model, min(beyond))], f"entropy_{tag}_last": ent[(model, top)],
                    f"entropy_{tag}_paper": ent[(model, last)],
                    f"deficit_{tag}_last": params["n_visible"] - ent[(model, top)]})
    out.update({"entropy_page_last": page[top], "entropy_page_paper": page[last],
                "entropy_max": params["n_visible"], "deficit_page_last": params["n_visible"] - page[top]})
    # finite differences
    out.update({"fd_instances": params["fd_instances"],
                "fd_sizes": ", ".join(str(n) for n in params["fd_n_hidden"]), **fd_numbers(fd)})
    # beyond the paper: lines over every size, and the last step
    for name in ("mean", "rms"):
        for row in r[f"beyond_{name}_fits"].itertuples():
            out.update(_fit_numbers(f"beyond_{name}_{_tag(row.model, row.objective)}", row.fit))
        for model in models:
            tag = ORDER_TAGS[model]
            b = r[f"beyond_{name}_fits"][r[f"beyond_{name}_fits"]["model"] == model]
            out.update({f"beyond_{name}_{tag}_lines": len(b), f"beyond_{name}_{tag}_rejected": int(b["rejected"].sum())})
        for (model, objective), s in r[f"beyond_{name}_steps"].groupby(["model", "objective"]):
            out.update(_step_numbers(f"beyond_{name}_{_tag(model, objective)}", s))
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in out.items()}


#: The paper's slope as the results table shows it.
PAPER_TEXT = f"{PAPER_SLOPE} ± {PAPER_SLOPE_SE}"
#: The readings of the gate order and of the fidelity as the results table names them.
_ORDER_TEXT = {"fixed": "gates in the order of Eq. (11)", "reversed": "reversed Eq. (11) order",
               "random": "random gate order"}
_FIDELITY_TEXT = {"root-fidelity": "root fidelity √F", "fidelity": "Uhlmann fidelity F"}


def results_rows(numbers: dict) -> list[dict]:
    """The chapter's rows of the book's results table, from :func:`quoted`: each slope with its
    95 % interval and its fit quality (:meth:`plateaus.analysis.LineFit.text`), each spread of
    slopes over target draws with its standard deviation and range. The first five rows are
    those of the committed tables; then the readings added for issue 16 (the reversed order,
    the normalised target, the spread over its draws), where the numbers are there."""
    def row(figure, quantity, paper, key):
        return dict(result="Theorem 3", figure=figure, quantity=quantity, paper=paper,
                    ours=numbers[f"{key}_text"])

    rows = [
        row("3(b)", "slope of log2 E||∇F||_inf per hidden qubit, random gate order, root fidelity √F",
            PAPER_TEXT, "mean_random_root-fidelity"),
        row("3(b)", "same, Uhlmann fidelity F", PAPER_TEXT, "mean_random_fidelity"),
        row("3(b)", "same, gates in the order of Eq. (11), F", PAPER_TEXT, "mean_fixed_fidelity"),
        row("(book)", "same, the theorem's objective Tr(Z ρ_v), random order", "-0.5 (scale of the bound)",
            "mean_random_observable"),
        row("5(a)", "slope of log2 Var||∇F||_inf, random order, √F", "not quoted", "var_random_root-fidelity"),
    ]
    target = "unnormalised target"
    if "mean_fixed_root-fidelity_text" in numbers:
        rows.append(row("3(b)", f"slope of log2 E||∇F||_inf, {_ORDER_TEXT['fixed']}, "
                        f"{_FIDELITY_TEXT['root-fidelity']}, {target}", PAPER_TEXT, "mean_fixed_root-fidelity"))
    if "mean_reversed_fidelity_text" in numbers:
        for name in ("root-fidelity", "fidelity"):
            rows.append(row("3(b)", f"slope of log2 E||∇F||_inf, {_ORDER_TEXT['reversed']}, "
                            f"{_FIDELITY_TEXT[name]}, {target}", PAPER_TEXT, f"mean_reversed_{name}"))
        rows.append(row("(book)", f"slope of log2 E||∇Tr(Z ρ_v)||_inf, {_ORDER_TEXT['reversed']}",
                        "-0.5 (scale of the bound)", "mean_reversed_observable"))
        for name in ("root-fidelity", "fidelity", "observable"):
            what = "Tr(Z ρ_v)" if name == "observable" else _FIDELITY_TEXT[name]
            rows.append(row("5(a)", f"slope of log2 Var||∇f||_inf, {_ORDER_TEXT['reversed']}, f = {what}",
                            "not quoted", f"var_reversed_{name}"))
    if "nt_mean_random_fidelity_text" in numbers:
        for tag in ("random", "fixed", "reversed"):
            for name in ("root-fidelity", "fidelity"):
                key = f"nt_mean_{tag}_{name}"
                if f"{key}_text" in numbers:
                    rows.append(row("3(b)", f"slope of log2 E||∇F||_inf, {_ORDER_TEXT[tag]}, "
                                    f"{_FIDELITY_TEXT[name]}, normalised target (‖H‖ = 1)", PAPER_TEXT, key))
        for name in ("root-fidelity", "fidelity"):
            rows.append(row("5(a)", f"slope of log2 Var||∇F||_inf, random gate order, {_FIDELITY_TEXT[name]}, "
                            "normalised target", "not quoted", f"nt_var_random_{name}"))
    for name in ("root-fidelity", "fidelity"):
        key = f"nt_beyond_mean_random_{name}"
        if f"{key}_step_rank_text" in numbers:
            rows.append(dict(result="Theorem 3", figure="(book)", paper="not run",
                             quantity=(f"step of log2 E||∇F||_inf from n_h = n_v to n_v + 1, random gate order, "
                                       f"{_FIDELITY_TEXT[name]}, normalised target [95 % bootstrap]"),
                             ours=numbers[f"{key}_step_rank_text"]))
            rows.append(dict(result="Theorem 3", figure="(book)", paper="-0.5 (scale of the bound)",
                             quantity=(f"last step of log2 E||∇F||_inf, n_h {numbers['beyond_prev_nh']} → "
                                       f"{numbers['beyond_nh']}, random gate order, {_FIDELITY_TEXT[name]}, "
                                       "normalised target [95 % bootstrap]"),
                             ours=numbers[f"{key}_step_last_text"]))
    for prefix, target_text in (("draws", "unnormalised targets"), ("nt_draws", "normalised targets")):
        for name in ("root-fidelity", "fidelity"):
            if f"{prefix}_{name}_text" in numbers:
                rows.append(dict(
                    result="Theorem 3", figure="3(b)", paper=PAPER_TEXT,
                    quantity=(f"slope of log2 E||∇F||_inf over {numbers['draws']} {target_text}, random "
                              f"gate order, {_FIDELITY_TEXT[name]}: mean ± sd (range), "
                              "draws at least as steep as the paper's"),
                    ours=(f"{numbers[f'{prefix}_{name}_text']}; {numbers[f'{prefix}_{name}_as_steep']} "
                          f"of {numbers['draws']}")))
    return rows
