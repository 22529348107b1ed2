"""The book's one figure style, and the least-squares line fits quoted in the text."""
from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

#: seaborn's colour-blind-safe palette; every figure draws its colours from it.
PALETTE = sns.color_palette("colorblind")

MODEL_LABELS = {
    "haar": "Haar-random state",
    "gue": "GUE evolution, $t = 10$",
    "unitary": "unitary model (Eq. 11 order)",
    "unitary-random-order": "unitary model (random order)",
    "boltzmann": "Boltzmann machine",
    "bound": "bound",
}
MODEL_COLORS = {
    "haar": PALETTE[7],
    "gue": PALETTE[1],
    "unitary": PALETTE[0],
    "unitary-random-order": PALETTE[9],
    "boltzmann": PALETTE[2],
    "bound": PALETTE[3],
}


def set_style() -> None:
    """Apply the book's style (call once per notebook)."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, font_scale=0.95)
    plt.rcParams.update(
        {
            "figure.dpi": 110,
            "savefig.dpi": 150,
            "savefig.bbox": "tight",
            "axes.titlesize": "medium",
            "legend.frameon": False,
            "svg.hashsalt": "plateaus",  # deterministic SVG ids
            "svg.fonttype": "none",
        }
    )


def new_figure(ncols: int = 1, nrows: int = 1, width: float = 4.2, height: float = 3.2, **kw):
    """A figure of ``nrows x ncols`` panels of the book's panel size."""
    set_style()
    return plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), **kw)


@dataclass(frozen=True)
class LineFit:
    """Least-squares line ``y = slope * x + intercept`` with standard errors.

    The standard errors assume normal, independent residuals, as the paper's figures state.
    """

    slope: float
    intercept: float
    slope_se: float
    intercept_se: float
    n_points: int

    def __call__(self, x):
        return self.slope * np.asarray(x, dtype=float) + self.intercept


def fit_line(x, y) -> LineFit:
    """Ordinary least squares of ``y`` on ``x`` (``scipy.stats.linregress``)."""
    from scipy.stats import linregress

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or x.size < 2:
        raise ValueError(f"fit_line needs two 1-d arrays of equal length >= 2, got {x.shape} and {y.shape}")
    if x.size == 2:
        slope = (y[1] - y[0]) / (x[1] - x[0])
        return LineFit(float(slope), float(y[0] - slope * x[0]), float("nan"), float("nan"), 2)
    r = linregress(x, y)
    return LineFit(float(r.slope), float(r.intercept), float(r.stderr), float(r.intercept_stderr), int(x.size))
