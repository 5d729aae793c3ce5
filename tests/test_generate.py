"""`ogi generate`: determinism, distinct cities per seed, formats, truths that read back exactly,
and defects.csv = the evaluator's findings over what was written."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from pipelines.parsing import parse_file
from pipelines.rules import FINDING_COLUMNS, evaluate, report_from_parsed
from pipelines.synth.city import build_city, city_name
from pipelines.synth.generate import plan_city, truth_json, write_city
from pipelines.synth.province import province_cities
from pipelines.synth.render import variants

SMALL = {"n_agencies": 25, "years": (2020, 2022), "seed": 3}
MEDIUM = {"n_agencies": 80, "years": (2019, 2022), "seed": 11}


@pytest.fixture(scope="module")
def small_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("city")
    write_city(plan_city(**SMALL), out, workers=1)
    return out


@pytest.fixture(scope="module")
def default_plan():
    return plan_city()


@pytest.fixture(scope="module")
def medium_plan():
    return plan_city(**MEDIUM)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes(small_city: Path, tmp_path: Path) -> None:
    write_city(plan_city(**SMALL), tmp_path, workers=2)  # the process count does not matter
    assert _files(tmp_path) == _files(small_city)


def test_outputs_are_laid_out_as_the_contract_says(small_city: Path) -> None:
    with open(small_city / "agencies.csv", encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert header == [
        "agency_id",
        "name",
        "aliases",
        "level",
        "parent_id",
        "kind",
        "first_year",
        "last_year",
        "is_generated",
    ]
    with open(small_city / "publications.csv", encoding="utf-8") as f:
        pubs = list(csv.DictReader(f))
    reports = [p for p in small_city.rglob("*") if p.is_file() and p.parent.name != "truth" and p.parent != small_city]
    assert sorted(p["file"] for p in pubs) == sorted(str(p.relative_to(small_city)) for p in reports)
    for p in reports:
        assert (small_city / "truth" / f"{p.stem}.json").is_file()
    with open(small_city / "defects.csv", encoding="utf-8") as f:
        assert next(csv.reader(f)) == list(FINDING_COLUMNS)


def test_two_seeds_share_no_ids_or_names() -> None:
    assert len({city_name(s) for s in range(20000)}) == 20000
    a, b = build_city(320, (2019, 2024), 1)[1], build_city(320, (2019, 2024), 2)[1]

    def names(agencies: list[Any]) -> set[str]:
        return {n for x in agencies for n in [x.name, *x.aliases]}

    assert not {x.agency_id for x in a} & {x.agency_id for x in b}
    assert not names(a) & names(b)
    # within a city: ids, names and aliases are unique
    assert len(names(a)) == sum(1 + len(x.aliases) for x in a)


def test_default_size_city_has_at_least_300_agencies(default_plan) -> None:
    assert len(default_plan.agencies) >= 300
    levels = {a.level for a in default_plan.agencies}
    assert levels == {"city_government", "city_department", "county_government", "county_department", "township"}


def test_every_format_present_and_pdf_limited(medium_plan) -> None:
    exts = {r.ext for r in medium_plan.reports}
    assert exts == {ext for ext, _ in variants().values()}
    share = sum(r.ext == "pdf" for r in medium_plan.reports) / len(medium_plan.reports)
    assert share < 0.25


def test_every_rule_injected_in_the_default_city(default_plan) -> None:
    rules = {f.rule for f in default_plan.findings}
    assert {"R01", "R02", "R03", "R04", "R06", "R08", "R09", "R10", "R11"} <= rules
    assert "fix" in default_plan.injected.values()  # corrected re-publications
    assert sum(r.version_no == 2 for r in default_plan.reports) > 0


def test_defects_csv_is_the_evaluators_findings(small_city: Path) -> None:
    with open(small_city / "agencies.csv", encoding="utf-8") as f:
        registry = list(csv.DictReader(f))
    with open(small_city / "publications.csv", encoding="utf-8") as f:
        pubs = list(csv.DictReader(f))
    reports = {
        p["file"]: json.loads((small_city / "truth" / f"{Path(p['file']).stem}.json").read_text("utf-8")) for p in pubs
    }
    found = sorted({tuple(str(x) for x in f.key) for f in evaluate(reports, registry, pubs)})
    with open(small_city / "defects.csv", encoding="utf-8") as f:
        rows = [tuple(r) for r in list(csv.reader(f))[1:]]
    assert rows == found
    assert rows  # the small city has defects


def _interesting(r) -> int:
    t = r.truth
    blanks = any(
        v is None
        for tb in ("proactive", "requests", "review_litigation")
        for row in t[tb].values()
        for v in row.values()
    )
    from pipelines.template import TEMPLATES

    absent = any(
        row.key not in t[tb]
        for tb in TEMPLATES[t["template"]].tables
        for row in TEMPLATES[t["template"]].table(tb).rows
    )
    return 2 * blanks + 2 * absent + (t["template"] != ("2021" if t["report_year"] >= 2021 else "2019"))


def test_truth_files_read_back_exactly(medium_plan, tmp_path: Path) -> None:
    """Per variant, the most unusual reports (blanks, rows not printed, the other template) and one
    more: the parser reads every cell the truth holds, nothing wrong, nothing missing."""
    by_variant = defaultdict(list)
    for r in medium_plan.reports:
        by_variant[r.variant].append(r)
    assert set(by_variant) == set(variants())
    render = variants()
    failures = []
    for variant, reports in sorted(by_variant.items()):
        sample = sorted(reports, key=lambda r: (-_interesting(r), r.path))[:2] + reports[-1:]
        for r in sample:
            path = tmp_path / Path(r.path).name
            path.write_bytes(render[variant][1](r.truth))
            got = report_from_parsed(parse_file(path))
            want = json.loads(truth_json(r.truth))
            head = (got["agency"], got["report_year"], got["template"])
            if head != (want["agency"], want["report_year"], want["template"]):
                failures.append(f"{variant} {r.path}: {head}")
            for table in ("proactive", "requests", "review_litigation"):
                for row in set(want[table]) | set(got[table]):
                    a, b = want[table].get(row), got[table].get(row)
                    if (
                        a is None
                        or b is None
                        or set(a) != set(b)
                        or any(
                            (a[c] is None) != (b[c] is None) or (a[c] is not None and abs(a[c] - b[c]) > 1e-6)
                            for c in a
                        )
                    ):
                        failures.append(f"{variant} {r.path}: {table}.{row} truth {a} parsed {b}")
    assert failures == []


def test_a_city_of_any_size_has_distinct_names() -> None:
    # Town and county names used to run out above ~650 agencies: further ones are composed from
    # syllables. Every id, name and alias stays distinct, and the city has the size asked for.
    for n in (700, 3000):
        agencies = build_city(n, (2019, 2024), 5)[1]
        assert len(agencies) == n
        assert len({a.agency_id for a in agencies}) == n
        assert len({m for a in agencies for m in [a.name, *a.aliases]}) == sum(1 + len(a.aliases) for a in agencies)
        counties = [a for a in agencies if a.level == "county_government"]
        assert all(a.name.endswith(("区人民政府", "县人民政府")) for a in counties)


def test_a_province_is_cities_of_distinct_seeds_and_names() -> None:
    cities = province_cities(20_000, (2019, 2024), 1)
    assert cities == province_cities(20_000, (2019, 2024), 1)  # the seed decides
    assert cities != province_cities(20_000, (2019, 2024), 2)
    # about 20,000 reports: one a year per agency (docs: a few missing, a few re-published)
    assert 20_000 <= sum(c.agencies for c in cities) * 6 <= 21_000
    assert len({c.seed for c in cities}) == len(cities) == len({c.name for c in cities})
    assert not {c.seed for c in cities} & {c.seed for c in province_cities(20_000, (2019, 2024), 2)}
    names = [m for c in cities for a in build_city(c.agencies, (2019, 2024), c.seed)[1] for m in [a.name, *a.aliases]]
    assert len(names) == len(set(names))
