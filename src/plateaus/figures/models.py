"""Figures of the chapter *Models*."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from .style import MODEL_COLORS, MODEL_LABELS, new_figure


def entropy_deficit(df: pd.DataFrame, page: pd.DataFrame):
    r"""Mean entropy deficit :math:`\ln D_v - S(\rho_v)` against hidden qubits, per model.

    ``df``: the ``visible-entropy`` table; ``page``: columns ``n_hidden``, ``deficit`` (Page's
    exact Haar value). Semilog-y, so a volume law :math:`\propto D_v/D_h` is a straight line.
    """
    fig, ax = new_figure(width=7.6, height=3.6)
    d_v = 2 ** int(df["n_visible"].iloc[0])
    df = df.assign(deficit=np.log(d_v) - df["entropy_nats"])
    stats = df.groupby(["model", "n_hidden"])["deficit"].agg(["mean", "sem"]).reset_index()
    for model, group in stats.groupby("model", sort=False):
        ax.errorbar(group["n_hidden"], group["mean"], yerr=2 * group["sem"], marker="o", ms=4,
                    capsize=2, lw=1.2, color=MODEL_COLORS[model], label=MODEL_LABELS[model])
    ax.plot(page["n_hidden"], page["deficit"], "k--", lw=1, label="Haar, exact (Page)")
    ax.set_yscale("log", base=2)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("hidden qubits $n_h$")
    ax.set_ylabel(r"$\ln D_v - S(\rho_v)$ (nats), log$_2$ axis")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    return fig
