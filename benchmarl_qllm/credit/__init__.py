"""Credit functions (TFCAFs): contract, sandboxed loading, mixing math, validation and the
packaged library.

The ground floor of the package: nothing here imports another ``benchmarl_qllm`` subpackage.
The validator takes the states it checks against as arguments; sampling them from a task is
:func:`benchmarl_qllm.environments.validation.validate_for_task`.
"""

from benchmarl_qllm.credit.function import CreditFunction
from benchmarl_qllm.credit.library import library_dir, library_entries, library_path
from benchmarl_qllm.credit.mixing import (
    apply_igm_and_normalization,
    credit_weights,
    IGM_MODES,
    mix,
    WEIGHT_NORMALIZATIONS,
)
from benchmarl_qllm.credit.sandbox import CreditFunctionError, static_check
from benchmarl_qllm.credit.validator import CheckResult, ValidationReport, validate

__all__ = [
    "CheckResult",
    "CreditFunction",
    "CreditFunctionError",
    "IGM_MODES",
    "WEIGHT_NORMALIZATIONS",
    "apply_igm_and_normalization",
    "credit_weights",
    "library_dir",
    "library_entries",
    "library_path",
    "mix",
    "static_check",
    "validate",
    "ValidationReport",
]
