"""Who may see and change a settings page: one place, so no view forgets tenancy or roles."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from accounts.models import Membership


def membership_or_404(request: HttpRequest) -> Membership:
    """The member's current membership; 404 for a user who belongs to no creator."""
    if getattr(request, "membership", None) is None:
        raise Http404("You are not a member of any creator.")
    return request.membership


def owner_or_403(request: HttpRequest) -> Membership:
    """The membership if it is an owner's; only owners change settings."""
    membership = membership_or_404(request)
    if not membership.is_owner:
        raise PermissionDenied("Only the creator's owners can change settings.")
    return membership


def creator_object_or_404(request: HttpRequest, queryset, pk: int):
    """The row with this id if it belongs to the member's current creator; 404 otherwise (never
    another creator's). `queryset` may be a model or a queryset with its select_related."""
    membership = membership_or_404(request)
    manager = queryset.objects if hasattr(queryset, "objects") else queryset
    found = manager.filter(id=pk, creator_id=membership.creator_id).first()
    if found is None:
        raise Http404
    return found
