"""Who may do what: the role matrix of SPEC §1 and the page registry built on it.

This module is the single place that answers "may this role do X". Pages ask it through
``core.ui.page_guard``; functions that change data call :func:`require` themselves, so a
hidden button is never the only protection.

Adding a page is one entry in :data:`PAGES`: a URL path, the file under ``pages/``, the
translation keys for its title and menu section, an icon and the capability it needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.config import PROJECT_ROOT


class Role(StrEnum):
    VIEWER = "viewer"
    ANALYST = "analyst"
    SUPPORT = "support"
    OPERATOR = "operator"
    ADMIN = "admin"


ROLES: tuple[Role, ...] = tuple(Role)


class Capability(StrEnum):
    """Things a role may do. Names say what is allowed, not which page shows it."""

    VIEW_OVERVIEW = "view_overview"
    VIEW_DASHBOARDS = "view_dashboards"  # activity, retention, channel, tier, funnel …
    VIEW_SEGMENTS = "view_segments"
    VIEW_CHURN = "view_churn"
    VIEW_MEMBER_LIST = "view_member_list"  # aggregate-driven lists, PII masked by role
    EXPORT_AGGREGATE = "export_aggregate"
    REQUEST_MEMBER_EXPORT = "request_member_export"
    LOOK_UP_MEMBERS = "look_up_members"
    VIEW_PII = "view_pii"
    EDIT_MEMBERS = "edit_members"  # status and tier override
    REQUEST_TIER_RULE_CHANGE = "request_tier_rule_change"
    MANAGE_ALERTS = "manage_alerts"
    MANAGE_TAGS = "manage_tags"  # behaviour-tag thresholds
    SAVE_SEGMENTS = "save_segments"  # one's own saved segments
    VIEW_MEMBER_PROFILE = "view_member_profile"  # one member's page (会员360), PII by role
    MANAGE_ACCOUNTS = "manage_accounts"
    APPROVE_REQUESTS = "approve_requests"
    USE_APPROVALS = "use_approvals"  # see one's requests (and those one may approve)
    EDIT_BENEFITS = "edit_benefits"  # benefits catalogue and tier assignment
    VIEW_AUDIT_LOG = "view_audit_log"
    IMPORT_DATA = "import_data"
    VIEW_DATA_STATUS = "view_data_status"
    MANAGE_SETTINGS = "manage_settings"  # store settings: currency, churn window, …
    USE_OWN_ACCOUNT = "use_own_account"  # language, password


_VIEWER = {
    Capability.VIEW_OVERVIEW,
    Capability.VIEW_DASHBOARDS,
    Capability.USE_OWN_ACCOUNT,
}
_ANALYST = _VIEWER | {
    Capability.VIEW_SEGMENTS,
    Capability.VIEW_CHURN,
    Capability.VIEW_MEMBER_LIST,
    Capability.EXPORT_AGGREGATE,
    Capability.REQUEST_MEMBER_EXPORT,
    Capability.USE_APPROVALS,
    Capability.SAVE_SEGMENTS,
    Capability.VIEW_MEMBER_PROFILE,
}
_SUPPORT = {
    Capability.VIEW_OVERVIEW,
    Capability.LOOK_UP_MEMBERS,
    Capability.VIEW_PII,
    Capability.VIEW_MEMBER_PROFILE,
    Capability.USE_OWN_ACCOUNT,
}
_OPERATOR = _ANALYST | {
    Capability.EDIT_MEMBERS,
    Capability.LOOK_UP_MEMBERS,  # to find the member to edit (PII stays masked)
    Capability.REQUEST_TIER_RULE_CHANGE,
    Capability.EDIT_BENEFITS,
    Capability.MANAGE_ALERTS,
    Capability.MANAGE_TAGS,
}

MATRIX: dict[Role, frozenset[Capability]] = {
    Role.VIEWER: frozenset(_VIEWER),
    Role.ANALYST: frozenset(_ANALYST),
    Role.SUPPORT: frozenset(_SUPPORT),
    Role.OPERATOR: frozenset(_OPERATOR),
    Role.ADMIN: frozenset(Capability),
}


class PermissionDenied(Exception):
    """Raised by :func:`require` when a caller's role lacks a capability."""

    def __init__(self, role: str | None, capability: Capability):
        self.role = role
        self.capability = capability
        super().__init__(f"role {role!r} may not {capability.value}")


def parse_role(value: str | None) -> Role | None:
    """The :class:`Role` named ``value``, or None for anything else."""
    try:
        return Role(value) if value is not None else None
    except ValueError:
        return None


def can(role: str | None, capability: Capability) -> bool:
    """Whether ``role`` has ``capability``; unknown or missing roles have nothing."""
    parsed = parse_role(role)
    return parsed is not None and capability in MATRIX[parsed]


def require(role: str | None, capability: Capability) -> None:
    """Raise :class:`PermissionDenied` unless ``role`` has ``capability``."""
    if not can(role, capability):
        raise PermissionDenied(role, capability)


def masks_pii(role: str | None) -> bool:
    """Whether personal data (phone, email, name, address) is masked for ``role``."""
    return not can(role, Capability.VIEW_PII)


@dataclass(frozen=True)
class PageSpec:
    """One page of the app: where it lives, what it is called, who may open it."""

    key: str  # URL path, e.g. /overview
    file: str  # relative to the project root
    title: str  # translation key
    section: str  # translation key of its menu section
    icon: str
    requires: Capability

    @property
    def exists(self) -> bool:
        return (PROJECT_ROOT / self.file).is_file()


# Menu order is this order. Later pages (activity, retention, segments, churn, members,
# tiers, approvals, audit) are added here with the capability they need.
PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        key="overview",
        file="pages/overview.py",
        title="page.overview",
        section="section.dashboards",
        icon=":material/dashboard:",
        requires=Capability.VIEW_OVERVIEW,
    ),
    PageSpec(
        key="activity",
        file="pages/activity.py",
        title="page.activity",
        section="section.dashboards",
        icon=":material/monitoring:",
        requires=Capability.VIEW_DASHBOARDS,
    ),
    PageSpec(
        key="retention",
        file="pages/retention.py",
        title="page.retention",
        section="section.dashboards",
        icon=":material/grid_on:",
        requires=Capability.VIEW_DASHBOARDS,
    ),
    PageSpec(
        key="ltv",
        file="pages/ltv.py",
        title="page.ltv",
        section="section.dashboards",
        icon=":material/savings:",
        requires=Capability.VIEW_DASHBOARDS,
    ),
    PageSpec(
        key="channels",
        file="pages/channels.py",
        title="page.channels",
        section="section.dashboards",
        icon=":material/campaign:",
        requires=Capability.VIEW_DASHBOARDS,
    ),
    PageSpec(
        key="funnel",
        file="pages/funnel.py",
        title="page.funnel",
        section="section.dashboards",
        icon=":material/filter_alt:",
        requires=Capability.VIEW_DASHBOARDS,
    ),
    PageSpec(
        key="paths",
        file="pages/paths.py",
        title="page.paths",
        section="section.dashboards",
        icon=":material/route:",
        requires=Capability.VIEW_DASHBOARDS,
    ),
    PageSpec(
        key="hours",
        file="pages/hours.py",
        title="page.hours",
        section="section.dashboards",
        icon=":material/schedule:",
        requires=Capability.VIEW_DASHBOARDS,
    ),
    PageSpec(
        key="tiers",
        file="pages/tiers.py",
        title="page.tiers",
        section="section.dashboards",
        icon=":material/military_tech:",
        requires=Capability.VIEW_DASHBOARDS,
    ),
    PageSpec(
        key="demographics",
        file="pages/demographics.py",
        title="page.demographics",
        section="section.dashboards",
        icon=":material/diversity_3:",
        requires=Capability.VIEW_DASHBOARDS,
    ),
    PageSpec(
        key="churn",
        file="pages/churn.py",
        title="page.churn",
        section="section.churn",
        icon=":material/trending_down:",
        requires=Capability.VIEW_CHURN,
    ),
    PageSpec(
        key="ltv_forecast",
        file="pages/ltv_forecast.py",
        title="page.ltv_forecast",
        section="section.churn",
        icon=":material/query_stats:",
        requires=Capability.VIEW_CHURN,
    ),
    PageSpec(
        key="models",
        file="pages/models.py",
        title="page.models",
        section="section.churn",
        icon=":material/model_training:",
        requires=Capability.VIEW_CHURN,
    ),
    PageSpec(
        key="alerts",
        file="pages/alerts.py",
        title="page.alerts",
        section="section.members",
        icon=":material/notifications_active:",
        requires=Capability.VIEW_DASHBOARDS,
    ),
    PageSpec(
        key="segments",
        file="pages/segments.py",
        title="page.segments",
        section="section.members",
        icon=":material/label:",
        requires=Capability.VIEW_SEGMENTS,
    ),
    PageSpec(
        key="member_list",
        file="pages/member_list.py",
        title="page.member_list",
        section="section.members",
        icon=":material/list_alt:",
        requires=Capability.VIEW_MEMBER_LIST,
    ),
    PageSpec(
        key="member_profile",
        file="pages/member_profile.py",
        title="page.member_profile",
        section="section.members",
        icon=":material/badge:",
        requires=Capability.VIEW_MEMBER_PROFILE,
    ),
    PageSpec(
        key="members",
        file="pages/members.py",
        title="page.members",
        section="section.members",
        icon=":material/person_search:",
        requires=Capability.LOOK_UP_MEMBERS,
    ),
    PageSpec(
        key="tier_rules",
        file="pages/tier_rules.py",
        title="page.tier_rules",
        section="section.admin",
        icon=":material/rule:",
        requires=Capability.REQUEST_TIER_RULE_CHANGE,
    ),
    PageSpec(
        key="approvals",
        file="pages/approvals.py",
        title="page.approvals",
        section="section.admin",
        icon=":material/approval:",
        requires=Capability.USE_APPROVALS,
    ),
    PageSpec(
        key="audit",
        file="pages/audit.py",
        title="page.audit",
        section="section.admin",
        icon=":material/policy:",
        requires=Capability.VIEW_AUDIT_LOG,
    ),
    PageSpec(
        key="accounts",
        file="pages/accounts.py",
        title="page.accounts",
        section="section.admin",
        icon=":material/manage_accounts:",
        requires=Capability.MANAGE_ACCOUNTS,
    ),
    PageSpec(
        key="data",
        file="pages/data.py",
        title="page.data",
        section="section.admin",
        icon=":material/database:",
        requires=Capability.VIEW_DATA_STATUS,
    ),
    PageSpec(
        key="account",
        file="pages/account.py",
        title="page.account",
        section="section.account",
        icon=":material/person:",
        requires=Capability.USE_OWN_ACCOUNT,
    ),
)

PAGES_BY_KEY: dict[str, PageSpec] = {page.key: page for page in PAGES}


def page(key: str) -> PageSpec:
    """The registered page ``key``; a typo in a page file fails loudly here."""
    try:
        return PAGES_BY_KEY[key]
    except KeyError:
        raise KeyError(f"no page {key!r} in core.permissions.PAGES") from None


def can_open(role: str | None, key: str) -> bool:
    return can(role, page(key).requires)


def menu(role: str | None) -> list[PageSpec]:
    """The pages ``role`` sees in its menu, in menu order; only pages whose file exists."""
    return [spec for spec in PAGES if spec.exists and can(role, spec.requires)]
