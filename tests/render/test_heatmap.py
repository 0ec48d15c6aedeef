"""The heatmap levels every drawing shares (tapeviz.view.heatmap): scale, sampling, bad numbers."""

from __future__ import annotations

import numpy as np

from tapeviz.view.heatmap import glyph, half_block_rows, heatmap


def test_levels_keep_the_sign_and_scale_by_the_largest_magnitude() -> None:
    hm = heatmap(np.array([[-2.0, 0.0], [1.0, 4.0]]))
    assert hm.levels == ((-0.5, 0.0), (0.25, 1.0)) and (hm.lo, hm.hi, hm.scale) == (-2.0, 4.0, 4.0)
    assert hm.legend() == "-2‥4" and not hm.sampled


def test_large_tensors_are_sampled_evenly_whole_rows_and_columns() -> None:
    a = np.arange(32 * 784, dtype=np.float64).reshape(32, 784)
    hm = heatmap(a, max_rows=4, max_cols=8)
    assert (hm.rows, hm.cols) == (4, 8) and hm.row_index[0] == 0 and hm.row_index[-1] == 31
    assert hm.col_index[-1] == 783 and hm.sampling() == "4 of 32 rows, 8 of 784 columns"
    relu = np.maximum(np.random.default_rng(0).normal(size=(6, 3)), 0)
    relu[2] = 0  # a dead row stays a dead row
    assert heatmap(relu).levels[2] == (0.0, 0.0, 0.0)


def test_nan_inf_empty_scalars_and_booleans_do_not_crash() -> None:
    hm = heatmap(np.array([1.0, np.nan, -np.inf, -3.0]))
    assert hm.levels == ((1 / 3, None, None, -1.0),) and hm.nonfinite == 2 and hm.legend().endswith("!")
    assert heatmap(np.full((2, 2), np.nan)).levels == ((None, None), (None, None))
    assert heatmap(np.zeros((0, 5))).empty and heatmap(np.array([])).empty
    assert heatmap(np.float32(2.5)).levels == ((1.0,),)
    assert heatmap(np.zeros((3, 3))).levels[0] == (0.0, 0.0, 0.0)  # all zero: no division by zero
    assert heatmap(np.array([True, False])).levels == ((1.0, 0.0),)
    assert heatmap(np.ones((2, 3, 4))).shape == (2, 3, 4) and heatmap(np.ones((2, 3, 4))).rows == 6


def test_half_blocks_pair_rows_and_glyphs_read_without_colour() -> None:
    rows = half_block_rows(heatmap(np.array([[1.0], [-1.0], [0.5]])))
    assert rows == [[(1.0, -1.0, True)], [(0.5, None, False)]]
    assert [glyph(v) for v in (None, 0.0, 0.3, 0.9, -0.3, -0.9)] == ["!", "·", "+", "#", "-", "="]
