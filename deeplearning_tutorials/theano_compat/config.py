"""``theano.config``: PyTensor's configuration, with Theano's GPU switch accepted.

Reading or setting an attribute reads or sets ``pytensor.config`` (``floatX``,
``mode``, ``optimizer``, ``compute_test_value`` ...), so ::

    theano.config.floatX = 'float32'

works as it did. Two Theano habits need more:

``device``
    Theano 0.x/1.0 chose the GPU with ``device='gpu'`` (old back end) or
    ``'cuda'`` (1.0's gpuarray). PyTensor has no such device; its GPU route
    is the JAX backend. Where JAX sees a GPU, the kit compiles every later
    ``theano.function`` for JAX and ``config.device`` reads what was set;
    elsewhere it keeps computing on the CPU, ``config.device`` reads
    ``'cpu'`` (as Theano's did when it could not initialise its GPU) and a
    :class:`UserWarning` says why. :mod:`.device` tells the whole story.

``THEANO_FLAGS``
    ``floatX``, ``mode`` and ``device`` in ``THEANO_FLAGS`` are honoured when
    the kit is imported (``PYTENSOR_FLAGS`` wins where both are set). The
    default ``floatX`` is this project's ``float32``, where Theano's was
    ``float64``: set ``floatX=float64`` for Theano's.
"""

import os
import warnings

import pytensor

from deeplearning_tutorials.theano_compat import device as _device
_THEANO_MODES = {"FAST_RUN": None, "FAST_COMPILE": "FAST_COMPILE", "DebugMode": "DebugMode"}


class TheanoConfig:
    """The object behind ``theano.config``."""

    @property
    def device(self):
        """The GPU device set, where it maps onto JAX; ``'cpu'`` otherwise."""
        return _device.mapped_device() or "cpu"

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
    """Accept Theano's ``device`` setting (see :mod:`.device`)."""
    _device.request(value, stacklevel=4)


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
