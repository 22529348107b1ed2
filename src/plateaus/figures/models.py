"""Figures of the chapter *Models*, drawn from its table and the analysis of
:mod:`plateaus.experiments.models` (the figure fits nothing itself)."""
from __future__ import annotations

import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..experiments import models as experiment
from .style import MODEL_COLORS, MODEL_LABELS, new_figure


def entropy_deficit(df: pd.DataFrame, page: pd.DataFrame, fits: pd.DataFrame | None = None):
    r"""Mean entropy deficit :math:`\ln D_v - S(\rho_v)` against hidden qubits, per model, with
    two standard errors (:func:`~plateaus.experiments.models.entropy_stats`).

    ``df``: the ``visible-entropy`` table; ``page``: columns ``n_hidden``, ``deficit`` (Page's
    exact Haar value, :func:`~plateaus.experiments.models.page_deficits`); ``fits``: optional,
    :func:`~plateaus.experiments.models.deficit_fits`, whose slope of :math:`\log_2` of the
    deficit per hidden qubit and 95 % interval each legend entry then shows ("line rejected"
    where :math:`\chi^2` rejects a straight line). Semilog-y, so a volume law
    :math:`\propto D_v/D_h` is a straight line of slope :math:`-1`.
    """
    fig, ax = new_figure(width=7.6, height=3.6)
    stats = experiment.entropy_stats(df)
    for model, group in stats.groupby("model", sort=False):
        label = MODEL_LABELS[model]
        if fits is not None and model in fits.index:
            fit = fits.loc[model, "fit"]
            label += f"\nslope {fit.interval_text(3)}" + (" (line rejected)" if fit.rejected() else "")
        ax.errorbar(group["n_hidden"], group["deficit"], yerr=2 * group["deficit_se"], marker="o", ms=4,
                    capsize=2, lw=1.2, color=MODEL_COLORS[model], label=label)
    ax.plot(page["n_hidden"], page["deficit"], "k--", lw=1, label="Haar, exact (Page)")
    ax.set_yscale("log", base=2)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("hidden qubits $n_h$")
    ax.set_ylabel(r"$\ln D_v - S(\rho_v)$ (nats), log$_2$ axis")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    return fig
