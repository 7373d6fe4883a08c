r"""Stationary points of the non-convex objective $J$, decided exactly at kinks on data points.

The paper's v4 Appendix F treats networks generated from Lasso solutions, stationary points of
the non-convex training problem and neuron splitting; its text was not available to us, so the
statements checked here (and in the book) are our formulation.

$J(\theta) = \tfrac12\|f(X) - y\|^2 + \tfrac\beta L\sum|w|^L$ of a
:class:`~lmirrors.networks.parallel.ParallelNetwork` is not differentiable where a
pre-activation $p = w_l h_{l-1} + b_l$ vanishes at a data point, and networks rebuilt from a
Lasso solution put their kinks exactly there. Torch's autograd then returns the chain rule with
$\sigma'(0) := 0$, one arbitrary choice, so its gradient neither proves nor disproves
stationarity (:func:`torch_gradient`).

**What is checked** is *directional stationarity*: the one-sided derivative
$J'(\theta; d) = \lim_{t\downarrow0}(J(\theta + t d) - J(\theta))/t$ is $\ge 0$ for every direction
$d$. It implies Clarke stationarity, $0 \in \partial_C J(\theta)$ (Clarke's generalised derivative
satisfies $J^\circ(\theta; d) \ge J'(\theta; d)$), and is stronger. It is decided exactly:

* $\sigma$ is positively homogeneous with one kink, so $\sigma(0 + tq) = t\,\sigma(q)$: at a
  vanishing pre-activation with tangent $q$ the tangent of $h$ is $\sigma(q)$ (slope
  $\sigma'(0^+)$ if $q \ge 0$, $\sigma'(0^-)$ if $q \le 0$); elsewhere it is $\sigma'(p)\,q$.
* $f = \xi + \sum_k \text{unit}_k$ and the penalty is $C^1$ ($L \ge 2$), so
  $J'(\theta; d) = d_\xi \sum_n r_n + \sum_k J'_k(d_k)$ with $r = f(X) - y$: one positively
  homogeneous, piecewise-linear function per unit, of that unit's $2L - 1$ parameters.
* A *piece* fixes a sign $s_j$ for the tangent $q_j$ of each of the unit's vanishing
  pre-activations. On its cone $\{d : s_j q_j(d) \ge 0\}$ every tangent is linear in $d$ and
  $J'_k(d) = g \cdot d$, where $g$ is the chain-rule gradient with $\sigma'(0)$ set to the slope
  of side $s_j$. Torch autograd computes $g$ and the normals $\nabla q_j$, through a forward pass
  whose activation is $D \odot p$ with the slopes $D$ held fixed.
* The cones cover all $d$, so $\min_{\|d\|_\infty \le 1} J'(\theta; d)$ is $-|\sum_n r_n|$ plus,
  per unit, the least value of one linear programme per piece. Its negative is
  :attr:`Stationarity.descent`: $0$ at a stationary point, $\|\nabla J\|_1$ where $J$ is
  differentiable, otherwise the rate of steepest one-sided descent along the returned direction
  (which can be confirmed by evaluating $J$ along it).

A pre-activation counts as vanishing when $|p| \le$ ``rtol``
$\cdot(|w_l| \max_n |h_{l-1}(x_n)| + |b_l|)$: the check is then that of the network with those
pre-activations rounded to zero.

**Splitting** (:func:`split_unit`): a unit of depth $L$ scaled by $\alpha^{1/L}$ in every weight
and $\alpha^{l/L}$ in the bias of layer $l$ computes $\alpha\cdot$unit with $\alpha$ times its
penalty (positive homogeneity), so replacing it by its $\alpha$ and $1 - \alpha$ copies keeps the
function and $J$; :func:`stationarity` decides whether it keeps stationarity.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import torch
from scipy.optimize import linprog

from .fitting import KEPT, Fit, fit_library
from .libraries.library import Library
from .networks.parallel import ParallelNetwork
from .validation import check_beta, check_data

MAX_PIECES = 2**14
"""Most linear pieces examined per unit (two per vanishing pre-activation of the unit)."""


def split_unit(network: ParallelNetwork, unit: int, fraction: float = 0.5) -> ParallelNetwork:
    r"""Replace unit ``unit`` by two copies computing ``fraction`` $= \alpha$ and $1 - \alpha$ times it.

    Copy $c \in \{\alpha, 1 - \alpha\}$ has weights $c^{1/L} w_l$ and biases $c^{l/L} b_l$
    (layer $l = 1..L-1$), so it computes $c\cdot$unit with $c$ times the unit's penalty:
    the network's function and $J$ are unchanged. The copies take the unit's place and the next row.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must lie strictly between 0 and 1, got {fraction}")
    if not -network.width <= unit < network.width:
        raise ValueError(f"unit {unit} does not exist in a network of {network.width} units")
    unit %= network.width
    depth = network.depth
    copies = []
    for c in (fraction, 1.0 - fraction):
        copies.append((c ** (1 / depth) * network.W[unit], c ** (np.arange(1, depth) / depth) * network.B[unit]))
    W = np.concatenate([network.W[:unit], [w for w, _ in copies], network.W[unit + 1 :]])
    B = np.concatenate([network.B[:unit], [b for _, b in copies], network.B[unit + 1 :]])
    return ParallelNetwork(network.activation, W, B, network.xi, network.input_shift)


def restricted_fit(fitted: Fit, columns) -> Fit:
    r"""The Lasso over only ``columns`` of ``fitted``'s library (same data and $\beta$), and its network.

    Such a network is a candidate stationary point of $J$ that is not the global optimum;
    :func:`stationarity` decides whether it is one.
    """
    columns = np.atleast_1d(np.asarray(columns, dtype=np.int64))
    lib = fitted.library
    if lib.how == KEPT:
        raise ValueError("this fit was unpickled with its solution's columns only; refit it to index its library")
    part = Library(lib.architecture, lib.x, [lib.features[k] for k in columns], lib.A[:, columns], columns.size)
    return fit_library(part, fitted.y, fitted.beta)


def torch_gradient(network: ParallelNetwork, x, y, beta: float) -> np.ndarray:
    r"""$\nabla J$ by torch autograd on ``network.to_torch()`` (torch's convention $\sigma'(0) = 0$ at kinks).

    Returned flat as $(W, B, \xi)$ in row-major order (the layout of :attr:`Stationarity.direction`).
    """
    x, y = check_data(x, y)
    beta = check_beta(beta)
    module = network.to_torch()
    fitted = module(torch.as_tensor(x))
    objective = 0.5 * ((fitted - torch.as_tensor(y)) ** 2).sum()
    objective = objective + beta / network.depth * (module.W.abs() ** network.depth).sum()
    objective.backward()
    return torch.cat([module.W.grad.reshape(-1), module.B.grad.reshape(-1), module.xi.grad.reshape(-1)]).numpy()


@dataclass(frozen=True)
class Stationarity:
    r"""The exact one-sided check of :func:`stationarity` (module docstring)."""

    network: ParallelNetwork
    descent: float
    r"""$-\min_{\|d\|_\infty \le 1} J'(\theta; d) \ge 0$: zero exactly at a stationary point."""
    scale: float
    r"""$\|\nabla\text{penalty}\|_1$, plus the largest $\|\nabla\text{misfit}\|_1$ over the pieces, plus
    $\|r\|_1$ (the size of $\partial J/\partial\xi = \sum_n r_n$'s terms): the size of what cancels at a
    stationary point (:attr:`relative_descent` divides by it)."""
    direction: np.ndarray
    """A minimising $d$ (flat, layout of :func:`torch_gradient`): $J$ decreases along it when ``descent > 0``."""
    kinks: int
    """Pre-activations vanishing at a data point (where $J$ is not differentiable)."""
    pieces: int
    """Linear pieces examined (one linear programme each)."""

    @property
    def relative_descent(self) -> float:
        """:attr:`descent` / :attr:`scale` (0 when both vanish)."""
        return self.descent / self.scale if self.scale > 0 else 0.0

    def is_stationary(self, rtol: float = 1e-8) -> bool:
        """Whether :attr:`relative_descent` is at most ``rtol`` (rebuilt Lasso optima reach ~1e-15)."""
        return self.relative_descent <= rtol

    def moved(self, step: float) -> ParallelNetwork:
        r"""The network at $\theta + $ ``step`` $\cdot d$ along :attr:`direction`."""
        net = self.network
        nW, nB = net.W.size, net.B.size
        return ParallelNetwork(
            net.activation,
            net.W + step * self.direction[:nW].reshape(net.W.shape),
            net.B + step * self.direction[nW : nW + nB].reshape(net.B.shape),
            net.xi + step * float(self.direction[-1]),
            net.input_shift,
        )


def _pre_activations(network: ParallelNetwork, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Pre-activations $p_l(x_n)$ of every unit, shape (units, L − 1, N), and their scale per unit and
    layer, $|w_l| \max_n |h_{l-1}(x_n)| + |b_l|$, shape (units, L − 1, 1)."""
    h = np.broadcast_to(x, (network.width, x.size))
    p, size = [], []
    for layer in range(network.depth - 1):
        w, b = network.W[:, layer, None], network.B[:, layer, None]
        p.append(w * h + b)
        size.append(np.abs(w) * np.abs(h).max(axis=1, keepdims=True, initial=0.0) + np.abs(b))
        h = network.activation(p[-1])
    layers = network.depth - 1
    return np.stack(p, axis=1).reshape(network.width, layers, x.size), np.stack(size, axis=1).reshape(-1, layers, 1)


def _piece(network: ParallelNetwork, x, y, beta, slopes: np.ndarray, kinks: list[tuple[int, int]], unit: int):
    r"""Chain-rule gradients of the misfit and the penalty with $\sigma'$ fixed to ``slopes`` (shape
    (units, L − 1, N)), and the gradients of ``unit``'s pre-activations at ``kinks`` ((layer, n) rows)."""
    W = torch.tensor(network.W, requires_grad=True)
    B = torch.tensor(network.B, requires_grad=True)
    xi = torch.tensor(float(network.xi), dtype=torch.float64, requires_grad=True)
    D = torch.as_tensor(slopes)
    h = torch.as_tensor(x).expand(network.width, x.size)
    pre = []
    for layer in range(network.depth - 1):
        pre.append(W[:, layer, None] * h + B[:, layer, None])
        h = D[:, layer] * pre[-1]
    fitted = xi + (W[:, -1, None] * h).sum(dim=0)
    misfit = 0.5 * ((fitted - torch.as_tensor(y)) ** 2).sum()
    penalty = beta / network.depth * (W.abs() ** network.depth).sum()
    params = (W, B, xi)

    def gradient(value) -> np.ndarray:
        parts = torch.autograd.grad(value, params, retain_graph=True, allow_unused=True, materialize_grads=True)
        return torch.cat([g.reshape(-1) for g in parts]).numpy()

    misfit, penalty = gradient(misfit), gradient(penalty)
    normals = np.array([gradient(pre[layer][unit, n]) for layer, n in kinks]).reshape(len(kinks), misfit.size)
    return misfit, penalty, normals


def stationarity(network: ParallelNetwork, x, y, beta: float, rtol: float = 1e-9) -> Stationarity:
    r"""Decide whether ``network`` is a stationary point of $J$ on ``(x, y)``: $J'(\theta; d) \ge 0$ for every $d$.

    Exact enumeration of the linear pieces of $J'(\theta; \cdot)$ (module docstring), one small
    linear programme per piece and unit. ``rtol``: a pre-activation with
    $|p| \le$ ``rtol`` $(|w_l| \max_n |h_{l-1}(x_n)| + |b_l|)$ is treated as vanishing.
    """
    x, y = check_data(x, y)
    beta = check_beta(beta)
    if not isinstance(network, ParallelNetwork):
        raise ValueError(
            f"stationarity needs a ParallelNetwork of piecewise-linear units, got {type(network).__name__}"
        )
    act = network.activation
    if not act.homogeneous:
        raise ValueError(f"{act.name} units have zero gradient almost everywhere; stationarity is not informative")
    right, left = float(act(1.0)), -float(act(-1.0))  # sigma'(0+), sigma'(0-)
    given = network  # below: its units on the points after its fixed input map (J is unchanged)
    network, x = ParallelNetwork(act, network.W, network.B, network.xi), network.inputs(x)
    p, size = _pre_activations(network, x)
    at_kink = np.abs(p) <= rtol * size
    smooth = np.where(p > 0, right, left)
    misfit, penalty, _ = _piece(network, x, y, beta, smooth, [], 0)
    residual_sum = float(misfit[-1])  # dJ/dxi, the same on every piece
    direction = np.zeros(misfit.size)
    direction[-1] = -np.sign(residual_sum)
    descent, misfit_size, pieces = abs(residual_sum), float(np.abs(misfit).sum()), 0
    L = network.depth
    for k in range(network.width):
        columns = np.concatenate([k * L + np.arange(L), network.W.size + k * (L - 1) + np.arange(L - 1)])
        kinks = list(zip(*np.nonzero(at_kink[k]), strict=True))
        if 2 ** len(kinks) > MAX_PIECES:
            raise ValueError(
                f"unit {k} has {len(kinks)} pre-activations vanishing on the data (more than "
                f"{MAX_PIECES.bit_length() - 1}); a unit with zero weights adds nothing: remove it first"
            )
        steepest = 0.0
        for signs in itertools.product((1.0, -1.0), repeat=len(kinks)):
            slopes = smooth.copy()
            for (layer, n), s in zip(kinks, signs, strict=True):
                slopes[k, layer, n] = right if s > 0 else left
            misfit, _, normals = _piece(network, x, y, beta, slopes, kinks, k)
            misfit_size = max(misfit_size, float(np.abs(misfit).sum()))
            # min g.d over this unit's parameters subject to s_j q_j(d) >= 0 and |d_i| <= 1
            cone = -np.asarray(signs)[:, None] * normals[:, columns] if kinks else None
            bound = np.zeros(len(kinks)) if kinks else None
            lp = linprog((misfit + penalty)[columns], A_ub=cone, b_ub=bound, bounds=(-1, 1), method="highs")
            if lp.status != 0:
                raise RuntimeError(f"linear programme failed on unit {k}: {lp.message}")
            pieces += 1
            if lp.fun < steepest:
                steepest, direction[columns] = float(lp.fun), lp.x
        descent -= steepest
    scale = float(np.abs(penalty).sum()) + misfit_size + float(np.abs(network(x) - y).sum())
    return Stationarity(given, descent, scale, direction, int(at_kink.sum()), pieces)
