"""Shared fixtures: small TFCAFs, tiny experiment configs, and a clean working directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("WANDB_MODE", "offline")

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@pytest.fixture
def make_credit():
    """Build a CreditFunction from source text (through the sandboxed loader)."""
    from benchmarl_qllm.credit.function import CreditFunction

    def _make(source: str, origin: str = "test-tfcaf"):
        return CreditFunction.from_source(source, origin=origin)

    return _make


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


@pytest.fixture(scope="session")
def real_states():
    """``real_states(task)``: 64 states of ``task`` from a random rollout, built once per session
    (building a live env costs up to a second, e.g. vmas/sampling)."""
    from benchmarl_qllm.tasks import sample_states

    cache = {}

    def get(task):
        if task not in cache:
            cache[task] = sample_states(task, n=64, seed=0)
        return cache[task].clone()

    return get
