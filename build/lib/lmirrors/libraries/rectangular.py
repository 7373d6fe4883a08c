r"""Rectangular step networks of any depth: the best first-layer switch set, then clipping.

**Source.** The paper's abstracts (v1 to v3) list rectangular and tree networks with sign
activation of arbitrary depth among its results; we could not find the statement for
rectangular networks, so the definition, the theorem and the proof below are ours.

**Networks.** Widths $m_1, \dots, m_{L-1}$; layer 1 has $m_1$ step neurons
$\sigma(w_i x + b_i)$, every later neuron is $\sigma(V h + c)$ of the *whole* layer below
(layers are shared, unlike trees), and $f = \xi + \sum_k a_k s_k h_{L-1,k}$ with penalty
$\tfrac\beta2\sum_k(a_k^2 + s_k^2)$ (:class:`~lmirrors.networks.rectangular.RectangularNetwork`).
With $\sigma = \operatorname{sign}$ write $k = \min(m_1, N - 1)$ and, for $g \in \mathbb R^N$ on the
sorted data, $\operatorname{range} g = \max g - \min g$.

**Theorem (ours).** For every $L \ge 3$ and all widths, the training objective satisfies

$$ J \;\ge\; R_k(y) \;=\; \min_{g\ \text{with at most } k \text{ switches}}
   \tfrac12\|g - y\|^2 + \tfrac\beta2 \operatorname{range} g , $$

with equality when $m_l \ge k$ for $l = 2, \dots, L - 1$. *Lower bound:* every neuron's output
can only change where a first-layer neuron does, so $f(X)$ switches at most $k$ times; and
$\sum_k a_k s_k h_k$ with $h_k \in \{\pm1\}^N$ has range at most $2\sum_k|a_k s_k| \le
\sum_k(a_k^2 + s_k^2)$. *Attained:* an optimal $g$ with $D$ distinct values switches at a
set $T$, $|T| \le k$, and is the layer cake $g = \tfrac{v_1 + v_D}2 + \sum_{j=2}^{D}
\tfrac{v_j - v_{j-1}}2 \operatorname{sign}(g - v_j)$ (range$/2$ in $\ell_1$); layer 1 places
steps at $T$, layer 2 builds the $D - 1 \le |T|$ level sets from them (each switches inside
$T$), later layers copy them (:func:`~lmirrors.networks.reconstruction.rectangular_network`).

So depth beyond 3 adds nothing, only the first layer's width counts, and

* $m_1 \ge N - 1$: $R_{N-1}$ is the Lasso over *every* pattern (the clipping of
  :func:`lmirrors.closed_forms.clip_fit`), the same as trees with $m_1 m_2 \cdots \ge N - 1$;
* $m_1 < N - 1$: the fits of cost $\le t$ are not a convex set (two one-switch fits at different
  gaps average to a two-switch fit), so no Lasso over a fixed dictionary has the same costs.
  $R_k$ is the smallest of $\binom{N-1}{k}$ Lassos, one per switch set $T$ (on the blocks
  between switches, the clipping of the block means), which :func:`best_switch_set` compares
  exhaustively. The tree library with $K = m_1$ switches per unit is a convex relaxation:
  its Lasso is a lower bound, strict when its units switch at more than $m_1$ points in all.

Threshold units ($\{0, 1\}$) are the same problem at $2\beta$
(:mod:`lmirrors.libraries.thresholds`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from ..closed_forms import Clipping, clip_fit
from ..validation import check_beta, check_data

MAX_SWITCH_SETS = 2_000_000
"""Most switch sets :func:`best_switch_set` compares."""

CHUNK = 50_000
"""Switch sets evaluated at once (rows of one array)."""


def switch_set_count(n: int, switches: int) -> int:
    r"""$\binom{n-1}{\min(k, n-1)}$: the switch sets of a first layer with ``switches`` $= m_1$
    neurons on ``n`` distinct points."""
    return math.comb(n - 1, min(switches, n - 1))


@dataclass(frozen=True)
class SwitchSetFit:
    r"""The optimum $R_k(y)$: switch set, fitted values and certificate."""

    points: np.ndarray
    """Sorted distinct inputs."""
    gaps: tuple[int, ...]
    """The switch set $T$: gap $j$ lies between ``points[j]`` and ``points[j + 1]``."""
    values: np.ndarray
    """The optimal $g$ on ``points`` (constant between the gaps of $T$)."""
    clipping: Clipping
    """The clipping of the block means (one point per block between switches)."""
    objective: float
    gap: float
    """Duality gap of the Lasso over every pattern switching inside $T$ (the optimal set's Lasso)."""
    searched: int
    """Number of switch sets compared."""


def _block_objectives(sums, counts, beta: float) -> np.ndarray:
    r"""$\min_{\ell \le u} \tfrac12\sum_B w_B\,\operatorname{dist}(\bar y_B, [\ell, u])^2 + \tfrac\beta2(u - \ell)
    - \tfrac12\sum_B w_B \bar y_B^2$ for each row of block sums $w_B\bar y_B$ and sizes $w_B$: the
    clipping of the block means, up to the constant $\tfrac12\|y\|^2$ (the within-block sum of
    squares is $\tfrac12\|y\|^2 - \tfrac12\sum_B w_B\bar y_B^2$)."""
    means = sums / counts
    mass = beta / 2

    def level(values):  # the t with sum w (v - t)_+ = mass, row by row (as closed_forms.clip_fit)
        order = np.argsort(-values, axis=1, kind="stable")
        v, w = np.take_along_axis(values, order, axis=1), np.take_along_axis(counts, order, axis=1)
        W, C = np.cumsum(w, axis=1), np.cumsum(w * v, axis=1)
        j = np.sum(C - v * W <= mass, axis=1, keepdims=True) - 1
        return (np.take_along_axis(C, j, axis=1) - mass) / np.take_along_axis(W, j, axis=1)

    upper, lower = level(means), -level(-means)
    average = sums.sum(axis=1, keepdims=True) / counts.sum(axis=1, keepdims=True)
    crossed = lower >= upper
    upper, lower = np.where(crossed, average, upper), np.where(crossed, average, lower)
    clipped = np.clip(means, lower, upper)
    fit = 0.5 * np.sum(counts * ((means - clipped) ** 2 - means**2), axis=1)
    return fit + mass * (upper - lower)[:, 0]


def best_switch_set(x, y, beta: float, switches: int, max_sets: int = MAX_SWITCH_SETS) -> SwitchSetFit:
    r"""$R_k(y)$ for $k = $ ``switches`` (sign units at ``beta``): every switch set $T$ of
    $\min(k, N-1)$ gaps, the labels averaged over the blocks between them and clipped
    (:func:`~lmirrors.closed_forms.clip_fit` with the block sizes as weights); the best $T$ wins.

    Exact, in $O\bigl(\binom{N-1}{k} N\bigr)$; raises ``ValueError`` beyond ``max_sets`` sets,
    and for ``beta = 0`` with $k < N - 1$ (fewer switches than gaps cannot interpolate every $y$).
    """
    x, y = check_data(x, y)
    beta = check_beta(beta)
    points, inverse = np.unique(x, return_inverse=True)
    n = points.size
    k = min(switches, n - 1)
    count = switch_set_count(n, switches)
    if count > max_sets:
        raise ValueError(
            f"{count:,} switch sets of {k} among {n - 1} gaps exceed max_sets = {max_sets:,}; the exact search "
            "compares them all: use fewer points, m1 >= N - 1 (then one clipping solves it) or raise max_sets"
        )
    if beta == 0 and k < n - 1:
        raise ValueError(
            f"beta = 0 asks for interpolation, which a first layer of {switches} neuron(s) cannot do on {n} "
            "distinct points (at most one switch each); use beta > 0 or m1 >= N - 1"
        )
    sums = np.concatenate([[0.0], np.cumsum(np.bincount(inverse, weights=y))])
    sizes = np.concatenate([[0], np.cumsum(np.bincount(inverse))])
    sets = itertools.combinations(range(n - 1), k)
    best, best_value = None, np.inf
    for _ in range(0, count, CHUNK):
        chunk = np.array(list(itertools.islice(sets, CHUNK)), dtype=np.int64).reshape(-1, k)
        edges = np.hstack([np.zeros((len(chunk), 1), np.int64), chunk + 1, np.full((len(chunk), 1), n)])
        block_sums, block_sizes = np.diff(sums[edges], axis=1), np.diff(sizes[edges], axis=1).astype(float)
        values = _block_objectives(block_sums, block_sizes, beta)
        i = int(np.argmin(values))
        if values[i] < best_value:
            best, best_value = tuple(int(j) for j in chunk[i]), float(values[i])
    block = np.searchsorted(np.array(best, dtype=np.int64) + 1, np.arange(n), side="right")
    block_of_data = block[inverse]
    means = np.bincount(block_of_data, weights=y) / np.bincount(block_of_data)
    clipping = clip_fit(block_of_data, means[block_of_data], beta)
    within = float(np.sum((y - means[block_of_data]) ** 2) / 2)
    return SwitchSetFit(
        points, best, clipping.values[block], clipping, clipping.objective + within, clipping.gap, count
    )
