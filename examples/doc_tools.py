"""The source document's three tools as a pfcbench tools module (``examples/doc_tools.toml`` uses it).

Same signatures, data and latencies as the document's code (0.5, 0.3 and 0.4 s of simulated work); the
stock price is ``async def`` to show that both kinds of function are taken. Nothing here touches the
network, so the example runs offline.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from datetime import timezone as timezone_of
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_WEATHER = {
    "madrid": {"temp": 22, "condition": "soleado"},
    "london": {"temp": 15, "condition": "nublado"},
    "tokyo": {"temp": 28, "condition": "húmedo"},
    "new york": {"temp": 18, "condition": "parcialmente nublado"},
}
_OFFSETS = {"UTC": 0, "EST": -5, "PST": -8, "CET": 1, "JST": 9}
_PRICES = {"GOOGL": 142.50, "AAPL": 178.20, "MSFT": 378.90, "AMZN": 178.50, "META": 505.75}


def get_weather(location: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> dict[str, Any]:
    """Current weather for a location.

    Args:
        location: City or place, e.g. Madrid.
        unit: Temperature unit.
    """
    time.sleep(0.5)
    weather = dict(_WEATHER.get(location.lower(), {"temp": 20, "condition": "desconocido"}))
    if unit == "fahrenheit":
        weather["temp"] = weather["temp"] * 9 / 5 + 32
    return {
        "location": location,
        "temperature": weather["temp"],
        "unit": unit,
        "condition": weather["condition"],
    }


def get_time(timezone: str) -> dict[str, Any]:
    """Current time in a time zone.

    Args:
        timezone: An IANA time zone name (Europe/Madrid) or an abbreviation (UTC, EST, PST, CET, JST).
    """
    time.sleep(0.3)
    now = datetime.now(UTC).astimezone(_zone(timezone))
    return {"timezone": timezone, "time": now.strftime("%H:%M:%S"), "date": now.strftime("%Y-%m-%d")}


def _zone(name: str) -> Any:
    # A model writes the zone as it likes (the fake Gemini server sends IANA names), so both are taken.
    if name.upper() in _OFFSETS:
        return timezone_of(timedelta(hours=_OFFSETS[name.upper()]))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (an IANA name or one of {', '.join(_OFFSETS)})"
        ) from None


async def get_stock_price(symbol: str) -> dict[str, Any]:
    """Current price of a stock.

    Args:
        symbol: Stock ticker symbol, e.g. GOOGL or AAPL.
    """
    await asyncio.sleep(0.4)
    return {"symbol": symbol.upper(), "price": _PRICES.get(symbol.upper(), 100.00), "currency": "USD"}
