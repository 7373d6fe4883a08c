r"""A fitted network as plain JSON-ready data, and back.

The description holds everything needed to evaluate the network without ``lmirrors``
(:meth:`lmirrors.networks.base.Network.to_dict`: its ``kind``, weights and biases, output
bias $\xi$), plus what the fit certified: the architecture, $\beta$, the Lasso objective and
its duality gap, the network's own objective and the selected features.
"""

from __future__ import annotations

from typing import Any

from .fitting import Fit
from .networks.base import Network


def fit_to_dict(result: Fit) -> dict[str, Any]:
    """The network's description with the architecture, β, objective, gap and selected features."""
    # planar architectures have no options beyond the norm, which the network's own fields carry
    options = getattr(result.architecture, "options", {})
    options = {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}
    loss = "0.5*||f(X) - y||^2" if result.sample_weight is None else "0.5*sum_n w_n (f(x_n) - y_n)^2"
    meaning = "minimum l1 norm (beta = 0)" if result.beta == 0 else f"{loss} + beta*||z||_1"
    return {
        **result.network.to_dict(),
        "architecture": result.architecture.name,
        "options": options,
        "beta": result.beta,
        "objective": result.solution.objective,
        "objective_meaning": meaning,
        "duality_gap": result.solution.gap,
        "network_objective": result.network_objective,
        "n_points": len(result.x),
        "library_size": result.library.size,
        "features": [
            {"label": s.label, "z": s.z, "breakpoints": list(s.feature.breakpoints)} for s in result.selected()
        ],
    }


def network_from_dict(description: dict[str, Any]) -> Network:
    """The network a :func:`fit_to_dict` (or :meth:`~lmirrors.networks.base.Network.to_dict`) description stands for."""
    return Network.from_dict(description)
