"""2-D convolution and pooling over NHWC images: conv2d, its two gradient ops, max and average pooling.

``conv2d(input, filters)`` slides a ``(kh, kw, in_channels, out_channels)`` kernel over
``(batch, height, width, in_channels)`` images. Its gradient is two ops of their own, as in
TensorFlow: the input's gradient is the *transposed convolution* of the upstream gradient
with the same kernel (``conv2d_transpose``: each output position sends ``g · kernelᵀ`` back to
the input window it read), and the kernel's gradient *correlates* the input with the upstream
gradient (``conv2d_backprop_filter``). Both are linear in each argument, so their own VJPs are
convolutions again and higher-order gradients work.

Pooling takes the max or the mean of each window, per channel. Both VJPs route the upstream
gradient back through a table of which input element each window position read, with a
weight per position (1 at the window's first maximum for max pooling — TensorFlow's choice on
ties —, 1/count for average pooling, where ``SAME`` padding counts only real elements).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..attrs import REQUIRED, Attr, as_ksize, as_padding, as_shape, as_strides
from ..chain import ChainContext, SumOfProducts
from ..registry import OpDef, OpRecord, register
from ..tensor import Tensor

__all__: list[str] = []  # registers its ops; nothing to import from here


# ---------------------------------------------------------------------------------------
# geometry shared by every op here


def _geometry(size: int, k: int, stride: int, padding: str) -> tuple[int, int, int]:
    """``(output size, padding before, padding after)`` along one spatial axis, as TF computes them."""
    if padding == "SAME":
        out = -(-size // stride)
        total = max((out - 1) * stride + k - size, 0)
        return out, total // 2, total - total // 2
    if size < k:
        raise ValueError(f"VALID padding needs the image ({size}) to be at least as large as the window ({k})")
    return (size - k) // stride + 1, 0, 0


def _check_format(data_format: str, dilations: Any) -> None:
    if data_format != "NHWC":
        raise ValueError(f"data_format {data_format!r} is not supported: tapeviz computes NHWC (batch, height, width, channels)")
    if dilations is not None:
        items = [int(dilations)] if np.ndim(dilations) == 0 else [int(d) for d in np.ravel(dilations)]
        if any(d != 1 for d in items):
            raise ValueError(f"dilations {dilations!r} are not supported: tapeviz convolves with dilation 1")


def _windows(shape: tuple[int, ...], k: tuple[int, int], strides: tuple[int, int], padding: str) -> tuple[Any, ...]:
    """Output size and paddings of an NHWC ``shape`` under a ``k`` window."""
    if len(shape) != 4:
        raise ValueError(f"the input must be 4-D (batch, height, width, channels), got shape {tuple(shape)}")
    oh, top, bottom = _geometry(shape[1], k[0], strides[0], padding)
    ow, left, right = _geometry(shape[2], k[1], strides[1], padding)
    return oh, ow, ((0, 0), (top, bottom), (left, right), (0, 0))


def _tap(padded: np.ndarray, p: int, q: int, strides: tuple[int, int], oh: int, ow: int) -> np.ndarray:
    """The input elements kernel position ``(p, q)`` meets at every output position."""
    sh, sw = strides
    return padded[:, p:p + sh * (oh - 1) + 1:sh, q:q + sw * (ow - 1) + 1:sw, :]


def _check_filters(x_shape: tuple[int, ...], f: np.ndarray) -> None:
    if f.ndim != 4:
        raise ValueError(f"filters must be 4-D (height, width, in_channels, out_channels), got shape {f.shape}")
    if len(x_shape) == 4 and x_shape[3] != f.shape[2]:
        raise ValueError(f"the input has {x_shape[3]} channels but the filters expect {f.shape[2]}")


# ---------------------------------------------------------------------------------------
# conv2d and its two gradient ops


def _conv_forward(input: np.ndarray, filters: np.ndarray, strides: tuple[int, int], padding: str,
                  data_format: str = "NHWC", dilations: Any = None) -> np.ndarray:
    _check_format(data_format, dilations)
    _check_filters(input.shape, filters)
    kh, kw, _, cout = filters.shape
    oh, ow, pads = _windows(input.shape, (kh, kw), strides, padding)
    padded = np.pad(input, pads)
    out = np.zeros((input.shape[0], oh, ow, cout), dtype=np.result_type(input, filters))
    for p in range(kh):
        for q in range(kw):
            out += _tap(padded, p, q, strides, oh, ow) @ filters[p, q]
    return out


def _transpose_forward(input: np.ndarray, filters: np.ndarray, output_shape: tuple[int, ...], strides: tuple[int, int],
                       padding: str = "SAME", data_format: str = "NHWC", dilations: Any = None) -> np.ndarray:
    """The gradient of conv2d's input: each output position sends ``g · kernel[p, q]ᵀ`` to the element it read."""
    _check_format(data_format, dilations)
    if filters.ndim != 4:
        raise ValueError(f"filters must be 4-D (height, width, in_channels, out_channels), got shape {filters.shape}")
    kh, kw, cin, cout = filters.shape
    output_shape = tuple(int(d) for d in output_shape)
    if len(output_shape) != 4 or output_shape[3] != cin:
        raise ValueError(f"output_shape {output_shape} must be 4-D with {cin} channels (the filters' in_channels)")
    oh, ow, pads = _windows(output_shape, (kh, kw), strides, padding)
    if input.shape != (output_shape[0], oh, ow, cout):
        raise ValueError(f"input shape {input.shape} does not match output_shape {output_shape}: expected "
                         f"{(output_shape[0], oh, ow, cout)} for these strides and padding")
    (_, _), (top, bottom), (left, right), _ = pads
    full = np.zeros((output_shape[0], output_shape[1] + top + bottom, output_shape[2] + left + right, cin),
                    dtype=np.result_type(input, filters))
    for p in range(kh):
        for q in range(kw):
            _tap(full, p, q, strides, oh, ow)[...] += input @ filters[p, q].T
    return full[:, top:top + output_shape[1], left:left + output_shape[2], :]


def _filter_forward(input: np.ndarray, out_backprop: np.ndarray, filter_sizes: tuple[int, ...], strides: tuple[int, int],
                    padding: str, data_format: str = "NHWC", dilations: Any = None) -> np.ndarray:
    """The gradient of conv2d's kernel: the correlation of the input with the upstream gradient."""
    _check_format(data_format, dilations)
    kh, kw, cin, cout = (int(d) for d in filter_sizes)
    oh, ow, pads = _windows(input.shape, (kh, kw), strides, padding)
    if out_backprop.shape != (input.shape[0], oh, ow, cout) or input.shape[3] != cin:
        raise ValueError(f"out_backprop {out_backprop.shape} does not fit input {input.shape} and filter_sizes {filter_sizes}")
    padded = np.pad(input, pads)
    out = np.empty((kh, kw, cin, cout), dtype=np.result_type(input, out_backprop))
    for p in range(kh):
        for q in range(kw):
            out[p, q] = np.tensordot(_tap(padded, p, q, strides, oh, ow), out_backprop, axes=([0, 1, 2], [0, 1, 2]))
    return out


def _geometry_attrs(rec: OpRecord) -> dict[str, Any]:
    return {"strides": rec.attrs["strides"], "padding": rec.attrs["padding"]}


def _conv_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    x, f = rec.inputs
    at = _geometry_attrs(rec)
    gx = xp.conv2d_transpose(g, f, x._value.shape, **at) if needs[0] else None
    gf = xp.conv2d_backprop_filter(x, g, f._value.shape, **at) if needs[1] else None
    return gx, gf


def _transpose_vjp(xp: Any, u: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    g, f = rec.inputs  # out = conv2d_transpose(g, f): ⟨u, out⟩ = ⟨conv2d(u, f), g⟩
    at = _geometry_attrs(rec)
    gg = xp.conv2d(u, f, **at) if needs[0] else None
    gf = xp.conv2d_backprop_filter(u, g, f._value.shape, **at) if needs[1] else None
    return gg, gf


def _filter_vjp(xp: Any, u: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    x, g = rec.inputs  # out = backprop_filter(x, g): ⟨u, out⟩ = ⟨conv2d(x, u), g⟩ = ⟨x, conv2d_transpose(g, u)⟩
    at = _geometry_attrs(rec)
    gx = xp.conv2d_transpose(g, u, x._value.shape, **at) if needs[0] else None
    gg = xp.conv2d(x, u, **at) if needs[1] else None
    return gx, gg


def _conv_explain(c: ChainContext) -> SumOfProducts | None:
    """One element of the input's gradient (transposed convolution) or of the kernel's (correlation)."""
    x, f = c.inputs
    g, el = c.upstream, c.element
    if x.ndim != 4 or f.ndim != 4 or g.ndim != 4:
        return None
    xn, fn = c.names
    (sh, sw), padding = c.attrs["strides"], c.attrs["padding"]
    kh, kw, _, cout = f.shape
    oh, ow, pads = _windows(x.shape, (kh, kw), (sh, sw), padding)
    top, left = pads[1][0], pads[2][0]
    if c.k == 0:  # x[n, h, w, ci] = Σ over the windows (i, j) that cover it and every out channel o
        n, h, w, ci = el
        terms = []
        for i in range(oh):
            p = h + top - i * sh
            if not 0 <= p < kh:
                continue
            for j in range(ow):
                q = w + left - j * sw
                if 0 <= q < kw:
                    terms += [(float(g[n, i, j, o]), float(f[p, q, ci, o])) for o in range(cout)]
        formula = (f"Σ g[{n},i,j,o]·{fn}[p,q,{ci},o] over the {len(terms) // max(cout, 1)} windows (i,j) that read "
                   f"{xn}[{n},{h},{w},{ci}] at kernel position (p,q): the transposed convolution of g, largest terms first")
        return SumOfProducts(formula, (("g", g.shape), (fn, f.shape)), _largest_first(terms), float(c.sent[el]))
    p, q, ci, co = el  # kernel[p, q, ci, co] = Σ over batch and output positions of input × upstream
    padded = np.pad(x, pads)
    seen = _tap(padded, p, q, (sh, sw), oh, ow)[..., ci]
    terms = list(zip(seen.ravel().tolist(), g[..., co].ravel().tolist()))
    shift = f" ({xn} padded by {top} rows, {left} columns)" if top or left else ""
    formula = (f"Σ_(n,i,j) {xn}[n,{_affine(sh, 'i', p)},{_affine(sw, 'j', q)},{ci}]·g[n,i,j,{co}]{shift}: "
               f"the correlation of {xn} with g, largest terms first")
    return SumOfProducts(formula, ((xn, x.shape), ("g", g.shape)), _largest_first(terms), float(c.sent[el]))


def _affine(stride: int, var: str, offset: int) -> str:
    """``2i+1``, ``i``, ``j+2``: the input row or column a window position reads."""
    text = var if stride == 1 else f"{stride}{var}"
    return f"{text}+{offset}" if offset else text


def _largest_first(terms: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    """The products that matter most first (a sum reads the same in any order; zeros last)."""
    return tuple(sorted(terms, key=lambda t: -abs(t[0] * t[1])))


def _conv_box(attrs: dict[str, Any], shapes: tuple[tuple[int, ...], ...]) -> str | None:
    """``3×3 kernel · stride 1 · SAME`` (the kernel's height and width, from its shape)."""
    kernel = shapes[1] if len(shapes) > 1 and len(shapes[1]) == 4 else None
    if kernel is None:
        return None
    return f"{kernel[0]}×{kernel[1]} kernel · {_stride_text(attrs)} · {attrs.get('padding', '')}"


def _pool_box(attrs: dict[str, Any], shapes: tuple[tuple[int, ...], ...]) -> str | None:
    kh, kw = attrs.get("ksize", (0, 0))
    return f"{kh}×{kw} window · {_stride_text(attrs)} · {attrs.get('padding', '')}"


def _stride_text(attrs: dict[str, Any]) -> str:
    sh, sw = attrs.get("strides", (1, 1))
    return f"stride {sh}" if sh == sw else f"strides {sh}×{sw}"


_GEOMETRY = (Attr("strides", REQUIRED, as_strides, doc="The stride of the sliding window: an int, [h, w] or [1, h, w, 1]."),
             Attr("padding", REQUIRED, as_padding, doc="'SAME' (zeros around, output size ⌈size/stride⌉) or 'VALID' (no padding)."))
_FORMAT = (Attr("data_format", "NHWC", str, omit_default=True, doc="Only 'NHWC' (batch, height, width, channels)."),
           Attr("dilations", None, None, omit_default=True, doc="Only 1 (no dilation)."))

register(OpDef(
    "conv2d", _conv_forward, vjp=_conv_vjp, params=("input", "filters"),
    derivative="∂L/∂input = conv2d_transpose(g, filters) (each output sends g·kernelᵀ back to the window it read); "
               "∂L/∂filters = the correlation of input and g (Σ over batch and positions of input window × g)",
    explain=_conv_explain, box=_conv_box, attrs=(*_GEOMETRY, *_FORMAT), tf_names=("tf.nn.conv2d",),
    doc="Computes a 2-D convolution given 4-D input (NHWC) and filters (height, width, in, out) tensors.",
))
register(OpDef(
    "conv2d_transpose", _transpose_forward, vjp=_transpose_vjp, params=("input", "filters"),
    derivative="∂L/∂input = conv2d(g, filters), ∂L/∂filters = the correlation of g with input",
    attrs=(Attr("output_shape", REQUIRED, as_shape, doc="The shape of the result (batch, height, width, in_channels)."),
           Attr("strides", REQUIRED, as_strides, doc=_GEOMETRY[0].doc),
           Attr("padding", "SAME", as_padding, doc=_GEOMETRY[1].doc), *_FORMAT),
    tf_names=("tf.nn.conv2d_transpose",),
    doc="The transpose of conv2d: the gradient of conv2d with respect to its input.",
))
register(OpDef(
    "conv2d_backprop_filter", _filter_forward, vjp=_filter_vjp, params=("input", "out_backprop"),
    derivative="∂L/∂input = conv2d_transpose(out_backprop, g), ∂L/∂out_backprop = conv2d(input, g)",
    attrs=(Attr("filter_sizes", REQUIRED, as_shape, doc="The kernel's shape (height, width, in, out)."),
           *_GEOMETRY, *_FORMAT),
    doc="The gradient of conv2d with respect to its filters: input correlated with out_backprop.",
))


# ---------------------------------------------------------------------------------------
# pooling


def _pool_table(shape: tuple[int, ...], ksize: tuple[int, int], strides: tuple[int, int],
                padding: str) -> tuple[np.ndarray, np.ndarray, int, int]:
    """For every (n, i, j, c, window position): the flat index of the input element read, and
    whether it is a real element (False: padding). Shapes ``(N, oh, ow, C, kh·kw)``."""
    n, h, w, ch = shape
    oh, ow, pads = _windows(shape, ksize, strides, padding)
    top, left = pads[1][0], pads[2][0]
    rows = np.arange(oh)[:, None] * strides[0] - top + np.arange(ksize[0])[None, :]  # (oh, kh)
    cols = np.arange(ow)[:, None] * strides[1] - left + np.arange(ksize[1])[None, :]  # (ow, kw)
    r = rows[:, None, :, None]  # (oh, 1, kh, 1)
    q = cols[None, :, None, :]  # (1, ow, 1, kw)
    valid = (r >= 0) & (r < h) & (q >= 0) & (q < w)  # (oh, ow, kh, kw)
    spatial = np.where(valid, np.clip(r, 0, h - 1) * w + np.clip(q, 0, w - 1), 0).reshape(oh, ow, -1)
    valid = valid.reshape(oh, ow, -1)
    base = (np.arange(n)[:, None, None, None, None] * (h * w) + spatial[None, :, :, None, :]) * ch
    index = base + np.arange(ch)[None, None, None, :, None]
    return index, np.broadcast_to(valid[None, :, :, None, :], index.shape), oh, ow


def _pool_values(a: np.ndarray, ksize: tuple[int, int], strides: tuple[int, int], padding: str,
                 data_format: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    _check_format(data_format, None)
    index, valid, _, _ = _pool_table(a.shape, ksize, strides, padding)
    return a.reshape(-1)[index], index, valid


def _max_forward(input: np.ndarray, ksize: tuple[int, int], strides: tuple[int, int], padding: str,
                 data_format: str = "NHWC") -> np.ndarray:
    values, _, valid = _pool_values(input, ksize, strides, padding, data_format)
    return np.where(valid, values, -np.inf).max(axis=-1).astype(input.dtype)


def _avg_forward(input: np.ndarray, ksize: tuple[int, int], strides: tuple[int, int], padding: str,
                 data_format: str = "NHWC") -> np.ndarray:
    values, _, valid = _pool_values(input, ksize, strides, padding, data_format)
    total = np.where(valid, values, 0).sum(axis=-1)
    return (total / valid.sum(axis=-1)).astype(input.dtype)


def _routes(kind: str, a: np.ndarray, attrs: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Where each window position sends its share of g, and the share: ``(index, weight)``."""
    values, index, valid = _pool_values(a, attrs["ksize"], attrs["strides"], attrs["padding"], attrs.get("data_format", "NHWC"))
    if kind == "max":  # the first maximum of the window takes it all (TF's rule on ties)
        first = np.where(valid, values, -np.inf).argmax(axis=-1)
        weight = np.zeros(values.shape, dtype=a.dtype)
        np.put_along_axis(weight, first[..., None], 1, axis=-1)
    else:
        weight = (valid / valid.sum(axis=-1, keepdims=True)).astype(a.dtype)
    return index, weight


def _pool_vjp(kind: str) -> Any:
    def vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
        a = rec.inputs[0]._value
        index, weight = _routes(kind, a, rec.attrs)
        shares = xp.multiply(xp.expand_dims(g, -1), weight)  # (N, oh, ow, C, kh·kw)
        flat = xp.unsorted_segment_sum(xp.reshape(shares, (-1,)), index.reshape(-1), a.size)
        return (xp.reshape(flat, a.shape),)

    return vjp


def _pool_explain(kind: str) -> Any:
    def explain(c: ChainContext) -> SumOfProducts | None:
        a, g = c.inputs[0], c.upstream
        index, weight = _routes(kind, a, c.attrs)
        flat = int(np.ravel_multi_index(c.element, a.shape))
        hits = np.nonzero((index == flat) & (weight != 0))
        terms = _largest_first([(float(g[pos[:4]]), float(weight[pos])) for pos in zip(*hits)])
        name = c.names[0]
        share = "1 where it is the window's (first) maximum" if kind == "max" else "1/(real elements in the window)"
        formula = f"Σ over the windows that read {name}{list(c.element)}: g[window] × {share}"
        return SumOfProducts(formula, (("g", g.shape),), terms, float(c.sent[c.element]))

    return explain


_POOL_ATTRS = (Attr("ksize", REQUIRED, as_ksize, doc="The window size: an int, [h, w] or [1, h, w, 1]."),
               *_GEOMETRY, _FORMAT[0])

register(OpDef(
    "max_pool2d", _max_forward, vjp=_pool_vjp("max"), params=("input",), arity=1,
    derivative="∂out/∂input = 1 at each window's maximum (the first one on ties), 0 elsewhere: g goes back to "
               "where the max came from",
    explain=_pool_explain("max"), box=_pool_box, attrs=_POOL_ATTRS, tf_names=("tf.nn.max_pool2d",),
    doc="Performs max pooling on a 4-D NHWC input: the largest value of each window, per channel.",
))
register(OpDef(
    "avg_pool2d", _avg_forward, vjp=_pool_vjp("avg"), params=("input",), arity=1,
    derivative="∂out/∂input = 1/n for each of the n real elements of the window (g is shared equally among them)",
    explain=_pool_explain("avg"), box=_pool_box, attrs=_POOL_ATTRS, tf_names=("tf.nn.avg_pool2d",),
    doc="Performs average pooling on a 4-D NHWC input: the mean of each window, per channel.",
))
