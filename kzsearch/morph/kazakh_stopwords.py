"""Kazakh stopwords: function words too frequent to help ranking.

The analyzer drops them from the index terms but keeps their positions, so
phrase queries still match. The list holds conjunctions, postpositions,
particles, auxiliary verbs and the commonest pronoun and demonstrative forms,
normalised (lowercase, ``ё`` → ``е``). Content words with a function-word
homonym stay out: ``ол`` is here (the pronoun "he/that" carries no topic) but
``бас`` (head; "main") and ``жыл`` (year) are not. ``мен`` is both "and/with"
and "I"; both are function words.

The search stage tests both a query word and its stem against the list, so a stem
here (``бол``, ``қайсы``) covers every inflected form. Question words are here in
the forms whose stem the stemmer does not reduce to a listed one (``нені``,
``неліктен``). The quiz imperatives ``атаңыз``, ``көрсетіңіз``, ``табыңыз``,
``жазыңыз`` ("name", "show", "find", "write") carry no topic in a question and are
rare in news; only these surface forms are listed, never their stems (``ата``
"father", ``тап``, ``жаз`` "summer"). ``табылады`` is the copula of ``болып
табылады``; ``табылды`` ("was found") is content and stays out.
"""

from __future__ import annotations

STOPWORDS: frozenset[str] = frozenset(
    # conjunctions and connectives
    "және мен бен пен да де та те әрі не немесе бірақ ал әлде яғни себебі өйткені сондықтан "
    "сонымен егер онда сондай мұндай ия иә жоқ әйтпесе болмаса тіпті "
    # postpositions
    "үшін туралы арқылы бойынша сияқты секілді дейін шейін кейін бері гөрі қарай қатар "
    "бірге соң басқа қарамастан байланысты қатысты сайын жөнінде жайында тарапынан "
    "ретінде негізінде кезінде арасында ішінде "
    # particles
    "ғана қана ақ ма ме ба бе па пе ше ғой қой екен еді ше әлі тек нақ "
    # auxiliary and light verbs in their commonest forms
    "деп деді дейді деген болып болды болады болған болатын болса етіп етті етеді еткен "
    "бол болу табылады "
    "жатыр тұр отыр жүр "
    # pronouns and demonstratives
    "ол олар оның оны оған онда одан бұл бұның мұның бұны мұны осы сол со мына анау "
    "мынау осындай сондай сонда мұнда бұнда өз өзі өзінің өзін өзіне біз сіз сен мен олардың "
    "кім не қандай қай қалай қашан қайда неге неше қанша барлық бүкіл әр әрбір кейбір "
    "біреу ешкім ештеңе бәрі "
    # question words in forms the stemmer leaves apart, and quiz imperatives
    "қайсы нені нелер неден неліктен неші нешінші атаңыз көрсетіңіз табыңыз жазыңыз "
    # frequent adverbs of degree and time with little topical content
    "өте ең тағы енді қазір сол кезде".split()
)
