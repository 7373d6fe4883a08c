r"""The non-convex baseline: train a parallel network with Adam on the same objective $J$.

Restarts are trained together as one batch of independent networks (Adam's update is
per coordinate and the summed loss separates, so each restart follows exactly the
trajectory it would follow alone). Everything is float64 on one CPU thread.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from .activations import get_activation
from .networks.additive import AdditiveNetwork
from .networks.parallel import ParallelNetwork
from .networks.torch_modules import batched_objective
from .validation import as_1d, check_beta, check_data


@dataclass(frozen=True)
class TrainingResult:
    """Best network over restarts, every restart's final $J$, and per step the lowest $J$ among the
    restarts (``history``; Adam is not monotone, so it can rise); ``networks``: every restart's
    final network, in the order of ``restart_objectives``."""

    network: ParallelNetwork | AdditiveNetwork
    objective: float
    restart_objectives: np.ndarray
    history: np.ndarray
    seconds: float
    networks: tuple[ParallelNetwork | AdditiveNetwork, ...]


def train_adam(
    x,
    y,
    depth: int = 2,
    activation: str = "relu",
    beta: float = 1e-3,
    width: int | None = None,
    restarts: int = 8,
    steps: int = 5000,
    lr: float = 0.05,
    seed: int = 0,
    progress: bool = True,
    slope: float = 0.01,
    start: ParallelNetwork | None = None,
    jitter: float = 0.0,
) -> TrainingResult:
    r"""Minimise $J$ with Adam from ``restarts`` random initialisations, or from a given network.

    ``width`` defaults to $2N$ units (at least the $N-1$ that always suffice). First-layer
    kinks start uniformly over the data range (a symmetrized ReLU neuron starts as
    $|w(x - t)|$); the learning rate decays from ``lr`` to ``lr/100`` (cosine). Returns the restart with the lowest final $J$. ``slope`` is the
    leaky ReLU's $\gamma$ (as in :class:`~lmirrors.registry.Architecture`).

    ``start``: every restart begins at this network's weights (its depth, activation and width
    replace the arguments), each weight and bias multiplied by $1 + $ ``jitter`` $\cdot\varepsilon$,
    $\varepsilon \sim N(0, 1)$ drawn per restart.
    """
    x, y = check_data(x, y)
    beta = check_beta(beta)
    if start is not None:
        if width not in (None, start.width):
            raise ValueError(f"width={width} contradicts the start network's {start.width} units; leave it out")
        depth, act, width = start.depth, start.activation, start.width
    else:
        act = get_activation(activation, slope)
        width = width or 2 * x.size
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(seed)
    xt = torch.as_tensor(x, dtype=torch.float64)
    yt = torch.as_tensor(y, dtype=torch.float64)
    shape = (restarts, width, depth)
    if start is None:
        W, B, xi = _random_start(xt.min(), xt.max(), y, shape, act, gen)
    else:
        W = torch.as_tensor(start.W).expand(shape).clone()
        B = torch.as_tensor(start.B).expand(restarts, width, depth - 1, *act.bias_shape).clone()
        W *= 1 + jitter * torch.randn(shape, generator=gen, dtype=torch.float64)
        B *= 1 + jitter * torch.randn(B.shape, generator=gen, dtype=torch.float64)
        xi = torch.full((restarts,), float(start.xi), dtype=torch.float64)
    history, began = _adam((W, B, xi), xt, yt, beta, act, steps, lr, f"Adam {depth}-layer {act.name}", progress)
    with torch.no_grad():
        nets = [ParallelNetwork(act, W[r].numpy().copy(), B[r].numpy().copy(), float(xi[r])) for r in range(restarts)]
    finals = np.array([net.objective(x, y, beta) for net in nets])
    best = int(np.argmin(finals))
    return TrainingResult(nets[best], float(finals[best]), finals, history, time.perf_counter() - began, tuple(nets))


def _random_start(low, high, y: np.ndarray, shape: tuple[int, int, int], act, gen):
    """Random weights ``W`` of ``shape`` (restarts, units, L), first-layer kinks uniform on
    [``low``, ``high``] (per unit, or one range), hidden biases and the output bias at the mean of ``y``."""
    restarts, width, depth = shape
    scale = float(np.std(y) + np.ptp(y)) / np.sqrt(width) + 1e-3
    W = torch.randn(shape, generator=gen, dtype=torch.float64) * scale ** (1 / depth)
    kinks = low + (high - low) * torch.rand(shape[:2], generator=gen, dtype=torch.float64)
    B = 0.1 * torch.randn((restarts, width, depth - 1, *act.bias_shape), generator=gen, dtype=torch.float64)
    first = -W[..., 0] * kinks
    B[:, :, 0] = torch.stack([first, -first], dim=-1) if act.bias_shape else first  # symmetrized: |w(x - kink)|
    return W, B, torch.full((restarts,), float(np.mean(y)), dtype=torch.float64)


def _adam(params, xt, yt, beta: float, act, steps: int, lr: float, desc: str, progress: bool):
    """Adam on the summed $J$ of a batch of networks (cosine decay to ``lr/100``); returns the
    per-step lowest $J$ and the start time."""
    W, B, xi = (p.requires_grad_() for p in params)
    optimiser = torch.optim.Adam([W, B, xi], lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, steps, eta_min=lr / 100)
    history = np.empty(steps)
    began = time.perf_counter()
    for step in tqdm(range(steps), desc=desc, disable=not progress):
        optimiser.zero_grad()
        objectives = batched_objective(W, B, xi, xt, yt, beta, act)
        objectives.sum().backward()
        optimiser.step()
        schedule.step()
        history[step] = float(objectives.detach().min())
    return history, began


def train_adam_additive(
    X,
    y,
    depth: int = 2,
    activation: str = "relu",
    beta: float = 1e-3,
    width: int = 32,
    restarts: int = 4,
    steps: int = 3000,
    lr: float = 0.05,
    seed: int = 0,
    progress: bool = True,
    slope: float = 0.01,
) -> TrainingResult:
    r"""Adam on the additive network's $J = \tfrac12\|\xi + \sum_j g_j(X_{:,j}) - y\|^2 + \sum_j
    \text{penalty}_\beta(g_j)$, ``width`` units per feature, from ``restarts`` random starts
    (as :func:`train_adam`: kinks uniform over each feature's range, cosine-decayed ``lr``).

    Returns the restart with the lowest final $J$; its ``network`` and ``networks`` are
    :class:`~lmirrors.networks.additive.AdditiveNetwork` objects.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be a table of shape (n, d), got shape {X.shape}")
    y = as_1d(y, "y")
    beta = check_beta(beta)
    act = get_activation(activation, slope)
    d = X.shape[1]
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(seed)
    owner = np.repeat(np.arange(d), width)  # unit k reads feature owner[k]
    xt = torch.as_tensor(X[:, owner].T.copy(), dtype=torch.float64)  # (units, n)
    yt = torch.as_tensor(y, dtype=torch.float64)
    low, high = (torch.as_tensor(v[owner], dtype=torch.float64) for v in (X.min(axis=0), X.max(axis=0)))
    W, B, xi = _random_start(low, high, y, (restarts, d * width, depth), act, gen)
    history, began = _adam(
        (W, B, xi), xt, yt, beta, act, steps, lr, f"Adam additive {depth}-layer {act.name}", progress
    )
    with torch.no_grad():
        nets = [
            AdditiveNetwork(
                [
                    ParallelNetwork(act, W[r, owner == j].numpy().copy(), B[r, owner == j].numpy().copy(), 0.0)
                    for j in range(d)
                ],
                float(xi[r]),
            )
            for r in range(restarts)
        ]
    finals = np.array([net.objective(X, y, beta) for net in nets])
    best = int(np.argmin(finals))
    return TrainingResult(nets[best], float(finals[best]), finals, history, time.perf_counter() - began, tuple(nets))
