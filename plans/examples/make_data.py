"""Write the example ledgers and rosters under plans/examples.

The data is invented. A fixed seed makes every run write the same bytes, and
amounts are drawn as whole cents and written with two decimals, so each
amount is an exact decimal. A few rows of the AE, SDR and products data are
fixed by hand instead of drawn, so that the plan tests and
tests/test_examples.py can check statement figures worked out by hand.

The CRM roster lists the agents of the public CRM sales-opportunities export
with made-up quotas, target incentives and ratings. It is written only when
the export's sales_teams.csv is found (see CRM_TEAMS below); the export
itself is never copied into the project.

Usage:  python plans/examples/make_data.py [--out FOLDER]

Without --out it writes into plans/examples, next to the plans.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 2027
CRM_TEAMS = Path("/work/shared/data/crm-sales-opportunities/sales_teams.csv")

ACCOUNTS = [
    "Alderbrook Dairy", "Bluefin Analytics", "Cobalt Ridge Mining", "Driftwood Hotels",
    "Elmstead Clinics", "Fenwick Textiles", "Granite Peak Bank", "Harbor Lane Logistics",
    "Ironleaf Foods", "Juniper Solar", "Kestrel Aviation", "Lindenhall Schools",
    "Marrow & Finch Law", "Northgate Insurance", "Oakhollow Farms", "Pinecrest Media",
    "Quarry Street Brewing", "Redfern Pharmacy", "Saltmarsh Shipping", "Tamarack Retail",
    "Upland Water Works", "Vantage Point Realty", "Willowmere Foods", "Yarrow Biotech",
]

QUARTERS = {
    1: (datetime.date(2027, 1, 1), datetime.date(2027, 3, 31)),
    2: (datetime.date(2027, 4, 1), datetime.date(2027, 6, 30)),
    3: (datetime.date(2027, 7, 1), datetime.date(2027, 9, 30)),
    4: (datetime.date(2027, 10, 1), datetime.date(2027, 12, 31)),
}


def money(cents: int) -> str:
    """Format whole cents as an exact decimal amount such as 1234.56."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def random_date(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))


def month_bounds(month: int) -> tuple[datetime.date, datetime.date]:
    first = datetime.date(2027, month, 1)
    following = datetime.date(2028, 1, 1) if month == 12 else datetime.date(2027, month + 1, 1)
    return first, following - datetime.timedelta(days=1)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"wrote {path} ({len(rows)} rows)")


# ---------------------------------------------------------------------------
# Account executives: plans/examples/ae
# ---------------------------------------------------------------------------

AE_REPS = [
    # rep_id, name, quarterly quota in dollars, rating
    ("AE01", "Avery Lindqvist", 300_000, "4"),
    ("AE02", "Bruno Okafor", 300_000, "2"),
    ("AE03", "Chiara Benedetti", 200_000, "3"),
    ("AE04", "Dmitri Sokolov", 400_000, "3"),
    ("AE05", "Esme Whitfield", 300_000, "3"),
    ("AE06", "Farid Haddad", 200_000, "1"),
    ("AE07", "Greta Nilsson", 400_000, "4"),
    ("AE08", "Hiro Tanaka", 300_000, "3"),
    ("AE09", "Ines Carvalho", 200_000, "2"),
    ("AE10", "Jonah Abernathy", 300_000, "3"),
    ("AE11", "Kalani Kahale", 400_000, "3"),
    ("AE12", "Leonie Brandt", 300_000, "4"),
]
AE_PRODUCTS = ["Platform", "Analytics", "Services"]

# Q1 attainment, in percent of quota, for reps whose Q1 should show one rule
# of the plan: AE02 stays under the 40% gate and AE03 passes the commission cap.
AE_Q1_ATTAINMENT = {"AE02": 30, "AE03": 190}

# AE01's Q1 deals, fixed so that the statement can be worked out by hand:
# won 120,000.00 + 95,000.50 + 80,000.00 + 60,000.00 = 355,000.50 of bookings.
AE01_Q1 = [
    ("2027-01-14", "Harbor Lane Logistics", "Platform", "Won", 12_000_000),
    ("2027-02-03", "Granite Peak Bank", "Analytics", "Won", 9_500_050),
    ("2027-02-27", "Juniper Solar", "Platform", "Won", 8_000_000),
    ("2027-03-12", "Pinecrest Media", "Services", "Lost", 5_000_000),
    ("2027-03-25", "Yarrow Biotech", "Analytics", "Open", 7_500_000),
    ("2027-03-30", "Tamarack Retail", "Services", "Won", 6_000_000),
]


def ae_data(rng: random.Random, out: Path) -> None:
    deals: list[tuple[str, str, str, str, str, int]] = []  # date, rep, account, product, stage, cents
    for rep_id, _, quota, _ in AE_REPS:
        for quarter, (first, last) in QUARTERS.items():
            if rep_id == "AE01" and quarter == 1:
                deals.extend((d, rep_id, a, p, s, c) for d, a, p, s, c in AE01_Q1)
                continue
            percent = AE_Q1_ATTAINMENT.get(rep_id) if quarter == 1 else None
            if percent is None:
                percent = rng.randint(25, 175)
            target_cents = quota * percent  # quota dollars x percent / 100 x 100 cents
            # Draw won deals of 5,000 to 80,000 until bookings reach the target. A deal
            # drawn near the end is cut to about the remainder, so attainment lands
            # at most 5,000 over the chosen percent.
            booked = 0
            while booked < target_cents:
                cents = min(rng.randint(1_500_000, 8_000_000), target_cents - booked + rng.randint(0, 500_000))
                cents = max(cents, 500_000)
                booked += cents
                deals.append((random_date(rng, first, last).isoformat(), rep_id, rng.choice(ACCOUNTS),
                               rng.choice(AE_PRODUCTS), "Won", cents))
            for stage, count in (("Lost", rng.randint(1, 4)), ("Open", rng.randint(0, 3))):
                for _ in range(count):
                    deals.append((random_date(rng, first, last).isoformat(), rep_id, rng.choice(ACCOUNTS),
                                  rng.choice(AE_PRODUCTS), stage, rng.randint(1_000_000, 9_000_000)))
    deals.sort(key=lambda deal: (deal[0], deal[1]))
    rows = [[f"D27-{number:04d}", rep, date, account, product, stage, money(cents)]
            for number, (date, rep, account, product, stage, cents) in enumerate(deals, start=1)]
    write_csv(out / "ae" / "deals.csv",
              ["deal_id", "rep_id", "close_date", "account", "product", "stage", "amount"], rows)

    # Target incentive is 5% of quota, which the plan's commission rates assume.
    roster = [[rep_id, name, money(quota * 100), money(quota * 5), rating] for rep_id, name, quota, rating in AE_REPS]
    write_csv(out / "ae" / "roster.csv", ["rep_id", "name", "quota", "target_incentive", "rating"], roster)


# ---------------------------------------------------------------------------
# Sales development reps: plans/examples/sdr
# ---------------------------------------------------------------------------

SDR_REPS = [
    # sdr_id, name, monthly bonus target in dollars, chance that a qualified lead is won
    ("SDR01", "Mara Ellison", 1_200, 0.35),
    ("SDR02", "Nikhil Rao", 1_000, 0.20),
    ("SDR03", "Olivia Brenner", 1_000, 0.45),
    ("SDR04", "Pablo Ortega", 1_500, 0.30),
    ("SDR05", "Quinn Marlowe", 1_200, 0.25),
]

# SDR01's January leads, fixed: 40 leads, 14 of them qualified meetings,
# 5 of those won, 6 lost and 3 still open.
SDR01_JANUARY = ["Won"] * 5 + ["Lost"] * 6 + ["Open"] * 3 + ["Disqualified"] * 26


def sdr_data(rng: random.Random, out: Path) -> None:
    leads: list[tuple[str, str, str, str]] = []  # date, sdr, qualified, stage
    for sdr_id, _, _, win_chance in SDR_REPS:
        for month in range(1, 13):
            first, last = month_bounds(month)
            if sdr_id == "SDR01" and month == 1:
                for number, stage in enumerate(SDR01_JANUARY):
                    day = first + datetime.timedelta(days=number % 28)
                    leads.append((day.isoformat(), sdr_id, "no" if stage == "Disqualified" else "yes", stage))
                continue
            for _ in range(rng.randint(18, 45)):
                if rng.random() >= 0.35:
                    stage, qualified = "Disqualified", "no"
                else:
                    qualified = "yes"
                    roll = rng.random()
                    if roll < win_chance:
                        stage = "Won"
                    elif roll > 0.85:
                        stage = "Open"
                    else:
                        stage = "Lost"
                leads.append((random_date(rng, first, last).isoformat(), sdr_id, qualified, stage))
    leads.sort(key=lambda lead: (lead[0], lead[1]))
    rows = [[f"L27-{number:05d}", sdr, date, qualified, stage]
            for number, (date, sdr, qualified, stage) in enumerate(leads, start=1)]
    write_csv(out / "sdr" / "leads.csv", ["lead_id", "sdr_id", "created_date", "meeting_qualified", "stage"], rows)
    roster = [[sdr_id, name, money(bonus * 100)] for sdr_id, name, bonus, _ in SDR_REPS]
    write_csv(out / "sdr" / "roster.csv", ["sdr_id", "name", "bonus_target"], roster)


# ---------------------------------------------------------------------------
# Product commission: plans/examples/products
# ---------------------------------------------------------------------------

PRODUCT_REPS = [("PR01", "Rhea Castellano"), ("PR02", "Soren Dahl"), ("PR03", "Talia Moreno"),
                ("PR04", "Umar Siddiqui"), ("PR05", "Vera Kowalski"), ("PR06", "Wes Calloway")]
# "Training" is on purpose not in the plan's rate table, so its otherwise row applies.
PRODUCT_MIX = ["Platform", "Platform", "Analytics", "Services", "Support renewal", "Training"]

# PR01's January orders, fixed so that the statement can be worked out by hand.
PR01_JANUARY = [
    ("2027-01-05", "Platform", 4_000_000),
    ("2027-01-09", "Analytics", 1_250_000),
    ("2027-01-13", "Services", 800_000),
    ("2027-01-18", "Training", 333_333),
    ("2027-01-22", "Support renewal", 1_000_010),
    ("2027-01-28", "Analytics", 725_025),
]


def product_data(rng: random.Random, out: Path) -> None:
    orders: list[tuple[str, str, str, str, int]] = []  # date, rep, account, product, cents
    for rep_id, _ in PRODUCT_REPS:
        for month in range(1, 13):
            first, last = month_bounds(month)
            if rep_id == "PR01" and month == 1:
                orders.extend((d, rep_id, rng.choice(ACCOUNTS), p, c) for d, p, c in PR01_JANUARY)
                continue
            for _ in range(rng.randint(2, 7)):
                product = rng.choice(PRODUCT_MIX)
                low, high = (200_000, 1_500_000) if product in ("Services", "Training") else (500_000, 6_000_000)
                orders.append((random_date(rng, first, last).isoformat(), rep_id, rng.choice(ACCOUNTS), product,
                               rng.randint(low, high)))
    orders.sort(key=lambda order: (order[0], order[1]))
    rows = [[f"O27-{number:04d}", rep, date, account, product, money(cents)]
            for number, (date, rep, account, product, cents) in enumerate(orders, start=1)]
    write_csv(out / "products" / "orders.csv", ["order_id", "rep_id", "order_date", "account", "product", "amount"],
              rows)
    write_csv(out / "products" / "roster.csv", ["rep_id", "name"], [[r, n] for r, n in PRODUCT_REPS])


# ---------------------------------------------------------------------------
# CRM export agents: plans/examples/crm/roster.csv
# ---------------------------------------------------------------------------


def crm_roster(rng: random.Random, out: Path) -> None:
    if not CRM_TEAMS.exists():
        print(f"skipped plans/examples/crm/roster.csv: {CRM_TEAMS} not found", file=sys.stderr)
        return
    with CRM_TEAMS.open(encoding="utf-8", newline="") as handle:
        agents = [row["sales_agent"] for row in csv.DictReader(handle)]
    rows = []
    for agent in agents:
        quota = rng.choice([60_000, 75_000, 90_000, 100_000, 120_000])
        # Target incentive is 6% of quota, which the plan's commission rates assume.
        rows.append([agent, money(quota * 100), money(quota * 6), rng.choice("1233334")])
    write_csv(out / "crm" / "roster.csv", ["sales_agent", "quota", "target_incentive", "rating"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the example ledgers and rosters.")
    parser.add_argument("--out", type=Path, default=HERE,
                        help="folder to write the ae, sdr, products and crm subfolders into (default: %(default)s)")
    out = parser.parse_args().out
    # One generator per data set, so that changing one data set leaves the others unchanged.
    ae_data(random.Random(SEED), out)
    sdr_data(random.Random(SEED + 1), out)
    product_data(random.Random(SEED + 2), out)
    crm_roster(random.Random(SEED + 3), out)


if __name__ == "__main__":
    main()
