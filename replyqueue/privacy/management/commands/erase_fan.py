from django.core.management.base import BaseCommand, CommandError

from accounts.models import Creator
from replyqueue.comments.models import Platform
from replyqueue.privacy.erasure import Requester, fan_erase


class Command(BaseCommand):
    help = "Erase one fan of one creator: their comments, drafts, replies and learned knowledge."

    def add_arguments(self, parser):
        parser.add_argument("creator", help="the creator's slug")
        parser.add_argument("platform", choices=Platform.values)
        parser.add_argument("fan_id", help="the fan's id on the platform")

    def handle(self, *args, creator: str, platform: str, fan_id: str, **options):
        found = Creator.objects.filter(slug=creator).first()
        if found is None:
            raise CommandError(f"No creator {creator!r}.")
        erasure = fan_erase(creator=found, platform=platform, fan_id=fan_id, requester=Requester(via="command"))
        if erasure is None:
            raise CommandError("No such fan for this creator.")
        counts = ", ".join(f"{n} {kind}" for kind, n in erasure.counts.items())
        self.stdout.write(f"erased: {counts}")
