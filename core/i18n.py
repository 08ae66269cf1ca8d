"""The translation layer: every user-visible string, in Simplified Chinese and English.

``t(key, lang, **values)`` looks a string up and fills ``{placeholders}``. Number, money
and percentage formatting for each language lives here too, so a page never formats a
number itself. Missing values (``None``, for example an incomplete retention cell) are
shown as an em dash, never as zero.
"""

from __future__ import annotations

import math
from datetime import date

from core import currency as currencies

LANGUAGES: tuple[str, ...] = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
EMPTY = "—"

CATALOGUE: dict[str, dict[str, str]] = {
    # -- app and menu ------------------------------------------------------------------
    "app.title": {"zh": "MemberLens 会员分析后台", "en": "MemberLens member analytics"},
    "section.dashboards": {"zh": "看板", "en": "Dashboards"},
    "section.admin": {"zh": "系统管理", "en": "Administration"},
    "section.account": {"zh": "我的账户", "en": "My account"},
    "page.overview": {"zh": "概览", "en": "Overview"},
    "page.data": {"zh": "数据状态", "en": "Data status"},
    "page.account": {"zh": "账户设置", "en": "Account settings"},
    "page.sign_in": {"zh": "登录", "en": "Sign in"},
    "sidebar.language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "sidebar.signed_in_as": {"zh": "已登录：{name}（{role}）", "en": "Signed in: {name} ({role})"},
    "sidebar.logout": {"zh": "退出登录", "en": "Sign out"},
    "sidebar.demo_store": {
        "zh": "演示数据库：数据与账户仅供演示。",
        "en": "Demo store: data and accounts are for demonstration only.",
    },
    "role.viewer": {"zh": "查看者", "en": "Viewer"},
    "role.analyst": {"zh": "分析师", "en": "Analyst"},
    "role.support": {"zh": "客服", "en": "Support"},
    "role.operator": {"zh": "运营主管", "en": "Operator"},
    "role.admin": {"zh": "管理员", "en": "Admin"},
    # -- startup -------------------------------------------------------------------------
    "startup.building_demo": {
        "zh": "首次运行：正在生成演示数据库（约 2 万会员）……",
        "en": "First run: building the demo store (about 20,000 members)…",
    },
    "startup.demo_ready": {"zh": "演示数据库已生成。", "en": "The demo store is ready."},
    "startup.store_error": {
        "zh": "无法打开数据库，原因已记录在服务器日志中。",
        "en": "The store cannot be opened; the server log says why.",
    },
    "startup.store_busy": {
        "zh": "数据库正被另一个程序使用（例如命令行导入），请稍后再试。详情见服务器日志。",
        "en": "The store is in use by another program (for example a command-line import). "
        "Try again shortly; the server log has the details.",
    },
    "startup.audit_key": {
        "zh": "审计日志密钥不可用：{problem}。请在 .streamlit/secrets.toml 中设置 "
        'audit_key = "…"，或设置环境变量 MEMBERLENS_AUDIT_KEY（与 Cookie 密钥不同的随机串）。',
        "en": 'The audit log key is not usable: {problem}. Set audit_key = "…" in '
        ".streamlit/secrets.toml or the environment variable MEMBERLENS_AUDIT_KEY (a random "
        "string of its own, not the cookie key).",
    },
    "demo.ended": {
        "zh": "此数据库原为演示数据库。{at}（UTC）导入了真实数据，"
        "因此已删除公开密码的演示账户并取消演示标记。请使用您自己的管理员账户（若没有，请创建第一个管理员）。",
        "en": "This store was a demo store. Real data was imported at {at} UTC, so the demo "
        "accounts (whose passwords are published) were removed and the store is no longer a "
        "demo. Use your own admin account, or create the first admin if there is none.",
    },
    "startup.demo_unavailable": {
        "zh": "找不到数据库 {path}，且演示数据生成器不可用：{error}",
        "en": "No store at {path}, and the demo builder is not available: {error}",
    },
    "startup.cookie_key": {
        "zh": "登录 Cookie 密钥无效：{problem}。请在 .streamlit/secrets.toml 中设置 "
        'cookie_key = "…"（至少 32 个字符的随机串），或设置环境变量 '
        'MEMBERLENS_COOKIE_KEY，例如：python -c "import secrets; '
        'print(secrets.token_urlsafe(48))"',
        "en": 'The sign-in cookie key is not usable: {problem}. Set cookie_key = "…" '
        "(a random string of at least 32 characters) in .streamlit/secrets.toml, or the "
        "environment variable MEMBERLENS_COOKIE_KEY, for example from: python -c "
        '"import secrets; print(secrets.token_urlsafe(48))"',
    },
    # -- sign-in -------------------------------------------------------------------------
    "login.title": {"zh": "登录 MemberLens", "en": "Sign in to MemberLens"},
    "login.prompt": {
        "zh": "请使用您的账户登录后查看数据。",
        "en": "Please sign in with your account to see any data.",
    },
    "login.username": {"zh": "用户名", "en": "User name"},
    "login.password": {"zh": "密码", "en": "Password"},
    "login.submit": {"zh": "登录", "en": "Sign in"},
    "login.invalid": {"zh": "用户名或密码错误。", "en": "Wrong user name or password."},
    "login.locked": {
        "zh": "登录失败次数过多，请 {minutes} 分钟后再试。",
        "en": "Too many failed sign-ins. Try again in {minutes} minutes.",
    },
    "login.empty": {"zh": "请输入用户名和密码。", "en": "Enter a user name and a password."},
    "login.demo_hint": {
        "zh": "演示账户（仅限演示数据库）：{accounts}",
        "en": "Demo accounts (demo store only): {accounts}",
    },
    "session.ended": {
        "zh": "您的会话已结束（已退出、修改密码或账户停用），请重新登录。",
        "en": "Your session has ended (signed out, password changed or account disabled). "
        "Please sign in again.",
    },
    "access.denied": {
        "zh": "您的角色（{role}）无权访问此页面。此次访问已被记录。",
        "en": "Your role ({role}) may not open this page. The attempt has been recorded.",
    },
    # -- first admin ---------------------------------------------------------------------
    "setup.title": {"zh": "创建第一个管理员账户", "en": "Create the first admin account"},
    "setup.intro": {
        "zh": "此数据库还没有任何账户。请创建管理员账户；此页面只出现这一次。",
        "en": "This store has no accounts yet. Create the admin account; this page is "
        "shown only once.",
    },
    "setup.display_name": {"zh": "显示名称", "en": "Display name"},
    "setup.confirm": {"zh": "确认密码", "en": "Confirm password"},
    "setup.submit": {"zh": "创建管理员", "en": "Create admin"},
    "setup.done": {
        "zh": "管理员账户已创建，请登录。",
        "en": "The admin account has been created. Please sign in.",
    },
    "setup.already_done": {
        "zh": "此数据库已经有账户，请登录。",
        "en": "This store already has accounts; please sign in.",
    },
    "setup.not_demo": {
        "zh": "只有演示数据库才能创建演示账户。",
        "en": "Demo accounts exist only in a demo store.",
    },
    "password.locked": {
        "zh": "当前密码错误次数过多，请 {minutes} 分钟后再试。",
        "en": "Too many wrong current passwords. Try again in {minutes} minutes.",
    },
    "totp.error.self_reset": {
        "zh": "不能移除自己的第二重验证；请另一位管理员操作。",
        "en": "You cannot remove your own second factor; another admin must do it.",
    },
    "cookie.missing": {"zh": "未设置密钥", "en": "no key is set"},
    "cookie.default": {
        "zh": "这是一个公开的默认密钥",
        "en": "it is a well-known default key",
    },
    "cookie.short": {"zh": "密钥少于 32 个字符", "en": "it is shorter than 32 characters"},
    "cookie.weak": {"zh": "密钥的字符种类太少", "en": "it uses too few distinct characters"},
    # -- passwords -----------------------------------------------------------------------
    "password.mismatch": {"zh": "两次输入的密码不一致。", "en": "The passwords do not match."},
    "password.too_short": {
        "zh": "密码至少需要 {min} 个字符。",
        "en": "The password needs at least {min} characters.",
    },
    "password.too_long": {
        "zh": "密码最多 {max} 个字符。",
        "en": "The password can have at most {max} characters.",
    },
    "password.same_as_username": {
        "zh": "密码不能与用户名相同。",
        "en": "The password must differ from the user name.",
    },
    "password.wrong_current": {"zh": "当前密码错误。", "en": "The current password is wrong."},
    "password.bad_username": {
        "zh": "用户名须为 3–32 位小写字母、数字、点、下划线或连字符。",
        "en": "User names are 3–32 lower-case letters, digits, dots, underscores or hyphens.",
    },
    "password.username_taken": {"zh": "用户名已存在。", "en": "That user name is taken."},
    # -- account page --------------------------------------------------------------------
    "account.language": {"zh": "界面语言", "en": "Interface language"},
    "account.language_saved": {"zh": "语言已保存。", "en": "Language saved."},
    "account.change_password": {"zh": "修改密码", "en": "Change password"},
    "account.current_password": {"zh": "当前密码", "en": "Current password"},
    "account.new_password": {"zh": "新密码", "en": "New password"},
    "account.confirm_password": {"zh": "确认新密码", "en": "Confirm new password"},
    "account.submit_password": {"zh": "修改密码", "en": "Change password"},
    "account.password_changed": {
        "zh": "密码已修改；其他设备上的会话已结束。",
        "en": "Password changed; sessions on other devices have ended.",
    },
    "account.profile": {
        "zh": "用户名：{username} · 角色：{role}",
        "en": "User name: {username} · Role: {role}",
    },
    # -- filters -------------------------------------------------------------------------
    "filters.title": {"zh": "筛选条件", "en": "Filters"},
    "filters.as_of": {"zh": "截至日期（as-of）", "en": "As of"},
    "filters.as_of_help": {
        "zh": "“近 30 天”“沉睡”“新会员”“流失”都以此日期为准；默认是有数据的最后一天（{last}）。",
        "en": "“Last 30 days”, dormant, new and churned are relative to this date; by default "
        "the last day with data ({last}).",
    },
    "filters.start": {"zh": "开始日期", "en": "From"},
    "filters.end": {"zh": "结束日期", "en": "To"},
    "filters.region": {"zh": "地区", "en": "Region"},
    "filters.device": {"zh": "设备", "en": "Device"},
    "filters.tier": {"zh": "会员等级", "en": "Tier"},
    "filters.channel": {"zh": "渠道", "en": "Channel"},
    "filters.all": {"zh": "全部", "en": "All"},
    "filters.segment": {"zh": "人群分组", "en": "Segment"},
    "filters.all_members": {"zh": "全部会员", "en": "All members"},
    "filters.segment_note": {
        "zh": "人群成员按数据截止日 {as_of} 计算。",
        "en": "Segment members as of {as_of}.",
    },
    "filters.reset": {"zh": "清除筛选", "en": "Clear filters"},
    "filters.share_hint": {
        "zh": "筛选条件保存在网址中，复制链接即可分享当前视图。",
        "en": "Filters live in the address bar: copy the link to share this view.",
    },
    "notice.unknown_param": {
        "zh": "已忽略链接中的未知参数「{name}」。",
        "en": "Ignored the unknown link parameter “{name}”.",
    },
    "notice.bad_date": {
        "zh": "已忽略链接中的无效日期 {name}=「{value}」。",
        "en": "Ignored the invalid date {name}=“{value}” in the link.",
    },
    "notice.date_clamped": {
        "zh": "链接中的日期 {name}={value} 超出数据范围，已调整为 {clamped}。",
        "en": "The date {name}={value} in the link is outside the data; moved to {clamped}.",
    },
    "notice.date_order": {
        "zh": "链接中的开始日期晚于结束日期，已忽略这两个日期。",
        "en": "The link's start date is after its end date; both dates were ignored.",
    },
    "notice.unknown_value": {
        "zh": "已忽略链接中的未知取值 {name}=「{value}」。",
        "en": "Ignored the unknown value {name}=“{value}” in the link.",
    },
    "notice.unknown_segment": {
        "zh": "链接中的人群分组 {name}=「{value}」不存在或已删除，已显示全部会员。",
        "en": "The segment {name}=“{value}” in the link does not exist (or was deleted); "
        "showing all members.",
    },
    "notice.too_many": {
        "zh": "链接中的参数 {name} 取值过多，已忽略多余部分。",
        "en": "The link parameter {name} has too many values; the extra ones were ignored.",
    },
    "notice.repeated": {
        "zh": "链接中的参数 {name} 出现多次，已使用第一个值。",
        "en": "The link parameter {name} appears more than once; the first value was used.",
    },
    # -- overview ------------------------------------------------------------------------
    "overview.title": {"zh": "会员概览", "en": "Member overview"},
    "overview.period": {
        "zh": "统计区间 {start} 至 {end}（{days} 天），对比上一区间 {prev_start} 至 {prev_end}；"
        "数据截至 {as_of}。",
        "en": "Period {start} to {end} ({days} days), compared with {prev_start} to "
        "{prev_end}; data as of {as_of}.",
    },
    "overview.no_data": {
        "zh": "数据库中还没有活动数据（行为事件或订单）。请先导入数据。",
        "en": "The store has no activity data yet (events or orders). Import data first.",
    },
    "overview.previous_incomplete": {
        "zh": "上一区间早于数据起始日 {first_day}，因此不显示变化。",
        "en": "The previous period starts before the data does ({first_day}), so no "
        "changes are shown.",
    },
    "overview.dau_trend": {"zh": "日活跃会员（DAU）趋势", "en": "Daily active members (DAU)"},
    "overview.revenue_trend": {"zh": "每日收入趋势", "en": "Daily revenue"},
    "overview.tier_mix": {"zh": "会员等级分布", "en": "Tier mix"},
    "overview.tier_mix_note": {
        "zh": "按会员当前等级，统计截至区间结束日已注册的会员。",
        "en": "Members who signed up by the end of the period, by their current tier.",
    },
    "overview.definitions": {"zh": "指标口径", "en": "Metric definitions"},
    "overview.definitions_text": {
        "zh": "活跃：当天至少一次行为事件或一笔订单。"
        "DAU：区间内日活跃会员数的日均值。MAU：区间结束日"
        "前 30 天（含当天）的活跃会员数。粘性：日均 DAU ÷ MAU。收入：已支付订单金额（不含已"
        "退款订单）。ARPU：收入 ÷ 区间内活跃会员数。次日/7日留存：区间内每天注册的会员在第 "
        "1/7 天活跃的比例，按队列人数加权，只计入截至数据日已完整的队列。会员数：截至区间结束"
        "日已注册的会员。计数类指标显示相对变化，比例类指标显示百分点变化。",
        "en": "Active: at least one event or order that day. "
        "DAU: mean daily active members over the "
        "period. MAU: active members in the 30 days ending on the period's last day. "
        "Stickiness: mean DAU ÷ MAU. Revenue: paid orders (refunded ones excluded). ARPU: "
        "revenue ÷ members active in the period. Day-1 / day-7 retention: share of each "
        "day's sign-ups active 1 / 7 days later, weighted by cohort size, over cohorts "
        "complete by the as-of date. Members: signed up by the period's last day. Counts "
        "show relative change; rates show the change in percentage points.",
    },
    "kpi.members": {"zh": "会员数", "en": "Members"},
    "kpi.new_members": {"zh": "新增会员", "en": "New members"},
    "kpi.dau": {"zh": "日活（DAU）", "en": "DAU"},
    "kpi.mau": {"zh": "月活（MAU）", "en": "MAU"},
    "kpi.stickiness": {"zh": "粘性（DAU/MAU）", "en": "Stickiness (DAU/MAU)"},
    "kpi.orders": {"zh": "订单数", "en": "Orders"},
    "kpi.revenue": {"zh": "收入", "en": "Revenue"},
    "kpi.arpu": {"zh": "ARPU", "en": "ARPU"},
    "kpi.d1_retention": {"zh": "次日留存", "en": "Day-1 retention"},
    "kpi.d7_retention": {"zh": "7日留存", "en": "Day-7 retention"},
    "chart.day": {"zh": "日期", "en": "Day"},
    "chart.active_members": {"zh": "活跃会员", "en": "Active members"},
    "chart.revenue": {"zh": "收入", "en": "Revenue"},
    "chart.orders": {"zh": "订单数", "en": "Orders"},
    "chart.tier": {"zh": "等级", "en": "Tier"},
    "chart.members": {"zh": "会员数", "en": "Members"},
    "chart.share": {"zh": "占比", "en": "Share"},
    # -- data page -----------------------------------------------------------------------
    "data.title": {"zh": "数据状态", "en": "Data status"},
    "data.upload": {"zh": "导入数据", "en": "Import data"},
    "common.store_error": {"zh": "未能完成：{error}", "en": "Could not do that: {error}"},
    "data.upload_help": {
        "zh": "文件按数据表命名：members / events / orders / channel_costs / campaigns，"
        "格式 .csv（UTF-8 或 GBK）或 .parquet。每一行要么导入，要么连同行号、列和原因列出。",
        "en": "Name each file after its table: members / events / orders / channel_costs / "
        "campaigns, as .csv (UTF-8 or GBK) or .parquet. Every row is loaded or listed back "
        "with its line, column and reason.",
    },
    "data.upload_files": {"zh": "选择文件", "en": "Files"},
    "data.upload_strict": {
        "zh": "严格模式（有任何错误行则全部不导入）",
        "en": "Strict (any bad row: import nothing)",
    },
    "data.upload_go": {"zh": "导入", "en": "Import"},
    "data.upload_running": {"zh": "正在导入…", "en": "Importing…"},
    "data.upload_finished": {"zh": "导入步骤", "en": "Import steps"},
    "data.upload_done": {
        "zh": "导入完成（第 {import_id} 次导入）。",
        "en": "Imported (import {import_id}).",
    },
    "data.upload_refused": {
        "zh": "严格模式：存在错误行，未导入任何数据。",
        "en": "Strict mode: there are bad rows, nothing was imported.",
    },
    "data.upload_rejects": {"zh": "下载被拒绝的行（CSV）", "en": "Download rejected rows (CSV)"},
    "import.warning.no_rows": {
        "zh": "{file}：0 行，{table} 表没有导入任何数据",
        "en": "{file}: 0 rows; nothing was loaded into {table}",
    },
    "import.error.empty_file": {
        "zh": "{file} 是空文件（没有表头行），未导入任何数据。请重新导出该文件，或不导入它。",
        "en": "{file} is empty (no header line); nothing was imported. Export it again, "
        "or leave it out.",
    },
    "import.error.too_many_columns": {
        "zh": "{file} 有 {count} 列，最多只能导入 {limit} 列；未导入任何数据。",
        "en": "{file} has {count} columns; at most {limit} can be imported. Nothing was imported.",
    },
    "import.error.header_too_long": {
        "zh": "{file} 的表头行过长（最多 {limit} 列）；未导入任何数据。",
        "en": "The header line of {file} is too long (at most {limit} columns); nothing was "
        "imported.",
    },
    "data.store": {"zh": "数据库文件：{path}", "en": "Store file: {path}"},
    "data.schema_version": {"zh": "结构版本", "en": "Schema version"},
    "data.demo": {"zh": "演示库", "en": "Demo store"},
    "data.yes": {"zh": "是", "en": "Yes"},
    "data.no": {"zh": "否", "en": "No"},
    "data.business_tz": {"zh": "业务时区", "en": "Business time zone"},
    "data.row_counts": {"zh": "各表行数", "en": "Rows per table"},
    "data.table": {"zh": "表", "en": "Table"},
    "data.rows": {"zh": "行数", "en": "Rows"},
    "data.event_range": {"zh": "事件时间范围", "en": "Event time range"},
    "data.first_event": {"zh": "最早事件", "en": "First event"},
    "data.last_event": {"zh": "最晚事件", "en": "Last event"},
    "data.last_active_day": {"zh": "最后活跃日（默认截至日）", "en": "Last active day (as-of)"},
    "data.imports": {"zh": "最近导入", "en": "Recent imports"},
    "data.no_imports": {"zh": "还没有导入记录。", "en": "No imports yet."},
    "data.import_files": {"zh": "导入文件", "en": "Imported files"},
    "data.rejects": {
        "zh": "被拒绝的行（导入 #{import_id}）",
        "en": "Rejected rows (import #{import_id})",
    },
    "data.no_rejects": {"zh": "此次导入没有被拒绝的行。", "en": "This import rejected no rows."},
    "data.pick_import": {"zh": "查看导入", "en": "Show import"},
    "data.access_log": {"zh": "最近的访问记录", "en": "Recent access log"},
    # -- analytics views (activity, retention, LTV, channels, tiers, funnel, …) ------------
    "page.activity": {"zh": "活跃度", "en": "Activity"},
    "page.retention": {"zh": "留存", "en": "Retention"},
    "analytics.table": {"zh": "查看图表数据", "en": "Table behind the chart"},
    "analytics.download": {"zh": "下载 CSV", "en": "Download CSV"},
    "analytics.no_export": {
        "zh": "您的角色不能导出数据。",
        "en": "Your role may not export data.",
    },
    "analytics.no_data": {
        "zh": "数据库中还没有活动数据（行为事件或订单）。请先导入数据。",
        "en": "The store has no activity yet (events or orders). Import data first.",
    },
    "shape.missing.page_views": {
        "zh": "数据库中没有浏览、加购或结算行为，无法计算购买漏斗（只导入订单时即如此）。",
        "en": "The store has no page view, cart or checkout events, so there is no purchase "
        "funnel (an import of orders alone has none).",
    },
    "shape.missing.sessions": {
        "zh": "行为数据没有会话编号（session_id），无法按会话计算漏斗；请按会员查看。",
        "en": "The events carry no session id, so the funnel cannot be counted per session; "
        "view it per member.",
    },
    "shape.missing.categories": {
        "zh": "订单没有品类信息，因此没有按品类的购买率。",
        "en": "The orders carry no category, so there is no purchase rate per category.",
    },
    "shape.missing.searches": {
        "zh": "数据库中没有搜索行为，因此没有搜索词排行与趋势。",
        "en": "The store has no search events, so there are no top keywords or trends.",
    },
    "shape.missing.times_of_day": {
        "zh": "行为时间没有时刻信息（只有日期，或全部是同一时刻），"
        "无法显示活跃时段与最佳触达时段。",
        "en": "The event times carry no time of day (dates only, or one constant clock "
        "time), so there is no hour-of-day activity or best contact hour.",
    },
    "data.kinds": {"zh": "数据类型", "en": "Kinds of data"},
    "data.kind": {"zh": "类型", "en": "Kind"},
    "data.kind_present": {"zh": "有", "en": "Present"},
    "data.kind_pages": {"zh": "用于页面", "en": "Pages it feeds"},
    "data_kind.members": {"zh": "会员", "en": "members"},
    "data_kind.events": {"zh": "行为事件", "en": "events"},
    "data_kind.orders": {"zh": "订单", "en": "orders"},
    "data_kind.sessions": {"zh": "会话", "en": "sessions"},
    "data_kind.page_views": {"zh": "浏览/加购/结算", "en": "page views, carts, checkouts"},
    "data_kind.searches": {"zh": "搜索", "en": "searches"},
    "data_kind.times_of_day": {"zh": "时刻", "en": "times of day"},
    "data_kind.coupons": {"zh": "优惠券", "en": "coupons"},
    "data_kind.categories": {"zh": "订单品类", "en": "order categories"},
    "data_kind.channels": {"zh": "获客渠道", "en": "acquisition channels"},
    "data_kind.demographics": {"zh": "性别/年龄", "en": "gender and age"},
    "data_kind.channel_costs": {"zh": "渠道成本", "en": "channel costs"},
    "data_kind.campaigns": {"zh": "营销活动", "en": "campaigns"},
    "analytics.empty": {
        "zh": "没有符合当前筛选条件的会员或数据，请放宽日期范围或筛选条件。",
        "en": "No members match these filters. Widen the date range or clear some filters.",
    },
    "analytics.period": {
        "zh": "统计区间 {start} 至 {end}（截至 {as_of}）",
        "en": "Period {start} to {end} (as of {as_of})",
    },
    "analytics.incomplete_note": {
        "zh": "尚未结束或早于数据起点的时间段留空，而不是显示为 0。",
        "en": "Periods that have not ended yet, or start before the data, are left empty, "
        "not zero.",
    },
    "unit.day": {"zh": "日", "en": "Day"},
    "unit.week": {"zh": "周", "en": "Week"},
    "unit.month": {"zh": "月", "en": "Month"},
    "by.signup": {"zh": "按注册日期", "en": "By signup"},
    "by.first_activity": {"zh": "按首次活跃", "en": "By first activity"},
    "mode.on": {"zh": "当期活跃", "en": "Active in period N"},
    "mode.on_or_after": {"zh": "当期或之后活跃", "en": "Active in N or later"},
    "dimension.tier": {"zh": "等级", "en": "Tier"},
    "dimension.channel": {"zh": "渠道", "en": "Channel"},
    "dimension.device": {"zh": "设备", "en": "Device"},
    "analytics.unit": {"zh": "时间粒度", "en": "Period unit"},
    "analytics.max_period": {"zh": "显示到第几{unit}", "en": "Last period shown ({unit})"},
    "ltv.max_months": {"zh": "显示到注册后第几个月", "en": "Months since signup shown"},
    "analytics.cohort_by": {"zh": "群组依据", "en": "Cohort by"},
    "analytics.mode": {"zh": "留存口径", "en": "Retained means"},
    "analytics.dimension": {"zh": "拆分维度", "en": "Break down by"},
    "chart.date": {"zh": "日期", "en": "Date"},
    "chart.metric": {"zh": "指标", "en": "Metric"},
    "chart.value": {"zh": "数值", "en": "Value"},
    "chart.period": {"zh": "时间段", "en": "Period"},
    "chart.state": {"zh": "状态", "en": "State"},
    "chart.active_days": {"zh": "活跃天数", "en": "Active days"},
    "chart.cohort": {"zh": "群组", "en": "Cohort"},
    "chart.cohort_size": {"zh": "群组人数", "en": "Cohort size"},
    "chart.period_n": {"zh": "第 N 期", "en": "Period N"},
    "chart.retained": {"zh": "留存人数", "en": "Retained"},
    "chart.rate": {"zh": "留存率", "en": "Retention"},
    "chart.day_n": {"zh": "第 N 天", "en": "Day N"},
    "chart.group": {"zh": "分组", "en": "Group"},
    "activity.title": {"zh": "活跃度", "en": "Activity"},
    "activity.active": {"zh": "DAU / WAU / MAU", "en": "DAU / WAU / MAU"},
    "activity.stickiness": {"zh": "黏性（DAU ÷ MAU）", "en": "Stickiness (DAU ÷ MAU)"},
    "activity.lifecycle": {"zh": "会员生命周期", "en": "Member lifecycle"},
    "activity.lifecycle_note": {
        "zh": "新增：当期注册；持续活跃：本期和上期都活跃；回流：本期活跃、上期不活跃且非新增；"
        "沉默：上期活跃、本期不活跃（画在零线以下）。",
        "en": "New: signed up in the period; returning: active in it and the previous one; "
        "resurrecting: active, not in the previous one, not new; dormant: active in the "
        "previous period only (drawn below zero).",
    },
    "activity.days": {
        "zh": "近 30 天活跃天数分布（截至 {end}）",
        "en": "Active days in the 30 days ending {end}",
    },
    "activity.days_incomplete": {
        "zh": "该 30 天窗口早于数据起点，无法计算。",
        "en": "That 30-day window starts before the data; nothing to show.",
    },
    "lifecycle.new": {"zh": "新增", "en": "New"},
    "lifecycle.returning": {"zh": "持续活跃", "en": "Returning"},
    "lifecycle.resurrecting": {"zh": "回流", "en": "Resurrecting"},
    "lifecycle.dormant": {"zh": "沉默", "en": "Dormant"},
    "retention.title": {"zh": "留存分析", "en": "Retention"},
    "retention.matrix": {"zh": "群组留存矩阵", "en": "Cohort retention matrix"},
    "retention.mean": {"zh": "加权平均", "en": "Weighted mean"},
    "retention.trend": {
        "zh": "次日 / 7日 / 30日留存趋势",
        "en": "Day-1 / day-7 / day-30 retention by cohort",
    },
    "retention.curve": {"zh": "留存曲线", "en": "Retention curve"},
    "retention.inflection": {
        "zh": "拐点：第 {day} 天（较前一天下降 {drop}），建议在第 {intervention} 天干预。",
        "en": "Inflection point: day {day} (drop of {drop} from the day before); suggested "
        "intervention on day {intervention}.",
    },
    "retention.no_inflection": {
        "zh": "留存曲线的数据点不足，无法确定拐点。",
        "en": "Too few points on the curve to find an inflection point.",
    },
    "retention.breakdown": {"zh": "按维度拆分", "en": "Breakdown"},
    "page.ltv": {"zh": "生命周期价值", "en": "Lifetime value"},
    "page.channels": {"zh": "渠道与活动", "en": "Channels and campaigns"},
    "dimension.none": {"zh": "按群组", "en": "By cohort"},
    "chart.months_since_signup": {"zh": "注册后月数", "en": "Months since signup"},
    "chart.ltv": {"zh": "人均累计收入（LTV）", "en": "Revenue per member (LTV)"},
    "chart.channel": {"zh": "渠道", "en": "Channel"},
    "chart.campaign": {"zh": "活动", "en": "Campaign"},
    "chart.signups": {"zh": "新增会员", "en": "New members"},
    "chart.window": {"zh": "时段", "en": "Window"},
    "chart.growth": {"zh": "增长", "en": "Growth"},
    "ltv.title": {"zh": "生命周期价值（LTV）", "en": "Lifetime value (LTV)"},
    "ltv.by_cohort": {
        "zh": "各注册月群组的累计 LTV",
        "en": "Cumulative LTV per signup-month cohort",
    },
    "ltv.by_group": {"zh": "按{dimension}的累计 LTV", "en": "Cumulative LTV by {dimension}"},
    "ltv.note": {
        "zh": "LTV = 群组会员的累计已支付收入 ÷ 群组人数（含未购买会员）；未结束的月份留空。"
        "群组为所选日期范围内注册的会员，放宽日期范围可看到更多群组。",
        "en": "LTV = cumulative paid revenue of the cohort ÷ cohort size (non-buyers "
        "included); months that have not ended are empty. Cohorts are the members who "
        "signed up in the chosen range: widen it to see more cohorts.",
    },
    "channels.title": {"zh": "渠道与活动", "en": "Channels and campaigns"},
    "channels.table": {"zh": "渠道对比", "en": "Channel comparison"},
    "channels.d30": {"zh": "各渠道 30 日留存", "en": "Day-30 retention by channel"},
    "channels.ltv_cac": {"zh": "90 日 LTV 与获客成本（CAC）", "en": "90-day LTV against CAC"},
    "channels.note": {
        "zh": "激活：注册 7 天内有已支付订单；留存与 LTV 只计已满窗口的会员；成本按区间内天数分摊；"
        "设置地区、设备或等级筛选时不显示 CAC 与 ROI（成本只按渠道记录）。",
        "en": "Activation: a paid order within 7 days of signup; retention and LTV count only "
        "members whose window has ended; costs are prorated by the days in the period; CAC "
        "and ROI are hidden under a region, device or tier filter (costs exist per channel "
        "only).",
    },
    "channels.campaigns": {
        "zh": "活动对比（活动期 vs 活动前同长度时段）",
        "en": "Campaigns: during vs the same-length period before",
    },
    "channels.no_campaigns": {
        "zh": "所选日期范围内没有活动。",
        "en": "No campaign overlaps the chosen dates.",
    },
    "window.during": {"zh": "活动期间", "en": "During"},
    "window.before": {"zh": "活动之前", "en": "Before"},
    "col.signups": {"zh": "新增", "en": "Signups"},
    "col.activation_rate": {"zh": "激活率", "en": "Activation"},
    "col.ltv_90d": {"zh": "90日LTV", "en": "90-day LTV"},
    "col.revenue": {"zh": "收入", "en": "Revenue"},
    "col.cost": {"zh": "成本", "en": "Cost"},
    "col.cac": {"zh": "CAC", "en": "CAC"},
    "col.roi": {"zh": "ROI", "en": "ROI"},
    "page.funnel": {"zh": "转化漏斗", "en": "Funnel"},
    "page.hours": {"zh": "活跃时段", "en": "Time of day"},
    "page.tiers": {"zh": "会员等级", "en": "Tiers"},
    "page.demographics": {"zh": "人群与搜索", "en": "Demographics and search"},
    "funnel.title": {"zh": "购买转化漏斗", "en": "Purchase funnel"},
    "funnel.unit": {"zh": "统计单位", "en": "Count"},
    "funnel.unit.member": {"zh": "按会员", "en": "Members"},
    "funnel.unit.session": {"zh": "按会话", "en": "Sessions"},
    "funnel.dimension": {"zh": "拆分", "en": "Split by"},
    "funnel.step.page_view": {"zh": "浏览", "en": "Page view"},
    "funnel.step.add_to_cart": {"zh": "加购", "en": "Add to cart"},
    "funnel.step.checkout": {"zh": "结算", "en": "Checkout"},
    "funnel.step.order_paid": {"zh": "支付", "en": "Paid"},
    "funnel.note": {
        "zh": "每一步只计在上一步之后发生的行为；转化率 = 本步 ÷ 上一步，流失 = 1 − 转化率。",
        "en": "A step counts only when it happens after the previous one; conversion = this "
        "step ÷ the previous one, drop-off = 1 − conversion.",
    },
    "chart.step": {"zh": "步骤", "en": "Step"},
    "chart.count": {"zh": "数量", "en": "Count"},
    "chart.conversion": {"zh": "转化率", "en": "Conversion"},
    "chart.conversion_first": {"zh": "累计转化率", "en": "Conversion from first step"},
    "chart.drop_off": {"zh": "流失率", "en": "Drop-off"},
    "hours.title": {"zh": "活跃时段", "en": "Time of day"},
    "hours.group": {"zh": "人群", "en": "Members"},
    "hours.group.all": {"zh": "全部（按筛选）", "en": "Everyone (filtered)"},
    "hours.group.high_value": {"zh": "高价值会员", "en": "High-value members"},
    "hours.heatmap": {"zh": "星期 × 小时活跃热力图", "en": "Weekday × hour activity"},
    "hours.share": {"zh": "各小时活跃占比", "en": "Share of activity by hour"},
    "hours.peak": {"zh": "最活跃时段：{hour}:00–{hour}:59", "en": "Peak hour: {hour}:00–{hour}:59"},
    "hours.best": {
        "zh": "会员最佳触达时段分布（近 90 天最活跃的小时）",
        "en": "Best contact hour of each member (most active hour in the last 90 days)",
    },
    "hours.high_value_note": {
        "zh": "高价值：截至 {as_of} 近 12 个月已支付消费排名前 20% 的会员。",
        "en": "High value: the top 20% of members by paid spend in the 12 months to {as_of}.",
    },
    "chart.weekday": {"zh": "星期", "en": "Weekday"},
    "chart.hour": {"zh": "小时", "en": "Hour"},
    "chart.events": {"zh": "行为数", "en": "Events"},
    "chart.activity": {"zh": "活动（行为与订单）", "en": "Activity (events and orders)"},
    "weekday.1": {"zh": "周一", "en": "Mon"},
    "weekday.2": {"zh": "周二", "en": "Tue"},
    "weekday.3": {"zh": "周三", "en": "Wed"},
    "weekday.4": {"zh": "周四", "en": "Thu"},
    "weekday.5": {"zh": "周五", "en": "Fri"},
    "weekday.6": {"zh": "周六", "en": "Sat"},
    "weekday.7": {"zh": "周日", "en": "Sun"},
    "tiers.title": {"zh": "会员等级", "en": "Tiers"},
    "tiers.over_time": {"zh": "各等级会员数变化", "en": "Members per tier over time"},
    "tiers.grain": {"zh": "快照频率", "en": "Snapshot every"},
    "tiers.migration": {"zh": "等级迁移矩阵", "en": "Tier migration matrix"},
    "tiers.from_day": {"zh": "起始日期（日终）", "en": "From (end of day)"},
    "tiers.to_day": {"zh": "结束日期（日终）", "en": "To (end of day)"},
    "tiers.summary": {
        "zh": "各等级收入、折扣成本与复购间隔",
        "en": "Revenue, discount cost and repurchase interval per tier",
    },
    "tiers.upgrade": {
        "zh": "升级机会（距下一等级门槛 10% 以内）",
        "en": "Upgrade opportunities (within 10% of the next threshold)",
    },
    "tiers.upgrade_count": {
        "zh": "共 {count} 位会员接近升级。",
        "en": "{count} members are close to the next tier.",
    },
    "tiers.upgrade_list_hidden": {
        "zh": "会员名单仅对分析师及以上角色开放。",
        "en": "The member list is for analysts and above.",
    },
    "tiers.note": {
        "zh": "等级按等级变更历史回放；订单按支付时所在等级归属；"
        "复购间隔为与该会员上一笔已支付订单相隔的天数。",
        "en": "Tiers are replayed from the tier history; an order counts for the tier held "
        "when paying; the repurchase interval is the days since the member's previous paid "
        "order.",
    },
    "chart.tier_from": {"zh": "原等级", "en": "From tier"},
    "chart.tier_to": {"zh": "新等级", "en": "To tier"},
    "chart.discount_cost": {"zh": "折扣成本", "en": "Discount cost"},
    "chart.median_days": {"zh": "复购间隔中位数（天）", "en": "Median repurchase interval (days)"},
    "demographics.title": {"zh": "人群与搜索", "en": "Demographics and search"},
    "demographics.rates": {
        "zh": "按性别与年龄段的购买率",
        "en": "Purchase rate by gender and age band",
    },
    "demographics.category": {"zh": "品类", "en": "Category"},
    "demographics.note": {
        "zh": "购买率 = 该人群中在区间内购买该品类（已支付）的会员 ÷ 该人群会员数；"
        "年龄按区间末日计算。",
        "en": "Purchase rate = members of the group with a paid order in the category in the "
        "period ÷ members of the group; age at the period's end.",
    },
    "demographics.keywords": {"zh": "热门搜索词", "en": "Top search keywords"},
    "demographics.keyword_trend": {"zh": "热门搜索词趋势（按周）", "en": "Top keywords by week"},
    "demographics.no_searches": {"zh": "区间内没有搜索。", "en": "No searches in the period."},
    "chart.gender": {"zh": "性别", "en": "Gender"},
    "chart.age_band": {"zh": "年龄段", "en": "Age band"},
    "chart.purchase_rate": {"zh": "购买率", "en": "Purchase rate"},
    "chart.buyers": {"zh": "购买人数", "en": "Buyers"},
    "chart.keyword": {"zh": "搜索词", "en": "Keyword"},
    "chart.searches": {"zh": "搜索次数", "en": "Searches"},
    "chart.change": {"zh": "较上期", "en": "vs previous"},
    "analytics.window": {"zh": "群组范围", "en": "Cohorts"},
    "analytics.window.year": {"zh": "近 12 个月注册", "en": "Signed up in the last 12 months"},
    "analytics.window.period": {"zh": "所选日期范围", "en": "The chosen dates"},
    "channels.no_d30": {
        "zh": "所选范围内的新会员还没有满 30 天，30 日留存尚无法计算。",
        "en": "No signup of this range has reached day 30 yet, so there is no day-30 retention.",
    },
    "metric.d1": {"zh": "次日留存", "en": "Day-1 retention"},
    "metric.d7": {"zh": "7日留存", "en": "Day-7 retention"},
    "metric.d30": {"zh": "30日留存", "en": "Day-30 retention"},
    "retention.note": {
        "zh": "分母为群组人数；未结束的单元格留空；平均行按群组人数加权，且不含未完成单元格。",
        "en": "The denominator is the cohort size; cells that have not ended are empty; the "
        "mean row is weighted by cohort size and leaves incomplete cells out.",
    },
    # -- churn prediction and LTV forecast (core/churn.py) --------------------------------
    "section.churn": {"zh": "流失与价值预测", "en": "Churn and LTV"},
    "page.churn": {"zh": "流失预测", "en": "Churn prediction"},
    "page.ltv_forecast": {"zh": "LTV 预测", "en": "LTV forecast"},
    "page.models": {"zh": "模型", "en": "Models"},
    "churn.title": {"zh": "流失预测", "en": "Churn prediction"},
    "churn.definition": {
        "zh": "流失：连续 {days} 天无任何活动（浏览、下单等任一行为）。{source}生存时间：从注册到"
        "最后一次活动（已流失），或到基准日 {as_of}（未流失，删失）。",
        "en": "Churned: no activity (any event or paid order) for {days} days. {source}"
        "Survival time runs from signup to the last activity (churned) or to the as-of date "
        "{as_of} (censored).",
    },
    "churn.window.setting": {
        "zh": "流失窗口由店铺设置指定。",
        "en": "The churn window is the store setting.",
    },
    "churn.window.data": {
        "zh": "流失窗口按数据选定：{gaps} 个相邻活跃日间隔的第 90 百分位（{percentile} 天），"
        "向上取整到整周。",
        "en": "The churn window is chosen from the data: the 90th percentile of {gaps} gaps "
        "between consecutive active days ({percentile} days), rounded up to whole weeks.",
    },
    "churn.window.fallback": {
        "zh": "回访间隔太少，无法按数据选定窗口，使用默认 30 天。",
        "en": "Too few returns to choose the window from the data: the default 30 days.",
    },
    "churn.window.given": {"zh": "", "en": ""},
    "churn.no_cox": {
        "zh": "Cox 模型未能拟合（{reason}），没有风险比与驱动因素；流失概率仍由评分模型给出。",
        "en": "The Cox model could not be fitted ({reason}): no hazard ratios or drivers; the "
        "churn probability still comes from the score model.",
    },
    "churn.km_title": {"zh": "Kaplan–Meier 生存曲线", "en": "Kaplan–Meier survival curves"},
    "churn.km_by": {"zh": "分组", "en": "Group by"},
    "churn.by.tier": {"zh": "等级", "en": "Tier"},
    "churn.by.channel": {"zh": "渠道", "en": "Channel"},
    "churn.by.device": {"zh": "设备", "en": "Device"},
    "churn.by.segment": {"zh": "人群分组", "en": "Segment"},
    "churn.km_segment": {"zh": "对比的人群分组", "en": "Segment to compare"},
    "churn.km_others": {"zh": "其他会员", "en": "Everyone else"},
    "churn.km_no_segments": {
        "zh": "还没有保存的人群分组：请先在「标签与分群」页面保存一个分组。",
        "en": "No saved segments yet: save one on the Tags & segments page first.",
    },
    "churn.logrank": {
        "zh": "Log-rank 检验：χ² = {statistic}，p = {p}（各组生存曲线是否相同）。",
        "en": "Log-rank test: χ² = {statistic}, p = {p} (are the groups' curves the same?).",
    },
    "churn.km_groups": {"zh": "各组中位生命周期", "en": "Median lifetime per group"},
    "churn.km_col.group": {"zh": "分组", "en": "Group"},
    "churn.km_col.members": {"zh": "会员数", "en": "Members"},
    "churn.km_col.churned": {"zh": "已流失", "en": "Churned"},
    "churn.km_col.median_days": {"zh": "中位生命周期（天）", "en": "Median lifetime (days)"},
    "churn.km_col.first_day_only": {
        "zh": "首日后再无活动",
        "en": "Never back after day one",
    },
    "churn.km_first_day_only": {
        "zh": "有分组中过半会员在首个活跃日之后再无活动（如只买过一次的顾客），其中位生命周期"
        "因此为 0 天；请看曲线在第 0 天之后的走势。",
        "en": "In some groups more than half of the members were never active again after "
        "their first day (one-time buyers, say), so their median lifetime is 0 days; read "
        "the curve after day 0.",
    },
    "churn.no_fit": {
        "zh": "当前数据尚未拟合模型。请到「模型」页面点击「重新拟合」（数据变化后需重新拟合）。",
        "en": "No models are fitted for the current data yet. Open the Models page and press "
        "Refit (models are refitted after the data changes).",
    },
    "churn.hr_title": {
        "zh": "Cox 模型风险比（95% 置信区间）",
        "en": "Cox model hazard ratios (95% confidence intervals)",
    },
    "churn.hr_note": {
        "zh": "风险比 > 1：流失更快。类别变量与参照组比较：{reference}。",
        "en": "Hazard ratio > 1: churns sooner. Categories are compared with the reference "
        "level: {reference}.",
    },
    "churn.ph_fails": {
        "zh": "比例风险假设不成立的变量（p < 0.01，其风险比是随时间变化效应的平均）：{names}",
        "en": "The proportional-hazards assumption fails for (p < 0.01; their hazard ratio "
        "averages an effect that changes over time): {names}",
    },
    "churn.ph_ok": {
        "zh": "所有变量均未拒绝比例风险假设（p ≥ 0.01）。",
        "en": "No covariate rejects the proportional-hazards assumption (p ≥ 0.01).",
    },
    "churn.at_risk_title": {"zh": "高风险会员名单", "en": "At-risk members"},
    "churn.at_risk_note": {
        "zh": "活跃会员按风险价值（未来 {days} 天无任何活动的概率 × 预测 12 个月 LTV）从高到低"
        "排序。",
        "en": "Active members sorted by value at risk (probability of no activity in the next "
        "{days} days × predicted 12-month LTV), highest first.",
    },
    "churn.min_probability": {"zh": "最低流失概率", "en": "Minimum churn probability"},
    "churn.download": {"zh": "下载名单（CSV）", "en": "Download the list (CSV)"},
    "churn.export_by_request": {
        "zh": "会员级名单仅可通过审批后的导出申请下载（SPEC §1）；表中不含个人信息。",
        "en": "Member-level lists are exported only through an approved export request "
        "(SPEC §1); the table holds no personal data.",
    },
    "churn.kpi.active": {"zh": "活跃会员", "en": "Active members"},
    "churn.kpi.expected": {"zh": "预计 {days} 天内流失", "en": "Expected to churn in {days} days"},
    "churn.kpi.value_at_risk": {"zh": "风险价值", "en": "Value at risk"},
    "churn.kpi.holdout": {"zh": "留出集一致性", "en": "Holdout concordance"},
    "churn.action.vip_care": {"zh": "专属关怀（电话/专享权益）", "en": "VIP care call or offer"},
    "churn.action.incentive_coupon": {"zh": "发放激励优惠券", "en": "Incentive coupon"},
    "churn.action.cart_reminder": {"zh": "购物车提醒", "en": "Cart reminder"},
    "churn.action.care_sms": {"zh": "关怀短信", "en": "Care SMS"},
    "churn.action.keep_warm": {"zh": "常规维护", "en": "Keep warm"},
    "col.member_id": {"zh": "会员 ID", "en": "Member ID"},
    "col.churn_probability": {"zh": "流失概率", "en": "Churn probability"},
    "col.churn_window_days": {"zh": "流失窗口（天）", "en": "Churn window (days)"},
    "col.active": {"zh": "活跃", "en": "Active"},
    "col.predicted_ltv_12m": {"zh": "预测 12 个月 LTV", "en": "Predicted LTV (12 m)"},
    "col.value_at_risk": {"zh": "风险价值", "en": "Value at risk"},
    "col.p_alive": {"zh": "存活概率", "en": "P(alive)"},
    "col.best_hour": {"zh": "最佳触达时段", "en": "Best contact hour"},
    "col.drivers": {"zh": "主要驱动因素", "en": "Top drivers"},
    "col.action": {"zh": "建议动作", "en": "Suggested action"},
    "chart.survival": {"zh": "存活比例", "en": "Share not churned"},
    "chart.days_since_signup": {"zh": "注册后天数", "en": "Days since signup"},
    "chart.hazard_ratio": {"zh": "风险比", "en": "Hazard ratio"},
    "chart.covariate": {"zh": "变量", "en": "Covariate"},
    "ltvf.title": {"zh": "LTV 预测", "en": "LTV forecast"},
    "ltvf.intro": {
        "zh": "BG/NBD 预测购买次数与存活概率，Gamma-Gamma 预测客单价；二者相乘得到未来 12 "
        "个月预测 LTV（未下单会员计为 0，但计入人数）。",
        "en": "BG/NBD forecasts purchases and the probability of being alive, Gamma-Gamma the "
        "spend per purchase; together the predicted LTV of the next 12 months (members "
        "without an order count as 0 and stay in the denominator).",
    },
    "ltvf.by": {"zh": "汇总维度", "en": "Aggregate by"},
    "ltvf.by.cohort": {"zh": "注册月份", "en": "Signup month"},
    "ltvf.by.channel": {"zh": "渠道", "en": "Channel"},
    "ltvf.by.tier": {"zh": "等级", "en": "Tier"},
    "ltvf.by.device": {"zh": "设备", "en": "Device"},
    "ltvf.total": {"zh": "预测 12 个月总价值", "en": "Predicted 12-month value"},
    "ltvf.per_member": {"zh": "人均预测 LTV", "en": "Predicted LTV per member"},
    "ltvf.buyers": {"zh": "已购买会员", "en": "Members with an order"},
    "ltvf.p_alive": {"zh": "平均存活概率（购买会员）", "en": "Mean P(alive), buyers"},
    "models.title": {"zh": "模型", "en": "Models"},
    "models.intro": {
        "zh": "流失预测与 LTV 预测使用的模型、拟合时间与数据、留出集表现。数据变化后结果失效，"
        "需重新拟合。",
        "en": "The models behind churn prediction and the LTV forecast: what they are, when "
        "and on what they were fitted, and how they did on the holdout. Results are kept "
        "until the data changes.",
    },
    "models.refit": {"zh": "重新拟合", "en": "Refit"},
    "models.running": {"zh": "正在拟合：{step}（{percent}）", "en": "Fitting: {step} ({percent})"},
    "models.failed": {"zh": "拟合失败：{error}", "en": "Fitting failed: {error}"},
    "models.fitted": {
        "zh": "拟合于 {fitted_at}（UTC），操作人 {by}，基准日 {as_of}，耗时 {seconds} 秒。",
        "en": "Fitted {fitted_at} UTC by {by} as of {as_of} in {seconds} s.",
    },
    "models.background": {
        "zh": "拟合在后台运行，不影响其他用户；可离开本页稍后再来。",
        "en": "Fitting runs in the background and does not block anyone; you can leave this "
        "page and come back.",
    },
    "models.step.holdout": {"zh": "留出集评估", "en": "holdout evaluation"},
    "models.step.features": {"zh": "特征提取", "en": "features"},
    "models.step.cox": {"zh": "Cox 模型", "en": "Cox model"},
    "models.step.ph_test": {"zh": "比例风险检验", "en": "proportional-hazards test"},
    "models.step.ltv": {"zh": "BG/NBD 与 Gamma-Gamma", "en": "BG/NBD and Gamma-Gamma"},
    "models.step.scores": {"zh": "会员评分", "en": "member scores"},
    "models.step.score_model": {"zh": "流失评分模型", "en": "churn score model"},
    "models.step.queued": {"zh": "排队中", "en": "queued"},
    "models.step.done": {"zh": "完成", "en": "done"},
    "models.holdout_title": {"zh": "留出集表现", "en": "Holdout quality"},
    "models.holdout_note": {
        "zh": "训练：{train_landmark} 时的特征与截至 {train_end} 的结果（{train_members} 人）；"
        "测试：{test_landmark} 时的特征，截至基准日的结果（{test_members} 人，其后 {days} 天"
        "无活动 {churn_rate}）。AUC：区分「窗口内无活动」的能力，全部会员；活跃会员 AUC："
        "仅在基准时活跃的会员（Cox 模型只对他们评分）。",
        "en": "Training: features on {train_landmark}, outcomes to {train_end} ({train_members} "
        "members); test: features on {test_landmark}, outcomes to the as-of date "
        "({test_members} members, {churn_rate} with no activity in the next {days} days). "
        'AUC: how well a model ranks "no activity in the window", every member; active AUC: '
        "members active on the landmark only (all that the Cox model scores).",
    },
    "models.no_holdout": {
        "zh": "没有留出集评估（{reason}）：评分模型使用默认的逻辑回归。",
        "en": "No holdout evaluation ({reason}): the churn score uses the default logistic "
        "regression.",
    },
    "models.reason.short_history": {
        "zh": "训练基准日之前不足一个流失窗口的历史数据",
        "en": "less than one churn window of history before the training landmark",
    },
    "models.reason.too_few_members": {
        "zh": "会员太少（少于 50 人）",
        "en": "fewer than 50 members",
    },
    "models.reason.too_few_events": {
        "zh": "流失事件太少（少于 10 个）",
        "en": "fewer than 10 churn events",
    },
    "models.reason.not_converged": {"zh": "未收敛", "en": "did not converge"},
    "models.reason.no_activity": {"zh": "没有活动数据", "en": "no activity yet"},
    "models.reason.one_outcome": {
        "zh": "训练集只有一种结果（全部流失或全部留存）",
        "en": "only one outcome in the training data",
    },
    "models.reason.no_bgnbd": {
        "zh": "活跃日 BG/NBD 模型未能拟合",
        "en": "BG/NBD on active days could not be fitted",
    },
    "models.reason.too_few_repeat": {
        "zh": "回访会员太少",
        "en": "too few members came back",
    },
    "models.reason.not_fitted": {"zh": "无法拟合", "en": "could not be fitted"},
    "models.reason.no_orders": {"zh": "没有已付订单", "en": "no paid orders"},
    "models.reason.too_few_buyers": {
        "zh": "购买会员太少（少于 4 人）",
        "en": "fewer than 4 buyers",
    },
    "models.reason.too_few_repeat_buyers": {
        "zh": "正消费复购会员太少（少于 3 人），客单价用平均订单金额",
        "en": "fewer than 3 repeat buyers with positive spend; the mean order value stands in",
    },
    "models.reason.infinite_mean": {
        "zh": "客单价分布均值无穷（q ≤ 1），客单价用平均订单金额",
        "en": "the spend distribution has no finite mean (q ≤ 1); the mean order value stands in",
    },
    "models.score_title": {"zh": "流失评分", "en": "Churn score"},
    "models.score_text": {
        "zh": "每位会员的流失概率 = 未来 {days} 天（流失窗口）内没有任何活动的概率。模型："
        "{model}（{selected_by}），在 {landmark} 的 {members} 位会员上训练（其后 {days} 天"
        "无活动的占比 {rate}）。",
        "en": "Each member's churn probability is the probability of no activity in the next "
        "{days} days (the churn window). Model: {model} ({selected_by}), trained on the "
        "{members} members of {landmark} ({rate} of whom had no activity in the {days} days "
        "after).",
    },
    "models.selected_by.holdout": {"zh": "留出集 AUC 最高", "en": "highest holdout AUC"},
    "models.selected_by.default": {"zh": "默认", "en": "the default"},
    "models.model.logistic": {"zh": "逻辑回归", "en": "logistic regression"},
    "models.model.logistic_btyd": {
        "zh": "逻辑回归 + BG/NBD 特征",
        "en": "logistic regression with BG/NBD features",
    },
    "models.model.boosting_btyd": {
        "zh": "梯度提升树 + BG/NBD 特征",
        "en": "gradient boosting with BG/NBD features",
    },
    "models.model.cox": {"zh": "Cox 比例风险", "en": "Cox proportional hazards"},
    "models.model.bgnbd": {"zh": "BG/NBD（无需训练）", "en": "BG/NBD (no training)"},
    "models.model.recency": {"zh": "最近活跃天数（参照）", "en": "days since last activity"},
    "models.model.none": {"zh": "无", "en": "none"},
    "models.left_out_title": {"zh": "模型未使用的数据", "en": "Data the models left out"},
    "models.left_out_none": {
        "zh": "所有模型都使用了全部数据。",
        "en": "Every model used all of the data.",
    },
    "models.left_out.gamma_gamma.non_positive_spend": {
        "zh": "Gamma-Gamma：{count} 位复购会员的平均复购金额不为正（如 {examples}），未参与拟合，"
        "仍按模型预测客单价。",
        "en": "Gamma-Gamma: {count} repeat buyers whose mean repeat spend is not positive "
        "(e.g. {examples}) were left out of the fit; they still get its prediction.",
    },
    "models.left_out.cox.constant_covariate": {
        "zh": "Cox：{count} 个变量在训练数据中取值不变（{examples}），未进入模型。",
        "en": "Cox: {count} covariates do not vary in the training data ({examples}) and were "
        "left out.",
    },
    "models.not_fitted": {"zh": "{model}：{reason}", "en": "{model}: {reason}"},
    "models.selected_mark": {"zh": "{name}（采用）", "en": "{name} (in use)"},
    "models.col.model": {"zh": "模型", "en": "Model"},
    "models.col.kind": {"zh": "类型", "en": "Kind"},
    "models.col.members": {"zh": "评分人数", "en": "Members scored"},
    "models.col.auc": {"zh": "AUC（全部会员）", "en": "AUC (every member)"},
    "models.col.auc_active": {"zh": "AUC（活跃会员）", "en": "AUC (active members)"},
    "models.col.concordance": {"zh": "一致性（活跃会员）", "en": "Concordance (active members)"},
    "models.col.note": {"zh": "说明", "en": "Note"},
    "models.kind.candidate": {"zh": "评分候选", "en": "score candidate"},
    "models.kind.survival": {"zh": "生存模型", "en": "survival model"},
    "models.kind.reference": {"zh": "参照", "en": "reference"},
    "models.part.bgnbd_activity": {"zh": "活跃日 BG/NBD", "en": "BG/NBD on active days"},
    "models.part.score_model": {"zh": "评分模型", "en": "score model"},
    "models.cox_title": {"zh": "Cox 比例风险模型", "en": "Cox proportional hazards"},
    "models.cox_text": {
        "zh": "lifelines CoxPHFitter：以活跃会员在 {landmark} 的特征（等级、渠道、设备、最近活跃、"
        "活跃天数、订单、消费、优惠券占比、弃购率、会话时长、会员时长）预测其流失时间；"
        "训练集 {members} 人、{events} 人流失，训练一致性 {concordance}。",
        "en": "lifelines CoxPHFitter: time to churn of the members active on {landmark} from "
        "their features then (tier, channel, device, recency, active days, orders, spend, "
        "coupon share, cart abandonment, session length, tenure); {members} members, "
        "{events} churned, training concordance {concordance}.",
    },
    "models.baseline_text": {
        "zh": "候选评分模型（scikit-learn Pipeline：独热编码 + 标准化）：逻辑回归；加入 BG/NBD "
        "活跃日特征（存活概率、窗口内预期活跃天数、窗口内无活动概率）的逻辑回归；同特征的梯度"
        "提升树。参照：BG/NBD 自身的无活动概率、最近活跃天数。",
        "en": "Score candidates (scikit-learn Pipelines of one-hot encoding and scaling): "
        "logistic regression; logistic regression with BG/NBD features of the active days "
        "(P(alive), expected active days in the window, P(no activity in the window)); "
        "gradient boosting on the same. References: BG/NBD's own probability of no activity, "
        "and days since the last activity.",
    },
    "models.bgnbd_title": {"zh": "BG/NBD 与 Gamma-Gamma", "en": "BG/NBD and Gamma-Gamma"},
    "models.bgnbd_text": {
        "zh": "在截至基准日的全部已付订单上拟合（时间单位：周；{customers} 位购买会员，"
        "Gamma-Gamma 使用其中 {repeat} 位复购会员）。实现已用 CDNOW 公开结果校验。",
        "en": "Fitted on all paid orders up to the as-of date (weeks as the time unit; "
        "{customers} buyers, {repeat} repeat buyers for Gamma-Gamma). The implementation "
        "is checked against the published CDNOW results.",
    },
    "models.parameters": {"zh": "全部参数", "en": "All parameters"},
    # -- member edits, approvals, tier rules, audit, accounts, privacy (issue 7) -----------
    "section.members": {"zh": "会员", "en": "Members"},
    # -- tags, segments, member lists, profiles and alerts (core/segments.py) -------------
    "page.alerts": {"zh": "活跃预警", "en": "Alerts"},
    "page.segments": {"zh": "标签与分群", "en": "Tags and segments"},
    "page.member_list": {"zh": "会员名单", "en": "Member list"},
    "page.member_profile": {"zh": "会员360", "en": "Member 360"},
    "tag.browse_no_order": {"zh": "高频访问未下单", "en": "Browses, never orders"},
    "tag.cart_abandoner": {"zh": "加购未结算", "en": "Cart abandoner"},
    "tag.dormant": {"zh": "沉睡", "en": "Dormant"},
    "tag.new": {"zh": "新会员", "en": "New"},
    "tag.high_value": {"zh": "高价值", "en": "High value"},
    "tag.high_value_at_risk": {"zh": "高价值流失风险", "en": "High value at risk"},
    "tag.coupon_driven": {"zh": "优惠驱动", "en": "Coupon driven"},
    "param.window_days": {"zh": "统计窗口（天）", "en": "Window (days)"},
    "param.min_active_days": {"zh": "最少活跃天数", "en": "Minimum active days"},
    "param.no_order_days": {"zh": "无订单天数", "en": "Days without an order"},
    "param.min_carts": {"zh": "最少加购次数", "en": "Minimum add-to-carts"},
    "param.order_within_hours": {"zh": "加购后下单时限（小时）", "en": "Order within (hours)"},
    "param.inactive_days": {"zh": "无活动天数", "en": "Days without activity"},
    "param.signup_days": {"zh": "注册天数内", "en": "Signed up within (days)"},
    "param.top_share": {"zh": "消费前百分比（0-1）", "en": "Top share by spend (0-1)"},
    "param.spend_months": {"zh": "消费统计月数", "en": "Spend window (months)"},
    "param.max_ratio": {"zh": "近期/前期活跃天数比低于", "en": "Recent/previous days below"},
    "param.min_orders": {"zh": "最少订单数", "en": "Minimum orders"},
    "param.min_coupon_share": {"zh": "用券订单占比（0-1）", "en": "Coupon share (0-1)"},
    "segments.title": {"zh": "行为标签与分群", "en": "Behaviour tags and segments"},
    "segments.no_snapshot": {
        "zh": "还没有标签快照：导入数据或运行 `python -m core.cli refresh` 后生成。",
        "en": "No tag snapshot yet: import data or run `python -m core.cli refresh`.",
    },
    "segments.sizes": {"zh": "各标签人数变化", "en": "Tag sizes over time"},
    "segments.snapshot_note": {
        "zh": "每次刷新记录当天的标签快照（首次回溯 {days} 天）；人数按当前属性筛选前的全部会员。",
        "en": "Each refresh records the day's tag snapshot (the first one goes back {days} "
        "days); sizes count every member, before the sidebar filters.",
    },
    "segments.changes": {"zh": "某日加入 / 离开", "en": "Joined / left on a day"},
    "segments.tag": {"zh": "标签", "en": "Tag"},
    "segments.day": {"zh": "日期", "en": "Day"},
    "segments.joined": {"zh": "加入 {n} 人", "en": "{n} joined"},
    "segments.left": {"zh": "离开 {n} 人", "en": "{n} left"},
    "segments.open_list": {"zh": "查看会员名单", "en": "Open the member list"},
    "segments.thresholds": {"zh": "标签阈值", "en": "Tag thresholds"},
    "segments.thresholds_note": {
        "zh": "修改在下次刷新时生效。",
        "en": "Changes take effect at the next refresh.",
    },
    "segments.save_threshold": {"zh": "保存阈值", "en": "Save thresholds"},
    "segments.threshold_saved": {"zh": "阈值已保存。", "en": "Thresholds saved."},
    "segments.editor": {"zh": "分群编辑", "en": "Segment editor"},
    "segments.editor_note": {
        "zh": "分群 = 侧边栏中的地区、设备、等级、渠道筛选 + 标签条件。",
        "en": "A segment = the sidebar's region, device, tier and channel filters + tag "
        "conditions.",
    },
    "segments.pick": {"zh": "分群", "en": "Segment"},
    "segments.new": {"zh": "（新建分群）", "en": "(new segment)"},
    "segments.name": {"zh": "名称", "en": "Name"},
    "segments.all_tags": {"zh": "同时具有全部标签", "en": "All of these tags"},
    "segments.any_tags": {"zh": "具有任一标签", "en": "Any of these tags"},
    "segments.none_tags": {"zh": "不具有任何标签", "en": "None of these tags"},
    "segments.save": {"zh": "保存分群", "en": "Save segment"},
    "segments.delete": {"zh": "删除分群", "en": "Delete segment"},
    "segments.saved": {"zh": "分群已保存。", "en": "Segment saved."},
    "segments.deleted": {"zh": "分群已删除。", "en": "Segment deleted."},
    "segments.readonly": {
        "zh": "您的角色只能查看分群。",
        "en": "Your role may look at segments but not save them.",
    },
    "segments.detail": {"zh": "分群：{name}", "en": "Segment: {name}"},
    "segments.size_now": {"zh": "当前人数", "en": "Members now"},
    "segments.size_over_time": {"zh": "分群人数变化", "en": "Segment size over time"},
    "segments.vs_everyone": {
        "zh": "与全体会员对比（近 30 天）",
        "en": "Against everyone (30 days)",
    },
    "segments.group.segment": {"zh": "本分群", "en": "This segment"},
    "segments.group.everyone": {"zh": "全体会员", "en": "Everyone"},
    "segments.kpi.members": {"zh": "会员数", "en": "Members"},
    "segments.kpi.active_share": {"zh": "30 天活跃占比", "en": "Active in 30 days"},
    "segments.kpi.revenue_per_member": {"zh": "人均收入（30 天）", "en": "Revenue per member"},
    "segments.kpi.retention_30d": {"zh": "30 天留存", "en": "30-day retention"},
    "segments.retention_note": {
        "zh": "30 天留存：前 30 天活跃的会员中，近 30 天再次活跃的比例。",
        "en": "30-day retention: of the members active in the 30 days before, the share "
        "active again in the last 30.",
    },
    "segments.tier_mix": {"zh": "等级分布", "en": "Tier mix"},
    "segments.share_link": {
        "zh": "分享链接（复制地址栏）：",
        "en": "Shareable link (copy the address):",
    },
    "segments.error.unknown_tag": {"zh": "未知标签：{tag}", "en": "Unknown tag: {tag}"},
    "segments.error.contradiction": {
        "zh": "标签条件互相矛盾（同一标签既要求具有又要求不具有）。",
        "en": "The tag conditions contradict each other (a tag both required and excluded).",
    },
    "segments.error.name": {
        "zh": "请输入 1-80 个字符的名称。",
        "en": "Enter a name of 1-80 characters.",
    },
    "segments.error.no_segment": {"zh": "分群不存在。", "en": "No such segment."},
    "segments.error.not_owner": {
        "zh": "只有创建者（{owner}）或管理员可以修改此分群。",
        "en": "Only its owner ({owner}) or an admin may change this segment.",
    },
    "segments.error.unknown_threshold": {"zh": "未知阈值。", "en": "Unknown threshold."},
    "segments.error.threshold_range": {
        "zh": "阈值须在 {low} 到 {high} 之间（天数等为整数）。",
        "en": "A threshold must lie between {low} and {high} (days and counts whole).",
    },
    "segments.error.sort": {"zh": "无法按该列排序。", "en": "Cannot sort by that column."},
    "member_list.title": {"zh": "会员名单", "en": "Member list"},
    "member_list.source": {"zh": "名单来源", "en": "List of"},
    "member_list.source.tag": {"zh": "标签", "en": "Tag"},
    "member_list.source.segment": {"zh": "已保存分群", "en": "Saved segment"},
    "member_list.source.alert": {"zh": "预警影响会员", "en": "Members of an alert"},
    "member_list.no_segments": {"zh": "还没有已保存的分群。", "en": "No saved segments yet."},
    "member_list.no_alerts": {"zh": "还没有预警。", "en": "No alerts yet."},
    "member_list.sort": {"zh": "排序", "en": "Sort by"},
    "member_list.descending": {"zh": "降序", "en": "Descending"},
    "member_list.count": {
        "zh": "{n} 位会员（截至 {as_of}，标签取该日或之前最近的快照）",
        "en": "{n} members (as of {as_of}; tags from the latest snapshot on or before it)",
    },
    "member_list.masked": {
        "zh": "按您的角色，手机号、邮箱、姓名、地址、昵称和生日已脱敏；导出名单需提交申请并经审批，"
        "文件只含会员 ID 和非个人信息列。",
        "en": "For your role, phone, e-mail, name, address, nickname and birth date are "
        "masked; exporting the list needs an approved request, and the file holds member ids "
        "and non-personal columns only.",
    },
    "member_list.export": {"zh": "导出名单（CSV）", "en": "Export the list (CSV)"},
    "member_list.request_export": {
        "zh": "申请导出名单（CSV，需审批）",
        "en": "Request the list as a file (CSV, needs approval)",
    },
    "member_list.request_hint": {
        "zh": "逐个会员的名单属于会员级数据：提交申请并经管理员批准后，在「审批」页下载一次。",
        "en": "A list of members is member-level data: once an admin approves your request, "
        "download it once on the Approvals page.",
    },
    "member_list.source_label": {
        "zh": "{source}：{choice}",
        "en": "{source}: {choice}",
    },
    "member_list.open_profile": {"zh": "打开会员360", "en": "Open Member 360"},
    "alert.label": {
        "zh": "{group}：{start} 起连续 {days} 天下降，降幅 {drop}",
        "en": "{group}: down {days} days in a row from {start}, {drop} below",
    },
    "col.nickname": {"zh": "昵称", "en": "Nickname"},
    "col.name": {"zh": "姓名", "en": "Name"},
    "col.phone": {"zh": "手机号", "en": "Phone"},
    "col.email": {"zh": "邮箱", "en": "E-mail"},
    "col.tier": {"zh": "等级", "en": "Tier"},
    "col.tags": {"zh": "标签", "en": "Tags"},
    "col.last_active": {"zh": "最近活跃", "en": "Last active"},
    "col.spend_12m": {"zh": "近12月消费", "en": "Spend, 12 months"},
    "col.orders_12m": {"zh": "近12月订单", "en": "Orders, 12 months"},
    "col.signup_day": {"zh": "注册日", "en": "Signed up"},
    "alerts.title": {"zh": "活跃度预警", "en": "Activity alerts"},
    "alerts.rule_note": {
        "zh": "规则：分组日活连续 N 天下降，且最后一天比下降前 7 天均值低 X% 以上即触发；"
        "日活回到基线的 (1-X) 以上自动解除。",
        "en": "A rule fires when a group's daily active count falls N days in a row and the "
        "last day is more than X below the mean of the 7 days before; it clears once the "
        "count is back above (1 - X) of that baseline.",
    },
    "alerts.open": {"zh": "当前预警", "en": "Open alerts"},
    "alerts.none": {"zh": "当前没有预警。", "en": "No open alerts."},
    "alerts.detail": {
        "zh": "基线日活 {baseline}，最新 {latest}；"
        "影响会员 {affected} 人（基线周活跃、此后未活跃）。",
        "en": "Baseline daily active {baseline}, latest {latest}; {affected} members affected "
        "(active in the baseline week, not since).",
    },
    "alerts.suggestion": {
        "zh": "建议：{action}，最佳联系时段 {hour}。",
        "en": "Suggested: {action}, best contact hour {hour}.",
    },
    "alerts.no_hour": {"zh": "未知", "en": "unknown"},
    "alerts.open_members": {"zh": "查看影响会员", "en": "Open the affected members"},
    "alerts.history": {"zh": "预警历史", "en": "Alert history"},
    "alerts.rules": {"zh": "预警规则", "en": "Alert rules"},
    "alerts.run_now": {"zh": "立即评估", "en": "Evaluate now"},
    "alerts.ran": {"zh": "已评估，当前 {n} 条预警。", "en": "Evaluated: {n} open alerts."},
    "alerts.edit_rule": {"zh": "新建 / 修改规则", "en": "Create or edit a rule"},
    "alerts.rule": {"zh": "规则", "en": "Rule"},
    "alerts.new_rule": {"zh": "（新规则）", "en": "(new rule)"},
    "alerts.kind": {"zh": "分组类型", "en": "Group kind"},
    "alerts.value": {
        "zh": "分组（留空 = 每个分组；流失高风险会员：流失概率阈值，默认 0.5）",
        "en": "Group (empty: each group; at-risk members: churn probability threshold, 0.5)",
    },
    "alerts.days": {"zh": "连续下降天数 N", "en": "Days of decline N"},
    "alerts.min_drop": {"zh": "总降幅 X", "en": "Total drop X"},
    "alerts.enabled": {"zh": "启用", "en": "Enabled"},
    "alerts.save_rule": {"zh": "保存规则", "en": "Save rule"},
    "alerts.saved": {"zh": "规则已保存，下次刷新或立即评估时生效。", "en": "Rule saved."},
    "alerts.error.kind": {"zh": "未知分组类型。", "en": "Unknown group kind."},
    "alerts.error.value": {"zh": "数据中没有分组 {value}。", "en": "No group {value} in the data."},
    "alerts.error.range": {
        "zh": "N 须在 1-14 之间，X 须在 0-1 之间。",
        "en": "N must be 1-14 and X between 0 and 1.",
    },
    "alerts.error.no_rule": {"zh": "规则不存在。", "en": "No such rule."},
    "alerts.error.no_alert": {"zh": "预警不存在。", "en": "No such alert."},
    "kind.everyone": {"zh": "全体会员", "en": "Everyone"},
    "kind.channel": {"zh": "渠道", "en": "Channel"},
    "kind.tier": {"zh": "等级", "en": "Tier"},
    "kind.tag": {"zh": "标签", "en": "Tag"},
    "kind.segment": {"zh": "分群", "en": "Segment"},
    "kind.at_risk": {"zh": "流失高风险会员", "en": "At-risk members"},
    "action.care_sms": {"zh": "关怀短信", "en": "care SMS"},
    "action.incentive_coupon": {"zh": "激励优惠券", "en": "incentive coupon"},
    "status.open": {"zh": "进行中", "en": "open"},
    "status.cleared": {"zh": "已解除", "en": "cleared"},
    "profile.title": {"zh": "会员360", "en": "Member 360"},
    "profile.search": {
        "zh": "按会员ID、手机号、邮箱或昵称查找",
        "en": "Find by member id, phone, e-mail or nickname",
    },
    "profile.not_found": {"zh": "没有找到会员。", "en": "No member found."},
    "profile.search_id": {
        "zh": "按会员ID打开（会员ID见会员名单）",
        "en": "Open by member id (from a member list)",
    },
    "profile.pick": {"zh": "选择会员", "en": "Choose a member"},
    "profile.attributes": {"zh": "基本信息", "en": "Attributes"},
    "profile.tier": {"zh": "等级与等级历史", "en": "Tier and tier history"},
    "profile.tags_now": {"zh": "当前标签", "en": "Tags now"},
    "profile.no_tags": {"zh": "当前没有标签。", "en": "No tags now."},
    "profile.tag_history": {"zh": "标签历史", "en": "Tag history"},
    "profile.orders": {"zh": "订单", "en": "Orders"},
    "profile.timeline": {"zh": "活动时间线（近 90 天）", "en": "Activity timeline (90 days)"},
    "profile.best_hour": {"zh": "最佳联系时段", "en": "Best contact hour"},
    "profile.best_hour_note": {
        "zh": "近 90 天活跃天数最多的小时。",
        "en": "The hour with the most active days over the last 90 days.",
    },
    "profile.churn": {"zh": "流失风险", "en": "Churn risk"},
    "profile.churn_unavailable": {
        "zh": "流失模型尚未提供会员评分。",
        "en": "The churn model does not provide member scores yet.",
    },
    "profile.churn_value": {
        "zh": "未来 {days} 天无任何活动的概率 {p}（建议：{action}）",
        "en": "Probability of no activity in the next {days} days: {p} (suggested: {action})",
    },
    "page.members": {"zh": "会员查询与编辑", "en": "Member look-up"},
    "page.tier_rules": {"zh": "等级规则与权益", "en": "Tier rules and benefits"},
    "page.approvals": {"zh": "审批", "en": "Approvals"},
    "page.audit": {"zh": "审计日志", "en": "Audit log"},
    "page.accounts": {"zh": "账户管理", "en": "Accounts"},
    "common.reason": {"zh": "理由（必填）", "en": "Reason (required)"},
    "common.submit": {"zh": "提交", "en": "Submit"},
    "common.saved": {"zh": "已保存。", "en": "Saved."},
    "common.view_only": {
        "zh": "只读：您的角色不能修改会员信息。",
        "en": "View only: your role cannot change members.",
    },
    "common.action_denied": {
        "zh": "您的角色（{role}）无权执行此操作。此次尝试已被记录。",
        "en": "Your role ({role}) may not do this. The attempt has been recorded.",
    },
    "common.audit_failed": {
        "zh": "审计记录写入失败，因此修改没有生效。请稍后重试。",
        "en": "The audit record could not be written, so nothing was changed. Please retry.",
    },
    "common.conflict": {
        "zh": "另一个操作同时修改了相同的数据，本次操作未生效。请刷新后重试。",
        "en": "Another change touched the same data at the same time; nothing was done. "
        "Refresh and try again.",
    },
    "members.search": {
        "zh": "会员号、手机号、邮箱或昵称",
        "en": "Member id, phone, e-mail or nickname",
    },
    "members.search_hint": {
        "zh": "手机号和邮箱需完整输入；昵称至少输入 2 个字符。",
        "en": "Type the whole phone number or e-mail; at least 2 characters of a nickname.",
    },
    "members.no_match": {"zh": "没有匹配的会员。", "en": "No member matches."},
    "members.pick": {"zh": "选择会员", "en": "Choose a member"},
    "members.attributes": {"zh": "会员资料", "en": "Attributes"},
    "members.tier_history": {"zh": "等级变更记录", "en": "Tier history"},
    "members.recent": {"zh": "最近活跃日（最多 30 天）", "en": "Recent active days (up to 30)"},
    "members.spend": {
        "zh": "近 12 个月消费 {spend}，共 {orders} 笔订单。",
        "en": "Spend over the last 12 months: {spend} in {orders} orders.",
    },
    "members.erased": {
        "zh": "该会员的个人信息已按个人信息删除请求匿名化，不能再编辑。",
        "en": "This member's personal data was erased on request; it cannot be edited.",
    },
    "members.edit_contact": {"zh": "修改联系方式", "en": "Edit contact details"},
    "members.contact_hint": {
        "zh": "只填写需要修改的字段，留空表示不变。",
        "en": "Fill in only the fields to change; empty fields stay as they are.",
    },
    "members.field.nickname": {"zh": "昵称", "en": "Nickname"},
    "members.field.name": {"zh": "姓名", "en": "Name"},
    "members.field.phone": {"zh": "手机号", "en": "Phone"},
    "members.field.email": {"zh": "邮箱", "en": "E-mail"},
    "members.field.address": {"zh": "地址", "en": "Address"},
    "members.changed": {"zh": "已保存：{fields}", "en": "Saved: {fields}"},
    "members.no_change": {"zh": "没有变化。", "en": "Nothing changed."},
    "members.edit_status": {"zh": "修改状态", "en": "Change status"},
    "members.new_status": {"zh": "新状态", "en": "New status"},
    "members.status.active": {"zh": "正常", "en": "Active"},
    "members.status.frozen": {"zh": "冻结", "en": "Frozen"},
    "members.status.cancelled": {"zh": "注销", "en": "Cancelled"},
    "members.edit_tier": {"zh": "手动调整等级", "en": "Tier override"},
    "members.tier_choice": {"zh": "等级", "en": "Tier"},
    "members.remove_override": {
        "zh": "取消手动等级（按规则计算）",
        "en": "Remove the override (back to the rules)",
    },
    "members.current_override": {
        "zh": "当前为手动等级：{tier}（规则重算不会改变它）",
        "en": "Overridden to {tier} (rule recomputes keep it)",
    },
    "members.bulk_title": {
        "zh": "按分群批量修改状态（需审批）",
        "en": "Change the status of a whole segment (needs approval)",
    },
    "members.segment": {"zh": "分群", "en": "Segment"},
    "members.no_segments": {"zh": "还没有保存的分群。", "en": "No saved segments yet."},
    "members.requested": {
        "zh": "已提交审批请求 #{id}，请等待他人审批。",
        "en": "Request #{id} submitted; someone else must approve it.",
    },
    "members.error.reason_required": {"zh": "请填写理由。", "en": "Please give a reason."},
    "members.error.too_long": {
        "zh": "{field} 过长或含有控制字符（最多 {max} 个字符）。",
        "en": "{field} is too long or holds control characters (at most {max}).",
    },
    "members.error.not_found": {"zh": "找不到该会员。", "en": "No such member."},
    "members.error.changed": {
        "zh": "该会员的资料在你打开后已被他人修改，本次未保存。请查看最新资料后重新提交。",
        "en": "Someone else changed this member after you opened it; nothing was saved. "
        "Check the current values and submit again.",
    },
    "members.error.field": {
        "zh": "不能修改字段 {field}。",
        "en": "The field {field} cannot be edited.",
    },
    "members.error.phone": {"zh": "手机号格式不正确。", "en": "That is not a phone number."},
    "members.error.email": {"zh": "邮箱格式不正确。", "en": "That is not an e-mail address."},
    "members.error.status": {"zh": "未知状态：{status}", "en": "Unknown status: {status}"},
    "members.error.tier": {"zh": "未知等级：{tier}", "en": "Unknown tier: {tier}"},
    "members.error.erased": {
        "zh": "该会员的个人信息已删除。",
        "en": "This member's personal data has been erased.",
    },
    "members.error.segment": {"zh": "找不到该分群。", "en": "No such segment."},
    "members.error.empty_list": {
        "zh": "名单中没有会员。",
        "en": "The list has no members.",
    },
    "members.error.empty_segment": {
        "zh": "该分群当前没有会员。",
        "en": "The segment has no members at the moment.",
    },
    "members.error.export_columns": {
        "zh": "请选择要导出的字段（姓名、手机号、邮箱、地址）。",
        "en": "Choose the columns to export (name, phone, e-mail, address).",
    },
    "privacy.title": {
        "zh": "个人信息请求（PIPL / GDPR）",
        "en": "Personal-data requests (PIPL / GDPR)",
    },
    "privacy.export": {"zh": "导出该会员的全部数据", "en": "Export all data of this member"},
    "privacy.download": {"zh": "下载 ZIP", "en": "Download the ZIP"},
    "privacy.erase_hint": {
        "zh": "删除（匿名化）将清除该会员在所有表中的个人信息，保留统计数据；需管理员审批。",
        "en": "Erasure anonymises this member's personal data in every table and keeps the "
        "aggregates; an admin must approve it.",
    },
    "privacy.erase": {"zh": "申请删除个人信息", "en": "Request erasure"},
    "privacy.compact_due": {
        "zh": "已删除的个人信息在数据库文件的空闲空间中仍有残留：请停止应用后运行 "
        "`python -m core.cli compact`，再重新启动。备份需另行处理。",
        "en": "Erased personal data still lingers in the free space of the store file: stop "
        "the app, run `python -m core.cli compact`, then start it again. Backups need "
        "their own handling.",
    },
    "approvals.filter": {"zh": "状态", "en": "Status"},
    "approvals.all": {"zh": "全部", "en": "All"},
    "approvals.status.pending": {"zh": "待审批", "en": "Pending"},
    "approvals.status.approved": {"zh": "已批准", "en": "Approved"},
    "approvals.status.rejected": {"zh": "已驳回", "en": "Rejected"},
    "approvals.status.executed": {"zh": "已执行", "en": "Executed"},
    "approvals.status.expired": {"zh": "已过期", "en": "Expired"},
    "approvals.kind.tier_rule_change": {"zh": "等级规则变更", "en": "Tier rule change"},
    "approvals.kind.bulk_status_change": {"zh": "批量修改状态", "en": "Bulk status change"},
    "approvals.kind.member_export": {"zh": "导出会员个人信息", "en": "Member data export"},
    "approvals.kind.member_erase": {"zh": "删除会员个人信息", "en": "Member erasure"},
    "approvals.none": {"zh": "没有审批请求。", "en": "No requests."},
    "approvals.header": {
        "zh": "#{id} {kind} · {status} · 申请人 {by} · {at} UTC",
        "en": "#{id} {kind} · {status} · by {by} · {at} UTC",
    },
    "approvals.details": {
        "zh": "内容：{summary}\n\n理由：{reason}\n\n有效期至 {expires} UTC",
        "en": "What: {summary}\n\nReason: {reason}\n\nExpires {expires} UTC",
    },
    "approvals.decision": {
        "zh": "{by} 于 {at} UTC 处理：{note}",
        "en": "Decided by {by} at {at} UTC: {note}",
    },
    "approvals.result": {"zh": "执行结果：{result}", "en": "Result: {result}"},
    "approvals.note": {"zh": "审批意见", "en": "Note"},
    "approvals.approve": {"zh": "批准", "en": "Approve"},
    "approvals.reject": {"zh": "驳回", "en": "Reject"},
    "approvals.withdraw": {"zh": "撤回", "en": "Withdraw"},
    "approvals.run_export": {"zh": "生成导出文件（仅一次）", "en": "Create the export (once)"},
    "approvals.download": {"zh": "下载导出文件", "en": "Download the export"},
    "approvals.own": {
        "zh": "这是您自己的请求，需由他人审批。",
        "en": "This is your own request; someone else must approve it.",
    },
    "approvals.done": {"zh": "已处理请求 #{id}。", "en": "Request #{id} done."},
    "approvals.export_ready": {
        "zh": "导出文件已生成（{rows} 行）。请立即下载，此请求不能再次执行。",
        "en": "The export is ready ({rows} rows). Download it now; the request cannot run again.",
    },
    "approvals.new_export": {
        "zh": "申请导出会员个人信息（需管理员审批）",
        "en": "Request an export of members' personal data (an admin approves)",
    },
    "approvals.export_columns": {"zh": "字段", "en": "Columns"},
    "approvals.error.self_approval": {
        "zh": "不能审批自己的请求。",
        "en": "You cannot approve your own request.",
    },
    "approvals.error.not_pending": {
        "zh": "该请求当前状态为「{status}」，不能再审批。",
        "en": "The request is {status}; it can no longer be decided.",
    },
    "approvals.error.not_approved": {
        "zh": "该请求当前状态为「{status}」，不能执行（每个请求只执行一次）。",
        "en": "The request is {status}; it cannot run (each request runs once).",
    },
    "approvals.error.not_found": {"zh": "找不到该请求。", "en": "No such request."},
    "approvals.error.reason_required": {"zh": "请填写理由。", "en": "Please give a reason."},
    "approvals.error.unknown_kind": {
        "zh": "未知请求类型：{kind}",
        "en": "Unknown request kind: {kind}",
    },
    "tier_rules.current": {"zh": "当前规则", "en": "Current rules"},
    "tier_rules.basis": {"zh": "消费口径：{basis}", "en": "Spend basis: {basis}"},
    "tier_rules.basis.trailing_12m": {"zh": "近 12 个月", "en": "Trailing 12 months"},
    "tier_rules.basis.lifetime": {"zh": "累计", "en": "Lifetime"},
    "tier_rules.spend_basis": {"zh": "消费口径", "en": "Spend basis"},
    "tier_rules.edit": {
        "zh": "修改门槛、折扣和消费口径",
        "en": "Edit thresholds, discounts and spend basis",
    },
    "tier_rules.threshold": {
        "zh": "{tier} 门槛（{currency}）",
        "en": "{tier} threshold ({currency})",
    },
    "tier_rules.discount": {
        "zh": "{tier} 折扣系数（0.90 = 9 折）",
        "en": "{tier} price multiplier (0.90 = 10% off)",
    },
    "tier_rules.preview": {"zh": "预览影响", "en": "Preview the effect"},
    "tier_rules.preview_title": {
        "zh": "影响预览（截至 {as_of}）",
        "en": "Effect of the change (as of {as_of})",
    },
    "tier_rules.moves": {
        "zh": "升级 {up} 人，降级 {down} 人。",
        "en": "{up} members move up, {down} move down.",
    },
    "tier_rules.cost": {
        "zh": "近 12 个月订单的折扣成本：当前 {now}，新规则 {new}（变化 {change}）。",
        "en": "Discount cost of the last 12 months' orders: now {now}, new rules {new} "
        "(change {change}).",
    },
    "tier_rules.submit": {"zh": "提交审批", "en": "Submit for approval"},
    "tier_rules.no_change": {"zh": "规则没有变化。", "en": "The rules are unchanged."},
    "tier_rules.error.thresholds": {
        "zh": "门槛必须随等级严格递增，且最低等级的门槛为 0。",
        "en": "Thresholds must rise strictly with the tier, the lowest tier's being 0.",
    },
    "tier_rules.error.discounts": {
        "zh": "折扣系数必须在 0.50 到 1.00 之间，且等级越高折扣不得更少。",
        "en": "Multipliers must be between 0.50 and 1.00 and may not grow with the tier.",
    },
    "tier_rules.error.tiers": {
        "zh": "规则必须包含且只包含现有的每个等级。",
        "en": "The rules must cover exactly the existing tiers.",
    },
    "tier_rules.error.basis": {"zh": "未知消费口径。", "en": "Unknown spend basis."},
    "tier_rules.error.stale": {
        "zh": "自提交请求以来规则已被修改，请重新提交。",
        "en": "The rules changed since this request was made; please submit a new one.",
    },
    "tier_rules.error.no_data": {"zh": "还没有活动数据。", "en": "There is no activity data yet."},
    "benefits.title": {"zh": "权益目录", "en": "Benefits catalogue"},
    "benefits.add": {"zh": "新增权益", "en": "Add a benefit"},
    "benefits.code": {"zh": "代码（小写字母、数字、下划线）", "en": "Code (lower case, digits, _)"},
    "benefits.name_zh": {"zh": "中文名称", "en": "Chinese name"},
    "benefits.name_en": {"zh": "英文名称", "en": "English name"},
    "benefits.rename": {"zh": "重命名", "en": "Rename"},
    "benefits.retire": {"zh": "停用", "en": "Retire"},
    "benefits.pick": {"zh": "权益", "en": "Benefit"},
    "benefits.tiers": {"zh": "适用等级", "en": "Tiers that get it"},
    "benefits.assign": {"zh": "保存适用等级", "en": "Save the tiers"},
    "benefits.error.code": {
        "zh": "代码须为 2–40 个小写字母、数字或下划线。",
        "en": "A code is 2–40 lower-case letters, digits or underscores.",
    },
    "benefits.error.exists": {"zh": "该代码已存在。", "en": "That code exists already."},
    "benefits.error.unknown": {"zh": "找不到该权益。", "en": "No such benefit."},
    "benefits.error.name": {
        "zh": "请填写中英文名称（最多 60 个字符）。",
        "en": "Give a Chinese and an English name (at most 60 characters).",
    },
    "benefits.error.retired": {"zh": "该权益已停用。", "en": "That benefit is retired."},
    "audit.filters": {"zh": "筛选", "en": "Filters"},
    "audit.from": {"zh": "开始日期（UTC）", "en": "From (UTC)"},
    "audit.to": {"zh": "结束日期（UTC）", "en": "To (UTC)"},
    "audit.actor": {"zh": "操作人", "en": "Actor"},
    "audit.action": {"zh": "操作类别", "en": "Action"},
    "audit.target": {"zh": "对象（如会员号）", "en": "Target (e.g. member id)"},
    "audit.all": {"zh": "全部", "en": "All"},
    "audit.group.access": {"zh": "登录与访问", "en": "Sign-ins and access"},
    "audit.group.account": {"zh": "账户", "en": "Accounts"},
    "audit.group.member": {"zh": "会员编辑", "en": "Member edits"},
    "audit.group.tier_rule": {"zh": "等级规则", "en": "Tier rules"},
    "audit.group.benefit": {"zh": "权益", "en": "Benefits"},
    "audit.group.approval": {"zh": "审批", "en": "Approvals"},
    "audit.group.privacy": {"zh": "个人信息请求", "en": "Privacy requests"},
    "audit.group.import": {"zh": "数据导入", "en": "Imports"},
    "audit.group.audit": {"zh": "审计导出", "en": "Audit exports"},
    "audit.group.tag": {"zh": "标签阈值", "en": "Tag thresholds"},
    "audit.group.segment": {"zh": "人群分组", "en": "Segments"},
    "audit.group.alert": {"zh": "预警规则与运行", "en": "Alert rules and runs"},
    "audit.rows": {"zh": "共 {n} 行（最多显示 {limit} 行）。", "en": "{n} rows (at most {limit})."},
    "audit.verify": {"zh": "校验哈希链", "en": "Verify the hash chain"},
    "audit.chain_ok": {
        "zh": "哈希链完整：{rows} 行。",
        "en": "The hash chain is intact: {rows} rows.",
    },
    "audit.chain_broken": {
        "zh": "哈希链在第 {row} 行断开：{problem}",
        "en": "The hash chain breaks at row {row}: {problem}",
    },
    "audit.chain_unverified": {
        "zh": "无法证明哈希链完整：{problem}",
        "en": "The hash chain cannot be shown intact: {problem}",
    },
    "audit.prepare": {"zh": "准备导出（将被记录）", "en": "Prepare the export (recorded)"},
    "audit.download": {"zh": "下载 CSV", "en": "Download CSV"},
    "accounts.list": {"zh": "所有账户", "en": "All accounts"},
    "accounts.create": {"zh": "新建账户", "en": "Create an account"},
    "accounts.username": {"zh": "用户名", "en": "User name"},
    "accounts.display_name": {"zh": "显示名称", "en": "Display name"},
    "accounts.role": {"zh": "角色", "en": "Role"},
    "accounts.password": {"zh": "初始密码", "en": "Initial password"},
    "accounts.created": {"zh": "已创建账户 {name}。", "en": "Account {name} created."},
    "accounts.pick": {"zh": "选择账户", "en": "Choose an account"},
    "accounts.manage": {"zh": "修改账户", "en": "Change an account"},
    "accounts.set_role": {"zh": "修改角色", "en": "Set role"},
    "accounts.disable": {"zh": "停用账户", "en": "Disable the account"},
    "accounts.enable": {"zh": "重新启用账户", "en": "Enable the account"},
    "accounts.new_password": {"zh": "新密码", "en": "New password"},
    "accounts.reset_password": {"zh": "重置密码", "en": "Reset the password"},
    "accounts.reset_totp": {"zh": "重置两步验证", "en": "Reset two-step verification"},
    "accounts.done": {
        "zh": "已保存；该账户的现有登录已失效。",
        "en": "Saved; the account's existing sessions have ended.",
    },
    "accounts.error.self": {
        "zh": "不能停用自己的账户或修改自己的角色。",
        "en": "You cannot disable your own account or change your own role.",
    },
    "accounts.error.unknown": {"zh": "找不到该账户。", "en": "No such account."},
    "accounts.error.last_admin": {
        "zh": "至少需要保留一个可用的管理员账户。",
        "en": "At least one enabled admin account must remain.",
    },
    "accounts.require_totp": {
        "zh": "管理员必须使用两步验证",
        "en": "Admins must use two-step verification",
    },
    "totp.title": {"zh": "两步验证（TOTP）", "en": "Two-step verification (TOTP)"},
    "totp.on": {"zh": "已启用。", "en": "On."},
    "totp.off": {"zh": "未启用。", "en": "Off."},
    "totp.start": {"zh": "生成密钥", "en": "Create a key"},
    "totp.secret": {
        "zh": "在验证器 App 中添加此密钥（或使用链接）：{secret}",
        "en": "Add this key to your authenticator app (or use the link): {secret}",
    },
    "totp.code": {"zh": "6 位验证码", "en": "6-digit code"},
    "totp.confirm": {"zh": "确认启用", "en": "Turn on"},
    "totp.enabled": {"zh": "两步验证已启用。", "en": "Two-step verification is on."},
    "totp.error.code": {"zh": "验证码不正确。", "en": "The code is not right."},
    "totp.error.no_secret": {"zh": "请先生成密钥。", "en": "Create a key first."},
    "totp.must_enrol": {
        "zh": "管理员账户必须启用两步验证。请在「账户管理」页面启用后继续。",
        "en": "Admin accounts must use two-step verification. Turn it on on the Accounts page.",
    },
    "login.totp": {
        "zh": "验证码（已启用两步验证时填写）",
        "en": "Code (if two-step verification is on)",
    },
    # -- store settings (core/settings.py) ---------------------------------------------------
    "audit.group.setting": {"zh": "店铺设置", "en": "Store settings"},
    "settings.title": {"zh": "店铺设置", "en": "Store settings"},
    "settings.intro": {
        "zh": "仅管理员可修改；每次修改都会写入审计日志。",
        "en": "Only admins may change these; every change is written to the audit log.",
    },
    "settings.currency": {"zh": "货币", "en": "Currency"},
    "settings.currency.help": {
        "zh": "店铺货币（ISO 4217 代码）：所有金额、等级门槛和导出表头都使用它；"
        "只改变显示，不换算金额。",
        "en": "Store currency (ISO 4217 code): every money figure, tier threshold and export "
        "header uses it; a label only, amounts are not converted.",
    },
    "settings.churn_window_days": {"zh": "流失窗口（天）", "en": "Churn window (days)"},
    "settings.churn_window_days.help": {
        "zh": "连续多少天无活跃即视为流失；留空（auto）时由流失模型根据数据选择。",
        "en": "Days without activity after which a member counts as churned; auto: the churn "
        "model chooses it from the data.",
    },
    "settings.spend_basis": {"zh": "等级消费口径", "en": "Tier spend basis"},
    "settings.spend_basis.help": {
        "zh": "按近 12 个月还是累计消费判定等级；修改后立即按新口径重算所有会员等级。",
        "en": "Trailing 12 months' or lifetime paid spend decides the tier; a change "
        "recomputes every member's tier at once.",
    },
    "settings.business_tz": {"zh": "业务时区", "en": "Business time zone"},
    "settings.business_tz.help": {
        "zh": "日、周、小时所用的 IANA 时区；只能在首次导入数据之前修改。",
        "en": "IANA time zone of days, weeks and hours; can only be changed before the first "
        "import.",
    },
    "settings.auto": {"zh": "自动（由数据决定）", "en": "auto (chosen from the data)"},
    "settings.save": {"zh": "保存设置", "en": "Save setting"},
    "settings.saved": {"zh": "已保存：{label} = {value}", "en": "Saved: {label} = {value}"},
    "settings.locked_tz": {
        "zh": "已有导入数据，业务时区不能再修改。",
        "en": "Data has been imported; the business time zone can no longer change.",
    },
    "settings.error.unknown": {
        "zh": "没有名为 {name} 的设置；可用：{keys}",
        "en": "no setting named {name}; one of: {keys}",
    },
    "settings.error.currency": {
        "zh": "货币 {value} 不是支持的 ISO 4217 代码；可用：{codes}",
        "en": "currency {value} is not a supported ISO 4217 code; one of: {codes}",
    },
    "settings.error.churn_window": {
        "zh": "流失窗口 {value} 无效：请填写 {low}–{high} 之间的整数天数，或 auto",
        "en": "churn window {value} is not valid: a whole number of days {low}–{high}, or auto",
    },
    "settings.error.spend_basis": {
        "zh": "消费口径 {value} 无效；可用：{bases}",
        "en": "spend basis {value} is not valid; one of: {bases}",
    },
    "settings.error.business_tz": {
        "zh": "{value} 不是 IANA 时区名称（例如 Asia/Shanghai、America/New_York）",
        "en": "{value} is not an IANA time zone name (e.g. Asia/Shanghai, America/New_York)",
    },
    "settings.error.tz_after_import": {
        "zh": "业务时区只能在首次导入之前修改：导入 #{import_id} 已按 {zone} 载入数据",
        "en": "the business time zone can only change before the first import: import "
        "#{import_id} already loaded data in {zone}",
    },
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text for ``key`` in ``lang`` with ``{placeholders}`` filled from ``values``."""
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    text = entry.get(lang if lang in LANGUAGES else DEFAULT_LANGUAGE) or entry["en"]
    return text.format(**values) if values else text


def normalise_language(value: object) -> str:
    return value if isinstance(value, str) and value in LANGUAGES else DEFAULT_LANGUAGE


def _missing(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_int(value: float | int | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """A whole number with thousands separators: ``12,345`` (both languages)."""
    if _missing(value):
        return EMPTY
    return f"{round(value):,}"


def fmt_number(value: float | int | None, lang: str = DEFAULT_LANGUAGE, digits: int = 1) -> str:
    """A number with ``digits`` decimals and thousands separators."""
    if _missing(value):
        return EMPTY
    return f"{value:,.{digits}f}"


def fmt_money(
    value: float | int | None,
    lang: str = DEFAULT_LANGUAGE,
    digits: int = 2,
    currency: str | None = None,
) -> str:
    """Money in the store currency (default CNY) with thousands separators: ``¥12,345.67``,
    ``$12,345.67``, ``CHF 12,345.67``; never more decimals than the currency has (JPY 0)."""
    if _missing(value):
        return EMPTY
    found = currencies.currency(currency)
    digits = min(digits, found.digits)
    prefix = found.symbol or f"{found.code} "
    sign = "-" if value < 0 else ""
    return f"{sign}{prefix}{abs(value):,.{digits}f}"


def money_label(text: str, currency: str | None = None, lang: str = DEFAULT_LANGUAGE) -> str:
    """A money column or axis title with its currency: ``收入（¥）``, ``Revenue ($)``."""
    shown = currencies.symbol(currency)
    return f"{text}（{shown}）" if lang == "zh" else f"{text} ({shown})"


def fmt_percent(value: float | None, lang: str = DEFAULT_LANGUAGE, digits: int = 1) -> str:
    """A share as a percentage: ``0.1234`` → ``12.3%``."""
    if _missing(value):
        return EMPTY
    return f"{value * 100:.{digits}f}%"


def fmt_change(value: float | None, kind: str, lang: str = DEFAULT_LANGUAGE) -> str | None:
    """A change for a KPI card: relative (``+12.3%``) or in percentage points.

    Returns None when there is nothing to compare, so no delta is drawn at all.
    """
    if _missing(value):
        return None
    if kind == "points":
        unit = " 个百分点" if lang == "zh" else " pp"
        return f"{value * 100:+.1f}{unit}"
    return f"{value * 100:+.1f}%"


def fmt_date(value: date | None, lang: str = DEFAULT_LANGUAGE) -> str:
    if value is None:
        return EMPTY
    return value.isoformat()
