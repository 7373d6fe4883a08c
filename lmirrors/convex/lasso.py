r"""The convex side: Lasso with an unpenalised intercept, and its certificates.

$$ P(z, \xi) = \tfrac12\|Az + \xi\mathbf 1 - y\|_2^2 + \beta\|z\|_1 $$

Its dual is $\max_\nu\ \nu^\top y - \tfrac12\|\nu\|_2^2$ subject to
$\|A^\top\nu\|_\infty \le \beta$ and $\mathbf 1^\top\nu = 0$. Scaling the residual
$r = y - Az - \xi\mathbf 1$ into that set gives a feasible $\nu$, so
$P - D(\nu) \ge P - P^\star \ge 0$ certifies how far a solution is from optimal.

The minimum-norm limit $\beta \to 0$ is solved exactly as the linear programme
$\min \|z\|_1$ s.t. $Az + \xi\mathbf 1 = y$ (HiGHS), with the LP dual as certificate.

Sample weights $w_n > 0$ give $\tfrac12\sum_n w_n (a_n^\top z + \xi - y_n)^2 + \beta\|z\|_1$,
which :class:`~lmirrors.convex.dictionary.RowWeights` turns into the unweighted problem above
(rows scaled by $\sqrt w$, then reflected so that the intercept stays a constant); every route
and certificate then applies unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.linalg

from ..validation import as_1d, as_real, check_beta, check_memory, check_weights
from .dictionary import ColumnSubset, DenseDictionary, Dictionary, RowWeights, WeightedDictionary
from .exact import exact_gap, kkt_on_support, refined_kkt
from .working_set import gap_from_residual, solve_working_set, working_set_state


class SolverError(RuntimeError):
    """A solver did not reach an optimal, certified solution."""


@dataclass(frozen=True)
class LassoSolution:
    r"""A solution with its certificate.

    ``objective`` is $P(z, \xi)$, or $\|z\|_1$ when ``beta == 0`` (minimum norm);
    ``gap`` is the duality gap $P - D(\nu) \ge 0$ (absolute).
    """

    z: np.ndarray
    xi: float
    beta: float
    objective: float
    gap: float
    method: str

    @property
    def relative_gap(self) -> float:
        return self.gap / max(abs(self.objective), 1e-300)

    @property
    def support(self) -> np.ndarray:
        """Indices of the nonzero coefficients."""
        return np.flatnonzero(self.z)


def lasso_objective(A: np.ndarray, y: np.ndarray, z: np.ndarray, xi: float, beta: float, weights=None) -> float:
    r"""$\tfrac12\sum_n w_n (a_n^\top z + \xi - y_n)^2 + \beta\|z\|_1$ (``A`` a matrix or a dictionary;
    ``weights`` $w$: default all ones)."""
    r = as_dictionary(A).matvec(z) + xi - y
    loss = r @ r if weights is None else (check_weights(weights, r.size) * r) @ r
    return float(0.5 * loss + beta * np.abs(z).sum())


def beta_max(A, y: np.ndarray, weights=None) -> float:
    r"""Smallest $\beta$ with $z = 0$ optimal: $\|A^\top (w \odot (y - \bar y_w))\|_\infty$, $\bar y_w$ the
    weighted mean of the labels (no ``weights``: $w = \mathbf 1$, $\|A^\top (y - \bar y)\|_\infty$)."""
    A, y = checked_problem(A, y)
    if weights is None:
        return as_dictionary(A).price(y - y.mean()).max_abs
    rows = RowWeights(check_weights(weights, y.size))
    return as_dictionary(A).price(rows.weights * (y - rows.mean(y))).max_abs


def _reweighted(A, rows: RowWeights):
    r"""$H(s\odot A)$ of :class:`~lmirrors.convex.dictionary.RowWeights`: dense for a matrix, else matrix-free."""
    return WeightedDictionary(A, rows) if isinstance(A, Dictionary) else rows.forward(A)


def duality_gap(
    A, y: np.ndarray, z: np.ndarray, xi: float, beta: float, correlation: float | None = None, weights=None
) -> float:
    r"""$P - D(\nu)$ at $\nu = \theta r$, $\theta = \min(1, \beta/\|A^\top r\|_\infty)$.

    $r$ is the centred residual; ``A`` is a matrix or a matrix-free
    :class:`~lmirrors.convex.dictionary.Dictionary`. ``correlation`` replaces $\|A^\top r\|_\infty$
    when the columns of ``A`` are only part of a larger library (column generation): pass
    the library-wide maximum to certify the solution against the whole library.
    Written as $\tfrac12(1-\theta)^2\|r\|^2 + \beta\|z\|_1 - \theta\, r^\top A z$ plus the
    intercept's excess $\tfrac n2(\bar r)^2$, which avoids cancelling large terms.

    With ``weights`` (positive): the gap of the weighted problem, that of the equivalent
    unweighted one (:class:`~lmirrors.convex.dictionary.RowWeights`, ``correlation`` then of its
    residual) at the optimal intercept, plus the excess $\tfrac12(\sum_n w_n)(\xi - \xi^\star)^2$.
    """
    if weights is not None:
        rows = RowWeights(check_weights(weights, y.size))
        level = rows.mean(y)
        best = level + rows.mean(y - level - as_dictionary(A).matvec(z))
        labels = rows.forward(y - level)
        B = as_dictionary(_reweighted(A, rows))
        gap = duality_gap(B, labels, z, float(np.mean(labels - B.matvec(z))), beta, correlation)
        return gap + 0.5 * float(rows.weights.sum()) * (xi - best) ** 2
    dictionary = as_dictionary(A)
    fitted = dictionary.matvec(z)
    residual = y - fitted - xi
    offset = residual.mean()
    r = residual - offset
    if correlation is None:
        correlation = dictionary.price(r).max_abs
    gap = gap_from_residual(r, fitted, float(np.abs(z).sum()), correlation, beta)
    return max(float(gap + 0.5 * y.size * offset**2), 0.0)


def checked_problem(A, y, warm_start=None) -> tuple[np.ndarray | Dictionary, np.ndarray]:
    """``A`` (a finite matrix, or a :class:`~lmirrors.convex.dictionary.Dictionary`) and finite labels
    ``y`` of matching length; ``warm_start``, if given, finite with one entry per column."""
    y = as_1d(y, "y")
    if not isinstance(A, Dictionary):
        A = as_real(A, "A")
        if A.ndim != 2:
            raise ValueError(f"A must be a matrix (points x columns), got shape {A.shape}")
        if not np.all(np.isfinite(A)):
            raise ValueError("A holds NaN or infinite entries; every feature must be finite on the data")
    if A.shape[0] != y.size:
        raise ValueError(f"A has {A.shape[0]} rows but y has {y.size} labels; they must match")
    if warm_start is not None and as_1d(warm_start, "warm_start").size != A.shape[1]:
        raise ValueError(f"warm_start needs one coefficient per column of A ({A.shape[1]}); pass an earlier solution.z")
    return A, y


def as_dictionary(A) -> Dictionary:
    """``A`` itself if it is a :class:`~lmirrors.convex.dictionary.Dictionary`, else a dense wrapper."""
    return A if isinstance(A, Dictionary) else DenseDictionary(A)


def _intercept(A, y: np.ndarray, z: np.ndarray) -> float:
    return float(np.mean(y - as_dictionary(A).matvec(z)))


def _reduce_to_vertex(Ac: np.ndarray, z: np.ndarray) -> np.ndarray:
    r"""Move along null directions of the support until its columns are independent.

    If $A_{c,S} d = 0$ the fit is unchanged along $z_S + t d$ and, at an optimum, so is
    $\|z\|_1$ while no sign flips; stepping to the first coordinate that reaches zero
    removes it. Repeats until $A_{c,S}$ has full column rank (a sparse, basic solution).
    """
    z = z.copy()
    while True:
        support = np.flatnonzero(z)
        if support.size == 0:
            return z
        # More than n columns are always dependent: look for a null direction among the first
        # n + 1 only (an SVD of the whole support costs O(k^3) for k columns).
        columns = support[: Ac.shape[0] + 1]
        _, sv, vt = np.linalg.svd(Ac[:, columns], full_matrices=True)
        rank = int(np.sum(sv > 1e-10 * max(sv[0], 1e-300)))
        if rank == support.size:
            return z
        d = np.zeros(support.size)
        d[: columns.size] = vt[rank]
        if np.sign(z[support]) @ d > 0:
            d = -d
        shrinking = z[support] * d < 0
        if not shrinking.any():
            d, shrinking = -d, z[support] * -d < 0
        steps = -z[support][shrinking] / d[shrinking]
        k = np.argmin(steps)
        z[support] += steps[k] * d
        z[support[np.flatnonzero(shrinking)[k]]] = 0.0


def _polish(A: np.ndarray, y: np.ndarray, z: np.ndarray, beta: float) -> np.ndarray:
    r"""Exact Lasso solution on the support of an approximate one.

    Drops entries below $10^{-6}\|z\|_\infty$, reduces to independent columns, then solves
    the KKT equations $A_{c,S}^\top A_{c,S} z_S = A_{c,S}^\top y_c - \beta s$ with signs $s$,
    dropping coordinates whose sign flips until the signs agree. They are solved through
    $A_{c,S} = QR$ as $R z_S = Q^\top y_c - \beta R^{-\top} s$, so the error grows with the
    condition number of $A_{c,S}$, not its square (tiny $\beta$ nearly interpolates, where
    $A_{c,S}$ is ill-conditioned). The caller keeps
    whichever of the input and the result has the smaller duality gap.
    """
    Ac = A - A.mean(axis=0)
    z = np.where(np.abs(z) > 1e-6 * np.abs(z).max(initial=0.0), z, 0.0)
    z = _reduce_to_vertex(Ac, z)
    support = np.flatnonzero(z)
    yc = y - y.mean()
    while support.size:
        As = Ac[:, support]
        signs = np.sign(z[support])
        Q, R = np.linalg.qr(As)
        exact = scipy.linalg.solve_triangular(R, Q.T @ yc - beta * scipy.linalg.solve_triangular(R, signs, trans="T"))
        flipped = np.sign(exact) != signs
        if not flipped.any():
            break
        support = support[~flipped]
    polished = np.zeros_like(z)
    if support.size:
        polished[support] = exact
    return polished


LP_WORKSPACE = 18
"""Peak memory of the minimum-norm LP (HiGHS) beyond the library, in copies of the dense library
(17.2 and 17.7 measured on 2-layer ReLU libraries at N = 800 and 400)."""

NEAR_INTERPOLATION = 1e-4
r"""$\beta / \beta_{\max}$ that refusals of the minimum norm or of a tiny $\beta$ recommend: close to
interpolation and still fast matrix-free (measured on noisy data: 2-layer ReLU, $N = 3000$, 0.05 s;
3-layer ReLU, $N = 500$, 0.05 s; 3-layer abs, $N = 200$, 0.3 s; at $10^{-6}\beta_{\max}$ the
same fits took up to 135 s)."""


def near_interpolation(A, y: np.ndarray) -> str:
    """Advice naming the β :data:`NEAR_INTERPOLATION` times ``beta_max(A, y)``, as a refusal gives it."""
    return f"beta = {NEAR_INTERPOLATION * beta_max(A, y):.6g} ({NEAR_INTERPOLATION:g} times beta_max)"


METHODS = ("auto", "working-set", "cvxpy")
MAX_RELATIVE_GAP = 1e-6
r"""The largest certified duality gap relative to the objective, $P - D \le 10^{-6} P$ (for
``beta = 0`` relative to the minimum norm). Both sides scale alike under $y \to t y$ and
$x \to s x$, so the test is unit-free."""
INTERPOLATION_RTOL = 1e-9
r"""A minimum-norm fit must interpolate to $10^{-9} \max_n |y_n - \bar y|$ (relative to the labels' spread)."""
SMALL = 100_000
"""Dense problems up to this many entries get a CLARABEL second opinion below 1e-9 (see :func:`solve`)."""


def solve(
    A, y: np.ndarray, beta: float, polish: bool = True, method: str = "auto", warm_start=None, weights=None
) -> LassoSolution:
    r"""Solve the Lasso exactly and certify it.

    ``A`` is a matrix or a matrix-free :class:`~lmirrors.convex.dictionary.Dictionary` (e.g.
    :func:`~lmirrors.libraries.ramps.two_layer_dictionary` for large $N$). ``method``:

    * ``"working-set"``: :func:`~lmirrors.convex.working_set.solve_working_set`, an exact active-set
      solver on a few columns with matrix-free pricing, to relative gap $10^{-9}$ (or as
      close as float64 allows: at $\beta \approx 10^{-5}\beta_{\max}$ round-off in
      $r^\top A z$ leaves $10^{-8}$ to $10^{-7}$); ``warm_start`` (a previous ``z``) seeds it.
      When its gap stays above $10^{-6}$ (nearly interpolating $\beta$, typically below
      $10^{-7}\beta_{\max}$) :func:`solve_exactly` finishes it in rational arithmetic, so every
      $\beta > 0$ gets a certified optimum;
    * ``"cvxpy"``: CLARABEL on the dense problem, then ``polish`` to an exact vertex;
    * ``"auto"``: the working-set solver; for a dense ``A`` whose gap stays above $10^{-9}$
      with at most ``SMALL`` = $10^5$ entries (CLARABEL is cheap there), cvxpy too, keeping the
      smaller certified gap.

    ``weights`` (positive, one per row) solve
    $\min \tfrac12\sum_n w_n (a_n^\top z + \xi - y_n)^2 + \beta\|z\|_1$ by the same routes on the
    equivalent unweighted problem (:class:`~lmirrors.convex.dictionary.RowWeights`); ``objective``
    and ``gap`` are the weighted problem's.

    ``beta = 0`` is delegated to :func:`min_norm` (dense ``A`` only); interpolation does not
    depend on the weights, which are then only checked. Raises
    :class:`SolverError` if no route reaches a relative duality gap of ``1e-6``.
    """
    beta = check_beta(beta)
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    A, y = checked_problem(A, y, warm_start)
    if weights is not None:
        weights = check_weights(weights, y.size)
    dense = not isinstance(A, Dictionary)
    if (beta == 0 or method == "cvxpy") and not dense:
        raise ValueError(
            "the minimum-norm LP and the cvxpy route need the dense matrix; pass library.A "
            "(or use beta > 0 with method='working-set')"
        )
    if beta == 0:
        return min_norm(A, y)
    if weights is not None:
        rows = RowWeights(weights)
        level = rows.mean(y)
        solution = solve(_reweighted(A, rows), rows.forward(y - level), beta, polish, method, warm_start)
        return _in_weighted_units(A, y, solution, rows, level)
    level = float(y.mean())  # the bias takes the labels' level; solve for the rest (offset-free round-off)
    solution = _solve_centred(A, y - level, beta, polish, method, warm_start, dense)
    return replace(solution, xi=solution.xi + level)


def _solve_centred(A, y: np.ndarray, beta: float, polish: bool, method: str, warm_start, dense: bool) -> LassoSolution:
    """:func:`solve` for labels of mean zero and ``beta > 0``."""
    if beta >= beta_max(A, y):
        return _certified(A, y, np.zeros(A.shape[1]), beta, "closed-form")
    if method == "cvxpy":
        return _solve_cvxpy(A, y, beta, polish)
    z, _ = solve_working_set(as_dictionary(A), y, beta, warm_start)
    best = _certificate(A, y, z, beta, "working-set")
    if dense and not best.relative_gap <= 1e-9:  # round-off in an ill-conditioned working set (tiny beta)
        polished = _certificate(A, y, _polish(A, y, z, beta), beta, "working-set + exact polish")
        best = min(best, polished, key=lambda s: s.relative_gap)
    if not best.relative_gap <= MAX_RELATIVE_GAP:  # nearly interpolating: float64 cannot decide, exact arithmetic can
        support = np.flatnonzero(best.z)
        try:
            support, exact, _ = solve_exactly(as_dictionary(A), y, support, best.z[support], beta, A if dense else None)
        except SolverError:
            exact = None
        if exact is not None:
            z = np.zeros(A.shape[1])
            z[support] = exact.z
            best = min(best, replace(exact, z=z), key=lambda s: s.relative_gap)
    # CLARABEL is only a second opinion on a dense A
    gap = best.relative_gap
    if method == "auto" and dense and (not gap <= MAX_RELATIVE_GAP or (not gap <= 1e-9 and A.size <= SMALL)):
        try:
            clarabel = _solve_cvxpy(A, y, beta, polish)
        except SolverError:
            clarabel = None
        if clarabel is not None and (clarabel.relative_gap < gap or not gap <= MAX_RELATIVE_GAP):
            best = clarabel
    if not best.relative_gap <= MAX_RELATIVE_GAP:  # NaN included
        raise SolverError(
            f"no certified optimum at beta = {beta:.3g} = {beta / beta_max(A, y):.1e} beta_max: the best duality gap "
            f"is {best.relative_gap:.1e} of the objective (> {MAX_RELATIVE_GAP:g}), even after the exact route "
            f"({EXACT_ROUNDS} exact active-set steps); use a larger beta, e.g. {near_interpolation(A, y)}, or "
            "beta = 0 (minimum norm), and report this with the data"
        )
    return best


EXACT_ROUNDS = 200
"""Most exact active-set steps of :func:`solve_exactly` (each one exact solve on the support)."""
UNIT_ROUNDOFF = 2.0**-53
VIOLATION_RTOL = 1e-9
r"""A column enters the exact route's support when $|a_j^\top r| > (1 + 10^{-9})\beta$ (relative to $\beta$);
smaller excesses are round-off of the pricing, and cost at most that much relative gap."""


def solve_exactly(
    dictionary: Dictionary,
    y: np.ndarray,
    support: np.ndarray,
    coef: np.ndarray,
    beta: float,
    A: np.ndarray | None = None,
    rounds: int = EXACT_ROUNDS,
) -> tuple[np.ndarray, LassoSolution, float]:
    r"""The Lasso near interpolation (tiny $\beta$): active-set steps with exact solves, and an exact certificate.

    Below about $10^{-7}\beta_{\max}$ float64 cannot certify a solution: the residual
    $r = y - Az - \xi$ is of size $\beta$ while an error $\delta z$ moves $A^\top r$ by
    $A^\top A\,\delta z$, and the active-set solve has $|\delta z| \approx 10^{-16}\kappa^2|z|$
    ($\kappa$ the condition number of the support's columns). Starting from the support and
    signs of an approximate solution (columns ``support``, coefficients ``coef``; labels ``y`` of
    mean zero), each step solves the optimality conditions on the
    support $S$ with signs $s$ *exactly* (:func:`~lmirrors.convex.exact.kkt_on_support`); if some
    sign flips it moves towards that solution up to the first coordinate that reaches zero and
    drops it, else it prices the library with the (correctly rounded) exact residual and adds the
    most violated column, until none is violated or after ``rounds`` steps (each pass).

    The certificate is exact: $\nu = \theta r^\star$ for the exact residual $r^\star$
    ($\mathbf 1^\top r^\star = 0$), with $\theta = \beta / \max_j|a_j^\top r^\star|$ capped at 1, where
    for a dense ``A`` the maximum is bounded above rigorously (the float64 product plus its
    round-off bound $2(N+2)u\,|A|^\top|r|$, $u = 2^{-53}$) and for a matrix-free dictionary taken
    from its pricing of the correctly rounded $r^\star$; the gap $P(z, \xi) - D(\nu)$ is then
    evaluated in rational arithmetic (:func:`~lmirrors.convex.exact.exact_gap`). Returns the
    support, a solution whose ``z`` holds its coefficients, and the bound on
    $\max_j|a_j^\top r^\star|$ used (at most $\beta(1 + 10^{-9})$ when no column is violated).
    """
    columns = dictionary.columns(support)
    current = _reduce_to_vertex(columns - columns.mean(axis=0), np.asarray(coef, dtype=float))
    state = support[current != 0], current[current != 0], np.sign(current[current != 0])

    def refined(columns, signs):
        w, residual = refined_kkt(columns, y, beta, signs)
        return w[:-1], residual, None

    def exact(columns, signs):
        kkt = kkt_on_support(columns, y, beta, signs)
        return np.array([float(v) for v in kkt.z]), np.array([float(v) for v in kkt.residual]), kkt

    # fast steps first (exact residuals, float solves); exact solves confirm, and take over if needed
    state, _ = _active_set_steps(dictionary, beta, state, refined, rounds)
    (support, _, _), kkt = _active_set_steps(dictionary, beta, state, exact, rounds)
    if kkt is None:
        raise SolverError("the exact route found no sign-consistent solution on the working set's support")
    return _exact_certificate(dictionary, y, support, kkt, beta, A)


def _active_set_steps(dictionary: Dictionary, beta: float, state: tuple, solve_on, rounds: int) -> tuple[tuple, object]:
    """Active-set steps of :func:`solve_exactly` with ``solve_on(columns, signs)`` giving the solution on a
    support, its residual and a payload. Returns the last sign-consistent (support, coefficients, signs)
    and its payload (``None`` if there was none)."""
    support, current, signs = state
    last, payload, entered = state, None, False
    for _ in range(rounds):
        try:
            new, residual, trial = solve_on(dictionary.columns(support), signs)
        except np.linalg.LinAlgError:
            if entered:  # the column that entered last depends on the others
                support, current, signs = _pivot(dictionary.columns(support), support, current, signs)
                entered = False
                continue
            break  # ill-conditioned beyond what this solver resolves
        flipped, entered = np.sign(new) != signs, False
        if flipped.any():
            # move towards the new solution up to the first old coordinate that reaches zero;
            # a column that just entered with the wrong sign leaves at once
            moving = flipped & (current != 0)
            drop = flipped & (current == 0)
            if moving.any():
                steps = current[moving] / (current[moving] - new[moving])
                current = current + steps.min() * (new - current)
                drop[np.flatnonzero(moving)[np.argmin(steps)]] = True
            support, current, signs = support[~drop], current[~drop], signs[~drop]
            continue
        current = new
        last, payload = (support, current, signs), trial
        pricing = dictionary.price(residual, 2 * support.size + 8)
        outside = ~np.isin(pricing.indices, support) & (np.abs(pricing.values) > beta * (1 + VIOLATION_RTOL))
        if not outside.any():
            break
        j = np.flatnonzero(outside)[0]  # the most violated column
        support = np.append(support, pricing.indices[j])
        signs = np.append(signs, np.sign(pricing.values[j]))
        current = np.append(current, 0.0)
        entered = True
    return last, payload


def _pivot(columns: np.ndarray, support: np.ndarray, current: np.ndarray, signs: np.ndarray):
    r"""A simplex pivot for an entering column $a_j$ (the last one) in the span of the others and $\mathbf 1$.

    With $a_j = A_S c + c_0\mathbf 1$ the fit is unchanged along $z_j = \sigma t$,
    $z_S = z_S - \sigma t\,c$ ($\sigma = s_j$), while $\|z\|_1$ falls at the rate
    $|s_S^\top c| - 1$ when $a_j$ violates its dual constraint; go to the first coordinate of $S$
    that reaches zero and let it leave.
    """
    basis = np.hstack([columns[:, :-1], np.ones((columns.shape[0], 1))])
    c = np.linalg.lstsq(basis, columns[:, -1], rcond=None)[0][:-1]
    sigma, old = signs[-1], current[:-1]
    shrinking = old * sigma * c > 0
    if not shrinking.any():  # nothing leaves: the entering column cannot improve; drop it
        return support[:-1], old, signs[:-1]
    steps = np.where(shrinking, old / np.where(shrinking, sigma * c, 1.0), np.inf)
    leaving = int(np.argmin(steps))
    moved = np.append(old - steps[leaving] * sigma * c, steps[leaving] * sigma)
    keep = np.arange(support.size) != leaving
    return support[keep], moved[keep], signs[keep]


def _exact_certificate(
    dictionary: Dictionary, y, support, kkt, beta: float, A
) -> tuple[np.ndarray, LassoSolution, float]:
    """The exact solution rounded to float64, with its exact duality gap (see :func:`solve_exactly`)."""
    z = np.array([float(v) for v in kkt.z])
    xi = float(kkt.xi)
    residual = np.array([float(v) for v in kkt.residual])
    if A is None:
        correlation = dictionary.price(residual).max_abs
    else:
        bound = 2 * (y.size + 2) * UNIT_ROUNDOFF
        correlation = float(np.max(np.abs(A.T @ residual) + bound * (np.abs(A).T @ np.abs(residual)), initial=0.0))
    theta = min(1.0, beta / correlation * (1 - 4 * UNIT_ROUNDOFF)) if correlation > 0 else 1.0
    primal, gap = exact_gap(dictionary.columns(support), y, z, xi, beta, kkt.residual, theta)
    order = np.argsort(support)
    solution = LassoSolution(z[order], xi, beta, float(primal), max(float(gap), 0.0), "working-set + exact arithmetic")
    return support[order], solution, correlation


def _in_weighted_units(A, y: np.ndarray, solution: LassoSolution, rows: RowWeights, level: float) -> LassoSolution:
    r"""A solution of the reweighted problem for labels ``y - level``, on the original one: the
    weighted-optimal intercept and the weighted objective (the gap is the same problem's)."""
    xi = level + rows.mean(y - level - as_dictionary(A).matvec(solution.z))
    return replace(solution, xi=xi, objective=lasso_objective(A, y, solution.z, xi, solution.beta, rows.weights))


def solve_support(dictionary: Dictionary, y: np.ndarray, beta: float, weights=None) -> tuple[np.ndarray, LassoSolution]:
    r""":func:`solve` on a matrix-free dictionary, returning only the columns it uses.

    Returns the support $S$ (increasing) and a solution whose ``z`` holds the coefficients of
    those columns ($z_S$), certified against every column of the dictionary by its pricing. Time and memory
    are those of the working set and the pricing passes, never of the number of columns
    (:func:`solve` returns a coefficient for every column). ``beta`` must be positive;
    ``weights`` as in :func:`solve`.
    """
    beta = check_beta(beta)
    if beta == 0:
        raise ValueError("beta = 0 (minimum norm) needs the dense LP; use solve(library.A, y, 0)")
    dictionary, y = checked_problem(dictionary, y)
    if weights is not None:
        rows = RowWeights(check_weights(weights, y.size))
        level = rows.mean(y)
        support, solution = solve_support(WeightedDictionary(dictionary, rows), rows.forward(y - level), beta)
        return support, _in_weighted_units(ColumnSubset(dictionary, support), y, solution, rows, level)
    level = float(y.mean())  # as in solve: the bias takes the labels' level
    y = y - level
    # beta >= beta_max ends at the first pricing, of the labels, with no column
    state = working_set_state(dictionary, y, beta)
    keep = np.flatnonzero(state.coefficients)
    keep = keep[np.argsort(state.work[keep])]  # increasing column index, as in solve(...).support
    columns = ColumnSubset(dictionary, state.work[keep])
    z = state.coefficients[keep]
    # certified by the last round's pricing of this very residual (the intercept's excess, as
    # in duality_gap, is round-off: the residual is centred)
    r = state.residual
    objective = 0.5 * float(r @ r) + beta * float(np.abs(z).sum())
    gap = state.gap + 0.5 * r.size * float(r.mean()) ** 2
    method = "working-set" if keep.size else "closed-form"
    solution = LassoSolution(z, float(y.mean()) - state.fitted_mean, beta, objective, gap, method)
    if not solution.relative_gap <= MAX_RELATIVE_GAP:  # nearly interpolating: finish in exact arithmetic
        support, exact, _ = solve_exactly(dictionary, y, columns.cols[z != 0], z[z != 0], beta)
        if exact.relative_gap < solution.relative_gap:
            columns, solution = ColumnSubset(dictionary, support), exact
    return columns.cols, replace(_checked(solution), xi=solution.xi + level)


def _solve_cvxpy(A: np.ndarray, y: np.ndarray, beta: float, polish: bool) -> LassoSolution:
    r"""CLARABEL via cvxpy on the centred problem at unit scale, then the exact polish.

    CLARABEL's tolerances are absolute, so it sees $A_c/a$ and $y_c/t$ ($a = \max|A_c|$,
    $t = \max|y_c|$) at $\beta/(a t)$, whose solution $z'$ gives $z = (t/a) z'$.
    """
    import cvxpy as cp

    Ac = A - A.mean(axis=0)
    yc = y - y.mean()
    a, t = float(np.abs(Ac).max(initial=0.0)) or 1.0, float(np.abs(yc).max(initial=0.0)) or 1.0
    z = cp.Variable(A.shape[1])
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(Ac / a @ z - yc / t) + beta / (a * t) * cp.norm1(z)))
    try:
        problem.solve(solver=cp.CLARABEL)
    except cp.error.SolverError as exc:
        raise SolverError(f"CLARABEL failed on the Lasso ({exc}); check the data scale") from exc
    if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) or z.value is None:
        raise SolverError(f"CLARABEL returned status {problem.status!r} on the Lasso")
    zhat = (t / a) * np.asarray(z.value, dtype=float)
    if polish:
        candidate = _polish(A, y, zhat, beta)
        xi = _intercept(A, y, candidate)
        # Prefer the exact, sparse candidate unless it is clearly worse: gaps below ~1e-8
        # relative are float64 round-off, while the interior-point iterate keeps spurious
        # ~1e-9 coefficients (which would show up as extra units in the network).
        if duality_gap(A, y, candidate, xi, beta) <= max(
            duality_gap(A, y, zhat, _intercept(A, y, zhat), beta),
            1e-8 * lasso_objective(A, y, candidate, xi, beta),
        ):
            zhat = candidate
    return _certified(A, y, zhat, beta, "clarabel")


def _certificate(A, y: np.ndarray, z: np.ndarray, beta: float, method: str, correlation=None) -> LassoSolution:
    xi = _intercept(A, y, z)
    gap = duality_gap(A, y, z, xi, beta, correlation)
    return LassoSolution(z, xi, beta, lasso_objective(A, y, z, xi, beta), gap, method)


def _checked(solution: LassoSolution) -> LassoSolution:
    """``solution`` if its relative gap is at most :data:`MAX_RELATIVE_GAP`, else a :class:`SolverError`."""
    if not solution.relative_gap <= MAX_RELATIVE_GAP:  # NaN included
        raise SolverError(
            f"{solution.method} stopped with relative duality gap {solution.relative_gap:.2e} > {MAX_RELATIVE_GAP:g}; "
            "no certified optimum (report this with the data)"
        )
    return solution


def _certified(A, y: np.ndarray, z: np.ndarray, beta: float, method: str, correlation=None) -> LassoSolution:
    return _checked(_certificate(A, y, z, beta, method, correlation))


def min_norm(A: np.ndarray, y: np.ndarray) -> LassoSolution:
    r"""Exact minimum-$\ell_1$ interpolation $\min\|z\|_1$ s.t. $Az + \xi\mathbf 1 = y$ (HiGHS LP), certified.

    ``objective`` is the optimal $\|z\|_1$ and ``gap`` is $\|z\|_1 - \nu^\top y$ for a dual
    $\nu$ made exactly feasible ($\mathbf 1^\top\nu = 0$, $\|A^\top\nu\|_\infty \le 1$): a
    primal–dual certificate like the Lasso's gap. The optimal set need not be a single point;
    HiGHS returns a vertex (a sparse solution). Raises :class:`SolverError` unless the fit
    interpolates to :data:`INTERPOLATION_RTOL` and the relative gap is at most :data:`MAX_RELATIVE_GAP`.
    """
    return min_norm_with_dual(A, y)[0]


def min_norm_with_dual(A: np.ndarray, y: np.ndarray) -> tuple[LassoSolution, np.ndarray]:
    r""":func:`min_norm` and its feasible dual $\nu$ ($\|A^\top\nu\|_\infty \le 1$, $\mathbf 1^\top\nu = 0$).

    The LP is solved on unit-scale data: labels $(y - \bar y)/t$ with $t = \max_n|y_n - \bar y|$
    and columns $A_c / a$ with $a = \max|A_c|$ ($A_c$ the centred columns), so HiGHS's absolute
    tolerances are relative ones here; the vertex it returns is then solved exactly on its
    support, and the answer mapped back ($z = (t/a) z'$, $\nu = \nu'/a$).
    """
    from scipy.optimize import linprog

    A, y = checked_problem(A, y)
    n, m = A.shape
    check_memory(
        8.0 * A.size * LP_WORKSPACE,
        f"the minimum-norm LP on a {n:,} x {m:,} library",
        "fit with beta = 0 and method='column_generation' where the family offers it, or with "
        f"{near_interpolation(A, y)} and method='matrix_free', or on fewer points",
    )
    centre = float(y.mean())
    t = float(np.abs(y - centre).max(initial=0.0))
    Ac = A - A.mean(axis=0)
    a = float(np.abs(Ac).max(initial=0.0))
    if t == 0:  # constant labels: the bias alone interpolates
        return LassoSolution(np.zeros(m), centre, 0.0, 0.0, 0.0, "constant labels"), np.zeros(n)
    if a == 0:
        raise SolverError("the library has no non-constant column, so it cannot interpolate non-constant labels")
    B, target = Ac / a, (y - centre) / t
    cost = np.concatenate([np.ones(2 * m), [0.0]])
    equality = np.hstack([B, -B, np.ones((n, 1))])
    bounds = [(0, None)] * (2 * m) + [(None, None)]
    tight = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
    res = linprog(cost, A_eq=equality, b_eq=target, bounds=bounds, method="highs", options=tight)
    if res.status != 0:
        raise SolverError(
            f"HiGHS could not solve the minimum-norm LP (status {res.status}: {res.message}); "
            "the library cannot interpolate these data"
        )
    w = _on_support(B, target, res.x[:m] - res.x[m : 2 * m])
    residual = B @ w - target
    xi = -float(residual.mean())
    error = float(np.abs(residual + xi).max())
    nu = res.eqlin.marginals - res.eqlin.marginals.mean()
    nu = nu / max(1.0, float(np.abs(B.T @ nu).max(initial=0.0)))
    norm = float(np.abs(w).sum())
    gap = max(norm - float(nu @ target), 0.0)
    if error > INTERPOLATION_RTOL or gap > MAX_RELATIVE_GAP * norm:
        raise SolverError(
            f"the minimum-norm LP is not certified (interpolation error {error:.1e}, relative gap "
            f"{gap / max(norm, 1e-300):.1e}, both relative to the labels' spread); use {near_interpolation(A, y)} instead"
        )
    z = (t / a) * w
    solution = LassoSolution(z, centre + t * xi - float(A.mean(axis=0) @ z), 0.0, t / a * norm, t / a * gap, "highs-lp")
    return solution, nu / a


def _on_support(B: np.ndarray, target: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The LP vertex ``w`` re-solved exactly on its support (bias included), if that fits better."""
    support = np.flatnonzero(w)
    if support.size == 0:
        return w
    M = np.hstack([B[:, support], np.ones((B.shape[0], 1))])
    exact = np.linalg.lstsq(M, target, rcond=None)[0]
    refined = np.zeros_like(w)
    refined[support] = exact[:-1]
    same_signs = np.all(np.sign(refined[support]) == np.sign(w[support]))

    def misfit(v: np.ndarray) -> float:
        r = B @ v - target
        return float(np.abs(r - r.mean()).max())

    return refined if same_signs and misfit(refined) < misfit(w) else w


def min_norm_range(A: np.ndarray, y: np.ndarray, Q: np.ndarray, rtol: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    r"""Lowest and highest value of $Q_j z + \xi$ over *all* minimum-norm interpolants.

    Each row $q$ of ``Q`` is a linear functional (e.g. the features evaluated at a new
    point $t$, so $qz + \xi = f(t)$). Two LPs per row over the optimal face
    $\{Az + \xi\mathbf 1 = y,\ \|z\|_1 \le (1 + \text{rtol})\,\|z^\star\|_1\}$. Equal bounds
    mean every minimum-norm network agrees there; a gap shows the optimum is not unique.
    """
    from scipy.optimize import linprog

    A = np.asarray(A, dtype=float)
    Q = np.atleast_2d(np.asarray(Q, dtype=float))
    n, m = A.shape
    budget = min_norm(A, y).objective * (1 + rtol) + 1e-12
    equality = np.hstack([A, -A, np.ones((n, 1))])
    norm_row = np.concatenate([np.ones(2 * m), [0.0]])[None, :]
    bounds = [(0, None)] * (2 * m) + [(None, None)]
    lower, upper = np.empty(len(Q)), np.empty(len(Q))
    for j, q in enumerate(Q):
        cost = np.concatenate([q, -q, [1.0]])
        for sign, out in ((1.0, lower), (-1.0, upper)):
            res = linprog(
                sign * cost, A_ub=norm_row, b_ub=[budget], A_eq=equality, b_eq=y, bounds=bounds, method="highs"
            )
            if res.status != 0:
                raise SolverError(f"HiGHS failed on the optimal-face LP (status {res.status}: {res.message})")
            out[j] = sign * res.fun
    return lower, upper
