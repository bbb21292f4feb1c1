"""Robust aggregate statistics for few-seed RL comparisons (Agarwal et al., 2021, "Deep RL at the
edge of the statistical precipice"; the metrics marl-eval reports): interquartile mean with
stratified percentile-bootstrap confidence intervals, performance profiles and probability of
improvement. Built on numpy/scipy because marl-eval's own pins (pandas 1.4) do not install
next to BenchMARL's current dependencies.

Scores are arrays shaped ``[n_runs, n_tasks]`` (runs = seeds), already normalised per task
where tasks are pooled.
"""

from __future__ import annotations

from typing import Callable, Dict, Sequence, Tuple

import numpy as np
from scipy import stats

N_BOOTSTRAP = 2000
CONFIDENCE = 0.95


def iqm(values) -> float:
    """Interquartile mean: the mean of the middle 50% (``trim_mean(x, 0.25)``)."""
    values = np.asarray(values, dtype=float).reshape(-1)
    return float(stats.trim_mean(values, 0.25)) if values.size else float("nan")


def _stratified_resample(rng: np.random.Generator, scores: np.ndarray) -> np.ndarray:
    """Resample runs (rows) with replacement, independently for every task (column)."""
    n_runs, n_tasks = scores.shape
    rows = rng.integers(0, n_runs, size=(n_runs, n_tasks))
    return np.take_along_axis(scores, rows, axis=0)


def bootstrap_ci(
    scores, statistic: Callable[[np.ndarray], float] = iqm, n_bootstrap: int = N_BOOTSTRAP,
    confidence: float = CONFIDENCE, seed: int = 0,
) -> Tuple[float, float, float]:
    """``(point, low, high)``: ``statistic(scores)`` and its stratified percentile bootstrap CI.

    ``scores`` is ``[n_runs]`` or ``[n_runs, n_tasks]``. With a single run the interval is the
    point itself (there is nothing to resample).
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim == 1:
        scores = scores[:, None]
    point = statistic(scores)
    if scores.shape[0] < 2:
        return point, point, point
    rng = np.random.default_rng(seed)
    samples = np.array([statistic(_stratified_resample(rng, scores)) for _ in range(n_bootstrap)])
    alpha = (1 - confidence) / 2
    low, high = np.quantile(samples, [alpha, 1 - alpha])
    return point, float(low), float(high)


def performance_profile(
    scores, thresholds: Sequence[float], n_bootstrap: int = N_BOOTSTRAP, seed: int = 0,
) -> Dict[str, np.ndarray]:
    """Fraction of runs (over all tasks) whose score exceeds each threshold, with 95% CIs."""
    scores = np.asarray(scores, dtype=float)
    if scores.ndim == 1:
        scores = scores[:, None]
    thresholds = np.asarray(thresholds, dtype=float)

    def profile(s: np.ndarray) -> np.ndarray:
        return (s.reshape(-1)[:, None] > thresholds[None, :]).mean(0)

    point = profile(scores)
    if scores.shape[0] < 2:
        return {"tau": thresholds, "point": point, "low": point, "high": point}
    rng = np.random.default_rng(seed)
    samples = np.stack([profile(_stratified_resample(rng, scores)) for _ in range(n_bootstrap)])
    low, high = np.quantile(samples, [0.025, 0.975], axis=0)
    return {"tau": thresholds, "point": point, "low": low, "high": high}


def _probability_of_improvement(x: np.ndarray, y: np.ndarray) -> float:
    """Mean over tasks of P(X > Y) for one run of each, ties counting half (Mann-Whitney U)."""
    per_task = []
    for t in range(x.shape[1]):
        xt, yt = x[:, t][:, None], y[:, t][None, :]
        per_task.append(float(((xt > yt) + 0.5 * (xt == yt)).mean()))
    return float(np.mean(per_task))


def probability_of_improvement(
    x, y, n_bootstrap: int = N_BOOTSTRAP, seed: int = 0,
) -> Tuple[float, float, float]:
    """``(point, low, high)`` of P(X > Y): X and Y are ``[n_runs, n_tasks]`` score arrays."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim == 1:
        x, y = x[:, None], y[:, None]
    point = _probability_of_improvement(x, y)
    if min(x.shape[0], y.shape[0]) < 2:
        return point, point, point
    rng = np.random.default_rng(seed)
    samples = [
        _probability_of_improvement(_stratified_resample(rng, x), _stratified_resample(rng, y))
        for _ in range(n_bootstrap)
    ]
    low, high = np.quantile(samples, [0.025, 0.975])
    return point, float(low), float(high)


def verdict(poi: Tuple[float, float, float]) -> str:
    """``win`` / ``loss`` when the 95% CI of P(X > Y) excludes 0.5, else ``tie``."""
    _, low, high = poi
    if low > 0.5:
        return "win"
    if high < 0.5:
        return "loss"
    return "tie"
