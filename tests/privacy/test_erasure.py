"""Erasing a fan on request: every row with their data goes, the audit keeps only that it happened."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import HttpRequest

from accounts.models import Role
from replyqueue.clone.models import KnowledgeItem, Persona, TriageFeedback
from replyqueue.clone.retrieval import indexes
from replyqueue.comments.models import Comment, Fan
from replyqueue.inbox.actions import Actor, draft_approve
from replyqueue.inbox.models import Decision, Draft
from replyqueue.privacy.erasure import Requester, fan_erase
from replyqueue.privacy.export import creator_export
from replyqueue.privacy.models import Erasure
from replyqueue.publishing.models import Publication
from tests.conftest import PASSWORD
from tests.factories import drafted

MARKER = "Zorblax-7731"
FAN = {"external_id": "fan-42", "name": f"Anna {MARKER}"}


def _approved_exchange(creator, owner, external_id="c1", fan=FAN):
    """A comment of the fan, drafted, approved with an edit (so the clone learns from it): a
    publication, decisions, a triage verdict and a learned knowledge item now hold the fan's words."""
    draft = drafted(creator, external_id, f"What camera do you use? {MARKER}", author=fan)
    draft_approve(draft=draft, actor=Actor(role=Role.OWNER, user=owner), text="I shoot on the Sony A7 IV, always.")
    return draft


def _everything_of(creator) -> str:
    return json.dumps(creator_export(creator=creator), default=str)


def test_it_removes_every_row_holding_the_fans_data(creator, owner, camera_faq):
    draft = _approved_exchange(creator, owner)
    assert KnowledgeItem.objects.filter(origin=f"approved_draft:{draft.id}").exists()
    fan_erase(creator=creator, platform="youtube", fan_id="fan-42", requester=Requester(via="command"))
    assert not Fan.objects.filter(creator=creator, external_id="fan-42").exists()
    assert not Comment.objects.filter(id=draft.comment_id).exists()
    assert not Draft.objects.filter(id=draft.id).exists()
    assert not Decision.objects.filter(draft_id=draft.id).exists()
    assert not Publication.objects.filter(draft_id=draft.id).exists()
    assert not TriageFeedback.objects.filter(comment_id=draft.comment_id).exists()
    assert not KnowledgeItem.objects.filter(origin=f"approved_draft:{draft.id}").exists()
    assert MARKER not in _everything_of(creator)


def test_it_keeps_the_creators_own_knowledge(creator, owner, camera_faq):
    _approved_exchange(creator, owner)
    fan_erase(creator=creator, platform="youtube", fan_id="fan-42", requester=Requester(via="command"))
    assert KnowledgeItem.objects.filter(id=camera_faq.id).exists()


def test_it_removes_what_the_creator_answered_to_the_fan_as_knowledge(creator, owner):
    from replyqueue.clone.services import knowledge_from_creator_answer
    from tests.factories import ingest

    comment = ingest(creator, "q1", f"Which lens for {MARKER}?", author=FAN)
    item = knowledge_from_creator_answer(comment=comment, text="The 35mm.")
    fan_erase(creator=creator, platform="youtube", fan_id="fan-42", requester=Requester(via="command"))
    assert not KnowledgeItem.objects.filter(id=item.id).exists()


def test_it_bumps_the_knowledge_version_so_every_retrieval_index_is_rebuilt(creator, owner, camera_faq):
    draft = _approved_exchange(creator, owner)
    learned = KnowledgeItem.objects.get(origin=f"approved_draft:{draft.id}")
    assert learned.id in indexes.get(creator.id).item_ids
    version = Persona.objects.get(creator=creator).knowledge_version
    fan_erase(creator=creator, platform="youtube", fan_id="fan-42", requester=Requester(via="command"))
    assert Persona.objects.get(creator=creator).knowledge_version > version
    assert learned.id not in indexes.get(creator.id).item_ids


def test_it_never_touches_another_creators_fan_with_the_same_platform_id(creator, other_creator, owner, camera_faq):
    from tests.factories import ingest

    theirs = ingest(other_creator, "c1", f"What camera do you use? {MARKER}", author=FAN)
    _approved_exchange(creator, owner)
    fan_erase(creator=creator, platform="youtube", fan_id="fan-42", requester=Requester(via="command"))
    assert Fan.objects.filter(creator=other_creator, external_id="fan-42").exists()
    assert Comment.objects.get(id=theirs.id).text == f"What camera do you use? {MARKER}"


def test_it_leaves_the_same_fan_id_on_another_platform(creator, owner, camera_faq):
    other = drafted(creator, "c2", "What camera do you use?", author=FAN, platform="instagram")
    _approved_exchange(creator, owner)
    fan_erase(creator=creator, platform="youtube", fan_id="fan-42", requester=Requester(via="command"))
    assert Comment.objects.filter(id=other.comment_id).exists()


def test_the_audit_keeps_who_when_and_a_hash_but_not_the_fan_id(creator, owner, camera_faq):
    _approved_exchange(creator, owner)
    fan_erase(creator=creator, platform="youtube", fan_id="fan-42", requester=Requester(via="web", user=owner))
    erasure = Erasure.objects.get(creator=creator)
    assert (erasure.user, erasure.platform, erasure.via) == (owner, "youtube", "web")
    assert erasure.counts == {"knowledge": 1, "publications": 1, "drafts": 1, "comments": 1}
    stored = json.dumps([erasure.fan_hash, erasure.counts, erasure.platform])
    assert "fan-42" not in stored and MARKER not in stored


def test_an_unknown_fan_is_nothing_to_erase(creator):
    assert fan_erase(creator=creator, platform="youtube", fan_id="nobody", requester=Requester(via="command")) is None
    assert not Erasure.objects.exists()


def test_the_api_erases_with_the_creators_token(api, creator, owner, camera_faq):
    _approved_exchange(creator, owner)
    response = api.post("/api/v1/fans/erase/", {"platform": "youtube", "fan_id": "fan-42"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["counts"]["comments"] == 1
    assert not Fan.objects.filter(creator=creator).exists()


def test_the_api_answers_404_for_another_creators_fan(other_api, creator, owner, camera_faq):
    _approved_exchange(creator, owner)
    response = other_api.post("/api/v1/fans/erase/", {"platform": "youtube", "fan_id": "fan-42"}, format="json")
    assert response.status_code == 404
    assert Fan.objects.filter(creator=creator, external_id="fan-42").exists()


def test_the_api_refuses_an_unknown_platform(api, creator):
    response = api.post("/api/v1/fans/erase/", {"platform": "myspace", "fan_id": "fan-42"}, format="json")
    assert response.status_code == 400
    assert "platform" in response.json()["details"]


def _login(client, user):
    assert client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    return client


def test_the_settings_button_erases_the_fan(client, creator, owner, camera_faq):
    _approved_exchange(creator, owner)
    response = _login(client, owner).post("/settings/privacy/erase/", {"platform": "youtube", "fan_id": "fan-42"})
    assert response.status_code == 302
    assert not Fan.objects.filter(creator=creator).exists()
    page = client.get("/settings/privacy/").content.decode()
    assert owner.email in page and "fan-42" not in page


@pytest.mark.parametrize("role", ["assistant", "viewer"])
def test_only_owners_may_erase(client, creator, owner, camera_faq, role, request):
    _approved_exchange(creator, owner)
    response = _login(client, request.getfixturevalue(role)).post(
        "/settings/privacy/erase/", {"platform": "youtube", "fan_id": "fan-42"}
    )
    assert response.status_code == 403
    assert Fan.objects.filter(creator=creator, external_id="fan-42").exists()


def test_the_command_erases_and_refuses_an_unknown_fan(creator, owner, camera_faq):
    _approved_exchange(creator, owner)
    call_command("erase_fan", "mia", "youtube", "fan-42")
    assert not Fan.objects.filter(creator=creator).exists()
    with pytest.raises(CommandError):
        call_command("erase_fan", "mia", "youtube", "fan-42")


def test_the_privacy_page_speaks_the_owners_language(client, owner):
    owner.language = "fr"
    owner.save()
    page = _login(client, owner).get("/settings/privacy/").content.decode()
    assert "Effacer ce fan" in page and "Télécharger mes données" in page
