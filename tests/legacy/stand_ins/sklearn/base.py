"""``BaseEstimator``: parameter bookkeeping by the constructor's signature.

This project's code (see ``__init__.py``). An estimator's parameters are the
named arguments of its ``__init__``, each stored in an attribute of the same
name. ``get_params()`` reads them, ``set_params(**params)`` writes them back;
``_get_params`` is the older name of the first (scikit-learn 0.9's), the one
``rnn.py`` calls when it pickles a model.
"""

import inspect


class BaseEstimator:
    @classmethod
    def _parameter_names(cls):
        signature = inspect.signature(cls.__init__)
        return sorted(
            name for name, parameter in signature.parameters.items()
            if name != "self" and parameter.kind is parameter.POSITIONAL_OR_KEYWORD
        )

    def get_params(self, deep=True):
        return {name: getattr(self, name) for name in self._parameter_names()}

    _get_params = get_params

    def set_params(self, **params):
        known = self._parameter_names()
        for name, value in params.items():
            if name not in known:
                raise ValueError(f"{name!r} is not a parameter of {type(self).__name__}")
            setattr(self, name, value)
        return self

    def __repr__(self):
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({arguments})"
