"""Convert lengths between the units tinyunits knows."""

from tinyunits import factor


def convert(value, source, target):
    """`value` in `source` units, expressed in `target` units."""
    return value * factor(source) / factor(target)
