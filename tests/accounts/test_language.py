"""The web interface in English or French: the user's choice, else the browser's; the API stays English."""

import pytest
from django.conf import settings
from django.utils import translation

from accounts.models import User
from replyqueue.comments.models import Comment
from replyqueue.inbox.actions import Actor, draft_approve
from replyqueue.inbox.drafting import comment_process
from tests.factories import drafted, ingest
from tests.pages import HTMX, login


@pytest.fixture
def french(owner):
    owner.language = "fr"
    owner.save(update_fields=["language"])
    return owner


def test_it_shows_the_inbox_in_english_by_default(client, owner, creator, camera_faq):
    drafted(creator)
    response = login(client, owner).get("/inbox/")
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert ">Approve</button>" in body and "Needs review" in body
    assert "Approuver" not in body
    assert response["Content-Language"] == "en"


def test_it_shows_the_inbox_in_the_language_the_user_chose(client, french, creator, camera_faq):
    drafted(creator)
    response = login(client, french).get("/inbox/")
    body = response.content.decode()
    assert '<html lang="fr">' in body
    assert ">Approuver</button>" in body and ">Rejeter</button>" in body
    assert "À relire" in body and "Boîte de réception" in body
    assert 'data-action="approve"' in body and 'data-action="reject"' in body  # what the keyboard and tests use
    assert "What camera do you use?" in body  # the fan's words are data: never translated
    assert response["Content-Language"] == "fr"


def test_the_users_choice_wins_over_the_browser(client, french, creator):
    body = login(client, french).get("/inbox/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="fr">' in body


@pytest.mark.parametrize(
    ("path", "french_text"),
    [
        ("/settings/", "Paramètres"),
        ("/settings/team/", "Inviter quelqu'un"),
        ("/settings/tokens/", "Créer un jeton"),
        ("/settings/webhook/", "URL du webhook"),
        ("/settings/voice/", "Enregistrer la voix"),
        ("/settings/knowledge/", "Ajouter un élément"),
        ("/settings/rules/", "Règles de la communauté"),
        ("/settings/rules/new/", "Enregistrer la règle"),
        ("/settings/snippets/", "Nouvelle réponse type"),
        ("/inbox/questions/", "Questions auxquelles le clone n'a pas su répondre"),
        ("/inbox/insights/", "Délai de première réponse"),
        ("/inbox/insights/", "Aucun signalement pour l'instant"),
    ],
)
def test_it_shows_the_login_protected_pages_in_french(client, french, path, french_text):
    response = login(client, french).get(path)
    assert response.status_code == 200
    body = response.content.decode()
    assert french_text in body.replace("\u00a0", " ")
    assert "Se déconnecter" in body


def test_the_conflict_message_is_translated_in_the_inbox(client, french, creator, camera_faq):
    draft = drafted(creator)
    draft_approve(draft=draft, actor=Actor.for_member(french.memberships.get()), version=1)
    body = login(client, french).post(f"/inbox/drafts/{draft.id}/approve/", {"version": 1}, **HTMX).content.decode()
    assert "Ce brouillon est déjà approuvé (version 2)." in body


def test_the_fan_wrote_again_warning_is_translated(client, french, creator, camera_faq):
    draft = drafted(creator)
    ingest(creator, "c2", "Also, which lens?", author={"external_id": "fan-c1", "name": "Sam Carter"})
    body = login(client, french).post(f"/inbox/drafts/{draft.id}/approve/", {"version": 1}, **HTMX).content.decode()
    assert "Le fan a réécrit dans ce fil" in body and "Approuver quand même" in body


def test_the_api_stays_english_whatever_the_client_asks(api, french, creator, camera_faq):
    draft = drafted(creator)
    draft_approve(draft=draft, actor=Actor.for_member(french.memberships.get()), version=1)
    response = api.post(f"/api/v1/drafts/{draft.id}/approve/", {"version": 1}, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 409
    assert response.json()["error"] == "This draft is already approved (version 2)."
    assert response["Content-Language"] == "en"


def test_the_switch_saves_the_choice_and_goes_back(client, owner):
    response = login(client, owner).post("/accounts/language/", {"language": "fr", "next": "/settings/team/"})
    assert response.status_code == 302 and response["Location"] == "/settings/team/"
    assert User.objects.get(id=owner.id).language == "fr"
    assert "Équipe" in client.get("/settings/team/").content.decode()


def test_the_switch_back_to_the_browser_language_clears_the_choice(client, french):
    login(client, french).post("/accounts/language/", {"language": "", "next": "/inbox/"})
    assert User.objects.get(id=french.id).language == ""
    body = client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in body


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/inbox/", "javascript:alert(1)", ""])
def test_the_switch_refuses_an_off_site_next(client, owner, next_url):
    response = login(client, owner).post("/accounts/language/", {"language": "fr", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/inbox/"
    assert User.objects.get(id=owner.id).language == "fr"


def test_the_switch_refuses_an_unknown_language(client, owner):
    response = login(client, owner).post("/accounts/language/", {"language": "xx", "next": "/inbox/"})
    assert response.status_code == 400
    assert User.objects.get(id=owner.id).language == ""


def test_the_switch_only_answers_post(client, owner):
    assert login(client, owner).get("/accounts/language/?language=fr").status_code == 405


def test_anonymous_visitors_follow_accept_language_on_the_login_page(client, db):
    french = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.8").content.decode()
    assert '<html lang="fr">' in french and "Se connecter" in french and "Mot de passe" in french
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()
    assert '<html lang="en">' in english and ">Log in</button>" in english
    unsupported = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="en">' in unsupported


def test_an_anonymous_switch_sets_the_language_cookie(client, db):
    response = client.post("/accounts/language/", {"language": "fr", "next": "/accounts/login/"})
    assert response["Location"] == "/accounts/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    body = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Se connecter" in body


def test_the_language_does_not_outlive_the_request(client, french):
    login(client, french).get("/inbox/")
    assert translation.get_language() == settings.LANGUAGE_CODE


def test_times_are_shown_in_the_browsers_time_zone(client, owner, creator, camera_faq):
    """inbox.js sets the tz cookie; the history of a draft shows its times in that zone."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from replyqueue.inbox.models import Decision

    draft = drafted(creator)
    Decision.objects.create(creator=creator, draft=draft, action="approve", user=owner,
                            created_at=datetime(2026, 3, 10, 23, 30, tzinfo=ZoneInfo("UTC")))
    login(client, owner)
    client.cookies["tz"] = "Asia/Tokyo"
    body = client.get(f"/inbox/drafts/{draft.id}/history/", **HTMX).content.decode()
    assert "03/11/2026 8:30 a.m." in body  # 23:30 UTC is the next morning in Tokyo
    client.cookies["tz"] = "Not/AZone"
    body = client.get(f"/inbox/drafts/{draft.id}/history/", **HTMX).content.decode()
    assert "03/10/2026 11:30 p.m." in body  # an unknown zone falls back to UTC
    client.cookies["tz"] = "Asia/Tokyo"
    owner.language = "fr"
    owner.save()
    body = client.get(f"/inbox/drafts/{draft.id}/history/", **HTMX).content.decode()
    assert "11/03/2026 08:30" in body  # French date order and 24-hour clock
    assert "Envoyer le (Asia/Tokyo, facultatif)" in client.get("/inbox/").content.decode()


def test_a_comment_set_aside_shows_its_reason_in_the_readers_language(client, french, owner, creator):
    comment = ingest(creator, "q", "Will you come to Tokyo next year?")
    comment_process(comment_id=comment.id)
    body = login(client, french).get("/inbox/?tab=you").content.decode()
    assert "Rien de ce qu&#x27;a dit le créateur ne répond à ce commentaire." in body
    assert "Nothing the creator has said answers this comment." not in body


def test_the_api_keeps_reasons_in_english_whatever_the_page_language(api, creator):
    comment = ingest(creator, "q", "Will you come to Tokyo next year?")
    comment_process(comment_id=comment.id)
    body = api.get(f"/api/v1/comments/{comment.id}/", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert body["reason"] == "Nothing the creator has said answers this comment."
    assert body["triage"]["reasons"][0].startswith("question (")


def test_a_draft_shows_its_triage_labels_and_reasons_in_the_readers_language(client, french, creator, camera_faq):
    draft = drafted(creator)
    Comment.objects.filter(id=draft.comment_id).update(labels=["possibly spam", "VIP"])
    body = login(client, french).get("/inbox/").content.decode()
    assert '<span class="badge label">peut-être du spam</span>' in body
    assert '<span class="badge label">VIP</span>' in body
    assert '<p class="reasons">Tri : question (' in body  # triage's reason, under the comment
