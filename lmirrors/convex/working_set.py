r"""Exact Lasso by working sets: solve on a few columns, price the rest, stop on a certificate.

For $P(z,\xi) = \tfrac12\|Az + \xi\mathbf 1 - y\|^2 + \beta\|z\|_1$ (intercept eliminated:
$A_c$, $y_c$ centred) the solver keeps a working set $S$ of columns and

1. solves the restricted Lasso $\min_{z_S} \tfrac12 z_S^\top G z_S - b^\top z_S + \beta\|z_S\|_1$
   with $G = A_{c,S}^\top A_{c,S}$, $b = A_{c,S}^\top y_c$ *exactly* by an active-set
   (feature-sign) method: guess signs $\theta$, solve $G_{AA} z_A = b_A - \beta\theta_A$, and
   take an exact line search along the segment (a convex piecewise quadratic in the step),
   which lets coordinates leave the active set; singular $G_{AA}$ (duplicate or dependent
   columns) is handled by stepping along a null direction until a coordinate reaches zero,
   so the final support has independent columns (a vertex solution);
2. prices every column: $\max_j |A_j^\top r|$ for the residual $r$ (matrix-free, see
   :mod:`lmirrors.convex.dictionary`). The scaled residual $\nu = \theta r$,
   $\theta = \min(1, \beta / \max_j|A_j^\top r|)$, is dual feasible, so $P - D(\nu)$ is a
   certified bound on the suboptimality;
3. stops when that gap is below ``rtol`` $\cdot P$, else adds the most violated columns
   ($|A_j^\top r| > \beta$), at least doubling the support, and repeats.

Only the working set's Gram matrix is ever formed; a warm start (the solution for a nearby
$\beta$) makes a path cheap. A library of at most :data:`WHOLE_LIBRARY` columns is its own
working set.

Inside ``with progress():`` each solve shows a progress bar (tqdm, on stderr): the digits of
its certified relative gap, from 0 to $-\log_{10}$ ``rtol``, the working set's size and the gap.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache

import numpy as np
import scipy.linalg
from threadpoolctl import ThreadpoolController

from .dictionary import Dictionary

_SINGULAR = 1e-11
WHOLE_LIBRARY = 256
"""Libraries with at most this many columns are solved with all of them in the working set."""


def _line_search(a: float, g: float, z: np.ndarray, d: np.ndarray, beta: float, t_max: float) -> float:
    r"""Minimiser over $t \in [0, t_{\max}]$ of $\tfrac a2 t^2 + g t + \beta\|z + t d\|_1$ (convex).

    Its right derivative is $a t + g + \beta\sum_i d_i s_i(t)$ with $s_i$ the sign of
    $z_i + t d_i$ just after $t$; crossing $t_i = -z_i/d_i$ raises it by $2\beta|d_i|$.
    """
    s0 = np.where(z != 0, np.sign(z), np.sign(d))
    slope = g + beta * float(d @ s0)
    crossing = (z != 0) & (z * d < 0)
    if not crossing.any():  # one quadratic piece on [0, t_max]
        if a > 0:
            return t_max if a * t_max + slope < 0 else max(0.0, -slope / a)
        return t_max if slope < 0 else 0.0
    ts = -z[crossing] / d[crossing]
    order = np.argsort(ts)
    ts, jumps = ts[order], 2 * beta * np.abs(d[crossing])[order]
    inside = ts < t_max
    # segment i runs from starts[i] to ends[i]; the derivative there is a t + slopes[i]
    starts = np.concatenate([[0.0], ts[inside]])
    ends = np.append(ts[inside], t_max)
    slopes = slope + np.concatenate([[0.0], np.cumsum(jumps[inside])])
    turns = np.flatnonzero(a * ends + slopes >= 0 if a > 0 else slopes >= 0)
    if turns.size == 0:
        return t_max
    i = turns[0]
    return max(starts[i], -slopes[i] / a) if a > 0 else starts[i]


def _triangular(R: np.ndarray, b: np.ndarray, transpose: bool = False) -> np.ndarray:
    """Solution of $R x = b$ (or $R^\top x = b$) for upper-triangular ``R``."""
    x, info = scipy.linalg.lapack.dtrtrs(R, b, lower=0, trans=int(transpose))
    if info != 0:
        raise np.linalg.LinAlgError(f"triangular solve failed (LAPACK info {info})")
    return x


def _direction(G: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, bool]:
    r"""Solution of ``G d = rhs`` (``True``), or a null vector of a singular ``G`` (``False``).

    Rank-revealing (pivoted) Cholesky $P^\top G P = R^\top R$: with rank $r < k$, the vector
    $v = P(-R_{11}^{-1}R_{12}e_1;\,e_1)$ satisfies $Gv = 0$ up to the tolerance.
    """
    k = rhs.size
    c, piv, rank, _ = scipy.linalg.lapack.dpstrf(G, lower=0, tol=_SINGULAR * max(float(np.max(np.diag(G))), 1e-300))
    piv = piv - 1
    R = c  # its upper triangle; the triangular solves read nothing else
    if rank == k:
        # R^T R d_piv = rhs_piv (LAPACK directly: these systems are small and many)
        d = np.empty(k)
        d[piv] = _triangular(R, _triangular(R, rhs[piv], transpose=True))
        return d, True
    v = np.zeros(k)
    v[rank] = 1.0
    v[:rank] = -_triangular(R[:rank, :rank], R[:rank, rank])
    d = np.empty(k)
    d[piv] = v
    return d / np.linalg.norm(d), False


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
    k = b.size
    start = np.zeros(k) if z0 is None else np.asarray(z0, dtype=float)
    z = start.copy() if initial is None else np.asarray(initial, dtype=float).copy()
    max_iter = max_iter or 20 * k + 100
    size_b, size_G = max(float(np.abs(b).max(initial=0.0)), beta, 1e-300), float(np.abs(G).max(initial=0.0))
    settled = False
    for _ in range(max_iter):
        grad = G @ (z - start) - b
        # round-off in grad: relative to the terms it adds
        tol = 1e-13 * max(size_b, size_G * float(np.abs(z - start).max(initial=0.0)))
        active = np.flatnonzero(z)
        theta = np.sign(z)
        # settled on the active set (within the tolerance, after a full Newton step, or because
        # no step lowers F any more: round-off in a nearly singular G_A): look outside it
        if settled or np.abs(grad[active] + beta * theta[active]).max(initial=0.0) <= tol:
            excess = np.abs(grad) - beta - tol
            excess[active] = -np.inf
            violators = np.flatnonzero(excess > 0)
            if violators.size == 0:
                return z
            add = violators[np.argsort(-excess[violators])[: max(1, active.size // 4)]]
            theta[add] = -np.sign(grad[add])
            active = np.sort(np.concatenate([active, add]))
        GA = G.take(active, axis=0).take(active, axis=1)
        step, regular = _direction(GA, -(grad[active] + beta * theta[active]))
        zA = z[active]
        if regular:
            d = step
            t = _line_search(float(d @ GA @ d), float(grad[active] @ d), zA, d, beta, 1.0)
        else:
            # F is linear along a null direction d of G_A (G_A d = 0, so F changes at the
            # rate below): go the non-increasing way up to the first coordinate that reaches
            # zero, leaving F unchanged or lower with one column fewer.
            gA, sA = grad[active], theta[active]

            def rate(d, gA=gA, sA=sA, zA=zA):
                return gA @ d + beta * (np.where(zA != 0, sA, np.sign(d)) @ d)

            d = step if rate(step) <= rate(-step) else -step
            shrinking = (zA != 0) & (zA * d < 0)
            if not shrinking.any() and rate(d) > -tol * np.abs(d).sum():
                d = -d
                shrinking = (zA != 0) & (zA * d < 0)
            level = rate(d) <= tol * np.abs(d).sum()
            t = float(np.min(-zA[shrinking] / d[shrinking])) if shrinking.any() and level else 0.0
        if t == 0 and np.any(zA == 0):
            # the joint step does not descend (new columns dependent on the active ones, or
            # wanting the other sign): an exact coordinate step on the most violated one does
            j = active[zA == 0][np.argmax(np.abs(grad[active[zA == 0]]))]
            z[j] = -(grad[j] - beta * np.sign(grad[j])) / G[j, j]
            settled = False
            continue
        new = zA + t * d
        # coordinates that land on zero (to round-off) leave the active set
        shrinks = (zA != 0) & (zA * d < 0)
        hit = shrinks & (np.abs(t + zA / np.where(shrinks, d, 1.0)) <= 1e-12 * t)
        new[hit | (np.abs(new) <= 1e-15 * np.abs(new).max(initial=0.0))] = 0.0
        # a full Newton step (up to round-off in the line search) solves the active set's
        # equations; t = 0 cannot move; a Newton step that does not lower F is round-off
        # (it would cycle): keep z and look outside the active set
        settled = t == 0 or (regular and t > 1 - 1e-6)
        if regular and not settled:
            trial = z.copy()
            trial[active] = new
            if _objective(G, b, beta, trial - start, trial) >= _objective(G, b, beta, z - start, z):
                settled = True
                continue
        z[active] = new
    return z  # not settled (degenerate, round-off level cycling): the caller's certificate decides


def _objective(G: np.ndarray, b: np.ndarray, beta: float, step: np.ndarray, z: np.ndarray) -> float:
    r"""$F(z) - F(z_0) = \tfrac12 s^\top G s - b^\top s + \beta\|z\|_1$ (up to a constant) with $s = z - z_0$."""
    return float(0.5 * step @ G @ step - b @ step + beta * np.abs(z).sum())


def _fit(
    dictionary: Dictionary, yc: np.ndarray, work: np.ndarray, z: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Centred fit $A_c z$ of the working columns, the residual $y_c - A_c z$ and the mean of $Az$."""
    if work.size == 0:
        return np.zeros_like(yc), yc.copy(), 0.0
    fitted = dictionary.matvec_columns(work, z)
    mean = float(fitted.mean())
    fitted -= mean
    return fitted, yc - fitted, mean


def gap_from_residual(r: np.ndarray, fitted: np.ndarray, l1: float, correlation: float, beta: float) -> float:
    r"""Duality gap at $\nu = \theta r$ for a centred residual $r$, centred fit $A_c z$.

    $P - D(\nu) = \tfrac12(1-\theta)^2\|r\|^2 + \beta\|z\|_1 - \theta\, r^\top A_c z$ with
    $\theta = \min(1, \beta/\|A^\top r\|_\infty)$ (no large terms cancel).
    """
    theta = min(1.0, beta / correlation) if correlation > 0 else 1.0
    return max(float(0.5 * (1 - theta) ** 2 * (r @ r) + beta * l1 - theta * (r @ fitted)), 0.0)


@cache
def _threadpools() -> ThreadpoolController:
    """The loaded BLAS libraries, found once (scanning them costs milliseconds per call)."""
    return ThreadpoolController()


_PROGRESS: ContextVar[bool] = ContextVar("lmirrors_progress", default=False)


@contextmanager
def progress(enabled: bool = True) -> Iterator[None]:
    r"""Show a progress bar for every working-set solve in the block (``enabled=False``: none).

        Off by default in library calls; the command line turns it on when stderr is a terminal.
        Covers :func:`lmirrors.fit` matrix-free and by column generation, the long fits, e.g.
        ``with lmirrors.progress(): lmirrors.fit(x, y, 3, "abs")``. The bar counts the certified
        digits of the relative duality gap, $\lfloor -\log_{10} 	ext{gap}
    floor$.
    """
    token = _PROGRESS.set(enabled)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


class _Bar:
    """The progress bar of one solve (nothing unless :func:`progress` is on, or for ``rtol=None``)."""

    def __init__(self, rtol: float | None) -> None:
        self.bar = None
        if rtol is not None and _PROGRESS.get():
            from tqdm.auto import tqdm

            total = max(1, math.ceil(-math.log10(rtol)))
            self.bar = tqdm(total=total, desc="certifying", unit="digit", leave=False)

    def update(self, rel_gap: float, columns: int) -> None:
        if self.bar is not None:
            digits = -math.log10(rel_gap) if rel_gap > 0 else self.bar.total
            self.bar.n = int(min(self.bar.total, max(0.0, digits)))
            self.bar.set_postfix(gap=f"{rel_gap:.1e}", columns=columns)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def solve_working_set(
    dictionary: Dictionary,
    y: np.ndarray,
    beta: float,
    warm_start: np.ndarray | None = None,
    rtol: float = 1e-9,
    max_rounds: int = 200,
) -> tuple[np.ndarray, float]:
    """Coefficients ``z`` (length ``dictionary.shape[1]``) and the relative duality gap reached.

    ``warm_start`` is a previous solution (e.g. for a nearby ``beta``); its support seeds the
    working set. Stops at relative gap ``rtol`` or when no column violates its dual constraint.
    BLAS runs on one thread: the products here are small, and threads only contend.
    """
    work, z_work, rel_gap = solve_working_columns(dictionary, y, beta, warm_start, rtol, max_rounds)
    z = np.zeros(dictionary.shape[1])  # read last: a generated dictionary grows while pricing
    z[work] = z_work
    return z, rel_gap


def solve_working_columns(
    dictionary: Dictionary,
    y: np.ndarray,
    beta: float,
    warm_start: np.ndarray | None = None,
    rtol: float = 1e-9,
    max_rounds: int = 200,
) -> tuple[np.ndarray, np.ndarray, float]:
    """:func:`solve_working_set` without the full coefficient vector: the working columns, their
    coefficients and the relative duality gap (memory independent of the number of columns)."""
    state = working_set_state(dictionary, y, beta, warm_start, rtol, max_rounds)
    return state.work, state.coefficients, state.relative_gap


@dataclass(frozen=True)
class WorkingSetState:
    r"""The last round of a working-set solve, with what certifies it.

    ``residual`` $r = y_c - A_{c,S} z_S$ (centred labels and fit), ``fitted`` $A_{c,S} z_S$ and
    ``fitted_mean`` the mean of the uncentred fit $A_S z_S$ (the optimal intercept is
    $\bar y - $ ``fitted_mean``); ``correlation`` $\max_j |a_j^\top r|$ over the whole library, from
    the pricing of this very residual, and ``gap`` the duality gap it certifies
    (:func:`gap_from_residual`)."""

    work: np.ndarray
    coefficients: np.ndarray
    residual: np.ndarray
    fitted: np.ndarray
    fitted_mean: float
    correlation: float
    gap: float
    relative_gap: float


def working_set_state(
    dictionary: Dictionary,
    y: np.ndarray,
    beta: float,
    warm_start: np.ndarray | None = None,
    rtol: float = 1e-9,
    max_rounds: int = 200,
) -> WorkingSetState:
    """:func:`solve_working_columns` with the residual, fit and pricing of its last round, so that a
    caller certifies the solution without pricing it again."""
    bar = _Bar(rtol)
    try:
        with _threadpools().limit(limits=1, user_api="blas"):
            return _solve_working_set(dictionary, y, beta, warm_start, rtol, max_rounds, bar)
    finally:
        bar.close()


COARSE_RTOL = 1e-6
"""Relative gap to which a coarsened problem (:meth:`~lmirrors.convex.dictionary.Dictionary.coarsened`)
is solved: its solution only seeds the working set of the full one."""


def _initial(dictionary: Dictionary, yc: np.ndarray, beta: float, warm_start, max_rounds: int):
    """The first working set and its coefficients: the whole of a small library, the support of a
    warm start, the lifted solution of the dictionary's coarsened problem, or nothing."""
    if dictionary.shape[1] <= WHOLE_LIBRARY:
        # a small library is its own working set: one exact solve, one certifying pricing
        work = np.arange(dictionary.shape[1])
        return work, np.zeros(work.size) if warm_start is None else np.asarray(warm_start, dtype=float).copy()
    if warm_start is not None and np.any(warm_start):
        work = np.flatnonzero(warm_start)
        return work, np.asarray(warm_start, dtype=float)[work]
    coarse = dictionary.coarsened(yc) if warm_start is None else None
    if coarse is not None:
        state = _solve_working_set(
            coarse.dictionary, coarse.labels, coarse.scale * beta, None, COARSE_RTOL, max_rounds, _Bar(None)
        )
        used = state.coefficients != 0
        return coarse.lift(state.work[used], state.coefficients[used])
    return np.zeros(0, dtype=np.int64), np.zeros(0)


def _solve_working_set(dictionary, y, beta, warm_start, rtol, max_rounds, bar: _Bar) -> WorkingSetState:
    y = np.asarray(y, dtype=float)
    yc = y - y.mean()
    work, z_work = _initial(dictionary, yc, beta, warm_start, max_rounds)
    fitted, r, mean = _fit(dictionary, yc, work, z_work)
    for _ in range(max_rounds):
        if work.size:
            G = dictionary.gram(work)
            # correlations with the current residual, not with y: see active_set_lasso
            z_work = active_set_lasso(G, dictionary.correlations(r, work), beta, z_work, initial=_moved(G, z_work))
            fitted, r, mean = _fit(dictionary, yc, work, z_work)
        support = np.flatnonzero(z_work)
        pricing = dictionary.price_above(r, beta * (1 + 1e-12), max(64, 2 * support.size))
        l1 = float(np.abs(z_work).sum())
        primal = 0.5 * float(r @ r) + beta * l1
        gap = gap_from_residual(r, fitted, l1, pricing.max_abs, beta)
        rel_gap = gap / max(primal, 1e-300)
        bar.update(rel_gap, work.size)
        if rel_gap <= rtol:
            break
        fresh = np.setdiff1d(pricing.indices, work)
        if fresh.size == 0:
            break
        work = np.concatenate([work[support], fresh])
        z_work = np.concatenate([z_work[support], np.zeros(fresh.size)])
    return WorkingSetState(work, z_work, r, fitted, mean, pricing.max_abs, gap, rel_gap)


SAME_FEATURE = 1e-3
r"""Columns with $|\cos\angle(a_i, a_j)| > 1 - $ ``SAME_FEATURE`` (centred) count as one feature seen
twice, e.g. ramps at neighbouring kinks: a support column's coefficient moves to such a new column
before a restricted solve."""


def _moved(G: np.ndarray, z: np.ndarray) -> np.ndarray | None:
    r"""The first iterate of a restricted solve: ``z`` with the coefficient of each support column
    moved to the new column (``z`` = 0) nearest to it, if they are the same feature up to
    :data:`SAME_FEATURE` ($z_j = z_i\,\mathrm{sign}(G_{ij})\,\|a_i\|/\|a_j\|$, $z_i = 0$).

    New columns found by pricing are mostly better-placed copies of support columns (a kink a few
    data points over). Added next to them they make $G$ nearly singular, and the active-set method
    swaps them in one costly step at a time; starting from the swap takes one Newton step. Any start
    gives the same exact restricted optimum, so this only saves iterations. ``None``: nothing to move.
    """
    held, fresh = np.flatnonzero(z), np.flatnonzero(z == 0)
    if not held.size or not fresh.size:
        return None
    norm = np.sqrt(np.maximum(np.diag(G), 1e-300))
    C = G[np.ix_(held, fresh)] / np.outer(norm[held], norm[fresh])
    best = np.argmax(np.abs(C), axis=1)
    corr = C[np.arange(held.size), best]
    close = np.flatnonzero(np.abs(corr) > 1 - SAME_FEATURE)
    # one support column per fresh column: the most correlated
    close = close[np.argsort(-np.abs(corr[close]))]
    _, first = np.unique(best[close], return_index=True)
    close = close[first]
    out = z.copy()
    h, f = held[close], fresh[best[close]]
    out[f] = z[h] * np.sign(corr[close]) * norm[h] / norm[f]
    out[h] = 0.0
    return out
