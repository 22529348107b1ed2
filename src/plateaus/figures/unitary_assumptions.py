"""Figures and tables of the chapter *Theorem 3: its assumptions*. They read tables only
(the statistics of :mod:`plateaus.experiments.unitary_assumptions`)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..experiments.unitary_assumptions import (FIXED_RANDOM, HAAR_MODEL, PARTS, theorem_bound,
                                               theorem_scale, two_design_gradient_ms)
from .style import PALETTE, new_figure

ORDER_NAMES = {"unitary": "Eq. (11) order", "unitary-reversed-order": "reversed order",
               "unitary-random-order": "random order", FIXED_RANDOM: "fixed random orders",
               HAAR_MODEL: "Haar (control)"}
ORDER_COLORS = {"unitary": PALETTE[0], "unitary-reversed-order": PALETTE[4],
                "unitary-random-order": PALETTE[9], FIXED_RANDOM: PALETTE[8], HAAR_MODEL: PALETTE[7]}
OBJECTIVE_NAMES = {"observable": r"$\mathrm{Tr}(Z\rho_v)$", "root-fidelity": r"$\sqrt{F}$", "fidelity": r"$F$"}
STATISTIC_NAMES = {"inf": "E‖g‖∞", "rms": "RMS g_k", "abs": "E|g_k|"}
_PART_COLORS = {"full": "k", "first-1/4": PALETTE[0], "first-1/2": PALETTE[9], "first-3/4": PALETTE[8],
                "last-1/4": PALETTE[3], "last-1/2": PALETTE[1], "last-3/4": PALETTE[5]}
_MODELS = ("unitary", "unitary-reversed-order", "unitary-random-order")


def _log2_axis(ax):
    ax.set_yscale("log", base=2)


def _legend(fig, axes, ncol: int):
    """One legend below the panels, with every label drawn in any panel (first handle wins)."""
    seen = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            seen.setdefault(label, handle)
    fig.legend(list(seen.values()), list(seen), loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=ncol,
               fontsize="small")


def scan_panels(stats: pd.DataFrame, hstats: pd.DataFrame, objectives=("observable", "root-fidelity", "fidelity")):
    r"""The D_v scan: one row per objective, one column per :math:`n_h`; against :math:`n_v`,
    the ensemble RMS gradient entry (filled, two standard errors) and the mean largest entry
    (open) for each gate order, the 2-design RMS (black dashed: the closed form for the
    observable, the Monte Carlo of the 2-design model otherwise) and the theorem's scale
    :math:`\sqrt{D_v/D_h}` (grey dotted)."""
    hidden = sorted(stats["n_hidden"].unique())
    fig, axes = new_figure(ncols=len(hidden), nrows=len(objectives), width=3.0, height=2.5,
                           squeeze=False, sharex=True)
    for i, objective in enumerate(objectives):
        for j, nh in enumerate(hidden):
            ax = axes[i, j]
            for model in _MODELS:
                g = stats[(stats["model"] == model) & (stats["objective"] == objective)
                          & (stats["n_hidden"] == nh)].sort_values("n_visible")
                c = ORDER_COLORS[model]
                ax.errorbar(g["n_visible"], g["rms"], 2 * g["rms_se"], color=c, marker="o", ms=4,
                            lw=1.2, label=f"{ORDER_NAMES[model]}: RMS")
                ax.errorbar(g["n_visible"], g["inf"], 2 * g["inf_se"], color=c, marker="o", ms=4, mfc="white",
                            lw=0.8, ls="--", label=f"{ORDER_NAMES[model]}: mean largest")
            h = hstats[(hstats["objective"] == objective) & (hstats["n_hidden"] == nh)].sort_values("n_visible")
            nv = h["n_visible"].to_numpy(dtype=float)
            if objective == "observable":
                fine = np.linspace(nv.min(), nv.max(), 50)
                ax.plot(fine, np.sqrt(two_design_gradient_ms(2.0**fine, 2.0**nh)), "k--", lw=1,
                        label="2-design RMS (exact)")
            else:
                ax.errorbar(nv, h["rms"], 2 * h["rms_se"], color="k", ls="--", marker="x", ms=5, lw=1,
                            label="2-design RMS (Monte Carlo)")
            ax.plot(nv, theorem_scale(2.0**nv, 2.0**nh), color="0.5", ls=":", lw=1.5,
                    label=r"theorem's scale $\sqrt{D_v/D_h}$")
            _log2_axis(ax)
            if i == 0:
                ax.set_title(f"$n_h = {nh}$")
            if i == len(objectives) - 1:
                ax.set_xlabel("visible qubits $n_v$")
            if j == 0:
                ax.set_ylabel(f"gradient of {OBJECTIVE_NAMES[objective]}")
            ax.set_xticks(sorted(stats["n_visible"].unique()))
    _legend(fig, axes, 3)
    fig.tight_layout()
    return fig


def bound_panels(loose: pd.DataFrame):
    r"""Theorem 3's bound against the observable's gradients, one panel per :math:`n_h`: the
    mean over the parameters of :math:`\mathbb E|\partial_k|` (filled) and the largest
    :math:`\mathbb E|\partial_k|` over the parameters (open) for each order, with two standard
    errors; the bound :math:`\sqrt2\sqrt{D_v/D_h}` (grey dotted), the 2-design
    :math:`\mathbb E|\partial_k|` (black dashed) and the 2-design mean of the largest derivative
    over all observables of norm 1, :math:`\mathbb E\|X\|_1` (black dash-dotted)."""
    hidden = sorted(loose["n_hidden"].unique())
    fig, axes = new_figure(ncols=len(hidden), width=3.0, height=2.7, squeeze=False, sharey=True)
    for ax, nh in zip(axes[0], hidden):
        for model in _MODELS:
            g = loose[(loose["model"] == model) & (loose["n_hidden"] == nh)].sort_values("n_visible")
            c = ORDER_COLORS[model]
            ax.errorbar(g["n_visible"], g["mean_abs"], 2 * g["mean_abs"] / g["mean_ratio"] * g["mean_ratio_se"],
                        color=c, marker="o", ms=4, lw=1.2, label=f"{ORDER_NAMES[model]}: mean over $k$")
            ax.errorbar(g["n_visible"], g["worst"], 2 * g["worst_se"], color=c, marker="s", ms=4, mfc="white",
                        lw=0.8, ls="--", label=f"{ORDER_NAMES[model]}: largest over $k$")
        g = loose[(loose["model"] == _MODELS[-1]) & (loose["n_hidden"] == nh)].sort_values("n_visible")
        nv = g["n_visible"].to_numpy(dtype=float)
        ax.plot(nv, theorem_bound(2.0**nv, 2.0**nh), color="0.4", ls=":", lw=1.8,
                label=r"bound $\sqrt{2}\sqrt{D_v/D_h}$")
        ax.errorbar(nv, g["design_abs"], 2 * g["design_abs_se"], color="k", ls="--", lw=1,
                    label=r"2-design $\mathbb{E}|\partial_k|$")
        ax.errorbar(nv, g["design_max"], 2 * g["design_max_se"], color="k", ls="-.", lw=1,
                    label=r"2-design $\mathbb{E}\max_{\|O\|\leq 1}|\partial\,\mathrm{Tr}(O\rho_v)|$")
        _log2_axis(ax)
        ax.set_title(f"$n_h = {nh}$")
        ax.set_xlabel("visible qubits $n_v$")
        ax.set_xticks(nv)
    axes[0, 0].set_ylabel(r"$\mathbb{E}|\partial_k\,\mathrm{Tr}(Z\rho_v)|$")
    _legend(fig, axes, 3)
    fig.tight_layout()
    return fig


def frame_panels(designs: pd.DataFrame):
    r"""Frame potentials against the number of qubits, one column per ensemble (the three
    orders and the fixed random orders, draw 0 solid and draw 1 dashed): top, the second
    frame potential :math:`F^{(2)}` of each product (log axis, Haar value 2 dotted, the Haar
    control as grey crosses); bottom, the state frame potential over its Haar value. Two
    standard errors."""
    models = list(_MODELS) + [FIXED_RANDOM]
    fig, axes = new_figure(ncols=len(models), nrows=2, width=2.8, height=2.6, squeeze=False, sharex=True)
    fig.subplots_adjust(wspace=0.35)
    control = designs[designs["model"] == HAAR_MODEL].sort_values("n_qubits")
    for j, model in enumerate(models):
        m = designs[designs["model"] == model]
        for draw, ls in zip(sorted(m["draw"].unique()), ("-", "--", ":", "-.")):
            for part in PARTS:
                g = m[(m["draw"] == draw) & (m["part"] == part)].sort_values("n_qubits")
                label = part if draw == m["draw"].min() else None
                for i, (value, se) in enumerate((("fp", "fp_se"), ("state_ratio", "state_ratio_se"))):
                    axes[i, j].errorbar(g["n_qubits"], g[value], 2 * g[se], color=_PART_COLORS[part], ls=ls,
                                        marker="o", ms=3, lw=1, label=label)
        for i, (value, se, haar) in enumerate((("fp", "fp_se", 2.0), ("state_ratio", "state_ratio_se", 1.0))):
            ax = axes[i, j]
            ax.axhline(haar, color="k", ls=":", lw=1)
            ax.errorbar(control["n_qubits"], control[value], 2 * control[se], color="0.5", ls="none",
                        marker="x", ms=5, label="Haar (control)" if j == 0 and i == 0 else None)
            drawn = designs.loc[designs["model"] == model, value]
            if drawn.max() > 10 * drawn.min():  # the fixed orders span decades; the others do not
                ax.set_yscale("log")
            if i == 1:
                ax.set_xlabel("qubits $n$")
        axes[0, j].set_title(ORDER_NAMES[model])
    axes[0, 0].set_ylabel(r"$F^{(2)} = \mathbb{E}|\mathrm{Tr}\,U^\dagger V|^4$")
    axes[1, 0].set_ylabel(r"$\mathbb{E}|\langle\psi|\phi\rangle|^4$ / Haar")
    _legend(fig, axes, 8)
    fig.tight_layout()
    return fig


def fits_table(fits: pd.DataFrame, objective: str, statistics=("rms", "inf")) -> pd.DataFrame:
    """The D_v lines of one objective as text: rows order and :math:`n_h`, columns the
    statistics (slope per visible qubit in log2 with its 95 % interval and χ²/dof), the
    2-design slope and the t of the RMS slope's distance from it."""
    f = fits[fits["objective"] == objective]
    best = fits[fits["objective"] == "max-observable"]
    rows = []
    groups = [(m, f, ORDER_NAMES[m]) for m in _MODELS] + [(HAAR_MODEL, f, "2-design model")]
    if objective == "observable":
        groups.append((HAAR_MODEL, best, "2-design, best observable (E‖X‖₁)"))
    for model, frame, name in groups:
        for nh in sorted(frame["n_hidden"].unique()):
            cell = frame[(frame["model"] == model) & (frame["n_hidden"] == nh)].set_index("statistic")
            if cell.empty:
                continue
            row = {"order": name, "n_h": int(nh)}
            for stat in statistics:
                if stat in cell.index:
                    fit = cell.loc[stat, "fit"]
                    row[STATISTIC_NAMES[stat]] = f"{fit.interval_text()}, χ²/dof {fit.chi2_dof:.3g}"
                else:
                    row[STATISTIC_NAMES[stat]] = ""
            if "rms" in cell.index and model != HAAR_MODEL and np.isfinite(cell.loc["rms"].get("reference", np.nan)):
                row["2-design slope"] = f"{cell.loc['rms', 'reference']:.3f}"
                row["t from it"] = f"{cell.loc['rms', 't_design']:.1f}"
            rows.append(row)
    return pd.DataFrame(rows).set_index(["order", "n_h"]).fillna("")


def steps_table(steps: pd.DataFrame, n_hidden: int, objectives=("root-fidelity", "fidelity")) -> pd.DataFrame:
    """Per-step differences of log2 of the mean largest entry and of the RMS, from n_v to
    n_v + 1 at one n_h, with their 95 % bootstrap intervals, as text."""
    s = steps[(steps["n_hidden"] == n_hidden) & steps["objective"].isin(objectives)].copy()
    s["text"] = [f"{a:.3f} [{b:.3f}, {c:.3f}]" for a, b, c in zip(s["step"], s["low"], s["high"])]
    s["step from"] = [f"{int(a)} → {int(b)}" for a, b in zip(s["x_from"], s["x_to"])]
    s["order"] = s["model"].map(ORDER_NAMES)
    s["objective"] = s["objective"].map({"root-fidelity": "√F", "fidelity": "F", "observable": "Tr(Zρ_v)"})
    s["statistic"] = s["statistic"].map(STATISTIC_NAMES)
    return s.pivot_table(index=["objective", "order"], columns=["statistic", "step from"], values="text", aggfunc="first")


def looseness_table(loose: pd.DataFrame) -> pd.DataFrame:
    """The bound over the measured E|∂_k| (mean over k, and for the largest E|∂_k|) per order
    and size, as text; a ratio below one means the bound is exceeded."""
    t = loose.copy()
    t["mean"] = [f"{r:.2f}" for r in t["mean_ratio"]]
    t["largest"] = [f"{r:.2f} ({lab})" for r, lab in zip(t["worst_ratio"], t["worst_label"])]
    t["order"] = t["model"].map(ORDER_NAMES)
    t = t.melt(id_vars=["order", "n_hidden", "n_visible"], value_vars=["mean", "largest"], var_name="E|∂_k|")
    return t.pivot_table(index=["order", "E|∂_k|"], columns=["n_hidden", "n_visible"], values="value", aggfunc="first")


def design_table(designs: pd.DataFrame, value: str = "fp") -> pd.DataFrame:
    """Frame potentials (``value="fp"``) or state frame potentials over Haar
    (``"state_ratio"``) as "value ± SE" text: rows ensemble and product, columns qubits; a
    star marks |z| ≥ 2 from the Haar value."""
    se, z = (("fp_se", "z") if value == "fp" else ("state_ratio_se", "state_z"))
    t = designs.copy()
    t["text"] = [f"{v:.3g} ± {s:.2g}" + ("*" if abs(zz) >= 2 else "") for v, s, zz in zip(t[value], t[se], t[z])]
    t["ensemble"] = [ORDER_NAMES[m] + (f" {d}" if m == FIXED_RANDOM else "") for m, d in zip(t["model"], t["draw"])]
    order = {p: i for i, p in enumerate(PARTS)}
    out = t.pivot_table(index=["ensemble", "part"], columns="n_qubits", values="text", aggfunc="first")
    return out.sort_index(key=lambda idx: idx.map(order) if idx.name == "part" else idx)
