"""``theano.config``: PyTensor's configuration, with Theano's GPU switch accepted.

Reading or setting an attribute reads or sets ``pytensor.config`` (``floatX``,
``mode``, ``optimizer`` ...), so ::

    theano.config.floatX = 'float32'

works as it did. Some Theano habits need more:

``device``
    Theano 0.x/1.0 chose the GPU with ``device='gpu'`` (old back end) or
    ``'cuda'`` (1.0's gpuarray). PyTensor has no such device; its GPU route
    is the JAX backend. Where JAX sees a GPU, the kit compiles every later
    ``theano.function`` for JAX and ``config.device`` reads what was set;
    elsewhere it keeps computing on the CPU, ``config.device`` reads
    ``'cpu'`` (as Theano's did when it could not initialise its GPU) and a
    :class:`UserWarning` says why. :mod:`.device` tells the whole story.

``compute_test_value``
    PyTensor dropped test values; the kit computes them as Theano did
    (:mod:`.test_values`), so ``'raise'`` reports a shape error where the
    graph is built.

Names PyTensor lacks
    Reading one raises :class:`~.errors.TheanoNameError`; setting one warns
    that it has no effect. Theano's dotted names (``config.blas.ldflags``,
    ``config.gcc.cxxflags``) are PyTensor's ``blas__ldflags`` ...

``THEANO_FLAGS``
    ``floatX``, ``mode``, ``device`` and ``compute_test_value`` in
    ``THEANO_FLAGS`` are honoured when the kit is imported (``PYTENSOR_FLAGS`` wins where both are set);
    so is ``linker`` when it names one of Theano's C linkers (``cvm``, its
    default): PyTensor's C backend, with a BLAS linked (:func:`use_c_backend`,
    as for ``PYTENSOR_FLAGS=mode=CVM``). The
    default ``floatX`` is this project's ``float32``, where Theano's was
    ``float64``: set ``floatX=float64`` for Theano's.
"""

import os
import warnings

import pytensor

from deeplearning_tutorials.theano_compat import device as _device
from deeplearning_tutorials.theano_compat import test_values as _test_values
from deeplearning_tutorials.theano_compat.errors import GUIDE, TheanoNameError

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
    def compute_test_value(self):
        """Theano's test values (:mod:`.test_values`): ``'off'``, ``'ignore'``,
        ``'warn'``, ``'raise'`` or ``'pdb'``."""
        return _test_values.mode()

    @compute_test_value.setter
    def compute_test_value(self, value):
        _test_values.set_mode(value)

    @property
    def pytensor(self):
        """PyTensor's own configuration, for what Theano did not have."""
        return pytensor.config

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if _is_setting(name):
            return getattr(pytensor.config, name)
        if _is_section(name):
            return _Section(name)
        ignored = self.__dict__.get("_ignored", {})
        if name in ignored:
            return ignored[name]
        raise TheanoNameError(
            f"theano.config.{name} is not supported by the porting kit "
            f"(deeplearning_tutorials.theano_compat): PyTensor has no such setting "
            f"(theano.config.pytensor lists PyTensor's; see {GUIDE})"
        )

    def __setattr__(self, name, value):
        if name == "device":
            accept_device(value)
        elif name == "compute_test_value":
            _test_values.set_mode(value)
        elif _is_setting(name):
            setattr(pytensor.config, name, value)
        else:
            warnings.warn(
                f"theano.config.{name} = {value!r}: PyTensor has no such setting, so it "
                f"has no effect (kept only to be read back; see {GUIDE})",
                UserWarning,
                stacklevel=2,
            )
            self.__dict__.setdefault("_ignored", {})[name] = value

    def __dir__(self):
        return sorted({"device", "compute_test_value", "pytensor", *dir(pytensor.config)})


class _Section:
    """Theano's dotted settings (``theano.config.blas.ldflags``), on PyTensor's
    flat names (``blas__ldflags``)."""

    def __init__(self, prefix):
        object.__setattr__(self, "_prefix", prefix)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(config, f"{self._prefix}__{name}")

    def __setattr__(self, name, value):
        setattr(config, f"{self._prefix}__{name}", value)


def _is_setting(name):
    return name in pytensor.config._config_var_dict


def _is_section(name):
    return any(key.startswith(name + "__") for key in pytensor.config._config_var_dict)


def accept_device(value):
    """Accept Theano's ``device`` setting (see :mod:`.device`)."""
    _device.request(value, stacklevel=4)


def theano_flags(environ=None):
    """``THEANO_FLAGS`` as a dict (``'floatX=float32,device=gpu'`` ...)."""
    text = (environ if environ is not None else os.environ).get("THEANO_FLAGS", "")
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {key.strip(): value.strip() for key, value in pairs}


def apply_theano_flags(environ=None):
    """Apply ``floatX``, ``mode`` (or else ``linker``: one of Theano's C
    linkers is :func:`use_c_backend`) and ``device`` of ``THEANO_FLAGS``
    where ``PYTENSOR_FLAGS`` is silent."""
    environ = os.environ if environ is None else environ
    pytensor_flags = environ.get("PYTENSOR_FLAGS", "")
    flags = theano_flags(environ)
    if "floatX" in flags and "floatX" not in pytensor_flags:
        pytensor.config.floatX = flags["floatX"]
    mode = _THEANO_MODES.get(flags.get("mode"), flags.get("mode"))
    if mode and "mode" not in pytensor_flags:
        pytensor.config.mode = mode
    elif _names_c_linker(flags.get("linker")) and "mode" not in pytensor_flags:
        use_c_backend()
    elif str(pytensor.config.mode).upper() == "CVM":  # PYTENSOR_FLAGS=mode=CVM
        use_c_backend()
    if "device" in flags:
        accept_device(flags["device"])
    if "compute_test_value" in flags:
        _test_values.set_mode(flags["compute_test_value"])


def _names_c_linker(linker):
    from deeplearning_tutorials.theano_compat.compile import THEANO_C_LINKERS

    return linker in THEANO_C_LINKERS


def use_c_backend():
    """Compile with PyTensor's C backend (``mode=CVM``), the kind of linker
    Theano ran, linked against the project's BLAS (a user's
    ``blas__ldflags`` wins): what ``linker=cvm`` (or another of Theano's C
    linkers) in ``THEANO_FLAGS``, or ``mode=CVM`` in ``PYTENSOR_FLAGS``, asks
    for."""
    from deeplearning_tutorials.machinery.config import _link_blas_for_cvm

    _link_blas_for_cvm()
    pytensor.config.mode = "CVM"


config = TheanoConfig()
