r"""Compiled passes of the 2-layer ramp pricing (:class:`~lmirrors.libraries.ramps.TwoLayerDictionary`).

On the distinct sorted points $u_0 < \dots < u_{K-1}$ with gaps $\Delta_j = u_{j+1} - u_j$ and
$R_j = \sum_{x_m > u_j} r_m$, the ramp correlations are the suffix sums
$\rho_k = \sum_{j \ge k} \Delta_j R_j$ (``correlate``); a block of columns
$l\,(x - u_k) + s\,(x - u_k)_+$ correlates with $r$ as
$s\rho_k + l(\rho_0 + (u_0 - u_k)\mathbf 1^\top r)$ (``block_values``), and ``peaks`` keeps one
column per run of violated ones. Each is one loop over the data (numba): a pricing costs a few
passes instead of a dozen numpy temporaries of length $N$.
"""

import numpy as np
from numba import njit


@njit(cache=True)
def correlate(rs, after, gaps):
    r""":math:`\rho` at every kink and $\mathbf 1^\top r$, for ``rs`` the residual in sorted order and
    ``after[j]`` the first sorted index to the right of kink $j < K - 1$; both suffix sums add
    from the right end, as ``np.cumsum`` of the reversed array would."""
    tail = np.empty(rs.size + 1)
    tail[rs.size] = 0.0
    for m in range(rs.size - 1, -1, -1):
        tail[m] = tail[m + 1] + rs[m]
    rho = np.empty(gaps.size + 1)
    rho[gaps.size] = 0.0
    for j in range(gaps.size - 1, -1, -1):
        rho[j] = rho[j + 1] + gaps[j] * tail[after[j]]
    return rho, tail[0]


@njit(cache=True)
def block_values(rho, total, kinks, start, scale, linear, out):
    r"""$a_j^\top r = s\rho_k + l(\rho_0 + u_0\mathbf 1^\top r) - l\,u_k\mathbf 1^\top r$ for the block's
    kinks $k = $ ``start``, ``start`` + 1, ... into ``out``."""
    offset = linear * (rho[0] + total * kinks[0])
    slope = linear * total
    for j in range(out.size):
        value = rho[start + j] if scale == 1.0 else scale * rho[start + j]
        out[j] = value + offset - slope * kinks[start + j] if linear != 0.0 else value
    return out


@njit(cache=True)
def peaks(values, level, bounds):
    r"""$\max_j |v_j|$ and, in index order, where $|v|$ peaks (first maximum) in each run of
    consecutive entries above ``level`` of one sign that stays inside one block
    ``[bounds[b], bounds[b + 1])``: in an ordered library (ramps at adjacent kinks) such a run is
    one feature of the fit seen at neighbouring kinks, so one column per run finds every
    feature at once."""
    found = np.empty(values.size, dtype=np.int64)
    count = 0
    best = 0.0
    for b in range(bounds.size - 1):
        j = bounds[b]
        while j < bounds[b + 1]:
            size = abs(values[j])
            best = max(best, size)
            if size <= level:
                j += 1
                continue
            positive, top, at = values[j] > 0, size, j
            j += 1
            while j < bounds[b + 1] and abs(values[j]) > level and (values[j] > 0) == positive:
                size = abs(values[j])
                best = max(best, size)
                if size > top:
                    top, at = size, j
                j += 1
            found[count] = at
            count += 1
    return best, found[:count]


@njit(cache=True)
def correlate_at(rs, xs, tau, bounds):
    r""":math:`\rho` at a few sorted distinct kinks $\tau_i$ only, ``bounds[i]`` the first sorted index
    to the right of $\tau_i$, in one pass without sums over all the data: with
    $B_i = \sum r_m$ and $A_i = \sum r_m(x_m - \tau_i)$ over $(\tau_i, \tau_{i+1}]$,
    $\rho_i = \sum_{i' \ge i}[A_{i'} + (\tau_{i'+1} - \tau_{i'}) \sum_{i'' > i'} B_{i''}]$."""
    rho = np.empty(tau.size)
    beyond, total = 0.0, 0.0
    for i in range(tau.size - 1, -1, -1):
        A, B = 0.0, 0.0
        for m in range(bounds[i], bounds[i + 1] if i + 1 < tau.size else rs.size):
            B += rs[m]
            A += rs[m] * (xs[m] - tau[i])
        if i + 1 < tau.size:
            A += (tau[i + 1] - tau[i]) * beyond
        total += A
        rho[i] = total
        beyond += B
    return rho


@njit(cache=True)
def piecewise(xs, order, bounds, slopes, intercepts):
    """The piecewise-affine function ``intercepts[i] + slopes[i] * x`` on the sorted points
    ``bounds[i] <= m < bounds[i + 1]``, written back in the data's order (``order``)."""
    out = np.empty(xs.size)
    for i in range(slopes.size):
        for m in range(bounds[i], bounds[i + 1]):
            out[order[m]] = intercepts[i] + slopes[i] * xs[m]
    return out


@njit(cache=True)
def moments(after, gaps, n):
    r"""$P_k = \sum_{j\ge k}\Delta_j n_j$ and $Q_k = \sum_{j \ge k}\Delta_j(2P_{j+1} + \Delta_j n_j)$ with
    $n_j = n - $ ``after[j]`` points beyond kink $j$: sums of positive terms, from the right end."""
    P = np.zeros(gaps.size + 1)
    Q = np.zeros(gaps.size + 1)
    for j in range(gaps.size - 1, -1, -1):
        beyond = n - after[j]
        P[j] = P[j + 1] + gaps[j] * beyond
        Q[j] = Q[j + 1] + gaps[j] * (2.0 * P[j + 1] + gaps[j] * beyond)
    return P, Q
