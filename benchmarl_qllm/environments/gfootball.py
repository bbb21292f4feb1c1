"""Google Research Football (``gfootball`` 2.10) as a TorchRL environment and a BenchMARL task family.

Academy scenarios: ``n_agents`` left-team players are controlled by the agents (one each); the
rest of both teams is played by the engine's AI. Observations are gfootball's ``simple115v2``
vectors (115 floats per controlled player, the whole pitch plus which player it controls);
19 discrete actions per agent; the team reward is gfootball's ``scoring,checkpoints`` reward
(+1 for a goal, +0.1 for each of 10 checkpoint zones on the way to the opponent goal, once per
episode), the same for every controlled player.

TensorDict layout of :class:`GFootballEnv` (group ``"agents"`` with ``n = n_agents`` agents)::

    ("agents", "observation")  float32 [n, 115]  simple115v2 of each controlled player
    ("agents", "action")       int64   [n]       see ACTION_NAMES
    ("agents", "reward")       float32 [n, 1]    gfootball's per-player reward
    "state"                    float32 [104 + 11 n]   (see below)
    "done" / "terminated" / "truncated"  bool [1]

simple115v2 (x in [-1, 1] from the left to the right goal, y in [-0.42, 0.42]; absent players
are -1): ``[0:22)`` left team (x, y) of players 0..10 (0 = goalkeeper), ``[22:44)`` their
movement directions, ``[44:66)`` right team positions, ``[66:88)`` right team directions,
``[88:91)`` ball (x, y, z), ``[91:94)`` ball direction, ``[94:97)`` ball owner one-hot (none,
left, right), ``[97:108)`` one-hot of the left player this agent controls, ``[108:115)``
game mode one-hot (normal, kick-off, goal-kick, free-kick, corner, throw-in, penalty).

Global state (defined here; gfootball has none): the pitch part that every agent shares,
``obs[0][0:97]`` and ``obs[0][108:115]`` (104 values), followed by each agent's controlled-player
one-hot ``obs[i][97:108]`` (11 values per agent), so a credit function knows which player
agent ``i`` moves.

Episode ends: ``terminated`` when gfootball ends it (goal, ball out of play or lost to the
opponents in the academy scenarios); ``truncated`` (and not terminated) after
``max_episode_steps`` steps, the time limit of this wrapper (gfootball's own game duration is
longer).

``gfootball`` is imported only when an environment is built, so this module (and the task
registration) works without it. Install: ``scripts/install_gfootball.sh``.
"""

from __future__ import annotations

from dataclasses import dataclass, MISSING
from typing import Callable, Dict, List, Optional, Tuple, Type

import numpy as np
import torch
from tensordict import TensorDict, TensorDictBase
from torchrl.data import Categorical, Composite, Unbounded
from torchrl.envs import EnvBase

from benchmarl.utils import DEVICE_TYPING

from benchmarl_qllm.environments.common import (
    DiscreteTaskClass,
    PackagedTask,
    SeededEnvFactory,
    SimulatorEnv,
)

GROUP = "agents"
OBS_DIM = 115
MAX_PLAYERS = 11
SHARED_STATE_DIM = 104  # obs[0:97] + obs[108:115]
INSTALL_HINT = (
    "task=gfootball/... needs Google Research Football (gfootball 2.10.2), which builds its "
    "C++ engine from source: run `bash scripts/install_gfootball.sh` in this environment "
    "(Debian packages + about 16 minutes on 2 cores; see the README)"
)
ACTION_NAMES = [
    "idle", "left", "top_left", "top", "top_right", "right", "bottom_right", "bottom",
    "bottom_left", "long_pass", "high_pass", "short_pass", "shot", "sprint", "release_direction",
    "release_sprint", "sliding", "dribble", "release_dribble",
]
N_ACTIONS = len(ACTION_NAMES)
GAME_MODES = ["normal", "kick_off", "goal_kick", "free_kick", "corner", "throw_in", "penalty"]


def gfootball_state_dim(n_agents: int) -> int:
    return SHARED_STATE_DIM + MAX_PLAYERS * int(n_agents)


def gfootball_state_layout(n_agents: int) -> List[Tuple[str, int, int, str]]:
    """``(name, start, stop, meaning)`` of every field of the global state."""
    fields = [
        ("left_team_positions", 0, 22,
         "(x, y) of left-team (our) players 0..10 in player order, player 0 = goalkeeper; "
         "x in [-1, 1] from our goal to the opponent goal, y in [-0.42, 0.42]; -1 if absent"),
        ("left_team_directions", 22, 44, "(dx, dy) movement per step of our players 0..10"),
        ("right_team_positions", 44, 66, "(x, y) of opponent players 0..10 (0 = their goalkeeper)"),
        ("right_team_directions", 66, 88, "(dx, dy) movement per step of opponent players 0..10"),
        ("ball_position", 88, 91, "ball (x, y, z); z is the height"),
        ("ball_direction", 91, 94, "ball (dx, dy, dz) per step"),
        ("ball_owner", 94, 97, "one-hot: nobody, our team, the opponents"),
        ("game_mode", 97, 104, "one-hot: " + ", ".join(GAME_MODES)),
    ]
    for i in range(n_agents):
        start = SHARED_STATE_DIM + MAX_PLAYERS * i
        fields.append((f"agent_{i}_player", start, start + MAX_PLAYERS,
                       f"one-hot over our players 0..10: the player agent {i} controls"))
    return fields


def _import_gfootball():
    try:
        import gfootball.env as football_env
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return football_env


def gfootball_available() -> bool:
    try:
        _import_gfootball()
    except ImportError:
        return False
    return True


class GFootballEnv(SimulatorEnv):
    """TorchRL wrapper of a gfootball academy scenario (see the module docstring).

    Args:
        env_name: gfootball scenario, e.g. ``"academy_3_vs_1_with_keeper"``.
        n_agents: left-team players controlled by agents.
        rewards: gfootball reward spec (``"scoring"`` or ``"scoring,checkpoints"``).
        max_episode_steps: time limit (truncation).
        seed: gfootball's ``game_engine_random_seed`` (``None``: gfootball's default).
        device: torch device of the output tensors.
    """

    def __init__(
        self,
        env_name: str = "academy_3_vs_1_with_keeper",
        n_agents: int = 3,
        rewards: str = "scoring,checkpoints",
        max_episode_steps: int = 150,
        seed: Optional[int] = None,
        device: DEVICE_TYPING = "cpu",
    ):
        football_env = _import_gfootball()
        super().__init__(device=device, batch_size=torch.Size([]))
        self.env_name = env_name
        self.n_agents = int(n_agents)
        self.max_episode_steps = int(max_episode_steps)
        options = {} if seed is None else {"game_engine_random_seed": int(seed) % (2**31)}
        self._env = football_env.create_environment(
            env_name=env_name,
            representation="simple115v2",
            rewards=rewards,
            number_of_left_players_agent_controls=self.n_agents,
            stacked=False,
            render=False,
            write_goal_dumps=False,
            write_full_episode_dumps=False,
            write_video=False,
            other_config_options=options,
        )
        self.initial_seed = seed
        self._steps = 0
        self._make_specs()

    def _make_specs(self) -> None:
        n, device = self.n_agents, self.device
        self.state_dim = gfootball_state_dim(n)
        self.observation_spec = Composite(
            {
                GROUP: Composite(
                    {"observation": Unbounded(shape=(n, OBS_DIM), dtype=torch.float32,
                                              device=device)},
                    shape=(n,), device=device,
                ),
                "state": Unbounded(shape=(self.state_dim,), dtype=torch.float32, device=device),
            },
            device=device,
        )
        self.action_spec = Composite(
            {GROUP: Composite(
                {"action": Categorical(N_ACTIONS, shape=(n,), dtype=torch.int64, device=device)},
                shape=(n,), device=device)},
            device=device,
        )
        self.reward_spec = Composite(
            {GROUP: Composite(
                {"reward": Unbounded(shape=(n, 1), dtype=torch.float32, device=device)},
                shape=(n,), device=device)},
            device=device,
        )
        flag = Categorical(2, shape=(1,), dtype=torch.bool, device=device)
        self.done_spec = Composite(
            {"done": flag.clone(), "terminated": flag.clone(), "truncated": flag.clone()},
            device=device,
        )

    def _output(self, obs, reward=None, terminated=False, truncated=False) -> TensorDictBase:
        obs = torch.as_tensor(np.asarray(obs, dtype=np.float32)).reshape(self.n_agents, OBS_DIM)
        state = torch.cat([obs[0, :97], obs[0, 108:], obs[:, 97:108].reshape(-1)])
        group = {"observation": obs}
        if reward is not None:
            group["reward"] = torch.as_tensor(
                np.asarray(reward, dtype=np.float32)).reshape(self.n_agents, 1)
        flags = torch.tensor([terminated or truncated, terminated, truncated])
        out = TensorDict(
            {
                GROUP: TensorDict(group, batch_size=[self.n_agents]),
                "state": state,
                "done": flags[0:1], "terminated": flags[1:2], "truncated": flags[2:3],
            },
            batch_size=[],
        )
        return out.to(self.device) if self.device is not None else out

    def _reset(self, tensordict: Optional[TensorDictBase] = None, **kwargs) -> TensorDictBase:
        self._steps = 0
        return self._output(self._env.reset())

    def _step(self, tensordict: TensorDictBase) -> TensorDictBase:
        actions = tensordict.get((GROUP, "action")).reshape(-1).tolist()
        obs, reward, done, _info = self._env.step(actions)
        self._steps += 1
        terminated = bool(done)
        truncated = (not terminated) and self._steps >= self.max_episode_steps
        return self._output(obs, reward, terminated=terminated, truncated=truncated)

    def _set_seed(self, seed: Optional[int]) -> None:
        # gfootball takes its seed at construction (game_engine_random_seed); SeededEnvFactory
        # builds every copy with its own seed.
        return None


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
