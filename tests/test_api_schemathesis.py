"""schemathesis against the live schema: the API served over HTTP by pytest-django's live
server, called with generated requests as an employer, an adviser and a manager (each with a
personal token). Valid and invalid data (schemathesis' positive and negative modes), path ids
generated and real ones (company A's appointment and request, directorate A). No call may answer
5xx, every status must be one the operation documents, every answer must match the schema it
documents, and invalid data must be refused (4xx).

Derandomized so CI sees the same cases each run; SCHEMATHESIS_EXAMPLES raises the count locally.
(schemathesis' own pytest plugin needs a pytest internal that pytest 9 removed, so the operations
are walked here with Hypothesis directly.)
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.tokens import create_token

pytestmark = pytest.mark.usefixtures("frozen_now")

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))
# Issue 18: also every status answered is documented, and invalid data (negative mode) is refused.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    negative_data_rejection,
]


@pytest.mark.long(100)
def test_api_conforms_to_its_schema_for_every_role(live_server, world, settings):
    settings.API_RATE_LIMITS = {"user": "100000/min", "anonymous": "100000/min"}
    settings.RATE_LIMITS = {
        scope: dict.fromkeys(rates, "100000/h") for scope, rates in settings.RATE_LIMITS.items()
    }
    args, _query, people = world
    real_ids = {
        "uid": str(args["appointment"]["uid"]),
        "code": args["directorate"]["code"],
        "id": args["municipality"]["id"],
    }
    request_uid = str(args["request"]["uid"])
    headers = [
        {"Authorization": f"Bearer {create_token(user=people[role], name='schemathesis')[1]}"}
        for role in ("employer_a", "advisor", "manager")
    ]
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json")
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        names = {p.name for p in operation.path_parameters}
        fixed = {name: real_ids[name] for name in names if name in real_ids}
        if "/requests/" in operation.path and "uid" in fixed:
            fixed["uid"] = request_uid
        if "/topics/" in operation.path:
            fixed["code"] = args["topic"]["code"]
        if "/service-points/" in operation.path:
            fixed["code"] = args["point"]["code"]
        strategies = [(mode, operation.as_strategy(mode)) for mode in GenerationMode]
        if fixed:
            strategies += [
                (mode, operation.as_strategy(mode, path_parameters=fixed)) for mode in GenerationMode
            ]
        for mode, strategy in strategies:

            @given(case=strategy)
            @hypothesis_settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                nonlocal calls
                for auth in headers:
                    response = case.call(headers=auth)
                    calls += 1
                    case.validate_response(response, checks=CHECKS)
                    if case.meta.generation.mode.is_negative and response.status_code != 403:
                        # Invalid data is checked once, as the first role the operation lets in:
                        # the other roles' 403 is what the positive cases already check.
                        break

            try:
                run()
            except Unsatisfiable:
                # Nothing left to make invalid (every parameter fixed, no body): nothing to test.
                assert mode == GenerationMode.NEGATIVE, operation.label
    assert calls > 400  # every operation was reached, with each role
