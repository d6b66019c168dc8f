"""An answer that comes after the turn's deadline is a timeout, not ``ok`` (issue 24's --deadline-ms 300 row)."""

from __future__ import annotations

from executors import CallResult, ToolCall
from executors._invoke import past_deadline


def test_an_answer_after_the_deadline_is_a_timeout() -> None:
    """Ending 2 ms after the turn's deadline is ``timeout`` with the lateness; on time stays ``ok``."""
    call = ToolCall("a", "t", {})
    late = past_deadline(CallResult(call, "ok", {"v": 1}, None, 0.0, 0.302), 0.300)
    assert (late.status, late.value) == ("timeout", None)
    assert late.error is not None and "2.00 ms (wall) after the turn's deadline" in late.error
    on_time = CallResult(call, "ok", {"v": 1}, None, 0.0, 0.299)
    assert past_deadline(on_time, 0.300) is on_time
    assert past_deadline(on_time, None) is on_time
