"""Task families this package adds to BenchMARL: ``lbforaging`` (Level-Based Foraging),
``gfootball`` (Google Research Football academy scenarios) and ``matrix`` (the climbing matrix
game).

Importing this module imports neither ``lbforaging`` nor ``gfootball``; building an environment does, and
fails with an install hint when it is missing. :func:`register_tasks` (called by
:func:`benchmarl_qllm.register`) makes the tasks known to BenchMARL and Hydra.
"""

from benchmarl_qllm.environments.common import (
    copy_seed,
    PackagedTask,
    SeededEnvFactory,
    TASK_CONF_DIR,
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
from benchmarl_qllm.environments.registry import PACKAGED_TASKS, register_tasks

__all__ = [
    "GFootballClass",
    "GFootballConfig",
    "GFootballEnv",
    "GFootballTask",
    "LBForagingClass",
    "LBForagingConfig",
    "LBForagingEnv",
    "LBForagingTask",
    "MatrixGameClass",
    "MatrixGameConfig",
    "MatrixGameEnv",
    "MatrixGameTask",
    "PACKAGED_TASKS",
    "PackagedTask",
    "SeededEnvFactory",
    "TASK_CONF_DIR",
    "climbing_payoff",
    "copy_seed",
    "register_tasks",
]
