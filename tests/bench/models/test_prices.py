"""The price table: dated rows, family fallback, thinking and cached billing, the >200k tier, unknown models."""

from __future__ import annotations

import pytest

from bench.models import DEFAULT_MODEL, load_prices

PRICES = load_prices()


def test_every_row_has_a_source_and_a_date_and_the_default_is_priced() -> None:
    """No row without provenance; the default model (a current one) has a row."""
    assert all(r.source and r.read_on for r in PRICES.rows.values())
    assert DEFAULT_MODEL in PRICES.rows and PRICES.default_model == DEFAULT_MODEL
    assert {"gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-3-flash-preview"} <= set(
        PRICES.rows
    )


def test_thinking_is_output_and_cached_input_is_cheaper() -> None:
    """Thoughts are billed at the output rate, cached prompt tokens at the cached rate, tool-use prompt
    tokens (outside the prompt count) at the input rate."""
    turn = {"tokens_in": 1000, "tokens_out": 20, "tokens_thoughts": 300, "tokens_cached": 400}
    bill = PRICES.bill("gemini-2.5-flash", [turn])
    assert bill.usd == pytest.approx((600 * 0.30 + 400 * 0.03 + 320 * 2.50) / 1e6)
    with_tools = PRICES.bill("gemini-2.5-flash", [{**turn, "tokens_tool_prompt": 100}]).usd
    assert with_tools == pytest.approx(bill.usd + 100 * 0.30 / 1e6)


def test_over_200k_tier_is_per_request() -> None:
    """A request over 200k prompt tokens is billed at the higher tier; one under it is not."""
    big = PRICES.bill("gemini-2.5-pro", [{"tokens_in": 250_000, "tokens_out": 0}]).usd
    small = PRICES.bill("gemini-2.5-pro", [{"tokens_in": 150_000, "tokens_out": 0}]).usd
    assert big == pytest.approx(250_000 * 2.50 / 1e6) and small == pytest.approx(150_000 * 1.25 / 1e6)


@pytest.mark.parametrize(
    ("model", "row"),
    [
        ("gemini-2.5-flash-001", "gemini-2.5-flash"),
        ("gemini-3-flash-preview-12-2025", "gemini-3-flash-preview"),
    ],
)
def test_dated_names_fall_back_to_the_family_and_say_so(model: str, row: str) -> None:
    """A pinned or dated preview name is billed at its family row, with a note."""
    bill = PRICES.bill(model, [{"tokens_in": 10, "tokens_out": 1}])
    assert bill.row == row and bill.note and row in bill.note and bill.usd


def test_unknown_model_costs_unknown_never_zero() -> None:
    """No row: cost None and a note for the report's warning."""
    bill = PRICES.bill("gemini-9-ultra", [{"tokens_in": 10, "tokens_out": 1}])
    assert bill.usd is None and bill.note and "unknown" in bill.note
