# (prefix, viewset, basename) triples registered under /api/v1/ by contracts/urls.py
ROUTES: list = []
