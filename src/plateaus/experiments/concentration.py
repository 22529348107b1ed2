r"""Chapter *Concentration*: Lemma 5 (Lévy) for a Pauli expectation value on Haar-random states.

For a Haar-random state :math:`\psi` in :math:`\mathbb{C}^D` and a Pauli string :math:`P` on the
visible qubits, :math:`f(\psi) = \langle\psi|(P\otimes I)|\psi\rangle`. The empirical tail
:math:`\Pr[|f - \E f| \ge \varepsilon]` of sampled states is set beside

* the exact law (:func:`exact_tail`): :math:`f = 2X - 1` with :math:`X \sim
  \mathrm{Beta}(D/2, D/2)`;
* Chebyshev's bound with the exact variance :math:`1/(D+1)` (:func:`chebyshev_bound`);
* Lévy's lemma with the explicit constant of Hayden, Leung and Winter (:func:`levy_bound_hlw`);
* the concentration bound on the sphere from its Ricci curvature (:func:`levy_bound_curvature`).

The paper has no numerics for Lemma 5; these are the book's. The table is aggregated: one row per
size and threshold :math:`\varepsilon` with the count of samples beyond it (the samples
themselves, up to millions per size, are not stored).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from .. import analysis, store
from ..parallel import map_instances
from ..params import chapter_params
from ..terms import apply_pauli

CHAPTER = "concentration"
EXPERIMENT = "tails"
HLW_C1 = 1.0 / (9.0 * np.pi**3)
r"""Hayden, Leung and Winter's constant: on the real sphere :math:`S^k`, an :math:`\eta`-Lipschitz
:math:`f` obeys :math:`\Pr[|f - \E f| \ge \varepsilon] \le 2\exp(-C_1 (k+1)\varepsilon^2/\eta^2)`."""
COLUMNS = [
    "n_qubits", "dim", "eps", "samples", "count", "tail_empirical", "tail_exact", "chebyshev",
    "levy_hlw", "levy_curvature", "sample_mean", "sample_var", "var_exact",
]


# --------------------------------------------------------------------------- validation


def _dims(dim) -> np.ndarray:
    d = np.asarray(dim, dtype=float)
    if np.any(d < 2) or np.any(d != np.round(d)) or np.any(d % 2):
        raise ValueError(f"dim = {dim!r} is not allowed; expected even integers >= 2 (D = 2**n, n >= 1)")
    return d


def _eps(eps) -> np.ndarray:
    e = np.asarray(eps, dtype=float)
    if np.any(~np.isfinite(e)) or np.any(e <= 0):
        raise ValueError(f"eps = {eps!r} is not allowed; expected finite numbers > 0")
    return e


def _eta(eta) -> float:
    if isinstance(eta, bool) or not np.isfinite(eta) or eta <= 0:
        raise ValueError(f"eta = {eta!r} is not allowed; expected a finite number > 0")
    return float(eta)


# --------------------------------------------------------------------------- exact law and bounds


def exact_tail(dim, eps) -> np.ndarray:
    r"""Exact :math:`\Pr[|f| \ge \varepsilon]` for :math:`f = \langle\psi|O|\psi\rangle`,
    :math:`\psi` Haar in :math:`\mathbb{C}^D` and :math:`O` with eigenvalues :math:`\pm1`, each
    :math:`D/2` times (any Pauli string but the identity, on any qubits).

    In the eigenbasis of :math:`O`, :math:`(|\psi_i|^2)_i` is uniform on the simplex:
    :math:`|\psi_i|^2 = G_i/\sum_j G_j` with i.i.d. :math:`G_i \sim \mathrm{Exp}(1)`. So
    :math:`f = (A - B)/(A + B)` with independent :math:`A, B \sim \mathrm{Gamma}(D/2)`, i.e.
    :math:`f = 2X - 1`, :math:`X = A/(A+B) \sim \mathrm{Beta}(D/2, D/2)`, and by symmetry

    .. math::

        \Pr[|f| \ge \varepsilon] = 2\,\Pr\!\left[X \ge \tfrac{1+\varepsilon}{2}\right]
        = 2\, I_{(1-\varepsilon)/2}(D/2, D/2) ,

    the regularised incomplete beta function, accurate far into the tail (no cancellation).
    Zero for :math:`\varepsilon > 1`; :math:`1 - \varepsilon` for :math:`D = 2`.
    """
    d, e = np.broadcast_arrays(_dims(dim), _eps(eps))
    x = np.clip((1.0 - e) / 2.0, 0.0, 1.0)
    return np.minimum(2.0 * special.betainc(d / 2.0, d / 2.0, x), 1.0)


def log10_exact_tail(dim, eps) -> np.ndarray:
    r""":math:`\log_{10}` of :func:`exact_tail`, without underflow (the tail of a large ``dim``
    falls far below the smallest double). For integer :math:`a = D/2` the incomplete beta
    function is a binomial tail, :math:`I_x(a, a) = \Pr[\mathrm{Bin}(D - 1, x) \ge D/2]`, so

    .. math::

        \Pr[|f| \ge \varepsilon] = 2 \sum_{j = D/2}^{D-1} \binom{D-1}{j} x^j (1-x)^{D-1-j},
        \qquad x = \tfrac{1-\varepsilon}{2},

    summed in logarithms. ``-inf`` for :math:`\varepsilon \ge 1`; at most 0."""
    d, e = np.broadcast_arrays(_dims(dim), _eps(eps))
    out = np.full(d.shape, -np.inf)
    for dim_value in np.unique(d):
        at = (d == dim_value) & (e < 1)
        if not at.any():
            continue
        n = int(dim_value) - 1
        j = np.arange(int(dim_value) // 2, n + 1, dtype=float)
        x = (1.0 - e[at])[:, None] / 2.0
        log_pmf = (special.gammaln(n + 1) - special.gammaln(j + 1) - special.gammaln(n - j + 1)
                   + j * np.log(x) + (n - j) * np.log1p(-x))
        out[at] = np.minimum((np.log(2.0) + special.logsumexp(log_pmf, axis=1)) / np.log(10.0), 0.0)
    return out


def exact_density(dim, f) -> np.ndarray:
    r"""Density of :math:`f = 2X - 1`, :math:`X\sim\mathrm{Beta}(D/2, D/2)`:
    :math:`p(f) = \frac{(1 - f^2)^{D/2 - 1}}{2^{D-1} B(D/2, D/2)}` on :math:`[-1, 1]`."""
    d, f = np.broadcast_arrays(_dims(dim), np.asarray(f, dtype=float))
    a = d / 2.0
    with np.errstate(divide="ignore"):
        log_p = (a - 1) * np.log1p(-f**2) - (d - 1) * np.log(2.0) - special.betaln(a, a)
    return np.where(np.abs(f) < 1, np.exp(log_p), np.where(d == 2, 0.5 * (np.abs(f) <= 1), 0.0))


def exact_variance(dim) -> np.ndarray:
    r""":math:`\mathrm{Var} f = 1/(D+1)`. From the 2-design moment
    :math:`\E\,|\psi\rangle\langle\psi|^{\otimes 2} = (I + \mathrm{SWAP})/(D(D+1))`:
    :math:`\E f^2 = (\Tr(O)^2 + \Tr(O^2))/(D(D+1)) = D/(D(D+1))`, and :math:`\E f = \Tr O/D = 0`."""
    return 1.0 / (_dims(dim) + 1.0)


def exact_fourth_moment(dim) -> np.ndarray:
    r""":math:`\E f^4 = 3/((D+1)(D+3))`, the fourth central moment of :math:`2X - 1`,
    :math:`X \sim \mathrm{Beta}(D/2, D/2)`; with it the standard error of a sample variance of
    :math:`N` values is :math:`\sqrt{(\E f^4 - (\mathrm{Var} f)^2)/N}`."""
    d = _dims(dim)
    return 3.0 / ((d + 1.0) * (d + 3.0))


def moments(df: pd.DataFrame) -> pd.DataFrame:
    r"""Per size: sample mean and variance beside the exact ones, with z-scores
    (:func:`plateaus.analysis.z_scores`; standard errors from the exact second and fourth
    moments, :math:`\sqrt{\mathrm{Var} f/N}` and :math:`\sqrt{(\E f^4 - (\mathrm{Var} f)^2)/N}`)."""
    m = df.groupby("dim")[["samples", "sample_mean", "sample_var", "var_exact"]].first()
    n, var = m["samples"], m["var_exact"]
    fourth = exact_fourth_moment(m.index.to_numpy())
    return m.assign(
        mean_z=analysis.z_scores(m["sample_mean"], np.sqrt(var / n), 0.0),
        var_ratio=m["sample_var"] / var,
        var_z=analysis.z_scores(m["sample_var"], np.sqrt((fourth - var**2) / n), var),
    )


def chebyshev_bound(dim, eps) -> np.ndarray:
    r"""Chebyshev: :math:`\Pr[|f - \E f| \ge \varepsilon] \le \mathrm{Var} f/\varepsilon^2
    = 1/((D+1)\varepsilon^2)`, capped at 1."""
    d, e = np.broadcast_arrays(_dims(dim), _eps(eps))
    return np.minimum(1.0 / ((d + 1.0) * e**2), 1.0)


def lipschitz_constant(norm_O: float = 1.0) -> float:
    r"""Lipschitz constant :math:`\eta = 2\|O\|_\infty` of :math:`\psi \mapsto \langle\psi|O|\psi\rangle`
    on the unit sphere of :math:`\mathbb{C}^D = \mathbb{R}^{2D}` (Euclidean metric):
    :math:`|f(\psi) - f(\phi)| = |\langle\psi|O|\psi-\phi\rangle + \langle\psi-\phi|O|\phi\rangle|
    \le 2\|O\|_\infty\|\psi - \phi\|`. For a Pauli it is attained: the gradient on the sphere has
    norm :math:`2\sqrt{\langle O^2\rangle - \langle O\rangle^2} = 2` wherever :math:`\langle O\rangle = 0`."""
    return 2.0 * _eta(norm_O)


def levy_bound_hlw(dim, eps, eta: float = 2.0) -> np.ndarray:
    r"""Lévy's lemma with Hayden, Leung and Winter's explicit constant (Lemma III.1 of
    Commun. Math. Phys. 265, 95 (2006); the same statement is in Popescu, Short and Winter,
    Nat. Phys. 2, 754 (2006)): for :math:`f` :math:`\eta`-Lipschitz on the real sphere
    :math:`S^k`, :math:`\Pr[|f - \E f| \ge \varepsilon] \le 2\exp(-(k+1)\varepsilon^2/(9\pi^3\eta^2))`.
    The unit sphere of :math:`\mathbb{C}^D` is :math:`S^{2D-1}`, so :math:`k + 1 = 2D` and, in the
    form of the paper's Lemma 5, :math:`C = 2/(9\pi^3)`. Capped at 1 for the figure."""
    d, e = np.broadcast_arrays(_dims(dim), _eps(eps))
    return np.minimum(2.0 * np.exp(-HLW_C1 * 2.0 * d * e**2 / _eta(eta) ** 2), 1.0)


def levy_bound_curvature(dim, eps, eta: float = 2.0) -> np.ndarray:
    r"""Concentration from curvature (Bakry–Émery, then Herbst's argument; Ledoux 2001): on a
    manifold with Ricci curvature :math:`\ge R > 0`, an :math:`\eta`-Lipschitz :math:`f` obeys
    :math:`\Pr[f - \E f \ge \varepsilon] \le \exp(-R\varepsilon^2/(2\eta^2))`. The unit sphere
    :math:`S^{2D-1}` has :math:`R = 2D - 2`, so two-sided
    :math:`\Pr[|f - \E f| \ge \varepsilon] \le 2\exp(-(D-1)\varepsilon^2/\eta^2)`: the paper's
    Lemma 5 with :math:`C = (D-1)/D \ge 1/2`. Capped at 1."""
    d, e = np.broadcast_arrays(_dims(dim), _eps(eps))
    return np.minimum(2.0 * np.exp(-(d - 1.0) * e**2 / _eta(eta) ** 2), 1.0)


BOUNDS = ("chebyshev", "levy_hlw", "levy_curvature")


def log10_bound(name: str, dim, eps, eta: float = 2.0) -> np.ndarray:
    r""":math:`\log_{10}` of the bound ``name`` (:data:`BOUNDS`), capped at 0 like the bounds
    themselves, in closed form so that it does not underflow where the bound does (the
    curvature bound of :math:`D = 2^{12}` at :math:`\varepsilon` near 1 is below the smallest
    double)."""
    d, e = np.broadcast_arrays(_dims(dim), _eps(eps))
    ln10, eta = np.log(10.0), _eta(eta)
    if name == "chebyshev":
        log = -np.log10((d + 1.0) * e**2)
    elif name == "levy_hlw":
        log = (np.log(2.0) - HLW_C1 * 2.0 * d * e**2 / eta**2) / ln10
    elif name == "levy_curvature":
        log = (np.log(2.0) - (d - 1.0) * e**2 / eta**2) / ln10
    else:
        raise ValueError(f"name = {name!r} is not allowed; expected one of {BOUNDS}")
    return np.minimum(log, 0.0)


def hlw_crossover() -> dict:
    r"""Where Lévy's bound with the HLW constant (:math:`\eta = 2`) first becomes non-trivial
    (:math:`< 1`) and where it overtakes Chebyshev, as values of :math:`x = D\varepsilon^2`
    (Chebyshev taken as :math:`1/x`, its large-:math:`D` form)."""
    from scipy.optimize import brentq

    c = HLW_C1 * 2.0 / 4.0  # exponent per unit D eps^2
    nontrivial = np.log(2.0) / c
    # 2 exp(-c x) = 1/x has two roots; the larger is where Levy wins for good.
    g = lambda x: np.log(2.0 * x) - c * x  # noqa: E731
    beats_chebyshev = brentq(g, 1.0 / c, 1e3 / c)
    return {"nontrivial": float(nontrivial), "beats_chebyshev": float(beats_chebyshev)}


# --------------------------------------------------------------------------- sampling


def _check_observable(observable: str, n_qubits: int) -> str:
    if not isinstance(observable, str) or not observable or set(observable) - set("IXYZ") or set(observable) == {"I"}:
        raise ValueError(f"observable = {observable!r} is not allowed; expected a non-identity Pauli label over 'IXYZ'")
    if len(observable) > n_qubits:
        raise ValueError(
            f"observable = {observable!r} acts on {len(observable)} qubits; more than n_qubits = {n_qubits}"
        )
    return observable


def pauli_expectations(states: np.ndarray, observable: str) -> np.ndarray:
    r""":math:`\langle\psi|(P \otimes I)|\psi\rangle` for a batch ``(B, 2**n)`` of states, with
    the Pauli ``observable`` on the first ``len(observable)`` (visible) qubits."""
    states = np.asarray(states)
    n = int(states.shape[-1]).bit_length() - 1
    label = _check_observable(observable, n) + "I" * (n - len(observable))
    return np.einsum("bi,bi->b", states.conj(), apply_pauli(label, states)).real


def _chunk(seeds, *, n_qubits, observable):
    dim = 2**n_qubits
    psi = np.empty((len(seeds), dim), dtype=complex)
    for i, s in enumerate(seeds):
        rng = np.random.default_rng(s)
        psi[i] = rng.standard_normal(2 * dim).view(np.complex128)  # i.i.d. real and imaginary parts
    psi /= np.linalg.norm(psi, axis=1, keepdims=True)
    return pauli_expectations(psi, observable)


def sample_expectations(n_qubits: int, samples: int, seed, observable: str = "Z", chunk_size: int = 1000) -> np.ndarray:
    """``samples`` values of f on independent Haar states of ``n_qubits`` qubits (one seed per
    sample, as every ensemble of the book), shape ``(samples,)``."""
    _check_observable(observable, n_qubits)
    return map_instances(_chunk, samples, seed=seed, chunk_size=chunk_size, n_qubits=n_qubits,
                         observable=observable, desc=f"Haar states, n={n_qubits}")


def eps_grid(eps_points: int) -> np.ndarray:
    """Thresholds ``k / eps_points`` for ``k = 1 .. eps_points - 1`` (|f| <= 1 always)."""
    return np.arange(1, eps_points) / eps_points


def tail_table(values: np.ndarray, n_qubits: int, eps: np.ndarray) -> pd.DataFrame:
    """Aggregate samples of f (mean 0 exactly) into tail counts at each threshold, beside the
    exact law and the three bounds."""
    dim = 2**n_qubits
    dev = np.sort(np.abs(values))
    count = dev.size - np.searchsorted(dev, eps, side="left")  # |f - E f| >= eps
    return pd.DataFrame({
        "n_qubits": n_qubits, "dim": dim, "eps": eps, "samples": dev.size, "count": count,
        "tail_empirical": count / dev.size, "tail_exact": exact_tail(dim, eps),
        "chebyshev": chebyshev_bound(dim, eps), "levy_hlw": levy_bound_hlw(dim, eps),
        "levy_curvature": levy_bound_curvature(dim, eps),
        "sample_mean": float(values.mean()), "sample_var": float(values.var(ddof=1)),
        "var_exact": float(exact_variance(dim)),
    })


def tails(params: dict, *, recompute: bool = False) -> pd.DataFrame:
    """One row per size and threshold: empirical tail of f from ``samples`` Haar states, the exact
    law, Chebyshev, and the two explicit Lévy bounds."""
    scale = params["scale"]
    params = chapter_params(CHAPTER, scale, **{k: v for k, v in params.items() if k not in ("chapter", "scale")})
    for n in params["n_qubits"]:
        _check_observable(params["observable"], n)
    if params["quote_qubits"] not in params["n_qubits"]:
        raise ValueError(f"quote_qubits = {params['quote_qubits']} is not allowed; expected one of n_qubits {params['n_qubits']}")

    def compute() -> pd.DataFrame:
        eps = eps_grid(params["eps_points"])
        frames = []
        for n in params["n_qubits"]:
            values = sample_expectations(n, params["samples"], [params["seed"], n], params["observable"],
                                         params["chunk_size"])
            frames.append(tail_table(values, n, eps))
        return pd.concat(frames, ignore_index=True)[COLUMNS]

    return store.cached(CHAPTER, scale, EXPERIMENT, params, compute, recompute=recompute)


# --------------------------------------------------------------------------- summaries


def binomial_se(df: pd.DataFrame) -> pd.Series:
    """Standard error of each empirical tail, sqrt(p (1 - p) / N)."""
    p = df["tail_empirical"]
    return np.sqrt(p * (1 - p) / df["samples"])


def wilson_interval(df: pd.DataFrame, z: float = 2.0) -> tuple[pd.Series, pd.Series]:
    r"""Wilson score interval of each empirical tail (``z`` standard errors): unlike
    :math:`p \pm z\,\mathrm{se}` it stays inside :math:`[0, 1]`, so it can be drawn on a log axis."""
    n, p = df["samples"], df["tail_empirical"]
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def bound_checks(df: pd.DataFrame) -> pd.DataFrame:
    """For each bound: on how many of the drawn points it lies at or above the exact tail and at
    or above the empirical tail, at how many it is non-trivial (below 1), and there its smallest
    margin over the exact tail in orders of magnitude (NaN if it is nowhere non-trivial). The
    exact tail and the bounds are compared in logarithms (:func:`log10_exact_tail`,
    :func:`log10_bound`), so that the points where either underflows in double precision are
    checked too."""
    dim, eps = df["dim"].to_numpy(), df["eps"].to_numpy()
    log_exact = log10_exact_tail(dim, eps)
    rows = []
    for name in BOUNDS:
        log_bound = log10_bound(name, dim, eps)
        informative = log_bound < 0
        margin = (log_bound - log_exact)[informative]
        rows.append({
            "bound": name, "points": len(df),
            "above_exact": int((log_bound >= log_exact - 1e-12).sum()),
            "above_empirical": int((df[name] >= df["tail_empirical"]).sum()),
            "nontrivial": int(informative.sum()),
            "min_log10_margin": float(margin.min()) if len(margin) else float("nan"),
        })
    return pd.DataFrame(rows)


def binned_gof(df: pd.DataFrame, min_expected: float = 5.0) -> pd.DataFrame:
    r"""A :math:`\chi^2` goodness-of-fit test of the sampled law of :math:`|f|` against the exact
    one, per size. The counts beyond consecutive thresholds give the samples in each bin
    :math:`[\varepsilon_k, \varepsilon_{k+1})` (and :math:`[0, \varepsilon_1)`,
    :math:`[\varepsilon_K, 1]`); bins are pooled from the small-:math:`|f|` end until each expects
    at least ``min_expected`` samples (the last remainder joins the last bin). Nothing is fitted,
    so ``dof`` is the number of bins minus one.

    Columns: ``n_qubits``, ``dim``, ``samples``, ``bins``, ``chi2``, ``dof``, ``p_value``.
    """
    from scipy import stats

    rows = []
    for n, part in df.sort_values("eps").groupby("n_qubits"):
        N = int(part["samples"].iloc[0])
        counts = np.concatenate([[N], part["count"].to_numpy(dtype=float), [0.0]])
        tails = np.concatenate([[1.0], part["tail_exact"].to_numpy(), [0.0]])
        observed, expected = -np.diff(counts), -np.diff(tails) * N  # the last bin is |f| >= eps_K
        obs, exp_, o, e = [], [], 0.0, 0.0
        for ok, ek in zip(observed, expected):
            o, e = o + ok, e + ek
            if e >= min_expected:
                obs.append(o), exp_.append(e)
                o, e = 0.0, 0.0
        if e > 0 or o > 0:
            if obs:
                obs[-1] += o
                exp_[-1] += e
            else:
                obs.append(o), exp_.append(e)
        obs, exp_ = np.array(obs), np.array(exp_)
        chi2 = float(((obs - exp_) ** 2 / exp_).sum())
        dof = len(obs) - 1
        rows.append({"n_qubits": int(n), "dim": int(part["dim"].iloc[0]), "samples": N, "bins": len(obs),
                     "chi2": chi2, "dof": dof, "p_value": float(stats.chi2.sf(chi2, dof)) if dof > 0 else np.nan})
    return pd.DataFrame(rows)


def sidak_max(z_max: float, k: int) -> float:
    r"""The probability that the largest :math:`|z|` of ``k`` independent standard normal
    deviates is at least ``z_max``: :math:`1 - (1 - 2\bar\Phi(z_{max}))^k`."""
    from scipy import stats

    return float(1.0 - (1.0 - 2.0 * stats.norm.sf(abs(z_max))) ** int(k))


def at_point(df: pd.DataFrame, n_qubits: int, eps: float) -> pd.Series:
    """The row of the table nearest to ``eps`` at ``n_qubits``."""
    part = df[df["n_qubits"] == n_qubits]
    if part.empty:
        raise ValueError(f"n_qubits = {n_qubits} is not in the table; expected one of {sorted(df['n_qubits'].unique())}")
    return part.iloc[int(np.argmin(np.abs(part["eps"].to_numpy() - eps)))]


#: The two-sided 95 % normal quantile, for the Wilson interval of a quoted tail.
WILSON_Z95 = 1.959963984540054

#: The sampled tail is compared with the exact law where the law expects at least this many
#: samples beyond :math:`\varepsilon` (there the binomial error is nearly normal).
MIN_EXPECTED = 20


def tail_z_scores(df: pd.DataFrame, min_expected: int = MIN_EXPECTED) -> pd.DataFrame:
    r"""The points of the table where the exact law expects at least ``min_expected`` samples
    beyond :math:`\varepsilon`, with the z-score of the sampled tail against the exact one,
    :math:`(\hat p - p)/\sqrt{p(1-p)/N}` (binomial error from the exact :math:`p`;
    :func:`plateaus.analysis.z_scores`), in the column ``z``."""
    if not (isinstance(min_expected, (int, np.integer)) and min_expected >= 1):
        raise ValueError(f"min_expected = {min_expected!r} is not allowed; expected an integer >= 1")
    resolved = df[df["tail_exact"] * df["samples"] >= min_expected]
    p = resolved["tail_exact"]
    se = np.sqrt(p * (1 - p) / resolved["samples"])
    return resolved.assign(z=analysis.z_scores(resolved["tail_empirical"], se, p))


def _orders(bound: float, tail: float) -> float:
    """How many orders of magnitude ``bound`` lies above ``tail``: log10(bound / tail)."""
    return float(np.log10(bound / tail))


def quoted(params: dict, df: pd.DataFrame) -> dict:
    r"""Every number the chapter quotes, from its table (:func:`tails`) and its parameters; keys
    are the glue names without the chapter prefix (``_`` becomes ``-`` in the glue key).

    ``q-*``: the point nearest ``quote_eps`` at ``quote_qubits`` (:func:`at_point`); ``big-*``:
    the same :math:`\varepsilon` at the largest size; ``*-orders``: :math:`\log_{10}` of a
    bound over the tail; ``fit-*``, ``var-*``, ``mean-*``: the agreement of the samples with the
    exact law (:func:`tail_z_scores`, :func:`moments`; ``*-z-p`` the chance of so large a
    largest :math:`|z|` over the independent sizes, :func:`sidak_max`); ``gof-*``: the
    :math:`\chi^2` tests of :func:`binned_gof` (``gof-rejected``: sizes with p below
    :data:`plateaus.analysis.REJECT_ALPHA`); ``above-<bound>``, ``nontrivial-<bound>``
    (:func:`bound_checks`); ``x-*``, ``n-beats`` (:func:`hlw_crossover`).
    """
    params = chapter_params(CHAPTER, params["scale"],
                            **{k: v for k, v in params.items() if k not in ("chapter", "scale")})
    samples = params["samples"]
    q = at_point(df, params["quote_qubits"], params["quote_eps"])
    big = at_point(df, max(params["n_qubits"]), params["quote_eps"])
    z = tail_z_scores(df)
    m = moments(df)
    checks = bound_checks(df).set_index("bound")
    cross = hlw_crossover()
    margin = checks.loc["levy_hlw", "min_log10_margin"]
    gof = binned_gof(df)
    low, high = wilson_interval(pd.DataFrame([q]), z=WILSON_Z95)
    out = {
        "scale": params["scale"], "samples": samples, "observable": params["observable"],
        "resolution": 1 / samples, "rule-of-three": 3 / samples, "c-hlw": 2 * HLW_C1,
        "q-n": int(q["n_qubits"]), "q-eps": float(q["eps"]), "q-exact": float(q["tail_exact"]),
        "q-empirical": float(q["tail_empirical"]), "q-count": int(q["count"]),
        "q-empirical-low": float(low.iloc[0]), "q-empirical-high": float(high.iloc[0]),
        "q-hlw-raw": float(2.0 * np.exp(-HLW_C1 * 2.0 * q["dim"] * q["eps"] ** 2 / 4.0)),
        "q-cheb": float(q["chebyshev"]), "q-orders": _orders(q["chebyshev"], q["tail_exact"]),
        "q-orders-emp": _orders(q["chebyshev"], q["tail_empirical"]) if q["count"] > 0 else float("nan"),
        "q-hlw": float(q["levy_hlw"]), "q-curv": float(q["levy_curvature"]),
        "q-curv-vs-cheb": "above" if q["levy_curvature"] > q["chebyshev"] else "below",
        "big-n": int(big["n_qubits"]), "big-eps": float(big["eps"]), "big-exact": float(big["tail_exact"]),
        "big-cheb": float(big["chebyshev"]), "big-orders": _orders(big["chebyshev"], big["tail_exact"]),
        "big-curv-orders": _orders(big["levy_curvature"], big["tail_exact"]),
        "big-hlw": float(big["levy_hlw"]), "big-curv": float(big["levy_curvature"]),
        "min-expected": MIN_EXPECTED, "fit-points": len(z),
        "fit-z": float(z["z"].abs().max()) if len(z) else float("nan"),
        "var-dev": float((m["var_ratio"] - 1).abs().max()), "var-z": float(m["var_z"].abs().max()),
        "mean-z": float(m["mean_z"].abs().max()), "sizes": len(m),
        "var-z-p": sidak_max(m["var_z"].abs().max(), len(m)),
        "mean-z-p": sidak_max(m["mean_z"].abs().max(), len(m)),
        "gof-p-min": float(gof["p_value"].min()), "gof-p-max": float(gof["p_value"].max()),
        "gof-rejected": int((gof["p_value"] < analysis.REJECT_ALPHA).sum()),
        "gof-bins-min": int(gof["bins"].min()), "gof-bins-max": int(gof["bins"].max()),
        "check-points": int(checks["points"].iloc[0]),
        "x-nontrivial": cross["nontrivial"], "x-beats": cross["beats_chebyshev"],
        "n-beats": int(np.ceil(np.log2(cross["beats_chebyshev"]))),
        "hlw-margin-text": (f", and even there it is at least {margin:.0f} orders of magnitude above the exact tail"
                            if np.isfinite(margin) else ""),
    }
    for bound, row in checks.iterrows():
        out |= {f"above-{bound}": int(row["above_exact"]), f"above-emp-{bound}": int(row["above_empirical"]),
                f"nontrivial-{bound}": int(row["nontrivial"])}
    return out


def results_rows(numbers: dict) -> list[dict]:
    """The chapter's rows of the book's results table, from :func:`quoted`'s numbers."""
    def row(quantity, paper, ours):
        return {"result": "Lemma 5", "figure": "(book)", "quantity": quantity, "paper": paper, "ours": ours}

    n_points = numbers["check-points"]
    held = ", ".join(f"{b} {numbers[f'above-{b}']}/{n_points}" for b in ("chebyshev", "levy_hlw", "levy_curvature"))
    return [
        row(f"orders of magnitude between Chebyshev and the Haar tail, D = 2^{numbers['q-n']}, "
            f"eps = {numbers['q-eps']:.2f}", "not simulated",
            f"{numbers['q-orders']:.1f} (exact), {numbers['q-orders-emp']:.1f} (sampled)"),
        row(f"same, D = 2^{numbers['big-n']}, eps = {numbers['big-eps']:.2f} (exact law)", "not simulated",
            f"{numbers['big-orders']:.1f}"),
        row("D eps^2 beyond which Levy with C = 2/(9 pi^3) (HLW) beats Chebyshev", "C in Theta(1), unspecified",
            f"{numbers['x-beats']:.0f}"),
        row("points where each bound lies above the exact tail", "not simulated", held),
        row("sampled law of |f| against the exact Beta law, χ² test of binned counts per size",
            "not simulated", f"p from {numbers['gof-p-min']:.2g} to {numbers['gof-p-max']:.2g} over "
            f"{numbers['sizes']} sizes; {numbers['gof-rejected']} below 0.01"),
    ]
