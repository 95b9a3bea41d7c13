"""Length units and their factor to the metre."""

FACTORS = {
    "mm": 0.001,
    "cm": 0.01,
    "m": 1.0,
    "km": 1000.0,
    "in": 0.0254,
    "ft": 0.3048,
    "mi": 1609.344,
}


def factor(unit):
    """The factor that turns a length in `unit` into metres."""
    try:
        return FACTORS[unit]
    except KeyError:
        raise ValueError("unknown unit %r (known: %s)" % (unit, ", ".join(sorted(FACTORS)))) from None
