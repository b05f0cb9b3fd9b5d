"""What the kit says when a legacy name has no port.

A legacy script that reaches for a Theano name the kit does not offer must
learn *what to do instead*, at the line that asked, not from an
``AttributeError`` deep inside PyTensor. Each kit module ends with
``__getattr__ = missing_names(__name__, {...})``: a PEP 562 module hook that
answers every unknown attribute with :class:`TheanoNameError`, naming the
advice for the names listed and the porting guide for the rest.
"""

GUIDE = "doc/porting.md"


class TheanoNameError(AttributeError, NotImplementedError):
    """A Theano name the porting kit does not support.

    It is an ``AttributeError`` (so ``hasattr`` and ``getattr(..., default)``
    keep working) and a ``NotImplementedError`` (what it means).
    """


def missing_names(module, advice):
    """A module ``__getattr__`` raising :class:`TheanoNameError` with ``advice``.

    :param module: the kit module's ``__name__``; the legacy name is its
        tail after ``theano_compat`` (``theano.tensor.nnet`` ...)
    :param advice: ``{name: what to do instead}`` for known gaps
    """
    legacy = "theano" + module.split("theano_compat", 1)[1]

    def __getattr__(name):
        if name.startswith("__"):
            raise AttributeError(name)
        hint = advice.get(name, f"write it in PyTensor (see {GUIDE}, 'write native PyTensor')")
        raise TheanoNameError(
            f"{legacy}.{name} is not supported by the porting kit "
            f"(deeplearning_tutorials.theano_compat): {hint}"
        )

    return __getattr__
