# (prefix, viewset, basename) triples registered under /api/v1/ by reviews/urls.py
ROUTES: list = []
