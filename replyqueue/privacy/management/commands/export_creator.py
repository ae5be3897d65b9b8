import json

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from accounts.models import Creator
from replyqueue.privacy.export import creator_export


class Command(BaseCommand):
    help = "Print a creator's data as JSON (no secrets): knowledge, rules, persona, comments, drafts, decisions, replies."

    def add_arguments(self, parser):
        parser.add_argument("creator", help="the creator's slug")

    def handle(self, *args, creator: str, **options):
        found = Creator.objects.filter(slug=creator).first()
        if found is None:
            raise CommandError(f"No creator {creator!r}.")
        self.stdout.write(json.dumps(creator_export(creator=found), cls=DjangoJSONEncoder, ensure_ascii=False))
