"""Credit inspection (``qllm inspect RUN_DIR``): what the credit function did during an episode.

A trained QLLM policy is rolled out greedily for one episode in the run's own test
environment; at every step the run's credit function gives each agent's weight ``w_i(s)`` and
the bias ``b(s)``, and the agents' networks give their chosen-action values ``Q_i``. The traces
are plotted (weights and bias above, ``Q_i`` and ``Q_tot = sum_i w_i Q_i + b`` below) and
saved as PNG + JSON next to each other. No mixer network offers this view: its weights are
hypernetwork activations, not readable functions of the state.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Optional

import torch

CHECKPOINT_PATTERN = re.compile(r"checkpoint_(\d+)\.pt$")


@dataclass
class CreditTrace:
    """One group's per-step credit weights, bias, agent Q values and team reward in an episode."""

    group: str
    task: str
    weights: List[List[float]]   # [T][n_agents]
    bias: List[float]            # [T]
    agent_q: List[List[float]]   # [T][n_agents]
    q_tot: List[float]           # [T]
    reward: List[float]          # [T]

    @property
    def n_steps(self) -> int:
        return len(self.bias)


def find_checkpoint(run_dir: Path) -> Path:
    """The latest ``checkpoints/checkpoint_<frames>.pt`` under ``run_dir`` (searched recursively)."""
    run_dir = Path(run_dir)
    if run_dir.is_file():
        return run_dir
    found = [p for p in run_dir.rglob("checkpoint_*.pt") if CHECKPOINT_PATTERN.search(p.name)]
    if not found:
        raise FileNotFoundError(
            f"no BenchMARL checkpoint (checkpoints/checkpoint_<frames>.pt) under {run_dir}; "
            "train with experiment.checkpoint_at_end=True or a checkpoint_interval"
        )
    return max(found, key=lambda p: int(CHECKPOINT_PATTERN.search(p.name).group(1)))


def load_experiment(checkpoint: Path):
    """Rebuild the experiment of ``checkpoint`` with BenchMARL's own reload logic."""
    import benchmarl_qllm  # noqa: F401  (registers qllm and the task families)
    from benchmarl.hydra_config import reload_experiment_from_file

    with contextlib.redirect_stdout(io.StringIO()):  # BenchMARL prints the whole config
        return reload_experiment_from_file(str(checkpoint))


def _first_episode(td):
    """Env copy 0 of a rollout ``[*env_batch, T]``, cut after its first ``done``."""
    while td.batch_dims > 1:
        td = td[0]
    done = td.get(("next", "done"), None)
    if done is not None:
        ends = done.reshape(done.shape[0], -1).any(-1).nonzero()
        if len(ends):
            td = td[: int(ends[0]) + 1]
    return td


def credit_traces(experiment, max_steps: Optional[int] = None) -> Dict[str, CreditTrace]:
    """Roll out ``experiment``'s greedy policy for one episode and trace every group's credit."""
    from torchrl.envs.utils import ExplorationType, set_exploration_type

    from benchmarl_qllm.algorithms.qllm import Qllm

    algorithm = experiment.algorithm
    if not isinstance(algorithm, Qllm):
        raise ValueError(
            f"{type(algorithm).__name__} run: credit inspection needs a QLLM run (algorithm=qllm)"
        )
    env = experiment.test_env
    steps = int(max_steps or experiment.max_steps)
    with torch.no_grad(), set_exploration_type(ExplorationType.DETERMINISTIC):
        rollout = env.rollout(
            steps, policy=experiment.policy, auto_cast_to_device=True,
            break_when_any_done=False,
        )
    episode = _first_episode(rollout.cpu())
    task = f"{experiment.environment_name}/{experiment.task_name}"
    traces = {}
    for group in experiment.group_map:
        state_key, _ = algorithm.mixer_input(group)
        mixer = experiment.losses[group].mixer_network.module.cpu()
        with torch.no_grad():
            weights, bias = mixer.credit(episode.get(state_key))           # [T, n], [T, 1]
            agent_q = episode.get((group, "chosen_action_value")).squeeze(-1)  # [T, n]
            q_tot = mixer(agent_q.unsqueeze(-1), episode.get(state_key)).squeeze(-1)
        reward = episode.get(("next", group, "reward"), None)
        if reward is None:
            reward = episode.get(("next", "reward"))
        reward = reward.reshape(reward.shape[0], -1).mean(-1)
        traces[group] = CreditTrace(
            group=group, task=task, weights=weights.tolist(), bias=bias.reshape(-1).tolist(),
            agent_q=agent_q.tolist(), q_tot=q_tot.reshape(-1).tolist(), reward=reward.tolist(),
        )
    return traces


def plot_trace(trace: CreditTrace, path: Path, title: str = "") -> Path:
    """Weights + bias (top), agent Q values + Q_tot (bottom), one episode, saved as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    weights = torch.tensor(trace.weights)
    agent_q = torch.tensor(trace.agent_q)
    steps = range(trace.n_steps)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True)
    for i in range(weights.shape[1]):
        top.plot(steps, weights[:, i].numpy(), label=f"w_{i} (agent {i})", lw=1.6)
        bottom.plot(steps, agent_q[:, i].numpy(), label=f"Q_{i}", lw=1.4, color=f"C{i}")
    top.plot(steps, trace.bias, label="bias b(s)", color="black", ls="--", lw=1.4)
    bottom.plot(steps, trace.q_tot, label="Q_tot = sum w_i Q_i + b", color="black", lw=2)
    top.set_ylabel("credit")
    top.set_title(title or f"{trace.task} ({trace.group}): credit over one greedy episode")
    bottom.set_ylabel("value")
    bottom.set_xlabel("environment step")
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=9)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def inspect_run(run_dir: Path, out_dir: Optional[Path] = None,
                max_steps: Optional[int] = None) -> List[Path]:
    """Trace and plot the credit of the QLLM run in ``run_dir``; returns the files written.

    Files go to ``out_dir`` (default: ``<experiment folder>/credit_inspection``), named
    ``credit_<group>.png`` and ``credit_<group>.json``.
    """
    checkpoint = find_checkpoint(Path(run_dir))
    experiment = load_experiment(checkpoint)
    try:
        traces = credit_traces(experiment, max_steps=max_steps)
    finally:
        experiment.close()
    out_dir = Path(out_dir) if out_dir else checkpoint.parent.parent / "credit_inspection"
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for group, trace in traces.items():
        data = asdict(trace)
        data["checkpoint"] = str(checkpoint)
        json_path = out_dir / f"credit_{group}.json"
        json_path.write_text(json.dumps(data), encoding="utf-8")
        written += [plot_trace(trace, out_dir / f"credit_{group}.png"), json_path]
    return written
