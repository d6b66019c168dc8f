"""Distributed load with Locust: ``locust -f locustfile.py`` (see docs/load.md for master/worker runs).

Configuration is by environment variables, documented in bench/load/locust_user.py.
"""

from bench.load.locust_user import PfcSessionUser

__all__ = ["PfcSessionUser"]
