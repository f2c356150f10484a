"""guanxi worker — run background jobs (lead reclaim, emails) in their own process."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background job worker (use with `guanxi serve --no-worker`)."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, **opts):
        call_command("run_huey", workers=opts["workers"], worker_type="thread")
