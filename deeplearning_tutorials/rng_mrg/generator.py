"""L'Ecuyer's MRG31k3p generator, as Theano's ``rng_mrg`` ran it, in NumPy.

MRG31k3p (P. L'Ecuyer and R. Touzin, *Fast combined multiple recursive
generators with multipliers of the form a = ±2^d ± 2^e*, Winter Simulation
Conference 2000) combines two multiple recursive generators of order 3,

.. math::

    x_{1,n} = (2^{22} x_{1,n-2} + (2^7 + 1) x_{1,n-3}) \\bmod m_1,
        \\qquad m_1 = 2^{31} - 1,

    x_{2,n} = (2^{15} x_{2,n-1} + (2^{15} + 1) x_{2,n-3}) \\bmod m_2,
        \\qquad m_2 = 2^{31} - 21069,

and returns :math:`(x_{1,n} - x_{2,n}) \\bmod m_1`, scaled by
:math:`2^{-31}`. A state is six integers ``(x11, x12, x13, x21, x22, x23)``,
the last three values of each component.

Theano draws from many *streams* at once: stream ``i`` is the state of stream
``i - 1`` moved :math:`2^{72}` steps ahead (a multiplication by the matrix
:math:`A^{2^{72}} \\bmod m`), and every new draw of a ``MRG_RandomStreams``
starts :math:`2^{134}` steps after the previous one. Element ``i`` of a draw
of ``n`` values comes from stream ``i % n_streams``, the elements in order,
so a stream serving several elements gives them its successive values.

This module is the reference: plain NumPy, exact integer arithmetic, one
vectorised step for all the streams at a time. The compiled implementations
(C, Numba, JAX) in the sibling modules compute the same bits.
"""

import numpy

M1 = 2147483647  # 2**31 - 1
M2 = 2147462579  # 2**31 - 21069
MASK12 = 511  # 2**9 - 1
MASK13 = 16777215  # 2**24 - 1
MASK2 = 65535  # 2**16 - 1
MULT2 = 21069

#: the scale of an integer draw to a float, in each precision. Theano's C code
#: multiplies by the float literal ``4.6566126e-10f`` in float32, one unit in
#: the last place below 2**-31, and by 2**-31 exactly in float64.
NORM = {
    "float32": numpy.float32(4.6566126e-10),
    "float64": numpy.float64(4.656612873077392578125e-10),
}

#: the transition matrices raised to 2**72 (from one stream to the next) and
#: to 2**134 (from one draw's first stream to the next draw's), as published
#: with the generator and used by Theano
A1P72 = ((1516919229, 758510237, 499121365),
         (1884998244, 1516919229, 335398200),
         (601897748, 1884998244, 358115744))  # fmt: skip
A2P72 = ((1228857673, 1496414766, 954677935),
         (1133297478, 1407477216, 1496414766),
         (2002613992, 1639496704, 1407477216))  # fmt: skip
A1P134 = ((1702500920, 1849582496, 1656874625),
          (828554832, 1702500920, 1512419905),
          (1143731069, 828554832, 102237247))  # fmt: skip
A2P134 = ((796789021, 1464208080, 607337906),
          (1241679051, 1431130166, 1464208080),
          (1401213391, 1178684362, 1431130166))  # fmt: skip


def _mat_vec_mod(matrix, vector, modulus):
    return [sum(a * int(x) for a, x in zip(row, vector)) % modulus for row in matrix]


def jump(state, first, second):
    """``state`` moved ahead: its halves multiplied by ``first`` and ``second``.

    With ``(A1P72, A2P72)`` the result is the next stream's start, with
    ``(A1P134, A2P134)`` the next draw's. Exact (Python integers).
    """
    return numpy.array(
        _mat_vec_mod(first, state[:3], M1) + _mat_vec_mod(second, state[3:], M2),
        dtype="int32",
    )


def substream_states(start, n_streams):
    """An ``(n_streams, 6)`` int32 matrix: ``start`` and the streams after it.

    Row ``i`` is ``start`` jumped ``i`` times (:func:`jump` with ``A1P72``,
    ``A2P72``), computed by doubling: with the rows ``0 .. k-1`` known, rows
    ``k .. 2k-1`` are those jumped ``k`` times at once, by the matrices
    raised to the ``k``-th power. The same integers as jumping row by row,
    in a few array operations instead of one Python loop step per stream (a
    DBN's noise has 138,240 streams: two seconds of its start).
    """
    states = numpy.empty((n_streams, 6), dtype="int64")
    states[0] = start
    power1, power2 = A1P72, A2P72  # the matrices to the power ``known``
    known = 1
    while known < n_streams:
        new = min(known, n_streams - known)
        states[known : known + new, :3] = _mat_rows_mod(power1, states[:new, :3], M1)
        states[known : known + new, 3:] = _mat_rows_mod(power2, states[:new, 3:], M2)
        known += new
        power1 = _mat_mat_mod(power1, power1, M1)
        power2 = _mat_mat_mod(power2, power2, M2)
    return states.astype("int32")


def _mat_rows_mod(matrix, rows, modulus):
    """``matrix`` times each of ``rows`` (an ``(n, 3)`` int64 array), mod
    ``modulus``: exact, as each product of two numbers below 2**31 fits in
    int64 and is reduced before the next is added."""
    out = numpy.zeros_like(rows)
    for i in range(3):
        for k in range(3):
            out[:, i] = (out[:, i] + (matrix[i][k] * rows[:, k]) % modulus) % modulus
    return out


def _mat_mat_mod(first, second, modulus):
    """The product of two 3 x 3 matrices mod ``modulus`` (Python integers)."""
    return tuple(
        tuple(sum(first[i][k] * second[k][j] for k in range(3)) % modulus for j in range(3))
        for i in range(3)
    )


def _step(states):
    """Advance every row of an int64 ``(k, 6)`` state matrix once; the draws.

    Returns the integers in ``1 .. m1`` that Theano scales to floats.
    """
    x11, x12, x13, x21, x22, x23 = states.T
    # first component: 2**22 x12 + (2**7 + 1) x13, reduced mod m1 as Theano does
    y1 = ((x12 & MASK12) << 22) + (x12 >> 9) + ((x13 & MASK13) << 7) + (x13 >> 24)
    y1 = numpy.where(y1 >= M1, y1 - M1, y1)
    y1 = y1 + x13
    y1 = numpy.where(y1 >= M1, y1 - M1, y1)
    # second component: 2**15 x21 + (2**15 + 1) x23, mod m2
    z1 = ((x21 & MASK2) << 15) + MULT2 * (x21 >> 16)
    z1 = numpy.where(z1 >= M2, z1 - M2, z1)
    z2 = ((x23 & MASK2) << 15) + MULT2 * (x23 >> 16)
    z2 = numpy.where(z2 >= M2, z2 - M2, z2)
    z2 = z2 + x23
    z2 = numpy.where(z2 >= M2, z2 - M2, z2)
    z2 = z2 + z1
    z2 = numpy.where(z2 >= M2, z2 - M2, z2)
    states[:] = numpy.stack([y1, x11, x12, z2, x21, x22], axis=1)
    return numpy.where(y1 <= z2, y1 - z2 + M1, y1 - z2)


def to_float(integers, dtype):
    """Theano's conversion of draws in ``1 .. m1`` to floats in ``(0, 1]``.

    In float32 the integer is rounded to float32 first, then multiplied in
    float32 (as C does with ``int * float``); in float64 it is exact.
    """
    return integers.astype(dtype) * NORM[dtype]


def uniform_draws(rstate, n_elements, dtype):
    """``n_elements`` uniform draws from the streams of ``rstate``.

    :param rstate: the ``(n_streams, 6)`` int32 state matrix; not modified
    :returns: ``(new_rstate, draws)``: the state after the draws and a flat
        array of ``dtype``
    """
    if n_elements > M1:
        raise ValueError("rng_mrg does not support more than 2**31 - 1 samples")
    states = numpy.asarray(rstate, dtype="int64").copy()
    n_streams = states.shape[0]
    draws = numpy.empty(n_elements, dtype=dtype)
    for start in range(0, n_elements, n_streams):
        active = min(n_streams, n_elements - start)
        block = states[:active]
        draws[start : start + active] = to_float(_step(block), dtype)
        states[:active] = block
    return states.astype("int32"), draws
