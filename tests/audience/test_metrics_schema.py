"""The metrics endpoints are in the generated OpenAPI schema, without warnings of their own."""

from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

OURS = ("metric", "episodecurve", "metricstotals")


def test_metrics_paths_generate_without_warnings():
    GENERATOR_STATS.reset()

    schema = SchemaGenerator().get_schema(request=None, public=True)

    validate_schema(schema)
    warnings = [w for w in GENERATOR_STATS._warn_cache if any(k in w.lower() for k in OURS)]
    assert warnings == []
    paths = schema["paths"]
    for path in ["/api/v1/metrics/", "/api/v1/metrics/{id}/", "/api/v1/metrics/summary/"]:
        assert "get" in paths[path], path
    bulk = paths["/api/v1/metrics/bulk/"]["post"]
    assert {"200", "400", "403", "404", "409"} <= set(bulk["responses"])
    rows = schema["components"]["schemas"]["MetricsBulkRequest"]["properties"]["rows"]
    assert rows["items"]["$ref"].endswith("/MetricRowRequest")
