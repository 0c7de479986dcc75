"""Circuit.train: the optimizers against numpy references, batches, faults, and the fit."""

from __future__ import annotations

import csv
import math
import pathlib
import shutil

import numpy as np
import pytest

import circuitsim
from circuitsim.train import TrainingError

ROOT = pathlib.Path(__file__).resolve().parent.parent


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return {name: np.array([float(r[name]) for r in rows]) for name in rows[0]}


@pytest.fixture(scope="module")
def line():
    return circuitsim.load(ROOT / "circuits" / "least_squares.yaml"), read_csv(ROOT / "circuits" / "data" / "line.csv")


@pytest.fixture(scope="module")
def blobs():
    return circuitsim.load(ROOT / "circuits" / "logistic.yaml"), read_csv(ROOT / "circuits" / "data" / "blobs.csv")


# -- numpy references: the gradients by hand, the update rules as the papers write them ------


def line_loss_grad(theta, x, y):
    a, b = theta
    err = a * x + b - y
    return np.mean(err**2), np.array([np.mean(2 * err * x), np.mean(2 * err)])


def logistic_loss_grad(theta, x0, x1, y):
    w0, w1, b = theta
    z = w0 * x0 + w1 * x1 + b
    p = 1 / (1 + np.exp(-z))
    loss = np.mean(np.logaddexp(0, z) - y * z)
    d = p - y
    return loss, np.array([np.mean(d * x0), np.mean(d * x1), np.mean(d)])


def sgd_reference(grad_fn, theta, steps, lr, momentum=0.0, weight_decay=0.0):
    theta, v, history = np.array(theta, float), None, []
    for k in range(steps):
        loss, g = grad_fn(theta)
        history.append(loss)
        g = g + weight_decay * theta
        v = g if v is None else momentum * v + g
        theta = theta - (lr(k) if callable(lr) else lr) * (v if momentum else g)
    return theta, history


def adam_reference(grad_fn, theta, steps, lr, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.0):
    theta = np.array(theta, float)
    m, s, history = np.zeros_like(theta), np.zeros_like(theta), []
    for t in range(1, steps + 1):
        loss, g = grad_fn(theta)
        history.append(loss)
        g = g + weight_decay * theta
        m = b1 * m + (1 - b1) * g
        s = b2 * s + (1 - b2) * g * g
        theta = theta - lr * (m / (1 - b1**t)) / (np.sqrt(s / (1 - b2**t)) + eps)
    return theta, history


@pytest.mark.parametrize("momentum, weight_decay", [(0.0, 0.0), (0.9, 0.0), (0.5, 0.01)])
def test_sgd_with_momentum_and_weight_decay_is_the_numpy_reference(line, momentum, weight_decay):
    c, data = line
    fit = c.train(data, steps=40, lr=0.05, momentum=momentum, weight_decay=weight_decay)
    want, history = sgd_reference(lambda t: line_loss_grad(t, data["x"], data["y"]), [0.0, 0.0], 40, 0.05, momentum, weight_decay)
    np.testing.assert_allclose([fit.params["a"], fit.params["b"]], want, rtol=1e-12)
    np.testing.assert_allclose(fit.history, history, rtol=1e-12)
    assert list(fit.params) == ["a", "b"]  # every input the data does not give


def test_adam_is_the_numpy_reference(blobs):
    c, data = blobs
    fit = c.train(data, steps=60, optimizer="adam", lr=0.05, weight_decay=0.001, betas=(0.8, 0.99))
    want, history = adam_reference(
        lambda t: logistic_loss_grad(t, data["x0"], data["x1"], data["y"]), [0.0, 0.0, 0.0], 60, 0.05, 0.8, 0.99, 1e-8, 0.001
    )
    np.testing.assert_allclose([fit.params[n] for n in ("w0", "w1", "b")], want, rtol=1e-10)
    np.testing.assert_allclose(fit.history, history, rtol=1e-12)
    assert fit.history[0] == pytest.approx(np.log(2))


def test_a_learning_rate_schedule_is_called_with_the_step(line):
    c, data = line
    seen = []

    def lr(k):
        seen.append(k)
        return 0.2 / (1 + k)

    fit = c.train(data, steps=10, lr=lr)
    want, _ = sgd_reference(lambda t: line_loss_grad(t, data["x"], data["y"]), [0.0, 0.0], 10, lambda k: 0.2 / (1 + k))
    assert seen == list(range(10))
    np.testing.assert_allclose(list(fit.params.values()), want, rtol=1e-12)


def test_least_squares_comes_out_as_lstsq(line):
    c, data = line
    fit = c.train(data, steps=300, optimizer="adam", lr=0.1)
    A = np.stack([data["x"], np.ones_like(data["x"])], axis=1)
    (a, b), *_ = np.linalg.lstsq(A, data["y"], rcond=None)
    assert fit.params["a"] == pytest.approx(a, abs=1e-4) and fit.params["b"] == pytest.approx(b, abs=1e-4)
    assert fit.loss == pytest.approx(np.mean((a * data["x"] + b - data["y"]) ** 2), rel=1e-6)


def test_each_step_is_one_batch_run_of_the_plan(line, monkeypatch):
    c, data = line
    c = circuitsim.load(c.path)  # a plan of its own to spy on
    runs = []
    real = c.plan.execute

    def spy(request):
        runs.append((len(request.values[c.plan.inputs["x"]]), "forward" if request.seeds is None else "both passes"))
        return real(request)

    monkeypatch.setattr(c.plan, "execute", spy)
    c.train(data, steps=7)
    assert runs == [(20, "both passes")] * 8  # and the loss at the trained values, a run like the steps' (made already)
    runs.clear()
    c.train(data, steps=7, batch_size=8)
    assert [n for n, _ in runs] == [8, 8, 4, 8, 8, 4, 8, 20]


def test_a_wide_network_trains_as_gradient_descent_on_its_batch_runs(monkeypatch):
    # micrograd's demo MLP: its steps run in blocks, the parameters' gradients summed over the samples there
    c = circuitsim.load(ROOT / "circuits" / "moons_mlp.yaml")
    data = read_csv(ROOT / "circuits" / "data" / "moons.csv")
    runs, execute = [], c.plan.execute

    def spy(request):
        outcome = execute(request)
        runs.append((request.sums, outcome.tier))
        return outcome

    monkeypatch.setattr(c.plan, "execute", spy)
    fit = c.train(data, steps=3, lr=0.5, batch_size=40, seed=1)
    assert runs == [(True, "blocks")] * 4  # three steps and the loss at the end, keeping only sums
    monkeypatch.undo()
    order = np.random.default_rng(1).permutation(100)
    theta = {name: c.inputs[name] for name in fit.params}
    for k in range(3):
        rows = order[40 * k : 40 * k + 40] if k < 2 else order[80:]
        run = c.run({**{name: column[rows] for name, column in data.items()}, **theta})
        assert fit.history[k] == pytest.approx(np.mean(run.outputs["loss"]), rel=1e-12)
        theta = {name: x - 0.5 * np.mean(run.grads[name]) for name, x in theta.items()}
    assert list(fit.params.values()) == pytest.approx(list(theta.values()), rel=1e-12, abs=1e-15)


def test_mini_batches_take_a_seeded_shuffle_of_each_pass(line):
    c, data = line
    a = c.train(data, steps=10, batch_size=5, seed=3, lr=0.05)
    b = c.train(data, steps=10, batch_size=5, seed=3, lr=0.05)
    other = c.train(data, steps=10, batch_size=5, seed=4, lr=0.05)
    assert a.history == b.history and a.params == b.params
    assert a.history != other.history

    def grad(theta, rows):
        return line_loss_grad(theta, data["x"][rows], data["y"][rows])

    rng, theta, history = np.random.default_rng(3), np.zeros(2), []
    for step in range(10):  # four steps per pass over 20 samples in batches of 5
        if step % 4 == 0:
            order = rng.permutation(20)
        start = 5 * (step % 4)
        loss, g = grad(theta, order[start : start + 5])
        history.append(loss)
        theta = theta - 0.05 * g
    np.testing.assert_allclose(a.history, history, rtol=1e-12)
    np.testing.assert_allclose(list(a.params.values()), theta, rtol=1e-12)


def test_the_fit_holds_a_circuit_with_the_trained_defaults_and_saves_it(line, tmp_path):
    c, data = line
    fit = c.train(data, steps=20, lr=0.1)
    assert fit.circuit.inputs["a"] == fit.params["a"] and fit.circuit.inputs["x"] == c.inputs["x"]
    assert c.inputs["a"] == 0.0  # the original is left as it was
    assert fit.circuit.forward(data).outputs["loss"].mean() == pytest.approx(fit.loss, rel=1e-12)
    out = tmp_path / "trained.yaml"
    fit.save(out)
    back = circuitsim.load(out)
    assert dict(back.inputs) == dict(fit.circuit.inputs)
    assert [t.name for t in back.spec.tests] == ["on the line"]  # the vector at the old defaults is left out
    assert back.test().passed


def test_saving_with_modules_keeps_them_found_or_says_why_not(root, tmp_path):
    shutil.copytree(root / "circuits" / "modules", tmp_path / "a" / "modules")
    shutil.copy(root / "circuits" / "two_neurons.yaml", tmp_path / "a")
    c = circuitsim.load(tmp_path / "a" / "two_neurons.yaml")
    fit = c.train({"x1": [-2.0, 0.0, 1.0]}, params=["x0"], steps=3, lr=0.1)
    fit.save(tmp_path / "two.yaml")  # a folder above: the module paths start with a/
    back = circuitsim.load(tmp_path / "two.yaml")
    assert back.inputs["x0"] == pytest.approx(fit.params["x0"])
    assert back.run({"x1": 0.0}).outputs == fit.circuit.run({"x1": 0.0}).outputs
    (tmp_path / "b").mkdir()
    with pytest.raises(circuitsim.CircuitError, match="its module ../a/modules/neuron_unit.yaml would lie outside"):
        fit.save(tmp_path / "b" / "two.yaml")
    assert list((tmp_path / "b").iterdir()) == []


def test_params_may_be_named_or_given_starting_values(blobs):
    c, data = blobs
    only_b = c.train(data, params=["b"], steps=5)
    assert list(only_b.params) == ["b"] and only_b.circuit.inputs["w0"] == 0.0
    started = c.train(data, params={"w0": 1.0, "w1": 2.0, "b": 0.5}, steps=0)
    assert started.params == {"w0": 1.0, "w1": 2.0, "b": 0.5} and started.history == []


def test_a_circuit_with_no_data_is_a_function_to_minimise():
    c = circuitsim.loads(  # Rosenbrock's valley, minimum 0 at (1, 1)
        "inputs: {x: -1.0, y: 1.0}\n"
        "gates:\n"
        "  a: {type: sub, inputs: [1, x]}\n"
        "  a2: {type: mul, inputs: [a, a]}\n"
        "  x2: {type: mul, inputs: [x, x]}\n"
        "  d: {type: sub, inputs: [y, x2]}\n"
        "  d2: {type: mul, inputs: [d, d, 100]}\n"
        "  f: {type: add, inputs: [a2, d2]}\n"
        "outputs: [f]\n"
    )
    fit = c.train({}, steps=3000, optimizer="adam", lr=0.02)
    assert fit.params == pytest.approx({"x": 1.0, "y": 1.0}, abs=0.02) and fit.loss < 1e-3
    assert fit.history[0] == 4.0


# -- faults ----------------------------------------------------------------------------------


LOG = "inputs: {w: 1.0, x: 1.0}\ngates:\n  m: {type: mul, inputs: [w, x]}\n  l: {type: log, inputs: [m]}\noutputs: [l]\n"


def test_a_nan_stops_training_naming_the_gate_and_keeping_the_last_good_params():
    c = circuitsim.loads(LOG, path="log.yaml")
    with pytest.raises(TrainingError) as info:
        c.train({"x": [1.0, 1.0]}, steps=5, lr=2.0)  # w = 1 - 2 * (1/1) = -1: log(-1)
    err = info.value
    assert err.step == 1 and err.params == {"w": 1.0} and err.history == [0.0]
    assert (err.line, err.column) == (4, 3)
    assert "step 1" in str(err) and "gate 'l' (log)" in str(err) and "nan (sample 0)" in str(err)
    assert isinstance(err, circuitsim.NumericalError)


def test_a_nan_in_a_wide_network_stops_training_naming_the_gate(blocks_always):
    c = circuitsim.loads(LOG, path="log.yaml")
    with pytest.raises(TrainingError) as info:
        c.train({"x": np.ones(20)}, steps=5, lr=2.0)
    assert info.value.step == 1 and "gate 'l' (log)" in str(info.value) and "nan (sample 0)" in str(info.value)


def test_an_update_that_overflows_stops_training_before_it():
    c = circuitsim.loads("inputs: {w: 1.0}\ngates:\n  e: {type: exp, inputs: [w]}\noutputs: [e]\n", path="exp.yaml")
    with pytest.raises(TrainingError, match="the update made parameter 'w' -inf: lower the learning rate") as info:
        c.train({}, steps=3, lr=1e308)
    assert info.value.step == 0 and info.value.params == {"w": 1.0} and info.value.line == 1
    assert str(info.value).endswith("(the error keeps the parameters of step 0, before it)")
    with pytest.raises(TrainingError, match="keeps the parameters of step 1, before it") as info:
        c.train({}, steps=3, lr=lambda k: 0.1 if k == 0 else 1e308)
    w = 1.0 - 0.1 * math.e
    assert info.value.step == 1 and info.value.params == {"w": w} and info.value.history == [math.e, math.exp(w)]


@pytest.mark.parametrize("data, options, message", [
    ({"q": [1.0]}, {}, "data column 'q' is not an input of 'least_squares'"),
    ({"x": [1.0, 2.0], "y": [1.0]}, {}, "data column 'y' has 1 samples but 'x' has 2"),
    ({"x": ["a", "b"]}, {}, "data column 'x' must hold numbers only"),
    ({"x": [1.0, float("nan")]}, {}, "data column 'x' is nan in sample 1"),
    ({"x": [[1.0]]}, {}, "must be a non-empty 1-D array"),
    ({"x": [1.0]}, {"params": ["x"]}, "'x' is both a data column and a parameter"),
    ({"x": [1.0]}, {"params": ["c"]}, "parameter 'c' is not an input"),
    ({"x": [1.0]}, {"params": "a"}, "params must be a list of input names"),
    ({"x": [1.0], "y": [1.0], "a": [1.0], "b": [1.0]}, {}, "nothing to train"),
    ({"x": [1.0]}, {"optimizer": "lbfgs"}, "unknown optimizer 'lbfgs'; choose one of sgd, adam"),
    ({"x": [1.0]}, {"optimizer": "adam", "momentum": 0.9}, "momentum is an SGD setting"),
    ({"x": [1.0]}, {"lr": -1}, "lr must be a number > 0"),
    ({"x": [1.0]}, {"momentum": 1.0}, "momentum must be a number >= 0 and < 1"),
    ({"x": [1.0]}, {"steps": 2.5}, "steps must be a whole number"),
    ({"x": [1.0]}, {"batch_size": 0}, "batch_size must be a whole number >= 1"),
    ({"x": [1.0]}, {"lr": lambda k: "fast"}, r"lr\(0\) must give a finite number"),
])
def test_bad_data_and_settings_are_clear_errors(line, data, options, message):
    c, _ = line
    with pytest.raises(circuitsim.CircuitError, match=message):
        c.train(data, **options)


def test_an_input_without_default_must_come_from_the_data():
    c = circuitsim.loads("inputs: {w: 1.0, x: null}\ngates:\n  m: {type: mul, inputs: [w, x]}\noutputs: [m]\n", path="m.yaml")
    with pytest.raises(circuitsim.CircuitError, match="input 'x' is not in the data and has no default") as info:
        c.train({})
    assert info.value.line == 1
    with pytest.raises(circuitsim.CircuitError, match="input 'x' has no default and no data column"):
        c.train({}, params=["w"])


# -- the circuit's inputs ---------------------------------------------------------------------


def test_inputs_are_read_only_and_with_defaults_makes_a_new_circuit(line):
    c, _ = line
    with pytest.raises(TypeError, match=r"read-only: circuit.with_defaults\(\{'a': 2.0\}\)"):
        c.inputs["a"] = 2.0
    moved = c.with_defaults({"a": 2.0})
    assert moved.inputs["a"] == 2.0 and c.inputs["a"] == 0.0
    assert moved.run().outputs["loss"] == pytest.approx((-2.0 - -2.9874) ** 2)
    assert "  a: 2.0\n" in circuitsim.dump(moved)
    assert [t.name for t in moved.spec.tests] == ["on the line"]  # the vector that sets a stays
    with pytest.raises(circuitsim.CircuitError, match="unknown input 'q'"):
        c.with_defaults({"q": 1.0})


def test_micrograd_demo_reaches_full_accuracy_on_the_moons(root):
    c = circuitsim.load(root / "circuits" / "moons_mlp.yaml")
    data = read_csv(root / "circuits" / "data" / "moons.csv")
    fit = c.train(data, steps=100, lr=lambda k: 1.0 - 0.9 * k / 100)
    assert fit.history[0] == pytest.approx(0.8958441028683222, rel=1e-12)  # micrograd's demo prints this at step 0
    score = fit.circuit.forward(data).values["score"]
    assert np.mean((score > 0) == (data["y"] > 0)) >= 0.98
