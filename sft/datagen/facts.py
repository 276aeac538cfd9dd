"""Hand-checked fact tables for no-tool answers.

Only stable, well-established facts go here (capitals, currencies, element symbols, unit definitions, dated
events). Contested or changing facts are left out on purpose (for example capitals under dispute or being moved,
and currencies changing hands around the table's writing), because a wrong "fact" taught with confidence is
worse than a missing one.
"""

from __future__ import annotations

from typing import NamedTuple


class Country(NamedTuple):
    """Facts about one country; ``None`` where the table deliberately says nothing."""

    name: str
    capital: str | None
    continent: str
    currency: str | None
    language: str | None
    the: bool = False  # "the Netherlands", "the United Kingdom"


COUNTRIES: tuple[Country, ...] = (
    Country("France", "Paris", "Europe", "the euro", "French"),
    Country("Germany", "Berlin", "Europe", "the euro", "German"),
    Country("Italy", "Rome", "Europe", "the euro", "Italian"),
    Country("Spain", "Madrid", "Europe", "the euro", "Spanish"),
    Country("Portugal", "Lisbon", "Europe", "the euro", "Portuguese"),
    Country("Netherlands", "Amsterdam", "Europe", "the euro", "Dutch", the=True),
    Country("Belgium", "Brussels", "Europe", "the euro", "Dutch, French and German"),
    Country("Austria", "Vienna", "Europe", "the euro", "German"),
    Country("Switzerland", "Bern", "Europe", "the Swiss franc", "German, French, Italian and Romansh"),
    Country("Ireland", "Dublin", "Europe", "the euro", "English and Irish"),
    Country("United Kingdom", "London", "Europe", "the pound sterling", "English", the=True),
    Country("Sweden", "Stockholm", "Europe", "the Swedish krona", "Swedish"),
    Country("Norway", "Oslo", "Europe", "the Norwegian krone", "Norwegian"),
    Country("Denmark", "Copenhagen", "Europe", "the Danish krone", "Danish"),
    Country("Finland", "Helsinki", "Europe", "the euro", "Finnish and Swedish"),
    Country("Iceland", "Reykjavik", "Europe", "the Icelandic króna", "Icelandic"),
    Country("Poland", "Warsaw", "Europe", "the złoty", "Polish"),
    Country("Czech Republic", "Prague", "Europe", "the Czech koruna", "Czech", the=True),
    Country("Hungary", "Budapest", "Europe", "the forint", "Hungarian"),
    Country("Greece", "Athens", "Europe", "the euro", "Greek"),
    Country("Romania", "Bucharest", "Europe", "the Romanian leu", "Romanian"),
    Country("Croatia", "Zagreb", "Europe", "the euro", "Croatian"),
    Country("Ukraine", "Kyiv", "Europe", "the hryvnia", "Ukrainian"),
    Country("Egypt", "Cairo", "Africa", "the Egyptian pound", "Arabic"),
    Country("Nigeria", "Abuja", "Africa", "the naira", "English"),
    Country("Kenya", "Nairobi", "Africa", "the Kenyan shilling", "Swahili and English"),
    Country("Morocco", "Rabat", "Africa", "the Moroccan dirham", "Arabic and Tamazight (Berber)"),
    Country("Ethiopia", "Addis Ababa", "Africa", "the birr", "Amharic"),
    Country("Ghana", "Accra", "Africa", "the cedi", "English"),
    Country("Tanzania", "Dodoma", "Africa", "the Tanzanian shilling", "Swahili and English"),
    Country("Algeria", "Algiers", "Africa", "the Algerian dinar", "Arabic and Tamazight (Berber)"),
    Country("Senegal", "Dakar", "Africa", "the West African CFA franc", "French"),
    Country("China", "Beijing", "Asia", "the renminbi (yuan)", "Mandarin Chinese"),
    Country("Japan", "Tokyo", "Asia", "the yen", "Japanese"),
    Country("South Korea", "Seoul", "Asia", "the South Korean won", "Korean"),
    Country("India", "New Delhi", "Asia", "the Indian rupee", "Hindi and English"),
    Country("Pakistan", "Islamabad", "Asia", "the Pakistani rupee", "Urdu and English"),
    Country("Bangladesh", "Dhaka", "Asia", "the taka", "Bengali"),
    Country("Thailand", "Bangkok", "Asia", "the baht", "Thai"),
    Country("Vietnam", "Hanoi", "Asia", "the đồng", "Vietnamese"),
    Country("Philippines", "Manila", "Asia", "the Philippine peso", "Filipino and English", the=True),
    Country("Malaysia", "Kuala Lumpur", "Asia", "the ringgit", "Malay"),
    Country("Saudi Arabia", "Riyadh", "Asia", "the Saudi riyal", "Arabic"),
    Country("Iran", "Tehran", "Asia", "the Iranian rial", "Persian"),
    Country("Iraq", "Baghdad", "Asia", "the Iraqi dinar", "Arabic and Kurdish"),
    Country("Nepal", "Kathmandu", "Asia", "the Nepalese rupee", "Nepali"),
    Country("Mongolia", "Ulaanbaatar", "Asia", "the tögrög", "Mongolian"),
    Country("Kazakhstan", "Astana", "Asia", "the tenge", "Kazakh and Russian"),
    Country("Indonesia", None, "Asia", "the Indonesian rupiah", "Indonesian"),
    Country("Russia", "Moscow", "Europe and Asia", "the Russian ruble", "Russian"),
    Country("Turkey", "Ankara", "Asia and Europe", "the Turkish lira", "Turkish"),
    Country("United States", "Washington, D.C.", "North America", "the US dollar", None, the=True),
    Country("Canada", "Ottawa", "North America", "the Canadian dollar", "English and French"),
    Country("Mexico", "Mexico City", "North America", "the Mexican peso", "Spanish"),
    Country("Cuba", "Havana", "North America", "the Cuban peso", "Spanish"),
    Country("Jamaica", "Kingston", "North America", "the Jamaican dollar", "English"),
    Country("Guatemala", "Guatemala City", "North America", "the quetzal", "Spanish"),
    Country("Costa Rica", "San José", "North America", "the Costa Rican colón", "Spanish"),
    Country("Brazil", "Brasília", "South America", "the Brazilian real", "Portuguese"),
    Country("Argentina", "Buenos Aires", "South America", "the Argentine peso", "Spanish"),
    Country("Chile", "Santiago", "South America", "the Chilean peso", "Spanish"),
    Country("Peru", "Lima", "South America", "the Peruvian sol", "Spanish, Quechua and Aymara"),
    Country("Colombia", "Bogotá", "South America", "the Colombian peso", "Spanish"),
    Country("Venezuela", "Caracas", "South America", None, "Spanish"),
    Country("Ecuador", "Quito", "South America", "the US dollar", "Spanish"),
    Country("Uruguay", "Montevideo", "South America", "the Uruguayan peso", "Spanish"),
    Country("Paraguay", "Asunción", "South America", "the Paraguayan guaraní", "Spanish and Guaraní"),
    Country("Australia", "Canberra", "Oceania", "the Australian dollar", "English"),
    Country(
        "New Zealand", "Wellington", "Oceania", "the New Zealand dollar", "English, Māori and New Zealand Sign Language"
    ),
    Country("Fiji", "Suva", "Oceania", "the Fijian dollar", "English, Fijian and Fiji Hindi"),
)


class Element(NamedTuple):
    """A chemical element: name, symbol, atomic number, and a short note."""

    name: str
    symbol: str
    number: int
    note: str


ELEMENTS: tuple[Element, ...] = (
    Element("hydrogen", "H", 1, "the lightest and most abundant element in the universe"),
    Element("helium", "He", 2, "a noble gas used in balloons"),
    Element("lithium", "Li", 3, "a light metal used in rechargeable batteries"),
    Element("beryllium", "Be", 4, "a light, strong metal"),
    Element("boron", "B", 5, "a metalloid used in glass and detergents"),
    Element("carbon", "C", 6, "the basis of organic chemistry and of all known life"),
    Element("nitrogen", "N", 7, "about 78% of Earth's atmosphere"),
    Element("oxygen", "O", 8, "the gas we need to breathe, about 21% of the air"),
    Element("fluorine", "F", 9, "the most reactive element, used in toothpaste as fluoride"),
    Element("neon", "Ne", 10, "a noble gas famous for glowing signs"),
    Element("sodium", "Na", 11, "a soft, reactive metal found in table salt"),
    Element("magnesium", "Mg", 12, "a light metal that burns with a bright white flame"),
    Element("aluminium", "Al", 13, "a light metal used in cans and foil (spelled aluminum in the US)"),
    Element("silicon", "Si", 14, "the semiconductor at the heart of computer chips"),
    Element("phosphorus", "P", 15, "an element essential to DNA and bones"),
    Element("sulfur", "S", 16, "a yellow non-metal"),
    Element("chlorine", "Cl", 17, "a halogen used to disinfect water"),
    Element("argon", "Ar", 18, "a noble gas, about 1% of the air"),
    Element("potassium", "K", 19, "a reactive metal and an essential nutrient"),
    Element("calcium", "Ca", 20, "the metal in bones, teeth and limestone"),
    Element("titanium", "Ti", 22, "a strong, light, corrosion-resistant metal"),
    Element("chromium", "Cr", 24, "the metal that makes stainless steel shine"),
    Element("manganese", "Mn", 25, "a metal used in steel making"),
    Element("iron", "Fe", 26, "the main metal in steel and in Earth's core"),
    Element("cobalt", "Co", 27, "a metal used in magnets and batteries"),
    Element("nickel", "Ni", 28, "a metal used in coins and stainless steel"),
    Element("copper", "Cu", 29, "a reddish metal that conducts electricity very well"),
    Element("zinc", "Zn", 30, "a metal used to galvanize steel"),
    Element("silver", "Ag", 47, "a precious metal with the highest electrical conductivity"),
    Element("tin", "Sn", 50, "a metal used in solder and tin plating"),
    Element("iodine", "I", 53, "a halogen needed by the thyroid gland"),
    Element("tungsten", "W", 74, "the metal with the highest melting point"),
    Element("platinum", "Pt", 78, "a dense precious metal used in catalytic converters"),
    Element("gold", "Au", 79, "a precious metal that does not tarnish"),
    Element("mercury", "Hg", 80, "the only metal that is liquid at room temperature"),
    Element("lead", "Pb", 82, "a dense, toxic metal"),
    Element("uranium", "U", 92, "a radioactive metal used as nuclear fuel"),
    Element("krypton", "Kr", 36, "a noble gas"),
    Element("xenon", "Xe", 54, "a noble gas used in some lamps"),
    Element("radon", "Rn", 86, "a radioactive noble gas"),
)

# (question subject, unit asked, unit given, value, sentence). Fixed definitions a person recalls, not computes.
UNIT_FACTS: tuple[tuple[str, str, str], ...] = (
    ("grams", "a kilogram", "There are 1,000 grams in a kilogram."),
    ("centimeters", "a meter", "There are 100 centimeters in a meter."),
    ("millimeters", "a centimeter", "There are 10 millimeters in a centimeter."),
    ("meters", "a kilometer", "There are 1,000 meters in a kilometer."),
    ("inches", "a foot", "There are 12 inches in a foot."),
    ("feet", "a yard", "There are 3 feet in a yard."),
    ("feet", "a mile", "There are 5,280 feet in a mile."),
    ("ounces", "a pound", "There are 16 ounces in a pound."),
    ("seconds", "a minute", "There are 60 seconds in a minute."),
    ("minutes", "an hour", "There are 60 minutes in an hour."),
    ("hours", "a day", "There are 24 hours in a day."),
    ("days", "a week", "There are 7 days in a week."),
    ("months", "a year", "There are 12 months in a year."),
    ("days", "a leap year", "A leap year has 366 days."),
    ("days", "a regular year", "A regular (non-leap) year has 365 days."),
    ("milliliters", "a liter", "There are 1,000 milliliters in a liter."),
    ("years", "a decade", "A decade is 10 years."),
    ("years", "a century", "A century is 100 years."),
    ("years", "a millennium", "A millennium is 1,000 years."),
    ("weeks", "a year", "A year has 52 weeks plus one or two days."),
    ("cups", "a US pint", "There are 2 cups in a US pint."),
    ("pints", "a quart", "There are 2 pints in a quart."),
    ("quarts", "a gallon", "There are 4 quarts in a gallon."),
    ("degrees", "a circle", "A full circle has 360 degrees."),
    ("degrees", "a right angle", "A right angle is 90 degrees."),
    ("cents", "a dollar", "There are 100 cents in a dollar."),
    ("pennies", "a pound sterling", "There are 100 pence in a pound sterling."),
    ("bits", "a byte", "A byte is 8 bits."),
    ("items", "a dozen", "A dozen is 12."),
    ("sides", "a hexagon", "A hexagon has 6 sides."),
    ("sides", "an octagon", "An octagon has 8 sides."),
    ("sides", "a pentagon", "A pentagon has 5 sides."),
    ("minutes", "a quarter of an hour", "A quarter of an hour is 15 minutes."),
    ("days", "February in a leap year", "February has 29 days in a leap year."),
    ("days", "September", "September has 30 days."),
    ("days", "July", "July has 31 days."),
    ("players", "a soccer team on the field", "A soccer team has 11 players on the field."),
    ("players", "a basketball team on the court", "A basketball team has 5 players on the court."),
    ("keys", "a standard piano", "A standard piano has 88 keys."),
    ("strings", "a standard guitar", "A standard guitar has 6 strings."),
    ("cards", "a standard deck", "A standard deck has 52 cards, plus jokers in some decks."),
    ("squares", "a chessboard", "A chessboard has 64 squares."),
)

# (year, what happened). Used for "What happened in <year>?" and "When did ... ?".
EVENTS: tuple[tuple[int, str, str], ...] = (
    (
        1969,
        "the Apollo 11 Moon landing",
        "On July 20, 1969, Apollo 11 landed on the Moon and Neil Armstrong became the first person to walk on it.",
    ),
    (
        1989,
        "the fall of the Berlin Wall",
        "The Berlin Wall fell on November 9, 1989, opening the border between East and West Berlin.",
    ),
    (1945, "the end of World War II", "World War II ended in 1945: Germany surrendered in May and Japan in September."),
    (
        1914,
        "the start of World War I",
        "World War I began in 1914, after the assassination of Archduke Franz Ferdinand in Sarajevo.",
    ),
    (
        1776,
        "the US Declaration of Independence",
        "The United States Declaration of Independence was adopted on July 4, 1776.",
    ),
    (
        1492,
        "Columbus's first voyage to the Americas",
        "In 1492 Christopher Columbus crossed the Atlantic and reached the Caribbean.",
    ),
    (1066, "the Battle of Hastings", "In 1066 William of Normandy won the Battle of Hastings and conquered England."),
    (
        1912,
        "the sinking of the Titanic",
        "The Titanic sank on April 15, 1912, after hitting an iceberg on its maiden voyage.",
    ),
    (1929, "the Wall Street Crash", "The Wall Street Crash of October 1929 marked the start of the Great Depression."),
    (
        1961,
        "the first human spaceflight",
        "On April 12, 1961, Yuri Gagarin became the first human to travel into space.",
    ),
    (1991, "the dissolution of the Soviet Union", "The Soviet Union was dissolved in December 1991."),
    (
        1789,
        "the start of the French Revolution",
        "The French Revolution began in 1789; the Bastille was stormed on July 14.",
    ),
    (
        1903,
        "the Wright brothers' first flight",
        "On December 17, 1903, the Wright brothers made the first powered, controlled airplane flight.",
    ),
    (
        1953,
        "the first ascent of Mount Everest",
        "On May 29, 1953, Edmund Hillary and Tenzing Norgay became the first to reach the summit of Everest.",
    ),
    (
        1957,
        "the launch of Sputnik",
        "In October 1957 the Soviet Union launched Sputnik 1, the first artificial satellite.",
    ),
    (
        1994,
        "Nelson Mandela's election",
        "In 1994 Nelson Mandela was elected president of South Africa in its first all-race elections.",
    ),
    (1939, "the start of World War II", "World War II began in September 1939, when Germany invaded Poland."),
    (1990, "German reunification", "East and West Germany were reunified on October 3, 1990."),
    (2007, "the first iPhone", "Apple released the first iPhone in 2007."),
    (
        1986,
        "the Chernobyl disaster",
        "In April 1986 a reactor exploded at the Chernobyl nuclear power plant in Soviet Ukraine.",
    ),
    (1815, "the Battle of Waterloo", "In 1815 Napoleon was defeated at the Battle of Waterloo."),
    (
        1865,
        "the end of the American Civil War",
        "The American Civil War ended in 1865, and President Lincoln was assassinated that April.",
    ),
    (
        1963,
        "the assassination of John F. Kennedy",
        "US President John F. Kennedy was assassinated in Dallas on November 22, 1963.",
    ),
    (1997, "the Hong Kong handover", "In 1997 the United Kingdom handed Hong Kong over to China."),
)

# Questions with a number in the answer that is recalled, not computed.
NUMBER_FACTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("How many planets are in the solar system?", "How many planets orbit the Sun?"),
        "There are eight planets in the solar system: Mercury, Venus, Earth, Mars, Jupiter, Saturn, "
        "Uranus and Neptune.",
    ),
    (
        ("How many bones are in the adult human body?", "How many bones does an adult have?"),
        "An adult human skeleton has 206 bones.",
    ),
    (
        ("How many continents are there?", "How many continents does Earth have?"),
        "By the most common convention there are seven continents: Africa, Antarctica, Asia, Australia "
        "(Oceania), Europe, North America and South America.",
    ),
    (
        ("How many chromosomes do humans have?", "How many chromosomes are in a human cell?"),
        "Humans normally have 46 chromosomes, arranged in 23 pairs.",
    ),
    (("How many legs does a spider have?", "Do spiders have 8 legs?"), "Spiders have eight legs."),
    (("How many legs do insects have?", "How many legs does an insect have?"), "Insects have six legs."),
    (("How many hearts does an octopus have?",), "An octopus has three hearts."),
    (
        ("At what temperature does water boil?", "What is the boiling point of water?"),
        "At sea level, water boils at 100 °C (212 °F).",
    ),
    (
        ("At what temperature does water freeze?", "What's the freezing point of water?"),
        "Water freezes at 0 °C (32 °F) at normal atmospheric pressure.",
    ),
    (
        ("What is the speed of light?", "How fast does light travel?"),
        "Light travels at about 299,792 kilometers per second (roughly 186,000 miles per second) in a vacuum.",
    ),
    (
        ("How tall is Mount Everest?", "What is the height of Mount Everest?"),
        "Mount Everest is about 8,849 meters (29,032 feet) above sea level.",
    ),
    (
        ("How many teeth does an adult have?", "How many teeth do adults usually have?"),
        "Adults usually have 32 teeth, including the four wisdom teeth.",
    ),
    (
        ("How many colors are in a rainbow?", "What are the colors of the rainbow?"),
        "A rainbow is traditionally described with seven colors: red, orange, yellow, green, blue, indigo and violet.",
    ),
    (
        ("How many states are in the USA?", "How many states does the United States have?"),
        "The United States has 50 states.",
    ),
    (
        ("What is the value of pi?", "What's pi?", "what is pi to a few decimal places"),
        "Pi (π) is the ratio of a circle's circumference to its diameter: about 3.14159.",
    ),
    (
        ("What is the acceleration due to gravity on Earth?", "What's g on Earth?"),
        "Near Earth's surface, gravity accelerates objects at about 9.81 m/s².",
    ),
    (
        ("What is normal human body temperature?", "What's a normal body temperature?"),
        "A typical body temperature is around 37 °C (98.6 °F), with normal variation of about half a "
        "degree either way.",
    ),
    (("How many sides does a triangle have?",), "A triangle has three sides."),
    (("How many days are in a week?",), "There are seven days in a week."),
    (
        ("How many oceans are there?", "Name the oceans of the world."),
        "There are five oceans: the Pacific, Atlantic, Indian, Southern and Arctic Oceans.",
    ),
)
