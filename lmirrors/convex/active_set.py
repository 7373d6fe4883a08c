r"""The exact restricted Lasso of a working set, by an active-set (feature-sign) method, compiled.

$F(z) = \tfrac12 z^\top G z - c^\top z + \beta\|z\|_1$ with $G \succeq 0$ small (the Gram matrix
of a working set): guess signs $\theta$, solve $G_{AA} z_A = b_A - \beta\theta_A$ on the active set
$A$, and take an exact line search along the segment (a convex piecewise quadratic in the step),
which lets coordinates leave $A$; a singular $G_{AA}$ (duplicate or dependent columns) is handled
by stepping along a null direction until a coordinate reaches zero, so the final support has
independent columns (a vertex solution).

The iterations are loops over a few dozen coordinates, where numpy's per-call cost dominated, so
they are compiled (numba, imported with this module, on the first solve rather than with
``lmirrors``); the rank-revealing (pivoted) Cholesky factorisation is LAPACK's, called from the
compiled loop: the rank is where the largest remaining pivot falls to $10^{-11}\max_i G_{ii}$.
"""

from __future__ import annotations

import llvmlite.binding as llvm
import numpy as np
from numba import njit, types
from numba.extending import get_cython_function_address

SINGULAR = 1e-11
r"""A pivot below this fraction of $\max_i G_{ii}$ ends the Cholesky factorisation (the rank is reached)."""


@njit(cache=True)
def _max_abs(v):
    out = 0.0
    for value in v:
        out = max(out, abs(value))
    return out


@njit(cache=True)
def _line_search(a, g, z, d, beta, t_max):
    r"""Minimiser over $t \in [0, t_{\max}]$ of $\tfrac a2 t^2 + g t + \beta\|z + t d\|_1$ (convex).

    Its right derivative is $a t + g + \beta\sum_i d_i s_i(t)$ with $s_i$ the sign of
    $z_i + t d_i$ just after $t$; crossing $t_i = -z_i/d_i$ raises it by $2\beta|d_i|$."""
    slope = g
    crossings = np.empty(z.size)
    jumps = np.empty(z.size)
    m = 0
    for i in range(z.size):
        slope += beta * d[i] * (np.sign(z[i]) if z[i] != 0 else np.sign(d[i]))
        if z[i] * d[i] < 0:
            crossings[m], jumps[m] = -z[i] / d[i], 2 * beta * abs(d[i])
            m += 1
    order = np.argsort(crossings[:m])
    start = 0.0
    for piece in range(m + 1):
        # the derivative is a t + slope on [start, end], the pieces ending at the crossings before t_max
        end = crossings[order[piece]] if piece < m and crossings[order[piece]] < t_max else t_max
        if (a * end + slope >= 0) if a > 0 else (slope >= 0):
            return max(start, -slope / a) if a > 0 else start
        if end == t_max:
            return t_max
        start, slope = end, slope + jumps[order[piece]]
    return t_max


llvm.add_symbol("lmirrors_dpstrf", get_cython_function_address("scipy.linalg.cython_lapack", "dpstrf"))
_dpstrf = types.ExternalFunction("lmirrors_dpstrf", types.void(*[types.voidptr] * 9))
"""LAPACK's pivoted Cholesky factorisation (the blocked one SciPy ships), called by name from
compiled code, so that the compiled code can be cached."""


@njit(cache=True)
def _pivoted_cholesky(G):
    r"""$P^\top G P = R^\top R$ up to the rank (LAPACK ``dpstrf``): ``R`` (upper; rows past the rank
    unused), the permutation ``piv`` and the rank."""
    k = G.shape[0]
    factor = G.copy()  # symmetric: its C layout is its Fortran layout, and the factor comes back transposed
    size = np.array([k], dtype=np.int32)
    piv = np.empty(k, dtype=np.int32)
    rank = np.zeros(1, dtype=np.int32)
    info = np.zeros(1, dtype=np.int32)
    tol = np.array([SINGULAR * max(np.max(np.diag(G)), 1e-300)])
    upper = np.array([ord("U")], dtype=np.uint8)
    _dpstrf(
        upper.ctypes,
        size.ctypes,
        factor.ctypes,
        size.ctypes,
        piv.ctypes,
        rank.ctypes,
        tol.ctypes,
        np.empty(2 * k).ctypes,
        info.ctypes,
    )
    if info[0] < 0:
        raise ValueError("dpstrf: illegal argument")
    return np.ascontiguousarray(factor.T), piv - 1, rank[0]


@njit(cache=True)
def _upper_solve(R, b, rank):
    """$R_{11} x = b$ for the leading ``rank`` rows and columns of upper-triangular ``R``."""
    x = b[:rank].copy()
    for i in range(rank - 1, -1, -1):
        for m in range(i + 1, rank):
            x[i] -= R[i, m] * x[m]
        x[i] /= R[i, i]
    return x


@njit(cache=True)
def _direction(G, rhs):
    r"""Solution of ``G d = rhs`` (``True``), or a unit null vector of a singular ``G`` (``False``):
    with rank $r < k$, $v = P(-R_{11}^{-1}R_{12}e_1;\,e_1)$ satisfies $Gv = 0$ up to the tolerance."""
    k = rhs.size
    R, piv, rank = _pivoted_cholesky(G)
    d = np.empty(k)
    if rank == k:
        w = rhs[piv].copy()  # R^T w = rhs_piv, then R d_piv = w
        for i in range(k):
            for m in range(i):
                w[i] -= R[m, i] * w[m]
            w[i] /= R[i, i]
        d[piv] = _upper_solve(R, w, k)
        return d, True
    v = np.zeros(k)
    v[rank] = 1.0
    v[:rank] = -_upper_solve(R, R[:rank, rank].copy(), rank)
    d[piv] = v
    return d / np.linalg.norm(d), False


@njit(cache=True)
def _objective(G, b, beta, z, start):
    r"""$F(z) - F(z_0) = \tfrac12 s^\top G s - b^\top s + \beta\|z\|_1$ (up to a constant) with $s = z - z_0$."""
    s = z - start
    return 0.5 * (s @ (G @ s)) - b @ s + beta * np.abs(z).sum()


@njit(cache=True)
def _rate(d, gA, sA, zA, beta):
    """Rate of change of $F$ along ``d`` from the active coordinates ``zA`` (signs ``sA``, gradient ``gA``)."""
    out = gA @ d
    for i in range(d.size):
        out += beta * d[i] * (sA[i] if zA[i] != 0 else np.sign(d[i]))
    return out


@njit(cache=True)
def _solve(G, b, beta, start, z, max_iter):
    size_b, size_G = max(_max_abs(b), beta, 1e-300), _max_abs(G.ravel())
    settled = False
    for _ in range(max_iter):
        grad = G @ (z - start) - b
        # round-off in grad: relative to the terms it adds
        tol = 1e-13 * max(size_b, size_G * _max_abs(z - start))
        active = np.flatnonzero(z)
        theta = np.sign(z)
        # settled on the active set (within the tolerance, after a full Newton step, or because
        # no step lowers F any more: round-off in a nearly singular G_A): look outside it
        if settled or _max_abs(grad[active] + beta * theta[active]) <= tol:
            excess = np.abs(grad) - beta - tol
            excess[active] = -np.inf
            violators = np.flatnonzero(excess > 0)
            if violators.size == 0:
                return z
            add = violators[np.argsort(-excess[violators])[: max(1, active.size // 4)]]
            theta[add] = -np.sign(grad[add])
            active = np.sort(np.concatenate((active, add)))
        GA = G[active][:, active]
        gA, sA, zA = grad[active], theta[active], z[active]
        step, regular = _direction(GA, -(gA + beta * sA))
        if regular:
            d = step
            t = _line_search(d @ (GA @ d), gA @ d, zA, d, beta, 1.0)
        else:
            # F is linear along a null direction d of G_A (G_A d = 0, so F changes at _rate):
            # go the non-increasing way up to the first coordinate that reaches zero, leaving F
            # unchanged or lower with one column fewer
            d = step if _rate(step, gA, sA, zA, beta) <= _rate(-step, gA, sA, zA, beta) else -step
            shrinking = zA * d < 0
            if not shrinking.any() and _rate(d, gA, sA, zA, beta) > -tol * np.abs(d).sum():
                d = -d
                shrinking = zA * d < 0
            level = _rate(d, gA, sA, zA, beta) <= tol * np.abs(d).sum()
            t = np.min(-zA[shrinking] / d[shrinking]) if shrinking.any() and level else 0.0
        if t == 0 and np.any(zA == 0):
            # the joint step does not descend (new columns dependent on the active ones, or
            # wanting the other sign): an exact coordinate step on the most violated one does
            zero = active[zA == 0]
            j = zero[np.argmax(np.abs(grad[zero]))]
            z[j] = -(grad[j] - beta * np.sign(grad[j])) / G[j, j]
            settled = False
            continue
        new = zA + t * d
        # coordinates that land on zero (to round-off) leave the active set
        floor = 1e-15 * _max_abs(new)
        for i in range(new.size):
            shrinks = zA[i] * d[i] < 0
            if (shrinks and abs(t + zA[i] / d[i]) <= 1e-12 * t) or abs(new[i]) <= floor:
                new[i] = 0.0
        # a full Newton step (up to round-off in the line search) solves the active set's
        # equations; t = 0 cannot move; a Newton step that does not lower F is round-off
        # (it would cycle): keep z and look outside the active set
        settled = t == 0 or (regular and t > 1 - 1e-6)
        if regular and not settled:
            trial = z.copy()
            trial[active] = new
            if _objective(G, b, beta, trial, start) >= _objective(G, b, beta, z, start):
                settled = True
                continue
        z[active] = new
    return z  # not settled (degenerate, round-off level cycling): the caller's certificate decides


def active_set_lasso(
    G: np.ndarray,
    b: np.ndarray,
    beta: float,
    z0: np.ndarray | None = None,
    max_iter: int | None = None,
    initial: np.ndarray | None = None,
) -> np.ndarray:
    r"""Exact minimiser of $F(z) = \tfrac12 z^\top G z - c^\top z + \beta\|z\|_1$ ($G \succeq 0$), warm-startable.

    ``b`` is the negative smooth gradient at the start ``z0`` (default 0):
    $b = c - G z_0$, e.g. $A_{c,S}^\top r_0$ for the residual $r_0$ of ``z0``. The method
    works with $\nabla = G(z - z_0) - b$, which never cancels numbers of size $|c|$ down to
    $\beta$, so tiny $\beta$ keeps full accuracy. Stops when the active coordinates satisfy
    $\nabla_A = -\beta\,\mathrm{sign}(z_A)$ and every inactive one $|\nabla_j| \le \beta$, up to
    $10^{-13}\max(|b|, \beta, |G||z - z_0|)$ (round-off), when a Newton step on the active set
    no longer lowers $F$ (round-off in an ill-conditioned $G_A$), or after ``max_iter`` steps
    (then the outer duality gap shows how far it got). ``initial`` is the first iterate (default
    ``z0``; ``b`` stays the gradient at ``z0``).
    """
    b = np.ascontiguousarray(b, dtype=float)
    G = np.ascontiguousarray(G, dtype=float).reshape(b.size, b.size)
    start = np.zeros(b.size) if z0 is None else np.ascontiguousarray(z0, dtype=float)
    z = (start if initial is None else np.asarray(initial, dtype=float)).copy()
    return _solve(G, b, float(beta), start, z, max_iter or 20 * b.size + 100)
