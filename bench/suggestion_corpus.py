"""A seeded, realistic coded interview study for benchmarking learned coding suggestions.

:func:`build_corpus` writes a six-code scheme, loads it, and imports ``interviews``
synthetic transcripts (half English, half Danish) into three organisations. Two
coders then code them through the library. It all goes through the library's own
functions (``load_scheme_into_db``, ``import_transcripts``, ``add_coding``), so the
stored text, turns and codings are exactly what a real study would hold.

How the text is planted:

- every code has a vocabulary of 25 words and phrases per language. The scheme's
  ``keywords`` list only 3 of them per language, so keyword suggestions
  (:mod:`study.interviews.suggestions`) find a minority of the coded sentences, as
  they do when researchers list a few keywords and interviewees paraphrase;
- interviewer turns are questions and never coded. Participant turns hold 1-4
  sentences: about 35% carry one code (2-3 vocabulary words in a template sentence
  with varied fillers), about 5% carry two codes, and the rest are neutral talk
  about meetings, projects, weather and IT systems. About 3% of those neutral
  sentences use a code's word in an unrelated sense (hard negatives);
- each coder codes each planted code with probability 0.88 (the sentence's exact
  span, sometimes without its full stop, sometimes the whole turn), and codes a
  neutral sentence with a random code with probability 0.02. The two coders'
  Krippendorff's alpha at sentence level comes out at about 0.8.

The planted truth is in :attr:`Corpus.sentences`: every participant sentence with its
offsets in the stored text and the codes planted in it.

Run ``.venv/bin/python bench/suggestion_corpus.py [--interviews N] [--seed S]`` to
build the corpus into a temporary SQLite database and print its counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import pathlib
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import yaml
from sqlalchemy import select

from study.admin.accounts import add_account
from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.admin.studies import ensure_study
from study.db.models import TranscriptRow, TurnRow
from study.interviews.coding import add_coding, list_codes, load_scheme_into_db
from study.interviews.transcripts.store import import_transcripts

if TYPE_CHECKING:
    import study.db.engine

__all__ = [
    "CODER_EMAILS",
    "CODES",
    "Corpus",
    "SCHEME_KEY",
    "Sentence",
    "build_corpus",
    "scheme_definition",
]

SCHEME_KEY = "ism-suggestion-bench"
SCHEME_VERSION = "1.0"
CODER_EMAILS = ("coder.a@example.org", "coder.b@example.org")
ORGANISATIONS = ("Nordlys Bank", "Riverbend Logistics", "Havnegade Kommune")

# Probabilities of the generator (see the module docstring).
P_ONE_CODE = 0.35
P_TWO_CODES = 0.05
P_HARD_NEGATIVE = 0.03
P_CODER_CODES = 0.88
P_CODER_NOISE = 0.02
P_WHOLE_TURN = 0.05
P_NO_FULL_STOP = 0.10
KEYWORD_WEIGHT = 1.3  # researchers pick keywords among the words people use most
LANGUAGES = ("en", "da")


@dataclass(frozen=True)
class Sentence:
    """One participant sentence as stored: ``text[start:end]`` of its transcript.

    ``codes`` are the code keys planted in it (empty for neutral talk); ``kind`` is
    "coded", "neutral" or "hard-negative" (neutral talk using a code's word in
    another sense); ``turn`` is the (start, end) of its turn's utterance.
    """

    transcript_id: int
    start: int
    end: int
    codes: tuple[str, ...]
    kind: str
    turn: tuple[int, int]
    language: str


@dataclass(frozen=True)
class Corpus:
    """What :func:`build_corpus` stored (``sentences``: the planted truth, participant turns only)."""

    scheme_key: str
    coders: tuple[str, str]  # the two coder accounts' e-mails
    transcript_ids: tuple[int, ...]
    languages: dict[int, str]  # transcript id -> "en" | "da"
    sentences: tuple[Sentence, ...] = field(default=(), repr=False)


# -- the codes -------------------------------------------------------------------------
# Each vocabulary item is a noun phrase (or a gerund/infinitive phrase) that fits the
# slots of the templates below. The scheme's three keywords per language are the words a
# researcher would write for the first three items (e.g. "routine" for "the daily routine").


@dataclass(frozen=True)
class _CodeSpec:
    key: str
    keywords: dict[str, tuple[str, ...]]
    name: str
    colour: str
    definition: str
    inclusion: str
    exclusion: str
    example: str
    vocabulary: dict[str, tuple[str, ...]]
    hard_negatives: dict[str, tuple[str, ...]]

    def __post_init__(self) -> None:
        for language, keywords in self.keywords.items():
            planted = [item.casefold() for item in self.vocabulary[language][:3]]
            for keyword, item in zip(keywords, planted, strict=True):
                if keyword.casefold() not in item:
                    raise ValueError(f"{self.key}: keyword {keyword!r} is not in {item!r}")


CODES: tuple[_CodeSpec, ...] = (
    _CodeSpec(
        key="not-work-related",
        keywords={
            "en": ("waste of time", "chatting", "gossip"),
            "da": ("spild af tid", "hyggesnak", "sladder"),
        },
        name="Not work-related",
        colour="#1F77B4",
        definition="Using internal social media is seen as something other than real work: "
        "chatting, a break or a private pastime.",
        inclusion="Co-workers or managers calling the platform social, private or leisure; "
        "feeling guilty about using it during working hours.",
        exclusion="No time or no habit to use it (use not-daily-routine).",
        example="People see it as chatting and a waste of time, to be honest.",
        vocabulary={
            "en": (
                "a waste of time",
                "chatting",
                "gossip",
                "private stuff",
                "coffee breaks",
                "small talk",
                "leisure",
                "Facebook",
                "fun and games",
                "slacking off",
                "killing time",
                "socialising",
                "a guilty conscience",
                "procrastination",
                "a pastime",
                "entertainment",
                "hanging out",
                "personal matters",
                "holiday photos",
                "cat pictures",
                "distraction",
                "idle talk",
                "not real work",
                "goofing around",
                "a break from the real job",
            ),
            "da": (
                "spild af tid",
                "hyggesnak",
                "sladder",
                "private ting",
                "kaffepauser",
                "smalltalk",
                "fritid",
                "Facebook",
                "sjov og ballade",
                "pjækkeri",
                "tidsfordriv",
                "at slå tiden ihjel",
                "socialt samvær",
                "dårlig samvittighed",
                "underholdning",
                "at hænge ud",
                "personlige sager",
                "feriebilleder",
                "kattebilleder",
                "forstyrrelser",
                "løs snak",
                "ikke rigtigt arbejde",
                "fjumreri",
                "frikvarter",
                "en pause fra det rigtige arbejde",
            ),
        },
        hard_negatives={
            "en": (
                "We signed a contract with a private clinic in the spring.",
                "Our marketing team runs the summer campaign for customers on Facebook.",
                "The chatting function in the customer portal is run by an outside vendor.",
                "The old fax machine was a waste of time, and now it is finally gone.",
                "Entertainment for the summer party was booked by HR.",
            ),
            "da": (
                "Vi har lavet en aftale med en privat klinik i foråret.",
                "Marketingafdelingen kører sommerkampagnen for kunderne på Facebook.",
                "Den gamle faxmaskine var spild af tid, og nu er den endelig væk.",
                "Underholdningen til sommerfesten blev booket af HR.",
                "Der er frikvarter for lærlingene klokken ti.",
            ),
        },
    ),
    _CodeSpec(
        key="fear-of-judgement",
        keywords={
            "en": ("self-censorship", "holding back", "embarrassment"),
            "da": ("selvcensur", "pinlighed", "holde sig tilbage"),
        },
        name="Fear of judgement; self-censorship",
        colour="#FF7F0E",
        definition="Co-workers hold back from posting because of how they might be seen: "
        "fear of criticism, of mistakes, of looking foolish.",
        inclusion="Hesitating, rewriting, staying silent or only reading because others, "
        "or managers, can see and judge what is written.",
        exclusion="Silence because people see no point or have no time.",
        example="Most of my team talk about holding back and fear of criticism.",
        vocabulary={
            "en": (
                "self-censorship",
                "holding back",
                "embarrassment",
                "fear of criticism",
                "thinking twice",
                "being judged",
                "looking stupid",
                "afraid of mistakes",
                "keeping quiet",
                "staying silent",
                "worry about the boss reading along",
                "nervousness about writing",
                "saying the wrong thing",
                "exposure",
                "reputation",
                "a permanent record",
                "hesitation",
                "shyness",
                "insecurity",
                "losing face",
                "being laughed at",
                "lurking",
                "a careful tone",
                "second-guessing",
                "fear of consequences",
            ),
            "da": (
                "selvcensur",
                "pinlighed",
                "at holde sig tilbage",
                "frygt for kritik",
                "at tænke sig om to gange",
                "at blive dømt",
                "at virke dum",
                "angst for fejl",
                "at tie stille",
                "tavshed",
                "bekymring for at chefen læser med",
                "nervøsitet",
                "at sige noget forkert",
                "eksponering",
                "omdømme",
                "at det står der for evigt",
                "tøven",
                "generthed",
                "usikkerhed",
                "at tabe ansigt",
                "at blive grinet af",
                "at kigge med fra sidelinjen",
                "en forsigtig tone",
                "tvivl",
                "frygt for konsekvenser",
            ),
        },
        hard_negatives={
            "en": (
                "The auditors give their criticism of the accounts in the annual report.",
                "We are careful with the reputation of the brand in the press.",
                "The exposure to currency risk was discussed at the finance review.",
                "Holding back the release until the tests were done was the right decision.",
                "The quiet room on the fourth floor is popular before lunch.",
            ),
            "da": (
                "Revisorerne kommer med deres kritik af regnskabet i årsrapporten.",
                "Vi passer på firmaets omdømme i pressen.",
                "Eksponeringen for valutarisiko blev drøftet på økonomimødet.",
                "Der er usikkerhed om leveringsdatoerne fra leverandøren.",
                "Det var klogt at holde sig tilbage med udrulningen, til testen var færdig.",
            ),
        },
    ),
    _CodeSpec(
        key="not-daily-routine",
        keywords={
            "en": ("routine", "too busy", "workload"),
            "da": ("rutine", "travlhed", "arbejdspres"),
        },
        name="Not part of the daily routine",
        colour="#2CA02C",
        definition="The platform has no place in the working day: people forget it, "
        "are too busy, or see it as one more system next to e-mail.",
        inclusion="Forgetting to check it, competing tools and inboxes, workload, habits.",
        exclusion="Seeing it as illegitimate (use not-work-related).",
        example="The first things people mention are workload and old habits.",
        vocabulary={
            "en": (
                "the daily routine",
                "being too busy",
                "workload",
                "forgetting to check it",
                "no time in the day",
                "an extra system",
                "yet another inbox",
                "old habits",
                "email first",
                "a packed calendar",
                "out of sight",
                "once a month",
                "never opening it",
                "too many tools",
                "information overload",
                "no habit",
                "deadlines",
                "a separate tab",
                "the daily grind",
                "a pile of tasks",
                "turned-off notifications",
                "competing priorities",
                "being outside the workflow",
                "shift work",
                "an afterthought",
            ),
            "da": (
                "den daglige rutine",
                "travlhed",
                "arbejdspres",
                "at glemme at tjekke den",
                "ingen tid i løbet af dagen",
                "et ekstra system",
                "endnu en indbakke",
                "gamle vaner",
                "mailen først",
                "en fyldt kalender",
                "ude af øje",
                "en gang om måneden",
                "aldrig at åbne den",
                "for mange værktøjer",
                "informationsoverload",
                "ingen vane",
                "deadlines",
                "en separat fane",
                "hverdagens trummerum",
                "en bunke opgaver",
                "slukkede notifikationer",
                "andre prioriteter",
                "at være uden for arbejdsgangen",
                "skifteholdsarbejde",
                "noget man gør til sidst",
            ),
        },
        hard_negatives={
            "en": (
                "The routine maintenance of the servers happens on Sunday nights.",
                "The canteen is always too busy at noon.",
                "Deadlines for the budget are set by the finance department in August.",
                "The workload of the new warehouse was estimated by consultants.",
                "The mechanics say there are too many tools in the workshop.",
            ),
            "da": (
                "Den rutinemæssige vedligeholdelse af serverne sker søndag nat.",
                "Der er altid travlhed i kantinen ved middagstid.",
                "Deadlines for budgettet fastsættes af økonomiafdelingen i august.",
                "Arbejdspresset på det nye lager blev vurderet af konsulenter.",
                "Mekanikerne siger, at der er for mange værktøjer i værkstedet.",
            ),
        },
    ),
    _CodeSpec(
        key="management-absent",
        keywords={
            "en": ("lip service", "role models", "top management"),
            "da": ("rollemodeller", "topledelsen", "tomme ord"),
        },
        name="Managers absent from the platform",
        colour="#D62728",
        definition="Leaders support the platform in words but do not use it themselves, "
        "so employees get no example and mixed signals.",
        inclusion="Managers who never post or reply, lip service, no role models, "
        "support without budget or action.",
        exclusion="The coordinator's own work to support colleagues (use coordinator-facilitator).",
        example="There was a lot of talk about lip service and silent leaders.",
        vocabulary={
            "en": (
                "lip service",
                "role models",
                "top management",
                "managers who never post",
                "silent leaders",
                "support in words only",
                "the CEO",
                "empty promises",
                "bosses who do not reply",
                "no example from above",
                "middle managers",
                "the executive team",
                "absent bosses",
                "a lack of backing",
                "mixed signals",
                "the board",
                "no budget",
                "management by email",
                "nobody from leadership",
                "talk but no action",
                "the directors",
                "hands-off leadership",
                "no visible sponsor",
                "senior people staying away",
                "a leadership vacuum",
            ),
            "da": (
                "rollemodeller",
                "topledelsen",
                "tomme ord",
                "ledere der aldrig skriver",
                "tavse ledere",
                "opbakning i ord",
                "direktøren",
                "tomme løfter",
                "chefer der ikke svarer",
                "intet eksempel fra oven",
                "mellemlederne",
                "direktionen",
                "fraværende chefer",
                "manglende opbakning",
                "blandede signaler",
                "bestyrelsen",
                "intet budget",
                "ledelse via mail",
                "ingen fra ledelsen",
                "snak uden handling",
                "cheferne",
                "en ledelse der holder sig væk",
                "ingen synlig sponsor",
                "de øverste der holder sig væk",
                "et ledelsestomrum",
            ),
        },
        hard_negatives={
            "en": (
                "The CEO of our biggest customer visited the plant last week.",
                "The board approved the new warehouse in March.",
                "Top management at the supplier changed after the merger.",
                "There is no budget for new chairs this year.",
                "Role models for the apprentices are chosen by the workshop.",
            ),
            "da": (
                "Direktøren for vores største kunde besøgte fabrikken i sidste uge.",
                "Bestyrelsen godkendte det nye lager i marts.",
                "Topledelsen hos leverandøren blev skiftet ud efter fusionen.",
                "Der er intet budget til nye stole i år.",
                "Mellemlederne fik nye bærbare i sidste måned.",
            ),
        },
    ),
    _CodeSpec(
        key="coordinator-facilitator",
        keywords={
            "en": ("training", "ambassadors", "guidelines"),
            "da": ("ambassadører", "retningslinjer", "superbrugere"),
        },
        name="Coordinator as facilitator",
        colour="#9467BD",
        definition="The coordinator describes their own role as enabling others: training, "
        "encouraging, moderating and giving the platform meaning.",
        inclusion="Training, guidelines, ambassadors or super users, answering questions, "
        "highlighting good posts, campaigns to get people started.",
        exclusion="Managers' own (lack of) participation (use management-absent).",
        example="It is about training for the nurses, and about guidelines.",
        vocabulary={
            "en": (
                "training",
                "ambassadors",
                "guidelines",
                "showing people how",
                "encouraging colleagues",
                "moderating",
                "a community manager",
                "good examples",
                "answering questions",
                "nudging",
                "welcome posts",
                "kick-off events",
                "helping people get started",
                "tips and tricks",
                "facilitating",
                "sense-giving",
                "cheerleading",
                "a champion network",
                "office hours",
                "onboarding",
                "liking and commenting",
                "highlighting good posts",
                "a weekly digest",
                "coaching",
                "running campaigns",
            ),
            "da": (
                "ambassadører",
                "retningslinjer",
                "superbrugere",
                "kurser",
                "at vise folk hvordan",
                "at opmuntre kolleger",
                "moderering",
                "en community manager",
                "gode eksempler",
                "at svare på spørgsmål",
                "små skub",
                "velkomstopslag",
                "kickoff-arrangementer",
                "at hjælpe folk i gang",
                "tips og tricks",
                "facilitering",
                "meningsskabelse",
                "heppekor",
                "åben træffetid",
                "onboarding",
                "at like og kommentere",
                "at fremhæve gode opslag",
                "et ugentligt nyhedsbrev",
                "coaching",
                "kampagner",
            ),
        },
        hard_negatives={
            "en": (
                "The training of the new forklift drivers takes two weeks.",
                "The safety guidelines for the warehouse were updated in May.",
                "Onboarding of the new payroll provider is planned for the autumn.",
                "Our brand ambassadors at the trade fair handed out brochures.",
                "The coaching staff of the company football team ordered new shirts.",
            ),
            "da": (
                "Kurserne i førstehjælp ligger i september.",
                "Retningslinjerne for sikkerhed på lageret blev opdateret i maj.",
                "Onboarding af den nye lønleverandør er planlagt til efteråret.",
                "Vores ambassadører på messen delte brochurer ud.",
                "Kampagnerne for de nye produkter starter efter sommerferien.",
            ),
        },
    ),
    _CodeSpec(
        key="technical-barriers",
        keywords={"en": ("login", "bugs", "crashes"), "da": ("nedbrud", "adgangskoder", "langsom")},
        name="Technical barriers",
        colour="#8C564B",
        definition="Technical problems keep people from using the platform: access, "
        "passwords, a slow or clumsy app, no mobile access.",
        inclusion="Login and password trouble, crashes, bugs, bad search, missing "
        "integrations, no access for staff without a PC.",
        exclusion="Too many tools or no habit (use not-daily-routine).",
        example="If you ask the warehouse staff, you get login problems, bugs and a slow app.",
        vocabulary={
            "en": (
                "login problems",
                "bugs",
                "crashes",
                "a slow app",
                "passwords",
                "single sign-on",
                "no mobile access",
                "a clunky interface",
                "bad search",
                "VPN issues",
                "notifications that do not work",
                "broken links",
                "a confusing menu",
                "loading times",
                "the firewall",
                "two-factor codes",
                "an outdated browser",
                "lost posts",
                "sync errors",
                "a frozen screen",
                "the app store",
                "licences",
                "a missing integration",
                "upload limits",
                "error messages",
            ),
            "da": (
                "nedbrud",
                "adgangskoder",
                "en langsom app",
                "loginproblemer",
                "single sign-on",
                "ingen mobiladgang",
                "en klodset brugerflade",
                "dårlig søgning",
                "VPN-problemer",
                "notifikationer der ikke virker",
                "døde links",
                "en forvirrende menu",
                "lang indlæsningstid",
                "fejl",
                "firewallen",
                "tofaktorkoder",
                "en forældet browser",
                "opslag der forsvinder",
                "synkroniseringsfejl",
                "en frossen skærm",
                "app-butikken",
                "licenser",
                "en manglende integration",
                "grænser for upload",
                "fejlmeddelelser",
            ),
        },
        hard_negatives={
            "en": (
                "The login desk at reception hands out visitor badges.",
                "The stock market crashes of the past have made the board cautious.",
                "Loading times at the dock are longer when it rains.",
                "The licences for the company cars have to be renewed this year.",
                "The engineers found bugs in the draft contract, mostly typos.",
            ),
            "da": (
                "Nedbruddet på motorvejen gjorde, at mange kom for sent i dag.",
                "Køen i kantinen er langsom om fredagen.",
                "Licenserne til firmabilerne skal fornyes i år.",
                "Fejl i fakturaerne fra leverandøren bliver rettet i hånden.",
                "Adgangskoderne til porten ved lageret blev skiftet i sommer.",
            ),
        },
    ),
)

# -- templates and fillers ------------------------------------------------------------

_OPENERS = {
    "en": (
        "",
        "",
        "",
        "Honestly, ",
        "Well, ",
        "I think ",
        "To be frank, ",
        "From what I see, ",
        "In my department ",
        "You know, ",
        "I would say ",
        "Mostly ",
    ),
    "da": (
        "",
        "",
        "",
        "Altså, ",
        "Ja, ",
        "Jamen, ",
        "Øh, ",
        "Nå, ",
        "Tja, ",
        "Jeg synes, ",
        "Jeg vil sige, ",
        "Ærligt talt, ",
    ),
}
_TAILS = {
    "en": (
        "",
        "",
        "",
        "",
        ", at least in my department",
        ", more or less",
        ", to be honest",
        ", I would say",
        " in our organisation",
        ", and that has not changed",
        ", if I am honest",
        " from what I can tell",
    ),
    "da": (
        "",
        "",
        "",
        "",
        ", i hvert fald i min afdeling",
        ", mere eller mindre",
        ", for at være ærlig",
        ", vil jeg sige",
        " i vores organisation",
        ", og det har ikke ændret sig",
        ", hvis jeg skal være ærlig",
        " så vidt jeg kan se",
    ),
}
_SUBJECTS = {
    "en": (
        "people",
        "my colleagues",
        "the younger staff",
        "the sales team",
        "the people in finance",
        "the nurses",
        "the engineers",
        "most of my team",
        "the older colleagues",
        "the warehouse staff",
        "new hires",
        "the case workers",
    ),
    "da": (
        "folk",
        "mine kolleger",
        "de yngre",
        "salgsafdelingen",
        "folkene i økonomi",
        "sygeplejerskerne",
        "ingeniørerne",
        "det meste af mit team",
        "de ældre kolleger",
        "lagerfolkene",
        "de nyansatte",
        "sagsbehandlerne",
    ),
}
# {o} opener, {s} subject, {t} tail, {a} {b} {c} words of one code, {c} {d} of a second code.
_ONE_CODE = {
    "en": (
        "{o}{s} see it as {a} and {b}{t}.",
        "{o}{s} connect the platform with {a} and {b}{t}.",
        "{o}what I hear again and again is {a} and {b}{t}.",
        "{o}for {s} it comes down to {a}, or {b}{t}.",
        "{o}{s} talk about {a} and {b} whenever it comes up{t}.",
        "{o}the first things {s} mention are {a} and {b}{t}.",
        "{o}it is about {a} for {s}, and about {b}{t}.",
        "{o}there was a lot of talk about {a} and {b}{t}.",
        "{o}when I ask {s}, they say {a} and {b}{t}.",
        "{o}I keep running into {a}, and {b} as well{t}.",
        "{o}{s} mention {a}, {b} and {c}{t}.",
        "{o}it is {a}, {b}, {c}, that kind of thing{t}.",
        "{o}if you ask {s}, you get {a}, {b} and {c}{t}.",
        "{o}the story is always {a}, then {b}, then {c}{t}.",
    ),
    "da": (
        "{o}{s} ser det som {a} og {b}{t}.",
        "{o}{s} forbinder platformen med {a} og {b}{t}.",
        "{o}det jeg hører igen og igen, er {a} og {b}{t}.",
        "{o}for {s} handler det om {a}, eller {b}{t}.",
        "{o}{s} taler om {a} og {b}, når det kommer op{t}.",
        "{o}det første {s} nævner, er {a} og {b}{t}.",
        "{o}det handler om {a} for {s}, og om {b}{t}.",
        "{o}der blev snakket meget om {a} og {b}{t}.",
        "{o}når jeg spørger {s}, siger de {a} og {b}{t}.",
        "{o}jeg støder hele tiden på {a}, og også {b}{t}.",
        "{o}{s} nævner {a}, {b} og {c}{t}.",
        "{o}det er {a}, {b}, {c}, den slags{t}.",
        "{o}spørger man {s}, får man {a}, {b} og {c}{t}.",
        "{o}historien er altid {a}, så {b}, så {c}{t}.",
    ),
}
_TWO_CODES = {
    "en": (
        "{o}{s} connect it with {a} and {b}, but also with {c} and {d}{t}.",
        "{o}on one side there is {a} and {b}, on the other {c} and {d}{t}.",
        "{o}it is partly {a} and {b}, and partly {c} and {d}{t}.",
    ),
    "da": (
        "{o}{s} forbinder det med {a} og {b}, men også med {c} og {d}{t}.",
        "{o}på den ene side er der {a} og {b}, på den anden {c} og {d}{t}.",
        "{o}det er dels {a} og {b}, dels {c} og {d}{t}.",
    ),
}
_NEUTRAL = {
    "en": (
        "{o}we had {meeting} about the {project} last {day}{t}.",
        "{o}the {project} is running a bit behind schedule{t}.",
        "{o}the weather has been {weather} this {period}{t}.",
        "{o}{s} moved to a new office on the {floor} floor{t}.",
        "{o}the {system} was upgraded over the {period}{t}.",
        "{o}I spend most of my days on the {project} at the moment{t}.",
        "{o}our department has {number} people now{t}.",
        "{o}we use the {system} for most of the reporting{t}.",
        "{o}there is {meeting} every {day} at nine{t}.",
        "{o}I have worked here for {number} years{t}.",
        "{o}the canteen serves {food} on {day}s{t}.",
        "{o}the {project} started in {month}{t}.",
        "{o}we get new laptops in {month}{t}.",
        "{o}it was {weather} on the day of the {event}{t}.",
        "{o}the {system} sends a report every {day}{t}.",
        "{o}my team works mostly on the {project}{t}.",
        "{o}{s} prefer to have {meeting} in person{t}.",
        "{o}the parking situation has improved since {month}{t}.",
        "{o}the {project} has a steering group with people from {number} departments{t}.",
        "{o}I mostly work from home on {day}s{t}.",
        "{o}the {event} is planned for {month}{t}.",
        "{o}we moved the files from the {system} to the {system2} last {period}{t}.",
    ),
    "da": (
        "{o}vi havde {meeting} om {project} sidste {day}{t}.",
        "{o}{project} er lidt bagud i forhold til planen{t}.",
        "{o}vejret har været {weather} i {period}{t}.",
        "{o}{s} flyttede til et nyt kontor på {floor} sal{t}.",
        "{o}{system} blev opgraderet i {period}{t}.",
        "{o}jeg bruger de fleste af mine dage på {project} lige nu{t}.",
        "{o}vores afdeling har {number} medarbejdere nu{t}.",
        "{o}vi bruger {system} til det meste af rapporteringen{t}.",
        "{o}der er {meeting} hver {day} klokken ni{t}.",
        "{o}jeg har arbejdet her i {number} år{t}.",
        "{o}kantinen serverer {food} om {day}en{t}.",
        "{o}{project} startede i {month}{t}.",
        "{o}vi får nye bærbare i {month}{t}.",
        "{o}det var {weather} på dagen for {event}{t}.",
        "{o}{system} sender en rapport hver {day}{t}.",
        "{o}mit team arbejder mest med {project}{t}.",
        "{o}{s} foretrækker at holde {meeting} fysisk{t}.",
        "{o}parkeringen er blevet bedre siden {month}{t}.",
        "{o}{project} har en styregruppe med folk fra {number} afdelinger{t}.",
        "{o}jeg arbejder mest hjemme om {day}en{t}.",
        "{o}{event} er planlagt til {month}{t}.",
        "{o}vi flyttede filerne fra {system} til {system2} i {period}{t}.",
    ),
}
_NEUTRAL_WORDS = {
    "en": {
        "meeting": (
            "a team meeting",
            "a status meeting",
            "a department meeting",
            "a planning meeting",
            "a budget meeting",
            "a stand-up",
        ),
        "project": (
            "warehouse project",
            "new website",
            "office move",
            "ERP migration",
            "budget review",
            "customer survey",
            "recruitment drive",
            "quality audit",
        ),
        "weather": ("rainy", "cold", "windy", "grey", "lovely", "very hot", "mild"),
        "period": ("week", "month", "summer", "winter", "spring", "weekend"),
        "day": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"),
        "floor": ("second", "third", "fourth", "fifth", "ground"),
        "system": (
            "payroll system",
            "intranet",
            "CRM",
            "booking system",
            "document archive",
            "time registration",
            "ERP system",
            "ticket system",
        ),
        "number": ("twelve", "fifteen", "twenty", "thirty", "six", "eight", "forty"),
        "food": ("fish", "soup", "pasta", "curry", "salad", "meatballs"),
        "month": ("January", "March", "April", "June", "September", "October", "November"),
        "event": (
            "summer party",
            "annual meeting",
            "Christmas lunch",
            "open house",
            "strategy day",
        ),
    },
    "da": {
        "meeting": (
            "et teammøde",
            "et statusmøde",
            "et afdelingsmøde",
            "et planlægningsmøde",
            "et budgetmøde",
            "et morgenmøde",
        ),
        "project": (
            "lagerprojektet",
            "den nye hjemmeside",
            "flytningen",
            "ERP-skiftet",
            "budgetgennemgangen",
            "kundeundersøgelsen",
            "rekrutteringen",
            "kvalitetsrevisionen",
        ),
        "weather": ("regnfuldt", "koldt", "blæsende", "gråt", "dejligt", "meget varmt", "mildt"),
        "period": ("ugen", "måneden", "sommer", "vinter", "foråret", "weekenden"),
        "day": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag"),
        "floor": ("anden", "tredje", "fjerde", "femte", "første"),
        "system": (
            "lønsystemet",
            "intranettet",
            "CRM-systemet",
            "bookingsystemet",
            "dokumentarkivet",
            "tidsregistreringen",
            "ERP-systemet",
            "sagssystemet",
        ),
        "number": ("tolv", "femten", "tyve", "tredive", "seks", "otte", "fyrre"),
        "food": ("fisk", "suppe", "pasta", "karry", "salat", "frikadeller"),
        "month": ("januar", "marts", "april", "juni", "september", "oktober", "november"),
        "event": (
            "sommerfesten",
            "generalforsamlingen",
            "julefrokosten",
            "åbent hus",
            "strategidagen",
        ),
    },
}
_QUESTIONS = {
    "en": (
        "How did the launch of the platform go?",
        "Can you tell me about your role?",
        "What happened next?",
        "How do your colleagues use it?",
        "Could you give me an example?",
        "How does that compare with the intranet?",
        "What do you think explains that?",
        "Has that changed over time?",
        "How would you describe the first year?",
        "What would you do differently?",
        "Who posts the most?",
        "Is there anything else you would like to add?",
        "How often do you use it yourself?",
        "What does a normal week look like for you?",
        "Can you say more about that?",
        "How did people react?",
        "What role does your department play?",
        "Why do you think that is?",
        "What did you expect at the start?",
    ),
    "da": (
        "Hvordan gik lanceringen af platformen?",
        "Kan du fortælle om din rolle?",
        "Hvad skete der så?",
        "Hvordan bruger dine kolleger den?",
        "Kan du give et eksempel?",
        "Hvordan er det i forhold til intranettet?",
        "Hvad tror du, det skyldes?",
        "Har det ændret sig over tid?",
        "Hvordan vil du beskrive det første år?",
        "Hvad ville du gøre anderledes?",
        "Hvem skriver mest?",
        "Er der andet, du gerne vil tilføje?",
        "Hvor tit bruger du den selv?",
        "Hvordan ser en normal uge ud for dig?",
        "Kan du sige mere om det?",
        "Hvordan reagerede folk?",
        "Hvilken rolle spiller din afdeling?",
        "Hvorfor tror du, det er sådan?",
        "Hvad forventede du i starten?",
    ),
}
_QUESTION_OPENERS = {
    "en": ("Thank you.", "Okay.", "I see.", "Interesting.", "Right."),
    "da": ("Tak.", "Okay.", "Javel.", "Spændende.", "Nå."),
}
_ECHO = {
    "en": "You mentioned {w}. Can you say more about that?",
    "da": "Du nævnte {w}. Kan du uddybe det?",
}
_ROLES = (("coordinator", 0.5), ("employee", 0.35), ("executive", 0.15))
_LABELS = {
    "en": {"coordinator": "Coordinator", "employee": "Employee", "executive": "Executive"},
    "da": {"coordinator": "Koordinator", "employee": "Medarbejder", "executive": "Direktør"},
}


def scheme_definition() -> dict:
    """The scheme file's content (the same for every seed, so it can be loaded once)."""
    return {
        "id": SCHEME_KEY,
        "title": "Suggestion benchmark: challenges of internal social media",
        "version": SCHEME_VERSION,
        "description": "Six codes of a synthetic interview study (bench/suggestion_corpus.py). "
        "Keywords list three of the 25 words planted per code and language.",
        "sources": [
            "Synthetic corpus generated by bench/suggestion_corpus.py; themes after "
            "Madsen, V. T. (2017). Journal of Communication Management, 21(1), 2-16."
        ],
        "codes": [
            {
                "id": code.key,
                "name": code.name,
                "colour": code.colour,
                "definition": code.definition,
                "inclusion": code.inclusion,
                "exclusion": code.exclusion,
                "examples": [code.example],
                "keywords": {language: list(code.keywords[language]) for language in LANGUAGES},
            }
            for code in CODES
        ],
    }


# -- generating text ------------------------------------------------------------------


def _capitalise(sentence: str) -> str:
    return sentence[0].upper() + sentence[1:]


def _words(rng: random.Random, code: _CodeSpec, language: str, k: int) -> list[str]:
    """``k`` distinct vocabulary items, the keywords a little more likely than the rest."""
    vocabulary = list(code.vocabulary[language])
    weights = [KEYWORD_WEIGHT if i < 3 else 1.0 for i in range(len(vocabulary))]
    chosen: list[str] = []
    while len(chosen) < k:
        i = rng.choices(range(len(vocabulary)), weights)[0]
        chosen.append(vocabulary.pop(i))
        weights.pop(i)
    return chosen


def _fillers(rng: random.Random, language: str) -> dict[str, str]:
    return {
        "o": rng.choice(_OPENERS[language]),
        "s": rng.choice(_SUBJECTS[language]),
        "t": rng.choice(_TAILS[language]),
    }


def _coded_sentence(
    rng: random.Random, language: str, codes: list[_CodeSpec]
) -> tuple[str, tuple[str, ...]]:
    slots = _fillers(rng, language)
    if len(codes) == 1:
        template = rng.choice(_ONE_CODE[language])
        k = 3 if "{c}" in template else 2
        slots.update(zip("abc", _words(rng, codes[0], language, k)))
    else:
        template = rng.choice(_TWO_CODES[language])
        first, second = (_words(rng, code, language, 2) for code in codes)
        slots.update(a=first[0], b=first[1], c=second[0], d=second[1])
    return _capitalise(template.format(**slots)), tuple(code.key for code in codes)


def _neutral_sentence(rng: random.Random, language: str) -> str:
    words = _NEUTRAL_WORDS[language]
    slots = _fillers(rng, language)
    slots.update({name: rng.choice(choices) for name, choices in words.items()})
    slots["system2"] = rng.choice([s for s in words["system"] if s != slots["system"]])
    return _capitalise(rng.choice(_NEUTRAL[language]).format(**slots))


def _participant_sentence(
    rng: random.Random, language: str, weights: list[float]
) -> tuple[str, tuple[str, ...], str]:
    """(sentence, planted code keys, kind)."""
    draw = rng.random()
    if draw < P_ONE_CODE:
        sentence, codes = _coded_sentence(rng, language, rng.choices(CODES, weights))
        return sentence, codes, "coded"
    if draw < P_ONE_CODE + P_TWO_CODES:
        first = rng.choices(CODES, weights)[0]
        second = rng.choice([c for c in CODES if c is not first])
        sentence, codes = _coded_sentence(rng, language, [first, second])
        return sentence, codes, "coded"
    if rng.random() < P_HARD_NEGATIVE:
        code = rng.choice(CODES)
        return rng.choice(code.hard_negatives[language]), (), "hard-negative"
    return _neutral_sentence(rng, language), (), "neutral"


def _question(rng: random.Random, language: str) -> str:
    if rng.random() < 0.15:
        code = rng.choice(CODES)
        return _ECHO[language].format(w=rng.choice(code.vocabulary[language]))
    question = rng.choice(_QUESTIONS[language])
    if rng.random() < 0.35:
        return f"{rng.choice(_QUESTION_OPENERS[language])} {question}"
    return question


@dataclass
class _Interview:
    language: str
    role: str
    text: str
    # per participant turn: [(sentence, codes, kind)]; None for interviewer turns
    turns: list[list[tuple[str, tuple[str, ...], str]] | None]


def _interview(rng: random.Random, language: str) -> _Interview:
    role = rng.choices([r for r, _ in _ROLES], [w for _, w in _ROLES])[0]
    label = _LABELS[language][role]
    weights = [rng.gammavariate(2.0, 1.0) for _ in CODES]  # each interview has its themes
    blocks: list[str] = []
    turns: list[list[tuple[str, tuple[str, ...], str]] | None] = []
    for position in range(rng.randint(20, 40)):
        if position % 2 == 0:
            blocks.append(f"Interviewer: {_question(rng, language)}")
            turns.append(None)
        else:
            count = rng.choices((1, 2, 3, 4), (0.2, 0.35, 0.3, 0.15))[0]
            sentences = [_participant_sentence(rng, language, weights) for _ in range(count)]
            blocks.append(f"{label}: " + " ".join(s for s, _, _ in sentences))
            turns.append(sentences)
    return _Interview(language, role, "\n\n".join(blocks) + "\n", turns)


# -- building the study ---------------------------------------------------------------


def _locate(session, transcript_id: int, interview: _Interview, language: str) -> list[Sentence]:
    """Find every participant sentence in the stored text (offsets from the stored turns)."""
    text = session.get(TranscriptRow, transcript_id).text
    stored = session.execute(
        select(TurnRow.position, TurnRow.start, TurnRow.end)
        .where(TurnRow.transcript_id == transcript_id)
        .order_by(TurnRow.position)
    ).all()
    if len(stored) != len(interview.turns):
        raise RuntimeError(
            f"transcript {transcript_id}: {len(stored)} turns stored, {len(interview.turns)} made"
        )
    sentences: list[Sentence] = []
    for (_, turn_start, turn_end), planted in zip(stored, interview.turns):
        if planted is None:
            continue
        cursor = turn_start
        for sentence, codes, kind in planted:
            start = text.find(sentence, cursor, turn_end)
            if start < 0:
                raise RuntimeError(f"transcript {transcript_id}: {sentence!r} not found")
            end = start + len(sentence)
            sentences.append(
                Sentence(transcript_id, start, end, codes, kind, (turn_start, turn_end), language)
            )
            cursor = end
    return sentences


def _codings(
    rng: random.Random, sentences: list[Sentence], code_keys: list[str]
) -> list[tuple[int, int, int, str, int]]:
    """(coder index, transcript id, start, end, code key) of both coders, duplicates removed."""
    made: dict[tuple[int, int, int, int, str], None] = {}
    for coder in (0, 1):
        for sentence in sentences:
            if sentence.codes:
                for code in sentence.codes:
                    if rng.random() >= P_CODER_CODES:
                        continue
                    start, end = sentence.start, sentence.end
                    draw = rng.random()
                    if draw < P_WHOLE_TURN:
                        start, end = sentence.turn
                    elif draw < P_WHOLE_TURN + P_NO_FULL_STOP:
                        end -= 1
                    made[(coder, sentence.transcript_id, start, end, code)] = None
            elif rng.random() < P_CODER_NOISE:
                code = rng.choice(code_keys)
                made[(coder, sentence.transcript_id, sentence.start, sentence.end, code)] = None
    return list(made)


def build_corpus(
    database: study.db.engine.Database,
    *,
    interviews: int = 60,
    seed: int = 2024,
    scheme_dir: pathlib.Path,
) -> Corpus:
    """Build the synthetic coded study in ``database`` (migrated, empty of this scheme's study).

    Writes ``<scheme_dir>/ism-suggestion-bench.yaml``, loads it, adds three
    organisations, the coders ``coder.a@example.org`` and ``coder.b@example.org``
    (role "coder") and ``interviews`` transcripts (even positions English, odd
    Danish), then both coders' codings. Seeded: the same seed gives the same corpus.
    """
    if interviews < 1:
        raise ValueError("interviews must be at least 1")
    rng = random.Random(seed)
    scheme_dir = pathlib.Path(scheme_dir)
    scheme_dir.mkdir(parents=True, exist_ok=True)
    scheme_path = scheme_dir / f"{SCHEME_KEY}.yaml"
    scheme_path.write_text(
        "# Generated by bench/suggestion_corpus.py; edit the generator, not this file.\n"
        + yaml.safe_dump(scheme_definition(), allow_unicode=True, sort_keys=False, width=100),
        encoding="utf-8",
    )
    made = [_interview(rng, LANGUAGES[i % 2]) for i in range(interviews)]

    with database.transaction() as session:
        ensure_study(session)
        existing = {o.name for o in _organisations(session)}
        for name in ORGANISATIONS:
            if name not in existing:
                add_organisation(session, name, actor=OPERATOR)
        coders = [
            add_account(
                session,
                email,
                role="coder",
                password=None,
                display_name=f"Coder {letter}",
                actor=OPERATOR,
            )
            for email, letter in zip(CODER_EMAILS, "AB")
        ]
        scheme = load_scheme_into_db(session, scheme_path, actor=OPERATOR)
        code_ids = {c.key: c.id for c in list_codes(session, scheme.id, viewer=OPERATOR)}

        transcript_ids: list[int] = []
        languages: dict[int, str] = {}
        sentences: list[Sentence] = []
        start_date = dt.date(2023, 1, 9)
        for index, interview in enumerate(made):
            (info,) = import_transcripts(
                session,
                [(interview.text.encode("utf-8"), f"interview-{index + 1:03d}.txt")],
                organisation=ORGANISATIONS[index % len(ORGANISATIONS)],
                role=interview.role,
                language=interview.language,
                interview_date=start_date + dt.timedelta(days=rng.randrange(300)),
                name=f"Interview {index + 1:03d} ({interview.language})",
                actor=OPERATOR,
            )
            transcript_ids.append(info.id)
            languages[info.id] = interview.language
            found = _locate(session, info.id, interview, interview.language)
            sentences.extend(found)

        for coder, transcript_id, start, end, code in _codings(rng, sentences, list(code_ids)):
            add_coding(
                session,
                transcript_id=transcript_id,
                start=start,
                end=end,
                code_id=code_ids[code],
                coder_id=coders[coder].id,
                actor=coders[coder],
            )
    return Corpus(
        scheme_key=SCHEME_KEY,
        coders=CODER_EMAILS,
        transcript_ids=tuple(transcript_ids),
        languages=languages,
        sentences=tuple(sentences),
    )


def _organisations(session):
    from study.db.models import OrganisationRow

    return session.scalars(select(OrganisationRow)).all()


# -- the counts printed by `python bench/suggestion_corpus.py` --------------------------


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def report(database: study.db.engine.Database, corpus: Corpus, scheme_dir: pathlib.Path) -> None:
    """Print transcripts per language, codings per coder and code, keyword hits and agreement."""
    from study.interviews.coding import list_codings
    from study.interviews.schemes import load_scheme
    from study.interviews.suggestions import suggest_passages
    from study.reliability.report import transcript_units
    from study.reliability.units import OVERALL, agreement_table, sentence_spans

    scheme = load_scheme(scheme_dir / f"{SCHEME_KEY}.yaml")
    keys = [code.key for code in CODES]
    by_language = Counter(corpus.languages.values())
    print(
        f"transcripts: {len(corpus.transcript_ids)} ({by_language['en']} en, {by_language['da']} da)"
    )

    with database.transaction() as session:
        codings = list_codings(session, scheme=corpus.scheme_key, viewer=OPERATOR)
        texts: dict[int, str] = {}
        turns: dict[int, list[TurnRow]] = {}
        for transcript_id in corpus.transcript_ids:
            texts[transcript_id] = session.get(TranscriptRow, transcript_id).text
            turns[transcript_id] = list(
                session.scalars(
                    select(TurnRow)
                    .where(TurnRow.transcript_id == transcript_id)
                    .order_by(TurnRow.position)
                )
            )
        units = transcript_units(session, list(corpus.transcript_ids))

    sentences = corpus.sentences
    kinds = Counter(s.kind for s in sentences)
    two = sum(len(s.codes) == 2 for s in sentences)
    print(
        f"participant sentences: {len(sentences)} ({kinds['coded']} coded, {two} of them with "
        f"two codes; {kinds['neutral']} neutral; {kinds['hard-negative']} hard negatives); "
        f"turns: {sum(len(t) for t in turns.values())}; "
        f"characters: {sum(len(t) for t in texts.values()):,}"
    )
    punkt = {
        (tid, start, end)
        for tid in corpus.transcript_ids
        for turn in turns[tid]
        for start, end in (
            (turn.start + a, turn.start + b)
            for a, b in sentence_spans(texts[tid][turn.start : turn.end])
        )
    }
    aligned = sum((s.transcript_id, s.start, s.end) in punkt for s in sentences)
    print(f"planted sentences that are exactly one Punkt sentence: {aligned}/{len(sentences)}")

    print("\ncodings per coder and code:")
    table = codings.pivot_table(
        index="code", columns="coder", values="id", aggfunc="count", fill_value=0
    ).reindex(keys, fill_value=0)
    planted = Counter(code for s in sentences for code in s.codes)
    print(f"  {'code':26} {'planted':>8} " + " ".join(f"{c:>20}" for c in corpus.coders))
    for key in keys:
        row = " ".join(f"{int(table.loc[key].get(c, 0)):>20}" for c in corpus.coders)
        print(f"  {key:26} {planted[key]:>8} {row}")
    totals = " ".join(f"{int((codings['coder'] == c).sum()):>20}" for c in corpus.coders)
    print(f"  {'total':26} {sum(planted.values()):>8} {totals}")

    # Keyword suggestions on participant turns, as the workbench makes them.
    suggestions: dict[int, list] = {}
    for tid in corpus.transcript_ids:
        suggestions[tid] = suggest_passages(
            texts[tid],
            turns[tid],
            scheme,
            language=corpus.languages[tid],
            exclude_speakers={"Interviewer"},
        )
    own = any_kw = 0
    by_code_hits: Counter[str] = Counter()
    for s in sentences:
        if not s.codes:
            continue
        hits = {
            g.code_id
            for g in suggestions[s.transcript_id]
            if _overlaps(g.start, g.end, s.start, s.end)
        }
        any_kw += bool(hits)
        own += bool(hits & set(s.codes))
        for code in s.codes:
            by_code_hits[code] += code in hits
    coded = kinds["coded"]
    print(
        f"\ncode-bearing sentences with a keyword of one of their own codes: {own}/{coded} "
        f"({own / coded:.1%}); with any scheme keyword: {any_kw}/{coded} ({any_kw / coded:.1%})"
    )
    print(
        "  per code (planted occurrences found by a keyword of that code): "
        + ", ".join(f"{k} {by_code_hits[k] / planted[k]:.0%}" for k in keys)
    )
    truth = {(s.transcript_id, s.start, s.end): set(s.codes) for s in sentences}
    spans = {(s.transcript_id, s.start, s.end) for s in sentences}
    all_suggestions = [(tid, g) for tid, found in suggestions.items() for g in found]
    correct = sum(
        (tid, g.start, g.end) in spans and g.code_id in truth[(tid, g.start, g.end)]
        for tid, g in all_suggestions
    )
    print(
        f"keyword suggestions: {len(all_suggestions)}, of which on a sentence planted with that "
        f"code: {correct} (precision {correct / max(len(all_suggestions), 1):.1%})"
    )

    # Sentence-level agreement over participant sentences: a coder gives a sentence
    # every code of their codings that overlap it.
    given: dict[str, dict[tuple[int, int, int], set[str]]] = {c: {} for c in corpus.coders}
    by_transcript: dict[int, list[Sentence]] = {}
    for s in sentences:
        by_transcript.setdefault(s.transcript_id, []).append(s)
    for row in codings.itertuples(index=False):
        for s in by_transcript.get(int(row.transcript_id), ()):
            if _overlaps(int(row.start), int(row.end), s.start, s.end):
                given[row.coder].setdefault((s.transcript_id, s.start, s.end), set()).add(row.code)
    a, b = corpus.coders
    same = sum(given[a].get(k, set()) == given[b].get(k, set()) for k in spans)
    print(
        f"\npercent agreement at sentence level (participant sentences, same set of codes): "
        f"{same}/{len(spans)} = {same / len(spans):.1%}"
    )
    result = agreement_table(codings, units, unit="sentence").table
    alphas = ", ".join(f"{r.code} {r.alpha:.2f}" for r in result.itertuples() if r.code != OVERALL)
    pooled = result[result["code"] == OVERALL].iloc[0]
    print(
        f"library agreement_table, unit=sentence (whole transcripts, Punkt sentences): "
        f"pooled alpha {pooled.alpha:.3f}, percent agreement {pooled.percent_agreement:.1%}"
    )
    print(f"  alpha per code: {alphas}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interviews", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    from study.db import Database, migrate

    with tempfile.TemporaryDirectory(prefix="suggestion-corpus-") as folder:
        database = Database(f"sqlite:///{folder}/corpus.db")
        migrate(database)
        began = time.perf_counter()
        corpus = build_corpus(
            database,
            interviews=args.interviews,
            seed=args.seed,
            scheme_dir=pathlib.Path(folder) / "schemes",
        )
        elapsed = time.perf_counter() - began
        print(f"built {args.interviews} interviews (seed {args.seed}) in {elapsed:.1f} s\n")
        report(database, corpus, pathlib.Path(folder) / "schemes")
        database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
