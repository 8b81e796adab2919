"""Answers drawn from each student's latent traits, as ranks across the cohort."""

from __future__ import annotations

from pathways.synthetic import calibration as cal


def _ranks(values: list[float]) -> list[float]:
    """Each value's position in the population as a fraction in (0, 1), evenly spread.

    Thresholding ranks rather than raw random numbers makes the cohort's rates come out at
    the calibrated figures instead of near them.
    """
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    for position, index in enumerate(order):
        ranks[index] = (position + 0.5) / len(values)
    return ranks


def _score_quantiles(mean: float) -> list[float]:
    """Cumulative probabilities of 1..5 for a score 1 + Binomial(4, p) with the given mean."""
    p = min(max((mean - 1) / 4, 0.0), 1.0)
    probabilities = [[1, 4, 6, 4, 1][k] * p**k * (1 - p) ** (4 - k) for k in range(5)]
    cumulative, total = [], 0.0
    for probability in probabilities:
        total += probability
        cumulative.append(total)
    return cumulative


def cycle_ranks(students, name, rng, weight=0.85):
    """Ranks of a student trait that persists between cycles but is not fixed."""
    noise = (1 - weight**2) ** 0.5
    return _ranks([weight * s.latent[name] + noise * rng.gauss(0, 1) for s in students])


def knowledge_scores(students, cycle, rng) -> dict[str, list[str]]:
    scores = {}
    for area in cal.KNOWLEDGE_MEANS:
        ranks = _ranks(
            [
                0.6 * s.latent["knowledge"] + 0.5 * s.latent[area] + 0.62 * rng.gauss(0, 1)
                for s in students
            ]
        )
        cumulative = _score_quantiles(cal.knowledge_mean(area, cycle))
        scores[area] = [
            "" if rng.random() < cal.NOT_ASSESSED
            else str(1 + next(k for k, c in enumerate(cumulative) if c >= r or k == 4))
            for r in ranks
        ]  # fmt: skip
    return scores
