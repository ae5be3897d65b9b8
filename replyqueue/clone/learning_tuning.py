"""Choosing how far a creator's verdicts move the trained model (learning.LearningParams), by
simulation on the TRAINING data only (called by `manage.py train_triage`).

A simulated creator is a random draw of training comments with the trained model's OUT-OF-FOLD
probabilities (so the model never saw the comments it is scored on). The creator marks the first
n comments of a pool (their gold category: spam, abuse, or a legit category) and the rest are
scored. Two ways of marking are simulated: at random, and correcting first (the comments of the
pool the trained model got wrong on spam, i.e. spam left in the inbox and legit comments called
spam, then the others at random), as a creator cleaning their inbox does. A third simulation,
"unseen", gives a creator a kind of spam the trained model never saw (its spam rows scored by a
model trained without that group of spam, triage_training.unseen_spam_probabilities) and marks
at random: what the creator's marks are for. Every candidate setting is scored by spam F1 at n = 10, 10 % of the creator's comments,
50 and 200 marks; a setting qualifies only if its mean spam F1 is never below the trained model
alone at any n for random and corrective marks, and the comments it sends to no_reply stay >= 98 %
spam/abuse (or, if the trained model alone is below that in the simulation, no lower than it). Among those, the highest mean spam F1 over the three simulations wins (the simpler
setting on a tie). The evaluation set is never read here.
"""

import itertools
from dataclasses import dataclass

import numpy as np

from replyqueue.clone.learning import (
    FILED,
    SPAM_COLUMN,
    LearningParams,
    blend,
    fit_regression,
    local_view,
    neighbour_shift,
    one_hot_sides,
    regression_view,
    side,
    spam_margin,
)
from replyqueue.clone.triage_model import CATEGORIES

SIMULATED_CREATORS = 12
CREATOR_SIZE = 400  # comments per simulated creator
POOL = 200  # marks come from the first POOL comments, the other CREATOR_SIZE - POOL are scored
MARKS = (10, CREATOR_SIZE // 10, 50, 200)
PROTOCOLS = ("random", "corrective")  # never worse than the trained model alone on these
SIMULATIONS = (*PROTOCOLS, "unseen")
NO_REPLY_PRECISION = 0.98  # the product's target; the trained thresholds keep 0.99 in CV (triage_training)
SPAM = CATEGORIES.index("spam")

GRID = {
    "knn": [(0.0, 0.0)] + [(s, w) for s in (0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85) for w in (0.3, 0.5, 0.9)],
    "regression": [(0, 0.0, 40, 1.0)] + [(m, w, 60, 1.0) for m in (2, 5) for w in (0.25, 0.5)],
}


@dataclass
class Case:
    """One simulated creator at one number of marks: everything a setting needs, precomputed."""

    marks: int
    protocol: str  # random | corrective
    gold: np.ndarray  # categories of the scored comments
    probabilities: np.ndarray  # out-of-fold trained probabilities of the scored comments
    flagged: np.ndarray  # the trained safety call (never filed, never spam)
    similarities: np.ndarray  # scored x marks cosine
    mark_sides: np.ndarray
    mark_categories: list[str]
    views: dict  # (min_per_side, C) -> regression view of the scored comments, or None


def _outcome(case: Case, probabilities: np.ndarray, thresholds: dict, near_duplicate: float) -> tuple[np.ndarray, np.ndarray]:
    predicted = np.array(CATEGORIES)[probabilities.argmax(1)].astype(object)
    verdict = np.full(len(predicted), "", dtype=object)
    if case.similarities.shape[1]:
        best = case.similarities.argmax(1)
        copies = case.similarities[np.arange(len(best)), best] >= near_duplicate
        for i in np.where(copies)[0]:
            category = case.mark_categories[best[i]]
            verdict[i] = category
            if category in FILED:
                predicted[i] = category
            elif predicted[i] in FILED:  # a cleared copy: the best legit category
                legit = probabilities[i].copy()
                legit[[CATEGORIES.index(c) for c in FILED]] = -1
                predicted[i] = CATEGORIES[int(legit.argmax())]
    predicted[case.flagged] = "safety"
    filed = np.zeros(len(predicted), bool)
    for name in FILED:
        column = CATEGORIES.index(name)
        # The stricter threshold for comments that ask a question (triage.no_reply_threshold) is left out: cases keep no text.
        # So is a flagged copy of a spam mark waiting as possibly spam (triage.copies_marked_spam): cases keep no safety kind.
        filed |= (predicted == name) & ((probabilities[:, column] >= thresholds[f"no_reply_{name}"]) | (verdict == name))
    return predicted, filed


def _spam_f1(gold: np.ndarray, predicted: np.ndarray) -> float:
    tp = float(((gold == "spam") & (predicted == "spam")).sum())
    fp = float(((gold != "spam") & (predicted == "spam")).sum())
    fn = float(((gold == "spam") & (predicted != "spam")).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def build_cases(categories: np.ndarray, embeddings: np.ndarray, oof: np.ndarray, flagged: np.ndarray, seed: int,
                unseen: tuple[np.ndarray, np.ndarray] | None = None) -> list[Case]:
    rng = np.random.default_rng(seed)
    wrong = (oof.argmax(1) == SPAM) != (categories == "spam")
    plans = [(protocol, None) for _, protocol in itertools.product(range(SIMULATED_CREATORS), PROTOCOLS)]
    if unseen is not None:
        groups = unseen[1]
        plans += [("unseen", g % (groups.max() + 1)) for g in range(SIMULATED_CREATORS)]
    cases = []
    for protocol, group in plans:
        probabilities = oof
        if protocol == "unseen":
            spam = np.where(unseen[1] == group)[0]
            legit = rng.permutation(np.where(categories != "spam")[0])[: CREATOR_SIZE - len(spam)]
            chosen = rng.permutation(np.concatenate([spam, legit]))
            probabilities = oof.copy()
            probabilities[spam] = unseen[0][spam]
        else:
            chosen = rng.permutation(len(categories))[:CREATOR_SIZE]
        cases += _creator(protocol, chosen, wrong, categories, embeddings, probabilities, flagged)
    return cases


def _creator(protocol, chosen, wrong, categories, embeddings, probabilities, flagged) -> list[Case]:
    """One simulated creator's comments: the first POOL can be marked (corrective marks take the
    trained model's spam mistakes first), the rest are scored."""
    pool, scored = chosen[:POOL], chosen[POOL:]
    if protocol == "corrective":
        pool = np.concatenate([pool[wrong[pool]], pool[~wrong[pool]]])
    return _cases_for(protocol, pool, scored, categories, embeddings, probabilities, flagged)


def _cases_for(protocol, pool, scored, categories, embeddings, probabilities, flagged) -> list[Case]:
    regression_keys = {(m, c) for m, _, _, c in GRID["regression"] if m}
    cases = []
    for n in (0, *MARKS):
        marked = pool[:n]
        mark_categories = [str(c) for c in categories[marked]]
        sides = [side(c) for c in mark_categories]
        views = {}
        for m, c in regression_keys:
            regression = fit_regression(embeddings[marked], sides, LearningParams(min_per_side=m, max_weight=1.0, regularisation=c)) if n else None
            views[(m, c)] = regression_view(regression, embeddings[scored]) if regression is not None else None
        cases.append(Case(
            n, protocol, categories[scored], probabilities[scored], flagged[scored], embeddings[scored] @ embeddings[marked].T,
            one_hot_sides(mark_categories), mark_categories, views,
        ))
    return cases


def score_setting(cases: list[Case], params: LearningParams, thresholds: dict) -> dict:
    """Mean spam F1 per number of marks and the pooled precision of no_reply."""
    f1: dict[str, list[float]] = {}
    filed_right = filed_all = 0
    for case in cases:
        if case.marks:
            view = case.views.get((params.min_per_side, params.regularisation))
            local, weight = local_view(case.similarities, case.mark_sides, view, case.marks, params)
            probabilities = blend(case.probabilities, local, weight)
            probabilities = neighbour_shift(probabilities, case.similarities, case.mark_categories, params, thresholds["no_reply_spam"])
        else:
            probabilities = case.probabilities
        predicted, filed = _outcome(case, probabilities, thresholds, params.near_duplicate if case.marks else 2.0)
        f1.setdefault(f"{case.protocol}:{case.marks}", []).append(_spam_f1(case.gold, predicted))
        filed_right += int(np.isin(case.gold[filed], FILED).sum())
        filed_all += int(filed.sum())
    return {
        "spam_f1": {n: round(float(np.mean(v)), 4) for n, v in f1.items()},
        "no_reply_precision": round(filed_right / filed_all, 4) if filed_all else 1.0,
    }


def candidates():
    for (knn_similarity, knn_weight), (min_per_side, max_weight, full_at, c) in itertools.product(GRID["knn"], GRID["regression"]):
        yield LearningParams(
            knn_similarity=knn_similarity, knn_weight=knn_weight, min_per_side=min_per_side or 2,
            full_weight_at=full_at, max_weight=max_weight, regularisation=c,
        )


def choose(categories: np.ndarray, embeddings: np.ndarray, oof: np.ndarray, flagged: np.ndarray, thresholds: dict,
           seed: int, log=print, unseen: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[LearningParams, dict]:
    cases = build_cases(categories, embeddings, oof, flagged, seed, unseen)
    simulations = SIMULATIONS if unseen is not None else PROTOCOLS
    off = LearningParams()
    baseline = score_setting(cases, off, thresholds)
    base = {p: baseline["spam_f1"][f"{p}:0"] for p in simulations}
    best, best_key, best_scores = off, None, baseline
    tried = 0
    for params in candidates():
        tried += 1
        scores = score_setting(cases, params, thresholds)
        curve = [scores["spam_f1"][f"{p}:{n}"] for p in simulations for n in MARKS]
        worse = any(scores["spam_f1"][f"{p}:{n}"] < base[p] for p in PROTOCOLS for n in MARKS)
        if worse or scores["no_reply_precision"] < min(NO_REPLY_PRECISION, baseline["no_reply_precision"]):
            continue
        key = (round(float(np.mean(curve)), 4), -params.max_weight, -params.knn_weight)
        if best_key is None or key > best_key:
            best, best_key, best_scores = params, key, scores
    info = {
        "simulated_creators": SIMULATED_CREATORS, "creator_size": CREATOR_SIZE, "settings_tried": tried,
        "spam_f1_trained_only": base,
        "spam_f1_by_marks": best_scores["spam_f1"],
        "no_reply_precision": best_scores["no_reply_precision"],
        "spam_f1_by_marks_without_exemplars_or_regression": baseline["spam_f1"],
    }
    log(f"  per-creator learning: {best.as_dict()}")
    log(f"  simulated spam F1 by marks (trained model alone {base}): {best_scores['spam_f1']}, no_reply precision {best_scores['no_reply_precision']}")
    return best, info


# The neighbour layer (learning.neighbour_shift) is fitted and checked on simulated creators of two
# kinds of world. In the "standard" world the trained model's probabilities are out-of-fold
# (5 random folds): a creator's marks then tell it almost nothing new, since comments like them were
# in its training folds. In the "new content" world they come from folds split by MEANING (k-means
# clusters of the training comments, whole clusters held out), so the trained model never saw
# comments like the creator's, and their marks are new information, as a real creator's are.
# Creators are random draws of 400 comments, or "topical" ones drawn from 4 clusters.
NEIGHBOUR_CREATORS = 80  # per world and kind of creator, half random marks, half corrective
NEIGHBOUR_L2 = (10.0, 30.0, 100.0, 300.0, 1000.0)  # ridge penalty of the fit: the candidates
NEIGHBOUR_TOLERANCE = 0.01  # spam F1 a point may lose to the simulation's noise (80 creators)
WORLD_CLUSTERS = 20


def _world_cases(categories, embeddings, probabilities, flagged, clusters, seed, topical) -> list[Case]:
    rng = np.random.default_rng(seed)
    wrong = (probabilities.argmax(1) == SPAM) != (categories == "spam")
    cases = []
    for c in range(NEIGHBOUR_CREATORS):
        protocol = PROTOCOLS[c % len(PROTOCOLS)]
        if topical:
            chosen = rng.permutation(np.where(np.isin(clusters, rng.choice(clusters.max() + 1, 4, replace=False)))[0])[:CREATOR_SIZE]
        else:
            chosen = rng.permutation(len(categories))[:CREATOR_SIZE]
        cases += _creator(protocol, chosen, wrong, categories, embeddings, probabilities, flagged)
    return cases


def _layer_features(case: Case) -> np.ndarray | None:
    margin = spam_margin(case.similarities, case.mark_categories)
    return None if margin is None else np.stack([np.maximum(margin, 0.0), np.minimum(margin, 0.0)], 1)


def _base_probabilities(case: Case, params: LearningParams) -> np.ndarray:
    view = case.views.get((params.min_per_side, params.regularisation))
    local, weight = local_view(case.similarities, case.mark_sides, view, case.marks, params)
    return blend(case.probabilities, local, weight)


def fit_layer(cases: list[Case], params: LearningParams, l2: float) -> tuple[float, float]:
    """Ridge logistic regression of "is spam" on the two margin features, with the log-odds of the
    probabilities before the layer as a fixed offset (Newton's method; two coefficients)."""
    features, offsets, targets = [], [], []
    for case in cases:
        x = _layer_features(case) if case.marks else None
        if x is None:
            continue
        before = np.clip(_base_probabilities(case, params)[:, SPAM_COLUMN], 1e-6, 1 - 1e-6)
        features.append(x)
        offsets.append(np.log(before / (1 - before)))
        targets.append((case.gold == "spam").astype(float))
    if not features:
        return 0.0, 0.0
    x, offset, y = np.concatenate(features), np.concatenate(offsets), np.concatenate(targets)
    beta = np.zeros(2)
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(offset + x @ beta)))
        gradient = x.T @ (p - y) + l2 * beta
        hessian = (x * (p * (1 - p))[:, None]).T @ x + l2 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-7:
            break
    return float(beta[0]), float(beta[1])


def choose_neighbour_layer(categories: np.ndarray, embeddings: np.ndarray, oof: np.ndarray, new_content: np.ndarray,
                           clusters: np.ndarray, flagged: np.ndarray, thresholds: dict, base: LearningParams, seed: int,
                           log=print) -> tuple[LearningParams, dict]:
    """Fit the neighbour layer on creators of the "new content" world (one seed), for each ridge
    penalty in NEIGHBOUR_L2, and check it on OTHER simulated creators (another seed) of both worlds,
    random and topical, random and corrective marks, at every number of marks, against `base` (the
    settings chosen by `choose`). A fit qualifies if no point loses more than NEIGHBOUR_TOLERANCE of
    spam F1 and no_reply precision does not fall (below 0.98, or below the settings without the layer
    if they are lower in that world); the one with the best mean gain in the new-content
    world wins. If none qualifies (or none gains), the layer stays off."""
    worlds = {
        f"{name}-{kind}": (probabilities, kind == "topical")
        for name, probabilities in (("new_content", new_content), ("standard", oof)) for kind in ("random", "topical")
    }
    fitting = [case for name, (probabilities, topical) in worlds.items() if name.startswith("new_content")
               for case in _world_cases(categories, embeddings, probabilities, flagged, clusters, seed, topical)]
    checking = {name: _world_cases(categories, embeddings, probabilities, flagged, clusters, seed + 1, topical)
                for name, (probabilities, topical) in worlds.items()}
    before = {name: score_setting(cases, base, thresholds) for name, cases in checking.items()}
    best, best_gain, report = base, 0.0, {}
    for l2 in NEIGHBOUR_L2:
        gain, loss = fit_layer(fitting, base, l2)
        params = LearningParams.from_dict({**base.as_dict(), "neighbour_gain": round(gain, 4), "neighbour_loss": round(loss, 4)})
        deltas, precision_ok = {}, True
        for name, cases in checking.items():
            after = score_setting(cases, params, thresholds)
            precision_ok &= after["no_reply_precision"] >= min(NO_REPLY_PRECISION, before[name]["no_reply_precision"])
            deltas[name] = {k: round(v - before[name]["spam_f1"][k], 4) for k, v in after["spam_f1"].items() if not k.endswith(":0")}
        worst = min(d for world in deltas.values() for d in world.values())
        mean_new = float(np.mean([d for name, world in deltas.items() if name.startswith("new_content") for d in world.values()]))
        qualifies = precision_ok and worst >= -NEIGHBOUR_TOLERANCE
        report[str(l2)] = {"gain": params.neighbour_gain, "loss": params.neighbour_loss, "worst": worst,
                           "mean_gain_new_content": round(mean_new, 4), "qualifies": qualifies, "spam_f1_change": deltas}
        log(f"  neighbour layer l2={l2}: coefficients ({gain:.2f}, {loss:.2f}), worst point {worst:+.3f}, "
            f"mean gain on new content {mean_new:+.4f}, precision kept: {precision_ok}")
        if qualifies and mean_new > best_gain:
            best, best_gain = params, mean_new
    info = {
        "creators_per_world": NEIGHBOUR_CREATORS, "clusters": WORLD_CLUSTERS, "tolerance": NEIGHBOUR_TOLERANCE,
        "spam_f1_before": {name: result["spam_f1"] for name, result in before.items()},
        "no_reply_precision_before": {name: result["no_reply_precision"] for name, result in before.items()},
        "candidates": report,
        "chosen": {"neighbour_gain": best.neighbour_gain, "neighbour_loss": best.neighbour_loss},
    }
    log(f"  neighbour layer chosen: gain {best.neighbour_gain}, loss {best.neighbour_loss}")
    return best, info
