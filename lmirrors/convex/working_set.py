r"""Exact Lasso by working sets: solve on a few columns, price the rest, stop on a certificate.

For $P(z,\xi) = \tfrac12\|Az + \xi\mathbf 1 - y\|^2 + \beta\|z\|_1$ (intercept eliminated:
$A_c$, $y_c$ centred) the solver keeps a working set $S$ of columns and

1. solves the restricted Lasso $\min_{z_S} \tfrac12 z_S^\top G z_S - b^\top z_S + \beta\|z_S\|_1$
   with $G = A_{c,S}^\top A_{c,S}$, $b = A_{c,S}^\top y_c$ *exactly* (the active-set method of
   :mod:`lmirrors.convex.active_set`, whose vertex solutions have independent columns);
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
from threadpoolctl import ThreadpoolController

from .dictionary import Dictionary

WHOLE_LIBRARY = 256
"""Libraries with at most this many columns are solved with all of them in the working set."""


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
    from .active_set import active_set_lasso  # compiled: numba loads on the first solve, not with lmirrors

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
