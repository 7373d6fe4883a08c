r"""The public entry point: fit the globally optimal network by solving its Lasso.

``fit(x, y, depth, activation, beta)`` builds the architecture's finite library on the
data, solves $\min_{z,\xi} \tfrac12\|Az + \xi\mathbf 1 - y\|^2 + \beta\|z\|_1$ with a
duality-gap certificate (``beta = 0``: the exact minimum-norm interpolant), and turns the
solution back into a network whose own objective $J$ is evaluated independently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .activations import get_activation
from .dictionaries import Architecture, Library
from .features import Feature
from .lasso import LassoSolution, solve
from .networks import ParallelNetwork
from .validation import check_beta, check_data

DENSE_LIMIT = 50_000_000
"""Largest dense library (points × columns) :func:`fit` builds; beyond it solves matrix-free."""


class Selected(NamedTuple):
    """A feature the solution uses, with its coefficient."""

    feature: Feature
    z: float

    @property
    def label(self) -> str:
        return self.feature.label


@dataclass(frozen=True)
class Fit:
    """A certified global optimum: library, Lasso solution and the reconstructed network."""

    x: np.ndarray
    y: np.ndarray
    beta: float
    library: Library
    solution: LassoSolution
    network: ParallelNetwork

    @property
    def architecture(self) -> Architecture:
        return self.library.architecture

    def predict(self, x) -> np.ndarray:
        """The network's output at ``x`` (any points, not only the data)."""
        return self.network(np.asarray(x, dtype=float).reshape(-1))

    def selected(self) -> list[Selected]:
        """Features with nonzero coefficient, largest $|z|$ first."""
        z = self.solution.z
        chosen = [Selected(self.library.features[k], float(z[k])) for k in self.solution.support]
        return sorted(chosen, key=lambda s: -abs(s.z))

    @property
    def network_objective(self) -> float:
        r"""$J$ evaluated on the reconstructed weights (for ``beta = 0``: the weight penalty
        $\tfrac1L\sum|w|^L$ of the interpolating network, comparable with $\|z\|_1$)."""
        if self.beta == 0:
            return self.network.penalty(1.0)
        return self.network.objective(self.x, self.y, self.beta)

    @property
    def max_interpolation_error(self) -> float:
        """$\\max_n |f(x_n) - y_n|$ (zero up to round-off for the minimum-norm fit)."""
        return float(np.abs(self.predict(self.x) - self.y).max())

    def summary(self) -> str:
        lines = [
            f"{self.library.summary()}",
            (
                f"beta = {self.beta:g}: Lasso objective {self.solution.objective:.10g} "
                f"(duality gap {self.solution.gap:.1e}), network objective {self.network_objective:.10g}"
            ),
        ]
        lines += [f"  z = {s.z:+.6g}  {s.label}" for s in self.selected()]
        return "\n".join(lines)


def fit(x, y, depth: int = 2, activation: str = "relu", beta: float = 1e-3, **options) -> Fit:
    r"""Globally optimal ``depth``-layer network of ``activation`` units for data ``(x, y)``.

    Solves the equivalent Lasso exactly (``beta = 0``: minimum-$\ell_1$ interpolation) and
    reconstructs balanced weights; libraries larger than :data:`DENSE_LIMIT` entries are solved
    matrix-free (:func:`fit_matrix_free`). ``options`` go to :class:`Architecture` (e.g. ``slope``
    for ``leaky_relu``); ``activation="sign"`` goes to
    :func:`lmirrors.sign_networks.fit_sign` (options ``m1``, ``widths``, ``method``).
    Raises ``ValueError`` on bad input.
    """
    if get_activation(activation).name == "sign":
        from .sign_networks import fit_sign

        return fit_sign(x, y, depth, beta, **options)
    x, y = check_data(x, y)
    architecture = Architecture(depth, activation, **options)
    if x.size * architecture.size_formula(np.unique(x).size) > DENSE_LIMIT:
        return fit_matrix_free(architecture, x, y, beta)
    return fit_library(architecture.library(x), y, beta)


def fit_matrix_free(architecture: Architecture, x, y, beta: float) -> Fit:
    r"""Like :func:`fit`, never forming the library: the Lasso is solved on the matrix-free
    dictionary (:meth:`~lmirrors.dictionaries.Architecture.matrix_free`, certified against every column) and only the
    columns of the solution become the ``Fit``'s library (``complete=False``; ``solution.z``
    indexes those). ``beta = 0`` needs the dense LP and is refused.
    """
    x, y = check_data(x, y)
    beta = check_beta(beta)
    dictionary, features_of = architecture.matrix_free(x)
    if beta == 0:
        raise ValueError(
            f"beta = 0 (minimum norm) needs the dense LP, and this library has {dictionary.shape[1]:,} columns "
            f"on {x.size:,} points; use a small beta > 0 (e.g. 1e-6 times lasso.beta_max)"
        )
    full = solve(dictionary, y, beta)
    support = full.support
    columns = np.empty((x.size, support.size))  # no columns at all when beta >= beta_max
    for k, c in enumerate(support):
        columns[:, k] = dictionary.matvec_columns(np.array([c]), np.ones(1))
    library = Library(architecture, x, features_of(support), columns, dictionary.shape[1], False)
    solution = LassoSolution(full.z[support], full.xi, beta, full.objective, full.gap, f"{full.method} (matrix-free)")
    return Fit(x, y, beta, library, solution, ParallelNetwork.from_lasso(library, solution))


def fit_library(library: Library, y, beta: float, warm_start=None) -> Fit:
    """Like :func:`fit` on a library already built for ``library.x`` (reuse it across β or y).

    ``warm_start``: coefficients of an earlier solution on the same library, which seed the
    working-set solver (the answer is certified either way).
    """
    x, y = check_data(library.x, y)
    beta = check_beta(beta)
    solution = solve(library.A, y, beta, warm_start=warm_start)
    return Fit(x, y, beta, library, solution, ParallelNetwork.from_lasso(library, solution))
