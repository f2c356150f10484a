"""Duplicate accounts, contacts and leads: finding them across the database (``engine``,
``runner``), listing them (``selectors``) and starting a search (``services``).
Merging lives in ``guanxi.dataio.merge``."""
