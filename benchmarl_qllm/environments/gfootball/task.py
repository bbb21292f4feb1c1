"""Google Research Football as a BenchMARL task family: config dataclass, task class and enum."""

from __future__ import annotations

from dataclasses import dataclass, MISSING
from typing import Callable, Dict, List, Optional, Type

from tensordict import TensorDictBase
from torchrl.data import Composite
from torchrl.envs import EnvBase

from benchmarl.utils import DEVICE_TYPING

from benchmarl_qllm.environments.common import (
    DiscreteTaskClass,
    PackagedTask,
    SeededEnvFactory,
)
from benchmarl_qllm.environments.gfootball.env import GFootballEnv, GROUP


@dataclass
class GFootballConfig:
    """Config of one GRF task (``benchmarl_qllm/conf/task/gfootball/<task>.yaml``)."""

    env_name: str = MISSING
    n_agents: int = MISSING
    rewards: str = "scoring,checkpoints"
    max_episode_steps: int = 150


class GFootballClass(DiscreteTaskClass):
    """BenchMARL task class of the ``gfootball`` family."""

    @staticmethod
    def config_class() -> Type:
        return GFootballConfig

    def get_env_fun(self, num_envs: int, continuous_actions: bool, seed: Optional[int],
                    device: DEVICE_TYPING) -> Callable[[], EnvBase]:
        # Not vectorized: BenchMARL wraps it in SerialEnv/ParallelEnv(num_envs, env_fun).
        return SeededEnvFactory(GFootballEnv, seed=seed, device=device, **self.config)

    def max_steps(self, env: EnvBase) -> int:
        return int(self.config.get("max_episode_steps", 150))

    def group_map(self, env: EnvBase) -> Dict[str, List[str]]:
        return {GROUP: [f"agent_{i}" for i in range(int(self.config["n_agents"]))]}

    def observation_spec(self, env: EnvBase) -> Composite:
        return Composite({GROUP: env.observation_spec[GROUP].clone()})

    def action_mask_spec(self, env: EnvBase) -> Optional[Composite]:
        return None

    @staticmethod
    def log_info(batch: TensorDictBase) -> Dict[str, float]:
        """Fraction of finished episodes in which our team scored (a +1 reward step)."""
        done = batch.get(("next", "done"))
        if not done.any():
            return {}
        scored = (batch.get(("next", GROUP, "reward")).amax((-2, -1)) >= 0.99).float()
        return {"gfootball/goal_rate": float(scored.sum() / done.sum())}

    @staticmethod
    def env_name() -> str:
        return "gfootball"


class GFootballTask(PackagedTask):
    """GRF academy tasks (configs in ``benchmarl_qllm/conf/task/gfootball/``)."""

    ACADEMY_3_VS_1_WITH_KEEPER = None
    ACADEMY_COUNTERATTACK_EASY = None
    ACADEMY_PASS_AND_SHOOT_WITH_KEEPER = None

    @staticmethod
    def associated_class():
        return GFootballClass
