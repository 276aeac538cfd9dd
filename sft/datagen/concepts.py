"""Hand-written explanations: science, programming, math and money concepts, each its own template.

Each topic is registered as its own source (``concept_<domain>/<topic>``) and asked through many question frames,
so a topic's paraphrases stay together on one side of the train/validation split. Programming and math topics are
boundary cases: they mention code or math yet need no tool, because the user wants an explanation, not a result.
"""

from __future__ import annotations

import random

from sft.datagen.core import NO_TOOL, Draft, template

# Frames for "explain X" questions; {x} is the topic as a noun phrase.
_FRAMES = (
    "What is {x}?",
    "Can you explain {x}?",
    "Explain {x} in simple terms.",
    "What does {x} mean?",
    "I keep hearing about {x}. What is it?",
    "In a sentence or two, what is {x}?",
    "ELI5: {x}",
    "Give me a short explanation of {x}.",
    "what's {x}",
    "Could you briefly describe {x}?",
    "Help me understand {x}.",
    "What exactly is {x}?",
)


# Frames that also read well for phrases like "the difference between X and Y" or "how to calculate a tip".
_EXPLAIN_FRAMES = (
    "Can you explain {x}?",
    "Explain {x} in simple terms.",
    "Give me a short explanation of {x}.",
    "Help me understand {x}.",
    "Could you briefly describe {x}?",
    "I'd like to understand {x}.",
)
_EXPLAIN_ONLY = ("the difference", "how to", "why", "what causes", "the cause", "the formula", "the mutable", "string")


def _register(domain: str, topics: dict[str, tuple[str, tuple[str, ...], str]], weight: float) -> None:
    """Register one template per topic: name -> (noun phrase, extra questions, answer)."""
    for name, (phrase, extra, answer) in topics.items():
        frames = _EXPLAIN_FRAMES if phrase.startswith(_EXPLAIN_ONLY) else _FRAMES
        questions = tuple(f.format(x=phrase) for f in frames) + extra

        def make(rng: random.Random, qs: tuple[str, ...] = questions, a: str = answer) -> Draft:
            return Draft(prompt=rng.choice(qs), answer=a)

        template(f"concept_{domain}/{name}", NO_TOOL, weight)(make)


SCIENCE: dict[str, tuple[str, tuple[str, ...], str]] = {
    "photosynthesis": (
        "photosynthesis",
        ("How do plants make food?",),
        "Photosynthesis is how plants, algae and some bacteria turn light energy into chemical energy: "
        "using sunlight, they combine carbon dioxide and water into glucose and release oxygen.",
    ),
    "gravity": (
        "gravity",
        ("Why do things fall down?",),
        "Gravity is the attraction between masses. On Earth it pulls objects toward the planet's center, "
        "which is why things fall and why the Moon stays in orbit.",
    ),
    "dna": (
        "DNA",
        ("What does DNA do?",),
        "DNA (deoxyribonucleic acid) is the molecule that carries the genetic instructions of living "
        "things, written in a code of four bases: A, T, C and G.",
    ),
    "evolution": (
        "evolution by natural selection",
        ("How does evolution work?",),
        "Evolution by natural selection means that individuals with traits better suited to their "
        "environment tend to survive and reproduce more, so those inherited traits become more common "
        "over generations.",
    ),
    "black_hole": (
        "a black hole",
        ("How do black holes form?",),
        "A black hole is a region of space where gravity is so strong that nothing, not even light, can "
        "escape. Many form when very massive stars collapse at the end of their lives.",
    ),
    "climate_change": (
        "climate change",
        ("Why is the planet warming?",),
        "Climate change is the long-term shift in global temperatures and weather patterns. Since the "
        "1800s it has been driven mainly by burning fossil fuels, which adds heat-trapping greenhouse "
        "gases to the atmosphere.",
    ),
    "greenhouse_effect": (
        "the greenhouse effect",
        (),
        "The greenhouse effect is the warming of a planet's surface by gases such as carbon dioxide and "
        "water vapour, which let sunlight in but absorb part of the heat radiated back.",
    ),
    "atom": (
        "an atom",
        ("What are atoms made of?",),
        "An atom is the smallest unit of a chemical element. It has a nucleus of protons and neutrons "
        "surrounded by electrons.",
    ),
    "photon": ("a photon", (), "A photon is a particle of light: the smallest packet of electromagnetic energy."),
    "seasons": (
        "the cause of the seasons",
        ("Why do we have seasons?", "Why is it colder in winter?"),
        "Seasons happen because Earth's axis is tilted about 23.5 degrees. As Earth orbits the Sun, each "
        "hemisphere takes turns leaning toward the Sun (summer) or away from it (winter).",
    ),
    "sky_blue": (
        "why the sky is blue",
        ("Why is the sky blue?",),
        "The sky looks blue because air molecules scatter short blue wavelengths of sunlight much more "
        "than longer red ones (Rayleigh scattering), so blue light reaches our eyes from all directions.",
    ),
    "vaccine": (
        "a vaccine",
        ("How do vaccines work?",),
        "A vaccine trains the immune system to recognize a germ, using a harmless piece or weakened form "
        "of it, so the body can fight off the real infection faster.",
    ),
    "antibiotics": (
        "antibiotics",
        ("Do antibiotics work on viruses?",),
        "Antibiotics are medicines that kill bacteria or stop them growing. They do not work against "
        "viruses such as colds or the flu.",
    ),
    "mitochondria": (
        "the mitochondria",
        ("What do mitochondria do?",),
        "Mitochondria are structures inside cells that turn nutrients into ATP, the energy currency "
        "cells use. They are often called the powerhouse of the cell.",
    ),
    "plate_tectonics": (
        "plate tectonics",
        ("What causes earthquakes?",),
        "Plate tectonics is the theory that Earth's outer shell is split into large plates that slowly "
        "move. Earthquakes and volcanoes happen mostly where these plates meet.",
    ),
    "speed_of_sound": (
        "the speed of sound",
        (),
        "Sound travels at about 343 meters per second in air at 20 °C, faster in water and faster still in solids.",
    ),
    "relativity": (
        "Einstein's theory of relativity",
        ("What is E=mc^2 about?",),
        "Relativity is Einstein's description of space, time and gravity: the speed of light is the same "
        "for every observer, moving clocks run slow, mass and energy are equivalent (E = mc²), and "
        "gravity is the curvature of spacetime.",
    ),
    "water_cycle": (
        "the water cycle",
        (),
        "The water cycle is the continuous movement of water: it evaporates from oceans and land, "
        "condenses into clouds, falls as precipitation and flows back through rivers and groundwater.",
    ),
    "osmosis": (
        "osmosis",
        (),
        "Osmosis is the movement of water through a semi-permeable membrane from a less concentrated "
        "solution to a more concentrated one.",
    ),
    "entropy": (
        "entropy",
        (),
        "Entropy is a measure of disorder, or of how many ways a system's energy can be arranged. In an "
        "isolated system it tends to increase over time.",
    ),
    "immune_system": (
        "the immune system",
        (),
        "The immune system is the body's defense network of white blood cells, antibodies and organs "
        "such as the lymph nodes, which detects and destroys germs and abnormal cells.",
    ),
    "supernova": (
        "a supernova",
        (),
        "A supernova is the powerful explosion of a star, either when a massive star's core collapses or "
        "when a white dwarf gains too much mass. It can briefly outshine a whole galaxy.",
    ),
    "tides": (
        "what causes tides",
        ("Why does the ocean have tides?",),
        "Tides are caused mainly by the Moon's gravity pulling on Earth's oceans, with a smaller effect "
        "from the Sun, giving most coasts two high and two low tides a day.",
    ),
    "ph": (
        "the pH scale",
        ("What does pH measure?",),
        "The pH scale measures how acidic or basic a solution is, from 0 to 14: 7 is neutral, lower is "
        "acidic and higher is basic.",
    ),
    "light_year": (
        "a light-year",
        ("Is a light-year a unit of time?",),
        "A light-year is a unit of distance, not time: the distance light travels in one year, about "
        "9.46 trillion kilometers.",
    ),
}

PROGRAMMING: dict[str, tuple[str, tuple[str, ...], str]] = {
    "list_comprehension": (
        "a Python list comprehension",
        ("What does a list comprehension do in Python?",),
        "A list comprehension builds a new list from an iterable in one expression, optionally filtering "
        "it: [x * 2 for x in nums if x > 0] doubles every positive number in nums.",
    ),
    "len_function": (
        "the len() function in Python",
        ("What does len() do?", "What is `len()` used for?"),
        "len() returns the number of items in a container: characters in a string, elements in a list or "
        "tuple, keys in a dict.",
    ),
    "list_vs_tuple": (
        "the difference between a list and a tuple",
        ("List vs tuple in Python?",),
        "Lists are mutable (you can add, remove or change items) and are written with []; tuples are "
        "immutable and written with (). Use tuples for fixed groups of values and lists for collections "
        "that change.",
    ),
    "dictionary": (
        "a Python dictionary",
        ("What is a dict in Python?",),
        'A dictionary maps keys to values, like {"name": "Ana", "age": 30}. Lookups by key are fast, '
        "keys must be hashable, and insertion order is kept.",
    ),
    "recursion": (
        "recursion",
        ("How does recursion work?",),
        "Recursion is when a function calls itself to solve a smaller version of the same problem, with "
        "a base case that stops the calls.",
    ),
    "big_o": (
        "Big O notation",
        ("What does O(n log n) mean?",),
        "Big O notation describes how an algorithm's running time or memory grows as the input grows, "
        "ignoring constants: O(n) grows linearly, O(n²) quadratically, O(log n) very slowly.",
    ),
    "variable": (
        "a variable in programming",
        (),
        "A variable is a name that refers to a value stored in memory, so you can use and change that "
        "value later in the program.",
    ),
    "function": (
        "a function in programming",
        (),
        "A function is a named, reusable block of code that takes inputs (parameters), does some work "
        "and usually returns a result.",
    ),
    "class_object": (
        "the difference between a class and an object",
        ("What is object-oriented programming?",),
        "A class is a blueprint that defines data and behavior; an object is a concrete instance created "
        "from that class. Object-oriented programming organizes code around such objects.",
    ),
    "git": (
        "Git",
        ("What is version control?",),
        "Git is a distributed version control system: it records snapshots (commits) of your files so "
        "you can track history, create branches, merge work and collaborate.",
    ),
    "git_rebase": (
        "git rebase",
        ("What's the difference between git merge and git rebase?",),
        "git rebase moves your commits so they start from another branch's tip, giving a linear history; "
        "git merge instead joins two histories with a merge commit. Avoid rebasing commits others "
        "already pulled.",
    ),
    "api": (
        "an API",
        ("What does API stand for?",),
        "An API (application programming interface) is a defined way for programs to talk to each other, "
        "such as a set of functions or web endpoints with agreed inputs and outputs.",
    ),
    "json": (
        "JSON",
        ("What is a JSON file?",),
        "JSON (JavaScript Object Notation) is a lightweight text format for data, built from objects "
        '{"key": value}, arrays [...], strings, numbers, booleans and null.',
    ),
    "sql": (
        "SQL",
        ("What is SQL used for?",),
        "SQL (Structured Query Language) is the language for querying and changing data in relational "
        "databases, with statements like SELECT, INSERT, UPDATE and DELETE.",
    ),
    "virtualenv": (
        "a Python virtual environment",
        ("Why should I use a venv?",),
        "A virtual environment is an isolated Python installation for one project, so its packages and "
        "versions do not clash with other projects. Create one with python -m venv .venv.",
    ),
    "decorator": (
        "a Python decorator",
        ("What does the @ symbol do above a Python function?",),
        "A decorator is a function that takes another function and returns a modified version of it; "
        "writing @decorator above a def applies it, for example to add logging or caching.",
    ),
    "generator": (
        "a Python generator",
        ("What does yield do in Python?",),
        "A generator is a function that uses yield to produce values one at a time, pausing between "
        "them, so it can iterate over large or infinite sequences without building a list in memory.",
    ),
    "exception": (
        "exception handling",
        ("What does try/except do?",),
        "Exception handling lets a program catch errors and respond instead of crashing: code in try "
        "runs, and if a matching error is raised, the except block handles it.",
    ),
    "compiled_interpreted": (
        "the difference between compiled and interpreted languages",
        (),
        "A compiled language is translated to machine code before it runs (like C or Rust); an "
        "interpreted language is executed by another program at run time (like Python, which first "
        "compiles to bytecode that its interpreter runs).",
    ),
    "http_rest": (
        "a REST API",
        (),
        "A REST API exposes resources at URLs and uses HTTP methods on them: GET to read, POST to "
        "create, PUT or PATCH to update and DELETE to remove, usually exchanging JSON.",
    ),
    "docker": (
        "Docker",
        ("What is a container?",),
        "Docker packages an application with its dependencies into a container, a lightweight isolated "
        "environment that runs the same way on any machine with Docker installed.",
    ),
    "machine_learning": (
        "machine learning",
        (),
        "Machine learning is a branch of AI in which programs learn patterns from data instead of "
        "following hand-written rules, for example learning to recognize spam from labeled emails.",
    ),
    "llm": (
        "a large language model",
        ("How do chatbots like you work?",),
        "A large language model is a neural network trained on huge amounts of text to predict the next "
        "token; that skill lets it answer questions, write and summarize text.",
    ),
    "overfitting": (
        "overfitting",
        (),
        "Overfitting is when a model learns its training data too closely, including noise, so it "
        "performs well on that data but poorly on new data.",
    ),
    "hash_function": (
        "a hash function",
        ("What is hashing?",),
        "A hash function maps data of any size to a fixed-size value. Good cryptographic hashes like "
        "SHA-256 are one-way and change completely if the input changes slightly.",
    ),
    "none_python": (
        "None in Python",
        (),
        'None is Python\'s special value for "nothing" or "no value". Functions without a return '
        "statement return None; test for it with `is None`.",
    ),
    "mutable_default": (
        "the mutable default argument problem in Python",
        ("Why is def f(x=[]) a bug?",),
        "Default values are evaluated once when the function is defined, so a mutable default like [] is "
        "shared between calls. Use None as the default and create the list inside the function.",
    ),
    "is_vs_eq": (
        "the difference between == and is in Python",
        (),
        "== checks whether two values are equal; is checks whether two names refer to the very same "
        "object. Use is mainly for None.",
    ),
    "range_function": (
        "Python's range() function",
        ("How does range() work in Python?",),
        "range(start, stop, step) produces a sequence of integers from start up to but not including "
        "stop; range(5) gives 0, 1, 2, 3, 4.",
    ),
    "print_vs_return": (
        "the difference between print and return",
        (),
        "print shows a value on the screen; return hands a value back to the caller of a function so the "
        "program can use it. A function that only prints returns None.",
    ),
    "string_immutability": (
        "string immutability in Python",
        ("Can you change a character in a Python string?",),
        "Python strings are immutable: you cannot change them in place. Methods like replace() or "
        "upper() return new strings.",
    ),
    "async": (
        "async/await",
        ("What does async do in Python?",),
        "async/await lets a program run other tasks while waiting for slow operations such as network "
        "calls, without using threads: an async function pauses at await and resumes when the result is "
        "ready.",
    ),
    "binary_search": (
        "binary search",
        (),
        "Binary search finds an item in a sorted list by repeatedly halving the search range, so it "
        "needs only about log2(n) comparisons.",
    ),
    "stack_queue": (
        "the difference between a stack and a queue",
        (),
        "A stack is last-in, first-out (like a pile of plates); a queue is first-in, first-out (like a "
        "line at a shop).",
    ),
    "linter": (
        "a linter",
        (),
        "A linter is a tool that checks source code for likely bugs and style problems without running "
        "it, such as ruff or flake8 for Python.",
    ),
    "unit_test": (
        "a unit test",
        ("Why write tests?",),
        "A unit test is a small automated check that a single function or component behaves as expected, "
        "so you can change code with confidence.",
    ),
    "regex": (
        "a regular expression",
        ("What is regex?",),
        "A regular expression (regex) is a pattern for matching text, such as \\d+ for one or more "
        "digits or ^\\w+@\\w+\\.com$ for a simple email.",
    ),
    "lambda": (
        "a lambda in Python",
        (),
        "A lambda is a small anonymous function written in one expression, like lambda x: x * 2; it is "
        "handy as a key for sorted() or max().",
    ),
}

MATH: dict[str, tuple[str, tuple[str, ...], str]] = {
    "prime_number": (
        "a prime number",
        ("How do I know if a number is prime?",),
        "A prime number is a whole number greater than 1 whose only divisors are 1 and itself, like 2, 3, 5, 7 and 11.",
    ),
    "percent": (
        "a percentage",
        ("What does percent mean?",),
        "A percentage is a number expressed as a fraction of 100: 25% means 25 out of 100, or 0.25.",
    ),
    "pythagorean": (
        "the Pythagorean theorem",
        (),
        "The Pythagorean theorem says that in a right triangle the square of the hypotenuse equals the "
        "sum of the squares of the other two sides: a² + b² = c².",
    ),
    "mean_median": (
        "the difference between mean and median",
        (),
        "The mean is the sum of the values divided by how many there are; the median is the middle value "
        "when they are sorted. The median is less affected by extreme values.",
    ),
    "compound_interest": (
        "compound interest",
        ("How does compound interest work?",),
        "Compound interest is interest earned on both the original amount and on interest already added, "
        "so savings grow faster over time: A = P(1 + r)^t for yearly compounding.",
    ),
    "derivative": (
        "a derivative in calculus",
        (),
        "A derivative measures how fast a function changes at a point: the slope of its graph there. For "
        "example, the derivative of x² is 2x.",
    ),
    "integral": (
        "an integral",
        (),
        "An integral adds up infinitely many small pieces; a definite integral gives the area under a "
        "curve between two points and undoes differentiation.",
    ),
    "pi": (
        "pi",
        ("Why is pi irrational?",),
        "Pi (π) is the ratio of any circle's circumference to its diameter, about 3.14159. It is "
        "irrational: its decimals never end or repeat.",
    ),
    "fraction": (
        "a fraction",
        (),
        "A fraction represents part of a whole, written as numerator over denominator: 3/4 means 3 parts "
        "out of 4 equal parts.",
    ),
    "probability": (
        "probability",
        (),
        "Probability measures how likely an event is, from 0 (impossible) to 1 (certain); for equally "
        "likely outcomes it is favorable outcomes divided by all outcomes.",
    ),
    "exponent": (
        "an exponent",
        (),
        "An exponent says how many times to multiply a number by itself: in 2³, the exponent 3 means 2 × 2 × 2.",
    ),
    "area_circle_formula": (
        "the formula for the area of a circle",
        ("How do you find the area of a circle?",),
        "The area of a circle is A = πr², where r is the radius.",
    ),
    "how_to_tip": (
        "how to calculate a tip",
        ("How do I work out a 15% tip in my head?",),
        "Find 10% by moving the decimal point one place left, then add half of that for 15%, or double "
        "it for 20%. For example, 10% of $40 is $4, so 15% is $6.",
    ),
    "how_to_percent_change": (
        "how to calculate percent change",
        (),
        "Percent change = (new value − old value) ÷ old value × 100. A positive result is an increase, a "
        "negative one a decrease.",
    ),
    "even_odd": (
        "the difference between even and odd numbers",
        (),
        "Even numbers are divisible by 2 (0, 2, 4, ...); odd numbers leave a remainder of 1 when divided "
        "by 2 (1, 3, 5, ...).",
    ),
    "infinity": (
        "infinity",
        ("Is infinity a number?",),
        "Infinity is not an ordinary number but the idea of something without end. In math there are "
        "even different sizes of infinity: there are more real numbers than whole numbers.",
    ),
    "standard_deviation": (
        "standard deviation",
        (),
        "Standard deviation measures how spread out values are around the mean: small means the values "
        "are close together, large means they vary a lot.",
    ),
    "prime_factorization_concept": (
        "prime factorization",
        (),
        "Prime factorization is writing a number as a product of primes, like 12 = 2 × 2 × 3. Every "
        "whole number greater than 1 has exactly one such factorization.",
    ),
    "logarithm": (
        "a logarithm",
        (),
        'A logarithm answers "to what power must I raise the base to get this number?": log₁₀(1000) = 3 '
        "because 10³ = 1000.",
    ),
    "divide_by_zero": (
        "division by zero",
        ("Why can't you divide by zero?",),
        "Division by zero is undefined: no number multiplied by 0 gives a nonzero result, and 0/0 could "
        "be any number, so no single answer makes sense.",
    ),
    "fibonacci_concept": (
        "the Fibonacci sequence",
        (),
        "The Fibonacci sequence starts 0, 1 and each next term is the sum of the previous two: 0, 1, 1, "
        "2, 3, 5, 8, 13, ...",
    ),
}

MONEY_LIFE: dict[str, tuple[str, tuple[str, ...], str]] = {
    "inflation": (
        "inflation",
        (),
        "Inflation is the general rise in prices over time, which means each unit of money buys a little less.",
    ),
    "stock": (
        "a stock",
        ("What does it mean to own shares?",),
        "A stock (or share) is a small piece of ownership in a company; its price rises and falls with "
        "what investors expect of the company.",
    ),
    "index_fund": (
        "an index fund",
        (),
        "An index fund is an investment fund that tracks a market index such as the S&P 500, giving "
        "broad diversification at low cost.",
    ),
    "credit_score": (
        "a credit score",
        ("How do I improve my credit score?",),
        "A credit score is a number lenders use to judge how likely you are to repay debt. Paying bills "
        "on time, keeping card balances low and not opening many new accounts at once help raise it.",
    ),
    "budget_rule": (
        "the 50/30/20 budgeting rule",
        (),
        "The 50/30/20 rule suggests spending about 50% of after-tax income on needs, 30% on wants and "
        "20% on savings or paying down debt.",
    ),
    "emergency_fund": (
        "an emergency fund",
        ("How big should an emergency fund be?",),
        "An emergency fund is money set aside for unexpected costs like job loss or repairs; a common "
        "guideline is three to six months of essential expenses.",
    ),
    "gdp": (
        "GDP",
        ("What does GDP measure?",),
        "GDP (gross domestic product) is the total value of goods and services produced in a country in "
        "a period, a common measure of the size of its economy.",
    ),
    "apr_apy": (
        "the difference between APR and APY",
        (),
        "APR is the yearly interest rate without compounding; APY includes the effect of compounding, so "
        "for the same rate APY is a bit higher when interest compounds more than once a year.",
    ),
    "democracy": (
        "democracy",
        (),
        "Democracy is a system of government in which power rests with the people, who vote in free "
        "elections for representatives or on decisions directly.",
    ),
    "renaissance": (
        "the Renaissance",
        (),
        "The Renaissance was a period of renewed interest in art, science and classical learning in "
        "Europe, roughly from the 14th to the 17th century, starting in Italy.",
    ),
    "meditation": (
        "meditation",
        (),
        "Meditation is the practice of training attention, often by focusing on the breath, to calm the "
        "mind and become more aware of thoughts and feelings.",
    ),
    "calorie": (
        "a calorie",
        (),
        "A calorie is a unit of energy; food labels use kilocalories, the energy needed to raise one "
        "kilogram of water by 1 °C.",
    ),
}

_register("science", SCIENCE, 0.45)
_register("programming", PROGRAMMING, 0.45)
_register("math", MATH, 0.45)
_register("general", MONEY_LIFE, 0.4)
