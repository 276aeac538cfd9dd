"""Calculator templates: arithmetic in the guises people actually ask for it.

Every template returns a plain arithmetic expression (numbers, ``+ - * / // % **``, parentheses, ``sqrt``, ``round``)
written in one canonical style: spaces around binary operators, none inside function calls. The expected answer is
never computed here: the build evaluates each expression with the project's calculator.
"""

from __future__ import annotations

import random

from sft.datagen.core import CALCULATOR, Draft, fmt_num, fmt_thousands, money, number_word, pick, rand_price, template

G = "synth_calc"


def _calc(prompt: str, expression: str) -> Draft:
    return Draft(prompt=prompt, expression=expression)


def _r2(expression: str) -> str:
    # Money and measured quantities are reported to cents / two decimals, as a person would want them.
    return f"round({expression}, 2)"


def _pct(
    rng: random.Random, choices: tuple[float, ...] = (5, 10, 12, 15, 18, 20, 25, 30, 33, 35, 40, 45, 60, 75)
) -> float:
    return rng.choice(choices)


# --- bare arithmetic ---------------------------------------------------------------------------------------------


@template(f"{G}/bare_add_sub", CALCULATOR)
def bare_add_sub(rng: random.Random) -> Draft:
    a, b = rng.randint(12, 9999), rng.randint(11, 9999)
    if rng.random() < 0.5:
        op, word = "+", rng.choice(("plus", "+", "+", "and"))
    else:
        op, word = "-", rng.choice(("minus", "-", "-", "take away"))
    shown = f"{a} {word} {b}" if word not in ("+", "-") or rng.random() < 0.6 else f"{a}{word}{b}"
    if word == "and":
        prompt = pick(rng, ("Add {a} and {b}.", "What do {a} and {b} add up to?", "Sum of {a} and {b}?"), a=a, b=b)
    elif word == "take away":
        prompt = pick(rng, ("{a} take away {b}?", "What's {a} take away {b}?"), a=a, b=b)
    else:
        prompt = pick(
            rng,
            (
                "What is {e}?",
                "what's {e}",
                "{e} = ?",
                "Compute {e}.",
                "calc {e}",
                "How much is {e}?",
                "{e}",
                "Can you work out {e}?",
                "Please calculate {e}",
                "Solve {e}",
            ),
            e=shown,
        )
    return _calc(prompt, f"{a} {op} {b}")


@template(f"{G}/bare_multiply", CALCULATOR)
def bare_multiply(rng: random.Random) -> Draft:
    a = rng.randint(11, 999)
    b = rng.randint(3, 99) if rng.random() < 0.7 else rng.randint(100, 9999)
    sym = rng.choice(("*", "x", "×", "times", "multiplied by"))
    prompt = pick(
        rng,
        (
            "What is {a} {s} {b}?",
            "{a} {s} {b}",
            "whats {a} {s} {b}",
            "Multiply {a} by {b}.",
            "What's the product of {a} and {b}?",
            "Calculate {a} {s} {b}.",
            "how much is {a} {s} {b}",
            "{a}{s2}{b}=?",
        ),
        a=a,
        b=b,
        s=sym,
        s2=sym if sym in ("*", "x") else "*",
    )
    return _calc(prompt, f"{a} * {b}")


@template(f"{G}/bare_divide", CALCULATOR)
def bare_divide(rng: random.Random) -> Draft:
    b = rng.randint(3, 64)
    a = b * rng.randint(5, 400) if rng.random() < 0.5 else rng.randint(20, 20000)
    prompt = pick(
        rng,
        (
            "What is {a} divided by {b}?",
            "{a} / {b}",
            "Divide {a} by {b}.",
            "what's {a}/{b}",
            "How much is {a} ÷ {b}?",
            "Compute {a} / {b}.",
            "{a} divided by {b} equals what?",
            "If I split {a} into {b} equal parts, how big is each part?",
        ),
        a=a,
        b=b,
    )
    return _calc(prompt, f"{a} / {b}")


def _random_expr(rng: random.Random, depth: int = 0) -> tuple[str, str]:
    """A random nested expression: (canonical text, text as the user types it)."""
    if depth >= 2 or (depth > 0 and rng.random() < 0.45):
        n = rng.randint(2, 120) if rng.random() < 0.8 else round(rng.uniform(0.5, 60), rng.choice((1, 2)))
        return fmt_num(n), fmt_num(n)
    left, left_user = _random_expr(rng, depth + 1)
    right, right_user = _random_expr(rng, depth + 1)
    op = rng.choice(("+", "-", "*", "/", "*", "+"))
    canon = f"{left} {op} {right}"
    user_op = op if rng.random() < 0.7 else {"*": "x", "/": "/", "+": "+", "-": "-"}[op]
    user = f"{left_user} {user_op} {right_user}" if rng.random() < 0.6 else f"{left_user}{user_op}{right_user}"
    if depth > 0:
        canon, user = f"({canon})", f"({user})"
    return canon, user


@template(f"{G}/bare_nested", CALCULATOR, weight=1.5)
def bare_nested(rng: random.Random) -> Draft:
    canon, user = _random_expr(rng)
    prompt = pick(
        rng,
        (
            "What is {e}?",
            "Evaluate {e}",
            "{e}",
            "compute {e} please",
            "What does {e} come out to?",
            "Simplify {e}.",
            "{e} = ?",
            "Calculate: {e}",
            "Can you evaluate {e} for me?",
            "what do u get for {e}",
        ),
        e=user,
    )
    return _calc(prompt, canon)


@template(f"{G}/bare_decimals", CALCULATOR)
def bare_decimals(rng: random.Random) -> Draft:
    a = round(rng.uniform(0.1, 500), rng.choice((1, 2, 3)))
    b = round(rng.uniform(0.1, 80), rng.choice((1, 2)))
    op = rng.choice(("+", "-", "*", "/"))
    word = {"+": "plus", "-": "minus", "*": "times", "/": "divided by"}[op]
    shown = f"{fmt_num(a, 3)} {op} {fmt_num(b)}" if rng.random() < 0.6 else f"{fmt_num(a, 3)} {word} {fmt_num(b)}"
    prompt = pick(rng, ("What is {e}?", "{e}", "Work out {e}.", "how much is {e}", "Quick: {e}?"), e=shown)
    return _calc(prompt, f"{fmt_num(a, 3)} {op} {fmt_num(b)}")


@template(f"{G}/bare_large_numbers", CALCULATOR)
def bare_large_numbers(rng: random.Random) -> Draft:
    a, b = rng.randint(10_000, 99_999_999), rng.randint(1_000, 999_999)
    op = rng.choice(("*", "+", "-", "*"))
    sa, sb = fmt_thousands(a, rng), fmt_thousands(b, rng)
    sym = {"*": rng.choice(("*", "x", "times")), "+": "+", "-": "-"}[op]
    prompt = pick(
        rng,
        ("What is {a} {s} {b}?", "{a} {s} {b}", "Compute {a} {s} {b} exactly.", "I need {a} {s} {b}"),
        a=sa,
        b=sb,
        s=sym,
    )
    return _calc(prompt, f"{a} {op} {b}")


@template(f"{G}/bare_power", CALCULATOR)
def bare_power(rng: random.Random) -> Draft:
    kind = rng.random()
    if kind < 0.3:
        base, exp = rng.randint(11, 99), 2
        prompt = pick(rng, ("What is {b} squared?", "{b}^2", "square {b}", "What's {b} to the power of 2?"), b=base)
    elif kind < 0.5:
        base, exp = rng.randint(4, 40), 3
        prompt = pick(rng, ("What is {b} cubed?", "{b}^3", "cube of {b}?", "{b} to the third power"), b=base)
    else:
        base, exp = rng.randint(2, 15), rng.randint(4, 20)
        prompt = pick(
            rng,
            (
                "What is {b} to the power of {e}?",
                "{b}^{e}",
                "{b}**{e}",
                "Raise {b} to the {e}th power.",
                "Calculate {b} raised to {e}.",
                "how much is {b} ^ {e}",
            ),
            b=base,
            e=exp,
        )
    return _calc(prompt, f"{base} ** {exp}")


@template(f"{G}/square_root", CALCULATOR)
def square_root(rng: random.Random) -> Draft:
    n = rng.randint(11, 99) ** 2 if rng.random() < 0.4 else rng.randint(2, 100_000)
    prompt = pick(
        rng,
        (
            "What is the square root of {n}?",
            "sqrt({n})",
            "sqrt {n}",
            "√{n}",
            "Find the square root of {n}.",
            "what's the sqrt of {n}",
            "Square root of {n}, please.",
        ),
        n=n,
    )
    return _calc(prompt, f"sqrt({n})")


@template(f"{G}/modulo", CALCULATOR)
def modulo(rng: random.Random) -> Draft:
    a, b = rng.randint(20, 100_000), rng.randint(3, 97)
    prompt = pick(
        rng,
        (
            "What is the remainder when {a} is divided by {b}?",
            "{a} mod {b}",
            "{a} % {b}",
            "What's {a} modulo {b}?",
            "remainder of {a} / {b}?",
        ),
        a=a,
        b=b,
    )
    return _calc(prompt, f"{a} % {b}")


@template(f"{G}/floor_division", CALCULATOR)
def floor_division(rng: random.Random) -> Draft:
    size = rng.randint(6, 48)
    total = rng.randint(size * 3, size * 300)
    thing, box = rng.choice(
        (
            ("eggs", "cartons of {s}"),
            ("students", "teams of {s}"),
            ("cookies", "bags of {s}"),
            ("bottles", "crates of {s}"),
        )
    )
    prompt = pick(
        rng,
        (
            "I have {t} {thing}. How many full {box} can I make?",
            "How many complete {box} can be filled from {t} {thing}?",
            "What is {t} integer-divided by {s}?",
            "{t} // {s}",
        ),
        t=total,
        thing=thing,
        box=box.format(s=size),
        s=size,
    )
    return _calc(prompt, f"{total} // {size}")


@template(f"{G}/word_numbers", CALCULATOR)
def word_numbers(rng: random.Random) -> Draft:
    a, b = rng.randint(11, 20), rng.randint(6, 20)
    op, word = rng.choice((("*", "times"), ("+", "plus"), ("-", "minus"), ("*", "multiplied by")))
    prompt = pick(
        rng,
        ("What is {a} {w} {b}?", "what's {a} {w} {b}", "{a} {w} {b}, how much is that?"),
        a=number_word(a),
        b=number_word(b),
        w=word,
    )
    return _calc(prompt, f"{a} {op} {b}")


@template(f"{G}/sum_list", CALCULATOR)
def sum_list(rng: random.Random) -> Draft:
    nums = [
        rng.randint(3, 999) if rng.random() < 0.7 else round(rng.uniform(1, 300), 2) for _ in range(rng.randint(3, 7))
    ]
    shown = ", ".join(fmt_num(n) for n in nums)
    prompt = pick(
        rng,
        ("Add up {l}.", "What's the total of {l}?", "Sum these: {l}", "sum of {l}", "Total: {l}?"),
        l=shown,
    )
    return _calc(prompt, " + ".join(fmt_num(n) for n in nums))


@template(f"{G}/fraction_of", CALCULATOR)
def fraction_of(rng: random.Random) -> Draft:
    num, den = rng.choice(((3, 4), (2, 3), (3, 8), (5, 6), (7, 8), (2, 5), (4, 7), (5, 12), (1, 3), (1, 8)))
    whole = rng.randint(13, 5000)
    prompt = pick(
        rng,
        ("What is {n}/{d} of {w}?", "{n}/{d} of {w} is how much?", "Find {n}/{d} of {w}.", "what's {n} {d}ths of {w}"),
        n=num,
        d=den,
        w=whole,
    )
    if "ths" in prompt and den in (2, 3):
        prompt = f"What is {num}/{den} of {whole}?"
    return _calc(prompt, f"{whole} * {num} / {den}")


@template(f"{G}/fraction_to_decimal", CALCULATOR)
def fraction_to_decimal(rng: random.Random) -> Draft:
    den = rng.randint(3, 64)
    num = rng.randint(1, den * 3)
    prompt = pick(
        rng,
        ("What is {n}/{d} as a decimal?", "Convert {n}/{d} to a decimal.", "{n} over {d} in decimal form?"),
        n=num,
        d=den,
    )
    return _calc(prompt, f"{num} / {den}")


# --- percentages -------------------------------------------------------------------------------------------------


@template(f"{G}/percent_of", CALCULATOR, family="pct_of")
def percent_of(rng: random.Random) -> Draft:
    p = rng.choice((3, 7, 12.5, 15, 17, 22, 35, 45, 65, 85, 120, 2.5, 8, 19))
    n = rng.randint(40, 90_000)
    prompt = pick(
        rng,
        (
            "What is {p}% of {n}?",
            "{p}% of {n}",
            "what's {p} percent of {n}",
            "Calculate {p}% of {n}.",
            "How much is {p} percent of {n}?",
            "find {p}% of {n}",
        ),
        p=fmt_num(p),
        n=fmt_thousands(n, rng),
    )
    return _calc(prompt, f"{n} * {fmt_num(p)} / 100")


@template(f"{G}/what_percent", CALCULATOR, family="what_percent")
def what_percent(rng: random.Random) -> Draft:
    whole = rng.randint(20, 5000)
    part = rng.randint(1, whole)
    prompt = pick(
        rng,
        (
            "What percent of {w} is {p}?",
            "{p} is what percentage of {w}?",
            "{p} out of {w} as a percentage?",
            "I scored {p} out of {w}. What's my percentage?",
            "What percentage is {p}/{w}?",
        ),
        p=part,
        w=whole,
    )
    return _calc(prompt, f"{part} / {whole} * 100")


@template(f"{G}/percent_change", CALCULATOR, family="pct_change")
def percent_change(rng: random.Random) -> Draft:
    old = rng.randint(20, 5000)
    new = max(1, int(old * rng.uniform(0.4, 1.9)))
    if new == old:
        new += 7
    thing = rng.choice(("the price", "my rent", "our sales", "the population", "my salary", "the stock", "traffic"))
    prompt = pick(
        rng,
        (
            "{t} went from {o} to {n}. What's the percent change?",
            "Percentage change from {o} to {n}?",
            "By what percent did {t} change if it went from {o} to {n}?",
            "If {t} moved from {o} to {n}, how much is that in percent?",
        ),
        t=thing,
        o=old,
        n=new,
    )
    return _calc(prompt[0].upper() + prompt[1:], f"({new} - {old}) / {old} * 100")


@template(f"{G}/increase_by_percent", CALCULATOR)
def increase_by_percent(rng: random.Random) -> Draft:
    base = rng.randint(30, 90_000)
    p = _pct(rng, (3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 40))
    if rng.random() < 0.5:
        prompt = pick(
            rng,
            ("Increase {b} by {p}%.", "What is {b} plus {p}%?", "{b} with a {p}% increase is?"),
            b=base,
            p=p,
        )
        return _calc(prompt, f"{base} * (1 + {p} / 100)")
    prompt = pick(
        rng,
        ("Decrease {b} by {p}%.", "What's {b} minus {p}%?", "Reduce {b} by {p} percent."),
        b=base,
        p=p,
    )
    return _calc(prompt, f"{base} * (1 - {p} / 100)")


@template(f"{G}/reverse_percentage", CALCULATOR)
def reverse_percentage(rng: random.Random) -> Draft:
    p = rng.choice((10, 15, 20, 25, 30, 40))
    final = rand_price(rng, 20, 600)
    prompt = pick(
        rng,
        (
            "After a {p}% discount a coat costs {m}. What was the original price?",
            "I paid {m} after {p}% off. What was the full price?",
            "A price of {m} already includes a {p}% markup. What was it before the markup?",
        ),
        p=p,
        m=money(rng, final),
    )
    if "markup" in prompt:
        return _calc(prompt, _r2(f"{fmt_num(final)} / (1 + {p} / 100)"))
    return _calc(prompt, _r2(f"{fmt_num(final)} / (1 - {p} / 100)"))


# --- shopping ----------------------------------------------------------------------------------------------------

_ITEMS = (
    "jacket",
    "pair of shoes",
    "laptop",
    "backpack",
    "lamp",
    "blender",
    "sofa",
    "bike",
    "watch",
    "tent",
    "coffee maker",
    "headphones",
    "dress",
    "printer",
    "phone case",
    "rug",
)


@template(f"{G}/discount_price", CALCULATOR, weight=1.3, family="pct_off")
def discount_price(rng: random.Random) -> Draft:
    price, p, item = rand_price(rng, 8, 1500), _pct(rng), rng.choice(_ITEMS)
    m = money(rng, price)
    prompt = pick(
        rng,
        (
            "A {i} costs {m} and is {p}% off. What's the sale price?",
            "How much is a {m} {i} after a {p}% discount?",
            "{p}% off {m}, what do I pay?",
            "the {i} is {m} with {p} percent off, final price?",
            "What will I pay for a {i} priced {m} if there's a {p}% discount?",
            "Sale: {p}% off everything. My {i} was {m}. New price?",
        ),
        i=item,
        m=m,
        p=fmt_num(p),
    )
    return _calc(prompt, _r2(f"{fmt_num(price)} * (1 - {fmt_num(p)} / 100)"))


@template(f"{G}/discount_savings", CALCULATOR)
def discount_savings(rng: random.Random) -> Draft:
    price, p, item = rand_price(rng, 8, 900), _pct(rng), rng.choice(_ITEMS)
    prompt = pick(
        rng,
        (
            "How much do I save with {p}% off a {m} {i}?",
            "A {i} is {m}. With a {p}% coupon, how much money do I save?",
            "what's the discount amount on {m} at {p}% off",
        ),
        i=item,
        m=money(rng, price),
        p=fmt_num(p),
    )
    return _calc(prompt, _r2(f"{fmt_num(price)} * {fmt_num(p)} / 100"))


@template(f"{G}/stacked_discounts", CALCULATOR)
def stacked_discounts(rng: random.Random) -> Draft:
    price = rand_price(rng, 20, 800)
    p1, p2 = rng.choice((20, 25, 30, 40, 50)), rng.choice((5, 10, 15, 20))
    prompt = pick(
        rng,
        (
            "An item is {m}, marked {a}% off, and I have a coupon for an extra {b}% off the sale price. Final price?",
            "{m} with {a}% off, then another {b}% off at checkout. How much do I pay?",
            "What's {m} after a {a}% discount followed by a further {b}% discount?",
        ),
        m=money(rng, price),
        a=p1,
        b=p2,
    )
    return _calc(prompt, _r2(f"{fmt_num(price)} * (1 - {p1} / 100) * (1 - {p2} / 100)"))


@template(f"{G}/sales_tax", CALCULATOR)
def sales_tax(rng: random.Random) -> Draft:
    price = rand_price(rng, 3, 2500)
    tax = rng.choice((4, 5, 6, 6.25, 7, 7.5, 8, 8.25, 8.875, 9.5, 10, 13, 19, 20, 21))
    prompt = pick(
        rng,
        (
            "What's the total for a {m} purchase with {t}% sales tax?",
            "{m} plus {t}% tax =",
            "If tax is {t}%, how much will something that costs {m} come to?",
            "Price is {m} before tax. Tax rate {t}%. Total?",
            "how much is {m} after adding {t}% VAT",
        ),
        m=money(rng, price),
        t=fmt_num(tax, 3),
    )
    return _calc(prompt, _r2(f"{fmt_num(price)} * (1 + {fmt_num(tax, 3)} / 100)"))


@template(f"{G}/tax_amount", CALCULATOR)
def tax_amount(rng: random.Random) -> Draft:
    price = rand_price(rng, 10, 3000)
    tax = rng.choice((5, 6, 7.25, 8, 8.5, 10, 12, 15, 20))
    prompt = pick(
        rng,
        ("How much tax do I pay on {m} at {t}%?", "What's {t}% tax on {m}?", "Tax on a {m} bill at a {t}% rate?"),
        m=money(rng, price),
        t=fmt_num(tax),
    )
    return _calc(prompt, _r2(f"{fmt_num(price)} * {fmt_num(tax)} / 100"))


@template(f"{G}/tip", CALCULATOR, weight=1.2)
def tip(rng: random.Random) -> Draft:
    bill, p = rand_price(rng, 12, 400), rng.choice((10, 12, 15, 18, 20, 22, 25))
    if rng.random() < 0.5:
        prompt = pick(
            rng,
            (
                "What's a {p}% tip on {m}?",
                "How much should I tip on a {m} bill at {p}%?",
                "{p} percent tip for {m}?",
                "our dinner was {m}, how much is a {p}% tip",
                "Calculate a {p}% gratuity on {m}.",
            ),
            m=money(rng, bill),
            p=p,
        )
        return _calc(prompt, _r2(f"{fmt_num(bill)} * {p} / 100"))
    prompt = pick(
        rng,
        (
            "Bill is {m}. With a {p}% tip, what's the total?",
            "What do I pay in total on {m} if I leave {p}% tip?",
            "{m} meal plus {p}% tip, total?",
        ),
        m=money(rng, bill),
        p=p,
    )
    return _calc(prompt, _r2(f"{fmt_num(bill)} * (1 + {p} / 100)"))


@template(f"{G}/split_bill", CALCULATOR)
def split_bill(rng: random.Random) -> Draft:
    bill, people = rand_price(rng, 30, 900), rng.randint(2, 12)
    if rng.random() < 0.5:
        p = rng.choice((15, 18, 20))
        prompt = pick(
            rng,
            (
                "The bill is {m} and we're adding a {p}% tip. Split between {n} people, how much each?",
                "{n} friends split a {m} dinner plus {p}% tip equally. What does each person pay?",
                "split {m} + {p}% tip {n} ways",
            ),
            m=money(rng, bill),
            p=p,
            n=people,
        )
        return _calc(prompt, _r2(f"{fmt_num(bill)} * (1 + {p} / 100) / {people}"))
    prompt = pick(
        rng,
        (
            "Split {m} evenly among {n} people.",
            "We are {n} and the bill is {m}. How much does each of us owe?",
            "{m} divided {n} ways?",
            "How much per person if {n} of us share a {m} bill?",
        ),
        m=money(rng, bill),
        n=people,
    )
    return _calc(prompt, _r2(f"{fmt_num(bill)} / {people}"))


_GROCERIES = (
    ("apples", "kg", 1.5, 5.0),
    ("bananas", "bunch", 0.9, 3.0),
    ("milk", "carton", 0.9, 3.5),
    ("bread", "loaf", 1.5, 6.0),
    ("eggs", "dozen", 2.0, 7.0),
    ("coffee", "bag", 4.0, 18.0),
    ("cheese", "block", 2.5, 9.0),
    ("rice", "bag", 1.0, 12.0),
    ("notebooks", "pack", 1.0, 9.0),
    ("pens", "box", 1.0, 8.0),
    ("tomatoes", "kg", 1.2, 6.0),
    ("pizza", "box", 6.0, 20.0),
)


@template(f"{G}/shopping_total", CALCULATOR, weight=1.3)
def shopping_total(rng: random.Random) -> Draft:
    chosen = rng.sample(_GROCERIES, rng.randint(2, 4))
    cur = rng.choice(("$", "€", "£"))
    parts, terms = [], []
    for name, unit, low, high in chosen:
        qty, price = rng.randint(1, 6), round(rng.uniform(low, high), 2)
        parts.append(
            f"{qty} {unit}{'s' if qty > 1 and unit not in ('kg',) else ''} of {name} at {money(rng, price, cur)} each"
        )
        terms.append(f"{qty} * {fmt_num(price)}")
    listing = ", ".join(parts[:-1]) + " and " + parts[-1]
    prompt = pick(
        rng,
        (
            "I'm buying {l}. What's the total?",
            "How much do I spend on {l}?",
            "Total cost of {l}?",
            "{l} - how much altogether?",
        ),
        l=listing,
    )
    return _calc(prompt, _r2(" + ".join(terms)))


@template(f"{G}/change_due", CALCULATOR)
def change_due(rng: random.Random) -> Draft:
    cost = rand_price(rng, 1, 95)
    paid = rng.choice([x for x in (5, 10, 20, 50, 100) if x > cost] or [100])
    prompt = pick(
        rng,
        (
            "I pay {p} for something that costs {c}. How much change do I get?",
            "Change from a {p} note for a {c} purchase?",
            "Cashier question: total is {c}, customer gives {p}. Change?",
        ),
        p=money(rng, paid, "$"),
        c=money(rng, cost, "$"),
    )
    return _calc(prompt, _r2(f"{paid} - {fmt_num(cost)}"))


@template(f"{G}/unit_price", CALCULATOR)
def unit_price(rng: random.Random) -> Draft:
    qty, unit = rng.choice(
        ((12, "ounces"), (500, "grams"), (24, "cans"), (6, "rolls"), (1.5, "liters"), (32, "ounces"), (750, "ml"))
    )
    price = rand_price(rng, 1, 30)
    prompt = pick(
        rng,
        (
            "A pack of {q} {u} costs {m}. What's the price per {u1}?",
            "{m} for {q} {u}, how much per {u1}?",
            "Unit price of {q} {u} at {m}?",
        ),
        q=fmt_num(qty),
        u=unit,
        u1=unit.rstrip("s"),
        m=money(rng, price),
    )
    return _calc(prompt, f"{fmt_num(price)} / {fmt_num(qty)}")


@template(f"{G}/bulk_order", CALCULATOR)
def bulk_order(rng: random.Random) -> Draft:
    n, price = rng.randint(12, 5000), rand_price(rng, 0.2, 60)
    thing = rng.choice(("t-shirts", "mugs", "chairs", "tickets", "seeds", "bolts", "flyers", "keyboards"))
    prompt = pick(
        rng,
        (
            "We need {n} {t} at {m} apiece. Total cost?",
            "What do {n} {t} cost if each is {m}?",
            "{n} {t} x {m} each = ?",
        ),
        n=fmt_thousands(n, rng),
        t=thing,
        m=money(rng, price),
    )
    return _calc(prompt, _r2(f"{n} * {fmt_num(price)}"))


@template(f"{G}/markup", CALCULATOR)
def markup(rng: random.Random) -> Draft:
    cost, p = rand_price(rng, 2, 400), rng.choice((20, 25, 30, 40, 50, 60, 100))
    prompt = pick(
        rng,
        (
            "I buy stock at {m} and mark it up {p}%. What's my selling price?",
            "Cost is {m}, markup is {p}%. Retail price?",
            "What should I charge for something that cost me {m} with a {p}% markup?",
        ),
        m=money(rng, cost),
        p=p,
    )
    return _calc(prompt, _r2(f"{fmt_num(cost)} * (1 + {p} / 100)"))


@template(f"{G}/profit_margin", CALCULATOR)
def profit_margin(rng: random.Random) -> Draft:
    cost = rand_price(rng, 5, 500)
    price = round(cost * rng.uniform(1.1, 2.5), 2)
    prompt = pick(
        rng,
        (
            "I sell something for {p} that costs me {c}. What's my profit margin in percent?",
            "Profit margin % if revenue is {p} and cost is {c}?",
            "What percentage of the {p} sale price is profit when the cost was {c}?",
        ),
        p=money(rng, price, "$"),
        c=money(rng, cost, "$"),
    )
    return _calc(prompt, _r2(f"({fmt_num(price)} - {fmt_num(cost)}) / {fmt_num(price)} * 100"))


@template(f"{G}/commission", CALCULATOR)
def commission(rng: random.Random) -> Draft:
    sales, p = rng.randint(1000, 500_000), rng.choice((1.5, 2, 2.5, 3, 5, 6, 8, 10))
    prompt = pick(
        rng,
        (
            "A realtor earns {p}% commission on a {m} sale. How much is that?",
            "My commission rate is {p}% and I sold {m} this month. What's my commission?",
            "{p}% commission on {m}?",
        ),
        p=fmt_num(p),
        m=money(rng, sales, "$"),
    )
    return _calc(prompt, _r2(f"{sales} * {fmt_num(p)} / 100"))


# --- money over time ---------------------------------------------------------------------------------------------


@template(f"{G}/simple_interest", CALCULATOR)
def simple_interest(rng: random.Random) -> Draft:
    p, r, t = rng.randint(500, 100_000), rng.choice((1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7.5, 8)), rng.randint(1, 15)
    prompt = pick(
        rng,
        (
            "What is the simple interest on {m} at {r}% per year for {t} years?",
            "Simple interest: principal {m}, rate {r}%, time {t} years. Interest earned?",
            "I lend {m} at {r}% simple interest for {t} years. How much interest do I get?",
            "how much simple interest does {m} earn in {t} yrs at {r}%",
        ),
        m=money(rng, p, "$"),
        r=fmt_num(r),
        t=t,
    )
    return _calc(prompt, _r2(f"{p} * {fmt_num(r)} / 100 * {t}"))


@template(f"{G}/compound_interest", CALCULATOR, weight=1.2)
def compound_interest(rng: random.Random) -> Draft:
    p, r, t = rng.randint(500, 200_000), rng.choice((2, 3, 3.5, 4, 4.25, 5, 6, 7, 8, 10)), rng.randint(2, 40)
    if rng.random() < 0.5:
        prompt = pick(
            rng,
            (
                "If I invest {m} at {r}% interest compounded annually, how much will I have after {t} years?",
                "{m} grows at {r}% a year, compounded yearly. Value after {t} years?",
                "compound interest: {m}, {r}% annual, {t} years. final amount?",
                "What will a {m} deposit be worth in {t} years at {r}% compounded annually?",
            ),
            m=money(rng, p, "$"),
            r=fmt_num(r),
            t=t,
        )
        return _calc(prompt, _r2(f"{p} * (1 + {fmt_num(r)} / 100) ** {t}"))
    n, label = rng.choice(((12, "monthly"), (4, "quarterly"), (365, "daily")))
    prompt = pick(
        rng,
        (
            "{m} at {r}% annual interest compounded {l} for {t} years: what's the final balance?",
            "How much is {m} worth after {t} years at {r}% APR compounded {l}?",
        ),
        m=money(rng, p, "$"),
        r=fmt_num(r),
        t=t,
        l=label,
    )
    return _calc(prompt, _r2(f"{p} * (1 + {fmt_num(r)} / 100 / {n}) ** ({n} * {t})"))


@template(f"{G}/loan_payment", CALCULATOR)
def loan_payment(rng: random.Random) -> Draft:
    p = rng.randint(5, 600) * 1000
    r = rng.choice((2.9, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 8, 9.9))
    years = rng.choice((3, 4, 5, 10, 15, 20, 25, 30))
    prompt = pick(
        rng,
        (
            "What's the monthly payment on a {m} loan at {r}% APR over {y} years?",
            "Mortgage of {m}, {r}% interest, {y}-year term. Monthly payment?",
            "I borrow {m} for {y} years at {r}% a year. What will I pay each month?",
        ),
        m=money(rng, p, "$"),
        r=fmt_num(r),
        y=years,
    )
    rate = f"{fmt_num(r)} / 100 / 12"
    return _calc(prompt, _r2(f"{p} * ({rate}) / (1 - (1 + {rate}) ** -{years * 12})"))


@template(f"{G}/savings_plan", CALCULATOR)
def savings_plan(rng: random.Random) -> Draft:
    goal, months = rng.randint(5, 400) * 100, rng.randint(3, 48)
    thing = rng.choice(("a car", "a vacation", "a new laptop", "a wedding", "an emergency fund", "a down payment"))
    prompt = pick(
        rng,
        (
            "I want to save {m} for {t} in {n} months. How much per month?",
            "How much do I need to put aside each month to reach {m} in {n} months?",
            "Saving {m} over {n} months, what's the monthly amount?",
        ),
        m=money(rng, goal, "$"),
        t=thing,
        n=n_or_word(rng, months),
    )
    return _calc(prompt, _r2(f"{goal} / {months}"))


def n_or_word(rng: random.Random, n: int) -> str:
    """Digits usually, words sometimes (for numbers up to twenty)."""
    return number_word(n) if n <= 20 and rng.random() < 0.25 else str(n)


@template(f"{G}/hourly_to_annual", CALCULATOR)
def hourly_to_annual(rng: random.Random) -> Draft:
    rate, hours = round(rng.uniform(9, 95), rng.choice((0, 2))), rng.choice((20, 25, 30, 35, 37.5, 40, 45))
    weeks = rng.choice((52, 50, 48))
    prompt = pick(
        rng,
        (
            "If I earn {m} an hour and work {h} hours a week for {w} weeks, what's my yearly income?",
            "{m}/hr, {h} hrs/week, {w} weeks a year. Annual pay?",
            "What's the annual salary for {m} per hour at {h} hours per week, {w} weeks?",
        ),
        m=money(rng, rate, "$"),
        h=fmt_num(hours),
        w=weeks,
    )
    return _calc(prompt, _r2(f"{fmt_num(rate)} * {fmt_num(hours)} * {weeks}"))


@template(f"{G}/salary_breakdown", CALCULATOR)
def salary_breakdown(rng: random.Random) -> Draft:
    salary = rng.randint(20, 250) * 1000
    per, div = rng.choice((("month", "12"), ("week", "52"), ("two-week paycheck", "26")))
    prompt = pick(
        rng,
        (
            "My salary is {m} a year. How much is that per {p}?",
            "{m} annually is how much per {p}?",
            "Convert a {m} yearly salary to a per-{p} amount.",
        ),
        m=money(rng, salary, "$"),
        p=per,
    )
    return _calc(prompt, _r2(f"{salary} / {div}"))


@template(f"{G}/overtime_pay", CALCULATOR)
def overtime_pay(rng: random.Random) -> Draft:
    rate, extra = round(rng.uniform(12, 60), 2), rng.randint(1, 20)
    prompt = pick(
        rng,
        (
            "I make {m}/hour and worked 40 regular hours plus {e} overtime hours at time and a half. Total pay?",
            "Weekly pay for 40 hours at {m} plus {e} hours of overtime paid at 1.5x?",
        ),
        m=money(rng, rate, "$"),
        e=extra,
    )
    return _calc(prompt, _r2(f"40 * {fmt_num(rate)} + {extra} * {fmt_num(rate)} * 1.5"))


@template(f"{G}/pay_raise", CALCULATOR)
def pay_raise(rng: random.Random) -> Draft:
    salary, p = rng.randint(25, 180) * 1000 + rng.choice((0, 500)), rng.choice((2, 3, 3.5, 4, 5, 7, 10, 12))
    prompt = pick(
        rng,
        (
            "I earn {m} and just got a {p}% raise. What's my new salary?",
            "New salary after a {p}% raise on {m}?",
            "{m} + {p}% raise = ?",
        ),
        m=money(rng, salary, "$"),
        p=fmt_num(p),
    )
    return _calc(prompt, _r2(f"{salary} * (1 + {fmt_num(p)} / 100)"))


@template(f"{G}/stock_gain", CALCULATOR)
def stock_gain(rng: random.Random) -> Draft:
    shares, buy = rng.randint(2, 500), round(rng.uniform(5, 400), 2)
    sell = round(buy * rng.uniform(0.6, 1.8), 2)
    prompt = pick(
        rng,
        (
            "I bought {n} shares at {b} and sold them at {s}. What's my profit or loss?",
            "{n} shares, bought at {b}, now {s}. Gain?",
            "How much did I make on {n} shares bought for {b} each and sold for {s} each?",
        ),
        n=shares,
        b=money(rng, buy, "$"),
        s=money(rng, sell, "$"),
    )
    return _calc(prompt, _r2(f"{shares} * ({fmt_num(sell)} - {fmt_num(buy)})"))


@template(f"{G}/ratio_split", CALCULATOR)
def ratio_split(rng: random.Random) -> Draft:
    total = rng.randint(10, 5000) * 10
    a, b = rng.choice(((2, 3), (3, 5), (1, 4), (3, 7), (5, 3), (4, 1), (2, 7)))
    prompt = pick(
        rng,
        (
            "Split {m} in the ratio {a}:{b}. How much is the larger share?",
            "Two partners divide {m} profit {a}:{b}. What does the partner with the bigger part get?",
            "Divide {m} between two people in a {a} to {b} ratio; what's the bigger portion?",
        ),
        m=money(rng, total, "$"),
        a=a,
        b=b,
    )
    return _calc(prompt, _r2(f"{total} * {max(a, b)} / ({a} + {b})"))


@template(f"{G}/budget_share", CALCULATOR)
def budget_share(rng: random.Random) -> Draft:
    income, spend = rng.randint(1500, 12000), rng.randint(200, 3000)
    what = rng.choice(("rent", "groceries", "my car", "childcare", "eating out", "subscriptions"))
    prompt = pick(
        rng,
        (
            "I make {i} a month and spend {s} on {w}. What percent of my income is that?",
            "What share of a {i} monthly income is {s} for {w}, in percent?",
        ),
        i=money(rng, income, "$"),
        s=money(rng, spend, "$"),
        w=what,
    )
    return _calc(prompt, _r2(f"{spend} / {income} * 100"))


@template(f"{G}/currency_convert", CALCULATOR, weight=1.3)
def currency_convert(rng: random.Random) -> Draft:
    pairs = (
        ("USD", "EUR", 0.85, 0.97),
        ("EUR", "USD", 1.03, 1.18),
        ("GBP", "USD", 1.2, 1.35),
        ("USD", "JPY", 135, 160),
        ("USD", "INR", 80, 88),
        ("CAD", "USD", 0.7, 0.78),
        ("AUD", "EUR", 0.58, 0.66),
        ("EUR", "GBP", 0.83, 0.88),
        ("CHF", "EUR", 1.02, 1.1),
        ("USD", "MXN", 16.5, 20),
    )
    src, dst, low, high = rng.choice(pairs)
    rate = round(rng.uniform(low, high), 4 if high < 5 else 2)
    amount = rng.randint(5, 20000) if rng.random() < 0.7 else round(rng.uniform(1, 999), 2)
    prompt = pick(
        rng,
        (
            "Convert {a} {s} to {d} at a rate of 1 {s} = {r} {d}.",
            "If 1 {s} is {r} {d}, how many {d} is {a} {s}?",
            "The exchange rate is {r} {d} per {s}. What's {a} {s} in {d}?",
            "how much is {a} {s} in {d}? rate today is {r}",
            "I have {a} {s}. At {r} {d} to the {s}, how much {d} do I get?",
        ),
        a=fmt_num(amount),
        s=src,
        d=dst,
        r=fmt_num(rate, 4),
    )
    return _calc(prompt, _r2(f"{fmt_num(amount)} * {fmt_num(rate, 4)}"))


@template(f"{G}/currency_with_fee", CALCULATOR)
def currency_with_fee(rng: random.Random) -> Draft:
    amount, rate, fee = rng.randint(50, 5000), round(rng.uniform(0.8, 1.4), 3), rng.choice((1, 1.5, 2, 2.5, 3))
    prompt = pick(
        rng,
        (
            "I'm exchanging {a} dollars to euros at {r} euros per dollar, and the bureau takes a {f}% "
            "fee. How many euros do I get?",
            "Exchange {a} USD at {r} EUR/USD minus a {f}% commission. Euros received?",
        ),
        a=amount,
        r=fmt_num(rate, 3),
        f=fmt_num(fee),
    )
    return _calc(prompt, _r2(f"{amount} * {fmt_num(rate, 3)} * (1 - {fmt_num(fee)} / 100)"))


@template(f"{G}/inflation", CALCULATOR)
def inflation(rng: random.Random) -> Draft:
    price, r, years = rand_price(rng, 1, 500), rng.choice((2, 2.5, 3, 3.5, 4, 5, 6)), rng.randint(2, 30)
    prompt = pick(
        rng,
        (
            "With {r}% inflation per year, what will something that costs {m} today cost in {y} years?",
            "Something costs {m} now. If prices rise {r}% yearly, what's the price after {y} years?",
        ),
        r=fmt_num(r),
        m=money(rng, price, "$"),
        y=years,
    )
    return _calc(prompt, _r2(f"{fmt_num(price)} * (1 + {fmt_num(r)} / 100) ** {years}"))


@template(f"{G}/depreciation", CALCULATOR)
def depreciation(rng: random.Random) -> Draft:
    value, r, years = rng.randint(3, 80) * 1000, rng.choice((10, 12, 15, 18, 20, 25)), rng.randint(1, 12)
    item = rng.choice(("car", "truck", "laptop", "boat", "machine"))
    prompt = pick(
        rng,
        (
            "A {i} worth {m} loses {r}% of its value every year. What's it worth after {y} years?",
            "{m} {i} depreciating {r}% per year, value in {y} years?",
        ),
        i=item,
        m=money(rng, value, "$"),
        r=r,
        y=years,
    )
    return _calc(prompt, _r2(f"{value} * (1 - {r} / 100) ** {years}"))


# --- rates, travel, fuel -----------------------------------------------------------------------------------------


@template(f"{G}/average_speed", CALCULATOR)
def average_speed(rng: random.Random) -> Draft:
    dist, unit = rng.randint(5, 900), rng.choice(("km", "miles"))
    hours = rng.choice((0.5, 0.75, 1.5, 2, 2.5, 3, 3.25, 4, 5.5, 7, 9))
    prompt = pick(
        rng,
        (
            "I drove {d} {u} in {h} hours. What was my average speed?",
            "A train covers {d} {u} in {h} hours. Average speed?",
            "{d} {u} in {h} h, speed?",
            "What's the average speed for {d} {u} over {h} hours?",
        ),
        d=dist,
        u=unit,
        h=fmt_num(hours),
    )
    return _calc(prompt, f"{dist} / {fmt_num(hours)}")


@template(f"{G}/travel_time", CALCULATOR)
def travel_time(rng: random.Random) -> Draft:
    dist, speed = rng.randint(20, 3000), rng.choice((40, 50, 55, 60, 65, 70, 80, 90, 100, 110, 120, 250, 800))
    unit = rng.choice(("km", "miles"))
    per = "km/h" if unit == "km" else "mph"
    prompt = pick(
        rng,
        (
            "How long does it take to travel {d} {u} at {s} {p}? Answer in hours.",
            "At {s} {p}, how many hours for {d} {u}?",
            "Driving {d} {u} at an average of {s} {p} takes how many hours?",
        ),
        d=dist,
        u=unit,
        s=speed,
        p=per,
    )
    return _calc(prompt, f"{dist} / {speed}")


@template(f"{G}/distance_covered", CALCULATOR)
def distance_covered(rng: random.Random) -> Draft:
    speed, minutes = rng.randint(3, 130), rng.randint(10, 600)
    prompt = pick(
        rng,
        (
            "If I go {s} km/h for {m} minutes, how far do I get (in km)?",
            "Distance traveled at {s} mph for {m} minutes, in miles?",
            "A cyclist rides at {s} km/h for {m} minutes. How many km is that?",
        ),
        s=speed,
        m=minutes,
    )
    return _calc(prompt, f"{speed} * {minutes} / 60")


@template(f"{G}/fuel_cost", CALCULATOR, weight=1.2)
def fuel_cost(rng: random.Random) -> Draft:
    if rng.random() < 0.5:
        miles, mpg, price = rng.randint(20, 3000), rng.randint(18, 55), round(rng.uniform(2.5, 5.5), 2)
        prompt = pick(
            rng,
            (
                "My car gets {g} mpg and gas is {p} a gallon. How much will a {d}-mile trip cost?",
                "Fuel cost for {d} miles at {g} miles per gallon, with gas at {p}/gal?",
                "road trip of {d} miles, car does {g} mpg, gas {p}. cost?",
            ),
            g=mpg,
            p=money(rng, price, "$"),
            d=miles,
        )
        return _calc(prompt, _r2(f"{miles} / {mpg} * {fmt_num(price)}"))
    km, l100, price = rng.randint(20, 3000), round(rng.uniform(4, 12), 1), round(rng.uniform(1.4, 2.3), 2)
    prompt = pick(
        rng,
        (
            "My car uses {l} L/100km and petrol costs {p} per liter. What does a {d} km drive cost?",
            "How much fuel money for {d} km at {l} litres per 100 km and {p}/L?",
        ),
        l=fmt_num(l100),
        p=money(rng, price, "€"),
        d=km,
    )
    return _calc(prompt, _r2(f"{km} / 100 * {fmt_num(l100)} * {fmt_num(price)}"))


@template(f"{G}/fuel_efficiency", CALCULATOR)
def fuel_efficiency(rng: random.Random) -> Draft:
    dist, fuel = rng.randint(100, 900), round(rng.uniform(5, 60), 1)
    unit, vol, rate = rng.choice((("miles", "gallons", "miles per gallon"), ("km", "liters", "km per liter")))
    prompt = pick(
        rng,
        (
            "I drove {d} {u} on {f} {v}. What's my {r}?",
            "{d} {u} used {f} {v} of fuel. Efficiency in {r}?",
        ),
        d=dist,
        u=unit,
        f=fmt_num(fuel),
        v=vol,
        r=rate,
    )
    return _calc(prompt, f"{dist} / {fmt_num(fuel)}")


@template(f"{G}/running_pace", CALCULATOR)
def running_pace(rng: random.Random) -> Draft:
    dist, minutes = rng.choice((5, 10, 21.1, 42.2, 3, 8, 15)), rng.randint(14, 300)
    prompt = pick(
        rng,
        (
            "I ran {d} km in {m} minutes. What's my pace in minutes per km?",
            "Pace per kilometer for {d} km in {m} min?",
            "{m} minutes for {d} km - how many minutes per km is that?",
        ),
        d=fmt_num(dist),
        m=minutes,
    )
    return _calc(prompt, f"{minutes} / {fmt_num(dist)}")


@template(f"{G}/round_trip_speed", CALCULATOR)
def round_trip_speed(rng: random.Random) -> Draft:
    d, v1, v2 = rng.randint(10, 400), rng.randint(30, 120), rng.randint(30, 120)
    if v1 == v2:
        v2 += 10
    prompt = pick(
        rng,
        (
            "I drive {d} km to a city at {a} km/h and return at {b} km/h. What's my average speed for the whole trip?",
            "Average speed of a round trip of {d} miles each way, going {a} mph and coming back {b} mph?",
        ),
        d=d,
        a=v1,
        b=v2,
    )
    return _calc(prompt, f"2 * {d} / ({d} / {v1} + {d} / {v2})")


@template(f"{G}/work_rate", CALCULATOR)
def work_rate(rng: random.Random) -> Draft:
    a, b = rng.randint(2, 12), rng.randint(2, 12)
    if a == b:
        b += 1
    prompt = pick(
        rng,
        (
            "One pipe fills a tank in {a} hours, another in {b} hours. How long if both run together?",
            "Alice can paint a room in {a} hours and Bob in {b} hours. Working together, how many hours?",
        ),
        a=a,
        b=b,
    )
    return _calc(prompt, f"1 / (1 / {a} + 1 / {b})")


@template(f"{G}/download_time", CALCULATOR)
def download_time(rng: random.Random) -> Draft:
    size, speed = rng.choice((1.5, 2, 4.7, 8, 12, 25, 50, 60, 100)), rng.choice((10, 25, 50, 100, 200, 300, 500, 1000))
    prompt = pick(
        rng,
        (
            "How many seconds to download a {s} GB file at {v} megabits per second? (1 GB = 8000 megabits)",
            "Download time in seconds for {s} GB at {v} Mbps, using 1 GB = 8000 Mb?",
        ),
        s=fmt_num(size),
        v=speed,
    )
    return _calc(prompt, f"{fmt_num(size)} * 8000 / {speed}")


@template(f"{G}/electricity_cost", CALCULATOR)
def electricity_cost(rng: random.Random) -> Draft:
    watts, hours, days, price = (
        rng.choice((60, 100, 150, 800, 1200, 1500, 2000, 45, 9)),
        rng.choice((1, 2, 3, 4, 5, 8, 10, 24)),
        rng.choice((7, 30, 31, 365)),
        round(rng.uniform(0.08, 0.45), 2),
    )
    device = rng.choice(("heater", "TV", "gaming PC", "fridge", "lamp", "air conditioner", "fan"))
    prompt = pick(
        rng,
        (
            "A {w} W {d} runs {h} hours a day for {n} days. At {p} per kWh, what does it cost?",
            "Electricity cost: {w} watts, {h} h/day, {n} days, {p}/kWh?",
        ),
        w=watts,
        d=device,
        h=hours,
        n=days,
        p=money(rng, price, "$"),
    )
    return _calc(prompt, _r2(f"{watts} * {hours} * {days} / 1000 * {fmt_num(price)}"))


@template(f"{G}/population_growth", CALCULATOR)
def population_growth(rng: random.Random) -> Draft:
    pop, r, years = rng.randint(1000, 9_000_000), rng.choice((0.5, 1, 1.2, 1.8, 2, 2.5, 3, 4)), rng.randint(2, 50)
    place = rng.choice(("A town", "A city", "A colony of bacteria", "A country", "The village"))
    prompt = pick(
        rng,
        (
            "{pl} has {p} people and grows {r}% a year. What's the population after {y} years?",
            "Population {p}, growth rate {r}% per year, {y} years. Final population?",
        ),
        pl=place,
        p=fmt_thousands(pop, rng),
        r=fmt_num(r),
        y=years,
    )
    return _calc(prompt, f"round({pop} * (1 + {fmt_num(r)} / 100) ** {years})")


# --- averages and scores -----------------------------------------------------------------------------------------


@template(f"{G}/average", CALCULATOR, weight=1.3, family="average_of")
def average(rng: random.Random) -> Draft:
    nums = [
        rng.randint(1, 100) if rng.random() < 0.8 else round(rng.uniform(1, 100), 1) for _ in range(rng.randint(3, 8))
    ]
    shown = ", ".join(fmt_num(n) for n in nums)
    context = rng.choice(("", "test scores ", "temperatures ", "daily steps in thousands ", "my times "))
    prompt = pick(
        rng,
        (
            "What's the average of {l}?",
            "Find the mean of {l}.",
            "average of {c}{l}",
            "My {c}were {l}. What's the average?",
            "Mean of these numbers: {l}",
        ),
        l=shown,
        c=context,
    )
    if "My " in prompt and not context:
        prompt = f"What's the average of {shown}?"
    return _calc(prompt, f"({' + '.join(fmt_num(n) for n in nums)}) / {len(nums)}")


@template(f"{G}/weighted_grade", CALCULATOR)
def weighted_grade(rng: random.Random) -> Draft:
    w = rng.choice(((30, 30, 40), (20, 30, 50), (25, 25, 50), (40, 60, 0), (10, 40, 50)))
    scores = [rng.randint(55, 100) for _ in w]
    names = ("homework", "the midterm", "the final")
    used = [(n, s, wt) for n, s, wt in zip(names, scores, w, strict=True) if wt]
    desc = ", ".join(f"{s} on {n} ({wt}%)" for n, s, wt in used)
    prompt = pick(
        rng, ("I got {d}. What's my weighted grade?", "Weighted average: {d}?", "Compute my course grade: {d}."), d=desc
    )
    expr = " + ".join(f"{s} * {wt}" for _, s, wt in used)
    return _calc(prompt, f"({expr}) / 100")


@template(f"{G}/test_score_percent", CALCULATOR)
def test_score_percent(rng: random.Random) -> Draft:
    total = rng.choice((20, 25, 30, 40, 45, 50, 60, 75, 80, 120, 150))
    got = rng.randint(total // 3, total)
    prompt = pick(
        rng,
        (
            "I got {g} questions right out of {t}. What's my score as a percentage?",
            "{g}/{t} on a quiz, what percent is that?",
            "My kid scored {g} of {t} points. Percentage?",
        ),
        g=got,
        t=total,
    )
    return _calc(prompt, f"{got} / {total} * 100")


@template(f"{G}/batting_average", CALCULATOR)
def batting_average(rng: random.Random) -> Draft:
    at_bats = rng.randint(40, 600)
    hits = rng.randint(at_bats // 6, at_bats // 3)
    prompt = pick(
        rng,
        ("A player has {h} hits in {a} at-bats. Batting average?", "Batting avg with {h} hits and {a} at bats?"),
        h=hits,
        a=at_bats,
    )
    return _calc(prompt, f"round({hits} / {at_bats}, 3)")


# --- conversions with known factors -----------------------------------------------------------------------------

_LENGTH = (
    ("km", "miles", "0.621371"),
    ("miles", "km", "1.609344"),
    ("inches", "cm", "2.54"),
    ("feet", "meters", "0.3048"),
    ("meters", "feet", "3.28084"),
    ("yards", "meters", "0.9144"),
    ("cm", "inches", "0.393701"),
)
_MASS = (
    ("kg", "pounds", "2.20462"),
    ("pounds", "kg", "0.453592"),
    ("ounces", "grams", "28.3495"),
    ("grams", "ounces", "0.035274"),
)
_VOLUME = (
    ("liters", "US gallons", "0.264172"),
    ("US gallons", "liters", "3.78541"),
    ("cups", "ml", "236.588"),
    ("fluid ounces", "ml", "29.5735"),
)


@template(f"{G}/convert_length", CALCULATOR)
def convert_length(rng: random.Random) -> Draft:
    src, dst, factor = rng.choice(_LENGTH)
    x = rng.choice((rng.randint(2, 500), round(rng.uniform(0.5, 100), 1)))
    prompt = pick(
        rng,
        ("Convert {x} {s} to {d}.", "How many {d} is {x} {s}?", "{x} {s} in {d}?", "what is {x} {s} in {d}"),
        x=fmt_num(x),
        s=src,
        d=dst,
    )
    return _calc(prompt, _r2(f"{fmt_num(x)} * {factor}"))


@template(f"{G}/convert_mass", CALCULATOR)
def convert_mass(rng: random.Random) -> Draft:
    src, dst, factor = rng.choice(_MASS)
    x = rng.choice((rng.randint(2, 400), round(rng.uniform(0.2, 90), 1)))
    prompt = pick(
        rng,
        (
            "Convert {x} {s} to {d}.",
            "How many {d} are in {x} {s}?",
            "{x} {s} = ? {d}",
            "i weigh {x} {s}, what is that in {d}",
        ),
        x=fmt_num(x),
        s=src,
        d=dst,
    )
    if prompt.startswith("i weigh") and src in ("ounces", "grams"):
        prompt = f"Convert {fmt_num(x)} {src} to {dst}."
    return _calc(prompt, _r2(f"{fmt_num(x)} * {factor}"))


@template(f"{G}/convert_volume", CALCULATOR)
def convert_volume(rng: random.Random) -> Draft:
    src, dst, factor = rng.choice(_VOLUME)
    x = rng.choice((rng.randint(2, 60), round(rng.uniform(0.25, 20), 2)))
    prompt = pick(
        rng,
        ("Convert {x} {s} to {d}.", "How many {d} in {x} {s}?", "{x} {s} is how many {d}?"),
        x=fmt_num(x),
        s=src,
        d=dst,
    )
    return _calc(prompt, _r2(f"{fmt_num(x)} * {factor}"))


@template(f"{G}/convert_temperature", CALCULATOR, weight=1.2)
def convert_temperature(rng: random.Random) -> Draft:
    if rng.random() < 0.5:
        c = rng.randint(-40, 250) if rng.random() < 0.8 else round(rng.uniform(-20, 45), 1)
        prompt = pick(
            rng,
            (
                "Convert {c}°C to Fahrenheit.",
                "What is {c} degrees Celsius in Fahrenheit?",
                "{c} C to F",
                "it's {c} celsius here, what's that in fahrenheit?",
            ),
            c=fmt_num(c),
        )
        return _calc(prompt, _r2(f"{fmt_num(c)} * 9 / 5 + 32"))
    f = rng.randint(-30, 500)
    prompt = pick(
        rng,
        (
            "Convert {f}°F to Celsius.",
            "What's {f} Fahrenheit in Celsius?",
            "{f} F in C?",
            "oven says {f}F, what is it in celsius",
        ),
        f=f,
    )
    return _calc(prompt, _r2(f"({f} - 32) * 5 / 9"))


@template(f"{G}/convert_time_units", CALCULATOR)
def convert_time_units(rng: random.Random) -> Draft:
    kind = rng.randrange(4)
    if kind == 0:
        h = rng.choice((1.5, 2.25, 3.5, 7, 11, 26, 48, 0.75))
        prompt = pick(
            rng,
            ("How many seconds are in {h} hours?", "{h} hours in seconds?", "convert {h} h to seconds"),
            h=fmt_num(h),
        )
        return _calc(prompt, f"{fmt_num(h)} * 3600")
    if kind == 1:
        m = rng.randint(61, 2000)
        prompt = pick(
            rng, ("How many hours is {m} minutes?", "Convert {m} minutes to hours.", "{m} min in hours?"), m=m
        )
        return _calc(prompt, f"{m} / 60")
    if kind == 2:
        d = rng.randint(2, 400)
        prompt = pick(rng, ("How many minutes are in {d} days?", "{d} days is how many minutes?"), d=d)
        return _calc(prompt, f"{d} * 24 * 60")
    w = rng.randint(2, 104)
    prompt = pick(rng, ("How many hours are in {w} weeks?", "Convert {w} weeks to hours."), w=w)
    return _calc(prompt, f"{w} * 7 * 24")


@template(f"{G}/data_units", CALCULATOR)
def data_units(rng: random.Random) -> Draft:
    if rng.random() < 0.5:
        gb = rng.choice((1.5, 2, 3.5, 16, 64, 128, 250, 500, 0.75))
        prompt = pick(rng, ("How many MB is {g} GB if 1 GB = 1024 MB?", "{g} GiB in MiB?"), g=fmt_num(gb))
        return _calc(prompt, f"{fmt_num(gb)} * 1024")
    photos, mb, card = rng.randint(2, 12), round(rng.uniform(1.5, 30), 1), rng.choice((16, 32, 64, 128, 256))
    prompt = pick(
        rng,
        ("Each photo is {m} MB. How many photos fit on a {c} GB card (1 GB = 1024 MB)? Give the whole number.",),
        m=fmt_num(mb),
        c=card,
    )
    del photos
    return _calc(prompt, f"{card} * 1024 // {fmt_num(mb)}")


# --- geometry ----------------------------------------------------------------------------------------------------


@template(f"{G}/rectangle_area", CALCULATOR)
def rectangle_area(rng: random.Random) -> Draft:
    w, h = rng.choice((rng.randint(2, 200), round(rng.uniform(1, 50), 1))), rng.randint(2, 150)
    unit = rng.choice(("m", "ft", "cm", "inches"))
    if rng.random() < 0.6:
        prompt = pick(
            rng,
            (
                "What's the area of a {w} by {h} {u} rectangle?",
                "A room is {w} {u} by {h} {u}. What's its area?",
                "area of rectangle {w}x{h}",
                "My garden measures {w} {u} x {h} {u}. How many square {u} is that?",
            ),
            w=fmt_num(w),
            h=h,
            u=unit,
        )
        return _calc(prompt, f"{fmt_num(w)} * {h}")
    prompt = pick(
        rng,
        ("What's the perimeter of a {w} by {h} {u} rectangle?", "How much fencing for a {w} {u} x {h} {u} yard?"),
        w=fmt_num(w),
        h=h,
        u=unit,
    )
    return _calc(prompt, f"2 * ({fmt_num(w)} + {h})")


@template(f"{G}/circle", CALCULATOR)
def circle(rng: random.Random) -> Draft:
    r = rng.choice((rng.randint(1, 100), round(rng.uniform(0.5, 30), 1)))
    kind = rng.randrange(3)
    if kind == 0:
        prompt = pick(
            rng,
            (
                "Area of a circle with radius {r}?",
                "What's the area of a circle of radius {r} cm?",
                "circle r={r}, area?",
            ),
            r=fmt_num(r),
        )
        return _calc(prompt, _r2(f"pi * {fmt_num(r)} ** 2"))
    if kind == 1:
        prompt = pick(
            rng,
            ("Circumference of a circle with radius {r}?", "What is the circumference when the radius is {r} m?"),
            r=fmt_num(r),
        )
        return _calc(prompt, _r2(f"2 * pi * {fmt_num(r)}"))
    d = rng.choice((8, 10, 12, 14, 16, 18))
    prompt = pick(
        rng, ("How many square inches is a {d}-inch pizza?", "Area of a {d} inch diameter pizza in square inches?"), d=d
    )
    return _calc(prompt, _r2(f"pi * ({d} / 2) ** 2"))


@template(f"{G}/triangle", CALCULATOR)
def triangle(rng: random.Random) -> Draft:
    a, b = rng.randint(2, 60), rng.randint(2, 60)
    if rng.random() < 0.5:
        prompt = pick(
            rng,
            (
                "A right triangle has legs {a} and {b}. How long is the hypotenuse?",
                "Hypotenuse for sides {a} and {b}?",
                "A ladder reaches {a} ft up a wall and its foot is {b} ft from the wall. How long is the ladder?",
            ),
            a=a,
            b=b,
        )
        return _calc(prompt, _r2(f"sqrt({a} ** 2 + {b} ** 2)"))
    prompt = pick(
        rng,
        ("Area of a triangle with base {a} and height {b}?", "triangle: base {a} cm, height {b} cm. area?"),
        a=a,
        b=b,
    )
    return _calc(prompt, f"{a} * {b} / 2")


@template(f"{G}/volume", CALCULATOR)
def volume(rng: random.Random) -> Draft:
    kind = rng.randrange(3)
    if kind == 0:
        length, w, h = rng.randint(2, 120), rng.randint(2, 80), rng.randint(2, 60)
        prompt = pick(
            rng,
            ("Volume of a box {n} x {w} x {h} cm?", "A tank is {n} by {w} by {h} inches. What's its volume?"),
            n=length,
            w=w,
            h=h,
        )
        return _calc(prompt, f"{length} * {w} * {h}")
    if kind == 1:
        r, h = rng.randint(1, 30), rng.randint(2, 80)
        prompt = pick(
            rng,
            (
                "Volume of a cylinder with radius {r} and height {h}?",
                "A can has radius {r} cm and height {h} cm. Volume?",
            ),
            r=r,
            h=h,
        )
        return _calc(prompt, _r2(f"pi * {r} ** 2 * {h}"))
    r = rng.randint(1, 50)
    prompt = pick(rng, ("Volume of a sphere with radius {r}?", "What's the volume of a ball of radius {r} cm?"), r=r)
    return _calc(prompt, _r2(f"4 / 3 * pi * {r} ** 3"))


@template(f"{G}/flooring_cost", CALCULATOR)
def flooring_cost(rng: random.Random) -> Draft:
    w, length, price = rng.randint(6, 30), rng.randint(6, 40), round(rng.uniform(1.5, 15), 2)
    what = rng.choice(("carpet", "hardwood flooring", "tile", "laminate"))
    prompt = pick(
        rng,
        (
            "A room is {w} ft by {l} ft. {x} costs {p} per square foot. How much for the whole room?",
            "Cost to cover {w}x{l} ft with {x} at {p}/sq ft?",
        ),
        w=w,
        l=length,
        x=what.capitalize(),
        p=money(rng, price, "$"),
    )
    return _calc(prompt, _r2(f"{w} * {length} * {fmt_num(price)}"))


@template(f"{G}/paint_needed", CALCULATOR)
def paint_needed(rng: random.Random) -> Draft:
    area, cover, coats = rng.randint(20, 400), rng.choice((10, 12, 350, 400)), rng.choice((1, 2, 3))
    unit = "square meters" if cover < 100 else "square feet"
    vol = "liter" if cover < 100 else "gallon"
    prompt = pick(
        rng,
        (
            "I need to paint {a} {u} of wall with {c} coats. One {v} covers {k} {u}. How many {v}s?",
            "Paint for {a} {u}, {c} coats, coverage {k} {u} per {v}: how many {v}s?",
        ),
        a=area,
        u=unit,
        c=coats,
        v=vol,
        k=cover,
    )
    return _calc(prompt, _r2(f"{area} * {coats} / {cover}"))


# --- everyday numbers --------------------------------------------------------------------------------------------


@template(f"{G}/recipe_scaling", CALCULATOR, weight=1.3)
def recipe_scaling(rng: random.Random) -> Draft:
    amount = rng.choice((0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 125, 200, 250, 350))
    unit = "g" if amount > 50 else rng.choice(("cups", "tablespoons", "teaspoons", "cups"))
    ing = rng.choice(("flour", "sugar", "butter", "milk", "rice", "oats", "cocoa", "water"))
    serves, want = rng.choice((2, 4, 6, 8, 12)), rng.choice((3, 5, 7, 9, 10, 15, 20, 30))
    prompt = pick(
        rng,
        (
            "A recipe for {s} people needs {a} {u} of {i}. How much for {w} people?",
            "Scale {a} {u} of {i} from {s} servings to {w} servings.",
            "my recipe serves {s} and uses {a} {u} {i}, I need to feed {w}. how much {i}?",
            "If {a} {u} of {i} makes {s} portions, how much do I need for {w} portions?",
        ),
        s=serves,
        a=fmt_num(amount),
        u=unit,
        i=ing,
        w=want,
    )
    return _calc(prompt, _r2(f"{fmt_num(amount)} * {want} / {serves}"))


@template(f"{G}/bmi", CALCULATOR)
def bmi(rng: random.Random) -> Draft:
    kg, m = round(rng.uniform(45, 130), rng.choice((0, 1))), round(rng.uniform(1.5, 2.0), 2)
    prompt = pick(
        rng,
        (
            "What's my BMI if I weigh {k} kg and I'm {m} m tall?",
            "BMI for {k} kg, {m} m?",
            "Calculate body mass index: weight {k} kg, height {m} m.",
        ),
        k=fmt_num(kg),
        m=fmt_num(m),
    )
    return _calc(prompt, f"round({fmt_num(kg)} / {fmt_num(m)} ** 2, 1)")


@template(f"{G}/calories", CALCULATOR)
def calories(rng: random.Random) -> Draft:
    if rng.random() < 0.5:
        per, minutes = rng.randint(5, 15), rng.randint(15, 120)
        act = rng.choice(("running", "cycling", "swimming", "rowing", "hiking"))
        prompt = pick(
            rng,
            ("If {a} burns {p} calories a minute, how many in {m} minutes?", "{m} min of {a} at {p} kcal/min?"),
            a=act,
            p=per,
            m=minutes,
        )
        return _calc(prompt, f"{per} * {minutes}")
    servings, kcal = round(rng.uniform(1, 4), 1), rng.randint(80, 650)
    prompt = pick(
        rng,
        ("One serving has {k} calories. How many calories in {s} servings?", "{s} servings at {k} kcal each?"),
        k=kcal,
        s=fmt_num(servings),
    )
    return _calc(prompt, f"{fmt_num(servings)} * {kcal}")


@template(f"{G}/age_and_years", CALCULATOR)
def age_and_years(rng: random.Random) -> Draft:
    born, year = rng.randint(1920, 2015), rng.randint(2020, 2060)
    kind = rng.randrange(3)
    if kind == 0:
        prompt = pick(
            rng,
            (
                "If I was born in {b}, how old will I be in {y}?",
                "Born {b}. Age in {y}?",
                "someone born in {b} turns how old in {y}",
            ),
            b=born,
            y=year,
        )
        return _calc(prompt, f"{year} - {born}")
    if kind == 1:
        a, b = sorted(rng.sample(range(1000, 2025), 2))
        prompt = pick(rng, ("How many years passed between {a} and {b}?", "How many years from {a} to {b}?"), a=a, b=b)
        return _calc(prompt, f"{b} - {a}")
    age = rng.randint(2, 99)
    prompt = pick(rng, ("Roughly how many days old is someone who is {a} years old? Use 365.25 days a year.",), a=age)
    return _calc(prompt, f"{age} * 365.25")


@template(f"{G}/work_hours", CALCULATOR)
def work_hours(rng: random.Random) -> Draft:
    shifts = [round(rng.choice((4, 5, 6, 7.5, 8, 8.5, 9, 10, 12)), 1) for _ in range(rng.randint(3, 6))]
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
    listing = ", ".join(
        f"{fmt_num(h)} hours on {d}" if i == 0 else f"{fmt_num(h)} on {d}"
        for i, (h, d) in enumerate(zip(shifts, days, strict=False))
    )
    rate = round(rng.uniform(11, 45), 2)
    if rng.random() < 0.5:
        prompt = pick(rng, ("I worked {l}. How many hours total?", "Total hours this week: {l}?"), l=listing)
        return _calc(prompt, " + ".join(fmt_num(h) for h in shifts))
    prompt = pick(
        rng,
        ("I worked {l}, at {r} an hour. What did I earn?", "Paid {r}/hour, I worked {l}. How much did I make?"),
        l=listing,
        r=money(rng, rate, "$"),
    )
    return _calc(prompt, _r2(f"({' + '.join(fmt_num(h) for h in shifts)}) * {fmt_num(rate)}"))


@template(f"{G}/sleep_and_durations", CALCULATOR)
def sleep_and_durations(rng: random.Random) -> Draft:
    per_night, nights = round(rng.choice((5.5, 6, 6.5, 7, 7.25, 7.5, 8, 8.5, 9)), 2), rng.choice((7, 14, 30, 365))
    what = rng.choice(("sleep", "spend on my phone", "commute", "practice piano"))
    prompt = pick(
        rng,
        (
            "If I {w} {h} hours a day, how many hours is that over {n} days?",
            "{h} hours per day for {n} days - total hours?",
        ),
        w=what,
        h=fmt_num(per_night),
        n=nights,
    )
    return _calc(prompt, f"{fmt_num(per_night)} * {nights}")


@template(f"{G}/handshakes_and_pairs", CALCULATOR)
def handshakes_and_pairs(rng: random.Random) -> Draft:
    n = rng.randint(5, 300)
    prompt = pick(
        rng,
        (
            "{n} people each shake hands with everyone else once. How many handshakes? (n*(n-1)/2)",
            "In a league of {n} teams where every team plays every other team once, how many games are "
            "there? Use n(n-1)/2.",
            "All {n} guests at a party shake hands with each other exactly once. With n(n-1)/2, how many handshakes?",
            "How many distinct pairs can {n} students form? Compute n*(n-1)/2 for n = {n}.",
            "A round-robin tournament has {n} players and each pair plays once; games = n(n-1)/2. How many games?",
            "Each of {n} offices gets a direct line to every other office. Lines needed, by n*(n-1)/2?",
        ),
        n=n,
    )
    return _calc(prompt, f"{n} * ({n} - 1) / 2")


@template(f"{G}/concentration", CALCULATOR)
def concentration(rng: random.Random) -> Draft:
    solute, total = rng.randint(5, 300), rng.randint(200, 3000)
    prompt = pick(
        rng,
        ("I dissolve {s} g of salt in water to make {t} ml of solution. What's the concentration in g per liter?",),
        s=solute,
        t=total,
    )
    return _calc(prompt, f"{solute} / {total} * 1000")


@template(f"{G}/mileage_reimbursement", CALCULATOR)
def mileage_reimbursement(rng: random.Random) -> Draft:
    miles, rate = rng.randint(10, 2500), rng.choice((0.58, 0.625, 0.655, 0.67, 0.7, 0.45))
    prompt = pick(
        rng,
        (
            "My company reimburses {r} per mile. I drove {m} miles. How much do I get back?",
            "Reimbursement for {m} miles at {r}/mile?",
        ),
        r=money(rng, rate, "$") if rate * 100 == int(rate * 100) else f"${rate}",
        m=miles,
    )
    return _calc(prompt, _r2(f"{miles} * {rate}"))


@template(f"{G}/typing_and_reading", CALCULATOR)
def typing_and_reading(rng: random.Random) -> Draft:
    if rng.random() < 0.5:
        words, minutes = rng.randint(200, 5000), rng.randint(3, 60)
        prompt = pick(
            rng,
            ("I typed {w} words in {m} minutes. Words per minute?", "WPM if {w} words take {m} minutes?"),
            w=words,
            m=minutes,
        )
        return _calc(prompt, f"{words} / {minutes}")
    pages, per = rng.randint(80, 1200), rng.choice((1.5, 2, 2.5, 3, 4))
    prompt = pick(
        rng,
        ("A book has {p} pages and I read one page every {m} minutes. How many hours will it take?",),
        p=pages,
        m=fmt_num(per),
    )
    return _calc(prompt, f"{pages} * {fmt_num(per)} / 60")


@template(f"{G}/tiles_needed", CALCULATOR)
def tiles_needed(rng: random.Random) -> Draft:
    area, tile = rng.randint(5, 120), rng.choice((0.09, 0.16, 0.25, 0.36, 0.5))
    prompt = pick(
        rng,
        (
            "How many tiles of {t} square meters cover a {a} square meter floor?",
            "Floor is {a} m², each tile is {t} m². Number of tiles?",
        ),
        t=fmt_num(tile),
        a=area,
    )
    return _calc(prompt, f"{area} / {fmt_num(tile)}")


@template(f"{G}/cost_per_person_trip", CALCULATOR)
def cost_per_person_trip(rng: random.Random) -> Draft:
    hotel, nights, people, food = rng.randint(60, 450), rng.randint(2, 10), rng.randint(2, 8), rng.randint(20, 80)
    prompt = pick(
        rng,
        (
            "A hotel costs {h} a night for {n} nights, shared by {p} people, and each person spends {f} "
            "a day on food. What's each person's total?",
            "Trip math: room {h}/night, {n} nights, split {p} ways, plus {f}/day food each. Per-person cost?",
        ),
        h=money(rng, hotel, "$"),
        n=nights,
        p=people,
        f=money(rng, food, "$"),
    )
    return _calc(prompt, _r2(f"{hotel} * {nights} / {people} + {food} * {nights}"))


@template(f"{G}/subscription_yearly", CALCULATOR)
def subscription_yearly(rng: random.Random) -> Draft:
    subs = [
        round(rng.choice((4.99, 6.99, 9.99, 10.99, 12.99, 15.49, 17.99, 2.99)), 2) for _ in range(rng.randint(2, 5))
    ]
    shown = [money(rng, s, "$") for s in subs]
    listing = ", ".join(shown[:-1]) + " and " + shown[-1]
    prompt = pick(
        rng,
        (
            "I pay {l} a month for streaming services. How much is that per year?",
            "Yearly cost of subscriptions costing {l} monthly?",
        ),
        l=listing,
    )
    return _calc(prompt, _r2(f"({' + '.join(fmt_num(s) for s in subs)}) * 12"))


@template(f"{G}/scientific_quantities", CALCULATOR)
def scientific_quantities(rng: random.Random) -> Draft:
    kind = rng.randrange(3)
    if kind == 0:
        m, a = rng.randint(1, 2000), round(rng.uniform(0.5, 20), 1)
        prompt = pick(
            rng,
            (
                "What force accelerates a {m} kg mass at {a} m/s²? (F = m * a)",
                "F = ma with m = {m} kg and a = {a} m/s^2?",
            ),
            m=m,
            a=fmt_num(a),
        )
        return _calc(prompt, f"{m} * {fmt_num(a)}")
    if kind == 1:
        v, r = rng.randint(1, 240), rng.randint(2, 2000)
        prompt = pick(
            rng,
            (
                "Current through a {r} ohm resistor at {v} volts? (I = V / R)",
                "Ohm's law: V = {v} V, R = {r} Ω. Current in amps?",
            ),
            v=v,
            r=r,
        )
        return _calc(prompt, f"{v} / {r}")
    m, v = rng.randint(1, 3000), rng.randint(1, 60)
    prompt = pick(rng, ("Kinetic energy of a {m} kg object moving at {v} m/s, in joules? (KE = 0.5 m v²)",), m=m, v=v)
    return _calc(prompt, f"0.5 * {m} * {v} ** 2")


# --- more guises: fractions, scientific functions, spoken math, explicit tool requests ---------------------------


@template(f"{G}/fraction_arithmetic", CALCULATOR)
def fraction_arithmetic(rng: random.Random) -> Draft:
    a, b, c, d = rng.randint(1, 9), rng.randint(2, 12), rng.randint(1, 9), rng.randint(2, 12)
    op = rng.choice(("+", "-", "*", "/"))
    word = {"+": "plus", "-": "minus", "*": "times", "/": "divided by"}[op]
    prompt = pick(
        rng,
        (
            "What is {a}/{b} {o} {c}/{d}?",
            "{a}/{b} {w} {c}/{d} = ?",
            "Calculate {a}/{b} {o} {c}/{d} as a decimal.",
            "what's {a} over {b} {w} {c} over {d}",
        ),
        a=a,
        b=b,
        c=c,
        d=d,
        o=op,
        w=word,
    )
    return _calc(prompt, f"{a} / {b} {op} {c} / {d}" if op in "+-" else f"({a} / {b}) {op} ({c} / {d})")


@template(f"{G}/scientific_functions", CALCULATOR)
def scientific_functions(rng: random.Random) -> Draft:
    kind = rng.randrange(5)
    if kind == 0:
        n = rng.choice((10, 100, 1000, 250, 5000, 42, 1e6))
        prompt = pick(
            rng, ("What is log base 10 of {n}?", "log10({n})?", "Compute the common logarithm of {n}."), n=fmt_num(n)
        )
        return _calc(prompt, f"log10({fmt_num(n)})")
    if kind == 1:
        n = rng.choice((2, 10, 20, 0.5, 100, 7.5))
        prompt = pick(rng, ("What is the natural log of {n}?", "ln({n})?", "ln of {n}"), n=fmt_num(n))
        return _calc(prompt, f"round(ln({fmt_num(n)}), 4)")
    if kind == 2:
        deg = rng.choice((15, 30, 45, 60, 75, 20, 35, 80))
        fn = rng.choice(("sin", "cos", "tan"))
        prompt = pick(
            rng,
            ("What is {f} of {d} degrees?", "{f}({d}°)?", "Compute {f} {d} degrees to 4 decimal places."),
            f=fn,
            d=deg,
        )
        return _calc(prompt, f"round({fn}(radians({deg})), 4)")
    if kind == 3:
        n = rng.randint(2, 5000)
        prompt = pick(rng, ("What is the cube root of {n}?", "cube root of {n}?", "∛{n}"), n=n)
        return _calc(prompt, f"cbrt({n})")
    x = round(rng.uniform(0.5, 5), 1)
    prompt = pick(rng, ("What is e to the power of {x}?", "e^{x}?", "Compute exp({x})."), x=fmt_num(x))
    return _calc(prompt, f"round(exp({fmt_num(x)}), 4)")


_NUMBER_WORDS_BIG = {
    20: "twenty",
    30: "thirty",
    40: "forty",
    50: "fifty",
    60: "sixty",
    70: "seventy",
    80: "eighty",
    90: "ninety",
}


def _spoken(n: int) -> str:
    """English words for 1..999 ("three hundred and forty-two")."""
    parts = []
    if n >= 100:
        parts.append(f"{number_word(n // 100)} hundred")
        n %= 100
        if n:
            parts.append("and")
    if n >= 20:
        tens, ones = divmod(n, 10)
        parts.append(_NUMBER_WORDS_BIG[tens * 10] + (f"-{number_word(ones)}" if ones else ""))
    elif n:
        parts.append(number_word(n))
    return " ".join(parts)


@template(f"{G}/spoken_numbers", CALCULATOR)
def spoken_numbers(rng: random.Random) -> Draft:
    a, b = rng.randint(21, 999), rng.randint(11, 99)
    op, word = rng.choice((("*", "times"), ("+", "plus"), ("-", "minus"), ("/", "divided by")))
    prompt = pick(
        rng,
        ("What's {a} {w} {b}?", "how much is {a} {w} {b}", "Calculate {a} {w} {b}."),
        a=_spoken(a),
        b=_spoken(b),
        w=word,
    )
    return _calc(prompt, f"{a} {op} {b}")


@template(f"{G}/explicit_calculator", CALCULATOR)
def explicit_calculator(rng: random.Random) -> Draft:
    canon, user = _random_expr(rng)
    prompt = pick(
        rng,
        (
            "Use the calculator to work out {e}.",
            "Can you run {e} through a calculator?",
            "Calculator: {e}",
            "I don't trust my mental math. What is {e}?",
            "Double-check this for me: {e}",
            "My homework says {e}. What's the answer?",
        ),
        e=user,
    )
    return _calc(prompt, canon)


@template(f"{G}/time_arithmetic", CALCULATOR)
def time_arithmetic(rng: random.Random) -> Draft:
    kind = rng.randrange(3)
    if kind == 0:
        h1, m1 = rng.randint(6, 11), rng.choice((0, 15, 30, 45))
        h2, m2 = rng.randint(13, 22), rng.choice((0, 10, 20, 30, 40, 50))
        prompt = pick(
            rng,
            (
                "I started work at {h1}:{m1:02d} and finished at {h2}:{m2:02d}. How many hours did I work?",
                "From {h1}:{m1:02d} to {h2}:{m2:02d} is how many hours?",
            ),
            h1=h1,
            m1=m1,
            h2=h2,
            m2=m2,
        )
        return _calc(prompt, _r2(f"({h2} * 60 + {m2} - ({h1} * 60 + {m1})) / 60"))
    if kind == 1:
        laps, sec = rng.randint(3, 40), round(rng.uniform(40, 150), 1)
        prompt = pick(
            rng,
            (
                "I swam {n} laps at {s} seconds each. How many minutes in total?",
                "{n} laps of {s} s each, total minutes?",
            ),
            n=laps,
            s=fmt_num(sec),
        )
        return _calc(prompt, _r2(f"{laps} * {fmt_num(sec)} / 60"))
    episodes, minutes = rng.randint(6, 80), rng.choice((22, 24, 30, 42, 45, 50, 55, 60))
    prompt = pick(
        rng,
        (
            "A series has {e} episodes of {m} minutes. How many hours to watch it all?",
            "How long in hours is binge-watching {e} episodes at {m} min each?",
        ),
        e=episodes,
        m=minutes,
    )
    return _calc(prompt, _r2(f"{episodes} * {minutes} / 60"))


@template(f"{G}/rate_per_unit", CALCULATOR)
def rate_per_unit(rng: random.Random) -> Draft:
    kind = rng.randrange(3)
    if kind == 0:
        salary, hours = rng.randint(25, 200) * 1000, rng.choice((35, 37.5, 40, 45))
        prompt = pick(
            rng,
            (
                "I earn {m} a year working {h} hours a week. What's my hourly rate?",
                "Hourly wage for {m}/year at {h} h/week, 52 weeks?",
            ),
            m=money(rng, salary, "$"),
            h=fmt_num(hours),
        )
        return _calc(prompt, _r2(f"{salary} / (52 * {fmt_num(hours)})"))
    if kind == 1:
        liters, km = round(rng.uniform(20, 70), 1), rng.randint(200, 1100)
        prompt = pick(
            rng, ("I used {l} liters for {k} km. What's that in liters per 100 km?",), l=fmt_num(liters), k=km
        )
        return _calc(prompt, _r2(f"{fmt_num(liters)} / {km} * 100"))
    pages, days = rng.randint(100, 1500), rng.randint(3, 60)
    prompt = pick(
        rng,
        (
            "How many pages a day to read a {p}-page book in {d} days?",
            "I need to finish {p} pages in {d} days. Pages per day?",
        ),
        p=pages,
        d=days,
    )
    return _calc(prompt, _r2(f"{pages} / {days}"))


@template(f"{G}/percent_points_grades", CALCULATOR)
def percent_points_grades(rng: random.Random) -> Draft:
    need, weight = rng.randint(60, 95), rng.choice((20, 25, 30, 40, 50))
    current = rng.randint(55, 98)
    prompt = pick(
        rng,
        (
            "My grade is {c}% and the final is worth {w}% of the total. What score do I need on the "
            "final to end with {n}%?",
            "Current average {c}%, final exam weight {w}%, target {n}%. Needed final score?",
        ),
        c=current,
        w=weight,
        n=need,
    )
    return _calc(prompt, _r2(f"({need} - {current} * (1 - {weight} / 100)) / ({weight} / 100)"))


@template(f"{G}/tip_per_person", CALCULATOR)
def tip_per_person(rng: random.Random) -> Draft:
    bill, people, p = rand_price(rng, 40, 600), rng.randint(2, 10), rng.choice((15, 18, 20, 25))
    prompt = pick(
        rng,
        (
            "How much tip does each of {n} people pay on a {m} bill at {p}%?",
            "{p}% tip on {m} shared by {n} friends: tip per person?",
        ),
        n=people,
        m=money(rng, bill),
        p=p,
    )
    return _calc(prompt, _r2(f"{fmt_num(bill)} * {p} / 100 / {people}"))


@template(f"{G}/quantity_needed", CALCULATOR)
def quantity_needed(rng: random.Random) -> Draft:
    guests = rng.randint(8, 200)
    item, unit, amounts = rng.choice(
        (
            ("pizza", "slices", (2, 3, 4)),
            ("lemonade", "cups", (1.5, 2, 2.5)),
            ("cake", "pieces", (1, 1.5, 2)),
            ("coffee", "cups", (1.5, 2)),
            ("rice", "grams", (75, 80, 100)),
            ("water", "liters", (0.5, 1.5, 2)),
        )
    )
    per = rng.choice(amounts)
    prompt = pick(
        rng,
        (
            "We expect {g} guests and each has {p} {u} of {i}. How many {u} do we need?",
            "{g} people, {p} {u} of {i} each. Total {u}?",
        ),
        g=guests,
        p=fmt_num(per),
        u=unit,
        i=item,
    )
    return _calc(prompt, f"{guests} * {fmt_num(per)}")


@template(f"{G}/linear_equation", CALCULATOR)
def linear_equation(rng: random.Random) -> Draft:
    a, b = rng.randint(2, 25), rng.randint(1, 200)
    c = a * rng.randint(-20, 60) + b if rng.random() < 0.7 else rng.randint(1, 500)
    sign = "+" if rng.random() < 0.7 else "-"
    prompt = pick(
        rng,
        (
            "Solve for x: {a}x {s} {b} = {c}",
            "What is x if {a}x {s} {b} = {c}?",
            "{a}x {s} {b} = {c}, find x",
            "solve {a}*x {s} {b} = {c}",
        ),
        a=a,
        s=sign,
        b=b,
        c=c,
    )
    # Rearranged by hand: the calculator evaluates numbers, not equations.
    return _calc(prompt, f"({c} - {b}) / {a}" if sign == "+" else f"({c} + {b}) / {a}")


@template(f"{G}/hours_to_minutes", CALCULATOR)
def hours_to_minutes(rng: random.Random) -> Draft:
    h = rng.choice((1.25, 1.5, 2.5, 3.75, 4.2, 0.35, 6.5, 12.25, 2.4))
    prompt = pick(
        rng, ("How many minutes is {h} hours?", "Convert {h} hours to minutes.", "{h} h in minutes?"), h=fmt_num(h)
    )
    return _calc(prompt, f"{fmt_num(h)} * 60")
