"""Google Research Football academy scenarios, a task family this package adds to BenchMARL.

* :mod:`.env`: the TorchRL environment (:class:`GFootballEnv`), with a global state;
* :mod:`.task`: the BenchMARL task class, config dataclass and task enum;
* :mod:`.layout`: observation sizes, actions and the global-state table;
* :mod:`.states`: spec reader and state sampler (live env, or formula + synthetic states);
* :mod:`.descriptions`: the task descriptions for prompts.

YAML: ``benchmarl_qllm/conf/task/gfootball/``; packaged TFCAFs: :data:`CREDIT_LIBRARY`.
``gfootball`` itself is only imported when an environment is built.
"""

from benchmarl_qllm.credit.library import library_dir
from benchmarl_qllm.environments.gfootball.descriptions import (
    gfootball_description,
    GRF_SCENARIOS,
    register_descriptions,
)
from benchmarl_qllm.environments.gfootball.env import (
    gfootball_available,
    GFootballEnv,
    GROUP,
    INSTALL_HINT,
)
from benchmarl_qllm.environments.gfootball.layout import (
    ACTION_NAMES,
    GAME_MODES,
    gfootball_state_dim,
    gfootball_state_layout,
    MAX_PLAYERS,
    N_ACTIONS,
    OBS_DIM,
    SHARED_STATE_DIM,
)
from benchmarl_qllm.environments.gfootball.states import (
    gfootball_env_spec,
    gfootball_sample_states,
    synthetic_gfootball_states,
)
from benchmarl_qllm.environments.gfootball.task import (
    GFootballClass,
    GFootballConfig,
    GFootballTask,
)

ENV_NAME = GFootballClass.env_name()
CREDIT_LIBRARY = library_dir(ENV_NAME)

__all__ = [
    "ACTION_NAMES",
    "CREDIT_LIBRARY",
    "ENV_NAME",
    "GAME_MODES",
    "GFootballClass",
    "GFootballConfig",
    "GFootballEnv",
    "GFootballTask",
    "GRF_SCENARIOS",
    "GROUP",
    "INSTALL_HINT",
    "MAX_PLAYERS",
    "N_ACTIONS",
    "OBS_DIM",
    "SHARED_STATE_DIM",
    "gfootball_available",
    "gfootball_description",
    "gfootball_env_spec",
    "gfootball_sample_states",
    "gfootball_state_dim",
    "gfootball_state_layout",
    "register_descriptions",
    "synthetic_gfootball_states",
]
