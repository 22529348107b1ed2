"""The book's one figure style, and the least-squares line fits quoted in the text."""
from __future__ import annotations

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
    "unitary-reversed-order": "unitary model (reversed order)",
    "boltzmann": "Boltzmann machine",
    "bound": "bound",
}
MODEL_COLORS = {
    "haar": PALETTE[7],
    "gue": PALETTE[1],
    "unitary": PALETTE[0],
    "unitary-random-order": PALETTE[9],
    "unitary-reversed-order": PALETTE[4],
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
