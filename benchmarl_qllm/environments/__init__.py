"""Task families: one package per family, plus the machinery they share.

Families (``benchmarl_qllm/environments/<family>/``, YAML in ``benchmarl_qllm/conf/task/<family>/``
where this package adds the family, TFCAFs in ``<family>.CREDIT_LIBRARY``):

* added by this package (TorchRL env + BenchMARL task class + descriptions): ``lbforaging``
  (Level-Based Foraging), ``gfootball`` (Google Research Football academy scenarios) and
  ``matrix`` (the climbing matrix game);
* shipped by BenchMARL (descriptions, and for SMACv2 the state layout and samplers): ``vmas``,
  ``pettingzoo`` (MPE) and ``smacv2``.

Shared machinery: :mod:`.description` (what an LLM is told about a task, and the registry of
descriptions), :mod:`.sampling` (live env specs and real states), :mod:`.common` (bases of the
env wrappers and task classes), :mod:`.registry` (registration with BenchMARL, Hydra and the
description registry) and :mod:`.validation` (validating a TFCAF on a task's states).

Importing this package imports none of ``lbforaging``, ``gfootball``, ``pettingzoo`` or
``smacv2``; building an environment does, and fails with an install hint when it is missing.
:func:`benchmarl_qllm.register` calls :func:`register_tasks` and :func:`register_descriptions`.
"""

from benchmarl_qllm.environments.common import (
    copy_seed,
    PackagedTask,
    SeededEnvFactory,
    TASK_CONF_DIR,
)
from benchmarl_qllm.environments.description import (
    build_layout,
    check_against_env,
    get_description,
    known_tasks,
    LayoutField,
    LayoutMismatchError,
    register_description,
    TaskDescription,
)
from benchmarl_qllm.environments.sampling import (
    EnvSpec,
    live_env_spec,
    register_env_spec_reader,
    register_state_sampler,
    sample_states,
)
from benchmarl_qllm.environments.gfootball import (
    GFootballClass,
    GFootballConfig,
    GFootballEnv,
    GFootballTask,
)
from benchmarl_qllm.environments.lbforaging import (
    LBForagingClass,
    LBForagingConfig,
    LBForagingEnv,
    LBForagingTask,
)
from benchmarl_qllm.environments.matrix import (
    climbing_payoff,
    MatrixGameClass,
    MatrixGameConfig,
    MatrixGameEnv,
    MatrixGameTask,
)
from benchmarl_qllm.environments.registry import (
    FAMILIES,
    PACKAGED_TASKS,
    register_descriptions,
    register_tasks,
)
from benchmarl_qllm.environments.validation import task_states, validate_for_task

__all__ = [
    "EnvSpec",
    "FAMILIES",
    "GFootballClass",
    "GFootballConfig",
    "GFootballEnv",
    "GFootballTask",
    "LBForagingClass",
    "LBForagingConfig",
    "LBForagingEnv",
    "LBForagingTask",
    "LayoutField",
    "LayoutMismatchError",
    "MatrixGameClass",
    "MatrixGameConfig",
    "MatrixGameEnv",
    "MatrixGameTask",
    "PACKAGED_TASKS",
    "PackagedTask",
    "SeededEnvFactory",
    "TASK_CONF_DIR",
    "TaskDescription",
    "build_layout",
    "check_against_env",
    "climbing_payoff",
    "copy_seed",
    "get_description",
    "known_tasks",
    "live_env_spec",
    "register_description",
    "register_descriptions",
    "register_env_spec_reader",
    "register_state_sampler",
    "register_tasks",
    "sample_states",
    "task_states",
    "validate_for_task",
]
