"""Figures of the chapter *Concentration* (Lemma 5). They read tables only; the exact law and
the bounds are closed forms evaluated on the table's grid (or a finer one), never re-sampled."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from ..experiments import concentration as law
from .style import PALETTE, new_figure

BOUND_STYLES = {
    "chebyshev": dict(color=PALETTE[0], ls="--", label=r"Chebyshev, $1/((D+1)\varepsilon^2)$"),
    "levy_hlw": dict(color=PALETTE[3], ls=":", label=r"Lévy, HLW constant $C_1 = 1/(9\pi^3)$"),
    "levy_curvature": dict(color=PALETTE[2], ls="-.", label=r"Lévy, curvature: $2e^{-(D-1)\varepsilon^2/4}$"),
}


def _errors(df: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    lo, hi = law.wilson_interval(df)
    p = rows["tail_empirical"]
    return np.vstack([p - lo[rows.index], hi[rows.index] - p])


def tails(df: pd.DataFrame, floor: float = 1e-12):
    r"""Tail :math:`\Pr[|f - \E f| \ge \varepsilon]` against :math:`\varepsilon`, one panel per
    size: empirical points with Wilson intervals of two standard errors (zero counts not drawn), the exact
    Beta law, the three bounds, and the resolution :math:`1/N` of :math:`N` samples."""
    sizes = sorted(df["n_qubits"].unique())
    ncols = min(3, len(sizes) + 1)
    nrows = int(np.ceil((len(sizes) + 1) / ncols))
    fig, axes = new_figure(ncols=ncols, nrows=nrows, width=2.6, height=2.3, squeeze=False,
                           sharex=True, sharey=True)
    eps_fine = np.linspace(1e-3, 0.999, 400)
    for k, ax in enumerate(axes.flat):
        if k >= len(sizes):
            ax.axis("off")
            continue
        n = sizes[k]
        part = df[df["n_qubits"] == n]
        dim = int(part["dim"].iloc[0])
        ax.plot(eps_fine, np.maximum(law.exact_tail(dim, eps_fine), floor / 10), color="k", lw=1.4,
                label="exact (Beta law)")
        for name, style in BOUND_STYLES.items():
            fn = {"chebyshev": law.chebyshev_bound, "levy_hlw": law.levy_bound_hlw,
                  "levy_curvature": law.levy_bound_curvature}[name]
            ax.plot(eps_fine, fn(dim, eps_fine), lw=1.2, **style)
        seen = part[part["count"] > 0]
        ax.errorbar(seen["eps"], seen["tail_empirical"], yerr=_errors(df, seen), fmt="o", ms=2.5,
                    color=PALETTE[1], elinewidth=0.8, label="sampled Haar states")
        ax.axhline(1.0 / part["samples"].iloc[0], color="0.5", lw=0.8, label="$1/N$ (one sample)")
        ax.set_yscale("log")
        ax.set_ylim(floor, 3)
        ax.set_xlim(0, 1)
        ax.set_title(f"$D = 2^{{{n}}}$")
    for k, ax in enumerate(axes.flat[: len(sizes)]):
        if k + ncols >= len(sizes):  # nothing below it
            ax.set_xlabel(r"$\varepsilon$")
            ax.xaxis.set_tick_params(labelbottom=True)
    for ax in axes[:, 0]:
        ax.set_ylabel(r"$\Pr[|f - \mathbb{E}f| \geq \varepsilon]$")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    legend_ax = axes.flat[len(sizes)]
    legend_ax.legend(handles, labels, loc="center", fontsize="x-small")
    fig.tight_layout()
    return fig


def collapse(df: pd.DataFrame, x_max_left: float = 30.0, x_max_right: float = 2e4):
    r"""Top: every size's tail against :math:`x = D\varepsilon^2` (log axis): the sizes collapse
    onto the Gaussian limit :math:`2\bar\Phi(\sqrt{x})`. Bottom: :math:`\log_{10}` of the tail and
    of the bounds out to large :math:`x`, in their large-:math:`D` forms, where Lévy's bound with
    the HLW constant overtakes Chebyshev."""
    fig, (left, right) = new_figure(nrows=2, width=6.2, height=3.3)
    sizes = sorted(df["n_qubits"].unique())
    colors = [PALETTE[k % len(PALETTE)] for k in (0, 1, 2, 4, 5, 6, 8, 9, 3, 7)]
    for k, n in enumerate(sizes):
        part = df[df["n_qubits"] == n]
        dim = int(part["dim"].iloc[0])
        c = colors[k % len(colors)]
        eps = np.linspace(1e-3, 0.999, 400)
        x = dim * eps**2
        keep = x <= x_max_left
        left.plot(x[keep], law.exact_tail(dim, eps[keep]), color=c, lw=0.9)
        seen = part[(part["count"] > 0) & (part["dim"] * part["eps"] ** 2 <= x_max_left)]
        left.errorbar(seen["dim"] * seen["eps"] ** 2, seen["tail_empirical"], yerr=_errors(df, seen),
                      fmt="o", ms=2.5, color=c, elinewidth=0.7, label=f"$D = 2^{{{n}}}$")
    x = np.linspace(1e-2, x_max_left, 400)
    gauss = r"exact, $D\to\infty$: $2\bar\Phi(\sqrt{x})$"
    cheb = r"Chebyshev, $D\to\infty$: $1/x$"
    curv = r"Lévy, curvature, $D\to\infty$: $2e^{-x/4}$"
    left.plot(x, 2 * special.ndtr(-np.sqrt(x)), "k--", lw=1.2, label=gauss)
    left.plot(x, np.minimum(1 / x, 1), color=PALETTE[0], ls="--", lw=1, label=cheb)
    left.plot(x, np.minimum(2 * np.exp(-x / 4), 1), color=PALETTE[2], ls="-.", lw=1, label=curv)
    left.set_yscale("log")
    left.set_ylim(1 / df["samples"].max() / 10, 2)
    left.set_xlim(0, x_max_left)
    left.set_xlabel(r"$x = D\varepsilon^2$")
    left.set_ylabel(r"$\Pr[|f - \mathbb{E}f| \geq \varepsilon]$")

    x = np.geomspace(1, x_max_right, 400)
    ln10 = np.log(10)
    right.plot(x, (np.log(2) + special.log_ndtr(-np.sqrt(x))) / ln10, "k--", lw=1.2, label=gauss)
    right.plot(x, np.minimum(-np.log10(x), 0), color=PALETTE[0], ls="--", lw=1.2, label=cheb)
    c_hlw = law.HLW_C1 * 2 / 4
    right.plot(x, np.minimum((np.log(2) - c_hlw * x) / ln10, 0), color=PALETTE[3], ls=":", lw=1.6,
               label=r"Lévy, HLW: $2e^{-x/(18\pi^3)}$")
    right.plot(x, np.minimum((np.log(2) - x / 4) / ln10, 0), color=PALETTE[2], ls="-.", lw=1.2,
               label=curv)
    cross = law.hlw_crossover()["beats_chebyshev"]
    right.axvline(cross, color=PALETTE[3], lw=0.6)
    right.set_xscale("log")
    right.set_ylim(-80, 1)
    right.set_xlabel(r"$x = D\varepsilon^2$")
    right.set_ylabel(r"$\log_{10}$ of the tail or bound")
    entries = {}
    for ax in (left, right):
        for h, label in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(label, h)
    fig.legend(list(entries.values()), list(entries), loc="lower center", ncol=3, fontsize="small",
               bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.17, 1, 1))
    return fig
