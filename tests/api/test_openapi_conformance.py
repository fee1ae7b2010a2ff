"""Schemathesis with every check against the ASGI app, on SQLite and PostgreSQL: answers
match the OpenAPI document (status codes, content types, bodies, headers), valid requests are
accepted, invalid ones refused, unsupported methods answer 405, and nothing answers 500.

The examples per operation are bounded so the whole run stays under a minute per database.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.openapi import from_asgi

from app.api.main import create_api

EXAMPLES_PER_OPERATION = 8


# The API answers only to its own host names (DNS rebinding), not to a test client's default.
schema = from_asgi("/api/openapi.json", create_api(), headers={"Host": "127.0.0.1"})
schema.config.update(base_url="http://127.0.0.1")


@schema.exclude(path_regex=r"/events$").parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_conforms_to_its_openapi_document(owner_key: str, case: schemathesis.Case) -> None:
    # As the owner with every scope, so protected routes run their code (not just 401).
    response = case.call(headers={"Authorization": f"Bearer {owner_key}"})
    if (
        refused_for_repeated_agent_names(case, response)
        or refused_weak_password(response)
        or refused_for_unpaired_executions(case, response)
        or refused_cron(response)
        or refused_webhook_setting(case, response)
        or refused_date_range(case, response)
        or refused_price(case, response)
        or refused_budget_limit(case, response)
    ):
        return
    case.validate_response(response)


def refused_for_unpaired_executions(case: schemathesis.Case, response: Any) -> bool:
    """An A/B comparison takes as many `b` executions as `a` ones (a rule between two query
    parameters, which JSON Schema cannot state)."""
    return case.path.endswith("/ab/compare") and response.status_code == 422


def refused_cron(response: Any) -> bool:
    """A cron expression's fields and ranges, and whether it ever fires (30 February), are
    croniter's to decide; a JSON Schema pattern cannot state them."""
    return response.status_code == 422 and '"field":"body.cron"' in response.text


def refused_webhook_setting(case: schemathesis.Case, response: Any) -> bool:
    """Webhook settings JSON Schema cannot check: a mapping must be a JMESPath expression
    that compiles, an allowlist entry an IP address or CIDR block."""
    return (
        "/webhooks" in case.path
        and response.status_code == 422
        and ("JMESPath" in response.text or "CIDR" in response.text)
    )


def refused_date_range(case: schemathesis.Case, response: Any) -> bool:
    """An analytics date range must not end before it starts nor span over ten years (a
    rule between two query parameters, and with today's date, which JSON Schema cannot
    state)."""
    return (
        case.path.startswith("/api/analytics")
        and response.status_code == 422
        and ("date range" in response.text or "is after the end date" in response.text)
    )


def refused_weak_password(response: Any) -> bool:
    """The password rule beyond its length (common, repetitive, built from the e-mail)."""
    return response.status_code == 422 and "Password: " in response.text


def refused_for_repeated_agent_names(case: schemathesis.Case, response: Any) -> bool:
    """The one documented refusal JSON Schema cannot state: agent names must be unique."""
    return (
        case.path.startswith("/api/orchestrations")
        and response.status_code == 422
        and "agent names must be unique" in response.text
    )


PRICE_RULES = ("dollars", "negative", "typo", "decimal places", "Model:", "now or later")


def refused_price(case: schemathesis.Case, response: Any) -> bool:
    """A price override's amounts are decimal strings of dollars (not negative, at most six
    decimals, under $10,000), its model a name without spaces, its start now or later (with
    today's date): rules JSON Schema cannot state for a string."""
    return (
        case.path.startswith("/api/pricing")
        and response.status_code == 422
        and any(rule in response.text for rule in PRICE_RULES)
    )


def refused_budget_limit(case: schemathesis.Case, response: Any) -> bool:
    """A budget's monthly limit is a decimal string of dollars, more than $0, at most six
    decimals and $10,000,000: rules JSON Schema cannot state for a string."""
    return (
        case.path.startswith("/api/budgets")
        and response.status_code == 422
        and '"field":"body.monthly_limit_usd"' in response.text
    )
