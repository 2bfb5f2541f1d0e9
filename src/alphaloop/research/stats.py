"""Overfitting statistics for a search: deflated Sharpe ratio and the probability of backtest
overfitting. Pure functions of return series, no I/O.

* PSR (Bailey & López de Prado 2012): the probability that the true Sharpe ratio exceeds a
  benchmark, given the sample's length, skewness and kurtosis.
* DSR (Bailey & López de Prado 2014): PSR against the Sharpe ratio the best of N independent
  trials would show by luck alone, E[max SR_n] ~ sqrt(V[SR_n]) * ((1 - g) Z(1 - 1/N) + g Z(1 - 1/(N e))).
* PBO by combinatorially symmetric cross-validation (Bailey, Borwein, López de Prado, Zhu 2015):
  cut the trials' return matrix into S blocks; for every half of the blocks taken as in-sample,
  pick the trial with the best in-sample Sharpe and see where it ranks out of sample. PBO is the
  share of splits where it lands in the bottom half.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from alphaloop.features.rolling import FloatArray

EULER_GAMMA = 0.5772156649015329
_NORMAL = NormalDist()


def sharpe(returns: FloatArray) -> float:
    """Per-period Sharpe ratio (mean / sample std); 0.0 for a flat or too short series."""
    r = np.asarray(returns, dtype=np.float64)
    r = r[np.isfinite(r)]
    if len(r) < 2:
        return 0.0
    sd = float(r.std(ddof=1))
    return float(r.mean() / sd) if sd > 0 else 0.0


def _moments(returns: FloatArray) -> tuple[float, float]:
    """Skewness and (non-excess) kurtosis; 0 and 3 for a flat series."""
    r = np.asarray(returns, dtype=np.float64)
    r = r[np.isfinite(r)]
    sd = float(r.std()) if len(r) else 0.0
    if sd == 0:
        return 0.0, 3.0
    z = (r - r.mean()) / sd
    return float(np.mean(z**3)), float(np.mean(z**4))


def probabilistic_sharpe(
    sr: float, benchmark: float, n_obs: int, skew: float = 0.0, kurtosis: float = 3.0
) -> float:
    """PSR: P(true SR > benchmark) for an observed per-period `sr` over `n_obs` returns."""
    if n_obs < 2:
        return float("nan")
    variance = 1.0 - skew * sr + (kurtosis - 1.0) / 4.0 * sr * sr
    if variance <= 0:
        return float("nan")
    return _NORMAL.cdf((sr - benchmark) * math.sqrt(n_obs - 1) / math.sqrt(variance))


def expected_max_sharpe(n_trials: int, sr_variance: float) -> float:
    """E[max of n_trials Sharpe ratios] when every trial's true Sharpe is zero."""
    if n_trials < 1:
        raise ValueError("n_trials must be >= 1")
    if n_trials == 1 or sr_variance <= 0:
        return 0.0
    z1 = _NORMAL.inv_cdf(1.0 - 1.0 / n_trials)
    z2 = _NORMAL.inv_cdf(1.0 - 1.0 / (n_trials * math.e))
    return math.sqrt(sr_variance) * ((1.0 - EULER_GAMMA) * z1 + EULER_GAMMA * z2)


@dataclass(frozen=True, slots=True)
class DeflatedSharpe:
    sharpe: float  # per period
    benchmark: float  # per period: the best-of-N-by-luck Sharpe
    n_trials: int
    n_obs: int
    skew: float
    kurtosis: float
    dsr: float  # probability the winner's true Sharpe beats the benchmark


def deflated_sharpe(winner_returns: FloatArray, trial_sharpes: FloatArray) -> DeflatedSharpe:
    """DSR of the winner's per-period returns, deflated by the spread of all trials' per-period
    Sharpe ratios (`trial_sharpes`, one per trial, the winner included)."""
    r = np.asarray(winner_returns, dtype=np.float64)
    r = r[np.isfinite(r)]
    srs = np.asarray(trial_sharpes, dtype=np.float64)
    srs = srs[np.isfinite(srs)]
    n = max(len(srs), 1)
    variance = float(srs.var(ddof=1)) if len(srs) > 1 else 0.0
    benchmark = expected_max_sharpe(n, variance)
    sr = sharpe(r)
    skew, kurt = _moments(r)
    return DeflatedSharpe(
        sr, benchmark, n, len(r), skew, kurt, probabilistic_sharpe(sr, benchmark, len(r), skew, kurt)
    )


@dataclass(frozen=True, slots=True)
class PboResult:
    pbo: float
    splits: int
    #: Logit of the in-sample winner's out-of-sample relative rank, one per split.
    logits: tuple[float, ...]


def _block_sharpes(matrix: FloatArray) -> FloatArray:
    mean = matrix.mean(axis=0)
    sd = matrix.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(sd > 0, mean / sd, 0.0)
    return np.asarray(out, dtype=np.float64)


def probability_of_overfitting(returns: FloatArray, blocks: int = 8) -> PboResult:
    """PBO via CSCV over `returns` [periods, trials] (same periods for every trial), cut into
    `blocks` (even) consecutive blocks: C(blocks, blocks/2) splits."""
    m = np.asarray(returns, dtype=np.float64)
    if m.ndim != 2 or m.shape[1] < 2:
        raise ValueError("PBO needs a [periods, trials] matrix with at least 2 trials")
    if blocks < 2 or blocks % 2:
        raise ValueError("blocks must be an even number >= 2")
    if m.shape[0] < 2 * blocks:
        raise ValueError(f"PBO needs at least {2 * blocks} periods for {blocks} blocks, got {m.shape[0]}")
    m = np.nan_to_num(m, nan=0.0)
    parts = np.array_split(np.arange(m.shape[0]), blocks)
    n_trials = m.shape[1]
    logits = []
    for chosen in itertools.combinations(range(blocks), blocks // 2):
        rows_in = np.concatenate([parts[i] for i in chosen])
        rows_out = np.concatenate([parts[i] for i in range(blocks) if i not in chosen])
        best = int(np.argmax(_block_sharpes(m[rows_in])))
        oos = _block_sharpes(m[rows_out])
        # Rank 1 = worst .. N = best; ties share the lower rank (a flat winner is not rewarded).
        rank = int(np.sum(oos < oos[best])) + 1
        omega = rank / (n_trials + 1)
        logits.append(math.log(omega / (1.0 - omega)))
    values = np.asarray(logits)
    return PboResult(float(np.mean(values <= 0)), len(logits), tuple(float(v) for v in values))
