from django.conf import settings
from django.utils import translation

from accounts.selectors import current_membership

# Their messages are a contract with programs, not pages: always English, whatever the client sends.
ENGLISH_ONLY_PATHS = ("/api/", "/hooks/")


class CurrentCreatorMiddleware:
    """Puts the logged-in user's active membership (and so the creator) on the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        if request.user.is_authenticated:
            request.membership = current_membership(request)
        return self.get_response(request)


def user_language(user) -> str:
    """The language the user picked in the switch, or "" to follow their browser."""
    language = getattr(user, "language", "") if user.is_authenticated else ""
    return language if language in dict(settings.LANGUAGES) else ""


class UserLanguageMiddleware:
    """The language of the request. LocaleMiddleware (before it) chose from the browser; here a
    logged-in user's own choice wins, and the API stays English.

    The language is deactivated once the response is made, so nothing that runs outside a
    request in the same thread (a task, the next test) inherits a visitor's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(ENGLISH_ONLY_PATHS):
            language = settings.LANGUAGE_CODE
        else:
            language = user_language(request.user)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
            # LocaleMiddleware only sets Content-Language when it is missing.
            response.headers.setdefault("Content-Language", translation.get_language())
        finally:
            translation.deactivate()
        return response


TIME_ZONE_COOKIE = "tz"


def zone_from_cookie(value: str | None):
    """The browser's IANA time zone (set by inbox.js), or None if missing or unknown."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not value or len(value) > 64:
        return None
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class BrowserTimezoneMiddleware:
    """Dates and times on the pages in the viewer's own time zone: the browser's, sent in a
    cookie by inbox.js (UTC until it has been set once). Deactivated after the response, like
    the language, so a task or the next test in the thread never inherits it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import timezone

        zone = None if request.path.startswith(ENGLISH_ONLY_PATHS) else zone_from_cookie(request.COOKIES.get(TIME_ZONE_COOKIE))
        if zone is not None:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
