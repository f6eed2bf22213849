"""Generate a synthetic deal ledger and payee roster for the benchmarks.

The output is deterministic for a given ``--deals``, ``--payees`` and
``--seed``: every value comes from one ``random.Random(seed)``. Amounts are
drawn as integer cents and written as exact two-decimal text, so the files
never carry float rounding. Deal rows are written as they are drawn, so
memory use stays flat however many deals are asked for.

Usage: python benchmarks/generate.py --deals 100000 --payees 1000 --seed 7 --out DIR
"""

from __future__ import annotations

import argparse
import csv
import datetime
import random
import sys
from pathlib import Path

YEAR = 2027
PRODUCTS = ("Core", "Analytics", "Services", "Support", "Training")
PRODUCT_WEIGHTS = (50, 20, 15, 10, 5)
STAGES = ("Won", "Lost", "Open")
STAGE_WEIGHTS = (85, 10, 5)
RATINGS = (1, 2, 3, 4)
RATING_WEIGHTS = (5, 20, 55, 20)

# Deal amounts: 500.00 to 50,000.00 USD, drawn uniformly in cents.
MIN_AMOUNT_CENTS = 50_000
MAX_AMOUNT_CENTS = 5_000_000
MEAN_AMOUNT_CENTS = (MIN_AMOUNT_CENTS + MAX_AMOUNT_CENTS) // 2

DEALS_HEADER = ("deal_id", "rep", "close_date", "amount", "product", "stage")
ROSTER_HEADER = ("rep", "quota", "target_incentive", "rating")


def payee_id(index: int) -> str:
    return f"R{index:05d}"


def cents_text(cents: int) -> str:
    """Format integer cents as exact decimal text, e.g. 123456 -> "1234.56"."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def quarterly_quota_cents(deals: int, payees: int) -> int:
    """Estimate a payee's won bookings in a quarter, in cents, for sizing quotas."""
    won_share = STAGE_WEIGHTS[0] / sum(STAGE_WEIGHTS)
    deals_per_payee_quarter = deals / payees / 4
    return max(100_000, int(deals_per_payee_quarter * won_share * MEAN_AMOUNT_CENTS))


def write_roster(path: Path, payees: int, deals: int, rng: random.Random) -> None:
    """Write one roster row per payee with a quarterly quota spread around expected bookings.

    Quotas range from 60% to 140% of the expected bookings, so payees land
    below, at and above quota.
    """
    expected = quarterly_quota_cents(deals, payees)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(ROSTER_HEADER)
        for index in range(1, payees + 1):
            quota = expected * rng.randint(60, 140) // 100
            target_incentive = quota * rng.randint(8, 15) // 100
            rating = rng.choices(RATINGS, RATING_WEIGHTS)[0]
            writer.writerow((payee_id(index), cents_text(quota), cents_text(target_incentive), rating))


def write_deals(path: Path, deals: int, payees: int, rng: random.Random) -> None:
    """Write ``deals`` rows with close dates spread over the whole year."""
    first_day = datetime.date(YEAR, 1, 1)
    days_in_year = (datetime.date(YEAR + 1, 1, 1) - first_day).days
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(DEALS_HEADER)
        for index in range(1, deals + 1):
            payee = payee_id(rng.randint(1, payees))
            close_date = first_day + datetime.timedelta(days=rng.randrange(days_in_year))
            cents = rng.randint(MIN_AMOUNT_CENTS, MAX_AMOUNT_CENTS)
            product = rng.choices(PRODUCTS, PRODUCT_WEIGHTS)[0]
            stage = rng.choices(STAGES, STAGE_WEIGHTS)[0]
            writer.writerow((f"D{index:08d}", payee, close_date.isoformat(), cents_text(cents), product, stage))


def generate(deals: int, payees: int, seed: int, out: Path) -> tuple[Path, Path]:
    """Write ``roster.csv`` and ``deals.csv`` into ``out`` and return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    roster_path = out / "roster.csv"
    deals_path = out / "deals.csv"
    write_roster(roster_path, payees, deals, rng)
    write_deals(deals_path, deals, payees, rng)
    return deals_path, roster_path


def positive_int(text: str) -> int:
    value = int(text.replace("_", ""))
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate a synthetic deal ledger and payee roster.")
    parser.add_argument("--deals", type=positive_int, required=True, help="number of deal rows to write")
    parser.add_argument("--payees", type=positive_int, required=True, help="number of payees on the roster")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--out", type=Path, required=True, help="folder for deals.csv and roster.csv")
    args = parser.parse_args(argv)
    deals_path, roster_path = generate(args.deals, args.payees, args.seed, args.out)
    print(f"wrote {deals_path} ({args.deals:,} deals) and {roster_path} ({args.payees:,} payees)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
