import os
from pathlib import Path

from celery import Celery
from celery.beat import PersistentScheduler
from celery.signals import worker_process_init
from threadpoolctl import threadpool_limits

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "replyqueue.settings")

app = Celery("replyqueue")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class Scheduler(PersistentScheduler):
    """beat's scheduler, keeping its schedule file under VAR_DIR (settings) rather than in the directory
    beat starts in, which may be a checkout; a fresh deployment may not have that folder yet."""

    def setup_schedule(self) -> None:
        Path(self.schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        super().setup_schedule()


@worker_process_init.connect
def load_the_models(**kwargs) -> None:
    """Each worker child loads the embedding model when it starts, not on its first comment."""
    from replyqueue.clone.embeddings import get_embedder, sorting_embedder
    from replyqueue.core.workers import start_heartbeat

    start_heartbeat()  # first: claims this process makes can be released the moment it dies
    # One core per pool process: BLAS threads of their own would spin on the cores the other
    # processes use (at 100,000 items they tripled the CPU a search costs).
    threadpool_limits(1)
    get_embedder().embed(["warm up"])
    sorting_embedder().embed(["warm up"])  # the same model unless EMBEDDER points retrieval elsewhere
