"""Helpers for tests of web pages: log a fixture user in, and the header htmx sends."""

from tests.conftest import PASSWORD

HTMX = {"HTTP_HX_REQUEST": "true"}


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client
