"""`POST /api/hooks/{public_id}` on SQLite and PostgreSQL: signatures (the reference
Standard Webhooks signer, the GitHub vector, tokens, rotation), replays, the rate limit, the
IP allowlist, the body limit, body kinds, mapping, version tags and the respond modes."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook as ReferenceSigner

from app.api.main import create_api
from app.models.execution import Execution
from app.models.types import utc_now
from app.models.webhook import SignatureMode, Webhook, WebhookCall
from app.services.unit_of_work import session_scope
from app.services.webhook_secrets import encrypt_secret, new_public_id, new_secret
from app.services.webhook_signature import sign_github
from tests.documents import greeting, slow
from tests.services.test_version_runs import greeter
from tests.version_records import add_version, tag_version

Hook = tuple[str, str | None, int]  # public id, secret, workflow id


def make_hook(
    workflow_id: int, mode: SignatureMode = SignatureMode.STANDARD, **fields: Any
) -> Hook:
    """Insert a webhook of `workflow_id` (the management service's job) and its secret."""
    secret = fields.pop("secret", None) or new_secret(mode)
    now = utc_now()
    public_id = new_public_id()
    with session_scope() as session:
        session.add(
            Webhook(
                public_id=public_id,
                workflow_id=workflow_id,
                signature_mode=mode.value,
                secret_encrypted=encrypt_secret(secret) if secret else None,
                created_at=now,
                updated_at=now,
                **fields,
            )
        )
    return public_id, secret, workflow_id


def standard_headers(
    secret: str, body: bytes, *, msg_id: str | None = None, at: float | None = None
) -> dict[str, str]:
    """Headers of a request signed by the reference `standardwebhooks` package."""
    msg_id = msg_id or f"msg_{time.monotonic_ns()}"
    stamp = datetime.fromtimestamp(int(at if at is not None else time.time()), UTC)
    signature = ReferenceSigner(secret).sign(msg_id, stamp, body.decode())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(stamp.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


def executions(workflow_id: int) -> int:
    with session_scope(read_only=True) as session:
        query = select(func.count()).where(Execution.workflow_id == workflow_id)  # type: ignore[arg-type]
        return int(session.execute(query).scalar_one())


def calls(public_id: str) -> list[WebhookCall]:
    with session_scope(read_only=True) as session:
        hook = session.execute(select(Webhook).where(Webhook.public_id == public_id)).scalar_one()
        query = select(WebhookCall).where(WebhookCall.webhook_id == hook.id)
        return list(session.execute(query.order_by(WebhookCall.id)).scalars())


@pytest.fixture
async def workflow_id(create_workflow: Any) -> int:
    return int((await create_workflow(greeting()))["id"])


@pytest.fixture
async def hooks(client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """A second client, without credentials: webhook calls carry none."""
    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        yield http


async def post(
    hooks: httpx.AsyncClient, hook: Hook, body: bytes, headers: dict[str, str]
) -> httpx.Response:
    return await hooks.post(f"/api/hooks/{hook[0]}", content=body, headers=headers)


async def test_a_request_signed_by_the_reference_package_starts_a_run(
    hooks: httpx.AsyncClient, workflow_id: int, wait_for_execution: Any
) -> None:
    hook = make_hook(workflow_id)
    assert hook[1] is not None
    body = b'{"name": "Ada"}'
    answer = await post(hooks, hook, body, standard_headers(hook[1], body))
    assert answer.status_code == 202, answer.text
    execution_id = answer.json()["execution_id"]
    done = await wait_for_execution(execution_id)
    assert done["status"] == "succeeded" and done["trigger"] == "webhook"
    assert done["input"] == {"name": "Ada"} and done["output"] == {"result": "Hello Ada"}
    (logged,) = calls(hook[0])
    assert (logged.status_code, logged.execution_id, logged.reason) == (202, execution_id, None)
    assert logged.mapped_input == {"name": "Ada"} and logged.ip == "127.0.0.1"


async def test_one_changed_byte_or_a_stale_timestamp_is_refused(
    hooks: httpx.AsyncClient, workflow_id: int
) -> None:
    hook = make_hook(workflow_id)
    assert hook[1] is not None
    body = b'{"name": "Ada"}'
    headers = standard_headers(hook[1], body)
    changed = await post(hooks, hook, b'{"name": "Adb"}', headers)
    assert changed.status_code == 401 and "does not match" in changed.json()["detail"]
    # Well past the 300 s tolerance (tests/services/test_webhook_signature.py takes it to
    # the second): the header holds whole seconds and the request takes time to arrive, so
    # 301 s ahead could be 300 s ahead once it is checked.
    for offset in (310, -310):
        stale = standard_headers(hook[1], body, at=time.time() + offset)
        refused = await post(hooks, hook, body, stale)
        assert refused.status_code == 401 and "tolerance" in refused.json()["detail"]
    unsigned = await post(hooks, hook, body, {"content-type": "application/json"})
    assert unsigned.status_code == 401
    assert executions(workflow_id) == 0
    assert [c.status_code for c in calls(hook[0])] == [401, 401, 401, 401]
    assert all(c.reason for c in calls(hook[0]))


async def test_a_reused_webhook_id_gets_the_first_answer_and_starts_nothing(
    hooks: httpx.AsyncClient, workflow_id: int
) -> None:
    hook = make_hook(workflow_id)
    assert hook[1] is not None
    body = b'{"name": "Ada"}'
    headers = standard_headers(hook[1], body, msg_id="msg_once")
    first = await post(hooks, hook, body, headers)
    again = await post(hooks, hook, body, headers)
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert executions(workflow_id) == 1
    replay = calls(hook[0])[-1]
    assert replay.reason and "replay" in replay.reason
    assert replay.execution_id == first.json()["execution_id"]


async def test_rotation_two_signatures_and_the_previous_secret_in_its_grace_period(
    hooks: httpx.AsyncClient, workflow_id: int
) -> None:
    old, new = new_secret(SignatureMode.STANDARD), new_secret(SignatureMode.STANDARD)
    assert old is not None and new is not None
    in_grace = make_hook(
        workflow_id,
        secret=new,
        previous_secret_encrypted=encrypt_secret(old),
        previous_secret_expires_at=utc_now() + timedelta(hours=1),
    )
    expired = make_hook(
        workflow_id,
        secret=new,
        previous_secret_encrypted=encrypt_secret(old),
        previous_secret_expires_at=utc_now() - timedelta(seconds=1),
    )
    body = b'{"name": "Ada"}'
    assert (await post(hooks, in_grace, body, standard_headers(old, body))).status_code == 202
    assert (await post(hooks, expired, body, standard_headers(old, body))).status_code == 401
    by_new = standard_headers(new, body)
    by_old = standard_headers(old, body, msg_id=by_new["webhook-id"])
    stamp = by_new["webhook-timestamp"]
    assert stamp == by_old["webhook-timestamp"]
    both = by_new | {
        "webhook-signature": f"{by_old['webhook-signature']} {by_new['webhook-signature']}"
    }
    assert (await post(hooks, expired, body, both)).status_code == 202
    assert executions(workflow_id) == 2


async def test_the_101st_call_in_the_hour_is_refused_with_retry_after(
    hooks: httpx.AsyncClient, workflow_id: int
) -> None:
    hook = make_hook(workflow_id, SignatureMode.TOKEN)
    headers = {"x-webhook-token": str(hook[1]), "content-type": "application/json"}
    for _ in range(100):
        assert (await post(hooks, hook, b"{}", headers)).status_code == 202
    refused = await post(hooks, hook, b"{}", headers)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert executions(workflow_id) == 100
    assert calls(hook[0])[-1].status_code == 429


async def test_a_disallowed_ip_with_a_spoofed_forwarded_for_is_refused(
    hooks: httpx.AsyncClient, workflow_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = make_hook(workflow_id, SignatureMode.NONE, ip_allowlist=["10.0.0.0/8"])
    spoofed = {"x-forwarded-for": "10.1.2.3", "content-type": "application/json"}
    refused = await post(hooks, hook, b"{}", spoofed)
    assert refused.status_code == 403 and "127.0.0.1" in refused.json()["detail"]
    assert executions(workflow_id) == 0
    # From a trusted proxy, the forwarded address is the caller's.
    monkeypatch.setenv("FLOWBOOK_TRUSTED_PROXIES", "127.0.0.0/8, ::1")
    assert (await post(hooks, hook, b"{}", spoofed)).status_code == 202
    outside = {"x-forwarded-for": "10.1.2.3, 192.0.2.7", "content-type": "application/json"}
    assert (await post(hooks, hook, b"{}", outside)).status_code == 403
    assert [c.ip for c in calls(hook[0])] == ["127.0.0.1", "10.1.2.3", "192.0.2.7"]


async def test_a_2_mib_body_is_refused_before_it_is_read_whole(
    hooks: httpx.AsyncClient, workflow_id: int
) -> None:
    hook = make_hook(workflow_id, SignatureMode.NONE)
    big = b'"' + b"x" * (2 * 1024 * 1024) + b'"'
    declared = await post(hooks, hook, big, {"content-type": "application/json"})
    assert declared.status_code == 413

    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 64 * 1024):
            sent.append(start)
            yield big[start : start + 64 * 1024]

    streamed = await hooks.post(f"/api/hooks/{hook[0]}", content=chunks())
    assert streamed.status_code == 413
    assert executions(workflow_id) == 0
    assert [c.status_code for c in calls(hook[0])] == [413, 413]


async def test_a_filepath_in_the_body_is_only_data(
    hooks: httpx.AsyncClient, workflow_id: int, wait_for_execution: Any
) -> None:
    hook = make_hook(workflow_id, SignatureMode.NONE, mapping="{name: body.files[0].filepath}")
    body = b'{"files": [{"filepath": "/etc/passwd"}]}'
    answer = await post(hooks, hook, body, {"content-type": "application/json"})
    assert answer.status_code == 202
    done = await wait_for_execution(answer.json()["execution_id"])
    assert done["input"] == {"name": "/etc/passwd"}
    assert done["output"] == {"result": "Hello /etc/passwd"}
    assert "root:" not in str(done)


async def test_the_github_vector_and_other_body_kinds(
    hooks: httpx.AsyncClient, workflow_id: int, wait_for_execution: Any
) -> None:
    github = make_hook(workflow_id, SignatureMode.GITHUB, secret="It's a Secret to Everybody")
    body = b"Hello, World!"
    signature = sign_github("It's a Secret to Everybody", body)
    assert signature.endswith("757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
    headers = {"x-hub-signature-256": signature, "content-type": "text/plain"}
    answer = await post(hooks, github, body, headers)
    assert answer.status_code == 202, answer.text
    assert (await wait_for_execution(answer.json()["execution_id"]))["input"] == "Hello, World!"
    assert (await post(hooks, github, b"Hello, World?", headers)).status_code == 401

    open_hook = make_hook(workflow_id, SignatureMode.NONE)
    form = await post(
        hooks,
        open_hook,
        b"name=Ada&tag=a&tag=b",
        {"content-type": "application/x-www-form-urlencoded"},
    )
    done = await wait_for_execution(form.json()["execution_id"])
    assert done["input"] == {"name": "Ada", "tag": ["a", "b"]}
    binary = await post(
        hooks, open_hook, b"\xff\x00\xfe", {"content-type": "application/octet-stream"}
    )
    done = await wait_for_execution(binary.json()["execution_id"])
    assert done["input"] == {"base64": base64.b64encode(b"\xff\x00\xfe").decode()}
    bad = await post(hooks, open_hook, b"{nope", {"content-type": "application/json"})
    assert bad.status_code == 400


async def test_mapping_of_headers_and_query_and_a_token(
    hooks: httpx.AsyncClient, workflow_id: int, wait_for_execution: Any
) -> None:
    hook = make_hook(
        workflow_id,
        SignatureMode.TOKEN,
        token_header="X-Secret",
        mapping="{name: join('-', [headers.\"x-event\", query.who, body.n])}",
    )
    headers = {"x-secret": str(hook[1]), "x-event": "push", "content-type": "application/json"}
    answer = await hooks.post(
        f"/api/hooks/{hook[0]}?who=Ada", content=b'{"n": "7"}', headers=headers
    )
    assert answer.status_code == 202, answer.text
    done = await wait_for_execution(answer.json()["execution_id"])
    assert done["output"] == {"result": "Hello push-Ada-7"}
    wrong = headers | {"x-secret": "nope"}
    assert (
        await hooks.post(f"/api/hooks/{hook[0]}", content=b"{}", headers=wrong)
    ).status_code == 401


async def test_unknown_and_disabled_webhooks_answer_the_same_404(
    hooks: httpx.AsyncClient, workflow_id: int
) -> None:
    disabled = make_hook(workflow_id, SignatureMode.NONE, enabled=False)
    unknown = await hooks.post(f"/api/hooks/{new_public_id()}", content=b"{}")
    refused = await post(hooks, disabled, b"{}", {"content-type": "application/json"})
    assert unknown.status_code == refused.status_code == 404
    assert unknown.json() == refused.json()
    assert executions(workflow_id) == 0


async def test_a_version_tag_runs_that_version(
    hooks: httpx.AsyncClient, create_workflow: Any, wait_for_execution: Any
) -> None:
    workflow_id = (await create_workflow(greeter("Hello")))["id"]
    tagged = add_version(workflow_id, greeter("Hello"))
    tag_version(workflow_id, "production", tagged)
    add_version(workflow_id, greeter("Howdy"))
    hook = make_hook(workflow_id, SignatureMode.NONE, version_tag="production")
    answer = await post(hooks, hook, b'{"name": "Ada"}', {"content-type": "application/json"})
    done = await wait_for_execution(answer.json()["execution_id"])
    assert done["version_number"] == tagged and done["output"] == {"result": "Hello Ada"}
    missing = make_hook(workflow_id, SignatureMode.NONE, version_tag="nothing")
    refused = await post(hooks, missing, b"{}", {"content-type": "application/json"})
    assert refused.status_code == 404 and calls(missing[0])[-1].reason


async def test_respond_with_the_output_or_504(
    hooks: httpx.AsyncClient, workflow_id: int, create_workflow: Any
) -> None:
    hook = make_hook(workflow_id, SignatureMode.NONE, respond_mode="output")
    answer = await post(hooks, hook, b'{"name": "Ada"}', {"content-type": "application/json"})
    assert answer.status_code == 200 and answer.json() == {"result": "Hello Ada"}
    slow_id = (await create_workflow(slow(30)))["id"]
    waiting = make_hook(
        slow_id, SignatureMode.NONE, respond_mode="output", respond_timeout_seconds=0.3
    )
    late = await post(hooks, waiting, b"{}", {"content-type": "application/json"})
    assert late.status_code == 504
    assert late.json()["execution_id"] > 0 and "0.3 s" in late.json()["detail"]


async def test_the_log_keeps_the_newest_calls(hooks: httpx.AsyncClient, workflow_id: int) -> None:
    hook = make_hook(workflow_id)
    for _ in range(105):
        assert (await post(hooks, hook, b"{}", {})).status_code == 401
    kept = calls(hook[0])
    assert len(kept) == 100


def change_hook(public_id: str, **fields: Any) -> None:
    """Change a webhook's row as the management service does (updated_at moves)."""
    with session_scope() as session:
        hook = session.execute(select(Webhook).where(Webhook.public_id == public_id)).scalar_one()
        for name, value in {**fields, "updated_at": utc_now()}.items():
            setattr(hook, name, value)


async def test_a_change_takes_effect_at_once_despite_the_cached_settings(
    hooks: httpx.AsyncClient, workflow_id: int
) -> None:
    hook = make_hook(workflow_id)
    assert hook[1] is not None
    body = b'{"name": "Ada"}'
    assert (await post(hooks, hook, body, standard_headers(hook[1], body))).status_code == 202
    # Regenerated without a grace period: the old secret no longer starts anything.
    new = new_secret(SignatureMode.STANDARD)
    assert new is not None
    change_hook(hook[0], secret_encrypted=encrypt_secret(new))
    assert (await post(hooks, hook, body, standard_headers(hook[1], body))).status_code == 401
    assert (await post(hooks, hook, body, standard_headers(new, body))).status_code == 202
    change_hook(hook[0], enabled=False)
    assert (await post(hooks, hook, body, standard_headers(new, body))).status_code == 404
    assert executions(workflow_id) == 2
