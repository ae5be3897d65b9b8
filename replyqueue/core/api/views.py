from django.shortcuts import get_object_or_404


def get_for_creator(request, model, pk, **filters):
    """The object if it belongs to the token's creator; 404 otherwise (never another creator's)."""
    return get_object_or_404(model, pk=pk, creator=request.auth.creator, **filters)
