"""The packaged TFCAFs for the VMAS tasks, run on real states of their live environments."""

import pytest
import torch

from benchmarl_qllm.credit import CreditFunction, library_path, static_check
from benchmarl_qllm.models.llm_credit import LLMCreditMixer
from benchmarl_qllm.environments import get_description

VMAS_TASKS = [
    "vmas/balance",
    "vmas/navigation",
    "vmas/sampling",
    "vmas/transport",
    "vmas/wheel",
    "vmas/give_way",
]


def mixer_for(task, igm="enforce"):
    description = get_description(task)
    credit = CreditFunction.from_file(library_path(task))
    return LLMCreditMixer(credit, n_agents=description.n_agents, input_kind="observation", igm=igm)


@pytest.mark.parametrize("task", VMAS_TASKS)
def test_library_file_is_clean_and_honest(task, real_states):
    real_states(task)  # builds the env once; get_description below reuses its specs
    source = library_path(task).read_text()
    report = static_check(source)
    assert report.ok, report.errors
    header = CreditFunction.from_source(source).header
    assert header["task"] == task
    assert header["igm"] == "enforce"
    assert header["produced-by"].startswith("hand-written")
    assert header["model"] == "none" and header["prompt-sha256"] == "none"
    # The declared input size is the live one: a stale TFCAF for a changed layout is caught.
    description = get_description(task)
    assert header["input"].startswith("observation [B, n_agents,")
    assert f", {description.input_dim}]" in header["input"]


@pytest.mark.parametrize("task", VMAS_TASKS)
def test_weights_on_real_states(task, real_states):
    states = real_states(task)
    n_agents = states.shape[1]
    # igm=relax leaves the raw weights alone, so a negative weight is not hidden by the clamp.
    w, b = mixer_for(task, igm="relax").credit(states)
    assert w.shape == (64, n_agents) and b.shape == (64, 1)
    assert torch.isfinite(w).all() and torch.isfinite(b).all()
    assert (w >= 0).all(), f"{task}: negative weight {w.min().item()}"
    assert torch.allclose(w.mean(-1), torch.ones(64), atol=0.25), "weights not on the VDN scale"
    # The weights really depend on the state, not only on the agent index.
    spread = (w.amax(0) - w.amin(0)).max().item()
    assert spread > 1e-2, f"{task}: weights hardly change across states (spread {spread})"

    enforced, _ = mixer_for(task).credit(states)
    assert torch.equal(enforced, w)

    q = torch.randn(64, n_agents, 1)
    q_tot = mixer_for(task)(q, states)
    assert q_tot.shape == (64, 1)
    assert torch.allclose(q_tot, (w.unsqueeze(-1) * q).sum(-2) + b, atol=1e-5)


@pytest.mark.parametrize("task", VMAS_TASKS)
def test_weights_are_computed_row_by_row(task, real_states):
    states = real_states(task)
    mixer = mixer_for(task)
    full, _ = mixer.credit(states)
    alone, _ = mixer.credit(states[:5])
    reversed_batch, _ = mixer.credit(states.flip(0))
    assert torch.allclose(full[:5], alone, atol=1e-6)
    assert torch.allclose(full, reversed_batch.flip(0), atol=1e-6)


@pytest.mark.parametrize("task", VMAS_TASKS)
@pytest.mark.parametrize("fill", [0.0, 1e6, -1e6])
def test_weights_finite_on_extreme_inputs(task, fill, real_states):
    states = real_states(task)
    extreme = torch.full_like(states[:4], fill)
    extreme[1] = states[1] * 1e4
    extreme[2, :, :2] = 0.0  # all agents at the same spot
    w, b = mixer_for(task, igm="relax").credit(extreme)
    assert torch.isfinite(w).all() and torch.isfinite(b).all()
    assert (w >= 0).all()


@pytest.mark.parametrize("task", VMAS_TASKS)
def test_weights_keep_dtype_and_need_no_grad(task, real_states):
    states = real_states(task).double().requires_grad_(False)
    credit = CreditFunction.from_file(library_path(task))
    # A plain mapping: the TFCAFs only index td["observation"] (the mixer itself casts dtypes).
    w = credit.weights({"observation": states, "n_agents": states.shape[1]})
    assert w.dtype == torch.float64 and w.device == states.device
    assert not w.requires_grad
