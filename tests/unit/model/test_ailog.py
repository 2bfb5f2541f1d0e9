import pytest

from alphaloop.model import AiLog, ModelError


def make(explanation: str = "BTC trend up; funding neutral.", order_id: str | None = None) -> AiLog:
    return AiLog(
        stage="Decision Making",
        model="lightgbm-dir-v1",
        input={"features": {"ret_1h": 0.01}},
        output={"action": "open_long"},
        explanation=explanation,
        order_id=order_id,
    )


def test_an_explanation_of_exactly_500_words_is_accepted() -> None:
    assert make(" ".join(["word"] * 500)).explanation.count("word") == 500


def test_an_explanation_over_500_words_is_refused() -> None:
    with pytest.raises(ModelError, match="501 words"):
        make(" ".join(["word"] * 501))


def test_empty_fields_and_non_numeric_order_ids_are_refused_with_every_reason() -> None:
    with pytest.raises(ModelError) as info:
        AiLog(stage=" ", model="", input={}, output={}, explanation="", order_id="abc")
    text = str(info.value)
    for reason in ("stage is empty", "model is empty", "explanation is empty", "order_id 'abc'"):
        assert reason in text


def test_binding_an_order_id_keeps_everything_else() -> None:
    log = make().with_order_id("700000000000000001")
    assert log.order_id == "700000000000000001"
    assert log.output == {"action": "open_long"}
