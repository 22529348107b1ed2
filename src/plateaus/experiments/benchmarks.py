r"""Appendix *Benchmarks*: reading the timings that ``python -m benchmarks`` wrote.

Nothing here runs a benchmark. The command ``make bench`` (``python -m benchmarks``, the
package ``benchmarks/`` at the repository's root) checks every implementation against the
project, times it and saves two tables with :mod:`plateaus.store`:

``data/benchmarks/<scale>/timings.csv``
    one row per task, implementation and size ``n``: ``task, implementation, label, role,
    library, version, n, n_terms, instances, samples, loops, seconds, cpu_seconds, max_error,
    status``. ``seconds`` and ``cpu_seconds`` are the minimum over repeated samples of the wall
    time and of the process's CPU time, per instance; ``max_error`` is the largest difference
    from the project's numbers on the shared check inputs; ``status`` is ``"ok"`` or why the
    row has no time (not installed, differs from the project, skipped at that size).
``data/benchmarks/<scale>/environment.csv``
    ``key, value``: the machine, its load before and after, the thread setting and the
    versions of every library.

This module reads them back (:func:`load`; :func:`load_shown` falls back to the committed
paper-scale run where a scale has none), adds ratios to the project (:func:`with_ratios`),
evaluates the targets of the issue (:func:`targets`), fits the growth of the cost
(:func:`cost_fits`, with :func:`plateaus.analysis.fit_line`), reads the compute time of every
figure of the book from the chapters' manifests (:func:`figure_wall_times`) and returns every
number the appendix quotes (:func:`quoted`).

The appendix records no rows in the book's results table: it reproduces no result of the paper.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import analysis, store

CHAPTER = "benchmarks"
TIMINGS = "timings"
ENVIRONMENT = "environment"

#: The measure the ratios and fits use: CPU seconds of the (single-threaded) process per
#: instance, which other programs on a shared machine do not inflate as they do wall time.
MEASURE = "cpu_seconds"

TASKS = {
    "T1": "Haar state, one visible qubit, trace distance to I/2",
    "T2": "gradient of the unitary model (all K terms)",
    "T3": "all K sensitivities of the Boltzmann machine",
}


@dataclass(frozen=True)
class Target:
    """``versus`` must take at least ``factor`` times the project's time at size ``n``."""

    task: str
    n: int
    versus: str
    factor: float


#: The targets of the issue: T2 400x / 100x faster than lightning's adjoint at n = 7 / 10,
#: T3 50x faster than finite differences at n = 7.
TARGETS = (
    Target("T2", 7, "lightning-adjoint", 400.0),
    Target("T2", 10, "lightning-adjoint", 100.0),
    Target("T3", 7, "finite-differences", 50.0),
)

#: The whole book from scratch (every table recomputed) within 10 minutes on 2 cores.
BOOK_TARGET_SECONDS = 600.0

#: Peers timed in two forms (implementation key -> the form's name). The page and the targets
#: quote such a peer, at each size, in whichever form was faster there (:func:`fastest`): which
#: one that is changes with ``n``, and the fair comparison is with a peer's best.
FORMS = {
    "lightning-adjoint": {"lightning-adjoint": "native gates", "lightning-adjoint-paulirot": "PauliRot"},
    "default-qubit-backprop": {"default-qubit-backprop": "PauliRot",
                               "default-qubit-backprop-native": "native gates"},
}

#: Cost models that fitted exponents are compared with: ``(task, implementation) -> (name,
#: operations per instance as a function of n and K)``. Against :func:`cost_variable` their
#: log-log slope over the measured sizes is what a cost of that form alone would give.
COST_MODELS = {
    ("T1", "project"): ("2^n", lambda n, k: 2.0**n),
    ("T1", "numpy-naive"): ("D^2", lambda n, k: 4.0**n),
    ("T1", "qutip"): ("D^3", lambda n, k: 8.0**n),
    ("T2", "project"): ("K 2^n", lambda n, k: k * 2.0**n),
    ("T2", "finite-differences"): ("K^2 2^n", lambda n, k: k**2 * 2.0**n),
    ("T2-forward", "project"): ("K 2^n", lambda n, k: k * 2.0**n),
    ("T3", "project"): ("D^3", lambda n, k: 8.0**n),
    ("T3", "finite-differences"): ("(K+1) D^3", lambda n, k: (k + 1) * 8.0**n),
}


@dataclass(frozen=True)
class Results:
    timings: pd.DataFrame
    environment: dict
    entry: dict


#: The columns of ``timings.csv``.
TIMING_COLUMNS = ("task", "implementation", "label", "role", "library", "version", "n",
                  "n_terms", "instances", "samples", "loops", "seconds", "cpu_seconds",
                  "max_error", "status")


def empty_timings() -> pd.DataFrame:
    """A timings table with no rows (what the page draws when nothing was measured)."""
    df = pd.DataFrame({c: pd.Series(dtype=float if c in ("seconds", "cpu_seconds", "max_error")
                                    else object) for c in TIMING_COLUMNS})
    return df.astype({"n": int, "n_terms": int})


def load(scale: str, root=None) -> Results | None:
    """The saved results at ``scale``, or None if ``python -m benchmarks`` has not written them.

    Tables that exist are hash-checked (:func:`plateaus.store.load`), so an edited or
    half-written table is an error, never silently shown.
    """
    experiments = store.manifest(CHAPTER, scale, root)["experiments"]
    if TIMINGS not in experiments or ENVIRONMENT not in experiments:
        return None
    timings, entry = store.load(CHAPTER, scale, TIMINGS, root)
    env, _ = store.load(CHAPTER, scale, ENVIRONMENT, root)
    environment = dict(zip(env["key"].astype(str), env["value"].astype(str)))
    return Results(timings, environment, entry)


def load_shown(scale: str, root=None) -> tuple[str, Results | None]:
    """The run the page shows: ``(scale, results)`` if there is a run at ``scale``, else the
    committed paper-scale run ``("paper", results)`` (``None`` if that is absent too)."""
    results = load(scale, root)
    if results is not None or scale == "paper":
        return scale, results
    return "paper", load("paper", root)


def timings_of(results: Results | None) -> pd.DataFrame:
    """The timings of ``results``, or an empty timings table when nothing was measured."""
    return results.timings if results is not None else empty_timings()


def with_ratios(timings: pd.DataFrame, measure: str = MEASURE) -> pd.DataFrame:
    """Add ``ratio`` = time / the project's time at the same task and ``n`` (both measures).

    ``ratio`` uses ``measure``; ``wall_ratio`` the wall seconds. A ratio of 100 means the
    implementation takes 100 times as long as the project per instance.
    """
    df = timings.copy()
    project = df[df.role == "project"].set_index(["task", "n"])
    key = pd.MultiIndex.from_frame(df[["task", "n"]])
    df["ratio"] = df[measure].to_numpy() / project[measure].reindex(key).to_numpy()
    df["wall_ratio"] = df["seconds"].to_numpy() / project["seconds"].reindex(key).to_numpy()
    return df


def table(timings: pd.DataFrame, task: str, sizes=None) -> pd.DataFrame:
    """The reader's table of one task: time per instance and ratio to the project, as text.

    One row per size in ``sizes`` (an int or a list; by default the largest size measured for
    ``task``) and implementation, indexed by ``n`` and the implementation's label; a ``status``
    column only if some row has no time.
    """
    if sizes is None:
        measured = timings.loc[timings.task == task, "n"]
        sizes = [int(measured.max())] if len(measured) else []
    sizes = [sizes] if np.ndim(sizes) == 0 else list(sizes)
    df = with_ratios(timings)
    df = df[(df.task == task) & df.n.isin(sizes)]
    ok = df.status == "ok"
    out = pd.DataFrame({
        "n": df["n"].astype(int),
        "implementation": df["label"],
        "CPU / instance": [_seconds(x) if k else "" for x, k in zip(df["cpu_seconds"], ok)],
        "wall / instance": [_seconds(x) if k else "" for x, k in zip(df["seconds"], ok)],
        "× project (CPU)": [_times(x) if k else "" for x, k in zip(df["ratio"], ok)],
        "× project (wall)": [_times(x) if k else "" for x, k in zip(df["wall_ratio"], ok)],
        "max |diff|": [("0" if x == 0 else f"{x:.0e}") if np.isfinite(x) else ""
                       for x in df["max_error"]],
    })
    if not ok.all():
        out["status"] = df["status"].to_numpy()
    return out.set_index(["n", "implementation"])


def targets(timings: pd.DataFrame) -> pd.DataFrame:
    """One row per target: the measured speed-up (CPU and wall) and whether it is met.

    A peer timed in two forms (:data:`FORMS`) is taken in its faster form at the target's size
    (``form`` names it). ``measured`` is NaN, and ``met`` False, when the size or the
    implementation was not measured (e.g. at scale quick, or a peer that is not installed);
    ``status`` says which.
    """
    df = with_ratios(timings)
    rows = []
    for t in TARGETS:
        best = fastest(df, t.task, t.n, t.versus)
        measured = wall = math.nan
        form = ""
        status = "not measured at this scale"
        if best is not None:
            measured, wall = float(best["ratio"]), float(best["wall_ratio"])
            form = FORMS.get(t.versus, {}).get(best["implementation"], "")
            status = "met" if measured >= t.factor else "missed"
        else:
            keys = list(FORMS.get(t.versus, {t.versus: ""}))
            hit = df[(df.task == t.task) & (df.n == t.n) & df.implementation.isin(keys)]
            if len(hit):
                status = str(hit.iloc[0]["status"])
        rows.append(dict(task=t.task, n=t.n, versus=t.versus, form=form, target=t.factor,
                         measured=measured, measured_wall=wall, met=bool(measured >= t.factor),
                         status=status))
    return pd.DataFrame(rows)


def cost_variable(task: str, n, n_terms) -> np.ndarray:
    r"""The size variable of the cost fit: :math:`K\,2^n` for T2 and T3, :math:`2^n` for T1."""
    n = np.asarray(n, dtype=float)
    return 2.0**n if task == "T1" else np.asarray(n_terms, dtype=float) * 2.0**n


def model_exponent(task: str, implementation: str, n, n_terms) -> tuple[str, float]:
    """The exponent a cost of the form in :data:`COST_MODELS` alone would give over the sizes
    ``n`` (with their ``n_terms``): the least-squares slope of the log of the model against the
    log of :func:`cost_variable` (an exact curve, fitted unweighted; no interval). ``("", nan)``
    when the implementation has no model or there are fewer than two sizes."""
    model = COST_MODELS.get((task, implementation))
    n = np.asarray(n, dtype=float)
    if model is None or np.unique(n).size < 2:
        return "", math.nan
    name, cost = model
    k = np.asarray(n_terms, dtype=float)
    fit = analysis.fit_line(np.log(cost_variable(task, n, k)), np.log(cost(n, k)))
    return name, fit.slope


def model_position(fit: analysis.LineFit, value: float) -> str:
    """Where ``value`` lies against the 95 % interval of ``fit``: ``"above the fit's interval"``,
    ``"inside the fit's interval"``, ``"below the fit's interval"``, or ``"(no interval)"``."""
    if not np.isfinite(value) or fit.dof < 1:
        return "(no interval)"
    if value > fit.slope_high:
        return "above the fit's interval"
    return "below the fit's interval" if value < fit.slope_low else "inside the fit's interval"


#: The columns of :func:`cost_fits`.
FIT_COLUMNS = ("task", "implementation", "label", "exponent", "exponent_se", "exponent_low",
               "exponent_high", "dof", "intercept", "exponent_upper", "exponent_upper_se",
               "exponent_upper_low", "exponent_upper_high", "dof_upper", "n_upper", "points",
               "n_min", "n_max", "model", "model_exponent", "model_exponent_upper", "fit",
               "fit_upper")


def cost_fits(timings: pd.DataFrame, measure: str = MEASURE) -> pd.DataFrame:
    r"""Exponent of time per instance against the size variable, a line in log-log.

    :math:`\ln t = a \ln x + b` with :math:`x = K 2^n` (T2, T3: terms times amplitudes) or
    :math:`2^n` (T1), per task and implementation, over the sizes with a time (at least two),
    by :func:`plateaus.analysis.fit_line`. The fit is **unweighted**: the timings table holds
    one time per size (the minimum of the repeats; their spread is not recorded), so the
    scatter about the line gives the errors, and the 95 % interval of :math:`a` is Student's t
    with ``dof`` = sizes - 2 (none from two sizes). An exponent of 1 is a cost proportional to
    :math:`x`. ``exponent_upper`` (with its interval and ``dof_upper``) is the same fit over the
    larger half of the sizes alone, from ``n_upper`` on (the two largest if there are fewer
    than four), where fixed per-call costs matter least. ``model``, ``model_exponent``,
    ``model_exponent_upper``: the cost model of :data:`COST_MODELS` and the exponent it alone
    would give over the same sizes (:func:`model_exponent`; empty and NaN without a model).
    ``fit``, ``fit_upper``: the :class:`~plateaus.analysis.LineFit` objects. Columns:
    :data:`FIT_COLUMNS`.
    """
    rows = []
    times = pd.to_numeric(timings[measure], errors="coerce").astype(float)
    ok = timings[(timings.status == "ok") & np.isfinite(times)]
    for (task, key), g in ok.groupby(["task", "implementation"], sort=False):
        if g["n"].nunique() < 2:
            continue
        g = g.sort_values("n")
        x = cost_variable(task, g["n"], g["n_terms"])
        t = g[measure].to_numpy(dtype=float)
        fit = analysis.fit_line(np.log(x), np.log(t), log="ln")
        upper = len(t) // 2 if len(t) >= 4 else len(t) - 2
        top = analysis.fit_line(np.log(x[upper:]), np.log(t[upper:]), log="ln")
        model, model_all = model_exponent(task, key, g["n"], g["n_terms"])
        _, model_top = model_exponent(task, key, g["n"].iloc[upper:], g["n_terms"].iloc[upper:])
        rows.append(dict(task=task, implementation=key, label=g["label"].iloc[0],
                         exponent=fit.slope, exponent_se=fit.slope_se, exponent_low=fit.slope_low,
                         exponent_high=fit.slope_high, dof=fit.dof, intercept=fit.intercept,
                         exponent_upper=top.slope, exponent_upper_se=top.slope_se,
                         exponent_upper_low=top.slope_low, exponent_upper_high=top.slope_high,
                         dof_upper=top.dof, n_upper=int(g["n"].iloc[upper]), points=fit.n_points,
                         n_min=int(g["n"].min()), n_max=int(g["n"].max()), model=model,
                         model_exponent=model_all, model_exponent_upper=model_top, fit=fit,
                         fit_upper=top))
    return pd.DataFrame(rows, columns=list(FIT_COLUMNS))


def figure_wall_times(scale: str, chapters, root=None) -> pd.DataFrame:
    """The compute time of every table of the book that a figure is drawn from.

    Read from ``data/<chapter>/<scale>/manifest.json`` (``wall_time_s``: the seconds spent
    computing the table when it was last recomputed; the figures drawn from it cost nothing
    more). Returns ``chapter, experiment, figures, wall_time_s, date_utc`` for every experiment
    that has figures or a non-zero time, in the order of ``chapters``; chapters without a
    manifest at ``scale`` are left out.
    """
    rows = []
    for chapter in chapters:
        if chapter == CHAPTER:
            continue
        experiments = store.manifest(chapter, scale, root).get("experiments", {})
        for name, entry in experiments.items():
            figures = [f.get("name", "") for f in entry.get("figures", [])]
            wall = float(entry.get("wall_time_s", 0.0) or 0.0)
            if not figures and wall == 0.0:
                continue
            rows.append(dict(chapter=chapter, experiment=name, figures=", ".join(figures),
                             wall_time_s=wall, date_utc=str(entry.get("date_utc", ""))))
    return pd.DataFrame(rows, columns=["chapter", "experiment", "figures", "wall_time_s", "date_utc"])


# --------------------------------------------------------------------------- the page's words

NOT_MEASURED = "not measured"

#: Friendly names of the ``environment.csv`` keys shown on the page, in order.
MACHINE_KEYS = (
    ("cpu", "processor"), ("cores", "cores"), ("memory_gib", "memory (GiB)"), ("os", "system"),
    ("python", "Python"), ("blas", "BLAS / OpenMP pools"), ("threads", "threads"),
    ("load_before", "load average before (1, 5, 15 min)"),
    ("load_after", "load average after (1, 5, 15 min)"), ("started_utc", "run started (UTC)"),
    ("bench_wall_s", "duration of the run (s)"),
)


def machine_table(results: Results | None) -> pd.DataFrame:
    """The machine and the library versions, as a two-column table for the page."""
    if results is None:
        return pd.DataFrame({"": [NOT_MEASURED]}, index=["timings"])
    env = results.environment
    rows = [(label, env.get(key, "unknown")) for key, label in MACHINE_KEYS]
    rows += [(key.split(":", 1)[1], value) for key, value in env.items() if key.startswith("version:")]
    return pd.DataFrame({"value": [v for _, v in rows]}, index=[k for k, _ in rows])


def _row(df: pd.DataFrame, task: str, n: int, key: str):
    hit = df[(df.task == task) & (df.n == n) & (df.implementation == key) & (df.status == "ok")]
    return None if hit.empty else hit.iloc[0]


def fastest(df: pd.DataFrame, task: str, n: int, key: str):
    """The measured row of ``key`` at ``task`` and ``n``; for a peer of :data:`FORMS`, the row of
    its faster form there (by :data:`MEASURE`). None if nothing was measured."""
    rows = [r for k in FORMS.get(key, {key: ""}) if (r := _row(df, task, n, k)) is not None]
    return min(rows, key=lambda r: float(r[MEASURE])) if rows else None


def form_of(df: pd.DataFrame, task: str, n: int, key: str) -> str:
    """The name of the form :func:`fastest` picks for ``key`` ("" for a peer with one form)."""
    r = fastest(df, task, n, key)
    return NOT_MEASURED if r is None else FORMS.get(key, {}).get(r["implementation"], "")


def _times(x: float) -> str:
    return f"{x:.0f}×" if x >= 10 else f"{x:.1f}×"


def _seconds(x: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if x >= scale:
            return f"{x / scale:.3g} {unit}"
    return f"{x * 1e9:.3g} ns"


def exponent_text(fit: analysis.LineFit) -> str:
    """``"0.89 [0.79, 0.98]"``: an exponent and its 95 % interval, or ``"1.57, two sizes: no
    interval"`` for a line through two points."""
    if fit.dof < 1:
        return f"{fit.slope:.2f}, two sizes: no interval"
    return fit.interval_text(2)


def speedup(df: pd.DataFrame, task: str, n: int, key: str) -> str:
    """``"112×"``: how many times ``key`` (in its faster form, :func:`fastest`) takes the
    project's time (CPU), or "not measured"."""
    r = fastest(df, task, n, key)
    return NOT_MEASURED if r is None or not np.isfinite(r["ratio"]) else _times(float(r["ratio"]))


def per_instance(df: pd.DataFrame, task: str, n: int, key: str = "project") -> str:
    """``"0.31 ms"``: CPU time per instance (of the faster form, :func:`fastest`), or "not measured"."""
    r = fastest(df, task, n, key)
    return NOT_MEASURED if r is None else _seconds(float(r[MEASURE]))


def quoted(params: dict, results: Results | None, walls: pd.DataFrame,
           results_scale: str | None = None) -> dict[str, str]:
    """Every number the page's prose quotes, as text (``"not measured"`` where absent).

    ``params``: the page's parameters (its ``scale``); ``results``: the run it shows, measured
    at ``results_scale`` (default: the page's scale; see :func:`load_shown`); ``walls``:
    :func:`figure_wall_times`. Keys (glued as ``be-<key>``): ``scale``, ``results-scale``, the machine (``machine-*``, ``load-*``, ``bench-*``), the largest T1 size and its
    speed-ups (``t1-*``), T2 at n = 7 and 10 (``t2-*-7``, ``t2-*-10``), T3 at n = 7 (``t3-*``),
    the targets' verdicts (``verdict-T2-7``, ...), the fitted exponents with their 95 %
    intervals (``exponent-*``, ``exponent-upper-*``) and their degrees of freedom
    (``exponent-dof-*``, ``exponent-upper-dof-*``), and the figures' compute times (``figures-*``, with ``figures-dates``, the days they were recorded).
    ``machine-state`` is ``idle`` when the 1-minute load average before the run was below 0.5.
    """
    q: dict[str, str] = {"scale": str(params["scale"]),
                         "results-scale": str(results_scale or params["scale"])}
    empty = empty_timings()
    df = with_ratios(results.timings if results is not None else empty)
    env = results.environment if results is not None else {}
    q["machine-cpu"] = env.get("cpu", NOT_MEASURED)
    q["machine-cores"] = env.get("cores", NOT_MEASURED)
    q["load-before"] = env["load_before"].split(" ")[0] if "load_before" in env else NOT_MEASURED
    q["load-after"] = env["load_after"].split(" ")[0] if "load_after" in env else NOT_MEASURED
    # the 1-minute load average before the run: other work (or work just finished), since the
    # run had not started
    q["machine-state"] = (NOT_MEASURED if "load_before" not in env
                          else "not idle" if float(q["load-before"]) >= 0.5 else "idle")
    q["bench-date"] = env["started_utc"][:10] if "started_utc" in env else NOT_MEASURED
    q["bench-minutes"] = (f"{float(env['bench_wall_s']) / 60:.1f}" if "bench_wall_s" in env
                          else NOT_MEASURED)
    params = results.entry.get("parameters", {}) if results is not None else {}
    for key in ("t1_batch", "t2_batch", "t2_fd_batch", "t3_batch", "repeats", "check_instances"):
        q[key.replace("_", "-")] = str(params.get(key, NOT_MEASURED))
    q["min-sample"] = f"{params['min_sample']:g}" if "min_sample" in params else NOT_MEASURED
    q["t3-eps"] = f"{params['t3_eps']:g}" if "t3_eps" in params else NOT_MEASURED

    t1 = df[df.task == "T1"]
    n1 = int(t1["n"].max()) if len(t1) else 12
    q["t1-n"] = str(n1)
    q["t1-project"] = per_instance(df, "T1", n1)
    q["t1-project-single"] = per_instance(df, "T1", n1, "project-single")
    for key in ("qutip", "qutip-gaussian", "quimb", "numpy-naive", "project-single"):
        q[f"t1-x-{key}"] = speedup(df, "T1", n1, key)
    q["t1-qutip"] = per_instance(df, "T1", n1, "qutip")
    n0 = int(t1["n"].min()) if len(t1) else 6
    q["t1-n-min"] = str(n0)
    q["t1-x-project-single-min"] = speedup(df, "T1", n0, "project-single")
    single, quimb = _row(df, "T1", n0, "project-single"), _row(df, "T1", n0, "quimb")
    q["t1-quimb-over-single-min"] = (NOT_MEASURED if single is None or quimb is None
                                     else _times(float(quimb[MEASURE]) / float(single[MEASURE])))

    for n in (7, 10):
        q[f"t2-project-{n}"] = per_instance(df, "T2", n)
        q[f"t2-forward-{n}"] = per_instance(df, "T2-forward", n)
        q[f"t2-lightning-{n}"] = per_instance(df, "T2", n, "lightning-adjoint")
        q[f"t2-lightning-form-{n}"] = form_of(df, "T2", n, "lightning-adjoint")
        q[f"t2-default-qubit-form-{n}"] = form_of(df, "T2", n, "default-qubit-backprop")
        q[f"t2-lightning-forward-{n}"] = per_instance(df, "T2-forward", n, "lightning")
        q[f"t2-lightning-device-{n}"] = per_instance(df, "T2", n, "lightning-device")
        q[f"t2-x-lightning-device-{n}"] = speedup(df, "T2", n, "lightning-device")
        dev, full = _row(df, "T2", n, "lightning-device"), _row(df, "T2", n, "lightning-adjoint")
        q[f"t2-lightning-python-share-{n}"] = (
            NOT_MEASURED if dev is None or full is None
            else f"{100 * (1 - float(dev[MEASURE]) / float(full[MEASURE])):.0f}%")
        for key in ("lightning-adjoint", "default-qubit-backprop", "qiskit-reverse",
                    "finite-differences", "project-single"):
            q[f"t2-x-{key}-{n}"] = speedup(df, "T2", n, key)
        for key in ("project", "lightning-adjoint"):
            grad = fastest(df, "T2", n, key)
            fwd = _row(df, "T2-forward", n, "project" if key == "project" else "lightning")
            q[f"t2-grad-over-forward-{key}-{n}"] = (
                NOT_MEASURED if grad is None or fwd is None
                else f"{float(grad[MEASURE]) / float(fwd[MEASURE]):.1f}")
        for slow, fast, name in (("lightning-adjoint-paulirot", "lightning-adjoint", "lightning"),
                                 ("default-qubit-backprop-native", "default-qubit-backprop",
                                  "default-qubit")):
            a, b = _row(df, "T2", n, slow), _row(df, "T2", n, fast)
            q[f"t2-form-{name}-{n}"] = (NOT_MEASURED if a is None or b is None
                                        else f"{float(a[MEASURE]) / float(b[MEASURE]):.2f}×")
        fwd = _row(df, "T2-forward", n, "project")
        q[f"t2-ns-per-gate-amplitude-{n}"] = (
            NOT_MEASURED if fwd is None
            else f"{float(fwd[MEASURE]) / (float(fwd['n_terms']) * 2.0**n) * 1e9:.2f}")
    # the finite differences against 2K of the project's forward passes (timed in the forward
    # task), at the smallest and the largest size: the cost beyond the operation count
    t2 = df[(df.task == "T2") & (df.status == "ok")]
    for end, n in (("min", t2["n"].min() if len(t2) else None), ("max", t2["n"].max() if len(t2) else None)):
        fd = None if n is None else _row(df, "T2", int(n), "finite-differences")
        fwd = None if n is None else _row(df, "T2-forward", int(n), "project")
        q[f"t2-fd-n-{end}"] = NOT_MEASURED if n is None else str(int(n))
        q[f"t2-fd-over-forwards-{end}"] = (
            NOT_MEASURED if fd is None or fwd is None
            else f"{float(fd[MEASURE]) / (2 * float(fd['n_terms']) * float(fwd[MEASURE])):.1f}")
    exact = df[(df.task == "T2") & (df.status == "ok") & (df.role != "paper")]
    fd = df[(df.task == "T2") & (df.status == "ok") & (df.role == "paper")]
    q["t2-max-error"] = f"{exact['max_error'].max():.0e}" if len(exact) else NOT_MEASURED
    q["t2-fd-max-error"] = f"{fd['max_error'].max():.0e}" if len(fd) else NOT_MEASURED
    t3fd = df[(df.task == "T3") & (df.status == "ok") & (df.role != "project")
              & (df.role != "project-variant")]
    q["t3-fd-max-error"] = f"{t3fd['max_error'].max():.0e}" if len(t3fd) else NOT_MEASURED
    q["t3-project-7"] = per_instance(df, "T3", 7)
    q["t3-fd-7"] = per_instance(df, "T3", 7, "finite-differences")
    for key in ("finite-differences", "qutip-fd", "project-single"):
        q[f"t3-x-{key}-7"] = speedup(df, "T3", 7, key)

    verdicts = targets(results.timings) if results is not None else None
    for t in TARGETS:
        name = f"verdict-{t.task}-{t.n}"
        if verdicts is None:
            q[name] = NOT_MEASURED
            continue
        v = verdicts[(verdicts.task == t.task) & (verdicts.n == t.n)].iloc[0]
        if v["status"] == "met":
            q[name] = f"met ({_times(v['measured'])} against {t.factor:.0f}×)"
        elif v["status"] == "missed":
            q[name] = (f"missed: {_times(v['measured'])} measured against {t.factor:.0f}×, "
                       f"a factor {t.factor / v['measured']:.1f} short")
        else:
            q[name] = str(v["status"])

    fits = cost_fits(results.timings if results is not None else empty)
    for task, key in (("T2", "project"), ("T2", "lightning-adjoint"), ("T2", "finite-differences"),
                      ("T2", "default-qubit-backprop"), ("T2", "qiskit-reverse"),
                      ("T3", "project"), ("T3", "finite-differences"), ("T1", "project")):
        hit = fits[(fits.task == task) & (fits.implementation == key)]
        for name, column in (("exponent", "fit"), ("exponent-upper", "fit_upper")):
            fit = None if hit.empty else hit.iloc[0][column]
            q[f"{name}-{task}-{key}"] = NOT_MEASURED if fit is None else exponent_text(fit)
            q[f"{name}-dof-{task}-{key}"] = NOT_MEASURED if fit is None else str(fit.dof)
            model = "model_exponent" if column == "fit" else "model_exponent_upper"
            value = math.nan if hit.empty else float(hit.iloc[0][model])
            q[f"model-{name}-{task}-{key}"] = NOT_MEASURED if not np.isfinite(value) else f"{value:.2f}"
            q[f"model-{name}-position-{task}-{key}"] = (NOT_MEASURED if fit is None
                                                       else model_position(fit, value))
    peers = fits[(fits.task == "T2") & ~fits.implementation.isin(["project", "project-single",
                                                                   "finite-differences"])]
    q["peers-exponent-high-max"] = (NOT_MEASURED if peers.empty
                                    else f"{max(f.slope_high for f in peers['fit']):.2f}")

    total = float(walls["wall_time_s"].sum()) if len(walls) else math.nan
    q["figures-count"] = str(len(walls))
    q["figures-total-min"] = f"{total / 60:.1f}" if len(walls) else NOT_MEASURED
    q["figures-target-min"] = f"{BOOK_TARGET_SECONDS / 60:.0f}"
    if not len(walls):
        q["figures-verdict"] = NOT_MEASURED
    elif total <= BOOK_TARGET_SECONDS:
        q["figures-verdict"] = "within the target"
    else:
        q["figures-verdict"] = (f"over the target by a factor {total / BOOK_TARGET_SECONDS:.1f}")
    days = sorted({d[:10] for d in walls["date_utc"] if d}) if len(walls) else []
    q["figures-dates"] = (NOT_MEASURED if not days else f"all on {days[0]}" if len(days) == 1
                          else f"between {days[0]} and {days[-1]}")
    slowest = walls.sort_values("wall_time_s").iloc[-1] if len(walls) else None
    q["figures-slowest"] = (NOT_MEASURED if slowest is None
                            else f"{slowest['chapter']} / {slowest['experiment']}")
    q["figures-slowest-min"] = (NOT_MEASURED if slowest is None
                                else f"{slowest['wall_time_s'] / 60:.1f}")
    return q


def targets_table(timings: pd.DataFrame) -> pd.DataFrame:
    """:func:`targets` as text for the page: target, measured speed-up (CPU, wall), verdict."""
    t = targets(timings)
    return pd.DataFrame({
        "task": t["task"], "n": t["n"],
        "against": [f"{v} ({f})" if f else v for v, f in zip(t["versus"], t["form"])],
        "target": [f"{x:.0f}×" for x in t["target"]],
        "measured (CPU)": [_times(x) if np.isfinite(x) else NOT_MEASURED for x in t["measured"]],
        "measured (wall)": [_times(x) if np.isfinite(x) else NOT_MEASURED
                            for x in t["measured_wall"]],
        "verdict": t["status"],
    }).set_index(["task", "n"])


def fits_table(fits: pd.DataFrame) -> pd.DataFrame:
    """:func:`cost_fits` as text for the page: each exponent with its 95 % interval, the sizes
    fitted and the degrees of freedom of its t interval."""
    return pd.DataFrame({
        "task": fits["task"], "implementation": fits["label"],
        "exponent a, all sizes [95 %]": [exponent_text(f) for f in fits["fit"]],
        "all sizes: n (dof)": [f"{lo}–{hi} ({f.dof})"
                               for lo, hi, f in zip(fits["n_min"], fits["n_max"], fits["fit"])],
        "a, larger sizes [95 %]": [exponent_text(f) for f in fits["fit_upper"]],
        "larger sizes: n (dof)": [f"{lo}–{hi} ({f.dof})"
                                  for lo, hi, f in zip(fits["n_upper"], fits["n_max"], fits["fit_upper"])],
        "cost model: its exponent, all (larger) sizes": [
            f"{m}: {a:.2f} ({b:.2f})" if m else "" for m, a, b in
            zip(fits["model"], fits["model_exponent"], fits["model_exponent_upper"])],
    }).set_index(["task", "implementation"])


def walls_table(walls: pd.DataFrame) -> pd.DataFrame:
    """:func:`figure_wall_times` as text for the page, with the figures one per line."""
    return pd.DataFrame({
        "chapter": walls["chapter"], "table": walls["experiment"],
        "figures drawn from it": walls["figures"],
        "compute time": [f"{x:.0f} s" if x >= 1 else f"{x:.2f} s" for x in walls["wall_time_s"]],
    }).set_index(["chapter", "table"])


def scale_note(results: Results | None, scale: str, results_scale: str) -> str:
    """Markdown for the top of the page, never empty: :func:`missing_note` when nothing was
    measured, else which run is shown (and that it is not the page's scale, when it is not)."""
    if results is None:
        return missing_note(results, scale)
    if results_scale != scale:
        return (f"There is no benchmark run at scale `{scale}`; this page shows the committed "
                f"`{results_scale}`-scale run (`data/benchmarks/{results_scale}/`).")
    return f"This page shows the `{results_scale}`-scale run, `data/benchmarks/{results_scale}/`."


def missing_note(results: Results | None, scale: str) -> str:
    """Markdown for the page when there are no timings at ``scale`` (else the empty string)."""
    if results is not None:
        return ""
    command = "make bench" if scale == "paper" else f"python -m benchmarks --scale {scale}"
    return (
        ":::{important}\n"
        f"There are no timings at scale `{scale}` in `data/benchmarks/{scale}/`, so the tables "
        f"and figures below are empty and every number reads *{NOT_MEASURED}*. `{command}` "
        "measures them (this page only reads them).\n:::"
    )


__all__ = [
    "BOOK_TARGET_SECONDS", "CHAPTER", "COST_MODELS", "ENVIRONMENT", "FIT_COLUMNS", "FORMS", "MEASURE",
    "NOT_MEASURED", "TARGETS", "TASKS", "TIMINGS", "Results", "Target", "cost_fits", "cost_variable",
    "exponent_text", "fastest", "figure_wall_times", "fits_table", "form_of", "load", "load_shown",
    "machine_table", "missing_note", "model_exponent", "model_position", "per_instance", "quoted",
    "scale_note", "speedup", "table", "targets",
    "targets_table", "timings_of", "walls_table", "with_ratios",
]
