"""How a worker process of the epoch table talks to its coordinator.

A worker builds one model in one implementation (this project under one
backend, NumPy, PyTorch, or the original code under Theano), then waits on
stdin. Each ``run`` line makes it time every *part* of the model's unit of
work once (the training steps, the validation and test passes) and answer
with one line; ``quit`` (or the end of stdin) ends it. Its answers start with
``@@`` so that whatever the models print (``... loading data``) is skipped.

The module imports nothing but the standard library and runs under
Python 3.7 too: the original code's worker (``original_epoch.py``) uses it
in Theano's environment.
"""

import json
import sys
import timeit

PREFIX = "@@ "


def answer(message):
    """Send one JSON message to the coordinator."""
    sys.stdout.write(PREFIX + json.dumps(message) + "\n")
    sys.stdout.flush()


def time_part(step, n_calls, n_indices):
    """Seconds for ``step(i)`` over ``n_calls`` minibatch indices."""
    start = timeit.default_timer()
    for i in range(n_calls):
        step(i % n_indices)
    return timeit.default_timer() - start


def serve(build, **info):
    """Build the parts, call each once (JIT compilers compile there), then
    answer ``run`` requests until stdin closes.

    ``build()`` returns ``[(name, step, n_calls, n_indices), ...]``: ``step(i)``
    runs one call on minibatch ``i``; ``n_calls`` calls are timed per run,
    cycling over ``n_indices`` minibatches. The first message reports the
    seconds spent building and in the first calls (``setup``), and ``info``.
    """
    start = timeit.default_timer()
    try:
        parts = build()
        for _, step, _, _ in parts:
            step(0)
    except Exception as exc:  # reported as the variant's result, not a crash
        first_line = (str(exc).splitlines() or [""])[0]
        answer({"error": "%s: %s" % (type(exc).__name__, first_line)})
        return
    info["setup"] = timeit.default_timer() - start
    answer(info)
    for line in sys.stdin:
        if line.strip() != "run":
            break
        answer({name: time_part(step, n, k) for name, step, n, k in parts})
