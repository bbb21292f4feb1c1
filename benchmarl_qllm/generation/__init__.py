"""LLM generation of credit functions: prompts, backends, answer parsing, the coder-evaluator
loop and the cache behind ``algorithm.credit=generate``."""

from benchmarl_qllm.generation.backends import (
    FileBackend,
    LLMBackend,
    LLMBackendError,
    LLMReply,
    OpenAIBackend,
)
from benchmarl_qllm.generation.cache import (
    backend_from_env,
    cache_dir,
    generate_to_cache,
    load_or_generate,
)
from benchmarl_qllm.generation.extract import Choice, extract_candidates, parse_choice
from benchmarl_qllm.generation.loop import generate_tfcaf
from benchmarl_qllm.generation.records import (
    Candidate,
    GenerationError,
    GenerationResult,
    GenerationSettings,
)

__all__ = [
    "Candidate",
    "Choice",
    "FileBackend",
    "GenerationError",
    "GenerationResult",
    "GenerationSettings",
    "LLMBackend",
    "LLMBackendError",
    "LLMReply",
    "OpenAIBackend",
    "backend_from_env",
    "cache_dir",
    "extract_candidates",
    "generate_tfcaf",
    "generate_to_cache",
    "load_or_generate",
    "parse_choice",
]
