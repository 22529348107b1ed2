r"""Exact results for Haar-random pure states: the yardstick of the typicality chapter.

A Haar-random pure state :math:`|\psi\rangle` on :math:`\mathbb C^{D_v}\otimes\mathbb C^{D_h}`
has a visible state :math:`\rho_v = \mathrm{Tr}_h|\psi\rangle\langle\psi|` whose law is known in
closed form. This module holds the results the book compares its models with.

**Mean purity** (any :math:`D_v, D_h`; Lubkin 1978, the 2-design average of Proposition 2):

.. math:: \mathbb E\,\mathrm{Tr}\,\rho_v^2 = \frac{D_v + D_h}{D_v D_h + 1}.

**Trace distance of one visible qubit** (:math:`D_v = 2`, :math:`D_h \ge 2`). Write
:math:`\psi` as a :math:`2\times D_h` matrix :math:`G/\|G\|` with :math:`G` i.i.d. standard
complex Gaussian. The eigenvalues :math:`\mu_1, \mu_2` of the Wishart matrix :math:`GG^\dagger`
have the Laguerre density :math:`\propto (\mu_1\mu_2)^{D_h-2}(\mu_1-\mu_2)^2 e^{-\mu_1-\mu_2}`.
In :math:`s = \mu_1 + \mu_2` and :math:`x = (\mu_1 - \mu_2)/s` (Jacobian :math:`s/2`) it
factorises, :math:`\propto s^{2D_h-1}e^{-s}\cdot x^2(1-x^2)^{D_h-2}`, so the eigenvalues of
:math:`\rho_v = GG^\dagger/s` are :math:`(1\pm x)/2`, independent of :math:`s`, and

.. math::

    T = T(\rho_v, I/2) = \tfrac12\|\rho_v - I/2\|_1 = \tfrac{|x|}{2}, \qquad
    p_T(\tau) = \frac{16\,\tau^2(1-4\tau^2)^{D_h-2}}{B(\tfrac32, D_h-1)}, \quad
    0 \le \tau \le \tfrac12 .

Equivalently :math:`4T^2 \sim \mathrm{Beta}(\tfrac32, D_h - 1)` (:math:`|x|` is the Bloch
radius of :math:`\rho_v`, so :math:`T` is *half* of it). Hence

.. math::

    \mathbb E\,T = \frac{\Gamma(D_h + \frac12)}{\sqrt\pi\,\Gamma(D_h + 1)}
                 \simeq \frac{1}{\sqrt{\pi D_h}}, \qquad
    \mathbb E\,T^2 = \frac{3}{4(2D_h + 1)}, \qquad
    \mathrm{mode} = \frac{1}{2\sqrt{D_h - 1}},

and :math:`2\sqrt{D_h}\,T` tends to the Maxwell (:math:`\chi_3`) law as :math:`D_h\to\infty`.
"""
from __future__ import annotations

from numbers import Integral

import numpy as np
from scipy import special

__all__ = [
    "mean_purity",
    "paper_bound",
    "rms_bound",
    "trace_distance_pdf",
    "trace_distance_cdf",
    "trace_distance_mean",
    "trace_distance_second_moment",
    "trace_distance_std",
    "trace_distance_mode",
    "page_entropy",
    "page_curve",
]


def _dims(name: str, value, minimum: int):
    """An integer (or integer array) ``>= minimum`` -> (float array, was it a scalar)."""
    arr = np.asarray(value)
    ok = arr.size > 0 and (
        np.issubdtype(arr.dtype, np.integer)
        or (np.issubdtype(arr.dtype, np.floating) and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)))
    )
    if isinstance(value, bool) or arr.dtype == bool or not ok or np.any(arr < minimum):
        raise ValueError(f"{name} = {value!r} is not allowed; expected an integer >= {minimum} (or an array of them)")
    return arr.astype(float), arr.ndim == 0


def _out(values, scalar: bool):
    return float(values) if scalar else np.asarray(values, dtype=float)


def mean_purity(d_visible, d_hidden):
    r"""Exact Haar mean purity :math:`\mathbb E\,\mathrm{Tr}\rho_v^2 = (D_v + D_h)/(D_v D_h + 1)`.

    Parameters
    ----------
    d_visible, d_hidden : int or array of int, >= 1
        Dimensions (not qubit numbers); broadcast against each other.
    """
    dv, s1 = _dims("d_visible", d_visible, 1)
    dh, s2 = _dims("d_hidden", d_hidden, 1)
    return _out((dv + dh) / (dv * dh + 1.0), s1 and s2)


def paper_bound(d_visible, d_hidden):
    r"""The paper's typicality bound :math:`\tfrac12\sqrt{D_v/D_h}` (Fig. 3(a))."""
    dv, s1 = _dims("d_visible", d_visible, 1)
    dh, s2 = _dims("d_hidden", d_hidden, 1)
    return _out(0.5 * np.sqrt(dv / dh), s1 and s2)


def rms_bound(d_visible, d_hidden):
    r"""The exact form of Proposition 2's bound for Haar states (and any 2-design):

    .. math::

        \mathbb E\,T(\rho_v, I/D_v) \le \tfrac12\sqrt{D_v\,\mathbb E\|\rho_v - I/D_v\|_2^2}
        = \tfrac12\sqrt{\frac{D_v^2 - 1}{D_v D_h + 1}} < \tfrac12\sqrt{D_v/D_h},

    from :math:`\|X\|_1 \le \sqrt{D_v}\|X\|_2`, Jensen's inequality and :func:`mean_purity`.
    For :math:`D_v = 2` the first inequality is Jensen's alone and the right side is
    :math:`\sqrt{\mathbb E\,T^2}`.
    """
    dv, s1 = _dims("d_visible", d_visible, 1)
    dh, s2 = _dims("d_hidden", d_hidden, 1)
    return _out(0.5 * np.sqrt((dv**2 - 1.0) / (dv * dh + 1.0)), s1 and s2)


def _hidden(d_hidden):
    return _dims("d_hidden", d_hidden, 2)


def trace_distance_pdf(t, d_hidden):
    r"""Exact density of :math:`T(\rho_v, I/2)` for one visible qubit and a Haar state.

    .. math:: p_T(\tau) = \frac{16\,\tau^2(1 - 4\tau^2)^{D_h - 2}}{B(\frac32, D_h - 1)},
              \qquad 0 \le \tau \le \tfrac12,

    zero outside. Computed in logarithms, so it is finite for any :math:`D_h`.

    Parameters
    ----------
    t : array_like
        Points :math:`\tau`.
    d_hidden : int, >= 2
        Hidden dimension :math:`D_h` (for :math:`D_h = 1` the state is pure and :math:`T = 1/2`).

    Returns
    -------
    ndarray (or float for scalar ``t``)
    """
    dh, scalar_dh = _hidden(d_hidden)
    if not scalar_dh:
        raise ValueError(f"d_hidden = {d_hidden!r} is not allowed; expected one integer >= 2")
    t = np.asarray(t, dtype=float)
    inside = (t > 0) & (t < 0.5)
    tt = np.where(inside, t, 0.25)
    log_p = np.log(16.0) + 2 * np.log(tt) + (dh - 2) * np.log1p(-4 * tt**2) - special.betaln(1.5, dh - 1)
    out = np.where(inside, np.exp(log_p), 0.0)
    if dh == 2:  # p = 16 t^2 / B(3/2, 1) = 24 t^2 up to and including t = 1/2
        out = np.where((t >= 0) & (t <= 0.5), 24.0 * t**2, 0.0)
    return float(out) if out.ndim == 0 else out


def trace_distance_cdf(t, d_hidden):
    r""":math:`\Pr[T \le \tau] = I_{4\tau^2}(\tfrac32, D_h - 1)` (regularised incomplete beta)."""
    dh, scalar_dh = _hidden(d_hidden)
    if not scalar_dh:
        raise ValueError(f"d_hidden = {d_hidden!r} is not allowed; expected one integer >= 2")
    t = np.asarray(t, dtype=float)
    out = special.betainc(1.5, dh - 1, np.clip(4 * t**2, 0.0, 1.0))
    out = np.where(t <= 0, 0.0, np.where(t >= 0.5, 1.0, out))
    return float(out) if out.ndim == 0 else out


def trace_distance_mean(d_hidden):
    r""":math:`\mathbb E\,T = \Gamma(D_h + \frac12)/(\sqrt\pi\,\Gamma(D_h + 1))` (one visible qubit)."""
    dh, scalar = _hidden(d_hidden)
    return _out(np.exp(special.gammaln(dh + 0.5) - special.gammaln(dh + 1.0)) / np.sqrt(np.pi), scalar)


def trace_distance_second_moment(d_hidden):
    r""":math:`\mathbb E\,T^2 = 3/(4(2D_h + 1))` (one visible qubit)."""
    dh, scalar = _hidden(d_hidden)
    return _out(3.0 / (4.0 * (2.0 * dh + 1.0)), scalar)


def trace_distance_std(d_hidden):
    r"""Standard deviation of :math:`T`, :math:`\sqrt{\mathbb E T^2 - (\mathbb E T)^2}`."""
    dh, scalar = _hidden(d_hidden)
    var = trace_distance_second_moment(dh) - trace_distance_mean(dh) ** 2
    return _out(np.sqrt(var), scalar)


def trace_distance_mode(d_hidden):
    r"""Peak of :func:`trace_distance_pdf`, :math:`1/(2\sqrt{D_h - 1})` (:math:`= 1/2` at :math:`D_h = 2`)."""
    dh, scalar = _hidden(d_hidden)
    return _out(0.5 / np.sqrt(dh - 1.0), scalar)


def page_entropy(d_visible: int, d_hidden: int) -> float:
    r"""Page's exact mean entanglement entropy (nats) of a Haar state,
    :math:`m = \min(D_v, D_h)`, :math:`N = \max(D_v, D_h)`:

    .. math:: \mathbb E\,S(\rho_v) = \sum_{k=N+1}^{mN}\frac1k - \frac{m-1}{2N}.
    """
    dv, s1 = _dims("d_visible", d_visible, 1)
    dh, s2 = _dims("d_hidden", d_hidden, 1)
    if not (s1 and s2):
        raise ValueError("page_entropy takes two integers, not arrays")
    m, n = int(min(dv, dh)), int(max(dv, dh))
    # sum_{k=n+1}^{mn} 1/k = digamma(mn + 1) - digamma(n + 1), exact to round-off
    return float(special.digamma(m * n + 1.0) - special.digamma(n + 1.0) - (m - 1) / (2.0 * n))


def page_curve(n_visible: int, n_hidden):
    r""":func:`page_entropy` (nats) of :math:`n_v` visible qubits for each hidden size.

    Returns a :class:`pandas.DataFrame` with columns ``n_hidden`` and ``entropy``, one row per
    entry of ``n_hidden`` (qubits, not dimensions): :math:`\mathbb E\,S(\rho_v)` for
    :math:`D_v = 2^{n_v}`, :math:`D_h = 2^{n_h}`.
    """
    import pandas as pd

    sizes = list(np.atleast_1d(n_hidden))
    for n in [n_visible, *sizes]:
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, Integral) or n < 0:
            raise ValueError(f"page_curve takes integer numbers of qubits, got {n!r}")
    return pd.DataFrame({"n_hidden": [int(h) for h in sizes],
                         "entropy": [page_entropy(2**int(n_visible), 2**int(h)) for h in sizes]})
