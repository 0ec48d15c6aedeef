"""Write guides_tf_reference.json: what each cell of our guide programs prints, displays or raises
under real TensorFlow.

The programs are tests/tf/basics_guide/cells.py and tests/tf/optimizers_core_guide/cells.py
(our own programs for the cells of TF's "TensorFlow basics" and "Optimizers with Core APIs"
guides). Not run by the test suite (it needs TensorFlow). Run it once with TensorFlow 2.21,
outside the project's venv, from the repository root:
    /work/scratch/tfref/bin/python tests/data/make_guides_tf_reference.py
The cells run in a temporary directory, so files a cell writes (./saved) land there.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDES = {"basics": "tests.tf.basics_guide.cells", "optimizers_core": "tests.tf.optimizers_core_guide.cells"}


def main() -> None:
    import importlib

    import tensorflow as tf

    sys.path.insert(0, str(ROOT))
    from tests.support.notebook import run_cells

    tf.keras.utils.set_random_seed(22)
    out: dict = {"tensorflow": tf.__version__, "keras": tf.keras.__version__}
    here = os.getcwd()
    for guide, module in GUIDES.items():
        cells = importlib.import_module(module).CELLS
        with tempfile.TemporaryDirectory() as tmp:
            os.chdir(tmp)
            try:
                out[guide] = run_cells(cells, tf)
            finally:
                os.chdir(here)
    Path(__file__).with_name("guides_tf_reference.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
