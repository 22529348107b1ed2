r"""Figures of the chapter *Boltzmann plateau* (Theorem 4, Figs. 3(c) and 5(b)).

Every function reads the tables of :mod:`plateaus.experiments.boltzmann_plateau` and draws;
nothing is recomputed. The replicas of the paper's figures plot :math:`\log_2` of the statistic
on a linear axis, as the paper's semilog panels do; the other figures use a base-2 log axis.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import FixedFormatter, FixedLocator, NullLocator

from .. import analysis
from ..experiments import boltzmann_plateau as experiment
from .style import PALETTE, new_figure

READING_LABELS = {
    "renormalised": "(i) perturb raw $J$, normalise again",
    "fixed-point": "(ii) exact, at the normalised point",
}
READING_COLORS = {"renormalised": PALETTE[0], "fixed-point": PALETTE[2]}
CLASS_LABELS = {
    "all": "all terms",
    "visible": "visible only ($h_h = I$)",
    "across": "across the cut",
    "hidden": "hidden only",
}
CLASS_COLORS = {"all": "0.25", "visible": PALETTE[2], "across": PALETTE[0], "hidden": PALETTE[4]}
CLASS_MARKERS = {"all": "o", "visible": "s", "across": "^", "hidden": "v"}
STAT_LABELS = {"mean": r"\mathbb{E}", "var": r"\mathrm{Var}"}


def paper_replica(df: pd.DataFrame, statistic: str = "mean", paper_slope: float | None = None):
    r"""Fig. 3(c) (``statistic="mean"``) or Fig. 5(b) (``"var"``), one panel per reading.

    :math:`\log_2` of the mean (or variance) over instances of :math:`\|g\|_\infty` against the
    number of hidden qubits, two standard errors as bars (delta method, from
    :func:`plateaus.analysis.mean_se` or :func:`plateaus.analysis.variance_se`:
    :func:`~plateaus.experiments.boltzmann_plateau.replica_points`), and the weighted
    least-squares line with its slope, 95 % t interval and :math:`\chi^2/\mathrm{dof}`
    (:func:`~plateaus.experiments.boltzmann_plateau.reading_fits`). ``paper_slope``, if given,
    is drawn through our first point as a grey dotted guide in panel (i).
    """
    if statistic not in STAT_LABELS:
        raise ValueError(f"statistic = {statistic!r} is not allowed; expected 'mean' or 'var'")
    points = experiment.replica_points(df, statistic)
    fits = experiment.reading_fits(df, statistic)
    fig, axes = new_figure(ncols=2, width=4.0, height=4.1)
    for ax, (reading, label) in zip(axes, READING_LABELS.items()):
        sub = points[points["reading"] == reading]
        x = sub["n_hidden"].to_numpy(dtype=float)
        y = sub["log2"].to_numpy()
        color = READING_COLORS[reading]
        ax.errorbar(x, y, yerr=2 * sub["log2_se"].to_numpy(), fmt="o--", ms=5, lw=1.2, capsize=2,
                    color=color, label=f"{'mean' if statistic == 'mean' else 'variance'} over instances")
        fit = fits.loc[reading, "fit"]
        quality = "line rejected" if fit.rejected() else "line not rejected"
        ax.plot(x, fit(x), "-", color=PALETTE[1], lw=1.4,
                label=f"weighted fit: slope {fit.interval_text()}\n"
                      f"$\\chi^2$/dof = {analysis.chi2_text(fit.chi2_dof)} ({quality})")
        if paper_slope is not None and reading == "renormalised":
            ax.plot(x, y[0] + paper_slope * (x - x[0]), ":", color="0.45", lw=1.4,
                    label=f"paper's slope {paper_slope}")
        ax.set_title(label)
        ax.set_xlabel("hidden qubits $n_h$")
        ax.set_xticks(x)
        ax.set_ylabel(rf"$\log_2 {STAT_LABELS[statistic]}\,\|g\|_\infty$")
        ax.legend(fontsize="x-small", loc="upper center", bbox_to_anchor=(0.5, -0.2))
    # The same span of log2 values in both panels, so that flat reads as flat.
    lims = [ax.get_ylim() for ax in axes]
    span = max(hi - lo for lo, hi in lims)
    for ax, (lo, hi) in zip(axes, lims):
        mid = 0.5 * (lo + hi)
        ax.set_ylim(mid - span / 2, mid + span / 2)
    fig.tight_layout()
    return fig


def class_split(df: pd.DataFrame):
    r"""The :math:`\infty`-norm of each term class, both readings, and what drives reading (i).

    Panels (a), (b): mean over instances of :math:`\max_{k \in \text{class}} g_k` for each
    reading (log-2 axis). Panel (c): reading (i)'s mean :math:`\|g\|_\infty` beside
    :math:`\mathbb{E}[1/(2N)]`, the value of a visible term's fixed-point sensitivity
    (about 1/2) divided by the raw operator norm :math:`N = \|H(J)\|_\infty`.
    """
    fig, axes = new_figure(ncols=3, width=3.6, height=3.4)
    classes = ("all", "visible", "across", "hidden")
    for ax, reading in zip(axes[:2], READING_LABELS):
        sub = df[df["reading"] == reading]
        for c in classes:
            stats = analysis.group_stats(sub, "n_hidden", f"inf_{c}")
            ax.errorbar(stats["n_hidden"], stats["mean"], yerr=2 * stats["se"],
                        marker=CLASS_MARKERS[c], ms=5 if c != "all" else 8,
                        mfc="none" if c == "all" else None, lw=1.1, capsize=2,
                        color=CLASS_COLORS[c], label=CLASS_LABELS[c],
                        ls=":" if c == "all" else "-", zorder=3 if c == "all" else 2)
        ax.set_yscale("log", base=2)
        ax.set_title(READING_LABELS[reading], fontsize="small")
        ax.set_ylabel(r"$\mathbb{E}\,\max_{k \in \mathrm{class}} g_k$")
    ax = axes[2]
    sub = df[df["reading"] == "renormalised"].copy()
    sub["half_inverse_norm"] = 0.5 / sub["raw_norm"]
    for col, label, color, marker in (
        ("inf_all", r"reading (i): $\mathbb{E}\,\|g\|_\infty$", READING_COLORS["renormalised"], "o"),
        ("half_inverse_norm", r"$\mathbb{E}\,[1/(2N)]$, $N = \|H(J)\|_\infty$", PALETTE[3], "x"),
    ):
        stats = sub.groupby("n_hidden")[col].mean()
        ax.plot(stats.index, stats.values, marker=marker, ms=6, lw=1.2, color=color, label=label)
    ax.set_yscale("log", base=2)
    lo, hi = ax.get_ylim()
    ticks = [float(f"{t:.2g}") for t in np.geomspace(lo, hi, 6)[1:-1]]
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(FixedFormatter([f"{t:g}" for t in ticks]))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_title("what reading (i) measures", fontsize="small")
    ax.set_ylabel(r"$\mathbb{E}\,\|g\|_\infty$ and $\mathbb{E}\,[1/(2N)]$")
    for ax in axes:
        ax.set_xlabel("hidden qubits $n_h$")
        ax.set_xticks(sorted(df["n_hidden"].unique()))
    axes[0].legend(fontsize="x-small")
    axes[2].legend(fontsize="x-small")
    fig.tight_layout()
    return fig


PERTURBATION_LABELS = {
    "visible": r"$X_{v} \otimes I$ ($h_h = I$)",
    "across": r"$X_{v} \otimes Z_{h}$ ($\mathrm{Tr}\,h_h = 0$)",
    "hidden": r"$I \otimes Z_{h}$ ($\mathrm{Tr}\,h_h = 0$)",
}
BASIS_LABELS = {"haar": "Haar-random eigenbasis (Theorem 4)", "two-local": "2-local eigenbasis"}


def theorem4(th: pd.DataFrame, estimate: pd.DataFrame | None = None):
    r"""Theorem 4's own test: sensitivity to :math:`h_v \otimes h_h` against :math:`n_h`.

    Rows: eigenbasis (Haar-random, as Theorem 4 assumes; the 2-local model's own). Columns:
    inverse temperature :math:`\beta` (the spectrum of the normalised 2-local Hamiltonian
    times :math:`\beta`). Mean over instances with two standard errors, log-2 axis. Grey guides
    through the first point of the traceless ``across`` curve: dashed, the theorem's rate
    :math:`\sqrt{D_v/D_h}`; dotted, if ``estimate`` (columns ``beta``, ``n_hidden``,
    ``estimate``) is given, the shape of that estimate.
    """
    betas = sorted(th["beta"].unique())
    bases = [b for b in BASIS_LABELS if b in set(th["eigenbasis"])]
    fig, axes = new_figure(ncols=len(betas), nrows=len(bases), width=3.9, height=3.1,
                           squeeze=False, sharex=True)
    for i, basis in enumerate(bases):
        for j, beta in enumerate(betas):
            ax = axes[i, j]
            sub = th[(th["eigenbasis"] == basis) & (th["beta"] == beta)]
            for pert, label in PERTURBATION_LABELS.items():
                stats = analysis.group_stats(sub[sub["perturbation"] == pert], "n_hidden", "sensitivity")
                ax.errorbar(stats["n_hidden"], stats["mean"], yerr=2 * stats["se"],
                            marker=CLASS_MARKERS[pert], ms=5, lw=1.2, capsize=2,
                            color=CLASS_COLORS[pert], label=label)
            ref = sub[sub["perturbation"] == "across"].groupby("n_hidden")["sensitivity"].mean()
            x = ref.index.to_numpy(dtype=float)
            ax.plot(x, ref.iloc[0] * 2.0 ** (-0.5 * (x - x[0])), "--", color="0.5", lw=1.1,
                    label=r"$\propto \sqrt{D_v/D_h}$ (Theorem 4)")
            if estimate is not None:
                est = estimate[estimate["beta"] == beta].set_index("n_hidden")["estimate"]
                est = est.reindex(ref.index).to_numpy()
                ax.plot(x, ref.iloc[0] * est / est[0], ":", color="0.3", lw=1.4,
                        label=r"$\propto \sqrt{D_v \mathrm{Tr}\rho^2 / D_h}$")
            ax.set_yscale("log", base=2)
            ax.set_title(f"{BASIS_LABELS[basis]}, $\\beta = {beta:g}$", fontsize="small")
            ax.set_xticks(x)
            if i == len(bases) - 1:
                ax.set_xlabel("hidden qubits $n_h$")
            if j == 0:
                ax.set_ylabel(r"$\frac{1}{2}\|\mathrm{Tr}_h\,\partial_\theta\rho\|_1$")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize="small")
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig


def finite_differences(fd: pd.DataFrame):
    r"""The paper's one-sided finite differences converge to the exact sensitivities.

    Largest relative error :math:`\max_k |g_k^{\mathrm{FD}} - g_k| / \|g\|_\infty` over the
    instances and sizes of the table, against the step :math:`\varepsilon`, for both readings;
    dotted: slope 1 (first order).
    """
    fig, ax = new_figure(width=4.6, height=3.3)
    for reading, label in READING_LABELS.items():
        stats = fd[fd["reading"] == reading].groupby("step")["max_rel_error"].max()
        ax.plot(stats.index, stats.values, "o-", ms=5, lw=1.2, color=READING_COLORS[reading],
                label=label)
    steps = np.array(sorted(fd["step"].unique()))
    top = fd.groupby("step")["max_rel_error"].max()
    ax.plot(steps, top.iloc[-1] * steps / steps[-1], ":", color="0.5", label=r"$\propto \varepsilon$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"finite-difference step $\varepsilon$")
    ax.set_ylabel("largest relative error")
    ax.legend(fontsize="x-small", loc="upper left")
    fig.tight_layout()
    return fig


FORM_SET_STYLE = {"ii_mean": ("o", PALETTE[2]), "ii_max": ("s", PALETTE[3])}


def forms(points: pd.DataFrame, bounds: pd.DataFrame, gamma: pd.DataFrame):
    r"""The two forms of Theorem 4 against the visible-only sensitivities, and :math:`\Gamma`.

    Left: :math:`\log_2` of the mean visible-only sensitivity relative to the smallest size
    (:func:`~plateaus.experiments.boltzmann_plateau.form_points`: the Haar test at each
    :math:`\beta` and the 2-local machine's reading (ii)), two standard errors as bars, with the
    factors of the printed form, :math:`\sqrt{2D_v/D_h}` (dashed), and of the book's,
    :math:`\sqrt{D_v(D_h+1)/D_h}` (dotted), relative to the same size. Right, at
    :math:`\beta = 1` (the smallest :math:`\beta` of ``bounds``,
    :func:`~plateaus.experiments.boltzmann_plateau.bound_table`): :math:`\Gamma` with its
    bootstrap interval (``gamma``, :func:`~plateaus.experiments.boltzmann_plateau.level_spacing`)
    beside the measured :math:`G = \|\mathrm{Tr}_h\partial_\theta\rho\|_1` for :math:`X \otimes I` and :math:`X \otimes Z` (log-2 axis).
    """
    fig, axes = new_figure(ncols=2, width=4.4, height=5.0)
    ax = axes[0]
    haar_sets = [s for s in points["set"].unique() if s.startswith("haar")]
    for name, g in points.groupby("set", sort=False):
        if name in FORM_SET_STYLE:
            marker, color = FORM_SET_STYLE[name]
        else:
            k = haar_sets.index(name)
            marker, color = "^v<>"[k % 4], PALETTE[(4, 5, 9, 7)[k % 4]]
        ax.errorbar(g["n_hidden"], g["rel"], yerr=2 * g["log2_se"], marker=marker, ms=5, lw=1.1, capsize=2,
                    color=color, label=g["description"].iloc[0].replace("(x)", r"$\otimes$")
                    .replace("beta", r"$\beta$"))
    g = points[points["set"] == points["set"].iloc[0]]
    ax.plot(g["n_hidden"], g["printed_rel"], "--", color="0.4", lw=1.3, label=r"printed: $\sqrt{2 D_v/D_h}$")
    ax.plot(g["n_hidden"], g["book_rel"], ":", color="0.2", lw=1.6, label=r"book: $\sqrt{D_v (D_h+1)/D_h}$")
    ax.set_xlabel("hidden qubits $n_h$")
    ax.set_xticks(sorted(points["n_hidden"].unique()))
    ax.set_ylabel(r"$\log_2$ sensitivity $-$ its value at the smallest $n_h$")
    ax.set_title("terms with $h_h = I$ against both forms", fontsize="small")
    ax.legend(fontsize="x-small", loc="upper center", bbox_to_anchor=(0.5, -0.2))
    ax = axes[1]
    beta = bounds["beta"].min()
    gam = gamma[gamma["beta"] == beta]
    ax.errorbar(gam["n_hidden"], gam["gamma"], yerr=[gam["gamma"] - gam["gamma_low"], gam["gamma_high"] - gam["gamma"]],
                marker="D", ms=5, lw=1.2, capsize=2, color=PALETTE[1],
                label=rf"$\Gamma$ ($\beta = {beta:g}$), bootstrap 95 %")
    for pert, label in (("visible", PERTURBATION_LABELS["visible"]), ("across", PERTURBATION_LABELS["across"])):
        g = bounds[(bounds["beta"] == beta) & (bounds["perturbation"] == pert)]
        ax.errorbar(g["n_hidden"], g["G"], yerr=[g["G"] - g["G_low"], g["G_high"] - g["G"]],
                    marker=CLASS_MARKERS[pert], ms=5, lw=1.1, capsize=2, color=CLASS_COLORS[pert],
                    label=f"$G$ for {label}")
    ax.set_yscale("log", base=2)
    ax.set_xlabel("hidden qubits $n_h$")
    ax.set_xticks(sorted(bounds["n_hidden"].unique()))
    ax.set_ylabel(r"$\Gamma$ and $G = \|\mathrm{Tr}_h\,\partial_\theta\rho\|_1$")
    ax.set_title(r"$\Gamma$ beside the measured gradients", fontsize="small")
    ax.legend(fontsize="x-small", loc="upper center", bbox_to_anchor=(0.5, -0.2))
    fig.tight_layout()
    return fig
