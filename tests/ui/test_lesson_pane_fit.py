"""The lesson pane's Markdown fitting: code wraps, matrices align, tables become lists."""

from __future__ import annotations

from tapeviz.ui.lesson_pane import fit_markdown, matrix_grid


def test_code_lines_wrap_without_losing_text() -> None:
    line = 'print("Gradient of y with respect to x:", grad.numpy())  # Gradient is 6.0'
    out = fit_markdown(f"```python\n{line}\n```", 40).splitlines()
    body = out[1:-1]
    assert len(body) > 1 and all(len(b) <= 40 for b in body)
    assert body[0].startswith("# Gradient is")  # a trailing comment moves above its code
    assert sorted("".join(b.replace("↪ ", "") for b in body).replace(" ", "")) == sorted(line.replace(" ", ""))


def test_matrix_on_its_own_line_becomes_an_aligned_grid() -> None:
    out = fit_markdown("before\n[[1, -2.5], [30, 4]]\nafter", 40).splitlines()
    assert out == ["before", "```", " 1  -2.5", "30     4", "```", "after"]
    assert matrix_grid("[1, 2]") is None and matrix_grid("[[1, 2], [3]]") is None


def test_tables_become_lists_with_every_cell() -> None:
    text = "| what | where |\n|---|---|\n| the list | model.trainable_variables after the call |\nnext"
    out = fit_markdown(text, 30)
    assert "model.trainable_variables after the call" in out and "|" not in out
    assert out.splitlines()[0].startswith("- what: the list")


def test_feedback_lines_drop_markdown_emphasis_but_keep_products() -> None:
    from tapeviz.ui.lesson_pane import EMPHASIS_RE

    assert EMPHASIS_RE.sub("", "Why: gradients with respect to *data*, not **weights**") == "Why: gradients with respect to data, not weights"
    assert EMPHASIS_RE.sub("", "2 * x = 2*x, `x`") == "2 * x = 2*x, x"
