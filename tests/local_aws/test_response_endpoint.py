"""The HTTPS response endpoint, reached by crhelper's real sender over TLS."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import time
from typing import Any

import pytest
from crhelper.utils import _send_response  # type: ignore[attr-defined]  # stub omits it

from local_aws.response_endpoint import MAX_BODY_BYTES, ResponseEndpoint

pytestmark = pytest.mark.wire


def body(request_id: str, reason: str = "") -> dict[str, Any]:
    return {
        "Status": "SUCCESS",
        "PhysicalResourceId": "vended-logs-policy",
        "StackId": "arn:aws:cloudformation:us-west-2:123456789012:stack/s/1",
        "RequestId": request_id,
        "LogicalResourceId": "VendedLogsPolicy",
        "Reason": reason,
        "Data": {},
    }


def send_in_thread(url: str, payload: dict[str, Any]) -> threading.Thread:
    """crhelper retries without end on failure: run it where a hang fails the test, not the run."""
    thread = threading.Thread(target=_send_response, args=(url, payload), daemon=True)
    thread.start()
    return thread


def put(endpoint: ResponseEndpoint, path_and_query: str, data: bytes) -> int:
    context = ssl.create_default_context(cafile=endpoint.ca_path)
    connection = http.client.HTTPSConnection(
        endpoint.host, endpoint.port, context=context, timeout=5
    )
    try:
        connection.request("PUT", path_and_query, body=data, headers={"content-type": ""})
        return connection.getresponse().status
    finally:
        connection.close()


def test_crhelper_send_reaches_the_endpoint_over_tls(cfn: ResponseEndpoint) -> None:
    # GIVEN a presigned-looking ResponseURL and SSL_CERT_FILE trusting the endpoint's CA
    url = cfn.url_for("req-1")
    assert url.startswith(f"https://127.0.0.1:{cfn.port}/cfn-response/req-1?")
    assert f"X-Amz-Signature={cfn.signature}" in url
    # WHEN crhelper's own sender PUTs a response
    thread = send_in_thread(url, body("req-1"))
    # THEN the endpoint records the parsed body, once, on the request's path
    [received] = cfn.wait_for(1, timeout=10)
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert received.body == body("req-1")
    assert received.request_id == "req-1"
    assert received.path == "/cfn-response/req-1"
    assert received.query["X-Amz-Signature"] == cfn.signature
    assert received.status == 200
    assert cfn.rejected == cfn.dropped == []
    assert cfn.tls_failures == []


def test_dropped_connection_is_retried_by_crhelper(cfn: ResponseEndpoint) -> None:
    # GIVEN an endpoint that closes the first connection without answering
    cfn.drop_next(1)
    # WHEN crhelper sends
    started = time.monotonic()
    thread = send_in_thread(cfn.url_for("req-2"), body("req-2"))
    # THEN it retries after its 2 s sleep and the second attempt is accepted
    [received] = cfn.wait_for(1, timeout=15)
    thread.join(timeout=5)
    assert time.monotonic() - started >= 2
    assert [r.outcome for r in cfn.received] == ["dropped", "accepted"]
    assert received.body == body("req-2")


def test_http_error_status_is_not_retried_by_crhelper(cfn: ResponseEndpoint) -> None:
    # GIVEN an endpoint that answers the next PUT with 500
    cfn.fail_next(1, status=500)
    # WHEN crhelper sends
    thread = send_in_thread(cfn.url_for("req-3"), body("req-3"))
    thread.join(timeout=10)
    # THEN crhelper returns after one attempt: any HTTP status counts as delivered
    assert not thread.is_alive()
    assert [(r.outcome, r.status) for r in cfn.received] == [("failed", 500)]
    assert cfn.responses == []


def test_plain_https_without_the_ca_fails_verification(
    cfn: ResponseEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a client that trusts only the system store
    monkeypatch.delenv("SSL_CERT_FILE")
    context = ssl.create_default_context()
    connection = http.client.HTTPSConnection(cfn.host, cfn.port, context=context, timeout=5)
    # WHEN it PUTs to the endpoint
    # THEN certificate verification fails and nothing is recorded
    with pytest.raises(ssl.SSLCertVerificationError):
        connection.request("PUT", "/cfn-response/x", body=b"{}")
    connection.close()
    cfn.wait_for_tls_failure()
    assert cfn.received == []


def test_body_over_4096_bytes_is_rejected(cfn: ResponseEndpoint) -> None:
    # GIVEN a response body one byte over CloudFormation's limit, and one exactly at it
    url = cfn.url_for("req-4")
    path_and_query = url.split(f":{cfn.port}", 1)[1]
    template = json.dumps(body("req-4", reason="")).encode()
    at_limit = json.dumps(body("req-4", reason="r" * (MAX_BODY_BYTES - len(template)))).encode()
    over = json.dumps(body("req-4", reason="r" * (MAX_BODY_BYTES + 1 - len(template)))).encode()
    assert (len(at_limit), len(over)) == (MAX_BODY_BYTES, MAX_BODY_BYTES + 1)
    # WHEN both are PUT
    statuses = [put(cfn, path_and_query, over), put(cfn, path_and_query, at_limit)]
    # THEN the oversized one gets 400 and is recorded as rejected, the other is accepted
    assert statuses == [400, 200]
    assert [r.outcome for r in cfn.received] == ["rejected", "accepted"]
    assert "too long" in cfn.rejected[0].reason


def test_put_without_the_signature_is_refused(cfn: ResponseEndpoint) -> None:
    # GIVEN the response path without its presigned query
    # WHEN it is PUT
    status = put(cfn, "/cfn-response/req-5", b"{}")
    # THEN S3 would refuse it
    assert status == 403
    assert cfn.rejected[0].reason == "SignatureDoesNotMatch"


def test_wait_for_times_out_with_what_arrived(cfn: ResponseEndpoint) -> None:
    # GIVEN nothing sent
    # WHEN a response is awaited
    # THEN it times out quickly and says so
    with pytest.raises(TimeoutError, match="1 accepted"):
        cfn.wait_for(1, timeout=0.1)


def test_endpoint_binds_loopback_only(cfn: ResponseEndpoint) -> None:
    # GIVEN the running endpoint
    host, port = cfn.address
    # WHEN another loopback address is tried
    # THEN it listens on 127.0.0.1 only
    assert host == "127.0.0.1"
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.2", port), timeout=1),
    ):
        pass
