from django.core.management.base import BaseCommand, CommandError

from accounts.models import ApiToken, Creator


class Command(BaseCommand):
    help = "Issue an API token for a creator. The token is printed once, as the last line."

    def add_arguments(self, parser):
        parser.add_argument("creator_slug")
        parser.add_argument("--name", default="cli")

    def handle(self, creator_slug, name, **options):
        creator = Creator.objects.filter(slug=creator_slug).first()
        if creator is None:
            raise CommandError(f"No creator with slug '{creator_slug}'.")
        _, raw = ApiToken.issue(creator=creator, name=name)
        self.stdout.write(f"API token '{name}' for {creator.slug} (shown once, store it now):")
        self.stdout.write(raw)
