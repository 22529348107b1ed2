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
from ..params import chapter_params
from ..terms import TERM_CLASSES, pauli_matrix, term_classes, two_local_terms

CHAPTER = "unitary-plateau"
EXPERIMENT = "gradients"
FD_EXPERIMENT = "finite-differences"
TARGETS_EXPERIMENT = "target-draws"

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

#: The tag of each reading of the gate order in the names of the quoted numbers.
ORDER_TAGS = {"unitary": "fixed", "unitary-random-order": "random"}
#: The largest gradient entry within each quarter of the product (``inf_q4``: the last gates,
#: next to the output) and within each term class: columns of the gradient table.
QUARTERS = ("inf_q1", "inf_q2", "inf_q3", "inf_q4")
PARTS = QUARTERS + tuple(f"inf_{c}" for c in CLASSES)
#: The RMS columns of the gradient table and the class each one averages over.
RMS_COLUMNS = {"rms": "all", **{f"rms_{c}": c for c in CLASSES}}
#: A mean largest entry below this is round-off of a derivative that vanishes exactly.
VANISHES = 1e-12
_CELL = ["model", "objective", "n_hidden"]


def target_spectrum(params: dict, draw: int = 0) -> np.ndarray:
    """Eigenvalues of the chapter's thermal target, largest first, rounded to 4 decimals."""
    params = _params(params)
    target = thermal_target(params["seed"], params["n_visible"], params["onsite_var"],
                            params["offsite_var"], draw)
    return np.round(np.linalg.eigvalsh(target)[::-1], 4)


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
    with ``_low``, ``_high`` and ``_text``), named by position so that the text reads the same
    at every scale."""
    steps = steps.sort_values("x_from")
    out = {}
    for where, row in (("first", steps.iloc[0]), ("last", steps.iloc[-1])):
        name = f"{key}_step_{where}"
        out.update({name: row["step"], f"{name}_low": row["low"], f"{name}_high": row["high"],
                    f"{name}_text": f"{row['step']:.3f} [{row['low']:.3f}, {row['high']:.3f}]"})
    return out


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


def readings(params: dict, df: pd.DataFrame, td: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The chapter's tables of statistics, fits and steps, from the gradient table ``df`` and
    the target draws ``td`` (what the figures draw and the page shows):

    * ``stats``: :func:`ensemble_stats`; ``mean_fits``, ``var_fits``: :func:`norm_fits` over the
      paper's sizes; ``mean_steps``, ``var_steps``: their per-step differences
      (:func:`bootstrap_steps`, seeded by ``params["seed"]``);
    * ``cstats``, ``class_fits`` (paper's sizes), ``rms_steps`` (all terms, paper's sizes);
    * ``sstats``, ``split_fits``, ``split_steps`` (the largest entry per part, fidelity, paper's
      sizes; parts that vanish at some size left out);
    * ``estats``, ``page``, ``haar``, ``holders`` (at the paper's largest size);
    * ``draw_fits``, ``draw_spread``;
    * ``beyond_mean_fits``, ``beyond_rms_fits``, ``beyond_mean_steps``, ``beyond_rms_steps``:
      the same over every size of ``n_hidden_beyond``.
    """
    params = _params(params)
    paper, seed = list(params["n_hidden"]), params["seed"]
    by = ["model", "objective"]
    cstats, sstats = class_stats(df), split_stats(df)
    all_terms = cstats[cstats["cls"] == "all"]
    split = split_fits(sstats, paper)
    fid = df[df["objective"] == "fidelity"]
    long = fid.melt(id_vars=_CELL, value_vars=list(PARTS), var_name="part", value_name="x")
    alive = split[split["objective"] == "fidelity"][["model", "part"]]
    long = long.merge(alive, on=["model", "part"])
    return {
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


def quoted(params: dict, df: pd.DataFrame, fd: pd.DataFrame, td: pd.DataFrame,
           tables: dict | None = None) -> dict:
    """Every number the chapter quotes, from the three tables (:func:`gradients`,
    :func:`finite_differences`, :func:`target_draws`) and the parameters; ``tables`` are
    :func:`readings` of the same data (computed when not given). Keys are the glue names
    without the chapter's prefix; values are numbers or short texts. Slopes are weighted log2
    fits (:mod:`plateaus.analysis`) with their 95 % t intervals and fit quality; steps
    (``..._step_<from>_<to>``, ``_low``, ``_high``) come from a bootstrap over instances
    seeded by ``params["seed"]``."""
    params = _params(params)
    r = readings(params, df, td) if tables is None else tables
    paper, beyond = sorted(params["n_hidden"]), sorted(params["n_hidden_beyond"])
    first, last, top = min(paper), max(paper), max(beyond)
    out: dict = {"scale": params["scale"], "instances": params["instances"], "first_nh": first,
                 "last_nh": last, "beyond_nh": top, "beyond_n": params["n_visible"] + top,
                 "second_nh": paper[1], "prev_nh": paper[-2], "beyond_prev_nh": beyond[-2]}
    # Figs. 3(b) and 5(a): lines, their quality, their distance from the paper's slope, steps
    band = paper_step_band(PAPER_SLOPE_SE, PAPER_SIZES)
    for stat in ("mean", "var"):
        for row in r[f"{stat}_fits"].itertuples():
            key = f"{stat}_{_tag(row.model, row.objective)}"
            out.update(_fit_numbers(key, row.fit, full=True))
            if stat == "mean":
                dist = an.slope_distance(row.fit, PAPER_SLOPE)
                out.update({f"{key}_t_paper": dist["t"], f"{key}_p_paper": dist["p_value"],
                            f"{key}_paper_verdict": "consistent with" if dist["p_value"] >= 0.05
                            else "not consistent with",
                            f"{key}_vs_ln_reading": holds(row.fit, PAPER_SLOPE / np.log(2))})
            else:  # the variance against the square of the theorem's scale
                out[f"{key}_vs_square"] = holds(row.fit, 2 * BOUND_SLOPE_LOG2)
        for (model, objective), s in r[f"{stat}_steps"].groupby(["model", "objective"]):
            out.update(_step_numbers(f"{stat}_{_tag(model, objective)}", s))
            if stat == "mean":  # how far the steps stray from the paper's straight line
                out.update(_band_numbers(f"mean_{_tag(model, objective)}", s, band))
    # how many of the lines the page shows for Fig. 3(b) (both fidelities) and, per order, for
    # Fig. 5(a) (three objectives) are rejected
    shown = r["mean_fits"][r["mean_fits"]["objective"].isin(["fidelity", "root-fidelity"])]
    out.update({"mean_lines": len(shown), "mean_rejected": int(shown["rejected"].sum()),
                "fit_steps": len(paper) - 1})
    for model, tag in ORDER_TAGS.items():
        v = r["var_fits"][r["var_fits"]["model"] == model]
        out.update({f"var_{tag}_lines": len(v), f"var_{tag}_rejected": int(v["rejected"].sum())})
    out.update({"paper_slope": PAPER_SLOPE, "paper_se": PAPER_SLOPE_SE, "paper_top": PAPER_AXIS[0],
                "paper_bottom": PAPER_AXIS[1], "paper_step_band": band,
                "paper_band_low": PAPER_SLOPE - band, "paper_band_high": PAPER_SLOPE + band,
                "bound_log2": BOUND_SLOPE_LOG2, "bound_ln": BOUND_SLOPE_LOG2 * np.log(2),
                "paper_as_ln_in_log2": PAPER_SLOPE / np.log(2), "fit_dof": len(paper) - 2,
                "t_quantile": an.t_quantile(len(paper) - 2)})
    stats = r["stats"]
    for row in stats[stats["n_hidden"].isin([first, last])].itertuples():
        key = f"{_tag(row.model, row.objective)}_{'first' if row.n_hidden == first else 'last'}"
        out.update({f"{key}_log2": np.log2(row.mean), f"{key}_ln": np.log(row.mean),
                    f"{key}_log10": np.log10(row.mean)})
    # other draws of the target
    out["draws"] = params["target_draws"]
    for name, row in r["draw_spread"].iterrows():
        out.update({f"draws_{name}_{col}": row[col]
                    for col in ("mean", "std", "min", "max", "z_paper", "first_mean", "first_min", "first_max")})
        out.update({f"draws_{name}_{col}": int(row[col]) for col in ("rejected", "as_steep", "straight")})
        out.update({f"draws_{name}_as_steep_upper": 100.0 * row["as_steep_upper"],
                    f"draws_{name}_normal_tail": 100.0 * row["normal_tail"]})
    spread = r["draw_spread"]
    apart = (spread.loc["root-fidelity", "max"] < spread.loc["fidelity", "min"]
             or spread.loc["fidelity", "max"] < spread.loc["root-fidelity", "min"])
    out["draws_overlap"] = "do not overlap" if apart else "overlap"
    # which convention is nearer the paper: in shape (the largest miss of a step interval from
    # the paper's band) and over the draws (the paper's slope in standard deviations of the spread)
    miss = {name: out[f"mean_random_{name}_band_miss"] for name in ("root-fidelity", "fidelity")}
    out["shape_nearer"] = _nearer(miss)
    out["draws_nearer"] = _nearer({name: abs(spread.loc[name, "z_paper"]) for name in miss})
    out["fidelity_match"] = out["shape_nearer"] if out["shape_nearer"] == out["draws_nearer"] else "undecided"
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
    for objective, share in unscrambled_holders(df, params["n_visible"], last).items():
        out[f"unscrambled_{objective}"] = 100.0 * share
    for (model, objective), row in r["holders"].iterrows():
        out.update({f"holder_{_tag(model, objective)}_{c}": 100.0 * row[c] for c in CLASSES})
    # where the largest entry sits: lines and the last step of each part, fidelity
    for row in r["split_fits"].itertuples():
        if row.objective == "fidelity":
            out.update(_fit_numbers(f"split_{ORDER_TAGS[row.model]}_{row.part}", row.fit))
    split = r["split_fits"][r["split_fits"]["objective"] == "fidelity"]
    out.update({"split_lines": len(split), "split_rejected": int(split["rejected"].sum()),
                "split_chi2_min": chi2_text(split["chi2_dof"].min()),
                "split_chi2_max": chi2_text(split["chi2_dof"].max())})
    for (model, part), s in r["split_steps"].groupby(["model", "part"]):
        out.update(_step_numbers(f"split_{ORDER_TAGS[model]}_{part}", s))
    fid = df[(df["objective"] == "fidelity") & (df["n_hidden"] == last)]
    for model, tag in ORDER_TAGS.items():
        out[f"maxpos_{tag}"] = fid.loc[fid["model"] == model, "max_position"].mean()
    sstats = r["sstats"]
    q4 = sstats[(sstats["model"] == "unitary") & (sstats["objective"] == "fidelity")
                & (sstats["part"] == "inf_q4") & (sstats["mean"] < VANISHES)]
    out["q4_zero_from"] = int(q4["n_hidden"].min()) if len(q4) else 0
    out["q4_zero_max"] = fid.loc[fid["model"] == "unitary", "inf_q4"].max()
    # the visible entropy against Page's
    bits = 1.0 / np.log(2.0)
    ent = r["estats"].set_index(["model", "n_hidden"])["mean"] * bits
    page = r["page"].set_index("n_hidden")["entropy"] * bits
    for model, tag in ORDER_TAGS.items():
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
        for model, tag in ORDER_TAGS.items():
            b = r[f"beyond_{name}_fits"][r[f"beyond_{name}_fits"]["model"] == model]
            out.update({f"beyond_{name}_{tag}_lines": len(b), f"beyond_{name}_{tag}_rejected": int(b["rejected"].sum())})
        for (model, objective), s in r[f"beyond_{name}_steps"].groupby(["model", "objective"]):
            out.update(_step_numbers(f"beyond_{name}_{_tag(model, objective)}", s))
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in out.items()}


#: The paper's slope as the results table shows it.
PAPER_TEXT = f"{PAPER_SLOPE} ± {PAPER_SLOPE_SE}"


def results_rows(numbers: dict) -> list[dict]:
    """The chapter's rows of the book's results table, from :func:`quoted`: each slope with its
    95 % interval and its fit quality (:meth:`plateaus.analysis.LineFit.text`)."""
    def row(figure, quantity, paper, key):
        return dict(result="Theorem 3", figure=figure, quantity=quantity, paper=paper,
                    ours=numbers[f"{key}_text"])

    return [
        row("3(b)", "slope of log2 E||∇F||_inf per hidden qubit, random gate order, root fidelity √F",
            PAPER_TEXT, "mean_random_root-fidelity"),
        row("3(b)", "same, Uhlmann fidelity F", PAPER_TEXT, "mean_random_fidelity"),
        row("3(b)", "same, gates in the order of Eq. (11), F", PAPER_TEXT, "mean_fixed_fidelity"),
        row("(book)", "same, the theorem's objective Tr(Z ρ_v), random order", "-0.5 (scale of the bound)",
            "mean_random_observable"),
        row("5(a)", "slope of log2 Var||∇F||_inf, random order, √F", "not quoted", "var_random_root-fidelity"),
    ]
