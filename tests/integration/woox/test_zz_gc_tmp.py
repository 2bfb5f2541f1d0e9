import gc
def test_zz_collect() -> None:
    for _ in range(3):
        gc.collect()
