#!/usr/bin/env bash
# cli_memory.sh BINARY DATA_DIR FIXTURES_DIR
#
# Issue 12, items 1 and 4: the memory an engine plans (the KV cache size in
# tokens and the maximum concurrency, as vLLM logs them; docs/memory.md)
# and the settings an engine refuses before it starts, each with its exact
# message and exit code (1 usage, 3 evaluation).
set -u

if [ $# -ne 3 ]; then
    echo "usage: $0 BINARY DATA_DIR FIXTURES_DIR" >&2
    exit 1
fi
BIN=$1
DATA=$2
FIX=$3/cli
unset LLMROOF_DATA

. "$(dirname "$0")/lib.sh"
make_temp cli-memory

# ---- the engine's memory plan ----
# Llama-3.1-8B on an H100 SXM (85,899,345,920 B) at --mem-util 0.9,
# prompt 2000 + 500 generated tokens, eager attention:
#   budget 77,309,411,328 B; weights 8,030,261,248 x 2 = 16,060,522,496 B;
#   activations of one 8192-token pass (4.096 prompts): softmax reads and
#   writes 4.096 x 32 x 2000 x 2000 x 2 B = 1,048,576,000 B each, plus the
#   residual stream 8192 x 4096 x 2 = 67,108,864 B: 2,164,260,864 B;
#   runtime 3,758,096,384 B (aiconfigurator other_mem, one GPU);
#   free 55,326,531,584 B; a token's KV 2 x 32 x 8 x 128 x 2 = 131,072 B,
#   a page of 16 tokens 2,097,152 B: 26,381 pages = 422,096 tokens;
#   2500 tokens = 157 pages: 26,381 / 157 = 168.03x, 168 sequences.
run "serve-plan Llama-3.1-8B h100" serve-plan meta-llama/Meta-Llama-3.1-8B --hardware h100-sxm --attention eager \
    --prompt-len 2000 --gen-len 500 --mem-util 0.9
expect_rc 0
expect_out "at most 168 sequences fit in 90% of 80.0 GiB"
expect_out "GPU KV cache size: 422096 tokens (per device: 90% of 80.0 GiB - weights 14.96 - activations 2.02 (8192-token pass) - runtime 3.50 GiB, pages of 16 tokens)"
expect_out "Maximum concurrency for 2500 tokens per request: 168.03x (168 whole sequences)"
run "serve-plan JSON memory" serve-plan meta-llama/Meta-Llama-3.1-8B --hardware h100-sxm --attention eager \
    --prompt-len 2000 --gen-len 500 --format json
expect_rc 0
expect_out '"max_batch": 168'
expect_out '"kv_capacity_tokens": 422096'
expect_out '"max_sequences": 168'
expect_out '"runtime": 3758096384'
expect_out '"activations": 2164260864'
# --mem-util is the settings row: 0.5 x 80 GiB = 42,949,672,960 B; free
# 42,949,672,960 - 16,060,522,496 - 2,164,260,864 - 3,758,096,384 =
# 20,966,793,216 B = 9,997.7 pages: 9,997 pages = 159,952 tokens; 9,997 /
# 157 = 63.7: 63 sequences
run "serve-plan mem-util 0.5" serve-plan meta-llama/Meta-Llama-3.1-8B --hardware h100-sxm --attention eager \
    --prompt-len 2000 --gen-len 500 --mem-util 0.5 --format json
expect_rc 0
expect_out '"kv_capacity_tokens": 159952'
expect_out '"max_batch": 63'
# pages of 32 tokens: 2500 tokens take 79 pages = 2528 tokens; 55,326,531,584
# / (32 x 131,072) = 13,190.8: 13,190 pages = 422,080 tokens; 13,190 / 79 =
# 166.96: 166 sequences
run "kv-block-size 32" serve-plan meta-llama/Meta-Llama-3.1-8B --hardware h100-sxm --attention eager \
    --prompt-len 2000 --gen-len 500 --kv-block-size 32 --format json
expect_rc 0
expect_out '"kv_capacity_tokens": 422080'
expect_out '"max_sequences": 166'
# --max-batched-tokens 2048: one prompt of 2000 per pass (1.024 of them):
# softmax 2 x 1.024 x 32 x 2000^2 x 2 = 524,288,000 B + residual 2048 x
# 4096 x 2 = 16,777,216 B = 541,065,216 B
run "max-batched-tokens 2048" serve-plan meta-llama/Meta-Llama-3.1-8B --hardware h100-sxm --attention eager \
    --prompt-len 2000 --gen-len 500 --max-batched-tokens 2048 --format json
expect_rc 0
expect_out '"activations": 541065216'
# The default engine, vllm, runs FlashAttention (data/engines/vllm.json),
# so without --attention the pass holds no score matrix (the cases above
# say --attention eager to keep their derivation). Its largest op is then
# gate_up_mul: it reads gate and up, 2 x 8192 x 14336 x 2 = 469,762,048 B,
# and writes 8192 x 14336 x 2 = 234,881,024 B; plus the residual stream
# 67,108,864 B: 771,751,936 B. Free 77,309,411,328 - 16,060,522,496 -
# 771,751,936 - 3,758,096,384 = 56,719,040,512 B = 27,045.7 pages: 27,045
# pages = 432,720 tokens; 27,045 / 157 = 172.3: 172 sequences (vLLM
# admits about 183 by issue 12's estimate without activations).
run "serve-plan flash by the engine" serve-plan meta-llama/Meta-Llama-3.1-8B --hardware h100-sxm \
    --prompt-len 2000 --gen-len 500 --format json
expect_rc 0
expect_out '"attention": "flash"'
expect_out '"activations": 771751936'
expect_out '"kv_capacity_tokens": 432720'
expect_out '"max_sequences": 172'
# generate reports the same figures (vLLM's two startup lines)
run "generate memory lines" generate meta-llama/Meta-Llama-3.1-8B --hardware h100-sxm --attention eager \
    --prompt-len 2000 --gen-len 500 --batch 200
expect_rc 0
expect_out "GPU KV cache size         422096 tokens per device"
expect_out "maximum concurrency          168 sequences of 2500 tokens"
expect_out "DOES NOT FIT"
run "analyze JSON memory" analyze meta-llama/Meta-Llama-3.1-8B --format json
expect_rc 0
expect_out '"kv_block_size": 16'
expect_out '"max_batched_tokens": 8192'
expect_out '"mem_util": 0.9'
expect_out '"kv_capacity_tokens": '
expect_out '"max_sequences": '

# ---- settings an engine refuses ----
run "tp not dividing the heads" analyze meta-llama/Meta-Llama-3-70B --tp 3
expect_rc 1
expect_err "llmroof: error: --tp 3 does not split the model's 64 attention heads and 8 key/value heads evenly; valid --tp sizes: 1, 2, 4, 8, 16, 32, 64"
expect_no_stdout
run "tp dividing the heads" analyze meta-llama/Meta-Llama-3-70B --tp 8
expect_rc 0
run "head dim not whole" analyze "$FIX/heads30/config.json"
expect_rc 1
expect_err "heads30/config.json: head_dim: 119.467 (hidden_size / num_attention_heads, 30 heads) is not a whole number of dimensions per attention head; set head_dim in the config"
run "pp over the layers" analyze meta-llama/Llama-2-7b-hf --pp 1000
expect_rc 1
expect_err "llmroof: error: --pp 1000: more pipeline stages than the model's 32 layers"
run "more micro-batches than sequences" analyze --batch 2 --microbatches 8 --pp 2
expect_rc 1
expect_err "llmroof: error: --microbatches 8: more micro-batches than the 2 sequences of the batch"
# serve-plan chooses its batches: micro-batches do not need --batch there
run "serve-plan with micro-batches" serve-plan --pp 2 --microbatches 2 --max-batch 2
expect_rc 0
run "longer than the context" analyze meta-llama/Llama-2-7b-hf --seq-len 100000
expect_rc 1
expect_err "llmroof: error: a sequence of 100000 tokens is longer than the model's context of 4096 tokens (max_position_embeddings); --allow-long-context accepts it"
run "long context allowed" analyze meta-llama/Llama-2-7b-hf --seq-len 100000 --allow-long-context
expect_rc 0
run "generate past the context" generate meta-llama/Llama-2-7b-hf --prompt-len 4000 --gen-len 200
expect_rc 1
expect_err "llmroof: error: a sequence of 4200 tokens is longer than the model's context of 4096 tokens (max_position_embeddings); --allow-long-context accepts it"
run "fp8 without fp8" analyze --hardware a100-80gb --w-bit 8 --a-bit 8 --a-dtype fp8
expect_rc 0
expect_err "llmroof: warning: a100-80gb has no FP8 tensor cores: --a-dtype fp8 computes at the int8 peak instead"
run "fp8 with fp8" analyze --hardware h100-sxm --w-bit 8 --a-bit 8 --a-dtype fp8
expect_rc 0
expect_no_err_text "FP8 tensor cores"
run "duration without a unit" serve-plan --max-tpot 7
expect_rc 1
expect_err "llmroof: error: --max-tpot: expected a positive time with a unit (s, ms or us) such as 50ms, got '7'"
run "ttft without a unit" serve-plan --max-ttft 0.5
expect_rc 1
expect_err "llmroof: error: --max-ttft: expected a positive time with a unit (s, ms or us) such as 50ms, got '0.5'"
run "duration with a unit" serve-plan --max-tpot 7s --max-batch 2
expect_rc 0
# Llama-3-70B on an a100-40gb (42,949,672,960 B) at 0.9: 36 GiB. One
# sequence of 1024 + 256 tokens: weights 70,553,706,496 x 2 =
# 141,107,412,992 B (131.42 GiB); KV 1280 x 2 x 80 x 8 x 128 x 2 =
# 419,430,400 B (0.39 GiB); activations of the 1024-token prefill: softmax
# 2 x 64 x 1024^2 x 2 = 268,435,456 B + residual 1024 x 8192 x 2 =
# 16,777,216 B (0.27 GiB); runtime 3.50 GiB: 145,570,152,448 B = 135.57
# GiB, short by 99.57 GiB. --tp 4 needs 131.42 / 4 = 32.86 + 0.10 + 0.08 +
# 3.50 + NCCL 0.38 = 36.9 GiB > 36; --tp 8 about 20.4 GiB: the smallest.
run "does not fit at batch 1" serve-plan meta-llama/Meta-Llama-3-70B --hardware a100-40gb --attention eager
expect_rc 3
expect_err "llmroof: error: meta-llama/Meta-Llama-3-70B does not fit on a100-40gb even at batch 1: it needs 135.57 GiB per device (weights 131.42, KV cache 0.39, activations 0.27, runtime 3.50 GiB) of 36.00 GiB (--mem-util 0.9 of 40.00 GiB), short by 99.57 GiB; the smallest --tp that fits is 8"
expect_no_stdout
run "generate does not fit" generate meta-llama/Meta-Llama-3-70B --hardware a100-40gb --attention eager
expect_rc 3
expect_err "short by 99.57 GiB; the smallest --tp that fits is 8"
run "fits with tp 8" serve-plan meta-llama/Meta-Llama-3-70B --hardware a100-40gb --tp 8 --max-batch 1
expect_rc 0
run "sweep refuses a point" sweep meta-llama/Meta-Llama-3-70B --tp 1,3 --format jsonl
expect_rc 1
expect_err "llmroof: error: --tp 3 does not split the model's 64 attention heads"
expect_no_stdout

finish cli_memory
