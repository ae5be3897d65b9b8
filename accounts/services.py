import base64
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import (
    INVITATION_DAYS,
    INVITATION_PREFIX,
    ApiToken,
    Creator,
    Invitation,
    Membership,
    Role,
    User,
    hash_token,
)
from replyqueue.core.netguard import webhook_url_error


@transaction.atomic
def user_get_or_create(*, email: str, password: str | None = None) -> User:
    """The user with this email, made if new; a given password is checked against
    AUTH_PASSWORD_VALIDATORS (ValidationError) before it is set."""
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(username=email, email=email)
        if password:
            user_set_password(user=user, password=password, save=False)
        else:
            user.set_unusable_password()
        user.save()
    elif password:
        user_set_password(user=user, password=password)
    return user


def user_set_password(*, user: User, password: str, save: bool = True) -> None:
    """Every password a person or a command sets goes through the validators first."""
    validate_password(password, user)
    user.set_password(password)
    if save:
        user.save(update_fields=["password"])


@transaction.atomic
def creator_create(*, slug: str, name: str = "", owner_email: str, password: str | None = None) -> Creator:
    creator, _created = Creator.objects.get_or_create(slug=slug, defaults={"name": name or slug})
    owner = user_get_or_create(email=owner_email, password=password)
    Membership.objects.update_or_create(user=owner, creator=creator, defaults={"role": Role.OWNER})
    return creator


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` followed by base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookUrlRefused(ValueError):
    """The URL cannot be a webhook destination (SSRF guard); the message can be shown as is."""


@transaction.atomic
def webhook_set(*, creator: Creator, url: str) -> str:
    """Set the destination; the signing secret is made once, on first use, and then kept.
    Saving a URL re-enables an endpoint that was disabled by a 410 Gone."""
    if url and (error := webhook_url_error(url)):
        raise WebhookUrlRefused(error)
    # Locked so two owners saving at once end up with one secret, the one both are shown.
    locked = Creator.objects.select_for_update().get(pk=creator.pk)
    locked.webhook_url = url
    if not locked.webhook_secret:
        locked.webhook_secret = new_webhook_secret()
    locked.webhook_disabled_at, locked.webhook_disabled_reason = None, ""
    locked.save(update_fields=["webhook_url", "webhook_secret", "webhook_disabled_at", "webhook_disabled_reason"])
    creator.webhook_url, creator.webhook_secret = locked.webhook_url, locked.webhook_secret
    creator.webhook_disabled_at, creator.webhook_disabled_reason = None, ""
    return creator.webhook_secret


class TeamError(Exception):
    """A team change that is not allowed; the message is shown to the person as is."""


INVITABLE_ROLES = (Role.ASSISTANT, Role.VIEWER)


@transaction.atomic
def invitation_create(*, creator: Creator, email: str, role: str, invited_by: User | None) -> tuple[Invitation, str]:
    """A new invitation and its raw token (to put in the email, never stored). It replaces any
    invitation still pending for the same address."""
    email = email.strip().lower()
    if role not in INVITABLE_ROLES:
        raise TeamError(_("Invite people as assistant or viewer."))
    if Membership.objects.filter(creator=creator, user__email__iexact=email).exists():
        raise TeamError(_("%(email)s is already a member.") % {"email": email})
    Invitation.objects.filter(creator=creator, email=email, accepted_at__isnull=True).delete()
    raw = INVITATION_PREFIX + secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        creator=creator,
        email=email,
        role=role,
        token_hash=hash_token(raw),
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    return invitation, raw


def invitation_link(raw_token: str, base_url: str | None = None) -> str:
    """The accept link, on the address the inviter is using (`base_url`, from the request), or
    SITE_URL outside a request."""
    return f"{(base_url or settings.SITE_URL).rstrip('/')}/accounts/invite/{raw_token}/"


def invitation_send(*, invitation: Invitation, raw_token: str, base_url: str | None = None) -> None:
    """Email the accept link. Call it after the invitation is committed (views are not atomic)."""
    inviter = invitation.invited_by.email if invitation.invited_by else "The owner"
    send_mail(
        subject=f"Join {invitation.creator.name} on replyqueue",
        message=(
            f"{inviter} invited you to review replies for {invitation.creator.name} as {invitation.role}.\n\n"
            f"Accept the invitation (valid {INVITATION_DAYS} days, once):\n{invitation_link(raw_token, base_url)}\n"
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Join the invitation's creator. The invitation is claimed with a conditional update, so it
    works once even if the link is clicked twice at the same moment."""
    if user.email.lower() != invitation.email:
        raise TeamError(
            _("This invitation is for %(email)s; log in with that address to accept it.") % {"email": invitation.email}
        )
    now = timezone.now()
    claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, expires_at__gt=now).update(
        accepted_at=now, accepted_by=user
    )
    if not claimed:
        raise TeamError(_("This invitation has expired or was already used."))
    # A person who is already a member keeps their role (an owner is never demoted by an invite).
    membership, _created = Membership.objects.get_or_create(
        user=user, creator=invitation.creator, defaults={"role": invitation.role}
    )
    return membership


@transaction.atomic
def invitation_accept_as_new_user(*, invitation: Invitation, password: str) -> User:
    """Create the invited person's account with their chosen password, then accept."""
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise TeamError(_("An account with this email already exists: log in to accept the invitation."))
    user = User(username=invitation.email, email=invitation.email)
    user_set_password(user=user, password=password, save=False)
    user.save()
    invitation_accept(invitation=invitation, user=user)
    return user


def _locked_owner_count(creator_id: int) -> int:
    # Locking the owners serialises concurrent demotions and removals, so two of them cannot both
    # see "another owner is left" and leave none.
    return len(Membership.objects.select_for_update().filter(creator_id=creator_id, role=Role.OWNER))


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise TeamError(_("Unknown role '%(role)s'.") % {"role": role})
    owners = _locked_owner_count(membership.creator_id)
    current = Membership.objects.select_for_update().get(pk=membership.pk)
    if current.role == Role.OWNER and role != Role.OWNER and owners <= 1:
        raise TeamError(_("A creator always keeps at least one owner."))
    current.role = role
    current.save(update_fields=["role"])
    return current


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    owners = _locked_owner_count(membership.creator_id)
    current = Membership.objects.select_for_update().filter(pk=membership.pk).first()
    if current is None:
        return
    if current.role == Role.OWNER and owners <= 1:
        raise TeamError(_("A creator always keeps at least one owner."))
    current.delete()


def api_token_create(*, creator: Creator, name: str) -> tuple[ApiToken, str]:
    """A new token and its raw value, to show once."""
    return ApiToken.issue(creator=creator, name=name.strip())


def api_token_revoke(*, token: ApiToken) -> bool:
    """Revoke once; False if it was already revoked."""
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return bool(revoked)
