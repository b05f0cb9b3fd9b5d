"""The cases that hold the kit's ``compute_test_value`` to Theano 1.0.5's behaviour.

Each case is legacy code run by ``kit_make_compute_test_value_reference.py``
under Theano 1.0.5 itself and by ``tests/test_theano_compat_test_values.py``
with ``theano`` bound to the porting kit. The code sets ``out``, a list of
arrays and strings (what was raised or warned, and where: at the line that
built the graph, or at the call); every case starts with
``compute_test_value = 'off'`` and ``floatX = 'float64'``, and the runner
sets ``'off'`` again after it.

Python 3.7 syntax: the oracle runs these too.
"""

SETUP = """
import warnings
fX = theano.config.floatX
rng = np.random.RandomState(0)
def short(text):
    '''A message up to the Op's name (PyTensor names Ops otherwise).'''
    return text.splitlines()[0].split(' of Op ')[0][:80]
def outcome(build):
    '''What building a graph did: 'built', the warning, or the error.'''
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        try:
            build()
        except Exception as error:
            return '%s: %s' % (type(error).__name__, short(str(error)))
    said = [short(str(w.message)) for w in caught if 'test value' in str(w.message)]
    return 'warned: ' + said[0] if said else 'built'
"""

CASES = [
    ("a dot of mismatched test values raises where it is built", """
theano.config.compute_test_value = 'raise'
x = T.matrix('x')
W = T.matrix('W')
x.tag.test_value = np.ones((2, 3), dtype=fX)
W.tag.test_value = np.ones((4, 5), dtype=fX)
out = [outcome(lambda: T.dot(x, W)).split(':')[0]]
theano.config.compute_test_value = 'off'
out.append(outcome(lambda: T.dot(x, W)))
"""),
    ("a shared weight matrix of the wrong shape too", """
theano.config.compute_test_value = 'raise'
x = T.matrix('x')
x.tag.test_value = np.ones((5, 3), dtype=fX)
W = theano.shared(np.zeros((4, 2), dtype=fX), name='W')
out = [outcome(lambda: T.tanh(T.dot(x, W))).split(':')[0]]
"""),
    ("an input without a test value, under each setting", """
z = T.matrix('z')
out = []
for setting in ['ignore', 'warn', 'raise']:
    theano.config.compute_test_value = setting
    out.append(outcome(lambda: z * 2))
out.append(theano.config.compute_test_value)
"""),
    ("test values flow through a model and its gradient", """
theano.config.compute_test_value = 'raise'
x = T.matrix('x')
y = T.ivector('y')
x.tag.test_value = rng.uniform(-1, 1, size=(6, 4)).astype(fX)
y.tag.test_value = np.asarray([0, 1, 2, 1, 0, 2], dtype='int32')
W = theano.shared(rng.uniform(-1, 1, size=(4, 3)).astype(fX), name='W')
b = theano.shared(np.zeros(3, dtype=fX), name='b')
p_y = T.nnet.softmax(T.dot(x, W) + b)
cost = -T.mean(T.log(p_y)[T.arange(y.shape[0]), y])
gW, gb = T.grad(cost, [W, b])
errors = T.mean(T.neq(T.argmax(p_y, axis=1), y))
out = [p_y.tag.test_value, cost.tag.test_value, gW.tag.test_value, gb.tag.test_value,
       errors.tag.test_value]
"""),
    ("scan gives its step test values", """
theano.config.compute_test_value = 'raise'
v = T.matrix('v')
v.tag.test_value = rng.uniform(size=(5, 3)).astype(fX)
h0 = T.vector('h0')
h0.tag.test_value = np.zeros(3, dtype=fX)
U = theano.shared(rng.uniform(size=(3, 3)).astype(fX), name='U')
def step(vt, h_prev, U):
    return T.tanh(vt + T.dot(h_prev, U))
h, _ = theano.scan(step, sequences=v, outputs_info=h0, non_sequences=U)
out = [h.tag.test_value]
V = theano.shared(rng.uniform(size=(4, 4)).astype(fX), name='V')
def bad_step(vt, h_prev, V):
    return T.tanh(vt + T.dot(h_prev, V))
out.append(outcome(lambda: theano.scan(bad_step, sequences=v, outputs_info=h0,
                                       non_sequences=V)).split(':')[0])
"""),
    ("a setting Theano did not know is refused", """
out = [outcome(lambda: setattr(theano.config, 'compute_test_value', 'always'))]
"""),
]
