"""Parameter-free credit mixers."""

from benchmarl_qllm.models.llm_credit import credit_mixer_module, LLMCreditMixer

__all__ = ["LLMCreditMixer", "credit_mixer_module"]
