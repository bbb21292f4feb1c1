"""QLLM's algorithm options end to end: each one set on BenchMARL's command line
(``python -m benchmarl.run algorithm=qllm algorithm.<option>=...``), a short training run, and
an assertion on what the run wrote that shows the option took effect.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pytest
import torch

from benchmarl_qllm.credit.library import library_path
from e2e_helpers import (
    assert_finite_evaluations,
    balance_tfcaf,
    credit_weight_rows,
    evaluations,
    experiment_folder,
    scalars,
    TINY_BALANCE,
)
from env_helpers import run_python
from generation_helpers import code_answer, fake_server, good_source, isolated_env, variant  # noqa: F401

# Signed credit: agents 0 and 2 get w in [1, 2], agents 1 and 3 get w in [-2, -1], on every state.
SIGNED_TFCAF = balance_tfcaf(
    "Signed credit for vmas/balance, for tests: odd agents get negative weights on every state.",
    """
def weights(td):
    obs = td["observation"]                                   # [B, n, 16]
    n_agents = obs.shape[-2]
    sign = 1.0 - 2.0 * (torch.arange(n_agents, device=obs.device) % 2).to(obs.dtype)
    return sign * (1.0 + torch.sigmoid(obs[..., 0]))          # +[1, 2] or -[1, 2]
""", igm="relax", produced_by="tests/test_options_e2e.py")

def train(tmp_path: Path, *overrides: str, name: str = "run") -> Path:
    """A 400-frame QLLM run on vmas/balance; returns its experiment folder."""
    run_python(["-m", "benchmarl.run", *TINY_BALANCE, *overrides, f"hydra.run.dir={name}"],
               cwd=tmp_path)
    folder = experiment_folder(tmp_path / name)
    assert (folder / "checkpoints" / "checkpoint_400.pt").is_file()
    losses = [v for _, v in scalars(folder, "train_agents_loss")]
    assert len(losses) == 4 and all(math.isfinite(v) for v in losses), losses
    evals = evaluations(folder)
    assert sorted(evals) == [100, 200, 400]  # after the first iteration, then every 200 frames
    assert_finite_evaluations(evals)
    return folder


def credit_meta(folder: Path) -> dict:
    return json.loads((folder / "credit_function.json").read_text())


@pytest.mark.parametrize("igm", ["relax", "enforce"])
def test_igm_relax_keeps_negative_weights_that_enforce_clamps(tmp_path, igm):
    tfcaf = tmp_path / "signed_tfcaf.py"
    tfcaf.write_text(SIGNED_TFCAF, encoding="utf-8")
    folder = train(tmp_path, f"algorithm.credit={tfcaf}", f"algorithm.igm={igm}")
    meta = credit_meta(folder)
    assert meta["igm"] == igm and meta["sha256"] == hashlib.sha256(SIGNED_TFCAF.encode()).hexdigest()
    rows = credit_weight_rows(folder)  # mean weight of each agent, one row per iteration
    assert len(rows) == 4
    for w in rows:
        assert 1.0 <= w[0] <= 2.0 and 1.0 <= w[2] <= 2.0, w
        if igm == "relax":  # the signed weights reach the mixer (and the log) unchanged
            assert -2.0 <= w[1] <= -1.0 and -2.0 <= w[3] <= -1.0, w
        else:  # clamped to 0: monotonic mixing
            assert w[1] == 0.0 and w[3] == 0.0, w


def test_weight_normalization_set_through_hydra(tmp_path):
    folder = train(tmp_path, "algorithm.weight_normalization=sum_to_one")
    assert credit_meta(folder)["weight_normalization"] == "sum_to_one"
    for w in credit_weight_rows(folder):
        # The packaged balance weights sum to n_agents = 4 per state; normalized, to 1.
        assert math.isclose(sum(w), 1.0, rel_tol=1e-4) and all(0 < x < 1 for x in w), w


def test_l1_loss_without_target_networks(tmp_path):
    from benchmarl.experiment import Experiment

    folder = train(tmp_path, "algorithm.loss_function=l1", "algorithm.delay_value=False")
    checkpoint = folder / "checkpoints" / "checkpoint_400.pt"
    saved = torch.load(checkpoint, map_location="cpu", weights_only=False)["loss_agents"]
    assert any(k.startswith("local_value_network_params.") for k in saved)
    assert not any(k.startswith("target_") and "params.module" in k for k in saved), list(saved)
    # The run's own loss module, rebuilt from its checkpoint as `benchmarl/evaluate.py` does.
    experiment = Experiment.reload_from_file(str(checkpoint))
    try:
        loss = experiment.losses["agents"]
        assert loss.loss_function == "l1" and loss.delay_value is False
        assert experiment.target_updaters["agents"] is None
    finally:
        experiment.close()


def test_credit_generate_through_benchmarl_run(tmp_path, fake_server, good_source, monkeypatch):
    """First run: no cache, so the coder-evaluator loop asks the (scripted) LLM; second run: the
    cached function, with no LLM call."""
    from benchmarl_qllm.generation import prompts

    answers = {"coder": 0}

    def respond(request):
        if request["messages"][0]["content"] == prompts.EVALUATOR_SYSTEM_PROMPT:
            return {"kind": "reply", "text": '{"choice": 1, "advice": "keep it simple"}',
                    "finish_reason": "stop", "model": "fake-model-2024",
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
        answers["coder"] += 1
        return code_answer(variant(good_source, round(0.1 * answers["coder"], 2)))

    server = fake_server(responder=respond)
    monkeypatch.setenv("QLLM_BASE_URL", server.base_url)
    monkeypatch.setenv("QLLM_MODEL", "fake-model")
    cache = tmp_path / "cache"  # QLLM_CACHE_DIR, set by isolated_env

    first = train(tmp_path, "algorithm.credit=generate", name="first")
    calls = len(server.chat_requests())
    assert answers["coder"] >= 1 and calls >= answers["coder"]
    meta = credit_meta(first)
    assert meta["credit"] == "generate" and Path(meta["origin"]).is_relative_to(cache)
    assert meta["header"]["model"] != "none" and meta["header"]["produced-by"].startswith("qllm generate")
    cached = Path(meta["origin"]).read_text(encoding="utf-8")
    assert meta["sha256"] == hashlib.sha256(cached.encode()).hexdigest()
    assert (first / "credit_function.py").read_text(encoding="utf-8") == cached
    assert cached != library_path("vmas/balance").read_text(encoding="utf-8")

    second = train(tmp_path, "algorithm.credit=generate", name="second")
    assert len(server.chat_requests()) == calls  # no LLM call: the cache answered
    assert credit_meta(second)["sha256"] == meta["sha256"]
    assert credit_meta(second)["origin"] == meta["origin"]
