"""The package's structure: which subpackage may import which, one home per task family.

Layers, bottom to top (a layer imports only from the layers below it and itself):

    credit  ->  environments  ->  generation  ->  models (credit only)  ->  algorithms
            ->  top-level modules (cli, inspection, registration, ...)

Read from the source with :mod:`ast` (every ``import``, also inside functions), so an arrow
pointing back up fails here before it can hide behind a lazy import.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

PACKAGE = "benchmarl_qllm"
PACKAGE_DIR = Path(importlib.util.find_spec(PACKAGE).origin).parent

# What each subpackage may import from this package (by subpackage); top-level modules
# (``cli``, ``inspection``, ``registration``, ``__init__``...) may import anything.
ALLOWED: Dict[str, Set[str]] = {
    "credit": {"credit"},
    "credit_library": set(),
    "conf": set(),
    "environments": {"credit", "environments"},
    "generation": {"credit", "environments", "generation"},
    "models": {"credit", "models"},
    "algorithms": {"credit", "environments", "generation", "models", "algorithms"},
}
FAMILIES = ("vmas", "pettingzoo", "smacv2", "lbforaging", "gfootball", "matrix")
# environments modules that may import the families (to register or re-export them).
FAMILY_AGGREGATORS = {f"{PACKAGE}.environments", f"{PACKAGE}.environments.registry"}
# Optional dependencies: imported only inside functions (when an environment is built).
OPTIONAL_DEPENDENCIES = {"lbforaging", "gfootball", "pettingzoo", "smacv2", "pysc2"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: Dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def subpackage(module: str) -> str:
    """``"credit"`` for ``benchmarl_qllm.credit.validator``; ``"top"`` for top-level modules."""
    parts = module.split(".")
    if len(parts) > 1 and (PACKAGE_DIR / parts[1]).is_dir():
        return parts[1]
    return "top"


def family(module: str) -> str:
    """The task family of an ``environments.<family>...`` module, else ``""``."""
    parts = module.split(".")
    if len(parts) > 2 and parts[1] == "environments" and parts[2] in FAMILIES:
        return parts[2]
    return ""


def imports(module: str) -> Iterator[Tuple[str, int, bool]]:
    """``(imported module, line, at module level)`` for every import in ``module``."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(node: ast.AST, top_level: bool) -> Iterator[Tuple[str, int, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, child.lineno, top_level
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                for alias in child.names:
                    # ``from benchmarl_qllm.environments import gfootball`` imports a module.
                    candidate = f"{base}.{alias.name}"
                    yield (candidate if candidate in MODULES else base), child.lineno, top_level
            inner = top_level and not isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            )
            yield from visit(child, inner)

    yield from visit(tree, True)


def package_imports(module: str) -> List[Tuple[str, int]]:
    return [(name, line) for name, line, _ in imports(module)
            if name == PACKAGE or name.startswith(PACKAGE + ".")]


def test_every_module_is_seen():
    assert f"{PACKAGE}.credit.validator" in MODULES
    assert {subpackage(m) for m in MODULES} == set(ALLOWED) | {"top"}


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_from_below(layer):
    problems = []
    for module in MODULES:
        if subpackage(module) != layer:
            continue
        for name, line in package_imports(module):
            target = subpackage(name)
            if target not in ALLOWED[layer]:
                problems.append(f"{module}:{line} imports {name} ({layer} may import "
                                f"{sorted(ALLOWED[layer]) or 'nothing from the package'})")
    assert not problems, "\n".join(problems)


def test_credit_is_the_ground_floor():
    """Spelled out: the credit core imports nothing else from the package."""
    for module in MODULES:
        if subpackage(module) == "credit":
            for name, line in package_imports(module):
                assert subpackage(name) == "credit", f"{module}:{line} imports {name}"


def test_models_import_only_credit():
    for module in MODULES:
        if subpackage(module) == "models":
            for name, line in package_imports(module):
                assert subpackage(name) in {"credit", "models"}, f"{module}:{line} imports {name}"


def test_families_do_not_import_each_other():
    problems = []
    for module in MODULES:
        if subpackage(module) != "environments" or module in FAMILY_AGGREGATORS:
            continue
        own = family(module)
        for name, line in package_imports(module):
            other = family(name)
            if other and other != own:
                where = f"family {own}" if own else "shared environments module"
                problems.append(f"{module}:{line} ({where}) imports family {other} ({name})")
    assert not problems, "\n".join(problems)


def test_optional_dependencies_are_imported_lazily():
    problems = []
    for module in MODULES:
        for name, line, top_level in imports(module):
            if top_level and name.split(".")[0] in OPTIONAL_DEPENDENCIES:
                problems.append(f"{module}:{line} imports {name} at module level")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", FAMILIES)
def test_each_family_is_one_package_with_its_tfcafs(name):
    """Each family is ``environments/<family>/`` and points at its packaged TFCAFs."""
    from benchmarl_qllm import environments
    from benchmarl_qllm.credit.library import library_entries

    module = importlib.import_module(f"{PACKAGE}.environments.{name}")
    assert Path(module.__file__).name == "__init__.py"
    assert callable(module.register_descriptions)
    packaged = {task: path for task, path in library_entries().items()
                if task.split("/")[0] == name}
    assert packaged, f"no packaged TFCAF for family {name}"
    for task, path in packaged.items():
        assert path.parent == Path(module.CREDIT_LIBRARY), task
    assert module in environments.FAMILIES


def test_every_packaged_tfcaf_belongs_to_a_family():
    from benchmarl_qllm.credit.library import library_entries

    assert {task.split("/")[0] for task in library_entries()} <= set(FAMILIES)


def test_families_import_without_their_optional_dependencies(tmp_path):
    code = (
        "import sys\n"
        f"for name in {sorted(OPTIONAL_DEPENDENCIES)!r}:\n"
        "    sys.modules[name] = None\n"
        "import benchmarl_qllm\n"
        "from benchmarl_qllm.environments import FAMILIES, known_tasks\n"
        "assert len(FAMILIES) == 6 and known_tasks()\n"
        "print('OK')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0 and "OK" in proc.stdout, proc.stderr[-2000:]
