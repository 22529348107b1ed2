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

The numbers the chapter quotes (:func:`quoted`, :func:`results_rows`): every slope is a fit of
:mod:`plateaus.analysis`, weighted by the standard error of each mean, with its 95 % t interval
and :math:`\chi^2/\mathrm{dof}`; where the data reject the straight line, the per-step
differences with bootstrap intervals over the instances (:func:`slope_steps`). The steps of
training are medians over a few runs, quoted with the range of the runs (no bootstrap gives a
95 % interval for a median of four runs), and a change between two sizes by whether the runs at
the two sizes are completely separated (:func:`steps_table`, :func:`steps_change`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import analysis, store
from ..area_law import area_law_qnn, light_cone_hidden
from ..haar import page_curve
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
#: The unitary objectives the page quotes: those computed, and the root fidelity derived from
#: the fidelity's rows (:func:`with_root_fidelity`).
UNITARY_QUOTED = ("fidelity", "root-fidelity", "observable")
BOLTZMANN_OBJECTIVES = ("overlap", "relative-entropy")

#: The paper's Fig. 3(b) slope. The paper names neither the fidelity nor the base of its
#: logarithm; with the unnormalised target (this chapter's), the *Unitary plateau* chapter finds
#: that only a log2 axis puts the values on the paper's axis and that the root fidelity
#: :math:`\sqrt F` matches its curve better than Uhlmann's :math:`F` (with the normalised target,
#: neither), so it is compared with the log2 slope of :math:`\sqrt F` here.
PAPER_SLOPE_UNITARY = -0.441
PAPER_SLOPE_UNITARY_SE = 0.003
#: The paper's Fig. 3(c) slope: the trace-distance sensitivity of the renormalised Boltzmann
#: machine (log2, as the *Boltzmann plateau* chapter reads it), a quantity this chapter does not
#: compute; quoted for reference only.
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


def with_root_fidelity(df: pd.DataFrame) -> pd.DataFrame:
    r"""``df`` with rows for the root fidelity :math:`\sqrt F` added, derived exactly from the
    rows of Uhlmann's fidelity ``F`` (objective ``"root-fidelity"``, same instances).

    By the chain rule :math:`\nabla\sqrt F = \nabla F/(2\sqrt F)`: one positive factor for all
    entries of an instance, so every :math:`\infty`-norm (``inf_norm``, ``inf_visible``,
    ``inf_hidden``) is divided by :math:`2\sqrt F` and ``value`` becomes :math:`\sqrt F`; the
    other columns are unchanged. The stored table is not changed. ``ValueError`` if a
    fidelity is not positive (:math:`\sqrt F` is not differentiable at :math:`F = 0`).
    """
    if (df["objective"] == "root-fidelity").any():
        raise ValueError("df already holds root-fidelity rows")
    fid = df[df["objective"] == "fidelity"]
    if not (fid["value"] > 0).all():
        raise ValueError("every fidelity must be > 0: the root fidelity is not differentiable at F = 0")
    root = np.sqrt(fid["value"].to_numpy())
    extra = fid.assign(objective="root-fidelity", value=root,
                       **{c: fid[c].to_numpy() / (2.0 * root) for c in ("inf_norm", "inf_visible", "inf_hidden")})
    return pd.concat([df, extra], ignore_index=True)


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
# statistics quoted in the chapter (every fit from plateaus.analysis)

#: Columns of :func:`slopes`, besides ``model``, ``init``, ``objective``, ``quantity``.
SLOPE_COLUMNS = ("fit", "slope_log2", "se_log2", "low_log2", "high_log2", "intercept_log2", "slope_ln",
                 "se_ln", "low_ln", "high_ln", "chi2_dof", "p_value", "dof", "rejected")


def _zero_reason(largest: float) -> str:
    return (f"gradient zero to round-off (largest mean {largest:.1e} < {ZERO_GRADIENT:g}): "
            "no logarithm, no slope")


def slopes(df: pd.DataFrame, quantity: str = "inf_norm") -> pd.DataFrame:
    r"""Weighted fit of :math:`\log_2` (mean of ``quantity`` over instances) against :math:`n_h`,
    per model, initialisation and objective (the paper's Fig. 3 fit), by
    :func:`plateaus.analysis.log_fit` with the standard error of each mean: the slope, its 95 %
    interval from Student's t with ``n - 2`` degrees of freedom, :math:`\chi^2/\mathrm{dof}` and
    the p-value of the straight line.

    Columns: ``model``, ``init``, ``objective``, ``quantity``, the columns of
    :func:`plateaus.analysis.fit_columns` (``fit``, ``slope_log2``, ``low_log2``, ``high_log2``,
    ``se_log2``, the same in ``ln``, ``chi2_dof``, ``p_value``, ``dof``, ``rejected``), ``first``
    and ``last`` (the means at the smallest and largest :math:`n_h`) and ``reason``. Where every
    mean is below :data:`ZERO_GRADIENT` (a gradient that vanishes to round-off: its logarithm is
    noise) the fit is ``None``, the slope NaN and ``reason`` says why; otherwise ``reason`` is "".
    """
    rows = []
    for (model, init, objective), g in df.groupby(["model", "init", "objective"], sort=False):
        stats = analysis.group_stats(g, "n_hidden", quantity)
        key = {"model": model, "init": init, "objective": objective, "quantity": quantity}
        ends = {"first": float(stats["mean"].iloc[0]), "last": float(stats["mean"].iloc[-1])}
        largest = float(stats["mean"].max())
        if not largest >= ZERO_GRADIENT:  # zero to round-off (or NaN): no slope to fit
            nan = float("nan")
            cols = dict.fromkeys(SLOPE_COLUMNS, nan) | {"fit": None, "dof": len(stats) - 2, "rejected": False}
            rows.append({**key, **cols, **ends, "reason": _zero_reason(largest)})
            continue
        fit = analysis.log_fit(stats["n_hidden"], stats["mean"], stats["se"], base=2)
        rows.append({**key, **analysis.fit_columns(fit), **ends, "reason": ""})
    columns = ["model", "init", "objective", "quantity", *SLOPE_COLUMNS, "first", "last", "reason"]
    return pd.DataFrame(rows, columns=columns)


def slope_steps(df: pd.DataFrame, quantity: str = "inf_norm", *, seed: int = 0,
                n_boot: int = analysis.N_BOOT) -> pd.DataFrame:
    r"""Per-step differences :math:`\log_2 m(n_h + 1) - \log_2 m(n_h)` of the mean ``m`` of
    ``quantity``, with 95 % percentile intervals from a seeded bootstrap over instances
    (:func:`plateaus.analysis.bootstrap_log_fit`), per model, initialisation and objective.
    Groups whose gradient is zero to round-off are left out.

    Columns: ``model``, ``init``, ``objective``, ``quantity``, ``x_from``, ``x_to``, ``step``,
    ``low``, ``high``.
    """
    frames = []
    for (model, init, objective), g in df.groupby(["model", "init", "objective"], sort=False):
        if not g.groupby("n_hidden")[quantity].mean().max() >= ZERO_GRADIENT:
            continue
        samples = {int(h): gh[quantity].to_numpy() for h, gh in g.groupby("n_hidden")}
        boot = analysis.bootstrap_log_fit(samples, statistic="mean", base=2, n_boot=n_boot, seed=seed)
        frames.append(boot.steps.assign(model=model, init=init, objective=objective, quantity=quantity))
    cols = ["model", "init", "objective", "quantity", "x_from", "x_to", "step", "low", "high"]
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)


def ratio_fit(df: pd.DataFrame, model: str, init: str, numerator: str, denominator: str,
              quantity: str = "inf_hidden"):
    r"""The ratio of two objectives' mean gradients on the same instances, per :math:`n_h`, and
    the weighted fit of its :math:`\log_2` against :math:`n_h`: the difference of their slopes,
    with the pairing of the instances taken into account.

    For each :math:`n_h`, :math:`r = \bar a/\bar b` over the instances :math:`i` that both
    objectives share, and by the delta method its standard error is
    :math:`r\,\mathrm{se}(d)`, :math:`d_i = a_i/\bar a - b_i/\bar b` (the covariance of the two
    means included). The fit is :func:`plateaus.analysis.log_fit` of ``r`` with these errors.

    Returns ``(table, fit)``: the table has ``n_hidden``, ``ratio``, ``se``; ``fit`` is the
    :class:`~plateaus.analysis.LineFit` (log2).
    """
    sub = df[(df["model"] == model) & (df["init"] == init)]
    wide = sub.pivot_table(index=["n_hidden", "instance"], columns="objective", values=quantity)
    if numerator not in wide or denominator not in wide:
        raise ValueError(f"objectives {numerator!r} and {denominator!r} must both be in the table "
                         f"for model {model!r}, init {init!r}")
    wide = wide[[numerator, denominator]].dropna()
    rows = []
    for n_hidden, g in wide.groupby(level="n_hidden"):
        a, b = g[numerator].to_numpy(), g[denominator].to_numpy()
        r = a.mean() / b.mean()
        rows.append({"n_hidden": int(n_hidden), "ratio": r,
                     "se": r * float(analysis.mean_se(a / a.mean() - b / b.mean()))})
    table = pd.DataFrame(rows)
    return table, analysis.log_fit(table["n_hidden"], table["ratio"], table["se"], base=2)


def mean_change(df: pd.DataFrame, model: str, init: str, objective: str, quantity: str = "inf_norm") -> dict:
    r"""How much the mean of ``quantity`` falls from the smallest to the largest :math:`n_h`:
    the factor :math:`m(n_{min})/m(n_{max})` and its 95 % interval from the difference of the two
    logs (:func:`plateaus.analysis.step_differences`, independent instances at each size).
    Keys ``factor``, ``low``, ``high``."""
    g = df[(df["model"] == model) & (df["init"] == init) & (df["objective"] == objective)]
    stats = analysis.group_stats(g, "n_hidden", quantity)
    ends = stats.iloc[[0, -1]]
    step = analysis.step_differences(ends["n_hidden"], ends["mean"], ends["se"], base=2).iloc[0]
    return {"factor": float(2.0 ** -step["step"]), "low": float(2.0 ** -step["high"]),
            "high": float(2.0 ** -step["low"])}


def median_range_coverage(n_runs: int) -> float:
    r"""The probability that the range (fastest to slowest) of ``n_runs`` independent runs
    contains the median of their distribution: :math:`1 - 2^{1-n}` (continuous steps; ties only
    raise it). It is 0.875 for 4 runs: no interval of 4 runs is a 95 % interval for a median."""
    if not (isinstance(n_runs, (int, np.integer)) and n_runs >= 1):
        raise ValueError(f"n_runs must be an integer >= 1, got {n_runs!r}")
    return float(1.0 - 2.0 ** (1 - int(n_runs)))


def steps_table(df: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Steps for the infidelity to fall to ``threshold``, per model, initialisation, loss and
    hidden size: the median over runs (a run that never reaches it counts as infinitely slow),
    the fastest and the slowest run, how many runs reached it, and the final infidelity.

    With a handful of runs no bootstrap gives a 95 % interval for a median; the range of the
    runs is quoted instead, with ``coverage`` (:func:`median_range_coverage`), the probability
    that it contains the median of the runs' distribution.

    Columns: ``model``, ``init``, ``loss_name``, ``n_hidden``, ``median_steps`` (NaN when fewer
    than half the runs reach it), ``fastest``, ``slowest`` (NaN when a run never reaches it),
    ``coverage``, ``reached``, ``runs``, ``final`` (median final infidelity), ``final_lowest``,
    ``final_highest`` (over the runs), ``hits`` (each run's step, NaN if never).
    """
    keys = ["model", "init", "loss_name", "n_hidden"]
    rows = []
    for key, g in df.groupby(keys, sort=False):
        wide = g.pivot(index="step", columns="run", values="infidelity").sort_index()
        hit = steps_to_reach(wide.index.to_numpy(), wide.to_numpy(), threshold)
        inf = np.where(np.isfinite(hit), hit, np.inf)
        final = wide.iloc[-1].to_numpy()
        rows.append(dict(zip(keys, key), median_steps=float(analysis.finite_or_nan(analysis.median_inf(hit))),
                         fastest=float(analysis.finite_or_nan(inf.min())),
                         slowest=float(analysis.finite_or_nan(inf.max())),
                         coverage=median_range_coverage(hit.size), reached=int(np.isfinite(hit).sum()),
                         runs=hit.size, final=float(np.median(final)), final_lowest=float(final.min()),
                         final_highest=float(final.max()), hits=hit))
    return pd.DataFrame(rows, columns=keys + ["median_steps", "fastest", "slowest", "coverage", "reached",
                                              "runs", "final", "final_lowest", "final_highest", "hits"])


def separation_chance(n: int, m: int) -> float:
    r"""The probability that ``n`` runs at one size and ``m`` at another are completely
    separated (every run of one group slower than every run of the other, either way) when
    the size makes no difference: :math:`2/\binom{n+m}{n}` (exchangeable runs; ties make a
    strict separation rarer still)."""
    from math import comb

    if not all(isinstance(k, (int, np.integer)) and k >= 1 for k in (n, m)):
        raise ValueError(f"n and m must be integers >= 1, got {n!r} and {m!r}")
    return float(min(1.0, 2.0 / comb(int(n) + int(m), int(n))))


def steps_change(steps: pd.DataFrame, model: str, init: str, loss_name: str) -> dict:
    r"""The change of the steps from the smallest to the largest :math:`n_h` (rows of
    :func:`steps_table`), without assuming a distribution for a handful of runs.

    Keys: ``difference`` and ``ratio`` of the two medians; ``ratio_lowest``, ``ratio_highest``
    (over all pairs of a run at the largest and a run at the smallest size: fastest over
    slowest and slowest over fastest); ``order``: ``"slower"`` when every run at the largest
    size needs more steps than every run at the smallest, ``"faster"`` the other way round,
    ``"overlap"`` otherwise; ``p_separation``: the probability of so complete a separation
    (either way) if the size made no difference, :math:`2/\binom{n + m}{n}` for ``n`` and ``m``
    runs (1/35 for 4 and 4; :func:`separation_chance`). Values that involve a run that never
    reached the threshold are NaN, except ``order`` (such a run is infinitely slow)."""
    rows = steps[(steps["model"] == model) & (steps["init"] == init)
                 & (steps["loss_name"] == loss_name)].sort_values("n_hidden")
    if rows.empty:
        raise ValueError(f"no training runs for model {model!r}, init {init!r}, loss {loss_name!r}")
    first, last = rows.iloc[0], rows.iloc[-1]
    a, b = (np.where(np.isfinite(h), h, np.inf) for h in (first["hits"], last["hits"]))
    order = "slower" if b.min() > a.max() else "faster" if b.max() < a.min() else "overlap"
    with np.errstate(invalid="ignore", divide="ignore"):
        m0, m1 = first["median_steps"], last["median_steps"]
        return {"difference": float(m1 - m0), "ratio": float(m1 / m0),
                "ratio_lowest": float(analysis.finite_or_nan(b.min() / a.max())),
                "ratio_highest": float(analysis.finite_or_nan(b.max() / a.min())),
                "order": order, "p_separation": separation_chance(a.size, b.size)}


#: The group of the summary figure that holds the paper's Fig. 3(b) quantity.
ROOT_FIDELITY_GROUP = "unitary network, root fidelity √F (the paper's Fig. 3(b) quantity, unnormalised target)"
#: The rows of the summary figure: (group, model, objective, quantity, [inits]).
SUMMARY_ROWS = (
    (ROOT_FIDELITY_GROUP, "unitary", "root-fidelity", "inf_norm", ("typical",)),
    ("unitary network, Uhlmann fidelity F", "unitary", "fidelity", "inf_norm",
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
                            "fidelity": "fidelity F", "root-fidelity": "root fidelity √F",
                            "observable": "observable"}


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




def slope_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The page's table of :func:`summary_slopes`: per row the group, the label, the slope in
    log2 and in ln with their 95 % intervals (``"-0.357 [-0.505, -0.208]"``), chi^2/dof, the
    p-value of the straight line and whether the line is rejected (p < 0.01)."""
    return pd.DataFrame({
        "group": summary["group"], "initialisation": summary["label"],
        "slope, log2 [95 %]": [analysis.interval_text(*r) for r in summary[["slope_log2", "low_log2", "high_log2"]].to_numpy()],
        "slope, ln [95 %]": [analysis.interval_text(*r) for r in summary[["slope_ln", "low_ln", "high_ln"]].to_numpy()],
        "χ²/dof": summary["chi2_dof"].round(2), "p (line)": summary["p_value"].map(lambda p: f"{p:.2g}"),
        "line": np.where(summary["rejected"], "rejected", "not rejected"),
    }).reset_index(drop=True)


def unitary_means(df: pd.DataFrame) -> pd.DataFrame:
    """The page's table of the unitary networks: the mean :math:`\\infty`-norm of the gradient
    of the row's objective :math:`L` (``fidelity`` :math:`F`, ``root-fidelity``
    :math:`\\sqrt F`, ``observable`` :math:`\\mathrm{Tr}(Z_1\\rho_v)`) and the mean visible entropy
    (nats) per initialisation and objective (rows) and :math:`n_h` (columns)."""
    u = df[df["model"] == "unitary"]
    means = u.groupby(["init", "objective", "n_hidden"])[["inf_norm", "entropy"]].mean()
    means = means.rename(columns={"inf_norm": "mean ‖∇L‖∞ (L: the objective)", "entropy": "mean S(ρ_v), nats"})
    return means.unstack("n_hidden")


def steps_display(steps: pd.DataFrame) -> pd.DataFrame:
    """The page's table of :func:`steps_table`: ``"9 (8–12)"`` (the median steps over the runs,
    and the fastest to the slowest run) per run type (rows) and :math:`n_h` (columns);
    ``"not reached"`` where the median is not, ``"never"`` for a slowest run that never
    reaches the threshold."""
    def cell(r):
        if not np.isfinite(r["median_steps"]):
            return "not reached"
        slowest = f"{r['slowest']:.0f}" if np.isfinite(r["slowest"]) else "never"
        return f"{r['median_steps']:.0f} ({r['fastest']:.0f}–{slowest})"

    run = steps["model"] + ": " + steps["init"] + " (" + steps["loss_name"] + ")"
    table = steps.assign(run=run, cell=steps.apply(cell, axis=1))
    out = table.pivot(index="run", columns="n_hidden", values="cell")
    out.columns.name = "median steps (fastest–slowest run) at n_h ="
    return out


# ---------------------------------------------------------------------------------------------
# the numbers the page quotes


#: Unitary initialisations the page quotes (the small angles come from the parameters).
UNITARY_INITS = ("typical", "area-law", "identity-block")
#: Training runs the page quotes: glue name -> (model, init, loss).
TRAINING_RUNS = {
    "t-u-typical": ("unitary", "typical", "infidelity"),
    "t-u-area-law": ("unitary", "area-law", "infidelity"),
    "t-u-identity-block": ("unitary", "identity-block", "infidelity"),
    "t-b-typical": ("boltzmann", "typical", "infidelity"),
    "t-b-weak": ("boltzmann", "weak-coupling", "infidelity"),
    "t-b-relent": ("boltzmann", "typical", "relative-entropy"),
}


def rank_floor(target: np.ndarray, rank: int) -> float:
    r"""The smallest infidelity :math:`1 - F(\sigma, \rho)` of a state :math:`\sigma` of rank at
    most ``rank`` to ``target`` (unit trace): one minus the sum of its ``rank`` largest
    eigenvalues. The
    visible state of a pure network state has rank at most :math:`D_h`, so a unitary network
    with :math:`n_h` hidden qubits cannot train below this floor with ``rank`` :math:`= 2^{n_h}`."""
    ev = np.sort(np.linalg.eigvalsh(np.asarray(target)))[::-1]
    return float(max(0.0, ev[int(rank):].sum()))  # the weight left out, summed small to large


def fit_numbers(key: str, fit, steps: pd.DataFrame | None = None, reason: str = "") -> dict:
    """The glued numbers of one fit under ``key``: the slope in log2 (``key``) and ln
    (``key-ln``) with their 95 % intervals (``-low``, ``-high``), ``-chi2-dof``, ``-p-line``,
    ``-dof``, ``-line`` ("rejected" or "not rejected", at p < 0.01), ``-text``
    (:meth:`LineFit.text`), and, from ``steps`` (rows of :func:`slope_steps`), the first and the
    last per-step difference with their intervals (``-step-first``, ``-step-first-low``, ...).
    ``fit`` None (a gradient zero to round-off): NaN numbers and ``-reason``."""
    nan = float("nan")
    if fit is None:
        out = {key: nan, f"{key}-low": nan, f"{key}-high": nan, f"{key}-ln": nan, f"{key}-ln-low": nan,
               f"{key}-ln-high": nan, f"{key}-chi2-dof": nan, f"{key}-p-line": nan,
               f"{key}-line": "not fitted", f"{key}-text": f"no slope: {reason}", f"{key}-reason": reason}
        return out
    ln = fit.in_base("ln")
    out = {key: fit.slope, f"{key}-low": fit.slope_low, f"{key}-high": fit.slope_high, f"{key}-ln": ln.slope,
           f"{key}-ln-low": ln.slope_low, f"{key}-ln-high": ln.slope_high, f"{key}-chi2-dof": fit.chi2_dof,
           f"{key}-p-line": fit.p_value, f"{key}-dof": fit.dof,
           f"{key}-line": "rejected" if fit.rejected() else "not rejected", f"{key}-text": fit.text()}
    if steps is not None and len(steps):
        steps = steps.sort_values("x_from")
        for name, row in (("first", steps.iloc[0]), ("last", steps.iloc[-1])):
            out |= {f"{key}-step-{name}": float(row["step"]), f"{key}-step-{name}-low": float(row["low"]),
                    f"{key}-step-{name}-high": float(row["high"])}
        out[f"{key}-steps"] = steps_text(steps)
    return out


def steps_text(steps: pd.DataFrame, digits: int = 3) -> str:
    """Every per-step difference with its interval, in increasing :math:`n_h`, as prose:
    ``"-0.212 [-0.238, -0.185], -0.366 [-0.392, -0.339] and -0.430 [-0.448, -0.412]"``."""
    parts = [f"{r['step']:.{digits}f} [{r['low']:.{digits}f}, {r['high']:.{digits}f}]"
             for _, r in steps.sort_values("x_from").iterrows()]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _fit_of(fits: pd.DataFrame, steps: pd.DataFrame, key: str, model: str, init: str, objective: str) -> dict:
    row = fits[(fits["model"] == model) & (fits["init"] == init) & (fits["objective"] == objective)]
    if row.empty:
        raise ValueError(f"no fit for model {model!r}, init {init!r}, objective {objective!r}")
    row = row.iloc[0]
    st = steps[(steps["model"] == model) & (steps["init"] == init) & (steps["objective"] == objective)]
    return fit_numbers(key, row["fit"], st, row["reason"])


def quoted(params: dict, df: pd.DataFrame, tr: pd.DataFrame, *, n_boot: int = analysis.N_BOOT) -> dict:
    r"""Every number the chapter quotes, from its two tables (:func:`gradients`,
    :func:`training`) and its parameters; keys are the glue names without the chapter prefix.

    Slopes (per hidden qubit, :math:`\log_2` of the mean :math:`\|\nabla F\|_\infty`) by
    :func:`slopes` with the numbers of :func:`fit_numbers`: ``u-<init>-<objective>`` (unitary
    network, all parameters), ``b-<init>-<objective>`` (Boltzmann machine, all parameters),
    ``bh-<init>-<objective>`` (Boltzmann machine, parameters of terms touching a hidden qubit),
    ``b-<init>-ratio-slope`` (:func:`ratio_fit`, relative entropy over overlap) and
    ``b-<init>-ratio-change`` (the ratio at the largest size over that at the smallest, with a
    95 % interval from the delta method). Per-step differences are bootstrapped over instances
    with ``params["seed"]``. Training runs ``t-<run>-steps-...``: the median steps at the
    smallest and the largest size with the fastest and slowest run, and the change between
    them by :func:`steps_change`; ``t-coverage`` is the probability that the range of
    ``train_seeds`` runs contains the median (:func:`median_range_coverage`).
    """
    params = _params(params)
    if not (df["objective"] == "root-fidelity").any():
        df = with_root_fidelity(df)
    seed, sizes = params["seed"], sorted(params["n_hidden"])
    fits = pd.concat([slopes(df, "inf_norm"), slopes(df, "inf_hidden")], ignore_index=True)
    steps = pd.concat([slope_steps(df, "inf_norm", seed=seed, n_boot=n_boot),
                       slope_steps(df, "inf_hidden", seed=seed, n_boot=n_boot)], ignore_index=True)
    norm_fits, norm_steps = fits[fits["quantity"] == "inf_norm"], steps[steps["quantity"] == "inf_norm"]
    hid_fits, hid_steps = fits[fits["quantity"] == "inf_hidden"], steps[steps["quantity"] == "inf_hidden"]
    means = df.groupby(["model", "init", "objective", "n_hidden"])[["inf_norm", "inf_hidden", "entropy"]].mean()
    lo, hi = min(sizes), max(sizes)
    out = {
        "scale": params["scale"], "instances": params["instances"], "layers": params["area_layers"],
        "cone": light_cone_hidden(params["n_visible"], params["area_layers"]),
        "area-bound": float(2 * params["area_layers"] * np.log(2.0)),
        "nh-min": lo, "nh-max": hi, "nh-last-from": sizes[-2],
        "ln-dv": float(np.log(2 ** params["n_visible"])), "dv": 2 ** params["n_visible"],
        "page-S-max": float(page_curve(params["n_visible"], [hi])["entropy"].iloc[0]),
        "paper-slope-u": PAPER_SLOPE_UNITARY, "paper-slope-u-se": PAPER_SLOPE_UNITARY_SE,
        "paper-slope-b": PAPER_SLOPE_BOLTZMANN, "paper-slope-b-se": PAPER_SLOPE_BOLTZMANN_SE,
        "zero-gradient": ZERO_GRADIENT, "n-boot": n_boot,
    }
    u = means.loc["unitary"]
    inits = ["typical", "area-law", *[f"small-angle-{s:g}" for s in params["small_theta_stds"]], "identity-block"]
    for init in inits:
        for objective in UNITARY_QUOTED:
            out |= _fit_of(norm_fits, norm_steps, f"u-{init}-{objective}", "unitary", init, objective)
        ent, g = u.loc[(init, "fidelity"), "entropy"], u.loc[(init, "fidelity"), "inf_norm"]
        out |= {f"u-{init}-S-min": float(ent.loc[lo]), f"u-{init}-S-max": float(ent.loc[hi]),
                f"u-{init}-g-min": float(g.loc[lo]), f"u-{init}-g-max": float(g.loc[hi])}
    for objective in UNITARY_QUOTED:
        change = mean_change(df, "unitary", "typical", objective)
        out |= {f"u-typical-{objective}-factor": change["factor"],
                f"u-typical-{objective}-factor-low": change["low"],
                f"u-typical-{objective}-factor-high": change["high"]}
    # the paper's Fig. 3(b) slope against the same quantity: the root fidelity, log2
    low, high = out["u-typical-root-fidelity-low"], out["u-typical-root-fidelity-high"]
    out["u-typical-root-fidelity-paper"] = ("contains" if low <= PAPER_SLOPE_UNITARY <= high
                                            else "does not contain")
    root_fit = norm_fits[(norm_fits["model"] == "unitary") & (norm_fits["init"] == "typical")
                         & (norm_fits["objective"] == "root-fidelity")].iloc[0]["fit"]
    distance = analysis.slope_distance(root_fit, PAPER_SLOPE_UNITARY)
    out |= {"u-typical-root-fidelity-t-paper": distance["t"], "u-typical-root-fidelity-p-paper": distance["p_value"]}
    typical = df[(df["model"] == "unitary") & (df["init"] == "typical")]
    out["u-typical-params-max"] = int(typical.loc[typical["n_hidden"] == hi, "n_params"].iloc[0])
    out["rank-floor"] = rank_floor(_target(params), 2 ** lo)
    ident = df[(df["init"] == "identity-block") & (df["objective"] == "observable")]
    out["u-identity-observable-max"] = float(ident["inf_norm"].max())
    b = means.loc["boltzmann"]
    for init in ("typical", "weak-coupling"):
        for objective in BOLTZMANN_OBJECTIVES:
            out |= _fit_of(norm_fits, norm_steps, f"b-{init}-{objective}", "boltzmann", init, objective)
            out |= _fit_of(hid_fits, hid_steps, f"bh-{init}-{objective}", "boltzmann", init, objective)
        table, fit = ratio_fit(df, "boltzmann", init, "relative-entropy", "overlap")
        ratio_steps = analysis.step_differences(table["n_hidden"], table["ratio"], table["se"], base=2)
        out |= {f"b-{init}-ratio-min": float(table["ratio"].min()),
                f"b-{init}-ratio-max": float(table["ratio"].max()),
                f"b-{init}-ratio-first": float(table["ratio"].iloc[0]),
                f"b-{init}-ratio-last": float(table["ratio"].iloc[-1]),
                f"b-{init}-S-min": float(b.loc[(init, "overlap"), "entropy"].loc[lo]),
                f"b-{init}-S-max": float(b.loc[(init, "overlap"), "entropy"].loc[hi])}
        out |= fit_numbers(f"b-{init}-ratio-slope", fit, ratio_steps)
        ends = analysis.step_differences(table["n_hidden"].iloc[[0, -1]], table["ratio"].iloc[[0, -1]],
                                         table["se"].iloc[[0, -1]], base=2).iloc[0]
        out |= {f"b-{init}-ratio-change": float(2.0 ** ends["step"]),
                f"b-{init}-ratio-change-low": float(2.0 ** ends["low"]),
                f"b-{init}-ratio-change-high": float(2.0 ** ends["high"])}
    weak, typical = (b.loc[(i, "overlap"), "inf_hidden"].loc[hi] for i in ("weak-coupling", "typical"))
    out["bh-weak-over-typical"] = float(weak / typical)
    # training
    st = steps_table(tr, params["train_threshold"])
    out |= {"train-seeds": params["train_seeds"], "train-steps": params["train_steps"],
            "train-every": params["train_every"], "lr-u": params["train_lr"],
            "lr-b": params["train_lr_boltzmann"], "threshold": params["train_threshold"],
            "t-reached": int(st["reached"].sum()), "t-runs": int(st["runs"].sum()),
            "t-coverage": median_range_coverage(params["train_seeds"]),
            "t-p-separation": separation_chance(params["train_seeds"], params["train_seeds"])}
    small = f"small-angle-{params['small_theta_stds'][0]:g}"
    runs = dict(TRAINING_RUNS) | {f"t-u-{small}": ("unitary", small, "infidelity")}
    for key, (model, init, loss) in runs.items():
        rows = st[(st["model"] == model) & (st["init"] == init) & (st["loss_name"] == loss)].set_index("n_hidden")
        first, last = rows.loc[lo], rows.loc[hi]
        change = steps_change(st, model, init, loss)
        out |= {f"{key}-steps-min": first["median_steps"], f"{key}-steps-min-fastest": first["fastest"],
                f"{key}-steps-min-slowest": first["slowest"], f"{key}-steps-max": last["median_steps"],
                f"{key}-steps-max-fastest": last["fastest"], f"{key}-steps-max-slowest": last["slowest"],
                f"{key}-steps-change": change["difference"], f"{key}-steps-ratio": change["ratio"],
                f"{key}-steps-ratio-lowest": change["ratio_lowest"],
                f"{key}-steps-ratio-highest": change["ratio_highest"],
                f"{key}-steps-order": change["order"], f"{key}-steps-order-text": ORDER_WORDS[change["order"]],
                f"{key}-steps-p-separation": change["p_separation"],
                f"{key}-final-max": last["final"], f"{key}-final-max-lowest": last["final_lowest"],
                f"{key}-final-max-highest": last["final_highest"]}
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in out.items()}


#: :func:`steps_change`'s ``order`` in prose (glued as ``<run>-steps-order-text``).
ORDER_WORDS = {"slower": "every run at the larger size needed more steps than every run at the smaller",
               "faster": "every run at the larger size needed fewer steps than every run at the smaller",
               "overlap": "the runs at the two sizes overlap"}


def results_rows(numbers: dict) -> list[dict]:
    """The chapter's rows of the book's results table, from :func:`quoted`'s numbers. The
    paper's Fig. 3(b) slope stands beside the root fidelity :math:`\\sqrt F` in log2 (the
    reading of the *Unitary plateau* chapter); Uhlmann's :math:`F` and Fig. 3(c) have no
    counterpart in the paper's numbers."""
    paper_u = (f"{PAPER_SLOPE_UNITARY} ± {PAPER_SLOPE_UNITARY_SE} (Fig. 3(b), random order; read as √F on a log2 "
               "axis, as the unitary-plateau chapter does for the unnormalised target used here)")
    paper_b = (f"no counterpart: Fig. 3(c)'s {PAPER_SLOPE_BOLTZMANN} ± {PAPER_SLOPE_BOLTZMANN_SE} is the "
               "trace-distance sensitivity of the renormalised machine (boltzmann-plateau chapter)")
    q = "slope of log2 mean ||∇L||_inf per hidden qubit"

    def row(quantity, paper, ours):
        return {"result": "Section VII", "figure": "(book)", "quantity": quantity, "paper": paper, "ours": ours}

    def steps(key):
        def one(end):
            slowest = numbers[f"{key}-steps-{end}-slowest"]
            slowest = f"{slowest:.0f}" if np.isfinite(slowest) else "never"
            return f"{numbers[f'{key}-steps-{end}']:.0f} (runs {numbers[f'{key}-steps-{end}-fastest']:.0f}–{slowest})"

        return (f"median {one('min')} to {one('max')}, {numbers['train-seeds']} runs each; "
                f"{numbers[key + '-steps-order-text']}")

    nh = f"n_h = {numbers['nh-min']} to {numbers['nh-max']}"
    return [
        row(f"{q}, unitary network, typical start (the plateau), L = root fidelity √F", paper_u,
            numbers["u-typical-root-fidelity-text"]
            + f"; from the paper's slope: t = {numbers['u-typical-root-fidelity-t-paper']:.2f} "
              f"(p = {numbers['u-typical-root-fidelity-p-paper']:.2g})"),
        row("same, L = Uhlmann fidelity F (the book's convention; the objective of the remedies and of training)",
            "no counterpart (the paper's slope is read as √F)", numbers["u-typical-fidelity-text"]),
        row("same, L = observable Z_1 (Theorem 3's objective)", "-0.5 (scale of the bound)",
            numbers["u-typical-observable-text"]),
        row("same, area-law (brickwork) network, L = F", "named as a way out, not simulated",
            numbers["u-area-law-fidelity-text"]),
        row("same, near-identity start θ ~ N(0, 0.03²), L = F", "named as a way out, not simulated",
            numbers["u-small-angle-0.03-fidelity-text"]),
        row("same, identity block (Grant et al.), L = F", "not discussed", numbers["u-identity-block-fidelity-text"]),
        row(f"{q} over terms touching a hidden qubit, Boltzmann machine, typical couplings, L = overlap",
            paper_b, numbers["bh-typical-overlap-text"]),
        row(f"(relative-entropy gradient / overlap gradient) over terms touching a hidden qubit, same instances, "
            f"at n_h = {numbers['nh-max']} over n_h = {numbers['nh-min']}", "named as a way out, not simulated",
            f"{numbers['b-typical-ratio-change']:.3f} [{numbers['b-typical-ratio-change-low']:.3f}, "
            f"{numbers['b-typical-ratio-change-high']:.3f}] (95 %, delta method); slope of its log2: "
            + numbers["b-typical-ratio-slope-text"]),
        row(f"median steps of gradient descent to infidelity {numbers['threshold']:g}, unitary typical start, {nh}",
            "not simulated", steps("t-u-typical")),
    ]
