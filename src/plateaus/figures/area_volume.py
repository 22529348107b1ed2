"""Figures of the chapter *Area and volume laws* (Proposition 1). They read tables only."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from .style import PALETTE, new_figure

FAMILY_LABELS = {
    "product": "product",
    "schmidt": "Schmidt rank $r$",
    "brickwork": "brickwork, depth {p}",
    "brickwork-linear": "brickwork, depth $2n$",
    "haar": "Haar random",
}
_DEPTH_COLORS = [PALETTE[0], PALETTE[9], PALETTE[4], PALETTE[5], PALETTE[6]]


def _color(family: str, parameter: int, depths: list[int]):
    if family == "brickwork":
        return _DEPTH_COLORS[depths.index(parameter) % len(_DEPTH_COLORS)]
    return {"product": PALETTE[2], "schmidt": PALETTE[8], "brickwork-linear": PALETTE[1], "haar": PALETTE[7]}[family]


def _label(family: str, parameter: int) -> str:
    return FAMILY_LABELS[family].format(p=parameter)


def _curves(df: pd.DataFrame):
    """Groups drawn as one curve: a fixed depth or rank is one curve, the depth-2n brickwork
    (whose depth changes with the size) is one curve."""
    key = df["parameter"].where(df["family"] != "brickwork-linear", -1)
    for (family, _), g in df.groupby([df["family"], key], sort=False):
        yield family, int(g["parameter"].iloc[0]), g


def measured_vs_bound(df: pd.DataFrame, equal_schmidt: dict[int, pd.DataFrame]):
    r"""Exact largest objective against the bound of Proposition 1, one panel per :math:`n_v`
    (two panels a row, the legend in the free cell or below).

    ``df``: the ``families`` table with ``bound`` (see ``experiments.area_volume.with_bound``);
    ``equal_schmidt``: per :math:`n_v`, the closed-form points of equal-coefficient Schmidt
    states. Every point must lie on or under the diagonal.
    """
    sizes = sorted(df["n_visible"].unique())
    ncols = min(2, len(sizes))
    nrows = int(np.ceil(len(sizes) / ncols))
    spare = nrows * ncols > len(sizes)
    fig, axes = new_figure(ncols=ncols, nrows=nrows, width=3.3, height=3.3, squeeze=False)
    depths = sorted(df.loc[df["family"] == "brickwork", "parameter"].unique().tolist())
    for ax, n_v in zip(axes.flat, sizes):
        part = df[df["n_visible"] == n_v]
        top = max(part["bound"].max(), part["max_objective"].max()) * 1.05
        ax.plot([0, top], [0, top], color="k", lw=1, label="bound = measured", zorder=3)
        for family, parameter, g in _curves(part):
            if family == "schmidt":
                label = FAMILY_LABELS["schmidt"] if parameter == 2 else None
            else:
                label = _label(family, parameter)
            ax.scatter(g["bound"], g["max_objective"], s=5, alpha=0.4, lw=0, rasterized=True,
                       color=_color(family, parameter, depths), label=label,
                       zorder=1 if family == "schmidt" else 2)
        eq = equal_schmidt[n_v]
        ax.plot(eq["bound"], eq["max_objective"], "kx", ms=6, mew=1.4, zorder=4,
                label="Schmidt, equal coefficients (exact)")
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_aspect("equal")
        ax.set_title(f"$D_v = 2^{n_v}$")
        ax.set_xlabel(r"bound $\sqrt{2(\ln D_v - S(\rho_v))}$")
        ax.set_ylabel(r"$\max_{\|O\|\leq 1}|\mathrm{Tr}[(O\otimes I)(\rho - I/D)]|$")
    handles, labels = axes.flat[len(sizes) - 1].get_legend_handles_labels()
    for h in handles:
        if hasattr(h, "set_alpha"):
            h.set_alpha(1)
    if spare:
        for ax in list(axes.flat)[len(sizes):]:
            ax.axis("off")
        axes.flat[len(sizes)].legend(handles, labels, loc="center", fontsize="small", markerscale=3)
        fig.tight_layout()
    else:
        fig.legend(handles, labels, loc="lower center", ncol=2, fontsize="small", markerscale=3,
                   bbox_to_anchor=(0.5, 0.0))
        fig.tight_layout(rect=(0, 0.25, 1, 1))
    return fig


def entropy_and_range(means: pd.DataFrame):
    r"""Entropy :math:`S(\rho_v)` (top) and the exact objective range (bottom, log2 axis) against
    :math:`n_h`, one column per :math:`n_v`; mean over instances with two standard errors.

    ``means``: ``experiments.area_volume.means`` of the table. Shown: product states, Schmidt rank
    :math:`r = D_v` (random coefficients), every fixed brickwork depth (area law), the depth-:math:`2n`
    brickwork and Haar states (volume law), with :math:`\ln D_v` and :math:`\sqrt{D_v/D_h}`.
    """
    sizes = sorted(means["n_visible"].unique())
    fig, axes = new_figure(ncols=len(sizes), nrows=2, width=2.7, height=2.5, squeeze=False, sharex="col")
    depths = sorted(means.loc[means["family"] == "brickwork", "parameter"].unique().tolist())
    for col, n_v in enumerate(sizes):
        part = means[means["n_visible"] == n_v]
        ax_s, ax_r = axes[0, col], axes[1, col]
        for family, parameter, g in _curves(part):
            if family == "schmidt" and parameter != 2**n_v:
                continue
            label = f"Schmidt rank $r = D_v$" if family == "schmidt" else _label(family, parameter)
            style = dict(color=_color(family, parameter, depths), marker="o", ms=3, lw=1.2, capsize=2, label=label)
            ax_s.errorbar(g["n_hidden"], g["entropy_nats_mean"], yerr=2 * g["entropy_nats_sem"], **style)
            ax_r.errorbar(g["n_hidden"], g["max_objective_mean"], yerr=2 * g["max_objective_sem"], **style)
        n_h = np.array(sorted(part["n_hidden"].unique()))
        maximal = ax_s.axhline(n_v * np.log(2), color="k", lw=0.8, ls=":", label=r"$\ln D_v$ (maximal)")
        ax_r.plot(n_h, np.sqrt(2.0 ** (n_v - n_h)), "k--", lw=1, label=r"$\sqrt{D_v/D_h}$")
        ax_r.set_yscale("log", base=2)
        ax_s.set_title(f"$D_v = 2^{n_v}$")
        ax_r.set_xlabel("hidden qubits $n_h$")
        ax_r.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0, 0].set_ylabel(r"$S(\rho_v)$ (nats)")
    axes[1, 0].set_ylabel("largest objective (log$_2$ axis)")
    handles, labels = axes[1, -1].get_legend_handles_labels()
    handles.append(maximal)
    labels.append(maximal.get_label())
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize="small", bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.15, 1, 1))
    return fig
