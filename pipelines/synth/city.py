"""The agencies of a generated prefecture-level city (the registry of `ogi generate`).

The city's name encodes the seed in bijective base-k syllables (k = len(CITY_SYLLABLES)), so
every seed has its own name; every agency name and alias starts with the city name followed
by 市, and agency ids are `gen-<citycode>-<nnnn>` with the citycode derived from the seed too:
two seeds never share an id, a name or an alias.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

# A city's name: a first character, a second one, then (for large seeds) more characters. No
# character contains 市, 区, 县 or a digit: the first 市 of a name ends the city's name.
CITY_FIRST = tuple("云宁丰华嘉兴永泰青明凤金玉宝桐松柳梅桂临汉瑞澄沅")
CITY_SECOND = tuple("江溪平远泽阳禾乐和来山湖林峰川翔城泉柏原河岭州源")
CITY_MORE = tuple(dict.fromkeys(CITY_FIRST + CITY_SECOND))
assert not set(CITY_FIRST + CITY_SECOND) & set("市区县")
COUNTY_STEMS = (
    "云溪",
    "青山",
    "白沙",
    "龙泉",
    "东湖",
    "西岭",
    "南塘",
    "北苑",
    "新城",
    "凤凰",
    "金沙",
    "石门",
    "桃源",
    "清河",
    "安仁",
    "永丰",
    "高桥",
    "梅溪",
    "双峰",
    "古城",
)
TOWN_STEMS = (
    "先锋",
    "和平",
    "新华",
    "人民路",
    "解放路",
    "城关",
    "东关",
    "西关",
    "南门",
    "北门",
    "黄桥",
    "马坊",
    "柳林",
    "杨庄",
    "李集",
    "王店",
    "张湾",
    "陈家",
    "刘河",
    "赵寨",
    "孙镇",
    "周口",
    "吴堡",
    "郑庄",
    "冯集",
    "许营",
    "何桥",
    "吕店",
    "施家",
    "姜湾",
    "谢营",
    "邹庄",
    "石桥",
    "沙河",
    "白鹤",
    "青龙",
    "卧龙",
    "长岭",
    "红旗",
    "朝阳",
)

# Place-name syllables: when a city has more counties than COUNTY_STEMS or a county more towns
# than TOWN_STEMS, further stems are composed from a first and a second syllable (in a fixed order,
# skipping any stem already listed), so a city of any size has distinct names. None contains 市,
# 区, 县, 乡, 镇 or a digit.
PLACE_FIRST = tuple("东西南北上下前后大小新老长高黄白青红金石马牛杨柳桃杏")
PLACE_SECOND = tuple("岗坪坝湾桥集店庄营寨铺堡沟塘坡河岭溪林口台埠滩洲岔圩")
assert not set(PLACE_FIRST + PLACE_SECOND) & set("市区县乡镇")


def place_stems(fixed: tuple[str, ...], n: int, rng: random.Random) -> list[str]:
    """n distinct place stems: sampled from `fixed` while it lasts (the same draw as before composed
    stems existed, so small cities keep their names), then composed stems in their fixed order."""
    if n <= len(fixed):
        return rng.sample(fixed, n)
    taken = set(fixed)
    composed = [a + b for a in PLACE_FIRST for b in PLACE_SECOND if a + b not in taken]
    if n > len(fixed) + len(composed):
        raise ValueError(f"no more than {len(fixed) + len(composed)} distinct place stems")
    return rng.sample(fixed, len(fixed)) + composed[: n - len(fixed)]


# City departments: (name, short alias or "", profile). The profile sets the scale of requests.
CITY_DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("发展和改革委员会", "发改委", "mid"),
    ("教育局", "", "mid"),
    ("科学技术局", "科技局", "low"),
    ("工业和信息化局", "工信局", "low"),
    ("公安局", "", "high"),
    ("民政局", "", "mid"),
    ("司法局", "", "low"),
    ("财政局", "", "mid"),
    ("人力资源和社会保障局", "人社局", "mid"),
    ("自然资源和规划局", "自然资源局", "high"),
    ("生态环境局", "环保局", "mid"),
    ("住房和城乡建设局", "住建局", "high"),
    ("交通运输局", "交通局", "mid"),
    ("水利局", "", "low"),
    ("农业农村局", "农业局", "mid"),
    ("商务局", "", "low"),
    ("文化广电和旅游局", "文广旅局", "low"),
    ("卫生健康委员会", "卫健委", "mid"),
    ("退役军人事务局", "", "low"),
    ("应急管理局", "应急局", "low"),
    ("审计局", "", "low"),
    ("人民政府国有资产监督管理委员会", "国资委", "low"),
    ("市场监督管理局", "市场监管局", "mid"),
    ("体育局", "", "low"),
    ("统计局", "", "low"),
    ("医疗保障局", "医保局", "mid"),
    ("城市管理局", "城管局", "mid"),
    ("林业局", "", "low"),
    ("信访局", "", "low"),
    ("行政审批服务局", "审批局", "mid"),
    ("机关事务管理局", "", "low"),
    ("人民防空办公室", "人防办", "low"),
    ("地方金融监督管理局", "金融局", "low"),
    ("数据资源管理局", "", "low"),
    ("民族宗教事务局", "民宗局", "low"),
    ("粮食和物资储备局", "粮储局", "low"),
    ("人民政府外事办公室", "外办", "low"),
    ("住房公积金管理中心", "公积金中心", "low"),
    ("投资促进局", "", "low"),
    ("乡村振兴局", "", "low"),
)
# Departments renamed in a reorganisation: new name -> (old name, first year of the new name).
RENAMED = {
    "数据资源管理局": ("大数据管理局", 2022),
    "乡村振兴局": ("扶贫开发办公室", 2021),
    "城市管理局": ("城市管理行政执法局", 2020),
}
COUNTY_DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("发展和改革局", "发改局", "low"),
    ("教育局", "", "low"),
    ("公安局", "", "mid"),
    ("民政局", "", "low"),
    ("司法局", "", "low"),
    ("财政局", "", "low"),
    ("人力资源和社会保障局", "人社局", "low"),
    ("自然资源和规划局", "自然资源局", "mid"),
    ("生态环境分局", "", "low"),
    ("住房和城乡建设局", "住建局", "mid"),
    ("交通运输局", "交通局", "low"),
    ("水利局", "", "low"),
    ("农业农村局", "农业局", "low"),
    ("商务局", "", "low"),
    ("文化和旅游局", "文旅局", "low"),
    ("卫生健康局", "卫健局", "low"),
    ("退役军人事务局", "", "low"),
    ("应急管理局", "应急局", "low"),
    ("审计局", "", "low"),
    ("市场监督管理局", "市场监管局", "low"),
    ("统计局", "", "low"),
    ("医疗保障局", "医保局", "low"),
    ("城市管理局", "城管局", "low"),
    ("行政审批局", "", "low"),
    ("科学技术和工业信息化局", "科工局", "low"),
)


@dataclass
class Agency:
    agency_id: str
    name: str
    level: str
    parent_id: str
    kind: str  # government | department
    first_year: int
    last_year: int | None
    profile: str  # request scale: gov_city, gov_county, high, mid, low, township
    folder: str  # the county (or the city) the reports are filed under
    aliases: list[str] = field(default_factory=list)
    # Names printed in report titles before a rename: year -> name (years before `since`).
    old_name: str = ""
    renamed_in: int = 0

    def printed_name(self, year: int) -> str:
        return self.old_name if self.old_name and year < self.renamed_in else self.name

    def row(self) -> dict[str, str]:
        return {
            "agency_id": self.agency_id,
            "name": self.name,
            "aliases": "|".join(self.aliases),
            "level": self.level,
            "parent_id": self.parent_id,
            "kind": self.kind,
            "first_year": str(self.first_year),
            "last_year": "" if self.last_year is None else str(self.last_year),
            "is_generated": "true",
        }


def city_name(seed: int) -> str:
    """The seed in mixed radix (first character, second character, then bijective base-k for the
    rest), then 市: distinct seeds, distinct names."""
    if seed < 0:
        raise ValueError("the seed must be a non-negative integer")
    n, first = divmod(seed, len(CITY_FIRST))
    n, second = divmod(n, len(CITY_SECOND))
    more = []
    while n > 0:  # bijective: no "leading zero", so every n has exactly one spelling
        n, r = divmod(n - 1, len(CITY_MORE))
        more.append(CITY_MORE[r])
    return CITY_FIRST[first] + CITY_SECOND[second] + "".join(reversed(more)) + "市"


def city_code(seed: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    n, out = seed, ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return "s" + out


COUNTY_SIZE = 60  # agencies per county (government, departments, townships) in a large city


def _split_counts(n: int, rng: random.Random) -> tuple[int, list[tuple[int, int]]]:
    """(city departments, [(county departments, townships) per county]) adding up to n agencies."""
    if n < 4:
        raise ValueError("a city needs at least 4 agencies (government, a department, a county, a township)")
    n_city_depts = max(1, min(len(CITY_DEPARTMENTS), round(n * 0.11)))
    rest = n - 1 - n_city_depts
    n_counties = max(1, min(10, round(rest / 30)))
    if rest >= 6 * 30 * 0.9:
        n_counties = max(6, n_counties)
    if rest > 10 * COUNTY_SIZE:  # a large city: more counties of about COUNTY_SIZE agencies each
        n_counties = -(-rest // COUNTY_SIZE)
    shares = [rest // n_counties + (1 if i < rest % n_counties else 0) for i in range(n_counties)]
    # Uneven counties: move a few agencies from one county to another.
    for _ in range(n_counties):
        a, b = rng.randrange(n_counties), rng.randrange(n_counties)
        d = rng.randint(0, 3)
        if a != b and shares[a] - d >= 3:
            shares[a] -= d
            shares[b] += d
    counties = []
    for share in shares:
        body = share - 1  # the county government itself
        towns = max(1, min(len(TOWN_STEMS), round(body * rng.uniform(0.33, 0.42))))
        depts = body - towns
        if depts > len(COUNTY_DEPARTMENTS):
            towns += depts - len(COUNTY_DEPARTMENTS)
            depts = len(COUNTY_DEPARTMENTS)
        if depts < 1 and towns > 1:
            depts, towns = 1, towns - 1
        counties.append((depts, towns))
    return n_city_depts, counties


def build_city(n_agencies: int, years: tuple[int, int], seed: int) -> tuple[str, list[Agency]]:
    """The city's name and its agencies, exactly `n_agencies` of them."""
    rng = random.Random(f"city:{seed}")
    city = city_name(seed)
    code = city_code(seed)
    y0, y1 = years
    agencies: list[Agency] = []

    def add(name: str, level: str, parent: str, kind: str, profile: str, folder: str, aliases: list[str]) -> Agency:
        a = Agency(f"gen-{code}-{len(agencies) + 1:04d}", name, level, parent, kind, y0, None, profile, folder, aliases)
        agencies.append(a)
        return a

    n_city_depts, counties = _split_counts(n_agencies, rng)
    gov = add(f"{city}人民政府", "city_government", "", "government", "gov_city", city, [f"{city}政府"])
    for name, short, profile in _pick(CITY_DEPARTMENTS, n_city_depts, rng, keep=5):
        aliases = [f"{city}{short}"] if short else []
        a = add(f"{city}{name}", "city_department", gov.agency_id, "department", profile, city, aliases)
        if name in RENAMED:
            old, since = RENAMED[name]
            if y0 < since <= y1:
                a.old_name, a.renamed_in = f"{city}{old}", since
                a.aliases.append(a.old_name)
    stems = place_stems(COUNTY_STEMS, len(counties), rng)
    for i, ((n_depts, n_towns), stem) in enumerate(zip(counties, stems, strict=False)):
        suffix = "区" if i < (len(counties) + 1) // 2 else "县"
        county = f"{city}{stem}{suffix}"
        cgov = add(
            f"{county}人民政府",
            "county_government",
            gov.agency_id,
            "government",
            "gov_county",
            county,
            [f"{county}政府"],
        )
        for name, short, profile in _pick(COUNTY_DEPARTMENTS, n_depts, rng, keep=3):
            aliases = [f"{county}{short}"] if short else []
            add(f"{county}{name}", "county_department", cgov.agency_id, "department", profile, county, aliases)
        for town in place_stems(TOWN_STEMS, n_towns, rng):
            if suffix == "区":
                kind_name = rng.choice(("街道办事处", "街道办事处", "镇人民政府"))
            else:
                kind_name = rng.choice(("镇人民政府", "镇人民政府", "乡人民政府", "街道办事处"))
            name = f"{county}{town}{kind_name}"
            short = f"{county}{town}{'街道' if kind_name == '街道办事处' else kind_name[0]}"
            add(name, "township", cgov.agency_id, "government", "township", county, [short])
    # A few agencies start reporting late (new bodies) or stop (merged away).
    for a in agencies:
        if a.level in ("city_government", "county_government") or a.old_name or y1 - y0 < 2:
            continue
        roll = rng.random()
        if roll < 0.03:
            a.first_year = rng.randint(y0 + 1, y1)
        elif roll < 0.05:
            a.last_year = rng.randint(y0, y1 - 1)
    assert len(agencies) == n_agencies, (len(agencies), n_agencies)
    return city, agencies


# Bodies that publish a report although no registry lists them (R00): offices the registry does
# not know, with names no registered agency or alias has.
UNREGISTERED_BODIES: tuple[str, ...] = (
    "重点项目建设服务中心",
    "营商环境建设办公室",
    "新区开发建设指挥部",
    "文明城市创建工作办公室",
    "招商引资服务中心",
    "国防动员办公室",
)
UNREGISTERED_PER_AGENCIES = 100  # one such body per this many agencies, at least one


def unregistered_bodies(
    city: str, gov: Agency, years: tuple[int, int], seed: int, n_agencies: int
) -> list[tuple[Agency, int]]:
    """(body, the one year it publishes a report) for the city's unregistered bodies, each in a
    different year while years last. Not in the registry; ids only name their files."""
    rng = random.Random(f"unregistered:{seed}")
    n = min(max(1, n_agencies // UNREGISTERED_PER_AGENCIES), len(UNREGISTERED_BODIES))
    span = list(range(years[0], years[1] + 1))
    chosen_years = rng.sample(span, min(n, len(span))) + [rng.choice(span) for _ in range(n - len(span))]
    out = []
    for i, (name, year) in enumerate(zip(rng.sample(UNREGISTERED_BODIES, n), chosen_years, strict=False), start=1):
        body = Agency(
            f"{gov.agency_id.rsplit('-', 1)[0]}-u{i:02d}",
            f"{city}{name}",
            "city_department",
            gov.agency_id,
            "department",
            year,
            year,
            "low",
            gov.folder,
        )
        out.append((body, year))
    return out


def _pick(items: tuple[Any, ...], n: int, rng: random.Random, keep: int) -> list[Any]:
    """n items in list order: the first `keep` always (the core departments), the rest sampled."""
    n = min(n, len(items))
    head = list(range(min(keep, n)))
    rest = sorted(rng.sample(range(len(head), len(items)), n - len(head)))
    return [items[i] for i in head + rest]
