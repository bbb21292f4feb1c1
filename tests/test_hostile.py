"""Every hostile snippet is rejected without side effects; every packaged TFCAF is accepted."""

from __future__ import annotations

import os

import pytest

from benchmarl_qllm.credit.library import library_entries
from benchmarl_qllm.credit.sandbox import static_check
from benchmarl_qllm.credit.validator import validate
from benchmarl_qllm.environments.validation import validate_for_task
from generation_helpers import HOSTILE_DIR, balance_states, hostile_sources, isolated_env  # noqa: F401

HOSTILE = sorted(p.stem for p in HOSTILE_DIR.glob("*.py"))

# Every snippet marked ``# expect: dynamic`` names the dynamic check that must reject it and a
# fragment of that check's message (failing for another reason does not count).
DYNAMIC_FAILURES = {
    "batch_leak": ("batch_independence", "in a batch of 1"),
    "bigint_bomb": ("timeout", "did not finish within 1.5 s"),
    "corrupt_input": ("input_unchanged", "modified its input in place"),
    "huge_list": ("call", "MemoryError"),
    "huge_tensor": ("call", "allocate"),
    "infinite_for_loop": ("timeout", "did not finish within 1.5 s"),
    "infinite_recursion": ("call", "RecursionError"),
    "nan_poison": ("finite", "non-finite"),
    "trainable_weights": ("no_learnable_params", "requires_grad=True"),
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
