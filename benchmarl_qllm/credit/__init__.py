"""Credit functions (TFCAFs): contract, sandboxed loading, validation and the packaged library."""

from benchmarl_qllm.credit.function import CreditFunction
from benchmarl_qllm.credit.library import library_entries, library_path
from benchmarl_qllm.credit.resolve import resolve_credit_function
from benchmarl_qllm.credit.sandbox import CreditFunctionError, static_check
from benchmarl_qllm.credit.validator import (
    CheckResult,
    ValidationReport,
    validate,
    validate_for_task,
)

__all__ = [
    "CheckResult",
    "CreditFunction",
    "CreditFunctionError",
    "library_entries",
    "library_path",
    "resolve_credit_function",
    "static_check",
    "validate",
    "validate_for_task",
    "ValidationReport",
]
