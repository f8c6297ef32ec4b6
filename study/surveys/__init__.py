"""Capability 1, employee surveys: instruments, campaigns, responding, scoring, import/export.

- :mod:`study.surveys.instruments`: survey instruments and interview guides as YAML files,
  validated by pydantic (no database).
- :mod:`study.surveys.instrument_store`: instrument versions as stored with each response.
- :mod:`study.surveys.campaigns`: campaigns, open links and personal invitations.
- :mod:`study.surveys.responding`: the respondent's side (consent, pages, resume, submit);
  a response's answers in :mod:`~study.surveys.answers` (checked, read, written, dropped
  when hidden) and its row in :mod:`~study.surveys.response_rows` (state, lock, updates).
- :mod:`study.surveys.mailing`: recipients, e-mail invitations, reminders and opt-out.
- :mod:`study.surveys.response_store`: bulk import, answers and scale scores out.
- :mod:`study.surveys.anonymity`: anonymous responses released in batches, and what the
  consent page says about it.
- :mod:`study.surveys.challenges`: Madsen's four challenges (scale, code, platform measure),
  named once for the joint display and the Compare page.
- :mod:`study.surveys.scoring`, :mod:`~study.surveys.importing`,
  :mod:`~study.surveys.exporting`: the pure parts (no database).

May import: :mod:`study.db`, :mod:`study.stats`, :mod:`study.admin` and the foundation
modules (``study.config``, ``study.errors``, ``study.cells``, ``study.yamlfile``). Never
another capability, ``ui`` or ``cli``.
"""

from study.surveys.campaigns import (
    CampaignInfo,
    close_campaign,
    create_campaign,
    invitation_links,
    invitations_csv,
    list_campaigns,
)
from study.surveys.instrument_store import latest_instrument, store_instrument
from study.surveys.mailing import import_recipients, opt_out, plan_mail, send_campaign_mail
from study.surveys.responding import (
    open_link,
    resume_with_code,
    save_page,
    start_response,
    submit_response,
)
from study.surveys.response_store import (
    answers_frame,
    export_responses,
    import_responses,
    score_responses,
    store_responses,
)

__all__ = [
    "CampaignInfo",
    "create_campaign",
    "close_campaign",
    "list_campaigns",
    "invitation_links",
    "invitations_csv",
    "store_instrument",
    "latest_instrument",
    "open_link",
    "start_response",
    "resume_with_code",
    "save_page",
    "submit_response",
    "store_responses",
    "import_responses",
    "answers_frame",
    "score_responses",
    "export_responses",
    "import_recipients",
    "plan_mail",
    "send_campaign_mail",
    "opt_out",
]
