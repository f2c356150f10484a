"""guanxi — an open-source CRM for small and medium enterprises."""

__version__ = "0.1.0"
