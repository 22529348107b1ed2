r"""The random ensembles of the paper's figures, drawn one seed per instance.

Each instance draws from its own :class:`numpy.random.SeedSequence` (see
:func:`plateaus.parallel.map_instances`), so a table never depends on how instances were
split over chunks, processes or machines. Drawing is per instance; the physics that follows is
batched over the chunk.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..models import BoltzmannMachine, UnitaryQNN, gue_states
from ..states import haar_states, reduced_state

MODELS = ("haar", "gue", "unitary", "unitary-random-order", "boltzmann")


def draw(seeds: Sequence[np.random.SeedSequence], sampler: Callable[[np.random.Generator], np.ndarray]) -> np.ndarray:
    """Stack ``sampler(rng)`` over one generator per seed: shape ``(len(seeds), ...)``."""
    return np.stack([np.asarray(sampler(np.random.default_rng(s))) for s in seeds])


def couplings(rng: np.random.Generator, n_qubits: int, onsite_var: float, offsite_var: float) -> np.ndarray:
    r"""Coefficients of Eq. (11): on-site :math:`J_i^a \sim N(0, \sigma^2_{on})`, off-site
    :math:`J_{ij}^{ab} \sim N(0, \sigma^2_{off})` (variances, as in Figs. 3(c) and 4(c))."""
    n_onsite = 3 * n_qubits
    n_offsite = 9 * n_qubits * (n_qubits - 1) // 2
    return np.concatenate(
        [rng.normal(0.0, np.sqrt(onsite_var), n_onsite), rng.normal(0.0, np.sqrt(offsite_var), n_offsite)]
    )


def visible_states(
    model: str,
    n_visible: int,
    n_hidden: int,
    seeds: Sequence[np.random.SeedSequence],
    *,
    t: float = 10.0,
    theta_low: float = 0.0,
    theta_high: float = 1.0,
    onsite_var: float = 0.01,
    offsite_var: float = 1.0,
) -> np.ndarray:
    r"""Visible states :math:`\rho_v`, shape ``(len(seeds), D_v, D_v)``, of one model.

    * ``haar``: Haar-random pure states;
    * ``gue``: :math:`e^{-iHt}|0\ldots0\rangle`, :math:`H` from the GUE (Figs. 3(a), 4(a));
    * ``unitary``, ``unitary-random-order``: the unitary model with
      :math:`\theta_j \sim U[\theta_{low}, \theta_{high})` (Fig. 4(b)), gates in the Eq. (11)
      order or in an order drawn per instance;
    * ``boltzmann``: :math:`e^{-H}/Z` with the couplings of :func:`couplings`, normalised by
      the operator norm :math:`\|H\|_\infty` (Fig. 4(c)).
    """
    if model not in MODELS:
        raise ValueError(f"model = {model!r} is not allowed; expected one of {', '.join(MODELS)}")
    n = n_visible + n_hidden
    if model == "haar":
        states = draw(seeds, lambda rng: haar_states(n, 1, rng)[0])
        return reduced_state(states, n_visible)
    if model == "gue":
        states = draw(seeds, lambda rng: gue_states(n, 1, rng, t=t)[0])
        return reduced_state(states, n_visible)
    if model in ("unitary", "unitary-random-order"):
        qnn = UnitaryQNN(n_visible, n_hidden)
        if model == "unitary":
            theta = draw(seeds, lambda rng: rng.uniform(theta_low, theta_high, qnn.n_params))
            return qnn.reduced_state(theta)
        pairs = [np.random.default_rng(s) for s in seeds]
        theta = np.stack([rng.uniform(theta_low, theta_high, qnn.n_params) for rng in pairs])
        order = np.stack([rng.permutation(qnn.n_params) for rng in pairs])
        return qnn.reduced_state(theta, order=order)
    qbm = BoltzmannMachine(n_visible, n_hidden)
    J = draw(seeds, lambda rng: couplings(rng, n, onsite_var, offsite_var))
    return qbm.reduced_state(qbm.normalise(J))
