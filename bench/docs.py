"""docs/benchmarks.md holds one section per benchmark; each benchmark rewrites its own only."""

from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_section(section: str, text: str) -> None:
    """Replace the section that starts with the heading ``section`` (``text`` starts with it
    too), keeping the others; append it if it is new."""
    current = OUT.read_text() if OUT.exists() else "# Benchmarks\n"
    if section in current:
        before, rest = current.split(section, 1)
        after = rest.find("\n## ")
        tail = rest[after + 1 :] if after >= 0 else ""
        current = before + text + ("\n" + tail if tail else "")
    else:
        current = current.rstrip("\n") + "\n\n" + text
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(current)
