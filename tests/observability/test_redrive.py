"""redrive_publications: dead publications go back to the queue, with a Decision each."""

import io

from django.core.management import call_command

from accounts.models import Role
from replyqueue.inbox.actions import Actor, draft_approve
from replyqueue.inbox.models import Decision
from replyqueue.publishing.models import Publication
from tests.factories import drafted


def _dead(creator, owner, external_id: str, connector: str = "webhook") -> Publication:
    publication = draft_approve(draft=drafted(creator, external_id), actor=Actor(role=Role.OWNER, user=owner))
    Publication.objects.filter(id=publication.id).update(status="dead", last_error="HTTP 401", connector=connector)
    return publication


def _run(*args) -> str:
    out = io.StringIO()
    call_command("redrive_publications", *args, stdout=out)
    return out.getvalue()


def test_it_queues_dead_publications_again_and_records_who(creator, owner, camera_faq):
    publication = _dead(creator, owner, "c1")
    assert "retried: 1" in _run("mia")
    publication.refresh_from_db()
    assert (publication.status, publication.attempts, publication.last_error) == ("queued", 0, "")
    assert Decision.objects.filter(action="retry_publication", draft_id=publication.draft_id, user=None).exists()


def test_a_dry_run_changes_nothing(creator, owner, camera_faq):
    publication = _dead(creator, owner, "c1")
    assert "would retry: 1" in _run("mia", "--dry-run")
    assert Publication.objects.get(id=publication.id).status == "dead"


def test_it_retries_only_the_publications_named(creator, owner, camera_faq):
    first, second = _dead(creator, owner, "c1"), _dead(creator, owner, "c2")
    _run("mia", "--id", str(first.id))
    assert Publication.objects.get(id=second.id).status == "dead"
    assert Decision.objects.filter(action="retry_publication").count() == 1


def test_it_never_touches_another_creators_publications(creator, owner, other_creator, camera_faq):
    publication = _dead(creator, owner, "c1")
    _run("rival")
    assert Publication.objects.get(id=publication.id).status == "dead"
