"""Racing threads against the real database (PostgreSQL tests only)."""

import threading

from django.db import connection


def race(worker, *, threads: int = 20, indexed: bool = False) -> list:
    """Release ``threads`` threads at once on ``worker`` (called with the thread's index when
    ``indexed``); return each outcome, or the exception it raised."""
    barrier = threading.Barrier(threads)
    results, lock = [], threading.Lock()

    def run(index):
        try:
            barrier.wait()
            outcome = worker(index) if indexed else worker()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcome = exc
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    pool = [threading.Thread(target=run, args=(index,)) for index in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    return results
