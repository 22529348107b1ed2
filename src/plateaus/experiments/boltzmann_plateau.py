r"""Chapter *Boltzmann plateau*: Theorem 4, Figs. 3(c) and 5(b), and the two readings.

The paper's Fig. 3(c) plots, against the number of hidden qubits, the mean over instances of
:math:`\|g\|_\infty`, where for every term :math:`k` of Eq. (11)

.. math::

    g_k = \frac{T\bigl(\rho_v(J), \rho_v(J + \varepsilon e_k)\bigr)}{\varepsilon},
    \qquad T(\rho, \sigma) = \tfrac12 \|\rho - \sigma\|_1 ,

for the quantum Boltzmann machine :math:`\rho = e^{-H}/\mathrm{Tr}\,e^{-H}` whose Hamiltonian
is normalised by its operator norm. The paper does not say whether the perturbed Hamiltonian
is normalised again; the two readings are different experiments, and both are run here
(column ``reading``):

``renormalised`` (reading (i))
    perturb the raw coefficients :math:`J` and normalise again,
    :math:`\rho_v(\hat J(J + \varepsilon e_k))` with :math:`\hat J(J) = J / N(J)`,
    :math:`N(J) = \|H(J)\|_\infty`. Its :math:`\varepsilon \to 0` limit is

    .. math::

        g^{(i)}_k = \frac{1}{2N} \Bigl\| \Delta_k - \frac{\partial N}{\partial J_k}
        \Delta_{\hat H} \Bigr\|_1, \qquad
        \frac{\partial N}{\partial J_k} = s \langle\psi| P_k |\psi\rangle ,

    (Hellmann-Feynman: :math:`|\psi\rangle` is the eigenvector of the eigenvalue of largest
    modulus, :math:`s` its sign), where :math:`\Delta_k = \mathrm{Tr}_h \partial\rho/\partial
    \hat J_k` at the normalised point and :math:`\Delta_{\hat H} = \sum_l \hat J_l \Delta_l
    = \mathrm{Tr}_h[\rho(\langle \hat H\rangle - \hat H)]` (the derivative along :math:`\hat H`
    itself, which commutes with :math:`\rho`).
``fixed-point`` (reading (ii))
    the exact sensitivity at the normalised point, :math:`g^{(ii)}_k = \frac12\|\Delta_k\|_1`
    (:func:`plateaus.thermal.thermal_sensitivity`): what Theorem 4 is about.

Every sensitivity is split by the class of its term (``term_class``,
:func:`plateaus.terms.term_classes`): ``visible`` (the term acts on visible qubits only:
:math:`h_h = I`), ``across`` (on both sides of the cut) and ``hidden`` (hidden qubits only);
the last two have :math:`\mathrm{Tr}\,h_h = 0`.

The experiment ``theorem-4`` tests Theorem 4 on its own hypotheses: the same spectrum with a
Haar-random (2-design) eigenbasis, against the 2-local eigenbasis, at two temperatures, for
one perturbation :math:`h_v \otimes h_h` of each class.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import store
from ..measures import trace_distance
from ..models import sample_couplings
from ..parallel import map_instances
from ..params import chapter_params
from ..states import partial_trace
from ..terms import TERM_CLASSES, check_label, check_labels, pauli_string, term_classes, two_local_terms
from ..thermal import thermal_eigh, visible_derivatives

CHAPTER = "boltzmann-plateau"
SENSITIVITY = "sensitivity"
FINITE_DIFFERENCES = "finite-differences"
THEOREM = "theorem-4"

READINGS = ("renormalised", "fixed-point")
EIGENBASES = ("haar", "two-local")
PERTURBATIONS = ("visible", "across", "hidden")

#: The paper's Fig. 3(c): fitted slope and its standard error (log base not stated), and
#: the range of its y-axis over n_h = 1..4, read off the figure.
PAPER_SLOPE = -0.423
PAPER_SLOPE_SE = 0.025
PAPER_Y_RANGE = (-4.8, -6.0)

SENSITIVITY_COLUMNS = [
    "n_visible", "n_hidden", "instance", "reading", "raw_norm", "raw_frobenius", "inf_all",
    "argmax_class", "inf_visible", "inf_across", "inf_hidden", "mean_visible", "mean_across",
    "mean_hidden",
]


# --------------------------------------------------------------------------- validation


def _check_n_visible(n_visible, n_qubits: int) -> int:
    if isinstance(n_visible, bool) or not isinstance(n_visible, (int, np.integer)) \
            or not 1 <= n_visible <= n_qubits:
        raise ValueError(
            f"n_visible = {n_visible!r} is not allowed; expected an integer in 1..{n_qubits}"
        )
    return int(n_visible)


def _check_coefficients(J, n_terms: int) -> np.ndarray:
    J = np.asarray(J)
    if np.iscomplexobj(J) or not np.issubdtype(J.dtype, np.number) or J.ndim != 2 \
            or J.shape[1] != n_terms or not np.all(np.isfinite(J)):
        raise ValueError(
            f"J of shape {J.shape} and dtype {J.dtype} is not allowed; expected finite real "
            f"coefficients of shape (B, {n_terms})"
        )
    return J.astype(float)


# --------------------------------------------------------------------------- normalisation


def norm_gradient(J, labels):
    r"""Operator norm :math:`N(J) = \|H(J)\|_\infty` and its gradient, by Hellmann-Feynman.

    :math:`N = |E_\star|` for the eigenvalue :math:`E_\star` of largest modulus, so
    :math:`\partial N/\partial J_k = \mathrm{sign}(E_\star)\langle\psi_\star|P_k|\psi_\star\rangle`
    (valid when :math:`E_\star` is non-degenerate and :math:`-E_\star` is not an eigenvalue,
    which holds with probability one for the Gaussian couplings of Fig. 3(c)).

    Parameters
    ----------
    J : array_like, shape ``(B, K)``
    labels : sequence of str, length ``K``

    Returns
    -------
    N : ndarray ``(B,)``
    dN : ndarray ``(B, K)``
    E, V : ndarray ``(B, D)``, ``(B, D, D)``
        The spectrum and eigenvectors of :math:`H(J)` (of :math:`\hat H = H/N` too, with
        eigenvalues ``E / N``).
    """
    labels = check_labels(labels)
    J = _check_coefficients(J, len(labels))
    E, V = thermal_eigh(J, labels)
    rows = np.arange(J.shape[0])
    top = np.argmax(np.abs(E), axis=1)
    N = np.abs(E[rows, top])
    if np.any(N == 0):
        raise ValueError("J gives H(J) = 0 for some instance; it has no normalisation")
    sign = np.sign(E[rows, top])
    psi = V[rows, :, top]  # (B, D)
    strings = [pauli_string(label) for label in labels]
    perms = np.stack([p.perm for p in strings])  # (K, D)
    phases = np.stack([p.phase for p in strings])
    expect = np.einsum("bc,kc,bkc->bk", np.conj(psi), phases, psi[:, perms]).real
    return N, sign[:, None] * expect, E, V


def reading_derivatives(J, labels, n_visible: int):
    r"""Exact visible derivatives of both readings, from raw couplings ``J``.

    Parameters
    ----------
    J : array_like, shape ``(B, K)``
        Raw (unnormalised) couplings.
    labels : sequence of str, length ``K``
    n_visible : int

    Returns
    -------
    dict
        ``"fixed-point"``: :math:`\Delta_k = \mathrm{Tr}_h\partial\rho/\partial\hat J_k` at
        :math:`\hat J = J/N`, ``(B, K, D_v, D_v)``; ``"renormalised"``:
        :math:`\mathrm{d}\rho_v(\hat J(J))/\mathrm{d}J_k = (\Delta_k - \partial_k N\,
        \Delta_{\hat H})/N`, same shape; ``"raw_norm"``: :math:`N`, ``(B,)``.
    """
    labels = check_labels(labels)
    n_visible = _check_n_visible(n_visible, len(labels[0]))
    N, dN, E, V = norm_gradient(J, labels)
    J = np.asarray(J, dtype=float)
    fixed = visible_derivatives(J / N[:, None], labels, n_visible)
    e = E / N[:, None]
    w = np.exp(-(e - e[:, :1]))
    p = w / w.sum(axis=1, keepdims=True)
    mean_e = (p * e).sum(axis=1, keepdims=True)
    along_h = (V * (p * (mean_e - e))[:, None, :]) @ np.conj(np.swapaxes(V, -1, -2))
    along_h = partial_trace(along_h, n_visible)  # (B, D_v, D_v)
    renorm = (fixed - dN[:, :, None, None] * along_h[:, None]) / N[:, None, None, None]
    return {"fixed-point": fixed, "renormalised": renorm, "raw_norm": N}


def _half_trace_norm(X: np.ndarray) -> np.ndarray:
    return 0.5 * np.abs(np.linalg.eigvalsh(X)).sum(axis=-1)


def sensitivities(J, labels, n_visible: int) -> dict:
    r"""Exact sensitivities :math:`g_k` of both readings (the :math:`\varepsilon\to0` limits).

    Returns
    -------
    dict
        ``"renormalised"`` and ``"fixed-point"``: ``(B, K)``; ``"raw_norm"``: ``(B,)``.
    """
    d = reading_derivatives(J, labels, n_visible)
    return {
        "renormalised": _half_trace_norm(d["renormalised"]),
        "fixed-point": _half_trace_norm(d["fixed-point"]),
        "raw_norm": d["raw_norm"],
    }


def _normalised_visible_states(J: np.ndarray, labels, n_visible: int, renormalise: bool):
    """``rho_v`` of ``exp(-H(J)/N)/Z``; ``N = ||H(J)||`` if ``renormalise`` else 1."""
    E, V = thermal_eigh(J, labels)
    scale = np.abs(E).max(axis=1, keepdims=True) if renormalise else 1.0
    e = E / scale
    w = np.exp(-(e - e[:, :1]))
    p = w / w.sum(axis=1, keepdims=True)
    rho = (V * p[:, None, :]) @ np.conj(np.swapaxes(V, -1, -2))
    return partial_trace(rho, n_visible)


def finite_difference_sensitivities(J, labels, n_visible: int, eps: float, reading: str):
    r"""The paper's protocol: :math:`T(\rho_v(\cdot), \rho_v(\cdot + \varepsilon e_k))/\varepsilon`.

    ``reading="renormalised"``: perturb the raw ``J`` and normalise again; ``"fixed-point"``:
    perturb :math:`\hat J = J/\|H(J)\|_\infty` and do not normalise again. One-sided steps, as
    in the paper; the error is :math:`O(\varepsilon)`. One ``eigh`` per term and instance.

    Returns
    -------
    ndarray, shape ``(B, K)``
    """
    labels = check_labels(labels)
    J = _check_coefficients(J, len(labels))
    n_visible = _check_n_visible(n_visible, len(labels[0]))
    if reading not in READINGS:
        raise ValueError(f"reading = {reading!r} is not allowed; expected one of {READINGS}")
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.floating)) or not (
        np.isfinite(eps) and eps > 0
    ):
        raise ValueError(f"eps = {eps!r} is not allowed; expected a finite real number > 0")
    K = len(labels)
    out = np.empty(J.shape)
    renormalise = reading == "renormalised"
    if not renormalise:
        J = J / np.abs(thermal_eigh(J, labels)[0]).max(axis=1, keepdims=True)
    for b in range(J.shape[0]):
        points = np.vstack([J[b], J[b] + eps * np.eye(K)])
        rho_v = _normalised_visible_states(points, labels, n_visible, renormalise)
        out[b] = trace_distance(rho_v[:1], rho_v[1:]) / eps
    return out


# --------------------------------------------------------------------------- Theorem 4


def thermal_response(E, V, X, n_visible: int) -> np.ndarray:
    r"""Sensitivity :math:`\tfrac12\|\mathrm{Tr}_h\,\partial_\theta\rho\|_1` at :math:`\theta=0`.

    For :math:`\rho(\theta) = e^{-(H + \theta X)}/Z(\theta)` with
    :math:`H = V\operatorname{diag}(E)V^\dagger` (Theorem 4's setting, any eigenbasis), by the
    Daleckii-Krein formula, :math:`\partial_\theta\rho = V M V^\dagger` with
    :math:`\tilde X = V^\dagger X V`, :math:`p_i = e^{-E_i}/Z` and

    .. math::

        M = L \circ \tilde X + \operatorname{diag}(p)\,\mathrm{Tr}(\rho X), \qquad
        L_{ij} = \frac{p_i - p_j}{E_i - E_j}\ (\to -p_i \text{ at } E_i = E_j),

    computed with the exponents shifted by :math:`\min E` and
    :math:`(1 - e^{-\delta})/\delta` evaluated by ``expm1`` (no cancellation; degenerate levels
    and :math:`H = 0` give the exact limit). Only the :math:`D_v^2 D_h` entries of
    :math:`V M V^\dagger` that the partial trace reads are formed, and a Pauli ``X`` acts on
    :math:`V` as a signed permutation of its rows: two :math:`D^3` products per call.
    :math:`\max_{\|O\|_\infty\le1}|\partial_\theta \mathrm{Tr}[(O\otimes I)\rho]|` is twice the
    result: the largest gradient Theorem 4 bounds.

    Parameters
    ----------
    E : ndarray ``(B, D)``
    V : ndarray ``(B, D, D)``, unitary
    X : str or ndarray ``(D, D)``
        A Pauli label on :math:`n = \log_2 D` qubits, or a Hermitian matrix.
    n_visible : int

    Returns
    -------
    ndarray ``(B,)``
    """
    E, V = np.asarray(E, dtype=float), np.asarray(V)
    if E.ndim != 2 or V.shape != E.shape + (E.shape[1],):
        raise ValueError(f"E {E.shape} and V {V.shape} are not allowed; expected (B, D) and (B, D, D)")
    B, D = E.shape
    n = int(round(np.log2(D)))
    if 2**n != D:
        raise ValueError(f"E has dimension {D}; expected a power of 2 (qubits)")
    n_visible = _check_n_visible(n_visible, n)
    if isinstance(X, str):
        p_x = pauli_string(check_label(X, n))
        XV = p_x.phase[None, :, None] * V[:, p_x.perm, :]
    else:
        X = np.asarray(X)
        if X.shape != (D, D):
            raise ValueError(f"X of shape {X.shape} is not allowed; expected a label or ({D}, {D})")
        XV = X @ V
    a = E - E.min(axis=1, keepdims=True)
    w = np.exp(-a)
    Z = w.sum(axis=1)
    p = w / Z[:, None]
    delta = np.abs(a[:, :, None] - a[:, None, :])
    nonzero = delta > 0
    safe = np.where(nonzero, delta, 1.0)
    phi = np.where(nonzero, -np.expm1(-safe) / safe, 1.0)
    M = -np.exp(-np.minimum(a[:, :, None], a[:, None, :])) * phi / Z[:, None, None]
    Xe = np.conj(np.swapaxes(V, -1, -2)) @ XV
    M = M * Xe
    expect = np.einsum("bi,bii->b", p, Xe).real
    M[:, np.arange(D), np.arange(D)] += p * expect[:, None]
    d_v = 2**n_visible
    Vr = V.reshape(B, d_v, D // d_v, D)
    VM = (V @ M).reshape(B, d_v, D // d_v, D)
    drho_v = np.einsum("bahj,bchj->bac", VM, np.conj(Vr))
    return _half_trace_norm(drho_v)


def perturbations(n_visible: int, n_hidden: int) -> dict[str, str]:
    r"""One perturbation :math:`h_v \otimes h_h` per class, as Pauli labels.

    ``visible``: :math:`X` on visible qubit 0, :math:`h_h = I`; ``across``: :math:`X` on
    visible qubit 0 and :math:`Z` on hidden qubit 0 (:math:`\mathrm{Tr}\,h_h = 0`);
    ``hidden``: :math:`Z` on hidden qubit 0, :math:`h_v = I`.
    """
    x_v = "X" + "I" * (n_visible - 1)
    z_h = "Z" + "I" * (n_hidden - 1)
    return {
        "visible": x_v + "I" * n_hidden,
        "across": x_v + z_h,
        "hidden": "I" * n_visible + z_h,
    }


def haar_unitary(rng: np.random.Generator, dim: int) -> np.ndarray:
    """A Haar-random unitary ``(dim, dim)`` (QR of a Ginibre matrix with the phase fix)."""
    z = (rng.standard_normal((dim, dim)) + 1j * rng.standard_normal((dim, dim))) / np.sqrt(2)
    q, r = np.linalg.qr(z)
    d = np.diagonal(r)
    return q * (d / np.abs(d))[None, :]


# --------------------------------------------------------------------------- chunks


def _draw(seeds, n: int, onsite_var: float, offsite_var: float, haar: bool = False):
    rngs = [np.random.default_rng(s) for s in seeds]
    J = np.stack([sample_couplings(n, 1, rng, onsite_var, offsite_var)[0] for rng in rngs])
    if not haar:
        return J
    return J, np.stack([haar_unitary(rng, 2**n) for rng in rngs])


def _class_stats(g: np.ndarray, classes: np.ndarray) -> dict:
    out = {"inf_all": g.max(axis=1), "argmax_class": classes[np.argmax(g, axis=1)]}
    for c in TERM_CLASSES:
        sel = classes == c
        out[f"inf_{c}"] = g[:, sel].max(axis=1) if sel.any() else np.full(len(g), np.nan)
        out[f"mean_{c}"] = g[:, sel].mean(axis=1) if sel.any() else np.full(len(g), np.nan)
    return out


def _sensitivity_chunk(seeds, *, n_visible, n_hidden, onsite_var, offsite_var):
    from ..parallel import instance_index

    n = n_visible + n_hidden
    labels = two_local_terms(n)
    J = _draw(seeds, n, onsite_var, offsite_var)
    s = sensitivities(J, labels, n_visible)
    classes = term_classes(labels, n_visible)
    frames = []
    for reading in READINGS:
        frames.append(pd.DataFrame({
            "n_visible": n_visible, "n_hidden": n_hidden,
            "instance": [instance_index(seed) for seed in seeds], "reading": reading,
            "raw_norm": s["raw_norm"], "raw_frobenius": np.sqrt((J**2).sum(axis=1)),
            **_class_stats(s[reading], classes),
        }))
    return pd.concat(frames, ignore_index=True)[SENSITIVITY_COLUMNS]


def _fd_chunk(seeds, *, n_visible, n_hidden, onsite_var, offsite_var, steps):
    from ..parallel import instance_index

    n = n_visible + n_hidden
    labels = two_local_terms(n)
    J = _draw(seeds, n, onsite_var, offsite_var)
    exact = sensitivities(J, labels, n_visible)
    index = [instance_index(seed) for seed in seeds]
    rows = []
    for reading in READINGS:
        g = exact[reading]
        for eps in steps:
            fd = finite_difference_sensitivities(J, labels, n_visible, eps, reading)
            err = np.abs(fd - g).max(axis=1)
            rows.append(pd.DataFrame({
                "n_visible": n_visible, "n_hidden": n_hidden, "instance": index,
                "reading": reading, "step": eps, "inf_fd": fd.max(axis=1),
                "inf_exact": g.max(axis=1), "max_abs_error": err,
                "max_rel_error": err / g.max(axis=1),
            }))
    return pd.concat(rows, ignore_index=True)


def _theorem_chunk(seeds, *, n_visible, n_hidden, onsite_var, offsite_var, betas):
    from ..parallel import instance_index

    n = n_visible + n_hidden
    labels = two_local_terms(n)
    J, U = _draw(seeds, n, onsite_var, offsite_var, haar=True)
    E, V = thermal_eigh(J, labels)
    E = E / np.abs(E).max(axis=1, keepdims=True)
    index = [instance_index(seed) for seed in seeds]
    rows = []
    for basis, W in (("haar", U), ("two-local", V)):
        for beta in betas:
            w = np.exp(-beta * (E - E[:, :1]))
            purity = ((w / w.sum(axis=1, keepdims=True)) ** 2).sum(axis=1)
            for name, label in perturbations(n_visible, n_hidden).items():
                rows.append(pd.DataFrame({
                    "n_visible": n_visible, "n_hidden": n_hidden, "instance": index,
                    "eigenbasis": basis, "beta": beta, "perturbation": name, "purity": purity,
                    "sensitivity": thermal_response(beta * E, W, label, n_visible),
                }))
    return pd.concat(rows, ignore_index=True)


# --------------------------------------------------------------------------- experiments


def _params(params: dict) -> dict:
    return chapter_params(
        CHAPTER, params["scale"], **{k: v for k, v in params.items() if k not in ("chapter", "scale")}
    )


def _run(params, chunk, experiment, n_instances, recompute, **extra):
    def compute() -> pd.DataFrame:
        frames = []
        for n_hidden in params["n_hidden"]:
            frames.append(map_instances(
                chunk, n_instances, seed=[params["seed"], n_hidden],
                chunk_size=params["chunk_size"], desc=f"{experiment}, n_h={n_hidden}",
                n_visible=params["n_visible"], n_hidden=n_hidden,
                onsite_var=params["onsite_var"], offsite_var=params["offsite_var"], **extra,
            ))
        return pd.concat(frames, ignore_index=True)

    return store.cached(CHAPTER, params["scale"], experiment, params, compute, recompute=recompute)


def sensitivity(params: dict, *, recompute: bool = False) -> pd.DataFrame:
    """Fig. 3(c)/5(b): both readings, split by term class; one row per size, instance, reading.

    Instance ``i`` at ``n_hidden`` draws its couplings from seed ``[seed, n_hidden]``, child
    ``i``: the same instances as :func:`finite_differences` and :func:`theorem4`.
    """
    params = _params(params)
    return _run(params, _sensitivity_chunk, SENSITIVITY, params["instances"], recompute)


def finite_differences(params: dict, *, recompute: bool = False) -> pd.DataFrame:
    """The paper's finite differences at every step of ``fd_steps``, against the exact limits,
    on the first ``fd_instances`` instances of :func:`sensitivity`."""
    params = _params(params)
    return _run(params, _fd_chunk, FINITE_DIFFERENCES, params["fd_instances"], recompute,
                steps=params["fd_steps"])


def theorem4(params: dict, *, recompute: bool = False) -> pd.DataFrame:
    r"""Theorem 4 on its own hypotheses: one perturbation per class, Haar vs 2-local eigenbasis,
    inverse temperatures ``betas`` (the spectrum of the normalised 2-local Hamiltonian times
    beta). One row per size, instance, eigenbasis, beta and perturbation; ``purity`` is
    :math:`\mathrm{Tr}\,\rho^2` (the same for both eigenbases)."""
    params = _params(params)
    return _run(params, _theorem_chunk, THEOREM, params["instances"], recompute,
                betas=params["betas"])


# --------------------------------------------------------------------------- summaries


def slope_table(df: pd.DataFrame, by, value: str, statistic: str = "mean") -> pd.DataFrame:
    r"""Least-squares slopes of :math:`\log_2` and :math:`\ln` of a statistic against ``n_hidden``.

    For every group of ``by``, the ``statistic`` (``"mean"`` or ``"var"``) of ``value`` over
    instances at each ``n_hidden`` is fitted as ``log(stat) = slope * n_hidden + intercept``
    (the paper's semilog fits; the standard error assumes normal residuals). The ``ln`` slope
    is the ``log2`` slope times :math:`\ln 2`.

    Returns
    -------
    DataFrame with the ``by`` columns, ``slope_log2``, ``se_log2``, ``intercept_log2``,
    ``slope_ln``, ``se_ln``, ``n_points``.
    """
    from ..figures.style import fit_line

    if statistic not in ("mean", "var"):
        raise ValueError(f"statistic = {statistic!r} is not allowed; expected 'mean' or 'var'")
    by = [by] if isinstance(by, str) else list(by)
    stats = df.groupby(by + ["n_hidden"])[value].agg(statistic).reset_index()
    rows = []
    for key, group in stats.groupby(by, sort=False):
        fit = fit_line(group["n_hidden"], np.log2(group[value]))
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by, key)), "slope_log2": fit.slope, "se_log2": fit.slope_se,
                     "intercept_log2": fit.intercept, "slope_ln": fit.slope * np.log(2),
                     "se_ln": fit.slope_se * np.log(2), "n_points": fit.n_points})
    return pd.DataFrame(rows)


def class_long(df: pd.DataFrame, prefix: str = "inf") -> pd.DataFrame:
    """The ``sensitivity`` table in long form over term classes: column ``term_class`` and
    ``value`` (``inf_<class>`` or ``mean_<class>``; ``"all"`` is the whole vector)."""
    classes = (("all",) if prefix == "inf" else ()) + TERM_CLASSES
    cols = {f"{prefix}_{c}": c for c in classes}
    out = df.melt(id_vars=["n_hidden", "instance", "reading", "raw_norm"], value_vars=list(cols),
                  var_name="term_class", value_name="value")
    out["term_class"] = out["term_class"].map(cols)
    return out


def readings_table(df: pd.DataFrame) -> pd.DataFrame:
    r"""Per hidden size: :math:`\log_2` and :math:`\ln` of :math:`\mathbb{E}\|g\|_\infty` for both
    readings, the mean raw norm :math:`N` and the mean of :math:`N\|g^{(i)}\|_\infty`."""
    means = df.groupby(["n_hidden", "reading"])["inf_all"].mean().unstack("reading")
    out = pd.DataFrame(index=means.index)
    for reading, tag in (("renormalised", "(i)"), ("fixed-point", "(ii)")):
        out[f"log2 E|g|inf {tag}"] = np.log2(means[reading])
        out[f"ln E|g|inf {tag}"] = np.log(means[reading])
    renorm = df[df["reading"] == "renormalised"]
    out["E N"] = renorm.groupby("n_hidden")["raw_norm"].mean()
    out["E N|g(i)|inf"] = (renorm["raw_norm"] * renorm["inf_all"]).groupby(renorm["n_hidden"]).mean()
    return out


def norm_fits(df: pd.DataFrame) -> dict:
    r"""How the raw operator norm :math:`N = \|H(J)\|_\infty` grows: least-squares fits of
    :math:`\log_2 \mathbb{E} N` against ``n_hidden`` (``"per_hidden"``) and against
    :math:`\log_2 n` (``"power_law"``, the exponent of :math:`N \propto n^a`)."""
    from ..figures.style import fit_line

    sub = df[df["reading"] == READINGS[0]]
    mean = sub.groupby("n_hidden")["raw_norm"].mean()
    n = mean.index.to_numpy() + int(sub["n_visible"].iloc[0])
    return {"per_hidden": fit_line(mean.index, np.log2(mean.values)),
            "power_law": fit_line(np.log2(n), np.log2(mean.values))}


def finite_difference_table(fd: pd.DataFrame) -> pd.DataFrame:
    """Largest relative error of the finite differences over instances and sizes, per step and
    reading (rows: step, columns: reading)."""
    return fd.groupby(["step", "reading"])["max_rel_error"].max().unstack("reading")


def purity_estimate(th: pd.DataFrame) -> pd.DataFrame:
    r"""The estimate of the proof sketch for traceless :math:`h_h`, per ``beta`` and ``n_hidden``:
    mean over instances of :math:`\sqrt{D_v \mathrm{Tr}\rho^2 / D_h}` (times
    :math:`\|H_k\|_\infty = 1` for a Pauli term). Columns ``beta``, ``n_hidden``, ``estimate``."""
    one = th.drop_duplicates(["beta", "n_hidden", "instance"])
    value = np.sqrt(2.0 ** (one["n_visible"] - one["n_hidden"]) * one["purity"])
    return value.groupby([one["beta"], one["n_hidden"]]).mean().rename("estimate").reset_index()


def power_law_steps(df: pd.DataFrame) -> pd.DataFrame:
    r"""Step by step, the change of :math:`\log_2 \mathbb{E}\|g^{(i)}\|_\infty` (reading (i)) from
    one hidden size to the next, beside the change a power law :math:`N \propto n^a` of the raw
    norm predicts, :math:`-a \log_2(n'/n)` (``a`` from :func:`norm_fits`). An exponential decay
    would make the measured steps equal; a power law makes them shrink as :math:`n` grows.

    Returns
    -------
    DataFrame with ``n_hidden_from``, ``n_hidden_to``, ``measured``, ``power_law``.
    """
    renorm = df[df["reading"] == "renormalised"]
    y = np.log2(renorm.groupby("n_hidden")["inf_all"].mean())
    n_h = y.index.to_numpy()
    n = n_h + int(renorm["n_visible"].iloc[0])
    a = norm_fits(df)["power_law"].slope
    return pd.DataFrame({"n_hidden_from": n_h[:-1], "n_hidden_to": n_h[1:],
                         "measured": np.diff(y.to_numpy()), "power_law": -a * np.log2(n[1:] / n[:-1])})
