"""Training-free credit assignment function for matrix/climbing.

task: matrix/climbing
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/matrix_climbing/answers)
prompt-sha256: 60383fb5c514766a489076444baa67bb1591ca50f4024df5f57430df4ad1c435
igm: relax
input: state [B, 6]

Chosen candidate r1c1 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Objective-proximity credit for the one-step climbing matrix game.

The reward is decided in the single step by the joint action of both agents, so
both agents are always at distance zero from the objective: each of them is
"the one that can act" and each is equally responsible for reaching (or missing)
the optimum (0, 0). The state carries no information (constant ids and ones),
so proximity is identical for every agent and every state. Each agent therefore
gets the full VDN-scale weight of 1 (a floor is built in but never binds), and
the weights stay positive and bounded so the additive Q_tot keeps a clean,
monotonic gradient to both agents.

The bias carries the state value. The single state's value under the team's
coordinated optimum is bounded by best_payoff = 11 and worst_payoff = -30; a
moderate constant (the safe payoff, 5) anchors Q_tot so the per-agent utilities
only need to model the deviations caused by each agent's action, without
affecting which action is greedy.
"""

import torch

N_FEAT_PER_AGENT = 3      # 2-dim one-hot id + constant 1
PROXIMITY_FLOOR = 0.2     # minimum weight share for any agent
MAX_WEIGHT = 10.0
SAFE_PAYOFF = 5.0         # bias anchor (payoff when all choose action 2)
BEST_PAYOFF = 11.0
WORST_PAYOFF = -30.0


def proximity(state, n_agents):
    """Proximity of each agent to the objective, in [0, 1].

    In the one-step game every agent's action immediately determines the payoff,
    so every agent is maximally close. Computed from the state's constant-one
    flag per agent so the tensor stays on the input's dtype/device.
    """
    cols = []
    for i in range(n_agents):
        start = i * N_FEAT_PER_AGENT
        one = state[:, start + 2:start + 3]
        # constant 1 in the live state -> proximity 1; clamp keeps it in [0, 1]
        prox = torch.clamp(torch.ones_like(one) * torch.sign(torch.abs(one) + 1.0), 0.0, 1.0)
        cols.append(prox)
    return torch.cat(cols, dim=-1)


def weights(td):
    state = torch.nan_to_num(td["state"].float(), nan=0.0, posinf=0.0, neginf=0.0)
    n_agents = td["n_agents"]
    prox = proximity(state, n_agents)                       # [B, n]
    raw = PROXIMITY_FLOOR + (1.0 - PROXIMITY_FLOOR) * prox  # [B, n], floor > 0
    # normalise to mean 1 (VDN scale)
    w = raw / (raw.mean(dim=-1, keepdim=True) + 1e-6)
    return torch.clamp(w, PROXIMITY_FLOOR, MAX_WEIGHT)


def bias(td):
    state = td["state"].float()
    b = state.new_full((state.shape[0], 1), SAFE_PAYOFF)
    return torch.clamp(b, WORST_PAYOFF, BEST_PAYOFF)
