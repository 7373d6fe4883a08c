r"""A scikit-learn regressor whose fit is the globally optimal network.

:class:`MirrorRegressor` wraps :func:`lmirrors.fit`: ``fit(X, y)`` solves the Lasso
$\min_{z,\xi} \tfrac12\|Az + \xi\mathbf 1 - y\|_2^2 + \beta\|z\|_1$ over the architecture's
finite library (with a duality-gap certificate) and keeps the reconstructed network, so
``predict`` is that network's output. ``X`` has one feature: shape ``(n, 1)``.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .fitting import Fit, fit
from .networks.base import Network


class MirrorRegressor(RegressorMixin, BaseEstimator):
    r"""Globally optimal ``depth``-layer network of ``activation`` units, as an estimator.

    Parameters
    ----------
    depth
        Number of weight layers $L$ (every depth :func:`lmirrors.fit` supports).
    activation
        Any activation of :func:`lmirrors.architectures() <lmirrors.registry.architectures>`: ``"relu"``, ``"leaky_relu"``,
        ``"abs"``, ``"sign"``.
    beta
        Weight-decay strength $\beta \ge 0$ of the network's objective (e.g.
        $J(\theta) = \tfrac12\|f(X) - y\|^2 + \tfrac{\beta}{L}\sum|w|^L$); ``0`` gives the
        minimum-norm interpolant.
    options
        The family's options for :func:`lmirrors.fit` (e.g. ``{"slope": 0.1}``, ``{"m1": 3}``).

    Attributes
    ----------
    fit_ : Fit
        The certified optimum (library, Lasso solution, network), set by ``fit``.
    network_ : Network
        The reconstructed network, ``fit_.network``.
    n_features_in_ : int
        Always 1.
    """

    def __init__(self, depth: int = 2, activation: str = "relu", beta: float = 1e-3, options: dict | None = None):
        self.depth = depth
        self.activation = activation
        self.beta = beta
        self.options = options

    def fit(self, X, y) -> MirrorRegressor:
        """Solve for the optimal network on ``X`` (shape ``(n, 1)``) and labels ``y``."""
        X, y = validate_data(self, X, y, y_numeric=True)
        _require_one_feature(X)
        self.fit_: Fit = fit(
            X[:, 0], y, depth=self.depth, activation=self.activation, beta=self.beta, **self._options()
        )
        return self

    def _options(self) -> dict:
        if self.options is None:
            return {}
        if not isinstance(self.options, dict):
            raise ValueError(f"options must be a dict of keyword arguments for lmirrors.fit, got {self.options!r}")
        return self.options

    @property
    def network_(self) -> Network:
        """The reconstructed network (raises ``NotFittedError`` before ``fit``)."""
        check_is_fitted(self, "fit_")
        return self.fit_.network

    def predict(self, X) -> np.ndarray:
        """The network's output at each row of ``X`` (shape ``(n, 1)``)."""
        check_is_fitted(self, "fit_")
        X = validate_data(self, X, reset=False)
        return self.fit_.predict(X[:, 0])

    def to_torch(self):
        """A ``torch.nn.Module`` (float64) with the fitted network's weights and outputs."""
        return self.network_.to_torch()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Solving is deterministic: exact solvers with no random initialisation.
        tags.non_deterministic = False
        return tags


def _require_one_feature(X: np.ndarray) -> None:
    if X.shape[1] != 1:
        raise ValueError(
            f"MirrorRegressor fits functions of one input: X must have shape (n, 1), got {X.shape}; "
            "select a single column, e.g. X[:, [j]]"
        )
