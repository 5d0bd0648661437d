"""Keystrokes per second through ``redact_keystrokes`` on the redaction corpus, one core.

No database: ``python -m bench.redaction [--scale 1.0] [--repeat 3]``. The
gateway has to take at least 100k events/s overall, so redaction should run at
several hundred thousand keystrokes/s. Ways of feeding it that are timed: a
whole typing session per call; gateway-sized batches of 200 key events with the
context carried between them (``carry_over`` included); small batches of 20; and
the calls the gateway makes per batch, ``redact_keystrokes_across`` (with the
context characters of matches that began in an earlier batch) and
``carry_over_owners`` (the tail with the event of each character), for batches
of 200 and of 20.
"""

import argparse
import time

from governance.redaction import (
    carry_over,
    carry_over_owners,
    redact_keystrokes,
    redact_keystrokes_across,
)
from tests.ingestion.corpus import build_corpus


def _whole(corpus) -> None:
    for sample in corpus:
        redact_keystrokes(sample.keys)


def _batched(size: int):
    def run(corpus) -> None:
        for sample in corpus:
            keys, context = sample.keys, ""
            for start in range(0, len(keys), size):
                part = keys[start : start + size]
                redact_keystrokes(part, context=context)
                context = carry_over(part, context)

    return run


def _gateway(size: int):
    def run(corpus) -> None:
        for sample in corpus:
            keys, context = sample.keys, ""
            for start in range(0, len(keys), size):
                part = keys[start : start + size]
                redact_keystrokes_across(part, context=context)
                context, _ = carry_over_owners(part, context)

    return run


def _best_of(repeat: int, fn, corpus) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(corpus)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="corpus size (1.0: ~1M events)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per mode; the best counts")
    args, _ = parser.parse_known_args()

    corpus = build_corpus(scale=args.scale)
    events = sum(len(s.keys) for s in corpus)
    chars = sum(len(s.text) for s in corpus)
    with_backspace = sum(any(code == "Backspace" for code, _ in s.keys) for s in corpus)
    print(
        f"corpus: {len(corpus)} sessions, {events} key events, {chars} characters typed, "
        f"{with_backspace} sessions with Backspace corrections"
    )
    for label, fn in [
        ("whole session per call", _whole),
        ("batches of 200 + carry_over", _batched(200)),
        ("batches of 20 + carry_over", _batched(20)),
        ("gateway calls, batches of 200", _gateway(200)),
        ("gateway calls, batches of 20", _gateway(20)),
    ]:
        seconds = _best_of(args.repeat, fn, corpus)
        print(f"{label:<30} {events / seconds:>12,.0f} keystrokes/s  ({seconds:.2f} s)")


if __name__ == "__main__":
    main()
