"""Figures: one style for the whole book; drawing functions read tables, never recompute.

``style.py`` holds the look (seaborn, a colour-blind-safe palette, labelled axes) and the
fits every chapter quotes; one module per chapter holds that chapter's figures.
"""
from .style import (
    MODEL_COLORS,
    MODEL_LABELS,
    PALETTE,
    LineFit,
    fit_line,
    new_figure,
    set_style,
)

__all__ = ["MODEL_COLORS", "MODEL_LABELS", "PALETTE", "LineFit", "fit_line", "new_figure", "set_style"]
