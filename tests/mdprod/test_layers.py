"""Every package of the project has its place in the import contract that `make lint` runs."""

import tomllib
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]


def contract():
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["tool"]["importlinter"]


def project_packages() -> set[str]:
    """The project's own top-level packages: its installed apps, and common and mdprod."""
    own = {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT / config.name.split(".")[0])
    }
    return own | {"common", "mdprod"}


def test_every_app_is_in_a_layer():
    config = contract()
    (layers,) = [c for c in config["contracts"] if c["type"] == "layers"]
    layered = {name.strip() for layer in layers["layers"] for name in layer.split("|")}

    assert set(config["root_packages"]) == project_packages()
    assert layered == project_packages()


def test_the_core_and_the_plumbing_are_at_the_bottom():
    (layers,) = [c for c in contract()["contracts"] if c["type"] == "layers"]
    assert layers["layers"][-2:] == ["workflow", "common"]
