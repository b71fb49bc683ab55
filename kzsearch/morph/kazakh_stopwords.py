"""Kazakh stopwords: function words too frequent to help ranking.

The analyzer drops them from the index terms but keeps their positions, so
phrase queries still match. The list holds conjunctions, postpositions,
particles, auxiliary verbs and the commonest pronoun and demonstrative forms,
normalised (lowercase, ``ё`` → ``е``). Content words with a function-word
homonym stay out: ``ол`` is here (the pronoun "he/that" carries no topic) but
``бас`` (head; "main") and ``жыл`` (year) are not. ``мен`` is both "and/with"
and "I"; both are function words.
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
    "жатыр тұр отыр жүр "
    # pronouns and demonstratives
    "ол олар оның оны оған онда одан бұл бұның мұның бұны мұны осы сол со мына анау "
    "мынау осындай сондай сонда мұнда бұнда өз өзі өзінің өзін өзіне біз сіз сен мен олардың "
    "кім не қандай қай қалай қашан қайда неге неше қанша барлық бүкіл әр әрбір кейбір "
    "біреу ешкім ештеңе бәрі "
    # frequent adverbs of degree and time with little topical content
    "өте ең тағы енді қазір сол кезде".split()
)
