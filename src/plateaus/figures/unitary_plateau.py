r"""Figures and fitted slopes of the chapter *Unitary plateau* (Theorem 3, Figs. 3(b), 5(a)).

Everything here reads the tables of :mod:`plateaus.experiments.unitary_plateau`; nothing is
recomputed. The paper's Figs. 3(b) and 5(a) plot the logarithm of an ensemble statistic on a
linear axis against the number of hidden qubits; the functions below do the same with
:math:`\log_2`, so the axis values can be set beside the paper's.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from .style import MODEL_COLORS, MODEL_LABELS, PALETTE, fit_line, new_figure

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
#: Short names of the two readings of the gate order, for legends.
ORDER_NAMES = {"unitary": "Eq. (11) order", "unitary-random-order": "random order"}
#: The largest gradient entry split by where the gate sits in the product (quarters of the
#: steps, q4 the last gates) and by what it acts on (term classes): columns of the table.
POSITION_PARTS = {"inf_q1": "first quarter of the gates", "inf_q2": "second quarter",
                  "inf_q3": "third quarter", "inf_q4": "last quarter (next to the output)"}
CLASS_PARTS = {f"inf_{c}": label for c, label in CLASS_LABELS.items()}
#: A mean largest entry below this is round-off of a derivative that vanishes exactly.
VANISHES = 1e-12


# ---------------------------------------------------------------------------------------------
# statistics of the tables


def ensemble_stats(df: pd.DataFrame, column: str = "inf_norm") -> pd.DataFrame:
    """Mean, variance and standard error of ``column`` per model, objective and hidden size."""
    g = df.groupby(["model", "objective", "n_hidden"])[column]
    return g.agg(mean="mean", var="var", sem="sem", instances="count").reset_index()


def class_stats(df: pd.DataFrame) -> pd.DataFrame:
    r"""Ensemble RMS gradient entry per term class: :math:`\sqrt{\mathbb E\,\overline{g_k^2}}` over
    the terms of the class and the instances. Long format: one row per model, objective,
    hidden size and class (``rms``)."""
    cols = {"rms": "all", **{f"rms_{c}": c for c in CLASS_LABELS}}
    long = df.melt(id_vars=["model", "objective", "n_hidden"], value_vars=list(cols),
                   var_name="cls", value_name="x")
    long["cls"] = long["cls"].map(cols)
    g = long.groupby(["model", "objective", "n_hidden", "cls"])["x"]
    return g.apply(lambda x: float(np.sqrt(np.mean(np.square(x))))).rename("rms").reset_index()


def split_stats(df: pd.DataFrame) -> pd.DataFrame:
    r"""Ensemble mean and standard error of the largest gradient entry within each part of the
    gradient (:data:`POSITION_PARTS`, :data:`CLASS_PARTS`). Long format: one row per model,
    objective, hidden size and ``part`` (the column name), with ``mean`` and ``sem``."""
    parts = list(POSITION_PARTS) + list(CLASS_PARTS)
    long = df.melt(id_vars=["model", "objective", "n_hidden"], value_vars=parts,
                   var_name="part", value_name="x")
    g = long.groupby(["model", "objective", "n_hidden", "part"], sort=False)["x"]
    return g.agg(mean="mean", sem="sem").reset_index()


def split_slopes(sstats: pd.DataFrame, n_hidden) -> pd.DataFrame:
    r""":func:`log2_slopes` of every part of :func:`split_stats` over the sizes ``n_hidden``,
    per model, objective and part. A part whose mean is below :data:`VANISHES` at one of the
    sizes (a derivative that is exactly zero) has no slope and no row."""
    sub = sstats[sstats["n_hidden"].isin(list(n_hidden))]
    alive = sub.groupby(["model", "objective", "part"])["mean"].transform("min") > VANISHES
    return log2_slopes(sub[alive], "mean", by=("model", "objective", "part"))


def _plus_minus(values, errors, digits: int = 3) -> list[str]:
    return [f"{a:.{digits}f} ± {b:.{digits}f}" for a, b in zip(values, errors)]


def slopes_table(fits: pd.DataFrame, model_names: dict, objectives) -> pd.DataFrame:
    r"""Fitted slopes of :func:`log2_slopes` as text, ``slope ± standard error`` per hidden
    qubit in :math:`\log_2` and in :math:`\ln`, one row per reading of the gate order (renamed
    by ``model_names``) and objective (in the order given)."""
    rows = fits[fits["objective"].isin(list(objectives))].copy()
    rows["model"] = pd.Categorical(rows["model"], list(model_names))
    rows["objective"] = pd.Categorical(rows["objective"], list(objectives))
    rows = rows.sort_values(["model", "objective"])
    return pd.DataFrame({
        "gate order": rows["model"].map(model_names).astype(str).to_numpy(),
        "objective": rows["objective"].map(OBJECTIVE_TEXT).astype(str).to_numpy(),
        "slope, log2 per hidden qubit": _plus_minus(rows["slope_log2"], rows["se_log2"]),
        "slope, ln per hidden qubit": _plus_minus(rows["slope_ln"], rows["se_ln"]),
    }).set_index(["gate order", "objective"])


def split_slopes_table(fits: pd.DataFrame, objective: str, model_names: dict) -> pd.DataFrame:
    """The slopes of :func:`split_slopes` for one objective as text, ``slope ± standard error``,
    a row per part and a column per model (renamed by ``model_names``); a part without a slope
    (exactly zero at some size) reads ``exactly 0 at some sizes``."""
    parts = {**POSITION_PARTS, **CLASS_PARTS}
    sub = fits[fits["objective"] == objective]
    text = sub.assign(text=_plus_minus(sub["slope_log2"], sub["se_log2"]))
    table = (text.pivot(index="part", columns="model", values="text")
             .reindex(index=list(parts), columns=list(model_names)).fillna("exactly 0 at some sizes"))
    return table.rename(index=parts, columns=model_names).rename_axis(
        index="part of the gradient", columns="gate order")


def entropy_stats(df: pd.DataFrame) -> pd.DataFrame:
    r"""Mean and standard error of the visible entropy :math:`S(\rho_v)` (nats) per model and
    hidden size. The entropy is a property of the state, the same in every objective's rows;
    the rows of one objective are used."""
    one = df[df["objective"] == df["objective"].iloc[0]]
    g = one.groupby(["model", "n_hidden"])["entropy_v"]
    return g.agg(mean="mean", sem="sem", instances="count").reset_index()


def log2_slopes(stats: pd.DataFrame, value: str = "mean", by=("model", "objective"),
                n_hidden=None) -> pd.DataFrame:
    r"""Least-squares slope of :math:`\log_2` of ``value`` against :math:`n_h`, per group.

    Columns ``slope_log2``, ``se_log2``, the same fit read in natural logarithms
    (``slope_ln = slope_log2 * ln 2``, ``se_ln``), ``intercept_log2`` and ``sizes`` (the
    range of :math:`n_h` fitted). ``n_hidden`` restricts the fit to those sizes.
    """
    rows = []
    for key, group in stats.groupby(list(by), sort=False):
        if n_hidden is not None:
            group = group[group["n_hidden"].isin(list(n_hidden))]
        fit = fit_line(group["n_hidden"], np.log2(group[value]))
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by, key)), "slope_log2": fit.slope, "se_log2": fit.slope_se,
                     "slope_ln": fit.slope * np.log(2), "se_ln": fit.slope_se * np.log(2),
                     "intercept_log2": fit.intercept,
                     "sizes": f"{int(group['n_hidden'].min())}..{int(group['n_hidden'].max())}"})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# figures


def _reference(ax, x, y0, slope, label):
    x = np.asarray(x, dtype=float)
    ax.plot(x, y0 + slope * (x - x[0]), color="0.45", ls=":", lw=1.2, label=label)


def _norm_panel(ax, stats, fits, objective, value, bound_slope):
    sub = stats[stats["objective"] == objective]
    for model, group in sub.groupby("model", sort=False):
        x, y = group["n_hidden"].to_numpy(), np.log2(group[value].to_numpy())
        yerr = None
        if value == "mean":
            yerr = 2 * group["sem"].to_numpy() / (group["mean"].to_numpy() * np.log(2))
        fit = fits[(fits["model"] == model) & (fits["objective"] == objective)].iloc[0]
        ax.errorbar(x, y, yerr=yerr, marker="o", ms=5, ls="none", capsize=2,
                    color=MODEL_COLORS[model], label=MODEL_LABELS[model])
        ax.plot(x, fit["intercept_log2"] + fit["slope_log2"] * x, ls="--", lw=1.2,
                color=MODEL_COLORS[model],
                label=f"{ORDER_NAMES[model]}: slope {fit['slope_log2']:.3f} ± {fit['se_log2']:.3f}")
        if model == "unitary-random-order":
            _reference(ax, x, y[0], bound_slope, f"slope {bound_slope:g} (Theorem 3)")
    stat = r"mean $\|\nabla F\|_\infty$" if value == "mean" else r"Var $\|\nabla F\|_\infty$"
    ax.set_ylabel(rf"$\log_2$ {stat}")
    ax.set_xlabel("hidden qubits $n_h$")
    ax.set_xticks(sorted(sub["n_hidden"].unique()))
    ax.legend(fontsize="small", loc="lower left")


def norm_panels(stats: pd.DataFrame, fits: pd.DataFrame, value: str = "mean",
                objectives=("fidelity", "root-fidelity"), bound_slope: float = -0.5):
    r"""Figs. 3(b) (``value="mean"``) and 5(a) (``value="var"``): :math:`\log_2` of the ensemble
    statistic of :math:`\|\nabla F\|_\infty` against :math:`n_h`, one panel per objective, both
    readings of the gate order with their least-squares lines (``fits``, from
    :func:`log2_slopes`), and a dotted line of the theorem's slope through the first
    random-order point. Error bars: two standard errors of the mean (``value="mean"`` only).
    """
    fig, axes = new_figure(ncols=len(objectives), width=4.6, height=3.8)
    for ax, objective in zip(np.atleast_1d(axes), objectives):
        _norm_panel(ax, stats, fits, objective, value, bound_slope)
        ax.set_title(OBJECTIVE_LABELS[objective])
    fig.tight_layout()
    return fig


def observable_panels(stats: pd.DataFrame, mean_fits: pd.DataFrame, var_fits: pd.DataFrame,
                      bound_slope: float = -0.5):
    r"""The theorem's objective :math:`\mathrm{Tr}(O\rho_v)`: the mean (left) and the variance
    (right) of :math:`\|\nabla F\|_\infty` as in :func:`norm_panels`."""
    fig, axes = new_figure(ncols=2, width=4.6, height=3.8)
    _norm_panel(axes[0], stats, mean_fits, "observable", "mean", bound_slope)
    _norm_panel(axes[1], stats, var_fits, "observable", "var", 2 * bound_slope)
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
            ax.set_title(f"{MODEL_LABELS[model]}\n{OBJECTIVE_LABELS[objective]}", fontsize="small")
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
                   models=("unitary", "unitary-random-order"), fitted_sizes=None):
    r"""Where the largest gradient entry comes from: mean over instances of the largest entry
    within each quarter of the product (top row) and within each term class (bottom row)
    against :math:`n_h` (log2 axis), one column per reading of the gate order, for
    ``objective``. ``sstats``: :func:`split_stats`. Error bars: two standard errors. Means below
    :data:`VANISHES` (round-off of an exactly vanishing derivative) are not drawn. The quarters
    have their own markers and line styles, so that coinciding curves stay visible;
    ``fitted_sizes`` (the sizes the slopes are fitted on) are shaded."""
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
                ax.errorbar(group["n_hidden"], group["mean"], yerr=2 * group["sem"], marker=marker,
                            ms=4, lw=1.2, ls=ls, capsize=2, color=colors[part], mfc="none",
                            label=label)
            if fitted_sizes is not None:
                ax.axvspan(min(fitted_sizes) - 0.2, max(fitted_sizes) + 0.2, color="0.93", zorder=0)
            ax.set_yscale("log", base=2)
            if i == 0:
                ax.set_title(f"{MODEL_LABELS[model]}\n{OBJECTIVE_LABELS[objective]}", fontsize="small")
            else:
                ax.set_xlabel("hidden qubits $n_h$")
                ax.set_xticks(sorted(sub["n_hidden"].unique()))
            if j == 0:
                ax.set_ylabel("mean largest entry\n" + ("by position" if i == 0 else "by term class"))
        axes[i, -1].legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    return fig


def visible_entropy(estats: pd.DataFrame, page: pd.DataFrame, n_visible: int,
                    models=("unitary", "unitary-random-order")):
    r"""Mean entanglement entropy :math:`S(\rho_v)` across the cut, in bits, against :math:`n_h`
    for both readings of the gate order (``estats``: :func:`entropy_stats`), beside Page's
    mean for Haar-random states (``page``: columns ``n_hidden``, ``entropy`` in nats) and the
    largest possible value :math:`n_v` bits. Error bars: two standard errors."""
    fig, ax = new_figure(width=6.4, height=3.4)
    bits = 1.0 / np.log(2.0)
    for model in models:
        group = estats[estats["model"] == model]
        ax.errorbar(group["n_hidden"], group["mean"] * bits, yerr=2 * group["sem"] * bits,
                    marker="o", ms=5, lw=1.2, capsize=2, color=MODEL_COLORS[model],
                    label=MODEL_LABELS[model])
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
    r"""Past the paper: mean :math:`\|\nabla F\|_\infty` (left, from :func:`ensemble_stats`) and
    the ensemble RMS gradient entry (right, the ``all`` rows of :func:`class_stats`) against
    :math:`n_h` on log2 axes, random order (filled) and Eq. (11) order (open), with the
    2-design RMS of an observable and a shaded band over the paper's sizes."""
    rms = cstats[cstats["cls"] == "all"].rename(columns={"rms": "value"})
    means = stats.rename(columns={"mean": "value"})
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
    axes[0].set_ylabel(r"mean $\|\nabla F\|_\infty$")
    axes[1].set_ylabel("RMS gradient entry")
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize="small", ncol=2, loc="upper center",
               bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout()
    return fig


def target_slopes(slopes: pd.DataFrame, paper_slope: float, paper_se: float, bound_slope: float = -0.5):
    r"""The log2 slope of Fig. 3(b) for every draw of the thermal target (dots; draw 0, the
    chapter's target, ringed), per fidelity convention, beside the paper's slope and the bound's."""
    fig, ax = new_figure(width=6.4, height=3.0)
    names = [n for n in ("fidelity", "root-fidelity") if n in set(slopes["objective"])]
    rng = np.random.default_rng(0)  # horizontal jitter only
    for i, name in enumerate(names):
        s = slopes[slopes["objective"] == name]
        y = i + rng.uniform(-0.15, 0.15, len(s))
        ax.scatter(s["slope_log2"], y, s=14, color=PALETTE[i], alpha=0.8, zorder=3)
        first = (s["draw"] == 0).to_numpy()
        ax.scatter(s["slope_log2"][first], y[first], s=80, facecolors="none",
                   edgecolors="k", zorder=4, label="the chapter's target" if i == 0 else None)
    ax.axvspan(paper_slope - paper_se, paper_slope + paper_se, color=PALETTE[3], alpha=0.3)
    ax.axvline(paper_slope, color=PALETTE[3], lw=1.2, label=f"paper: {paper_slope} ± {paper_se}")
    ax.axvline(bound_slope, color="0.45", ls=":", lw=1.2, label=f"bound: {bound_slope:g}")
    ax.set_yticks(range(len(names)), [OBJECTIVE_LABELS[n] for n in names])
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.set_xlabel(r"slope of $\log_2$ mean $\|\nabla F\|_\infty$ per hidden qubit")
    ax.legend(fontsize="small", ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.3))
    fig.tight_layout()
    return fig
