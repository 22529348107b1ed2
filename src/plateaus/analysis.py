r"""Every fit, interval, bootstrap and test statistic the book's pages quote.

One module, so that a slope means the same thing on every page:

* :func:`fit_line`: weighted least squares with per-point standard errors, the slope's
  interval from Student's t with :math:`n - 2` degrees of freedom, :math:`\chi^2/\mathrm{dof}`
  and the p-value of the straight line. :func:`log_fit` does the same for the logarithm of a
  positive statistic (the paper's semilog fits), in any base; :meth:`LineFit.in_base` converts.
* :func:`group_stats`: mean, variance and their standard errors per group of instances.
* :func:`bootstrap_log_fit`: a seeded bootstrap over instances for the slope of the log of a
  mean (or variance) and for its per-step differences
  :math:`\log_b s(n_h + 1) - \log_b s(n_h)`.
* :func:`z_scores`: distances from exact values in standard errors.

Conventions. A slope is "per unit of ``x``" (per hidden qubit in the book), in the log base
named by the fit. When the line is fitted with per-point standard errors, the slope's standard
error is the one those errors imply, enlarged by :math:`\sqrt{\chi^2/\mathrm{dof}}` when the
points scatter more than their errors allow (never made smaller when they scatter less: an
interval is never narrower than the measurement errors imply), and its interval uses the t
quantile with ``dof = n - 2`` degrees of freedom, so it covers the true slope at least 95 % of
the time. The p-value of :math:`\chi^2` asks whether the given
errors, as they are, explain the scatter about the line. A line whose p-value is below
``alpha`` (0.01 by default) is *rejected*: the data are not a straight line within their
errors, and the slope summarises a curve; pages quote the per-step differences then.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats as _st

#: Significance level below which a straight line is called rejected by the data.
REJECT_ALPHA = 0.01
#: Confidence level of every interval the book quotes.
LEVEL = 0.95
#: Bootstrap replicates unless a caller asks for more.
N_BOOT = 2000

STATISTICS = ("mean", "var")


def _check_level(level) -> float:
    if not (isinstance(level, (int, float, np.floating)) and 0.0 < float(level) < 1.0):
        raise ValueError(f"level must be a confidence level in (0, 1), got {level!r}")
    return float(level)


def _check_statistic(statistic) -> str:
    if statistic not in STATISTICS:
        raise ValueError(f"statistic = {statistic!r} is not allowed; expected one of {STATISTICS}")
    return statistic


def _check_base(base) -> float:
    if isinstance(base, str):
        if base == "e":
            return float(np.e)
        raise ValueError(f"base must be a number > 1 or 'e', got {base!r}")
    if not (isinstance(base, (int, float, np.floating)) and np.isfinite(base) and base > 1):
        raise ValueError(f"base must be a number > 1 or 'e', got {base!r}")
    return float(base)


def _base_name(base: float) -> str:
    if base == 2.0:
        return "log2"
    if base == np.e:
        return "ln"
    if base == 10.0:
        return "log10"
    return f"log{base:g}"


def interval_text(value: float, low: float, high: float, digits: int = 3) -> str:
    """``"-0.436 [-0.483, -0.389]"``: a value and its interval; the value alone when the
    interval is not finite, ``"–"`` when the value is not."""
    if not np.isfinite(value):
        return "–"
    if not (np.isfinite(low) and np.isfinite(high)):
        return f"{value:.{digits}f}"
    return f"{value:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def chi2_text(value: float) -> str:
    r""":math:`\chi^2/\mathrm{dof}` for a reader: two decimals below 10, one below 100, then
    none (``0.53``, ``14.2``, ``231``), never in exponent notation."""
    if not np.isfinite(value):
        return "n/a"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


@dataclass(frozen=True)
class LineFit:
    r"""A fitted line :math:`y = a x + b` with its interval and quality.

    ``slope_se`` is the standard error quoted (for a weighted fit, enlarged by
    :math:`\sqrt{\chi^2/\mathrm{dof}}` when that exceeds 1); ``slope_low``, ``slope_high`` the ``level`` interval
    from Student's t with ``dof`` degrees of freedom. ``chi2``, ``chi2_dof``, ``p_value``: the
    goodness of fit of a weighted fit (NaN for an unweighted one, which has no errors to
    compare its residuals with). ``log`` names the log of the fitted quantity (``"log2"``,
    ``"ln"``) or is ``""`` for a fit of the quantity itself.
    """

    slope: float
    intercept: float
    slope_se: float
    intercept_se: float
    slope_low: float
    slope_high: float
    n_points: int
    dof: int
    chi2: float
    chi2_dof: float
    p_value: float
    weighted: bool
    level: float = LEVEL
    log: str = ""

    def __call__(self, x):
        return self.slope * np.asarray(x, dtype=float) + self.intercept

    def rejected(self, alpha: float = REJECT_ALPHA) -> bool:
        """True when the straight line is rejected at level ``alpha`` (p-value below it)."""
        return bool(np.isfinite(self.p_value) and self.p_value < alpha)

    def in_base(self, log: str) -> "LineFit":
        r"""The same fit with the fitted quantity read in another log (``"log2"`` or ``"ln"``):
        slopes, intercepts and intervals scale by :math:`\log_{new} b_{old}`; the fit quality
        does not change."""
        factors = {"log2": 1.0 / np.log(2.0), "ln": 1.0, "log10": 1.0 / np.log(10.0)}
        if self.log not in factors or log not in factors:
            raise ValueError(f"log must be one of {tuple(factors)} for a fit of a logarithm, "
                             f"got {log!r} (this fit: {self.log or 'not a logarithm'!r})")
        k = factors[log] / factors[self.log]
        return LineFit(self.slope * k, self.intercept * k, self.slope_se * k, self.intercept_se * k,
                       self.slope_low * k, self.slope_high * k, self.n_points, self.dof, self.chi2,
                       self.chi2_dof, self.p_value, self.weighted, self.level, log)

    def interval_text(self, digits: int = 3) -> str:
        """``"-0.436 [-0.483, -0.389]"``: the slope and its interval (:func:`interval_text`)."""
        return interval_text(self.slope, self.slope_low, self.slope_high, digits)

    def quality_text(self) -> str:
        """``"χ²/dof = 14.2 (dof 2, p = 7e-07)"``, or the degrees of freedom of an unweighted fit."""
        if not np.isfinite(self.chi2_dof):
            return f"unweighted, dof {self.dof}"
        return f"χ²/dof = {chi2_text(self.chi2_dof)} (dof {self.dof}, p = {self.p_value:.2g})"

    def text(self, digits: int = 3) -> str:
        """The slope, its interval and the fit quality in one line (for ``results.csv``):
        ``"-0.436 [-0.483, -0.389] (95 %, t with 2 dof); χ²/dof = 14 (p = 7e-07): line rejected"``."""
        out = f"{self.interval_text(digits)}"
        if np.isfinite(self.slope_low):
            out += f" ({100 * self.level:.0f} %, t with {self.dof} dof)"
        if np.isfinite(self.chi2_dof):
            out += f"; χ²/dof = {chi2_text(self.chi2_dof)} (p = {self.p_value:.2g})"
            if self.rejected():
                out += ": line rejected"
        return out

    def as_dict(self, prefix: str = "") -> dict:
        """The fields as a flat dict, keys prefixed (for a row of a table)."""
        return {f"{prefix}{k}": v for k, v in asdict(self).items()}


def fit_line(x, y, y_se=None, *, level: float = LEVEL, log: str = "") -> LineFit:
    r"""Least-squares line of ``y`` on ``x``, weighted by ``1 / y_se**2`` when errors are given.

    With weights :math:`w_i = 1/\sigma_i^2`, :math:`\Delta = S S_{xx} - S_x^2` (sums over
    points of :math:`w, wx, wx^2`), the slope's variance is :math:`S/\Delta` times
    :math:`\max(1, \chi^2/\mathrm{dof})`, and
    :math:`\chi^2 = \sum_i w_i (y_i - a x_i - b)^2` has :math:`n - 2` degrees of freedom under
    the line; its upper tail is the p-value. Without errors it is ordinary least squares with
    the residual variance (``chi2`` NaN). Two points give the line through them with no
    interval (``dof = 0``).

    Parameters
    ----------
    x, y : array_like, shape (n,)
    y_se : array_like, shape (n,), optional
        Standard errors of ``y``, finite and > 0.
    level : float
        Confidence level of the slope's interval.
    log : str
        What ``y`` is the logarithm of, for :meth:`LineFit.in_base` (``""``, ``"log2"``, ``"ln"``).
    """
    level = _check_level(level)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim != 1 or x.shape != y.shape or x.size < 2:
        raise ValueError(f"x and y must be 1-d of equal length >= 2, got shapes {x.shape} and {y.shape}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("x and y must be finite (a log of a zero statistic is -inf: drop that point)")
    if np.ptp(x) == 0:
        raise ValueError("x must take at least two distinct values")
    weighted = y_se is not None
    if weighted:
        y_se = np.asarray(y_se, dtype=float)
        if y_se.shape != y.shape or not np.all(np.isfinite(y_se) & (y_se > 0)):
            raise ValueError(f"y_se must be finite and > 0 with the shape of y {y.shape}")
        w = 1.0 / y_se**2
    else:
        w = np.ones_like(x)
    s, sx, sy = w.sum(), (w * x).sum(), (w * y).sum()
    xm, ym = sx / s, sy / s
    sxx = (w * (x - xm) ** 2).sum()
    slope = float((w * (x - xm) * (y - ym)).sum() / sxx)
    intercept = float(ym - slope * xm)
    n, dof = x.size, x.size - 2
    resid = y - (slope * x + intercept)
    nan = float("nan")
    if dof == 0:
        return LineFit(slope, intercept, nan, nan, nan, nan, n, 0, nan, nan, nan, weighted, level, log)
    chi2 = float((w * resid**2).sum())
    if weighted:
        scale = max(1.0, chi2 / dof)
        chi2_dof, p_value = chi2 / dof, float(_st.chi2.sf(chi2, dof))
    else:
        scale = chi2 / dof  # residual variance
        chi2, chi2_dof, p_value = nan, nan, nan
    slope_se = float(np.sqrt(scale / sxx))
    intercept_se = float(np.sqrt(scale * (1.0 / s + xm**2 / sxx)))
    t = float(_st.t.ppf(0.5 + level / 2, dof))
    return LineFit(slope, intercept, slope_se, intercept_se, slope - t * slope_se, slope + t * slope_se,
                   n, dof, chi2, chi2_dof, p_value, weighted, level, log)


def log_values(values, se=None, base=2):
    r""":math:`\log_b` of positive values and, by the delta method, their standard errors
    :math:`\sigma / (v \ln b)`. Returns ``(log_values, log_se)`` (``log_se`` None without ``se``)."""
    b = _check_base(base)
    v = np.asarray(values, dtype=float)
    if not np.all(v > 0):
        raise ValueError("a logarithm needs values > 0")
    out = np.log(v) / np.log(b)
    if se is None:
        return out, None
    return out, np.asarray(se, dtype=float) / (v * np.log(b))


def log_fit(x, values, se=None, *, base=2, level: float = LEVEL) -> LineFit:
    r"""Line of :math:`\log_b` ``values`` on ``x``, weighted by the delta-method errors of the
    logs when ``se`` (standard errors of ``values``) is given: the paper's semilog fits."""
    y, y_se = log_values(values, se, base)
    return fit_line(x, y, y_se, level=level, log=_base_name(_check_base(base)))


def mean_se(values, axis=-1) -> np.ndarray:
    r"""Standard error of the mean, :math:`s/\sqrt n` (``ddof = 1``)."""
    v = np.asarray(values, dtype=float)
    n = v.shape[axis]
    if n < 2:
        raise ValueError(f"a standard error needs at least 2 values, got {n}")
    return v.std(axis=axis, ddof=1) / np.sqrt(n)


def variance_se(values, axis=-1) -> np.ndarray:
    r"""Standard error of the unbiased sample variance :math:`s^2`,
    :math:`\sqrt{(m_4 - \frac{n-3}{n-1} s^4)/n}`, with :math:`m_4` the fourth central moment
    (exact for the variance of :math:`s^2` given the population moments)."""
    v = np.asarray(values, dtype=float)
    n = v.shape[axis]
    if n < 4:
        raise ValueError(f"the standard error of a variance needs at least 4 values, got {n}")
    c = v - v.mean(axis=axis, keepdims=True)
    m4 = (c**4).mean(axis=axis)
    s2 = v.var(axis=axis, ddof=1)
    return np.sqrt(np.maximum(m4 - (n - 3) / (n - 1) * s2**2, 0.0) / n)


def group_stats(df: pd.DataFrame, by, value: str) -> pd.DataFrame:
    """Per group of ``by``: ``n``, ``mean``, ``se`` (of the mean), ``var`` (``ddof = 1``) and
    ``var_se`` (:func:`variance_se`) of the column ``value``."""
    by = [by] if isinstance(by, str) else list(by)
    if value not in df.columns:
        raise ValueError(f"value = {value!r} is not a column; columns: {list(df.columns)}")
    rows = []
    for key, g in df.groupby(by, sort=True):
        v = g[value].to_numpy(dtype=float)
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by, key)), "n": v.size, "mean": v.mean(), "se": mean_se(v),
                     "var": v.var(ddof=1), "var_se": variance_se(v) if v.size >= 4 else np.nan})
    return pd.DataFrame(rows)


def log_fits(df: pd.DataFrame, by, value: str, *, x: str = "n_hidden", statistic: str = "mean",
             sizes=None, level: float = LEVEL) -> pd.DataFrame:
    r"""Per group of ``by``: the weighted fit of :math:`\log_2` of the ``statistic`` (``"mean"``
    or ``"var"``) of ``value`` over instances against ``x``, with its errors from
    :func:`group_stats`. ``sizes`` restricts the fit to those values of ``x``.

    Columns: the ``by`` columns, ``fit`` (the :class:`LineFit` in log2), ``slope_log2``,
    ``low_log2``, ``high_log2``, ``se_log2``, the same in ``ln``, ``chi2_dof``, ``p_value``,
    ``rejected``, ``dof`` and ``sizes`` (``"1..4"``).
    """
    _check_statistic(statistic)
    by = [by] if isinstance(by, str) else list(by)
    stats = group_stats(df, by + [x], value)
    if sizes is not None:
        stats = stats[stats[x].isin(list(sizes))]
    se_col = "se" if statistic == "mean" else "var_se"
    rows = []
    for key, g in stats.groupby(by, sort=False):
        fit = log_fit(g[x], g[statistic], g[se_col], base=2, level=level)
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by, key)), **fit_columns(fit),
                     "sizes": f"{g[x].min():g}..{g[x].max():g}"})
    return pd.DataFrame(rows)


def fit_columns(fit: LineFit) -> dict:
    """The columns of a table row for a fit in log2 (and its ln reading)."""
    ln = fit.in_base("ln")
    return {"fit": fit, "slope_log2": fit.slope, "se_log2": fit.slope_se, "low_log2": fit.slope_low,
            "high_log2": fit.slope_high, "intercept_log2": fit.intercept, "slope_ln": ln.slope,
            "se_ln": ln.slope_se, "low_ln": ln.slope_low, "high_ln": ln.slope_high,
            "chi2_dof": fit.chi2_dof, "p_value": fit.p_value, "dof": fit.dof, "rejected": fit.rejected()}


def _samples(samples) -> tuple[np.ndarray, list[np.ndarray]]:
    if isinstance(samples, pd.Series):
        samples = {k: g.to_numpy(dtype=float) for k, g in samples.groupby(level=0, sort=True)}
    if not isinstance(samples, Mapping) or len(samples) < 2:
        raise ValueError("samples must map at least two x values to arrays of instances")
    xs = sorted(samples)
    arrays = [np.asarray(samples[k], dtype=float).ravel() for k in xs]
    for k, a in zip(xs, arrays):
        if a.size < 4 or not np.all(np.isfinite(a)):
            raise ValueError(f"the instances at x = {k!r} must be >= 4 finite values, got {a.size}")
    return np.asarray(xs, dtype=float), arrays


@dataclass(frozen=True)
class BootstrapFit:
    r"""A bootstrap over instances of :math:`\log_b s(x)` for a statistic ``s``.

    ``slope``, ``slope_low``, ``slope_high``: the unweighted least-squares slope of the
    statistic's log at the data and its percentile interval; ``steps``: one row per consecutive
    pair of ``x`` with ``x_from``, ``x_to``, ``step`` (the difference of logs), ``low``, ``high``.
    """

    slope: float
    slope_low: float
    slope_high: float
    steps: pd.DataFrame
    statistic: str
    log: str
    n_boot: int
    seed: int
    level: float


def _statistic(values: np.ndarray, statistic: str) -> np.ndarray:
    return values.mean(axis=-1) if statistic == "mean" else values.var(axis=-1, ddof=1)


def bootstrap_log_fit(samples, *, statistic: str = "mean", base=2, n_boot: int = N_BOOT,
                      seed: int = 0, level: float = LEVEL) -> BootstrapFit:
    r"""Seeded bootstrap over instances for the slope of :math:`\log_b s` against ``x`` and
    for the per-step differences :math:`\log_b s(x_{i+1}) - \log_b s(x_i)`.

    The instances at each ``x`` are resampled with replacement, independently, from their own
    stream ``SeedSequence(seed).spawn`` (in increasing ``x``), so the result depends on the
    seed and the data only. Intervals are percentile intervals at ``level``.

    Parameters
    ----------
    samples : mapping x -> array of instances, or Series indexed by x
    statistic : ``"mean"`` or ``"var"``
    base : number > 1 or ``"e"``
    n_boot : int >= 100
    seed : int >= 0
    """
    _check_statistic(statistic)
    level = _check_level(level)
    b = _check_base(base)
    if not (isinstance(n_boot, (int, np.integer)) and n_boot >= 100):
        raise ValueError(f"n_boot must be an integer >= 100, got {n_boot!r}")
    if not (isinstance(seed, (int, np.integer)) and seed >= 0):
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    xs, arrays = _samples(samples)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(len(xs))]
    point = np.array([_statistic(a, statistic) for a in arrays])
    boot = np.empty((n_boot, len(xs)))
    for j, (a, rng) in enumerate(zip(arrays, rngs)):
        for start in range(0, n_boot, 256):  # bounded memory: 256 replicates at a time
            stop = min(start + 256, n_boot)
            boot[start:stop, j] = _statistic(a[rng.integers(0, a.size, (stop - start, a.size))], statistic)
    if np.any(point <= 0) or np.any(boot <= 0):
        raise ValueError(f"the {statistic} must be > 0 at every x to take its logarithm")
    logs, logs_boot = np.log(point) / np.log(b), np.log(boot) / np.log(b)
    xc = xs - xs.mean()
    slope = float((xc * logs).sum() / (xc**2).sum())
    slopes = (logs_boot * xc).sum(axis=1) / (xc**2).sum()
    q = [50 * (1 - level), 50 * (1 + level)]
    lo, hi = np.percentile(slopes, q)
    diffs, diffs_boot = np.diff(logs), np.diff(logs_boot, axis=1)
    step_lo, step_hi = np.percentile(diffs_boot, q, axis=0)
    steps = pd.DataFrame({"x_from": xs[:-1], "x_to": xs[1:], "step": diffs, "low": step_lo, "high": step_hi})
    return BootstrapFit(slope, float(lo), float(hi), steps, statistic, _base_name(b), int(n_boot), int(seed), level)


def median_inf(a: np.ndarray, axis=-1) -> np.ndarray:
    """Median with runs that never reached the threshold (NaN) counted as infinitely slow."""
    return np.median(np.where(np.isfinite(a), a, np.inf), axis=axis)


def finite_or_nan(x):
    """``x`` with every non-finite entry (an infinite median) as NaN."""
    x = np.asarray(x, dtype=float)
    return np.where(np.isfinite(x), x, np.nan)


def bootstrap_medians(samples, *, seed: int = 0, n_boot: int = N_BOOT) -> np.ndarray:
    """Medians of ``n_boot`` resamples (with replacement) of each array of runs in ``samples``,
    shape ``(n_boot, len(samples))``; array ``j`` is resampled from the stream
    ``SeedSequence(seed).spawn(len(samples))[j]``. NaN (a run that never reached the threshold)
    counts as infinitely slow, so a median may be ``inf``."""
    if not (isinstance(seed, (int, np.integer)) and seed >= 0):
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    if not (isinstance(n_boot, (int, np.integer)) and n_boot >= 100):
        raise ValueError(f"n_boot must be an integer >= 100, got {n_boot!r}")
    arrays = [np.asarray(a, dtype=float).ravel() for a in samples]
    if not arrays or any(a.size == 0 for a in arrays):
        raise ValueError("samples must be a non-empty list of non-empty arrays of runs")
    streams = np.random.SeedSequence(int(seed)).spawn(len(arrays))
    out = np.empty((n_boot, len(arrays)))
    for j, (a, s) in enumerate(zip(arrays, streams)):
        idx = np.random.default_rng(s).integers(0, a.size, (n_boot, a.size))
        out[:, j] = median_inf(a[idx], axis=1)
    return out


def step_differences(x, values, se, *, base=2, level: float = LEVEL) -> pd.DataFrame:
    r"""Per-step differences :math:`\log_b v(x_{i+1}) - \log_b v(x_i)` with normal intervals
    from the delta-method errors (independent points): ``x_from``, ``x_to``, ``step``, ``se``,
    ``low``, ``high``."""
    level = _check_level(level)
    order = np.argsort(np.asarray(x, dtype=float))
    xs = np.asarray(x, dtype=float)[order]
    y, y_se = log_values(np.asarray(values, dtype=float)[order], np.asarray(se, dtype=float)[order], base)
    step, step_se = np.diff(y), np.hypot(y_se[1:], y_se[:-1])
    z = float(_st.norm.ppf(0.5 + level / 2))
    return pd.DataFrame({"x_from": xs[:-1], "x_to": xs[1:], "step": step, "se": step_se,
                         "low": step - z * step_se, "high": step + z * step_se})


def z_scores(mean, se, exact) -> np.ndarray:
    """``(mean - exact) / se``: the distance from an exact value in standard errors."""
    mean, se, exact = (np.asarray(a, dtype=float) for a in (mean, se, exact))
    if np.any(se <= 0):
        raise ValueError("standard errors must be > 0")
    return (mean - exact) / se


def t_quantile(dof: int, level: float = LEVEL) -> float:
    """The two-sided ``level`` quantile of Student's t with ``dof`` degrees of freedom."""
    if not (isinstance(dof, (int, np.integer)) and dof >= 1):
        raise ValueError(f"dof must be an integer >= 1, got {dof!r}")
    return float(_st.t.ppf(0.5 + _check_level(level) / 2, dof))


def slope_distance(fit: LineFit, value: float) -> dict:
    r"""How far a fitted slope is from ``value``: ``t = (slope - value)/slope_se`` and its
    two-sided p-value under Student's t with the fit's ``dof`` (NaN with ``dof = 0``)."""
    if fit.dof < 1 or not np.isfinite(fit.slope_se):
        return {"t": float("nan"), "p_value": float("nan"), "dof": fit.dof}
    t = (fit.slope - value) / fit.slope_se
    return {"t": float(t), "p_value": float(2 * _st.t.sf(abs(t), fit.dof)), "dof": fit.dof}


__all__: Sequence[str] = (
    "LEVEL", "REJECT_ALPHA", "N_BOOT", "interval_text", "chi2_text", "LineFit", "fit_line", "log_values", "log_fit", "mean_se",
    "variance_se", "group_stats", "log_fits", "fit_columns", "BootstrapFit", "bootstrap_log_fit",
    "median_inf", "finite_or_nan", "bootstrap_medians", "step_differences", "z_scores", "t_quantile", "slope_distance",
)
