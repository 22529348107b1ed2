r"""Chapter *Area and volume laws*: Proposition 1 on states of controlled entanglement.

For every state of a family, the exact largest visible objective
:math:`\max_{\|O\|_\infty\le1}|\Tr[(O\otimes I)(\rho - I/D)]| = \|\rho_v - I/D_v\|_1` and the
entanglement entropy :math:`S(\rho_v)` (nats), from which the bound of Proposition 1,
:math:`\sqrt{2(\ln D_v - S(\rho_v))}`, follows. The paper has no numerics for this result; these
are the book's.

Families (the column ``family``; ``parameter`` is the Schmidt rank or the circuit depth):

``product``
    :math:`|a\rangle|b\rangle` with Haar factors (``parameter`` 1);
``schmidt``
    Schmidt rank ``parameter`` = 2 .. min(D_v, D_h), coefficients uniform on the simplex;
``brickwork``
    brickwork circuit of Haar two-qubit gates of fixed depth ``parameter`` (area law), its
    first layer holding the gate across the cut;
``brickwork-linear``
    the same circuit with depth ``depth_per_qubit * n`` growing with the size (volume law);
``haar``
    Haar-random states (volume law; ``parameter`` 0).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import store
from ..families import (
    cut_offset,
    max_visible_objective,
    pinsker_bound,
    product_states,
    random_brickwork_states,
    schmidt_states,
)
from ..measures import entropy
from ..parallel import map_instances
from ..params import chapter_params
from ..states import haar_states, reduced_state

CHAPTER = "area-volume"
EXPERIMENT = "families"
FAMILIES = ("product", "schmidt", "brickwork", "brickwork-linear", "haar")
COLUMNS = ["family", "parameter", "n_visible", "n_hidden", "instance", "entropy_nats", "max_objective"]


def family_states(family: str, n_visible: int, n_hidden: int, parameter: int, seeds) -> np.ndarray:
    """Pure states ``(len(seeds), D_v D_h)`` of one family, one seed per instance."""
    n = n_visible + n_hidden
    if family == "product":
        return product_states(n_visible, n_hidden, seed=seeds)
    if family == "schmidt":
        return schmidt_states(n_visible, n_hidden, parameter, seed=seeds, coefficients="random")
    if family in ("brickwork", "brickwork-linear"):
        return random_brickwork_states(n, parameter, seed=seeds, offset=cut_offset(n_visible))
    if family == "haar":
        return np.stack([haar_states(n, 1, np.random.default_rng(s))[0] for s in seeds])
    raise ValueError(f"family = {family!r} is not allowed; expected one of {', '.join(FAMILIES)}")


def _chunk(seeds, *, family, n_visible, n_hidden, parameter):
    rho_v = reduced_state(family_states(family, n_visible, n_hidden, parameter, seeds), n_visible)
    return pd.DataFrame({"entropy_nats": entropy(rho_v), "max_objective": max_visible_objective(rho_v)})


def grid(params: dict) -> list[tuple[str, int, int, int]]:
    """The points ``(family, n_visible, n_hidden, parameter)`` of a run, in table order."""
    points = []
    for n_v in params["visible_sizes"]:
        for n_h in params["n_hidden"]:
            d_v, d_h = 2**n_v, 2**n_h
            points.append(("product", n_v, n_h, 1))
            points += [("schmidt", n_v, n_h, r) for r in range(2, min(d_v, d_h) + 1)]
            points += [("brickwork", n_v, n_h, d) for d in params["depths"]]
            points.append(("brickwork-linear", n_v, n_h, params["depth_per_qubit"] * (n_v + n_h)))
            points.append(("haar", n_v, n_h, 0))
    return points


def families(params: dict, *, recompute: bool = False) -> pd.DataFrame:
    """One row per family, parameter, size and instance: ``entropy_nats`` (S(rho_v), nats) and
    ``max_objective`` (the exact maximum over ||O|| <= 1, i.e. ||rho_v - I/D_v||_1)."""
    scale = params["scale"]
    params = chapter_params(CHAPTER, scale, **{k: v for k, v in params.items() if k not in ("chapter", "scale")})

    def compute() -> pd.DataFrame:
        frames = []
        for family, n_v, n_h, parameter in grid(params):
            df = map_instances(
                _chunk,
                params["instances"],
                seed=[params["seed"], FAMILIES.index(family), n_v, n_h, parameter],
                chunk_size=params["chunk_size"],
                family=family,
                n_visible=n_v,
                n_hidden=n_h,
                parameter=parameter,
                desc=f"{family}({parameter}), n_v={n_v}, n_h={n_h}",
            )
            frames.append(df.assign(family=family, parameter=parameter, n_visible=n_v, n_hidden=n_h))
        return pd.concat(frames, ignore_index=True)[COLUMNS]

    return store.cached(CHAPTER, scale, EXPERIMENT, params, compute, recompute=recompute)


# --------------------------------------------------------------------------- summaries


def with_bound(df: pd.DataFrame) -> pd.DataFrame:
    r"""Add ``bound`` (Proposition 1, :math:`\|O\|=1`) and ``ratio`` = measured / bound (NaN
    where the bound is 0, i.e. :math:`\rho_v = I/D_v` exactly)."""
    deficit = np.clip(df["n_visible"] * np.log(2.0) - df["entropy_nats"], 0.0, None)
    bound = np.sqrt(2.0 * deficit)
    ratio = np.where(bound > 1e-12, df["max_objective"] / np.where(bound > 1e-12, bound, 1.0), np.nan)
    return df.assign(bound=bound, ratio=ratio)


def equal_schmidt_curve(n_visible: int) -> pd.DataFrame:
    r"""Closed form for Schmidt rank :math:`r` with equal coefficients: :math:`\rho_v` has
    :math:`r` eigenvalues :math:`1/r`, so :math:`S = \ln r`, the bound is
    :math:`\sqrt{2\ln(D_v/r)}` and the maximum is :math:`\|\rho_v - I/D_v\|_1 = 2(1 - r/D_v)`."""
    d_v = 2**n_visible
    r = np.arange(1, d_v + 1)
    return pd.DataFrame({"rank": r, "bound": np.sqrt(2 * np.log(d_v / r)), "max_objective": 2 * (1 - r / d_v)})


def means(df: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard error of the entropy and the objective per family, parameter and size."""
    g = df.groupby(["family", "parameter", "n_visible", "n_hidden"], sort=False)
    out = g[["entropy_nats", "max_objective"]].agg(["mean", "sem"])
    out.columns = [f"{a}_{b}" for a, b in out.columns]
    return out.reset_index()


def volume_law_slopes(df: pd.DataFrame, family: str = "haar") -> pd.DataFrame:
    r"""Least-squares slope of :math:`\log_2` (mean objective) against :math:`n_h` per
    :math:`n_v` (a volume law predicts :math:`-1/2`), and the mean of
    objective :math:`\times\sqrt{D_h/D_v}` at the largest :math:`n_h`."""
    from ..figures.style import fit_line

    m = means(df[df["family"] == family])
    rows = []
    for n_v, part in m.groupby("n_visible"):
        part = part[part["n_hidden"] >= n_v]
        fit = fit_line(part["n_hidden"], np.log2(part["max_objective_mean"]))
        last = part.iloc[-1]
        rows.append({"n_visible": n_v, "slope": fit.slope, "slope_se": fit.slope_se,
                     "scaled_at_largest": last["max_objective_mean"] * np.sqrt(2.0 ** (last["n_hidden"] - n_v))})
    return pd.DataFrame(rows)


def saturation(df: pd.DataFrame) -> pd.DataFrame:
    r"""Fixed-depth brickworks: the mean objective at the first :math:`n_h \ge d` (from where the
    light cone makes the distribution of :math:`\rho_v` independent of :math:`n_h`) and at the
    largest :math:`n_h`, with the z-score of their difference (independent instances)."""
    m = means(df[df["family"] == "brickwork"])
    rows = []
    for (depth, n_v), part in m.groupby(["parameter", "n_visible"]):
        part = part[part["n_hidden"] >= depth].sort_values("n_hidden")
        if len(part) < 2:
            continue
        a, b = part.iloc[0], part.iloc[-1]
        se = np.hypot(a["max_objective_sem"], b["max_objective_sem"])
        rows.append({"depth": depth, "n_visible": n_v, "n_hidden_first": a["n_hidden"],
                     "n_hidden_last": b["n_hidden"], "objective_first": a["max_objective_mean"],
                     "objective_last": b["max_objective_mean"],
                     "z": (b["max_objective_mean"] - a["max_objective_mean"]) / se if se > 0 else 0.0})
    return pd.DataFrame(rows)
