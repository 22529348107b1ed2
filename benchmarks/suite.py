"""Run the tasks, print the table, save it to ``data/benchmarks/<scale>/`` (see ``__init__``)."""
from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import harness

LIBRARIES = ("plateaus", "numpy", "scipy", "pennylane", "pennylane-lightning", "autograd",
             "qiskit", "qiskit-algorithms", "quimb", "qutip", "threadpoolctl")


@dataclass(frozen=True)
class Task:
    name: str
    title: str
    module: object
    implementations: tuple
    sizes: str  # the params key of the sizes


def tasks() -> dict[str, Task]:
    """The tasks in the order they run, by name."""
    from . import t1_typicality as t1, t2_unitary as t2, t3_boltzmann as t3

    out = [
        Task(t1.TASK, t1.TITLE, t1, t1.IMPLEMENTATIONS, "t1_qubits"),
        Task(t2.TASK, t2.TITLE, t2, t2.IMPLEMENTATIONS, "t2_qubits"),
        Task(t2.FORWARD_TASK, t2.FORWARD_TITLE, t2, t2.FORWARD_IMPLEMENTATIONS, "t2_qubits"),
        Task(t3.TASK, t3.TITLE, t3, t3.IMPLEMENTATIONS, "t3_qubits"),
    ]
    return {t.name: t for t in out}


def _problem_factory(module, params):
    seed, check = params["seed"], params["check_instances"]
    if module.TASK == "T1":
        return lambda n: module.Problem(n, params["t1_batch"], check, seed)
    if module.TASK == "T2":
        return lambda n: module.Problem(n, params["t2_batch"], check, seed, params["t2_fd_batch"])
    return lambda n: module.Problem(n, params["t3_batch"], check, seed, params["t3_eps"])


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 2**20:.1f}"
    except OSError:
        pass
    return "unknown"


def _blas() -> str:
    from threadpoolctl import threadpool_info

    pools = [f"{p.get('internal_api')} {p.get('version')} ({p.get('user_api')}, "
             f"{p.get('num_threads')} thread{'s' if p.get('num_threads') != 1 else ''})"
             for p in threadpool_info()]
    return "; ".join(dict.fromkeys(pools)) or "none loaded"


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def environment(setting: dict, started: str, load_before: str, wall: float) -> list[tuple[str, str]]:
    """The ``key, value`` rows of ``environment.csv``."""
    rows = [
        ("cpu", _cpu_model()),
        ("cores", str(os.cpu_count())),
        ("memory_gib", _memory_gib()),
        ("os", platform.platform()),
        ("python", platform.python_version()),
        ("blas", _blas()),
        ("threads", "1 per implementation: threadpoolctl.threadpool_limits(limits=1) and "
                    + ", ".join(f"{k}={v}" for k, v in harness.THREAD_VARIABLES.items())),
        ("max_pool_threads_seen", str(harness.blas_threads())),
        ("load_before", load_before),
        ("load_after", _load()),
        ("started_utc", started),
        ("bench_wall_s", f"{wall:.1f}"),
        ("timing", "minimum over repeated samples after one warm-up call; wall clock "
                   "(time.perf_counter) and process CPU time (time.process_time)"),
        ("ratio_measure", "cpu_seconds"),
    ]
    rows += [(f"version:{name}", harness.library_version(name)) for name in LIBRARIES]
    return rows


def run(scale: str = "paper", selected=None, only=None, log=None):
    """Check and time every task at ``scale``; return ``(timings, environment rows, params)``."""
    import pandas as pd

    from plateaus.params import chapter_params

    log = log or (lambda *a: print(*a, flush=True))
    setting = harness.pin_threads()
    params = chapter_params("benchmarks", scale)
    known = tasks()
    by_lower = {name.lower(): name for name in known}
    names = list(known) if not selected else [by_lower.get(t.lower(), t) for t in selected]
    unknown = [t for t in names if t not in known]
    if unknown:
        raise ValueError(f"tasks = {unknown!r} are not allowed; expected some of {list(known)}")
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    load_before = _load()
    t0 = time.perf_counter()
    rows = []
    for name in names:
        task = known[name]
        log(f"{task.name}: {task.title}")
        rows += harness.run_task(task.name, params[task.sizes], _problem_factory(task.module, params),
                                 task.implementations, repeats=params["repeats"],
                                 min_sample=params["min_sample"], n_terms=task.module.n_terms,
                                 only=only, log=log)
    wall = time.perf_counter() - t0
    timings = pd.DataFrame(rows)
    env = environment(setting, started, load_before, wall)
    return timings, env, params, wall


def save(scale: str, timings, env, params, wall: float, root=None):
    """Write ``timings.csv`` and ``environment.csv`` with their manifest entries."""
    import pandas as pd

    from plateaus import store
    from plateaus.experiments import benchmarks as reader

    store.save(reader.CHAPTER, scale, reader.TIMINGS, timings, params, wall, root=root)
    frame = pd.DataFrame(env, columns=["key", "value"])
    return store.save(reader.CHAPTER, scale, reader.ENVIRONMENT, frame, params, wall, root=root)


def report(timings, scale: str, root=None, out=sys.stdout) -> None:
    """Print the table (seconds per instance, ratios), the targets and the figures' times."""
    from plateaus import runner
    from plateaus.experiments import benchmarks as reader

    df = reader.with_ratios(timings)
    print("\nseconds per instance (minimum over samples); ratio = time / the project's time",
          file=out)
    header = (f"{'task':10} {'n':>3} {'implementation':<50} {'CPU s':>10} {'wall s':>10} "
              f"{'x proj CPU':>10} {'x proj wall':>11}  status")
    print(header, file=out)
    print("-" * len(header), file=out)
    for _, r in df.iterrows():
        print(f"{r.task:10} {r.n:3d} {r.label:<50} {r.cpu_seconds:10.3e} {r.seconds:10.3e} "
              f"{r.ratio:10.1f} {r.wall_ratio:11.1f}  {r.status}", file=out)
    print("\ntargets (speed-up of the project, CPU time; wall in brackets)", file=out)
    for _, t in reader.targets(timings).iterrows():
        print(f"  {t.task} n={t.n:2d}: >= {t.target:.0f}x faster than {t.versus}: measured "
              f"{t.measured:.0f}x ({t.measured_wall:.0f}x) -> {t.status}", file=out)
    fits = reader.cost_fits(timings)
    if len(fits):
        print("\ncost growth: time per instance ~ x^exponent, x = K 2^n (T2, T3) or 2^n (T1)",
              file=out)
        for _, f in fits.iterrows():
            print(f"  {f.task} {f.label:<50} exponent {f.exponent:5.2f} +- {f.exponent_se:.2f} "
                  f"(n = {f.n_min}..{f.n_max})", file=out)
    try:
        chapters = runner.chapters()
    except (FileNotFoundError, ValueError):
        chapters = []
    walls = reader.figure_wall_times("paper", chapters, root)
    if len(walls):
        print("\ncompute time of the tables behind the paper-scale figures "
              "(wall_time_s in data/<chapter>/paper/manifest.json)", file=out)
        for _, w in walls.iterrows():
            print(f"  {w.chapter:<18} {w.experiment:<20} {w.wall_time_s:8.1f} s  {w.figures}",
                  file=out)
        total = walls.wall_time_s.sum()
        print(f"  total {total:.0f} s = {total / 60:.1f} min (target of the whole book: "
              f"{reader.BOOK_TARGET_SECONDS / 60:.0f} min)", file=out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Check the project's kernels against the peer libraries, time them, and "
        "save the table to data/benchmarks/<scale>/.")
    parser.add_argument("--scale", default="paper", choices=("quick", "paper", "extended"),
                        help="sizes and repeats (src/plateaus/params.py, chapter 'benchmarks')")
    parser.add_argument("--tasks", nargs="+", default=None,
                        help="some of T1 T2 T2-forward T3 (default: all)")
    parser.add_argument("--only", nargs="+", default=None,
                        help="implementation keys to run besides the project (default: all)")
    parser.add_argument("--data", default=None,
                        help="data root to write to (default: $PLATEAUS_DATA or <repo>/data)")
    parser.add_argument("--no-save", action="store_true", help="print only")
    args = parser.parse_args(argv)
    try:
        timings, env, params, wall = run(args.scale, args.tasks, args.only)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if not args.no_save:
        entry = save(args.scale, timings, env, params, wall, root=args.data)
        print(f"\nsaved {entry['table']} and timings.csv beside it ({wall:.0f} s of benchmarks)")
    report(timings, args.scale, root=args.data)
    bad = timings[timings.status.str.startswith("differs")]
    if len(bad):
        print(f"\n{len(bad)} implementation(s) did not give the project's numbers:", file=sys.stderr)
        for _, r in bad.iterrows():
            print(f"  {r.task} n={r.n} {r.label}: {r.status}", file=sys.stderr)
        return 1
    return 0
