import json
from pathlib import Path

from django.core.management.base import BaseCommand

from accounts.models import Creator
from accounts.services import creator_create, webhook_set
from replyqueue.clone.knowledge import knowledge_add, knowledge_input_from_api
from replyqueue.clone.models import Persona
from replyqueue.comments.services import comments_ingest

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "demo.json"


class Command(BaseCommand):
    help = "Create the demo creator with a persona, knowledge and sample comments (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--email", default="demo@example.com")
        parser.add_argument("--password", default="demo-password")
        parser.add_argument("--webhook-url", default="", help="deliver approved replies here")

    def handle(self, email, password, webhook_url, **options):
        data = json.loads(FIXTURE.read_text())
        creator = creator_create(slug="demo", name="Mia Snaps", owner_email=email, password=password)
        Creator.objects.filter(pk=creator.pk).update(undo_delay_seconds=10)
        Persona.objects.filter(creator=creator).update(**data["persona"])
        if webhook_url:
            webhook_set(creator=creator, url=webhook_url)
        knowledge_add(
            creator=creator, items=[knowledge_input_from_api(k) for k in data["knowledge"]], origin="demo"
        )
        results = comments_ingest(creator=creator, items=data["comments"])
        new = sum(not r.duplicate for r in results)
        self.stdout.write(f"demo creator ready: {len(data['knowledge'])} knowledge items, {new} new comments")
