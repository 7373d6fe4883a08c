r"""A fitted network as plain JSON-ready data, and back.

The description holds everything needed to evaluate the network without ``lmirrors``:
units $k$ with weights $w^{(k)}_1..w^{(k)}_L$ and biases $b^{(k)}_1..b^{(k)}_{L-1}$ compute
$h_0 = x$, $h_l = \sigma(w_l h_{l-1} + b_l)$, $\text{unit}_k(x) = w_L h_{L-1}$, and
$f(x) = \xi + \sum_k \text{unit}_k(x)$ with $\xi$ the ``output_bias``.
"""

from __future__ import annotations

import numpy as np

from .activations import get_activation
from .fitting import Fit
from .networks import ParallelNetwork

FORMAT = "lmirrors.network/1"


def fit_to_dict(result: Fit) -> dict:
    """Weights, biases, output bias, activation, depth, β, objective and the selected features."""
    network = result.network
    activation = network.activation
    return {
        "format": FORMAT,
        "architecture": result.architecture.name,
        "depth": network.depth,
        "activation": activation.name,
        "slope": activation.slope,
        "beta": result.beta,
        "objective": result.solution.objective,
        "objective_meaning": "minimum l1 norm (beta = 0)" if result.beta == 0 else "0.5*||f(X) - y||^2 + beta*||z||_1",
        "duality_gap": result.solution.gap,
        "network_objective": result.network_objective,
        "n_points": int(result.x.size),
        "library_size": result.library.size,
        "weights": network.W.tolist(),
        "biases": network.B.tolist(),
        "output_bias": float(network.xi),
        "features": [
            {"label": s.label, "z": s.z, "breakpoints": list(s.feature.breakpoints)} for s in result.selected()
        ],
    }


def network_from_dict(description: dict) -> ParallelNetwork:
    """The :class:`~lmirrors.ParallelNetwork` a :func:`fit_to_dict` description stands for."""
    try:
        activation = get_activation(description["activation"], description.get("slope", 0.0))
        depth = int(description["depth"])
        W = np.asarray(description["weights"], dtype=float).reshape(-1, depth)
        B = np.asarray(description["biases"], dtype=float).reshape(-1, depth - 1)
        xi = float(description["output_bias"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not an lmirrors network description ({exc!r} missing or malformed)") from exc
    if W.shape[0] != B.shape[0]:
        raise ValueError(f"{W.shape[0]} weight rows but {B.shape[0]} bias rows; the description is inconsistent")
    return ParallelNetwork(activation, W, B, xi)
