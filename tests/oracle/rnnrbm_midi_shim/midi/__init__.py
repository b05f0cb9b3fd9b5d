# The `midi` package the original rnnrbm.py imports (`from midi.utils import
# midiread, midiwrite`), as a shim for Python 3.7: see utils.py.
