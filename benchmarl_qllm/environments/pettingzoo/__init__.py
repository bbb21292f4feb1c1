"""PettingZoo MPE (BenchMARL's own task family): task descriptions and the packaged TFCAFs.

BenchMARL ships the environments, task classes and YAML; ``pettingzoo`` itself is only
imported when an environment is built (``pettingzoo[mpe]<1.25``, extra ``[mpe]``).
"""

from benchmarl_qllm.credit.library import library_dir
from benchmarl_qllm.environments.pettingzoo.descriptions import (
    MPE_ACTIONS,
    PETTINGZOO_BUILDERS,
    register_descriptions,
)

ENV_NAME = "pettingzoo"
CREDIT_LIBRARY = library_dir(ENV_NAME)

__all__ = ["CREDIT_LIBRARY", "ENV_NAME", "MPE_ACTIONS", "PETTINGZOO_BUILDERS", "register_descriptions"]
