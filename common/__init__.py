"""Plumbing shared by every app, and the bottom layer: it imports no app of this project.

``errors`` (the domain error base), ``api`` (pagination, filters, request parsing, the one error
format), ``conditional`` (ETag and If-Match), ``schema`` (the OpenAPI generator and its error
responses), ``serializers`` (strict and fast serializer bases), ``spreadsheets`` (CSV read and
write), ``values`` (money and rate fields, cell parsers), ``mail`` (the embedded e-mail backend).
"""
