"""Theano's ``MRG_RandomStreams`` on PyTensor: the original tutorials' noise, bit for bit.

A legacy script that imported ::

    from theano.sandbox.rng_mrg import MRG_RandomStreams as RandomStreams

imports instead ::

    from deeplearning_tutorials.rng_mrg import MRG_RandomStreams as RandomStreams

and draws the same numbers (see :mod:`.streams` for what that takes, and
:mod:`.generator` for the generator itself). Under the C backend a binomial
draw from a sigmoid skips most exact sigmoids, with the same result
(:mod:`.threshold`).
"""

from pytensor.compile.mode import optdb
from pytensor.graph.rewriting.basic import GraphRewriter, in2out, node_rewriter
from pytensor.tensor.basic import MakeVector

from deeplearning_tutorials.machinery.when_imported import import_when_imported
from deeplearning_tutorials.rng_mrg import threshold  # noqa: F401 (its rewrite)
from deeplearning_tutorials.rng_mrg.op import MRGUniform, mrg_uniform
from deeplearning_tutorials.rng_mrg.streams import MRG_RandomStreams, guess_n_streams


# The Numba kernels (PyTensor's default backend), registered once PyTensor's
# Numba dispatch is loaded: a run on the C backend imports neither Numba nor
# the dispatch.
import_when_imported(
    "pytensor.link.numba.dispatch", "deeplearning_tutorials.rng_mrg.numba_backend"
)


class _ImportJAXImplementation(GraphRewriter):
    """A no-op rewrite run only when compiling for JAX; importing the JAX
    implementation is its side effect (importing JAX elsewhere is slow and
    fixes its 64-bit flag)."""

    def apply(self, fgraph):
        from deeplearning_tutorials.rng_mrg import jax_backend  # noqa: F401


@node_rewriter([MRGUniform])
def _size_as_tuple(fgraph, node):
    """Under JAX, a size built from scalars (``MakeVector``, as ``x.shape``
    becomes) is passed as a tuple, which JAX sees as static, rather than as
    an array, which it traces (PyTensor does the same for its own random
    variables)."""
    from pytensor.link.jax.dispatch.shape import JAXShapeTuple

    size = node.inputs[1]
    if size.owner is not None and isinstance(size.owner.op, MakeVector):
        return node.op.make_node(node.inputs[0], JAXShapeTuple()(*size.owner.inputs)).outputs
    return None


if "deeplearning_tutorials_rng_mrg_jax" not in optdb:
    optdb.register(
        "deeplearning_tutorials_rng_mrg_jax", _ImportJAXImplementation(), "jax", position=0
    )
    optdb.register(
        "deeplearning_tutorials_rng_mrg_jax_size",
        in2out(_size_as_tuple),
        "jax",
        position=100,
    )

__all__ = ["MRGUniform", "MRG_RandomStreams", "guess_n_streams", "mrg_uniform"]
