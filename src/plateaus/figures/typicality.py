r"""Figures of the chapter *Typicality* (the paper's Figs. 3(a) and 4), drawn from tables only.

Every function takes the tables of :mod:`plateaus.experiments.typicality` (or their
:func:`~plateaus.experiments.typicality.summary`) and returns a matplotlib figure; the exact
Haar curves come from :mod:`plateaus.haar`. The slopes the page quotes are fitted in the
experiment module (:func:`~plateaus.experiments.typicality.mean_fits`), not here.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .. import haar
from ..experiments import typicality as experiment
from .style import MODEL_COLORS, MODEL_LABELS, new_figure

#: Panels of the histogram figures: (model, panel title).
PANELS = (
    ("gue", "(a) GUE evolution, $t = 10$"),
    ("unitary", "(b) unitary model, Eq. (11) order"),
    ("unitary-random-order", "(b') unitary model, random order"),
    ("unitary-reversed-order", "(b'') unitary model, reversed order"),
    ("boltzmann", "(c) Boltzmann machine"),
    ("haar", "Haar-random states (reference)"),
)
#: One colour per number of hidden qubits, the same in every panel and figure of the chapter
#: (matplotlib's qualitative ``tab10``, indexed by ``n_h``).
SIZE_COLORS = plt.get_cmap("tab10").colors


def model_label(model: str) -> str:
    return MODEL_LABELS.get(model, model)


def model_color(model: str):
    return MODEL_COLORS.get(model, "k")


def size_color(n_hidden: int):
    """The colour of ``n_hidden`` hidden qubits in every figure of the chapter."""
    return SIZE_COLORS[int(n_hidden) % len(SIZE_COLORS)]


def _size_legend(fig, sizes, ncols=None):
    handles = [Patch(facecolor=size_color(n), edgecolor=size_color(n), alpha=0.6, label=f"$n_h = {n}$")
               for n in sizes]
    handles.append(Line2D([], [], color="0.3", ls="--", lw=1.0, label="exact Haar density, same $D_h$"))
    fig.legend(handles=handles, loc="lower center", ncol=ncols or len(handles), fontsize="small",
               bbox_to_anchor=(0.5, 0.0))


def histograms(df: pd.DataFrame, bins: int = 40, lo: float = 10**-3.6, hi: float = 0.5):
    r"""Fig. 4 with the exact Haar density: one panel per model, one histogram per hidden size,
    on a logarithmic :math:`T` axis.

    Every histogram is the density of :math:`\log_{10}T` (bins equal in :math:`\log_{10}T`), so
    that one picture holds the Boltzmann machine (:math:`T \sim 10^{-3}`) and the unitary model
    in the Eq. (11) order (:math:`T \sim 0.4`). The dashed curve of the same colour is the
    exact Haar density for the same :math:`D_h`, transformed alike:
    :math:`\ln 10\,\tau\,p_T(\tau)` (:func:`plateaus.haar.trace_distance_pdf`). Colours:
    :func:`size_color`, one per :math:`n_h`; one legend for the figure.
    """
    models = [m for m, _ in PANELS if (df.model == m).any()]
    ncols = 2 if len(models) > 1 else 1
    nrows = -(-len(models) // ncols)
    fig, axes = new_figure(ncols=ncols, nrows=nrows, width=4.4, height=3.1, squeeze=False)
    edges = np.logspace(np.log10(lo), np.log10(hi), bins + 1)
    grid = np.logspace(np.log10(lo), np.log10(hi) - 1e-9, 400)
    for ax, model in zip(axes.flat, models):
        sub = df[df.model == model]
        for n_h, g in sub.groupby("n_hidden"):
            values = np.clip(g["trace_distance"].to_numpy(), lo, hi)
            w = np.full(values.size, 1.0 / (values.size * np.log10(edges[1] / edges[0])))
            ax.hist(values, bins=edges, weights=w, histtype="stepfilled", alpha=0.25, color=size_color(n_h))
            ax.hist(values, bins=edges, weights=w, histtype="step", lw=1.0, color=size_color(n_h),
                    label=f"$n_h = {n_h}$")
            if int(g["n_visible"].iloc[0]) == 1:
                dens = np.log(10) * grid * haar.trace_distance_pdf(grid, 2**int(n_h))
                ax.plot(grid, dens, "--", lw=1.0, color=size_color(n_h))
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        ax.set_title(dict(PANELS)[model])
        ax.set_xlabel(r"$T(\rho_v, I/2)$ (log scale)")
        ax.set_ylabel(r"density of $\log_{10} T$")
    for ax in list(axes.flat)[len(models):]:
        ax.axis("off")
    _size_legend(fig, sorted(df["n_hidden"].unique()))
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def histograms_linear(df: pd.DataFrame, bins: int = 30, quantile: float = 0.995):
    r"""Fig. 4 as the paper draws it: the same panels with a linear :math:`T` axis, every
    histogram the density of :math:`T` itself, and the exact Haar density
    :math:`p_T(\tau)` (:func:`plateaus.haar.trace_distance_pdf`) dashed in the same colour.

    Each panel's axis runs from 0 to its models' ``quantile`` of :math:`T` over all sizes
    (at most :math:`\frac12`), with ``bins`` equal bins on it; the few larger values fall in
    the last bin. A Haar density outside that range (the Boltzmann machine's panel) is cut off.
    """
    models = [m for m, _ in PANELS if (df.model == m).any()]
    ncols = 2 if len(models) > 1 else 1
    nrows = -(-len(models) // ncols)
    fig, axes = new_figure(ncols=ncols, nrows=nrows, width=4.4, height=3.1, squeeze=False)
    for ax, model in zip(axes.flat, models):
        sub = df[df.model == model]
        hi = min(0.5, float(np.quantile(sub["trace_distance"], quantile)) * 1.05)
        edges = np.linspace(0.0, hi, bins + 1)
        grid = np.linspace(0.0, hi, 400)
        for n_h, g in sub.groupby("n_hidden"):
            values = np.clip(g["trace_distance"].to_numpy(), 0.0, hi)
            ax.hist(values, bins=edges, density=True, histtype="stepfilled", alpha=0.25, color=size_color(n_h))
            ax.hist(values, bins=edges, density=True, histtype="step", lw=1.0, color=size_color(n_h),
                    label=f"$n_h = {n_h}$")
            if int(g["n_visible"].iloc[0]) == 1:
                ax.plot(grid, haar.trace_distance_pdf(grid, 2**int(n_h)), "--", lw=1.0, color=size_color(n_h))
        ax.set_xlim(0.0, hi)
        ax.set_title(dict(PANELS)[model])
        ax.set_xlabel(r"$T(\rho_v, I/2)$")
        ax.set_ylabel(r"density of $T$")
    for ax in list(axes.flat)[len(models):]:
        ax.axis("off")
    _size_legend(fig, sorted(df["n_hidden"].unique()))
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def scaling(summary: pd.DataFrame,
            models=("gue", "unitary", "unitary-random-order", "unitary-reversed-order", "boltzmann")):
    r"""Fig. 3(a) with the exact Haar curves: :math:`T(\rho_v, I/2)` against the registers
    :math:`\log_2(D_vD_h)`, :math:`\log_2` vertical axis.

    Left, as in the paper: the peak of each model's histogram (kernel density maximum) with a
    shaded band of width two standard deviations (peak :math:`\pm` one standard deviation),
    the bound :math:`\frac12\sqrt{D_v/D_h}` and the exact Haar mode. Right: the means with two
    standard errors, the bound and the exact Haar mean (:func:`plateaus.haar.trace_distance_mean`).
    """
    fig, (left, right) = new_figure(ncols=2, width=4.6, height=3.7)
    span = summary[summary.model.isin(models) | (summary.model == "haar")]
    regs = np.arange(span["registers"].min(), span["registers"].max() + 1)
    d_h = 2.0 ** (regs - 1)
    for ax in (left, right):
        ax.plot(regs, haar.paper_bound(2, d_h.astype(int)), "-", color=MODEL_COLORS["bound"], lw=1.4,
                label=r"bound $\frac{1}{2}\sqrt{D_v/D_h}$")
    ok = d_h >= 2
    left.plot(regs[ok], haar.trace_distance_mode(d_h[ok].astype(int)), "k--", lw=1, label="Haar mode (exact)")
    right.plot(regs[ok], haar.trace_distance_mean(d_h[ok].astype(int)), "k--", lw=1, label="Haar mean (exact)")
    for model in models:
        g = summary[summary.model == model]
        if g.empty:
            continue
        c, label = model_color(model), model_label(model)
        low = np.clip(g["peak"] - g["std"], 1e-6, None)
        left.fill_between(g["registers"], low, g["peak"] + g["std"], color=c, alpha=0.18, lw=0)
        left.plot(g["registers"], g["peak"], "o-", ms=4, lw=1, color=c, label=label)
        right.errorbar(g["registers"], g["mean"], yerr=2 * g["sem"], fmt="s-", ms=4, lw=1, capsize=2,
                       color=c, label=label)
    haar_rows = summary[summary.model == "haar"]
    if not haar_rows.empty:
        right.errorbar(haar_rows["registers"], haar_rows["mean"], yerr=2 * haar_rows["sem"], fmt="x",
                       ms=6, color=MODEL_COLORS["haar"], label=MODEL_LABELS["haar"])
    left.set_title("histogram peaks, band: $\\pm$ one std. dev.")
    right.set_title("means, bars: $\\pm$ two std. errors")
    for ax in (left, right):
        ax.set_yscale("log", base=2)
        ax.set_xlabel(r"registers $\log_2(D_v D_h)$")
        ax.set_ylabel(r"$T(\rho_v, I/2)$")
        ax.set_xticks(regs)
    handles, labels = [], []
    for ax in (left, right):
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize="small", bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.18, 1, 1))
    return fig


def angle_scan(scan: pd.DataFrame):
    r"""Mean :math:`T(\rho_v, I/2)` of the unitary model against the angle range
    :math:`\theta \sim U[0, \theta_{max})`, both gate orders, with two standard errors; the
    exact Haar mean and the bound for the same :math:`D_h` as horizontal lines."""
    fig, ax = new_figure(width=5.6, height=4.2)
    stats = experiment.scan_summary(scan)
    for model, g in stats.groupby("model", sort=False):
        ax.errorbar(g["theta_high"], g["mean"], yerr=2 * g["se"], fmt="o-", ms=4, lw=1, capsize=2,
                    color=model_color(model), label=model_label(model))
    d_h = 2 ** int(scan["n_hidden"].iloc[0])
    ax.axhline(haar.trace_distance_mean(d_h), color="k", ls="--", lw=1, label="Haar mean (exact)")
    ax.axhline(haar.paper_bound(2, d_h), color=MODEL_COLORS["bound"], lw=1.4, label="bound")
    ax.set_xscale("log")
    ax.set_yscale("log", base=2)
    ax.set_xlabel(r"angle range $\theta_{max}$, $\theta \sim U[0, \theta_{max})$")
    ax.set_ylabel(r"mean $T(\rho_v, I/2)$")
    ax.set_title(f"$n_h = {int(scan['n_hidden'].iloc[0])}$ hidden qubits")
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    fig.tight_layout()
    return fig


def boltzmann_first_order(df: pd.DataFrame):
    r"""Every Boltzmann-machine instance: :math:`T(\rho_v, I/2)` against its first-order
    (high-temperature) prediction :math:`\frac12\|\mathrm{Tr}_h H\|_1/D` for the normalised
    :math:`H`, coloured by hidden size; the diagonal is equality."""
    sub = df[df.model == "boltzmann"]
    fig, ax = new_figure(width=4.6, height=3.6)
    for n_h, g in sub.groupby("n_hidden"):
        ax.scatter(g["first_order"], g["trace_distance"], s=4, alpha=0.5, color=size_color(n_h), lw=0,
                   label=f"$n_h = {n_h}$")
    lim = [min(sub["first_order"].min(), sub["trace_distance"].min()) / 1.5,
           max(sub["first_order"].max(), sub["trace_distance"].max()) * 1.5]
    ax.plot(lim, lim, "k-", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lim)
    ax.set_ylim(lim)
    ax.set_xlabel(r"first order: $\frac{1}{2}\Vert\mathrm{Tr}_h H\Vert_1 / D$")
    ax.set_ylabel(r"$T(\rho_v, I/2)$")
    ax.legend(fontsize="x-small", markerscale=3)
    fig.tight_layout()
    return fig
