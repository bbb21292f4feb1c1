"""Register the task families with BenchMARL, Hydra and the task-description registry.

:func:`register_descriptions` registers the prompt descriptions (and, where a family needs
them, spec readers and state samplers) of every family in :data:`FAMILIES`.
:func:`register_tasks` registers the families this package adds (no BenchMARL edits): for
every task ``<env>/<task>`` of the enums in :data:`PACKAGED_TASKS`:

* ``benchmarl.environments.task_config_registry["<env>/<task>"] = <Enum member>``: what
  ``benchmarl.hydra_config.load_task_config_from_hydra`` (``run.py``, ``resume``, ``evaluate``,
  ``Benchmark``) looks tasks up in;
* ``benchmarl.environments._task_class_registry["<env>_<task>"] = <config dataclass>`` and
  Hydra's ConfigStore node ``task/<env>_<task>_config``: the schema the task yaml
  (``benchmarl_qllm/conf/task/<env>/<task>.yaml``, ``defaults: [<env>_<task>_config]``) is
  validated against;
* ``sys.modules["benchmarl.environments.<env>.<task>"]``: a tiny module exposing
  ``TaskConfig``, which is where BenchMARL's ``_type_check_task_config`` looks for a task's
  dataclass. Without it every Hydra run of these tasks would warn "TaskConfig python
  dataclass not found" (and skip BenchMARL's own type check). Never replaces a real module.
"""

from __future__ import annotations

import sys
import types
from typing import List, Tuple, Type

from benchmarl_qllm.environments import gfootball, lbforaging, matrix, pettingzoo, smacv2, vmas
from benchmarl_qllm.environments.common import PackagedTask

# Every task family with descriptions, in registration order.
FAMILIES: Tuple[types.ModuleType, ...] = (vmas, pettingzoo, smacv2, lbforaging, matrix, gfootball)
# The families whose environments and BenchMARL task classes this package adds.
PACKAGED_TASKS: List[Type[PackagedTask]] = [
    lbforaging.LBForagingTask,
    matrix.MatrixGameTask,
    gfootball.GFootballTask,
]


def register_descriptions() -> None:
    """Register the descriptions of every task of every family (idempotent: overwrites)."""
    for family in FAMILIES:
        family.register_descriptions()


def register_tasks() -> List[str]:
    """Register every packaged task (idempotent); returns the ``env/task`` names."""
    from benchmarl.environments import _task_class_registry, task_config_registry
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    names = []
    for enum in PACKAGED_TASKS:
        env_name = enum.env_name()
        config_class = enum.config_class()
        for task in enum:
            task_name = task.name.lower()
            full_name = f"{env_name}/{task_name}"
            task_config_registry[full_name] = task
            _task_class_registry[f"{env_name}_{task_name}"] = config_class
            store.store(name=f"{env_name}_{task_name}_config", group="task", node=config_class)
            module_name = f"benchmarl.environments.{env_name}.{task_name}"
            if module_name not in sys.modules:
                module = types.ModuleType(
                    module_name, f"TaskConfig of {full_name} (registered by benchmarl_qllm)"
                )
                module.TaskConfig = config_class
                sys.modules[module_name] = module
            names.append(full_name)
    return names
