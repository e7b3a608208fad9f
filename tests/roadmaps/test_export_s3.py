"""Exports on S3-compatible storage, against a real moto server on loopback.

moto checks neither signatures nor expiry, so tampering and expiry are
tested on the signed view (test_export.py); here: the upload, the presigned
download over HTTP, the expiry the URL carries, reuse without a second
upload, and /readyz asking the bucket.
"""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from botocore.config import Config

from roadmaps.models import RoadmapExport, RoadmapStep
from roadmaps.services.export import export_bytes_for, roadmap_export
from wayfinder.settings.base import s3_exports_storage

pytestmark = pytest.mark.django_db

BUCKET = "wayfinder-exports-test"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing"}
REGION = "us-east-1"
MOTO_SERVER = Path(sys.executable).with_name("moto_server")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """A moto S3 server on 127.0.0.1, up for this module's tests."""
    port = _free_port()
    server = subprocess.Popen(
        [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(endpoint, timeout=0.5)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def s3(moto_endpoint):
    """A boto3 client on the moto server, with a fresh, empty bucket."""
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(request_checksum_calculation="when_required"),
    )
    client.create_bucket(Bucket=BUCKET)
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def s3_exports(settings, moto_endpoint, s3):
    """``STORAGES["exports"]`` as the settings build it from AWS_* variables."""
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": s3_exports_storage(
            bucket=BUCKET, endpoint_url=moto_endpoint, region=REGION, **CREDENTIALS
        ),
    }
    return s3


def keys(client) -> list[str]:
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return [item["Key"] for item in listed]


def test_an_export_is_uploaded_and_downloads_through_a_presigned_url(
    roadmap, learner, s3_exports
):
    ticket = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    assert keys(s3_exports) == [f"roadmaps/{roadmap.pk}/{ticket.sha256}.json"]

    response = httpx.get(ticket.download_url, timeout=5)
    assert response.status_code == 200
    assert response.content == export_bytes_for(roadmap_id=roadmap.pk)
    assert hashlib.sha256(response.content).hexdigest() == ticket.sha256
    assert response.headers["content-disposition"] == (
        f'attachment; filename="roadmap-{roadmap.pk}-v1-{ticket.sha256[:12]}.json"'
    )
    assert response.headers["content-type"] == "application/json"


def test_the_presigned_url_is_sigv4_and_lives_at_most_fifteen_minutes(
    roadmap, learner, s3_exports, settings
):
    settings.EXPORT_URL_MAX_AGE = 86400
    ticket = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    query = parse_qs(urlsplit(ticket.download_url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert int(query["X-Amz-Expires"][0]) <= 900
    assert query["response-content-disposition"][0].startswith("attachment;")


def test_the_object_is_private(roadmap, learner, s3_exports, moto_endpoint):
    ticket = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    grants = s3_exports.get_object_acl(
        Bucket=BUCKET, Key=f"roadmaps/{roadmap.pk}/{ticket.sha256}.json"
    )["Grants"]
    assert not [g for g in grants if "AllUsers" in g["Grantee"].get("URI", "")]


def test_unchanged_content_is_not_uploaded_twice(roadmap, learner, s3_exports):
    first = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    key = f"roadmaps/{roadmap.pk}/{first.sha256}.json"
    uploaded = s3_exports.head_object(Bucket=BUCKET, Key=key)["LastModified"]
    time.sleep(1.1)  # S3 times are whole seconds: a second upload would show
    second = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    assert (second.id, second.sha256) == (first.id, first.sha256)
    assert keys(s3_exports) == [key]
    assert s3_exports.head_object(Bucket=BUCKET, Key=key)["LastModified"] == uploaded
    assert RoadmapExport.objects.filter(roadmap=roadmap).count() == 1


def test_changed_content_is_a_second_object(roadmap, learner, s3_exports):
    first = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    RoadmapStep.objects.filter(version_id=roadmap.current_id, position=1).update(
        notes="Changed."
    )
    second = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    assert second.sha256 != first.sha256
    assert len(keys(s3_exports)) == 2


def test_readyz_asks_the_bucket(client, s3_exports, settings):
    # The first S3 client of a process loads botocore's data files: on a loaded
    # CI machine that alone can outlast the test settings' 2 s check timeout.
    settings.READYZ_CHECK_TIMEOUT = 10.0
    body = client.get("/readyz").json()
    assert body["checks"]["exports"]["status"] == "ok"
    assert body["backends"]["exports"] == "S3Storage"


def test_readyz_names_the_exports_storage_when_the_bucket_is_missing(
    client, settings, moto_endpoint
):
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": s3_exports_storage(
            bucket="no-such-bucket",
            endpoint_url=moto_endpoint,
            region=REGION,
            **CREDENTIALS,
        ),
    }
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert "exports" in body["down"]
    assert "404" in body["checks"]["exports"]["error"]
