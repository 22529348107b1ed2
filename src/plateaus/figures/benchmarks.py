r"""Figures of the appendix *Benchmarks*, drawn from the saved timings only.

Both figures take the ``timings`` table of :mod:`plateaus.experiments.benchmarks` (and the
fits of :func:`~plateaus.experiments.benchmarks.cost_fits`) and plot CPU seconds per instance
(:data:`~plateaus.experiments.benchmarks.MEASURE`): the project in solid lines, the paper's
method and the peer libraries dashed, other forms of a peer (``role == "peer-variant"``)
dotted, one colour and marker per implementation on every panel.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..experiments import benchmarks as bench
from .provenance import provenance_note
from .style import PALETTE, new_figure

#: Colour and marker of every implementation key (the same on every panel).
STYLE = {
    "project": (PALETTE[0], "o"),
    "project-single": (PALETTE[9], "o"),
    "finite-differences": (PALETTE[3], "s"),
    "qutip-fd": (PALETTE[4], "D"),
    "default-qubit-backprop": (PALETTE[1], "^"),
    "default-qubit-backprop-native": (PALETTE[1], "<"),
    "lightning-adjoint-paulirot": (PALETTE[2], ">"),
    "lightning-device": (PALETTE[2], "*"),
    "default-qubit": (PALETTE[1], "^"),
    "lightning-adjoint": (PALETTE[2], "v"),
    "lightning": (PALETTE[2], "v"),
    "qiskit-reverse": (PALETTE[4], "P"),
    "qiskit": (PALETTE[4], "P"),
    "qutip": (PALETTE[5], "D"),
    "qutip-gaussian": (PALETTE[6], "d"),
    "quimb": (PALETTE[8], "X"),
    "numpy-naive": (PALETTE[7], "s"),
}

PANEL_TITLES = {
    "T1": "T1: Haar state, $T(\\rho_v, I/2)$",
    "T2": "T2: gradient of the unitary model",
    "T2-forward": "T2, forward pass only",
    "T3": "T3: Boltzmann sensitivities",
}


def _nothing(what: str):
    """A single empty panel saying that nothing was measured."""
    fig, ax = new_figure(width=5.0, height=2.2)
    ax.text(0.5, 0.5, f"{what}: {bench.NOT_MEASURED}\n(python -m benchmarks writes the timings)",
            ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def _style(key: str):
    return STYLE.get(key, (PALETTE[7], "."))


def _lines(ax, df: pd.DataFrame, x_of, measure: str):
    for key, g in df.groupby("implementation", sort=False):
        g = g[(g.status == "ok") & np.isfinite(g[measure])].sort_values("n")
        if g.empty:
            continue
        color, marker = _style(key)
        role = g["role"].iloc[0]
        ls = "-" if role in ("project", "project-variant") else ":" if role == "peer-variant" else "--"
        ax.plot(x_of(g), g[measure], marker=marker, color=color, ms=5, lw=1.6, ls=ls,
                label=g["label"].iloc[0])


def time_per_instance(timings: pd.DataFrame, tasks=("T1", "T2", "T3"), measure: str = bench.MEASURE):
    r"""Seconds per instance against the number of qubits :math:`n`, one panel per task."""
    tasks = [t for t in tasks if (timings.task == t).any()]
    if not tasks:
        return _nothing("time per instance")
    fig, axes = new_figure(nrows=len(tasks), width=9.0, height=2.9, squeeze=False)
    for ax, task in zip(axes[:, 0], tasks):
        df = timings[timings.task == task]
        _lines(ax, df, lambda g: g["n"], measure)
        ax.set_yscale("log")
        ax.set_xlabel("qubits $n$")
        ax.set_ylabel("CPU s per instance")
        ax.set_xticks(sorted(df["n"].unique()))
        ax.set_title(PANEL_TITLES.get(task, task))
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.subplots_adjust(left=0.09, right=0.52, hspace=0.55)
    return fig


def cost_growth(timings: pd.DataFrame, fits: pd.DataFrame, tasks=("T2", "T3"),
                measure: str = bench.MEASURE):
    r"""Seconds per instance against :math:`K\,2^n` (log-log) with the fitted power laws.

    The legend gives each implementation's fitted exponent :math:`a` of
    :math:`t \propto (K 2^n)^a` with its 95 % interval (unweighted least squares in log-log,
    Student's t with sizes - 2 dof: :func:`plateaus.experiments.benchmarks.cost_fits`); the grey
    dash-dotted line has slope 1 (cost proportional to terms times amplitudes).
    """
    tasks = [t for t in tasks if (timings.task == t).any()]
    if not tasks:
        return _nothing("cost growth")
    fig, axes = new_figure(nrows=len(tasks), width=9.0, height=3.2, squeeze=False)
    for ax, task in zip(axes[:, 0], tasks):
        df = timings[(timings.task == task) & (timings.status == "ok")]
        f = fits[fits.task == task].set_index("implementation")
        for key, g in df.groupby("implementation", sort=False):
            g = g[np.isfinite(g[measure])].sort_values("n")
            if g.empty:
                continue
            color, marker = _style(key)
            x = bench.cost_variable(task, g["n"], g["n_terms"])
            label = g["label"].iloc[0]
            if key in f.index:
                label += f": $a$ = {bench.exponent_text(f.loc[key, 'fit'])}"
                xs = np.geomspace(x.min(), x.max(), 20)
                ax.plot(xs, np.exp(f.loc[key, "intercept"]) * xs ** f.loc[key, "exponent"],
                        color=color, lw=1, alpha=0.8,
                        ls=":" if g["role"].iloc[0] == "peer-variant" else "-")
            ax.plot(x, g[measure], marker=marker, color=color, ms=5, ls="none", label=label)
        project = df[df.role == "project"].sort_values("n")
        if len(project) >= 2:
            x0 = bench.cost_variable(task, project["n"], project["n_terms"])
            ax.plot(x0, project[measure].iloc[0] * x0 / x0[0], color="0.5", ls="-.", lw=1,
                    label="slope 1")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("terms × amplitudes, $K\\,2^n$")
        ax.set_ylabel("CPU s per instance")
        ax.set_title(PANEL_TITLES.get(task, task))
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.subplots_adjust(left=0.09, right=0.52, hspace=0.55)
    return fig


def show(ch, fig, name: str, results_scale: str, results):
    """Save, glue and close ``fig`` through the page's :class:`~plateaus.chapter.Chapter` when
    the page shows the run of its own scale; otherwise (the committed paper-scale run shown at
    another scale, or nothing measured) close it unsaved, so that a quick build never writes
    beside, or over, another scale's figures. Returns the figure for the cell to show."""
    if results is not None and results_scale == ch.scale:
        return ch.figure(fig, name, bench.TIMINGS)
    plt.close(fig)
    return fig


def provenance(name: str, results_scale: str, results):
    """The provenance note of figure ``name`` of the run shown (``None`` if nothing was measured)."""
    if results is None:
        return None
    return provenance_note(bench.CHAPTER, results_scale, bench.TIMINGS, figure=name)


__all__ = ["STYLE", "cost_growth", "provenance", "show", "time_per_instance"]
