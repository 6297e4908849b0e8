from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run CompMS with a production server (gunicorn, several workers)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=os.environ.get("COMPMS_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("COMPMS_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("COMPMS_WORKERS", "0")) or None,
                            help="default: 2 x CPU cores + 1, at most 8")
        parser.add_argument("--timeout", type=int, default=120)

    def handle(self, *args, host: str, port: int, workers: int | None, timeout: int, **options) -> None:
        workers = workers or min(8, 2 * (os.cpu_count() or 1) + 1)
        self.stdout.write(f"CompMS on http://{host}:{port}/ ({workers} workers); Ctrl+C stops it.")
        sys.stdout.flush()
        argv = [sys.executable, "-m", "gunicorn", "compms.wsgi:application",
                "--bind", f"{host}:{port}", "--workers", str(workers), "--timeout", str(timeout),
                "--access-logfile", "-"]
        os.execv(sys.executable, argv)
