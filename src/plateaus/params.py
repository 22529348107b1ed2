r"""Chapter parameters: the scale tables and their validation, in one place.

Every chapter takes ``scale`` in ``{"quick", "paper", "extended"}``:

* ``quick``: seconds per chapter, for the tests and CI; small sizes, few instances;
* ``paper``: the paper's own sizes and instance counts, the published book;
* ``extended``: past the paper, where the cost allows.

:func:`chapter_params` returns a validated copy of one table; every value is checked against
the rule for its name in :data:`RULES` before any work is done, and a bad value raises a
``ValueError`` that names the parameter, the value and what is allowed.

Counts have upper bounds as well, so that a mistyped size is refused before any memory is
taken (``instances=10**9`` would otherwise spawn 10^9 seeds): instance-like counts
(``instances``, ``scan_instances``, ``fd_instances``, ``design_instances``, ``target_draws``,
``train_seeds``, ``chunk_size``, ...) at most :data:`MAX_INSTANCES`, Monte-Carlo samples
(``samples``) at most :data:`MAX_SAMPLES`, training steps at most :data:`MAX_STEPS` and the
benchmark batches at most :data:`MAX_BATCH`. Every scale of every chapter lies well inside them
(the largest, ``extended``, uses 1000 instances and 10^6 samples).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Callable

SCALES = ("quick", "paper", "extended")

#: Upper bound of every instance-like count (instances, draws, seeds, chunk sizes).
MAX_INSTANCES = 10**6
#: Upper bound of the Monte-Carlo sample count ``samples`` (concentration).
MAX_SAMPLES = 10**8
#: Upper bound of the training steps and of the evaluation interval (escaping).
MAX_STEPS = 10**6
#: Upper bound of the batch sizes of the benchmarks appendix.
MAX_BATCH = 10**5


@dataclass(frozen=True)
class Rule:
    """A check for one parameter: ``check(value)`` returns the normalised value or raises."""

    allowed: str
    check: Callable[[Any], Any]


def _fail(name: str, value: Any, allowed: str):
    raise ValueError(f"parameter {name!r} = {value!r} is not allowed; expected {allowed}")


def integer(minimum: int = 1, maximum: int | None = None) -> Rule:
    allowed = f"an integer >= {minimum}" + (f" and <= {maximum}" if maximum is not None else "")

    def check(value, name="?"):
        if isinstance(value, bool) or not isinstance(value, Integral):
            _fail(name, value, allowed)
        if value < minimum or (maximum is not None and value > maximum):
            _fail(name, value, allowed)
        return int(value)

    return Rule(allowed, check)


def integers(minimum: int = 1, maximum: int | None = None) -> Rule:
    one = integer(minimum, maximum)
    allowed = f"a non-empty increasing list of integers, each {one.allowed.removeprefix('an integer ')}"

    def check(value, name="?"):
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            _fail(name, value, allowed)
        values = list(value)
        if not values:
            _fail(name, value, allowed)
        out = []
        for v in values:
            try:
                out.append(one.check(v, name))
            except ValueError:
                _fail(name, value, allowed)
        if any(b <= a for a, b in zip(out, out[1:])):
            _fail(name, value, allowed)
        return out

    return Rule(allowed, check)


def real(minimum: float | None = None, maximum: float | None = None, *, open_min=False) -> Rule:
    lo = "" if minimum is None else (f" > {minimum}" if open_min else f" >= {minimum}")
    hi = "" if maximum is None else f" <= {maximum}"
    allowed = "a finite real number" + lo + (" and" if lo and hi else "") + hi

    def check(value, name="?"):
        if isinstance(value, bool) or not isinstance(value, Real) or value != value:
            _fail(name, value, allowed)
        value = float(value)
        if value in (float("inf"), float("-inf")):
            _fail(name, value, allowed)
        if minimum is not None and (value < minimum or (open_min and value == minimum)):
            _fail(name, value, allowed)
        if maximum is not None and value > maximum:
            _fail(name, value, allowed)
        return value

    return Rule(allowed, check)


def reals(minimum: float | None = None, maximum: float | None = None, *, open_min=False) -> Rule:
    one = real(minimum, maximum, open_min=open_min)
    allowed = "a non-empty list of " + one.allowed.replace("a finite real number", "finite real numbers")

    def check(value, name="?"):
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__") or not list(value):
            _fail(name, value, allowed)
        try:
            return [one.check(v, name) for v in value]
        except ValueError:
            _fail(name, value, allowed)

    return Rule(allowed, check)


def choice(*options: str) -> Rule:
    allowed = "one of " + ", ".join(repr(o) for o in options)

    def check(value, name="?"):
        if value not in options:
            _fail(name, value, allowed)
        return value

    return Rule(allowed, check)


def choices(*options: str) -> Rule:
    allowed = "a non-empty list of distinct values from " + ", ".join(repr(o) for o in options)

    def check(value, name="?"):
        if isinstance(value, str) or not hasattr(value, "__iter__"):
            _fail(name, value, allowed)
        values = list(value)
        if not values or len(set(values)) != len(values) or any(v not in options for v in values):
            _fail(name, value, allowed)
        return values

    return Rule(allowed, check)


def boolean() -> Rule:
    def check(value, name="?"):
        if not isinstance(value, bool):
            _fail(name, value, "True or False")
        return value

    return Rule("True or False", check)


# One rule per parameter name, shared by every chapter that uses the name.
RULES: dict[str, Rule] = {
    "seed": integer(0),
    "instances": integer(1, MAX_INSTANCES),
    "n_visible": integer(1, 6),
    "n_hidden": integers(1, 14),
    "t": real(0.0, open_min=True),
    "onsite_var": real(0.0, open_min=True),
    "offsite_var": real(0.0, open_min=True),
    "theta_low": real(),
    "theta_high": real(),
    "theta_std": real(0.0, open_min=True),
    "models": choices("haar", "gue", "unitary", "unitary-reversed-order", "unitary-random-order",
                      "boltzmann"),
    "chunk_size": integer(1, MAX_INSTANCES),
    # typicality
    "boltzmann_n_hidden": integers(1, 14),
    "theta_highs": reals(0.0, open_min=True),
    "scan_n_hidden": integer(1, 14),
    "scan_instances": integer(1, MAX_INSTANCES),
    "added_models": choices("haar", "gue", "unitary", "unitary-reversed-order", "unitary-random-order"),
    "boltzmann_n_hidden_added": integers(1, 14),
    # area-volume
    "visible_sizes": integers(1, 6),
    "depths": integers(1, 200),
    "depth_per_qubit": integer(1, 20),
    # concentration
    "n_qubits": integers(1, 16),
    "samples": integer(1, MAX_SAMPLES),
    "observable": choice("Z", "X", "Y", "ZZ", "XX", "XZ", "ZZZ", "XYZ"),
    "eps_points": integer(2, 10000),
    "quote_qubits": integer(1, 16),
    "quote_eps": real(0.0, 1.0, open_min=True),
    # unitary-plateau
    "n_hidden_beyond": integers(1, 14),
    "objectives": choices("fidelity", "root-fidelity", "observable"),
    "visible_observable": choice("ZII", "ZZZ", "XYZ"),
    "target_draws": integer(1, MAX_INSTANCES),
    "fd_steps": reals(0.0, 1.0, open_min=True),
    "fd_instances": integer(1, MAX_INSTANCES),
    "fd_n_hidden": integers(1, 14),
    # unitary-assumptions
    "design_qubits": integers(2, 8),
    "design_instances": integer(3, MAX_INSTANCES),
    "design_orders": integer(1, 20),
    # boltzmann-plateau
    "betas": reals(0.0, open_min=True),
    "scan_betas": reals(0.0, open_min=True),
    # escaping
    "area_layers": integer(1, 20),
    "small_theta_stds": reals(0.0, open_min=True),
    "weak_onsite_var": real(0.0, open_min=True),
    "weak_offsite_var": real(0.0, open_min=True),
    "train_seeds": integer(1, MAX_INSTANCES),
    "train_steps": integer(1, MAX_STEPS),
    "train_every": integer(1, MAX_STEPS),
    "train_lr": real(0.0, open_min=True),
    "train_lr_boltzmann": real(0.0, open_min=True),
    "train_threshold": real(0.0, 1.0, open_min=True),
    # benchmarks (appendix): sizes, batches and timing of `python -m benchmarks`
    "t1_qubits": integers(2, 16),
    "t2_qubits": integers(3, 14),
    "t3_qubits": integers(4, 10),
    "t1_batch": integer(1, MAX_BATCH),
    "t2_batch": integer(1, MAX_BATCH),
    "t2_fd_batch": integer(1, MAX_BATCH),
    "t3_batch": integer(1, MAX_BATCH),
    "check_instances": integer(1, 10),
    "repeats": integer(1, 50),
    "min_sample": real(0.0, 10.0, open_min=True),
    "t3_eps": real(0.0, 1e-2, open_min=True),
}

# The scale tables. Identical keys at every scale of a chapter; papermill passes the scale.
CHAPTERS: dict[str, dict[str, dict[str, Any]]] = {
    "typicality": {
        "quick": dict(seed=2021, instances=60, n_visible=1, n_hidden=[2, 3, 4],
                      boltzmann_n_hidden=[2, 3, 4], t=10.0, theta_low=0.0, theta_high=1.0,
                      onsite_var=0.01, offsite_var=1.0,
                      models=["haar", "gue", "unitary", "unitary-random-order", "boltzmann"],
                      theta_highs=[0.1, 0.3, 1.0, 3.0], scan_n_hidden=3, scan_instances=40,
                      chunk_size=100, added_models=["unitary-reversed-order"],
                      boltzmann_n_hidden_added=[5]),
        "paper": dict(seed=2021, instances=1000, n_visible=1, n_hidden=[5, 6, 7, 8, 9],
                      boltzmann_n_hidden=[3, 4, 5, 6, 7], t=10.0, theta_low=0.0, theta_high=1.0,
                      onsite_var=0.01, offsite_var=1.0,
                      models=["haar", "gue", "unitary", "unitary-random-order", "boltzmann"],
                      theta_highs=[0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 3.0],
                      scan_n_hidden=7, scan_instances=500, chunk_size=100,
                      added_models=["unitary-reversed-order"], boltzmann_n_hidden_added=[8, 9]),
        "extended": dict(seed=2021, instances=1000, n_visible=1,
                         n_hidden=[5, 6, 7, 8, 9, 10, 11, 12, 13],
                         boltzmann_n_hidden=[3, 4, 5, 6, 7, 8], t=10.0, theta_low=0.0,
                         theta_high=1.0, onsite_var=0.01, offsite_var=1.0,
                         models=["haar", "gue", "unitary", "unitary-random-order", "boltzmann"],
                         theta_highs=[0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 3.0],
                         scan_n_hidden=9, scan_instances=1000, chunk_size=50,
                         added_models=["unitary-reversed-order"], boltzmann_n_hidden_added=[9]),
    },
    "models": {
        "quick": dict(seed=2021, instances=20, n_visible=1, n_hidden=[1, 2, 3]),
        "paper": dict(seed=2021, instances=200, n_visible=1, n_hidden=[1, 2, 3, 4, 5]),
        "extended": dict(seed=2021, instances=1000, n_visible=1, n_hidden=[1, 2, 3, 4, 5, 6, 7]),
    },
    "area-volume": {
        "quick": dict(seed=2021, instances=10, visible_sizes=[1, 2, 3], n_hidden=[1, 2, 3, 4, 5],
                      depths=[1, 2], depth_per_qubit=2, chunk_size=100),
        "paper": dict(seed=2021, instances=200, visible_sizes=[1, 2, 3],
                      n_hidden=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], depths=[1, 2, 4],
                      depth_per_qubit=2, chunk_size=100),
        "extended": dict(seed=2021, instances=500, visible_sizes=[1, 2, 3, 4],
                         n_hidden=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], depths=[1, 2, 4, 8],
                         depth_per_qubit=2, chunk_size=50),
    },
    "concentration": {
        "quick": dict(seed=2021, samples=2000, n_qubits=[1, 2, 4, 6], observable="Z",
                      eps_points=20, quote_qubits=4, quote_eps=0.3, chunk_size=1000),
        "paper": dict(seed=2021, samples=200000, n_qubits=[1, 2, 3, 4, 6, 8, 10, 12],
                      observable="Z", eps_points=100, quote_qubits=8, quote_eps=0.2,
                      chunk_size=1000),
        "extended": dict(seed=2021, samples=1000000, n_qubits=[1, 2, 3, 4, 6, 8, 10, 12, 14],
                         observable="Z", eps_points=200, quote_qubits=10, quote_eps=0.1,
                         chunk_size=1000),
    },
    "unitary-plateau": {
        "quick": dict(seed=2021, instances=40, n_visible=3, n_hidden=[1, 2, 3],
                      n_hidden_beyond=[1, 2, 3, 4], theta_std=1.0, onsite_var=0.01,
                      offsite_var=1.0, models=["unitary", "unitary-random-order"],
                      objectives=["fidelity", "root-fidelity", "observable"],
                      visible_observable="ZII", target_draws=3,
                      fd_steps=[1e-1, 1e-3, 1e-5, 1e-7], fd_instances=2, fd_n_hidden=[1, 2],
                      chunk_size=100,
                      added_models=["unitary-reversed-order"]),
        "paper": dict(seed=2021, instances=1000, n_visible=3, n_hidden=[1, 2, 3, 4],
                      n_hidden_beyond=[1, 2, 3, 4, 5, 6, 7], theta_std=1.0, onsite_var=0.01,
                      offsite_var=1.0, models=["unitary", "unitary-random-order"],
                      objectives=["fidelity", "root-fidelity", "observable"],
                      visible_observable="ZII", target_draws=20,
                      fd_steps=[1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9],
                      fd_instances=20, fd_n_hidden=[1, 4], chunk_size=100,
                      added_models=["unitary-reversed-order"]),
        "extended": dict(seed=2021, instances=1000, n_visible=3, n_hidden=[1, 2, 3, 4],
                         n_hidden_beyond=[1, 2, 3, 4, 5, 6, 7, 8], theta_std=1.0,
                         onsite_var=0.01, offsite_var=1.0,
                         models=["unitary", "unitary-random-order"],
                         objectives=["fidelity", "root-fidelity", "observable"],
                         visible_observable="ZII", target_draws=50,
                         fd_steps=[1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9],
                         fd_instances=5, fd_n_hidden=[1, 4, 7], chunk_size=100,
                         added_models=["unitary-reversed-order"]),
    },
    "unitary-assumptions": {
        "quick": dict(seed=2021, instances=40, visible_sizes=[1, 2, 3], n_hidden=[2, 3],
                      theta_std=1.0, onsite_var=0.01, offsite_var=1.0,
                      models=["unitary", "unitary-reversed-order", "unitary-random-order"],
                      objectives=["fidelity", "root-fidelity", "observable"],
                      design_qubits=[3, 4], design_instances=30, design_orders=2,
                      chunk_size=100),
        "paper": dict(seed=2021, instances=1000, visible_sizes=[1, 2, 3, 4], n_hidden=[2, 4, 6],
                      theta_std=1.0, onsite_var=0.01, offsite_var=1.0,
                      models=["unitary", "unitary-reversed-order", "unitary-random-order"],
                      objectives=["fidelity", "root-fidelity", "observable"],
                      design_qubits=[3, 4, 5, 6, 7], design_instances=200, design_orders=2,
                      chunk_size=100),
        "extended": dict(seed=2021, instances=1000, visible_sizes=[1, 2, 3, 4, 5],
                         n_hidden=[2, 4, 6], theta_std=1.0, onsite_var=0.01, offsite_var=1.0,
                         models=["unitary", "unitary-reversed-order", "unitary-random-order"],
                         objectives=["fidelity", "root-fidelity", "observable"],
                         design_qubits=[3, 4, 5, 6, 7, 8], design_instances=400,
                         design_orders=4, chunk_size=50),
    },
    "boltzmann-plateau": {
        "quick": dict(seed=2021, instances=20, n_visible=3, n_hidden=[1, 2, 3], onsite_var=0.01,
                      offsite_var=1.0, fd_instances=2, fd_steps=[1e-2, 1e-4, 1e-6],
                      betas=[1.0, 10.0], scan_betas=[1.0, 3.0, 10.0], chunk_size=50),
        "paper": dict(seed=2021, instances=1000, n_visible=3, n_hidden=[1, 2, 3, 4],
                      onsite_var=0.01, offsite_var=1.0, fd_instances=10,
                      fd_steps=[1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6], betas=[1.0, 10.0],
                      scan_betas=[1.0, 3.0, 10.0], chunk_size=50),
        "extended": dict(seed=2021, instances=1000, n_visible=3, n_hidden=[1, 2, 3, 4, 5],
                         onsite_var=0.01, offsite_var=1.0, fd_instances=10,
                         fd_steps=[1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6], betas=[1.0, 10.0],
                         scan_betas=[1.0, 3.0, 10.0], chunk_size=25),
    },
    "escaping": {
        "quick": dict(seed=2021, instances=8, n_visible=3, n_hidden=[1, 2, 3], theta_std=1.0,
                      onsite_var=0.01, offsite_var=1.0, area_layers=2,
                      small_theta_stds=[0.03, 0.1], weak_onsite_var=1.0, weak_offsite_var=0.01,
                      visible_observable="ZII", train_seeds=2, train_steps=10, train_every=5,
                      train_lr=0.1, train_lr_boltzmann=0.5, train_threshold=0.05, chunk_size=50),
        "paper": dict(seed=2021, instances=1000, n_visible=3, n_hidden=[1, 2, 3, 4],
                      theta_std=1.0, onsite_var=0.01, offsite_var=1.0, area_layers=2,
                      small_theta_stds=[0.03, 0.1], weak_onsite_var=1.0, weak_offsite_var=0.01,
                      visible_observable="ZII", train_seeds=4, train_steps=100, train_every=2,
                      train_lr=0.1, train_lr_boltzmann=0.5, train_threshold=0.05, chunk_size=50),
        "extended": dict(seed=2021, instances=1000, n_visible=3, n_hidden=[1, 2, 3, 4, 5],
                         theta_std=1.0, onsite_var=0.01, offsite_var=1.0, area_layers=2,
                         small_theta_stds=[0.03, 0.1], weak_onsite_var=1.0,
                         weak_offsite_var=0.01, visible_observable="ZII", train_seeds=8,
                         train_steps=300, train_every=5, train_lr=0.1, train_lr_boltzmann=0.5,
                         train_threshold=0.05, chunk_size=25),
    },
    "benchmarks": {
        "quick": dict(seed=2021, t1_qubits=[4, 6], t2_qubits=[4, 5], t3_qubits=[4],
                      t1_batch=10, t2_batch=10, t2_fd_batch=4, t3_batch=4, check_instances=2,
                      repeats=2, min_sample=0.01, t3_eps=1e-6),
        "paper": dict(seed=2021, t1_qubits=[6, 8, 10, 12], t2_qubits=[4, 5, 6, 7, 8, 9, 10],
                      t3_qubits=[4, 5, 6, 7], t1_batch=100, t2_batch=100, t2_fd_batch=10,
                      t3_batch=32, check_instances=2, repeats=5, min_sample=0.2, t3_eps=1e-6),
        "extended": dict(seed=2021, t1_qubits=[6, 8, 10, 12, 14],
                         t2_qubits=[4, 5, 6, 7, 8, 9, 10, 11, 12], t3_qubits=[4, 5, 6, 7, 8],
                         t1_batch=100, t2_batch=100, t2_fd_batch=4, t3_batch=16,
                         check_instances=2, repeats=5, min_sample=0.2, t3_eps=1e-6),
    },
}


def _check_name(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(
            f"{name} = {value!r} is not allowed; expected one of " + ", ".join(map(repr, allowed))
        )
    return value


def validate(chapter: str, params: dict[str, Any]) -> dict[str, Any]:
    """Check every value of ``params`` against :data:`RULES`; return a normalised copy."""
    _check_name("chapter", chapter, tuple(CHAPTERS))
    expected = set(CHAPTERS[chapter]["paper"])
    unknown = set(params) - expected - {"chapter", "scale"}
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {sorted(unknown)} for chapter {chapter!r}; "
            f"allowed: {sorted(expected)}"
        )
    out = {}
    for key, value in params.items():
        if key == "scale":
            out[key] = _check_name("scale", value, SCALES)
        elif key == "chapter":
            out[key] = _check_name("chapter", value, (chapter,))
        else:
            out[key] = RULES[key].check(value, key)
    return out


def without(params: dict[str, Any], keys) -> dict[str, Any]:
    """``params`` without ``keys``: the cache key of a table computed before those parameters
    existed (an experiment module's ``store_params`` says which of its tables that is), so
    that adding a parameter for a new table leaves the committed tables valid."""
    return {k: v for k, v in params.items() if k not in set(keys)}


def chapter_params(chapter: str, scale: str, **overrides: Any) -> dict[str, Any]:
    """The validated parameters of ``chapter`` at ``scale``, with optional overrides.

    >>> chapter_params("models", "quick")["instances"]
    20
    """
    _check_name("chapter", chapter, tuple(CHAPTERS))
    _check_name("scale", scale, SCALES)
    params = copy.deepcopy(CHAPTERS[chapter][scale])
    unknown = set(overrides) - set(params)
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {sorted(unknown)} for chapter {chapter!r}; "
            f"allowed: {sorted(params)}"
        )
    params.update(overrides)
    return validate(chapter, {"chapter": chapter, "scale": scale, **params})


def _self_check() -> None:
    """Every table uses known names, the same keys at every scale, and valid values."""
    for chapter, tables in CHAPTERS.items():
        if set(tables) != set(SCALES):
            raise AssertionError(f"chapter {chapter!r} must define scales {SCALES}")
        keys = {scale: set(table) for scale, table in tables.items()}
        if len({frozenset(k) for k in keys.values()}) != 1:
            raise AssertionError(f"chapter {chapter!r}: scales have different keys {keys}")
        for scale, table in tables.items():
            missing = set(table) - set(RULES)
            if missing:
                raise AssertionError(f"chapter {chapter!r}: no rule for {sorted(missing)}")
            validate(chapter, table)


_self_check()
