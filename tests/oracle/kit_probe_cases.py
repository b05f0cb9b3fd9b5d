"""A probe of Theano 1.0.5's tensor API: legacy calls, and what they give.

Each case is an expression over the variables and values of ``SETUP``
(dtypes of mixed arithmetic, integer ``//`` and ``%`` of negative numbers,
gradients at ties and bounds, reductions, methods of variables ...). Under
Theano 1.0.5 (C code, float32) ``python kit_probe_cases.py OUT.json`` wrote
``tests/oracle/kit_probe_theano.json``::

    cd / && THEANO_FLAGS=floatX=float32,device=cpu,base_compiledir=/tmp/oracle/theano_compiledir_h2 \
      /tmp/oracle/venv37/bin/python /work/main/tests/oracle/kit_probe_cases.py \
      /work/main/tests/oracle/kit_probe_theano.json

``tests/test_theano_compat_names.py`` evaluates the same expressions with
``theano`` bound to the porting kit: the answers must be Theano's, but for
the differences ``doc/porting.md`` lists. A value is recorded as its
``repr`` (arrays as ``[dtype, values]``), an error as its type alone.
Written for Python 3.7+.
"""

import json
import sys
import warnings

SETUP = """
x = T.matrix('x'); v = T.vector('v'); iv = T.ivector('iv'); bv = T.bvector('bv'); fv = T.fvector('fv')
xs = np.array([[1., 3., 3.], [-2., 0., 5.]], dtype='float32')
vs = np.array([-2., -0.5, 0., 0.5, 1., 1.], dtype='float32')
ivs = np.array([-7, -1, 0, 3, 7], dtype='int32')
F = lambda ins, outs: theano.function(ins, outs, on_unused_input='ignore')
from theano.ifelse import ifelse
"""

CASES = {
 "dtype constant 10": "T.constant(10).dtype",
 "dtype constant 300": "T.constant(300).dtype",
 "dtype bvector + 300": "(bv + 300).dtype",
 "dtype fvector * np.float64": "(fv * np.float64(0.5)).dtype",
 "dtype fvector * 0.5": "(fv * 0.5).dtype",
 "dtype fvector * np.float32": "(fv * np.float32(0.5)).dtype",
 "dtype iscalar / 2": "(T.iscalar() / 2).dtype",
 "dtype bscalar / bscalar": "(T.bscalar() / T.bscalar()).dtype",
 "dtype wvector * 1.5": "(T.wvector() * 1.5).dtype",
 "dtype ivector * 1.5": "(iv * 1.5).dtype",
 "dtype ivector // 2": "(iv // 2).dtype",
 "dtype mean ivector": "T.mean(iv).dtype",
 "dtype mean bvector": "T.mean(bv).dtype",
 "dtype mean eq": "T.mean(T.eq(v, v)).dtype",
 "dtype sum bvector": "T.sum(bv).dtype",
 "dtype sum eq": "T.sum(T.eq(v, v)).dtype",
 "dtype sqrt ivector": "T.sqrt(iv).dtype",
 "dtype eq": "T.eq(v, v).dtype",
 "dtype argmax": "T.argmax(x).dtype",
 "dtype arange 10": "T.arange(10).dtype",
 "dtype arange iscalar": "T.arange(T.iscalar()).dtype",
 "dtype ivector ** 2": "(iv ** 2).dtype",
 "dtype zeros": "T.zeros((2,)).dtype",
 "dtype fscalar + np.int64": "(T.fscalar() + np.int64(1)).dtype",
 "dtype lscalar * 1.0": "(T.lscalar() * 1.0).dtype",
 "dtype shape": "x.shape.dtype",
 "dtype shape[0] / 2": "(x.shape[0] / 2).dtype",
 "dtype shape[0] // 2": "(x.shape[0] // 2).dtype",
 "dtype fvector + ivector": "(fv + iv).dtype",
 "dtype fvector + lvector": "(fv + T.lvector()).dtype",
 "dtype fvector + bvector": "(fv + bv).dtype",
 "dtype ones_like ivector": "T.ones_like(iv).dtype",
 "dtype switch": "T.switch(T.gt(v, 0), v, 0).dtype",
 "dtype cast bool": "T.cast(v, 'bool').dtype",
 "dtype neg uint8": "(-T.vector(dtype='uint8')).dtype",
 "mod negatives": "F([iv], [iv % 3, iv % -3, iv // 3, iv // -3])(ivs)",
 "float mod": "F([v], [v % 0.75, v // 0.75])(vs)",
 "int true_div": "F([iv], iv / 2)(ivs)",
 "maximum grad ties": "F([v], T.grad(T.maximum(v, 0.5).sum(), v))(vs)",
 "minimum grad ties": "F([v], T.grad(T.minimum(v, 1.0).sum(), v))(vs)",
 "max grad ties": "F([x], T.grad(T.max(x), x))(xs)",
 "max axis grad ties": "F([x], T.grad(T.max(x, axis=1).sum(), x))(xs)",
 "clip grad bounds": "F([v], T.grad(T.clip(v, -0.5, 1.0).sum(), v))(vs)",
 "abs grad 0": "F([v], T.grad(abs(v).sum(), v))(vs)",
 "sgn": "F([v], T.sgn(v))(vs)",
 "sqrt grad 0": "F([v], T.grad(T.sqrt(abs(v)).sum(), v))(vs)",
 "switch grad": "F([v], T.grad(T.switch(T.gt(v, 0), v ** 2, -v).sum(), v))(vs)",
 "argmax ties": "F([x], [T.argmax(x, axis=1), T.argmax(x), T.argmin(x, axis=0)])(xs)",
 "prod grad zeros": "F([v], T.grad(T.prod(v), v))(np.array([2., 0., 3.], dtype='float32'))",
 "prod grad two zeros": "F([v], T.grad(T.prod(v), v))(np.array([2., 0., 0.], dtype='float32'))",
 "std var": "F([x], [T.std(x), T.var(x, axis=0), x.std(axis=1), x.var()])(xs)",
 "tile ndim": "F([x], T.tile(x, (2, 1), ndim=2))(xs)",
 "tile": "F([x], T.tile(x, (2, 1)))(xs)",
 "tile longer reps": "F([x], T.tile(x, (2, 1, 2)))(xs)",
 "stack old": "F([v], T.stack(v[0], v[1], v[2]))(vs)",
 "stack new": "F([v], T.stack([v, v], axis=1))(vs)",
 "split positional": "F([v], T.split(v, [2, 4], 2))(vs)",
 "tensor(dtype, bcast)": "[T.tensor('float32', (False, True)).dtype, T.tensor('float32', (False, True)).broadcastable]",
 "TensorType positional": "[T.TensorType('float32', (False, True))().broadcastable, T.TensorType(dtype='int8', broadcastable=(True,))().dtype]",
 "TensorType str": "str(T.TensorType('float32', (False, True))())",
 "TensorType broadcastable attr": "T.TensorType('float32', (False, True)).broadcastable",
 "var broadcastable": "T.row().broadcastable",
 "x.norm": "F([x], [x.norm(2), x.norm(1, axis=0)])(xs)",
 "x.nonzero": "F([v], v.nonzero())(vs)",
 "x.flatten(2)": "F([x], x.flatten(2))(xs).shape",
 "x.reshape ndim": "F([x], x.reshape((3, 2), ndim=2))(xs)",
 "x.sum acc_dtype": "F([bv], bv.sum(acc_dtype='int8'))(np.array([100, 100], dtype='int8'))",
 "x.any all": "F([v], [v.any(), v.all()])(vs)",
 "x.round default": "F([v], v.round())(vs)",
 "x.cumsum": "F([v], v.cumsum())(vs)",
 "T.inv": "F([v], T.inv(v + 3))(vs)",
 "T.dot scalars": "F([v], T.dot(v[0], v[1]))(vs)",
 "T.dot 3d": "F([x], T.dot(T.stack([x, x]), x.T))(xs)",
 "T.dot a= b=": "F([x], T.dot(a=x, b=x.T))(xs)",
 "T.mean op": "F([x], T.mean(x, op=True))(xs)",
 "T.squeeze": "F([x], T.squeeze(x[:1]))(xs).shape",
 "T.choose": "F([iv], T.choose(iv % 2, [iv, -iv]))(ivs)",
 "T.largest": "F([v], T.largest(v, v * 2, -v))(vs)",
 "T.smallest": "F([v], T.smallest(v, v * 2, -v))(vs)",
 "T.outer": "F([v], T.outer(v, v))(vs).shape",
 "T.ones_like dtype": "F([v], T.ones_like(v, dtype='int8'))(vs).dtype",
 "T.alloc": "F([v], T.alloc(v[0], 2, 3))(vs)",
 "T.fill": "F([v], T.fill(v, 3))(vs)",
 "T.sum keepdims": "F([x], T.sum(x, axis=1, keepdims=True))(xs).shape",
 "T.max_and_argmax": "F([x], T.max_and_argmax(x, axis=1))(xs)",
 "T.concatenate": "F([x], T.concatenate([x, x], axis=1))(xs).shape",
 "T.join": "F([x], T.join(0, x, x))(xs).shape",
 "T.zeros_like": "F([x], T.zeros_like(x))(xs).dtype",
 "T.mgrid": "F([], T.mgrid[0:2, 0:3])()",
 "T.extra_ops.to_one_hot": "F([iv], T.extra_ops.to_one_hot(abs(iv) % 3, 3))(ivs)",
 "T.extra_ops.cumsum": "F([v], T.extra_ops.cumsum(v))(vs)",
 "T.extra_ops.repeat": "F([v], T.extra_ops.repeat(v, 2))(vs)",
 "T.extra_ops.bincount": "F([iv], T.extra_ops.bincount(abs(iv)))(ivs)",
 "T.log1p exp": "F([v], [T.log1p(v + 1), T.expm1(v)])(vs)",
 "T.erf gamma": "F([v], [T.erf(v), T.gammaln(v + 3)])(vs)",
 "T.neq/and": "F([v], [T.and_(T.gt(v, 0), T.lt(v, 1)), T.or_(T.gt(v, 0), T.lt(v, -1)), T.xor(T.gt(v, 0), T.lt(v, 1)), T.invert(T.gt(v, 0))])(vs)",
 "T.isnan": "F([v], [T.isnan(v / v), T.isinf(1 / v)])(vs)",
 "T.power neg": "F([v], [v ** 2, v ** 0.5, T.pow(v, 3)])(vs)",
 "T.int ** neg": "F([iv], iv ** -1)(np.array([1, 2, 4], dtype='int32'))",
 "int div by zero": "F([iv], [iv // 0, iv % 0])(ivs)",
 "float int cast": "F([v], [T.cast(v * 3.7, 'int32'), T.cast(-v * 3.7, 'int8'), T.iround(v)])(vs)",
 "bool arith": "F([v], [T.gt(v, 0) + T.gt(v, 0), T.gt(v, 0) * 3, -T.gt(v, 0)])(vs)",
 "uint8 overflow": "F([], T.constant(np.uint8(200)) + T.constant(np.uint8(100)))()",
 "int8 const overflow": "F([bv], bv * 2)(np.array([100, -100], dtype='int8'))",
 "sum int8 overflow": "F([bv], bv.sum())(np.array([100, 100], dtype='int8'))",
 "mean int overflow?": "F([bv], bv.mean())(np.array([100, 100], dtype='int8'))",
 "grad of int": "str(T.grad(T.cast(v, 'int32').sum() + v.sum(), v).dtype)",
 "ifelse lazy": "F([v], ifelse(T.gt(v[0], 0), v, -v))(vs)",
 "scan sum": "F([v], theano.scan(lambda a, s: s + a, sequences=v, outputs_info=T.constant(np.float32(0)))[0])(vs)",
 "var.__len__": "len(v)",
 "var iter": "list(iter(v))",
 "shape[0] int": "str(x.shape[0].dtype)",
 "eval": "(v * 2).eval({v: vs})",
 "shared int dtype": "theano.shared(3).dtype",
 "shared float dtype": "theano.shared(3.0).dtype",
 "shared np.float32": "theano.shared(np.float32(3.0)).dtype",
 "shared bcast": "theano.shared(np.zeros((1, 3))).broadcastable",
 "shared get_value borrow": "theano.shared(np.zeros(2)).get_value(borrow=True, return_internal_type=True).dtype",
 "T.gt python": "str(T.gt(v, 0.5).dtype)",
 "x > 0 truth dtype": "str((v > 0).dtype)",
 "T.nnet.binary_crossentropy clip": "F([v], T.nnet.binary_crossentropy(T.clip(abs(v), 0, 1), T.ones_like(v)))(vs)",
}


def evaluate(theano, expression):
    """The recorded form of one expression's value under ``theano``."""
    import numpy as np

    namespace = {"np": np, "theano": theano, "T": theano.tensor}
    exec(SETUP, namespace)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = eval(expression, namespace)
        except Exception as error:
            return "ERROR " + type(error).__name__
    if isinstance(value, (list, tuple)) and any(isinstance(a, np.ndarray) for a in value):
        value = [[str(a.dtype), np.asarray(a).tolist()] for a in value]
    elif isinstance(value, (np.ndarray, np.generic)):
        value = [str(value.dtype), np.asarray(value).tolist()]
    return repr(value)


if __name__ == "__main__":
    import theano

    record = {"theano": theano.__version__, "floatX": theano.config.floatX,
              "answers": {name: evaluate(theano, e) for name, e in CASES.items()}}
    with open(sys.argv[1], "w") as out:
        json.dump(record, out, indent=1, sort_keys=True)
        out.write("\n")
