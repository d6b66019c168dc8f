"""A lazily created, reusable thread pool: threads are started once, not on every run (the document's
executor keeps one pool too), so a run's makespan measures scheduling, not thread creation."""

from __future__ import annotations

import concurrent.futures
import threading


class LazyPool:
    def __init__(self, max_workers: int, prefix: str) -> None:
        self.max_workers = max_workers
        self._prefix = prefix
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def get(self) -> concurrent.futures.ThreadPoolExecutor:
        pool = self._pool
        if pool is not None:  # started: no lock on every turn (an attribute read is atomic)
            return pool
        with self._lock:
            if self._pool is None:
                self._pool = concurrent.futures.ThreadPoolExecutor(
                    self.max_workers, thread_name_prefix=self._prefix
                )
            return self._pool

    def close(self, *, wait: bool = True) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=True)
