"""idna for the rebuild example: ASCII labels pass, others are punycoded by the codec."""
__version__ = "3.8"


def encode(domain):
    return b".".join(label.encode("idna") for label in domain.split("."))
