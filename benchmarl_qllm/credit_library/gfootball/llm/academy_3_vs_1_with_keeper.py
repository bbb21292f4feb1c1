"""Training-free credit assignment function for gfootball/academy_3_vs_1_with_keeper.

task: gfootball/academy_3_vs_1_with_keeper
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/gfootball_academy_3_vs_1_with_keeper/answers)
prompt-sha256: 67ec0b435644954b6b543bb2ab87f9e9d90cf57a0e789c9075141fd320ad3140
igm: enforce
input: state [B, 137]

Chosen candidate r2c1 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Refined influence-on-reward credit for gfootball academy_3_vs_1_with_keeper (r2c1).

The team reward moves through a few channels, each controlled by a specific agent:

  * shot    - the ball carrier close to the opponent goal (1, 0) can score (+1) right now;
  * dribble - the carrier inside the checkpoint band (ball-to-goal distance ~0.19..0.99)
              collects the next 0.1 checkpoint by carrying the ball forward;
  * receive - checkpoints are paid per agent, so an unmarked team-mate ahead of the ball
              (zones it has likely not collected yet) within pass range is a valuable target;
  * grab    - when the ball is loose (pass in flight, rebound) the nearest agent decides
              whether we keep possession.

Refinements over the incumbent:
  * a mild ball-proximity term outside every ownership gate, so credit never collapses to
    uniform when the possession flag is "nobody" (common while dribbling / passing);
  * a ball that is at an agent's feet counts as possessed even if the flag says loose;
  * a stronger, still bounded bias (<= 0.8): near-goal possession is worth roughly a goal
    (1 + remaining checkpoints) in discounted team return;
  * only closed slices (explicit start and stop) so the traced program stays valid.

Raw credit = floor + non-negative terms, normalised to mean 1 over agents and clamped to
[0.05, 5]: always >= 0 (monotonic mixing, IGM holds).
"""

import torch
import math
import torch.nn.functional as F

LEFT_POS = slice(0, 22)
RIGHT_POS = slice(44, 66)
BALL_POS = slice(88, 91)
BALL_OWNER = slice(94, 97)
AGENT_START = 104
N_PLAYERS = 11

FLOOR = 0.15
CARRIER_TEMP = 0.03
SHOT_SCALE = 0.3
ZONE_OUTER = 0.99
ZONE_INNER = 0.19
EPS = 1e-6


def dist(dx, dy):
    return torch.sqrt(dx * dx + dy * dy + 1e-8)


def agent_positions(state, n_agents):
    left = state[:, LEFT_POS].reshape(-1, N_PLAYERS, 2)
    cols = []
    for i in range(n_agents):
        a = AGENT_START + N_PLAYERS * i
        onehot = state[:, a:a + N_PLAYERS]
        cols.append((onehot.unsqueeze(-1) * left).sum(dim=1))  # [B, 2]
    return torch.stack(cols, dim=1)  # [B, n, 2]


def nearest_opponent_dist(state, pos):
    opp = state[:, RIGHT_POS].reshape(-1, N_PLAYERS, 2)          # [B, 11, 2]
    diff = pos.unsqueeze(2) - opp.unsqueeze(1)                   # [B, n, 11, 2]
    d = torch.sqrt((diff * diff).sum(dim=-1) + 1e-8)             # [B, n, 11]
    pad_zero = opp.abs().sum(dim=-1) < 1e-6
    pad_neg = (opp + 1.0).abs().sum(dim=-1) < 1e-6
    absent = torch.logical_or(pad_zero, pad_neg).unsqueeze(1)    # [B, 1, 11]
    d = torch.where(absent, torch.full_like(d, 10.0), d)
    return d.amin(dim=-1)                                        # [B, n]


def weights(td):
    state = td["state"]
    n = td["n_agents"]
    state = torch.nan_to_num(state, nan=0.0, posinf=1.0, neginf=-1.0)

    pos = agent_positions(state, n)                              # [B, n, 2]
    ball = state[:, BALL_POS]
    owner = state[:, BALL_OWNER]
    ours = owner[:, 1:2]                                         # [B, 1]
    loose = owner[:, 0:1]                                        # [B, 1]

    d_ball = dist(pos[..., 0] - ball[:, 0:1], pos[..., 1] - ball[:, 1:2])   # [B, n]
    d_goal = dist(pos[..., 0] - 1.0, pos[..., 1])                           # [B, n]
    ball_goal = dist(ball[:, 0:1] - 1.0, ball[:, 1:2])                      # [B, 1]

    # soft identity of the player on / nearest to the ball
    closest = torch.softmax(-d_ball / CARRIER_TEMP, dim=1)                  # [B, n]
    on_ball = closest * torch.exp(-(d_ball / 0.05).clamp(max=30.0))        # near-contact
    # possession: flag says ours, or the ball is loose but at one of our agents' feet
    at_feet = torch.exp(-(d_ball.amin(dim=1, keepdim=True) / 0.04).clamp(max=30.0))
    possess = torch.clamp(ours + loose * at_feet, min=0.0, max=1.0)         # [B, 1]
    carrier = possess * (0.5 * closest + 0.5 * on_ball)                     # [B, n]

    # shot: carrier close to goal can score now
    shot = carrier * torch.exp(-(d_goal / SHOT_SCALE).clamp(max=30.0))

    # dribble: carrier inside the checkpoint band can collect the next zone
    in_band = torch.sigmoid((ZONE_OUTER + 0.1 - ball_goal) / 0.04) * \
        torch.sigmoid((ball_goal - ZONE_INNER) / 0.04)                      # [B, 1]
    dribble = carrier * (0.3 + 0.7 * in_band)

    # receive: unmarked team-mates ahead of the ball and within pass range
    ahead = torch.sigmoid((ball_goal - d_goal) / 0.08)                      # [B, n]
    opp_d = nearest_opponent_dist(state, pos)                               # [B, n]
    unmarked = torch.sigmoid((opp_d - 0.06) / 0.03)
    reach = torch.exp(-(d_ball / 0.5).clamp(max=30.0))
    in_zone = torch.sigmoid((ZONE_OUTER - d_goal) / 0.05)
    receive = possess * (1.0 - closest) * ahead * unmarked * reach * (0.3 + 0.7 * in_zone)

    # grab: loose ball, the nearest agent decides possession
    grab = loose * (1.0 - at_feet) * closest * torch.exp(-(d_ball / 0.2).clamp(max=30.0))

    # ungated ball proximity: credit still follows the ball when flags are ambiguous
    near_ball = torch.exp(-(d_ball / 0.15).clamp(max=30.0))

    raw = (FLOOR + 2.0 * shot + 1.2 * dribble + 1.0 * receive + 1.0 * grab
           + 0.5 * near_ball)                                               # >= FLOOR

    w = raw * n / (raw.sum(dim=1, keepdim=True) + EPS)
    w = torch.clamp(w, min=0.05, max=5.0)
    return torch.nan_to_num(w, nan=1.0, posinf=5.0, neginf=0.05)


def bias(td):
    state = td["state"]
    n = td["n_agents"]
    state = torch.nan_to_num(state, nan=0.0, posinf=1.0, neginf=-1.0)
    pos = agent_positions(state, n)
    ball = state[:, BALL_POS]
    owner = state[:, BALL_OWNER]
    ours = owner[:, 1:2]
    loose = owner[:, 0:1]

    d_ball = dist(pos[..., 0] - ball[:, 0:1], pos[..., 1] - ball[:, 1:2])
    at_feet = torch.exp(-(d_ball.amin(dim=1, keepdim=True) / 0.04).clamp(max=30.0))
    possess = torch.clamp(ours + loose * at_feet, min=0.0, max=1.0)        # [B, 1]
    loose_free = loose * (1.0 - at_feet)

    ball_goal = dist(ball[:, 0:1] - 1.0, ball[:, 1:2])
    closeness = torch.clamp(1.0 - ball_goal / 1.2, min=0.0, max=1.0)       # [B, 1]

    # possession near goal ~ a likely goal; a loose ball is worth less; opponents' ball ~ 0
    b = possess * (0.2 + 0.6 * closeness) + 0.3 * loose_free * closeness
    return torch.nan_to_num(torch.clamp(b, min=0.0, max=0.8), nan=0.0)
