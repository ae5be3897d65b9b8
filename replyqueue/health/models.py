from django.db import models


class Heartbeat(models.Model):
    """The last time a beat-driven task ran on a worker: proof that beat, the broker and at least
    one worker work together. Kept in the database, the one store every process shares."""

    name = models.CharField(max_length=50, primary_key=True)
    seen_at = models.DateTimeField()
    worker = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
