"""A graph rewrite for the C backend: a ``scan`` that multiplies by a
transposed matrix at every step gets that matrix once, in C order.

The RBM's Gibbs chain computes ``dot(h, W.T)`` at each of its ``k`` steps
(``propdown``). ``W.T`` is a view of ``W``: the same numbers, read along the
other axis (Fortran order), and ``scan`` hands that view to every step.
BLAS's ``gemm`` reads such a matrix as "transposed" (``NT``) and, for the
RBM's 20-row minibatch against the 500 x 784 ``W.T``, takes about 1.35 times
as long as with the same numbers laid out in C order (``NN``; OpenBLAS, one
thread, ``python benchmarks/bench_all.py profile-rbm``). Copying ``W.T`` into
C order costs about one such product, so it pays from a few steps on.

The rewrite replaces a ``scan``'s non-sequence input ``x.T`` (a matrix
transpose) that the step multiplies by (``Dot``, ``Dot22``, ``Gemm``,
``Gemv``) by ``cpu_contiguous(x.T)`` (PyTensor's copy in C order) made once
per call, outside the loop, when the loop has a known number of steps of at
least :data:`MIN_STEPS`. The product reads the same numbers, so it is the
same product; whether BLAS returns the same bits for ``NN`` as for ``NT`` is
BLAS's business, and the tests check it for OpenBLAS and the RBM's shapes
(``tests/test_scan_transpose.py``, and the RBM's exactness tests against the
original under Theano).

Only the C backend (``CVM``) makes the copy: the rewrite is tagged
``cxx_only``, which PyTensor leaves out for the backends that do not run C
(PyTensor has no Numba or JAX implementation of ``CpuContiguous``; JAX does
not lay out its arrays by axis, Numba's products read either layout).
"""

from pytensor.compile import optdb
from pytensor.graph.basic import Constant
from pytensor.graph.rewriting.basic import dfs_rewriter, node_rewriter
from pytensor.scan.op import Scan
from pytensor.tensor.blas import GemmRelated, Gemv
from pytensor.tensor.elemwise import DimShuffle
from pytensor.tensor.extra_ops import cpu_contiguous
from pytensor.tensor.math import Dot

#: the fewest steps for which the copy is made: it costs about one product
MIN_STEPS = 4

PRODUCTS = (Dot, GemmRelated, Gemv)



def is_matrix_transpose(var):
    """Whether ``var`` is ``x.T`` of a matrix ``x``."""
    node = var.owner
    return (
        node is not None
        and isinstance(node.op, DimShuffle)
        and node.inputs[0].ndim == 2
        and node.op.new_order == (1, 0)
    )


def known_steps(n_steps):
    """The number of steps of a ``scan`` node, where it is a constant."""
    if isinstance(n_steps, Constant):
        return int(n_steps.data)
    return None


@node_rewriter([Scan])
def scan_transposed_non_sequence_in_c_order(fgraph, node):
    """Feed the loop a C-order copy of each transposed matrix it multiplies by."""
    op = node.op
    steps = known_steps(node.inputs[0])
    if steps is None or steps < MIN_STEPS:
        return None
    n_non_seqs = op.info.n_non_seqs
    first = len(node.inputs) - n_non_seqs
    inner_non_seqs = op.inner_non_seqs(op.inner_inputs)
    inputs = list(node.inputs)
    for position, inner in zip(range(first, len(inputs)), inner_non_seqs):
        outer = inputs[position]
        clients = op.fgraph.clients.get(inner, [])
        if is_matrix_transpose(outer) and any(
            isinstance(client.op, PRODUCTS) for client, _ in clients
        ):
            inputs[position] = cpu_contiguous(outer)
    if inputs == list(node.inputs):
        return None
    return op.make_node(*inputs).outputs


if "deeplearning_tutorials_scan_transpose" not in optdb:
    # after the scan rewrites and the specialisation (BLAS's Dot22 is made
    # inside the loop only when its function is compiled), before the
    # in-place rewrites
    optdb.register(
        "deeplearning_tutorials_scan_transpose",
        dfs_rewriter(scan_transposed_non_sequence_in_c_order, ignore_newtrees=True),
        "fast_run",
        "cxx_only",
        position=48.9,
    )
