"""The book's results table: each chapter records the paper's numbers beside its own.

A chapter calls :func:`record` with rows built from the values it glues into its text; the
introduction calls :func:`collect` to show every chapter's rows side by side. The runner
executes the introduction last, so the table always comes from the same run as the chapters.
"""
from __future__ import annotations

from typing import Iterable, Mapping

import pandas as pd

from . import store

COLUMNS = ("result", "figure", "quantity", "paper", "ours")
EXPERIMENT = "results"


def record(chapter: str, scale: str, rows: Iterable[Mapping[str, str]]) -> pd.DataFrame:
    """Save ``rows`` (mappings with the keys of :data:`COLUMNS`, values as text) for ``chapter``."""
    rows = [dict(r) for r in rows]
    for i, row in enumerate(rows):
        missing = set(COLUMNS) - set(row)
        extra = set(row) - set(COLUMNS)
        if missing or extra:
            raise ValueError(
                f"rows[{i}] must have exactly the keys {COLUMNS}; missing {sorted(missing)}, extra {sorted(extra)}"
            )
    df = pd.DataFrame(rows, columns=list(COLUMNS)).astype(str)
    if EXPERIMENT in store.manifest(chapter, scale).get("experiments", {}):
        try:
            previous, _ = store.load(chapter, scale, EXPERIMENT)
        except store.StoreError:
            previous = None
        if previous is not None and previous.astype(str).equals(df):
            return df  # unchanged: keep the provenance of the run that produced these numbers
    store.save(chapter, scale, EXPERIMENT, df, params={"chapter": chapter, "scale": scale}, wall_time=0.0)
    return df


def collect(scale: str, chapters: Iterable[str]) -> pd.DataFrame:
    """Every chapter's recorded rows at ``scale``, in book order, with a ``chapter`` column.

    A chapter that has recorded nothing at this scale contributes no rows.
    """
    frames = []
    for chapter in chapters:
        if EXPERIMENT not in store.manifest(chapter, scale).get("experiments", {}):
            continue
        df, _ = store.load(chapter, scale, EXPERIMENT)
        frames.append(df.assign(chapter=chapter))
    if not frames:
        return pd.DataFrame(columns=["chapter", *COLUMNS])
    return pd.concat(frames, ignore_index=True)[["chapter", *COLUMNS]]


def book_table(scale: str, chapters: Iterable[str]) -> pd.DataFrame:
    """The introduction's table: :func:`collect` with the result and its figure in one column
    (``"Theorem 3 (Fig. 3(b))"``, ``"Proposition 1 (book)"`` for the book's own runs) and the
    columns ``Result``, ``Quantity``, ``Paper``, ``Ours``."""
    table = collect(scale, chapters)
    figure = table["figure"].map(lambda f: "book" if f == "(book)" else f"Fig. {f}")
    return pd.DataFrame({"Result": table["result"] + " (" + figure + ")", "Quantity": table["quantity"],
                         "Paper": table["paper"], "Ours": table["ours"]})
