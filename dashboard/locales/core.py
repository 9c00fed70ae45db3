"""Strings of the app shell: navigation, login, roles."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "app.title": ("预算绩效监控与公开平台", "Budget Performance Dashboard"),
    "nav.public": ("信息公开", "Public disclosure"),
    "nav.internal": ("绩效管理", "Performance management"),
    "nav.data": ("数据填报", "Data entry"),
    "nav.admin": ("系统管理", "Administration"),
    "nav.account": ("账号", "Account"),
    "auth.title": ("工作人员登录", "Staff sign-in"),
    "auth.username": ("用户名", "Username"),
    "auth.password": ("密码", "Password"),
    "auth.submit": ("登录", "Sign in"),
    "auth.wrong": ("用户名或密码错误", "Wrong username or password"),
    "auth.locked": ("登录失败次数过多，账号已锁定，请于 {until} 后再试",
                    "Too many failed attempts; the account is locked until {until}"),
    "auth.inactive": ("该账号已停用，请联系管理员", "This account is deactivated; ask an administrator"),
    "auth.expired": ("登录已超时，请重新登录", "Your session expired; please sign in again"),
    "auth.forbidden": ("您的账号无权查看此页面", "Your account may not open this page"),
    "auth.public_hint": ("公众和人大代表无需登录，可在“信息公开”栏目查阅已公开的评价结果和整改情况。",
                         "Citizens and NPC deputies need no account: published results are under Public disclosure."),
    "auth.signed_in": ("已登录：{user}（{role}）", "Signed in: {user} ({role})"),
    "auth.logout": ("退出登录", "Sign out"),
    "role.admin": ("管理员", "administrator"),
    "role.finance": ("财政业务", "finance staff"),
    "role.leader": ("领导", "leader"),
    "page.login": ("登录", "Sign in"),
}

STRINGS.update({
    "ui.no_data": ("数据库中还没有数据。请先导入项目预算或加载示例数据。",
                   "The database holds no data yet: import projects or load the sample data."),
    "ui.region": ("行政区", "District"),
    "ui.year": ("预算年度", "Fiscal year"),
    "ui.as_of_month": ("截至月份", "As of month"),
    "ui.month_n": ("{m}月", "month {m}"),
    "ui.list_sep": ("、", ", "),
    "ui.clause_sep": ("；", "; "),
    "ui.comma_sep": ("，", ", "),
    "ui.colon": ("：", ": "),
    "ui.glossary": ("名词解释", "Glossary"),
    "ui.empty_filter": ("没有符合当前筛选条件的数据，请放宽筛选条件。", "Nothing matches these filters; widen them."),
    "ui.download_csv": ("CSV", "CSV"),
    "ui.download_xlsx": ("Excel", "Excel"),
    "ui.sheet": ("数据", "Data"),  # the sheet of a one-table workbook (its file name says what it holds)
    "ui.download_page": ("下载本页全部表格（Excel）", "Download this page (Excel)"),
    "status.green": ("正常", "normal"),
    "status.yellow": ("关注", "watch"),
    "status.red": ("预警", "warning"),
    "status.rule.gap": ("状态按进度差判定："
                        "进度差（序时进度减执行率）超过 {yellow} 个百分点为关注，超过 {red} 个百分点为预警。",
                        "Status by the gap rule: more than {yellow} points "
                        "behind time progress is watch, more than {red} "
                        "points is warning."),
    "status.rule.ratio": ("状态按执行比率判定：执行率除以序时进度乘以 100 低于 {yellow} 为关注，低于 {red} 为预警。",
                          "Status by the ratio rule: execution rate divided "
                          "by time progress times 100 below {yellow} is "
                          "watch, below {red} is warning."),
    "grade.excellent": ("优", "excellent"),
    "grade.good": ("良", "good"),
    "grade.fair": ("中", "fair"),
    "grade.poor": ("差", "poor"),
})
