r"""Chapter *Models*: the visible states of every model and their entanglement entropy.

:func:`visible_entropy` computes the table (one row per model, hidden size and instance);
:func:`entropy_stats`, :func:`entropy_table`, :func:`deficit_fits` and :func:`deficit_steps`
are the analysis the page shows, against Page's exact law (:func:`plateaus.haar.page_curve`);
:func:`quoted` returns every number the page quotes and :func:`results_rows` its rows of the
book's results table.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import analysis, store
from ..haar import page_curve, page_entropy
from ..measures import entropy, purity, trace_distance
from ..parallel import map_instances
from ..params import chapter_params
from ..terms import two_local_terms
from .ensembles import MODELS, visible_states

EXPERIMENT = "visible-entropy"


def _chunk(seeds, *, model, n_visible, n_hidden):
    rho = visible_states(model, n_visible, n_hidden, seeds)
    d_v = rho.shape[-1]
    return pd.DataFrame(
        {
            "entropy_nats": entropy(rho),
            "purity": purity(rho),
            "trace_distance": trace_distance(rho, np.eye(d_v) / d_v),
        }
    )


def visible_entropy(params: dict, *, recompute: bool = False) -> pd.DataFrame:
    """One row per model, hidden size and instance: S(rho_v) in nats, purity, T(rho_v, I/D_v)."""
    params = chapter_params("models", params["scale"], **{k: v for k, v in params.items() if k not in ("chapter", "scale")})

    def compute() -> pd.DataFrame:
        frames = []
        for m_index, model in enumerate(MODELS):
            for n_hidden in params["n_hidden"]:
                df = map_instances(
                    _chunk,
                    params["instances"],
                    seed=[params["seed"], m_index, n_hidden],
                    model=model,
                    n_visible=params["n_visible"],
                    n_hidden=n_hidden,
                    desc=f"{model}, n_h={n_hidden}",
                )
                frames.append(df.assign(model=model, n_visible=params["n_visible"], n_hidden=n_hidden))
        cols = ["model", "n_visible", "n_hidden", "instance", "entropy_nats", "purity", "trace_distance"]
        return pd.concat(frames, ignore_index=True)[cols]

    return store.cached("models", params["scale"], EXPERIMENT, params, compute, recompute=recompute)


#: The models in the order of the chapter's text.
MODEL_ORDER = ("haar", "gue", "unitary-random-order", "unitary", "boltzmann")
#: The ensembles that behave like Haar-random states.
HAAR_LIKE = ("haar", "gue", "unitary-random-order")
#: A model's mean entropy counts as Page's when within this many standard errors of it at every size.
HAAR_Z = 3.0
#: Labels of the models in the results table.
RESULT_LABELS = {"haar": "Haar states", "gue": "GUE, t = 10", "unitary-random-order": "unitary model, random order",
                 "unitary": "unitary model, Eq. (11) order", "boltzmann": "Boltzmann machine"}


def _models(df: pd.DataFrame) -> list[str]:
    present = list(dict.fromkeys(df["model"]))
    return [m for m in MODEL_ORDER if m in present] + [m for m in present if m not in MODEL_ORDER]


def term_counts(sizes) -> pd.DataFrame:
    r"""The number of terms of Eq. (11) that :func:`plateaus.terms.two_local_terms` lists, beside
    the formula :math:`3n + 9n(n-1)/2`, for each number of qubits in ``sizes``; ``agree`` says
    whether they are equal."""
    sizes = [int(n) for n in sizes]
    listed = [len(two_local_terms(n)) for n in sizes]
    formula = [3 * n + 9 * n * (n - 1) // 2 for n in sizes]
    return pd.DataFrame({"qubits n": sizes, "terms in Eq. (11)": listed, "3n + 9n(n-1)/2": formula,
                         "agree": [a == b for a, b in zip(listed, formula)]})


def with_deficit(df: pd.DataFrame) -> pd.DataFrame:
    r"""The ``visible-entropy`` table with a column ``deficit``, :math:`\ln D_v - S(\rho_v)` (nats)."""
    return df.assign(deficit=df["n_visible"].to_numpy() * np.log(2.0) - df["entropy_nats"])


def page_deficits(n_visible: int, n_hidden) -> pd.DataFrame:
    r"""Page's exact Haar mean entropy (:func:`plateaus.haar.page_curve`) for ``n_visible``
    visible qubits and each hidden size, with its deficit :math:`\ln D_v - \mathbb E\,S`:
    columns ``n_hidden``, ``entropy``, ``deficit``."""
    page = page_curve(n_visible, n_hidden)
    return page.assign(deficit=n_visible * np.log(2.0) - page["entropy"])


def entropy_stats(df: pd.DataFrame) -> pd.DataFrame:
    r"""One row per model and hidden size: ``n``, ``mean`` and ``se`` of :math:`S(\rho_v)`
    (nats), Page's exact value ``page``, ``z`` (the distance of the mean from it in standard
    errors, :func:`plateaus.analysis.z_scores`), and the mean deficit ``deficit`` with its
    standard error ``deficit_se``."""
    stats = analysis.group_stats(df, ["model", "n_visible", "n_hidden"], "entropy_nats")
    n_v = stats["n_visible"].to_numpy()
    stats["page"] = [page_entropy(2**int(v), 2**int(h)) for v, h in zip(n_v, stats["n_hidden"])]
    stats["z"] = analysis.z_scores(stats["mean"], stats["se"], stats["page"])
    stats["deficit"] = n_v * np.log(2.0) - stats["mean"]
    stats["deficit_se"] = stats["se"]
    order = {m: i for i, m in enumerate(_models(df))}
    stats = stats.sort_values(["model", "n_hidden"], key=lambda c: c.map(order) if c.name == "model" else c)
    return stats[["model", "n_visible", "n_hidden", "n", "mean", "se", "page", "z", "deficit",
                  "deficit_se"]].reset_index(drop=True)


def entropy_table(df: pd.DataFrame) -> pd.DataFrame:
    r"""The table the page shows: mean :math:`S(\rho_v)` and its standard error, one row per
    hidden size and statistic (``mean``, ``sem``), one column per model, and Page's value."""
    stats = entropy_stats(df)
    wide = stats.pivot(index="n_hidden", columns="model", values=["mean", "se"])
    wide = wide.rename(columns={"se": "sem"}, level=0).stack(level=0, future_stack=True)
    wide = wide[[m for m in _models(df)]]
    page = stats.drop_duplicates("n_hidden").set_index("n_hidden")["page"]
    wide["Page (exact)"] = [page[h] if stat == "mean" else np.nan for h, stat in wide.index]
    return wide.rename_axis(index=["n_hidden", ""], columns="S(ρ_v), nats")


def deficit_fits(df: pd.DataFrame) -> pd.DataFrame:
    r"""Per model: the weighted fit of :math:`\log_2` of the mean entropy deficit against the
    hidden qubits (:func:`plateaus.analysis.log_fits`), each mean weighted by its standard
    error (delta method), with the slope's 95 % t interval (:math:`n - 2` degrees of freedom)
    and :math:`\chi^2/\mathrm{dof}`. A volume law, deficit :math:`\propto D_v/D_h`, has slope
    :math:`-1`. Indexed by model (:data:`MODEL_ORDER`)."""
    fits = analysis.log_fits(with_deficit(df), "model", "deficit", x="n_hidden").set_index("model")
    return fits.loc[_models(df)]


def page_fit(n_visible: int, n_hidden) -> analysis.LineFit:
    r"""The slope of :math:`\log_2` of Page's exact deficit against the hidden qubits: an
    unweighted fit, since the exact values carry no noise."""
    page = page_deficits(n_visible, n_hidden)
    return analysis.log_fit(page["n_hidden"], page["deficit"], base=2)


def deficit_steps(df: pd.DataFrame, model: str, seed: int) -> pd.DataFrame:
    r"""Per-step differences :math:`\log_2 \bar\Delta(n_h + 1) - \log_2 \bar\Delta(n_h)` of one
    model's mean deficit with 95 % intervals from a seeded bootstrap over instances
    (:func:`plateaus.analysis.bootstrap_log_fit`): columns ``n_hidden_from``, ``n_hidden_to``,
    ``step``, ``low``, ``high``."""
    sub = with_deficit(df[df.model == model])
    if sub.empty:
        raise ValueError(f"model = {model!r} has no rows; models: {sorted(df['model'].unique())}")
    samples = {int(h): g.to_numpy(dtype=float) for h, g in sub.groupby("n_hidden")["deficit"]}
    steps = analysis.bootstrap_log_fit(samples, seed=seed).steps
    return pd.DataFrame({"n_hidden_from": steps["x_from"].astype(int), "n_hidden_to": steps["x_to"].astype(int),
                         "step": steps["step"], "low": steps["low"], "high": steps["high"]})


def quoted(params: dict, df: pd.DataFrame) -> dict:
    r"""Every number the chapter quotes, from its parameters and its table (keys are the glue
    names without the chapter's prefix).

    ``scale``, ``instances``, ``largest_nh``; per model ``m``: ``z_max_m`` (largest
    :math:`|z|` of the mean entropy from Page's), ``deficit_m`` (mean deficit at the largest
    size), ``slope_m``, ``slope_low_m``, ``slope_high_m``, ``chi2_dof_m``, ``p_line_m``,
    ``dof_m``, ``fit_text_m`` (:func:`deficit_fits`), ``line_m`` (``"rejected"`` or ``"not
    rejected"``) and the first and last per-step differences (:func:`deficit_steps`, seeded
    with ``params["seed"]``) under ``m_first_step*``, ``m_last_step*``, and ``m_slows`` (in words:
    whether the intervals of the first and last steps are disjoint with the last one above, a decay
    that slows down); ``deficit_page`` and ``slope_page`` (exact); ``page_in_intervals`` of the
    ``haar_like_models`` Haar-like intervals that hold Page's slope; ``haar_like_passed`` of
    them whose mean entropies are within ``haar_z`` (:data:`HAAR_Z`) standard errors of Page's at
    every size *and* whose interval holds Page's slope; ``unitary_entropy_min``,
    ``unitary_entropy_max``.
    """
    params = chapter_params("models", params["scale"], **{k: v for k, v in params.items() if k not in ("chapter", "scale")})
    stats = entropy_stats(df)
    fits = deficit_fits(df)
    largest = max(params["n_hidden"])
    n_v = params["n_visible"]
    out: dict = {"scale": params["scale"], "instances": params["instances"], "largest_nh": largest}
    for model in fits.index:
        group = stats[stats.model == model]
        fit = fits.loc[model, "fit"]
        out.update({f"z_max_{model}": float(group["z"].abs().max()),
                    f"deficit_{model}": float(group.loc[group.n_hidden == largest, "deficit"].iloc[0]),
                    f"slope_{model}": fit.slope, f"slope_low_{model}": fit.slope_low,
                    f"slope_high_{model}": fit.slope_high, f"chi2_dof_{model}": fit.chi2_dof,
                    f"p_line_{model}": fit.p_value, f"dof_{model}": fit.dof, f"fit_text_{model}": fit.text(),
                    f"line_{model}": "rejected" if fit.rejected() else "not rejected"})
        steps = deficit_steps(df, model, params["seed"])  # every model's, so the keys exist at every scale
        for which, row in (("first", steps.iloc[0]), ("last", steps.iloc[-1])):
            out.update({f"{model}_{which}_step_from": int(row.n_hidden_from),
                        f"{model}_{which}_step_to": int(row.n_hidden_to),
                        f"{model}_{which}_step": float(row.step), f"{model}_{which}_step_low": float(row.low),
                        f"{model}_{which}_step_high": float(row.high),
                        f"{model}_{which}_step_text": f"{row.step:.2f} [{row.low:.2f}, {row.high:.2f}]"})
        first, last = steps.iloc[0], steps.iloc[-1]
        out[f"{model}_slows"] = ("are disjoint: a decay that slows down, unlike the constant halving of a volume law" if last.low > first.high else
                                 "overlap: these sizes do not show whether the decay slows down")
    page = page_deficits(n_v, params["n_hidden"])
    out["deficit_page"] = float(page.loc[page.n_hidden == largest, "deficit"].iloc[0])
    out["slope_page"] = page_fit(n_v, params["n_hidden"]).slope
    close = [m for m in HAAR_LIKE if m in fits.index]
    out["haar_like_models"] = len(close)
    holds = {m: bool(fits.loc[m, "low_log2"] <= out["slope_page"] <= fits.loc[m, "high_log2"]) for m in close}
    out["page_in_intervals"] = int(sum(holds.values()))
    out["haar_like_passed"] = int(sum(holds[m] and out[f"z_max_{m}"] <= HAAR_Z for m in close))
    out["haar_z"] = HAAR_Z
    fixed = stats.loc[stats.model == "unitary", "mean"]
    out.update(unitary_entropy_min=float(fixed.min()), unitary_entropy_max=float(fixed.max()))
    return out


def results_rows(numbers: dict) -> list[dict]:
    """The chapter's rows of the book's results table, from :func:`quoted`: the slope of
    log2 of the mean entropy deficit per hidden qubit for every model (interval and fit quality;
    where the line is rejected, its first and last per-step differences), beside Page's exact
    slope."""
    rows = []
    for model, label in RESULT_LABELS.items():
        if f"fit_text_{model}" not in numbers:
            continue
        ours = numbers[f"fit_text_{model}"]
        if numbers.get(f"line_{model}") == "rejected":
            ours += (f"; per-step differences n_h {numbers[f'{model}_first_step_from']}→"
                     f"{numbers[f'{model}_first_step_to']}: {numbers[f'{model}_first_step_text']}, "
                     f"{numbers[f'{model}_last_step_from']}→{numbers[f'{model}_last_step_to']}: "
                     f"{numbers[f'{model}_last_step_text']}")
        rows.append(dict(result="Volume law (Page's formula)", figure="(book)",
                         quantity=f"slope of log2 mean entropy deficit ln D_v - S(ρ_v) per hidden qubit, {label}",
                         paper=f"not simulated (Haar, exact: {numbers['slope_page']:.3f}; volume law -1)",
                         ours=ours))
    return rows
