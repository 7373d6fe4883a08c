"""Networks with explicit weights (the non-convex side), the maps from Lasso solutions to them,
and their torch twins (:mod:`lmirrors.networks.torch_modules`, imported only when used)."""

from .base import FORMAT, Network
from .parallel import ParallelNetwork
from .rectangular import RectangularNetwork
from .sign import SignNetwork, SignNeuron

__all__ = ["FORMAT", "Network", "ParallelNetwork", "RectangularNetwork", "SignNetwork", "SignNeuron"]
