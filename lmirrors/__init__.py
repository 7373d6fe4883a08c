"""lmirrors: globally optimal neural networks on 1-D data, as Lasso models over feature libraries.

Companion to Zeger, Wang, Mishkin, Ergen, Candès, Pilanci, *A Library of Mirrors: Deep
Neural Nets in Low Dimensions are Convex Lasso Models with Reflection Features*
(arXiv 2403.01046).

Layers, bottom up (each imports only those before it): :mod:`~lmirrors.validation` and
:mod:`~lmirrors.activations`; :mod:`lmirrors.convex` (the Lasso, no feature code);
:mod:`~lmirrors.closed_forms`; :mod:`lmirrors.libraries` (one module per result of the paper);
:mod:`lmirrors.networks` (network classes, reconstruction maps, torch twins);
:mod:`~lmirrors.registry` (the registry); :mod:`~lmirrors.fitting`; then the tools:
training, stationarity, export, cli, estimator, plotting, interactive, widgets, datasets,
forecasting.

Names are imported on first use, so ``import lmirrors`` stays fast; ``lmirrors.fit`` loads
what fitting needs, and scikit-learn, torch, cvxpy and matplotlib only load where used.
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "Activation": "activations",
    "get_activation": "activations",
    "Architecture": "registry",
    "Family": "registry",
    "architectures": "registry",
    "Feature": "libraries.features",
    "Library": "libraries.library",
    "Fit": "fitting",
    "fit": "fitting",
    "fit_library": "fitting",
    "fit_path": "fitting",
    "FitPath": "fitting",
    "AdditiveFit": "fitting",
    "fit_additive": "fitting",
    "AdditiveNetwork": "networks.additive",
    "LassoSolution": "convex.lasso",
    "SolverError": "convex.lasso",
    "min_norm": "convex.lasso",
    "path": "convex.homotopy",
    "exact_path": "convex.homotopy",
    "LassoPath": "convex.homotopy",
    "solve": "convex.lasso",
    "progress": "convex.working_set",
    "Network": "networks.base",
    "ParallelNetwork": "networks.parallel",
    "SignNetwork": "networks.sign",
    "RectangularNetwork": "networks.rectangular",
    "MirrorRegressor": "estimator",
    "TrainingResult": "training",
    "train_adam": "training",
}
_SUBMODULES = {
    "activations",
    "cli",
    "comparison",
    "closed_forms",
    "convex",
    "datasets",
    "estimator",
    "export",
    "fitting",
    "forecasting",
    "interactive",
    "libraries",
    "networks",
    "plotting",
    "registry",
    "stationarity",
    "training",
    "validation",
    "widgets",
}

__all__ = sorted(_EXPORTS)  # noqa: PLE0605 -- the lazily exported names


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module 'lmirrors' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS, *_SUBMODULES})
