"""Helpers shared by test modules (tests/ is on sys.path, see conftest.py): import them as
``from helpers.traffic import make_state`` instead of importing one test module from
another."""
