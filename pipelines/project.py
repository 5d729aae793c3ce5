"""Paths of the repository and the module-level dbt project (`dagster-dbt project prepare-and-package`)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtProject

# Absolute import: `dagster-dbt project prepare-and-package --file` loads this file outside its package.
from pipelines.warehouse import REPO_ROOT

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DEFAULT_RAW_DIR = REPO_ROOT / "data" / "raw"

# dagster-dbt runs `dbt` from PATH; when the venv is not activated (.venv/bin/ogi, pytest) use its dbt.
if shutil.which("dbt") is None:
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


def _manifest_stale(project: DbtProject) -> bool:
    if not project.manifest_path.exists():
        return True
    built = project.manifest_path.stat().st_mtime
    sources = [project.project_dir / "dbt_project.yml", project.project_dir / "profiles.yml"]
    for folder in ("models", "macros", "tests", "seeds", "snapshots"):
        sources += [p for p in (project.project_dir / folder).rglob("*") if p.is_file()]
    return any(p.exists() and p.stat().st_mtime > built for p in sources)


def make_dbt_project(project_dir: Path = DBT_PROJECT_DIR) -> DbtProject:
    profiles = project_dir if (project_dir / "profiles.yml").exists() else None
    project = DbtProject(project_dir=project_dir, profiles_dir=profiles)
    project.prepare_if_dev()
    if _manifest_stale(project):
        # Headless runs (tests, `ogi run`) after dbt files changed: parse rather than run a stale manifest.
        project.preparer.prepare(project)
    return project


dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR if (DBT_PROJECT_DIR / "profiles.yml").exists() else None,
)
