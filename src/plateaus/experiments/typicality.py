r"""Chapter *Typicality*: Proposition 2 and Figs. 3(a), 4(a)-(c) of the paper.

Experiments (each a tidy table in the store):

``trace-distance``
    one row per model, hidden size and instance: :math:`T(\rho_v, I/D_v)`, the purity and
    the entropy (nats) of the visible state; for the Boltzmann machine also the operator norm
    of the sampled Hamiltonian and the first-order (high-temperature) prediction of :math:`T`.
``angle-scan``
    the unitary model in both gate orders at one size, :math:`\theta \sim U[0, \theta_{max})`
    for several :math:`\theta_{max}`: how small the angles must be before the model stops
    looking Haar random.
``trace-distance-added``
    the columns of ``trace-distance`` for the readings added after it was computed (issue 16):
    the models of ``added_models`` (the reversed Eq. (11) order, as Theorem 3 writes the
    product) at ``n_hidden``, and the Boltzmann machine at ``boltzmann_n_hidden_added`` (up
    to the paper's registers), drawn from the same seeds a longer run of the first table
    would have used. :func:`all_trace_distances` is the union of the two tables.

:func:`summary` turns the first table into one row per model and size (mean, standard error,
standard deviation, histogram peak, the exact Haar values and the paper's bound), and
:func:`prefix_check` verifies the gate-order argument of the chapter. :func:`mean_fits`,
:func:`model_table`, :func:`scan_summary`, :func:`boltzmann_steps` and
:func:`boltzmann_first_order_stats` are the analysis the page shows, every fit from
:mod:`plateaus.analysis`; :func:`quoted` returns every number the page quotes and
:func:`results_rows` its rows of the book's results table.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .. import analysis, haar, store
from ..measures import entropy, purity, trace_distance
from ..models import UnitaryQNN, sample_couplings
from ..parallel import map_instances
from ..params import chapter_params, without
from ..terms import hamiltonian_matrix, term_classes, two_local_terms
from .ensembles import boltzmann_visible_states, draw, visible_states

CHAPTER = "typicality"
EXPERIMENT = "trace-distance"
SCAN = "angle-scan"
ADDED = "trace-distance-added"
#: Second entry of every seed list, so this chapter's draws differ from other chapters'.
_STREAM = 2
#: Third entry of every seed list: the model's index as the committed tables were drawn
#: (``ensembles.MODELS`` before the reversed order was inserted into it), fixed here so that a
#: re-run reproduces them whatever order ``MODELS`` lists its ensembles in.
SEED_INDEX = {"haar": 0, "gue": 1, "unitary": 2, "unitary-random-order": 3, "boltzmann": 4,
              "unitary-reversed-order": 5}
#: Parameters added after ``trace-distance`` and ``angle-scan`` were computed: not part of
#: those tables' cache keys (they do not use them), so the committed tables stay valid.
ADDED_KEYS = ("added_models", "boltzmann_n_hidden_added")


def _measures(rho: np.ndarray) -> dict:
    d_v = rho.shape[-1]
    return {
        "trace_distance": trace_distance(rho, np.eye(d_v) / d_v),
        "purity": purity(rho),
        "entropy_nats": entropy(rho),
    }


def visible_only(n_visible: int, n_hidden: int) -> np.ndarray:
    """Mask of the Eq. (11) terms that act on visible qubits only (identity on every hidden one)."""
    return term_classes(two_local_terms(n_visible + n_hidden), n_visible) == "visible"


def _chunk(seeds, *, model, n_visible, n_hidden, t, theta_low, theta_high, onsite_var, offsite_var):
    if model != "boltzmann":
        rho = visible_states(model, n_visible, n_hidden, seeds, t=t, theta_low=theta_low,
                             theta_high=theta_high, gue_method="tridiagonal")
        return pd.DataFrame(_measures(rho)).assign(h_norm=np.nan, first_order=np.nan)
    # The draws of ensembles.visible_states("boltzmann"); one eigh also gives the norm.
    raw = draw(seeds, lambda rng: sample_couplings(n_visible + n_hidden, 1, rng, onsite_var, offsite_var)[0])
    rho, norm = boltzmann_visible_states(n_visible, n_hidden, raw)
    # To first order in H (unit norm), rho ~ (I - H)/D, so rho_v ~ I/D_v - Tr_h(H)/D and
    # T ~ 0.5 || sum_{k visible-only} J_k P_k^(v) ||_1 / D_v with J = raw / norm.
    mask = visible_only(n_visible, n_hidden)
    labels = tuple(label[:n_visible] for label, hit in zip(two_local_terms(n_visible + n_hidden), mask) if hit)
    h_v = hamiltonian_matrix(raw[:, mask] / norm[:, None], labels)
    first = 0.5 * np.abs(np.linalg.eigvalsh(h_v)).sum(axis=-1) / 2**n_visible
    return pd.DataFrame(_measures(rho)).assign(h_norm=norm, first_order=first)


def _sizes(params: dict, model: str) -> list[int]:
    return params["boltzmann_n_hidden"] if model == "boltzmann" else params["n_hidden"]


def store_params(experiment: str, params: dict) -> dict:
    """The parameters that key ``experiment``'s table in the store: ``params`` without
    :data:`ADDED_KEYS` for the tables computed before those existed (``trace-distance``,
    ``angle-scan``), all of them for ``trace-distance-added``."""
    return without(params, ADDED_KEYS) if experiment in (EXPERIMENT, SCAN) else dict(params)


def _model_rows(params: dict, model: str, sizes, n_jobs) -> list[pd.DataFrame]:
    frames = []
    for n_hidden in sizes:
        df = map_instances(
            _chunk, params["instances"],
            seed=[params["seed"], _STREAM, SEED_INDEX[model], n_hidden],
            chunk_size=params["chunk_size"], n_jobs=n_jobs, desc=f"{model}, n_h={n_hidden}",
            model=model, n_visible=params["n_visible"], n_hidden=n_hidden, t=params["t"],
            theta_low=params["theta_low"], theta_high=params["theta_high"],
            onsite_var=params["onsite_var"], offsite_var=params["offsite_var"],
        )
        frames.append(df.assign(model=model, n_visible=params["n_visible"], n_hidden=n_hidden,
                                registers=params["n_visible"] + n_hidden))
    return frames


#: Columns of the ``trace-distance`` and ``trace-distance-added`` tables.
COLUMNS = ["model", "n_visible", "n_hidden", "registers", "instance", "trace_distance", "purity",
           "entropy_nats", "h_norm", "first_order"]


def trace_distances(params: dict, *, recompute: bool = False, n_jobs=None) -> pd.DataFrame:
    r"""The ``trace-distance`` table: one row per model, hidden size and instance.

    Columns: ``model, n_visible, n_hidden, registers, instance, trace_distance, purity,
    entropy_nats, h_norm, first_order`` (the last two for the Boltzmann machine only).
    ``registers`` is :math:`\log_2(D_vD_h) = n_v + n_h`. The GUE model is sampled with
    :func:`plateaus.experiments.ensembles.gue_state_tridiagonal` (the law of
    :func:`plateaus.models.gue_states`, in :math:`O(D)` work). Instance ``i`` of a model at
    ``n_h`` hidden qubits draws from the seed ``[seed, 2, SEED_INDEX[model], n_h]``'s ``i``-th child.
    """
    params = _validated(params)

    def compute() -> pd.DataFrame:
        frames = []
        for model in params["models"]:
            frames += _model_rows(params, model, _sizes(params, model), n_jobs)
        return pd.concat(frames, ignore_index=True)[COLUMNS]

    return store.cached(CHAPTER, params["scale"], EXPERIMENT, store_params(EXPERIMENT, params), compute,
                        recompute=recompute)


def added_trace_distances(params: dict, *, recompute: bool = False, n_jobs=None) -> pd.DataFrame:
    r"""The ``trace-distance-added`` table, columns as :func:`trace_distances`: every model of
    ``added_models`` at ``n_hidden`` (the reversed Eq. (11) order), then the Boltzmann machine
    at ``boltzmann_n_hidden_added``. Seeds as in :func:`trace_distances`, so the Boltzmann
    rows continue the ensemble of the first table (the same draws a run over all its sizes
    would have made)."""
    params = _validated(params)
    overlap = sorted(set(params["added_models"]) & set(params["models"]))
    if overlap:
        raise ValueError(f"added_models = {params['added_models']!r} is not allowed; expected models "
                         f"not in models = {params['models']!r} (overlap {overlap})")
    repeated = sorted(set(params["boltzmann_n_hidden_added"]) & set(params["boltzmann_n_hidden"]))
    if repeated:
        raise ValueError(f"boltzmann_n_hidden_added = {params['boltzmann_n_hidden_added']!r} is not allowed; "
                         f"expected sizes not in boltzmann_n_hidden (repeated {repeated})")

    def compute() -> pd.DataFrame:
        frames = []
        for model in params["added_models"]:
            frames += _model_rows(params, model, params["n_hidden"], n_jobs)
        frames += _model_rows(params, "boltzmann", params["boltzmann_n_hidden_added"], n_jobs)
        return pd.concat(frames, ignore_index=True)[COLUMNS]

    return store.cached(CHAPTER, params["scale"], ADDED, params, compute, recompute=recompute)


def all_trace_distances(params: dict, *, recompute: bool = False, n_jobs=None) -> pd.DataFrame:
    """The union of :func:`trace_distances` and :func:`added_trace_distances`, sorted by model
    (as listed in ``models`` then ``added_models``) and hidden size: the table the page reads."""
    params = _validated(params)
    df = pd.concat([trace_distances(params, recompute=recompute, n_jobs=n_jobs),
                    added_trace_distances(params, recompute=recompute, n_jobs=n_jobs)], ignore_index=True)
    rank = {m: i for i, m in enumerate(params["models"] + params["added_models"])}
    order = np.lexsort((df["instance"].to_numpy(), df["n_hidden"].to_numpy(), df["model"].map(rank).to_numpy()))
    return df.iloc[order].reset_index(drop=True)


def _scan_chunk(seeds, *, model, n_visible, n_hidden, theta_high):
    rho = visible_states(model, n_visible, n_hidden, seeds, theta_low=0.0, theta_high=theta_high)
    return pd.DataFrame(_measures(rho))


def angle_scan(params: dict, *, recompute: bool = False, n_jobs=None) -> pd.DataFrame:
    r"""The ``angle-scan`` table: the unitary model, both gate orders, at ``scan_n_hidden``
    hidden qubits, :math:`\theta \sim U[0, \theta_{max})` for each ``theta_highs`` value.

    Columns: ``model, n_visible, n_hidden, theta_high, instance, trace_distance, purity,
    entropy_nats``.
    """
    params = _validated(params)

    def compute() -> pd.DataFrame:
        frames = []
        for model in ("unitary", "unitary-random-order"):
            for j, theta_high in enumerate(params["theta_highs"]):
                df = map_instances(
                    _scan_chunk, params["scan_instances"],
                    seed=[params["seed"], _STREAM, SEED_INDEX[model], 1000 + j],
                    chunk_size=params["chunk_size"], n_jobs=n_jobs, desc=f"{model}, theta<{theta_high:g}",
                    model=model, n_visible=params["n_visible"], n_hidden=params["scan_n_hidden"],
                    theta_high=theta_high,
                )
                frames.append(df.assign(model=model, n_visible=params["n_visible"],
                                        n_hidden=params["scan_n_hidden"], theta_high=theta_high))
        cols = ["model", "n_visible", "n_hidden", "theta_high", "instance", "trace_distance", "purity",
                "entropy_nats"]
        return pd.concat(frames, ignore_index=True)[cols]

    return store.cached(CHAPTER, params["scale"], SCAN, store_params(SCAN, params), compute, recompute=recompute)


def _validated(params: dict) -> dict:
    if "scale" not in params:
        raise ValueError(f"params must hold 'scale' (from chapter_params({CHAPTER!r}, scale)); got keys {sorted(params)}")
    return chapter_params(CHAPTER, params["scale"], **{k: v for k, v in params.items() if k not in ("chapter", "scale")})


def histogram_peak(values: np.ndarray) -> float:
    r"""The peak (mode) of a sample, as the maximum of a Gaussian kernel density estimate
    (Scott's bandwidth) on a fine grid: the paper's "estimated maximum peaks of the data
    histograms" (Fig. 3(a)), without the arbitrariness of a bin width."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size < 2 or np.ptp(values) == 0:
        raise ValueError(f"values must be a 1-d sample of at least two distinct numbers, got shape {values.shape}")
    grid = np.linspace(values.min(), values.max(), 2001)
    return float(grid[np.argmax(stats.gaussian_kde(values)(grid))])


def summary(df: pd.DataFrame) -> pd.DataFrame:
    r"""One row per model and hidden size of a ``trace-distance`` table.

    Columns: ``model, n_visible, n_hidden, registers, instances, mean, sem, std, peak`` (of
    :math:`T`), ``mean_purity, mean_entropy``, the exact Haar values ``haar_mean, haar_std,
    haar_mode`` (one visible qubit; NaN otherwise), ``haar_purity`` (any :math:`D_v`),
    ``bound`` (:math:`\frac12\sqrt{D_v/D_h}`), ``ratio`` (mean / bound) and ``z_haar``
    (:math:`(\bar T - \mathbb E_{Haar}T)/\mathrm{SE}`) and ``ks_haar``, the p-value of the
    Kolmogorov-Smirnov test of the sample against the exact Haar law
    (:func:`plateaus.haar.trace_distance_cdf`; one visible qubit, :math:`D_h \ge 2`).
    """
    g = df.groupby(["model", "n_visible", "n_hidden", "registers"], sort=False)
    out = g["trace_distance"].agg(instances="size", mean="mean", sem="sem", std="std").reset_index()
    out["peak"] = g["trace_distance"].apply(lambda s: histogram_peak(s.to_numpy())).to_numpy()
    out["mean_purity"] = g["purity"].mean().to_numpy()
    out["mean_entropy"] = g["entropy_nats"].mean().to_numpy()
    d_v, d_h = 2 ** out["n_visible"].to_numpy(), 2 ** out["n_hidden"].to_numpy()
    one = d_v == 2
    for col, fn in (("haar_mean", haar.trace_distance_mean), ("haar_std", haar.trace_distance_std),
                    ("haar_mode", haar.trace_distance_mode)):
        out[col] = np.where(one, fn(np.maximum(d_h, 2)), np.nan)
    out["haar_purity"] = haar.mean_purity(d_v, d_h)
    out["bound"] = haar.paper_bound(d_v, d_h)
    out["ratio"] = out["mean"] / out["bound"]
    out["z_haar"] = analysis.z_scores(out["mean"], out["sem"], out["haar_mean"])
    out["ks_haar"] = [
        stats.kstest(group.to_numpy(), lambda x, d=2**n_h: haar.trace_distance_cdf(x, d)).pvalue
        if n_v == 1 else np.nan
        for (_, n_v, n_h, _), group in g["trace_distance"]
    ]
    return out


def prefix_check(n_visible: int, n_hidden: int, instances: int, seed: int) -> float:
    r"""Largest entry of :math:`|\rho_v(\text{all gates}) - \rho_v(\text{prefix})|` for the
    unitary model in the Eq. (11) order, :math:`\theta \sim U[0, 1)`, where the prefix stops
    at the last gate that touches a visible qubit: the gates after it act on hidden qubits
    only and cannot change :math:`\rho_v`.
    """
    qnn = UnitaryQNN(n_visible, n_hidden)
    last = int(np.flatnonzero(term_classes(qnn.terms, n_visible) != "hidden").max()) + 1
    theta = np.random.default_rng(seed).uniform(0.0, 1.0, (instances, qnn.n_params))
    prefix = UnitaryQNN(n_visible, n_hidden, terms=qnn.terms[:last])
    return float(np.abs(qnn.reduced_state(theta) - prefix.reduced_state(theta[:, :last])).max())


def prefix_length(n_visible: int, n_hidden: int) -> tuple[int, int]:
    """(gates up to the last one touching a visible qubit, all gates) in the Eq. (11) order."""
    terms = two_local_terms(n_visible + n_hidden)
    last = int(np.flatnonzero(term_classes(terms, n_visible) != "hidden").max()) + 1
    return last, len(terms)


def reversed_hidden_prefix(n_visible: int, n_hidden: int) -> tuple[str, ...]:
    r"""The gates the reversed Eq. (11) order applies before the first one that touches a
    visible qubit, in the order applied: for one visible qubit, every hidden-hidden pair term
    (the pairs :math:`(n-2, n-1), \ldots, (1, 2)`, each with its nine Pauli products from
    :math:`ZZ` down to :math:`XX`). They act on :math:`|0\ldots0\rangle` of the hidden register only."""
    terms = two_local_terms(n_visible + n_hidden)
    classes = term_classes(terms, n_visible)[::-1]
    first = int(np.flatnonzero(classes != "hidden")[0])
    return tuple(terms[::-1][:first])


def reversed_bath_purity(n_visible: int, n_hidden: int, instances: int, seed: int) -> np.ndarray:
    r"""In the reversed Eq. (11) order, how mixed each hidden qubit is when the visible qubits
    first meet it: per instance, the mean over hidden qubits :math:`j` of
    :math:`\mathrm{Tr}\,\rho_j^2` (1 pure, :math:`\frac12` maximally mixed) in the state after
    :func:`reversed_hidden_prefix`, :math:`\theta \sim U[0, 1)` from ``default_rng(seed)``.

    Returns an array of shape ``(instances,)``. In the Eq. (11) order the same number is 1:
    there the hidden qubits meet the visible ones after their own on-site gates only.
    """
    n = n_visible + n_hidden
    prefix = reversed_hidden_prefix(n_visible, n_hidden)
    if not prefix:  # one hidden qubit: no hidden-hidden pair, the hidden register is still |0>
        return np.ones(instances)
    theta = np.random.default_rng(seed).uniform(0.0, 1.0, (instances, len(prefix)))
    psi = UnitaryQNN(n_visible, n_hidden, terms=prefix).state(theta).reshape((instances,) + (2,) * n)
    out = np.zeros(instances)
    for j in range(n_visible, n):
        m = np.moveaxis(psi, j + 1, 1).reshape(instances, 2, -1)
        out += np.sum(np.abs(m @ np.conj(np.swapaxes(m, -1, -2))) ** 2, axis=(-2, -1))
    return out / n_hidden


#: The models of the chapter in the order of its text and tables.
MODEL_ORDER = ("haar", "gue", "unitary-random-order", "unitary-reversed-order", "unitary", "boltzmann")
#: The ensembles that behave like Haar-random states (their means are compared with the exact law).
HAAR_LIKE = ("haar", "gue", "unitary-random-order")
#: Labels of the models in the results table.
RESULT_LABELS = {"haar": "Haar states", "gue": "GUE, t = 10", "unitary-random-order": "unitary model, random order",
                 "unitary-reversed-order": "unitary model, reversed Eq. (11) order (Theorem 3's product)",
                 "unitary": "unitary model, Eq. (11) order", "boltzmann": "Boltzmann machine"}
#: Distance from the exact Haar mean, in standard errors, within which a mean counts as Haar-like
#: (the angle scan and :func:`model_table`).
SCAN_Z = 3.0
#: A model passes as Haar-like when, besides every mean within :data:`SCAN_Z` standard errors, the
#: smallest Kolmogorov-Smirnov p-value of its sizes, corrected for their number (Sidak), is above this.
KS_ALPHA = 0.05
#: The smaller instance of :func:`prefix_check` that :func:`quoted` runs: hidden qubits, instances.
PREFIX_CHECK = (4, 20)
#: Instances of :func:`reversed_bath_purity` that :func:`quoted` runs at each end of ``n_hidden``.
BATH_INSTANCES = 200


def _models(df: pd.DataFrame) -> list[str]:
    present = list(dict.fromkeys(df["model"]))
    return [m for m in MODEL_ORDER if m in present] + [m for m in present if m not in MODEL_ORDER]


def mean_fits(df: pd.DataFrame) -> pd.DataFrame:
    r"""Per model: the weighted fit of :math:`\log_2 \bar T` against the registers
    :math:`\log_2(D_vD_h)` (:func:`plateaus.analysis.log_fits`), each mean weighted by its
    standard error (delta method), the slope's 95 % interval from Student's t with
    :math:`n - 2` degrees of freedom and the fit's :math:`\chi^2/\mathrm{dof}`.

    A slope of a logarithm against a logarithm of a dimension is the same in any base: the
    ``ln`` columns of :func:`~plateaus.analysis.log_fits` would be :math:`\ln\bar T` per
    register. Indexed by model (:data:`MODEL_ORDER`), columns those of ``log_fits``.
    """
    fits = analysis.log_fits(df, "model", "trace_distance", x="registers").set_index("model")
    return fits.loc[_models(df)]


def exact_haar_fit(summary: pd.DataFrame) -> analysis.LineFit:
    r"""The slope of :math:`\log_2` of the exact Haar mean :math:`\mathbb E\,T` against the
    registers of the ``haar`` rows of ``summary`` (or of its first model): an unweighted fit,
    since the exact values carry no noise (its interval measures their curvature only)."""
    ref = summary[summary.model == "haar"] if (summary.model == "haar").any() else \
        summary[summary.model == summary.model.iloc[0]]
    return analysis.log_fit(ref["registers"], ref["haar_mean"], base=2)


def sidak(p_min, tests: int):
    r"""The smallest of ``tests`` independent p-values corrected for their number (Sidak):
    :math:`1 - (1 - p_{min})^k`, the chance that the smallest of :math:`k` p-values of true
    hypotheses is at most :math:`p_{min}`."""
    if int(tests) < 1:
        raise ValueError(f"tests must be >= 1, got {tests!r}")
    return 1.0 - (1.0 - np.asarray(p_min, dtype=float)) ** int(tests)


def model_table(summary: pd.DataFrame, fits: pd.DataFrame) -> pd.DataFrame:
    r"""The table the page shows, one row per model: its registers, the slope of
    :math:`\log_2\bar T` with its 95 % interval and :math:`\chi^2/\mathrm{dof}` (from
    :func:`mean_fits`; the bound's slope is :math:`-\frac12`), whether the line is rejected
    (p < 0.01), the largest ratio of the mean to the bound, the largest distance of the mean
    from the exact Haar mean in standard errors, the smallest Kolmogorov-Smirnov p-value
    against the exact Haar law over the model's sizes, the same corrected for the number of
    sizes (:func:`sidak`), and ``haar_like``: every mean within :data:`SCAN_Z` standard errors
    of the exact one and the corrected p-value at least :data:`KS_ALPHA`."""
    g = summary.groupby("model", sort=False)
    models = [m for m in fits.index if m in g.groups]
    out = pd.DataFrame({
        "registers": g["registers"].agg(lambda r: f"{r.min()}-{r.max()}"),
        "slope": fits["slope_log2"],
        "low": fits["low_log2"],
        "high": fits["high_log2"],
        "chi2_dof": fits["chi2_dof"],
        "p_line": fits["p_value"],
        "line_rejected": fits["rejected"].astype(bool),
        "max_ratio": g["ratio"].max(),
        "max_abs_z": g["z_haar"].agg(lambda z: z.abs().max()),
        "min_ks_p": g["ks_haar"].min(),
        "ks_p_corrected": g["ks_haar"].agg(lambda p: float(sidak(p.min(), p.size))),
    })
    out["haar_like"] = (out["max_abs_z"] <= SCAN_Z) & (out["ks_p_corrected"] >= KS_ALPHA)
    return out.loc[models]


def _by(sub: pd.DataFrame, x, column: str) -> dict:
    keys = sub[x] if isinstance(x, str) else x
    return {float(k): grp.to_numpy(dtype=float) for k, grp in sub[column].groupby(np.asarray(keys, dtype=float))}


def boltzmann_steps(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    r"""Per-step differences of the Boltzmann machine, one row per step :math:`n_h \to n_h + 1`,
    with 95 % intervals from a seeded bootstrap over instances
    (:func:`plateaus.analysis.bootstrap_log_fit`, seed ``seed``):

    ``step`` and ``low``, ``high``: :math:`\log_2 \bar T(n_h + 1) - \log_2 \bar T(n_h)`;
    ``step_first``, ``low_first``, ``high_first``: the same for the first-order prediction
    :math:`T_1`; ``exponent``, ``exponent_low``, ``exponent_high``: the local exponent of the
    mean operator norm, :math:`\Delta\ln\overline{\|H\|}/\Delta\ln n` (:math:`n` qubits),
    which a power law :math:`\|H\| \propto n^a` would hold at :math:`a` at every step.
    Columns ``n_hidden_from``, ``n_hidden_to`` name the step.
    """
    sub = df[df.model == "boltzmann"]
    if sub.empty:
        raise ValueError("df holds no Boltzmann-machine rows (model == 'boltzmann')")
    t = analysis.bootstrap_log_fit(_by(sub, "registers", "trace_distance"), seed=seed).steps
    first = analysis.bootstrap_log_fit(_by(sub, "registers", "first_order"), seed=seed).steps
    norm = analysis.bootstrap_log_fit(_by(sub, np.log(sub["registers"].to_numpy(float)), "h_norm"),
                                      base="e", seed=seed).steps
    dx = (norm["x_to"] - norm["x_from"]).to_numpy()
    n_v = int(sub["n_visible"].iloc[0])
    return pd.DataFrame({
        "n_hidden_from": (t["x_from"] - n_v).astype(int), "n_hidden_to": (t["x_to"] - n_v).astype(int),
        "step": t["step"], "low": t["low"], "high": t["high"],
        "step_first": first["step"], "low_first": first["low"], "high_first": first["high"],
        "exponent": norm["step"] / dx, "exponent_low": norm["low"] / dx, "exponent_high": norm["high"] / dx,
    })


def boltzmann_norm_fit(df: pd.DataFrame) -> analysis.LineFit:
    r"""Weighted fit of :math:`\ln\overline{\|H\|_\infty}` against :math:`\ln n` for the
    Boltzmann machine (the exponent :math:`a` of :math:`\|H\| \propto n^a`), each mean weighted
    by its standard error (delta method)."""
    sub = df[df.model == "boltzmann"]
    s = analysis.group_stats(sub, "registers", "h_norm")
    return analysis.log_fit(np.log(s["registers"].to_numpy(float)), s["mean"], s["se"], base="e")


def boltzmann_first_order_stats(df: pd.DataFrame) -> dict:
    r"""How well the first-order (high-temperature) prediction explains the Boltzmann machine.

    Returns ``median_ratio`` (median of :math:`T / T_1` over all instances), ``log_corr`` (the
    correlation of :math:`\ln T` and :math:`\ln T_1`), ``norm_min``, ``norm_max`` (mean
    :math:`\|H\|_\infty` at the smallest and the largest size), ``norm_fit``
    (:func:`boltzmann_norm_fit`) and ``first_order_fit`` (the weighted fit of
    :math:`\log_2 \bar T_1` against the registers).
    """
    sub = df[df.model == "boltzmann"]
    if sub.empty:
        raise ValueError("df holds no Boltzmann-machine rows (model == 'boltzmann')")
    ratio = sub["trace_distance"] / sub["first_order"]
    norms = sub.groupby("registers")["h_norm"].mean()
    first = analysis.group_stats(sub, "registers", "first_order")
    return dict(
        median_ratio=float(ratio.median()),
        log_corr=float(np.corrcoef(np.log(sub["trace_distance"]), np.log(sub["first_order"]))[0, 1]),
        norm_min=float(norms.iloc[0]),
        norm_max=float(norms.iloc[-1]),
        norm_fit=boltzmann_norm_fit(df),
        first_order_fit=analysis.log_fit(first["registers"], first["mean"], first["se"], base=2),
    )


def scan_summary(scan: pd.DataFrame) -> pd.DataFrame:
    r"""One row per model and angle range of an ``angle-scan`` table: ``n``, ``mean``, ``se``
    of :math:`T`, the exact Haar mean ``haar_mean`` for its :math:`D_h`, ``z`` (distance from
    it in standard errors, :func:`plateaus.analysis.z_scores`) and ``haar_like``: within
    :data:`SCAN_Z` standard errors here *and at every larger range* of the same model."""
    stats = analysis.group_stats(scan, ["model", "theta_high"], "trace_distance")
    d_h = 2 ** int(scan["n_hidden"].iloc[0])
    stats["haar_mean"] = haar.trace_distance_mean(d_h)
    stats["z"] = analysis.z_scores(stats["mean"], stats["se"], stats["haar_mean"])
    within = stats["z"].abs() <= SCAN_Z
    # within here and at every larger theta_high: a reversed cumulative "all"
    stats["haar_like"] = within.groupby(stats["model"]).transform(lambda w: w[::-1].cummin()[::-1]).astype(bool)
    return stats[["model", "theta_high", "n", "mean", "se", "haar_mean", "z", "haar_like"]]


def _mean_interval(values) -> tuple[float, float, float]:
    """Mean and its 95 % interval from Student's t with n - 1 degrees of freedom."""
    values = np.asarray(values, dtype=float)
    se = float(analysis.mean_se(values))
    half = analysis.t_quantile(values.size - 1) * se
    return float(values.mean()), float(values.mean()) - half, float(values.mean()) + half


#: The page's words for each place of the reversed order's slope (:func:`reversed_reading`):
#: a clause on the interval, a sentence that starts a summary, and a clause that continues one.
REVERSED_WORDS = {
    "between": ("its interval excludes both 0 (the order of Eq. (11)) and -1/2 (Haar states): it lies between the two",
                "The reversed order lies in between: it concentrates, as a collision model with mixed hidden "
                "qubits, but more slowly than a Haar state",
                "its distance falls, more slowly than a Haar state's"),
    "haar": ("its interval holds -1/2 (Haar states) but not 0",
             "The reversed order's decay is consistent with a Haar state's at these sizes",
             "its decay is consistent with a Haar state's"),
    "flat": ("its interval holds 0 (no decay, like the order of Eq. (11)) but not -1/2",
             "The reversed order does not concentrate detectably at these sizes",
             "its distance does not fall detectably"),
    "steeper": ("its interval lies below -1/2: it falls faster than a Haar state",
                "The reversed order falls faster than a Haar state at these sizes",
                "its distance falls faster than a Haar state's"),
    "rising": ("its interval lies above 0: the distance grows with the hidden qubits",
               "The reversed order's distance grows with the hidden qubits at these sizes",
               "its distance grows"),
    "undecided": ("its interval holds both 0 and -1/2: these sizes do not place it",
                  "These sizes do not place the reversed order between the other two readings",
                  "these sizes do not place its decay"),
}


def reversed_place(fit: analysis.LineFit) -> str:
    r"""Where the reversed order's slope of :math:`\log_2\bar T` lies: ``"between"`` the Eq. (11)
    order's 0 and the Haar slope :math:`-\frac12` when its interval excludes both and the slope
    is between them, ``"haar"`` or ``"flat"`` when it holds only one of them, ``"steeper"``
    below :math:`-\frac12`, ``"rising"`` above 0, else ``"undecided"`` (a key of
    :data:`REVERSED_WORDS`)."""
    has_flat = fit.slope_low <= 0.0 <= fit.slope_high
    has_half = fit.slope_low <= -0.5 <= fit.slope_high
    if not has_flat and not has_half and -0.5 < fit.slope < 0.0:
        return "between"
    if has_half and not has_flat:
        return "haar"
    if has_flat and not has_half:
        return "flat"
    if fit.slope_high < -0.5:
        return "steeper"
    if fit.slope_low > 0.0:
        return "rising"
    return "undecided"


def reversed_reading(fit: analysis.LineFit) -> str:
    """The clause of :data:`REVERSED_WORDS` for :func:`reversed_place`: what the interval says."""
    return REVERSED_WORDS[reversed_place(fit)][0]


def reversed_numbers(df: pd.DataFrame, summ: pd.DataFrame, fit: analysis.LineFit, params: dict) -> dict:
    r"""The numbers of the reversed Eq. (11) order (keys ``rev_*``): the distance of its slope
    from :math:`-\frac12` and from 0 (:func:`plateaus.analysis.slope_distance`), its mean
    :math:`T` with a 95 % interval at the smallest and largest ``n_hidden`` beside the exact
    Haar mean, the first and last per-step differences of :math:`\log_2\bar T` (seeded
    bootstrap), the factor :math:`2^{slope}` by which one more hidden qubit shrinks the mean
    (``rev_factor`` with its interval; ``rev_line`` says whether the line is rejected), the
    gate counts of its structure and :func:`reversed_bath_purity` at both ends (mean and 95 %
    interval over :data:`BATH_INSTANCES` instances), :func:`reversed_place` as ``rev_place`` with
    its words (``rev_reading``, ``rev_summary``, ``rev_summary_clause``; :data:`REVERSED_WORDS`),
    and whether it stays above the bound (``rev_ratio_min``, ``rev_bound_words``)."""
    n_v = params["n_visible"]
    sub = df[df.model == "unitary-reversed-order"]
    cells = summ[summ.model == "unitary-reversed-order"].set_index("n_hidden")
    place = reversed_place(fit)
    out = {"rev_place": place, "rev_reading": REVERSED_WORDS[place][0], "rev_summary": REVERSED_WORDS[place][1],
           "rev_summary_clause": REVERSED_WORDS[place][2]}
    for name, ref in (("half", -0.5), ("flat", 0.0)):
        d = analysis.slope_distance(fit, ref)
        out.update({f"rev_t_{name}": d["t"], f"rev_p_{name}": d["p_value"]})
    for which, n_h in (("first", min(params["n_hidden"])), ("last", max(params["n_hidden"]))):
        mean, low, high = _mean_interval(sub.loc[sub.n_hidden == n_h, "trace_distance"])
        purity, p_low, p_high = _mean_interval(
            reversed_bath_purity(n_v, n_h, BATH_INSTANCES, params["seed"] + n_h))
        out.update({f"rev_nh_{which}": n_h, f"rev_mean_{which}": mean, f"rev_mean_{which}_low": low,
                    f"rev_mean_{which}_high": high, f"rev_haar_{which}": float(cells.loc[n_h, "haar_mean"]),
                    f"rev_over_haar_{which}": mean / float(cells.loc[n_h, "haar_mean"]),
                    f"rev_bath_{which}": purity, f"rev_bath_{which}_low": p_low, f"rev_bath_{which}_high": p_high})
    steps = analysis.bootstrap_log_fit(_by(sub, "registers", "trace_distance"), seed=params["seed"]).steps
    for which, row in (("first", steps.iloc[0]), ("last", steps.iloc[-1])):
        out.update({f"rev_{which}_step_from": int(row.x_from) - n_v, f"rev_{which}_step_to": int(row.x_to) - n_v,
                    f"rev_{which}_step": float(row.step), f"rev_{which}_step_low": float(row.low),
                    f"rev_{which}_step_high": float(row.high), f"rev_{which}_step_text": _step_text(row)})
    # the factor by which one more hidden qubit shrinks the mean distance, 2**slope, with its interval
    out.update(rev_factor=float(2.0**fit.slope), rev_factor_low=float(2.0**fit.slope_low),
               rev_factor_high=float(2.0**fit.slope_high), rev_haar_factor=float(2.0**-0.5),
               rev_line=_verdict(fit))
    smallest = float(cells["ratio"].min())
    out.update(rev_ratio_min=smallest,
               rev_bound_words=(f"stays above the bound at every size run here (smallest ratio of mean to bound "
                                f"{smallest:.2f})" if smallest > 1 else
                                f"falls below the bound at some size run here (smallest ratio {smallest:.2f})"),
               rev_follows_bound="does not follow the bound" if smallest > 1 else "comes below the bound")
    n_h = max(params["n_hidden"])
    out.update(rev_bath_instances=BATH_INSTANCES, rev_prefix_gates=len(reversed_hidden_prefix(n_v, n_h)),
               rev_collision_gates=9 * n_v * n_h, rev_onsite_gates=3 * (n_v + n_h))
    return out


def _verdict(fit: analysis.LineFit) -> str:
    """``"rejected"`` or ``"not rejected"``: the straight line, in the page's words."""
    return "rejected" if fit.rejected() else "not rejected"


def _step_text(row, col="step", low="low", high="high") -> str:
    return f"{row[col]:.3f} [{row[low]:.3f}, {row[high]:.3f}]"


def quoted(params: dict, df: pd.DataFrame, scan: pd.DataFrame) -> dict:
    r"""Every number the chapter quotes, from its parameters and its two tables.

    Keys are the glue names without the chapter's prefix. Per model ``m`` (``haar``, ``gue``,
    ``unitary``, ``unitary-random-order``, ``boltzmann``): ``slope_m``, ``slope_low_m``,
    ``slope_high_m``, ``chi2_dof_m``, ``p_line_m``, ``dof_m`` and ``fit_text_m`` (the weighted fit of
    :func:`mean_fits`), ``ratio_m``, ``z_m``, ``ks_m`` (:func:`model_table`). Then the exact
    Haar slope, the cells of the Haar-like ensembles below the bound, the exact ratios, the
    gate-order numbers, the angle scan (:func:`scan_summary`) and the Boltzmann machine's
    first-order statistics, fits and per-step differences (:func:`boltzmann_steps`, seeded
    with ``params["seed"]``): the first and the last step under ``bm_first_step*`` and
    ``bm_last_step*`` (``*_t1`` for :math:`T_1`; ``*_norm``, ``*_norm_low``, ``*_norm_high`` the
    step of :math:`-\log_2\overline{\|H\|_\infty}`, the local exponent times
    :math:`-\log_2\frac{n+1}{n}`, with its bootstrap interval), and the smallest and largest
    local norm exponent; ``bm_flattens`` says in words whether the intervals of the first and last
    steps of :math:`\log_2\bar T` are disjoint (the last above the first). ``ks_corrected_m`` and ``haar_like_m`` per model, and
    ``haar_like_passed`` of ``haar_like_tested`` 2-local Haar-like candidates (GUE, random
    order) that pass :func:`model_table`'s test (thresholds ``haar_z``, ``ks_alpha``). ``line_boltzmann`` says in
    words whether its line is rejected (``bm_norm_line``, ``bm_first_order_line`` for the norm's
    power law and the first order's line).

    ``df`` is the union of the two trace-distance tables (:func:`all_trace_distances`). Per
    model also ``ratio_low_m``, ``ratio_high_m`` (95 % t interval of the mean at the size of the
    largest ratio to the bound, ``ratio_nh_m``) and ``haar_like_text_m`` ("passes"/"fails").
    The Boltzmann sizes: ``bm_nh_min``, ``bm_nh_max`` over both tables,
    ``bm_nh_first_run_max`` of the first, ``bm_nh_added`` (text) and ``bm_covers_paper``
    (whether they cover ``n_hidden``). The reversed order: the ``rev_*`` keys of
    :func:`reversed_numbers`.
    """
    params = _validated(params)
    summ = summary(df)
    fits = mean_fits(df)
    table = model_table(summ, fits)
    n_v = params["n_visible"]
    bm_sizes = sorted(df.loc[df.model == "boltzmann", "n_hidden"].unique().tolist())
    out: dict = {
        "scale": params["scale"], "instances": params["instances"],
        "nh_min": min(params["n_hidden"]), "nh_max": max(params["n_hidden"]),
        "bm_nh_min": min(bm_sizes), "bm_nh_max": max(bm_sizes),
        "bm_nh_first_run_max": max(params["boltzmann_n_hidden"]),
        "bm_nh_added": ", ".join(str(n) for n in params["boltzmann_n_hidden_added"]),
        "bm_covers_paper": "covers" if set(params["n_hidden"]) <= set(bm_sizes) else "does not cover",
        "reg_min": n_v + min(params["n_hidden"]), "reg_max": n_v + max(params["n_hidden"]),
    }
    for model, row in table.iterrows():
        fit = fits.loc[model, "fit"]
        out.update({f"slope_{model}": fit.slope, f"slope_low_{model}": fit.slope_low,
                    f"slope_high_{model}": fit.slope_high, f"chi2_dof_{model}": fit.chi2_dof,
                    f"p_line_{model}": fit.p_value, f"dof_{model}": fit.dof, f"fit_text_{model}": fit.text(),
                    f"ratio_{model}": float(row.max_ratio), f"z_{model}": float(row.max_abs_z),
                    f"ks_{model}": float(row.min_ks_p), f"ks_corrected_{model}": float(row.ks_p_corrected),
                    f"haar_like_{model}": bool(row.haar_like),
                    f"haar_like_text_{model}": "passes" if row.haar_like else "fails"})
        # the largest ratio of mean to bound, with the 95 % interval of that mean (t, n - 1 dof)
        cells = summ[summ.model == model]
        top = cells.loc[cells["ratio"].idxmax()]
        half = analysis.t_quantile(int(top["instances"]) - 1) * float(top["sem"]) / float(top["bound"])
        out.update({f"ratio_low_{model}": float(top["ratio"]) - half, f"ratio_high_{model}": float(top["ratio"]) + half,
                    f"ratio_nh_{model}": int(top["n_hidden"])})
    exact = exact_haar_fit(summ)
    out["slope_haar_exact"] = exact.slope
    close_models = [m for m in HAAR_LIKE if m in fits.index]
    out["exact_in_intervals"] = int(sum(fits.loc[m, "low_log2"] <= exact.slope <= fits.loc[m, "high_log2"]
                                        for m in close_models))
    out["haar_like_models"] = len(close_models)
    # the 2-local models that pass the table's test of Haar-likeness (Haar states are the reference)
    tested = [m for m in HAAR_LIKE if m != "haar" and m in table.index]
    out.update(haar_like_passed=int(table.loc[tested, "haar_like"].sum()), haar_like_tested=len(tested),
               haar_z=SCAN_Z, ks_alpha=KS_ALPHA)
    close = summ[summ.model.isin(HAAR_LIKE)]
    out.update(cells_close=len(close), cells_below=int((close["ratio"] < 1).sum()),
               sizes=len(params["n_hidden"]), min_p_chance=1 - 0.95 ** len(params["n_hidden"]),
               max_ratio_close=float(close["ratio"].max()))
    exact_ratio = haar.trace_distance_mean(2 ** np.asarray(params["n_hidden"])) / \
        haar.paper_bound(2**n_v, 2 ** np.asarray(params["n_hidden"]))
    out.update(exact_ratio_min=float(np.min(exact_ratio)), exact_ratio_max=float(np.max(exact_ratio)))

    # the gate order
    prefix, total = prefix_length(n_v, max(params["n_hidden"]))
    eq11 = summ[summ.model == "unitary"]
    out.update(prefix_gates=prefix, all_gates=total, prefix_n=n_v + max(params["n_hidden"]),
               prefix_error=prefix_check(n_v, *PREFIX_CHECK, params["seed"]),
               prefix_check_n=n_v + PREFIX_CHECK[0], prefix_check_instances=PREFIX_CHECK[1],
               eq11_mean_min=float(eq11["mean"].min()), eq11_mean_max=float(eq11["mean"].max()),
               eq11_entropy=float(eq11["mean_entropy"].mean()), ln2=float(np.log(2)))

    # the reversed order (Theorem 3's product): where it lies between the Eq. (11) order and Haar
    if "unitary-reversed-order" in fits.index:
        out.update(reversed_numbers(df, summ, fits.loc["unitary-reversed-order", "fit"], params))

    # the angle scan
    scan_stats = scan_summary(scan)
    random_order = scan_stats[scan_stats.model == "unitary-random-order"]
    haarlike = random_order[random_order["haar_like"]]
    out.update(scan_nh=params["scan_n_hidden"], scan_haar=float(haar.trace_distance_mean(2 ** params["scan_n_hidden"])),
               scan_first_haarlike=float(haarlike["theta_high"].min()) if len(haarlike) else float("nan"),
               scan_smallest=float(min(params["theta_highs"])),
               scan_smallest_mean=float(random_order.sort_values("theta_high")["mean"].iloc[0]),
               scan_eq11_min=float(scan_stats.loc[scan_stats.model == "unitary", "mean"].min()))

    # the Boltzmann machine
    bm = boltzmann_first_order_stats(df)
    norm_fit, first_fit = bm.pop("norm_fit"), bm.pop("first_order_fit")
    out.update({f"bm_{k}": v for k, v in bm.items()})
    out.update(bm_norm_exponent=norm_fit.slope, bm_norm_exponent_low=norm_fit.slope_low,
               bm_norm_exponent_high=norm_fit.slope_high, bm_norm_chi2_dof=norm_fit.chi2_dof,
               bm_norm_p_line=norm_fit.p_value,
               bm_first_order_slope=first_fit.slope, bm_first_order_low=first_fit.slope_low,
               bm_first_order_high=first_fit.slope_high, bm_first_order_chi2_dof=first_fit.chi2_dof,
               bm_first_order_p_line=first_fit.p_value)
    out["line_boltzmann"] = _verdict(fits.loc["boltzmann", "fit"])
    out.update(bm_norm_line=_verdict(norm_fit), bm_first_order_line=_verdict(first_fit))
    steps = boltzmann_steps(df, params["seed"])
    for which, row in (("first", steps.iloc[0]), ("last", steps.iloc[-1])):
        hop = float(np.log2((row.n_hidden_to + n_v) / (row.n_hidden_from + n_v)))
        out.update({f"bm_{which}_step_from": int(row.n_hidden_from), f"bm_{which}_step_to": int(row.n_hidden_to),
                    f"bm_{which}_step": float(row.step), f"bm_{which}_step_low": float(row.low),
                    f"bm_{which}_step_high": float(row.high),
                    f"bm_{which}_step_t1": float(row.step_first), f"bm_{which}_step_t1_low": float(row.low_first),
                    f"bm_{which}_step_t1_high": float(row.high_first),
                    # the step of -log2 of the mean norm: the local exponent times log2((n+1)/n)
                    f"bm_{which}_step_norm": -float(row.exponent) * hop,
                    f"bm_{which}_step_norm_low": -float(row.exponent_high) * hop,
                    f"bm_{which}_step_norm_high": -float(row.exponent_low) * hop,
                    f"bm_{which}_step_text": _step_text(row)})
    out.update(bm_exponent_min=float(steps["exponent"].min()), bm_exponent_max=float(steps["exponent"].max()))
    first, last = steps.iloc[0], steps.iloc[-1]
    out["bm_flattens"] = ("are disjoint: the decay flattens" if last.low > first.high else
                          "overlap: these sizes do not show whether the decay flattens")
    return out


#: The paper's figure of each model (Fig. 3(a) draws the unitary model and the GUE only; the
#: Boltzmann machine is in Fig. 4(c) only; Haar states and the other gate orders are the book's).
RESULT_FIGURES = {"haar": "— (reference)", "gue": "3(a), 4(a)", "unitary-random-order": "3(a), 4(b)",
                  "unitary-reversed-order": "3(a), 4(b)", "unitary": "3(a), 4(b)", "boltzmann": "4(c)"}


def results_rows(numbers: dict) -> list[dict]:
    """The chapter's rows of the book's results table, from :func:`quoted`: the slope of
    :math:`\\log_2` of the mean distance per hidden qubit for every model (interval and fit
    quality; where the line is rejected, also the first and last per-step differences), its
    Haar-likeness test, and the largest ratio of the mean to the bound with its interval; for
    the reversed order also the distance of its slope from -1/2 and the purity of the hidden
    qubits it collides with."""
    rows = []
    for model, label in RESULT_LABELS.items():
        if f"fit_text_{model}" not in numbers:
            continue
        ours = numbers[f"fit_text_{model}"]
        if model == "boltzmann" and numbers.get("line_boltzmann") == "rejected":
            ours += (f"; per-step differences n_h {numbers['bm_first_step_from']}→{numbers['bm_first_step_to']}: "
                     f"{numbers['bm_first_step_text']}, {numbers['bm_last_step_from']}→{numbers['bm_last_step_to']}: "
                     f"{numbers['bm_last_step_text']}")
        if model == "unitary-reversed-order" and "rev_reading" in numbers:
            ours += (f"; per-step differences n_h {numbers['rev_first_step_from']}→{numbers['rev_first_step_to']}: "
                     f"{numbers['rev_first_step_text']}, {numbers['rev_last_step_from']}→{numbers['rev_last_step_to']}: "
                     f"{numbers['rev_last_step_text']}")
        figure = RESULT_FIGURES.get(model, "")
        rows.append(dict(result="Proposition 2", figure=figure,
                         quantity=f"slope of log2 E T(ρ_v, I/2) per hidden qubit, {label}",
                         paper="-0.5 (bound ½√(D_v/D_h); no fitted number)", ours=ours))
        rows.append(dict(result="Proposition 2", figure=figure,
                         quantity=f"largest ratio of mean T to the bound ½√(D_v/D_h), {label}",
                         paper="≤ 1 for a 2-design (E T ≤ ½√(D_v/D_h))",
                         ours=(f"{numbers[f'ratio_{model}']:.3f} [{numbers[f'ratio_low_{model}']:.3f}, "
                               f"{numbers[f'ratio_high_{model}']:.3f}] at n_h = {numbers[f'ratio_nh_{model}']} "
                               "(95 %, t over instances)"
                               + (f"; exact Haar law {numbers['exact_ratio_min']:.3f} to {numbers['exact_ratio_max']:.3f}, "
                                  "tending to √(2/π) ≈ 0.798" if model == "haar" else ""))))
        if model != "haar":
            rows.append(dict(result="Proposition 2", figure=figure,
                             quantity=f"Haar-like (every mean within {numbers['haar_z']:.0f} SE of the exact Haar mean, "
                                      f"Šidák-corrected KS p ≥ {numbers['ks_alpha']:.2f}), {label}",
                             paper="concentrates like a 2-design (Figs. 3(a), 4)",
                             ours=(f"{numbers[f'haar_like_text_{model}']}: largest |z| {numbers[f'z_{model}']:.1f}, "
                                   f"corrected KS p {numbers[f'ks_corrected_{model}']:.2g}")))
    if "rev_reading" in numbers:
        rows.append(dict(result="Theorem 3 (product order)", figure="3(a), 4(b)",
                         quantity="reversed Eq. (11) order: slope of log2 E T against -1/2 and against 0",
                         paper="product written with H_1 leftmost (applied last); no separate figure",
                         ours=(f"{numbers['fit_text_unitary-reversed-order']}; from -1/2: t = {numbers['rev_t_half']:.1f} "
                               f"(p = {numbers['rev_p_half']:.2g}); from 0: t = {numbers['rev_t_flat']:.1f} "
                               f"(p = {numbers['rev_p_flat']:.2g}); {numbers['rev_reading']}")))
        rows.append(dict(result="Theorem 3 (product order)", figure="3(a), 4(b)",
                         quantity="reversed order: mean T at the largest n_h against the exact Haar mean",
                         paper="—",
                         ours=(f"n_h = {numbers['rev_nh_last']}: {numbers['rev_mean_last']:.4f} "
                               f"[{numbers['rev_mean_last_low']:.4f}, {numbers['rev_mean_last_high']:.4f}] (95 %), "
                               f"Haar {numbers['rev_haar_last']:.4f}, ratio {numbers['rev_over_haar_last']:.2f}")))
        rows.append(dict(result="Theorem 3 (product order)", figure="3(a), 4(b)",
                         quantity="reversed order: mean purity of a hidden qubit when the visible qubit first meets it "
                                  "(1 pure, 0.5 maximally mixed)",
                         paper="—",
                         ours=(f"n_h = {numbers['rev_nh_first']}: {numbers['rev_bath_first']:.3f} "
                               f"[{numbers['rev_bath_first_low']:.3f}, {numbers['rev_bath_first_high']:.3f}]; "
                               f"n_h = {numbers['rev_nh_last']}: {numbers['rev_bath_last']:.3f} "
                               f"[{numbers['rev_bath_last_low']:.3f}, {numbers['rev_bath_last_high']:.3f}] "
                               f"(95 %, t over {numbers['rev_bath_instances']} instances); 1 exactly in the Eq. (11) order")))
    return rows
