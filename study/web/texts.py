"""The survey page's own words in English and Danish (instrument texts come from the instrument)."""

from __future__ import annotations

LANGUAGE_NAMES = {"en": "English", "da": "Dansk"}

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "survey": "Survey",
        "start": "I agree, start the survey",
        "next": "Next",
        "back": "Back",
        "submit": "Submit my answers",
        "page": "Page {n} of {total}",
        "language": "Language",
        "switch": "Change language to {name}",
        "resume_title": "Continue with a resume code",
        "resume_help": "Enter the code you were shown when you started, for example ABCDE-FGH23.",
        "resume": "Continue",
        "code": "Resume code",
        "your_code": "Your resume code is",
        "code_note": "Note it down: with this link and "
        "the code you can continue later, also on another device.",
        "resume_link": "Your link back to your answers:",
        "mail_link": "E-mail this link to myself",
        "mail_subject": "My survey link: {title}",
        "mail_body": "To continue the survey where I left off, I open this link:\n{link}\n"
        "(resume code {code})",
        "come_back": "You can stop at any time and come back later. When you start, you get "
        "a resume code and a link back to your answers: bookmark the link or e-mail it to "
        "yourself, or enter the code here.",
        "error_title": "There is a problem",
        "error_prefix": "Error:",
        "required": "This question needs an answer.",
        "number": "Enter a number",
        "number_range": "Enter a number from {min} to {max}",
        "number_min": "Enter a number of at least {min}",
        "number_max": "Enter a number of at most {max}",
        "too_long": "Use {max} characters or fewer.",
        "invalid": "Choose one of the answers.",
        "required_mark": "required",
        "legend": "Questions marked * need an answer.",
        "max_chars": "Up to {max} characters.",
        "range_hint": "A number from {min} to {max}.",
        "thanks": "Thank you for taking part. Your answers have been saved.",
        "close": "You can close this page now.",
        "no_link": "Please open the survey with the link from your invitation. If the link "
        "does not work, ask the person who sent it for a new one.",
        "anonymous": "Your answers are anonymous: we store no name, e-mail or IP address.",
        "optout_title": "Stop e-mails about this survey",
        "optout_text": "Press the button to get no more invitations or reminders about this "
        "survey. The survey link in the e-mail still works.",
        "optout": "Stop e-mails",
        "opted_out": "You will get no more e-mails about this survey. The link in the e-mail "
        "still works if you change your mind.",
        "stale": "This page was open for a long time. Your answers are still here: please "
        "press the button again.",
        "polite": "Sorry, something went wrong on our side. Please try again in a moment "
        "(error id {id}).",
        "busy": "Sorry, we could not save just now. Your answers are still on this page: "
        "please try again in a moment (error id {id}).",
        "forbidden": "This form was sent from another site, so nothing was saved. Please open "
        "the survey from its link.",
        "not_found": "There is no such page.",
        "skip": "Skip to the questions",
        "rights_intro": "With this code you can see your answers or withdraw them later. "
        "Note it down: nobody else can look it up for you.",
        "rights_code": "Your code",
        "see_answers": "See my answers",
        "withdraw_link": "Withdraw my answers",
        "mine_title": "Your answers",
        "mine_text": "This is everything stored about your answers to {survey}: each question "
        "with your answer, nothing else.",
        "mine_none": "No answers are stored yet.",
        "question": "Question",
        "answer": "Answer",
        "download": "Download my answers (CSV)",
        "withdraw_title": "Withdraw your answers",
        "withdraw_text": "Withdrawing deletes your answers from the study for good. It cannot "
        "be undone, and nobody will ask why.",
        "withdraw_until": "Answers can be withdrawn until {date}, when the analysis starts.",
        "withdraw_code_help": "The code from your thank-you page, for example ABCDE-FGH23. "
        "A personal link that still leads to your answers needs none.",
        "withdraw_button": "Delete my answers",
        "withdrawn": "Your answers have been deleted from the study. Thank you for telling us.",
    },
    "da": {
        "survey": "Spørgeskema",
        "start": "Jeg accepterer, start spørgeskemaet",
        "next": "Næste",
        "back": "Tilbage",
        "submit": "Indsend mine svar",
        "page": "Side {n} af {total}",
        "language": "Sprog",
        "switch": "Skift sprog til {name}",
        "resume_title": "Fortsæt med en genoptagelseskode",
        "resume_help": "Skriv den kode, du fik vist, da du startede, for eksempel ABCDE-FGH23.",
        "resume": "Fortsæt",
        "code": "Genoptagelseskode",
        "your_code": "Din genoptagelseskode er",
        "code_note": "Skriv den ned: med dette link og "
        "koden kan du fortsætte senere, også på en anden enhed.",
        "resume_link": "Dit link tilbage til dine svar:",
        "mail_link": "Send dette link til mig selv",
        "mail_subject": "Mit link til spørgeskemaet: {title}",
        "mail_body": "For at fortsætte spørgeskemaet, hvor jeg slap, åbner jeg dette link:\n"
        "{link}\n(genoptagelseskode {code})",
        "come_back": "Du kan stoppe når som helst og vende tilbage senere. Når du starter, får "
        "du en genoptagelseskode og et link tilbage til dine svar: gem linket som bogmærke "
        "eller send det til dig selv, eller skriv koden her.",
        "error_title": "Der er et problem",
        "error_prefix": "Fejl:",
        "required": "Dette spørgsmål skal besvares.",
        "number": "Skriv et tal",
        "number_range": "Skriv et tal fra {min} til {max}",
        "number_min": "Skriv et tal på mindst {min}",
        "number_max": "Skriv et tal på højst {max}",
        "too_long": "Brug højst {max} tegn.",
        "invalid": "Vælg et af svarene.",
        "required_mark": "skal besvares",
        "legend": "Spørgsmål markeret med * skal besvares.",
        "max_chars": "Højst {max} tegn.",
        "range_hint": "Et tal fra {min} til {max}.",
        "thanks": "Tak fordi du deltog. Dine svar er gemt.",
        "close": "Du kan lukke siden nu.",
        "no_link": "Åbn spørgeskemaet med linket fra din invitation. Hvis linket ikke virker, "
        "så bed afsenderen om et nyt.",
        "anonymous": "Dine svar er anonyme: vi gemmer ikke navn, e-mail eller IP-adresse.",
        "optout_title": "Stop e-mails om dette spørgeskema",
        "optout_text": "Tryk på knappen for ikke at få flere invitationer eller påmindelser om "
        "dette spørgeskema. Linket i e-mailen virker stadig.",
        "optout": "Stop e-mails",
        "opted_out": "Du får ikke flere e-mails om dette spørgeskema. Linket i e-mailen "
        "virker stadig, hvis du skifter mening.",
        "stale": "Siden har været åben længe. Dine svar står der stadig: tryk venligst på "
        "knappen igen.",
        "polite": "Beklager, der gik noget galt hos os. Prøv igen om lidt (fejl-id {id}).",
        "busy": "Beklager, vi kunne ikke gemme lige nu. Dine svar står stadig på siden: prøv "
        "igen om lidt (fejl-id {id}).",
        "forbidden": "Formularen blev sendt fra et andet websted, så intet blev gemt. Åbn "
        "spørgeskemaet fra dets link.",
        "not_found": "Siden findes ikke.",
        "skip": "Gå til spørgsmålene",
        "rights_intro": "Med denne kode kan du se dine svar eller trække dem tilbage senere. "
        "Skriv den ned: ingen andre kan slå den op for dig.",
        "rights_code": "Din kode",
        "see_answers": "Se mine svar",
        "withdraw_link": "Træk mine svar tilbage",
        "mine_title": "Dine svar",
        "mine_text": "Dette er alt, der er gemt om dine svar på {survey}: hvert spørgsmål med "
        "dit svar, intet andet.",
        "mine_none": "Der er ikke gemt nogen svar endnu.",
        "question": "Spørgsmål",
        "answer": "Svar",
        "download": "Hent mine svar (CSV)",
        "withdraw_title": "Træk dine svar tilbage",
        "withdraw_text": "Når du trækker dine svar tilbage, slettes de fra undersøgelsen for "
        "altid. Det kan ikke fortrydes, og ingen vil spørge hvorfor.",
        "withdraw_until": "Svar kan trækkes tilbage indtil {date}, hvor analysen begynder.",
        "withdraw_code_help": "Koden fra takkesiden, for eksempel ABCDE-FGH23. Et personligt "
        "link, der stadig fører til dine svar, behøver ingen.",
        "withdraw_button": "Slet mine svar",
        "withdrawn": "Dine svar er slettet fra undersøgelsen. Tak fordi du gav besked.",
    },
}

#: Messages of the library (one sentence each, in English) as the respondent reads them.
LIBRARY_MESSAGES_DA = {
    "This survey link is not valid": "Linket til spørgeskemaet er ikke gyldigt. Tjek, at du "
    "har kopieret hele linket, eller bed afsenderen om et nyt.",
    "This survey is closed": "Spørgeskemaet er lukket. Tak for din interesse; kontakt den, "
    "der sendte dig linket, hvis du mener, det er en fejl.",
    "This survey has not opened yet": "Spørgeskemaet er ikke åbnet endnu. Prøv igen, når "
    "det åbner.",
    "This personal link has already been used": "Dette personlige link er allerede brugt til "
    "at indsende spørgeskemaet. Tak fordi du deltog.",
    "No survey in progress has that resume code": "Ingen igangværende besvarelse har den "
    "genoptagelseskode for dette link.",
    "That survey has already been submitted": "Den besvarelse er allerede indsendt. Tak "
    "fordi du deltog.",
    "That resume code is not valid": "Genoptagelseskoden er ikke gyldig; den har 10 bogstaver "
    "og tal, som vist da du startede.",
    "This link does not belong to an e-mail invitation": "Dette link hører ikke til en "
    "invitation pr. e-mail.",
    "No answers are stored under that code": "Der er ikke gemt svar under den kode. Tjek "
    "koden på takkesiden eller i det link, du gemte; svar, der er trukket tilbage, er væk.",
    "This personal link no longer leads to your answers": "Dette personlige link fører ikke "
    "længere til dine svar: i et anonymt spørgeskema adskilles linket fra svarene, når de "
    "indsendes. Brug koden fra takkesiden.",
    "The study's analysis was frozen on": "Analysen er gået i gang, så svar kan ikke længere "
    "trækkes tilbage. Skriv til forskerholdet.",
}


def text(language: str, key: str, **values: object) -> str:
    """The page text ``key`` in ``language`` (English when the language has none)."""
    return TEXTS.get(language, TEXTS["en"])[key].format(**values)


def library_message(message: str, language: str) -> str:
    """A library sentence (a closed survey, a bad link) in the respondent's language."""
    if language == "da":
        for start, danish in LIBRARY_MESSAGES_DA.items():
            if message.startswith(start):
                return danish
    return message
