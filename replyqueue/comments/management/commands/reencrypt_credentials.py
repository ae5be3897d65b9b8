from django.core.management.base import BaseCommand
from django.db import transaction

from replyqueue.comments.models import Channel
from replyqueue.core.crypto import reencrypt


class Command(BaseCommand):
    help = (
        "Rewrite every channel's stored credentials with the first FIELD_ENCRYPTION_KEY (or the "
        "current SECRET_KEY): run after putting a new key first; then the old keys can be removed."
    )

    def handle(self, *args, **options):
        done = 0
        for channel_id in Channel.objects.exclude(credentials_encrypted="").values_list("id", flat=True):
            with transaction.atomic():
                channel = Channel.objects.select_for_update().get(id=channel_id)
                Channel.objects.filter(id=channel_id).update(credentials_encrypted=reencrypt(channel.credentials_encrypted))
            done += 1
        self.stdout.write(f"re-encrypted the credentials of {done} channel(s)")
