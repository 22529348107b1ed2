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

from .. import analysis, store
from ..families import (
    cut_offset,
    max_visible_objective,
    pinsker_bound,
    product_states,
    random_brickwork_states,
    schmidt_states,
)
from ..haar import page_entropy
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

#: The volume law's slope of :math:`\log_2` of the objective range per hidden qubit,
#: :math:`\sqrt{D_v/D_h}`.
VOLUME_LAW_SLOPE = -0.5
#: Families whose :math:`\log_2` objective is fitted against :math:`n_h`, and the prefix of
#: their numbers in :func:`quoted`.
FITTED = {"haar": "slope", "brickwork-linear": "linear_slope"}
#: The tail fits start this many hidden qubits later (:math:`n_h \ge n_v + 2`, i.e.
#: :math:`D_h \ge 4 D_v`), where corrections of relative order :math:`D_v/D_h` are at most 1/4.
TAIL_SKIP = 2
#: Haar states, one visible qubit, :math:`D_h \to \infty`: the Bloch vector of :math:`\rho_v` has
#: three independent Gaussian components of variance :math:`1/(2 D_h)`, so
#: :math:`\E\|\rho_v - I/2\|_1 \sqrt{D_h/D_v} \to \sqrt{2/\pi}`.
HAAR_LIMIT_ONE_QUBIT = float(np.sqrt(2 / np.pi))
#: Haar states, :math:`D_h \gg D_v \gg 1`: the spectrum of :math:`\rho_v - I/D_v` is a
#: semicircle, whose mean absolute value over its root mean square is :math:`8/(3\pi)`: the limit
#: of the ratio measured/bound and of the objective times :math:`\sqrt{D_h/D_v}`.
SEMICIRCLE = float(8 / (3 * np.pi))


def with_bound(df: pd.DataFrame) -> pd.DataFrame:
    r"""Add ``bound`` (Proposition 1, :math:`\|O\|=1`) and ``ratio`` = measured / bound (NaN
    where the bound is 0, i.e. :math:`\rho_v = I/D_v` exactly)."""
    deficit = np.clip(df["n_visible"] * np.log(2.0) - df["entropy_nats"], 0.0, None)
    bound = np.sqrt(2.0 * deficit)
    ratio = np.where(bound > 1e-12, df["max_objective"] / np.where(bound > 1e-12, bound, 1.0), np.nan)
    return df.assign(bound=bound, ratio=ratio)


def _bounded(df: pd.DataFrame) -> pd.DataFrame:
    return df if "ratio" in df.columns else with_bound(df)


def equal_schmidt_curve(n_visible: int) -> pd.DataFrame:
    r"""Closed form for Schmidt rank :math:`r` with equal coefficients: :math:`\rho_v` has
    :math:`r` eigenvalues :math:`1/r`, so :math:`S = \ln r`, the bound is
    :math:`\sqrt{2\ln(D_v/r)}` and the maximum is :math:`\|\rho_v - I/D_v\|_1 = 2(1 - r/D_v)`."""
    d_v = 2**n_visible
    r = np.arange(1, d_v + 1)
    return pd.DataFrame({"rank": r, "bound": np.sqrt(2 * np.log(d_v / r)), "max_objective": 2 * (1 - r / d_v)})


def equal_schmidt_curves(visible_sizes) -> dict[int, pd.DataFrame]:
    """:func:`equal_schmidt_curve` for every visible size (the crosses of the first figure)."""
    return {int(n_v): equal_schmidt_curve(int(n_v)) for n_v in visible_sizes}


def product_ratio(n_visible) -> np.ndarray:
    r"""Measured over bound for a product state (pure :math:`\rho_v`, :math:`S = 0`):
    :math:`2(1 - 1/D_v)/\sqrt{2\ln D_v}`, the loosest Pinsker gets."""
    n_v = np.asarray(n_visible, dtype=float)
    return 2 * (1 - 2.0**-n_v) / np.sqrt(2 * n_v * np.log(2.0))


def means(df: pd.DataFrame) -> pd.DataFrame:
    r"""Mean and standard error of the mean (:math:`s/\sqrt n`, ``ddof = 1``) of the entropy and
    the objective per family, parameter and size: columns ``entropy_nats_mean``,
    ``entropy_nats_sem``, ``max_objective_mean``, ``max_objective_sem``."""
    g = df.groupby(["family", "parameter", "n_visible", "n_hidden"], sort=False)
    out = g[["entropy_nats", "max_objective"]].agg(["mean", "sem"])
    out.columns = [f"{a}_{b}" for a, b in out.columns]
    return out.reset_index()


def ratio_summary(df: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """Per visible size and family: how many states have a bound above zero (``count``), and
    the smallest, mean and largest ratio of measured to bound (the table under the chapter's
    first run)."""
    out = _bounded(df).groupby(["n_visible", "family"])["ratio"].agg(["count", "min", "mean", "max"])
    return out.round(digits)


def _fitted_part(df: pd.DataFrame, family: str, skip: int = 0) -> pd.DataFrame:
    """The instances of ``family`` with :math:`n_h \\ge n_v + \\text{skip}` (``skip = 0``:
    where :math:`D_h \\ge D_v`)."""
    if family not in FAMILIES:
        raise ValueError(f"family = {family!r} is not allowed; expected one of {', '.join(FAMILIES)}")
    if skip < 0:
        raise ValueError(f"skip = {skip!r} is not allowed; expected an integer >= 0")
    part = df[(df["family"] == family) & (df["n_hidden"] >= df["n_visible"] + skip)]
    if part.empty:
        raise ValueError(f"the table has no {family!r} rows with n_hidden >= n_visible + {skip}")
    return part


def volume_law_fits(df: pd.DataFrame, family: str = "haar", skip: int = 0) -> pd.DataFrame:
    r"""Per :math:`n_v`: the weighted fit of :math:`\log_2` of the mean objective against
    :math:`n_h \ge n_v + \text{skip}` (errors: the standard errors of the means, by the delta method;
    :func:`plateaus.analysis.log_fits`), its distance from the volume law's :math:`-1/2` in
    Student's t with the fit's dof (``t_half``, ``p_half``), and the mean objective times
    :math:`\sqrt{D_h/D_v}` at the largest :math:`n_h` (``scaled_at_largest``, with ``scaled_se``).

    Columns: ``n_visible``, ``fit`` and the columns of :func:`plateaus.analysis.fit_columns`,
    ``sizes``, ``t_half``, ``p_half``, ``scaled_at_largest``, ``scaled_se``.
    """
    part = _fitted_part(df, family, skip)
    part = part[part.groupby("n_visible")["n_hidden"].transform("nunique") >= 3]
    if part.empty:
        raise ValueError(f"fewer than three sizes n_hidden >= n_visible + {skip} for {family!r}")
    fits = analysis.log_fits(part, "n_visible", "max_objective", x="n_hidden", statistic="mean")
    stats = analysis.group_stats(part, ["n_visible", "n_hidden"], "max_objective")
    last = stats.loc[stats.groupby("n_visible")["n_hidden"].idxmax()].set_index("n_visible")
    factor = np.sqrt(2.0 ** (last["n_hidden"] - last.index.to_numpy()))
    distance = [analysis.slope_distance(f, VOLUME_LAW_SLOPE) for f in fits["fit"]]
    return fits.assign(
        t_half=[d["t"] for d in distance], p_half=[d["p_value"] for d in distance],
        scaled_at_largest=(last["mean"] * factor).reindex(fits["n_visible"]).to_numpy(),
        scaled_se=(last["se"] * factor).reindex(fits["n_visible"]).to_numpy(),
    ).reset_index(drop=True)


def volume_law_steps(df: pd.DataFrame, family: str, n_visible: int, *, seed: int) -> pd.DataFrame:
    r"""Per-step differences :math:`\log_2 \bar O(n_h + 1) - \log_2 \bar O(n_h)` of the mean
    objective of ``family`` at ``n_visible`` (for :math:`n_h \ge n_v`), with seeded bootstrap
    intervals over instances (:func:`plateaus.analysis.bootstrap_log_fit`): what a page quotes
    where the straight line is rejected. Columns ``x_from``, ``x_to``, ``step``, ``low``, ``high``."""
    part = _fitted_part(df, family)
    part = part[part["n_visible"] == n_visible]
    samples = {int(h): g["max_objective"].to_numpy() for h, g in part.groupby("n_hidden")}
    return analysis.bootstrap_log_fit(samples, statistic="mean", base=2, seed=seed).steps


def volume_law_table(df: pd.DataFrame, families=tuple(FITTED), skips=(0, TAIL_SKIP)) -> pd.DataFrame:
    r"""The fits of :func:`volume_law_fits` as the page shows them, for every family and every
    start in ``skips`` (:math:`n_h \ge n_v + \text{skip}`): family, :math:`D_v`, the
    sizes fitted, the slope of :math:`\log_2` of the mean objective per hidden qubit with its
    95 % interval, :math:`\chi^2/\mathrm{dof}`, the p-value of the line, and the t of the
    slope's distance from :math:`-1/2` with its dof."""
    rows = []
    for skip in skips:
        for family in families:
            for r in volume_law_fits(df, family, skip).itertuples():
                rows.append({"family": family, "D_v": 2**int(r.n_visible), "n_h": r.sizes,
                             "slope (log2), 95 %": r.fit.interval_text(3), "chi2/dof": f"{r.chi2_dof:.2f}",
                             "p (line)": f"{r.p_value:.2g}", "dof": int(r.dof),
                             "t from -1/2": f"{r.t_half:.1f}", "p (t)": f"{r.p_half:.2g}"})
    return pd.DataFrame(rows)


def saturation(df: pd.DataFrame) -> pd.DataFrame:
    r"""Fixed-depth brickworks: the mean objective at the first :math:`n_h \ge d` (from where the
    light cone makes the distribution of :math:`\rho_v` independent of :math:`n_h`) and at the
    largest :math:`n_h`, with the z-score of their difference (independent instances, standard
    errors of the means)."""
    part = df[df["family"] == "brickwork"]
    rows = []
    if part.empty:
        return pd.DataFrame(rows)
    stats = analysis.group_stats(part, ["parameter", "n_visible", "n_hidden"], "max_objective")
    for (depth, n_v), g in stats.groupby(["parameter", "n_visible"]):
        g = g[g["n_hidden"] >= depth].sort_values("n_hidden")
        if len(g) < 2:
            continue
        a, b = g.iloc[0], g.iloc[-1]
        rows.append({"depth": depth, "n_visible": n_v, "n_hidden_first": a["n_hidden"],
                     "n_hidden_last": b["n_hidden"], "objective_first": a["mean"],
                     "objective_last": b["mean"],
                     "z": float(analysis.z_scores(b["mean"] - a["mean"], np.hypot(a["se"], b["se"]), 0.0))})
    return pd.DataFrame(rows)


def page_check(df: pd.DataFrame) -> pd.DataFrame:
    r"""Haar states: the mean visible entropy per :math:`(n_v, n_h)` with its standard error,
    Page's exact mean :func:`plateaus.haar.page_entropy` and the z-score of their difference."""
    stats = analysis.group_stats(df[df["family"] == "haar"], ["n_visible", "n_hidden"], "entropy_nats")
    page = np.array([page_entropy(2**int(v), 2**int(h)) for v, h in zip(stats["n_visible"], stats["n_hidden"])])
    return stats[["n_visible", "n_hidden", "n", "mean", "se"]].assign(
        page=page, z=analysis.z_scores(stats["mean"], stats["se"], page))


def _steps_text(steps: pd.DataFrame) -> str:
    return ", ".join(f"{r.x_from:g}→{r.x_to:g}: {r.step:.3f} [{r.low:.3f}, {r.high:.3f}]" for r in steps.itertuples())


def line_verdict(df: pd.DataFrame, fits: dict[str, pd.DataFrame], *, seed: int) -> str:
    """One sentence on the straight lines of ``fits`` (family -> :func:`volume_law_fits`): that
    none is rejected, or which are, with their per-step differences and bootstrap intervals."""
    rejected = [(family, r) for family, table in fits.items() for r in table.itertuples() if r.rejected]
    if not rejected:
        p_min = min(float(t["p_value"].min()) for t in fits.values())
        return (f"no straight line is rejected by its data (smallest p = {p_min:.2g}, "
                f"rejected below {analysis.REJECT_ALPHA:g})")
    parts = []
    for family, r in rejected:
        steps = volume_law_steps(df, family, int(r.n_visible), seed=seed)
        parts.append(f"{family} at D_v = {2**int(r.n_visible)} (χ²/dof = {r.chi2_dof:.2g}, p = {r.p_value:.2g}; "
                     f"per-step differences of log2 of the mean, 95 % bootstrap intervals: {_steps_text(steps)})")
    return "the straight line is rejected for " + "; ".join(parts) + ", where the slope summarises a curve"


def state_name(family: str, parameter: int) -> str:
    """A state of ``family`` with its ``parameter`` in words: "a Schmidt state of rank 3"."""
    if family == "schmidt":
        return f"a Schmidt state of rank {parameter}"
    if family in ("brickwork", "brickwork-linear"):
        return f"a brickwork state of depth {parameter}"
    if family not in FAMILIES:
        raise ValueError(f"family = {family!r} is not allowed; expected one of {', '.join(FAMILIES)}")
    return {"product": "a product state", "haar": "a Haar state"}[family]


def area_deficit(df: pd.DataFrame, n_visible: int, n_hidden: int, depth: int) -> dict:
    r"""Proposition 1 in one unit, for the fixed-depth brickwork states of ``depth`` at
    ``n_visible``, ``n_hidden``: the deficit :math:`\ln D_v - S(\rho_v)` in nats, its mean
    ``deficit`` with a 95 % t interval (``deficit_low``, ``deficit_high``), the same mean in
    bits (``deficit_bits``, :math:`\log_2 D_v - S/\ln 2`), its smallest value over the states
    (``deficit_min``) and the bound :math:`\sqrt{2\,\overline{\ln D_v - S}}` (``deficit_bound``).

    At depth 1 a single two-qubit gate crosses the cut, so the Schmidt rank across it is at
    most 2: :math:`S(\rho_v) \le \ln 2`, one boundary qubit (:math:`n_v^{(1)} = 1`), and
    ``deficit_floor`` :math:`= (n_v - n_v^{(1)})\ln 2` is a lower bound on every deficit (NaN
    at other depths, where the book does not state one)."""
    sub = df[(df["family"] == "brickwork") & (df["parameter"] == depth) & (df["n_visible"] == n_visible)
             & (df["n_hidden"] == n_hidden)]
    if len(sub) < 2:
        raise ValueError(f"need >= 2 brickwork states of depth {depth} at n_v = {n_visible}, n_h = {n_hidden}; "
                         f"got {len(sub)}")
    deficit = n_visible * np.log(2.0) - sub["entropy_nats"].to_numpy(float)
    mean = float(deficit.mean())
    half = analysis.t_quantile(deficit.size - 1) * float(analysis.mean_se(deficit))
    return {"deficit_depth": int(depth), "deficit": mean, "deficit_low": mean - half, "deficit_high": mean + half,
            "deficit_bits": mean / np.log(2.0), "deficit_min": float(deficit.min()),
            "deficit_bound": float(np.sqrt(2.0 * mean)),
            "deficit_floor": float((n_visible - 1) * np.log(2.0)) if depth == 1 else float("nan")}


def quoted(params: dict, df: pd.DataFrame) -> dict:
    r"""Every number the chapter quotes, from its parameters and the ``families`` table (with or
    without :func:`with_bound`). Keys are the glue names without the prefix ``av-``; the numbers
    per visible size end in ``_<n_v>``. ``visible_sizes`` (a tuple) is for :func:`results_rows`."""
    df = _bounded(df)
    sizes = tuple(int(v) for v in params["visible_sizes"])
    largest, n_v = max(params["n_hidden"]), max(sizes)
    depth_min, depth_max = min(params["depths"]), max(params["depths"])
    q: dict = {"scale": params["scale"], "instances": params["instances"], "visible_sizes": sizes,
               "nh_min": min(params["n_hidden"]), "nh_max": largest, "states": len(df),
               "points": df.groupby(["family", "parameter", "n_visible", "n_hidden"]).ngroups}

    # every state under the bound
    q["violations"] = int((df["max_objective"] > df["bound"] * (1 + 1e-9) + 1e-12).sum())
    top = df.loc[df["ratio"].idxmax()]
    q.update(max_ratio=float(top["ratio"]), max_ratio_gap=float(1 - top["ratio"]),
             max_ratio_nv=int(top["n_visible"]), max_ratio_nh=int(top["n_hidden"]),
             max_ratio_family=str(top["family"]))
    by_size = df.groupby("n_visible")["ratio"].max()
    lowest = df.loc[df.groupby("n_visible")["ratio"].idxmin()].set_index("n_visible")
    haar_top = df[(df["family"] == "haar") & (df["n_hidden"] == largest)].groupby("n_visible")["ratio"].mean()
    for v in sizes:
        q[f"max_ratio_{v}"] = float(by_size[v])
        q[f"min_ratio_{v}"] = float(lowest.loc[v, "ratio"])
        q[f"min_ratio_family_{v}"] = str(lowest.loc[v, "family"])
        q[f"min_ratio_state_{v}"] = state_name(str(lowest.loc[v, "family"]), int(lowest.loc[v, "parameter"]))
        q[f"haar_ratio_{v}"] = float(haar_top[v])
        q[f"product_ratio_{v}"] = float(product_ratio(v))
    q["min_ratio"] = float(df["ratio"].min())
    q["semicircle"] = SEMICIRCLE

    # area law against volume law, at the largest visible size and hidden register
    m = means(df)
    at = m[(m["n_visible"] == n_v) & (m["n_hidden"] == largest)].set_index(["family", "parameter"])
    haar_last = float(at.xs("haar", level="family")["max_objective_mean"].iloc[0])
    sat = saturation(df)
    q.update(nv=n_v, depth_min=depth_min, depth_max=depth_max, haar_last=haar_last,
             haar_last_se=float(at.xs("haar", level="family")["max_objective_sem"].iloc[0]),
             brick_min=float(at.loc[("brickwork", depth_min), "max_objective_mean"]),
             brick_min_se=float(at.loc[("brickwork", depth_min), "max_objective_sem"]),
             brick_max=float(at.loc[("brickwork", depth_max), "max_objective_mean"]),
             schmidt_last=float(at.loc[("schmidt", 2**n_v), "max_objective_mean"]),
             sqrt_ratio=float(np.sqrt(2.0 ** (n_v - largest))),
             sat_rows=len(sat), sat_max_z=float(sat["z"].abs().max()) if len(sat) else float("nan"))
    q["area_over_volume"] = q["brick_min"] / haar_last
    q.update(area_deficit(df, n_v, largest, depth_min))

    # the volume-law slopes, with intervals and fit quality: from n_h >= n_v, and the tail
    # fits from n_h >= n_v + TAIL_SKIP (NaN where a visible size has fewer than three such n_h)
    fits = {family: volume_law_fits(df, family) for family in FITTED}
    q["tail_skip"] = TAIL_SKIP
    tails = {}
    for family, prefix in FITTED.items():
        try:
            tails[family] = volume_law_fits(df, family, TAIL_SKIP)
        except ValueError:
            tails[family] = fits[family].iloc[0:0]
        for name, table in ((prefix, fits[family]), (prefix.replace("slope", "tail_slope"), tails[family])):
            for v in sizes:
                q.update({f"{name}_{k}_{v}": float("nan") for k in
                          ("low", "high", "se", "chi2_dof", "p_line", "t_half", "p_half")})
                q.update({f"{name}_{v}": float("nan"), f"{name}_dof_{v}": 0, f"{name}_text_{v}": "not fitted"})
            for r in table.itertuples():
                v = int(r.n_visible)
                q.update({f"{name}_{v}": r.slope_log2, f"{name}_low_{v}": r.low_log2,
                          f"{name}_high_{v}": r.high_log2, f"{name}_se_{v}": r.se_log2,
                          f"{name}_chi2_dof_{v}": r.chi2_dof, f"{name}_p_line_{v}": r.p_value,
                          f"{name}_dof_{v}": int(r.dof), f"{name}_text_{v}": r.fit.text(3),
                          f"{name}_t_half_{v}": r.t_half, f"{name}_p_half_{v}": r.p_half})
    haar = fits["haar"]
    for r in haar.itertuples():
        q[f"scaled_{int(r.n_visible)}"] = float(r.scaled_at_largest)
        q[f"scaled_se_{int(r.n_visible)}"] = float(r.scaled_se)
    q["haar_limit_1"] = HAAR_LIMIT_ONE_QUBIT
    q["scaled_z_1"] = (float(analysis.z_scores(q["scaled_1"], q["scaled_se_1"], HAAR_LIMIT_ONE_QUBIT))
                       if "scaled_1" in q else float("nan"))
    far = haar.loc[haar["t_half"].abs().idxmax()]
    inside = lambda t: int(((t["low_log2"] <= VOLUME_LAW_SLOPE) & (VOLUME_LAW_SLOPE <= t["high_log2"])).sum())
    linear = fits["brickwork-linear"]
    q.update(slope_t_max=float(abs(far["t_half"])), slope_t_p=float(far["p_half"]),
             slope_t_dof=int(far["dof"]), slope_t_nv=int(far["n_visible"]),
             slope_excess_max=float((haar["slope_log2"] - VOLUME_LAW_SLOPE).max()),
             half_inside=inside(haar), haar_fits=len(haar),
             tail_half_inside=inside(tails["haar"]), tail_fits=len(tails["haar"]),
             linear_t_min=float(linear["t_half"].abs().min()),
             linear_tail_min=float(tails["brickwork-linear"]["slope_log2"].min()) if len(tails["brickwork-linear"]) else float("nan"),
             linear_tail_max=float(tails["brickwork-linear"]["slope_log2"].max()) if len(tails["brickwork-linear"]) else float("nan"),
             chi2_dof_min=float(min(t["chi2_dof"].min() for t in fits.values())),
             chi2_dof_max=float(max(t["chi2_dof"].max() for t in fits.values())),
             lines_rejected=int(sum(int(t["rejected"].sum()) for t in fits.values())),
             lines_fitted=int(sum(len(t) for t in fits.values())),
             lines_verdict=line_verdict(df, fits, seed=params["seed"]))

    # checks against exact results
    product = df[df["family"] == "product"]
    page = page_check(df)
    q.update(product_entropy=float(product["entropy_nats"].abs().max()),
             product_range_error=float((product["max_objective"] - 2 * (1 - 2.0 ** -product["n_visible"])).abs().max()),
             page_z=float(page["z"].abs().max()), page_points=len(page))
    return q


def _ratio_text(r: float) -> str:
    return f"{r:.4f}" if r < 0.9999 else f"1 - {1 - r:.1e}"


def _half_text(numbers: dict, prefix: str, sizes) -> str:
    """Which intervals of ``prefix`` (``slope`` or ``tail_slope``) contain -1/2, in words."""
    out = []
    for v in sizes:
        low, high = numbers[f"{prefix}_low_{v}"], numbers[f"{prefix}_high_{v}"]
        if not (np.isfinite(low) and np.isfinite(high)):
            continue
        if not low <= VOLUME_LAW_SLOPE <= high:
            out.append(f"D_v = {2**v} excludes -1/2 (t = {abs(numbers[f'{prefix}_t_half_{v}']):.1f} "
                       f"with {numbers[f'{prefix}_dof_{v}']} dof, p = {numbers[f'{prefix}_p_half_{v}']:.2g})")
    return "; ".join(out) if out else "every interval contains -1/2"


def results_rows(numbers: dict) -> list[dict]:
    """The chapter's rows of the book's results table, from :func:`quoted`."""
    sizes = numbers["visible_sizes"]
    dims = ", ".join(str(2**v) for v in sizes)
    book = dict(result="Proposition 1", figure="(book)")
    tail = [v for v in sizes if numbers[f"tail_slope_dof_{v}"] > 0]
    rows = [
        dict(book, quantity="sampled states above the bound sqrt(2(ln D_v - S(rho_v)))",
             paper="not simulated", ours=f"{numbers['violations']} of {numbers['states']}"),
        dict(book, quantity=f"largest ratio of exact max objective to the bound, D_v = {dims}",
             paper="not simulated", ours=", ".join(_ratio_text(numbers[f"max_ratio_{v}"]) for v in sizes)),
        dict(book, quantity="slope of log2 mean max objective per hidden qubit (n_h >= n_v, weighted by "
             f"the SE of the means), Haar states, D_v = {dims}", paper="-1/2 (from O(sqrt(D_v/D_h)))",
             ours="; ".join(f"D_v = {2**v}: {numbers[f'slope_text_{v}']}" for v in sizes)
             + f"; {_half_text(numbers, 'slope', sizes)}"),
    ]
    if tail:
        rows.append(dict(book, quantity=f"same, from n_h >= n_v + {numbers['tail_skip']} (D_h >= "
                         f"{2**numbers['tail_skip']} D_v), Haar states, D_v = {', '.join(str(2**v) for v in tail)}",
                         paper="-1/2 (from O(sqrt(D_v/D_h)))",
                         ours="; ".join(f"D_v = {2**v}: {numbers[f'tail_slope_text_{v}']}" for v in tail)
                         + f"; {_half_text(numbers, 'tail_slope', tail)}"))
    rows += [
        dict(book, quantity="slope of log2 mean max objective per hidden qubit (n_h >= n_v, weighted by "
             f"the SE of the means), brickwork of depth 2n, D_v = {dims}", paper="not simulated",
             ours="; ".join(f"D_v = {2**v}: {numbers[f'linear_slope_text_{v}']}" for v in sizes)),
        dict(book, quantity=(f"deficit ln D_v - S(rho_v) in nats, brickwork of depth {numbers['deficit_depth']} "
                             f"(area law), D_v = {2**numbers['nv']}, n_h = {numbers['nh_max']}"),
             paper="O(||O|| sqrt(log D_v - n_v^(1))) as printed: one unit only if both terms are in bits; "
                   "in nats (ln D_v - n_v^(1) ln 2)",
             ours=(f"mean {numbers['deficit']:.3f} [{numbers['deficit_low']:.3f}, {numbers['deficit_high']:.3f}] nats "
                   f"(95 %, t) = {numbers['deficit_bits']:.3f} bits; smallest {numbers['deficit_min']:.3f} nats"
                   + (f" ≥ (n_v - n_v^(1)) ln 2 = {numbers['deficit_floor']:.3f} (n_v^(1) = 1)"
                      if np.isfinite(numbers["deficit_floor"]) else "")
                   + f"; bound at the mean deficit, sqrt(2 × mean) = {numbers['deficit_bound']:.3f}")),
        dict(book, quantity=f"mean max objective at D_v = {2**numbers['nv']}, n_h = {numbers['nh_max']}: "
             f"brickwork depth {numbers['depth_min']} (area law) vs Haar (volume law), ± SE",
             paper="O(1) vs O(sqrt(D_v/D_h))",
             ours=f"{numbers['brick_min']:.3f} ± {numbers['brick_min_se']:.3f} vs "
                  f"{numbers['haar_last']:.4f} ± {numbers['haar_last_se']:.4f}"),
    ]
    return rows
