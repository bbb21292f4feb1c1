"""Every hostile snippet is rejected without side effects; every packaged TFCAF is accepted."""

from __future__ import annotations

import os

import pytest
import torch

from benchmarl_qllm.credit.library import library_entries
from benchmarl_qllm.credit.sandbox import static_check
from benchmarl_qllm.credit.validator import validate
from benchmarl_qllm.environments.validation import validate_for_task
from generation_helpers import HOSTILE_DIR, balance_states, hostile_sources, isolated_env  # noqa: F401

HOSTILE = sorted(p.stem for p in HOSTILE_DIR.glob("*.py"))

# Every snippet marked ``# expect: dynamic`` names the dynamic check that must reject it and a
# fragment of that check's message (failing for another reason does not count).
DYNAMIC_FAILURES = {
    # Python runs only in the jail; what it cannot trace never becomes a program.
    "batch_leak": ("batch_independence", "in a batch of 1"),
    "bigint_bomb": ("trace", "took longer than 1.5 s"),
    "corrupt_input": ("trace", "writes into its input in place"),
    "huge_list": ("trace", "MemoryError"),
    "huge_tensor": ("trace", "must not depend on B"),
    "infinite_for_loop": ("trace", "took longer than 1.5 s"),
    "infinite_recursion": ("trace", "RecursionError"),
    "nan_poison": ("finite", "non-finite"),
    # The outside review's routes and this package's own: the jail (seccomp) refuses the syscall.
    "review_math_loader_read": ("trace", "Operation not permitted: '/etc/hostname'"),
    "review_alias_scope": ("trace", "Operation not permitted: '/etc/hostname'"),
    "exception_exfiltration": ("trace", "Operation not permitted: '/etc/passwd'"),
    "proc_limits_probe": ("trace", "Operation not permitted: '/proc/self/limits'"),
    "fs_create_and_unlink": ("trace", "Operation not permitted"),
    "fork_and_exec": ("trace", "Operation not permitted"),
    "kill_parent": ("trace", "Operation not permitted"),
    # What tracing turns into operators the verifier refuses, or numbers the checks refuse.
    "rng_uniform": ("verify", "'aten.uniform.default' is not allowed"),
    "uninitialised_new": ("verify", "'aten.empty.memory_format' is not allowed"),
    "uninitialised_new_empty_strided": ("verify", "'aten.new_empty_strided.default' is not allowed"),
    "resize_as_garbage": ("trace", "must not depend on B"),
    "nan_at_other_batch_sizes": ("trace", "must not depend on B"),
    "huge_weights": ("bounded", "exceed the bound"),
}


def test_corpus_is_large_enough():
    assert len(HOSTILE) >= 25
    dynamic = {name for name, expect, _ in hostile_sources(HOSTILE_DIR / "unused") if expect == "dynamic"}
    assert dynamic == set(DYNAMIC_FAILURES)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_snippet_is_rejected_without_side_effects(name, tmp_path, balance_states):
    target = tmp_path / "pwned.txt"
    (entry,) = [s for s in hostile_sources(target) if s[0] == name]
    _, expect, source = entry
    cwd_before = sorted(os.listdir(tmp_path))
    report = validate(source, balance_states, n_agents=4, input_kind="observation",
                      timeout_s=1.5, memory_mb=1024)
    if expect == "defanged":
        # Accepted only as a verified program that cannot do what the source tried.
        assert report.ok, report.format()
        module = report.program.module(balance_states.device)
        assert not list(module.parameters())
        w, b = report.program(balance_states)
        assert not w.requires_grad and not b.requires_grad
        for _ in range(250):  # past any call-count time bomb; no state survives a call
            w2, b2 = report.program(balance_states)
            assert torch.equal(w2, w) and torch.equal(b2, b) and bool(torch.isfinite(w2).all())
        assert not target.exists() and sorted(os.listdir(tmp_path)) == cwd_before
        return
    assert not report.ok, f"{name} was accepted:\n{report.format()}"
    assert report.failures and all(f.message for f in report.failures)
    if expect == "static":
        assert report.failures[0].name == "static", report.format()
    else:
        check, fragment = DYNAMIC_FAILURES[name]
        assert check in {f.name for f in report.failures}, report.format()
        assert fragment in report.check(check).message, report.format()
    assert not target.exists(), f"{name} wrote {target}"
    assert sorted(os.listdir(tmp_path)) == cwd_before


@pytest.mark.parametrize("task", sorted(library_entries()))
def test_packaged_tfcaf_is_accepted(task):
    from benchmarl_qllm.environments import known_tasks

    source = library_entries()[task].read_text(encoding="utf-8")
    assert static_check(source).ok, static_check(source).errors
    if task not in known_tasks():
        pytest.skip(f"no task description/state sampler registered for {task} yet "
                    "(static check passed)")
    report = validate_for_task(source, task, n_states=32)
    assert report.ok, report.format()
