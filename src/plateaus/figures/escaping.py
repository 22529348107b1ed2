r"""Figures of the chapter *Escaping the plateau*: remedies beside the plateau, and training.

Everything here reads the tables of :mod:`plateaus.experiments.escaping` (and the slopes
fitted from them by :func:`plateaus.experiments.escaping.slopes`, through
:mod:`plateaus.analysis`); nothing is refitted here.
Gradient norms are drawn on a base-2 logarithmic axis against the number of hidden qubits, so
a straight line of slope :math:`s` halves the gradient every :math:`1/|s|` hidden qubits; the
quoted slopes are per hidden qubit in :math:`\log_2`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..analysis import group_stats
from ..experiments.escaping import ZERO_GRADIENT
from .style import PALETTE, new_figure

INIT_LABELS = {
    "typical": "typical (the plateau)",
    "area-law": "area law (brickwork)",
    "small-angle-0.03": r"near identity, $\theta\sim N(0, 0.03^2)$",
    "small-angle-0.1": r"near identity, $\theta\sim N(0, 0.1^2)$",
    "identity-block": "identity block (Grant et al.)",
    "weak-coupling": "weak couplings",
}
INIT_COLORS = {
    "typical": PALETTE[3],
    "area-law": PALETTE[0],
    "small-angle-0.03": PALETTE[2],
    "small-angle-0.1": PALETTE[8],
    "identity-block": PALETTE[4],
    "weak-coupling": PALETTE[0],
}
OBJECTIVE_LABELS = {
    "fidelity": r"Uhlmann fidelity $F(\rho_v, \rho_{data})$",
    "root-fidelity": r"root fidelity $\sqrt{F}$",
    "observable": r"observable $Z_1$",
    "overlap": r"overlap $\mathrm{Tr}(\rho_{data}\rho_v)$",
    "relative-entropy": r"relative entropy $S(\rho_{data}\|\rho_v)$",
}
QUANTITY_LABELS = {"inf_norm": "all parameters", "inf_hidden": "parameters touching hidden qubits"}
#: The vertical axis of each objective's gradient panel: what is plotted, by name.
GRADIENT_AXIS_LABELS = {
    "fidelity": r"mean $\|\nabla F\|_\infty$",
    "root-fidelity": r"mean $\|\nabla \sqrt{F}\|_\infty$",
    "observable": r"mean $\|\nabla \mathrm{Tr}(Z_1\rho_v)\|_\infty$",
}


def _stats(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """Mean and its standard error ``se`` per hidden size (:func:`plateaus.analysis.group_stats`)."""
    return group_stats(df, "n_hidden", column)


def _errorbar(ax, stats, **kw):
    ax.errorbar(stats["n_hidden"], stats["mean"], yerr=2 * stats["se"], marker="o", ms=4,
                capsize=2, lw=1.4, **kw)


def _log2_axis(ax, n_hidden):
    ax.set_yscale("log", base=2)
    ax.set_xticks(sorted(n_hidden))
    ax.set_xlabel("hidden qubits $n_h$")


def unitary_panels(df: pd.DataFrame, page: pd.DataFrame | None = None):
    r"""Three panels for the unitary remedies: the mean :math:`\infty`-norm of the gradient of
    the fidelity :math:`F` and of the observable :math:`\mathrm{Tr}(Z_1\rho_v)` against
    :math:`n_h` (two standard errors; each axis names its objective), and the mean visible
    entropy :math:`S(\rho_v)` with :math:`\ln D_v` and, if given, Page's Haar value
    (``page``: columns ``n_hidden``, ``entropy``).

    Initialisations whose gradient is zero to round-off for an objective (the identity block
    with an observable diagonal in the computational basis) are left out of that panel and
    named in its title.
    """
    u = df[df["model"] == "unitary"]
    fig, axes = new_figure(3, width=4.0, height=3.3)
    n_hidden = sorted(u["n_hidden"].unique())
    for ax, objective in zip(axes[:2], ("fidelity", "observable")):
        missing = []
        for init, g in u[u["objective"] == objective].groupby("init", sort=False):
            stats = _stats(g, "inf_norm")
            if not stats["mean"].max() >= ZERO_GRADIENT:
                missing.append(INIT_LABELS.get(init, init))
                continue
            _errorbar(ax, stats, color=INIT_COLORS.get(init), label=INIT_LABELS.get(init, init))
        _log2_axis(ax, n_hidden)
        ax.set_ylabel(GRADIENT_AXIS_LABELS[objective])
        title = OBJECTIVE_LABELS[objective]
        if missing:
            title += "\n(zero gradient, not drawn: " + ", ".join(missing) + ")"
        ax.set_title(title, fontsize="small" if missing else None)
    ax = axes[2]
    ent = u[u["objective"] == "fidelity"]
    for init, g in ent.groupby("init", sort=False):
        stats = _stats(g, "entropy")
        _errorbar(ax, stats, color=INIT_COLORS.get(init), label=INIT_LABELS.get(init, init))
    d_v = 2 ** int(df["n_visible"].iloc[0])
    ax.axhline(np.log(d_v), color="0.3", ls="--", lw=1, label=r"$\ln D_v$")
    if page is not None:
        # drawn on top: the typical network's entropy lies on Page's value
        ax.plot(page["n_hidden"], page["entropy"], color="black", ls=":", lw=1.2, marker="x", ms=7,
                zorder=5, label="Haar (Page)")
    ax.set_xticks(n_hidden)
    ax.set_xlabel("hidden qubits $n_h$")
    ax.set_ylabel(r"mean $S(\rho_v)$ (nats)")
    ax.set_title("visible entropy")
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize="small",
               bbox_to_anchor=(0.5, -0.12))
    fig.tight_layout()
    return fig


def boltzmann_panels(df: pd.DataFrame, objectives=("overlap", "relative-entropy")):
    r"""Two panels for the Boltzmann machine: the mean :math:`\|\nabla L\|_\infty` of each
    objective :math:`L` over all parameters and over the parameters of terms that touch a hidden
    qubit, for the typical and the weak-coupling couplings (colour) and the linear overlap
    :math:`L = \mathrm{Tr}(\rho_{data}\rho_v)` and the relative entropy
    :math:`L = S(\rho_{data}\|\rho_v)` (line style)."""
    b = df[df["model"] == "boltzmann"]
    fig, axes = new_figure(2, width=4.4, height=3.4)
    styles = dict(zip(objectives, ("-", "--", ":", "-.")))
    markers = dict(zip(objectives, ("o", "s", "^", "v")))
    for ax, quantity in zip(axes, ("inf_norm", "inf_hidden")):
        for (init, objective), g in b[b["objective"].isin(objectives)].groupby(["init", "objective"], sort=False):
            stats = _stats(g, quantity)
            typical = init == "typical"  # larger filled markers, so that a weak-coupling curve on top shows both
            ax.errorbar(stats["n_hidden"], stats["mean"], yerr=2 * stats["se"], capsize=2, ms=7 if typical else 4,
                        marker=markers[objective], ls=styles[objective], color=INIT_COLORS.get(init),
                        mfc=None if typical else "white",
                        label=f"{INIT_LABELS.get(init, init)}, {OBJECTIVE_LABELS[objective]}")
        _log2_axis(ax, b["n_hidden"].unique())
        ax.set_ylabel(r"mean $\|\nabla L\|_\infty$ ($L$: see legend)")
        ax.set_title(QUANTITY_LABELS[quantity])
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize="small", bbox_to_anchor=(0.5, -0.16))
    fig.tight_layout()
    return fig


RUN_LABELS = {
    ("unitary", "typical", "infidelity"): "typical",
    ("unitary", "area-law", "infidelity"): "area law",
    ("unitary", "small-angle-0.03", "infidelity"): "near identity (0.03)",
    ("unitary", "small-angle-0.1", "infidelity"): "near identity (0.1)",
    ("unitary", "identity-block", "infidelity"): "identity block",
    ("boltzmann", "typical", "infidelity"): "typical, infidelity",
    ("boltzmann", "weak-coupling", "infidelity"): "weak couplings, infidelity",
    ("boltzmann", "typical", "relative-entropy"): "typical, relative entropy",
}


def training_curves(tr: pd.DataFrame, threshold: float, n_hidden=None):
    r"""Median infidelity :math:`1 - F` over runs against the step (band: min to max over runs),
    one column per hidden size in ``n_hidden`` (default: the smallest and the largest), rows
    for the unitary network and the Boltzmann machine; the dotted line is ``threshold``."""
    sizes = sorted(tr["n_hidden"].unique())
    n_hidden = [sizes[0], sizes[-1]] if n_hidden is None else list(n_hidden)
    fig, axes = new_figure(len(n_hidden), 2, width=4.2, height=3.0, sharey="row", squeeze=False)
    for row, model in enumerate(("unitary", "boltzmann")):
        for col, nh in enumerate(n_hidden):
            ax = axes[row, col]
            sub = tr[(tr["model"] == model) & (tr["n_hidden"] == nh)]
            for (init, loss), g in sub.groupby(["init", "loss_name"], sort=False):
                wide = g.pivot(index="step", columns="run", values="infidelity").sort_index()
                color = INIT_COLORS.get(init)
                ls = "--" if loss == "relative-entropy" else "-"
                if model == "boltzmann" and init == "typical" and loss == "infidelity":
                    color = PALETTE[3]
                elif model == "boltzmann" and loss == "relative-entropy":
                    color = PALETTE[2]
                ax.plot(wide.index, wide.median(axis=1), color=color, ls=ls, lw=1.5,
                        label=RUN_LABELS.get((model, init, loss), f"{init}, {loss}"))
                ax.fill_between(wide.index, wide.min(axis=1), wide.max(axis=1), color=color, alpha=0.15, lw=0)
            ax.axhline(threshold, color="0.3", ls=":", lw=1)
            ax.set_yscale("log")
            ax.set_title(f"{'unitary network' if model == 'unitary' else 'Boltzmann machine'}, $n_h = {nh}$")
            ax.set_xlabel("gradient-descent step")
            if col == 0:
                ax.set_ylabel(r"infidelity $1 - F$")
        axes[row, 0].legend(fontsize="x-small", loc="lower left" if model == "unitary" else "upper right")
    fig.tight_layout()
    return fig


def slope_summary(slopes: pd.DataFrame, paper: dict | None = None):
    r"""Fitted :math:`\log_2` slopes per hidden qubit of every remedy, beside the plateau's,
    with their 95 % intervals (Student's t with the fit's degrees of freedom).

    ``slopes``: rows of :func:`plateaus.experiments.escaping.summary_slopes` (``model``,
    ``label``, ``slope_log2``, ``low_log2``, ``high_log2``, ``rejected``, ``group`` (a panel
    title) and ``plateau`` (True for the plateau itself)). A slope whose straight line the data
    reject (p < 0.01) is drawn as an open marker: it summarises a curve. ``paper``:
    ``{group: (label, slope, se)}``, drawn as a shaded band of two standard errors in the panel
    of that group only (the same quantity). Vertical lines: 0 (no decay) and :math:`-1/2`
    (:math:`\sqrt{D_v/D_h}`).
    """
    from matplotlib.lines import Line2D

    paper = paper or {}
    groups = list(dict.fromkeys(slopes["group"]))
    heights = [max(1, int((slopes["group"] == g).sum())) for g in groups]
    fig, axes = new_figure(1, len(groups), width=7.5, height=0.3 * sum(heights) / len(groups) + 0.55,
                           sharex=True, squeeze=False, gridspec_kw={"height_ratios": heights})
    for ax, group in zip(axes[:, 0], groups):
        rows = slopes[slopes["group"] == group].reset_index(drop=True)
        y = np.arange(len(rows))[::-1]
        for yi, (_, r) in zip(y, rows.iterrows()):
            color = PALETTE[3] if r["plateau"] else PALETTE[0]
            lo, hi = r["low_log2"], r["high_log2"]
            err = [[r["slope_log2"] - lo], [hi - r["slope_log2"]]] if np.isfinite(lo) else None
            ax.errorbar([r["slope_log2"]], [yi], xerr=err, fmt="o", ms=4.5, color=color, capsize=2, lw=1.2,
                        mfc="white" if r["rejected"] else color, zorder=3)
        ax.set_yticks(y)
        ax.set_yticklabels(rows["label"], fontsize="small")
        ax.axvline(0.0, color="0.3", lw=1)
        ax.axvline(-0.5, color="0.3", ls="--", lw=1)
        if group in paper:
            label, s, se = paper[group]
            ax.axvspan(s - 2 * se, s + 2 * se, color=PALETTE[7], alpha=0.35, lw=0, label=label)
            ax.legend(fontsize="x-small", loc="center right")
        ax.set_title(group, fontsize="small", loc="left")
        ax.set_ylim(-0.7, len(rows) - 0.3)
    axes[-1, 0].set_xlabel(r"slope of $\log_2$ mean $\|\nabla L\|_\infty$ per hidden qubit, $L$ the objective "
                           "of the panel or row (95 % interval)")
    keys = [Line2D([], [], marker="o", ls="", color="0.3", label="straight line fits"),
            Line2D([], [], marker="o", ls="", color="0.3", mfc="white",
                   label="straight line rejected (p < 0.01): the slope summarises a curve")]
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.legend(handles=keys, loc="lower center", ncol=2, fontsize="x-small", bbox_to_anchor=(0.5, 0.0))
    return fig
