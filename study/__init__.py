"""ISM Study: research toolkit for internal social media (ISM) in organisations.

The public API is what ``__all__`` lists; everything else may change. Names are
imported on first use (PEP 562), so ``import study`` and the CLI stay quick
while the statistics stack (scipy, pingouin) loads only when needed.
"""

from __future__ import annotations

import importlib
from typing import Any

from study.errors import (
    AlreadyExists,
    AuthenticationFailed,
    CampaignClosed,
    ConfigError,
    DatabaseUnavailable,
    FileTooLarge,
    InsufficientData,
    InvalidFile,
    InvalidInput,
    InvalidToken,
    NotFound,
    PermissionDenied,
    SchemaOutOfDate,
    StorageError,
    StudyError,
)

__version__ = "0.1.0"

_ERRORS = [
    "StudyError",
    "ConfigError",
    "StorageError",
    "DatabaseUnavailable",
    "SchemaOutOfDate",
    "InvalidInput",
    "InvalidFile",
    "FileTooLarge",
    "InsufficientData",
    "NotFound",
    "AlreadyExists",
    "InvalidToken",
    "CampaignClosed",
    "AuthenticationFailed",
    "PermissionDenied",
]

# public name -> module that defines it
_LAZY: dict[str, str] = {
    # settings and storage
    "SETTINGS": "study.config",
    "setting": "study.config",
    "Database": "study.db",
    "migrate": "study.db",
    # accounts, organisations, audit, study
    "AccountInfo": "study.admin.accounts",
    "add_account": "study.admin.accounts",
    "OPERATOR": "study.admin.permissions",
    "PERMISSIONS": "study.admin.permissions",
    "can": "study.admin.permissions",
    "log_in": "study.admin.login",
    "change_own_password": "study.admin.login",
    "set_password": "study.admin.accounts",
    "set_role": "study.admin.accounts",
    "set_organisation": "study.admin.accounts",
    "deactivate_account": "study.admin.accounts",
    "reactivate_account": "study.admin.accounts",
    "list_accounts": "study.admin.accounts",
    "invite_account": "study.admin.password_links",
    "reset_password": "study.admin.password_links",
    "use_password_link": "study.admin.password_links",
    "begin_session": "study.admin.sessions",
    "log_in_with_identity": "study.admin.login",
    "resolve_session": "study.admin.sessions",
    "log_out": "study.admin.sessions",
    "add_organisation": "study.admin.organisations",
    "get_organisation": "study.admin.organisations",
    "list_organisations": "study.admin.organisations",
    "record_event": "study.admin.audit",
    "list_events": "study.admin.audit",
    "load_demo": "study.demo",
    "StudyOverview": "study.admin.overview",
    "study_overview": "study.admin.overview",
    # instruments and surveys
    "Instrument": "study.surveys.instruments",
    "InterviewGuide": "study.surveys.instruments",
    "Item": "study.surveys.instruments",
    "Scale": "study.surveys.instruments",
    "Page": "study.surveys.instruments",
    "load_instrument": "study.surveys.instruments",
    "load_instruments": "study.surveys.instruments",
    "instrument_json": "study.surveys.instruments",
    "answer_value": "study.surveys.instruments",
    "write_guide_docx": "study.interviews.guides",
    "create_campaign": "study.surveys",
    "close_campaign": "study.surveys",
    "list_campaigns": "study.surveys",
    "invitation_links": "study.surveys",
    "open_link": "study.surveys",
    "start_response": "study.surveys",
    "resume_with_code": "study.surveys",
    "save_page": "study.surveys",
    "submit_response": "study.surveys",
    "store_responses": "study.surveys",
    "import_responses": "study.surveys",
    "export_responses": "study.surveys",
    "answers_frame": "study.surveys",
    "score_responses": "study.surveys",
    "import_recipients": "study.surveys",
    "plan_mail": "study.surveys",
    "send_campaign_mail": "study.surveys",
    "opt_out": "study.surveys",
    "score_answers": "study.surveys.scoring",
    "read_responses": "study.surveys.importing",
    "write_responses": "study.surveys.exporting",
    # transcripts and coding schemes (pure parts)
    "CodingScheme": "study.interviews.schemes",
    "Code": "study.interviews.schemes",
    "load_scheme": "study.interviews.schemes",
    "load_schemes": "study.interviews.schemes",
    "parse_transcript": "study.interviews.transcripts.parsing",
    "ParsedTranscript": "study.interviews.transcripts.parsing",
    "Turn": "study.interviews.transcripts.parsing",
    "pseudonymise": "study.interviews.transcripts.pseudonymise",
    "suggest_passages": "study.interviews.suggestions",
    "Suggestion": "study.interviews.suggestions",
    # statistics
    "cronbach_alpha": "study.stats",
    "item_analysis": "study.stats",
    "scale_reliability": "study.stats",
    "icc1": "study.stats",
    "icc2": "study.stats",
    "rwg": "study.stats",
    "rwg_j": "study.stats",
    "awg": "study.stats",
    "welch_anova": "study.stats",
    "games_howell": "study.stats",
    "kruskal": "study.stats",
    "compare_to_benchmark": "study.stats",
    "percent_favourable": "study.stats",
    "describe_groups": "study.stats",
    "code_prevalence_test": "study.stats",
    "krippendorff_alpha": "study.reliability.agreement",
    "cohen_kappa": "study.reliability.kappa",
    "fleiss_kappa": "study.reliability.kappa",
    "brennan_prediger_kappa": "study.reliability.kappa",
    "percent_agreement": "study.reliability.kappa",
    "bootstrap_alpha_ci": "study.reliability.agreement",
    "agreement_table": "study.reliability.units",
    "disagreements": "study.reliability.units",
    "TranscriptUnits": "study.reliability.units",
    "sentence_spans": "study.reliability.units",
    # transcripts and coding in the database
    "import_transcript": "study.interviews.transcripts.store",
    "import_transcripts": "study.interviews.transcripts.store",
    "list_transcripts": "study.interviews.transcripts.store",
    "transcript_json": "study.interviews.transcripts.store",
    "move_transcript": "study.interviews.transcripts.store",
    "erase_speaker": "study.interviews.transcripts.erasure",
    "review_memo": "study.interviews.transcripts.erasure",
    # participants' rights: retention and the record of processing
    "set_retention": "study.admin.retention",
    "retention_due": "study.admin.retention",
    "run_retention": "study.admin.retention",
    "processing_record": "study.admin.processing_record",
    "write_processing_record": "study.admin.processing_record",
    # a respondent's rights over their answers
    "withdraw_response": "study.surveys.withdrawal",
    "own_answers": "study.surveys.withdrawal",
    "load_scheme_into_db": "study.interviews.coding",
    "list_schemes": "study.interviews.coding",
    "active_scheme": "study.interviews.coding",
    "list_codes": "study.interviews.coding",
    "add_code": "study.interviews.coding",
    "rename_code": "study.interviews.coding",
    "recolour_code": "study.interviews.coding",
    "move_code": "study.interviews.coding",
    "merge_codes": "study.interviews.coding",
    "add_coding": "study.interviews.coding",
    "remove_coding": "study.interviews.coding",
    "recode": "study.interviews.coding",
    "code_turn": "study.interviews.coding",
    "change_coding_span": "study.interviews.coding",
    "code_in_vivo": "study.interviews.coding",
    "undo_last": "study.interviews.coding",
    "set_blind": "study.interviews.coding",
    "blind_state": "study.interviews.coding",
    "list_codings": "study.interviews.coding",
    "add_memo": "study.interviews.coding",
    "list_memos": "study.interviews.coding",
    "coded_segments": "study.interviews.coding",
    "code_frequency_matrix": "study.interviews.coding",
    "cooccurrence_matrix": "study.interviews.coding",
    "export_codings": "study.interviews.coding",
    "export_segments": "study.interviews.coding",
    # reliability, consensus, REFI-QDA exchange in the database
    "reliability_report": "study.reliability.report",
    "ReliabilityReport": "study.reliability.report",
    "consensus_coder": "study.reliability.consensus",
    "resolve_disagreement": "study.reliability.consensus",
    "list_disagreements": "study.reliability.consensus",
    "preferred_codings": "study.reliability.consensus",
    "export_qdpx": "study.exchange.qdpx",
    "import_qdpx": "study.exchange.qdpx_import",
    "export_codebook": "study.exchange.qdpx",
    "import_codebook": "study.exchange.qdpx",
    # comparisons and reports
    "compare_organisations": "study.analysis.comparison",
    "ComparisonResult": "study.analysis.comparison",
    "joint_display": "study.analysis.joint_display",
    "write_joint_display_xlsx": "study.analysis.joint_display",
    "export_benchmark": "study.analysis.reports.benchmark_export",
    "publish_benchmark": "study.analysis.reports.benchmark_editions",
    "list_benchmark_editions": "study.analysis.reports.benchmark_editions",
    "write_benchmark_workbook": "study.analysis.reports.benchmark",
    "export_scores": "study.analysis.reports.scores_export",
    "search_transcripts": "study.interviews.search",
    # REFI-QDA files (no database)
    "read_qdpx": "study.exchange.refiqda",
    "write_qdpx": "study.exchange.refiqda",
    "read_codebook": "study.exchange.refiqda",
    "write_codebook": "study.exchange.refiqda",
    "QdaProject": "study.exchange.refiqda",
    # platform activity (Slack, Viva Engage exports)
    "import_platform_export": "study.platforms.store",
    "activity_measures": "study.platforms.activity",
}

__all__ = _ERRORS + list(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'study' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
