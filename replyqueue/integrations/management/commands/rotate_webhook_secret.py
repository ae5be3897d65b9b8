from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Creator
from replyqueue.integrations.webhook.secrets import webhook_secret_rotate


class Command(BaseCommand):
    help = (
        "Rotate a creator's webhook signing secret. The old secret keeps signing deliveries for a grace "
        "period. The new secret (whsec_...) is the last line."
    )

    def add_arguments(self, parser):
        parser.add_argument("creator_slug")
        parser.add_argument(
            "--grace-hours", type=float, default=settings.WEBHOOK_SECRET_GRACE_HOURS,
            help="How long deliveries are also signed with the old secret (0: stop at once).",
        )

    def handle(self, creator_slug, grace_hours, **options):
        creator = Creator.objects.filter(slug=creator_slug).first()
        if creator is None:
            raise CommandError(f"No creator with slug '{creator_slug}'.")
        if grace_hours < 0:
            raise CommandError("--grace-hours cannot be negative.")
        secret = webhook_secret_rotate(creator=creator, grace=timedelta(hours=grace_hours))
        self.stdout.write(f"New webhook secret for {creator.slug}; the old one also signs for {grace_hours:g} h.")
        self.stdout.write(secret)
