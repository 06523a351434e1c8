"""Root fixtures. The environment is made safe before any test module builds a boto3 client."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator

# Dummy credentials and a fixed region before anything imports boto3 clients: no test can reach
# real AWS, pick up a developer's profile or ask the instance metadata service.
for _name in [
    name
    for name in os.environ
    if name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME")
    or name.startswith(("AWS_ENDPOINT_URL", "AWS_WEB_IDENTITY", "AWS_CONTAINER_"))
]:
    del os.environ[_name]
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-west-2",
        "AWS_REGION": "us-west-2",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
)

import botocore.loaders  # noqa: E402
import botocore.session  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from local_aws.lambda_context import FakeLambdaContext  # noqa: E402
from local_aws.logs_server import LogsServer  # noqa: E402
from local_aws.response_endpoint import ResponseEndpoint  # noqa: E402
from tests.support import SharedRuns, run_folder  # noqa: E402

# Every boto3 session (one per CLI run, handler, test client) would parse the same service models
# again (~0.1 s of CPU per client): the test process shares one botocore loader, and so each
# parsed model. The product builds one session per process, so nothing it does changes.
botocore.session.create_loader = functools.cache(botocore.loaders.create_loader)

# Hypothesis profiles, chosen by HYPOTHESIS_PROFILE: ``dev`` (the default, a quick inner loop) and
# ``ci`` (thorough and reproducible: Hypothesis' own ci profile with more examples; ``make test``
# and any run with CI set use it). A test that needs more or fewer examples than the profile scales
# them with ``tests.support.examples``.
settings.register_profile(
    "dev",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("ci", settings.get_profile("ci"), max_examples=400)
_PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
settings.load_profile(_PROFILE)


@pytest.fixture(scope="session")
def logs_server() -> Iterator[LogsServer]:
    """One moto server with the strict layer for the whole session."""
    with LogsServer() as server:
        yield server


@pytest.fixture
def logs(logs_server: LogsServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[LogsServer]:
    """The session's server, reset, with AWS_ENDPOINT_URL pointing at it for this test."""
    logs_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", logs_server.url)
    yield logs_server
    logs_server.faults.release()
    errors = list(logs_server.hooks.errors)
    assert not errors, f"a hook raised: {errors!r}"


@pytest.fixture(scope="session")
def response_endpoint() -> Iterator[ResponseEndpoint]:
    """One HTTPS response endpoint for the whole session."""
    with ResponseEndpoint() as endpoint:
        yield endpoint


@pytest.fixture
def cfn(response_endpoint: ResponseEndpoint, monkeypatch: pytest.MonkeyPatch) -> ResponseEndpoint:
    """The session's response endpoint, cleared, with SSL_CERT_FILE trusting its CA."""
    response_endpoint.clear()
    monkeypatch.setenv("SSL_CERT_FILE", response_endpoint.ca_path)
    return response_endpoint


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    """A fresh fake Lambda context with 60 s to run."""
    return FakeLambdaContext()


@pytest.fixture(scope="session")
def shared_runs(tmp_path_factory: pytest.TempPathFactory) -> SharedRuns:
    """External tool runs shared by every test and xdist worker of this run (``SharedRuns``)."""
    return SharedRuns(run_folder(tmp_path_factory) / "shared-runs")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules with tests that wait on the wire (real timeouts, signals, subprocesses) first,
    each module's tests kept together and in order: under ``--dist worksteal`` the first worker
    takes them, and its waiting leaves the cores to the others' work."""
    waiting = {item.path for item in items if item.get_closest_marker("wire")}
    items.sort(key=lambda item: item.path not in waiting)
