"""Helpers for tests of web pages: log a fixture user in, and the header htmx sends."""

from django.http import HttpRequest

from tests.conftest import PASSWORD

HTMX = {"HTTP_HX_REQUEST": "true"}


def login(client, user):
    # django-axes watches every authentication and needs the request it came with.
    assert client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    return client
