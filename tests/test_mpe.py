"""MPE simple_spread through BenchMARL's PettingZoo task: description, TFCAF, training."""

import json
from pathlib import Path

import pytest
import torch

pytest.importorskip("pettingzoo.mpe")

import benchmarl_qllm  # noqa: F401,E402
from benchmarl.algorithms import QmixConfig  # noqa: E402
from benchmarl.environments import PettingZooTask  # noqa: E402
from benchmarl.experiment import Experiment  # noqa: E402
from benchmarl.models.mlp import MlpConfig  # noqa: E402

from benchmarl_qllm import QllmConfig  # noqa: E402
from benchmarl_qllm.credit import CreditFunction, library_path  # noqa: E402
from benchmarl_qllm.models import LLMCreditMixer  # noqa: E402
from benchmarl_qllm.environments import get_description  # noqa: E402
from env_helpers import tiny_experiment_config  # noqa: E402

TASK = "pettingzoo/simple_spread"


def test_description_layout_matches_live_state(real_states):
    description = get_description(TASK)
    states = real_states(TASK)
    assert description.input_kind == "state" and description.n_agents == 3
    assert description.input_dim == states.shape[-1] == 54
    # agent 1's own position field equals what agent 0 sees as agent 1's relative position + agent 0's position
    fields = {f.name: f for f in description.layout}
    pos0 = states[:, fields["agent0_pos"].start:fields["agent0_pos"].stop]
    pos1 = states[:, fields["agent1_pos"].start:fields["agent1_pos"].stop]
    rel01 = states[:, fields["agent0_other_0_rel"].start:fields["agent0_other_0_rel"].stop]
    torch.testing.assert_close(pos0 + rel01, pos1, atol=1e-4, rtol=1e-4)


def test_packaged_tfcaf_on_real_states(real_states):
    mixer = LLMCreditMixer(
        CreditFunction.from_file(library_path(TASK)), n_agents=3, input_kind="state"
    )
    w, b = mixer.credit(real_states(TASK))
    assert w.shape == (64, 3) and b.shape == (64, 1)
    assert torch.isfinite(w).all() and (w >= 0.5 - 1e-6).all()
    torch.testing.assert_close(w.mean(-1), torch.ones(64))  # responsibilities sum to n
    assert w.std(0).min() > 1e-3  # depends on the state


@pytest.mark.parametrize("algorithm", ["qllm", "qmix"])
def test_short_training_run(tmp_path, algorithm):
    config = QllmConfig.get_from_yaml() if algorithm == "qllm" else QmixConfig.get_from_yaml()
    experiment = Experiment(
        task=PettingZooTask.SIMPLE_SPREAD.get_from_yaml(),
        algorithm_config=config,
        model_config=MlpConfig.get_from_yaml(),
        seed=0,
        config=tiny_experiment_config(tmp_path),
    )
    experiment.run()
    folder = Path(experiment.folder_name)
    results = json.loads((folder / f"{folder.name}.json").read_text())
    assert "seed_0" in results["pettingzoo"]["simple_spread"][algorithm]
