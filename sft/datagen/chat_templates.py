"""No-tool templates built from tables: facts, words, translations, and the boundary cases of the decision rule.

The boundary templates are the point of this module: prompts that *look* like tool work (they contain numbers,
code or math words) but need no computation. Also single-digit arithmetic, which looks trivial but is still the
calculator's (its templates live here beside the boundary cases they are contrasted with).
"""

from __future__ import annotations

import random

from sft.datagen.core import CALCULATOR, NO_TOOL, Draft, FamilyTask, family_templates, pick, template
from sft.datagen.facts import COUNTRIES, ELEMENTS, EVENTS, NUMBER_FACTS, UNIT_FACTS

G_COUNTRY = "country_facts"
G_ELEMENT = "element_facts"
G_WORDS = "word_facts"
G_BOUND = "boundary"


def _chat(prompt: str, answer: str) -> Draft:
    return Draft(prompt=prompt, answer=answer)


def _cname(c: object, start: bool = False) -> str:
    name, the = c.name, c.the  # type: ignore[attr-defined]
    if not the:
        return name
    return ("The " if start else "the ") + name


# --- countries ---------------------------------------------------------------------------------------------------


@template(f"{G_COUNTRY}/capital", NO_TOOL, weight=2.5)
def country_capital(rng: random.Random) -> Draft:
    c = rng.choice([c for c in COUNTRIES if c.capital])
    prompt = pick(
        rng,
        (
            "What is the capital of {c}?",
            "What's the capital city of {c}?",
            "capital of {c}?",
            "Which city is the capital of {c}?",
            "Tell me the capital of {c}.",
            "I forgot, what's {c}'s capital?",
            "Name the capital of {c}.",
        ),
        c=_cname(c),
    )
    answer = rng.choice(("The capital of {c} is {k}.", "{k} is the capital of {c}.", "{k}."))
    return _chat(prompt, answer.format(c=_cname(c), k=c.capital))


@template(f"{G_COUNTRY}/capital_reverse", NO_TOOL, weight=1.5)
def country_capital_reverse(rng: random.Random) -> Draft:
    c = rng.choice([c for c in COUNTRIES if c.capital and "," not in c.capital])
    prompt = pick(
        rng,
        (
            "{k} is the capital of which country?",
            "Which country has {k} as its capital?",
            "What country is {k} the capital of?",
        ),
        k=c.capital,
    )
    return _chat(prompt, f"{c.capital} is the capital of {_cname(c)}.")


@template(f"{G_COUNTRY}/continent", NO_TOOL, weight=1.5)
def country_continent(rng: random.Random) -> Draft:
    c = rng.choice(COUNTRIES)
    prompt = pick(
        rng,
        (
            "Which continent is {c} in?",
            "What continent is {c} on?",
            "Is {c} in Europe or Asia?",
            "Where is {c} located, continent-wise?",
        ),
        c=_cname(c),
    )
    if " and " in c.continent:
        answer = f"{_cname(c, True)} spans two continents: {c.continent}."
    else:
        answer = f"{_cname(c, True)} is in {c.continent}."
    return _chat(prompt, answer)


@template(f"{G_COUNTRY}/currency", NO_TOOL, weight=1.5)
def country_currency(rng: random.Random) -> Draft:
    c = rng.choice([c for c in COUNTRIES if c.currency])
    prompt = pick(
        rng,
        (
            "What currency does {c} use?",
            "What's the currency of {c}?",
            "Which money do they use in {c}?",
            "If I travel to {c}, what currency will I need?",
        ),
        c=_cname(c),
    )
    return _chat(prompt, f"{_cname(c, True)} uses {c.currency}.")


@template(f"{G_COUNTRY}/language", NO_TOOL, weight=1.5)
def country_language(rng: random.Random) -> Draft:
    c = rng.choice([c for c in COUNTRIES if c.language])
    prompt = pick(
        rng,
        (
            "What language do people speak in {c}?",
            "What's the official language of {c}?",
            "Which languages are spoken in {c}?",
            "what do they speak in {c}",
        ),
        c=_cname(c),
    )
    lang = c.language or ""
    verb = "are" if " and " in lang else "is"
    return _chat(prompt, f"The main official language{'s' if verb == 'are' else ''} of {_cname(c)} {verb} {lang}.")


# --- elements ----------------------------------------------------------------------------------------------------


@template(f"{G_ELEMENT}/symbol", NO_TOOL)
def element_symbol(rng: random.Random) -> Draft:
    e = rng.choice(ELEMENTS)
    prompt = pick(
        rng,
        ("What is the chemical symbol for {e}?", "What's the symbol of {e} on the periodic table?", "{e} symbol?"),
        e=e.name,
    )
    return _chat(prompt, f"The chemical symbol for {e.name} is {e.symbol}.")


@template(f"{G_ELEMENT}/name_from_symbol", NO_TOOL)
def element_from_symbol(rng: random.Random) -> Draft:
    e = rng.choice(ELEMENTS)
    prompt = pick(
        rng,
        ("Which element has the symbol {s}?", "What element is {s}?", "What does the chemical symbol {s} stand for?"),
        s=e.symbol,
    )
    return _chat(prompt, f"{e.symbol} is {e.name}, {e.note}.")


@template(f"{G_ELEMENT}/atomic_number", NO_TOOL)
def element_atomic_number(rng: random.Random) -> Draft:
    e = rng.choice(ELEMENTS)
    if rng.random() < 0.6:
        prompt = pick(
            rng,
            ("What is the atomic number of {e}?", "{e}'s atomic number?", "How many protons does {e} have?"),
            e=e.name,
        )
        return _chat(
            prompt, f"{e.name.capitalize()} has atomic number {e.number}, so each atom has {e.number} protons."
        )
    prompt = pick(
        rng, ("Which element has atomic number {n}?", "What element is number {n} on the periodic table?"), n=e.number
    )
    return _chat(prompt, f"Element number {e.number} is {e.name} ({e.symbol}).")


# --- units, years, numbers people recall -------------------------------------------------------------------------


@template(f"{G_BOUND}/unit_definition", NO_TOOL, weight=2.0)
def unit_definition(rng: random.Random) -> Draft:
    what, per, sentence = rng.choice(UNIT_FACTS)
    prompt = pick(
        rng,
        (
            "How many {w} are in {p}?",
            "How many {w} in {p}?",
            "{p} has how many {w}?",
            "quick one: how many {w} make {p}?",
        ),
        w=what,
        p=per,
    )
    return _chat(prompt, sentence)


@template(f"{G_BOUND}/year_event", NO_TOOL, weight=2.0)
def year_event(rng: random.Random) -> Draft:
    year, name, sentence = rng.choice(EVENTS)
    if rng.random() < 0.5:
        prompt = pick(
            rng,
            (
                "What happened in {y}?",
                "What's a famous event from {y}?",
                "Why is {y} remembered?",
                "Anything important happen in {y}?",
            ),
            y=year,
        )
    else:
        prompt = pick(rng, ("When was {n}?", "What year was {n}?", "In which year did {n} happen?"), n=name)
    return _chat(prompt, sentence)


@template(f"{G_BOUND}/number_fact", NO_TOOL, weight=2.0)
def number_fact(rng: random.Random) -> Draft:
    questions, answer = rng.choice(NUMBER_FACTS)
    return _chat(rng.choice(questions), answer)


_HTTP = {
    200: "200 OK means the request succeeded.",
    201: "201 Created means the request succeeded and a new resource was created.",
    204: "204 No Content means the request succeeded but there is nothing to send back.",
    301: "301 Moved Permanently means the resource has a new permanent URL; clients should follow the redirect.",
    302: "302 Found is a temporary redirect to another URL.",
    304: "304 Not Modified means the cached copy is still valid, so the server sends no body.",
    400: "400 Bad Request means the server could not understand the request, usually because it was malformed.",
    401: "401 Unauthorized means authentication is required or the credentials were wrong.",
    403: "403 Forbidden means the server understood the request but refuses to allow it.",
    404: "404 Not Found means the server could not find the requested page or resource.",
    429: "429 Too Many Requests means you have hit a rate limit; wait before retrying.",
    500: "500 Internal Server Error means something went wrong on the server while handling the request.",
    502: "502 Bad Gateway means a server acting as a gateway got an invalid response from the upstream server.",
    503: "503 Service Unavailable means the server is temporarily overloaded or down for maintenance.",
}


@template(f"{G_BOUND}/http_status", NO_TOOL)
def http_status(rng: random.Random) -> Draft:
    code = rng.choice(sorted(_HTTP))
    prompt = pick(
        rng,
        (
            "What does HTTP {c} mean?",
            "I'm getting a {c} error, what does that mean?",
            "What is status code {c}?",
            "error {c} meaning?",
        ),
        c=code,
    )
    return _chat(prompt, _HTTP[code])


_NUMBER_CULTURE = {
    7: (
        "Seven is widely considered lucky in Western cultures, perhaps because of its many appearances in "
        "religion and myth (seven days of the week, seven wonders). Luck is a matter of belief, though, not "
        "mathematics."
    ),
    13: (
        "Thirteen is often considered unlucky in Western cultures (fear of it is called triskaidekaphobia), "
        "which is why some buildings skip a 13th floor. It is just a superstition."
    ),
    8: (
        "Eight is considered very lucky in Chinese culture because its pronunciation sounds like the word "
        "for prosperity."
    ),
    4: (
        "Four is considered unlucky in parts of East Asia because its pronunciation sounds like the word for "
        "death, so some buildings skip the 4th floor."
    ),
    3: (
        'Three shows up as a lucky or special number in many traditions ("third time\'s the charm"), but '
        "luck is a cultural belief rather than a property of the number."
    ),
    42: (
        '42 is famous as "the Answer to the Ultimate Question of Life, the Universe, and Everything" in '
        "Douglas Adams's The Hitchhiker's Guide to the Galaxy."
    ),
    666: '666 is known as the "number of the beast" from the Book of Revelation, so some people consider it unlucky.',
    9: (
        "In Japan nine is sometimes considered unlucky because one pronunciation sounds like the word for "
        "suffering; elsewhere it has no special reputation."
    ),
}


@template(f"{G_BOUND}/lucky_numbers", NO_TOOL, weight=0.7)
def lucky_numbers(rng: random.Random) -> Draft:
    n = rng.choice(sorted(_NUMBER_CULTURE))
    prompt = pick(
        rng,
        (
            "Is {n} a lucky number?",
            "Why do people think {n} is special?",
            "Is {n} unlucky?",
            "What's the deal with the number {n}?",
            "my favourite number is {n}, is that a good one?",
        ),
        n=n,
    )
    return _chat(prompt, _NUMBER_CULTURE[n])


# --- single-digit arithmetic (still the calculator's) --------------------------------------------------------------
# The system prompt sends arithmetic to the calculator and the seed's own calculator example is "2+2", so even one
# operation on two digits is a calculator call. Phrased in symbols, words, number words, commands and nouns, so a
# held-out style still has its siblings; the numbers are the only thing a multi-digit calculator prompt adds.

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_OP_WORDS = {"+": ("plus",), "-": ("minus",), "*": ("times", "multiplied by"), "/": ("divided by", "over")}
_OP_SYMBOLS = {"+": ("+",), "-": ("-",), "*": ("*", "x", "×"), "/": ("/", "÷")}
_OP_NOUNS = {"+": "the sum of", "-": "the difference between", "*": "the product of", "/": "the quotient of"}


def _single_digit_task(rng: random.Random) -> FamilyTask:
    """One operation on two single digits with a whole result, and the calculator expression that computes it."""
    op = rng.choice(("+", "+", "-", "*", "*", "/"))
    a, b = rng.randint(0, 9), rng.randint(1, 9)
    if op == "-" and a < b:
        a, b = b, a
    if op == "/":
        a = b * rng.randint(0, 9 // b)
    imperative = {
        "+": rng.choice((f"add {a} and {b}", f"add {b} to {a}")),
        "-": rng.choice((f"subtract {b} from {a}", f"take {b} away from {a}")),
        "*": rng.choice((f"multiply {a} by {b}", f"multiply {a} and {b}")),
        "/": f"divide {a} by {b}",
    }[op]
    values = {
        "a": a,
        "b": b,
        "wa": DIGIT_WORDS[a],
        "wb": DIGIT_WORDS[b],
        "sym": rng.choice(_OP_SYMBOLS[op]),
        "word": rng.choice(_OP_WORDS[op]),
        "noun": f"{_OP_NOUNS[op]} {a} and {b}",
        "imp": imperative,
        "Imp": imperative[0].upper() + imperative[1:],
    }
    return values, f"{a} {op} {b}"


# No two styles share wording (the split joins near-duplicate prompts).
family_templates(
    G_BOUND,
    "trivial_arithmetic",
    CALCULATOR,
    _single_digit_task,
    {
        "symbols": (
            "What is {a} {sym} {b}?",
            "{a} {sym} {b}?",
            "{a}{sym}{b}",
            "quick: {a} {sym} {b}",
            "{a} {sym} {b} = ?",
        ),
        "spoken": ("what's {a} {word} {b}", "How much is {a} {word} {b}?", "{a} {word} {b} equals what?"),
        "number_words": ("What is {wa} {word} {wb}?", "{wa} {word} {wb}?", "how much is {wa} {word} {wb}"),
        "imperative": ("{Imp}.", "Please {imp}.", "Can you {imp}?", "{Imp} for me."),
        "noun": ("What is {noun}?", "Find {noun}.", "{noun}?", "Tell me {noun}."),
    },
    lambda rng, prompt, expression: Draft(prompt=prompt, expression=expression),
    weight=1.0,
)


# --- words and language ------------------------------------------------------------------------------------------

_ANTONYMS = (
    ("hot", "cold"),
    ("big", "small"),
    ("happy", "sad"),
    ("fast", "slow"),
    ("light", "dark"),
    ("early", "late"),
    ("ancient", "modern"),
    ("generous", "stingy"),
    ("brave", "cowardly"),
    ("rough", "smooth"),
    ("expand", "contract"),
    ("accept", "reject"),
    ("victory", "defeat"),
    ("optimistic", "pessimistic"),
    ("increase", "decrease"),
    ("visible", "invisible"),
    ("noisy", "quiet"),
    ("cheap", "expensive"),
    ("empty", "full"),
    ("wide", "narrow"),
    ("strong", "weak"),
    ("deep", "shallow"),
    ("arrive", "depart"),
    ("friend", "enemy"),
    ("import", "export"),
)
_SYNONYMS = (
    ("happy", "joyful, cheerful, content"),
    ("big", "large, huge, enormous"),
    ("fast", "quick, rapid, swift"),
    ("smart", "clever, intelligent, bright"),
    ("tired", "exhausted, weary, sleepy"),
    ("angry", "furious, mad, irritated"),
    ("beautiful", "lovely, gorgeous, attractive"),
    ("important", "significant, crucial, essential"),
    ("difficult", "hard, challenging, tough"),
    ("begin", "start, commence, launch"),
    ("help", "assist, aid, support"),
    ("funny", "amusing, hilarious, comical"),
    ("scared", "afraid, frightened, fearful"),
    ("rich", "wealthy, affluent, prosperous"),
    ("small", "little, tiny, miniature"),
    ("buy", "purchase, acquire, get"),
    ("show", "display, reveal, demonstrate"),
)
_PLURALS = (
    ("child", "children"),
    ("mouse", "mice"),
    ("goose", "geese"),
    ("tooth", "teeth"),
    ("foot", "feet"),
    ("person", "people"),
    ("man", "men"),
    ("woman", "women"),
    ("cactus", "cacti (or cactuses)"),
    ("ox", "oxen"),
    ("sheep", "sheep"),
    ("fish", "fish (or fishes for several species)"),
    ("deer", "deer"),
    ("knife", "knives"),
    ("leaf", "leaves"),
    ("analysis", "analyses"),
    ("crisis", "crises"),
    ("phenomenon", "phenomena"),
    ("criterion", "criteria"),
)
_PAST = (
    ("go", "went", "gone"),
    ("eat", "ate", "eaten"),
    ("write", "wrote", "written"),
    ("see", "saw", "seen"),
    ("take", "took", "taken"),
    ("run", "ran", "run"),
    ("swim", "swam", "swum"),
    ("begin", "began", "begun"),
    ("bring", "brought", "brought"),
    ("think", "thought", "thought"),
    ("buy", "bought", "bought"),
    ("teach", "taught", "taught"),
    ("fly", "flew", "flown"),
    ("drink", "drank", "drunk"),
    ("choose", "chose", "chosen"),
    ("forget", "forgot", "forgotten"),
    ("speak", "spoke", "spoken"),
    ("sing", "sang", "sung"),
    ("catch", "caught", "caught"),
)


@template(f"{G_WORDS}/antonym", NO_TOOL)
def antonym(rng: random.Random) -> Draft:
    a, b = rng.choice(_ANTONYMS)
    if rng.random() < 0.5:
        a, b = b, a
    prompt = pick(
        rng,
        (
            "What's the opposite of '{w}'?",
            "Give me an antonym for {w}.",
            "antonym of {w}?",
            'What is the opposite of the word "{w}"?',
        ),
        w=a,
    )
    return _chat(prompt, f'The opposite of "{a}" is "{b}".')


@template(f"{G_WORDS}/synonym", NO_TOOL)
def synonym(rng: random.Random) -> Draft:
    w, syns = rng.choice(_SYNONYMS)
    prompt = pick(
        rng,
        (
            "What's another word for {w}?",
            "Give me synonyms for '{w}'.",
            "synonym for {w}",
            'What can I say instead of "{w}"?',
        ),
        w=w,
    )
    return _chat(prompt, f'Some synonyms for "{w}": {syns}.')


@template(f"{G_WORDS}/plural", NO_TOOL)
def plural(rng: random.Random) -> Draft:
    s, p = rng.choice(_PLURALS)
    prompt = pick(
        rng,
        (
            "What's the plural of '{s}'?",
            "plural of {s}?",
            "How do you say more than one {s}?",
            "Is the plural of {s} just {s}s?",
        ),
        s=s,
    )
    return _chat(prompt, f'The plural of "{s}" is "{p}".')


@template(f"{G_WORDS}/past_tense", NO_TOOL)
def past_tense(rng: random.Random) -> Draft:
    base, past, participle = rng.choice(_PAST)
    prompt = pick(
        rng,
        (
            "What's the past tense of '{b}'?",
            "past tense of {b}?",
            "How do you conjugate {b} in the past?",
            "Is it '{b}ed'? What's the past of {b}?",
        ),
        b=base,
    )
    return _chat(prompt, f'The past tense of "{base}" is "{past}", and the past participle is "{participle}".')


_TRANSLATIONS = (
    ("hello", "hola", "bonjour", "hallo", "ciao"),
    ("thank you", "gracias", "merci", "danke", "grazie"),
    ("goodbye", "adiós", "au revoir", "auf Wiedersehen", "arrivederci"),
    ("please", "por favor", "s'il vous plaît", "bitte", "per favore"),
    ("yes", "sí", "oui", "ja", "sì"),
    ("no", "no", "non", "nein", "no"),
    ("water", "agua", "eau", "Wasser", "acqua"),
    ("cat", "gato", "chat", "Katze", "gatto"),
    ("dog", "perro", "chien", "Hund", "cane"),
    ("house", "casa", "maison", "Haus", "casa"),
    ("book", "libro", "livre", "Buch", "libro"),
    ("bread", "pan", "pain", "Brot", "pane"),
    ("apple", "manzana", "pomme", "Apfel", "mela"),
    ("red", "rojo", "rouge", "rot", "rosso"),
    ("blue", "azul", "bleu", "blau", "blu"),
    ("green", "verde", "vert", "grün", "verde"),
    ("sun", "sol", "soleil", "Sonne", "sole"),
    ("moon", "luna", "lune", "Mond", "luna"),
    ("good morning", "buenos días", "bonjour", "guten Morgen", "buongiorno"),
    ("good night", "buenas noches", "bonne nuit", "gute Nacht", "buona notte"),
    ("one", "uno", "un", "eins", "uno"),
    ("two", "dos", "deux", "zwei", "due"),
    ("three", "tres", "trois", "drei", "tre"),
    ("love", "amor", "amour", "Liebe", "amore"),
    ("school", "escuela", "école", "Schule", "scuola"),
    ("milk", "leche", "lait", "Milch", "latte"),
    ("cheese", "queso", "fromage", "Käse", "formaggio"),
    ("tree", "árbol", "arbre", "Baum", "albero"),
    ("day", "día", "jour", "Tag", "giorno"),
    ("night", "noche", "nuit", "Nacht", "notte"),
    ("family", "familia", "famille", "Familie", "famiglia"),
    ("friend (male)", "amigo", "ami", "Freund", "amico"),
    ("city", "ciudad", "ville", "Stadt", "città"),
    ("car", "coche (carro in much of Latin America)", "voiture", "Auto", "macchina"),
)
_LANGS = ("Spanish", "French", "German", "Italian")


@template(f"{G_WORDS}/translate_word", NO_TOOL, weight=1.5)
def translate_word(rng: random.Random) -> Draft:
    row = rng.choice(_TRANSLATIONS)
    i = rng.randrange(4)
    lang, word = _LANGS[i], row[i + 1]
    english = row[0].replace(" (male)", "")
    if rng.random() < 0.75:
        prompt = pick(
            rng,
            (
                "How do you say '{e}' in {l}?",
                'Translate "{e}" into {l}.',
                "What is {e} in {l}?",
                "{e} in {l}?",
                "What's the {l} word for {e}?",
            ),
            e=english,
            l=lang,
        )
        return _chat(prompt, f'In {lang}, "{english}" is "{word}".')
    prompt = pick(
        rng,
        (
            "What does '{w}' mean in English? It's {l}.",
            'Translate the {l} word "{w}" to English.',
            "What does {w} mean in {l}?",
        ),
        w=word.split(" (")[0],
        l=lang,
    )
    return _chat(prompt, f'"{word.split(" (")[0]}" is {lang} for "{english}".')


_DEFINITIONS = (
    ("serendipity", "Serendipity is finding something good by chance, without looking for it."),
    ("ubiquitous", "Ubiquitous means present or found everywhere."),
    ("ephemeral", "Ephemeral means lasting for a very short time."),
    ("pragmatic", "Pragmatic means dealing with things sensibly and realistically, based on practical considerations."),
    ("ambiguous", "Ambiguous means open to more than one interpretation."),
    ("nostalgia", "Nostalgia is a sentimental longing for the past."),
    ("resilience", "Resilience is the ability to recover quickly from difficulties."),
    ("procrastinate", "To procrastinate is to delay or postpone doing something you should do."),
    ("empathy", "Empathy is the ability to understand and share another person's feelings."),
    ("meticulous", "Meticulous means showing great attention to detail; very careful and precise."),
    ("candid", "Candid means truthful and straightforward; frank."),
    ("benevolent", "Benevolent means well-meaning and kind."),
    (
        "irony",
        "Irony is a contrast between what is expected and what actually happens, or saying the opposite "
        "of what you mean for effect.",
    ),
    (
        "metaphor",
        "A metaphor is a figure of speech that describes something by saying it is something else, like "
        '"time is a thief".',
    ),
    (
        "onomatopoeia",
        'Onomatopoeia is a word that imitates the sound it describes, such as "buzz", "sizzle" or "bang".',
    ),
    ("hypothesis", "A hypothesis is a proposed explanation that can be tested by observation or experiment."),
    (
        "sustainable",
        "Sustainable means able to continue over the long term without depleting resources or causing lasting harm.",
    ),
    (
        "entrepreneur",
        "An entrepreneur is a person who starts and runs a business, taking on financial risk in the hope of profit.",
    ),
    (
        "algorithm",
        "An algorithm is a finite sequence of well-defined steps for solving a problem or performing a task.",
    ),
    ("quarantine", "Quarantine is a period of isolation to prevent the spread of a disease."),
    ("eloquent", "Eloquent means fluent and persuasive in speaking or writing."),
    ("cynical", "Cynical means believing that people are motivated mainly by self-interest; distrustful."),
    ("wanderlust", "Wanderlust is a strong desire to travel and explore the world."),
    ("gaslighting", "Gaslighting is manipulating someone into doubting their own memory, perception or sanity."),
    (
        "palindrome",
        'A palindrome is a word, phrase or number that reads the same backward as forward, like "level" or 12321.',
    ),
    (
        "anagram",
        'An anagram is a word or phrase formed by rearranging the letters of another, like "listen" and "silent".',
    ),
)


@template(f"{G_WORDS}/definition", NO_TOOL, weight=1.5)
def definition(rng: random.Random) -> Draft:
    word, meaning = rng.choice(_DEFINITIONS)
    prompt = pick(
        rng,
        (
            "What does '{w}' mean?",
            "Define {w}.",
            "What's the meaning of the word {w}?",
            "{w} meaning?",
            'Can you explain what "{w}" means?',
            "What is the definition of {w}?",
        ),
        w=word,
    )
    return _chat(prompt, meaning)


_SPELLING = (
    "necessary",
    "accommodate",
    "definitely",
    "separate",
    "rhythm",
    "occurrence",
    "embarrass",
    "conscience",
    "millennium",
    "recommend",
    "restaurant",
    "privilege",
)


@template(f"{G_WORDS}/spelling", NO_TOOL, weight=0.7)
def spelling(rng: random.Random) -> Draft:
    word = rng.choice(_SPELLING)
    prompt = pick(rng, ("How do you spell {w}?", "What's the correct spelling of '{w}'?", "Is it spelled {w}?"), w=word)
    return _chat(prompt, f'It\'s spelled "{word}": {"-".join(word.upper())}.')


# --- more prompts whose numbers are names, dates or context, not operands ------------------------------------------

_HOLIDAYS = (
    (
        ("What is celebrated on December 25?", "Why is December 25th a holiday?"),
        "December 25 is Christmas Day, when Christians celebrate the birth of Jesus; it is also widely "
        "celebrated as a cultural holiday.",
    ),
    (
        ("What happens on January 1?", "Why is January 1st a holiday?"),
        "January 1 is New Year's Day, the first day of the year in the Gregorian calendar, celebrated in "
        "most of the world.",
    ),
    (
        ("Why is July 4th a holiday in the US?", "What is celebrated on the 4th of July?"),
        "July 4 is Independence Day in the United States, marking the adoption of the Declaration of "
        "Independence in 1776.",
    ),
    (
        ("What is Pi Day?", "Why is March 14 called Pi Day?"),
        "Pi Day is celebrated on March 14 (3/14) because the date matches the first digits of π, 3.14.",
    ),
    (
        ("What is celebrated on October 31?",),
        "October 31 is Halloween, celebrated with costumes, trick-or-treating and jack-o'-lanterns.",
    ),
    (
        ("What is May 1st known for?", "What is May Day?"),
        "May 1 is International Workers' Day (Labour Day) in many countries, and also a traditional "
        "spring festival called May Day.",
    ),
    (
        ("What is celebrated on February 14?",),
        "February 14 is Valentine's Day, when people celebrate love and affection, often with cards, "
        "flowers or chocolates.",
    ),
    (
        ("What is Bastille Day?", "Why do the French celebrate July 14?"),
        "July 14 is Bastille Day, France's national day, commemorating the storming of the Bastille in 1789.",
    ),
    (
        ("What happened on 9/11?", "What is 9/11?"),
        "On September 11, 2001, terrorists hijacked four airliners and attacked the World Trade Center "
        "in New York and the Pentagon; nearly 3,000 people were killed.",
    ),
    (
        ("What is Leap Day?", "Why does February 29 exist?"),
        "February 29 is Leap Day, added every four years (with some century exceptions) to keep the "
        "calendar aligned with Earth's orbit, which takes about 365.25 days.",
    ),
)


@template(f"{G_BOUND}/dates_and_holidays", NO_TOOL, weight=1.5)
def dates_and_holidays(rng: random.Random) -> Draft:
    questions, answer = rng.choice(_HOLIDAYS)
    return _chat(rng.choice(questions), answer)


_NUMBERED_TERMS = (
    (
        ("What does 24/7 mean?", "What does it mean when a store is open 24/7?"),
        "24/7 means all the time: 24 hours a day, 7 days a week.",
    ),
    (
        ("What is 20/20 vision?", "What does 20/20 vision mean?"),
        "20/20 vision is normal visual sharpness: you see at 20 feet what a person with normal eyesight "
        "sees at 20 feet.",
    ),
    (
        ("What does 50/50 mean?", "What's a 50/50 chance?"),
        "A 50/50 chance means two outcomes are equally likely, like a coin toss.",
    ),
    (("What is a googol?",), "A googol is 10 to the power of 100: a 1 followed by 100 zeros."),
    (("What is a baker's dozen?", "How many is a baker's dozen?"), "A baker's dozen is 13."),
    (
        ("What is a catch-22?", "What does catch-22 mean?"),
        "A catch-22 is a no-win situation where the rules contradict each other, named after Joseph "
        "Heller's novel Catch-22.",
    ),
    (("What does 'on cloud nine' mean?",), "Being on cloud nine means being extremely happy."),
    (
        ("What does 'Python 101' mean?", "Why do course names end in 101?"),
        "101 means an introductory course or the basics of a subject, from the numbering of first-year "
        "university courses in the US.",
    ),
    (
        ("What is 4K resolution?", "How many pixels is 4K?"),
        "4K usually means 3840 x 2160 pixels (Ultra HD), about four times as many pixels as 1080p Full HD.",
    ),
    (
        ("What's the difference between 4G and 5G?", "Is 5G better than 4G?"),
        "5G is the newer mobile network generation: it offers higher speeds, lower latency and more "
        "capacity than 4G, though coverage depends on where you are.",
    ),
    (
        ("What is a 401(k)?", "How does a 401(k) work?"),
        "A 401(k) is a US employer-sponsored retirement savings plan: you contribute part of your pay, "
        "often before tax, and employers sometimes match some of it.",
    ),
    (
        ("What is Web 2.0?",),
        "Web 2.0 describes the shift in the 2000s to a more interactive web built around user-generated "
        "content, social media and web apps.",
    ),
    (
        ("What is IPv6?", "Why do we need IPv6?"),
        "IPv6 is the newer version of the Internet Protocol, with 128-bit addresses instead of IPv4's "
        "32-bit ones, created because the world was running out of IPv4 addresses.",
    ),
    (("What does 'take five' mean?",), '"Take five" means take a short break, about five minutes.'),
    (
        ("What is the 80/20 rule?", "What is the Pareto principle?"),
        "The 80/20 rule (Pareto principle) is the observation that roughly 80% of effects often come "
        "from 20% of causes, such as most sales coming from a few customers.",
    ),
    (("What is a 10K race?", "How long is a 10K?"), "A 10K is a running race of 10 kilometers, about 6.2 miles."),
    (
        ("What is Windows 11?",),
        "Windows 11 is the version of Microsoft's Windows operating system released in 2021, the "
        "successor to Windows 10.",
    ),
    (
        ("What is HTML5?",),
        "HTML5 is the current major version of HTML, the markup language of web pages, adding native "
        "video and audio, canvas graphics and semantic elements.",
    ),
    (
        ("What does 1080p mean?",),
        "1080p is a video resolution of 1920 x 1080 pixels, drawn progressively (every line each frame); "
        "it is also called Full HD.",
    ),
    (
        ("What is the 5-second rule?",),
        "The 5-second rule is the folk belief that food dropped on the floor is safe if picked up within "
        "five seconds; in reality bacteria can transfer almost instantly.",
    ),
)


@template(f"{G_BOUND}/numbered_terms", NO_TOOL, weight=2.0)
def numbered_terms(rng: random.Random) -> Draft:
    questions, answer = rng.choice(_NUMBERED_TERMS)
    return _chat(rng.choice(questions), answer)


@template(f"{G_BOUND}/planning_with_numbers", NO_TOOL, weight=3.0)
def planning_with_numbers(rng: random.Random) -> Draft:
    kind = rng.randrange(10)
    if kind == 0:
        n = rng.randint(4, 20)
        prompt = pick(
            rng,
            (
                "I'm hosting {n} people for dinner. What should I cook?",
                "Dinner party for {n} guests this weekend, any menu ideas?",
            ),
            n=n,
        )
        return _chat(
            prompt,
            "Choose dishes you can make ahead: a big salad or soup to start, a tray bake such as roast "
            "chicken with vegetables or a vegetarian lasagna as the main, and a simple dessert like "
            "fruit with cream. Ask guests about allergies first.",
        )
    if kind == 1:
        hours = rng.randint(2, 9)
        city = rng.choice(("Amsterdam", "Frankfurt", "Istanbul", "Singapore", "Dubai", "Chicago"))
        prompt = pick(
            rng,
            (
                "I have a {h}-hour layover in {c}. What can I do?",
                "{h} hours of layover at {c} airport, should I leave the airport?",
            ),
            h=hours,
            c=city,
        )
        advice = (
            "With under about 5 hours, it's usually safer to stay in the airport: find a lounge, a good "
            "meal or a quiet spot to rest."
            if hours < 5
            else "With that much time you could visit the city center if your visa allows it, but leave at "
            "least 2-3 hours to get back through security."
        )
        return _chat(prompt, advice)
    if kind == 2:
        age = rng.randint(2, 9)
        prompt = pick(
            rng,
            ("My {a}-year-old won't go to sleep. Any tips?", "How do I get my {a} year old to sleep on time?"),
            a=age,
        )
        return _chat(
            prompt,
            "Keep a consistent bedtime routine (bath, pajamas, story, lights out), avoid screens for an "
            "hour before bed, keep the room dark and quiet, and calmly return them to bed if they get up.",
        )
    if kind == 3:
        minutes = rng.choice((10, 15, 20, 30))
        prompt = pick(
            rng,
            ("I only have {m} minutes. What's a good quick workout?", "Give me a {m}-minute workout I can do at home."),
            m=minutes,
        )
        return _chat(
            prompt,
            "Try a circuit: 40 seconds each of squats, push-ups, lunges, plank and jumping jacks with 20 "
            "seconds of rest in between, repeated as many rounds as your time allows, plus a short "
            "warm-up and stretch.",
        )
    if kind == 4:
        budget = rng.choice((20, 30, 50, 100))
        who = rng.choice(("my mom", "my dad", "a coworker", "my best friend", "my teacher"))
        prompt = pick(
            rng, ("I have ${b} for a gift for {w}. Any ideas?", "Gift ideas for {w} under ${b}?"), b=budget, w=who
        )
        return _chat(
            prompt,
            "Think about what they enjoy: a good book, a plant, a nice candle or tea set, a framed "
            "photo, a cooking or hobby kit, or an experience like a movie or class together.",
        )
    if kind == 5:
        temp = rng.randint(-10, 38)
        prompt = pick(
            rng,
            ("It's {t}°C outside. What should I wear?", "What should I wear when it's {t} degrees Celsius?"),
            t=temp,
        )
        if temp < 5:
            advice = (
                "Dress warmly: a thermal or long-sleeved base layer, a sweater, a winter coat, a hat, gloves "
                "and warm shoes."
            )
        elif temp < 15:
            advice = "Wear layers: a long-sleeved top with a sweater or light jacket, long pants and closed shoes."
        elif temp < 25:
            advice = (
                "It's mild: a T-shirt or light long-sleeved shirt with jeans or light pants, and maybe a "
                "light jacket for the evening."
            )
        else:
            advice = (
                "It's hot: wear light, breathable clothes like shorts and a T-shirt, sunglasses, a hat and "
                "sunscreen, and drink plenty of water."
            )
        return _chat(prompt, advice)
    if kind == 6:
        pct = rng.randint(5, 25)
        prompt = pick(
            rng,
            ("My phone battery is at {p}%. How can I make it last?", "Only {p}% battery left, how do I save power?"),
            p=pct,
        )
        return _chat(
            prompt,
            "Turn on low-power mode, lower the screen brightness, close apps running in the background, "
            "turn off Bluetooth, GPS and Wi-Fi if you don't need them, and avoid video and games until "
            "you can charge.",
        )
    if kind == 7:
        age = rng.randint(20, 35)
        prompt = pick(
            rng,
            (
                "I'm {a}. Should I start saving for retirement already?",
                "Is {a} too early to think about retirement savings?",
            ),
            a=age,
        )
        return _chat(
            prompt,
            "Yes, starting early helps a lot because of compound growth. Even small regular "
            "contributions, for example to a workplace plan or a low-cost index fund, add up over "
            "decades. Build an emergency fund first.",
        )
    if kind == 8:
        items = rng.choice(
            (
                "2 eggs, flour and milk",
                "3 potatoes and an onion",
                "rice, 1 can of beans and salsa",
                "2 bananas and oats",
            )
        )
        prompt = pick(rng, ("I have {i}. What can I make?", "What can I cook with {i}?"), i=items)
        ideas = {
            "2 eggs, flour and milk": "You can make pancakes or crêpes, or a simple batter for a Yorkshire pudding.",
            "3 potatoes and an onion": (
                "Try a Spanish-style potato and onion tortilla if you have eggs, hash browns, or roasted "
                "potatoes with caramelized onion."
            ),
            "rice, 1 can of beans and salsa": (
                "Make a quick rice and bean bowl or burrito filling: warm the beans with the salsa and serve "
                "over the rice."
            ),
            "2 bananas and oats": (
                "Mash them together for simple banana oat cookies or pancakes, or blend them into an "
                "overnight oats breakfast."
            ),
        }
        return _chat(prompt, ideas[items])
    km = rng.choice((3, 5, 10))
    times = rng.randint(2, 5)
    prompt = pick(
        rng,
        (
            "I run {k} km {t} times a week. How can I get faster?",
            "Running {k}k, {t} days a week. Tips to improve my pace?",
        ),
        k=km,
        t=times,
    )
    return _chat(
        prompt,
        "Keep most runs easy, add one interval or tempo session a week, do some strength training for "
        "legs and core, increase weekly distance gradually (about 10% at most) and get enough rest.",
    )
