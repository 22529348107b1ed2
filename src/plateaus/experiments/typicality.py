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

:func:`summary` turns the first table into one row per model and size (mean, standard error,
standard deviation, histogram peak, the exact Haar values and the paper's bound), and
:func:`prefix_check` verifies the gate-order argument of the chapter.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .. import haar, store
from ..measures import entropy, purity, trace_distance
from ..models import UnitaryQNN, sample_couplings
from ..parallel import map_instances
from ..params import chapter_params
from ..terms import hamiltonian_matrix, term_classes, two_local_terms
from .ensembles import MODELS, boltzmann_visible_states, draw, visible_states

CHAPTER = "typicality"
EXPERIMENT = "trace-distance"
SCAN = "angle-scan"
#: Second entry of every seed list, so this chapter's draws differ from other chapters'.
_STREAM = 2


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


def trace_distances(params: dict, *, recompute: bool = False, n_jobs=None) -> pd.DataFrame:
    r"""The ``trace-distance`` table: one row per model, hidden size and instance.

    Columns: ``model, n_visible, n_hidden, registers, instance, trace_distance, purity,
    entropy_nats, h_norm, first_order`` (the last two for the Boltzmann machine only).
    ``registers`` is :math:`\log_2(D_vD_h) = n_v + n_h`. The GUE model is sampled with
    :func:`plateaus.experiments.ensembles.gue_state_tridiagonal` (the law of
    :func:`plateaus.models.gue_states`, in :math:`O(D)` work).
    """
    params = _validated(params)

    def compute() -> pd.DataFrame:
        frames = []
        for model in params["models"]:
            m_index = MODELS.index(model)
            for n_hidden in _sizes(params, model):
                df = map_instances(
                    _chunk, params["instances"],
                    seed=[params["seed"], _STREAM, m_index, n_hidden],
                    chunk_size=params["chunk_size"], n_jobs=n_jobs, desc=f"{model}, n_h={n_hidden}",
                    model=model, n_visible=params["n_visible"], n_hidden=n_hidden, t=params["t"],
                    theta_low=params["theta_low"], theta_high=params["theta_high"],
                    onsite_var=params["onsite_var"], offsite_var=params["offsite_var"],
                )
                frames.append(df.assign(model=model, n_visible=params["n_visible"], n_hidden=n_hidden,
                                        registers=params["n_visible"] + n_hidden))
        cols = ["model", "n_visible", "n_hidden", "registers", "instance", "trace_distance", "purity",
                "entropy_nats", "h_norm", "first_order"]
        return pd.concat(frames, ignore_index=True)[cols]

    return store.cached(CHAPTER, params["scale"], EXPERIMENT, params, compute, recompute=recompute)


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
                    seed=[params["seed"], _STREAM, MODELS.index(model), 1000 + j],
                    chunk_size=params["chunk_size"], n_jobs=n_jobs, desc=f"{model}, theta<{theta_high:g}",
                    model=model, n_visible=params["n_visible"], n_hidden=params["scan_n_hidden"],
                    theta_high=theta_high,
                )
                frames.append(df.assign(model=model, n_visible=params["n_visible"],
                                        n_hidden=params["scan_n_hidden"], theta_high=theta_high))
        cols = ["model", "n_visible", "n_hidden", "theta_high", "instance", "trace_distance", "purity",
                "entropy_nats"]
        return pd.concat(frames, ignore_index=True)[cols]

    return store.cached(CHAPTER, params["scale"], SCAN, params, compute, recompute=recompute)


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
    out["z_haar"] = (out["mean"] - out["haar_mean"]) / out["sem"]
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


def boltzmann_first_order_stats(df: pd.DataFrame) -> dict:
    r"""How well the first-order (high-temperature) prediction explains the Boltzmann machine.

    Returns ``median_ratio`` (median of :math:`T / T_1` over all instances), ``log_corr`` (the
    correlation of :math:`\ln T` and :math:`\ln T_1`), ``norm_min``, ``norm_max`` (mean
    :math:`\|H\|_\infty` at the smallest and the largest size), ``norm_exponent`` (slope of
    :math:`\ln \overline{\|H\|}` against :math:`\ln n`: :math:`\|H\|_\infty \propto n^{a}`) and
    ``first_order_slope`` (slope of :math:`\log_2 \bar T_1` against the registers).
    """
    sub = df[df.model == "boltzmann"]
    if sub.empty:
        raise ValueError("df holds no Boltzmann-machine rows (model == 'boltzmann')")
    ratio = sub["trace_distance"] / sub["first_order"]
    by = sub.groupby("registers")
    norms = by["h_norm"].mean()
    first = by["first_order"].mean()
    return dict(
        median_ratio=float(ratio.median()),
        log_corr=float(np.corrcoef(np.log(sub["trace_distance"]), np.log(sub["first_order"]))[0, 1]),
        norm_min=float(norms.iloc[0]),
        norm_max=float(norms.iloc[-1]),
        norm_exponent=float(stats.linregress(np.log(norms.index.to_numpy(float)), np.log(norms.to_numpy())).slope)
        if len(norms) > 1 else float("nan"),
        first_order_slope=float(stats.linregress(first.index.to_numpy(float), np.log2(first.to_numpy())).slope)
        if len(first) > 1 else float("nan"),
    )
