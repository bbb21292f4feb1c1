"""Cache of generated TFCAFs, and ``algorithm.credit=generate``.

Files live under ``$QLLM_CACHE_DIR`` (default ``~/.cache/benchmarl_qllm``) as
``tfcaf/<env>/<task>/<igm>-<key>.py`` with ``.transcript.json`` and ``.meta.json`` next to
them, where ``key`` is the SHA-256 of (task, prompt hash, model, settings, task overrides).

:func:`load_or_generate` returns the cached function for the configured backend and settings;
without a configured backend it takes the newest cached function for the same task, IGM mode,
prompts and task overrides (whichever model wrote it), so ``qllm generate`` followed by a
training run with ``algorithm.credit=generate`` needs no LLM settings in the training job.
Cached files are re-validated on real states before they are returned.

Environment variables: ``QLLM_BACKEND`` (``openai`` or ``file``), ``QLLM_BASE_URL``,
``QLLM_MODEL``, ``QLLM_API_KEY`` / ``OPENAI_API_KEY``, ``QLLM_TIMEOUT`` (seconds),
``QLLM_ANSWERS_DIR`` (file backend), ``QLLM_CACHE_DIR``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import warnings
from pathlib import Path
from typing import Any, Mapping, Optional, Tuple

from benchmarl_qllm.credit.function import CreditFunction
from benchmarl_qllm.credit.sandbox import CreditFunctionError
from benchmarl_qllm.environments.description import get_description
from benchmarl_qllm.environments.validation import validate_for_task
from benchmarl_qllm.generation.backends import FileBackend, LLMBackend, LLMBackendError, OpenAIBackend
from benchmarl_qllm.generation.loop import (
    EventCallback,
    GenerationError,
    GenerationResult,
    GenerationSettings,
    generate_tfcaf,
)
from benchmarl_qllm.generation.prompts import default_gamma, generation_prompt_sha256

DEFAULT_CACHE_DIR = "~/.cache/benchmarl_qllm"
META_SUFFIX = ".meta.json"

CONFIGURE_HELP = (
    "configure an LLM with environment variables: QLLM_MODEL (e.g. gpt-4o-mini) and, for a "
    "server other than api.openai.com, QLLM_BASE_URL (e.g. http://localhost:8000/v1), plus "
    "QLLM_API_KEY or OPENAI_API_KEY if it needs one; or QLLM_BACKEND=file with "
    "QLLM_ANSWERS_DIR=<folder> to answer the prompts by hand. Alternatively run "
    "`qllm generate <task> --model ...` once, or use algorithm.credit=library or a file path"
)


def cache_dir() -> Path:
    """The cache root: ``$QLLM_CACHE_DIR`` or ``~/.cache/benchmarl_qllm``."""
    return Path(os.environ.get("QLLM_CACHE_DIR") or DEFAULT_CACHE_DIR).expanduser()


def cache_key(task: str, prompt_hash: str, model: str, settings: GenerationSettings,
              task_overrides: Optional[Mapping[str, Any]] = None) -> str:
    """SHA-256 of everything that determines a generation."""
    payload = json.dumps(
        {"task": task.lower(), "prompt_sha256": prompt_hash, "model": model,
         "settings": settings.to_dict(), "task_overrides": dict(task_overrides or {})},
        sort_keys=True, default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def cache_path(task: str, igm: str, key: str) -> Path:
    env, _, name = task.lower().partition("/")
    return cache_dir() / "tfcaf" / env / (name or "task") / f"{igm}-{key[:20]}.py"


def backend_from_env(env: Optional[Mapping[str, str]] = None) -> Optional[LLMBackend]:
    """The backend the environment variables configure, or ``None`` when none is."""
    env = os.environ if env is None else env
    kind = (env.get("QLLM_BACKEND") or "openai").lower()
    if kind == "file":
        directory = env.get("QLLM_ANSWERS_DIR")
        if not directory:
            raise LLMBackendError("QLLM_BACKEND=file needs QLLM_ANSWERS_DIR=<folder>")
        return FileBackend(directory, timeout_s=float(env.get("QLLM_TIMEOUT") or 3600),
                           model=env.get("QLLM_MODEL") or None)
    if kind != "openai":
        raise LLMBackendError(f"QLLM_BACKEND must be 'openai' or 'file', got '{kind}'")
    model = env.get("QLLM_MODEL")
    if not model:
        return None
    return OpenAIBackend(model, base_url=env.get("QLLM_BASE_URL") or None,
                         timeout=float(env.get("QLLM_TIMEOUT") or 120))


def _newest_compatible(task: str, igm: str, prompt_hash: str,
                       overrides: Mapping[str, Any]) -> Optional[Path]:
    folder = cache_path(task, igm, "x").parent
    best: Tuple[float, Optional[Path]] = (-1.0, None)
    for meta_path in folder.glob(f"{igm}-*{META_SUFFIX}"):
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        path = meta_path.with_name(meta_path.name[: -len(META_SUFFIX)] + ".py")
        if (meta.get("task") == task.lower() and meta.get("igm") == igm
                and meta.get("prompt_sha256") == prompt_hash
                and meta.get("task_overrides", {}) == dict(overrides) and path.is_file()):
            created = float(meta.get("created", 0))
            if created > best[0]:
                best = (created, path)
    return best[1]


def _load_validated(path: Path, task: str, igm: str, settings: GenerationSettings,
                    overrides: Mapping[str, Any]) -> Optional[CreditFunction]:
    source = path.read_text(encoding="utf-8")
    report = validate_for_task(source, task, igm=igm, n_states=settings.n_states, **overrides)
    if not report.ok:
        warnings.warn(f"cached credit function {path} no longer passes validation:\n"
                      f"{report.feedback()}")
        return None
    return CreditFunction.from_source(source, origin=str(path))


@contextlib.contextmanager
def _lock(path: Path):
    """Serialize generations of the same key across processes (seeds of one sweep)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(path.with_suffix(".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _with_gamma(settings: GenerationSettings) -> GenerationSettings:
    """``settings`` with the discount made explicit (BenchMARL's default when unset), so the
    same discount always gives the same cache key."""
    if settings.gamma is not None:
        return settings
    return GenerationSettings(**{**settings.to_dict(), "gamma": default_gamma()})


def generate_to_cache(
    task: str,
    backend: LLMBackend,
    settings: Optional[GenerationSettings] = None,
    *,
    evaluator_backend: Optional[LLMBackend] = None,
    task_overrides: Optional[Mapping[str, Any]] = None,
    on_event: Optional[EventCallback] = None,
) -> GenerationResult:
    """Generate a TFCAF for ``task`` and store it in the cache (what ``qllm generate`` does)."""
    settings = _with_gamma(settings or GenerationSettings())
    overrides = dict(task_overrides or {})
    description = get_description(task, **overrides)
    igm = settings.igm or description.igm
    prompt_hash = generation_prompt_sha256(description, igm, settings.gamma)
    key = cache_key(task, prompt_hash, backend.model, settings, overrides)
    path = cache_path(task, igm, key)
    with _lock(path):
        result = generate_tfcaf(description, backend, settings, evaluator_backend=evaluator_backend,
                                out=path, on_event=on_event, task_overrides=overrides)
        meta = {"task": task.lower(), "igm": igm, "prompt_sha256": prompt_hash,
                "gamma": result.transcript.get("gamma"),
                "model": backend.model, "settings": settings.to_dict(),
                "task_overrides": overrides, "key": key, "created": time.time()}
        path.with_name(path.name[:-3] + META_SUFFIX).write_text(json.dumps(meta, indent=1))
    return result


def load_or_generate(
    task: str,
    igm: Optional[str] = None,
    *,
    backend: Optional[LLMBackend] = None,
    settings: Optional[GenerationSettings] = None,
    task_overrides: Optional[Mapping[str, Any]] = None,
    regenerate: bool = False,
    on_event: Optional[EventCallback] = None,
    gamma: Optional[float] = None,
) -> CreditFunction:
    """A validated TFCAF for ``task``: from the cache, or generated with the configured LLM.

    Args:
        task: ``"env/task"``.
        igm: ``"enforce"``/``"relax"``; default: the task description's mode.
        backend: the LLM; default from the environment (:func:`backend_from_env`).
        settings: loop settings (default 3 candidates x 3 rounds); ``igm`` overrides theirs.
        regenerate: ignore the cache.
        gamma: the training discount the prompts state (default: ``settings.gamma``, else
            BenchMARL's default experiment gamma); part of the prompt hash, so a function
            generated for another discount is not reused.

    Raises:
        CreditFunctionError: nothing cached and no LLM configured (the message says how to
            configure one), or generation failed.
    """
    overrides = dict(task_overrides or {})
    settings = settings or GenerationSettings()
    description = get_description(task, **overrides)
    igm = igm or settings.igm or description.igm
    gamma = settings.gamma if gamma is None else gamma
    settings = _with_gamma(GenerationSettings(**{**settings.to_dict(), "igm": igm, "gamma": gamma}))
    gamma = settings.gamma
    prompt_hash = generation_prompt_sha256(description, igm, gamma)
    if backend is None:
        backend = backend_from_env()

    if not regenerate:
        if backend is not None:
            path = cache_path(task, igm, cache_key(task, prompt_hash, backend.model, settings, overrides))
            candidates = [path] if path.is_file() else []
        else:
            newest = _newest_compatible(task, igm, prompt_hash, overrides)
            candidates = [newest] if newest else []
        for path in candidates:
            credit = _load_validated(path, task, igm, settings, overrides)
            if credit is not None:
                return credit

    if backend is None:
        raise CreditFunctionError(
            f"algorithm.credit=generate: no cached credit function for {task} (igm={igm}) in "
            f"{cache_dir()} and no LLM configured; {CONFIGURE_HELP}"
        )
    try:
        result = generate_to_cache(task, backend, settings, task_overrides=overrides, on_event=on_event)
    except (GenerationError, LLMBackendError) as exc:
        raise CreditFunctionError(f"generating a credit function for {task} failed: {exc}") from None
    return CreditFunction.from_source(result.source, origin=str(result.path))
