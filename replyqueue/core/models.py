from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per worker process, stamped every WORKER_HEARTBEAT_INTERVAL by a thread in that
    process. A claim whose worker stopped beating is released by the sweepers (core/workers.py)."""

    worker = models.CharField(max_length=200, primary_key=True, help_text="hostname:pid of the process.")
    seen_at = models.DateTimeField()
    started_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker} at {self.seen_at:%H:%M:%S}"
