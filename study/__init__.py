"""ISM Study: research toolkit for internal social media (ISM) in organisations.

The public API is what ``__all__`` lists; everything else may change. Names are
imported on first use (PEP 562), so ``import study`` and the CLI stay quick
while the statistics stack (scipy, pingouin) loads only when needed.
"""

from __future__ import annotations

import importlib
from typing import Any

from study.errors import (AlreadyExists, AuthenticationFailed, CampaignClosed, ConfigError,
                          DatabaseUnavailable, FileTooLarge, InsufficientData, InvalidFile,
                          InvalidInput, InvalidToken, NotFound, PermissionDenied,
                          SchemaOutOfDate, StorageError, StudyError, TooManyAttempts)

__version__ = "0.1.0"

_ERRORS = ["StudyError", "ConfigError", "StorageError", "DatabaseUnavailable",
           "SchemaOutOfDate", "InvalidInput", "InvalidFile", "FileTooLarge", "InsufficientData",
           "NotFound", "AlreadyExists", "InvalidToken", "CampaignClosed", "AuthenticationFailed",
           "TooManyAttempts", "PermissionDenied"]

# public name -> module that defines it
_LAZY: dict[str, str] = {
    # settings and storage
    "SETTINGS": "study.config", "setting": "study.config",
    "Database": "study.db", "migrate": "study.db",
    # accounts, organisations, audit, study
    "AccountInfo": "study.accounts", "add_account": "study.accounts",
    "authenticate": "study.accounts", "log_in": "study.accounts",
    "set_password": "study.accounts",
    "add_organisation": "study.organisations", "get_organisation": "study.organisations",
    "list_organisations": "study.organisations",
    "record_event": "study.audit", "list_events": "study.audit",
    "load_demo": "study.demo", "StudyOverview": "study.overview",
    "study_overview": "study.overview",
    # instruments and surveys
    "Instrument": "study.instruments", "InterviewGuide": "study.instruments",
    "Item": "study.instruments", "Scale": "study.instruments", "Page": "study.instruments",
    "load_instrument": "study.instruments", "load_instruments": "study.instruments",
    "instrument_json": "study.instruments", "answer_value": "study.instruments",
    "write_guide_docx": "study.interview_guides",
    "create_campaign": "study.surveys", "close_campaign": "study.surveys",
    "list_campaigns": "study.surveys", "invitation_links": "study.surveys",
    "open_link": "study.surveys", "start_response": "study.surveys",
    "resume_with_code": "study.surveys", "save_page": "study.surveys",
    "submit_response": "study.surveys", "store_responses": "study.surveys",
    "import_responses": "study.surveys", "export_responses": "study.surveys",
    "answers_frame": "study.surveys", "score_responses": "study.surveys",
    "score_answers": "study.surveys.scoring", "read_responses": "study.surveys.importing",
    "write_responses": "study.surveys.exporting",
    # transcripts and coding schemes (pure parts)
    "CodingScheme": "study.schemes", "Code": "study.schemes", "load_scheme": "study.schemes",
    "load_schemes": "study.schemes",
    "parse_transcript": "study.transcripts.parsing",
    "ParsedTranscript": "study.transcripts.parsing", "Turn": "study.transcripts.parsing",
    "pseudonymise": "study.transcripts.pseudonymise",
    "suggest_passages": "study.suggestions", "Suggestion": "study.suggestions",
    # statistics
    "cronbach_alpha": "study.stats", "item_analysis": "study.stats",
    "scale_reliability": "study.stats", "icc1": "study.stats", "icc2": "study.stats",
    "rwg": "study.stats", "rwg_j": "study.stats", "awg": "study.stats",
    "welch_anova": "study.stats", "games_howell": "study.stats", "kruskal": "study.stats",
    "compare_to_benchmark": "study.stats", "percent_favourable": "study.stats",
    "describe_groups": "study.stats", "code_prevalence_test": "study.stats",
    "krippendorff_alpha": "study.stats.agreement", "cohen_kappa": "study.stats.kappa",
    "fleiss_kappa": "study.stats.kappa",
    "brennan_prediger_kappa": "study.stats.kappa",
    "percent_agreement": "study.stats.kappa",
    "bootstrap_alpha_ci": "study.stats.agreement",
    "agreement_table": "study.icr", "disagreements": "study.icr",
    "TranscriptUnits": "study.icr", "sentence_spans": "study.icr",
    # transcripts and coding in the database
    "import_transcript": "study.transcripts.store", "list_transcripts": "study.transcripts.store",
    "transcript_json": "study.transcripts.store",
    "load_scheme_into_db": "study.coding", "list_schemes": "study.coding",
    "active_scheme": "study.coding", "list_codes": "study.coding", "add_code": "study.coding",
    "rename_code": "study.coding", "recolour_code": "study.coding", "move_code": "study.coding",
    "merge_codes": "study.coding", "add_coding": "study.coding",
    "remove_coding": "study.coding", "recode": "study.coding", "code_turn": "study.coding",
    "list_codings": "study.coding", "add_memo": "study.coding", "list_memos": "study.coding",
    "coded_segments": "study.coding", "code_frequency_matrix": "study.coding",
    "cooccurrence_matrix": "study.coding", "export_codings": "study.coding",
    "export_segments": "study.coding",
    # reliability, consensus, REFI-QDA exchange in the database
    "reliability_report": "study.reliability", "ReliabilityReport": "study.reliability",
    "consensus_coder": "study.consensus", "resolve_disagreement": "study.consensus",
    "list_disagreements": "study.consensus", "preferred_codings": "study.consensus",
    "export_qdpx": "study.qdpx_exchange", "import_qdpx": "study.qdpx_exchange",
    "export_codebook": "study.qdpx_exchange", "import_codebook": "study.qdpx_exchange",
    # comparisons and reports
    "compare_organisations": "study.comparison", "ComparisonResult": "study.comparison",
    "joint_display": "study.joint_display",
    "write_joint_display_xlsx": "study.joint_display",
    "export_benchmark": "study.reports.benchmark_data",
    "write_benchmark_workbook": "study.reports.benchmark",
    "export_scores": "study.reports.scores_export",
    "search_transcripts": "study.search",
    # REFI-QDA files (no database)
    "read_qdpx": "study.refiqda", "write_qdpx": "study.refiqda",
    "read_codebook": "study.refiqda", "write_codebook": "study.refiqda",
    "QdaProject": "study.refiqda",
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
