"""The matrix games as a BenchMARL task family: config dataclass, task class and task enum."""

from __future__ import annotations

from dataclasses import dataclass, MISSING
from typing import Callable, Dict, List, Optional, Type

from torchrl.data import Composite
from torchrl.envs import EnvBase

from benchmarl.utils import DEVICE_TYPING

from benchmarl_qllm.environments.common import DiscreteTaskClass, PackagedTask
from benchmarl_qllm.environments.matrix.env import GROUP, MatrixGameEnv


@dataclass
class MatrixGameConfig:
    """Config of a matrix-game task (``benchmarl_qllm/conf/task/matrix/<task>.yaml``)."""

    n_agents: int = MISSING
    game: str = "climbing"


class MatrixGameClass(DiscreteTaskClass):
    """BenchMARL task class of the ``matrix`` family (vectorized: no SerialEnv needed)."""

    @staticmethod
    def config_class() -> Type:
        return MatrixGameConfig

    def get_env_fun(
        self,
        num_envs: int,
        continuous_actions: bool,
        seed: Optional[int],
        device: DEVICE_TYPING,
    ) -> Callable[[], EnvBase]:
        config = dict(self.config)
        return lambda: MatrixGameEnv(num_envs=num_envs, seed=seed, device=device, **config)

    def max_steps(self, env: EnvBase) -> int:
        return 1

    def group_map(self, env: EnvBase) -> Dict[str, List[str]]:
        return {GROUP: [f"agent_{i}" for i in range(int(self.config.get("n_agents", 2)))]}

    # Specs without the env's batch dimension, as BenchMARL's VMAS task class returns them.
    def observation_spec(self, env: EnvBase) -> Composite:
        spec = env.full_observation_spec_unbatched.clone()
        for key in list(spec[GROUP].keys()):
            if key != "observation":
                del spec[GROUP][key]
        for key in list(spec.keys()):
            if key != GROUP:
                del spec[key]
        return spec

    def action_mask_spec(self, env: EnvBase) -> Optional[Composite]:
        return None

    def state_spec(self, env: EnvBase) -> Optional[Composite]:
        return Composite({"state": env.full_observation_spec_unbatched["state"].clone()})

    def action_spec(self, env: EnvBase) -> Composite:
        return env.full_action_spec_unbatched

    @staticmethod
    def env_name() -> str:
        return "matrix"


class MatrixGameTask(PackagedTask):
    """Matrix-game tasks (configs in ``benchmarl_qllm/conf/task/matrix/``)."""

    CLIMBING = None

    @staticmethod
    def associated_class():
        return MatrixGameClass
