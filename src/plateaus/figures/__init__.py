"""Figures: one style for the whole book; drawing functions read tables, never recompute.

``style.py`` holds the look every figure shares (seaborn, a colour-blind-safe palette, labelled
axes); fits come from :mod:`plateaus.analysis`; one module per chapter holds that chapter's
figures; ``export.py`` saves them.
"""
from .style import (
    MODEL_COLORS,
    MODEL_LABELS,
    PALETTE,
    new_figure,
    set_style,
)

__all__ = ["MODEL_COLORS", "MODEL_LABELS", "PALETTE", "new_figure", "set_style"]
