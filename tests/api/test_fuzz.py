"""Property-based fuzzing of every API operation from its OpenAPI description.

Whatever schemathesis sends — valid or not — the API must never answer with a server error.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from guanxi.config.wsgi import application  # noqa: E402

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


# Administrators only: fuzzed again as an administrator, who gets past the permission check.
admin_schema = schema.include(
    path_regex="^/api/v1/(lead-settings|assignment-rules|scoring-rules|pools|web-forms)"
)
FUZZ = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


def _token(world, api, name):
    # Called straight through WSGI, each request would close the test's database connection
    # when it finishes; Django's test client avoids that the same way.
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield api(world.users[name]).token
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(world, api):
    yield from _token(world, api, "manager")


@pytest.fixture
def admin_bearer(world, api):
    yield from _token(world, api, "admin")


@schema.parametrize()
@FUZZ
@pytest.mark.django_db
def test_no_operation_answers_with_a_server_error(case, bearer):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {bearer}"}, checks=[not_a_server_error]
    )


@admin_schema.parametrize()
@FUZZ
@pytest.mark.django_db
def test_no_configuration_operation_answers_with_a_server_error(case, admin_bearer):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {admin_bearer}"}, checks=[not_a_server_error]
    )
