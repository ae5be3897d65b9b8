import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Invitation, Membership, Role, User, hash_token
from tests.conftest import PASSWORD
from tests.pages import login

INVITE_LINK = re.compile(r"http://testserver/accounts/invite/(inv_[\w-]+)/")  # the address the owner uses


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://rq.example"


def invite(client, email="new@example.com", role="assistant"):
    return client.post("/settings/team/invite/", {"email": email, "role": role})


def invited_token(mailoutbox) -> str:
    return INVITE_LINK.search(mailoutbox[-1].body).group(1)


def test_every_member_sees_the_team(client, owner, assistant, viewer):
    body = login(client, viewer).get("/settings/team/").content.decode()
    assert "owner@example.com" in body and "assistant@example.com" in body
    assert 'action="/settings/team/invite/"' not in body


def test_an_outsider_sees_only_their_own_team(client, owner, outsider):
    body = login(client, outsider).get("/settings/team/").content.decode()
    assert "outsider@example.com" in body
    assert "owner@example.com" not in body


def test_the_owner_invites_by_email_with_an_accept_link(client, owner, creator, mailoutbox):
    response = invite(login(client, owner), "New@Example.com", "viewer")
    assert response.status_code == 302
    [mail] = mailoutbox
    assert mail.to == ["new@example.com"]
    assert "Mia Snaps" in mail.subject
    invitation = Invitation.objects.get(creator=creator)
    assert (invitation.email, invitation.role, invitation.invited_by) == ("new@example.com", "viewer", owner)
    assert invitation.token_hash == hash_token(invited_token(mailoutbox))


def test_only_the_hash_of_the_invitation_token_is_stored(client, owner, mailoutbox):
    invite(login(client, owner))
    token = invited_token(mailoutbox)
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert Invitation.objects.filter(token_hash=hash_token(token)).exists()


def test_an_invitation_expires_after_seven_days(client, owner, mailoutbox):
    invite(login(client, owner))
    invitation = Invitation.objects.get()
    assert abs(invitation.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client.logout()
    response = client.get(f"/accounts/invite/{invited_token(mailoutbox)}/")
    assert response.status_code == 410
    assert "expired" in response.content.decode()


@pytest.mark.parametrize("role", ["assistant", "viewer"])
def test_only_owners_invite(client, request, role, mailoutbox):
    user = request.getfixturevalue(role)
    assert invite(login(client, user)).status_code == 403
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_inviting_someone_who_is_already_a_member_is_refused(client, owner, assistant, mailoutbox):
    response = invite(login(client, owner), "assistant@example.com")
    assert response.status_code == 400
    assert "already a member" in response.content.decode()
    assert mailoutbox == []


def test_an_invitation_cannot_make_an_owner(client, owner, mailoutbox):
    assert invite(login(client, owner), role="owner").status_code == 400
    assert not Invitation.objects.exists()


def test_a_new_person_sets_a_password_and_joins(client, owner, creator, mailoutbox):
    invite(login(client, owner), "new@example.com", "assistant")
    client.logout()
    link = f"/accounts/invite/{invited_token(mailoutbox)}/"
    assert "Choose a password" in client.get(link).content.decode()
    response = client.post(link, {"password": "a long new password", "password_again": "a long new password"})
    assert response.status_code == 302 and response.url == "/inbox/"
    user = User.objects.get(email="new@example.com")
    assert user.check_password("a long new password")
    assert Membership.objects.get(user=user).role == "assistant"
    assert client.get("/settings/").context["membership"].creator == creator  # logged in, working for Mia


def test_mismatched_passwords_create_no_account(client, owner, mailoutbox):
    invite(login(client, owner))
    client.logout()
    response = client.post(f"/accounts/invite/{invited_token(mailoutbox)}/", {"password": "a long new password", "password_again": "another one"})
    assert response.status_code == 400
    assert not User.objects.filter(email="new@example.com").exists()


def test_an_invitation_works_once(client, owner, mailoutbox):
    invite(login(client, owner))
    client.logout()
    link = f"/accounts/invite/{invited_token(mailoutbox)}/"
    client.post(link, {"password": "a long new password", "password_again": "a long new password"})
    client.logout()
    response = client.post(link, {"password": "takeover password!", "password_again": "takeover password!"})
    assert response.status_code == 410
    assert User.objects.get(email="new@example.com").check_password("a long new password")


def test_a_logged_in_user_accepts_with_one_click(client, owner, creator, outsider, mailoutbox):
    invite(login(client, owner), "outsider@example.com", "viewer")
    client.logout()
    login(client, outsider)
    response = client.post(f"/accounts/invite/{invited_token(mailoutbox)}/")
    assert response.status_code == 302
    assert Membership.objects.get(user=outsider, creator=creator).role == "viewer"
    assert Membership.objects.filter(user=outsider).count() == 2


def test_someone_logged_in_as_another_person_cannot_accept(client, owner, creator, outsider, mailoutbox):
    invite(login(client, owner), "new@example.com")
    client.logout()
    response = login(client, outsider).post(f"/accounts/invite/{invited_token(mailoutbox)}/")
    assert response.status_code == 400
    assert not Membership.objects.filter(user=outsider, creator=creator).exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_existing_account_must_log_in_to_accept(client, owner, creator, outsider, mailoutbox):
    invite(login(client, owner), "outsider@example.com")
    client.logout()
    link = f"/accounts/invite/{invited_token(mailoutbox)}/"
    response = client.post(link, {"password": "hijacked password", "password_again": "hijacked password"})
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    outsider.refresh_from_db()
    assert outsider.check_password(PASSWORD)
    assert not Membership.objects.filter(user=outsider, creator=creator).exists()


def test_an_unknown_invitation_link_is_404(client, db):
    assert client.get("/accounts/invite/inv_made-up/").status_code == 404


def test_a_new_invitation_replaces_the_pending_one(client, owner, mailoutbox):
    invite(login(client, owner))
    first = invited_token(mailoutbox)
    invite(client)
    assert Invitation.objects.count() == 1
    client.logout()
    assert client.get(f"/accounts/invite/{first}/").status_code == 404


def test_the_owner_cancels_a_pending_invitation(client, owner, mailoutbox):
    invite(login(client, owner))
    invitation = Invitation.objects.get()
    assert "new@example.com" in client.get("/settings/team/").content.decode()
    client.post(f"/settings/team/invitations/{invitation.id}/cancel/")
    assert not Invitation.objects.exists()


def test_the_owner_changes_a_members_role(client, owner, assistant, creator):
    membership = Membership.objects.get(user=assistant)
    login(client, owner).post(f"/settings/team/members/{membership.id}/role/", {"role": "viewer"})
    membership.refresh_from_db()
    assert membership.role == "viewer"


def test_the_owner_removes_a_member(client, owner, assistant):
    membership = Membership.objects.get(user=assistant)
    login(client, owner).post(f"/settings/team/members/{membership.id}/remove/")
    assert not Membership.objects.filter(id=membership.id).exists()


def test_the_last_owner_cannot_step_down(client, owner, creator):
    membership = Membership.objects.get(user=owner, creator=creator)
    response = login(client, owner).post(f"/settings/team/members/{membership.id}/role/", {"role": "viewer"}, follow=True)
    assert "at least one owner" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "owner"


def test_the_last_owner_cannot_be_removed(client, owner, creator):
    membership = Membership.objects.get(user=owner, creator=creator)
    login(client, owner).post(f"/settings/team/members/{membership.id}/remove/")
    assert Membership.objects.filter(id=membership.id).exists()


def test_an_owner_can_step_down_when_another_owner_remains(client, owner, assistant, creator):
    Membership.objects.filter(user=assistant).update(role=Role.OWNER)
    membership = Membership.objects.get(user=owner, creator=creator)
    login(client, owner).post(f"/settings/team/members/{membership.id}/role/", {"role": "viewer"})
    membership.refresh_from_db()
    assert membership.role == "viewer"


@pytest.mark.parametrize("role", ["assistant", "viewer"])
def test_only_owners_change_roles_or_remove_members(client, request, role, owner, creator):
    user = request.getfixturevalue(role)
    owner_membership = Membership.objects.get(user=owner, creator=creator)
    login(client, user)
    assert client.post(f"/settings/team/members/{owner_membership.id}/role/", {"role": "viewer"}).status_code == 403
    assert client.post(f"/settings/team/members/{owner_membership.id}/remove/").status_code == 403
    assert Membership.objects.get(id=owner_membership.id).role == "owner"


def test_another_creators_member_is_404(client, outsider, assistant):
    membership = Membership.objects.get(user=assistant)
    login(client, outsider)
    assert client.post(f"/settings/team/members/{membership.id}/role/", {"role": "owner"}).status_code == 404
    assert client.post(f"/settings/team/members/{membership.id}/remove/").status_code == 404
    assert Membership.objects.get(id=membership.id).role == "assistant"


def test_another_creators_invitation_is_404(client, owner, outsider, mailoutbox):
    invite(login(client, owner))
    invitation = Invitation.objects.get()
    client.logout()
    assert login(client, outsider).post(f"/settings/team/invitations/{invitation.id}/cancel/").status_code == 404
    assert Invitation.objects.filter(id=invitation.id).exists()


def test_a_new_person_cannot_pick_a_password_like_their_email(client, owner, mailoutbox):
    invite(login(client, owner), "sam.carter@example.com")
    client.logout()
    link = f"/accounts/invite/{invited_token(mailoutbox)}/"
    response = client.post(link, {"password": "sam.carter@example", "password_again": "sam.carter@example"})
    assert response.status_code == 400
    assert "too similar" in response.content.decode()
    assert not User.objects.filter(email="sam.carter@example.com").exists()


def test_a_service_setting_a_password_applies_the_validators(db):
    from django.core.exceptions import ValidationError

    from accounts.services import user_get_or_create

    with pytest.raises(ValidationError):
        user_get_or_create(email="new@example.com", password="12345678")
    assert not User.objects.exists()


def test_the_invitation_link_is_built_from_the_running_address(client, owner, mailoutbox, settings):
    """Not SITE_URL's port: the address the owner is actually using."""
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    login(client, owner).post("/settings/team/invite/", {"email": "port@example.com", "role": "assistant"}, HTTP_HOST="127.0.0.1:8765")
    assert re.search(r"http://127\.0\.0\.1:8765/accounts/invite/inv_[\w-]+/", mailoutbox[-1].body)
    assert "rq.example" not in mailoutbox[-1].body
