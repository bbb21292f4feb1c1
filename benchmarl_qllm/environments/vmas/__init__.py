"""VMAS (BenchMARL's own task family): task descriptions for prompts and the packaged TFCAFs.

BenchMARL ships the environments, task classes and YAML (``benchmarl/conf/task/vmas/``); the
credit input is the stacked agent observations (VMAS has no global state), sampled from the
live environment by :mod:`benchmarl_qllm.environments.sampling`.
"""

from benchmarl_qllm.credit.library import library_dir
from benchmarl_qllm.environments.vmas.descriptions import (
    register_descriptions,
    vmas_discrete_actions,
    VMAS_BUILDERS,
)

ENV_NAME = "vmas"
CREDIT_LIBRARY = library_dir(ENV_NAME)

__all__ = [
    "CREDIT_LIBRARY",
    "ENV_NAME",
    "VMAS_BUILDERS",
    "register_descriptions",
    "vmas_discrete_actions",
]
