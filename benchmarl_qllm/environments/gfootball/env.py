"""Google Research Football (``gfootball`` 2.10) as a TorchRL environment.

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

from typing import Optional

import numpy as np
import torch
from tensordict import TensorDict, TensorDictBase
from torchrl.data import Categorical, Composite, Unbounded

from benchmarl.utils import DEVICE_TYPING

from benchmarl_qllm.environments.common import SimulatorEnv
from benchmarl_qllm.environments.gfootball.layout import gfootball_state_dim, N_ACTIONS, OBS_DIM

GROUP = "agents"
INSTALL_HINT = (
    "task=gfootball/... needs Google Research Football (gfootball 2.10.2), which builds its "
    "C++ engine from source: run `bash scripts/install_gfootball.sh` in this environment "
    "(Debian packages + about 16 minutes on 2 cores; see the README)"
)


def _import_gfootball():
    try:
        import gfootball.env as football_env
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return football_env


def gfootball_available() -> bool:
    """``True`` when ``gfootball`` imports (the environment can be built)."""
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
