"""Helpers shared by the tests that build BenchMARL experiments or run commands like a user."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PYTHON = sys.executable


def tiny_experiment_config(save_folder: Path, **overrides):
    """BenchMARL's ExperimentConfig shrunk to a few hundred frames, CSV logging only."""
    from benchmarl.experiment import ExperimentConfig

    config = ExperimentConfig.get_from_yaml()
    settings = dict(
        loggers=["csv"],
        render=False,
        max_n_frames=600,
        off_policy_collected_frames_per_batch=300,
        off_policy_n_envs_per_worker=3,
        off_policy_n_optimizer_steps=2,
        off_policy_train_batch_size=32,
        off_policy_memory_size=2000,
        evaluation_interval=300,
        evaluation_episodes=2,
        checkpoint_at_end=True,
        save_folder=str(save_folder),
    )
    settings.update(overrides)
    for key, value in settings.items():
        setattr(config, key, value)
    return config


def run_experiment(task_config, algorithm_config, folder: Path, seed: int = 0, **overrides):
    """Build and run a tiny BenchMARL experiment; returns it."""
    from benchmarl.experiment import Experiment
    from benchmarl.models.mlp import MlpConfig

    experiment = Experiment(
        task=task_config,
        algorithm_config=algorithm_config,
        model_config=MlpConfig.get_from_yaml(),
        seed=seed,
        config=tiny_experiment_config(folder, **overrides),
    )
    experiment.run()
    return experiment


def results_json(experiment) -> dict:
    """BenchMARL's marl-eval JSON written by ``experiment``."""
    folder = Path(experiment.folder_name)
    return json.loads((folder / f"{folder.name}.json").read_text())


def run_python(args, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run ``python <args>`` like a user would; fail with its output if it fails."""
    env = dict(os.environ, WANDB_MODE="offline", HYDRA_FULL_ERROR="1")
    proc = subprocess.run(
        [PYTHON, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    return proc
