"""``theano.config``: PyTensor's configuration, with Theano's GPU switch accepted.

Reading or setting an attribute reads or sets ``pytensor.config`` (``floatX``,
``mode``, ``optimizer``, ``compute_test_value`` ...), so ::

    theano.config.floatX = 'float32'

works as it did. Two Theano habits need more:

``device``
    Theano 0.x/1.0 chose the GPU with ``device='gpu'`` (old back end) or
    ``'cuda'`` (1.0's gpuarray). PyTensor has no such device; its GPU route
    is the JAX backend, whose compiled slices need static bounds that the
    ``givens={x: data[i * bs:(i + 1) * bs]}`` of legacy scripts do not have.
    So the kit *accepts* the setting, keeps computing on the CPU with the
    current mode, and says so in a :class:`UserWarning`; ``config.device``
    then reads ``'cpu'``, as Theano's did when the device could not change
    after start-up (the ``try: theano.config.device = 'gpu' / except: pass``
    of Nielsen's ``network3.py``). Pass ``mode='JAX'`` to a function, or set
    ``PYTENSOR_FLAGS=mode=JAX``, to run a graph with static shapes on JAX.

``THEANO_FLAGS``
    ``floatX``, ``mode`` and ``device`` in ``THEANO_FLAGS`` are honoured when
    the kit is imported (``PYTENSOR_FLAGS`` wins where both are set). The
    default ``floatX`` is this project's ``float32``, where Theano's was
    ``float64``: set ``floatX=float64`` for Theano's.
"""

import os
import warnings

import pytensor

GPU_DEVICES = ("gpu", "cuda", "opencl")
_THEANO_MODES = {"FAST_RUN": None, "FAST_COMPILE": "FAST_COMPILE", "DebugMode": "DebugMode"}


class TheanoConfig:
    """The object behind ``theano.config``."""

    def __init__(self):
        object.__setattr__(self, "_device", "cpu")

    @property
    def device(self):
        """Always ``'cpu'``: the device a Theano run without a GPU reported."""
        return self._device

    @device.setter
    def device(self, value):
        accept_device(value)

    @property
    def pytensor(self):
        """PyTensor's own configuration, for what Theano did not have."""
        return pytensor.config

    def __getattr__(self, name):
        return getattr(pytensor.config, name)

    def __setattr__(self, name, value):
        if name == "device":
            accept_device(value)
        else:
            setattr(pytensor.config, name, value)

    def __dir__(self):
        return sorted({"device", "pytensor", *dir(pytensor.config)})


def accept_device(value):
    """Accept Theano's ``device`` setting; warn that a GPU one stays on the CPU."""
    value = str(value)
    if value.startswith(GPU_DEVICES):
        warnings.warn(
            f"theano.config.device = {value!r} is accepted and ignored: the porting kit "
            f"computes on the CPU with mode {pytensor.config.mode}. PyTensor's GPU route "
            "is mode='JAX' (static shapes only; see doc/porting.md).",
            UserWarning,
            stacklevel=3,
        )
    elif value != "cpu":
        raise ValueError(f"unknown Theano device {value!r} (use 'cpu', 'gpu' or 'cuda')")


def theano_flags(environ=None):
    """``THEANO_FLAGS`` as a dict (``'floatX=float32,device=gpu'`` ...)."""
    text = (environ if environ is not None else os.environ).get("THEANO_FLAGS", "")
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {key.strip(): value.strip() for key, value in pairs}


def apply_theano_flags(environ=None):
    """Apply ``floatX``, ``mode`` and ``device`` of ``THEANO_FLAGS`` where
    ``PYTENSOR_FLAGS`` is silent."""
    environ = os.environ if environ is None else environ
    pytensor_flags = environ.get("PYTENSOR_FLAGS", "")
    flags = theano_flags(environ)
    if "floatX" in flags and "floatX" not in pytensor_flags:
        pytensor.config.floatX = flags["floatX"]
    mode = _THEANO_MODES.get(flags.get("mode"), flags.get("mode"))
    if mode and "mode" not in pytensor_flags:
        pytensor.config.mode = mode
    if "device" in flags:
        accept_device(flags["device"])


config = TheanoConfig()
