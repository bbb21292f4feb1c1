"""Parameter-free credit mixers."""

from benchmarl_qllm.models.llm_credit import CreditMixerModule, LLMCreditMixer

__all__ = ["CreditMixerModule", "LLMCreditMixer"]
