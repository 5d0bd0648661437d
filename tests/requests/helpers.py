"""Access packages for tests: a person with data in every store, requests, and zips opened."""

import csv
import io
import json
import zipfile

import pytest
from django.db import connection

from governance.models import ExportPackage, RequestKind
from governance.models.ingestion import EVENT_TABLE
from governance.services.requests import request_file, request_verify
from governance.stores.exports import exports_storage


def package_requested(user, officer, kind=RequestKind.ACCESS) -> ExportPackage:
    """`user` asks for their data and `officer` verifies: the package, still building."""
    request, _ = request_file(employee=user.employee, kind=kind, actor=user)
    request_verify(request=request, actor=officer, identity_check="Seen in person")
    return ExportPackage.objects.get(request=request)


def bulk_events(subject: str, n: int, catalogue) -> None:
    """`n` events of one person over the last hours, inserted in SQL (for size)."""
    kinds = [k.pk for k in catalogue["kinds"]]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {EVENT_TABLE} (ts, subject, purpose_id, application_id,
                    data_kind_id, event_type, consent_version, device_id, session_id,
                    batch_id, pointer_x, pointer_y)
                SELECT now() - interval '6 hours' + g * interval '10 milliseconds', %s, %s, %s,
                       (%s::bigint[])[1 + (g %% 6)], 'pointer_move', 1, 1, 's' || (g / 500),
                       gen_random_uuid(), g %% 1920, g %% 1080
                FROM generate_series(1, %s) AS g""",
            [subject, catalogue["purpose"].pk, catalogue["applications"][0].pk, kinds, n],
        )


def package_zip(package: ExportPackage) -> zipfile.ZipFile:
    package.refresh_from_db()
    with exports_storage().open(package.file_name, "rb") as f:
        return zipfile.ZipFile(io.BytesIO(f.read()))


def member_rows(archive: zipfile.ZipFile, name: str) -> list:
    text = archive.read(name).decode()
    if name.endswith(".csv"):
        return list(csv.reader(io.StringIO(text)))
    return [json.loads(line) for line in text.splitlines()]


def stored_files_delete(model) -> None:
    """Delete the files that `model`'s rows (packages, reports) name in the exports
    storage, before a test's rollback takes the rows and would leave the files."""
    storage = exports_storage()
    for name in model.objects.exclude(file_name="").values_list("file_name", flat=True):
        storage.delete(name)


def package_files_delete() -> None:
    stored_files_delete(ExportPackage)


@pytest.fixture(autouse=True)
def package_files_removed(db):
    """Test packages leave no file in the data directory (their rows roll back)."""
    yield
    package_files_delete()
