"""The operators a verified credit program may contain: pure, deterministic ATen functions.

A TFCAF is traced (in the jail) to ATen's core, functional operator set; the parent accepts a
program only if every node calls one of :data:`ALLOWED_ATEN_OPS` or, for symbolic batch sizes,
one of :data:`SYMINT_OPERATORS`. Nothing here draws random numbers, allocates uninitialised
memory (``empty*``, ``new_empty*``, ``resize_``), writes in place, reads data back to Python
(``_local_scalar_dense``/``item``) or touches files, devices or the network; the test suite
checks each entry against torch's own operator tags and schemas.
"""

from __future__ import annotations

import operator
from typing import Callable, Dict

import torch

_ATEN = """
abs.default acos.default acosh.default add.Scalar add.Tensor addcdiv.default addcmul.default
addmm.default alias.default all.default all.dim amax.default amin.default any.default any.dim
any.dims arange.default arange.start arange.start_step argmax.default argmin.default asin.default
asinh.default atan.default atan2.default atanh.default bitwise_and.Tensor bitwise_not.default
bitwise_or.Tensor bitwise_xor.Tensor bmm.default bucketize.Tensor _cdist_forward.default
cat.default ceil.default clamp.Tensor clamp.default clamp_max.default clamp_min.default
clone.default constant_pad_nd.default copy.default cos.default cosh.default cummax.default
cumprod.default cumsum.default diag_embed.default diagonal.default div.Scalar div.Tensor
div.Tensor_mode dot.default elu.default embedding.default eq.Scalar eq.Tensor erf.default
erfinv.default exp.default exp2.default expand.default expm1.default flip.default floor.default
floor_divide.default fmax.default fmin.default fmod.Scalar fmod.Tensor full.default
full_like.default gather.default ge.Scalar ge.Tensor gelu.default gt.Scalar gt.Tensor
hardsigmoid.default hardtanh.default heaviside.default hypot.default index.Tensor
index_put.default index_select.default isfinite.default isinf.default isnan.default
le.Scalar le.Tensor leaky_relu.default lerp.Scalar lerp.Tensor lift_fresh_copy.default
linalg_vector_norm.default linspace.default log.default log10.default log1p.default log2.default
_log_softmax.default log_sigmoid_forward.default logical_and.default logical_not.default
logical_or.default logical_xor.default logit.default logsumexp.default lt.Scalar lt.Tensor
masked_fill.Scalar masked_fill.Tensor max.default max.dim max.other maximum.default mean.default
mean.dim median.dim min.default min.dim min.other minimum.default mish.default mm.default
mul.Scalar mul.Tensor mv.default nan_to_num.default ne.Scalar ne.Tensor neg.default
norm.ScalarOpt_dim ones.default ones_like.default permute.default pow.Scalar pow.Tensor_Scalar
pow.Tensor_Tensor prod.default prod.dim_int reciprocal.default reflection_pad1d.default
relu.default remainder.Scalar remainder.Tensor repeat.default roll.default round.default
rsqrt.default scalar_tensor.default scatter.src scatter.value scatter_add.default
searchsorted.Tensor select.int select_scatter.default sgn.default sigmoid.default sign.default
silu.default sin.default sinh.default slice.Tensor slice_scatter.default _softmax.default
softplus.default sort.default split.Tensor split_with_sizes.default sqrt.default squeeze.default
squeeze.dim squeeze.dims std.correction sub.Scalar sub.Tensor sum.default sum.dim_IntList
t.default tan.default tanh.default threshold.default topk.default transpose.int tril.default
triu.default trunc.default unbind.int unsqueeze.default var.correction var_mean.correction
view.default where.Scalar where.ScalarOther where.ScalarSelf where.self zeros.default
zeros_like.default _to_copy.default
_assert_async.msg _assert_scalar.default _assert_tensor_metadata.default
sym_constrain_range_for_size.default sym_numel.default sym_size.int sym_stride.int
"""

ALLOWED_ATEN_OPS = frozenset(f"aten.{name}" for name in _ATEN.split())

# Python operators that export emits for arithmetic on symbolic sizes (and for picking one
# output of a multi-output op such as ``max.dim``).
SYMINT_OPERATORS: Dict[str, Callable] = {
    "operator.add": operator.add,
    "operator.sub": operator.sub,
    "operator.mul": operator.mul,
    "operator.floordiv": operator.floordiv,
    "operator.mod": operator.mod,
    "operator.neg": operator.neg,
    "operator.getitem": operator.getitem,
}

_RESOLVED: Dict[str, Callable] = {}


def operator_name(target: object) -> str:
    """The program name of an FX call target: ``aten.add.Tensor`` or ``operator.mul``."""
    if isinstance(target, torch._ops.OpOverload):
        return f"{target.namespace}.{target._schema.name.split('::')[-1]}.{target._overloadname}"
    module = getattr(target, "__module__", None)
    name = getattr(target, "__name__", repr(target))
    if module in ("_operator", "operator"):
        return f"operator.{name}"
    return f"{module}.{name}"


def resolve(name: str) -> Callable:
    """The callable for an allowed operator name; ``KeyError`` for anything else."""
    if name in SYMINT_OPERATORS:
        return SYMINT_OPERATORS[name]
    if name not in ALLOWED_ATEN_OPS:
        raise KeyError(name)
    if name not in _RESOLVED:
        _, op, overload = name.split(".")
        _RESOLVED[name] = getattr(getattr(torch.ops.aten, op), overload)
    return _RESOLVED[name]
