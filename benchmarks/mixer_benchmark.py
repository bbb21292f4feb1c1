"""Measure QLLM against QMIX and VDN on the same machine, in one run.

1. Mixer parameter counts (from the real BenchMARL losses) on vmas/balance and vmas/navigation.
2. Mixer forward+backward time at batch 128 and 4096 (QLLM/QMIX ratio).
3. Training throughput (frames/s) on vmas/balance with one shared experiment config.

    python benchmarks/mixer_benchmark.py --out benchmarks/results/foundation.json

Run it alone: a second CPU-heavy job on a 2-core machine distorts every number.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch
from tensordict import TensorDict
from torch.utils import benchmark as torch_benchmark

import benchmarl_qllm  # noqa: F401 - registers qllm
from benchmarl.algorithms import QmixConfig, VdnConfig
from benchmarl.environments import VmasTask
from benchmarl.experiment import Experiment, ExperimentConfig
from benchmarl.models.mlp import MlpConfig

from benchmarl_qllm import QllmConfig

ALGORITHMS = {"qllm": QllmConfig, "qmix": QmixConfig, "vdn": VdnConfig}


def experiment_config(folder: str, frames: int, frames_per_batch: int, n_envs: int, steps: int):
    config = ExperimentConfig.get_from_yaml()
    config.loggers = []
    config.render = False
    config.evaluation = False
    config.create_json = False
    config.save_folder = folder
    config.max_n_frames = frames
    config.off_policy_collected_frames_per_batch = frames_per_batch
    config.off_policy_n_envs_per_worker = n_envs
    config.off_policy_n_optimizer_steps = steps
    config.off_policy_train_batch_size = 128
    config.off_policy_memory_size = 100_000
    config.checkpoint_at_end = False
    return config


def build(algorithm: str, task: str, config: ExperimentConfig) -> Experiment:
    return Experiment(
        task=getattr(VmasTask, task.upper()).get_from_yaml(),
        algorithm_config=ALGORITHMS[algorithm].get_from_yaml(),
        model_config=MlpConfig.get_from_yaml(),
        seed=0,
        config=config,
    )


def mixer_parameters(experiment: Experiment) -> int:
    params = experiment.losses["agents"].mixer_network_params
    return int(sum(p.numel() for p in params.values(True, True)))


def time_mixer(experiment: Experiment, batch_size: int, min_run_time: float) -> float:
    """Median seconds of one mixer forward + backward to Q on a replay-like batch."""
    loss = experiment.losses["agents"]
    mixer = loss.mixer_network
    params = loss.mixer_network_params
    n_agents = len(experiment.group_map["agents"])
    state_key = ("agents", "observation")  # VMAS: mixers read the stacked observations
    obs_shape = experiment.observation_spec[state_key].shape
    state = torch.randn(batch_size, *obs_shape)

    def step():
        q = torch.randn(batch_size, n_agents, 1, requires_grad=True)
        td = TensorDict({"agents": TensorDict({"chosen_action_value": q}, [batch_size, n_agents])}, [batch_size])
        td.set(state_key, state)
        with params.to_module(mixer):
            out = mixer(td)["chosen_action_value"]
        out.sum().backward()

    timer = torch_benchmark.Timer(stmt="step()", globals={"step": step}, num_threads=torch.get_num_threads())
    return timer.blocked_autorange(min_run_time=min_run_time).median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results/foundation.json")
    parser.add_argument("--frames", type=int, default=12_000)
    parser.add_argument("--frames-per-batch", type=int, default=3_000)
    parser.add_argument("--n-envs", type=int, default=30)
    parser.add_argument("--optimizer-steps", type=int, default=50)
    parser.add_argument("--throughput-repeats", type=int, default=2)
    parser.add_argument("--min-run-time", type=float, default=1.0)
    args = parser.parse_args()

    results = {
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "torch_threads": torch.get_num_threads(),
            "torch": torch.__version__,
        },
        "settings": vars(args),
    }
    tmp = tempfile.mkdtemp(prefix="qllm_bench_")

    # 1 + 2: parameter counts and mixer timings, from fully built experiments.
    params, timings = {}, {}
    for task in ("balance", "navigation"):
        for algorithm in ALGORITHMS:
            config = experiment_config(tmp, 300, 300, 3, 1)
            experiment = build(algorithm, task, config)
            experiment.run()  # fills the replay buffer with one real batch
            params[f"{task}/{algorithm}"] = mixer_parameters(experiment)
            if task == "balance":
                for batch in (128, 4096):
                    timings[f"{algorithm}@{batch}"] = time_mixer(experiment, batch, args.min_run_time)
            print(f"{task}/{algorithm}: mixer parameters = {params[f'{task}/{algorithm}']}")
    results["mixer_parameters"] = params
    results["mixer_forward_backward_seconds"] = timings
    results["mixer_time_ratio_qllm_over_qmix"] = {
        str(b): timings[f"qllm@{b}"] / timings[f"qmix@{b}"] for b in (128, 4096)
    }
    for b in (128, 4096):
        print(
            f"batch {b}: qllm {timings[f'qllm@{b}'] * 1e6:.0f} us, qmix {timings[f'qmix@{b}'] * 1e6:.0f} us,"
            f" vdn {timings[f'vdn@{b}'] * 1e6:.0f} us, ratio qllm/qmix {timings[f'qllm@{b}'] / timings[f'qmix@{b}']:.2f}"
        )

    # 3: training throughput, same config, interleaved repeats.
    throughput = {name: [] for name in ALGORITHMS}
    split = {name: [] for name in ALGORITHMS}
    for repeat in range(args.throughput_repeats):
        for algorithm in ALGORITHMS:
            config = experiment_config(
                tmp, args.frames, args.frames_per_batch, args.n_envs, args.optimizer_steps
            )
            experiment = build(algorithm, "balance", config)
            start = time.perf_counter()
            experiment.run()
            elapsed = time.perf_counter() - start
            throughput[algorithm].append(experiment.total_frames / elapsed)
            split[algorithm].append(elapsed)
            print(f"repeat {repeat} {algorithm}: {throughput[algorithm][-1]:.0f} frames/s ({elapsed:.1f} s)")
    fps = {name: statistics.median(values) for name, values in throughput.items()}
    results["training_frames_per_second"] = {"median": fps, "all": throughput}
    results["training_throughput_ratio"] = {
        "qllm/qmix": fps["qllm"] / fps["qmix"],
        "qllm/vdn": fps["qllm"] / fps["vdn"],
    }
    print(json.dumps(results["training_throughput_ratio"], indent=2))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
