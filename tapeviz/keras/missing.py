"""The AttributeError for a name tapeviz does not have: what it is, and a close name only when one is close.

Python's own "Did you mean" matches loosely and across kinds (``tf.signal`` would get
``'sign'``, an op, for TensorFlow's signal-processing module). tapeviz words the hint itself:
a known TensorFlow/Keras part that tapeviz leaves out is named as such, with no suggestion;
otherwise a suggestion is given only for a near-identical name in the same namespace.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

# Parts of TensorFlow and Keras that tutorials meet but tapeviz leaves out, and what they are.
LEFT_OUT = {
    "signal": "TensorFlow's signal-processing module (FFTs, spectrograms)",
    "sparse": "TensorFlow's sparse tensors", "SparseTensor": "TensorFlow's sparse tensors",
    "ragged": "TensorFlow's ragged tensors", "RaggedTensor": "TensorFlow's ragged tensors",
    "strings": "TensorFlow's string ops", "string": "the string dtype",
    "complex": "complex numbers", "complex64": "complex numbers", "complex128": "complex numbers",
    "io": "TensorFlow's file and serialization ops", "audio": "TensorFlow's audio ops",
    "lite": "TensorFlow Lite", "distribute": "distribution strategies", "tpu": "TPU support", "xla": "XLA",
    "summary": "TensorBoard summaries", "train": "checkpoints and the TF1 training API",
    "compat": "the TF1 compatibility layer", "estimator": "Estimators", "feature_column": "feature columns",
    "experimental": "TensorFlow's experimental APIs", "autograph": "AutoGraph", "raw_ops": "raw ops",
    "bitwise": "bitwise ops", "sets": "set ops", "lookup": "lookup tables", "queue": "queues",
    "quantization": "quantization", "sysconfig": "build configuration", "mlir": "MLIR", "dtensor": "DTensor",
    "applications": "Keras's pretrained applications", "datasets": "Keras's dataset downloads",
    "callbacks": "Keras callbacks", "regularizers": "regularizers", "constraints": "constraints",
    "mixed_precision": "mixed precision", "preprocessing": "Keras preprocessing",
}


def missing_name(where: str, name: str, available: Iterable[str], implements: str) -> AttributeError:
    """``where`` has no ``name``: say so, say what tapeviz ``implements``, suggest a close name if any."""
    what = LEFT_OUT.get(name)
    if what is not None:
        return _error(f"{where} has no {name!r} ({what}): tapeviz leaves it out; it implements {implements}", name)
    names = [n for n in available if not n.startswith("_")]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.8)
    hint = f". Did you mean: {close[0]!r}?" if close else ""
    return _error(f"{where} has no {name!r}: tapeviz implements {implements} (see dir({where})){hint}", name)


def _error(message: str, name: str) -> AttributeError:
    # ``name`` set keeps Python from filling in ``obj`` (the module) and adding its own loose
    # "Did you mean"; ``obj=None`` leaves it nothing to search.
    return AttributeError(message, name=name, obj=None)
