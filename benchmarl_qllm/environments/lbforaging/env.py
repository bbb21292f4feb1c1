"""Level-Based Foraging (``lbforaging`` 2.0) as a TorchRL environment.

LBF: ``players`` agents with levels walk on a ``size x size`` grid and collect food items with
levels. A food item is collected when the agents standing next to it (4-neighbourhood) and
choosing LOAD in the same step have a summed level >= the food's level; each of them is rewarded
``level_i * food_level`` (normalised by the loading agents' summed level and the total food level
spawned, so a team's return over an episode is at most 1). ``coop`` forces every food's level to
the sum of all agents' levels: every food needs the whole team.

TensorDict layout of :class:`LBForagingEnv` (group ``"agents"`` with ``n = players`` agents)::

    ("agents", "observation")  float32 [n, 3 * max_num_food + 3 * players]  LBF's own vector obs
    ("agents", "action_mask")  bool    [n, 6]   LBF's valid actions (NONE is always valid)
    ("agents", "action")       int64   [n]      0 NONE, 1 NORTH, 2 SOUTH, 3 WEST, 4 EAST, 5 LOAD
    ("agents", "reward")       float32 [n, 1]   per-agent reward
    "state"                    float32 [3 * max_num_food + 3 * players + 1]   (see below)
    "done" / "terminated" / "truncated"  bool [1]

Global state (defined here; LBF has none)::

    [3 j, 3 j + 3)               food slot j = 0..max_num_food-1: (row, col, level); slots are
                                 fixed for the episode (food in row-major order at reset);
                                 (-1, -1, 0) once eaten, or when fewer foods were spawned
    [3 F + 3 i, 3 F + 3 i + 3)   agent i = 0..players-1: (row, col, level), absolute grid
                                 coordinates (row 0 is the top, NORTH decreases the row)
    [3 F + 3 P]                  fraction of the episode elapsed, current_step / max_episode_steps

Episode ends: ``terminated`` when every food item has been collected; ``truncated`` (and not
terminated) when ``max_episode_steps`` is reached. LBF itself reports ``done=True,
truncated=False`` at the time limit, which would stop TD targets from bootstrapping there;
this wrapper splits the two.

``lbforaging`` is imported only when an environment is built, so this module (and the task
registration) works without it.
"""

from __future__ import annotations

from typing import List, Optional

import numpy as np
import torch
from tensordict import TensorDict, TensorDictBase
from torchrl.data import Binary, Bounded, Categorical, Composite, Unbounded

from benchmarl.utils import DEVICE_TYPING

from benchmarl_qllm.environments.common import SimulatorEnv
from benchmarl_qllm.environments.lbforaging.layout import lbf_state_dim, N_ACTIONS

GROUP = "agents"
INSTALL_HINT = (
    "the lbforaging tasks need the 'lbforaging' package (>=2.0, with pyglet<2): "
    "pip install 'benchmarl-qllm[lbforaging]'  (or: pip install 'lbforaging>=2.0' 'pyglet<2')"
)


def _import_foraging_env():
    try:
        from lbforaging.foraging.environment import ForagingEnv
    except ImportError as exc:  # pragma: no cover - exercised only without lbforaging
        raise ImportError(f"{INSTALL_HINT} ({type(exc).__name__}: {exc})") from exc
    return ForagingEnv


class LBForagingEnv(SimulatorEnv):
    """TorchRL wrapper of lbforaging 2.0's ``ForagingEnv`` (see the module docstring).

    Args:
        size: grid side length.
        players: number of agents.
        max_num_food: number of food items spawned at reset (fewer if LBF fails to place one).
        coop: force every food's level to the sum of all agents' levels (LBF ``force_coop``).
        sight: observation radius of each agent (``None``: the whole grid).
        max_episode_steps: time limit (truncation).
        min_player_level / max_player_level: range of agent levels.
        min_food_level / max_food_level: range of food levels (``max_food_level=None``: LBF's
            default, the sum of the three lowest agent levels).
        penalty: reward subtracted from agents that try to load and fail.
        normalize_reward: LBF's reward normalisation (team return <= 1).
        observe_agent_levels: include agent levels in the per-agent observation.
        seed: seed of LBF's random generator (``None``: unseeded).
        device: torch device of the output tensors.
    """

    def __init__(
        self,
        size: int = 8,
        players: int = 2,
        max_num_food: int = 2,
        coop: bool = False,
        sight: Optional[int] = None,
        max_episode_steps: int = 50,
        min_player_level: int = 1,
        max_player_level: int = 2,
        min_food_level: int = 1,
        max_food_level: Optional[int] = None,
        penalty: float = 0.0,
        normalize_reward: bool = True,
        observe_agent_levels: bool = True,
        seed: Optional[int] = None,
        device: DEVICE_TYPING = "cpu",
    ):
        ForagingEnv = _import_foraging_env()
        super().__init__(device=device, batch_size=torch.Size([]))
        self.size = int(size)
        self.n_agents = int(players)
        self.max_num_food = int(max_num_food)
        self.max_episode_steps = int(max_episode_steps)
        self.sight = self.size if sight is None else int(sight)
        self._env = ForagingEnv(
            players=self.n_agents,
            min_player_level=min_player_level,
            max_player_level=max_player_level,
            min_food_level=min_food_level,
            max_food_level=max_food_level,
            field_size=(self.size, self.size),
            max_num_food=self.max_num_food,
            sight=self.sight,
            max_episode_steps=self.max_episode_steps,
            force_coop=bool(coop),
            normalize_reward=normalize_reward,
            grid_observation=False,
            observe_agent_levels=observe_agent_levels,
            penalty=penalty,
        )
        self._food_slots = [(-1, -1)] * self.max_num_food  # (row, col) of food slot j
        self._group_batch = torch.Size([self.n_agents])
        self._make_specs(min_player_level, max_player_level)
        self.initial_seed = seed  # the seed this copy was built with (None: unseeded)
        if seed is not None:
            self.set_seed(seed)

    # specs ------------------------------------------------------------------------------------
    def _make_specs(self, min_player_level: int, max_player_level: int) -> None:
        n, F = self.n_agents, self.max_num_food
        obs_space = self._env.observation_space[0]
        self.obs_dim = int(obs_space.shape[0])
        self.state_dim = lbf_state_dim(n, F)
        device = self.device

        max_food_level = float(obs_space.high[2]) if F else 0.0  # LBF's own bound
        low = np.zeros(self.state_dim, dtype=np.float32)
        high = np.zeros(self.state_dim, dtype=np.float32)
        low[: 3 * F] = np.tile([-1.0, -1.0, 0.0], F)
        high[: 3 * F] = np.tile([self.size - 1, self.size - 1, max_food_level], F)
        low[3 * F: 3 * F + 3 * n] = np.tile([0.0, 0.0, float(np.min(min_player_level))], n)
        high[3 * F: 3 * F + 3 * n] = np.tile(
            [self.size - 1, self.size - 1, float(np.max(max_player_level))], n
        )
        high[-1] = 1.0

        self.observation_spec = Composite(
            {
                GROUP: Composite(
                    {
                        "observation": Bounded(
                            low=torch.as_tensor(obs_space.low, device=device).expand(n, -1).clone(),
                            high=torch.as_tensor(obs_space.high, device=device).expand(n, -1).clone(),
                            shape=(n, self.obs_dim),
                            dtype=torch.float32,
                            device=device,
                        ),
                        "action_mask": Binary(
                            n=N_ACTIONS, shape=(n, N_ACTIONS), dtype=torch.bool, device=device
                        ),
                    },
                    shape=(n,),
                    device=device,
                ),
                "state": Bounded(
                    low=torch.as_tensor(low, device=device),
                    high=torch.as_tensor(high, device=device),
                    shape=(self.state_dim,),
                    dtype=torch.float32,
                    device=device,
                ),
            },
            device=device,
        )
        self.action_spec = Composite(
            {
                GROUP: Composite(
                    {"action": Categorical(N_ACTIONS, shape=(n,), dtype=torch.int64, device=device)},
                    shape=(n,),
                    device=device,
                )
            },
            device=device,
        )
        self.reward_spec = Composite(
            {
                GROUP: Composite(
                    {"reward": Unbounded(shape=(n, 1), dtype=torch.float32, device=device)},
                    shape=(n,),
                    device=device,
                )
            },
            device=device,
        )
        flag = Categorical(2, shape=(1,), dtype=torch.bool, device=device)
        self.done_spec = Composite(
            {"done": flag.clone(), "terminated": flag.clone(), "truncated": flag.clone()},
            device=device,
        )

    # LBF -> tensors -----------------------------------------------------------------------------
    # Built from small Python lists: for a handful of agents and foods this is several times
    # faster than assembling numpy arrays element-wise.
    def _action_mask_rows(self) -> List[List[bool]]:
        valid = self._env._valid_actions
        rows = []
        for player in self._env.players:
            row = [False] * N_ACTIONS
            for action in valid[player]:
                row[action.value] = True
            rows.append(row)
        return rows

    def _state_values(self) -> List[float]:
        env = self._env
        field = env.field
        values: List[float] = []
        for row, col in self._food_slots:
            level = int(field[row, col]) if row >= 0 else 0
            values += (row, col, level) if level > 0 else (-1, -1, 0)
        for player in env.players:
            values += (player.position[0], player.position[1], player.level)
        values.append(env.current_step / self.max_episode_steps)
        return values

    def _output(self, nobs, rewards=None, terminated=False, truncated=False) -> TensorDictBase:
        device = self.device
        group = {
            "observation": torch.from_numpy(np.stack(nobs)),
            "action_mask": torch.tensor(self._action_mask_rows(), dtype=torch.bool),
        }
        if rewards is not None:
            group["reward"] = torch.tensor(rewards, dtype=torch.float32).unsqueeze(-1)
        flags = torch.tensor([terminated or truncated, terminated, truncated])
        out = {
            GROUP: group,
            "state": torch.tensor(self._state_values(), dtype=torch.float32),
            "done": flags[0:1],
            "terminated": flags[1:2],
            "truncated": flags[2:3],
        }
        if device is not None and device.type != "cpu":
            group = {k: v.to(device) for k, v in group.items()}
            out = {k: v.to(device) for k, v in out.items() if k != GROUP}
        out[GROUP] = TensorDict._new_unsafe(group, batch_size=self._group_batch, device=device)
        return TensorDict._new_unsafe(out, batch_size=torch.Size([]), device=device)

    # EnvBase ------------------------------------------------------------------------------------
    def _reset(self, tensordict: Optional[TensorDictBase] = None, **kwargs) -> TensorDictBase:
        nobs, _ = self._env.reset()
        self.assign_food_slots()
        terminated = bool(self._env.field.sum() == 0)  # nothing could be spawned
        return self._output(nobs, terminated=terminated)

    def assign_food_slots(self) -> None:
        """Give the food now on the field fixed state slots (row-major order).

        Called at every reset; call it again after editing the LBF field by hand (tests,
        scripted scenarios) so the state follows the new food.
        """
        food = [(int(r), int(c)) for r, c in np.argwhere(self._env.field > 0)]
        food = food[: self.max_num_food]
        self._food_slots = food + [(-1, -1)] * (self.max_num_food - len(food))

    def observe(self) -> TensorDictBase:
        """Observations, action masks and state of the current position, as ``reset`` returns
        them (done flags False); for scripted scenarios after editing the LBF env by hand."""
        return self._output(self._env.test_make_gym_obs())

    def _step(self, tensordict: TensorDictBase) -> TensorDictBase:
        actions = tensordict.get((GROUP, "action")).reshape(-1).tolist()
        nobs, rewards, _lbf_done, _lbf_truncated, _ = self._env.step(actions)
        terminated = bool(self._env.field.sum() == 0)
        truncated = (not terminated) and self._env.current_step >= self.max_episode_steps
        return self._output(nobs, rewards=rewards, terminated=terminated, truncated=truncated)

    def _set_seed(self, seed: Optional[int]) -> None:
        if seed is not None:
            self._env.seed(int(seed))

    @property
    def lbf_env(self):
        """The wrapped lbforaging ``ForagingEnv``."""
        return self._env

    def valid_actions(self) -> List[List[int]]:
        """LBF's valid action indices of every agent (what ``action_mask`` encodes)."""
        return [[a.value for a in self._env._valid_actions[p]] for p in self._env.players]
