"""Level-Based Foraging (``lbforaging`` 2.0), a task family this package adds to BenchMARL.

* :mod:`.env`: the TorchRL environment (:class:`LBForagingEnv`), with a global state;
* :mod:`.task`: the BenchMARL task class, config dataclass and task enum;
* :mod:`.layout`: the actions and the global-state table;
* :mod:`.descriptions`: the task descriptions for prompts.

YAML: ``benchmarl_qllm/conf/task/lbforaging/``; packaged TFCAFs: :data:`CREDIT_LIBRARY`.
``lbforaging`` itself is only imported when an environment is built.
"""

from benchmarl_qllm.credit.library import library_dir
from benchmarl_qllm.environments.lbforaging.descriptions import (
    LBF_ACTIONS,
    lbforaging_description,
    register_descriptions,
)
from benchmarl_qllm.environments.lbforaging.env import GROUP, INSTALL_HINT, LBForagingEnv
from benchmarl_qllm.environments.lbforaging.layout import (
    ACTION_NAMES,
    lbf_state_dim,
    lbf_state_layout,
    N_ACTIONS,
)
from benchmarl_qllm.environments.lbforaging.task import (
    LBForagingClass,
    LBForagingConfig,
    LBForagingTask,
)

ENV_NAME = LBForagingClass.env_name()
CREDIT_LIBRARY = library_dir(ENV_NAME)

__all__ = [
    "ACTION_NAMES",
    "CREDIT_LIBRARY",
    "ENV_NAME",
    "GROUP",
    "INSTALL_HINT",
    "LBF_ACTIONS",
    "LBForagingClass",
    "LBForagingConfig",
    "LBForagingEnv",
    "LBForagingTask",
    "N_ACTIONS",
    "lbf_state_dim",
    "lbf_state_layout",
    "lbforaging_description",
    "register_descriptions",
]
