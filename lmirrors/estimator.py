r"""A scikit-learn regressor whose fit is the globally optimal network.

:class:`MirrorRegressor` wraps :func:`lmirrors.fit`: ``fit(X, y)`` solves the Lasso
$\min_{z,\xi} \tfrac12\|Az + \xi\mathbf 1 - y\|_2^2 + \beta\|z\|_1$ over the architecture's
finite library (with a duality-gap certificate) and keeps the reconstructed network, so
``predict`` is that network's output. ``X`` of shape ``(n, 1)`` gives the 1-D network of
:func:`lmirrors.fit`; ``X`` of shape ``(n, d)`` the globally optimal *additive* network of
:func:`~lmirrors.fitting.fit_additive`, $f(X) = \xi + \sum_j g_j(X_{:,j})$ with one 1-D network
$g_j$ per feature (the Lasso over the per-feature libraries side by side).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .fitting import AdditiveFit, Fit, fit, fit_additive
from .networks.additive import AdditiveNetwork
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
        minimum-norm interpolant. ``None`` (default): relative to the data,
        :data:`~lmirrors.fitting.DEFAULT_RELATIVE_BETA` times $\beta_{\max}$ of the training set
        (the value used is ``beta_``); a number is absolute.
    options
        The family's options for :func:`lmirrors.fit` (e.g. ``{"slope": 0.1}``, ``{"m1": 3}``).

    Attributes
    ----------
    fit_ : Fit or AdditiveFit
        The certified optimum (library, Lasso solution, network), set by ``fit``: a
        :class:`~lmirrors.fitting.Fit` for one feature, an :class:`~lmirrors.fitting.AdditiveFit` for more.
    beta_ : float
        The $\beta$ of the fit (``beta``, or the default's value on the training set).
    network_ : Network or AdditiveNetwork
        The reconstructed network, ``fit_.network``.
    n_features_in_ : int
        Number of columns of ``X``.
    feature_names_in_ : numpy.ndarray
        Column names (strings), when ``X`` was a table with string column names (e.g. a pandas DataFrame).
    """

    def __init__(
        self, depth: int = 2, activation: str = "relu", beta: float | None = None, options: dict | None = None
    ):
        self.depth = depth
        self.activation = activation
        self.beta = beta
        self.options = options

    def fit(self, X, y, sample_weight=None) -> MirrorRegressor:
        r"""Solve for the optimal network on ``X`` (shape ``(n, d)``) and labels ``y``.

        ``sample_weight`` (positive, one per row) weighs the loss,
        $\tfrac12\sum_n w_n (f(X_n) - y_n)^2$, as in :func:`lmirrors.fit`; repeated rows may carry
        different labels.
        """
        X, y = validate_data(self, X, y, y_numeric=True, ensure_min_samples=2)
        solver = fit if X.shape[1] == 1 else fit_additive
        self.fit_: Fit | AdditiveFit = solver(
            X[:, 0] if X.shape[1] == 1 else X,
            y,
            depth=self.depth,
            activation=self.activation,
            beta=self.beta,
            sample_weight=sample_weight,
            **self._options(),
        )
        self.beta_ = self.fit_.beta
        return self

    def _options(self) -> dict:
        if self.options is None:
            return {}
        if not isinstance(self.options, dict):
            raise ValueError(f"options must be a dict of keyword arguments for lmirrors.fit, got {self.options!r}")
        return self.options

    @property
    def network_(self) -> Network | AdditiveNetwork:
        """The reconstructed network (raises ``NotFittedError`` before ``fit``)."""
        check_is_fitted(self, "fit_")
        return self.fit_.network

    @property
    def shape_networks_(self) -> list[Network]:
        r"""The 1-D networks, one per feature, whose sum is the additive network (for one feature,
        the network itself). Shape plots and partial dependence are these, up to constants."""
        network = self.network_
        return network.networks if isinstance(network, AdditiveNetwork) else [network]

    def predict(self, X) -> np.ndarray:
        """The network's output at each row of ``X`` (shape ``(n, d)``, as in ``fit``)."""
        check_is_fitted(self, "fit_")
        X = validate_data(self, X, reset=False)
        return self.fit_.predict(X[:, 0] if self.n_features_in_ == 1 else X)

    def to_torch(self):
        """A ``torch.nn.Module`` (float64) with the fitted network's weights and outputs."""
        return self.network_.to_torch()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Solving is deterministic: exact solvers with no random initialisation.
        tags.non_deterministic = False
        return tags
