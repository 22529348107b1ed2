r"""Figures and tables of the chapter *Unitary plateau* (Theorem 3, Figs. 3(b), 5(a)).

Everything here draws or formats what :mod:`plateaus.experiments.unitary_plateau` computes
(its :func:`~plateaus.experiments.unitary_plateau.readings`: statistics, weighted fits from
:mod:`plateaus.analysis`, bootstrap steps); nothing is fitted here. The paper's Figs. 3(b)
and 5(a) plot the logarithm of an ensemble statistic on a linear axis against the number of
hidden qubits; the functions below do the same with :math:`\log_2`, so the axis values can be
set beside the paper's.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from ..experiments import unitary_plateau as ex
from .style import MODEL_COLORS, MODEL_LABELS, PALETTE, new_figure

OBJECTIVE_LABELS = {
    "fidelity": r"fidelity $F$ (Uhlmann)",
    "root-fidelity": r"root fidelity $\sqrt{F}$",
    "observable": r"observable $\mathrm{Tr}(O\rho_v)$",
}
#: The objectives in plain text, for tables (HTML tables do not typeset math).
OBJECTIVE_TEXT = {"fidelity": "F (Uhlmann)", "root-fidelity": "√F", "observable": "Tr(O ρ_v)"}
#: The term classes of :func:`plateaus.terms.term_classes`, in the order of ``TERM_CLASSES``.
CLASS_COLORS = {"visible": PALETTE[0], "across": PALETTE[2], "hidden": PALETTE[4]}
CLASS_LABELS = {"visible": "visible-only terms", "across": "terms across the cut",
                "hidden": "hidden-only terms"}
#: Short names of the three readings of the gate order, for legends and tables.
ORDER_NAMES = {"unitary": "Eq. (11) order", "unitary-reversed-order": "reversed Eq. (11) order",
               "unitary-random-order": "random order"}
#: The readings of the gate order the figures draw, in order: the book's two, then the reversed
#: Eq. (11) order in the colour the *typicality* chapter gives it.
ORDERS = ("unitary", "unitary-random-order", "unitary-reversed-order")
ORDER_COLORS = {**MODEL_COLORS, "unitary-reversed-order": PALETTE[4]}
ORDER_LABELS = {**MODEL_LABELS, "unitary-reversed-order": "unitary model (reversed Eq. 11 order)"}
#: What the gradient is of, per objective, for axis labels.
GRADIENT_OF = {"fidelity": r"\nabla F", "root-fidelity": r"\nabla\sqrt{F}",
               "observable": r"\nabla\,\mathrm{Tr}(O\rho_v)"}
#: The largest gradient entry split by where the gate sits in the product (quarters of the
#: steps, q4 the last gates) and by what it acts on (term classes): columns of the table.
POSITION_PARTS = {"inf_q1": "first quarter of the gates", "inf_q2": "second quarter",
                  "inf_q3": "third quarter", "inf_q4": "last quarter (next to the output)"}
CLASS_PARTS = {f"inf_{c}": label for c, label in CLASS_LABELS.items()}
VANISHES = ex.VANISHES


# ---------------------------------------------------------------------------------------------
# tables shown on the page


def fit_cell(fit) -> str:
    """``"-0.437 [-0.484, -0.390]"``: a slope and its 95 % interval."""
    return fit.interval_text(3)


def quality_cell(fit) -> str:
    """``"14 (p = 6e-07): rejected"``: chi^2/dof, the p-value of the line, and the verdict."""
    verdict = "rejected" if fit.rejected() else "not rejected"
    return f"{ex.chi2_text(fit.chi2_dof)} (p = {fit.p_value:.1g}): {verdict}"


def _ordered(rows: pd.DataFrame, model_names: dict, objectives) -> pd.DataFrame:
    rows = rows[rows["objective"].isin(list(objectives)) & rows["model"].isin(list(model_names))].copy()
    rows["model"] = pd.Categorical(rows["model"], list(model_names))
    rows["objective"] = pd.Categorical(rows["objective"], list(objectives))
    return rows.sort_values(["model", "objective"], kind="stable")


def slopes_table(fits: pd.DataFrame, model_names: dict, objectives, ln: bool = True) -> pd.DataFrame:
    r"""Fitted slopes (a table of :func:`plateaus.analysis.log_fits`) as text: per reading of
    the gate order (renamed by ``model_names``) and objective (in the order given), the slope
    per hidden qubit with its 95 % interval in :math:`\log_2` and, with ``ln``, in :math:`\ln`,
    and the line's :math:`\chi^2/\mathrm{dof}`, p-value and verdict (:func:`quality_cell`)."""
    rows = _ordered(fits, model_names, objectives)
    table = {
        "gate order": rows["model"].map(model_names).astype(str).to_numpy(),
        "objective": rows["objective"].map(OBJECTIVE_TEXT).astype(str).to_numpy(),
        "slope, log2 per hidden qubit [95 %]": [fit_cell(f) for f in rows["fit"]],
    }
    if ln:
        table["slope, ln per hidden qubit [95 %]"] = [fit_cell(f.in_base("ln")) for f in rows["fit"]]
    table["χ²/dof of the line"] = [quality_cell(f) for f in rows["fit"]]
    return pd.DataFrame(table).set_index(["gate order", "objective"])


def _step_label(x_from, x_to) -> str:
    return f"n_h {x_from:g} → {x_to:g}"


def _step_cell(row) -> str:
    return f"{row.step:.3f} [{row.low:.3f}, {row.high:.3f}]"


def steps_table(steps: pd.DataFrame, model_names: dict, objectives, start=None) -> pd.DataFrame:
    r"""Per-step differences (:func:`plateaus.experiments.unitary_plateau.bootstrap_steps`) as
    text, ``step [low, high]``: a row per reading of the gate order and objective, a column per
    step ``n_h a → b`` (only the steps from ``n_h = start`` on, when given)."""
    if start is not None:
        steps = steps[steps["x_from"] >= start]
    rows = _ordered(steps, model_names, objectives)
    rows = rows.assign(column=[_step_label(a, b) for a, b in zip(rows["x_from"], rows["x_to"])],
                       cell=[_step_cell(r) for r in rows.itertuples()],
                       order=rows["model"].map(model_names).astype(str),
                       obj=rows["objective"].map(OBJECTIVE_TEXT).astype(str))
    columns = list(dict.fromkeys(rows["column"]))
    index = list(dict.fromkeys(zip(rows["order"], rows["obj"])))
    table = rows.pivot(index=["order", "obj"], columns="column", values="cell")
    return table.reindex(index=pd.MultiIndex.from_tuples(index, names=["gate order", "objective"]),
                         columns=columns).rename_axis(columns=None)


def holders_table(holders: pd.DataFrame, model_names: dict, objectives=("fidelity", "observable")) -> pd.DataFrame:
    """:func:`~plateaus.experiments.unitary_plateau.largest_holders` for the page: per reading of
    the gate order and objective, the share of instances (whole per cent) in which the largest
    gradient entry belongs to each class of term."""
    rows = _ordered(holders.reset_index(), model_names, objectives)
    out = pd.DataFrame({CLASS_LABELS[c]: [f"{100 * v:.0f} %" for v in rows[c]] for c in CLASS_LABELS})
    out.index = pd.MultiIndex.from_arrays([rows["model"].map(model_names).astype(str).to_numpy(),
                                           rows["objective"].map(OBJECTIVE_TEXT).astype(str).to_numpy()],
                                          names=["gate order", "objective"])
    return out


def split_steps_table(steps: pd.DataFrame, model_names: dict) -> pd.DataFrame:
    """The per-step differences of every part (:func:`~plateaus.experiments.unitary_plateau.readings`,
    ``split_steps``) as text, a row per part and a column per reading and step; a part without
    steps reads ``exactly 0 at some sizes``."""
    parts = {**POSITION_PARTS, **CLASS_PARTS}
    rows = steps.assign(order=steps["model"].map(model_names),
                        column=[_step_label(a, b) for a, b in zip(steps["x_from"], steps["x_to"])],
                        cell=[_step_cell(r) for r in steps.itertuples()])
    columns = pd.MultiIndex.from_product([list(model_names.values()), list(dict.fromkeys(rows["column"]))])
    table = rows.pivot(index="part", columns=["order", "column"], values="cell")
    return (table.reindex(index=list(parts), columns=columns).astype(object).fillna("exactly 0 at some sizes")
            .rename(index=parts).rename_axis(index="part of the gradient", columns=["gate order", "step"]))


def draws_table(spread: pd.DataFrame) -> pd.DataFrame:
    """:func:`~plateaus.experiments.unitary_plateau.draw_spread` for the page, a row per fidelity
    convention: the slopes over the draws (mean ± standard deviation, smallest to largest), how
    many draws' lines their errors reject and, when the spread has them, the first step (mean,
    smallest to largest); 3 decimals."""
    out = pd.DataFrame(index=spread.index)
    out["slope: mean ± sd"] = [f"{m:.3f} ± {s:.3f}" for m, s in zip(spread["mean"], spread["std"])]
    out["slope: range"] = [f"{a:.3f} to {b:.3f}" for a, b in zip(spread["min"], spread["max"])]
    out["lines rejected"] = [f"{int(r)} of {int(n)}" for r, n in zip(spread["rejected"], spread["draws"])]
    if "first_mean" in spread:
        out["first step: mean (range)"] = [f"{m:.3f} ({a:.3f} to {b:.3f})" for m, a, b in
                                           zip(spread["first_mean"], spread["first_min"], spread["first_max"])]
    return out.rename(index=OBJECTIVE_TEXT).rename_axis(index="objective")


# ---------------------------------------------------------------------------------------------
# figures


def _reference(ax, x, y0, slope, label):
    x = np.asarray(x, dtype=float)
    ax.plot(x, y0 + slope * (x - x[0]), color="0.45", ls=":", lw=1.2, label=label)


def log2_errors(values, se) -> np.ndarray:
    r"""Standard errors of :math:`\log_2` of positive statistics by the delta method,
    :math:`\sigma / (v \ln 2)` (for a variance, ``se`` is its ``var_se``)."""
    return np.asarray(se, dtype=float) / (np.asarray(values, dtype=float) * np.log(2.0))


def fit_label(name: str, fit) -> str:
    """A legend entry for a fitted line: its slope, 95 % interval and chi^2/dof."""
    return f"{name}: {fit.interval_text(3)}, χ²/dof = {ex.chi2_text(fit.chi2_dof)}"


def gradient_label(objective: str, value: str) -> str:
    r"""The vertical axis of a panel of :func:`norm_panels`: :math:`\log_2` of the mean (or
    variance) of the largest gradient entry of ``objective`` (:data:`GRADIENT_OF`)."""
    stat = "mean" if value == "mean" else "Var"
    return rf"$\log_2$ {stat} $\|{GRADIENT_OF[objective]}\|_\infty$"


def _norm_panel(ax, stats, fits, objective, value, bound_slope, sizes=None):
    sub = stats[stats["objective"] == objective]
    if sizes is not None:
        sub = sub[sub["n_hidden"].isin(list(sizes))]
    se = "se" if value == "mean" else "var_se"
    present = set(sub["model"])
    for model in [m for m in ORDERS if m in present]:
        group = sub[sub["model"] == model]
        x, y = group["n_hidden"].to_numpy(), np.log2(group[value].to_numpy())
        yerr = 2 * log2_errors(group[value], group[se])
        fit = fits[(fits["model"] == model) & (fits["objective"] == objective)]["fit"].iloc[0]
        ax.errorbar(x, y, yerr=yerr, marker="o", ms=5, ls="none", capsize=2,
                    color=ORDER_COLORS[model], label=ORDER_LABELS[model])
        ax.plot(x, fit(x), ls="--", lw=1.2, color=ORDER_COLORS[model],
                label=fit_label(ORDER_NAMES[model], fit))
        if model == "unitary-random-order":
            first = (x, y[0])
    if "unitary-random-order" in present:  # drawn last, so that the legend lists it last
        scale = "Theorem 3's scale" + (", squared" if value == "var" else "")
        _reference(ax, first[0], first[1], bound_slope, f"slope {bound_slope:g} ({scale})")
    ax.set_ylabel(gradient_label(objective, value))
    ax.set_xlabel("hidden qubits $n_h$")
    ax.set_xticks(sorted(sub["n_hidden"].unique()))
    ax.legend(fontsize="x-small", loc="upper center", bbox_to_anchor=(0.5, -0.3))


def norm_panels(stats: pd.DataFrame, fits: pd.DataFrame, value: str = "mean",
                objectives=("fidelity", "root-fidelity"), bound_slope: float = -0.5, sizes=None):
    r"""Figs. 3(b) (``value="mean"``) and 5(a) (``value="var"``): :math:`\log_2` of the ensemble
    statistic of :math:`\|\nabla F\|_\infty` against :math:`n_h`, one panel per objective, every
    reading of the gate order in ``stats`` (:data:`ORDERS`) with its weighted line (``fits``: a table of
    :func:`plateaus.analysis.log_fits`, labelled with slope, 95 % interval and
    :math:`\chi^2/\mathrm{dof}`), and a dotted line of the theorem's slope through the first
    random-order point. ``stats``: :func:`~plateaus.experiments.unitary_plateau.ensemble_stats`.
    Error bars: two standard errors of :math:`\log_2` of the statistic (delta method; for the
    variance from its ``var_se``). ``sizes``: the hidden sizes drawn (all when None).
    """
    fig, axes = new_figure(ncols=len(objectives), width=4.6, height=4.8)
    for ax, objective in zip(np.atleast_1d(axes), objectives):
        _norm_panel(ax, stats, fits, objective, value, bound_slope, sizes)
        ax.set_title(OBJECTIVE_LABELS[objective])
    fig.tight_layout()
    return fig


def observable_panels(stats: pd.DataFrame, mean_fits: pd.DataFrame, var_fits: pd.DataFrame,
                      bound_slope: float = -0.5, sizes=None):
    r"""The theorem's objective :math:`\mathrm{Tr}(O\rho_v)`: the mean (left) and the variance
    (right) of :math:`\|\nabla\mathrm{Tr}(O\rho_v)\|_\infty` as in :func:`norm_panels`."""
    fig, axes = new_figure(ncols=2, width=4.6, height=4.8)
    _norm_panel(axes[0], stats, mean_fits, "observable", "mean", bound_slope, sizes)
    _norm_panel(axes[1], stats, var_fits, "observable", "var", 2 * bound_slope, sizes)
    axes[0].set_title("mean")
    axes[1].set_title("variance")
    fig.tight_layout()
    return fig


def term_classes(cstats: pd.DataFrame, haar: pd.DataFrame,
                 objectives=("fidelity", "observable"),
                 models=("unitary", "unitary-random-order")):
    r"""Ensemble RMS gradient entry per term class against :math:`n_h` (log2 axis): rows are
    objectives, columns the readings of the gate order. ``haar``: columns ``n_hidden``, ``rms``
    (the 2-design value for an observable, drawn in the observable's panels)."""
    fig, axes = new_figure(ncols=len(models), nrows=len(objectives), width=4.0, height=3.0,
                           sharex=True, sharey="row", squeeze=False)
    for i, objective in enumerate(objectives):
        for j, model in enumerate(models):
            ax = axes[i, j]
            sub = cstats[(cstats["objective"] == objective) & (cstats["model"] == model)]
            for cls in CLASS_LABELS:
                group = sub[sub["cls"] == cls]
                ax.plot(group["n_hidden"], group["rms"], marker="o", ms=4, lw=1.2,
                        color=CLASS_COLORS[cls], label=CLASS_LABELS[cls])
            group = sub[sub["cls"] == "all"]
            ax.plot(group["n_hidden"], group["rms"], color="k", lw=1.0, label="all terms")
            if objective == "observable":
                ax.plot(haar["n_hidden"], haar["rms"], color="0.45", ls=":", lw=1.4,
                        label="2-design value")
            ax.set_yscale("log", base=2)
            ax.set_title(f"{ORDER_LABELS[model]}\n{OBJECTIVE_LABELS[objective]}", fontsize="small")
            if i == len(objectives) - 1:
                ax.set_xlabel("hidden qubits $n_h$")
                ax.set_xticks(sorted(sub["n_hidden"].unique()))
            if j == 0:
                ax.set_ylabel("RMS gradient entry")
    axes[0, 0].legend(fontsize="small", loc="lower left")
    axes[-1, -1].legend(fontsize="small", loc="lower left")
    fig.tight_layout()
    return fig


def inf_norm_split(sstats: pd.DataFrame, objective: str = "fidelity",
                   models=("unitary", "unitary-random-order", "unitary-reversed-order"), fitted_sizes=None):
    r"""Where the largest gradient entry comes from: mean over instances of the largest entry
    within each quarter of the product (top row) and within each term class (bottom row)
    against :math:`n_h` (log2 axis), one column per reading of the gate order, for
    ``objective``. ``sstats``: :func:`~plateaus.experiments.unitary_plateau.split_stats`. Error bars: two standard errors. Means below
    :data:`VANISHES` (round-off of an exactly vanishing derivative) are not drawn. The quarters
    have their own markers and line styles, so that coinciding curves stay visible;
    ``fitted_sizes`` (the sizes the slopes are fitted on) are shaded."""
    models = [m for m in models if m in set(sstats["model"])]
    fig, axes = new_figure(ncols=len(models), nrows=2, width=4.0, height=3.0,
                           sharex=True, sharey=True, squeeze=False)
    quarter_colors = dict(zip(POSITION_PARTS, sns.color_palette("viridis", 4)))
    colors = {**quarter_colors, **{f"inf_{c}": col for c, col in CLASS_COLORS.items()}}
    styles = {**dict(zip(POSITION_PARTS, [("o", "-"), ("s", "--"), ("^", "-."), ("D", ":")])),
              **{part: ("o", "-") for part in CLASS_PARTS}}
    for i, parts in enumerate((POSITION_PARTS, CLASS_PARTS)):
        for j, model in enumerate(models):
            ax = axes[i, j]
            sub = sstats[(sstats["objective"] == objective) & (sstats["model"] == model)]
            for part, label in parts.items():
                group = sub[(sub["part"] == part) & (sub["mean"] > VANISHES)]
                marker, ls = styles[part]
                ax.errorbar(group["n_hidden"], group["mean"], yerr=2 * group["se"], marker=marker,
                            ms=4, lw=1.2, ls=ls, capsize=2, color=colors[part], mfc="none",
                            label=label)
            if fitted_sizes is not None:
                ax.axvspan(min(fitted_sizes) - 0.2, max(fitted_sizes) + 0.2, color="0.93", zorder=0)
            ax.set_yscale("log", base=2)
            if i == 0:
                ax.set_title(f"{ORDER_LABELS[model]}\n{OBJECTIVE_LABELS[objective]}", fontsize="small")
            else:
                ax.set_xlabel("hidden qubits $n_h$")
                ax.set_xticks(sorted(sub["n_hidden"].unique()))
            if j == 0:
                ax.set_ylabel(rf"mean largest entry of ${GRADIENT_OF[objective]}$" + "\n"
                              + ("by position" if i == 0 else "by term class"))
        axes[i, -1].legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    return fig


def visible_entropy(estats: pd.DataFrame, page: pd.DataFrame, n_visible: int,
                    models=ORDERS):
    r"""Mean entanglement entropy :math:`S(\rho_v)` across the cut, in bits, against :math:`n_h`
    for both readings of the gate order (``estats``:
    :func:`~plateaus.experiments.unitary_plateau.entropy_stats`), beside Page's
    mean for Haar-random states (``page``: columns ``n_hidden``, ``entropy`` in nats) and the
    largest possible value :math:`n_v` bits. Error bars: two standard errors."""
    fig, ax = new_figure(width=6.4, height=3.4)
    bits = 1.0 / np.log(2.0)
    for model in [m for m in models if m in set(estats["model"])]:
        group = estats[estats["model"] == model]
        ax.errorbar(group["n_hidden"], group["mean"] * bits, yerr=2 * group["se"] * bits,
                    marker="o", ms=5, lw=1.2, capsize=2, color=ORDER_COLORS[model],
                    label=ORDER_LABELS[model])
    ax.plot(page["n_hidden"], page["entropy"] * bits, color="0.2", ls=":", lw=1.4, marker="x",
            ms=7, label="Haar-random states (Page)")
    ax.axhline(n_visible, color="0.6", ls="--", lw=1.0, label=f"maximum, $n_v = {n_visible}$ bits")
    ax.set_xlabel("hidden qubits $n_h$")
    ax.set_ylabel(r"mean $S(\rho_v)$ (bits)")
    ax.set_xticks(sorted(estats["n_hidden"].unique()))
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    return fig


def fd_convergence(fd: pd.DataFrame):
    r"""Relative error of central differences, :math:`\|g_{FD} - g\|_\infty / \|g\|_\infty`,
    against the step (log-log): median over instances (line) and the largest (band edge),
    one line per objective and hidden size."""
    fig, ax = new_figure(width=6.4, height=3.6)
    styles = {"fidelity": "-", "root-fidelity": "--", "observable": "-."}
    sizes = sorted(fd["n_hidden"].unique())
    colors = dict(zip(sizes, [PALETTE[k] for k in (0, 3, 2, 4, 1)]))
    for (objective, n_hidden), group in fd.groupby(["objective", "n_hidden"]):
        s = group.groupby("step")["rel_error"].agg(["median", "max"]).reset_index()
        ax.plot(s["step"], s["median"], ls=styles[objective], marker="o", ms=3, lw=1.2,
                color=colors[n_hidden], label=f"{OBJECTIVE_LABELS[objective]}, $n_h={n_hidden}$")
        ax.fill_between(s["step"], s["median"], s["max"], color=colors[n_hidden], alpha=0.12, lw=0)
    h = np.array(sorted(fd["step"].unique()))
    top = fd[fd["step"] == h.max()]["rel_error"].median()
    ax.plot(h, top * (h / h.max()) ** 2, color="0.45", ls=":", lw=1.0, label=r"$\propto h^2$")
    ax.plot(h, 1e-16 / h, color="0.65", ls="-.", lw=1.0, label=r"$10^{-16}/h$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("finite-difference step $h$")
    ax.set_ylabel(r"$\|g_{FD} - g\|_\infty / \|g\|_\infty$")
    ax.legend(fontsize="small", ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.3))
    fig.tight_layout()
    return fig


def beyond(stats: pd.DataFrame, cstats: pd.DataFrame, haar: pd.DataFrame, paper_sizes,
           objectives=("fidelity", "root-fidelity", "observable")):
    r"""Past the paper: mean :math:`\|\nabla F\|_\infty` (left, from
    :func:`~plateaus.experiments.unitary_plateau.ensemble_stats`) and
    the ensemble RMS gradient entry (right, the ``all`` rows of
    :func:`~plateaus.experiments.unitary_plateau.class_stats`) against
    :math:`n_h` on log2 axes, random order (filled) and Eq. (11) order (open), with the
    2-design RMS of an observable and a shaded band over the paper's sizes."""
    two = ["unitary", "unitary-random-order"]
    rms = cstats[(cstats["cls"] == "all") & cstats["model"].isin(two)].rename(columns={"rms": "value"})
    means = stats[stats["model"].isin(two)].rename(columns={"mean": "value"})
    fig, axes = new_figure(nrows=2, width=6.4, height=3.0, sharex=True)
    colors = dict(zip(objectives, [PALETTE[0], PALETTE[1], PALETTE[2]]))
    for ax, table in zip(axes, (means, rms)):
        for (model, objective), group in table.groupby(["model", "objective"], sort=False):
            if objective not in objectives:
                continue
            random = model == "unitary-random-order"
            ax.plot(group["n_hidden"], group["value"], marker="o", ms=4, lw=1.2 if random else 0.9,
                    ls="-" if random else "--", color=colors[objective],
                    mfc=colors[objective] if random else "white",
                    label=f"{OBJECTIVE_LABELS[objective]}, {'random' if random else 'Eq. (11)'} order")
        ax.axvspan(min(paper_sizes) - 0.2, max(paper_sizes) + 0.2, color="0.92", zorder=0)
        ax.set_yscale("log", base=2)
        ax.set_xticks(sorted(stats["n_hidden"].unique()))
    axes[1].set_xlabel("hidden qubits $n_h$")
    axes[1].plot(haar["n_hidden"], haar["rms"], color="0.3", ls=":", lw=1.4,
                 label=r"2-design value, $\mathrm{Tr}(O\rho_v)$")
    axes[0].set_ylabel(r"mean $\|\nabla f\|_\infty$")
    axes[1].set_ylabel(r"RMS entry of $\nabla f$")
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize="small", ncol=2, loc="upper center",
               bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout()
    return fig


def target_slopes(slopes: pd.DataFrame, paper_slope: float, paper_se: float, bound_slope: float = -0.5,
                  title: str | None = None):
    r"""The log2 slope of Fig. 3(b) for every draw of the thermal target (dots; draw 0, the
    chapter's target, ringed), per fidelity convention, beside the paper's slope and the slope
    of the theorem's scale; ``title`` names the reading of the target."""
    fig, ax = new_figure(width=6.4, height=3.0)
    names = [n for n in ("fidelity", "root-fidelity") if n in set(slopes["objective"])]
    rng = np.random.default_rng(0)  # vertical jitter only, to separate the dots
    for i, name in enumerate(names):
        s = slopes[slopes["objective"] == name]
        y = i + rng.uniform(-0.15, 0.15, len(s))
        ax.scatter(s["slope_log2"], y, s=14, color=PALETTE[i], alpha=0.8, zorder=3)
        first = (s["draw"] == 0).to_numpy()
        ax.scatter(s["slope_log2"][first], y[first], s=80, facecolors="none",
                   edgecolors="k", zorder=4, label="the chapter's target" if i == 0 else None)
    ax.axvspan(paper_slope - paper_se, paper_slope + paper_se, color=PALETTE[3], alpha=0.3)
    ax.axvline(paper_slope, color=PALETTE[3], lw=1.2, label=f"paper: {paper_slope} ± {paper_se}")
    ax.axvline(bound_slope, color="0.45", ls=":", lw=1.2, label=f"Theorem 3's scale: {bound_slope:g}")
    ax.set_yticks(range(len(names)), [OBJECTIVE_LABELS[n] for n in names])
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.set_xlabel(r"slope of $\log_2$ mean $\|\nabla F\|_\infty$ (or $\|\nabla\sqrt{F}\|_\infty$) per hidden qubit")
    if title:
        ax.set_title(title, fontsize="small")
    ax.legend(fontsize="small", ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.3))
    fig.tight_layout()
    return fig
