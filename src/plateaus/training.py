r"""Training loops driven by exact gradients, batched over independent runs, and the
atypical initialisations of the paper's conclusion.

* :func:`descend`: plain gradient descent or Adam on a batch of parameter vectors
  ``(B, K)``, one independent run per row, with the loss recorded every few steps.
* :func:`identity_block`: the initialisation of Grant et al. (2019): the circuit followed by
  its own inverse, so that the network starts as the identity while every angle is random.
* :func:`steps_to_reach`: the first recorded step at which a loss falls to a threshold.

Nothing here knows about quantum states: the caller passes ``gradient(x) -> (B, K)`` and
``loss(x) -> (B,)``, e.g. built from :meth:`plateaus.models.UnitaryQNN.gradient` or
:meth:`plateaus.models.BoltzmannMachine.gradient`.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["OPTIMISERS", "descend", "identity_block", "steps_to_reach"]

OPTIMISERS = ("gd", "adam")

#: Adam's moment decay rates and its regulariser (Kingma & Ba's defaults).
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8


def _check_positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} = {value!r} is not allowed; expected an integer >= 1")
    return int(value)


def descend(
    gradient: Callable[[np.ndarray], np.ndarray],
    x0,
    *,
    steps: int,
    lr: float,
    loss: Callable[[np.ndarray], np.ndarray] | None = None,
    every: int = 1,
    optimiser: str = "gd",
):
    r"""Minimise by ``steps`` updates of a batch of independent runs.

    ``"gd"``: :math:`x_{t+1} = x_t - \eta\,\nabla L(x_t)`. ``"adam"``: Adam with the default
    :data:`ADAM_BETAS` and :data:`ADAM_EPS` and bias correction. The runs never interact:
    row ``b`` of the result depends on row ``b`` of ``x0`` only.

    Parameters
    ----------
    gradient : callable
        ``gradient(x) -> (B, K)``, the gradient of the loss of every run (exact).
    x0 : array_like, shape (B, K)
        Starting points (not modified).
    steps : int, >= 1
        Number of updates.
    lr : float, > 0
        Learning rate :math:`\eta`.
    loss : callable, optional
        ``loss(x) -> (B,)`` (or ``(B, M)`` to record several quantities); recorded at steps
        ``0, every, 2 every, ...`` and at ``steps``.
    every : int, >= 1
    optimiser : {"gd", "adam"}

    Returns
    -------
    x : ndarray, shape (B, K)
        The parameters after ``steps`` updates.
    recorded_steps : ndarray of int, shape (R,)
    losses : ndarray, shape (R, B) (or (R, B, M))
        Empty ``(0, B)`` when ``loss`` is None.
    """
    steps = _check_positive_int("steps", steps)
    every = _check_positive_int("every", every)
    if optimiser not in OPTIMISERS:
        raise ValueError(f"optimiser = {optimiser!r} is not allowed; expected one of {OPTIMISERS}")
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating)) or not (
        np.isfinite(lr) and lr > 0
    ):
        raise ValueError(f"lr = {lr!r} is not allowed; expected a finite real number > 0")
    x = np.array(x0, dtype=float, copy=True)
    if x.ndim != 2 or not x.size:
        raise ValueError(f"x0 has shape {x.shape}; expected (B, K) with B, K >= 1")
    if not np.all(np.isfinite(x)):
        raise ValueError("x0 must be finite; it holds NaN or infinite entries")
    record = sorted(set(range(0, steps, every)) | {steps})
    recorded, losses = [], []
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    b1, b2 = ADAM_BETAS
    for t in range(steps + 1):
        if loss is not None and t in record:
            recorded.append(t)
            value = np.asarray(loss(x), dtype=float)
            if value.ndim not in (1, 2) or value.shape[0] != x.shape[0]:
                raise ValueError(f"loss returned shape {value.shape}; expected ({x.shape[0]},) "
                                 f"or ({x.shape[0]}, M)")
            losses.append(value)
        if t == steps:
            break
        g = np.asarray(gradient(x), dtype=float)
        if g.shape != x.shape:
            raise ValueError(f"gradient returned shape {g.shape}; expected {x.shape}")
        if optimiser == "gd":
            x -= lr * g
        else:
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            m_hat = m / (1 - b1 ** (t + 1))
            v_hat = v / (1 - b2 ** (t + 1))
            x -= lr * m_hat / (np.sqrt(v_hat) + ADAM_EPS)
    losses = np.array(losses) if losses else np.zeros((0, x.shape[0]))
    return x, np.array(recorded, dtype=int), losses


def identity_block(terms, theta, order=None):
    r"""The identity-block initialisation of Grant et al. (2019), for one block.

    A circuit :math:`W(\theta) = e^{-i\theta_{k_N}P_{k_N}}\cdots e^{-i\theta_{k_1}P_{k_1}}`
    is followed by the same rotations in reverse order with their own parameters
    :math:`\theta'`, initialised at :math:`\theta' = -\theta`:

    .. math::

        U(\theta, \theta') = e^{-i\theta'_{k_1}P_{k_1}}\cdots e^{-i\theta'_{k_N}P_{k_N}}\,
        W(\theta) = I \quad\text{at}\quad \theta' = -\theta .

    So the network starts at the identity (its output is :math:`|0\ldots0\rangle`) with
    :math:`2N` parameters that are all random, which Grant et al. proposed against barren
    plateaus. The gradient is not zero there: a rotation early in :math:`W` is conjugated
    only by the few gates before it.

    Parameters
    ----------
    terms : sequence of str
        The ``N`` Pauli labels.
    theta : ndarray, shape (B, N)
    order : None, ndarray (N,) or (B, N)
        Order of application of ``W`` (None: ``0..N-1``), as in
        :meth:`plateaus.models.UnitaryQNN.state`.

    Returns
    -------
    terms2 : tuple of str, length 2N
        ``terms + terms``: term ``N + k`` is the inverse copy of term ``k``.
    theta2 : ndarray, shape (B, 2N)
        ``[theta, -theta]``.
    order2 : ndarray, shape (B, 2N) (or (2N,) when ``order`` is None or 1-D)
        ``order`` followed by ``N + order`` reversed.
    """
    terms = tuple(terms)
    n = len(terms)
    theta = np.asarray(theta, dtype=float)
    if theta.ndim != 2 or theta.shape[1] != n:
        raise ValueError(f"theta has shape {theta.shape}; expected (B, {n}), one angle per term")
    if order is None:
        order = np.arange(n)
    order = np.asarray(order)
    if order.shape not in ((n,), (theta.shape[0], n)):
        raise ValueError(f"order has shape {order.shape}; expected ({n},) or ({theta.shape[0]}, {n})")
    order2 = np.concatenate([order, n + order[..., ::-1]], axis=-1)
    return terms + terms, np.concatenate([theta, -theta], axis=1), order2


def steps_to_reach(steps, losses, threshold: float) -> np.ndarray:
    """First recorded step at which each run's loss is at most ``threshold`` (NaN if never).

    Parameters
    ----------
    steps : array_like of int, shape (R,)
    losses : array_like, shape (R, B)
    threshold : float

    Returns
    -------
    ndarray, shape (B,), float (NaN for runs that never reach it)
    """
    steps = np.asarray(steps)
    losses = np.asarray(losses, dtype=float)
    if losses.ndim != 2 or losses.shape[0] != steps.shape[0]:
        raise ValueError(f"losses has shape {losses.shape}; expected ({steps.shape[0]}, B)")
    hit = losses <= threshold
    first = np.argmax(hit, axis=0)
    return np.where(hit.any(axis=0), steps[first].astype(float), np.nan)
