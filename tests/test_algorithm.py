"""QLLM inside BenchMARL through the Python API: config, loss, priorities, runs, reloads."""

import json
from pathlib import Path

import pytest
import torch

import benchmarl_qllm  # noqa: F401 - registers qllm
from benchmarl.algorithms import algorithm_config_registry, QmixConfig
from benchmarl.environments import VmasTask
from benchmarl.experiment import Experiment
from benchmarl.models.mlp import MlpConfig

from benchmarl_qllm import QllmConfig
from benchmarl_qllm.algorithms.qllm import CREDIT_COPY_NAME, CREDIT_META_NAME, QllmLoss
from benchmarl_qllm.credit.library import library_path
from benchmarl_qllm.credit.sandbox import CreditFunctionError
from env_helpers import tiny_experiment_config


def mixer_parameter_count(loss) -> int:
    return sum(p.numel() for p in loss.mixer_network_params.values(True, True))


def make_experiment(folder: Path, algorithm_config=None, task="balance", **overrides):
    task_config = getattr(VmasTask, task.upper()).get_from_yaml()
    return Experiment(
        task=task_config,
        algorithm_config=algorithm_config or QllmConfig.get_from_yaml(),
        model_config=MlpConfig.get_from_yaml(),
        seed=0,
        config=tiny_experiment_config(folder, **overrides),
    )


def test_config_from_packaged_yaml_and_registry():
    config = QllmConfig.get_from_yaml()
    assert config.credit == "library" and config.igm == "enforce"
    assert config.weight_normalization == "none" and config.delay_value is True
    assert algorithm_config_registry["qllm"] is QllmConfig


@pytest.mark.parametrize("option, value", [("igm", "sometimes"),
                                           ("weight_normalization", "unit"),
                                           ("loss_function", "huber")])
def test_config_rejects_a_bad_option_value_naming_it(option, value):
    settings = {**vars(QllmConfig.get_from_yaml()), option: value}
    with pytest.raises(ValueError, match=rf"^algorithm\.{option} must be one of .*; got '{value}'$"):
        QllmConfig(**settings)


@pytest.fixture(scope="module")
def trained_experiment(tmp_path_factory):
    folder = tmp_path_factory.mktemp("qllm_api")
    experiment = make_experiment(folder)
    experiment.run()
    return experiment


def test_run_writes_results_and_credit_provenance(trained_experiment):
    folder = Path(trained_experiment.folder_name)
    results = json.loads((folder / f"{folder.name}.json").read_text())
    returns = results["vmas"]["balance"]["qllm"]["seed_0"]
    assert any(k.startswith("step_") for k in returns)
    source = (folder / CREDIT_COPY_NAME).read_text()
    # credit=library (the default) uses the packaged LLM-written function and says so
    assert source == library_path("vmas/balance", "llm").read_text()
    meta = json.loads((folder / CREDIT_META_NAME).read_text())
    assert meta["header"]["task"] == "vmas/balance" and len(meta["sha256"]) == 64
    assert meta["library_variant"] == "llm" and meta["header"]["produced-by"].startswith("qllm generate")
    program = meta["programs"]["agents"]
    assert (folder / program["file"]).is_file() and len(program["sha256"]) == 64
    assert program["input"] == {"kind": "observation", "n_agents": 4, "dim": 16}
    logged = {p.stem for p in folder.glob("*/scalars/*.csv")}
    assert {f"collection_agents_credit_weight_agent_{i}" for i in range(4)} <= logged
    assert "collection_agents_credit_bias" in logged


def test_loss_has_zero_mixer_parameters_and_writes_group_priority(trained_experiment):
    loss = trained_experiment.losses["agents"]
    assert isinstance(loss, QllmLoss)
    assert mixer_parameter_count(loss) == 0
    qmix = make_experiment(Path(trained_experiment.folder_name).parent, QmixConfig.get_from_yaml())
    assert mixer_parameter_count(qmix.losses["agents"]) > 1000

    batch = trained_experiment.replay_buffers["agents"].sample()
    assert loss.group_priority is False  # BenchMARL's default buffer is not prioritized: no copy
    loss(batch)
    assert ("agents", "td_error") not in batch.keys(True)
    loss.group_priority = True  # what experiment.off_policy_use_prioritized_replay_buffer=True sets
    out = loss(batch)
    td_error = batch.get(("agents", "td_error"))
    assert td_error.shape == (*batch.batch_size, 4, 1)
    torch.testing.assert_close(td_error[..., 0, :], batch.get("td_error"))
    assert (td_error >= 0).all() and td_error.sum() > 0
    assert set(out.keys()) == {"loss"}


CREDIT_KEYS = [(*prefix, "agents", name) for prefix in [(), ("next",)]
               for name in ("credit_weight", "credit_bias")]


def test_replay_buffer_carries_each_states_credit_and_the_loss_uses_it(trained_experiment):
    """process_batch stores w(s), b(s) and w(s'), b(s') next to the states; the loss mixes with
    them and gets exactly what running the program on the sampled states gives."""
    loss = trained_experiment.losses["agents"]
    mixer = loss.mixer_network.module
    batch = trained_experiment.replay_buffers["agents"].sample()
    for prefix in [(), ("next",)]:
        (w, b, invalid), = mixer.credit_for(batch.get((*prefix, "agents", "observation")))
        assert not invalid.any()
        assert torch.equal(batch.get((*prefix, "agents", "credit_weight")), w.unsqueeze(-1))
        assert torch.equal(batch.get((*prefix, "agents", "credit_bias")), b.unsqueeze(-2).expand(*w.shape, 1))
    stored = loss(batch.clone())["loss"]
    recomputed = loss(batch.clone().exclude(*CREDIT_KEYS))["loss"]  # the mixer runs the program
    assert torch.equal(stored, recomputed)
    # ... and the stored credit is what decides: other stored weights give another loss
    changed = batch.clone()
    changed.set(("agents", "credit_weight"), changed.get(("agents", "credit_weight")) * 3 + 1)
    assert not torch.equal(loss(changed)["loss"], stored)


def test_resume_recomputes_the_credit_stored_in_the_replay_buffer(trained_experiment):
    algorithm = trained_experiment.algorithm
    storage = trained_experiment.replay_buffers["agents"].storage
    everything = slice(0, len(storage))
    before = storage.get(everything)
    stale = before.clone()
    for key in CREDIT_KEYS:
        stale.set(key, torch.zeros_like(stale.get(key)))
    storage.set(everything, stale, set_cursor=False)
    algorithm._recompute_stored_credit("agents")
    after = storage.get(everything)
    for key in CREDIT_KEYS:
        assert torch.equal(after.get(key), before.get(key)), key
    assert len(storage) == everything.stop


def test_agents_receive_gradient(trained_experiment):
    loss = trained_experiment.losses["agents"]
    batch = trained_experiment.replay_buffers["agents"].sample()
    loss.zero_grad() if hasattr(loss, "zero_grad") else None
    loss(batch)["loss"].backward()
    grads = [p.grad for p in loss.local_value_network_params.values(True, True) if p.grad is not None]
    assert grads and any(g.abs().sum() > 0 for g in grads)


def test_checkpoint_reload_evaluates_with_saved_credit(trained_experiment):
    folder = Path(trained_experiment.folder_name)
    checkpoint = sorted((folder / "checkpoints").glob("*.pt"))[-1]
    reloaded = Experiment.reload_from_file(str(checkpoint))
    assert reloaded.total_frames == trained_experiment.total_frames
    credit = reloaded.algorithm.credit_function("agents")
    assert credit.origin == str(folder / CREDIT_COPY_NAME)
    reloaded.evaluate()


def test_unknown_credit_path_is_a_clear_error(tmp_path):
    config = QllmConfig.get_from_yaml()
    config.credit = str(tmp_path / "missing.py")
    with pytest.raises(CreditFunctionError, match="is none of library, llm, handwritten, generate nor an existing file"):
        make_experiment(tmp_path, config)


def test_hostile_credit_file_is_rejected_before_training(tmp_path):
    hostile = tmp_path / "evil.py"
    hostile.write_text("import os\ndef weights(td):\n    os.system('touch pwned')\n    return td['observation'][..., 0]\n")
    config = QllmConfig.get_from_yaml()
    config.credit = str(hostile)
    with pytest.raises(CreditFunctionError, match="import of 'os' is not allowed"):
        make_experiment(tmp_path, config)
    assert not (tmp_path / "pwned").exists()


def test_credit_with_wrong_shape_fails_on_real_states(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def weights(td):\n    return td['observation'][:, 0, :3]\n")
    config = QllmConfig.get_from_yaml()
    config.credit = str(bad)
    with pytest.raises(CreditFunctionError, match="shape"):
        make_experiment(tmp_path, config)


def test_igm_mode_differing_from_the_credit_header_warns(tmp_path):
    config = QllmConfig.get_from_yaml()
    config.igm = "relax"  # the packaged balance TFCAF says igm: enforce
    with pytest.warns(UserWarning, match="written for igm=enforce but the run uses algorithm.igm=relax"):
        make_experiment(tmp_path, config)
