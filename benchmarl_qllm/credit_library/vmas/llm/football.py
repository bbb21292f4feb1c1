"""Training-free credit assignment function for vmas/football.

task: vmas/football
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_football/answers)
prompt-sha256: b0c0d21544c2af9573eac8159f175f93f29ebd2705b47c0cb1026ca251fc1cc1
igm: enforce
input: observation [B, n_agents, 56]

Chosen candidate r2c1 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Objective-proximity credit for vmas/football, refined (3 learning blue agents vs 3 AI red).

Everything the reward cares about goes through the ball: the dense reward pays for moving the
ball toward the opponent (right) goal and for the closest agent getting to the ball, and the
sparse +-100 comes from the ball crossing a goal line.  An agent's credit grows with:

  * proximity      exp(-d_ball / 0.35)                 (own agent-to-ball distance)
  * push side      agent left of the ball (goal-side)  -> its push sends the ball toward the
                   right goal, and it also stands between the ball and our goal
  * closest        soft "who is closest" (softmax over agents of -d/0.1): the agent that can act
  * about to reach closing speed toward the ball, while already fairly near
  * cover (new)    when the ball is in our half, the agent standing on the line ball -> own goal
                   is the one that can block / clear the red attack

Far / idle agents keep a floor.  Weights are normalised to mean 1 over agents, then scaled by a
stakes factor that is ~1 in ordinary midfield states and rises (up to ~1.36) with the ball near
either goal; clamped to [0.05, 10].  All pieces are non-negative, so IGM holds.

Observation layout assumed (VMAS football observation_base, dict_obs=False, no shooting):
  0:2 agent_force | 2:4 agent_pos - ball_pos | 4:6 agent_vel - ball_vel | 6:8 ball_pos - goal_pos
  8:10 ball_vel | 10:12 ball_force | 12:14 agent_pos - goal_pos | 14:16 agent_vel
  16:40 adversaries (3 x 8) | 40:56 teammates (2 x 8)
(goal_pos is the opponent/right goal at (+1.51, 0); the own goal is at (-1.51, 0).)

Bias: a bounded potential of the state for the team, high when the ball is near the opponent
goal and low when it is near our own goal (scaled to the +-100 scoring reward, bounded by 20).
"""

import math
import torch
import torch.nn.functional as F

AGENT_BALL = slice(2, 4)      # agent_pos - ball_pos
REL_VEL_BALL = slice(4, 6)    # agent_vel - ball_vel
BALL_GOAL = slice(6, 8)       # ball_pos - opponent goal_pos (same for every agent)

EPS = 1e-6
MAX_SPEED = 0.15
PITCH_LENGTH = 3.0
BALL_SIZE = 0.02
GOAL_X = PITCH_LENGTH / 2 + BALL_SIZE / 2   # 1.51

FLOOR = 0.25
W_MIN = 0.05
W_MAX = 10.0

PROX_SCALE = 0.35
CLOSEST_TEMP = 0.1
BEHIND_TEMP = 0.05
REACH_SCALE = 0.6
URGENCY_SCALE = 0.5
COVER_SCALE = 0.15
DANGER_TEMP = 0.25

BIAS_SCALE = 20.0
BIAS_LEN = 0.6


def clean(obs):
    return torch.nan_to_num(obs, nan=0.0, posinf=10.0, neginf=-10.0)


def safe_norm(x):
    return torch.sqrt((x * x).sum(dim=-1) + 1e-8)


def ball_geometry(obs):
    # ball_pos - right_goal, identical for every agent: average over the agent dim only
    bg = obs[..., BALL_GOAL].mean(dim=1)                       # [B, 2]
    d_opp = safe_norm(bg)                                       # ball to opponent goal
    b_own = torch.stack([bg[..., 0] + 2.0 * GOAL_X, bg[..., 1]], dim=-1)  # ball - own goal
    d_own = safe_norm(b_own)
    ball_x = bg[..., 0] + GOAL_X                                # ball x in pitch coordinates
    return bg, d_opp, b_own, d_own, ball_x


def weights(td):
    obs = clean(td["observation"])                              # [B, n, 56]
    n = td["n_agents"]

    rel = obs[..., AGENT_BALL]                                  # agent - ball, [B, n, 2]
    d = safe_norm(rel)                                          # [B, n]

    # close to the ball
    prox = torch.exp(-d / PROX_SCALE)

    # left of the ball: pushes go toward the right goal, and it is goal-side in defence
    behind = torch.sigmoid((-rel[..., 0] / BEHIND_TEMP).clamp(-30.0, 30.0))

    # the agent that can act right now: soft argmin of distance over agents
    closest = torch.softmax(-d / CLOSEST_TEMP, dim=-1)

    # about to reach the ball: closing speed toward it, counted while already fairly near
    unit = rel / (d.unsqueeze(-1) + EPS)
    rel_v = obs[..., REL_VEL_BALL]
    closing = (-(rel_v * unit).sum(dim=-1) / MAX_SPEED).clamp(0.0, 1.0)
    reach = closing * torch.exp(-d / REACH_SCALE)

    # defensive cover: distance from the agent to the segment own goal -> ball
    bg, d_opp, b_own, d_own, ball_x = ball_geometry(obs)
    seg = b_own.unsqueeze(1)                                    # [B, 1, 2] own goal -> ball
    a_own = rel + seg                                           # agent - own goal, [B, n, 2]
    t = ((a_own * seg).sum(dim=-1) / ((seg * seg).sum(dim=-1) + EPS)).clamp(0.0, 1.0)
    off_line = safe_norm(a_own - t.unsqueeze(-1) * seg)         # [B, n]
    cover = torch.exp(-off_line / COVER_SCALE)
    danger = torch.sigmoid((-ball_x / DANGER_TEMP).clamp(-30.0, 30.0)).unsqueeze(-1)  # ball in our half

    score = (
        prox * (0.6 + 0.4 * behind)
        + 0.8 * closest
        + 0.3 * reach
        + 0.6 * cover * danger
    )
    raw = FLOOR + score                                         # >= FLOOR > 0

    # normalise to mean 1 over agents (per state, never over the batch)
    w = raw * float(n) / (raw.sum(dim=-1, keepdim=True) + EPS)

    # stakes: ~1 in midfield, higher with the ball near either goal
    urgency = torch.maximum(
        torch.exp(-d_opp / URGENCY_SCALE), torch.exp(-d_own / URGENCY_SCALE)
    )                                                           # [B] in (0, 1]
    stake = (1.0 + 0.4 * (urgency - 0.1)).clamp(0.9, 1.4)
    w = w * stake.unsqueeze(-1)

    w = torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=W_MIN)
    return w.clamp(W_MIN, W_MAX)


def bias(td):
    obs = clean(td["observation"])
    bg, d_opp, b_own, d_own, ball_x = ball_geometry(obs)
    b = BIAS_SCALE * (torch.exp(-d_opp / BIAS_LEN) - torch.exp(-d_own / BIAS_LEN))
    b = torch.nan_to_num(b, nan=0.0, posinf=BIAS_SCALE, neginf=-BIAS_SCALE)
    return b.clamp(-BIAS_SCALE, BIAS_SCALE).unsqueeze(-1)       # [B, 1]
