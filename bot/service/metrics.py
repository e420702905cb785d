"""Beacon's metrics for Prometheus: one registry per app (never the library's global one), names
prefixed `beacon_`, labels that name kinds and outcomes only (never a user, a chat or a text).

With PROMETHEUS_MULTIPROC_DIR set before the process starts, prometheus_client keeps every value
in a file of that folder, and `exposition` adds up the files of every worker sharing it."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.multiprocess import MultiProcessCollector

from bot.service.ports import StoreUnavailable

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The Prometheus text format's content type."""
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Handling latency buckets (seconds): a millisecond up to the ten seconds of a stuck database."""
JOB_BUCKETS = (0.01, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0)
"""Job round buckets (seconds)."""


def multiprocess() -> bool:
    """Say whether prometheus_client keeps values in PROMETHEUS_MULTIPROC_DIR's files (it
    decides once, when imported, from the process's environment)."""
    return bool(getattr(values.ValueClass, "_multiprocess", False))


class Metrics:
    """Counts what Beacon does; every component that counts is given this object."""

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        """Register Beacon's metrics in `registry` (a new one by default); `timer` measures
        durations (a monotonic clock; replaceable in tests)."""
        self.registry = registry or CollectorRegistry(auto_describe=True)
        self.timer = timer
        into = self.registry
        self.updates = Counter(
            "beacon_updates", "Updates handled, by channel and outcome "
            "(handled, duplicate, stale, gave_up, unavailable, failed)",
            ["channel", "outcome"], registry=into,
        )  # fmt: skip
        self.handling = Histogram(
            "beacon_update_handling_seconds", "Time to store one update with its replies",
            ["channel"], buckets=LATENCY_BUCKETS, registry=into,
        )  # fmt: skip
        self.sends = Counter(
            "beacon_sends", "Calls that send to a platform, by channel, method and outcome "
            "(ok, rate_limited, transient, rejected, blocked)",
            ["channel", "method", "outcome"], registry=into,
        )  # fmt: skip
        self.rate_limited = Counter(
            "beacon_rate_limited", "Answers of 429 Too Many Requests, by channel",
            ["channel"], registry=into,
        )  # fmt: skip
        self.retry_after = Counter(
            "beacon_retry_after_seconds", "Seconds the platform told Beacon to wait (429s)",
            ["channel"], registry=into,
        )  # fmt: skip
        self.waiting = Counter(
            "beacon_send_wait_seconds", "Seconds sends waited on a limiter or pacer, by limiter",
            ["limiter"], registry=into,
        )  # fmt: skip
        self.jobs = Counter(
            "beacon_job_runs", "Background job rounds, by job and result (ok, failed, skipped)",
            ["job", "result"], registry=into,
        )  # fmt: skip
        self.job_seconds = Histogram(
            "beacon_job_run_seconds", "Time one job round took, by job",
            ["job"], buckets=JOB_BUCKETS, registry=into,
        )  # fmt: skip
        self.database_errors = Counter(
            "beacon_database_errors", "Database failures that may pass (the database was "
            "locked, unreachable or refused), by reason",
            ["reason"], registry=into,
        )  # fmt: skip

    def update(self, channel: str, outcome: str, seconds: float | None = None) -> None:
        """Count one update's outcome on a channel, and how long storing it took."""
        self.updates.labels(channel, outcome).inc()
        if seconds is not None:
            self.handling.labels(channel).observe(seconds)

    def sent(self, channel: str, method: str, outcome: str) -> None:
        """Count one call that sends to a platform, with its outcome."""
        self.sends.labels(channel, method, outcome).inc()

    def told_to_wait(self, channel: str, seconds: float) -> None:
        """Count a 429 and the seconds it asked Beacon to wait."""
        self.rate_limited.labels(channel).inc()
        self.retry_after.labels(channel).inc(max(0.0, seconds))

    def waited(self, limiter: str, seconds: float) -> None:
        """Add the seconds a send waited on a limiter or pacer."""
        if seconds > 0:
            self.waiting.labels(limiter).inc(seconds)

    def job_ran(self, job: str, result: str, seconds: float) -> None:
        """Count one job round, its result and how long it took."""
        self.jobs.labels(job, result).inc()
        self.job_seconds.labels(job).observe(seconds)

    def database_error(self, trouble: StoreUnavailable) -> None:
        """Count a database failure that may pass, by its short reason."""
        self.database_errors.labels(trouble.reason).inc()

    def exposition(self) -> bytes:
        """Return every metric in Prometheus's text format: this app's, or in multi-process
        mode, the sum over every process writing to PROMETHEUS_MULTIPROC_DIR."""
        if multiprocess():
            gathered = CollectorRegistry()
            MultiProcessCollector(gathered, os.environ.get(MULTIPROC_VARIABLE))  # type: ignore[no-untyped-call]
            return generate_latest(gathered)
        return generate_latest(self.registry)
