from accounts.selectors import current_membership


class CurrentCreatorMiddleware:
    """Puts the logged-in user's active membership (and so the creator) on the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        if request.user.is_authenticated:
            request.membership = current_membership(request)
        return self.get_response(request)
