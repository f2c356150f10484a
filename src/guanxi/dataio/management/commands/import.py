"""guanxi import OBJECT FILE --user NAME — import a CSV or XLSX file, in this process.

Columns are matched to fields by their titles (English or Chinese) or by a saved mapping
template; ``--dry-run`` only reports what would happen. ``--resume JOB`` carries on an
import that stopped, ``--undo JOB`` takes one back.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from guanxi.core.errors import DomainError
from guanxi.core.models import User
from guanxi.dataio import selectors, services
from guanxi.dataio.importer import engine
from guanxi.dataio.models import ImportStatus


def _chunks(path: Path, size: int = 1 << 20):
    with open(path, "rb") as handle:
        while chunk := handle.read(size):
            yield chunk


class Command(BaseCommand):
    help = "Import accounts, contacts, leads, deals or activities from a CSV or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument(
            "object", nargs="?", help="account, contact, lead, opportunity, activity"
        )
        parser.add_argument("file", nargs="?")
        parser.add_argument("--user", required=True, help="who imports (their rights apply)")
        parser.add_argument("--mode", default="create", choices=["create", "update", "upsert"])
        parser.add_argument("--key", default="", help="match existing records by id, email, …")
        parser.add_argument("--encoding", default="", help="utf-8, gb18030 or gbk (default: guess)")
        parser.add_argument("--owner", help="give every new record to this user")
        parser.add_argument("--template", help="a saved mapping template's id")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--resume", type=int, metavar="JOB", help="carry on a stopped import")
        parser.add_argument("--undo", type=int, metavar="JOB", help="take an import back")
        parser.add_argument("--workers", type=int, help="processes that check rows")

    def handle(self, *args, **opts):
        actor = User.objects.filter(username=opts["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {opts['user']!r}.")
        try:
            job = self._job(actor, opts)
        except (OSError, DomainError) as exc:
            raise CommandError(str(getattr(exc, "fields", None) or exc)) from None
        self._report(job, opts["dry_run"])

    def _job(self, actor, opts):
        if opts["undo"]:
            return services.import_undo(actor=actor, job=selectors.import_get(actor, opts["undo"]))
        if opts["resume"]:
            job = selectors.import_get(actor, opts["resume"])
            if job.status == ImportStatus.DONE:
                return job
            services.import_resume(actor=actor, job=job, force=True, queue=False)
            return engine.run(engine.job_for_run(job.pk), workers=opts["workers"])
        if not opts["object"] or not opts["file"]:
            raise CommandError("Give the object type and the file.")
        owner = None
        if opts["owner"]:
            owner = User.objects.filter(
                username=opts["owner"], organisation=actor.organisation
            ).first()
            if owner is None:
                raise CommandError(f"No user {opts['owner']!r} in {actor.organisation}.")
        path = Path(opts["file"])
        job = services.import_upload(
            actor=actor,
            object_type=opts["object"],
            file_name=path.name,
            chunks=_chunks(path),
            encoding=opts["encoding"],
            mode=opts["mode"],
            key=opts["key"],
            owner=owner,
            template=opts["template"],
        )
        self.stdout.write(f"Import {job.pk}: {job.file_name}, about {job.rows_total} rows.")
        for title, field in zip(job.header, job.mapping, strict=False):
            self.stdout.write(f"  {title} → {field or '(not imported)'}")
        if job.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
            self.stdout.write(f"This file's import {job.pk} did not finish: it carries on.")
            services.import_resume(actor=actor, job=job, force=True, queue=False)
            return engine.run(engine.job_for_run(job.pk), workers=opts["workers"])
        job = services.import_map(actor=actor, job=job, mapping=job.mapping)
        if opts["dry_run"]:
            return engine.run(job, dry_run=True, workers=opts["workers"])
        services.import_start(actor=actor, job=job, queue=False)
        return engine.run(engine.job_for_run(job.pk), workers=opts["workers"])

    def _report(self, job, dry_run: bool) -> None:
        counts = job.check_result if dry_run else job.counts
        issues = (
            job.check_result.get("issues", [])
            if dry_run
            else [
                {"row": i.row, "field": i.field, "message": i.message}
                for i in job.issues.filter(dry_run=False).order_by("row")[:200]
            ]
        )
        for issue in issues:
            self.stderr.write(f"row {issue['row']}: {issue['field'] or '-'}: {issue['message']}")
        self.stdout.write(
            f"Import {job.pk} {job.get_status_display().lower()}"
            + (" (dry run)" if dry_run else "")
            + f": created {counts.get('created', 0)}, updated {counts.get('updated', 0)}, "
            f"skipped {counts.get('skipped', 0)}, refused {counts.get('failed', 0)}."
        )
        if job.message:
            self.stderr.write(job.message)
