"""Plain-words explanations of the terms the pages use: (中文名, English name, 中文解释, English)."""

from __future__ import annotations

GLOSSARY: dict[str, tuple[str, str, str, str]] = {
    "self": ("单位自评", "Unit self-evaluation",
             "每个预算单位对自己的项目逐一打分，是全面覆盖的第一道评价。",
             "Every budget unit scores each of its own projects: the first, full-coverage layer of evaluation."),
    "review": ("自评复核", "Review of self-evaluations",
               "财政部门抽取部分单位的自评结果重新核实打分，检查自评是否实事求是。",
               "Finance re-checks a sample of self-evaluations to see whether units graded themselves honestly."),
    "key": ("重点评价", "Key evaluation",
            "财政部门（通常委托第三方机构）对重大项目、政策或部门整体支出进行深入评价。",
            "Finance, usually through a third-party firm, evaluates "
            "major projects, policies or whole departments in depth."),
    "time_progress": ("序时进度", "Time progress",
                      "按时间应完成的进度：第 M 个月末为 M/12×100%，如 6 月末为 50%。",
                      "How far through the year we are: M/12 × 100 at the end of month M (50 % at the end of June)."),
    "execution_rate": ("预算执行率", "Budget execution rate",
                       "累计支出占预算的比例；多个项目合计时为支出合计除以预算合计。",
                       "Cumulative spending as a share of the budget; over "
                       "several projects, total spent ÷ total budget."),
    "gap": ("进度差", "Gap",
            "序时进度减预算执行率（百分点）。正常、关注、预警的判定规则和阈值写在页面顶部的说明中。",
            "Time progress minus execution rate, in points. The rule and thresholds behind normal, watch and warning "
            "are stated at the top of the page."),
    "dual": ("双监控", "Dual monitoring",
             "年度执行中同时监控“钱花得怎样”（预算执行）和“事办得怎样”（绩效目标完成）。",
             "During the year, watching both how the money is spent and whether the targets are being met."),
    "key_monitoring": ("重点监控", "Key monitoring",
                       "年度预算 200 万元以上的项目，以及中央直达资金、涉农资金、专项债券资金项目。",
                       "Projects of 2 million yuan or more, and every project funded "
                       "by direct central, agricultural or special-bond funds."),
    "lifecycle": ("全生命周期跟踪问效", "Whole-life tracking",
                  "新增 500 万元以上经常性项目和 1000 万元以上一次性项目，从立项到完成全程跟踪。",
                  "New recurring projects of 5 million yuan or more and new one-off "
                  "projects of 10 million or more, tracked from start to finish."),
    "excellent_good_rate": ("优良率", "Excellent-or-good rate",
                            "评为“优”和“良”的个数占评价总数的比例。",
                            "The share of evaluations graded excellent (优) or good (良)."),
    "grades": ("评价等级", "Grades",
               "得分 90 分及以上为优，80–90 为良，60–80 为中，60 以下为差（各区可另行设定）。",
               "90 and above excellent, 80–90 good, 60–80 fair, below 60 poor (a district may set its own bounds)."),
    "cut_rate": ("核减率", "Cut rate",
                 "事前评估建议核减的金额占申报金额的比例，只计予以支持和部分支持的项目。",
                 "The amount ex-ante assessment recommends cutting as a share of the "
                 "amount requested, over supported and partly supported projects."),
    "ex_ante": ("事前绩效评估", "Ex-ante assessment",
                "项目申请资金前，专家评估是否必要、经济、可行，给出支持、部分支持或不予支持的结论。",
                "Before money is granted, experts assess whether a project is necessary, economical and feasible."),
    "rectification": ("整改", "Rectification",
                      "评价发现的问题由被评单位限期改正，并书面反馈整改情况。",
                      "Problems an evaluation finds must be fixed by the "
                      "unit by a deadline, with a written report back."),
    "overdue": ("逾期", "Overdue",
                "已过整改期限但尚未整改完成的问题。",
                "A finding past its deadline that is not yet rectified."),
    "verification": ("核验销号", "Verification",
                     "单位标记已整改后，由财政局核验整改是否到位：核验通过即销号（关闭），"
                     "不通过则写明理由退回重新整改。整改完成率按已整改计，销号另行显示。",
                     "Once a department marks a finding rectified, the finance bureau checks "
                     "it: verified closes it, or it is sent back with a reason. The "
                     "completion rate counts rectified findings; closure is shown beside it."),
    "deadline_revision": ("整改期限调整", "Deadline revision",
                          "整改期限只能由财政局调整，并须写明理由；"
                          "原定期限和每次调整（谁、何时、为何）都保留，逾期天数同时按原定期限显示。",
                          "Only the finance bureau moves a deadline, always with a reason; "
                          "the original deadline and every move (who, when, why) stay "
                          "visible, and days overdue are shown against the original too."),
    "completion": ("预算完成率", "Budget completion rate",
                   "被评价对象实际支出占预算的比例，按评价报告所载。",
                   "Spending as a share of the budget of an evaluated subject, as its report states."),
    "indicators": ("绩效指标", "Performance indicators",
                   "衡量项目产出、效益和满意度的具体指标；指标库供各单位设置目标时选用。",
                   "Measures of a project's outputs, effects and satisfaction; "
                   "the library offers them for setting targets."),
}
