"""Verified tensor programs: what a TFCAF becomes before training may run it.

The jail traces a TFCAF with ``torch.export`` (symbolic batch dimension) and decomposes it to
ATen's functional core operators; :func:`encode_program` writes that graph as plain JSON
(operator names, literal arguments, node references and constant tensors as number lists; no
pickle, no code). The parent never trusts that text: :meth:`TensorProgram.from_json` checks
every field against a fixed grammar and every operator against
:data:`~benchmarl_qllm.credit.ops.ALLOWED_ATEN_OPS`, rebuilds the graph itself as a
``torch.fx.GraphModule`` (node names are its own; FX generates the Python it runs from the
checked graph) and bounds the memory of every intermediate by propagating meta tensors at
three batch sizes. A program is stateless by construction: it has no parameters, no buffers
it could write to, and no operator with side effects.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

import torch
from torch import fx

from benchmarl_qllm.credit.ops import operator_name, resolve

FORMAT = "qllm-tensor-program"
VERSION = 1
MAX_PROGRAM_BYTES = 8 * 1024 * 1024
MAX_NODES = 3000
MAX_CONSTANT_ELEMENTS = 1 << 17
MAX_STRING = 256
MAX_INT = 1 << 40
MAX_NESTING = 6
# Memory bound of every intermediate: per state row, and independent of the batch.
MAX_ELEMENTS_PER_ROW = 1 << 16
MAX_FIXED_ELEMENTS = 1 << 22
PROBE_BATCHES = (997, 1994, 2991)
# Input shapes compiled (TorchScript) per program; further shapes run the FX module.
MAX_COMPILED_SHAPES = 8

DTYPES = {
    str(d).replace("torch.", ""): d
    for d in (torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.bool,
              torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)
}
MEMORY_FORMATS = {"contiguous_format": torch.contiguous_format, "preserve_format": torch.preserve_format}
INPUT_KINDS = ("observation", "state")


class ProgramError(ValueError):
    """A credit program is malformed, uses a forbidden operator, or breaks a bound."""


# encoding (runs in the jail) ----------------------------------------------------------------------
def encode_program(exported, input_kind: str, n_agents: int, input_dim: int) -> Dict[str, Any]:
    """Plain-data form of a decomposed ``torch.export.ExportedProgram`` with one user input."""
    signature = exported.graph_signature
    if signature.parameters or signature.buffers:
        raise ProgramError("the traced function holds parameters or buffers; a TFCAF must have none")
    mutated = getattr(signature, "user_inputs_to_mutate", {}) or {}
    if mutated:
        raise ProgramError(
            "the function writes into its input in place (x[...] = v, x.add_(...)); never modify "
            'td["observation"]/td["state"], compute new tensors instead'
        )
    constant_names = dict(signature.inputs_to_lifted_tensor_constants)
    constants: List[Dict[str, Any]] = []
    index: Dict[str, Any] = {}
    nodes: List[Dict[str, Any]] = []
    outputs: List[Any] = []
    n_user_inputs = 0
    for node in exported.graph.nodes:
        if node.op == "placeholder":
            if node.name in constant_names:
                value = exported.constants[constant_names[node.name]]
                index[node.name] = {"const": len(constants)}
                constants.append(_encode_tensor(value))
            else:
                index[node.name] = {"input": n_user_inputs}
                n_user_inputs += 1
        elif node.op == "call_function":
            index[node.name] = {"node": len(nodes)}
            nodes.append(
                {
                    "op": operator_name(node.target),
                    "args": [_encode_arg(a, index) for a in node.args],
                    "kwargs": {k: _encode_arg(v, index) for k, v in node.kwargs.items()},
                }
            )
        elif node.op == "output":
            outputs = [_encode_arg(a, index) for a in node.args[0]]
        else:
            raise ProgramError(f"unexpected graph node kind '{node.op}'")
    return {
        "format": FORMAT,
        "version": VERSION,
        "input": {"kind": input_kind, "n_agents": int(n_agents), "dim": int(input_dim)},
        "constants": constants,
        "nodes": nodes,
        "outputs": outputs,
    }


def _encode_tensor(value: torch.Tensor) -> Dict[str, Any]:
    value = value.detach().to("cpu")
    return {
        "dtype": str(value.dtype).replace("torch.", ""),
        "shape": list(value.shape),
        "data": [_encode_number(v) for v in value.reshape(-1).tolist()],
    }


def _encode_number(value):
    if isinstance(value, float) and not math.isfinite(value):
        return {"float": repr(value)}
    return value


def _encode_arg(value: Any, index: Dict[str, Any]) -> Any:
    if isinstance(value, fx.Node):
        return index[value.name]
    if isinstance(value, (list, tuple)):
        return [_encode_arg(v, index) for v in value]
    if isinstance(value, torch.dtype):
        return {"dtype": str(value).replace("torch.", "")}
    if isinstance(value, torch.device):
        return {"device": value.type}
    if isinstance(value, torch.layout):
        return {"layout": str(value).replace("torch.", "")}
    if isinstance(value, torch.memory_format):
        return {"memory_format": str(value).replace("torch.", "")}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return _encode_number(value)
    raise ProgramError(f"cannot encode argument of type {type(value).__name__}")


# decoding and verification (runs in the parent) -------------------------------------------------
@dataclass(frozen=True)
class InputSpec:
    """The credit input a program was traced for: ``[B, n_agents, dim]`` or ``[B, dim]``."""

    kind: str
    n_agents: int
    dim: int

    def shape(self, batch: int) -> Tuple[int, ...]:
        if self.kind == "observation":
            return (batch, self.n_agents, self.dim)
        return (batch, self.dim)

    @property
    def row_elements(self) -> int:
        return self.n_agents * self.dim if self.kind == "observation" else self.dim


class _Decoder:
    """Check a program's JSON against the grammar and build the FX graph from it."""

    def __init__(self, graph: fx.Graph, x: fx.Node, constants: List[fx.Node], device: torch.device):
        self.graph, self.x, self.constants, self.device = graph, x, constants, device
        self.nodes: List[fx.Node] = []

    def arg(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_NESTING:
            raise ProgramError("arguments nested too deeply")
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int):
            if abs(value) > MAX_INT:
                raise ProgramError(f"integer argument {value} out of range")
            return value
        if isinstance(value, float):
            return value
        if isinstance(value, str):
            if len(value) > MAX_STRING:
                raise ProgramError("string argument too long")
            return value
        if isinstance(value, list):
            return [self.arg(v, depth + 1) for v in value]
        if not isinstance(value, dict) or len(value) != 1:
            raise ProgramError(f"malformed argument {str(value)[:80]}")
        ((kind, item),) = value.items()
        if kind == "node" and _is_index(item, len(self.nodes)):
            return self.nodes[item]
        if kind == "input" and item == 0:
            return self.x
        if kind == "const" and _is_index(item, len(self.constants)):
            return self.constants[item]
        if kind == "float" and item in ("inf", "-inf", "nan"):
            return float(item)
        if kind == "dtype" and item in DTYPES:
            return DTYPES[item]
        if kind == "device":
            return self.device  # every tensor lives on the input's device
        if kind == "layout" and item == "strided":
            return torch.strided
        if kind == "memory_format" and item in MEMORY_FORMATS:
            return MEMORY_FORMATS[item]
        raise ProgramError(f"malformed argument {str(value)[:80]}")

    def node(self, entry: Any, position: int) -> None:
        if not isinstance(entry, dict) or set(entry) != {"op", "args", "kwargs"}:
            raise ProgramError(f"node {position} is malformed")
        name, args, kwargs = entry["op"], entry["args"], entry["kwargs"]
        if not isinstance(name, str) or not isinstance(args, list) or not isinstance(kwargs, dict):
            raise ProgramError(f"node {position} is malformed")
        try:
            target = resolve(name)
        except (KeyError, AttributeError, ValueError):
            raise ProgramError(
                f"operator {name[:80]!r} is not allowed in a credit function (node {position}): "
                "only pure, deterministic tensor math (no random numbers, no uninitialised "
                "tensors such as torch.empty, no in-place writes, no .item())"
            ) from None
        if any(not isinstance(k, str) or not k.isidentifier() or k.startswith("_") for k in kwargs):
            raise ProgramError(f"node {position} has a malformed keyword")
        if "pin_memory" in kwargs and kwargs["pin_memory"] not in (None, False):
            raise ProgramError(f"node {position}: pin_memory is not allowed")
        built_kwargs = {k: self.arg(v) for k, v in kwargs.items()}
        if "device" not in built_kwargs and _takes_device(target):
            built_kwargs["device"] = self.device  # a factory without a device: still the input's
        built = self.graph.call_function(target, tuple(self.arg(a) for a in args), built_kwargs)
        self.nodes.append(built)


def _takes_device(target: Any) -> bool:
    """Whether an ATen operator has a keyword-only ``device`` argument (the factories)."""
    schema = getattr(target, "_schema", None)
    return schema is not None and any(a.name == "device" and a.kwarg_only for a in schema.arguments)


def _is_index(value: Any, length: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < length


def _decode_constant(entry: Any, position: int) -> torch.Tensor:
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data"}:
        raise ProgramError(f"constant {position} is malformed")
    dtype, shape, data = DTYPES.get(entry["dtype"]), entry["shape"], entry["data"]
    if dtype is None or not isinstance(shape, list) or not isinstance(data, list):
        raise ProgramError(f"constant {position} is malformed")
    if not all(_is_index(s, MAX_CONSTANT_ELEMENTS + 1) for s in shape) or math.prod(shape) != len(data):
        raise ProgramError(f"constant {position} has a malformed shape")
    values = []
    for v in data:
        if isinstance(v, dict) and set(v) == {"float"} and v["float"] in ("inf", "-inf", "nan"):
            v = float(v["float"])
        elif not isinstance(v, (bool, int, float)):
            raise ProgramError(f"constant {position} holds a non-number")
        values.append(v)
    return torch.tensor(values, dtype=dtype).reshape(shape)


class TensorProgram:
    """A verified credit program: ``program(x) -> (weights [B, n_agents], bias [B, 1])``.

    Build one with :meth:`from_json` (verifies everything); call it on ``[B, n_agents, dim]``
    observations or ``[B, dim]`` states of the spec it was traced for.
    """

    def __init__(self, data: Dict[str, Any], text: str, spec: InputSpec):
        self._data = data
        self.text = text
        self.spec = spec
        self._modules: Dict[torch.device, fx.GraphModule] = {}
        self._compiled: Dict[Tuple, Any] = {}
        self._seen_shapes: Set[Tuple] = set()

    # construction -------------------------------------------------------------------------------
    @classmethod
    def from_json(cls, text: str, spec: Optional[InputSpec] = None) -> "TensorProgram":
        """Parse, verify and bound ``text``; raises :class:`ProgramError` on any problem."""
        if not isinstance(text, str) or len(text.encode("utf-8", "replace")) > MAX_PROGRAM_BYTES:
            raise ProgramError("the program is not text or exceeds the size limit")
        try:
            data = json.loads(text, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            raise ProgramError(f"the program is not valid JSON: {str(exc)[:200]}") from None
        expected = {"format", "version", "input", "constants", "nodes", "outputs"}
        if not isinstance(data, dict) or set(data) != expected:
            raise ProgramError("the program does not have the expected top-level fields")
        if data["format"] != FORMAT or data["version"] != VERSION:
            raise ProgramError(f"unknown program format {data['format']!r} v{data['version']!r}")
        declared = _decode_spec(data["input"])
        if spec is not None and declared != spec:
            raise ProgramError(f"the program was traced for input {declared}, expected {spec}")
        if not isinstance(data["nodes"], list) or len(data["nodes"]) > MAX_NODES:
            raise ProgramError(f"the program has more than {MAX_NODES} operations")
        if not isinstance(data["constants"], list) or not isinstance(data["outputs"], list):
            raise ProgramError("the program does not have the expected top-level fields")
        if len(data["outputs"]) != 2:
            raise ProgramError("the program must return exactly (weights, bias)")
        program = cls(data, text, declared)
        program.module(torch.device("cpu"))  # full grammar and operator check
        program._check_shapes_and_memory()
        return program

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def n_operations(self) -> int:
        return len(self._data["nodes"])

    def operators(self) -> List[str]:
        """Distinct operator names, sorted."""
        return sorted({n["op"] for n in self._data["nodes"]})

    def module(self, device: torch.device) -> fx.GraphModule:
        """The program rebuilt as an FX GraphModule whose tensors live on ``device``."""
        device = torch.device(device)
        if device not in self._modules:
            self._modules[device] = self._build(device)
        return self._modules[device]

    def _build(self, device: torch.device) -> fx.GraphModule:
        data = self._data
        total = 0
        root = torch.nn.Module()
        graph = fx.Graph()
        x = graph.placeholder("x")
        constants = []
        for i, entry in enumerate(data["constants"]):
            tensor = _decode_constant(entry, i)
            total += tensor.numel()
            if total > MAX_CONSTANT_ELEMENTS:
                raise ProgramError("the program's constants exceed the size limit")
            root.register_buffer(f"constant_{i}", tensor.to(device), persistent=False)
            constants.append(graph.get_attr(f"constant_{i}"))
        decoder = _Decoder(graph, x, constants, device)
        for i, entry in enumerate(data["nodes"]):
            decoder.node(entry, i)
        outputs = tuple(decoder.arg(o) for o in data["outputs"])
        if not all(isinstance(o, fx.Node) for o in outputs):
            raise ProgramError("the program's outputs must be tensors computed by the program")
        graph.output(outputs)
        graph.lint()
        return fx.GraphModule(root, graph, class_name="CreditProgram")

    def _check_shapes_and_memory(self) -> None:
        """Propagate shapes on the ``meta`` device (no data, no memory, no fallback to real
        kernels) at three batch sizes: outputs ``[B, n]``/``[B, 1]`` of the input's dtype, and
        every intermediate linear in ``B`` within the memory bounds."""
        sizes: List[List[int]] = []
        module = self.module(torch.device("meta"))
        for batch in PROBE_BATCHES:
            recorder = _SizeRecorder(module)
            try:
                weights, bias = recorder.run(torch.zeros(self.spec.shape(batch), device="meta"))
            except ProgramError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure on meta tensors rejects the program
                raise ProgramError(
                    f"the program fails on a batch of {batch} states: {type(exc).__name__}: "
                    f"{str(exc)[:300]}"
                ) from None
            expected = ((batch, self.spec.n_agents), (batch, 1))
            for name, value, shape in (("weights", weights, expected[0]), ("bias", bias, expected[1])):
                if not isinstance(value, torch.Tensor) or tuple(value.shape) != shape:
                    got = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
                    raise ProgramError(f"{name} has shape {got} for a batch of {batch}, expected {list(shape)}")
                if value.dtype != torch.float32:
                    raise ProgramError(f"{name} has dtype {value.dtype}, expected torch.float32")
            sizes.append(recorder.sizes)
        for position, (a, b, c) in enumerate(zip(*sizes)):
            step = PROBE_BATCHES[1] - PROBE_BATCHES[0]
            per_row, fixed = (b - a) / step, a - (b - a) / step * PROBE_BATCHES[0]
            if c - b != b - a:
                raise ProgramError(
                    f"operation {position} grows faster than linearly with the batch size "
                    "(compares states with each other across the batch?)"
                )
            if per_row > MAX_ELEMENTS_PER_ROW or fixed > MAX_FIXED_ELEMENTS:
                raise ProgramError(
                    f"operation {position} creates a tensor of {b} elements for {PROBE_BATCHES[1]} "
                    f"states (limits: {MAX_ELEMENTS_PER_ROW} per state, {MAX_FIXED_ELEMENTS} fixed)"
                )

    # execution -------------------------------------------------------------------------------------
    def __call__(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Weights ``[B, n_agents]`` and bias ``[B, 1]`` for ``x`` of the traced input shape.

        States that do not require grad (training, logging) run through :meth:`compiled`, the
        same operators without per-operator Python dispatch; the checks' grad-mode calls and
        anything unusual run the FX module itself."""
        if x.requires_grad:
            return self.module(x.device)(x)
        return self.compiled(x)(x)

    def compiled(self, x: torch.Tensor):
        """The program for inputs shaped like ``x``: from the second call with a (device, dtype,
        shape) on, traced to TorchScript and frozen once for it, and used only if it is
        bit-identical to the FX module on ``x``.

        Hand-written because no library turns an FX graph with a symbolic batch into something
        faster without a C++ toolchain (``torch.compile`` needs one): on CPU the TorchScript
        interpreter runs a 145-operator program about 2x faster than FX's generated Python.
        """
        key = (x.device, x.dtype, tuple(x.shape))
        function = self._compiled.get(key)
        if function is None:
            if len(self._compiled) >= MAX_COMPILED_SHAPES or key not in self._seen_shapes:
                self._seen_shapes.add(key)  # a shape seen once (a check, a last chunk) stays FX
                return self.module(x.device)
            function = self._compiled[key] = self._trace(x)
        return function

    def _trace(self, x: torch.Tensor):
        module = self.module(x.device)
        with torch.no_grad():
            expected = module(x)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # TorchScript's deprecation and trace notes
                    traced = torch.jit.freeze(torch.jit.trace(module, (x,), check_trace=False).eval())
                    got = traced(x)
            except Exception:  # noqa: BLE001 - anything TorchScript cannot take runs as FX
                return module
        same = all(torch.allclose(a, b, rtol=0.0, atol=0.0, equal_nan=True) for a, b in zip(expected, got))
        return _NoGrad(traced) if same else module


class _NoGrad:
    """Calls ``function`` with autograd off (its outputs never need grad: the weights depend on
    the states only, and these states do not require grad)."""

    def __init__(self, function):
        self.function = function

    def __call__(self, x: torch.Tensor):
        with torch.no_grad():
            return self.function(x)


class _SizeRecorder(fx.Interpreter):
    """Runs a GraphModule and records the element count of every node's tensor output(s)."""

    def __init__(self, module: fx.GraphModule):
        super().__init__(module)
        self.sizes: List[int] = []

    def run_node(self, node: fx.Node) -> Any:
        result = super().run_node(node)
        if node.op == "call_function":
            values = result if isinstance(result, (tuple, list)) else (result,)
            total = sum(v.numel() for v in values if isinstance(v, torch.Tensor))
            self.sizes.append(int(total))
        return result


def _decode_spec(value: Any) -> InputSpec:
    if (
        not isinstance(value, dict)
        or set(value) != {"kind", "n_agents", "dim"}
        or value["kind"] not in INPUT_KINDS
        or not _is_index(value["n_agents"], 1 << 16)
        or not _is_index(value["dim"], 1 << 20)
        or value["n_agents"] < 1
        or value["dim"] < 1
    ):
        raise ProgramError("the program's input declaration is malformed")
    return InputSpec(value["kind"], value["n_agents"], value["dim"])


def _reject_constant(name: str) -> None:
    raise ValueError(f"non-standard JSON constant {name}")
