r"""Torch twins of the network classes (float64), for export and for training with Adam.

:func:`batched_forward` evaluates a batch of parallel networks at once (restarts of Adam are
trained together); :class:`TorchParallelNetwork` and :class:`TorchSignNetwork` are the
``to_torch()`` of :class:`~lmirrors.networks.parallel.ParallelNetwork` and
:class:`~lmirrors.networks.sign.SignNetwork`. Sign units compute the same function but have
zero gradient almost everywhere, so they are exported, not trained.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from ..activations import Activation, layer_bias

if TYPE_CHECKING:
    from .parallel import ParallelNetwork
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


class TorchParallelNetwork(torch.nn.Module):
    """A trainable torch twin of :class:`~lmirrors.networks.parallel.ParallelNetwork`."""

    def __init__(self, activation: Activation, W, B, xi) -> None:
        super().__init__()
        self.activation = activation
        self.W, self.B, self.xi = _parameter(W), _parameter(B), _parameter(xi)

    @classmethod
    def from_network(cls, network: ParallelNetwork) -> TorchParallelNetwork:
        return cls(network.activation, network.W, network.B, network.xi)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.as_tensor(x, dtype=torch.float64).reshape(-1)
        return batched_forward(self.W, self.B, self.xi, x, self.activation)


def _sign(t: torch.Tensor) -> torch.Tensor:
    return torch.where(t >= 0, 1.0, -1.0).to(torch.float64)


class TorchSignNeuron(torch.nn.Module):
    """$\\operatorname{sign}(w x + b)$ or $\\operatorname{sign}(\\sum_i v_i\\,\\text{child}_i(x) + b)$."""

    def __init__(self, neuron: SignNeuron) -> None:
        super().__init__()
        self.weights, self.bias = _parameter(neuron.weights), _parameter(neuron.bias)
        self.children_ = torch.nn.ModuleList(TorchSignNeuron(child) for child in neuron.children)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not len(self.children_):
            return _sign(self.weights[0] * x + self.bias)
        inputs = torch.stack([child(x) for child in self.children_])
        return _sign(self.weights @ inputs + self.bias)


class TorchSignNetwork(torch.nn.Module):
    """The function of a :class:`~lmirrors.networks.sign.SignNetwork` (forward only: no useful gradient)."""

    def __init__(self, network: SignNetwork) -> None:
        super().__init__()
        self.neurons = torch.nn.ModuleList(TorchSignNeuron(g) for g in network.neurons)
        self.a, self.s, self.xi = _parameter(network.a), _parameter(network.s), _parameter(network.xi)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.as_tensor(x, dtype=torch.float64).reshape(-1)
        if not len(self.neurons):
            return self.xi + torch.zeros_like(x)
        outputs = torch.stack([g(x) for g in self.neurons])
        return self.xi + ((self.a * self.s)[:, None] * outputs).sum(dim=0)
