"""Demo data: a fictional snack-food maker, 鑫味食品 (Xinwei Foods), and its customers.

``generator`` builds deterministic rows as plain tuples; ``loader`` writes them in bulk
(``executemany`` on SQLite, ``COPY`` on PostgreSQL) with search-index upkeep suspended.
"""
