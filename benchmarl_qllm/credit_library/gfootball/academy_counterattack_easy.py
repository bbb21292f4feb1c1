"""Training-free credit assignment function for gfootball/academy_counterattack_easy.

task: gfootball/academy_counterattack_easy
produced-by: hand-written by a benchmarl-qllm developer (an AI coding assistant), not by the QLLM generation pipeline
model: none
prompt-sha256: none
igm: enforce
input: state [B, 148]

Task: Google Research Football academy scenario, a 4-vs-1 counterattack from the halfway line against one defender and the goalkeeper. 4 agents each control one of our
(left-team) players; we attack the goal at x = +1. Team reward: +1 for a goal, +0.1 per
checkpoint zone reached with the ball on the way to the opponent goal.

State layout (benchmarl_qllm.environments.gfootball):
  0:22      our players 0..10 (x, y); player 0 is the goalkeeper; -1 when absent
  22:44     our players' directions
  44:66     opponents (x, y);  66:88 their directions
  88:91     ball (x, y, z);    91:94 ball direction
  94:97     ball owner one-hot (nobody, us, opponents)
  97:104    game mode one-hot
  104:148   agent i's controlled player, one-hot over our 11 players, at [104 + 11 i, 115 + 11 i)

Credit idea: in an attack the player on or near the ball and the players closest to the
opponent goal decide the next reward (a pass, a shot, a checkpoint). For agent i at p_i:
  near_ball_i = exp(-|p_i - ball| / BALL_SCALE)
  attack_i    = (x_i + 1) / 2          (0 at our goal, 1 at theirs)
  score_i     = near_ball_i + ATTACK * attack_i
Weights are 0.5 + 0.5 * n * score_i / sum_k score_k: at least 0.5 for everyone (IGM holds, no
agent is ignored), mean exactly 1 (the VDN scale). No bias.
"""

import torch

BALL_SCALE = 0.15  # pitch units (the pitch is 2 long): about 7 m
ATTACK = 0.5


def weights(td):
    state = td["state"]                                          # [B, 148]
    n = td["n_agents"]
    ours = state[:, 0:22].reshape(-1, 11, 2)                     # [B, 11, 2]
    controlled = state[:, 104:104 + 11 * n].reshape(-1, n, 11)   # [B, n, 11] one-hots
    position = torch.bmm(controlled, ours)                       # [B, n, 2]
    ball = state[:, 88:90]                                       # [B, 2]

    distance = (position - ball[:, None, :]).pow(2).sum(-1).clamp_min(1e-12).sqrt()
    near_ball = torch.exp(-distance / BALL_SCALE)                # [B, n]
    attack = ((position[:, :, 0] + 1.0) / 2.0).clamp(0.0, 1.0)
    score = near_ball + ATTACK * attack
    total = score.sum(-1, keepdim=True)
    relative = torch.where(
        total > 1e-6, score / total.clamp_min(1e-6), torch.full_like(score, 1.0 / n)
    )
    return 0.5 + 0.5 * n * relative
