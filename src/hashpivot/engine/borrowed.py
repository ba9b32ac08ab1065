"""Borrowed views of arrays inside the engine's kernels: the same data, shape and strides, no reference count.

numba counts references to every array: each time an array enters an inlined stage (``engine.stages``) it is
incremented and decremented again, with atomic operations. With a dozen stages a day that cost 2,000 ns a path-day
(RM1, one thread) against 37 ns with borrowed views. The kernels borrow each array once on entry; every array they
borrow is owned by the Python caller for the whole call (inputs, outputs and workspace are arguments), and no
borrowed view leaves the kernel.

Built on numba's documented extension API (``numba.extending.intrinsic`` and ``numba.core.cgutils``' struct
proxies, as in numba's "interval" extension example).
"""

from __future__ import annotations

from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def borrowed(typingctx, arr):
    """A view of ``arr`` (any numba array) that carries no meminfo, so numba neither counts nor frees it."""
    if not isinstance(arr, types.Array):
        return None
    sig = arr(arr)

    def codegen(context, builder, signature, args):
        src = cgutils.create_struct_proxy(signature.args[0])(context, builder, value=args[0])
        dst = cgutils.create_struct_proxy(signature.return_type)(context, builder)
        for name in ("nitems", "itemsize", "data", "shape", "strides"):
            setattr(dst, name, getattr(src, name))
        dst.meminfo = context.get_constant_null(types.MemInfoPointer(types.voidptr))
        dst.parent = context.get_constant_null(types.pyobject)
        return dst._getvalue()

    return sig, codegen
