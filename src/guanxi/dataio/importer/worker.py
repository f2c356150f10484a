"""What an import's worker processes run: cells to clean values, no database.

This module imports nothing of Django at load time: a spawned worker unpickles
``clean_batch`` before anything is set up, and sets Django up on its first batch.
"""

from __future__ import annotations


def _setup() -> None:
    from django.apps import apps

    if not apps.ready:
        import django

        django.setup()


def clean_batch(
    object_type: str, mapping: list[str], width: int, strict: bool, language: str, batch: list
) -> list:
    """(row, data, errors, cells) for each (row, cells): cells checked and typed."""
    _setup()
    from django.conf import settings
    from django.utils import translation
    from django.utils.translation import gettext as _

    from guanxi.core.errors import DomainError
    from guanxi.dataio.importer.registry import adapter_for

    adapter = adapter_for(object_type)
    out = []
    with translation.override(language or settings.LANGUAGE_CODE):
        for row, cells in batch:
            if len(cells) > width or (strict and len(cells) < width):
                message = _("This row has %(n)d cells; the header has %(m)d columns.") % {
                    "n": len(cells),
                    "m": width,
                }
                out.append((row, None, [("", message)], cells))
                continue
            data = {name: cell for name, cell in zip(mapping, cells, strict=False) if name}
            try:
                out.append((row, adapter.clean(data), [], cells))
            except DomainError as exc:
                name, messages = next(iter((exc.fields or {"": [exc.message]}).items()))
                out.append((row, None, [(name, "; ".join(map(str, messages)))], cells))
    return out
