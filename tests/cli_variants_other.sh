#!/usr/bin/env bash
# cli_variants_other.sh BINARY DATA_DIR FIXTURES_DIR: variant configs that
# need the command line (tests/families/variants_other_*.txt load the
# others through the library): mamba_ssm's own config format
# (state-spaces/mamba-*, mamba2-*: d_model, n_layer, ssm_cfg, no
# architectures), which only --family can place.
set -u
BIN=$1
DATA=$2
FIX=$3
unset LLMROOF_DATA
. "$(dirname "$0")/lib.sh"
make_temp cli-var

# No class and no model_type: an error that says which --family to give.
run "mamba2 no family" analyze "$FIX/variants/state-spaces--mamba2-2.7b.json"
expect_rc 2
expect_err "names no class (architectures) and no model_type"
expect_err "--family mamba2"

# state-spaces/mamba2-2.7b: d_model 2560, 64 layers, Mamba2 defaults (expand
# 2: 5120 inner, headdim 64: 80 heads, 1 group, state 128, conv 4), vocab
# 50277 padded to a multiple of 16: 50288, tied. Per layer: in_proj 2560 *
# (2 * 5120 + 2 * 128 + 80) = 27,074,560, conv1d over 5120 + 256 = 5376
# channels 5376 * 4 + 5376 = 26,880, dt_bias/A_log/D 3 * 80 = 240, gated
# norm 5120, out_proj 5120 * 2560 = 13,107,200, norm 2560: 40,216,560;
# x 64 = 2,573,859,840 + embedding 50288 * 2560 = 128,737,280 + norm_f
# 2560 = 2,702,599,680 (published: 2.7B)
run "mamba2 arch" arch "$FIX/variants/state-spaces--mamba2-2.7b.json" --family mamba2
expect_rc 0
expect_out "parameters: 2702599680"
expect_out "out_features=(50288 / {tp})) [tied weights]"
# the state per sequence: 64 * (80 * 64 * 128 * 2 B + 5376 * 3 * 2 B) =
# 64 * 1,342,976
run "mamba2 state" analyze "$FIX/variants/state-spaces--mamba2-2.7b.json" --family mamba2 --format json
expect_rc 0
expect_out '"kv_cache": 85950464'

# state-spaces/mamba-130m: d_model 768, 24 layers, vocab 50277 padded to a
# multiple of 8: 50280; the same count as mamba-130m-hf (129,135,360,
# tests/families/variants_other_ssm.txt)
run "mamba arch" arch "$FIX/variants/state-spaces--mamba-130m.json" --family mamba
expect_rc 0
expect_out "parameters: 129135360"

# a transformers config is not padded: mamba-130m-hf's vocab 50280 stays
run "mamba hf" arch "$FIX/variants/state-spaces--mamba-130m-hf.json"
expect_rc 0
expect_out "parameters: 129135360"

# Devstral-2-123B's quantization_config (fp8, lm_head in
# modules_to_not_convert): q_proj 12288 x 12288 weights at 1 byte =
# 150,994,944 B per decode step; lm_head 131072 x 12288 at 2 bytes =
# 3,221,225,472 B
run "devstral fp8" analyze "$FIX/variants/mistralai--Devstral-2-123B-Instruct-2512.json" --stage decode --format csv
expect_rc 0
expect_err "quantization 'fp8'"
expect_eq "q_proj weights" "$(csv_field "$T/out" decode q_proj load_weight)" 150994944
expect_eq "lm_head weights" "$(csv_field "$T/out" decode lm_head load_weight)" 3221225472

finish cli_variants_other
