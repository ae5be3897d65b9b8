"""The API against its own OpenAPI schema, fuzzed by Schemathesis in-process (WSGI, no server).

Every operation gets valid and invalid requests generated from the schema drf-spectacular serves,
authenticated with a creator's token: no request may end in a server error, every status must be
one the schema declares, and a request that breaks the schema must be refused. Bounded by
FUZZ_EXAMPLES per operation so the whole run stays well under a minute.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import negative_data_rejection, status_code_conformance

from accounts.models import ApiToken
from tests.factories import drafted

FUZZ_EXAMPLES = int(os.getenv("FUZZ_EXAMPLES", "12"))


def _coerced_scalar(case) -> bool:
    """A number where the schema says string: DRF reads it as its text on purpose (platforms' ids
    are numeric on some clients), the way every DRF API does. Lists, objects and booleans are
    still refused, and checked."""
    data = case.meta.phase.data
    if getattr(data, "scenario", None) != "incorrect_type" or not isinstance(case.body, dict):
        return False
    value = case.body
    for name in (data.description or "").split(":")[0].split(" -> "):  # "post -> external_id"
        value = value.get(name) if isinstance(value, dict) else None
    return isinstance(value, int | float) and not isinstance(value, bool)


def _tolerated_mutation(case, mutation) -> bool:
    """Unknown query parameters are ignored and an empty one (`?status=`) is no filter, as in most
    APIs; the Authorization header a mutation removes or mangles is replaced by this test's token."""
    location, name = mutation.parameter_location.value, mutation.parameter or mutation.schema_pointer.rsplit("/", 1)[-1]
    if location == "query":
        return mutation.keywords == ("additionalProperties",) or (case.query or {}).get(name) == ""
    return location == "header" and name == "Authorization"


def negative_data_rejected(ctx, response, case):
    """Schemathesis' negative_data_rejection, less DRF's documented leniencies (above)."""
    mutations = getattr(case.meta.phase.data, "mutations", ()) if case.meta else ()
    if case.meta and (_coerced_scalar(case) or (mutations and all(_tolerated_mutation(case, m) for m in mutations))):
        return None
    return negative_data_rejection(ctx, response, case)


CHECKS = [not_a_server_error, status_code_conformance, negative_data_rejected]


# drf-spectacular builds the schema from the URL conf alone: no database needed to load it.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=FUZZ_EXAMPLES, deterministic=True
)


@pytest.fixture
def token(db, creator, camera_faq, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "100000/min"}}
    drafted(creator, "c1")  # rows for the list and detail endpoints to find
    # The raw WSGI handler closes the database connection after each request, which would end the
    # test's transaction; Django's own test client unhooks the same signal handlers.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield ApiToken.issue(creator=creator, name="fuzz")[1]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_conforms_to_its_schema_and_never_fails_with_a_server_error(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
