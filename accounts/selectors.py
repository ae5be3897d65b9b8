from accounts.models import Membership

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
