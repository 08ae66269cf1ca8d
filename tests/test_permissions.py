"""The role matrix of SPEC §1 and the page registry (core/permissions.py)."""

from __future__ import annotations

import pytest

from core import i18n, permissions
from core.permissions import Capability as C
from core.permissions import PermissionDenied, Role

# SPEC §1, written out per role so a change to the matrix must change this table too.
EXPECTED = {
    Role.VIEWER: {C.VIEW_OVERVIEW, C.VIEW_DASHBOARDS, C.USE_OWN_ACCOUNT},
    Role.ANALYST: {
        C.VIEW_OVERVIEW,
        C.VIEW_DASHBOARDS,
        C.USE_OWN_ACCOUNT,
        C.VIEW_SEGMENTS,
        C.VIEW_CHURN,
        C.VIEW_MEMBER_LIST,
        C.EXPORT_AGGREGATE,
        C.REQUEST_MEMBER_EXPORT,
        C.USE_APPROVALS,
        C.SAVE_SEGMENTS,
        C.VIEW_MEMBER_PROFILE,
    },
    Role.SUPPORT: {
        C.VIEW_OVERVIEW,
        C.LOOK_UP_MEMBERS,
        C.VIEW_PII,
        C.USE_OWN_ACCOUNT,
        C.VIEW_MEMBER_PROFILE,
    },
    Role.OPERATOR: {
        C.VIEW_OVERVIEW,
        C.VIEW_DASHBOARDS,
        C.USE_OWN_ACCOUNT,
        C.VIEW_SEGMENTS,
        C.VIEW_CHURN,
        C.VIEW_MEMBER_LIST,
        C.EXPORT_AGGREGATE,
        C.REQUEST_MEMBER_EXPORT,
        C.USE_APPROVALS,
        C.EDIT_MEMBERS,
        C.LOOK_UP_MEMBERS,
        C.REQUEST_TIER_RULE_CHANGE,
        C.EDIT_BENEFITS,
        C.MANAGE_ALERTS,
        C.SAVE_SEGMENTS,
        C.VIEW_MEMBER_PROFILE,
        C.MANAGE_TAGS,
    },
    Role.ADMIN: set(C),
}


@pytest.mark.parametrize("role", list(Role))
def test_matrix_matches_spec(role):
    granted = {capability for capability in C if permissions.can(role, capability)}
    assert granted == EXPECTED[role]


def test_pii_is_masked_for_everyone_but_support_and_admin():
    assert [r for r in Role if not permissions.masks_pii(r)] == [Role.SUPPORT, Role.ADMIN]
    assert permissions.masks_pii(None)


@pytest.mark.parametrize("role", [None, "", "root", "ADMIN", "admin ", "' or 1=1 --"])
def test_unknown_roles_have_nothing(role):
    assert not any(permissions.can(role, capability) for capability in C)
    assert permissions.menu(role) == []
    with pytest.raises(PermissionDenied):
        permissions.require(role, C.VIEW_OVERVIEW)


def test_require_passes_for_granted_capability():
    permissions.require("operator", C.EDIT_MEMBERS)
    with pytest.raises(PermissionDenied):
        permissions.require("analyst", C.EDIT_MEMBERS)


# the analytics dashboards, in menu order (every dashboard role sees them; support does not)
ANALYTICS = [
    "activity",
    "retention",
    "ltv",
    "channels",
    "funnel",
    "paths",
    "hours",
    "tiers",
    "demographics",
]

# churn prediction and LTV forecast (SPEC §1: analysts and up)
CHURN = ["churn", "ltv_forecast", "models"]

# member insight pages: alerts for every dashboard role, the profile for support too
MEMBER_PAGES = ["alerts", "segments", "member_list", "member_profile"]


# member edits, tier rules, approvals (issue 7); audit log and accounts for admins only
OPERATOR_PAGES = ["members", "tier_rules", "approvals"]
ADMIN_PAGES = [*OPERATOR_PAGES, "audit", "accounts"]


@pytest.mark.parametrize(
    ("role", "menu"),
    [
        ("viewer", ["overview", *ANALYTICS, "alerts", "account"]),
        ("analyst", ["overview", *ANALYTICS, *CHURN, *MEMBER_PAGES, "approvals", "account"]),
        ("support", ["overview", "member_profile", "members", "account"]),
        ("operator", ["overview", *ANALYTICS, *CHURN, *MEMBER_PAGES, *OPERATOR_PAGES, "account"]),
        ("admin", ["overview", *ANALYTICS, *CHURN, *MEMBER_PAGES, *ADMIN_PAGES, "data", "account"]),
    ],
)
def test_menu_per_role(role, menu):
    assert [spec.key for spec in permissions.menu(role)] == menu


def test_every_registered_page_has_a_file_and_translations():
    for spec in permissions.PAGES:
        assert spec.exists, spec.file
        for key in (spec.title, spec.section):
            assert key in i18n.CATALOGUE, key
        source = (permissions.PROJECT_ROOT / spec.file).read_text(encoding="utf-8")
        assert f'ui.page_guard("{spec.key}")' in source


def test_every_page_file_is_registered():
    files = {
        p.relative_to(permissions.PROJECT_ROOT).as_posix()
        for p in (permissions.PROJECT_ROOT / "pages").glob("*.py")
    }
    assert files == {spec.file for spec in permissions.PAGES}
