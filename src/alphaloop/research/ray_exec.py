"""Trials as Ray tasks: one task per trial, each opening the shared study storage.

Imported only when `--ray-address` is given (Ray is heavy to import). A worker process keeps the
study's bars and features between the tasks it runs (`search.prepared` caches per process).
"""

from __future__ import annotations

from typing import Any

import ray

from alphaloop.model.errors import ConfigurationError


def _trial_task(spec: dict[str, Any], url: str, data_dir: str | None, offset: int) -> int:
    from alphaloop.research.search import _worker

    return _worker(spec, url, 1, data_dir, offset)


def run_on_ray(
    spec: dict[str, Any], url: str, n_trials: int, *, workers: int, address: str, data_dir: str | None
) -> None:
    """`address`: "local" starts a private Ray instance with `workers` CPUs (and stops it after);
    anything else joins that cluster (e.g. "ray://head:10001" or "auto")."""
    started_here = not ray.is_initialized()
    if started_here:
        try:
            if address == "local":
                ray.init(
                    num_cpus=workers, include_dashboard=False, log_to_driver=False, configure_logging=False
                )
            else:
                ray.init(address=address, log_to_driver=False, configure_logging=False)
        except (ConnectionError, ValueError, RuntimeError) as error:
            raise ConfigurationError(f"cannot reach Ray at {address!r}: {error}") from None
    try:
        task = ray.remote(num_cpus=1, max_retries=0)(_trial_task)
        refs = [task.remote(spec, url, data_dir, 1000 * (i + 1)) for i in range(n_trials)]
        ray.get(refs)
    finally:
        if started_here:
            ray.shutdown()
