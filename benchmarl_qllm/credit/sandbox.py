"""The static checker for TFCAF source: a fast first filter whose messages help the LLM.

:func:`static_check` parses the source with :mod:`ast` and rejects what a credit function has
no business doing (imports other than ``torch``/``math``, dunder and private attributes,
``exec``/``eval``/``open``, classes, ``while`` loops, module-level side effects, ...), with one
message per problem so the coder LLM can fix it. **It is not a security boundary**: the source
then runs only inside the jail (:mod:`benchmarl_qllm.credit.jail`), and what training executes
is the verified tensor program the jail traced (:mod:`benchmarl_qllm.credit.program`).
:func:`safe_builtins` is the namespace the jail executes the source in (again a convenience
for clear errors, not a boundary).
"""

from __future__ import annotations

import ast
import builtins
import math
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import torch
import torch.nn.functional as F

MAX_SOURCE_CHARS = 64_000
MAX_AST_NODES = 8_000

ALLOWED_MODULES = {
    "torch": torch,
    "math": math,
    "torch.nn.functional": F,
    "torch.linalg": torch.linalg,
}

_TORCH_FUNCTIONS = """
abs absolute acos acosh add addcmul all allclose amax amin any arange arccos arcsin arctan
arctan2 argmax argmin argsort as_tensor asin asinh atan atan2 atanh bmm bool broadcast_tensors
broadcast_to bucketize cat cdist ceil chunk clamp clamp_max clamp_min clip concat concatenate
cos cosh count_nonzero cummax cummin cumprod cumsum deg2rad diag diag_embed diagonal diff dist
div divide dot einsum eq erf exp exp2 expm1 eye finfo flatten flip float16 float32 float64
floor floor_divide fmax fmin fmod full full_like gather ge greater greater_equal gt heaviside
hypot index_select inner int32 int64 isclose isfinite isinf isnan kron le lerp less less_equal
linspace log log10 log1p log2 log_softmax logaddexp logical_and logical_not logical_or
logical_xor logit logsumexp long lt masked_fill masked_select matmul max maximum mean median
min minimum mm mul multiply nan_to_num nanmean nansum ne neg negative norm not_equal numel
ones ones_like outer permute pow prod rad2deg reciprocal relu remainder repeat_interleave
reshape round rsqrt scatter scatter_add searchsorted select sgn sigmoid sign sin sinh slice_scatter
softmax sort split sqrt square squeeze stack std std_mean sub subtract sum t take
take_along_dim tan tanh tensor tensordot tile topk trace transpose tril triu true_divide trunc
unbind unflatten unique unsqueeze var var_mean vstack hstack where xlogy zeros zeros_like
Tensor Size dtype device float int
"""

_FUNCTIONAL = """
relu relu6 elu selu celu gelu silu mish softplus softsign sigmoid tanh hardtanh leaky_relu
softmax log_softmax softmin normalize one_hot pad cosine_similarity pairwise_distance
logsigmoid hardsigmoid threshold
"""

_LINALG = "norm vector_norm matrix_norm det inv solve cross"

ALLOWED_ATTRIBUTE_PATHS = (
    {f"torch.{n}" for n in _TORCH_FUNCTIONS.split()}
    | {f"torch.nn.functional.{n}" for n in _FUNCTIONAL.split()}
    | {f"torch.linalg.{n}" for n in _LINALG.split()}
)

# Module paths: usable only as the base of an attribute chain, never as a value.
MODULE_PATHS = set(ALLOWED_MODULES) | {"torch.nn"}

# Attribute names refused on *any* object (tensor methods, frames, generators...).
FORBIDDEN_ATTRIBUTES = {
    "cuda", "cpu", "storage", "untyped_storage", "data", "grad", "grad_fn", "backward",
    "register_hook", "retain_grad", "requires_grad_", "detach", "detach_", "share_memory_",
    "pin_memory", "set_", "resize_", "apply_", "map_", "map2_", "data_ptr", "tofile",
    "gi_frame", "gi_code", "cr_frame", "ag_frame", "f_globals", "f_locals", "f_back",
    "f_builtins", "tb_frame", "tb_next", "co_code", "func_globals", "mro", "load", "save",
    "system", "popen", "environ", "modules", "builtins", "format", "format_map", "record_stream",
    "new_empty", "empty", "empty_like", "manual_seed", "seed", "set_grad_enabled", "no_grad",
    # Ways out of torch into numpy/ctypes/files/DLPack (e.g. ``x.numpy().dump(path)``).
    "numpy", "ctypes", "dump", "dumps", "memmap", "memmap_", "memmap_like", "to_h5", "from_h5",
    "from_file", "to_dlpack", "from_dlpack", "consolidate", "share_memory",
    # Learnable tensors and hooks: a TFCAF holds no parameters.
    "requires_grad", "register_post_accumulate_grad_hook", "apply", "named_apply", "to_module",
}

SAFE_BUILTIN_NAMES = [
    "abs", "all", "any", "bool", "dict", "enumerate", "float", "int", "isinstance", "len",
    "list", "max", "min", "pow", "range", "reversed", "round", "slice", "sorted", "sum",
    "tuple", "zip", "ValueError", "RuntimeError", "True", "False", "None",
]

FORBIDDEN_NAMES = {
    "exec", "eval", "compile", "open", "__import__", "getattr", "setattr", "delattr",
    "globals", "locals", "vars", "input", "breakpoint", "help", "exit", "quit", "memoryview",
    "type", "object", "super", "dir", "id", "print", "classmethod", "staticmethod",
    "property", "bytearray", "bytes", "iter", "next", "callable", "hash", "format", "os", "sys",
    "subprocess", "socket", "shutil", "pathlib", "importlib", "builtins", "ctypes", "pickle",
}

FORBIDDEN_NODES = (
    ast.Global, ast.Nonlocal, ast.While, ast.ClassDef, ast.AsyncFunctionDef, ast.Await,
    ast.Yield, ast.YieldFrom, ast.With, ast.AsyncWith, ast.AsyncFor, ast.Delete, ast.Try,
    ast.Starred, ast.NamedExpr,
)
if hasattr(ast, "TryStar"):
    FORBIDDEN_NODES = FORBIDDEN_NODES + (ast.TryStar,)

# Calls allowed at module level (constants such as ``POS = slice(0, 2)``).
MODULE_LEVEL_CALLS = {"slice", "range", "tuple", "list", "dict", "float", "int"}

REQUIRED_FUNCTION = "weights"
OPTIONAL_FUNCTIONS = ("bias",)


class CreditFunctionError(ValueError):
    """Raised when a credit function is rejected or fails at run time."""


@dataclass
class StaticReport:
    """Outcome of :func:`static_check`: ``ok`` plus one message per violation."""

    errors: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_if_failed(self, origin: str = "credit function") -> None:
        if self.errors:
            raise CreditFunctionError(
                f"{origin} rejected by the static checker:\n  - "
                + "\n  - ".join(self.errors)
            )


class _Checker(ast.NodeVisitor):
    def __init__(self) -> None:
        self.errors: List[str] = []
        self.module_aliases: Dict[str, str] = {}  # local name -> dotted module/function path
        self.depth = 0

    def error(self, node: ast.AST, msg: str) -> None:
        self.errors.append(f"line {getattr(node, 'lineno', '?')}: {msg}")

    # imports ---------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name not in ALLOWED_MODULES:
                self.error(node, f"import of '{alias.name}' is not allowed (only torch, math)")
                continue
            if alias.asname:
                self.module_aliases[alias.asname] = alias.name
            else:
                root = alias.name.split(".")[0]
                self.module_aliases[root] = root

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level or module not in ALLOWED_MODULES:
            self.error(node, f"import from '{module}' is not allowed (only torch, math)")
            return
        for alias in node.names:
            path = f"{module}.{alias.name}"
            if alias.name == "*":
                self.error(node, "star imports are not allowed")
            elif module != "math" and path not in ALLOWED_ATTRIBUTE_PATHS | MODULE_PATHS:
                self.error(node, f"'{path}' is not an allowed torch function")
            else:
                self.module_aliases[alias.asname or alias.name] = path

    # names and attributes -------------------------------------------------------------
    def visit_Name(self, node: ast.Name) -> None:
        if node.id in FORBIDDEN_NAMES:
            self.error(node, f"use of '{node.id}' is not allowed")
        elif node.id.startswith("__"):
            self.error(node, f"dunder name '{node.id}' is not allowed")
        elif node.id in self.module_aliases and not isinstance(node.ctx, ast.Load):
            self.error(node, f"rebinding the imported name '{node.id}' is not allowed")
        elif self.module_aliases.get(node.id) in MODULE_PATHS:
            self.error(node, f"module '{node.id}' may only be used as 'module.function'")

    def _dotted(self, node: ast.AST) -> Optional[str]:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id in self.module_aliases:
            return ".".join([self.module_aliases[node.id]] + parts[::-1])
        return None

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            # ``torch.relu = f`` would monkeypatch torch in the training process.
            self.error(node, f"assigning or deleting attributes ('.{node.attr} = ...') is not allowed")
        if node.attr.startswith("_"):
            self.error(node, f"private/dunder attribute '.{node.attr}' is not allowed")
        elif node.attr in FORBIDDEN_ATTRIBUTES:
            self.error(node, f"attribute '.{node.attr}' is not allowed")
        dotted = self._dotted(node)
        if dotted is not None:
            root = dotted.split(".")[0]
            if root == "math":
                pass
            elif dotted not in ALLOWED_ATTRIBUTE_PATHS:
                self.error(node, f"'{dotted}' is not an allowed torch function")
            # Do not descend: the chain was checked as a whole.
            return
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and "cuda" in node.value.lower():
            self.error(node, "hard-coded CUDA device strings are not allowed; use x.device")
        if isinstance(node.value, (bytes,)):
            self.error(node, "bytes literals are not allowed")

    def visit_Call(self, node: ast.Call) -> None:
        for kw in node.keywords:
            if kw.arg is None:
                self.error(node, "**kwargs expansion in calls is not allowed")
        self.generic_visit(node)

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, FORBIDDEN_NODES):
            self.error(node, f"'{type(node).__name__}' statements are not allowed")
            return
        super().generic_visit(node)

    # functions --------------------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.decorator_list:
            self.error(node, "decorators are not allowed")
        if node.name.startswith("__"):
            self.error(node, f"dunder function name '{node.name}' is not allowed")
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1


def _check_module_level(tree: ast.Module, checker: _Checker) -> None:
    functions = set()
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(stmt, ast.FunctionDef):
            functions.add(stmt.name)
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # docstring
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            value = stmt.value
            for sub in ast.walk(value) if value is not None else []:
                if isinstance(sub, ast.Call) and not (
                    isinstance(sub.func, ast.Name) and sub.func.id in MODULE_LEVEL_CALLS
                ):
                    checker.error(
                        stmt,
                        "module-level code may only assign constants "
                        f"(calls allowed: {sorted(MODULE_LEVEL_CALLS)})",
                    )
                    break
            continue
        checker.error(stmt, f"module-level '{type(stmt).__name__}' is not allowed")
    if REQUIRED_FUNCTION not in functions:
        checker.errors.append(f"no top-level function '{REQUIRED_FUNCTION}(td)' is defined")


def static_check(source: str) -> StaticReport:
    """Check TFCAF source against the allowed Python subset without running it."""
    report = StaticReport()
    if not isinstance(source, str):
        report.errors.append("source must be a string")
        return report
    if len(source) > MAX_SOURCE_CHARS:
        report.errors.append(f"source too long ({len(source)} > {MAX_SOURCE_CHARS} chars)")
        return report
    if "\x00" in source:
        report.errors.append("source contains NUL bytes")
        return report
    try:
        tree = ast.parse(source, filename="<tfcaf>", mode="exec")
    except SyntaxError as exc:
        line = f": `{exc.text.strip()}`" if exc.text and exc.text.strip() else ""
        report.errors.append(f"syntax error at line {exc.lineno}: {exc.msg}{line}")
        return report
    n_nodes = sum(1 for _ in ast.walk(tree))
    if n_nodes > MAX_AST_NODES:
        report.errors.append(f"source too complex ({n_nodes} AST nodes > {MAX_AST_NODES})")
        return report
    checker = _Checker()
    # Imports first so aliases are known wherever they are used.
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            checker.visit(stmt)
    for stmt in tree.body:
        if not isinstance(stmt, (ast.Import, ast.ImportFrom)):
            checker.visit(stmt)
    _check_module_level(tree, checker)
    report.errors.extend(checker.errors)
    return report


def _restricted_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level != 0 or name not in ALLOWED_MODULES:
        raise ImportError(f"import of '{name}' is not allowed in a credit function")
    if fromlist:
        return ALLOWED_MODULES[name]
    return ALLOWED_MODULES[name.split(".")[0]]


def safe_builtins() -> Dict[str, object]:
    """The builtins a TFCAF may see: an allowlist plus a guarded ``__import__``."""
    table = {name: getattr(builtins, name) for name in SAFE_BUILTIN_NAMES}
    table["__import__"] = _restricted_import
    return table
