"""SMACv2 (BenchMARL's own task family, StarCraft II): descriptions, state layout, states, TFCAFs.

BenchMARL ships the task class and YAML (``benchmarl/conf/task/smacv2/``). This family adds:

* :mod:`.layout`: the global-state layout and action count from smacv2's formulas;
* :mod:`.live`: spec reader and state sampler, from the live game where StarCraft II runs and
  from the formulas (with synthetic states) where it does not;
* :mod:`.states`: the synthetic states;
* :mod:`.descriptions`: the task descriptions for prompts.

``smacv2`` itself is never imported here (only looked up with ``importlib.util.find_spec``).
"""

from benchmarl_qllm.credit.library import library_dir
from benchmarl_qllm.environments.smacv2.descriptions import register_descriptions, smacv2_description
from benchmarl_qllm.environments.smacv2.layout import (
    ENV_NAME,
    MAPS,
    SMACV2_LIBRARY_TASKS,
    SMACV2_TASKS,
    Smacv2Layout,
    smacv2_layout,
    UNITS,
)
from benchmarl_qllm.environments.smacv2.live import (
    check_feature_names,
    formula_env_spec,
    is_launch_failure,
    smacv2_env_spec,
    smacv2_sample_states,
    smacv2_unavailable_reason,
    SPEC_SOURCE_KEY,
)
from benchmarl_qllm.environments.smacv2.states import synthetic_smacv2_states

CREDIT_LIBRARY = library_dir(ENV_NAME)

__all__ = [
    "CREDIT_LIBRARY",
    "ENV_NAME",
    "MAPS",
    "SMACV2_LIBRARY_TASKS",
    "SMACV2_TASKS",
    "SPEC_SOURCE_KEY",
    "Smacv2Layout",
    "UNITS",
    "check_feature_names",
    "formula_env_spec",
    "is_launch_failure",
    "register_descriptions",
    "smacv2_description",
    "smacv2_env_spec",
    "smacv2_layout",
    "smacv2_sample_states",
    "smacv2_unavailable_reason",
    "synthetic_smacv2_states",
]
