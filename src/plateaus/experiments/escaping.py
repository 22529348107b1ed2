r"""Chapter *Escaping the plateau*: the remedies of the paper's conclusion, simulated.

The paper's Section VII says that the entanglement-induced plateau is avoided only by breaking
an assumption of its theorems: entanglement that obeys an area law, an atypical initial state,
or an objective that is not linear in the state (the quantum relative entropy of generative
training). This module measures each remedy with the models, sizes and exact gradients of the
*Unitary plateau* and *Boltzmann plateau* chapters (:math:`D_v = 2^3`, :math:`n_h = 1..4`),
and trains them.

Ensembles (table ``gradients``; one row per model, initialisation, objective, hidden size and
instance):

unitary model (Section VI), objectives ``fidelity`` (Uhlmann fidelity to the fixed thermal
target of Fig. 3(b)) and ``observable`` (:math:`\mathrm{Tr}(O\rho_v)`, :math:`O` a Pauli string
on the visible qubits: Theorem 3's objective):

* ``typical``: one rotation per term of Eq. (11) in an order drawn per instance,
  :math:`\theta \sim N(0, \theta_{std}^2)`; the plateau. Instance ``i`` at ``n_h`` uses the
  stream ``[seed, 1, n_h]`` and draws its angles and then its order, as the *Unitary plateau*
  chapter does for its random-order reading.
* ``area-law``: the brickwork network of :mod:`plateaus.area_law` with ``area_layers``
  layers, :math:`\theta \sim N(0, \theta_{std}^2)`;
* ``small-angle-<s>``: the typical network (same order) with angles
  :math:`s\,z`, where :math:`\theta = \theta_{std} z` are the typical angles: near the identity;
* ``identity-block``: the typical network followed by its inverse
  (:func:`plateaus.training.identity_block`, Grant et al. 2019), :math:`2N` parameters.

Boltzmann machine (Sec. IV.B), couplings normalised by the operator norm as in Fig. 3(c),
objectives ``overlap`` (:math:`\mathrm{Tr}(\rho_{data}\rho_v)`, linear) and
``relative-entropy`` (:math:`S(\rho_{data}\|\rho_v)`, not linear), on the same instances:

* ``typical``: on-site :math:`J \sim N(0, 0.01)`, off-site :math:`N(0, 1)` (variances), the
  instances of the *Boltzmann plateau* chapter (stream ``[seed, n_h]``);
* ``weak-coupling``: the same draws rescaled to on-site variance ``weak_onsite_var`` and
  off-site variance ``weak_offsite_var`` (weak couplings between qubits, strong local fields:
  the regime in which, the paper notes, the eigenstates stay close to product states).

Training (table ``training``): learn :math:`\rho_{data}` by gradient descent from each
initialisation, ``train_seeds`` runs per initialisation and hidden size.

Every gradient is exact: the adjoint sweep for the unitary networks, the Daleckii-Krein
formula for the Boltzmann machine.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import store
from ..area_law import area_law_qnn
from ..haar import page_curve  # noqa: F401  (the chapter's Page curve: experiment.page_curve)
from ..measures import entropy
from ..models import BoltzmannMachine, UnitaryQNN, onsite_mask, sample_couplings, thermal_target
from ..objectives import Fidelity, Observable, RelativeEntropy
from ..parallel import instance_index, map_instances, spawn_seeds
from ..params import chapter_params
from ..terms import pauli_matrix, term_classes
from ..training import descend, identity_block, steps_to_reach

CHAPTER = "escaping"
GRADIENTS = "gradients"
TRAINING = "training"

UNITARY_OBJECTIVES = ("fidelity", "observable")
BOLTZMANN_OBJECTIVES = ("overlap", "relative-entropy")

#: The paper's Fig. 3(b) slope (log base not stated), quoted beside ours.
PAPER_SLOPE_UNITARY = -0.441
PAPER_SLOPE_UNITARY_SE = 0.003
#: The paper's Fig. 3(c) slope.
PAPER_SLOPE_BOLTZMANN = -0.423
PAPER_SLOPE_BOLTZMANN_SE = 0.025

#: Means below this are a gradient that vanishes to round-off (no slope is fitted).
ZERO_GRADIENT = 1e-12

# Streams of the root seed: 0 the thermal target ([seed, 0, 0], drawn by
# plateaus.models.thermal_target as in the *Unitary plateau* chapter), then these.
_UNITARY_STREAM, _TRAIN_STREAM = 1, 2


# ---------------------------------------------------------------------------------------------
# the target and the objectives


def objectives(target: np.ndarray, observable: str, names) -> dict:
    """The objectives ``names`` of the visible state, built on the target ``rho_data``."""
    table = {
        "fidelity": lambda: Fidelity(target),
        "observable": lambda: Observable(pauli_matrix(observable)),
        "overlap": lambda: Observable(target),
        "relative-entropy": lambda: RelativeEntropy(target),
    }
    out = {}
    for name in names:
        if name not in table:
            raise ValueError(f"objective = {name!r} is not allowed; expected one of {tuple(table)}")
        out[name] = table[name]()
    return out


def touches_hidden(terms, n_visible: int) -> np.ndarray:
    """True for every term acting on at least one hidden qubit (:math:`\\mathrm{Tr}\\,h_h = 0`):
    the classes ``across`` and ``hidden`` of :func:`plateaus.terms.term_classes`."""
    return term_classes(terms, n_visible) != "visible"


def _summary(grad: np.ndarray, hidden: np.ndarray) -> dict:
    a = np.abs(grad)
    return {
        "inf_norm": a.max(axis=1),
        "inf_visible": a[:, ~hidden].max(axis=1) if (~hidden).any() else np.full(len(a), np.nan),
        "inf_hidden": a[:, hidden].max(axis=1) if hidden.any() else np.full(len(a), np.nan),
    }


# ---------------------------------------------------------------------------------------------
# unitary ensembles


def unitary_draws(seeds, qnn: UnitaryQNN, n_area: int, theta_std: float):
    r"""Per instance: typical angles :math:`N(0, \theta_{std}^2)` ``(B, N)`` and a random order
    ``(B, N)`` (:meth:`UnitaryQNN.sample_instances`, as in the *Unitary plateau* chapter),
    then the area-law angles ``(B, n_area)``, drawn last from the same generator."""
    rngs = [np.random.default_rng(s) for s in seeds]
    theta, orders = qnn.sample_instances(rngs, theta_std=theta_std, order="random")
    area = np.stack([rng.normal(0.0, theta_std, n_area) for rng in rngs])
    return theta, orders, area


def unitary_initialisations(n_visible: int, n_hidden: int, seeds, *, theta_std: float,
                            area_layers: int, small_theta_stds) -> dict:
    """The unitary networks and their starting points: ``{init: (qnn, theta, order)}``."""
    qnn = UnitaryQNN(n_visible, n_hidden)
    area = area_law_qnn(n_visible, n_hidden, area_layers)
    theta, orders, area_theta = unitary_draws(seeds, qnn, area.n_params, theta_std)
    out = {"typical": (qnn, theta, orders), "area-law": (area, area_theta, None)}
    for s in small_theta_stds:
        out[f"small-angle-{s:g}"] = (qnn, theta * (s / theta_std), orders)
    terms2, theta2, order2 = identity_block(qnn.terms, theta, orders)
    out["identity-block"] = (UnitaryQNN(n_visible, n_hidden, terms=terms2), theta2, order2)
    return out


def _unitary_chunk(seeds, *, n_visible, n_hidden, theta_std, area_layers, small_theta_stds,
                   objectives):
    index = [instance_index(s) for s in seeds]
    inits = unitary_initialisations(n_visible, n_hidden, seeds, theta_std=theta_std,
                                    area_layers=area_layers, small_theta_stds=small_theta_stds)
    frames = []
    for init, (qnn, theta, order) in inits.items():
        rho_v = qnn.reduced_state(theta, order=order)
        hidden = touches_hidden(qnn.terms, n_visible)
        s = entropy(rho_v)
        for name, objective in objectives.items():
            grad = qnn.gradient(theta, objective, order=order)
            frames.append(pd.DataFrame({
                "model": "unitary", "init": init, "objective": name, "n_hidden": n_hidden,
                "n_params": qnn.n_params, "instance": index, "value": objective.value(rho_v),
                "entropy": s, **_summary(grad, hidden),
            }))
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Boltzmann ensembles


def boltzmann_initialisations(n_visible: int, n_hidden: int, seeds, *, onsite_var: float,
                              offsite_var: float, weak_onsite_var: float,
                              weak_offsite_var: float) -> dict:
    r"""Normalised couplings ``{init: (qbm, J)}`` for ``typical`` and ``weak-coupling``.

    The typical draws are those of the *Boltzmann plateau* chapter
    (:func:`plateaus.models.sample_couplings`, one row from each seed); the weak-coupling ones
    are the same Gaussian draws with the variances ``weak_onsite_var`` (on-site) and
    ``weak_offsite_var`` (off-site). Both are then normalised, :math:`J \leftarrow J/\|H(J)\|_\infty`.
    """
    qbm = BoltzmannMachine(n_visible, n_hidden)
    J = np.stack([sample_couplings(qbm.terms, 1, np.random.default_rng(s), onsite_var, offsite_var)[0]
                  for s in seeds])
    onsite = onsite_mask(qbm.terms)
    scale = np.where(onsite, np.sqrt(weak_onsite_var / onsite_var), np.sqrt(weak_offsite_var / offsite_var))
    return {"typical": (qbm, qbm.normalise(J)), "weak-coupling": (qbm, qbm.normalise(J * scale))}


def _boltzmann_chunk(seeds, *, n_visible, n_hidden, onsite_var, offsite_var, weak_onsite_var,
                     weak_offsite_var, objectives):
    index = [instance_index(s) for s in seeds]
    inits = boltzmann_initialisations(n_visible, n_hidden, seeds, onsite_var=onsite_var,
                                      offsite_var=offsite_var, weak_onsite_var=weak_onsite_var,
                                      weak_offsite_var=weak_offsite_var)
    frames = []
    for init, (qbm, J) in inits.items():
        rho_v = qbm.reduced_state(J)
        hidden = touches_hidden(qbm.terms, n_visible)
        s = entropy(rho_v)
        for name, objective in objectives.items():
            grad = qbm.gradient(J, objective)
            frames.append(pd.DataFrame({
                "model": "boltzmann", "init": init, "objective": name, "n_hidden": n_hidden,
                "n_params": qbm.n_params, "instance": index, "value": objective.value(rho_v),
                "entropy": s, **_summary(grad, hidden),
            }))
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# the tables


def _params(params: dict) -> dict:
    return chapter_params(CHAPTER, params["scale"],
                          **{k: v for k, v in params.items() if k not in ("chapter", "scale")})


def _check(params: dict) -> None:
    if len(params["visible_observable"]) != params["n_visible"]:
        raise ValueError(
            f"visible_observable = {params['visible_observable']!r} has "
            f"{len(params['visible_observable'])} letters; expected n_visible = {params['n_visible']}"
        )


def _target(params: dict) -> np.ndarray:
    return thermal_target(params["seed"], params["n_visible"], params["onsite_var"], params["offsite_var"])


GRADIENT_COLUMNS = ["model", "init", "objective", "n_visible", "n_hidden", "n_params", "instance",
                    "value", "entropy", "inf_norm", "inf_visible", "inf_hidden"]


def gradients(params: dict, *, recompute: bool = False) -> pd.DataFrame:
    r"""The gradient table: one row per model, initialisation, objective, hidden size, instance.

    Columns: ``model`` (``unitary``, ``boltzmann``), ``init``, ``objective``, ``n_visible``,
    ``n_hidden``, ``n_params``, ``instance``, ``value`` (the objective at the starting point),
    ``entropy`` (:math:`S(\rho_v)`, nats), ``inf_norm`` (:math:`\|\nabla F\|_\infty` over all
    parameters), ``inf_visible`` and ``inf_hidden`` (over the parameters of terms acting on
    visible qubits only, and of terms touching a hidden qubit).
    """
    params = _params(params)
    _check(params)

    def compute() -> pd.DataFrame:
        target = _target(params)
        u_obj = objectives(target, params["visible_observable"], UNITARY_OBJECTIVES)
        b_obj = objectives(target, params["visible_observable"], BOLTZMANN_OBJECTIVES)
        frames = []
        for n_hidden in params["n_hidden"]:
            frames.append(map_instances(
                _unitary_chunk, params["instances"], seed=[params["seed"], _UNITARY_STREAM, n_hidden],
                chunk_size=params["chunk_size"], desc=f"unitary remedies, n_h={n_hidden}",
                n_visible=params["n_visible"], n_hidden=n_hidden, theta_std=params["theta_std"],
                area_layers=params["area_layers"], small_theta_stds=params["small_theta_stds"],
                objectives=u_obj,
            ))
            frames.append(map_instances(
                _boltzmann_chunk, params["instances"], seed=[params["seed"], n_hidden],
                chunk_size=params["chunk_size"], desc=f"Boltzmann remedies, n_h={n_hidden}",
                n_visible=params["n_visible"], n_hidden=n_hidden, onsite_var=params["onsite_var"],
                offsite_var=params["offsite_var"], weak_onsite_var=params["weak_onsite_var"],
                weak_offsite_var=params["weak_offsite_var"], objectives=b_obj,
            ))
        df = pd.concat(frames, ignore_index=True).assign(n_visible=params["n_visible"])[GRADIENT_COLUMNS]
        return df.sort_values(["model", "init", "objective", "n_hidden", "instance"],
                              kind="stable").reset_index(drop=True)

    return store.cached(CHAPTER, params["scale"], GRADIENTS, params, compute, recompute=recompute)


# ---------------------------------------------------------------------------------------------
# training


def _unitary_runs(params: dict, n_hidden: int, fidelity: Fidelity) -> list[pd.DataFrame]:
    seeds = spawn_seeds([params["seed"], _TRAIN_STREAM, n_hidden], params["train_seeds"])
    inits = unitary_initialisations(params["n_visible"], n_hidden, seeds,
                                    theta_std=params["theta_std"], area_layers=params["area_layers"],
                                    small_theta_stds=params["small_theta_stds"][:1])
    frames = []
    for init, (qnn, theta, order) in inits.items():
        def infidelity(x, qnn=qnn, order=order):
            return 1.0 - fidelity.value(qnn.reduced_state(x, order=order))

        def gradient(x, qnn=qnn, order=order):
            return -qnn.gradient(x, fidelity, order=order)

        _, steps, loss = descend(gradient, theta, steps=params["train_steps"], lr=params["train_lr"],
                                 loss=infidelity, every=params["train_every"])
        frames.append(_curves("unitary", init, "infidelity", n_hidden, steps, loss, loss))
    return frames


def _boltzmann_runs(params: dict, n_hidden: int, fidelity: Fidelity,
                    relative: RelativeEntropy) -> list[pd.DataFrame]:
    seeds = spawn_seeds([params["seed"], _TRAIN_STREAM, n_hidden], params["train_seeds"])
    inits = boltzmann_initialisations(params["n_visible"], n_hidden, seeds,
                                      onsite_var=params["onsite_var"], offsite_var=params["offsite_var"],
                                      weak_onsite_var=params["weak_onsite_var"],
                                      weak_offsite_var=params["weak_offsite_var"])
    runs = [("typical", "infidelity"), ("weak-coupling", "infidelity"), ("typical", "relative-entropy")]
    frames = []
    for init, loss_name in runs:
        qbm, J = inits[init]

        def both(x, qbm=qbm):
            rho_v = qbm.reduced_state(x)
            return np.stack([1.0 - fidelity.value(rho_v), relative.value(rho_v)], axis=1)

        if loss_name == "infidelity":
            def gradient(x, qbm=qbm):
                return -qbm.gradient(x, fidelity)
        else:
            def gradient(x, qbm=qbm):
                return qbm.gradient(x, relative)

        _, steps, rec = descend(gradient, J, steps=params["train_steps"], lr=params["train_lr_boltzmann"],
                                loss=both, every=params["train_every"])
        loss = rec[..., 0] if loss_name == "infidelity" else rec[..., 1]
        frames.append(_curves("boltzmann", init, loss_name, n_hidden, steps, loss, rec[..., 0]))
    return frames


def _curves(model, init, loss_name, n_hidden, steps, loss, infidelity) -> pd.DataFrame:
    R, B = loss.shape
    return pd.DataFrame({
        "model": model, "init": init, "loss_name": loss_name, "n_hidden": n_hidden,
        "run": np.tile(np.arange(B), R), "step": np.repeat(steps, B),
        "loss": loss.reshape(-1), "infidelity": infidelity.reshape(-1),
    })


TRAINING_COLUMNS = ["model", "init", "loss_name", "n_hidden", "run", "step", "loss", "infidelity"]


def training(params: dict, *, recompute: bool = False) -> pd.DataFrame:
    r"""Loss curves: learn :math:`\rho_{data}` by gradient descent from each initialisation.

    Unitary networks (``typical``, ``area-law``, the first ``small-angle``, ``identity-block``)
    minimise the infidelity :math:`1 - F(\rho_v, \rho_{data})`; the Boltzmann machine minimises
    the infidelity from ``typical`` and ``weak-coupling`` couplings, and the relative entropy
    :math:`S(\rho_{data}\|\rho_v)` from ``typical`` ones. Plain gradient descent,
    :math:`x \leftarrow x - \eta\nabla L`, ``train_steps`` steps of ``train_lr`` (unitary) or
    ``train_lr_boltzmann`` (Boltzmann machine), exact
    gradients; ``train_seeds`` runs per initialisation and hidden size (stream
    ``[seed, 2, n_h]``), recorded every ``train_every`` steps.

    Columns: ``model``, ``init``, ``loss_name``, ``n_hidden``, ``run``, ``step``, ``loss``
    (the loss being minimised) and ``infidelity`` (:math:`1 - F`, for every run).
    """
    params = _params(params)
    _check(params)

    def compute() -> pd.DataFrame:
        target = _target(params)
        fidelity, relative = Fidelity(target), RelativeEntropy(target)
        frames = []
        for n_hidden in params["n_hidden"]:
            frames += _unitary_runs(params, n_hidden, fidelity)
            frames += _boltzmann_runs(params, n_hidden, fidelity, relative)
        return pd.concat(frames, ignore_index=True)[TRAINING_COLUMNS]

    return store.cached(CHAPTER, params["scale"], TRAINING, params, compute, recompute=recompute)


# ---------------------------------------------------------------------------------------------
# statistics quoted in the chapter


def slopes(df: pd.DataFrame, quantity: str = "inf_norm") -> pd.DataFrame:
    r"""Least-squares slope of :math:`\log_2` (mean of ``quantity`` over instances) against
    :math:`n_h`, per model, initialisation and objective (the paper's Fig. 3 fit).

    Columns: ``model``, ``init``, ``objective``, ``quantity``, ``slope`` and ``slope_se``
    (log2 per hidden qubit), ``slope_ln``, ``slope_ln_se`` (the same in ln), ``first``,
    ``last`` (the means at the smallest and largest :math:`n_h`). Where every mean is below
    :data:`ZERO_GRADIENT` (a gradient that vanishes to round-off) the slope is NaN.
    """
    from ..figures.style import LineFit, fit_line

    rows = []
    for (model, init, objective), g in df.groupby(["model", "init", "objective"], sort=False):
        means = g.groupby("n_hidden")[quantity].mean()
        if means.max() < ZERO_GRADIENT:  # zero to round-off: no slope to fit
            fit = LineFit(np.nan, np.nan, np.nan, np.nan, len(means))
        else:
            fit = fit_line(means.index.to_numpy(), np.log2(means.to_numpy()))
        rows.append({
            "model": model, "init": init, "objective": objective, "quantity": quantity,
            "slope": fit.slope, "slope_se": fit.slope_se, "slope_ln": fit.slope * np.log(2),
            "slope_ln_se": fit.slope_se * np.log(2), "first": means.iloc[0], "last": means.iloc[-1],
        })
    return pd.DataFrame(rows)


def steps_table(df: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Steps for the infidelity to fall to ``threshold``: median over runs and how many reached it.

    One row per model, initialisation, loss and hidden size: ``median_steps`` (NaN when fewer
    than half the runs reach it), ``reached`` (runs that did), ``runs``, ``final`` (median final
    infidelity).
    """
    rows = []
    for key, g in df.groupby(["model", "init", "loss_name", "n_hidden"], sort=False):
        wide = g.pivot(index="step", columns="run", values="infidelity").sort_index()
        hit = steps_to_reach(wide.index.to_numpy(), wide.to_numpy(), threshold)
        reached = int(np.isfinite(hit).sum())
        median = float(np.median(np.where(np.isfinite(hit), hit, np.inf)))
        rows.append(dict(zip(["model", "init", "loss_name", "n_hidden"], key),
                         median_steps=median if np.isfinite(median) else np.nan, reached=reached,
                         runs=hit.size, final=float(wide.iloc[-1].median())))
    return pd.DataFrame(rows)


#: The rows of the summary figure: (group, model, objective, quantity, [inits]).
SUMMARY_ROWS = (
    ("unitary network, fidelity", "unitary", "fidelity", "inf_norm",
     ("typical", "area-law", "small-angle-0.03", "small-angle-0.1", "identity-block")),
    ("unitary network, observable", "unitary", "observable", "inf_norm",
     ("typical", "area-law", "small-angle-0.03", "small-angle-0.1")),
    ("Boltzmann machine, parameters touching hidden qubits", "boltzmann", None, "inf_hidden",
     ("typical", "weak-coupling")),
    ("Boltzmann machine, all parameters", "boltzmann", None, "inf_norm", ("typical", "weak-coupling")),
)
SUMMARY_INIT_LABELS = {
    "typical": "typical", "area-law": "area law", "small-angle-0.03": "near identity, 0.03",
    "small-angle-0.1": "near identity, 0.1", "identity-block": "identity block",
    "weak-coupling": "weak couplings",
}
SUMMARY_OBJECTIVE_LABELS = {"overlap": "overlap", "relative-entropy": "relative entropy",
                            "fidelity": "fidelity", "observable": "observable"}


def summary_slopes(df: pd.DataFrame, boltzmann_objectives=("overlap", "relative-entropy")) -> pd.DataFrame:
    """Slopes of every remedy and of the plateau, labelled for :func:`plateaus.figures.escaping.slope_summary`.

    Columns of :func:`slopes` plus ``group``, ``label`` and ``plateau`` (typical
    initialisation with the objective of the plateau: fidelity/observable for the unitary
    network, the linear overlap for the Boltzmann machine).
    """
    rows = []
    for group, model, objective, quantity, inits in SUMMARY_ROWS:
        fits = slopes(df[df["model"] == model], quantity)
        objectives = (objective,) if objective else boltzmann_objectives
        for init in inits:
            for obj in objectives:
                row = fits[(fits["init"] == init) & (fits["objective"] == obj)]
                if row.empty:
                    continue
                label = SUMMARY_INIT_LABELS[init] + ("" if objective else f", {SUMMARY_OBJECTIVE_LABELS[obj]}")
                plateau = init == "typical" and (model == "unitary" or obj == "overlap")
                rows.append({**row.iloc[0].to_dict(), "group": group, "label": label, "plateau": plateau})
    return pd.DataFrame(rows)
