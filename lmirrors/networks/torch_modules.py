r"""Torch twins of the network classes (float64), for export and for training with Adam.

:func:`batched_forward` evaluates a batch of parallel networks at once (restarts of Adam are
trained together); :class:`TorchParallelNetwork`, :class:`TorchSignNetwork`,
:class:`TorchPlanarNetwork` and :class:`TorchRectangularNetwork` are the ``to_torch()`` of
:class:`~lmirrors.networks.parallel.ParallelNetwork`, :class:`~lmirrors.networks.sign.SignNetwork`,
:class:`~lmirrors.networks.planar.PlanarNetwork` and
:class:`~lmirrors.networks.rectangular.RectangularNetwork`. Step units (sign, threshold)
compute the same function but have zero gradient almost everywhere, so they are exported, not
trained.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from ..activations import Activation, layer_bias

if TYPE_CHECKING:
    from .additive import AdditiveNetwork
    from .parallel import ParallelNetwork
    from .planar import PlanarNetwork
    from .rectangular import RectangularNetwork
    from .sign import SignNetwork, SignNeuron


def batched_forward(W, B, xi, x, activation: Activation):
    """Network outputs for weights with any leading batch shape: ``W[..., units, L]``."""
    h = x.expand(*W.shape[:-1], x.shape[-1])
    for layer in range(W.shape[-1] - 1):
        h = activation.neuron_torch(W[..., layer, None], h, layer_bias(B, layer, activation))
    return xi[..., None] + (W[..., -1, None] * h).sum(dim=-2)


def batched_objective(W, B, xi, x, y, beta: float, activation: Activation):
    r"""$J$ for each network of the batch: $\tfrac12\|f(X)-y\|^2 + \tfrac{\beta}{L}\sum|w|^L$."""
    depth = W.shape[-1]
    fit = 0.5 * ((batched_forward(W, B, xi, x, activation) - y) ** 2).sum(dim=-1)
    return fit + beta / depth * (W.abs() ** depth).sum(dim=(-2, -1))


def _parameter(values) -> torch.nn.Parameter:
    return torch.nn.Parameter(torch.as_tensor(values, dtype=torch.float64))


def _input_map(module: torch.nn.Module, shift: float) -> None:
    r"""The network's fixed input map $x \mapsto x - c$, as a (saved, untrained) buffer ``input_shift``."""
    module.register_buffer("input_shift", torch.tensor(float(shift), dtype=torch.float64))


class TorchParallelNetwork(torch.nn.Module):
    """A trainable torch twin of :class:`~lmirrors.networks.parallel.ParallelNetwork`."""

    def __init__(self, activation: Activation, W, B, xi, input_shift: float = 0.0) -> None:
        super().__init__()
        self.activation = activation
        self.W, self.B, self.xi = _parameter(W), _parameter(B), _parameter(xi)
        _input_map(self, input_shift)

    @classmethod
    def from_network(cls, network: ParallelNetwork) -> TorchParallelNetwork:
        return cls(network.activation, network.W, network.B, network.xi, network.input_shift)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.as_tensor(x, dtype=torch.float64).reshape(-1) - self.input_shift
        return batched_forward(self.W, self.B, self.xi, x, self.activation)


def _step(t: torch.Tensor, low: float) -> torch.Tensor:
    return torch.where(t >= 0, 1.0, low).to(torch.float64)


class TorchSignNeuron(torch.nn.Module):
    """$\\sigma(w x + b)$ or $\\sigma(\\sum_i v_i\\,\\text{child}_i(x) + b)$ for a step $\\sigma$ whose
    value below zero is ``low`` ($-1$: sign, $0$: threshold)."""

    def __init__(self, neuron: SignNeuron, low: float = -1.0) -> None:
        super().__init__()
        self.low = low
        self.weights, self.bias = _parameter(neuron.weights), _parameter(neuron.bias)
        self.children_ = torch.nn.ModuleList(TorchSignNeuron(child, low) for child in neuron.children)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not len(self.children_):
            return _step(self.weights[0] * x + self.bias, self.low)
        inputs = torch.stack([child(x) for child in self.children_])
        return _step(self.weights @ inputs + self.bias, self.low)


class TorchSignNetwork(torch.nn.Module):
    """The function of a :class:`~lmirrors.networks.sign.SignNetwork` (forward only: no useful gradient)."""

    def __init__(self, network: SignNetwork) -> None:
        super().__init__()
        self.neurons = torch.nn.ModuleList(TorchSignNeuron(g, network.activation.low) for g in network.neurons)
        self.a, self.s, self.xi = _parameter(network.a), _parameter(network.s), _parameter(network.xi)
        _input_map(self, network.input_shift)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.as_tensor(x, dtype=torch.float64).reshape(-1) - self.input_shift
        if not len(self.neurons):
            return self.xi + torch.zeros_like(x)
        outputs = torch.stack([g(x) for g in self.neurons])
        return self.xi + ((self.a * self.s)[:, None] * outputs).sum(dim=0)


class TorchPlanarNetwork(torch.nn.Module):
    """A trainable torch twin of :class:`~lmirrors.networks.planar.PlanarNetwork` (inputs of shape (n, 2))."""

    def __init__(self, activation: Activation, W, b, a, xi) -> None:
        super().__init__()
        self.activation = activation
        self.W, self.b, self.a, self.xi = _parameter(W), _parameter(b), _parameter(a), _parameter(xi)

    @classmethod
    def from_network(cls, network: PlanarNetwork) -> TorchPlanarNetwork:
        return cls(network.activation, network.W, network.b, network.a, network.xi)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        X = torch.as_tensor(X, dtype=torch.float64).reshape(-1, 2)
        return self.xi + self.activation.torch(X @ self.W.T + self.b) @ self.a


class TorchRectangularNetwork(torch.nn.Module):
    """The function of a :class:`~lmirrors.networks.rectangular.RectangularNetwork` (forward only)."""

    def __init__(self, network: RectangularNetwork) -> None:
        super().__init__()
        self.low = network.activation.low
        self.weights = torch.nn.ParameterList(_parameter(W) for W in network.weights)
        self.biases = torch.nn.ParameterList(_parameter(b) for b in network.biases)
        self.a, self.s, self.xi = _parameter(network.a), _parameter(network.s), _parameter(network.xi)
        _input_map(self, network.input_shift)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.as_tensor(x, dtype=torch.float64).reshape(-1) - self.input_shift
        h = _step(self.weights[0][:, None] * x[None, :] + self.biases[0][:, None], self.low)
        for V, c in zip(self.weights[1:], self.biases[1:], strict=True):
            h = _step(V @ h + c[:, None], self.low)
        return self.xi + ((self.a * self.s)[:, None] * h).sum(dim=0)


class TorchAdditiveNetwork(torch.nn.Module):
    r"""$\xi + \sum_j g_j(X_{:,j})$ with each $g_j$ the torch twin of a per-feature network."""

    def __init__(self, parts: list[torch.nn.Module], xi: float) -> None:
        super().__init__()
        self.parts = torch.nn.ModuleList(parts)
        self.xi = _parameter(xi)

    @classmethod
    def from_network(cls, network: AdditiveNetwork) -> TorchAdditiveNetwork:
        return cls([part.to_torch() for part in network.networks], network.xi)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        X = torch.as_tensor(X, dtype=torch.float64)
        return self.xi + sum(part(X[:, j]) for j, part in enumerate(self.parts))
