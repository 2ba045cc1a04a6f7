#!/usr/bin/env python3
"""Generate the fictional sample county 青岚县 (code QL) for Anquan.

Writes two CSV files (UTF-8, no BOM, header row, ``\\n`` line endings) into
``samples/qinglan-county/`` (override with ``--out DIR``):

* ``organisations.csv``: code,name,kind,parent_code,sector,employees,dangerous_goods
* ``contacts.csv``:      org_code,name,role,email,phone,full_time

Everything is fictional: organisation names, personal names, e-mail addresses
(reserved ``.example`` domain) and mobile numbers. Standard library only, and
deterministic: one ``random.Random(2026)`` drives every choice, so running the
script twice gives byte-identical files.

Shape
-----
1 county (QL 青岚县) -> 8 townships (QL01..QL08) -> per township 6-12 villages
(QL01V01...), 3-5 township-level units (QL01U01...) and its enterprises
(QL01E001...). 10 enterprises hang under a village of their township instead of
the township itself. 320 enterprises over all eight sectors; 6 have more than
300 employees; dangerous_goods is true for every fireworks and
hazardous_chemicals enterprise and for the petrol / LPG stations filed under
road_transport or other.

Intentional gaps (the directory is otherwise complete and valid)
-----------------------------------------------------------------
* QL03 has only 1 safety_office contact (every other township has 2-3).
* QL06 has NO deputy_head_safety.
* Villages with NO village_safety_officer: QL02V03, QL02V05, QL05V02.
* Units with NO unit_head: QL04U02, QL07U03.
* Every village has a village_head (村委会主任, who signs its book) except QL03V02 and QL06V04: their
  books go to the village safety officer. The heads are drawn after everything else from their own
  random stream and listed last, so adding them left every earlier row as it was.
* 15 enterprises that require a safety manager (sector is not ``other``, or
  dangerous_goods is true, or more than 300 employees) have NO
  enterprise_safety_manager:
  QL01E010, QL01E064, QL02E005, QL02E011, QL02E013, QL03E005, QL03E028,
  QL04E006, QL04E016, QL05E015, QL05E055, QL06E004, QL07E037, QL07E041,
  QL08E016
  (QL02E013 is an ``other`` enterprise with 820 employees, QL07E041 an
  ``other`` petrol station with dangerous goods; the rest are in high-risk
  sectors.)

Not gaps (deliberate negative controls): these small, low-risk enterprises
(sector ``other``, no dangerous goods, at most 30 employees) have no
enterprise_safety_manager, which is allowed:
  QL01E027, QL04E007, QL05E024, QL06E013, QL07E048, QL08E021

full_time is filled for enterprise safety managers only: true where the book requires full-time
safety staff (config/cycle.yaml ``full_time_manager_sectors`` and ``dedicated_safety_staff_over``:
non-coal mining, construction, fireworks, hazardous chemicals, any dangerous goods, more than 300
employees), false elsewhere; other contacts leave it empty. It is derived after everything else, so
it draws nothing from the random stream.

Every township has exactly one township_head. The script asserts that the
gap lists above match what it generated; if you change the generator, update
this docstring and the ``DOCUMENTED_*`` constants together.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

SEED = 2026
GAP_VILLAGES_NO_HEAD = ("QL03V02", "QL06V04")
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "samples" / "qinglan-county"

ORG_FIELDS = ["code", "name", "kind", "parent_code", "sector", "employees", "dangerous_goods"]
CONTACT_FIELDS = ["org_code", "name", "role", "email", "phone", "full_time"]
# Who must have full-time safety staff: the default rules (config/cycle.yaml), which the sample follows.
FULL_TIME_SECTORS = ("non_coal_mining", "construction", "fireworks", "hazardous_chemicals")
FULL_TIME_OVER = 300

SECTORS = [
    "non_coal_mining",
    "water_transport",
    "road_transport",
    "crowded_places",
    "construction",
    "fireworks",
    "hazardous_chemicals",
    "other",
]

# ---------------------------------------------------------------------------
# Intentional gaps (kept in sync with the module docstring).
# ---------------------------------------------------------------------------
GAP_SAFETY_OFFICE_ONLY_ONE = "QL03"
GAP_NO_DEPUTY_HEAD = "QL06"
GAP_VILLAGES_NO_OFFICER = ("QL02V03", "QL02V05", "QL05V02")
GAP_UNITS_NO_HEAD = ("QL04U02", "QL07U03")
N_GAP_ENTERPRISES = 15
N_LOW_RISK_NO_MANAGER = 6

DOCUMENTED_GAP_ENTERPRISES = (
    "QL01E010", "QL01E064", "QL02E005", "QL02E011", "QL02E013", "QL03E005", "QL03E028",
    "QL04E006", "QL04E016", "QL05E015", "QL05E055", "QL06E004", "QL07E037", "QL07E041",
    "QL08E016",
)
DOCUMENTED_LOW_RISK_NO_MANAGER = (
    "QL01E027", "QL04E007", "QL05E024", "QL06E013", "QL07E048", "QL08E021",
)

# ---------------------------------------------------------------------------
# Geography. (name, terrain) -- terrain steers which sectors settle there.
# ---------------------------------------------------------------------------
TOWNSHIPS = [
    ("石门镇", "seat"),      # county-seat-adjacent, busy
    ("龙潭乡", "river"),
    ("白沙镇", "river"),
    ("云溪乡", "mountain"),
    ("河口镇", "river"),
    ("松岭乡", "mountain"),
    ("桃源镇", "plain"),
    ("青峰乡", "mountain"),
]
# Relative number of enterprises per township (uneven on purpose).
TOWNSHIP_WEIGHT = [70, 30, 45, 25, 55, 22, 48, 25]

# sector -> terrain -> affinity multiplier
AFFINITY = {
    "non_coal_mining": {"seat": 0.2, "river": 0.5, "mountain": 3.0, "plain": 0.3},
    "water_transport": {"seat": 0.0, "river": 3.0, "mountain": 0.0, "plain": 0.0},
    "road_transport": {"seat": 1.6, "river": 1.0, "mountain": 0.7, "plain": 1.2},
    "crowded_places": {"seat": 1.6, "river": 1.0, "mountain": 0.8, "plain": 1.1},
    "construction": {"seat": 1.5, "river": 1.0, "mountain": 0.7, "plain": 1.1},
    "fireworks": {"seat": 1.0, "river": 1.0, "mountain": 1.0, "plain": 1.0},
    "hazardous_chemicals": {"seat": 1.8, "river": 1.0, "mountain": 0.4, "plain": 1.2},
    "other": {"seat": 1.0, "river": 1.0, "mountain": 1.0, "plain": 1.0},
}

# Enterprises per sector (total 320).
SECTOR_COUNTS = {
    "other": 112,
    "construction": 58,
    "crowded_places": 56,
    "road_transport": 48,
    "hazardous_chemicals": 13,
    "fireworks": 12,
    "non_coal_mining": 11,
    "water_transport": 10,
}

VILLAGE_NAMES = [
    "上坪", "下坪", "黄泥", "枫树", "竹林", "杨家", "李家", "岭头", "坑口", "大坑",
    "茶园", "新屋", "高坑", "水口", "洞口", "田心", "塘下", "马岭", "桥头", "石桥",
    "河背", "沙坪", "长岭", "石岗", "龙井", "梅子", "柏树", "湾里", "樟树", "中洲",
    "下洲", "坳上", "东坑", "西岭", "南山", "北坪", "金竹", "白果", "桐子", "杉木",
    "牛角", "鹅公", "凤凰", "狮子", "竹山", "周家", "刘家", "何家", "新田", "老屋",
    "冷水", "温泉", "坝上", "坪塘", "荷塘", "横江", "溪口", "源头", "井头", "山背",
    "石壁", "花桥", "板桥", "梨园", "桃坑", "李坑", "杨梅", "松坑", "云岭", "雾溪",
    "鸭塘", "鲤鱼", "清水", "青山", "红岩", "黄岩", "白岩", "高峰", "仙岭", "太平",
    "永和", "安乐", "长坪", "大塘", "小塘", "社下", "庙前", "岭下", "坑头", "渡头",
]

UNIT_TYPES = [
    # (suffix, uses_short_name) -- the first three appear in every township.
    ("中心小学", False),
    ("卫生院", False),
    ("派出所", True),
    ("农业服务中心", False),
    ("中学", False),
    ("中心幼儿园", False),
    ("敬老院", False),
    ("林业工作站", False),
    ("供电所", True),
    ("财政所", False),
    ("文化站", False),
]

BRANDS = [
    "鑫源", "宏达", "永安", "顺发", "兴旺", "恒通", "华盛", "金鹏", "众力", "和顺",
    "隆昌", "富民", "嘉禾", "瑞丰", "天宇", "长盛", "联发", "新元", "博远", "丰泰",
    "安信", "盛达", "通达", "万家", "福瑞", "利民", "润发", "正阳", "青云", "锦程",
]

# sector -> list of (name pattern, employees range, dangerous_goods)
# {p} is a place prefix (county+township short, or township short), {b} a brand.
TRADES = {
    "construction": [
        ("{p}建筑工程有限公司", (20, 200), False),
        ("{p}{b}建设有限公司", (20, 180), False),
        ("{p}{b}装饰工程有限公司", (8, 60), False),
        ("{p}{b}路桥工程有限公司", (30, 200), False),
        ("{p}{b}水利水电建设有限公司", (20, 150), False),
        ("{p}{b}劳务有限公司", (15, 120), False),
    ],
    "road_transport": [
        ("{p}{b}客运有限公司", (20, 160), False),
        ("{p}{b}货运有限公司", (8, 80), False),
        ("{p}{b}物流有限公司", (10, 90), False),
        ("{p}{b}汽车运输队", (6, 40), False),
        ("{p}{b}驾驶员培训有限公司", (10, 50), False),
        ("{p}{b}公交有限公司", (30, 180), False),
    ],
    "crowded_places": [
        ("{p}{b}大酒店", (15, 120), False),
        ("{p}{b}超市", (8, 80), False),
        ("{p}农贸市场", (5, 30), False),
        ("{p}{b}宾馆", (5, 40), False),
        ("{p}{b}网吧", (5, 15), False),
        ("{p}{b}KTV", (8, 35), False),
        ("{p}{b}商贸城", (20, 150), False),
        ("{p}{b}农家乐", (5, 25), False),
        ("{p}{b}旅游开发有限公司", (15, 120), False),
    ],
    "fireworks": [
        ("{p}烟花爆竹经营部", (5, 12), True),
        ("{p}{b}烟花爆竹零售点", (5, 8), True),
        ("{p}{b}烟花爆竹批发有限公司", (10, 45), True),
    ],
    "hazardous_chemicals": [
        ("{p}{b}化工有限公司", (25, 200), True),
        ("{p}{b}液化气站", (5, 20), True),
        ("{p}{b}工业气体有限公司", (10, 60), True),
        ("{p}{b}农药经营部", (5, 12), True),
        ("{p}{b}涂料有限公司", (15, 90), True),
    ],
    "non_coal_mining": [
        ("{p}{b}石料厂", (10, 80), False),
        ("{p}{b}采石场", (8, 60), False),
        ("{p}{b}矿业有限公司", (30, 200), False),
        ("{p}{b}砂石有限公司", (10, 70), False),
    ],
    "water_transport": [
        ("{p}{b}渡运站", (5, 15), False),
        ("{p}{b}航运有限公司", (10, 60), False),
        ("{p}{b}船务有限公司", (8, 50), False),
        ("{p}{b}游船有限公司", (10, 45), False),
    ],
    "other": [
        ("{p}{b}木材加工厂", (8, 70), False),
        ("{p}{b}食品有限公司", (10, 120), False),
        ("{p}{b}茶叶专业合作社", (5, 40), False),
        ("{p}{b}竹制品厂", (10, 90), False),
        ("{p}{b}机械厂", (10, 110), False),
        ("{p}{b}服装厂", (20, 180), False),
        ("{p}{b}粮油加工厂", (6, 50), False),
        ("{p}{b}生猪养殖场", (5, 30), False),
        ("{p}{b}新型建材厂", (15, 100), False),
        ("{p}{b}酒业有限公司", (8, 60), False),
        ("{p}{b}电子科技有限公司", (20, 160), False),
        ("{p}{b}汽车修理厂", (5, 25), False),
        ("{p}{b}家具厂", (8, 70), False),
        ("{p}{b}农业开发有限公司", (6, 60), False),
    ],
}

# Petrol / LPG stations filed outside hazardous_chemicals (dangerous_goods true).
FUEL_STATIONS = [
    ("road_transport", "{p}{b}加油站", (6, 18)),
    ("road_transport", "{p}{b}加油站", (6, 18)),
    ("road_transport", "{p}{b}加油加气站", (8, 20)),
    ("other", "{p}{b}加油站", (5, 15)),
    ("other", "{p}{b}燃气经营部", (5, 12)),
]

# Large employers (>300): (sector, pattern, employees).
LARGE_EMPLOYERS = [
    ("construction", "{p}{b}建设集团有限公司", 620),
    ("construction", "{p}{b}建筑安装工程有限公司", 345),
    ("non_coal_mining", "{p}{b}矿业集团有限公司", 410),
    ("hazardous_chemicals", "{p}{b}新材料化工有限公司", 380),
    ("other", "{p}{b}纺织服装有限公司", 820),
    ("crowded_places", "{p}{b}景区管理有限公司", 315),
]

# Village-level enterprises (parent is a village): small trades.
VILLAGE_TRADES = [
    ("other", "{v}村{b}茶叶专业合作社", (5, 25), False),
    ("other", "{v}村{b}竹木加工厂", (5, 30), False),
    ("other", "{v}村{b}养殖专业合作社", (5, 20), False),
    ("crowded_places", "{v}村{b}农家乐", (5, 15), False),
    ("non_coal_mining", "{v}村{b}石料厂", (8, 40), False),
]

# ---------------------------------------------------------------------------
# People.
# ---------------------------------------------------------------------------
SURNAMES = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"),
    ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"),
    ("郭", "guo"), ("何", "he"), ("林", "lin"), ("罗", "luo"), ("高", "gao"),
    ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"),
    ("邓", "deng"), ("韩", "han"), ("冯", "feng"), ("彭", "peng"),
    ("曾", "zeng"), ("肖", "xiao"), ("田", "tian"), ("董", "dong"), ("潘", "pan"),
    ("袁", "yuan"), ("蔡", "cai"), ("蒋", "jiang"), ("余", "yu"), ("杜", "du"),
    ("叶", "ye"), ("程", "cheng"), ("魏", "wei"), ("苏", "su"), ("吕", "lv"),
    ("丁", "ding"), ("沈", "shen"), ("钟", "zhong"), ("卢", "lu"), ("廖", "liao"),
    ("范", "fan"), ("方", "fang"), ("石", "shi"), ("熊", "xiong"), ("邹", "zou"),
    ("龚", "gong"), ("欧阳", "ouyang"),
]
# Surnames are weighted toward the most common ones.
SURNAME_WEIGHTS = [max(1, 12 - i // 5) for i in range(len(SURNAMES))]

# Given names: two-character names combine a FIRST and a SECOND character;
# one-character names use a SECOND character only.
GIVEN_FIRST = [
    ("建", "jian"), ("国", "guo"), ("志", "zhi"), ("晓", "xiao"), ("海", "hai"),
    ("春", "chun"), ("永", "yong"), ("立", "li"), ("文", "wen"), ("德", "de"),
    ("振", "zhen"), ("光", "guang"), ("庆", "qing"), ("玉", "yu"), ("秀", "xiu"),
    ("桂", "gui"), ("红", "hong"), ("丽", "li"), ("嘉", "jia"), ("子", "zi"),
    ("雪", "xue"), ("新", "xin"), ("明", "ming"), ("俊", "jun"), ("云", "yun"),
    ("金", "jin"), ("宏", "hong"), ("家", "jia"), ("思", "si"), ("雨", "yu"),
    ("美", "mei"), ("淑", "shu"), ("爱", "ai"), ("学", "xue"), ("福", "fu"),
]
GIVEN_SECOND = [
    ("伟", "wei"), ("芳", "fang"), ("敏", "min"), ("静", "jing"), ("强", "qiang"),
    ("磊", "lei"), ("军", "jun"), ("勇", "yong"), ("杰", "jie"), ("娟", "juan"),
    ("涛", "tao"), ("明", "ming"), ("华", "hua"), ("平", "ping"), ("辉", "hui"),
    ("斌", "bin"), ("峰", "feng"), ("亮", "liang"), ("琴", "qin"), ("兰", "lan"),
    ("荣", "rong"), ("梅", "mei"), ("慧", "hui"), ("波", "bo"), ("婷", "ting"),
    ("倩", "qian"), ("欣", "xin"), ("成", "cheng"), ("林", "lin"), ("英", "ying"),
    ("霞", "xia"), ("燕", "yan"), ("玲", "ling"), ("宇", "yu"), ("浩", "hao"),
    ("凯", "kai"), ("鹏", "peng"), ("刚", "gang"), ("艳", "yan"), ("丽", "li"),
    ("东", "dong"), ("生", "sheng"), ("萍", "ping"), ("龙", "long"), ("清", "qing"),
]

PHONE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139",
                  "150", "151", "152", "155", "157", "158", "159",
                  "180", "181", "182", "183", "186", "187", "188", "189"]
PHONE_BLANK_RATE = 0.07


class Generator:
    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.orgs: list[dict[str, str]] = []
        self.contacts: list[dict[str, str]] = []
        self._emails: set[str] = set()
        self._phones: set[str] = set()
        self._org_names: set[str] = set()

    # -- helpers ------------------------------------------------------------
    def person(self) -> tuple[str, str]:
        """Return (chinese name, ascii 'surname.given' slug)."""
        rng = self.rng
        sur, sur_py = rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
        n_given = 1 if len(sur) == 2 else rng.choice((1, 2, 2))
        given = [rng.choice(GIVEN_SECOND)]
        if n_given == 2:
            given.insert(0, rng.choice(GIVEN_FIRST))
        name = sur + "".join(c for c, _ in given)
        slug = sur_py + "." + "".join(p for _, p in given)
        return name, slug

    def phone(self) -> str:
        rng = self.rng
        if rng.random() < PHONE_BLANK_RATE:
            return ""
        while True:
            number = rng.choice(PHONE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))
            if number not in self._phones:
                self._phones.add(number)
                return number

    def unique_email(self, local: str, domain: str) -> str:
        email = f"{local}@{domain}"
        n = 2
        while email in self._emails:
            # Insert a disambiguating digit after the personal part.
            head, _, tail = local.rpartition(".")
            email = f"{head}{n}.{tail}@{domain}" if head else f"{local}{n}@{domain}"
            n += 1
        self._emails.add(email)
        return email

    def add_official(self, org_code: str, role: str) -> None:
        name, slug = self.person()
        email = self.unique_email(f"{slug}.{org_code.lower()}", "qinglan.example")
        self.contacts.append(
            {"org_code": org_code, "name": name, "role": role, "email": email, "phone": self.phone()}
        )

    def add_enterprise_contact(self, org_code: str, role: str, mailbox: str) -> None:
        name, _ = self.person()
        email = self.unique_email(mailbox, f"{org_code.lower()}.example")
        self.contacts.append(
            {"org_code": org_code, "name": name, "role": role, "email": email, "phone": self.phone()}
        )

    def add_org(self, code: str, name: str, kind: str, parent: str = "",
                sector: str = "", employees: int | None = None, dangerous: bool | None = None) -> None:
        self.orgs.append({
            "code": code,
            "name": name,
            "kind": kind,
            "parent_code": parent,
            "sector": sector,
            "employees": "" if employees is None else str(employees),
            "dangerous_goods": "" if dangerous is None else ("true" if dangerous else "false"),
        })

    def company_name(self, pattern: str, twp_short: str, village: str = "") -> str:
        rng = self.rng
        for attempt in range(200):
            if attempt == 20 and "{b}" not in pattern:
                # Brand-less patterns (e.g. 农贸市场) run out of variants quickly.
                pattern = pattern.replace("{p}", "{p}{b}", 1)
            prefix = rng.choice((f"青岚县{twp_short}", twp_short, twp_short))
            name = pattern.format(p=prefix, b=rng.choice(BRANDS), v=village)
            if name not in self._org_names:
                self._org_names.add(name)
                return name
        raise RuntimeError(f"could not find a unique name for {pattern!r}")

    # -- structure ----------------------------------------------------------
    def build(self) -> None:
        rng = self.rng
        self.add_org("QL", "青岚县", "county")

        village_pool = VILLAGE_NAMES[:]
        rng.shuffle(village_pool)

        townships = []  # (code, name, short, terrain, [village (code, short)])
        for i, (tname, terrain) in enumerate(TOWNSHIPS, start=1):
            tcode = f"QL{i:02d}"
            short = tname[:-1]
            self.add_org(tcode, tname, "township", "QL")
            n_villages = rng.randint(6, 12)
            villages = []
            for v in range(1, n_villages + 1):
                vshort = village_pool.pop()
                vcode = f"{tcode}V{v:02d}"
                self.add_org(vcode, f"{vshort}村", "village", tcode)
                villages.append((vcode, vshort))
            n_units = rng.randint(3, 5)
            extra = rng.sample(UNIT_TYPES[3:], n_units - 3)
            for u, (suffix, use_short) in enumerate(UNIT_TYPES[:3] + extra, start=1):
                uname = f"{short if use_short else tname}{suffix}"
                self.add_org(f"{tcode}U{u:02d}", uname, "unit", tcode)
            townships.append((tcode, tname, short, terrain, villages))

        # Enterprise specs: (sector, pattern, employees, dangerous, village_level)
        specs: list[tuple[str, str, int, bool, bool]] = []
        remaining = dict(SECTOR_COUNTS)
        for sector, pattern, emp in LARGE_EMPLOYERS:
            specs.append((sector, pattern, emp, False if sector != "hazardous_chemicals" else True, False))
            remaining[sector] -= 1
        for sector, pattern, (lo, hi) in FUEL_STATIONS:
            specs.append((sector, pattern, rng.randint(lo, hi), True, False))
            remaining[sector] -= 1
        village_specs = []
        for k in range(10):
            sector, pattern, (lo, hi), dg = VILLAGE_TRADES[k % len(VILLAGE_TRADES)]
            village_specs.append((sector, pattern, rng.randint(lo, hi), dg, True))
            remaining[sector] -= 1
        for sector in SECTORS:
            for _ in range(remaining[sector]):
                pattern, (lo, hi), dg = rng.choice(TRADES[sector])
                emp = rng.randint(lo, hi)
                specs.append((sector, pattern, emp, dg, False))

        # Assign townships by weight x sector affinity.
        per_twp: list[list[tuple]] = [[] for _ in townships]
        for spec in specs + village_specs:
            sector = spec[0]
            weights = [TOWNSHIP_WEIGHT[i] * AFFINITY[sector][t[3]] for i, t in enumerate(townships)]
            idx = rng.choices(range(len(townships)), weights=weights)[0]
            per_twp[idx].append(spec)

        for idx, (tcode, tname, short, terrain, villages) in enumerate(townships):
            entries = per_twp[idx]
            rng.shuffle(entries)
            for n, (sector, pattern, emp, dg, village_level) in enumerate(entries, start=1):
                code = f"{tcode}E{n:03d}"
                if village_level:
                    vcode, vshort = rng.choice(villages)
                    name = self.company_name(pattern, short, vshort)
                    parent = vcode
                else:
                    name = self.company_name(pattern, short)
                    parent = tcode
                self.add_org(code, name, "enterprise", parent, sector, emp, dg)

    # -- contacts -----------------------------------------------------------
    def add_village_heads(self, seed: int = SEED + 1) -> None:
        """A village committee head (村委会主任) for each village but the documented gaps, from a stream of its own."""
        kept, self.rng = self.rng, random.Random(seed)
        try:
            for org in self.orgs:
                if org["kind"] == "village" and org["code"] not in GAP_VILLAGES_NO_HEAD:
                    self.add_official(org["code"], "village_head")
        finally:
            self.rng = kept

    def build_contacts(self) -> tuple[list[str], list[str]]:
        rng = self.rng
        enterprises = [o for o in self.orgs if o["kind"] == "enterprise"]

        def needs_manager(o: dict[str, str]) -> bool:
            return o["sector"] != "other" or o["dangerous_goods"] == "true" or int(o["employees"]) > 300

        # Choose gap enterprises: one `other`+dangerous goods, one `other`+>300,
        # the rest from high-risk sectors.
        other_dg = [o["code"] for o in enterprises if o["sector"] == "other" and o["dangerous_goods"] == "true"]
        other_big = [o["code"] for o in enterprises if o["sector"] == "other" and int(o["employees"]) > 300]
        high_risk = [o["code"] for o in enterprises if o["sector"] != "other"]
        gaps = [rng.choice(other_dg), rng.choice(other_big)]
        # Spread the rest round-robin over the townships (QL01..QL08, QL01..).
        twp_codes = [o["code"] for o in self.orgs if o["kind"] == "township"]
        k = 0
        while len(gaps) < N_GAP_ENTERPRISES:
            twp = twp_codes[k % len(twp_codes)]
            k += 1
            pool = [c for c in high_risk if c.startswith(twp) and c not in gaps]
            if pool:
                gaps.append(rng.choice(pool))
        gaps = sorted(gaps)
        low_risk = [o["code"] for o in enterprises
                    if not needs_manager(o) and int(o["employees"]) <= 30 and o["parent_code"] == o["code"][:4]]
        no_manager_ok = []
        for twp in sorted(rng.sample(twp_codes, N_LOW_RISK_NO_MANAGER)):
            no_manager_ok.append(rng.choice([c for c in low_risk if c.startswith(twp)]))
        gap_set, ok_set = set(gaps), set(no_manager_ok)

        for org in self.orgs:
            code, kind = org["code"], org["kind"]
            if kind == "county":
                for _ in range(3):
                    self.add_official(code, "county_office")
                for _ in range(4):
                    self.add_official(code, "county_inspector")
            elif kind == "township":
                self.add_official(code, "township_head")
                if code != GAP_NO_DEPUTY_HEAD:
                    self.add_official(code, "deputy_head_safety")
                n_office = 1 if code == GAP_SAFETY_OFFICE_ONLY_ONE else rng.randint(2, 3)
                for _ in range(n_office):
                    self.add_official(code, "safety_office")
                for _ in range(rng.randint(2, 3)):
                    self.add_official(code, "township_leader")
            elif kind == "village":
                if code not in GAP_VILLAGES_NO_OFFICER:
                    self.add_official(code, "village_safety_officer")
            elif kind == "unit":
                if code not in GAP_UNITS_NO_HEAD:
                    self.add_official(code, "unit_head")
            elif kind == "enterprise":
                self.add_enterprise_contact(code, "enterprise_principal", "principal")
                if code not in gap_set and code not in ok_set:
                    self.add_enterprise_contact(code, "enterprise_safety_manager", "safety")
        return gaps, no_manager_ok


def mark_full_time(orgs: list[dict[str, str]], contacts: list[dict[str, str]]) -> None:
    """full_time for every contact: true/false for enterprise safety managers by the book's rule, else empty."""
    by_code = {o["code"]: o for o in orgs}
    for c in contacts:
        if c["role"] != "enterprise_safety_manager":
            c["full_time"] = ""
            continue
        o = by_code[c["org_code"]]
        needed = (o["sector"] in FULL_TIME_SECTORS or o["dangerous_goods"] == "true"
                  or int(o["employees"] or 0) > FULL_TIME_OVER)
        c["full_time"] = "true" if needed else "false"


def write_csv(path: Path, fields: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)

    gen = Generator()
    gen.build()
    gaps, no_manager_ok = gen.build_contacts()
    gen.add_village_heads()
    mark_full_time(gen.orgs, gen.contacts)

    codes = {o["code"] for o in gen.orgs}
    for code in (*GAP_VILLAGES_NO_OFFICER, *GAP_VILLAGES_NO_HEAD, *GAP_UNITS_NO_HEAD, GAP_NO_DEPUTY_HEAD, GAP_SAFETY_OFFICE_ONLY_ONE):
        if code not in codes:
            raise SystemExit(f"documented gap {code} does not exist in generated data")
    if tuple(gaps) != DOCUMENTED_GAP_ENTERPRISES or tuple(no_manager_ok) != DOCUMENTED_LOW_RISK_NO_MANAGER:
        raise SystemExit(
            "generated enterprise gaps drifted from the docstring; update it and the DOCUMENTED_* constants:\n"
            f"  gaps: {', '.join(gaps)}\n  low-risk without manager: {', '.join(no_manager_ok)}"
        )

    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / "organisations.csv", ORG_FIELDS, gen.orgs)
    write_csv(args.out / "contacts.csv", CONTACT_FIELDS, gen.contacts)
    print(f"wrote {len(gen.orgs)} organisations and {len(gen.contacts)} contacts to {args.out}")


if __name__ == "__main__":
    main()
