r"""Closed forms: every-pattern sign networks clip the labels; optimal sign networks on the square wave;
the minimum norm of every two-layer family.

**Clipping** (:func:`clip_fit`): a sign network whose units can switch at every gap between
data points ($K \ge N - 1$) has every $\pm1$ pattern as a feature; its Lasso is solved by
clipping the labels, in $O(N \log N)$.

**Square wave.** Data: $x_n = n$ ($n = 1..N$), $N = N_B T$, and $y$ made of $N_B$ alternating blocks of length
$T$ starting with $-1$. Write $y_b = \pm1$ for block $b$'s label and $\bar y$ for the mean
($0$ for even $N_B$, $-1/N_B$ for odd).

**Two layers = total-variation denoising.** The library is $h_j$ ($-1$ up to $x_j$, $+1$ after),
$j = 1..N-1$. With $u = \sum_j z_j h_j + \xi\mathbf 1$ the increments are
$u_{j+1} - u_j = 2 z_j$ and $u_1 + u_N = 2\xi$, so $\|z\|_1 = \tfrac12 \mathrm{TV}(u)$ and the
Lasso is $\min_u \tfrac12\|u - y\|^2 + \tfrac\beta2 \mathrm{TV}(u)$.

An optimum constant on each block with values $v_b$ satisfies, for each maximal run of equal
values, (run length) $\times$ (value $-$ mean of $y$ on the run) $= -\tfrac\beta2 \times$
(number of neighbours below minus number above). Hence:

* *Regime 1* ($\beta \le T$, and $\beta \le 4T/3$ if $N_B = 3$): every block is its own run.
  An interior block is an extremum with two neighbours: $T(v_b - y_b) = -\beta y_b$, so
  $v_b = (1 - \beta/T) y_b$; an end block has one: $v_b = (1 - \beta/(2T)) y_b$. The ends are
  fit better than the interior. Objective (misfit $\tfrac{\beta^2}{2T}$ per interior block,
  $\tfrac{\beta^2}{8T}$ per end, TV $2(N_B - 1) - \beta(2N_B - 3)/T$):
  $\beta(N_B - 1) - \beta^2(2N_B - 3)/(4T)$.
* *Even* $N_B$, $T \le \beta \le 2T$: the interior (sum zero) is one run at $0$, a monotone
  step between the ends $\mp(1 - \beta/(2T))$; beyond $2T$ everything is $0 = \bar y$.
* *Odd* $N_B \ge 5$, $T \le \beta \le 2T(N - T)/N$: both end blocks are $-1$, so the merged
  interior (length $N - 2T$, label sum $T$) is a maximum: $(N - 2T) c - T = -\beta$,
  $c = (T - \beta)/(N - 2T)$; the ends stay $-(1 - \beta/(2T))$. They meet $c$ at
  $\beta = 2T(N - T)/N$, where all equal $\bar y = -T/N$; beyond, $u = \bar y$.
  ($N_B = 3$: the interior is one block and regime 1 lasts until $4T/3$.)

**Three layers with $m_1 \ge N_B - 1$**: $y$ itself is a feature. With the single column
$y$, $z = (1 - \beta/S)_+$, $S = \|y - \bar y\|^2 = N(1 - \bar y^2)$, and the residual is
$\min(1, \beta/S)(y - \bar y)$. Every $\pm1$ pattern $h$ has
$|h^\top (y - \bar y)| \le \sum_n |y_n - \bar y| = y^\top(y - \bar y) = S$ because
$\operatorname{sign}(y_n - \bar y) = y_n$ when $|\bar y| < 1$; so the dual constraint holds for
the whole library and $u = \bar y + (1 - \beta/S)_+ (y - \bar y)$: one feature, every point
shrunk by the same factor. Objective $\beta - \beta^2/(2S)$ for $\beta \le S$, else $S/2$.

**Held-out points.** The reconstructed sign networks switch halfway between consecutive data
points, so the optimal network at any $x$ is the fitted value at the nearest data point
(:meth:`SquareWaveFit.predict`), and $u_1$, $u_N$ beyond the data. The square wave itself is
continued the same way (:func:`square_wave_at`): labels switch halfway between blocks and keep
alternating beyond the data, where a sign network is constant.

**Minimum norm of two-layer networks** (:func:`two_layer_min_norm`): the $\beta \to 0$ limit of
every depth-2 family in terms of the slopes of the connect-the-dots interpolant (or, for step
units, the total variation of the labels).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .activations import Activation, get_activation
from .convex.working_set import gap_from_residual
from .validation import check_beta, check_data


def _check_count(name: str, value, least: int) -> None:
    if not isinstance(value, (int, np.integer)) or value < least:
        raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")


def square_wave(n_blocks: int, block_length: int) -> tuple[np.ndarray, np.ndarray]:
    """$x_n = n$ and $N_B$ alternating blocks of $T$ labels, starting with $-1$."""
    _check_count("n_blocks", n_blocks, 2)
    _check_count("block_length", block_length, 1)
    x = np.arange(1, n_blocks * block_length + 1, dtype=float)
    y = np.repeat((-1.0) ** np.arange(1, n_blocks + 1), block_length)
    return x, y


def square_wave_at(block_length: int, x) -> np.ndarray:
    r"""The square wave at any ``x``: block $b = \lfloor (x - \tfrac12)/T \rfloor$ (0 for the first) has
    label $(-1)^{b+1}$, so labels switch halfway between blocks and alternate on beyond the data."""
    _check_count("block_length", block_length, 1)
    block = np.floor((np.asarray(x, dtype=float) - 0.5) / block_length)
    return np.where(block % 2 == 0, -1.0, 1.0)


HELD_OUT = ("between", "beyond")
"""Held-out sets of :func:`held_out_points`."""


def held_out_points(n_blocks: int, block_length: int, where: str) -> np.ndarray:
    r"""Points that are not data: ``"between"``: $n + \tfrac13$ and $n + \tfrac23$ for $n = 1..N-1$;
    ``"beyond"``: the block continued on either side, $1 - T, \dots, 0$ and $N + 1, \dots, N + T$."""
    x, _ = square_wave(n_blocks, block_length)
    if where == "between":
        return np.sort(np.concatenate([x[:-1] + 1 / 3, x[:-1] + 2 / 3]))
    if where == "beyond":
        T, N = block_length, x.size
        return np.concatenate([np.arange(1 - T, 1.0), np.arange(N + 1.0, N + T + 1)])
    raise ValueError(f"where must be one of {HELD_OUT}, got {where!r}")


def held_out_rmse(n_blocks: int, block_length: int, predict, where: str) -> float:
    """Root mean square of ``predict(x)`` minus the square wave (:func:`square_wave_at`) on :func:`held_out_points`."""
    x = held_out_points(n_blocks, block_length, where)
    return float(np.sqrt(np.mean((predict(x) - square_wave_at(block_length, x)) ** 2)))


@dataclass(frozen=True)
class SquareWaveFit:
    """Fitted values ``u`` on the data, the network's objective, and the regime used (1, 2 or 3)."""

    u: np.ndarray
    objective: float
    regime: int

    def predict(self, x) -> np.ndarray:
        r"""The optimal network at any ``x``: $u_n$ for the nearest data point $x_n = n$ (ties to the
        right, where the network switches), $u_1$ and $u_N$ beyond the data."""
        nearest = np.floor(np.asarray(x, dtype=float) + 0.5).astype(np.int64) - 1
        return self.u[np.clip(nearest, 0, self.u.size - 1)]


def two_layer_boundaries(n_blocks: int, block_length: int) -> tuple[float, float]:
    r"""The $\beta$ where regime 1 ends and where regime 3 (constant $\bar y$) begins."""
    T, N = block_length, n_blocks * block_length
    if n_blocks == 2:
        return 2.0 * T, 2.0 * T
    if n_blocks == 3:
        return 4 * T / 3, 4 * T / 3
    if n_blocks % 2 == 0:
        return float(T), 2.0 * T
    return float(T), 2 * T * (N - T) / N


def two_layer_regime(n_blocks: int, block_length: int, beta: float) -> int:
    """Which regime ``beta`` lies in (boundaries belong to the lower regime)."""
    first, last = two_layer_boundaries(n_blocks, block_length)
    return 1 if beta <= first else 2 if beta <= last else 3


def two_layer_sign(n_blocks: int, block_length: int, beta: float, regime: int | None = None) -> SquareWaveFit:
    r"""Optimal 2-layer sign network on the square wave (TV denoising, module docstring).

    ``regime`` forces one regime's formula (to show it fails outside its range).
    """
    beta = check_beta(beta)
    x, y = square_wave(n_blocks, block_length)
    T, N = block_length, x.size
    regime = two_layer_regime(n_blocks, block_length, beta) if regime is None else regime
    if regime not in (1, 2, 3):
        raise ValueError(f"regime must be 1, 2 or 3, got {regime!r}")
    blocks = np.repeat(np.arange(n_blocks), T)
    ends = (blocks == 0) | (blocks == n_blocks - 1)
    if regime == 1:
        u = np.where(ends, 1 - beta / (2 * T), 1 - beta / T) * y
    elif regime == 2:
        interior = 0.0 if n_blocks % 2 == 0 else (T - beta) / (N - 2 * T)
        u = np.where(ends, (1 - beta / (2 * T)) * y, interior)
    else:
        u = np.full(N, y.mean())
    objective = 0.5 * np.sum((u - y) ** 2) + beta / 2 * np.abs(np.diff(u)).sum()
    return SquareWaveFit(u, float(objective), regime)


def two_layer_first_regime_objective(n_blocks: int, block_length: int, beta: float) -> float:
    r"""$\beta(N_B - 1) - \beta^2(2N_B - 3)/(4T)$, the optimal value in regime 1."""
    return beta * (n_blocks - 1) - beta**2 * (2 * n_blocks - 3) / (4 * block_length)


def two_layer_lasso_coefficients(u: np.ndarray) -> tuple[np.ndarray, float]:
    r"""$z_j = (u_{j+1} - u_j)/2$ on the one-switch features and $\xi = (u_1 + u_N)/2$."""
    return np.diff(u) / 2, float((u[0] + u[-1]) / 2)


def three_layer_boundary(n_blocks: int, block_length: int) -> float:
    r"""$S = \|y - \bar y\|^2 = N(1 - \bar y^2)$ ($= \|y - \bar y\|_1$): the $\beta$ from which the
    three-layer optimum is the constant $\bar y$ (its $\beta_{\max}$)."""
    mean = square_wave(n_blocks, block_length)[1].mean()
    return float(n_blocks * block_length * (1 - mean**2))


def three_layer_sign(n_blocks: int, block_length: int, beta: float, m1: int) -> SquareWaveFit:
    r"""Optimal 3-layer sign network with $m_1 \ge N_B - 1$: $u = \bar y + (1 - \beta/S)_+(y - \bar y)$."""
    beta = check_beta(beta)
    if not isinstance(m1, (int, np.integer)) or m1 < n_blocks - 1:
        raise ValueError(
            f"the closed form needs m1 >= n_blocks - 1 = {n_blocks - 1} (y itself a feature), got m1 = {m1!r}"
        )
    _, y = square_wave(n_blocks, block_length)
    mean = y.mean()
    S = three_layer_boundary(n_blocks, block_length)
    shrink = max(0.0, 1 - beta / S)
    u = mean + shrink * (y - mean)
    objective = beta - beta**2 / (2 * S) if beta <= S else S / 2
    return SquareWaveFit(u, float(objective), 1 if beta <= S else 3)


def _water_level(v: np.ndarray, w: np.ndarray, mass: float) -> float:
    r"""The level $t$ with $\sum_u w_u (v_u - t)_+ = $ ``mass`` (extrapolated below $\min v$), for
    values ``v`` in decreasing order with weights ``w``."""
    W, C = np.cumsum(w), np.cumsum(w * v)
    above = C - v * W  # the sum at t = v_j, non-decreasing in j
    j = int(np.searchsorted(above, mass, side="right")) - 1
    return float((C[j] - mass) / W[j])


@dataclass(frozen=True)
class Clipping:
    r"""Optimum of the every-pattern Lasso: the labels clipped to $[\ell, u]$ (:func:`clip_fit`)."""

    points: np.ndarray
    values: np.ndarray
    lower: float
    upper: float
    beta: float
    objective: float
    gap: float

    def layer_cake(self) -> tuple[np.ndarray, np.ndarray, float]:
        r"""Patterns $h_j$ (columns, on ``points``, starting at $+1$), coefficients $z_j$ and $\xi$.

        With the distinct values $v_1 < \dots < v_k$ of $g$,
        $g = \xi + \sum_{j \ge 2} z_j h_j$, $h_j = \pm\operatorname{sign}(g - v_j)$ and
        $|z_j| = (v_j - v_{j-1})/2$, so $\|z\|_1 = (\max g - \min g)/2$: the optimal cost.
        """
        z, xi = self.layer_cake_coefficients()
        H = np.where(self.values[:, None] >= self.levels[None, 1:], 1.0, -1.0)
        return H * H[0], z, xi

    @cached_property
    def levels(self) -> np.ndarray:
        r"""The distinct fitted values $v_1 < \dots < v_k$."""
        return np.unique(self.values)

    @property
    def units(self) -> int:
        """Number of patterns of :meth:`layer_cake`, $k - 1$."""
        return self.levels.size - 1

    def layer_cake_coefficients(self) -> tuple[np.ndarray, float]:
        r"""The coefficients $z$ and $\xi$ of :meth:`layer_cake` without its $N \times (k - 1)$
        patterns ($O(N \log N)$)."""
        levels = self.levels
        upper = levels[1:]
        z = (upper - levels[:-1]) / 2
        xi = float(levels[0] + z.sum())
        return np.negative(z, out=z, where=upper > self.values[0]), xi

    def layer_cake_pattern(self, j: int) -> np.ndarray:
        r"""Column $j$ of the patterns of :meth:`layer_cake` alone: $\pm\operatorname{sign}(g - v_{j+2})$,
        $+1$ at the first point."""
        h = np.where(self.values >= self.levels[j + 1], 1.0, -1.0)
        return h * h[0]


def clip_beta_max(x, y) -> float:
    r"""$\beta_{\max} = \max_h |h^\top(y - \bar y)| = \sum_p |\sum_{x_n = p} (y_n - \bar y)|$ of the
    every-pattern Lasso ($h$ the sign of that inner sum at each distinct $p$ is a pattern; without
    repeated x, $\|y - \bar y\|_1$); from there on :func:`clip_fit` is the constant $\bar y$."""
    x, y = check_data(x, y)
    inverse = np.unique(x, return_inverse=True)[1].reshape(-1)
    return float(np.abs(np.bincount(inverse, weights=y - y.mean())).sum())


def clip_fit(x, y, beta: float) -> Clipping:
    r"""Every-pattern sign Lasso in closed form, $O(N\log N)$: for $K \ge N - 1$ switches.

    When every $\pm1$ pattern on the $N$ distinct points is a feature, the layer-cake formula
    of :meth:`Clipping.layer_cake` shows $\{Az + \xi\mathbf 1 : \|z\|_1 \le t\}$ is every
    $g$ with $\max g - \min g \le 2t$, so the Lasso is
    $\min_g \tfrac12\|g - y\|^2 + \tfrac\beta2(\max g - \min g)$. Its solution clips the
    labels to $[\ell, u]$ with $\sum_n (y_n - u)_+ = \beta/2 = \sum_n (\ell - y_n)_+$ (both
    derivatives vanish), or is the constant $\bar y$ when these cross
    ($\beta \ge \beta_{\max}$, :func:`clip_beta_max`); $\beta = 0$ interpolates with cost
    $(\max y - \min y)/2$. The gap is certified as in :func:`lmirrors.convex.lasso.duality_gap`
    with the exact library-wide correlation $\max_h |r^\top h| = \sum_u |\sum_{x_n = p_u} r_n|$.
    """
    x, y = check_data(x, y)
    return clip_checked(x, y, check_beta(beta))


def clip_checked(x: np.ndarray, y: np.ndarray, beta: float) -> Clipping:
    """:func:`clip_fit` on data and ``beta`` already validated (by :func:`~lmirrors.validation.check_data`
    and :func:`~lmirrors.validation.check_beta`; nothing is checked again)."""
    points, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    labels = np.bincount(inverse, weights=y) / counts
    order = np.argsort(labels)  # one sort for both levels and the distinct fitted values
    rising, weights = labels[order], counts[order]
    upper = _water_level(rising[::-1], weights[::-1], beta / 2)
    lower = -_water_level(-rising, weights, beta / 2)
    if lower >= upper:
        lower = upper = float(np.mean(y))
    values = np.clip(labels, lower, upper)
    levels = np.clip(rising, lower, upper)
    levels = levels[np.concatenate([[True], levels[1:] != levels[:-1]])]
    fitted = values[inverse]
    l1 = (upper - lower) / 2
    if beta == 0:
        # LP dual: weight 1/2 spread over the highest point's copies, -1/2 over the lowest's;
        # |h^T nu| <= 1 for every pattern h and 1^T nu = 0, so nu is feasible
        hi, lo = np.argmax(labels), np.argmin(labels)
        nu = np.where(inverse == hi, 0.5 / counts[hi], 0.0) - np.where(inverse == lo, 0.5 / counts[lo], 0.0)
        return _with_levels(Clipping(points, values, lower, upper, beta, l1, max(l1 - float(nu @ y), 0.0)), levels)
    residual = y - fitted
    offset = residual.mean()
    r = residual - offset
    correlation = float(np.abs(np.bincount(inverse, weights=r)).sum())
    gap = gap_from_residual(r, fitted - fitted.mean(), l1, correlation, beta) + 0.5 * y.size * offset**2
    objective = float(0.5 * r @ r + 0.5 * y.size * offset**2 + beta * l1)
    return _with_levels(Clipping(points, values, lower, upper, beta, objective, gap), levels)


def _with_levels(clipping: Clipping, levels: np.ndarray) -> Clipping:
    """``clipping`` with its :attr:`Clipping.levels` already known (the cache of the property)."""
    clipping.__dict__["levels"] = levels
    return clipping


def two_layer_min_norm(x, y, activation: str | Activation, slope: float = 0.01) -> float:
    r"""Minimum $\|z\|_1$ of a two-layer network of ``activation`` units interpolating $(x, y)$.

    With $d_n = (y_{n+1} - y_n)/(x_{n+1} - x_n)$ the slopes of the connect-the-dots
    interpolant, $V = \sum_n |d_{n+1} - d_n|$ its total change of slope and
    $D = d_1 + d_{N-1}$ the sum of its end slopes:

    * ReLU ($\gamma = 0$) and leaky ReLU $\max(t, \gamma t)$:
      $\max\bigl(V/(1-\gamma),\ (V + |D|)/2\bigr)$;
    * absolute value and symmetrized ReLU: $(V + |D|)/2$ (the formula at $\gamma = -1$,
      since $|t| = \max(t, -t)$);
    * sign and threshold units: $\sum_n |y_{n+1} - y_n| / (1 - \text{low})$ (low $= -1$, $0$).

    Repeated x are interpolated at their mean label (as :func:`lmirrors.fit` does at $\beta = 0$).

    Lower bounds: a unit $z\,\sigma_\gamma(\pm(x - t))$ bends the network by $(1 - \gamma)|z|$ at
    $t$ and adds $\pm(1 + \gamma) z$ to $f'(-\infty) + f'(+\infty)$ (an interval-distance unit
    $z\,\operatorname{dist}(x, [p, q])$ bends by $|z|$ twice and adds $0$); an interpolant bends by
    at least $V + |f'(-\infty) - d_1| + |f'(+\infty) - d_{N-1}|$, which gives both terms. A step
    unit jumps by $(1 - \text{low})|z|$ and the network must rise or fall by $|y_{n+1} - y_n|$
    between consecutive points. The finite libraries reach these bounds (the minimum-norm LP
    agrees in the tests); ``slope`` is $\gamma$ for ``leaky_relu`` only.
    """
    x, y = check_data(x, y)
    activation = get_activation(activation, slope)
    points, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    labels = np.bincount(inverse.reshape(-1), weights=y) / counts  # repeated x: interpolate their mean
    if activation.step:
        return float(np.abs(np.diff(labels)).sum() / (1.0 - activation.low))
    d = np.diff(labels) / np.diff(points)
    bend, ends = float(np.abs(np.diff(d)).sum()), abs(float(d[0] + d[-1]))
    gamma = -1.0 if activation.name in ("abs", "symmetrized_relu") else activation.slope
    return max(bend / (1.0 - gamma), (bend + ends) / 2)
