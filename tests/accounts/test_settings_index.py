from accounts.models import Membership, Role
from accounts.services import user_get_or_create
from tests.conftest import PASSWORD
from tests.pages import login


def test_anonymous_users_are_sent_to_login(client, db):
    response = client.get("/settings/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_owner_sees_every_section(client, owner):
    body = login(client, owner).get("/settings/").content.decode()
    for path in ("/settings/team/", "/settings/voice/", "/settings/knowledge/", "/settings/rules/", "/settings/tokens/", "/settings/webhook/"):
        assert f'href="{path}"' in body


def test_viewers_and_assistants_see_only_the_sections_they_may(client, viewer, assistant):
    for user in (viewer, assistant):
        body = login(client, user).get("/settings/").content.decode()
        assert 'href="/settings/knowledge/"' in body
        assert 'href="/settings/tokens/"' not in body
        assert 'href="/settings/webhook/"' not in body


def test_a_user_who_belongs_to_no_creator_gets_404(client, db):
    user = user_get_or_create(email="nobody@example.com", password=PASSWORD)
    assert login(client, user).get("/settings/").status_code == 404


def test_the_header_offers_the_users_other_creators(client, owner, other_creator):
    Membership.objects.create(user=owner, creator=other_creator, role=Role.VIEWER)
    body = login(client, owner).get("/settings/").content.decode()
    assert 'action="/accounts/switch/rival/"' in body
    assert 'action="/accounts/switch/mia/"' not in body  # the current one is not offered


def test_the_switcher_is_not_shown_to_a_member_of_one_creator(client, owner):
    body = login(client, owner).get("/settings/").content.decode()
    assert "/accounts/switch/" not in body


def test_switching_changes_the_creator_without_logging_out(client, owner, other_creator):
    Membership.objects.create(user=owner, creator=other_creator, role=Role.VIEWER)
    login(client, owner).post("/accounts/switch/rival/")
    body = client.get("/settings/").content.decode()
    assert "Rival · viewer" in body
    assert 'href="/settings/tokens/"' not in body  # a viewer there


def test_switching_to_a_creator_one_is_not_a_member_of_is_404(client, owner, other_creator):
    assert login(client, owner).post("/accounts/switch/rival/").status_code == 404
