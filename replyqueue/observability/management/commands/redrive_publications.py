from django.core.management.base import BaseCommand, CommandError

from accounts.models import Creator, Role
from replyqueue.inbox.actions import Actor, publication_retry_by_hand
from replyqueue.publishing.models import Publication, PublicationStatus


class Command(BaseCommand):
    help = (
        "Send dead publications again (a fresh set of attempts), as the retry button does: one "
        "Decision row each, by 'system'. Fix the cause first (a revoked token, a wrong webhook URL)."
    )

    def add_arguments(self, parser):
        parser.add_argument("creator", help="the creator's slug")
        parser.add_argument("--id", type=int, nargs="+", dest="ids", help="only these publications")
        parser.add_argument("--connector", help="only publications of this connector (webhook, meta, youtube, pull)")
        parser.add_argument("--dry-run", action="store_true", help="list what would be retried, change nothing")

    def handle(self, *args, creator: str, ids, connector, dry_run: bool, **options):
        found = Creator.objects.filter(slug=creator).first()
        if found is None:
            raise CommandError(f"No creator {creator!r}.")
        dead = Publication.objects.filter(creator=found, status=PublicationStatus.DEAD).select_related("comment", "draft")
        if ids:
            dead = dead.filter(id__in=ids)
        if connector:
            dead = dead.filter(connector=connector)
        retried = 0
        for publication in dead.order_by("id"):
            self.stdout.write(f"publication {publication.id} ({publication.connector}): {publication.last_error[:100]}")
            if not dry_run:
                retried += publication_retry_by_hand(publication=publication, actor=Actor(role=Role.OWNER))
        self.stdout.write(f"{'would retry' if dry_run else 'retried'}: {retried if not dry_run else dead.count()}")
