from django.db.models import F
from django.utils import timezone

from accounts.models import ApiToken, Invitation, Membership, hash_token

SESSION_KEY = "creator_id"


def current_membership(request) -> Membership | None:
    """The membership the user is working in: the one picked in the session, else their first."""
    memberships = Membership.objects.select_related("creator").filter(user=request.user).order_by("id")
    chosen = request.session.get(SESSION_KEY)
    if chosen is not None:
        membership = memberships.filter(creator_id=chosen).first()
        if membership:
            return membership
    return memberships.first()


def memberships_for(user) -> list[Membership]:
    return list(Membership.objects.select_related("creator").filter(user=user).order_by("creator__name"))


def team_members(creator_id: int) -> list[Membership]:
    return list(Membership.objects.select_related("user").filter(creator_id=creator_id).order_by("created_at", "id"))


def pending_invitations(creator_id: int) -> list[Invitation]:
    return list(
        Invitation.objects.filter(creator_id=creator_id, accepted_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("invited_by")
        .order_by("-created_at")
    )


def invitation_for_token(raw_token: str) -> Invitation | None:
    """The invitation a link's token names (pending, expired or used), or None."""
    return Invitation.objects.select_related("creator").filter(token_hash=hash_token(raw_token)).first()


def api_tokens(creator_id: int) -> list[ApiToken]:
    """Active tokens first, newest first; revoked ones after them."""
    return list(
        ApiToken.objects.filter(creator_id=creator_id).order_by(F("revoked_at").asc(nulls_first=True), "-created_at")
    )
