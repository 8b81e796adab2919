"""A synthetic landing folder that follows the extract contract, calibrated to the pilot."""

from pathways.synthetic.generate import GeneratedLanding, generate

__all__ = ["GeneratedLanding", "generate"]
