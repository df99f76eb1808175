"""Uploaded files in a shared S3-compatible store (VCSGRANTS_STORAGE=s3): a real S3 server on loopback.

moto's standalone server (`moto_server`) is started once for this module on a free loopback port; each test gets a
new, empty bucket. Through it: an upload through the real page lands as an object in the bucket (nothing on the
local disk) and downloads back through the permission-checked view; a lost object is "not found", not a server
error; the backup command reads every object into its archive and restore writes them back (and removes an
object the backup did not have); /readyz checks the store.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import time
import uuid
from pathlib import Path

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.core.test_uploads import pdf_bytes
from tests.factories import OrganisationFactory, line
from vcsgrants.funding.models import AgreementDocument
from vcsgrants.funding.services import agreements as funding_services
from vcsgrants.settings import storage_config

VENV_BIN = Path(sys.executable).parent
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "eu-west-2"}


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server on 127.0.0.1 (port 0: the system picks a free one, which the server prints)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(  # noqa: S603 - the venv's moto_server, fixed arguments, no shell
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        port = None
        seen = []
        for output in server.stderr:
            seen.append(output)
            if match := re.search(r"Running on http://127\.0\.0\.1:(\d+)", output):
                port = match.group(1)
                break
            assert time.monotonic() < deadline, "moto_server did not start within 60 s"
        assert port, "moto_server stopped at once:\n" + "".join(seen)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=15)


@pytest.fixture
def bucket(s3_endpoint, settings, tmp_path):
    """A new bucket, and the app's file storage set to it exactly as the environment would set it."""
    name = f"vcsgrants-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, **KEYS)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": KEYS["region_name"]})
    env = {
        "VCSGRANTS_STORAGE": "s3",
        "VCSGRANTS_S3_BUCKET": name,
        "VCSGRANTS_S3_ENDPOINT_URL": s3_endpoint,
        "VCSGRANTS_S3_REGION": KEYS["region_name"],
        "VCSGRANTS_S3_ACCESS_KEY_ID": KEYS["aws_access_key_id"],
        "VCSGRANTS_S3_SECRET_ACCESS_KEY": KEYS["aws_secret_access_key"],
        "VCSGRANTS_S3_ADDRESSING_STYLE": "path",
    }
    settings.STORAGES = {**settings.STORAGES, "default": storage_config(env)}
    settings.MEDIA_ROOT = tmp_path / "media"  # the local folder: nothing may land there
    return name, client


@pytest.fixture
def agreement(funded, fy2022):
    return funding_services.agreement_create(
        programme=funded.programme,
        organisation=OrganisationFactory(name="Kestrel Storage Test"),
        areas=[funded.areas[0]],
        title="SLA",
        start_date=dt.date(2022, 4, 1),
        end_date=dt.date(2023, 3, 31),
        actor=funded.actor,
        lines=[line(funded.stream, fy2022, funded.areas[0], "1000")],
    )


def objects(bucket) -> dict[str, bytes]:
    name, client = bucket
    listed = client.list_objects_v2(Bucket=name).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=name, Key=item["Key"])["Body"].read() for item in listed}


@pytest.mark.django_db
def test_an_upload_through_the_page_is_an_object_in_the_bucket_and_downloads_through_the_app(
    bucket, agreement, officer, settings
):
    client = Client()
    client.force_login(officer)
    url = reverse("funding:document-upload", args=[agreement.pk])
    for _ in range(2):  # the same name twice: two objects, neither overwriting the other
        saved = client.post(url, {"title": "Signed SLA", "file": SimpleUploadedFile("signed sla.pdf", pdf_bytes())})
        assert saved.status_code == 302
    first, second = AgreementDocument.objects.order_by("pk")
    stored = objects(bucket)
    assert sorted(stored) == sorted([first.file.name, second.file.name]) and first.file.name != second.file.name
    assert set(stored.values()) == {pdf_bytes()}
    assert not Path(settings.MEDIA_ROOT).exists() or not any(Path(settings.MEDIA_ROOT).rglob("*.pdf"))

    download = client.get(reverse("funding:document-download", args=[first.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf_bytes()
    assert download["Content-Disposition"].startswith("attachment") and download["Content-Type"] == "application/pdf"
    # Served by the app after its permission check, never by a link to the store.
    assert "Location" not in download
    assert Client().get(reverse("funding:document-download", args=[first.pk])).status_code == 302  # to sign in

    # An object lost from the bucket is "not found" with the usual message, not a server error.
    bucket[1].delete_object(Bucket=bucket[0], Key=second.file.name)
    missing = client.get(reverse("funding:document-download", args=[second.pk]))
    assert missing.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_backup_reads_every_object_and_restore_writes_them_back(bucket, agreement, officer, tmp_path):
    document = funding_services.document_upload(
        agreement=agreement, title="Signed SLA", upload=SimpleUploadedFile("sla.pdf", pdf_bytes()), actor=officer
    )
    name, client = bucket
    client.put_object(Bucket=name, Key="council/logo.png", Body=b"\x89PNG\r\n\x1a\n a logo")
    before = objects(bucket)

    out = tmp_path / "backup.tar.gz"
    report = io.StringIO()
    call_command("backup", "--out", str(out), stdout=report)
    assert "2 uploaded files" in report.getvalue()
    with tarfile.open(out) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        assert tar.extractfile(f"media/{document.file.name}").read() == pdf_bytes()
    assert {f"media/{key}" for key in before} <= set(manifest["files"])

    # After the backup: the document's object is lost, another appears, and the record is deleted.
    client.delete_object(Bucket=name, Key=document.file.name)
    client.put_object(Bucket=name, Key="agreements/after-the-backup.txt", Body=b"not in the backup")
    AgreementDocument.objects.all().delete()

    report = io.StringIO()
    call_command("restore", str(out), "--yes", stdout=report)
    assert f"S3Storage {name}" in report.getvalue()
    assert objects(bucket) == before
    restored = AgreementDocument.objects.get(pk=document.pk)
    with restored.file.open("rb") as f:
        assert f.read() == pdf_bytes()


@pytest.mark.django_db
def test_readyz_checks_the_bucket(bucket, settings):
    ready = Client().get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["storage"] == {
        "status": "ok",
        "backend": "S3Storage",
        "ms": ready.json()["checks"]["storage"]["ms"],
    }

    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"]}}
    settings.STORAGES["default"]["OPTIONS"] = {**settings.STORAGES["default"]["OPTIONS"], "bucket_name": "no-such-bucket"}
    failing = Client().get("/readyz")
    assert failing.status_code == 503
    assert failing.json()["status"] == "failing"
    assert failing.json()["checks"]["storage"]["status"] == "failing"
    assert failing.json()["checks"]["database"]["status"] == "ok"
