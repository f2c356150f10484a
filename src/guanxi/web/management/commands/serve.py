"""guanxi serve [--host 127.0.0.1] [--port 8000] — the production-grade WSGI server."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve guanxi over HTTP with waitress (threads, no reloader)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not run background jobs in this process (run `guanxi worker` instead).",
        )

    def handle(self, *args, **opts):
        from waitress import serve

        from guanxi.config.wsgi import application

        if settings.PRODUCTION:
            call_command("collectstatic", interactive=False, verbosity=0)
        if not opts["no_worker"]:
            self._start_worker()
        host = opts["host"]
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(f"guanxi is serving http://{shown}:{opts['port']}/  (Ctrl+C stops)")
        self.stdout.flush()
        serve(
            application,
            host=host,
            port=opts["port"],
            threads=opts["threads"],
            ident="guanxi",
            clear_untrusted_proxy_headers=True,
        )

    def _start_worker(self) -> None:
        """Run the job queue's scheduler and one worker in threads of this process, so a
        single ``guanxi serve`` also reclaims leads and sends emails. Several web processes
        (or a Redis queue) run ``guanxi worker`` once instead, with ``--no-worker`` here."""
        from huey.contrib.djhuey import HUEY

        if HUEY.immediate:
            return
        consumer = HUEY.create_consumer(workers=1, worker_type="thread", periodic=True)
        consumer.scheduler.start()
        for _name, worker in consumer.worker_threads:
            worker.start()
        self.stdout.write("Background jobs run in this process.")
