"""dbt for the test session: dbt's partial parsing kept across warehouses (tests/conftest.py, `dbt_parse_cache`).

dbt parses the whole project again (~11 s of CPU, ~7 s more than a partial parse) whenever the
profile's connection values differ from the last parse's, and the DuckDB profile holds the
warehouse's path: every test warehouse is a new path, so every whole run of the test suite parsed in
full. Here the path alone is left out of that comparison (the database name and every other value
stay in it): nothing of this project's parse reads the path (no model, macro or test reads
target.path or OGI_WAREHOUSE), so the manifest is the one a full parse gives, as in production,
where the warehouse path does not change and dbt parses partially. dbt builds and tests the marts
exactly as before; only its parse cache is reused. (`dbt --version` is answered by pipelines/bin/dbt-guarded.)
"""

from __future__ import annotations

import sys
from pathlib import Path

# The dbt executable pipelines/bin/dbt-guarded runs when OGI_DBT names it (a shim the session writes).
SHIM_ENV = "OGI_DBT"


def _profile_hash_without_path() -> None:
    from dbt.parser.manifest import ManifestLoader

    build_state_check = ManifestLoader.build_manifest_state_check

    def state_check(self: ManifestLoader) -> object:
        credentials = type(self.root_project.credentials)
        keys = credentials._connection_keys
        credentials._connection_keys = lambda c: tuple(k for k in keys(c) if k != "path")
        try:
            return build_state_check(self)
        finally:
            credentials._connection_keys = keys

    ManifestLoader.build_manifest_state_check = state_check


def write_shim(folder: Path) -> Path:
    """An executable `dbt` in `folder` that runs this module with the test session's Python."""
    shim = folder / "dbt"
    repo = Path(__file__).resolve().parent.parent
    shim.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(repo)!r})\n"
        "from tests.dbt_parse_cache import main\nmain()\n",
        encoding="utf-8",
    )
    shim.chmod(0o755)
    return shim


def main() -> None:
    _profile_hash_without_path()
    from dbt.cli.main import cli

    sys.argv[0] = "dbt"
    sys.exit(cli())
