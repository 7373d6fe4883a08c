"""lmirrors: globally optimal neural networks on 1-D data, as Lasso models over feature libraries.

Companion to Zeger, Wang, Mishkin, Ergen, Candès, Pilanci, *A Library of Mirrors: Deep
Neural Nets in Low Dimensions are Convex Lasso Models with Reflection Features*
(arXiv 2403.01046).
"""

from .activations import Activation, get_activation
from .dictionaries import Architecture, Library
from .estimator import MirrorRegressor
from .features import Feature
from .fitting import Fit, fit, fit_library
from .lasso import LassoSolution, SolverError, min_norm, path, solve
from .networks import ParallelNetwork
from .training import TrainingResult, train_adam

__all__ = [
    "Activation",
    "Architecture",
    "Feature",
    "Fit",
    "LassoSolution",
    "Library",
    "MirrorRegressor",
    "ParallelNetwork",
    "SolverError",
    "TrainingResult",
    "fit",
    "fit_library",
    "get_activation",
    "min_norm",
    "path",
    "solve",
    "train_adam",
]
__version__ = "0.1.0"
