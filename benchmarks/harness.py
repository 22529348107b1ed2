"""The timing harness shared by the tasks: implementations, the same-numbers check, timers.

Every task (:mod:`benchmarks.t1_typicality`, :mod:`benchmarks.t2_unitary`,
:mod:`benchmarks.t3_boltzmann`) lists its :class:`Implementation` objects, the project's own
first. For each size ``n`` the task builds a problem (inputs drawn from a fixed seed), and every
implementation ``prepare(problem)`` returns a :class:`Prepared`:

* ``check()`` computes the task's numbers on the problem's shared inputs; they must equal the
  project's (``rtol``/``atol`` of the implementation) or the implementation is not timed and its
  row says why;
* ``timed()`` does the task's work for ``instances`` instances; its time divided by
  ``instances`` is the time per instance.

Timing (:func:`measure`): one warm-up call (imports, JIT compilation, caches), then ``repeats``
samples, each a loop of ``ceil(min_sample / t_call)`` calls so that short calls are not lost in
the clock's resolution; the **minimum** over samples is kept, because on a shared machine every
disturbance only adds time. Both the wall clock (``time.perf_counter``) and the CPU time of this
process (``time.process_time``) are recorded. Every implementation runs with one thread
(:func:`pin_threads`), so on an idle machine the two agree; when other programs share the cores
the CPU time is the better estimate of the cost, and the ratios use it.
"""
from __future__ import annotations

import importlib
import importlib.util
import math
import os
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Callable

import numpy as np

#: Environment variables that make every library single-threaded; set before any import.
THREAD_VARIABLES = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
    "RAYON_NUM_THREADS": "1",
    "QISKIT_NUM_THREADS": "1",
}

#: A call slower than this (seconds) is not repeated beyond its warm-up, which counts as the
#: only sample (the QuTiP Haar sampler at n = 12 takes tens of seconds).
SLOW_CALL = 8.0


def pin_threads() -> dict:
    """One thread everywhere: the environment variables (before the libraries are imported)
    and ``threadpoolctl.threadpool_limits(1)`` for the BLAS and OpenMP pools already loaded.

    Returns the setting as a dict, recorded with the results.
    """
    from threadpoolctl import threadpool_limits

    for key, value in THREAD_VARIABLES.items():
        os.environ[key] = value
    threadpool_limits(limits=1)
    return {"threads": 1, **THREAD_VARIABLES, "threadpoolctl": "threadpool_limits(limits=1)"}


def blas_threads() -> int:
    """The largest thread count of any loaded BLAS/OpenMP pool (1 after :func:`pin_threads`)."""
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(limits=1)  # pools loaded by a late import start with the default count
    return max((p["num_threads"] for p in threadpool_info()), default=1)


# --------------------------------------------------------------------------- implementations


@dataclass(frozen=True)
class Prepared:
    """An implementation ready to run on one problem."""

    check: Callable[[], np.ndarray]
    timed: Callable[[], Any]
    instances: int


@dataclass(frozen=True)
class Implementation:
    """One way of doing a task.

    Attributes
    ----------
    key : str
        Short stable name, e.g. ``"lightning-adjoint"`` (a column value in the tables).
    label : str
        What a reader sees, e.g. ``"PennyLane lightning.qubit, adjoint"``.
    library : str
        The distribution whose version is recorded (``"plateaus"`` for the project).
    modules : tuple of str
        Modules it imports; if one is missing the implementation is reported as not installed.
    prepare : callable
        ``prepare(problem) -> Prepared``.
    role : str
        ``"project"`` (the reference: the first of a task), ``"project-variant"`` (the project
        used another way), ``"paper"`` (the paper's own method), ``"peer"`` or ``"baseline"``.
    rtol, atol : float
        Tolerances of the same-numbers check against the project.
    max_n : int or None
        Larger sizes are skipped (memory or time), and the row says so.
    """

    key: str
    label: str
    library: str
    modules: tuple[str, ...]
    prepare: Callable[[Any], Prepared]
    role: str = "peer"
    rtol: float = 1e-8
    atol: float = 1e-10
    max_n: int | None = None

    def missing(self) -> str | None:
        """The first module that cannot be imported, or None."""
        for name in self.modules:
            if importlib.util.find_spec(name.split(".")[0]) is None:
                return name
            try:
                importlib.import_module(name)
            except ImportError:
                return name
        return None


def library_version(name: str) -> str:
    """The installed version of a distribution, or ``"not installed"``."""
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


# --------------------------------------------------------------------------- timing


@dataclass
class Timing:
    """Best wall and CPU seconds of one call, and how they were obtained."""

    wall: float
    cpu: float
    samples: int
    loops: int
    walls: list = field(default_factory=list)


def _one(fn) -> tuple[float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def measure(fn: Callable[[], Any], repeats: int, min_sample: float) -> Timing:
    """Minimum wall and CPU seconds of one call of ``fn`` (see the module docstring)."""
    wall, cpu = _one(fn)  # warm-up
    if wall >= SLOW_CALL:
        return Timing(wall, cpu, 1, 1, [wall])
    loops = max(1, math.ceil(min_sample / max(wall, 1e-7)))
    best_wall = best_cpu = math.inf
    walls = []
    for _ in range(repeats if wall * loops < SLOW_CALL else max(1, repeats // 2)):
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(loops):
            fn()
        w, c = (time.perf_counter() - w0) / loops, (time.process_time() - c0) / loops
        walls.append(w)
        best_wall, best_cpu = min(best_wall, w), min(best_cpu, c)
    return Timing(best_wall, best_cpu, len(walls), loops, walls)


def max_error(got, reference) -> float:
    """``max |got - reference|`` (inf if the shapes differ)."""
    got, reference = np.asarray(got), np.asarray(reference)
    if got.shape != reference.shape:
        return math.inf
    return float(np.max(np.abs(got - reference))) if got.size else 0.0


def agrees(got, reference, rtol: float, atol: float) -> bool:
    got, reference = np.asarray(got), np.asarray(reference)
    return got.shape == reference.shape and bool(np.allclose(got, reference, rtol=rtol, atol=atol))


# --------------------------------------------------------------------------- one task


def run_task(task: str, sizes, problem: Callable[[int], Any], implementations, *, repeats: int,
             min_sample: float, n_terms: Callable[[int], int], only=None, log=print) -> list[dict]:
    """Check and time every implementation at every size; one row per (implementation, n).

    ``only``: keys of implementations to run (the project's reference always runs).
    """
    rows = []
    reference = implementations[0]
    for n in sizes:
        prob = problem(n)
        ref = reference.prepare(prob)
        expected = ref.check()
        for impl in implementations:
            row = dict(task=task, implementation=impl.key, label=impl.label, role=impl.role,
                       library=impl.library, version=library_version(impl.library), n=int(n),
                       n_terms=int(n_terms(n)), instances=0, samples=0, loops=0,
                       seconds=math.nan, cpu_seconds=math.nan, max_error=math.nan, status="ok")
            if only is not None and impl is not reference and impl.key not in only:
                continue
            missing = impl.missing()
            if missing is not None:
                row["status"] = f"not installed ({missing}): pip install -e '.[bench]'"
                rows.append(row)
                log(f"  {task} n={n:2d} {impl.label:<46} not installed ({missing})")
                continue
            if impl.max_n is not None and n > impl.max_n:
                row["status"] = f"skipped above n = {impl.max_n}"
                rows.append(row)
                continue
            prepared = ref if impl is reference else impl.prepare(prob)
            got = expected if impl is reference else prepared.check()
            row["max_error"] = max_error(got, expected)
            if not agrees(got, expected, impl.rtol, impl.atol):
                row["status"] = (f"differs from the project: max |diff| = {row['max_error']:.3g} "
                                 f"(rtol {impl.rtol:g}, atol {impl.atol:g}); not timed")
                rows.append(row)
                log(f"  {task} n={n:2d} {impl.label:<46} {row['status']}")
                continue
            timing = measure(prepared.timed, repeats, min_sample)
            row.update(instances=prepared.instances, samples=timing.samples, loops=timing.loops,
                       seconds=timing.wall / prepared.instances,
                       cpu_seconds=timing.cpu / prepared.instances)
            rows.append(row)
            log(f"  {task} n={n:2d} {impl.label:<46} {row['cpu_seconds']:11.3e} s CPU "
                f"{row['seconds']:11.3e} s wall per instance  (max |diff| {row['max_error']:.1e})")
    return rows
