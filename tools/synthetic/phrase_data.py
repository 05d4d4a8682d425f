"""Seeded generator of the general phrase set: short customer-request phrases in 190 imbalanced classes.

A class is a (domain, intent) pair such as `flight.cancel` or `gym.refund`: 38 domains with
several names for what they are about, times 5 intents with many phrasings each, filled
with Faker values (dates, places, order numbers, names), occasional typos and casing. Class
sizes follow a Zipf-like curve (a few classes with hundreds of rows, a long tail with a few
dozen), like the traffic of the phrase-classification product; it is judged by weighted F1.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from faker import Faker

# domain -> the words people use for the thing the request is about
DOMAINS: dict[str, tuple[str, ...]] = {
    "flight": ("flight", "plane ticket", "airline booking", "boarding pass", "return flight", "connecting flight"),
    "hotel": ("hotel room", "hotel reservation", "hotel booking", "suite", "room booking", "resort stay"),
    "car_rental": ("rental car", "car hire", "car rental", "rented vehicle", "rental SUV", "hire car"),
    "train": ("train ticket", "rail pass", "train journey", "railcard", "sleeper train", "commuter rail pass"),
    "restaurant": ("table reservation", "dinner booking", "restaurant booking", "table for two", "brunch reservation"),
    "food_delivery": ("food delivery", "takeout order", "pizza order", "meal delivery", "delivery order",
                      "sushi order"),
    "grocery": ("grocery order", "groceries", "supermarket delivery", "grocery basket", "produce box", "weekly shop"),
    "pharmacy": ("prescription refill", "pharmacy order", "medication delivery", "refill order", "pill pack"),
    "gym": ("gym membership", "fitness membership", "yoga classes", "personal trainer sessions", "spin class pass"),
    "streaming": ("streaming subscription", "video streaming plan", "movie channel", "music subscription",
                  "premium plan"),
    "mobile_plan": ("phone plan", "mobile plan", "cell service", "data plan", "sim card", "prepaid plan"),
    "internet": ("internet service", "broadband", "wifi router", "fiber connection", "home internet", "modem"),
    "electricity": ("electricity bill", "power supply", "electric service", "energy plan", "power bill"),
    "water_utility": ("water bill", "water service", "water meter", "sewer charge", "water supply"),
    "gas_utility": ("gas bill", "gas service", "gas meter", "heating gas supply", "gas connection"),
    "auto_insurance": ("car insurance", "auto policy", "vehicle insurance", "motor insurance", "auto coverage"),
    "home_insurance": ("home insurance", "homeowners policy", "renters insurance", "property insurance",
                       "contents cover"),
    "health_insurance": ("health insurance", "medical plan", "dental coverage", "health plan", "vision plan"),
    "credit_card": ("credit card", "debit card", "card payment", "card statement", "card limit", "contactless card"),
    "loan": ("personal loan", "student loan", "car loan", "loan repayment", "loan application"),
    "mortgage": ("mortgage", "home loan", "mortgage payment", "remortgage", "escrow account"),
    "bank_account": ("checking account", "savings account", "bank account", "joint account", "direct deposit"),
    "payroll": ("paycheck", "payslip", "salary payment", "overtime pay", "payroll deposit", "bonus payment"),
    "tax": ("tax return", "tax refund", "tax filing", "property tax", "tax bill", "W-2 form"),
    "parking": ("parking permit", "parking ticket", "parking space", "garage pass", "parking fine"),
    "package": ("package", "parcel", "shipment", "delivery", "courier pickup", "tracking number"),
    "furniture": ("sofa", "dining table", "bed frame", "office chair", "bookshelf", "mattress", "wardrobe"),
    "electronics": ("laptop", "headphones", "smart tv", "tablet", "phone charger", "gaming console", "camera"),
    "clothing": ("jacket", "dress", "jeans", "winter coat", "t-shirt order", "suit", "sweater"),
    "shoes": ("running shoes", "boots", "sneakers", "sandals", "heels", "hiking boots"),
    "books": ("book order", "textbook", "ebook", "audiobook", "novel", "magazine subscription"),
    "concert": ("concert tickets", "festival pass", "gig tickets", "show tickets", "stadium seats"),
    "cinema": ("movie tickets", "cinema booking", "film tickets", "imax seats", "cinema pass"),
    "software": ("software license", "antivirus subscription", "office suite license", "app subscription", "vpn plan"),
    "cloud_storage": ("cloud storage", "backup plan", "storage quota", "file sync plan", "online drive"),
    "domain": ("domain name", "web hosting", "website hosting", "ssl certificate", "email hosting"),
    "vet": ("vet appointment", "pet vaccination", "dog grooming", "cat checkup", "pet insurance"),
    "dental": ("dental appointment", "teeth cleaning", "dentist visit", "orthodontist appointment", "braces fitting"),
}

# intent -> phrasings; {obj} is a domain word, the other slots are Faker values.
INTENTS: dict[str, tuple[str, ...]] = {
    "cancel": (
        "cancel my {obj}", "please cancel the {obj}", "i want to cancel my {obj}", "cancel {obj} {ref}",
        "how do i cancel my {obj}", "stop my {obj}", "terminate the {obj}", "cancel the {obj} for {when}",
        "need to call off my {obj}", "end my {obj} now", "cancellation of {obj}", "withdraw my {obj}",
        "don't want the {obj} anymore", "cancel {obj} booked by {name}", "close my {obj}", "drop the {obj}",
        "unsubscribe from {obj}", "scrap my {obj} {when}",
    ),
    "refund": (
        "refund for my {obj}", "i want my money back for the {obj}", "refund {obj} {ref}", "get a refund on {obj}",
        "charged twice for {obj}", "reimburse the {obj}", "where is my {obj} refund", "money back {obj}",
        "refund request {obj} {when}", "was overcharged for my {obj}", "credit back the {obj} charge",
        "dispute the {obj} charge", "return {obj} and get refund", "refund of {amount} for {obj}",
        "partial refund on the {obj}", "chargeback for {obj}", "compensation for my {obj}",
    ),
    "status": (
        "status of my {obj}", "where is my {obj}", "track {obj} {ref}", "is my {obj} confirmed",
        "check {obj} status", "any update on the {obj}", "when will my {obj} be ready", "{obj} status {ref}",
        "has my {obj} gone through", "progress of the {obj}", "is the {obj} still on for {when}",
        "what happened to my {obj}", "confirm {obj} for {name}", "{obj} still pending", "eta for {obj}",
        "look up my {obj} {ref}", "did you receive my {obj}",
    ),
    "change": (
        "change my {obj}", "update the {obj} details", "reschedule {obj} to {when}", "modify {obj} {ref}",
        "switch my {obj} to {when}", "move the {obj} to {city}", "upgrade my {obj}", "edit {obj} for {name}",
        "change {obj} date to {when}", "amend my {obj}", "transfer the {obj} to {name}", "downgrade my {obj}",
        "add {name} to the {obj}", "change the address on my {obj}", "update payment for {obj}",
        "rebook the {obj}", "swap my {obj}",
    ),
    "complaint": (
        "complaint about my {obj}", "the {obj} was terrible", "{obj} is broken", "problem with my {obj}",
        "very unhappy with the {obj}", "{obj} never arrived", "the {obj} was damaged", "bad service on {obj}",
        "{obj} not working since {when}", "file a complaint {obj} {ref}", "staff were rude about my {obj}",
        "{obj} was late again", "disappointed with {obj} in {city}", "the {obj} is a scam", "issue with {obj} quality",
        "nobody answers about my {obj}", "{obj} keeps failing",
    ),
}

_TYPO_RATE = 0.04


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    template: str
    shard: int


def classes() -> list[str]:
    return [f"{domain}.{intent}" for domain in DOMAINS for intent in INTENTS]


def class_sizes(n: int, seed: int, minimum: int = 20, exponent: float = 0.9) -> dict[str, int]:
    """Zipf-like sizes summing to about `n`, at least `minimum` per class, big classes chosen at random."""
    names = classes()
    random.Random(seed).shuffle(names)
    weights = [1.0 / (rank + 1) ** exponent for rank in range(len(names))]
    spare = max(0, n - minimum * len(names))
    total = sum(weights)
    return {name: minimum + int(spare * w / total) for name, w in zip(names, weights)}


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 6:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.4:
        return text[:i] + text[i + 1:]  # dropped letter
    if kind < 0.8:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]  # swapped letters
    return text[:i] + text[i] + text[i:]  # doubled letter


def _fill(rng: random.Random, fake: Faker, template: str, obj: str) -> str:
    slots = {"obj": obj}
    # Only the slots a phrasing uses are drawn: Faker calls are the slow part of generation.
    if "{when}" in template:
        slots["when"] = rng.choice((
            fake.day_of_week().lower(), "tomorrow", "next week", f"{fake.month_name()} {rng.randint(1, 28)}",
            "tonight", "this weekend", f"the {rng.randint(1, 28)}th", "next month", fake.date(pattern="%m/%d"),
        ))
    if "{ref}" in template:
        slots["ref"] = rng.choice((f"#{rng.randint(10000, 999999)}", f"order {rng.randint(1000, 99999)}",
                                   f"ref {fake.bothify('??###').upper()}", f"booking {fake.bothify('#??##').upper()}"))
    if "{name}" in template:
        slots["name"] = fake.first_name()
    if "{city}" in template:
        slots["city"] = fake.city()
    if "{amount}" in template:
        slots["amount"] = f"${rng.randint(5, 900)}"
    return template.format(**slots)


def generate(n: int, seed: int = 29, shards: int = 10) -> list[Example]:
    """About `n` examples (reproducible for the same arguments); shard i uses its own Faker seed."""
    sizes = class_sizes(n, seed)
    fakers = []
    for shard in range(shards):
        fake = Faker("en_US")
        fake.seed_instance(seed * 1000 + shard)
        fakers.append(fake)
    rows: list[Example] = []
    for label, size in sorted(sizes.items()):
        domain, intent = label.split(".")
        rng = random.Random(f"{seed}:{label}")
        phrasings = INTENTS[intent]
        for i in range(size):
            shard = i % shards
            t = rng.randrange(len(phrasings))
            text = _fill(rng, fakers[shard], phrasings[t], rng.choice(DOMAINS[domain]))
            if rng.random() < _TYPO_RATE:
                text = _typo(rng, text)
            r = rng.random()
            if r < 0.1:
                text = text.capitalize()
            elif r < 0.13:
                text = text.upper()
            rows.append(Example(text, label, f"{intent}:{t}", shard))
    random.Random(seed).shuffle(rows)
    return rows
