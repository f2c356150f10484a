"""Helpers for import and export tests: upload bytes as a user, run the import."""

from __future__ import annotations

import pytest

from guanxi.dataio import services
from guanxi.dataio.importer import engine
from tests.web.conftest import _clean_cache, client_for  # noqa: F401 (shared fixtures)


def upload(actor, object_type: str, raw: bytes, name: str = "data.csv", **options):
    return services.import_upload(
        actor=actor, object_type=object_type, file_name=name, chunks=[raw], **options
    )


def run_import(actor, object_type: str, raw: bytes, *, dry_run=False, name="data.csv", **options):
    """Upload, keep the suggested mapping, check or import in this process; the job."""
    job = upload(actor, object_type, raw, name, **options)
    job = services.import_map(actor=actor, job=job, mapping=job.mapping)
    if dry_run:
        return engine.run(job, dry_run=True)
    services.import_start(actor=actor, job=job, queue=False)
    return engine.run(engine.job_for_run(job.pk))


@pytest.fixture
def small_batches(settings):
    settings.IMPORT_BATCH_ROWS = 3
    return settings


@pytest.fixture
def api_for():
    from tests.conftest import ApiClient

    return ApiClient
