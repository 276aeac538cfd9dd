"""Python task families: one task, several phrasing styles, the code built from the parsed task.

Each family draws its task parameters (the text, the list, the direction of a sort, the base of a number, the
Fibonacci index) once, fills one phrasing of one style with them and builds the snippet from the same parameters:
the word to count vowels in is the string in ``sum(c in 'aeiou' for c in ...)``, the hex digits are the string in
``int(..., 16)``, "largest first" is ``reverse=True``. Neighbouring families are minimal pairs (vowels / consonants /
distinct letters, sort / reverse, gcd / lcm, to decimal / from decimal) so the operation follows the words that
name it. Every snippet runs in the project's sandbox when the dataset is built.
"""

from __future__ import annotations

import random
from datetime import date

from sft.datagen.core import PYTHON, Draft, FamilyTask, family_templates, ordinal
from sft.datagen.py_templates import _date_text, _nums, _rand_date
from sft.datagen.vocab import FIRST_NAMES, FRUITS, SENTENCES, WORDS

G = "synth_py"

# Longer words, where counting by eye is error-prone and a program is the reliable way.
_LONG_WORDS = (
    "encyclopedia",
    "onomatopoeia",
    "mississippi",
    "strawberry",
    "extraordinary",
    "rhythm",
    "bookkeeper",
    "questionnaire",
    "photosynthesis",
    "unbelievable",
    "sequoia",
    "crystalline",
    "abracadabra",
    "independence",
    "xylophone",
    "communication",
    "programming",
    "aerodynamic",
)


def _py(rng: random.Random, prompt: str, code: str) -> Draft:
    # The text and lists the code works on are copied into it, so their case and spelling carry meaning.
    return Draft(prompt=prompt, code=code, fragile=True)


def _text(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.45:
        return rng.choice(_LONG_WORDS)
    if kind < 0.65:
        return rng.choice(WORDS)
    return rng.choice(SENTENCES)


# --- letters: vowels, consonants, distinct letters -----------------------------------------------------------


def _letters_task(rng: random.Random, counter: str) -> FamilyTask:
    s = _text(rng)
    return {"s": s, "who": rng.choice(FIRST_NAMES)}, f"print({counter.format(s=repr(s))})"


def _vowels(rng: random.Random) -> FamilyTask:
    return _letters_task(rng, "sum(c in 'aeiou' for c in {s}.lower())")


def _consonants(rng: random.Random) -> FamilyTask:
    return _letters_task(rng, "sum(c.isalpha() and c not in 'aeiou' for c in {s}.lower())")


def _distinct_letters(rng: random.Random) -> FamilyTask:
    return _letters_task(rng, "len(set({s}.lower().replace(' ', '')))")


family_templates(
    G,
    "vowels",
    PYTHON,
    _vowels,
    {
        "ask": (
            "How many vowels does '{s}' contain?",
            'What is the vowel count of "{s}"?',
            "How many of the letters in '{s}' are vowels (a, e, i, o, u)?",
        ),
        "task": (
            "Count the vowels (a, e, i, o, u) in '{s}'.",
            'Give me the number of vowels in "{s}".',
            "Use Python to count the vowels in '{s}'.",
        ),
        "story": (
            "{who} says '{s}' has a lot of vowels. Exactly how many does it have?",
            'For a word game I need the number of vowels in "{s}". What is it?',
        ),
    },
    _py,
)

family_templates(
    G,
    "consonants",
    PYTHON,
    _consonants,
    {
        "ask": (
            "How many consonants does '{s}' contain?",
            'What is the consonant count of "{s}"?',
            "How many of the letters in '{s}' are consonants?",
        ),
        "task": (
            "Count the consonants in '{s}' (letters that are not a, e, i, o, u).",
            'Tally the consonants in "{s}".',
        ),
        "story": (
            "{who} thinks '{s}' is mostly consonants. How many consonants are in it?",
            'For a spelling quiz I need the number of consonants in "{s}". What is it?',
        ),
    },
    _py,
)

family_templates(
    G,
    "distinct_letters",
    PYTHON,
    _distinct_letters,
    {
        "ask": (
            "How many different letters appear in '{s}'?",
            'How many distinct letters does "{s}" use, ignoring repeats and spaces?',
        ),
        "task": ("Count the unique letters in '{s}' (each letter once, no spaces).",),
        "story": ("{who} wants to know how many different letters '{s}' is made of. How many?",),
    },
    _py,
)


# --- lists: sort, reverse, parity, median ---------------------------------------------------------------------

_ASCENDING = ("in ascending order", "from smallest to largest", "low to high", "smallest first", "in increasing order")
_DESCENDING = ("in descending order", "from largest to smallest", "high to low", "biggest first", "in decreasing order")


def _items(rng: random.Random) -> tuple[list[int] | list[str], str]:
    if rng.random() < 0.75:
        nums = _nums(rng, 5, 10, -60, 999)
        return nums, ", ".join(map(str, nums))
    words = rng.sample(WORDS + FRUITS, rng.randint(4, 8))
    return words, ", ".join(words)


def _sort_list(rng: random.Random) -> FamilyTask:
    items, shown = _items(rng)
    desc = rng.random() < 0.5
    order = rng.choice(_DESCENDING if desc else _ASCENDING)
    if isinstance(items[0], str):
        order = rng.choice(("in reverse alphabetical order", "from Z to A")) if desc else "alphabetically"
    return {"l": shown, "o": order}, f"print(sorted({items!r}{', reverse=True' if desc else ''}))"


def _reverse_list(rng: random.Random) -> FamilyTask:
    items, shown = _items(rng)
    return {"l": shown}, f"print({items!r}[::-1])"


family_templates(
    G,
    "sort_list",
    PYTHON,
    _sort_list,
    {
        "ask": ("Can you sort {l} {o}?", "What does this list look like sorted {o}: {l}?"),
        "task": ("Sort the following {o}: {l}", "Arrange {l} {o}.", "Run code to order these items {o}: {l}"),
        "story": ("I jotted down {l}. Please put them {o}.", "My list is {l}; I need it sorted {o}."),
    },
    _py,
)

family_templates(
    G,
    "reverse_list",
    PYTHON,
    _reverse_list,
    {
        "ask": ("What is the list {l} in reverse order, last item first?", "Can you flip the order of {l}?"),
        "task": ("Reverse this list without sorting it: {l}", "Give the items {l} back to front."),
        "story": ("I typed {l} in the wrong direction. Reverse the order for me.",),
    },
    _py,
)


def _parity(rng: random.Random) -> FamilyTask:
    nums = _nums(rng, 6, 14, -40, 300)
    even = rng.random() < 0.5
    test = "n % 2 == 0" if even else "n % 2 == 1"
    return {"l": ", ".join(map(str, nums)), "k": "even" if even else "odd"}, f"print(sum({test} for n in {nums!r}))"


family_templates(
    G,
    "count_parity",
    PYTHON,
    _parity,
    {
        "ask": ("How many {k} numbers are in {l}?", "How many of {l} are {k}?"),
        "task": ("Count the {k} values in this list: {l}", "Tally how many entries of {l} are {k}."),
        "story": ("These are my lottery picks: {l}. How many of them are {k}?",),
    },
    _py,
)


def _median(rng: random.Random) -> FamilyTask:
    nums = _nums(rng, 4, 11, -20, 900)
    return {"l": ", ".join(map(str, nums)), "k": len(nums)}, f"import statistics\nprint(statistics.median({nums!r}))"


family_templates(
    G,
    "median_of",
    PYTHON,
    _median,
    {
        "ask": ("What is the middle value (median) of {l}?", "Which number is the median of these {k}: {l}?"),
        "task": ("Compute the median of the list {l}.",),
        "story": ("Our {k} house prices, in thousands, are {l}. What's the median price?",),
    },
    _py,
)


# --- number theory: gcd, lcm, primes, factorial, Fibonacci ----------------------------------------------------


def _divisor_task(rng: random.Random, fn: str) -> FamilyTask:
    k = rng.randint(2, 18)
    nums = [k * rng.randint(2, 70) for _ in range(rng.choice((2, 2, 3)))]
    shown = ", ".join(map(str, nums[:-1])) + " and " + str(nums[-1])
    return {"l": shown, "a": nums[0], "b": nums[-1]}, f"import math\nprint(math.{fn}({', '.join(map(str, nums))}))"


def _gcd(rng: random.Random) -> FamilyTask:
    return _divisor_task(rng, "gcd")


def _lcm(rng: random.Random) -> FamilyTask:
    return _divisor_task(rng, "lcm")


family_templates(
    G,
    "gcd",
    PYTHON,
    _gcd,
    {
        "ask": ("What is the greatest common divisor of {l}?", "What's the highest common factor of {l}?"),
        "task": ("Find the GCD of {l}.", "Compute the largest whole number that divides {l} exactly."),
        "story": ("I want to cut ribbons of {l} cm into equal pieces as long as possible. How long is each piece?",),
    },
    _py,
)

family_templates(
    G,
    "lcm",
    PYTHON,
    _lcm,
    {
        "ask": ("What is the least common multiple of {l}?", "What's the lowest common multiple of {l}?"),
        "task": (
            "Find the LCM of {l}.",
            "Use Python to find the smallest positive number that each of {l} divides into.",
        ),
        "story": (
            "Buses leave every {l} minutes, all at 8:00 now. After how many minutes do they next leave together?",
        ),
    },
    _py,
)


def _primes(rng: random.Random) -> FamilyTask:
    n = rng.randint(15, 160)
    inclusive = rng.random() < 0.4
    bound = rng.choice((f"up to and including {n}", f"from 2 to {n}")) if inclusive else f"below {n}"
    stop = n + 1 if inclusive else n
    return {"n": n, "bound": bound}, (
        f"print([p for p in range(2, {stop}) if all(p % d for d in range(2, int(p ** 0.5) + 1))])"
    )


family_templates(
    G,
    "primes_upto",
    PYTHON,
    _primes,
    {
        "ask": ("Which numbers {bound} are prime?", "What are all the primes {bound}?"),
        "task": ("List every prime number {bound}.", "Print the primes {bound}."),
        "story": ("For a puzzle I need all the prime numbers {bound}. Can you list them?",),
    },
    _py,
)


def _factorial(rng: random.Random) -> FamilyTask:
    n = rng.randint(6, 45)
    return {"n": n}, f"import math\nprint(math.factorial({n}))"


family_templates(
    G,
    "factorial_of",
    PYTHON,
    _factorial,
    {
        "ask": ("What does {n}! equal?", "What's the factorial of {n}?"),
        "task": ("Compute {n} factorial exactly, all digits.", "Multiply 1 x 2 x ... x {n} and give the exact result."),
        "story": ("In how many different orders can {n} books stand on a shelf?",),
    },
    _py,
)


def _fibonacci(rng: random.Random) -> FamilyTask:
    n = rng.randint(8, 120)
    conv = rng.choice(("(1, 1, 2, 3, 5, ...)", "with F(1) = F(2) = 1", "starting 1, 1"))
    return {
        "n": n,
        "nth": ordinal(n),
        "conv": conv,
    }, f"a, b = 0, 1\nfor _ in range({n}):\n    a, b = b, a + b\nprint(a)"


family_templates(
    G,
    "fibonacci_nth",
    PYTHON,
    _fibonacci,
    {
        "ask": (
            "What is the {nth} Fibonacci number {conv}?",
            "Which number is F({n}) in the Fibonacci sequence {conv}?",
        ),
        "task": ("Compute Fibonacci term number {n} {conv}.", "Give me F({n}), Fibonacci {conv}."),
        "story": ("A rabbit-breeding puzzle follows the Fibonacci sequence {conv}. What is term {n}?",),
    },
    _py,
)


# --- dates ------------------------------------------------------------------------------------------------------


def _spelled_date(rng: random.Random, d: date) -> str:
    if rng.random() < 0.2:
        return f"the {ordinal(d.day)} of {d:%B} {d.year}"
    return _date_text(rng, d)


def _weekday(rng: random.Random) -> FamilyTask:
    d = _rand_date(rng, 1890, 2080)
    return (
        {"d": _spelled_date(rng, d), "who": rng.choice(FIRST_NAMES)},
        f"import datetime\nprint(datetime.date({d.year}, {d.month}, {d.day}).strftime('%A'))",
    )


family_templates(
    G,
    "weekday",
    PYTHON,
    _weekday,
    {
        "ask": ("On which day of the week did {d} fall?", "What weekday is {d}?"),
        "task": ("Tell me the day of the week for {d}.", "Find the weekday of {d}."),
        "story": ("{who}'s wedding is on {d}. Is that a Monday, a Saturday...? Which day?",),
    },
    _py,
)


# --- bases ------------------------------------------------------------------------------------------------------

_BASES = ((16, "hexadecimal", "hex"), (2, "binary", "bin"), (8, "octal", "oct"))


def _to_decimal(rng: random.Random) -> FamilyTask:
    n = rng.randint(5, 2_000_000)
    base, name, fn = rng.choice(_BASES)
    digits = format(n, {16: "x", 2: "b", 8: "o"}[base])
    if base == 16 and rng.random() < 0.5:
        digits = digits.upper()
    if rng.random() < 0.3:
        digits = {16: "0x", 2: "0b", 8: "0o"}[base] + digits
    return {"t": digits, "w": name}, f"print(int({digits!r}, {base}))"


def _from_decimal(rng: random.Random) -> FamilyTask:
    n = rng.randint(5, 2_000_000)
    base, name, fn = rng.choice(_BASES)
    upper = base == 16 and rng.random() < 0.3
    shown_name = f"uppercase {name}" if upper else name
    return {"n": f"{n:,}" if rng.random() < 0.2 else n, "w": shown_name}, (
        f"print({fn}({n})[2:]{'.upper()' if upper else ''})"
    )


family_templates(
    G,
    "to_decimal",
    PYTHON,
    _to_decimal,
    {
        "ask": ("What is the {w} number {t} in decimal?", "What decimal value does {w} {t} have?"),
        "task": (
            "Convert {t} from {w} to decimal.",
            "Turn the {w} value {t} into a base-10 number.",
            "With Python, convert {w} {t} to decimal.",
        ),
        "story": ("A log file shows the {w} code {t}. What is it as an ordinary decimal number?",),
    },
    _py,
)

family_templates(
    G,
    "from_decimal",
    PYTHON,
    _from_decimal,
    {
        "ask": ("What is the decimal number {n} written in {w}?", "How do you write {n} in {w}?"),
        "task": ("Convert the decimal number {n} to {w}.", "Express {n} in {w} (digits only, no prefix)."),
        "story": ("A config file wants the value {n} in {w}. What should I type?",),
    },
    _py,
)


# --- string operations ----------------------------------------------------------------------------------------

_CASES = (
    ("upper", "all uppercase", "upper case"),
    ("lower", "all lowercase", "lower case"),
    ("title", "title case", "title case"),
    ("swapcase", "with every letter's case swapped", "swapped case"),
)


def _change_case(rng: random.Random) -> FamilyTask:
    s = rng.choice(SENTENCES) if rng.random() < 0.7 else rng.choice(_LONG_WORDS)
    method, how, short = rng.choice(_CASES)
    return {"s": s, "how": how, "short": short}, f"print({s!r}.{method}())"


family_templates(
    G,
    "change_case",
    PYTHON,
    _change_case,
    {
        "ask": ("What is '{s}' written {how}?", 'How does "{s}" look in {short}?'),
        "task": ("Rewrite '{s}' {how}.", 'Convert "{s}" to {short}.'),
        "story": ("My heading reads '{s}'. I need it {how}; what is the result?",),
    },
    _py,
)
