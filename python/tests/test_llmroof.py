"""The Python package against the library and the CLI.

Expected values are derived by hand from the published figures (model
cards, datasheets) or compared with the `llmroof` command's JSON for the
same settings: the package must mirror the JSON contract exactly."""

import math

import pytest

import llmroof


def test_analyze_matches_cli(cli):
    got = llmroof.analyze("meta-llama/Llama-2-7b-hf", "h100-sxm", batch=4, seq_len=1024,
                          attention="flash", kv_bit=8)
    want = cli("analyze", "meta-llama/Llama-2-7b-hf", "--hardware", "h100-sxm", "--batch", "4",
               "--seq-len", "1024", "--attention", "flash", "--kv-bit", "8", "--format", "json")
    assert got == want


def test_analyze_values():
    r = llmroof.analyze("meta-llama/Llama-2-7b-hf", stage="decode")
    # Llama-2-7b: 6,738,415,616 parameters (the safetensors' count, model card "7B")
    assert r["model"]["params"] == 6738415616
    assert r["settings"]["batch"] == 1 and r["settings"]["seq_len"] == 2048
    assert "prefill" not in r  # stage="decode": the decode step alone
    # decode at batch 1 streams the 16-bit weights once: at least 2 bytes per
    # parameter over the A100 80GB's 2.039 TB/s (datasheet)
    t = r["decode"]["total"]["time_s"]
    assert t >= 2 * 6738415616 / 2.039e12


def test_generate_matches_cli(cli):
    got = llmroof.generate("Llama-2-7b-hf", prompt_len=512, gen_len=64, batch=2)
    want = cli("generate", "Llama-2-7b-hf", "--prompt-len", "512", "--gen-len", "64", "--batch",
               "2", "--format", "json")
    assert got == want
    # batch x generated tokens / latency (docs/generation.md)
    g = got["generation"] if "generation" in got else got
    assert math.isclose(g["output_tokens_per_s"], 2 * 64 / g["latency_s"], rel_tol=1e-12)


def test_serve_plan_matches_cli(cli):
    got = llmroof.serve_plan(prompt_len=256, gen_len=32, max_tpot_s=0.03, max_batch=4, tp=2)
    want = cli("serve-plan", "--prompt-len", "256", "--gen-len", "32", "--max-tpot", "30ms",
               "--max-batch", "4", "--tp", "2", "--format", "json")
    assert got == want
    assert [r["batch"] for r in got["rows"]] == [1, 2, 3, 4]
    assert got["settings"]["max_tpot_s"] == 0.03


def test_sweep_rows_match_cli(cli):
    got = llmroof.sweep("meta-llama/Llama-2-7b-hf", ["a100-80gb", "h100-sxm"], batch=[1, 8],
                        attention=["eager", "flash"])
    want = cli("sweep", "meta-llama/Llama-2-7b-hf", "--hardware", "a100-80gb,h100-sxm",
               "--batch", "1,8", "--attention", "eager,flash", "--format", "jsonl", lines=True)
    assert len(got) == 2 * 2 * 2
    assert got == want


def test_sweep_models_generation_match_cli(cli):
    got = llmroof.sweep(["meta-llama/Llama-2-7b-hf", "mistralai/Mistral-7B-v0.1"], "h100-sxm",
                        batch=[1, 4], prompt_len=256, gen_len=32)
    want = cli("sweep", "meta-llama/Llama-2-7b-hf", "mistralai/Mistral-7B-v0.1", "--hardware",
               "h100-sxm", "--batch", "1,4", "--prompt-len", "256", "--gen-len", "32",
               "--format", "jsonl", lines=True)
    assert got == want


def test_sweep_models_params():
    # two models: rows carry the model; Mistral-7B-v0.1 has 7,241,732,096
    # parameters, Llama-2-7b 6,738,415,616 (data/models/SOURCES.md)
    rows = llmroof.sweep(["meta-llama/Llama-2-7b-hf", "mistralai/Mistral-7B-v0.1"],
                         batch=[1, 2], prompt_len=128, gen_len=16)
    assert [r["model"] for r in rows] == ["meta-llama/Llama-2-7b-hf"] * 2 + [
        "mistralai/Mistral-7B-v0.1"] * 2
    assert [r["params"] for r in rows] == [6738415616] * 2 + [7241732096] * 2
    g = rows[1]["generation"]
    assert g["prompt_len"] == 128 and g["gen_len"] == 16
    assert math.isclose(g["output_tokens_per_s"], 2 * 16 / g["latency_s"], rel_tol=1e-12)


def test_hardware_listing(cli):
    got = llmroof.hardware()
    assert got == cli("hardware", "list", "--format", "json")
    a100 = next(d for d in got["hardware"] if d["id"] == "a100-80gb")
    # NVIDIA A100 datasheet: 2,039 GB/s (SXM 80GB), 312 TFLOPS dense FP16
    assert a100["bandwidth"] == 2.039e12 and a100["peak"]["fp16"] == 312e12


def test_models_listing(cli):
    got = llmroof.models()
    assert got == cli("models", "--format", "json")
    names = [m["name"] for m in got["models"]]
    assert "meta-llama/Llama-2-7b-hf" in names


def test_errors_carry_message_and_code():
    with pytest.raises(llmroof.Error) as e:
        llmroof.analyze(hardware="h100sxmm")
    assert e.value.code == 1
    assert "unknown hardware 'h100sxmm'" in e.value.message
    assert "h100-sxm" in e.value.message  # the suggestion
    with pytest.raises(llmroof.Error) as e:
        llmroof.analyze(batch=0)
    assert e.value.code == 1 and "batch" in str(e.value)
    with pytest.raises(llmroof.Error) as e:
        llmroof.analyze("/nonexistent/config.json")
    assert e.value.code == 2
    with pytest.raises(llmroof.Error) as e:
        llmroof.analyze(bacth=8)
    assert "unknown setting 'bacth'" in e.value.message and "batch" in e.value.message
    with pytest.raises(llmroof.Error) as e:
        llmroof.generate(seq_len=100)
    assert e.value.code == 1


def test_overrides():
    # --set: 16 of Llama-2-7b's 32 layers keep the embeddings and the head
    # (2 x 32000 x 4096) and half of the 32 layers (202,383,360 each):
    # 262,144,000 + 16 x 202,383,360 + 4096 (final norm) = 3,500,277,760
    r = llmroof.analyze(set={"num_hidden_layers": 16})
    assert r["model"]["params"] == 262144000 + 16 * 202383360 + 4096
    # --hw-set: twice the bandwidth halves a memory-bound decode's roofline
    a = llmroof.analyze(stage="decode")
    b = llmroof.analyze(stage="decode", hw_set={"memory_bandwidth": "4.078T"})
    assert math.isclose(b["decode"]["total"]["time_s"] * 2, a["decode"]["total"]["time_s"],
                        rel_tol=0.02)


def test_to_dataframe():
    try:
        import pandas
    except ImportError:
        # not a dependency: without pandas the function says what it needs
        with pytest.raises(ImportError, match="pandas"):
            llmroof.to_dataframe(llmroof.analyze())
        return
    df = llmroof.to_dataframe(llmroof.analyze())
    assert isinstance(df, pandas.DataFrame) and set(df["stage"]) == {"prefill", "decode"}
    # Llama-2-7b's ops per stage (the analysis' own lists)
    r = llmroof.analyze()
    assert len(df) == len(r["prefill"]["ops"]) + len(r["decode"]["ops"])


def test_library_path_from_env(monkeypatch):
    assert llmroof.library_path()
