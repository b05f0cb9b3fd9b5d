"""The cases that hold the kit's ``shared_randomstreams`` to Theano 1.0.5's numbers.

Each case is legacy code run twice: by
``kit_make_shared_randomstreams_reference.py`` under Theano 1.0.5 itself and by
``tests/test_theano_compat_randomstreams.py`` with ``theano`` bound to the
porting kit (its import hook). The code sets ``out``, a list of arrays; the
test asks for the same arrays, bit for bit. ``SEED`` is the stream's seed
(each case runs with every seed of ``SEEDS``), ``fX`` is ``floatX`` (each case
runs in float32 and float64).

What the cases cover, each a detail of Theano's ``raw_random.py`` /
``shared_randomstreams.py``: one ``RandomState`` per draw, seeded in creation
order from ``RandomState(seed).randint(2 ** 30)``; successive calls drawing on
(the state's default update); ``seed()`` re-seeding the draws made so far,
while a draw created after it continues the creation-order seeds; a state
shared by two compiled functions; every distribution of ``RandomStreamsBase``
but ``multinomial`` and ``poisson``; Python-float parameters as ``floatX``
constants (``-0.3`` is a float32 under ``floatX=float32``, so NumPy draws from
``float32(-0.3)``), parameters that are tensors, a size from ``x.shape``,
``ndim``, ``size=None`` (the shape of the parameters), and the ``normal``
generator's cached second Gaussian across calls (odd sizes).

Python 3.7 syntax: the oracle runs these too.
"""

SEEDS = [1234, 42]

SETUP = """
from theano.tensor.shared_randomstreams import RandomStreams
fX = theano.config.floatX
srng = RandomStreams(seed=SEED)
"""

CASES = [
    ("uniform", """
a = srng.uniform(size=(3, 4))
b = srng.uniform(size=(5,), low=-0.3, high=0.7)
c = srng.uniform(size=(2, 2), dtype='float64')
d = srng.uniform(size=(3,), low=2, high=5)
f = theano.function([], [a, b, c, d])
out = f() + f() + f()
"""),
    ("normal", """
a = srng.normal(size=(2, 3), avg=0.1, std=2.0)
b = srng.normal(size=(3,))
s = T.vector('s')
c = srng.normal(avg=1.0, std=s)
f = theano.function([s], [a, b, c])
std = np.asarray([1.0, 2.5, 0.1], dtype=fX)
out = f(std) + f(std) + f(std)
"""),
    ("binomial", """
a = srng.binomial(size=(4, 5), n=1, p=0.3)
b = srng.binomial(size=(4, 5), n=1, p=0.5, dtype=fX)
c = srng.binomial(size=(6,), n=5, p=0.4)
p = T.matrix('p')
d = srng.binomial(size=p.shape, n=1, p=p, dtype=fX)
e = srng.binomial(size=(3, 2), n=1, p=1 - 0.2, dtype=fX)
f = theano.function([p], [a, b, c, d, e])
probs = np.asarray(np.random.RandomState(0).uniform(size=(3, 7)), dtype=fX)
out = f(probs) + f(probs) + f(probs)
"""),
    ("random_integers", """
a = srng.random_integers(size=(10,), low=-2, high=5)
b = srng.random_integers(size=(2, 3))
f = theano.function([], [a, b])
out = f() + f()
"""),
    ("permutation", """
a = srng.permutation(n=7)
b = srng.permutation(size=(2,), n=5)
f = theano.function([], [a, b])
out = f() + f()
"""),
    ("choice", """
a = srng.choice(size=(6,), a=10)
b = srng.choice(size=(4,), a=10, replace=False)
c = srng.choice(size=(5,), a=4, p=[0.1, 0.2, 0.3, 0.4])
d = srng.choice(size=(2, 3), a=[10, 20, 30])
f = theano.function([], [a, b, c, d])
out = f() + f()
"""),
    ("seed, order of creation, shared states", """
a = srng.uniform(size=(4,))
b = srng.normal(size=(3,))
f = theano.function([], [a, b])
out = f() + f()
srng.seed(7)
out += f() + f()
srng.seed()
out += f()
c = srng.uniform(size=(3,))
g = theano.function([], c)
h = theano.function([], a)
out += [g(), h()] + f() + [g()]
"""),
    ("symbolic size, ndim", """
x = T.matrix('x')
u = srng.uniform(size=x.shape, ndim=2)
n = srng.normal(size=(x.shape[0],))
m = srng.binomial(size=x.shape, p=0.5, dtype=fX) * x
f = theano.function([x], [u, n, m])
out = f(np.ones((2, 3), dtype=fX)) + f(np.ones((3, 1), dtype=fX))
"""),
    ("a draw inside scan, advanced by scan's updates", """
v = T.vector('v')
def step(xi, acc):
    return acc + xi * srng.uniform(size=(2,)) + srng.binomial(size=(2,), p=0.5, dtype=fX)
out_s, upd = theano.scan(step, sequences=v, outputs_info=T.zeros((2,), dtype=fX))
f = theano.function([v], out_s, updates=upd)
data = np.arange(1, 4, dtype=fX)
out = [f(data), f(data)]
"""),
    ("poisson, multinomial, shuffle_row_elements", """
a = srng.poisson(size=(2, 4), lam=3.5)
b = srng.multinomial(size=(3,), n=10, pvals=[0.2, 0.3, 0.5])
x = T.matrix('x')
c = srng.shuffle_row_elements(x)
f = theano.function([x], [a, b, c])
data = np.arange(12, dtype=fX).reshape(3, 4)
out = f(data) + f(data)
"""),
]
