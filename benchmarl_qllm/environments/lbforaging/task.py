"""Level-Based Foraging as a BenchMARL task family: config dataclass, task class and task enum."""

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
from benchmarl_qllm.environments.lbforaging.env import GROUP, LBForagingEnv


@dataclass
class LBForagingConfig:
    """Config of one LBF task (``benchmarl_qllm/conf/task/lbforaging/<task>.yaml``).

    ``sight: null`` means the whole grid (full observability); the QLLM paper's LBF tasks use
    ``sight: 2``.
    """

    size: int = MISSING
    players: int = MISSING
    max_num_food: int = MISSING
    coop: bool = MISSING
    sight: Optional[int] = MISSING
    max_episode_steps: int = MISSING
    min_player_level: int = 1
    max_player_level: int = 2
    min_food_level: int = 1
    max_food_level: Optional[int] = None
    penalty: float = 0.0
    normalize_reward: bool = True
    observe_agent_levels: bool = True


class LBForagingClass(DiscreteTaskClass):
    """BenchMARL task class of the ``lbforaging`` family."""

    @staticmethod
    def config_class() -> Type:
        return LBForagingConfig

    def get_env_fun(
        self,
        num_envs: int,
        continuous_actions: bool,
        seed: Optional[int],
        device: DEVICE_TYPING,
    ) -> Callable[[], EnvBase]:
        # Not vectorized: BenchMARL wraps it in SerialEnv/ParallelEnv(num_envs, env_fun).
        return SeededEnvFactory(LBForagingEnv, seed=seed, device=device, **self.config)

    def max_steps(self, env: EnvBase) -> int:
        return int(self.config.get("max_episode_steps", 50))  # LBForagingEnv's default

    def group_map(self, env: EnvBase) -> Dict[str, List[str]]:
        return {GROUP: [f"agent_{i}" for i in range(int(self.config.get("players", 2)))]}

    def _observation_entries(self, env: EnvBase, keep: str) -> Optional[Composite]:
        spec = env.observation_spec.clone()
        for group in self.group_map(env):
            for key in list(spec[group].keys()):
                if key != keep:
                    del spec[group][key]
        for key in list(spec.keys()):
            if key not in self.group_map(env):
                del spec[key]
        return spec

    def observation_spec(self, env: EnvBase) -> Composite:
        return self._observation_entries(env, "observation")

    def action_mask_spec(self, env: EnvBase) -> Optional[Composite]:
        return self._observation_entries(env, "action_mask")

    @staticmethod
    def log_info(batch: TensorDictBase) -> Dict[str, float]:
        """Fraction of episodes that ended with all food collected (not by the time limit)."""
        done = batch.get(("next", "done"))
        if not done.any():
            return {}
        terminated = batch.get(("next", "terminated"))
        return {"lbforaging/all_food_collected": (terminated[done].float().mean().item())}

    @staticmethod
    def env_name() -> str:
        return "lbforaging"


class LBForagingTask(PackagedTask):
    """LBF tasks (configs in ``benchmarl_qllm/conf/task/lbforaging/``)."""

    FORAGING_8X8_2P_2F_COOP = None
    FORAGING_10X10_3P_3F = None
    FORAGING_15X15_4P_3F = None

    @staticmethod
    def associated_class():
        return LBForagingClass
