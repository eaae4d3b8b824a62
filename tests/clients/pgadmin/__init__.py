"""Helpers for tests/clients/test_pgadmin.py: a pgAdmin 4 server process (server.py) and the
browser that drives its UI (ui.py)."""
