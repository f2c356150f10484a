"""The ``guanxi`` command: Django's management commands under guanxi's settings.

``guanxi migrate``, ``guanxi serve``, ``guanxi createuser``, ``guanxi token create``,
``guanxi demo`` and ``guanxi check`` are all management commands; this wrapper only sets
the settings module so no one has to.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["guanxi", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
