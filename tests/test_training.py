"""The Adam baseline: reproducibility, restarts trained as one batch, progress, consistency, errors."""

import numpy as np
import pytest
import torch
from helpers import make_data, relative, two_layer_objective

from lmirrors import Activation, ParallelNetwork, fit, train_adam
from lmirrors.networks.torch_modules import batched_forward, batched_objective

X, Y = make_data("uniform", 6, 11)
FAST = {"steps": 300, "restarts": 3, "lr": 0.02, "progress": False}


@pytest.fixture(scope="module")
def run():
    return train_adam(X, Y, activation="relu", beta=0.05, seed=3, **FAST)


def test_same_seed_same_result(run):
    again = train_adam(X, Y, activation="relu", beta=0.05, seed=3, **FAST)
    np.testing.assert_array_equal(again.restart_objectives, run.restart_objectives)
    np.testing.assert_array_equal(again.network.W, run.network.W)
    np.testing.assert_array_equal(again.network.B, run.network.B)
    np.testing.assert_array_equal(again.history, run.history)


def test_other_seed_other_result(run):
    other = train_adam(X, Y, activation="relu", beta=0.05, seed=4, **FAST)
    assert not np.array_equal(other.restart_objectives, run.restart_objectives)


def test_objective_decreases_and_history_has_one_entry_per_step(run):
    assert run.history.shape == (FAST["steps"],)
    assert run.history[-1] < run.history[0]
    assert run.history[-1] < 0.5 * run.history[0]


def test_result_is_consistent(run):
    assert run.restart_objectives.shape == (FAST["restarts"],)
    assert run.objective == run.restart_objectives.min()
    assert isinstance(run.network, ParallelNetwork)
    assert run.network.W.shape == (2 * X.size, 2)  # default width 2N
    assert run.network.B.shape == (2 * X.size, 1)
    # the reported J is the best network's J, also when evaluated from its raw weights
    assert relative(run.network.objective(X, Y, 0.05), run.objective) < 1e-12
    assert (
        relative(
            two_layer_objective(run.network.W, run.network.B, run.network.xi, X, Y, 0.05, "relu"),
            run.objective,
        )
        < 1e-12
    )
    assert run.seconds > 0


def test_training_never_beats_the_lasso(run):
    lasso = fit(X, Y, activation="relu", beta=0.05).solution.objective
    assert run.restart_objectives.min() >= lasso * (1 - 1e-9)


def test_width_and_leaky_activation_object():
    result = train_adam(
        X,
        Y,
        activation=Activation("leaky_relu", 0.2),
        beta=0.1,
        width=4,
        seed=0,
        steps=50,
        restarts=2,
        progress=False,
    )
    assert result.network.width == 4
    assert result.network.activation.slope == 0.2
    assert (
        relative(
            two_layer_objective(result.network.W, result.network.B, result.network.xi, X, Y, 0.1, "leaky_relu", 0.2),
            result.objective,
        )
        < 1e-12
    )


def test_batched_forward_matches_numpy_networks():
    rng = np.random.default_rng(0)
    act = Activation("abs")
    W, B, xi = rng.standard_normal((3, 5, 2)), rng.standard_normal((3, 5, 1)), rng.standard_normal(3)
    t = np.linspace(-2, 2, 9)
    out = batched_forward(torch.as_tensor(W), torch.as_tensor(B), torch.as_tensor(xi), torch.as_tensor(t), act)
    for r in range(3):
        np.testing.assert_allclose(out[r].numpy(), ParallelNetwork(act, W[r], B[r], xi[r])(t), rtol=1e-14)


def _adam(W, B, xi, steps, beta, act):
    """Adam + cosine schedule on the summed batch objective, as train_adam runs it."""
    params = [p.clone().requires_grad_() for p in (W, B, xi)]
    optimiser = torch.optim.Adam(params, lr=0.02)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, steps, eta_min=0.0002)
    x, y = torch.as_tensor(X), torch.as_tensor(Y)
    for _ in range(steps):
        optimiser.zero_grad()
        batched_objective(*params, x, y, beta, act).sum().backward()
        optimiser.step()
        schedule.step()
    return [p.detach() for p in params]


def test_restarts_in_one_batch_follow_their_own_trajectories():
    """Training restarts as a batch (summed loss) equals training each restart alone from the same
    initial weights: the summed loss separates and Adam's update is per coordinate."""
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    act = Activation("relu")
    W = torch.randn((3, 8, 2), generator=gen, dtype=torch.float64)
    B = torch.randn((3, 8, 1), generator=gen, dtype=torch.float64)
    xi = torch.zeros(3, dtype=torch.float64)
    batch = _adam(W, B, xi, 150, 0.05, act)
    for r in range(3):
        alone = _adam(W[r : r + 1], B[r : r + 1], xi[r : r + 1], 150, 0.05, act)
        for joint, single in zip(batch, alone, strict=True):
            np.testing.assert_allclose(joint[r].numpy(), single[0].numpy(), rtol=1e-10, atol=1e-12)
    # the restarts really differ from each other (otherwise the check above would be vacuous)
    assert not torch.allclose(batch[0][0], batch[0][1])


def test_every_restart_is_returned(run):
    assert len(run.networks) == FAST["restarts"]
    for net, J in zip(run.networks, run.restart_objectives, strict=True):
        assert relative(net.objective(X, Y, 0.05), J) < 1e-12
    assert run.network is run.networks[int(np.argmin(run.restart_objectives))]


def test_start_from_a_network():
    """Every restart begins at the start network (times 1 + jitter noise); without jitter and with a
    tiny learning rate Adam barely moves, with jitter the restarts differ."""
    start = fit(X, Y, depth=3, activation="abs", beta=0.05).network
    still = train_adam(X, Y, beta=0.05, start=start, restarts=2, steps=5, lr=1e-9, progress=False)
    assert still.network.depth == 3 and still.network.activation.name == "abs"
    assert still.network.width == start.width
    for net in still.networks:
        np.testing.assert_allclose(net.W, start.W, atol=1e-7)
        np.testing.assert_allclose(net.B, start.B, atol=1e-7)
    shaken = train_adam(X, Y, beta=0.05, start=start, jitter=0.1, restarts=2, steps=5, lr=1e-9, progress=False)
    first, second = shaken.networks
    assert np.abs(first.W - start.W).max() > 1e-3 and np.abs(first.W - second.W).max() > 1e-3
    with pytest.raises(ValueError, match="width"):
        train_adam(X, Y, start=start, width=start.width + 1, steps=2, restarts=1, progress=False)


def test_start_keeps_the_networks_input_map():
    """A fitted network reads x - c (c the data's centre); Adam started there computes the same function."""
    x = X + 100.0
    start = fit(x, Y, depth=2, beta=0.05).network
    assert start.input_shift != 0
    still = train_adam(x, Y, beta=0.05, start=start, restarts=1, steps=2, lr=1e-12, progress=False)
    assert still.network.input_shift == start.input_shift
    assert still.objective == pytest.approx(start.objective(x, Y, 0.05), rel=1e-9)


def test_sign_activation_cannot_be_trained():
    with pytest.raises(ValueError, match="sign"):
        train_adam(X, Y, activation="sign", steps=2, restarts=1, progress=False)


@pytest.mark.parametrize(
    "x, y, beta, match",
    [
        ([0.0, np.nan, 1.0], [0.0, 1.0, 2.0], 0.1, "NaN or infinite"),
        ([0.0, 1.0, 2.0], [0.0, 1.0], 0.1, "same length"),
        ([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], -1.0, "beta must be"),
    ],
)
def test_bad_input(x, y, beta, match):
    with pytest.raises(ValueError, match=match):
        train_adam(x, y, beta=beta, steps=2, restarts=1, progress=False)


@pytest.mark.parametrize("depth", [3, 4, 5])
def test_shared_trunk_start_computes_the_capped_ramp(depth):
    from lmirrors.training import shared_trunk_start

    net = shared_trunk_start(depth, width=5, ramp=(2.0, 4.0, -1.5), seed=3)
    # the trunk is shared by every unit
    assert np.ptp(net.W[:, : depth - 2], axis=0).max() == 0 and np.ptp(net.B[:, : depth - 2], axis=0).max() == 0
    net.W[1:, -1] = 0.0  # silence the random neurons: the first one alone is the ramp
    t = np.linspace(-1, 7, 33)
    assert np.allclose(net(t), -1.5 * (np.clip(t, 2, 4) - 2), atol=1e-12)
    assert abs(net.path_norm() - 1.5) < 1e-12  # balanced: product of the weights is the coefficient
    with pytest.raises(ValueError, match="depth >= 3"):
        shared_trunk_start(2)


def test_train_adam_shared_reports_its_objective_and_never_beats_the_lasso():
    from lmirrors.training import shared_trunk_start, train_adam_shared, trained_summary

    x, y, beta = np.array([0.0, 2, 6, 7]), np.array([0.0, 0, 3, 3]), 0.05
    starts = [shared_trunk_start(4, 10, ramp=(2, 4, 1.5), seed=0), shared_trunk_start(4, 10, seed=1)]
    run = train_adam_shared(x, y, starts, beta, steps=300, progress=False)
    optimum = fit(x, y, depth=4, beta=beta).solution.objective
    for net, objective in zip(run.networks, run.restart_objectives, strict=True):
        # the shared penalty counts the trunk once; the parallel twin counts it in every unit
        shared = beta / 4 * (np.sum(net.W[0, :2] ** 4) + np.sum(net.W[:, 2:] ** 4))
        assert abs(objective - (net.objective(x, y, 0.0) + shared)) < 1e-9
        summary = trained_summary(net, x, y, beta)
        assert summary["balanced J"] >= optimum - 1e-9
    assert run.objective == run.restart_objectives.min()
    bad = shared_trunk_start(4, 10, seed=2)
    bad.W[1, 0] += 1.0
    with pytest.raises(ValueError, match="share"):
        train_adam_shared(x, y, [bad], beta, steps=1, progress=False)


def test_train_adam_betas_gives_each_beta_its_separate_run():
    """Several values of beta trained as one batch: every beta's restarts, objectives and history are
    those of train_adam(beta=b) with the same seed, to the last bit (the batch only saves steps)."""
    from lmirrors.training import train_adam_betas

    betas = (0.01, 0.05, 0.3)
    batch = train_adam_betas(X, Y, betas, activation="abs", seed=5, **FAST)
    assert len(batch) == len(betas)
    for beta, joint in zip(betas, batch, strict=True):
        alone = train_adam(X, Y, activation="abs", beta=beta, seed=5, **FAST)
        np.testing.assert_array_equal(joint.restart_objectives, alone.restart_objectives)
        np.testing.assert_array_equal(joint.history, alone.history)
        np.testing.assert_array_equal(joint.network.W, alone.network.W)
        assert joint.history.shape == (FAST["steps"],)
    # the betas really give different networks (otherwise the check above would be vacuous)
    assert not np.array_equal(batch[0].network.W, batch[2].network.W)
    with pytest.raises(ValueError, match="beta"):
        train_adam_betas(X, Y, (0.1, -1.0), **FAST)


def test_train_adam_shared_checkpoints_equal_runs_of_that_length():
    """One constant-rate run read off at several step counts gives what separate runs of those
    lengths give, to the last bit, and one result per distinct checkpoint in increasing order."""
    from lmirrors.training import shared_trunk_start, train_adam_shared, train_adam_shared_checkpoints

    x, y, beta = np.array([-1.0, 2, 6, 7]), np.array([0.0, 0, 3, 3]), 0.05
    starts = [shared_trunk_start(4, 10, ramp=(2, 4, 1.5), seed=0), shared_trunk_start(4, 10, seed=1)]
    runs = train_adam_shared_checkpoints(x, y, starts, beta, [200, 50, 200], progress=False)
    assert len(runs) == 2
    for steps, run in zip((50, 200), runs, strict=True):
        alone = train_adam_shared(x, y, starts, beta, steps=steps, progress=False)
        np.testing.assert_array_equal(run.restart_objectives, alone.restart_objectives)
        np.testing.assert_array_equal(run.history, alone.history)
        for net, single in zip(run.networks, alone.networks, strict=True):
            np.testing.assert_array_equal(net.W, single.W)
            np.testing.assert_array_equal(net.B, single.B)
    assert not np.array_equal(runs[0].network.W, runs[1].network.W)  # it did train between them
    with pytest.raises(ValueError, match="checkpoints"):
        train_adam_shared_checkpoints(x, y, starts, beta, [], progress=False)
