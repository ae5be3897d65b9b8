from django.utils.functional import SimpleLazyObject

from accounts.selectors import memberships_for


def current_creator(request) -> dict:
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    return {
        "membership": membership,
        "creator": membership.creator if membership else None,
        # Lazy: only pages that render the creator switcher pay for the query.
        "memberships": SimpleLazyObject(
            lambda: memberships_for(user) if user is not None and user.is_authenticated else []
        ),
    }
