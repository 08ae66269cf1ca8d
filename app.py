"""MemberLens entry point: sign-in, then the menu of the signed-in role.

Run with ``streamlit run app.py``. Every page also guards itself (``core.ui.page_guard``);
pages a role may not open are registered hidden, so opening their URL runs that guard,
which refuses and records the attempt instead of silently showing another page.
"""

import streamlit as st

from core import permissions, ui

st.set_page_config(page_title="MemberLens", page_icon=":material/groups:", layout="wide")

session = ui.start_app()
pages = {
    spec.key: st.Page(
        spec.file,
        title=session.t(spec.title),
        icon=spec.icon,
        url_path=spec.key,
        default=spec.key == "overview",
        visibility="visible" if permissions.can(session.role, spec.requires) else "hidden",
    )
    for spec in permissions.PAGES
    if spec.exists
}
current = st.navigation(list(pages.values()), position="hidden")
ui.sidebar(session, [(spec, pages[spec.key]) for spec in permissions.menu(session.role)])
current.run()
