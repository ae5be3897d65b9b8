"""python manage.py train_triage: train the triage models on the training files and write the one
artifact the workers load (replyqueue/clone/models/triage.npz). Reproducible: fixed seed."""

from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand

from replyqueue.clone.triage_model import ARTIFACT, reset_model
from replyqueue.clone.triage_training import SEED, train


class Command(BaseCommand):
    help = "Train the triage models (categories + safety) and write the artifact."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=SEED)
        parser.add_argument("--output", type=Path, default=ARTIFACT)

    def handle(self, seed: int, output: Path, **options):
        arrays = train(seed=seed, log=self.stdout.write)
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("wb") as file:  # a file object: savez would add ".npz" to another name
            np.savez_compressed(file, **arrays)
        reset_model()
        self.stdout.write(f"wrote {output} ({output.stat().st_size / 1e6:.1f} MB)")
