"""What a QLLM run keeps of its credit function, in the run folder.

* ``credit_function.py``: the TFCAF source (for people);
* ``credit_program.json``: the verified tensor program that training executes;
* ``credit_function.json``: provenance and hashes of both (source SHA-256, program SHA-256,
  input shape), the settings, and every replacement of the source made before a resume;
* ``credit_failure/``: the states on which the function failed during training.

A task with several agent groups has one credit function per group, kept as
``credit_function_<group>.py``, ``credit_program_<group>.json`` and ``credit_function_<group>.json``.

Resume and evaluate reload the saved source and its saved program (verified again, no jail), so
a resumed run computes exactly what the interrupted one did even if the library changed. A user
who fixes a failing function replaces ``credit_function.py`` and resumes; the change is recorded.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any, Dict, Optional

import torch

from benchmarl_qllm.credit.function import CreditFunction
from benchmarl_qllm.credit.program import InputSpec, TensorProgram

SOURCE_NAME = "credit_function.py"
META_NAME = "credit_function.json"
FAILURE_DIR = "credit_failure"


def _name(name: str, group: str, n_groups: int) -> str:
    stem, dot, suffix = name.rpartition(".")
    return name if n_groups == 1 else f"{stem}_{group}{dot}{suffix}"


def source_path(folder: Path, group: str, n_groups: int = 1) -> Path:
    """Where the TFCAF source of ``group`` is kept."""
    return folder / _name(SOURCE_NAME, group, n_groups)


def meta_path(folder: Path, group: str, n_groups: int = 1) -> Path:
    """Where the provenance and hashes of ``group``'s credit function are kept."""
    return folder / _name(META_NAME, group, n_groups)


def program_path(folder: Path, group: str, n_groups: int = 1) -> Path:
    """Where the verified program of ``group`` is kept."""
    return folder / _name("credit_program.json", group, n_groups)


def read_meta(folder: Path, group: str = "", n_groups: int = 1) -> Dict[str, Any]:
    path = meta_path(folder, group, n_groups)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def write_meta(folder: Path, meta: Dict[str, Any], group: str = "", n_groups: int = 1) -> None:
    meta_path(folder, group, n_groups).write_text(json.dumps(meta, indent=2), encoding="utf-8")


def save_source(folder: Path, function: CreditFunction, settings: Dict[str, Any],
                group: str = "", n_groups: int = 1) -> None:
    """Write ``group``'s source and start its ``credit_function.json``."""
    source_path(folder, group, n_groups).write_text(function.source, encoding="utf-8")
    meta = {**settings, "origin": function.origin, "sha256": function.sha256,
            "header": function.header, "programs": {}}
    write_meta(folder, meta, group, n_groups)


def save_program(folder: Path, group: str, n_groups: int, program: TensorProgram) -> None:
    """Write the verified program of ``group`` and record its hash and input shape."""
    path = program_path(folder, group, n_groups)
    path.write_text(program.text, encoding="utf-8")
    meta = read_meta(folder, group, n_groups)
    meta.setdefault("programs", {})[group] = {
        "file": path.name,
        "sha256": program.sha256,
        "input": {"kind": program.spec.kind, "n_agents": program.spec.n_agents, "dim": program.spec.dim},
        "operations": program.n_operations,
    }
    write_meta(folder, meta, group, n_groups)


def load_saved(folder: Path, group: str, n_groups: int, spec: InputSpec) -> Optional[CreditFunction]:
    """The run's own credit function (with its saved program when the source is unchanged), or
    ``None`` when the folder holds none."""
    source_file = source_path(folder, group, n_groups)
    if not source_file.is_file():
        return None
    function = CreditFunction.from_file(source_file)
    meta = read_meta(folder, group, n_groups)
    recorded = meta.get("sha256")
    if recorded and recorded != function.sha256:
        warnings.warn(
            f"{source_file} was replaced since the run started (sha256 {recorded[:12]} -> "
            f"{function.sha256[:12]}); resuming with the new function",
            stacklevel=2,
        )
        meta.setdefault("replaced", []).append(
            {"from_sha256": recorded, "to_sha256": function.sha256, "at": time.strftime("%Y-%m-%dT%H:%M:%S")}
        )
        meta["sha256"], meta["header"], meta["programs"] = function.sha256, function.header, {}
        write_meta(folder, meta, group, n_groups)
        return function
    saved = program_path(folder, group, n_groups)
    entry = meta.get("programs", {}).get(group, {})
    if saved.is_file() and entry.get("sha256"):
        text = saved.read_text(encoding="utf-8")
        program = function.attach_program(text, spec)
        if program.sha256 != entry["sha256"]:
            raise ValueError(f"{saved} does not match the hash recorded in "
                             f"{meta_path(folder, group, n_groups)}")
    return function


def dump_failure(folder: Optional[Path], group: str, states: torch.Tensor, info: Dict[str, Any]) -> Optional[Path]:
    """Save the offending states (``torch.save``) and a JSON description; returns the folder."""
    if folder is None:
        return None
    out = folder / FAILURE_DIR
    out.mkdir(exist_ok=True)
    stem = f"{group}_frames_{info.get('total_frames', 0)}"
    torch.save(states.detach().to("cpu"), out / f"{stem}_states.pt")
    (out / f"{stem}.json").write_text(json.dumps(info, indent=2, default=str), encoding="utf-8")
    return out
