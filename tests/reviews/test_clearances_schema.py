"""The clearance register's endpoints are in the generated OpenAPI schema, without warnings of
their own."""

from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

OURS = ("clearance",)


def test_clearance_paths_generate_without_warnings():
    GENERATOR_STATS.reset()

    schema = SchemaGenerator().get_schema(request=None, public=True)

    validate_schema(schema)
    warnings = [w for w in GENERATOR_STATS._warn_cache if any(k in w.lower() for k in OURS)]
    assert warnings == []
    paths = schema["paths"]
    for path in ["/api/v1/clearances/", "/api/v1/clearances/{id}/"]:
        assert path in paths, path
