"""荔湾区 2020: 3755 self-evaluated projects, the review and key evaluations with their findings,
ex-ante reviews and the core indicator library of the 2020 seed report (DOMAIN.md §9)."""

from __future__ import annotations

import random
from decimal import Decimal

from data_access.seed import names as N
from data_access.seed.builder import (
    WAN,
    YI,
    Builder,
    add_ex_ante,
    add_findings,
    add_library,
    draw_score,
    shuffled_grades,
    split_total,
)


def _weighted_completions(
    funds: list[int], at_100: int, at_90s: int, below_90: int, target_centi: int, rng: random.Random
) -> list[int]:
    """Completion rates (centi) with the seed's bands whose funds-weighted mean rounds to target.

    The last 90–100 % project absorbs the difference, so Σ(funds × rate) / Σ funds hits the
    target to within half a hundredth.
    """
    assert at_100 + at_90s + below_90 == len(funds)
    k = at_100 + at_90s - 1  # the adjustable one
    for _attempt in range(200):
        rates = [10000] * at_100 + [rng.randint(9200, 9900) for _ in range(at_90s)]
        rates += [rng.randint(7600, 8900) for _ in range(below_90)]
        others = sum(f * r for i, (f, r) in enumerate(zip(funds, rates, strict=True)) if i != k)
        rates[k] = int(((Decimal(target_centi) * sum(funds) - others) / funds[k]).to_integral_value())
        if 9000 <= rates[k] < 10000:
            return rates
    raise ValueError(f"cannot reach a weighted completion of {target_centi}")



def load(b: Builder) -> None:
    """荔湾区 2020, in the draw order of the sample."""
    rng = b.rng
    region, year = N.LIWAN, 2020
    b.region(region)
    depts = (*N.LIWAN_BUREAUS, *N.LIWAN_STREETS)
    assert len(depts) == 77, len(depts)
    b.department_ids(region, depts, "LW")

    # 3755 projects, each self-evaluated.
    rows: list[dict] = []
    for i in range(3755):
        dept = depts[i % 77]
        template = N.SMALL_PROJECT_TEMPLATES[(i // 77) % len(N.SMALL_PROJECT_TEMPLATES)]
        adjusted = (rng.randint(5, 190) if rng.random() < 0.85 else rng.randint(200, 800)) * WAN
        initial = adjusted if i % 8 else adjusted + rng.randint(1, 20) * WAN
        rows.append({"department": dept, "code": f"LW{year}{i + 1:05d}", "name": f"{template}（{dept}）",
                     "initial": initial, "adjusted": adjusted, "kind": "recurring" if i % 5 else "one_off",
                     "fund_source": "政府性基金预算" if i % 13 == 0 else "一般公共预算"})
    b.add_projects(region, year, rows)

    self_grades = shuffled_grades({"excellent": 1287, "good": 2119, "fair": 301, "poor": 48}, rng)  # 3406 优良 of 3755
    evaluations = [
        {"department": r["department"], "subject": r["name"], "subject_type": "project", "method": "self",
         "score": draw_score(rng, g), "completion": rng.randint(8000, 10000), "published": False}
        for r, g in zip(rows, self_grades, strict=True)
    ]

    # Review: 25 projects of 9 departments, 0.26 亿; 优 2, 良 18, 中 5; completion 98 % (16 / 7 / 2).
    review_depts = depts[:9]
    review_rows = [r for r in rows if r["department"] in review_depts]
    picked = [review_rows[i * 9 + j] for i in range(3) for j in range(9)][:25]
    funds = split_total(int(Decimal("0.26") * YI), 25, rng, 0.5, 1.5, unit=100 * 100)
    completion = _weighted_completions(funds, 16, 7, 2, 9800, rng)
    grades = shuffled_grades({"excellent": 2, "good": 18, "fair": 5}, rng)
    recs = split_total(30, 25, rng, 0.5, 1.5)
    for r, f, c, g, rec in zip(picked, funds, completion, grades, recs, strict=True):
        evaluations.append({"department": r["department"], "subject": r["name"], "subject_type": "project",
                            "method": "review", "score": draw_score(rng, g), "funds": f, "completion": c,
                            "evaluator": "第三方评价机构（整体委托）", "recommendations": rec})

    # Key: 10 projects of 10 departments, 2.67 亿; 优 1, 良 9; completion 97.55 % (7 / 2 / 1).
    key_depts = depts[9:19]
    key_picked = [next(r for r in rows if r["department"] == d and r["name"] not in {p["name"] for p in picked})
                  for d in key_depts]
    funds = split_total(int(Decimal("2.67") * YI), 10, rng, 0.5, 1.5, unit=100 * 100)
    completion = _weighted_completions(funds, 7, 2, 1, 9755, rng)
    grades = shuffled_grades({"excellent": 1, "good": 9}, rng)
    recs = split_total(46, 10, rng, 0.5, 1.5)
    for r, f, c, g, rec in zip(key_picked, funds, completion, grades, recs, strict=True):
        evaluations.append({"department": r["department"], "subject": r["name"], "subject_type": "project",
                            "method": "key", "score": draw_score(rng, g), "funds": f, "completion": c,
                            "evaluator": "第三方评价机构（整体委托）", "recommendations": rec,
                            "summary": f"{r['name']}：项目实施总体顺利，产出指标基本完成，资金使用规范；"
                            "建议加强项目监督管理，完善绩效目标设置。"})

    # Department-wide: the two the report names, 4.73 亿 in all.
    evaluations += [
        {"department": "区人力和社会保障局", "subject": "区人力和社会保障局", "subject_type": "department",
         "method": "key", "score": 9034, "funds": int(Decimal("3.15") * YI), "completion": 9006, "link": False,
         "evaluator": "第三方评价机构（整体委托）", "recommendations": 6,
         "summary": ("部门整体支出绩效评价综合得分90.34分，预算完成率90.06%。"
                     "就业创业扶持资金发放及时，惠及18.24万人次。")},
        {"department": "多宝街办事处", "subject": "多宝街办事处", "subject_type": "department",
         "method": "key", "score": 8582, "funds": int(Decimal("1.58") * YI), "completion": 9533, "link": False,
         "evaluator": "第三方评价机构（整体委托）", "recommendations": 4,
         "summary": "部门整体支出绩效评价综合得分85.82分，预算完成率95.33%。基层服务类项目专业化水平有待提高。"},
    ]
    b.add_evaluations(region, year, evaluations)
    key_subjects = [{"department": r["department"], "subject": r["name"]} for r in key_picked]
    add_findings(b, region, year, key_subjects + [{"department": "多宝街办事处", "subject": "多宝街办事处"}],
              mostly_rectified=True)

    # Ex-ante: 3 projects, 0.79 亿; 2 supported + 1 partial; cut 0.12 亿, 15.15 %.
    add_ex_ante(b, region, year, [
        ("区农水局", "碧道建设工程", 38_000_000 * 100, 38_000_000 * 100, "supported"),
        ("区农水局", "东沙涌综合整治工程", 21_200_000 * 100, 21_200_000 * 100, "supported"),
        ("区住房建设局", "城市更新基础数据调查费用", 20_000_000 * 100, 8_000_000 * 100, "partial"),
    ])

    # Library: 7104 core indicators = 225 general + 6879 specific across the 77 departments.
    per_dept = split_total(6879, 77, rng, 0.6, 1.4)
    add_library(b, region, 225, dict(zip(depts, per_dept, strict=True)), core_all=True, core_specific=True)


