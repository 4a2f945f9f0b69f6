"""The sidecar's routes and status codes, with a stand-in app and real status files."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from .fakes import TOKEN, write_status


def test_health_is_200_when_app_answers_and_status_is_fresh(start_sidecar, tmp_path):
    """App up, status file just written, state healthy: 200 and "healthy"."""
    write_status(tmp_path)
    reply = start_sidecar().request("/health")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    body = reply.json()
    assert body["status"] == "healthy"
    assert body["state"] == "healthy"
    assert body["reasons"] == []
    assert body["snapshot_age_seconds"] < 5
    assert {"checked_at", "app_checked_at", "uptime_seconds"} <= set(body)


def test_health_is_503_when_app_is_down(start_sidecar, fake_app, tmp_path):
    """Nothing listening on the app's port: 503 naming the refused connection."""
    write_status(tmp_path)
    fake_app.stop()
    reply = start_sidecar().request("/health")
    assert reply.status == 503
    assert reply.json()["status"] == "unhealthy"
    assert reply.json()["reasons"] == ["app down: connection refused"]


def test_health_is_503_when_app_health_check_fails(start_sidecar, fake_app, tmp_path):
    """Streamlit answering its own health check with 503 counts as down."""
    write_status(tmp_path)
    fake_app.status = 503
    reply = start_sidecar().request("/health")
    assert reply.status == 503
    assert reply.json()["reasons"] == ["app down: health check answered HTTP 503"]


def test_health_is_503_when_status_file_is_stale(start_sidecar, tmp_path):
    """A status file older than the limit means the app's metrics loop stopped."""
    write_status(tmp_path, age=120)
    reply = start_sidecar(max_snapshot_age=45).request("/health")
    assert reply.status == 503
    (reason,) = reply.json()["reasons"]
    assert reason == "status file stale: written 120 s ago (limit 45 s)"


def test_health_is_503_before_the_first_status_file(start_sidecar):
    """No status file yet: not ready, and it says why."""
    reply = start_sidecar().request("/health")
    assert reply.status == 503
    assert reply.json()["reasons"] == ["no status file from the app yet"]


def test_health_is_503_when_app_reports_unhealthy(start_sidecar, tmp_path):
    """The app's own health state "unhealthy" fails readiness, with its reasons."""
    write_status(tmp_path, state="unhealthy", reasons=("memory 97 % in use",))
    reply = start_sidecar().request("/health")
    assert reply.status == 503
    assert reply.json()["reasons"] == ["app unhealthy: memory 97 % in use"]
    assert reply.json()["state"] == "unhealthy"


def test_degraded_app_is_still_ready_and_says_why(start_sidecar, tmp_path):
    """Degraded answers slowly but answers: 200, state and reasons passed on."""
    write_status(tmp_path, state="degraded", reasons=("average response 12 s",))
    body = start_sidecar().request("/health").json()
    assert body["status"] == "healthy"
    assert body["state"] == "degraded"
    assert body["reasons"] == ["average response 12 s"]


def test_head_health_has_status_and_headers_but_no_body(start_sidecar, tmp_path):
    """HEAD answers like GET, without the body."""
    write_status(tmp_path)
    sidecar = start_sidecar()
    get, head = sidecar.request("/health"), sidecar.request("/health", "HEAD")
    assert head.status == get.status == 200
    assert head.body == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert sidecar.request("/health", "HEAD").status == 200


def test_livez_is_200_while_the_app_is_down(start_sidecar, fake_app):
    """Liveness is about the sidecar only: 200 with no app and no status file."""
    fake_app.stop()
    sidecar = start_sidecar()
    reply = sidecar.request("/livez")
    assert reply.status == 200
    assert reply.json()["status"] == "alive"
    assert sidecar.request("/livez", "HEAD").body == b""


def test_status_holds_resources_counts_latency_breakers_alerts(start_sidecar, tmp_path):
    """/status is the snapshot's named fields plus the probe and freshness."""
    write_status(tmp_path)
    reply = start_sidecar().request("/status")
    assert reply.status == 200
    body = reply.json()
    assert body["status"] == "healthy"
    assert body["app"]["up"] is True
    assert body["questions"] == {"total": {"answered": 19.0, "failed": 1.0}}
    assert body["latency_5m"]["count"] == 1
    assert "process_resident_memory_bytes" in body["resources"]
    assert body["breakers"] == {"tradier": "closed"}
    assert body["alerts"] == []
    assert body["snapshot"]["age_seconds"] < 5
    assert "metrics" not in body


def test_status_is_503_without_a_status_file(start_sidecar):
    """With nothing to report, /status says so with 503 instead of empty fields."""
    reply = start_sidecar().request("/status")
    assert reply.status == 503
    assert reply.json()["reasons"][-1] == "no status file from the app yet"


def test_metrics_parse_with_prometheus_client(start_sidecar, tmp_path):
    """/metrics is valid exposition text with the app's and the sidecar's families."""
    write_status(tmp_path)
    reply = start_sidecar().request("/metrics")
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    families = {
        family.name: family
        for family in text_string_to_metric_families(reply.body.decode())
    }
    assert families["sidecar_app_up"].samples[0].value == 1.0
    assert families["sidecar_snapshot_age_seconds"].samples[0].value < 5
    answered = [
        sample
        for sample in families["questions"].samples
        if sample.labels.get("status") == "answered"
    ]
    assert answered[0].value == 19.0
    assert families["question_duration_seconds"].type == "histogram"


def test_metrics_without_status_file_still_parse(start_sidecar, fake_app):
    """Before the app writes anything, /metrics has the sidecar's own gauge."""
    fake_app.stop()
    text = start_sidecar().request("/metrics").body.decode()
    names = [family.name for family in text_string_to_metric_families(text)]
    assert names == ["sidecar_app_up"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_get_405_with_allow(start_sidecar, method):
    """Only GET and HEAD are served; the answer says which are allowed."""
    reply = start_sidecar().request("/health", method, body=b"{}")
    assert reply.status == 405
    assert reply.headers["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
def test_unknown_paths_get_404(start_sidecar, method):
    """Paths other than the four routes are 404, whatever the method."""
    assert start_sidecar().request("/admin", method).status == 404
    assert start_sidecar().request("/health/extra", method).status == 404


def test_query_strings_are_ignored(start_sidecar, tmp_path):
    """Cache-busting query strings from monitors still reach the route."""
    write_status(tmp_path)
    assert start_sidecar().request("/health?ts=123").status == 200


def test_probe_result_is_reused_within_its_ttl(start_sidecar, fake_app, tmp_path):
    """A burst of pings probes the app once, not once per ping."""
    write_status(tmp_path)
    sidecar = start_sidecar(probe_ttl=30)
    for _ in range(20):
        assert sidecar.request("/health").status == 200
    assert fake_app.hits == 1


def test_guarded_routes_need_the_token(start_sidecar, tmp_path):
    """With MONITORING_TOKEN set, /status and /metrics need the bearer token."""
    write_status(tmp_path)
    sidecar = start_sidecar(token=TOKEN)
    for path in ("/status", "/metrics"):
        missing = sidecar.request(path)
        assert missing.status == 401
        assert missing.headers["WWW-Authenticate"].startswith("Bearer")
        wrong = sidecar.request(path, headers={"Authorization": "Bearer nope"})
        assert wrong.status == 401
        basic = sidecar.request(path, headers={"Authorization": f"Basic {TOKEN}"})
        assert basic.status == 401
        right = sidecar.request(path, headers={"Authorization": f"Bearer {TOKEN}"})
        assert right.status == 200


def test_health_and_livez_stay_open_with_a_token(start_sidecar, tmp_path):
    """Keep-alive pings and load balancers carry no token."""
    write_status(tmp_path)
    sidecar = start_sidecar(token=TOKEN)
    assert sidecar.request("/health").status == 200
    assert sidecar.request("/livez").status == 200


def test_no_body_contains_a_secret(start_sidecar, tmp_path, monkeypatch):
    """Neither the token nor any key in the environment appears in any answer."""
    secrets = [TOKEN, "sk-test-abcdefghijklmnop1234", "tradier-key-987654"]
    monkeypatch.setenv("OPENAI_API_KEY", secrets[1])
    monkeypatch.setenv("TRADIER_API_KEY", secrets[2])
    write_status(tmp_path, state="degraded", reasons=("slow",))
    sidecar = start_sidecar(token=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    replies = [
        sidecar.request(path, method, headers=headers)
        for path in ("/health", "/livez", "/status", "/metrics", "/nope")
        for method in ("GET", "POST")
        for headers in ({}, auth)
    ]
    for reply in replies:
        text = reply.body.decode() + repr(reply.headers)
        for secret in secrets:
            assert secret not in text
