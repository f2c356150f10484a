from tests.web.conftest import _clean_cache, client_for  # noqa: F401 (shared fixtures)
