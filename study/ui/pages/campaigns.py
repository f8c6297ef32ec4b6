"""Campaigns page: open survey links or personal invitations and follow response rates live."""

from __future__ import annotations

import io

import qrcode
import streamlit as st

from study.admin.organisations import list_organisations
from study.surveys.campaigns import (
    close_campaign,
    create_campaign,
    invitations_csv,
    list_campaigns,
    set_headcount,
)
from study.surveys.instruments import load_instruments
from study.surveys.link_check import link_warnings
from study.surveys.mailing import import_recipients, recipient_counts, send_campaign_mail
from study.ui.plain_text import markdown_literal
from study.ui.state import current_account, database, errors_shown


@st.cache_data(show_spinner=False)
def _qr_png(link: str) -> bytes:
    image = qrcode.make(link, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _create_form(organisations: list[str], surveys: list[str]) -> None:
    with st.form("create-campaign", clear_on_submit=True):
        st.subheader("Open a campaign")
        left, right = st.columns(2)
        organisation = left.selectbox("Organisation", organisations)
        instrument = right.selectbox("Instrument", surveys)
        mode = st.radio(
            "Links", ["One anonymous open link", "Personal single-use invitations"], horizontal=True
        )
        left, middle, right = st.columns(3)
        invitations = left.number_input(
            "Invitations",
            min_value=1,
            max_value=100_000,
            value=50,
            help="Only for personal invitations.",
        )
        headcount = middle.number_input(
            "Headcount",
            min_value=0,
            value=0,
            help="Employees invited; the response rate of an open "
            "link is computed against it (0 = unknown).",
        )
        closes = right.date_input("Closes", value=None, help="Last day; empty = close by hand.")
        if st.form_submit_button("Open campaign", type="primary"):
            personal = mode.startswith("Personal")
            with errors_shown(), database().transaction() as session:
                info = create_campaign(
                    session,
                    organisation=organisation,
                    instrument=instrument,
                    invitations=int(invitations) if personal else None,
                    headcount=int(headcount) or None,
                    closes=closes,
                    actor=current_account().id,
                )
                st.success(f"Opened campaign {info.id} for {markdown_literal(info.organisation)}.")


def _mail_box(info) -> None:
    """Recipients (CSV upload) and e-mail invitations and reminders of a personal campaign."""
    with st.expander("E-mail invitations", icon=":material/mail:"):
        with database().transaction() as session:
            counts = recipient_counts(session, info.id)
        st.caption(
            f"{counts['recipients']} recipients ({counts['opted_out']} opted out) · "
            f"{counts['invitations_sent']} invitations and {counts['reminders_sent']} "
            "reminders sent. Sent through STUDY_SMTP_URL; the record of what was sent "
            "is never linked to a response."
        )
        upload = st.file_uploader(
            "Recipients (CSV with an 'email' and an optional 'language' column)",
            type=["csv"],
            key=f"recipients-{info.id}",
        )
        if upload is not None and st.button("Add recipients", key=f"add-recipients-{info.id}"):
            with errors_shown(), database().transaction() as session:
                result = import_recipients(
                    session,
                    info.id,
                    upload.getvalue(),
                    filename=upload.name,
                    actor=current_account().id,
                )
                st.success(f"Added {result.added} recipients ({result.already} already there).")
        left, right = st.columns(2)
        for column, reminder, label in (
            (left, False, "Send invitations"),
            (right, True, "Send reminders"),
        ):
            if column.button(
                label,
                key=f"send-{reminder}-{info.id}",
                disabled=info.status != "open" or not counts["recipients"],
            ):
                with errors_shown(), st.spinner("Sending..."):
                    report = send_campaign_mail(
                        database(), info.id, reminder=reminder, actor=current_account().id
                    )
                    (st.warning if report.failed else st.success)(report.summary())


def _campaign_card(info) -> None:
    rate = f"{info.response_rate:.0%}" if info.response_rate is not None else "n/a"
    with st.container(border=True):
        top = st.columns([3, 1, 1, 1])
        top[0].markdown(
            f"**{markdown_literal(info.name)}** · {markdown_literal(info.organisation)}"
            f" · {info.instrument} "
            f"v{info.instrument_version} · {info.status}"
        )
        top[1].metric("Started", info.started)
        top[2].metric("Completed", info.completed)
        top[3].metric(
            "Response rate", rate, help="Completed / invitations, or / headcount for an open link."
        )
        if info.mode == "open" and info.link:
            left, right = st.columns([3, 1])
            left.code(info.link, language=None)
            right.image(_qr_png(info.link), caption="QR code for the link", width=140)
            headcount = left.number_input(
                "Headcount for the response rate",
                min_value=0,
                value=info.headcount or 0,
                key=f"headcount-{info.id}",
            )
            if headcount != (info.headcount or 0):
                with errors_shown(), database().transaction() as session:
                    set_headcount(
                        session, info.id, int(headcount) or None, actor_id=current_account().id
                    )
                st.rerun()
        elif info.mode == "personal":
            with database().transaction() as session:
                csv_text = invitations_csv(session, info.id, viewer=current_account())
            st.download_button(
                f"Download {info.invitations} personal links (CSV)",
                csv_text,
                file_name=f"campaign-{info.id}-links.csv",
                mime="text/csv",
                key=f"links-{info.id}",
            )
            _mail_box(info)
        if info.status != "closed" and st.button("Close campaign", key=f"close-{info.id}"):
            with errors_shown(), database().transaction() as session:
                close_campaign(session, info.id, actor=current_account().id)
            st.rerun()


def _opened_at() -> str | None:
    """The address this browser opened the app at (None where Streamlit cannot tell)."""
    try:
        return st.context.url
    except Exception:  # noqa: BLE001 - AppTest and old sessions have no URL: no hint then
        return None


def render() -> None:
    """Create campaigns and list them with live counts."""
    st.title("Survey campaigns")
    for sentence in link_warnings(opened_at=_opened_at()):
        st.warning(markdown_literal(sentence), icon=":material/link_off:")
    with errors_shown(stop=True), database().transaction() as session:
        organisations = [o.name for o in list_organisations(session, viewer=current_account())]
        campaigns = list_campaigns(session, viewer=current_account())
    surveys = [i.id for i in load_instruments().values() if i.kind == "survey"]
    if organisations:
        _create_form(organisations, surveys)
    else:
        st.info("Add an organisation first (Organisations page or `study org add`).")
    if st.button("Refresh counts", icon=":material/refresh:"):
        st.rerun()
    for info in campaigns:
        _campaign_card(info)


render()
