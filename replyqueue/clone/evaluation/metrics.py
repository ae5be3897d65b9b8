"""Precision / recall tables for the evaluation commands."""

from collections import Counter


def per_class(pairs: list[tuple[str, str]], classes: list[str]) -> dict[str, dict]:
    """pairs are (expected, predicted)."""
    tp, fp, fn, support = Counter(), Counter(), Counter(), Counter()
    for expected, predicted in pairs:
        support[expected] += 1
        if expected == predicted:
            tp[expected] += 1
        else:
            fp[predicted] += 1
            fn[expected] += 1
    table = {}
    for name in classes:
        precision = tp[name] / (tp[name] + fp[name]) if tp[name] + fp[name] else 0.0
        recall = tp[name] / (tp[name] + fn[name]) if tp[name] + fn[name] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        table[name] = {"precision": precision, "recall": recall, "f1": f1, "support": support[name]}
    return table


def format_table(table: dict[str, dict], accuracy: float) -> str:
    lines = [f"{'category':<12}{'precision':>10}{'recall':>9}{'f1':>7}{'n':>6}"]
    for name, row in table.items():
        lines.append(
            f"{name:<12}{row['precision']:>10.2f}{row['recall']:>9.2f}{row['f1']:>7.2f}{row['support']:>6}"
        )
    lines.append(f"{'accuracy':<12}{accuracy:>10.2f}")
    return "\n".join(lines)
