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
    return train_adam_betas(
        x, y, [beta], depth, activation, width, restarts, steps, lr, seed, progress, slope, start, jitter
    )[0]


def train_adam_betas(
    x,
    y,
    betas,
    depth: int = 2,
    activation: str = "relu",
    width: int | None = None,
    restarts: int = 8,
    steps: int = 5000,
    lr: float = 0.05,
    seed: int = 0,
    progress: bool = True,
    slope: float = 0.01,
    start: ParallelNetwork | None = None,
    jitter: float = 0.0,
) -> list[TrainingResult]:
    r""":func:`train_adam` for every $\beta$ of ``betas``, one result each, trained as one batch.

    Each $\beta$ gets the very starts :func:`train_adam` draws with the same ``seed``, and the
    summed objective $\sum_{\beta}\sum_r J_\beta(\theta_{\beta,r})$ separates, so every network
    follows the trajectory it would follow alone; a step costs about as much as one $\beta$'s
    (on small data Adam's time is per step, not per network).
    """
    x, y = check_data(x, y)
    betas = [check_beta(b) for b in np.atleast_1d(np.asarray(betas, dtype=float))]
    if start is not None:
        if width not in (None, start.width):
            raise ValueError(f"width={width} contradicts the start network's {start.width} units; leave it out")
        depth, act, width = start.depth, start.activation, start.width
    else:
        act = get_activation(activation, slope)
        width = width or 2 * x.size
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(seed)
    shift = start.input_shift if start is not None else 0.0  # the start's fixed input map x -> x - shift
    xt = torch.as_tensor(x - shift, dtype=torch.float64)
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
    k = len(betas)
    W, B, xi = (t.repeat(k, *[1] * (t.dim() - 1)) for t in (W, B, xi))  # group g: networks g*restarts ...
    beta_t = torch.as_tensor(np.repeat(betas, restarts), dtype=torch.float64)
    began = time.perf_counter()
    values = _adam_units(W, B, xi, xt, yt, beta_t, act, steps, lr, f"Adam {depth}-layer {act.name}", progress)
    seconds = time.perf_counter() - began
    results = []
    with torch.no_grad():
        for g, beta in enumerate(betas):
            rows = range(g * restarts, (g + 1) * restarts)
            nets = [ParallelNetwork(act, W[r].numpy().copy(), B[r].numpy().copy(), float(xi[r]), shift) for r in rows]
            finals = np.array([net.objective(x, y, beta) for net in nets])
            best = int(np.argmin(finals))
            history = values[:, rows.start : rows.stop].min(axis=1)
            results.append(TrainingResult(nets[best], float(finals[best]), finals, history, seconds, tuple(nets)))
    return results


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
    began = time.perf_counter()
    values = _adam_units(W, B, xi, xt, yt, beta, act, steps, lr, f"Adam additive {depth}-layer {act.name}", progress)
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
    history = values.min(axis=1)
    return TrainingResult(nets[best], float(finals[best]), finals, history, time.perf_counter() - began, tuple(nets))


def _adam_units(W, B, xi, xt, yt, beta, act, steps: int, lr: float, desc: str, progress: bool) -> np.ndarray:
    """:func:`_adam` on a batch of parallel networks of units (weights ``W``, biases ``B``, output biases
    ``xi``) reading the inputs ``xt``: the summed :func:`batched_objective` (``beta`` a number or one
    per network), cosine-decayed rate."""
    return _adam([W, B, xi], lambda: batched_objective(W, B, xi, xt, yt, beta, act), steps, lr, desc, progress)


def _adam(
    params: list,
    objectives,
    steps: int,
    lr: float,
    desc: str,
    progress: bool,
    weight_decay: float = 0.0,
    cosine: bool = True,
    after_step=None,
) -> np.ndarray:
    """Run Adam on the summed ``objectives()`` (one per network of the batch); returns every network's
    objective before each step, shape (steps, networks). ``after_step(k)`` is called after step k."""
    params = [p.requires_grad_() for p in params]
    optimiser = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, steps, eta_min=lr / 100) if cosine else None
    history = None
    for step in tqdm(range(steps), desc=desc, disable=not progress):
        optimiser.zero_grad()
        values = objectives()
        values.sum().backward()
        optimiser.step()
        if schedule is not None:
            schedule.step()
        if history is None:
            history = torch.empty((steps, values.numel()), dtype=values.dtype)
        history[step] = values.detach()
        if after_step is not None:
            after_step(step + 1)
    return history.numpy() if history is not None else np.empty((0, 0))


def shared_trunk_start(
    depth: int, width: int = 100, ramp: tuple[float, float, float] | None = None, seed: int = 0
) -> ParallelNetwork:
    r"""A ReLU network whose first $L - 2$ layers are one shared chain of width 1 feeding a wide
    layer of ``width`` neurons (the architecture of the paper's training code), as the
    :class:`~lmirrors.networks.parallel.ParallelNetwork` that computes the same function (the
    trunk's weights and biases repeated in every unit).

    Every weight and bias is drawn uniformly from $[-1/\sqrt{\text{fan-in}}, 1/\sqrt{\text{fan-in}}]$
    (torch's default for a linear layer: fan-in 1 for the trunk and the wide layer, ``width`` for
    the output); the output bias is 0. ``ramp`` $= (a, b, c)$ then overwrites the trunk and the
    first wide neuron so that they compute $c\,(\operatorname{clip}(x, a, b) - a)$ balanced,
    $\gamma = |c|^{1/L}$: $h_1 = \gamma(b - x)_+$,
    $h_2 = (\gamma^2 (b - a) - \gamma h_1)_+ = \gamma^2(\operatorname{clip}(x, a, b) - a)$, then
    identity layers $h_l = \gamma h_{l-1}$ and the output weight $\operatorname{sign}(c)\,\gamma$.
    The other units keep their random weights, so the start is close to, not exactly, the ramp.
    """
    if depth < 3:
        raise ValueError(f"depth={depth}: a shared trunk needs depth >= 3 (a capped ramp needs two hidden layers)")
    if width < 1:
        raise ValueError(f"width={width}: need at least one wide-layer neuron")
    rng = np.random.default_rng(seed)
    trunk_w, trunk_b = rng.uniform(-1, 1, depth - 2), rng.uniform(-1, 1, depth - 2)
    W = np.empty((width, depth))
    B = np.empty((width, depth - 1))
    W[:, : depth - 2], B[:, : depth - 2] = trunk_w, trunk_b
    W[:, depth - 2], B[:, depth - 2] = rng.uniform(-1, 1, width), rng.uniform(-1, 1, width)
    W[:, depth - 1] = rng.uniform(-1, 1, width) / np.sqrt(width)
    if ramp is not None:
        a, b, c = ramp
        if not a < b or c == 0:
            raise ValueError(f"ramp={ramp}: need a < b and a nonzero coefficient c")
        g = abs(c) ** (1 / depth)
        weights = np.concatenate([[-g, -g], np.full(depth - 3, g)])
        biases = np.concatenate([[g * b, g**2 * (b - a)], np.zeros(depth - 3)])
        W[:, : depth - 2], B[:, : depth - 2] = weights[: depth - 2], biases[: depth - 2]
        W[0, depth - 2], B[0, depth - 2] = weights[-1], biases[-1]
        W[0, depth - 1] = np.sign(c) * g
    return ParallelNetwork(get_activation("relu"), W, B, 0.0)


def train_adam_shared(
    x,
    y,
    starts: list[ParallelNetwork],
    beta: float,
    steps: int = 1000,
    lr: float = 5e-3,
    weight_decay: float = 1e-4,
    progress: bool = True,
) -> TrainingResult:
    r"""Adam (constant rate, ``weight_decay`` added to every gradient) on a shared-trunk ReLU
    network from each of ``starts`` (built by :func:`shared_trunk_start`), trained together.

    The trunk is trained once, so its weights enter the penalty once:
    $J = \tfrac12\|f(X) - y\|^2 + \tfrac\beta L\bigl(\sum_{\rm trunk}|u|^L + \sum_k |w_k|^L + |v_k|^L\bigr)$;
    ``objective`` and ``restart_objectives`` are this $J$. The returned networks are the
    equivalent parallel networks (trunk repeated in every unit).
    """
    return train_adam_shared_checkpoints(x, y, starts, beta, [steps], lr, weight_decay, progress)[0]


def train_adam_shared_checkpoints(
    x,
    y,
    starts: list[ParallelNetwork],
    beta: float,
    checkpoints,
    lr: float = 5e-3,
    weight_decay: float = 1e-4,
    progress: bool = True,
) -> list[TrainingResult]:
    r""":func:`train_adam_shared` stopped after each number of steps in ``checkpoints``, from one run.

    The rate is constant and Adam's state after $k$ steps does not depend on how many follow, so
    the result at checkpoint $k$ is the result of ``train_adam_shared(..., steps=k)``, the same
    numbers, while the run costs only $\max_k k$ steps instead of $\sum_k k$. One result per
    distinct checkpoint, in increasing order.
    """
    x, y = check_data(x, y)
    beta = check_beta(beta)
    checkpoints = sorted({int(k) for k in checkpoints})
    if not checkpoints or checkpoints[0] < 1:
        raise ValueError(f"checkpoints={checkpoints}: give at least one number of steps, each at least 1")
    if not starts:
        raise ValueError("starts is empty: pass at least one network from shared_trunk_start")
    depth, width = starts[0].depth, starts[0].width
    for net in starts:
        if net.W.shape != (width, depth) or net.activation.name != "relu" or depth < 3:
            raise ValueError("starts must be ReLU networks of one shape, depth >= 3, from shared_trunk_start")
        if np.ptp(net.W[:, : depth - 2], axis=0).max() > 0 or np.ptp(net.B[:, : depth - 2], axis=0).max() > 0:
            raise ValueError("a start's units do not share their first L - 2 layers; build it with shared_trunk_start")
    torch.set_num_threads(1)
    xt = torch.as_tensor(x, dtype=torch.float64)
    yt = torch.as_tensor(y, dtype=torch.float64)

    def stack(values) -> torch.Tensor:
        return torch.as_tensor(np.stack(values), dtype=torch.float64)

    U, C = stack([n.W[0, : depth - 2] for n in starts]), stack([n.B[0, : depth - 2] for n in starts])
    Wk, Bk = stack([n.W[:, depth - 2] for n in starts]), stack([n.B[:, depth - 2] for n in starts])
    V, xi = stack([n.W[:, depth - 1] for n in starts]), stack([n.xi for n in starts])

    def objectives() -> torch.Tensor:
        h = xt.expand(len(starts), xt.numel())
        for layer in range(depth - 2):
            h = torch.relu(U[:, layer, None] * h + C[:, layer, None])
        f = xi[:, None] + (V[..., None] * torch.relu(Wk[..., None] * h[:, None, :] + Bk[..., None])).sum(dim=1)
        weights = (U.abs() ** depth).sum(-1) + (Wk.abs() ** depth).sum(-1) + (V.abs() ** depth).sum(-1)
        return 0.5 * ((f - yt) ** 2).sum(-1) + beta / depth * weights

    snapshots, wanted = {}, set(checkpoints)

    def snapshot(step: int) -> None:
        if step not in wanted:
            return
        with torch.no_grad():
            finals = objectives().numpy().copy()
            nets = tuple(
                ParallelNetwork(
                    starts[0].activation,
                    np.column_stack([np.tile(U[r].numpy(), (width, 1)), Wk[r].numpy(), V[r].numpy()]),
                    np.column_stack([np.tile(C[r].numpy(), (width, 1)), Bk[r].numpy()]),
                    float(xi[r]),
                )
                for r in range(len(starts))
            )
        snapshots[step] = finals, nets, time.perf_counter() - began

    began = time.perf_counter()
    values = _adam(
        [U, C, Wk, Bk, V, xi],
        objectives,
        checkpoints[-1],
        lr,
        desc=f"Adam {depth}-layer shared trunk",
        progress=progress,
        weight_decay=weight_decay,
        cosine=False,
        after_step=snapshot,
    )
    history = values.min(axis=1)
    results = []
    for step in checkpoints:
        finals, nets, seconds = snapshots[step]
        best = int(np.argmin(finals))
        results.append(TrainingResult(nets[best], float(finals[best]), finals, history[:step], seconds, nets))
    return results


def trained_summary(network: ParallelNetwork, x, y, beta: float, rtol: float = 0.05) -> dict:
    r"""What a trained network did on data ``(x, y)``: its main kinks inside the data range
    (:meth:`~lmirrors.networks.parallel.ParallelNetwork.main_kinks` with ``rtol``), the last of
    them (``"end"``, NaN without kinks), the fit $\tfrac12\|f(X) - y\|^2$, the path norm
    $\sum_k\prod_l|w^{(k)}_l|$ and the balanced objective fit $+\ \beta\,$path norm, the lowest
    $J$ of a parallel network computing the same units (never below the Lasso optimum), and
    ``"reaches top"``: the first of 1,000 points spanning the data range $\pm 0.5$ where $f$ is
    within 0.01 of $\max y$ (NaN if none; where the paper's code reads off its kink).
    """
    x, y = check_data(x, y)
    where, _ = network.main_kinks(rtol=rtol)
    inside = where[(where >= x.min()) & (where <= x.max())]
    fit = network.objective(x, y, 0.0)
    path_norm = network.path_norm()
    grid = np.linspace(x.min() - 0.5, x.max() + 0.5, 1000)
    near_top = np.flatnonzero(np.abs(network(grid) - y.max()) < 0.01)
    return {
        "kinks": inside,
        "end": float(inside.max()) if inside.size else float("nan"),
        "reaches top": float(grid[near_top[0]]) if near_top.size else float("nan"),
        "fit": fit,
        "path norm": path_norm,
        "balanced J": fit + check_beta(beta) * path_norm,
    }
