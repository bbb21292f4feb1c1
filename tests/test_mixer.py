"""The TFCAF mixer: math, parameters, gradients, IGM gating, shapes and bad outputs."""

import pytest
import torch

from benchmarl_qllm.credit.sandbox import CreditFunctionError
from benchmarl_qllm.models.llm_credit import CreditMixerModule, LLMCreditMixer

# w_i = 1 + obs[i, 0] (observation tasks), b = sum of the first feature over agents.
OBS_TFCAF = '''
import torch

def weights(td):
    obs = td["observation"]
    return 1.0 + obs[..., 0]

def bias(td):
    return td["observation"][..., 0].sum(-1, keepdim=True)
'''

# w = state[:, :n] (signed), no bias.
STATE_TFCAF = '''
def weights(td):
    n = td["n_agents"]
    return td["state"][:, :n]
'''


def test_mixer_matches_hand_computation(make_credit):
    mixer = LLMCreditMixer(make_credit(OBS_TFCAF), n_agents=3)
    obs = torch.tensor([[[0.5, 9.0], [0.0, 9.0], [2.0, 9.0]]])  # [1, 3, 2]
    q = torch.tensor([[[1.0], [2.0], [-1.0]]])  # [1, 3, 1]
    # w = [1.5, 1.0, 3.0]; b = 2.5; Q_tot = 1.5*1 + 1*2 + 3*(-1) + 2.5 = 3.0
    q_tot = mixer(q, obs)
    assert q_tot.shape == (1, 1)
    assert q_tot.item() == pytest.approx(3.0)


def test_no_silent_scaling_by_n_agents(make_credit):
    ones = "import torch\ndef weights(td):\n    return torch.ones_like(td['observation'][..., 0])\n"
    mixer = LLMCreditMixer(make_credit(ones), n_agents=4)
    q = torch.arange(4.0).reshape(1, 4, 1)
    assert mixer(q, torch.zeros(1, 4, 3)).item() == pytest.approx(6.0)  # plain VDN sum


def test_mixer_has_zero_parameters(make_credit):
    mixer = LLMCreditMixer(make_credit(OBS_TFCAF), n_agents=3)
    module = CreditMixerModule(mixer, "agents", ("agents", "observation"))
    assert sum(p.numel() for p in module.parameters()) == 0
    assert len(list(module.buffers())) == 0


def test_gradient_reaches_q_only_through_weights(make_credit):
    mixer = LLMCreditMixer(make_credit(OBS_TFCAF), n_agents=3)
    obs = torch.randn(5, 3, 2)
    q = torch.randn(5, 3, 1, requires_grad=True)
    mixer(q, obs).sum().backward()
    expected_w = (1.0 + obs[..., 0]).clamp_min(0)
    torch.testing.assert_close(q.grad.squeeze(-1), expected_w)


def test_output_keeps_graph_to_q(make_credit):
    mixer = LLMCreditMixer(make_credit(OBS_TFCAF), n_agents=3)
    q = torch.randn(2, 3, 1, requires_grad=True)
    out = mixer(q, torch.randn(2, 3, 2))
    assert out.requires_grad and out.grad_fn is not None


def test_igm_enforce_clamps_and_relax_keeps_signed_weights(make_credit):
    credit = make_credit(STATE_TFCAF)
    state = torch.tensor([[-2.0, 3.0, 7.0]])
    q = torch.tensor([[[1.0], [1.0]]])
    enforce = LLMCreditMixer(credit, n_agents=2, input_kind="state", igm="enforce")
    relax = LLMCreditMixer(credit, n_agents=2, input_kind="state", igm="relax")
    w_enforce, _ = enforce.credit(state)
    w_relax, _ = relax.credit(state)
    assert w_enforce.tolist() == [[0.0, 3.0]]
    assert w_relax.tolist() == [[-2.0, 3.0]]
    assert enforce(q, state).item() == pytest.approx(3.0)
    assert relax(q, state).item() == pytest.approx(1.0)


def test_enforce_is_monotonic_in_every_q(make_credit):
    mixer = LLMCreditMixer(make_credit(STATE_TFCAF), n_agents=2, input_kind="state")
    state = torch.randn(64, 4)
    q = torch.randn(64, 2, 1, requires_grad=True)
    mixer(q, state).sum().backward()
    assert (q.grad >= 0).all()


@pytest.mark.parametrize("batch", [(), (7,), (3, 4), (2, 3, 5)])
@pytest.mark.parametrize("kind", ["observation", "state"])
def test_any_batch_shape(make_credit, batch, kind):
    source = OBS_TFCAF if kind == "observation" else STATE_TFCAF
    mixer = LLMCreditMixer(make_credit(source), n_agents=3, input_kind=kind, igm="relax")
    state = torch.randn(*batch, 3, 2) if kind == "observation" else torch.randn(*batch, 6)
    q = torch.randn(*batch, 3, 1)
    out = mixer(q, state)
    assert out.shape == (*batch, 1)
    # Row-wise equal to the flat computation.
    flat = mixer(q.reshape(-1, 3, 1), state.reshape(-1, *state.shape[len(batch):]))
    torch.testing.assert_close(out.reshape(-1, 1), flat)


@pytest.mark.parametrize(
    "mode, expected",
    [("none", [1.0, 3.0]), ("sum_to_one", [0.25, 0.75]), ("mean_to_one", [0.5, 1.5])],
)
def test_weight_normalization(make_credit, mode, expected):
    mixer = LLMCreditMixer(
        make_credit(STATE_TFCAF), n_agents=2, input_kind="state", weight_normalization=mode
    )
    w, _ = mixer.credit(torch.tensor([[1.0, 3.0, 0.0]]))
    assert w.squeeze(0).tolist() == pytest.approx(expected)


@pytest.mark.parametrize(
    "body",
    ["return td['observation'][..., 0] * float('nan')", "return td['observation'][..., 0] / 0.0",
     "return td['observation'][..., 0] * 1e30"],
)
def test_invalid_outputs_are_zeroed_and_flagged_in_training(make_credit, body):
    """credit_for() (what training stores) never syncs: invalid rows are zeroed and flagged;
    forward() on raw states and credit() raise for people."""
    mixer = LLMCreditMixer(make_credit(f"import torch\ndef weights(td):\n    {body}\n"), n_agents=3)
    ((w, b, invalid),) = mixer.credit_for(torch.ones(4, 3, 2))
    assert torch.equal(w, torch.zeros(4, 3)) and torch.equal(b, torch.zeros(4, 1))
    assert invalid.tolist() == [True] * 4
    with pytest.raises(CreditFunctionError, match="non-finite weights/bias, or values beyond"):
        mixer(torch.randn(4, 3, 1), torch.ones(4, 3, 2))
    if "1e30" not in body:
        with pytest.raises(CreditFunctionError, match="non-finite"):
            mixer.credit(torch.ones(4, 3, 2))


def test_stored_credit_mixes_exactly_like_credit_from_the_state(make_credit):
    """What training stores next to a state gives the same Q_tot as computing it from the state,
    and credit_for() evaluates several batches (s and s') in one call, row for row."""
    mixer = LLMCreditMixer(make_credit(OBS_TFCAF), n_agents=3)
    state, next_state = torch.randn(6, 5, 3, 2), torch.randn(7, 3, 2)
    (w, b, invalid), (w_next, b_next, _) = mixer.credit_for(state, next_state)
    assert w.shape == (6, 5, 3) and b.shape == (6, 5, 1) and invalid.shape == (6, 5)
    assert not invalid.any() and w_next.shape == (7, 3)
    q = torch.randn(6, 5, 3, 1)
    stored = mixer(q, None, w.unsqueeze(-1), b.unsqueeze(-2).expand(6, 5, 3, 1))
    torch.testing.assert_close(stored, mixer(q, state), rtol=0, atol=0)
    torch.testing.assert_close(mixer.credit_for(next_state)[0][0], w_next, rtol=0, atol=0)


@pytest.mark.parametrize(
    "body, message",
    [
        ("return td['observation'][:, :2, 0]", "shape"),
        ("return [1.0, 2.0, 3.0]", "expected a torch.Tensor"),
        ("raise ValueError('boom')", "ValueError: boom"),
    ],
)
def test_bad_outputs_raise_clear_errors(make_credit, body, message):
    source = f"import torch\ndef weights(td):\n    {body}\n"
    mixer = LLMCreditMixer(make_credit(source), n_agents=3)
    with pytest.raises(CreditFunctionError, match=message):
        mixer(torch.randn(4, 3, 1), torch.ones(4, 3, 2))


def test_wrong_input_shapes_raise(make_credit):
    mixer = LLMCreditMixer(make_credit(OBS_TFCAF), n_agents=3)
    with pytest.raises(CreditFunctionError, match="expected"):
        mixer(torch.randn(4, 2, 1), torch.randn(4, 3, 2))
    with pytest.raises(CreditFunctionError, match="observation has shape"):
        mixer(torch.randn(4, 3, 1), torch.randn(4, 5, 2))


def test_invalid_settings_rejected(make_credit):
    credit = make_credit(OBS_TFCAF)
    with pytest.raises(ValueError, match="igm"):
        LLMCreditMixer(credit, n_agents=3, igm="sometimes")
    with pytest.raises(ValueError, match="weight_normalization"):
        LLMCreditMixer(credit, n_agents=3, weight_normalization="softmax")


def test_check_finite_can_be_disabled(make_credit):
    source = "import torch\ndef weights(td):\n    return td['observation'][..., 0] * float('nan')\n"
    mixer = LLMCreditMixer(make_credit(source), n_agents=3, check_finite=False)
    assert torch.isnan(mixer(torch.randn(2, 3, 1), torch.ones(2, 3, 2))).all()


def test_compiled_program_is_bit_identical_and_cached_per_shape():
    """States without grad run the program traced to TorchScript (once per shape, from the
    shape's second call on): the same numbers as the FX module, and grad-mode inputs and shapes
    seen once still get the FX module."""
    import torch

    from benchmarl_qllm.credit.function import CreditFunction
    from benchmarl_qllm.credit.library import library_path
    from benchmarl_qllm.credit.program import InputSpec, MAX_COMPILED_SHAPES

    program = CreditFunction.from_file(library_path("vmas/balance", "llm")).program(InputSpec("observation", 4, 16))
    module = program.module(torch.device("cpu"))
    for batch in (1, 7, 256):
        x = torch.randn(batch, 4, 16)
        assert program.compiled(x) is module  # first sight of this shape: FX, no trace
        fast, reference = program(x), module(x)
        assert all(torch.equal(a, b) for a, b in zip(fast, reference))
        assert program.compiled(x) is program.compiled(x.clone())  # traced once for this shape
        assert program.compiled(x) is not module
    x = torch.randn(5, 4, 16, requires_grad=True)
    assert all(torch.equal(a, b) for a, b in zip(program(x), module(x)))
    for batch in range(100, 100 + MAX_COMPILED_SHAPES):  # beyond the cache: the FX module
        program(torch.randn(batch, 4, 16))
        program(torch.randn(batch, 4, 16))
    x = torch.randn(999, 4, 16)
    assert program.compiled(x) is module and program.compiled(x) is module
