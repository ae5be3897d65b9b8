import time

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Creator
from replyqueue.integrations.webhook.receiver import ReceiverState, start_receiver


class Command(BaseCommand):
    help = "Run a loopback Standard Webhooks receiver for a creator (demo and local testing)."

    def add_arguments(self, parser):
        parser.add_argument("creator_slug")
        parser.add_argument("--port", type=int, default=8001)

    def handle(self, creator_slug, port, **options):
        creator = Creator.objects.filter(slug=creator_slug).first()
        if creator is None or not creator.webhook_secret:
            raise CommandError(f"Creator '{creator_slug}' has no webhook secret: run set_webhook first.")
        state = ReceiverState(secret=creator.webhook_secret)
        start_receiver(state, port=port, log=lambda line: self.stdout.write(line))
        self.stdout.write(f"Receiving signed webhooks on http://127.0.0.1:{port}/")
        while True:
            time.sleep(3600)
