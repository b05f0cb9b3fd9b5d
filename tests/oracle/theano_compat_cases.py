"""The cases that hold the porting kit to Theano 1.0.5's behaviour.

Each case is a piece of legacy code, run twice: by
``make_theano_compat_reference.py`` under Theano 1.0.5 itself (with
``theano`` and ``T`` the real modules) and by
``tests/test_theano_compat_reference.py`` with the kit's modules bound to the
same names. The code sets ``out``, a list of arrays, numbers or strings.
Inputs are drawn inside the code from ``np.random.RandomState``, whose
streams NumPy keeps unchanged, so both runs see the same numbers.

A case is ``(name, code)`` or ``(name, code, kit_code)`` where Theano 1.0.5
lacks the legacy name the kit offers (``downsample`` left Theano in 0.9) and
``code`` computes the same thing with 1.0.5's names; ``values=False`` cases
compare shapes and dtypes only (draws of a NumPy-backed stream, which the
kit cannot replay).

Python 3.7 syntax: the oracle runs these too.
"""

SETUP = """
rng = np.random.RandomState(1234)
def floats(*shape):
    return np.asarray(rng.uniform(-4, 4, size=shape), dtype=theano.config.floatX)
x = T.matrix('x')
v = T.vector('v')
x4 = T.tensor4('x4')
w4 = T.tensor4('w4')
"""

_ACTIVATIONS = """
a = floats(3, 6)
a[0, :6] = [0.0, 3.4, -3.4, 6.5, -6.5, 1.0]
f = theano.function([x], [{0}])
out = f(a)
"""

CASES = [
    ("nnet.sigmoid", _ACTIVATIONS.format("T.nnet.sigmoid(x)")),
    ("nnet.softplus", _ACTIVATIONS.format("T.nnet.softplus(x)")),
    ("nnet.ultra_fast_sigmoid", _ACTIVATIONS.format("T.nnet.ultra_fast_sigmoid(x)")),
    ("nnet.hard_sigmoid", _ACTIVATIONS.format("T.nnet.hard_sigmoid(x)")),
    ("nnet.relu", _ACTIVATIONS.format("T.nnet.relu(x)")),
    ("nnet.relu alpha=0.1", _ACTIVATIONS.format("T.nnet.relu(x, 0.1)")),
    ("nnet.relu gradient (at 0 too)",
     _ACTIVATIONS.format("T.grad(T.nnet.relu(x).sum(), x)")),
    ("nnet.elu", _ACTIVATIONS.format("T.nnet.elu(x)")),
    ("nnet.softmax of a matrix", _ACTIVATIONS.format("T.nnet.softmax(x)")),
    ("nnet.softmax of a vector: a (1, n) row", """
f = theano.function([v], T.nnet.softmax(v))
out = [f(floats(5))]
"""),
    ("nnet.logsoftmax", _ACTIVATIONS.format("T.nnet.logsoftmax(x)")),
    ("nnet.categorical_crossentropy, one-hot rows", """
p = T.nnet.softmax(x)
y = T.matrix('y')
f = theano.function([x, y], T.nnet.categorical_crossentropy(p, y))
out = [f(floats(4, 5), np.eye(5, dtype=theano.config.floatX)[[0, 3, 2, 4]])]
"""),
    ("nnet.categorical_crossentropy, int labels, and its gradient", """
p = T.nnet.softmax(x)
y = T.ivector('y')
cost = T.mean(T.nnet.categorical_crossentropy(p, y))
f = theano.function([x, y], [cost, T.grad(cost, x)])
out = f(floats(4, 5), np.array([1, 0, 4, 4], dtype='int32'))
"""),
    ("nnet.binary_crossentropy", """
t = T.matrix('t')
f = theano.function([x, t], T.nnet.binary_crossentropy(T.nnet.sigmoid(x), t))
out = [f(floats(3, 4), (floats(3, 4) > 0).astype(theano.config.floatX))]
"""),
    ("nnet.sigmoid_binary_crossentropy", """
t = T.matrix('t')
f = theano.function([x, t], T.nnet.sigmoid_binary_crossentropy(x, t))
out = [f(floats(3, 4), (floats(3, 4) > 0).astype(theano.config.floatX))]
"""),
    ("nnet.conv2d valid, with shapes", """
f = theano.function([x4, w4], T.nnet.conv2d(x4, w4, input_shape=(2, 3, 7, 6),
                                            filter_shape=(4, 3, 3, 2)))
out = [f(floats(2, 3, 7, 6), floats(4, 3, 3, 2))]
"""),
    ("nnet.conv2d full, subsample (2, 1)", """
f = theano.function([x4, w4], T.nnet.conv2d(x4, w4, border_mode='full', subsample=(2, 1)))
out = [f(floats(2, 1, 6, 5), floats(3, 1, 3, 3))]
"""),
    ("nnet.conv2d half, filter_flip=False, filter_dilation=(1, 1)", """
f = theano.function([x4, w4], T.nnet.conv2d(x4, w4, border_mode='half', filter_flip=False,
                                            filter_dilation=(1, 1)))
out = [f(floats(1, 2, 5, 5), floats(2, 2, 3, 3))]
"""),
    ("nnet.conv2d gradients", """
c = T.nnet.conv2d(x4, w4, border_mode=(1, 2))
f = theano.function([x4, w4], T.grad((c ** 2).sum(), [x4, w4]))
out = f(floats(2, 2, 5, 4), floats(3, 2, 2, 3))
"""),
    ("nnet.conv.conv2d (the old interface): image_shape third, full", """
from theano.tensor.nnet import conv
f = theano.function([x4, w4], conv.conv2d(x4, w4, (2, 1, 6, 6), (3, 1, 3, 3),
                                          border_mode='full'))
out = [f(floats(2, 1, 6, 6), floats(3, 1, 3, 3))]
"""),
    ("nnet.conv.conv2d with keyword shapes, valid", """
from theano.tensor.nnet import conv
f = theano.function([x4, w4], conv.conv2d(input=x4, filters=w4, filter_shape=(3, 2, 2, 2),
                                          image_shape=(1, 2, 5, 5)))
out = [f(floats(1, 2, 5, 5), floats(3, 2, 2, 2))]
"""),
    ("signal.pool.pool_2d default ignore_border (None: partial windows kept)", """
import warnings
from theano.tensor.signal import pool
with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    y = pool.pool_2d(x4, (2, 2))
f = theano.function([x4], y)
out = [f(floats(2, 3, 5, 5))]
"""),
    ("signal.pool.pool_2d ignore_border=True, stride, pad, modes", """
from theano.tensor.signal import pool
ys = [pool.pool_2d(x4, ws=(3, 2), ignore_border=True, stride=(1, 2)),
      pool.pool_2d(x4, ws=(2, 2), ignore_border=True, pad=(1, 1), mode='average_exc_pad'),
      pool.pool_2d(x4, ws=(2, 2), ignore_border=True, mode='average_inc_pad'),
      pool.pool_2d(x4, ws=(2, 3), ignore_border=False, mode='sum'),
      pool.pool_2d(x4, ds=(2, 2), ignore_border=True, st=(1, 1))]
f = theano.function([x4], ys)
out = f(floats(2, 2, 6, 7))
"""),
    ("signal.pool.pool_2d max gradient", """
from theano.tensor.signal import pool
y = pool.pool_2d(x4, (2, 2), ignore_border=False)
f = theano.function([x4], T.grad((y ** 2).sum(), x4))
out = [f(floats(1, 2, 5, 5))]
"""),
    ("signal.downsample.max_pool_2d default (Theano 0.6-0.8: ignore_border False)", """
from theano.tensor.signal import pool
f = theano.function([x4], pool.pool_2d(x4, (2, 2), ignore_border=False))
out = [f(floats(2, 3, 13, 13))]
""", """
from theano.tensor.signal import downsample
f = theano.function([x4], downsample.max_pool_2d(x4, (2, 2)))
out = [f(floats(2, 3, 13, 13))]
"""),
    ("signal.downsample.max_pool_2d(input=, ds=, ignore_border=True)", """
from theano.tensor.signal import pool
f = theano.function([x4], pool.pool_2d(input=x4, ws=(2, 2), ignore_border=True))
out = [f(floats(2, 3, 13, 13))]
""", """
from theano.tensor.signal import downsample
f = theano.function([x4], downsample.max_pool_2d(input=x4, ds=(2, 2), ignore_border=True))
out = [f(floats(2, 3, 13, 13))]
"""),
    ("T.flatten outdim", """
f = theano.function([x4], [T.flatten(x4, outdim=2), T.flatten(x4), T.flatten(x4, 3)])
out = f(floats(2, 3, 4, 5))
"""),
    ("sandbox.rng_mrg.MRG_RandomStreams() default seed 12345: two calls differ", """
from theano.sandbox.rng_mrg import MRG_RandomStreams as RandomStreams
srng = RandomStreams()
f = theano.function([], [srng.uniform((3, 4)), srng.normal((5,))])
out = f() + f()
"""),
    ("a dropout net (input and hidden units dropped): masks change between calls", """
from theano.sandbox.rng_mrg import MRG_RandomStreams
noise = MRG_RandomStreams()
def drop(units, rate):
    keep = 1.0 - rate
    mask = noise.binomial(units.shape, p=keep, dtype=theano.config.floatX)
    return units * mask / keep
w = theano.shared(floats(6, 4))
hidden = T.maximum(T.dot(drop(x, 0.2), w), 0.0)
f = theano.function([x], drop(hidden, 0.5), allow_input_downcast=True)
data = np.abs(floats(3, 6)) + 0.5
out = [f(data), f(data), f(data)]
"""),
    ("MRG binomial: default dtype int64", """
from theano.sandbox.rng_mrg import MRG_RandomStreams
srng = MRG_RandomStreams(7)
b = srng.binomial(size=(2, 3), p=0.5)
out = [str(b.dtype), theano.function([], b)()]
"""),
    ("shared_randomstreams.RandomStreams: shapes and dtypes, advancing", """
from theano.tensor.shared_randomstreams import RandomStreams
srng = RandomStreams(seed=234)
b = srng.binomial(size=(3, 4), n=1, p=0.5)
u = srng.uniform((2, 3))
nrm = srng.normal((4,), avg=1.0, std=2.0)
f = theano.function([], [b, u, nrm])
first, second = f(), f()
out = [str(b.dtype), str(u.dtype), str(nrm.dtype), first[0].shape, first[1].shape,
       first[2].shape, bool((first[1] != second[1]).any())]
""", None),
    ("T.abs_, T.addbroadcast, T.patternbroadcast, T.unbroadcast", """
col = T.matrix('col')
y = T.addbroadcast(col, 1)
z = T.patternbroadcast(col, (False, True))
u = T.unbroadcast(y, 1)
f = theano.function([col, x], [T.abs_(col), y + x, z * x, u])
out = f(floats(3, 1), floats(3, 4))
"""),
    ("theano.ifelse, theano.gradient.grad, theano.dot, theano.printing.Print", """
from theano.ifelse import ifelse
from theano import gradient
s = T.scalar('s')
y = ifelse(T.lt(s, 0.5), s * 2, s * 3)
w = theano.shared(floats(4, 2))
d = theano.printing.Print('kit')(theano.dot(x, w))
f = theano.function([s, x], [y, gradient.grad(y, s), d])
a = floats(3, 4)
out = f(0.25, a) + f(0.75, a)
"""),
    ("nnet.conv2d(image_shape=...), Theano 0.8's old keyword", """
f = theano.function([x4, w4], T.nnet.conv2d(x4, w4, image_shape=(1, 2, 6, 5),
                                            filter_shape=(3, 2, 3, 3)))
out = [f(floats(1, 2, 6, 5), floats(3, 2, 3, 3))]
"""),
    ("shared_randomstreams: random_integers bounds, seed() replays", """
import warnings
from theano.tensor.shared_randomstreams import RandomStreams
srng = RandomStreams(seed=9)
r = srng.random_integers(size=(50,), low=1, high=3)
f = theano.function([], r)
first = f()
srng.seed(4)
a = f()
srng.seed(4)
b = f()
out = [str(r.dtype), int(first.min()), int(first.max()), bool((a == b).all()),
       bool((a != first).any())]
""", None),
    ("In and Param defaults, by position and by name", """
lr = T.scalar('lr')
f = theano.function([x, theano.In(lr, value=0.5)], x * lr)
g = theano.function([x, theano.Param(lr, default=3.0)], x * lr)
a = floats(2, 2)
out = [f(a), f(a, 2.0), f(a, lr=4.0), g(a), g(a, lr=1.0)]
"""),
    ("scan returns (outputs, updates)", """
outputs, updates = theano.scan(lambda xi, acc: acc + xi, sequences=v,
                               outputs_info=T.constant(np.asarray(0, theano.config.floatX)))
f = theano.function([v], outputs, updates=updates)
out = [f(floats(5)), len(updates)]
"""),
    ("theano.shared, theano.config.floatX, T.cast dtypes", """
s = theano.shared(floats(2, 3), name='s')
out = [theano.config.floatX, str(s.dtype), str(T.cast(s, 'int32').dtype),
       str((s * 2).dtype), theano.function([], T.sum(s ** 2))()]
"""),
    ("theano.config.device = 'gpu' after start-up: refused, reads 'cpu'", """
try:
    theano.config.device = 'gpu'
except Exception:
    pass
out = [theano.config.device]
"""),
]
