r"""Ensembles of independent instances, seeded so that results never depend on the backend.

:func:`map_instances` gives every instance its own child seed,
``np.random.SeedSequence(seed).spawn(n_instances)``, and groups the instances into chunks of a
fixed size (``chunk_size``, default :data:`DEFAULT_CHUNK_SIZE`, never derived from the number of
workers or the backend). The user function is called once per chunk with that chunk's seeds,
and the chunks are concatenated in instance order. The same ``seed`` therefore gives the same
table, bit for bit, in-process, on joblib processes or on a Dask cluster, provided the function
computes each instance from its own seed only.

BLAS runs with one thread per worker (``threadpoolctl.threadpool_limits(1)`` around every
chunk): the parallelism is over instances, and a multi-threaded BLAS beside other busy
processes was measured up to 100x slower on a small machine.

Environment
-----------
``PLATEAUS_N_JOBS``
    default of ``n_jobs`` when the argument is ``None``: a positive integer or ``-1`` (all
    cores); unset means 1. However large, no more local worker processes are started than
    there are chunks or cores: :func:`effective_workers` gives the pool size,
    ``min(n_jobs, number of chunks, os.cpu_count())`` (the result never depends on it).
``PLATEAUS_SCHEDULER``
    default of ``scheduler`` when the argument is ``None`` (the command line's ``--scheduler``
    sets it): ``"local"`` (a Dask LocalCluster), a Dask scheduler address of the form
    ``scheme://host:port`` such as ``tcp://10.0.0.1:8786``, or ``"joblib"``; unset means
    joblib. A malformed address is refused before any work; a scheduler that does not answer
    within :data:`CONNECT_TIMEOUT` seconds gives one ``ConnectionError`` naming the address and
    where it was set.
"""
from __future__ import annotations

import os
import re
from numbers import Integral
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

__all__ = ["CONNECT_TIMEOUT", "DEFAULT_CHUNK_SIZE", "effective_workers", "instance_index",
           "map_instances", "spawn_seeds"]

DEFAULT_CHUNK_SIZE = 100
"""Instances per call of the user function, unless ``chunk_size`` says otherwise."""

CONNECT_TIMEOUT = 5.0
"""Seconds to wait for a Dask scheduler given by address before giving up."""

#: ``scheme://host:port`` of a Dask scheduler; the host may be a bracketed IPv6 address.
_ADDRESS = re.compile(r"^(tcp|tls|ws|wss|ucx)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")
ADDRESS_FORM = "'local', 'joblib' or a Dask scheduler address scheme://host:port, e.g. tcp://10.0.0.1:8786"

DASK_HINT = (
    "Dask is an optional extra: install it with `pip install -e '.[dask]'` "
    "(or `pip install \"dask[distributed]\"`)"
)


# --------------------------------------------------------------------------- validation


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _check_int(name: str, value: Any, allowed: str, ok: Callable[[int], bool]) -> int:
    if not _is_int(value) or not ok(int(value)):
        raise ValueError(f"{name} = {value!r} is not allowed; expected {allowed}")
    return int(value)


def _check_seed(seed: Any) -> int | tuple[int, ...]:
    """A non-negative int, or a non-empty sequence of them (SeedSequence entropy)."""
    allowed = "a non-negative integer, or a non-empty list of non-negative integers"
    if _is_int(seed) and seed >= 0:
        return int(seed)
    if isinstance(seed, (list, tuple, np.ndarray)) and len(seed) > 0 \
            and all(_is_int(s) and s >= 0 for s in seed):
        return tuple(int(s) for s in seed)
    raise ValueError(f"seed = {seed!r} is not allowed; expected {allowed}")


def _n_jobs_default(n_jobs: Any) -> int:
    allowed = "a positive integer, or -1 for all cores"
    if n_jobs is None:
        env = os.environ.get("PLATEAUS_N_JOBS", "").strip()
        if not env:
            return 1
        try:
            value = int(env)
        except ValueError:
            raise ValueError(f"PLATEAUS_N_JOBS = {env!r} is not allowed; expected {allowed}") from None
        return _check_int("PLATEAUS_N_JOBS", value, allowed, lambda v: v >= 1 or v == -1)
    return _check_int("n_jobs", n_jobs, allowed, lambda v: v >= 1 or v == -1)


def _scheduler_source(name: str) -> str:
    if name == "PLATEAUS_SCHEDULER":
        return "the environment variable PLATEAUS_SCHEDULER, which the command line's --scheduler sets"
    return "the scheduler argument"


def _check_address(name: str, address: str) -> str:
    """``address`` if it is "local" or ``scheme://host:port``; else a ValueError naming it."""
    if address == "local":
        return address
    match = _ADDRESS.match(address)
    if match is None or not 1 <= int(match.group(3)) <= 65535:
        raise ValueError(
            f"{name} = {address!r} is not allowed; expected {ADDRESS_FORM} "
            f"(set by {_scheduler_source(name)})"
        )
    return address


def _scheduler_default(scheduler: Any) -> tuple[Any, str]:
    """``(None, name)`` for joblib, else ("local", an address string or a ``distributed.Client``,
    name), ``name`` saying where it was set (for the error messages)."""
    allowed = '"joblib", "local", a Dask scheduler address string, or a distributed.Client'
    name = "scheduler"
    if scheduler is None:
        scheduler = os.environ.get("PLATEAUS_SCHEDULER", "").strip() or None
        name = "PLATEAUS_SCHEDULER"
    if scheduler is None or scheduler == "joblib":
        return None, name
    if isinstance(scheduler, str):
        if not scheduler.strip():
            raise ValueError(f"{name} = {scheduler!r} is not allowed; expected {allowed}")
        return _check_address(name, scheduler.strip()), name
    if hasattr(scheduler, "map") and hasattr(scheduler, "gather"):
        return scheduler, name
    raise ValueError(f"{name} = {scheduler!r} is not allowed; expected {allowed}")


def effective_workers(n_jobs: int, n_chunks: int) -> int:
    """The number of local worker processes started for ``n_chunks`` chunks.

    ``min(n_jobs, n_chunks, os.cpu_count())``, ``n_jobs = -1`` meaning all cores, and at
    least 1: a worker without a chunk, or more processes than cores, only costs memory (each
    loky or Dask worker imports numpy and the package). The result of :func:`map_instances`
    never depends on it.

    >>> effective_workers(8, 2)
    2
    """
    cores = max(1, os.cpu_count() or 1)
    wanted = cores if n_jobs == -1 else n_jobs
    return max(1, min(wanted, n_chunks, cores))


# --------------------------------------------------------------------------- seeds


def spawn_seeds(seed: int | Sequence[int], n_instances: int) -> list[np.random.SeedSequence]:
    """One child :class:`numpy.random.SeedSequence` per instance.

    Parameters
    ----------
    seed : int or sequence of int
        Non-negative root seed, or several (e.g. ``[seed, model_index, size]`` to give every
        cell of an experiment its own stream); the entropy of the root ``SeedSequence``.
    n_instances : int
        Number of children.

    Returns
    -------
    list of numpy.random.SeedSequence
        ``SeedSequence(seed).spawn(n_instances)``; child ``i`` depends only on ``seed`` and
        ``i``, so the first instances are the same whatever ``n_instances`` is.
    """
    seed = _check_seed(seed)
    n_instances = _check_int("n_instances", n_instances, "a positive integer", lambda v: v >= 1)
    return np.random.SeedSequence(seed).spawn(n_instances)


def instance_index(seed: np.random.SeedSequence) -> int:
    """The global instance index of a seed from :func:`spawn_seeds` (its last spawn key)."""
    return int(seed.spawn_key[-1])


# --------------------------------------------------------------------------- one chunk


def _run_chunk(func: Callable, seeds: list, kwargs: dict):
    """Call ``func`` on one chunk with single-threaded BLAS (runs in the worker)."""
    with threadpool_limits(limits=1):
        return func(seeds, **kwargs)


def _check_chunk(result: Any, start: int, stop: int, k: int):
    """Check one chunk's result; give a DataFrame its global ``instance`` column."""
    if isinstance(result, pd.DataFrame):
        if "instance" not in result.columns:
            if len(result) != stop - start:
                raise ValueError(
                    f"func returned {len(result)} rows for chunk {k} of {stop - start} "
                    "instances and no 'instance' column; add an 'instance' column "
                    "(instance_index(seed) gives it) when there is not one row per instance"
                )
            result = result.copy()
            result.insert(0, "instance", np.arange(start, stop, dtype=np.int64))
        else:
            inst = np.asarray(result["instance"])
            if inst.size and (inst.min() < start or inst.max() >= stop):
                raise ValueError(
                    f"func returned 'instance' values outside chunk {k} (instances {start}.."
                    f"{stop - 1}); use global indices: instance_index(seed)"
                )
        return result
    if isinstance(result, np.ndarray):
        if result.ndim == 0:
            raise ValueError(f"func returned a 0-d array for chunk {k}; return one row per instance")
        return result
    raise ValueError(
        f"func returned {type(result).__name__} for chunk {k}; expected a pandas DataFrame "
        "or a numpy array"
    )


def _combine(results: list) -> pd.DataFrame | np.ndarray:
    if all(isinstance(r, pd.DataFrame) for r in results):
        return pd.concat(results, ignore_index=True)
    if all(isinstance(r, np.ndarray) for r in results):
        return np.concatenate(results, axis=0)
    raise ValueError("func returned DataFrames for some chunks and arrays for others")


# --------------------------------------------------------------------------- backends


def _progress_bar(progress: bool | None, total: int, desc: str):
    """A tqdm bar over chunks, never written into a notebook page.

    ``progress=None`` follows the environment variable ``PLATEAUS_PROGRESS``: unset or empty
    means no bar; a path means append the bar to that file (the chapter runner tails it onto
    the terminal while papermill executes, because ipykernel forwards even the process's own
    stderr into the notebook); any other value means ``sys.__stderr__``.
    """
    import sys

    from tqdm import tqdm

    target = os.environ.get("PLATEAUS_PROGRESS", "")
    if progress is None:
        progress = bool(target)
    if not progress:
        return tqdm(total=total, desc=desc, unit="chunk", disable=True)
    if target and os.path.isfile(target):
        stream = open(target, "a", buffering=1)
        bar = tqdm(total=total, desc=desc, unit="chunk", file=stream, mininterval=1.0, ascii=True)
        bar.close = _closing(bar.close, stream)
        return bar
    return tqdm(total=total, desc=desc, unit="chunk", file=sys.__stderr__, mininterval=1.0)


def _closing(close, stream):
    def both(*args, **kwargs):
        try:
            return close(*args, **kwargs)
        finally:
            if not stream.closed:  # tqdm calls close() again from __del__
                stream.write("\n")
                stream.close()

    return both


def _run_joblib(func, chunks, kwargs, n_jobs, bar):
    n_jobs = effective_workers(n_jobs, len(chunks))
    if n_jobs == 1:
        for seeds in chunks:
            yield _run_chunk(func, seeds, kwargs)
            bar.update(1)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator")
    for result in parallel(delayed(_run_chunk)(func, seeds, kwargs) for seeds in chunks):
        yield result
        bar.update(1)


def _import_distributed():
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(f"scheduler needs dask.distributed, which is not installed. {DASK_HINT}") from exc
    return distributed


def _connect(distributed, address: str, name: str):
    """A ``Client`` of the scheduler at ``address``, or one ConnectionError that names it."""
    try:
        return distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConnectionError(
            f"no Dask scheduler answered at {address} within {CONNECT_TIMEOUT:g} s ({reason}); "
            f"the address was set by {_scheduler_source(name)}: start the scheduler, correct "
            "the address, or unset it to run on joblib"
        ) from None


def _run_dask(func, chunks, kwargs, scheduler, n_jobs, bar, name="scheduler"):
    distributed = _import_distributed()
    cluster = client = None
    owned = isinstance(scheduler, str)  # a Client passed in stays open
    try:
        if owned and scheduler == "local":
            cluster = distributed.LocalCluster(
                n_workers=effective_workers(n_jobs, len(chunks)), threads_per_worker=1,
                processes=True, dashboard_address=None,
            )
            client = distributed.Client(cluster)
        elif owned:
            client = _connect(distributed, scheduler, name)
        else:
            client = scheduler
        n = len(chunks)
        futures = client.map(_run_chunk, [func] * n, chunks, [kwargs] * n, pure=False)
        for _ in distributed.as_completed(futures):
            bar.update(1)
        return client.gather(futures)
    finally:
        if owned and client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


# --------------------------------------------------------------------------- public


def map_instances(
    func: Callable,
    n_instances: int,
    seed: int | Sequence[int],
    *,
    chunk_size: int | None = None,
    n_jobs: int | None = None,
    scheduler: Any = None,
    progress: bool | None = None,
    desc: str | None = None,
    **kwargs,
) -> pd.DataFrame | np.ndarray:
    """Run ``func`` over ``n_instances`` independently seeded instances, in chunks.

    Parameters
    ----------
    func : callable
        ``func(seeds, **kwargs)`` with ``seeds`` a list of :class:`numpy.random.SeedSequence`
        (one per instance of the chunk; ``instance_index(s)`` is the global index of ``s``).
        Returns a DataFrame for those instances (an ``instance`` column of global indices is
        added when missing, which needs one row per instance) or an array whose first axis
        runs over them. It must compute each instance from its own seed only; it runs in
        worker processes, so it must be picklable (a module-level function).
    n_instances : int
        Number of instances, >= 1.
    seed : int or sequence of int
        Non-negative root seed (or a list of them, e.g. ``[seed, model_index, size]``);
        instance ``i`` gets ``SeedSequence(seed).spawn(n_instances)[i]``.
    chunk_size : int, optional
        Instances per call of ``func``; default :data:`DEFAULT_CHUNK_SIZE`. Never depends on
        ``n_jobs`` or the backend.
    n_jobs : int, optional
        Worker processes: 1 runs in-process, > 1 uses joblib's loky processes (or Dask
        workers of a ``"local"`` cluster), -1 all cores. ``None``: ``$PLATEAUS_N_JOBS``, else 1.
        Capped at the number of chunks and of cores (:func:`effective_workers`).
    scheduler : str or distributed.Client, optional
        ``None``: ``$PLATEAUS_SCHEDULER``, else joblib. ``"joblib"``: joblib. ``"local"``: a
        Dask ``LocalCluster`` of ``n_jobs`` single-threaded worker processes, closed after.
        Any other string: the address ``scheme://host:port`` of a running Dask scheduler
        (checked before any work; :data:`CONNECT_TIMEOUT` seconds to answer). A ``Client`` is
        used as is.
    progress : bool or None, default None
        Show a tqdm bar over chunks on the terminal (``sys.__stderr__``); ``None`` means
        "when the environment variable ``PLATEAUS_PROGRESS`` is set" (the command line sets it).
    desc : str, optional
        Label of the bar; default the name of ``func``.
    **kwargs
        Passed to every call of ``func``.

    Returns
    -------
    pandas.DataFrame or numpy.ndarray
        The chunks' results concatenated in instance order.

    Raises
    ------
    ValueError
        On a bad argument (before any work), or a result of the wrong kind.
    ConnectionError
        If no Dask scheduler answers at the given address within :data:`CONNECT_TIMEOUT` s.
    ImportError
        If a Dask scheduler is asked for and dask.distributed is not installed.

    Examples
    --------
    >>> def draw(seeds):
    ...     return pd.DataFrame({"x": [np.random.default_rng(s).random() for s in seeds]})
    >>> map_instances(draw, 3, seed=1).columns.tolist()
    ['instance', 'x']
    """
    if not callable(func):
        raise ValueError(f"func = {func!r} is not allowed; expected a callable")
    n_instances = _check_int("n_instances", n_instances, "a positive integer", lambda v: v >= 1)
    seed = _check_seed(seed)
    chunk_size = DEFAULT_CHUNK_SIZE if chunk_size is None else chunk_size
    chunk_size = _check_int("chunk_size", chunk_size, "a positive integer", lambda v: v >= 1)
    n_jobs = _n_jobs_default(n_jobs)
    scheduler, scheduler_name = _scheduler_default(scheduler)
    if scheduler is not None:
        _import_distributed()

    seeds = spawn_seeds(seed, n_instances)
    bounds = [(a, min(a + chunk_size, n_instances)) for a in range(0, n_instances, chunk_size)]
    chunks = [seeds[a:b] for a, b in bounds]
    label = desc if desc is not None else getattr(func, "__name__", "instances")

    with _progress_bar(progress, len(chunks), label) as bar:
        if scheduler is None:
            raw = _run_joblib(func, chunks, kwargs, n_jobs, bar)
        else:
            raw = _run_dask(func, chunks, kwargs, scheduler, n_jobs, bar, scheduler_name)
        results = [_check_chunk(r, a, b, k) for k, (r, (a, b)) in enumerate(zip(raw, bounds))]
    return _combine(results)
