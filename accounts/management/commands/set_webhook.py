from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator

from accounts.models import Creator
from accounts.services import WebhookUrlRefused, webhook_set


class Command(BaseCommand):
    help = "Set a creator's webhook destination. The signing secret (whsec_...) is the last line."

    def add_arguments(self, parser):
        parser.add_argument("creator_slug")
        parser.add_argument("url")

    def handle(self, creator_slug, url, **options):
        creator = Creator.objects.filter(slug=creator_slug).first()
        if creator is None:
            raise CommandError(f"No creator with slug '{creator_slug}'.")
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise CommandError(f"'{url}' is not an http(s) URL.") from None
        try:
            secret = webhook_set(creator=creator, url=url)
        except WebhookUrlRefused as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Webhook for {creator.slug}: {url}")
        self.stdout.write(secret)
