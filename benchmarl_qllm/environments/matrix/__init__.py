"""One-step cooperative matrix games (the climbing game), a task family this package adds.

* :mod:`.env`: the TorchRL environment (:class:`MatrixGameEnv`) and the payoffs;
* :mod:`.task`: the BenchMARL task class, config dataclass and task enum;
* :mod:`.descriptions`: the task description for prompts.

YAML: ``benchmarl_qllm/conf/task/matrix/``; packaged TFCAFs: :data:`CREDIT_LIBRARY`.
"""

from benchmarl_qllm.credit.library import library_dir
from benchmarl_qllm.environments.matrix.descriptions import matrix_description, register_descriptions
from benchmarl_qllm.environments.matrix.env import (
    CLIMBING_PAYOFF,
    climbing_payoff,
    GROUP,
    MatrixGameEnv,
    N_ACTIONS,
)
from benchmarl_qllm.environments.matrix.task import MatrixGameClass, MatrixGameConfig, MatrixGameTask

ENV_NAME = MatrixGameClass.env_name()
CREDIT_LIBRARY = library_dir(ENV_NAME)

__all__ = [
    "CLIMBING_PAYOFF",
    "CREDIT_LIBRARY",
    "ENV_NAME",
    "GROUP",
    "MatrixGameClass",
    "MatrixGameConfig",
    "MatrixGameEnv",
    "MatrixGameTask",
    "N_ACTIONS",
    "climbing_payoff",
    "matrix_description",
    "register_descriptions",
]
