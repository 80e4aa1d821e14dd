"""The budgets endpoints are in the generated OpenAPI schema, without warnings of their own."""

from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import patched_settings, spectacular_settings
from drf_spectacular.validation import validate_schema

# Budget lines and the reviews' feedback items both have a field named "category" with different
# choices; mdprod.settings names both enums. Repeated here so this test does not depend on it.
OVERRIDES = {"BudgetLineCategoryEnum": "budgets.models.BudgetLine.Category"}
OURS = ("budget", "tierpolic", "costallocation", "reportcategor")


def test_budgets_paths_generate_without_warnings():
    overrides = {**spectacular_settings.ENUM_NAME_OVERRIDES, **OVERRIDES}
    GENERATOR_STATS.reset()

    with patched_settings({"ENUM_NAME_OVERRIDES": overrides}):
        schema = SchemaGenerator().get_schema(request=None, public=True)

    validate_schema(schema)
    warnings = [w for w in GENERATOR_STATS._warn_cache if any(k in w.lower() for k in OURS)]
    assert warnings == []
    paths = schema["paths"]
    for path in [
        "/api/v1/budgets/",
        "/api/v1/budgets/{id}/",
        "/api/v1/budgets/{id}/submit/",
        "/api/v1/budgets/{id}/approve/",
        "/api/v1/budgets/{id}/reopen/",
        "/api/v1/budgets/{id}/report/",
        "/api/v1/budget-lines/",
        "/api/v1/budget-lines/{id}/",
        "/api/v1/tier-policies/",
        "/api/v1/tier-policies/{id}/",
    ]:
        assert path in paths, path
    assert "409" in paths["/api/v1/budgets/{id}/submit/"]["post"]["responses"]
    assert "BudgetLineCategoryEnum" in schema["components"]["schemas"]
