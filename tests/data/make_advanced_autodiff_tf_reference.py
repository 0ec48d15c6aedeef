"""Write advanced_autodiff_tf_reference.json: what TensorFlow 2.21 prints for each code cell of
its "Advanced automatic differentiation" guide (tensorflow/docs site/en/guide/advanced_autodiff.ipynb).

Not run by the test suite (it needs TensorFlow). Run it once with a Python that has tensorflow
2.21 installed, outside the project's venv:
    /path/to/tf-venv/bin/python tests/data/make_advanced_autodiff_tf_reference.py
The cells run in order in one namespace, as in a notebook: for each, the text it prints, the
repr of its last expression (what a notebook shows) or the type of the error it raises.
The cells are stored once, in tests/tf/advanced_autodiff_guide/cells.py (plotting lines left
out, nothing else changed), with the ``run_cell`` both this script and the tests use. Cells that
draw random numbers give shapes that tests compare, not values. tests/tf/advanced_autodiff_guide/
runs the same cells under ``import tapeviz.tf as tf``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    import tensorflow as tf

    sys.path.insert(0, str(ROOT))
    from tests.tf.advanced_autodiff_guide.cells import CELLS, run_cell
    from tests.tf.advanced_autodiff_guide.cells import namespace as fresh_namespace

    namespace: dict[str, Any] = fresh_namespace(tf)
    results = {}
    here = Path.cwd()
    with tempfile.TemporaryDirectory() as tmp:  # the SavedModel cell writes ./saved_model
        os.chdir(tmp)
        try:
            for cell_id, code in CELLS:
                found = run_cell(code.strip("\n"), namespace)
                results[cell_id] = {k: v for k, v in found.items() if not k.startswith("_")}
        finally:
            os.chdir(here)
    data = {"tensorflow": tf.__version__, "python": sys.version.split()[0], "cells": results}
    path = Path(__file__).with_name("advanced_autodiff_tf_reference.json")
    tmp_path = path.with_suffix(".tmp")
    tmp_path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    tmp_path.replace(path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
