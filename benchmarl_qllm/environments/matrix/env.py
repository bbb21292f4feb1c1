"""One-step cooperative matrix games (the climbing game) as a TorchRL environment.

The climbing game (Claus & Boutilier, 1998) for 2 agents with 3 actions each; row = agent 0's
action, column = agent 1's action::

              a1=0   a1=1   a1=2
    a0=0       11    -30      0
    a0=1      -30      7      0
    a0=2        0      6      5

The optimum (0, 0) = 11 is surrounded by the worst penalties, so agents that learn from
averages over their partner's exploration drift to the safe (2, 2) = 5 ("relative
over-generalisation"); no monotonic mixer can represent this payoff exactly.

Three agents: the payoff of a joint action is the mean of the 2-agent payoff over the three
agent pairs, ``P3[a, b, c] = (P[a, b] + P[a, c] + P[b, c]) / 3``. It keeps the structure:
(0, 0, 0) = 11 is the unique optimum, (1, 1, 1) = 7, (2, 2, 2) = 5, and any agent leaving the
optimum alone costs the team ``(30 + 30 + 11) / 3 = 23.7`` (``P3[0, 0, 1] = -16.3``).
Every joint action's payoff has the same mean over uniformly random play as the 2-agent game
(-31/9).

Every episode is one step: reset, every agent picks an action, every agent receives the team
payoff as its reward, and the episode terminates.

TensorDict layout of :class:`MatrixGameEnv` (group ``"agents"``, ``n`` agents, batch ``B``)::

    ("agents", "observation")  float32 [*B, n, n + 1]   one-hot agent id, then a constant 1
    ("agents", "action")       int64   [*B, n]          0, 1, 2
    ("agents", "reward")       float32 [*B, n, 1]       the team payoff, for every agent
    "state"                    float32 [*B, n * (n + 1)] the agents' observations, concatenated
    "done" / "terminated"      bool [*B, 1]             True after the single step
    "truncated"                bool [*B, 1]             always False

Observations and state are constant: the game has no state to observe.
"""

from __future__ import annotations

from typing import Optional, Sequence

import torch
from tensordict import TensorDict, TensorDictBase
from torchrl.data import Categorical, Composite, Unbounded
from torchrl.envs import EnvBase

from benchmarl.utils import DEVICE_TYPING

GROUP = "agents"
N_ACTIONS = 3

CLIMBING_PAYOFF = (
    (11.0, -30.0, 0.0),
    (-30.0, 7.0, 0.0),
    (0.0, 6.0, 5.0),
)


def climbing_payoff(n_agents: int = 2) -> torch.Tensor:
    """The climbing game's payoff tensor, shape ``[3] * n_agents`` (2 or 3 agents)."""
    p = torch.tensor(CLIMBING_PAYOFF, dtype=torch.float32)
    if n_agents == 2:
        return p
    if n_agents == 3:
        return (p[:, :, None] + p[:, None, :] + p[None, :, :]) / 3.0
    raise ValueError(f"the climbing game is defined for 2 or 3 agents, got {n_agents}")


class MatrixGameEnv(EnvBase):
    """A one-step cooperative matrix game, vectorized over ``num_envs`` (see the module docstring).

    Args:
        n_agents: 2 or 3 (climbing game), or any number with an explicit ``payoff``.
        game: ``"climbing"`` (the only named game).
        payoff: optional explicit payoff tensor of shape ``[n_actions] * n_agents``.
        num_envs: batch size; ``None`` builds an unbatched env (``batch_size=()``).
        seed: accepted for API symmetry; the game is deterministic.
        device: torch device.
    """

    def __init__(
        self,
        n_agents: int = 2,
        game: str = "climbing",
        payoff: Optional[Sequence] = None,
        num_envs: Optional[int] = None,
        seed: Optional[int] = None,
        device: DEVICE_TYPING = "cpu",
    ):
        batch_size = torch.Size([]) if num_envs is None else torch.Size([int(num_envs)])
        super().__init__(device=device, batch_size=batch_size)
        if payoff is None:
            if game != "climbing":
                raise ValueError(f"unknown matrix game '{game}' (known: 'climbing')")
            payoff = climbing_payoff(n_agents)
        payoff = torch.as_tensor(payoff, dtype=torch.float32)
        if payoff.ndim != n_agents or len(set(payoff.shape)) != 1:
            raise ValueError(
                f"payoff must have shape [n_actions] * n_agents = [k] * {n_agents}, "
                f"got {tuple(payoff.shape)}"
            )
        self.n_agents = int(n_agents)
        self.n_actions = int(payoff.shape[0])
        self.payoff = payoff.to(self.device)
        n, B = self.n_agents, self.batch_size
        obs = torch.cat([torch.eye(n), torch.ones(n, 1)], dim=-1).to(self.device)
        self._observation = obs.expand(*B, n, n + 1).clone()
        self._state = obs.reshape(-1).expand(*B, n * (n + 1)).clone()

        self.observation_spec = Composite(
            {
                GROUP: Composite(
                    {"observation": Unbounded(shape=(*B, n, n + 1), device=self.device)},
                    shape=(*B, n),
                    device=self.device,
                ),
                "state": Unbounded(shape=(*B, n * (n + 1)), device=self.device),
            },
            shape=B,
            device=self.device,
        )
        self.action_spec = Composite(
            {
                GROUP: Composite(
                    {
                        "action": Categorical(
                            self.n_actions, shape=(*B, n), dtype=torch.int64, device=self.device
                        )
                    },
                    shape=(*B, n),
                    device=self.device,
                )
            },
            shape=B,
            device=self.device,
        )
        self.reward_spec = Composite(
            {
                GROUP: Composite(
                    {"reward": Unbounded(shape=(*B, n, 1), device=self.device)},
                    shape=(*B, n),
                    device=self.device,
                )
            },
            shape=B,
            device=self.device,
        )
        flag = Categorical(2, shape=(*B, 1), dtype=torch.bool, device=self.device)
        self.done_spec = Composite(
            {"done": flag.clone(), "terminated": flag.clone(), "truncated": flag.clone()},
            shape=B,
            device=self.device,
        )

    def _output(self, done: bool, reward: Optional[torch.Tensor] = None) -> TensorDictBase:
        B, n = self.batch_size, self.n_agents
        group = {"observation": self._observation.clone()}
        if reward is not None:
            group["reward"] = reward
        flag = torch.full((*B, 1), done, dtype=torch.bool, device=self.device)
        return TensorDict(
            {
                GROUP: TensorDict(group, batch_size=(*B, n), device=self.device),
                "state": self._state.clone(),
                "done": flag,
                "terminated": flag.clone(),
                "truncated": torch.zeros_like(flag),
            },
            batch_size=B,
            device=self.device,
        )

    def _reset(self, tensordict: Optional[TensorDictBase] = None, **kwargs) -> TensorDictBase:
        return self._output(done=False)

    def _step(self, tensordict: TensorDictBase) -> TensorDictBase:
        actions = tensordict.get((GROUP, "action")).long()  # [*B, n]
        team = self.payoff[tuple(actions.unbind(-1))]  # [*B]
        reward = team[..., None, None].expand(*self.batch_size, self.n_agents, 1).clone()
        return self._output(done=True, reward=reward)

    def _set_seed(self, seed: Optional[int]) -> None:
        pass  # deterministic game
