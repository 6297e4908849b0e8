"""A property-based fuzz of the whole API: schemathesis generates requests from /api/v1/openapi.json,
valid ones and deliberately invalid ones, and sends them to the live test server as HR and as an
employee. The gate is that no request, however odd, gets a server error (5xx) back.

Bounded in time: COMPMS_FUZZ_EXAMPLES (default 4) examples per operation, caller and mode, and about
COMPMS_FUZZ_SECONDS (default 210) for the whole run, shared fairly between operations; raise both to
fuzz harder. Operations run in document order; destructive ones (a person leaving, a token revoked)
may make later cases answer 4xx, which is fine: only 5xx fails the test. Figures are printed at the
end (run with -s to see them): operations, cases sent, server errors, schema-conformance findings
(reported, not gated).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
import requests

pytest.importorskip("schemathesis")

import schemathesis  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.small_org import build_small_org, link_cast  # noqa: E402

EXAMPLES = int(os.environ.get("COMPMS_FUZZ_EXAMPLES", "4"))
BUDGET_SECONDS = float(os.environ.get("COMPMS_FUZZ_SECONDS", "210"))
# Checks that only read the response: the others (ignored_auth and friends) send extra requests.
CONFORMANCE_CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]
ENDS_ACCESS = {"DELETE /api/v1/tokens/{token_id}", "POST /api/v1/people/{person_id}/leave",
               "POST /api/v1/people/{person_id}/privacy/anonymise"}
CALLERS = ("employee", "hr")  # the employee first: HR's cases may make the employee a leaver


@dataclass
class Tally:
    operations: int = 0
    cases: int = 0
    statuses: Counter = field(default_factory=Counter)
    conformance: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    skipped_for_time: int = 0
    generation_errors: list[str] = field(default_factory=list)
    refusals: Counter = field(default_factory=Counter)


def _describe(case, response) -> str:
    return (f"{response.status_code} {case.method} {case.formatted_path} query={case.query!r} "
            f"body={str(case.body)[:300]!r} -> {response.text[:300]!r}")


@pytest.mark.django_db(transaction=True)
def test_no_generated_request_gets_a_server_error(live_server, cast, monkeypatch) -> None:
    from compms.accounts.services import create_token

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    build_small_org()
    link_cast(cast, hr=False)  # HR is no person here: a generated "leave" must not end HR's own token
    tokens = {who: create_token(cast.users[who], "fuzz")[1] for who in CALLERS}
    document = requests.get(f"{live_server.url}/api/v1/openapi.json", timeout=60).json()
    schema = schemathesis.openapi.from_dict(document)
    operations = []
    for result in schema.get_all_operations():
        try:
            operations.append(result.ok())
        except AttributeError:  # an Err: an operation the schema cannot describe; counted, not fuzzed
            pytest.fail(f"operation not loadable from the OpenAPI document: {result.err()}")

    # Operations that can end a caller's own access (revoking its token, a person leaving) go last, so
    # that the rest of the run is not spent on 401 answers.
    operations.sort(key=lambda op: f"{op.method.upper()} {op.path}" in ENDS_ACCESS)
    tally = Tally(operations=len(operations))
    session = requests.Session()

    def fuzz(operation, caller: str, mode: GenerationMode, stop_at: float) -> None:
        headers = {"Authorization": f"Bearer {tokens[caller]}"}
        sent = 0

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def send(case) -> None:
            nonlocal sent
            if time.monotonic() > stop_at and sent:
                tally.skipped_for_time += 1
                return
            sent += 1
            response = case.call(base_url=live_server.url, session=session, headers=headers, timeout=60)
            tally.cases += 1
            tally.statuses[response.status_code] += 1
            if response.status_code == 400:
                tally.refusals[response.text[:100]] += 1
            if response.status_code >= 500:
                tally.server_errors.append(f"[{caller}] {_describe(case, response)}")
                return
            try:
                case.validate_response(response, checks=CONFORMANCE_CHECKS, headers=headers)
            except BaseExceptionGroup as findings:  # schema conformance is reported, not gated
                for finding in findings.exceptions:
                    tally.conformance[type(finding).__name__] += 1

        try:
            send()
        except Exception as error:  # noqa: BLE001 - an unsatisfiable strategy is not a server error
            tally.conformance[f"generation:{type(error).__name__}"] += 1
            tally.generation_errors.append(f"{operation.method} {operation.path}: {error!r}"[:300])

    started = time.monotonic()
    for number, operation in enumerate(operations, start=1):
        # A fair share of the budget per operation, so the last operations in the document get fuzzed too;
        # the first case of each caller and mode is always sent.
        stop_at = started + BUDGET_SECONDS * number / len(operations)
        for caller in CALLERS:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                fuzz(operation, caller, mode, stop_at)

    print(f"\nfuzz: {tally.operations} operations, {tally.cases} cases, statuses {dict(tally.statuses)}, "
          f"{len(tally.server_errors)} server errors, conformance findings {dict(tally.conformance)}, "
          f"{tally.skipped_for_time} generated cases not sent for lack of time")
    for text, count in tally.refusals.most_common(8):
        print(f"400 x {count}: {text}")
    for line in tally.generation_errors[:5] + tally.server_errors:
        print(line)
    assert tally.server_errors == []
