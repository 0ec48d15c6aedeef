"""One training step of the ``seed`` network: tapeviz vs the same step written by hand in numpy.

The step is forward (Dense(5, relu) → Dense(2, softmax)), the loss
(CategoricalCrossentropy(from_logits=True), which like Keras uses the softmax's logits),
``tape.gradient`` and ``SGD(0.01).apply_gradients``. Both run in this process on the same
data; the figure is the ratio of median step times. The recorded step is also charged what
``record()`` does with each step's events when it ends (renumbering, the learner's names, the
graph), and the goals are ≤ 3× numpy without a listener, ≤ 4× recording with that indexing.
A last line times the floor of this design: the step's own forwards, VJPs and SGD arithmetic
called directly on the arrays (bench/replay.py). Run:

    .venv/bin/python bench/bench_train_step.py [--steps 3000]
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable

import numpy as np
from harness import measure, report
from replay import replay_of

import tapeviz.engine as E
from tapeviz.examples.keras_examples import seed_network


def tapeviz_step(net) -> Callable[[], None]:
    model, inputs, labels, loss_fn, opt, variables = (
        net.model, net.inputs, net.labels, net.loss_fn, net.optimizer, net.variables)

    def step() -> None:
        with E.GradientTape() as tape:
            predictions = model(inputs)
            loss = loss_fn(labels, predictions)
        gradients = tape.gradient(loss, variables)
        opt.apply_gradients(zip(gradients, variables))

    return step


def replay_step(net) -> Callable[[], None]:
    """Only the numpy work of the step's ops and of SGD's arithmetic (see replay.py): the floor."""
    ops = replay_of(lambda tape: (net.loss_fn(net.labels, net.model(net.inputs)), net.variables))
    with E.GradientTape() as tape:
        loss = net.loss_fn(net.labels, net.model(net.inputs))
    pairs = [(v._value, g._value) for v, g in zip(net.variables, tape.gradient(loss, net.variables))]
    lr = np.float32(net.optimizer.learning_rate)

    def step() -> None:
        ops()
        for value, grad in pairs:
            value - grad * lr

    return step


def numpy_step(net) -> Callable[[], None]:
    """The same computation by hand: forward, TF's loss and gradient rule, SGD update."""
    x = np.asarray(net.inputs)
    labels_int = np.asarray(net.labels)
    params = [np.array(v.numpy()) for v in net.variables]
    lr = np.float32(0.01)
    n = np.float32(x.shape[0])

    def step() -> None:
        w1, b1, w2, b2 = params
        y = labels_int.astype(np.float32)
        z1 = x @ w1 + b1
        h = np.maximum(z1, 0)
        z2 = h @ w2 + b2
        shifted = z2 - z2.max(axis=-1, keepdims=True)
        e = np.exp(shifted)
        probs = e / e.sum(axis=-1, keepdims=True)  # the model's softmax output
        log_p = shifted - np.log(e.sum(axis=-1, keepdims=True))
        per = -(y * log_p).sum(axis=-1)
        _loss = per.sum() / n
        d_z2 = (probs - y) / n  # TF's rule for softmax cross-entropy
        d_w2 = h.T @ d_z2
        d_b2 = d_z2.sum(axis=0)
        d_h = d_z2 @ w2.T
        d_z1 = d_h * (z1 > 0)
        d_w1 = x.T @ d_z1
        d_b1 = d_z1.sum(axis=0)
        params[0] = w1 - lr * d_w1
        params[1] = b1 - lr * d_b1
        params[2] = w2 - lr * d_w2
        params[3] = b2 - lr * d_b2

    step.params = params  # type: ignore[attr-defined]
    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=3000, help="steps per variant (default 3000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--batch", type=int, default=32, help="batch size (default 32, the article's)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # the seed network warns every step (from_logits, labels)

    net_np, net_tv, net_rec = (seed_network(batch=args.batch) for _ in range(3))
    # the baseline must make the same update, or the ratio means nothing
    check_np, check_tv = seed_network(batch=args.batch), seed_network(batch=args.batch)
    np_step, tv_step = numpy_step(check_np), tapeviz_step(check_tv)
    for _ in range(3):
        np_step()
        tv_step()
    for theirs, mine in zip(np_step.params, check_tv.variables):  # type: ignore[attr-defined]
        np.testing.assert_allclose(mine.numpy(), theirs, rtol=1e-4, atol=1e-6)
    variants = {"numpy": numpy_step(net_np), "tapeviz": tapeviz_step(net_tv), "tapeviz+trace": tapeviz_step(net_rec),
                "ops' numpy": replay_step(seed_network(batch=args.batch))}
    med, folding, count = measure(variants, "tapeviz+trace", args.steps, args.rounds)
    report(f"seed network training step, batch {args.batch}x10, median of {count} steps",
           med, folding, "tapeviz", "tapeviz+trace",
           "the step's own forwards, VJPs and SGD arithmetic called directly, without tensors, tape, layers "
           "or events (numpy plus the VJPs' own lines)")


if __name__ == "__main__":
    main()
