r"""One chapter's run, as its notebook sees it: name, scale and parameters given once.

A chapter's code cells set parameters, call the package, show and glue. :class:`Chapter` holds
what every cell would otherwise repeat::

    ch = Chapter("typicality", scale)            # validated parameters in ch.params
    numbers = experiment.quoted(ch.params, df)   # the numbers the page quotes, from the package
    ch.glue_all(numbers)                         # {glue:text}`ty-<key>` in the prose
    ch.figure(figures.histograms(df), "fig4-histograms", experiment.EXPERIMENT)  # saved, glued, closed
    ch.provenance()                              # (next cell) the note under that figure
    ch.record(experiment.results_rows(numbers))  # the rows of the book's results table

Glue keys are the chapter's prefix (``PREFIXES``) and the key with ``_`` turned into ``-``.
"""
from __future__ import annotations

import numbers as _numbers
from typing import Any, Iterable, Mapping

import matplotlib.pyplot as plt
import numpy as np

from . import results
from .figures.export import save_figure
from .figures.provenance import provenance_note, rerun_note
from .params import CHAPTERS, SCALES, chapter_params

#: Glue-key prefix of each chapter (short, so that the prose stays readable).
PREFIXES = {
    "intro": "in", "models": "mo", "typicality": "ty", "area-volume": "av",
    "unitary-plateau": "up", "unitary-assumptions": "ua", "boltzmann-plateau": "bp", "escaping": "es",
    "concentration": "co", "benchmarks": "be",
}


def _glue(key: str, value: Any) -> None:
    from myst_nb import glue

    glue(key, value, display=False)


def _plain(value: Any) -> Any:
    """A glue-able value: numpy scalars as Python numbers, everything else unchanged."""
    if isinstance(value, np.generic):
        return value.item()
    return value


class Chapter:
    """The run of one chapter at one scale.

    Parameters
    ----------
    name : str
        The chapter, as in ``_toc.yml``.
    scale : str
        ``quick``, ``paper`` or ``extended``.
    **overrides
        Parameter overrides, validated by :func:`plateaus.params.chapter_params`. A page with
        no parameter table (the introduction) takes none and has ``params`` of its name and
        scale only.
    """

    def __init__(self, name: str, scale: str, **overrides: Any):
        if name in CHAPTERS or overrides:
            self.params = chapter_params(name, scale, **overrides)
        elif name not in PREFIXES:
            raise ValueError(f"name = {name!r} is not allowed; expected one of {sorted(PREFIXES)}")
        elif scale not in SCALES:
            raise ValueError(f"scale = {scale!r} is not allowed; expected one of {SCALES}")
        else:
            self.params = {"chapter": name, "scale": scale}
        self.name, self.scale = name, scale
        self.prefix = PREFIXES.get(name, name)
        self._last: tuple[str, str] | None = None

    def __repr__(self) -> str:
        return f"Chapter({self.name!r}, {self.scale!r})"

    def key(self, name: str) -> str:
        """The glue key of ``name``: ``<prefix>-<name with - for _>``."""
        return f"{self.prefix}-{name.replace('_', '-')}"

    def glue(self, name: str, value: Any) -> None:
        """Glue one value (not displayed) under :meth:`key`."""
        _glue(self.key(name), _plain(value))

    def glue_all(self, values: Mapping[str, Any]) -> None:
        """Glue every number and string of ``values`` (other values, e.g. tables, are skipped)."""
        for name, value in values.items():
            value = _plain(value)
            if isinstance(value, (_numbers.Number, str)) and not isinstance(value, bool):
                self.glue(name, value)

    def rerun_note(self):
        """The line that tells a reader how to re-run this page (show it near the top)."""
        return rerun_note(self.name, self.scale)

    def figure(self, fig, name: str, experiment: str):
        """Save ``fig`` beside the table of ``experiment`` (PNG and SVG, recorded in its
        manifest entry), glue it as ``<prefix>-fig-<name>``, close it, and return it for the
        cell to show. :meth:`provenance` then shows its provenance."""
        save_figure(fig, self.name, self.scale, name, experiment=experiment)
        _glue(self.key(f"fig-{name}"), fig)
        plt.close(fig)
        self._last = (experiment, name)
        return fig

    def provenance(self, experiment: str | None = None, figure: str | None = None):
        """The provenance note of the last figure saved (or of ``experiment``/``figure``)."""
        if experiment is None:
            if self._last is None:
                raise ValueError("no figure saved yet: call figure() first or name the experiment")
            experiment, figure = self._last
        return provenance_note(self.name, self.scale, experiment, figure=figure)

    def record(self, rows: Iterable[Mapping[str, str]]):
        """Save this chapter's rows of the book's results table (:func:`plateaus.results.record`)."""
        return results.record(self.name, self.scale, rows)
