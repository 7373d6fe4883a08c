r"""Column generation: solve a Lasso over a library too large to write down.

The library is known only through a *pricing oracle*: given a vector $r$ with
$\mathbf 1^\top r = 0$ it returns $\max_j |a_j^\top r|$ over **every** column $a_j$ of the
library and a few maximising columns. :class:`GeneratedDictionary` keeps the columns
generated so far and prices with the oracle, so the working-set solver
(:mod:`lmirrors.convex.working_set`) runs unchanged on it:

1. solve the Lasso restricted to the working set;
2. price its centred residual $r = y - A_S z - \xi\mathbf 1$ with the oracle;
3. stop when the duality gap computed with the library-wide correlation
   $c = \max_j |a_j^\top r|$ is below ``rtol`` relative, else add the priced columns.

The certificate is the one of :func:`lmirrors.convex.lasso.duality_gap`: $\nu = \min(1, \beta/c)\,r$
is dual feasible for the *whole* library, so $P(z, \xi) - D(\nu)$ bounds the distance to the
full optimum. When $c \le \beta$ the restricted optimum is optimal for the full library.

For $\beta = 0$ (minimum norm) the restricted problem is the LP
$\min\|z\|_1$ s.t. $A_S z + \xi\mathbf 1 = y$ and the oracle prices its dual $\nu$: if
$c = \max_j|a_j^\top\nu| > 1$ then $\nu/c$ is dual feasible and $\|z\|_1 - \nu^\top y / c$
is the certified gap. The initial columns must then be able to interpolate $y$.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..validation import as_1d, check_beta
from .dictionary import Dictionary, Pricing
from .lasso import (
    MAX_RELATIVE_GAP,
    LassoSolution,
    SolverError,
    duality_gap,
    lasso_objective,
    min_norm_with_dual,
    solve_exactly,
)
from .working_set import solve_working_set

Oracle = Callable[[np.ndarray], tuple[float, np.ndarray]]
"""``price(r) -> (max_j |a_j^T r| over the full library, maximising columns as an (N, k) array)``."""


@dataclass(frozen=True)
class ColumnGenerationResult:
    """Generated columns, the Lasso solution on them (gap certified over the full library)."""

    columns: np.ndarray
    solution: LassoSolution
    max_correlation: float


class GeneratedDictionary(Dictionary):
    """The columns an oracle has produced so far; ``price`` asks the oracle and appends them.

    Columns equal up to sign and an additive constant (the same feature for the Lasso) are
    stored once, in ``matrix``.
    """

    def __init__(self, oracle: Oracle, n: int, initial: np.ndarray | None = None) -> None:
        self.oracle = oracle
        self.matrix = np.zeros((n, 0)) if initial is None else np.asarray(initial, dtype=float).reshape(n, -1)

    def columns(self, cols):
        return self.matrix[:, cols]

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    def matvec_columns(self, cols, coef):
        return self.matrix[:, cols] @ coef

    def correlations(self, r, cols):
        return self.matrix[:, cols].T @ r

    def gram(self, cols):
        As = self.matrix[:, cols]
        As = As - As.mean(axis=0)
        return As.T @ As

    def index(self, column: np.ndarray) -> int:
        """Index of ``column`` among the stored ones (up to sign and constant), appending it if new."""
        centred = self.matrix - self.matrix.mean(axis=0)
        c = column - column.mean()
        if centred.shape[1]:
            scale = max(float(np.abs(c).max()), float(np.abs(centred).max()), 1e-300)  # the columns' own size
            distance = np.minimum(np.abs(centred - c[:, None]).max(axis=0), np.abs(centred + c[:, None]).max(axis=0))
            if distance.min() <= 1e-9 * scale:
                return int(np.argmin(distance))
        self.matrix = np.column_stack([self.matrix, column])
        return self.matrix.shape[1] - 1

    def price(self, r, count=0):
        value, candidates = self.oracle(r)
        candidates = np.asarray(candidates, dtype=float).reshape(r.size, -1)
        indices = np.array([self.index(c) for c in candidates.T], dtype=np.int64)
        return Pricing(float(value), indices, candidates.T @ r)


def solve(
    y,
    beta: float,
    price: Oracle,
    initial: np.ndarray | None = None,
    rtol: float = 1e-9,
    max_iterations: int = 500,
) -> ColumnGenerationResult:
    r"""Lasso (or, for ``beta = 0``, minimum-norm LP) over the library behind ``price``.

    ``initial`` (an (N, k) array) seeds the columns; by default the first ones are those
    priced at the centred labels. Raises :class:`lmirrors.convex.lasso.SolverError` when the loop
    does not certify a relative gap of ``1e-6`` within ``max_iterations`` pricing rounds.
    """
    beta = check_beta(beta)
    y = as_1d(y, "y")
    if beta == 0 and initial is None:
        raise ValueError("beta = 0 needs initial columns that can interpolate y (e.g. all one-switch features)")
    dictionary = GeneratedDictionary(price, y.size, initial)
    if beta == 0:
        solution, correlation = _min_norm(dictionary, y, rtol, max_iterations)
    else:
        z, _ = solve_working_set(dictionary, y, beta, rtol=rtol, max_rounds=max_iterations)
        fitted = dictionary.matvec(z)
        xi = float(np.mean(y - fitted))
        residual = y - fitted - xi
        correlation = price(residual - residual.mean())[0]
        gap = duality_gap(dictionary.matrix, y, z, xi, beta, correlation=correlation)
        objective = lasso_objective(dictionary.matrix, y, z, xi, beta)
        solution = LassoSolution(z, xi, beta, objective, gap, "column generation (working set)")
        if not solution.relative_gap <= MAX_RELATIVE_GAP:  # nearly interpolating: finish in exact arithmetic
            solution, correlation = _exactly(dictionary, y, solution, correlation, max_iterations)
    if not solution.relative_gap <= 1e-6:  # NaN included
        raise SolverError(
            f"column generation stopped after {max_iterations} pricing rounds with relative gap "
            f"{solution.relative_gap:.2e} > 1e-6; raise max_iterations"
        )
    return ColumnGenerationResult(dictionary.matrix, solution, float(correlation))


def _exactly(dictionary: GeneratedDictionary, y: np.ndarray, solution: LassoSolution, correlation: float, rounds: int):
    """:func:`~lmirrors.convex.lasso.solve_exactly` on the generated columns, priced by the oracle (it may
    add columns, one per step, at most ``rounds``); the better certified of it and ``solution``, with its
    library-wide correlation."""
    level = float(y.mean())
    support = np.flatnonzero(solution.z)
    try:
        support, exact, bound = solve_exactly(
            dictionary, y - level, support, solution.z[support], solution.beta, rounds=rounds
        )
    except SolverError:
        return solution, correlation
    if not exact.relative_gap < solution.relative_gap:
        return solution, correlation
    z = np.zeros(dictionary.shape[1])
    z[support] = exact.z
    method = "column generation (working set + exact arithmetic)"
    return replace(exact, z=z, xi=exact.xi + level, method=method), bound


def _min_norm(dictionary: GeneratedDictionary, y: np.ndarray, rtol: float, rounds: int):
    """The minimum-norm LP on the generated columns, priced at its dual until certified."""
    for _ in range(rounds):
        solution, nu = min_norm_with_dual(dictionary.matrix, y)
        width = dictionary.shape[1]
        pricing = dictionary.price(nu - nu.mean())
        gap = max(solution.objective - float(nu @ y) / max(pricing.max_abs, 1.0), 0.0)
        solution = replace(solution, gap=gap, method=f"column generation ({solution.method})")
        if solution.relative_gap <= rtol or dictionary.shape[1] == width:
            break
    solution = replace(solution, z=np.concatenate([solution.z, np.zeros(dictionary.shape[1] - solution.z.size)]))
    return solution, pricing.max_abs
