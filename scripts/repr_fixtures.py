#!/usr/bin/env python3
"""Lays out the print(model) texts of tests/fixtures/repr/ whose layers come
in interleaved kinds (tests/fixtures/repr/SOURCES.md, last section).

Each family function builds the module tree the way the named transformers
modeling file's __init__ methods do (attribute names, classes, the order of
assignment, each layer's extra_repr), with the dimensions of the bundled
data/models/ config; M and L restate how torch.nn.Module.__repr__ and
ModuleList.__repr__ print a tree. Nothing here runs PyTorch.

usage: scripts/repr_fixtures.py FAMILY > tests/fixtures/repr/NAME.txt
"""
import json
import os
import sys

MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'models')


def config(name):
    with open(os.path.join(MODELS, name + '.json')) as f:
        return json.load(f)


def variant(name):
    """A config kept in tests/fixtures/variants/ (origins in its SOURCES-other.md)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures', 'variants', name + '.json')
    with open(path) as f:
        return json.load(f)


def addindent(s, n):
    lines = s.split('\n')
    if len(lines) == 1:
        return s
    first = lines.pop(0)
    return first + '\n' + '\n'.join(' ' * n + l for l in lines)

class M:
    def __init__(self, cls, extra='', kids=None):
        self.cls, self.extra, self.kids = cls, extra, kids or []
    def __repr__(self):
        extra_lines = self.extra.split('\n') if self.extra else []
        child = [addindent('(' + k + '): ' + repr(v), 2) for k, v in self.kids]
        lines = extra_lines + child
        s = self.cls + '('
        if lines:
            if len(extra_lines) == 1 and not child:
                s += extra_lines[0]
            else:
                s += '\n  ' + '\n  '.join(lines) + '\n'
        return s + ')'

class L(M):  # nn.ModuleList
    def __init__(self, items):
        super().__init__('ModuleList')
        self.items = items
    def __repr__(self):
        reps = [repr(x) for x in self.items]
        if not reps:
            return 'ModuleList()'
        blocks = []
        for i, r in enumerate(reps):
            if blocks and blocks[-1][2] == r:
                blocks[-1][1] = i
            else:
                blocks.append([i, i, r])
        lines = []
        for a, b, r in blocks:
            loc = '(%d): %s' % (a, r) if a == b else '(%d-%d): %d x %s' % (a, b, b - a + 1, r)
            lines.append(addindent(loc, 2))
        return 'ModuleList(\n  ' + '\n  '.join(lines) + '\n)'

def tf(b): return 'True' if b else 'False'
def Linear(i, o, bias=False): return M('Linear', 'in_features=%d, out_features=%d, bias=%s' % (i, o, tf(bias)))
def Embedding(n, d, pad=None): return M('Embedding', '%d, %d' % (n, d) + ('' if pad is None else ', padding_idx=%d' % pad))
def Norm(cls, d, eps): return M(cls, '(%d,), eps=%s' % (d, eps))
def Conv1d(i, o, k, groups=1, padding=0, bias=True):
    s = '%d, %d, kernel_size=(%d,), stride=(1,)' % (i, o, k)
    if padding: s += ', padding=(%d,)' % padding
    if groups != 1: s += ', groups=%d' % groups
    if not bias: s += ', bias=False'
    return M('Conv1d', s)
def SiLU(): return M('SiLU')


# ---- Jamba: models/jamba/modeling_jamba.py ----

def jamba():
    c = config('ai21labs--AI21-Jamba-1.5-Mini')
    H, I, V = c['hidden_size'], c['intermediate_size'], c['vocab_size']
    hd, kv = H // c['num_attention_heads'], c['num_key_value_heads']
    inner, ds = c['mamba_expand'] * H, c['mamba_d_state']
    dt, dc = c['mamba_dt_rank'], c['mamba_d_conv']

    def N(d):
        return Norm('JambaRMSNorm', d, '1e-06')

    def mlp():
        return M('JambaMLP', '', [('gate_proj', Linear(H, I)), ('up_proj', Linear(H, I)),
                                  ('down_proj', Linear(I, H)), ('act_fn', SiLU())])

    def ff(i):
        if c['num_experts'] > 1 and i % c['expert_layer_period'] == c['expert_layer_offset']:
            return M('JambaSparseMoeBlock', '', [('router', Linear(H, c['num_experts'])),
                                                 ('experts', L([mlp() for _ in range(c['num_experts'])]))])
        return mlp()

    def layer(i):
        if i % c['attn_layer_period'] == c['attn_layer_offset']:
            cls, first = 'JambaAttentionDecoderLayer', ('self_attn', M('JambaSdpaAttention', '', [
                ('q_proj', Linear(H, H)), ('k_proj', Linear(H, kv * hd)),
                ('v_proj', Linear(H, kv * hd)), ('o_proj', Linear(H, H))]))
        else:
            cls, first = 'JambaMambaDecoderLayer', ('mamba', M('JambaMambaMixer', '', [
                ('conv1d', Conv1d(inner, inner, dc, groups=inner, padding=dc - 1, bias=c['mamba_conv_bias'])),
                ('act', SiLU()),
                ('in_proj', Linear(H, 2 * inner, c['mamba_proj_bias'])),
                ('x_proj', Linear(inner, dt + 2 * ds)),
                ('dt_proj', Linear(dt, inner, True)),
                ('out_proj', Linear(inner, H, c['mamba_proj_bias'])),
                ('dt_layernorm', N(dt)), ('b_layernorm', N(ds)), ('c_layernorm', N(ds))]))
        return M(cls, '', [first, ('feed_forward', ff(i)), ('input_layernorm', N(H)),
                           ('pre_ff_layernorm', N(H))])

    return M('JambaForCausalLM', '', [
        ('model', M('JambaModel', '', [
            ('embed_tokens', Embedding(V, H, c['pad_token_id'])),
            ('layers', L([layer(i) for i in range(c['num_hidden_layers'])])),
            ('final_layernorm', N(H))])),
        ('lm_head', Linear(H, V))])


# ---- Nemotron-H: models/nemotron_h/modeling_nemotron_h.py ----

def nemotron_h():
    c = config('nvidia--Nemotron-H-56B-Base-8K')
    H, V, eps = c['hidden_size'], c['vocab_size'], '1e-05'
    hd = c.get('head_dim') or c.get('attention_head_dim') or H // c['num_attention_heads']
    nh, kv = c['num_attention_heads'], c['num_key_value_heads']
    inner = c['mamba_num_heads'] * c['mamba_head_dim']
    conv_dim = inner + 2 * c['n_groups'] * c['ssm_state_size']
    k = c['conv_kernel']

    def N(d):
        return Norm('NemotronHRMSNorm', d, eps)

    def mixer(t):
        if t == 'M':
            return M('NemotronHMamba2Mixer', '', [
                ('act', SiLU()),
                ('conv1d', Conv1d(conv_dim, conv_dim, k, groups=conv_dim, padding=k - 1, bias=c['use_conv_bias'])),
                ('in_proj', Linear(H, inner + conv_dim + c['mamba_num_heads'], c['use_bias'])),
                ('norm', M('Zamba2RMSNormGated')),
                ('out_proj', Linear(inner, H, c['use_bias']))])
        if t == '*':
            return M('NemotronHAttention', '', [
                ('q_proj', Linear(H, nh * hd)), ('k_proj', Linear(H, kv * hd)),
                ('v_proj', Linear(H, kv * hd)), ('o_proj', Linear(nh * hd, H))])
        if t == '-':
            I = c['intermediate_size']
            return M('NemotronHMLP', '', [('up_proj', Linear(H, I, c['mlp_bias'])),
                                          ('down_proj', Linear(I, H, c['mlp_bias'])),
                                          ('act_fn', M('ReLUSquaredActivation'))])
        raise ValueError(t)

    layers = [M('NemotronHBlock', '', [('norm', N(H)), ('mixer', mixer(t))])
              for t in c['hybrid_override_pattern']]
    return M('NemotronHForCausalLM', '', [
        ('model', M('NemotronHModel', '', [
            ('embeddings', Embedding(V, H)), ('layers', L(layers)), ('norm_f', N(H))])),
        ('lm_head', Linear(H, V))])


# ---- LFM2: models/lfm2/modeling_lfm2.py ----

def lfm2():
    c = config('LiquidAI--LFM2.5-VL-1.6B')['text_config']  # LFM2-1.2B
    H, V, eps = c['hidden_size'], c['vocab_size'], '1e-05'
    hd = H // c['num_attention_heads']
    nh, kv = c['num_attention_heads'], c['num_key_value_heads']
    ff = c['block_ff_dim']
    if c['block_auto_adjust_ff_dim']:
        ff = int(2 * ff / 3)
        if c.get('block_ffn_dim_multiplier') is not None:
            ff = int(c['block_ffn_dim_multiplier'] * ff)
        m = c['block_multiple_of']
        ff = m * ((ff + m - 1) // m)
    k = c['conv_L_cache']

    def N(d):
        return Norm('Lfm2RMSNorm', d, eps)

    def layer(t):
        if t == 'full_attention':
            op = ('self_attn', M('Lfm2Attention', '', [
                ('q_proj', Linear(H, nh * hd)), ('k_proj', Linear(H, kv * hd)),
                ('v_proj', Linear(H, kv * hd)), ('out_proj', Linear(nh * hd, H)),
                ('q_layernorm', N(hd)), ('k_layernorm', N(hd))]))
        else:
            op = ('conv', M('Lfm2ShortConv', '', [
                ('conv', Conv1d(H, H, k, groups=H, padding=k - 1, bias=c['conv_bias'])),
                ('in_proj', Linear(H, 3 * H, c['conv_bias'])),
                ('out_proj', Linear(H, H, c['conv_bias']))]))
        return M('Lfm2DecoderLayer', '', [
            op, ('feed_forward', M('Lfm2MLP', '', [('w1', Linear(H, ff)), ('w3', Linear(H, ff)),
                                                    ('w2', Linear(ff, H))])),
            ('operator_norm', N(H)), ('ffn_norm', N(H))])

    return M('Lfm2ForCausalLM', '', [
        ('model', M('Lfm2Model', '', [
            ('embed_tokens', Embedding(V, H, c.get('pad_token_id', 0))),
            ('layers', L([layer(t) for t in c['layer_types']])),
            ('pos_emb', M('Lfm2RotaryEmbedding')), ('embedding_norm', N(H))])),
        ('lm_head', Linear(H, V))])


# ---- Qwen3-Next: models/qwen3_next/modular_qwen3_next.py; the MoE block
# as transformers 4.57 builds it (Qwen2MoeSparseMoeBlock: gate Linear,
# experts a ModuleList of MLPs), not the fused experts of 5.x, which print
# no size ----

def qwen3_next():
    c = config('Qwen--Qwen3-Next-80B-A3B-Thinking')
    H, V, eps = c['hidden_size'], c['vocab_size'], '1e-06'
    hd, nh, kv = c['head_dim'], c['num_attention_heads'], c['num_key_value_heads']
    kd = c['linear_key_head_dim'] * c['linear_num_key_heads']
    vd = c['linear_value_head_dim'] * c['linear_num_value_heads']
    nv, k = c['linear_num_value_heads'], c['linear_conv_kernel_dim']
    L_ = c['num_hidden_layers']
    types = c.get('layer_types') or ['full_attention' if (i + 1) % c['full_attention_interval'] == 0
                                     else 'linear_attention' for i in range(L_)]

    def N(d):
        return Norm('Qwen3NextRMSNorm', d, eps)

    def mlp(i):
        return M('Qwen3NextMLP', '', [('gate_proj', Linear(H, i)), ('up_proj', Linear(H, i)),
                                      ('down_proj', Linear(i, H)), ('act_fn', SiLU())])

    def ff(i):
        if i not in c['mlp_only_layers'] and c['num_experts'] > 0 and (i + 1) % c['decoder_sparse_step'] == 0:
            return M('Qwen3NextSparseMoeBlock', '', [
                ('gate', Linear(H, c['num_experts'])),
                ('experts', L([mlp(c['moe_intermediate_size']) for _ in range(c['num_experts'])])),
                ('shared_expert', mlp(c['shared_expert_intermediate_size'])),
                ('shared_expert_gate', Linear(H, 1))])
        return mlp(c['intermediate_size'])

    def layer(i):
        if types[i] == 'linear_attention':
            conv = 2 * kd + vd
            op = ('linear_attn', M('Qwen3NextGatedDeltaNet', '', [
                ('act', SiLU()),
                ('conv1d', Conv1d(conv, conv, k, groups=conv, padding=k - 1, bias=False)),
                ('in_proj_qkvz', Linear(H, 2 * kd + 2 * vd)),
                ('in_proj_ba', Linear(H, 2 * nv)),
                ('norm', M('Qwen3NextRMSNormGated')),
                ('out_proj', Linear(vd, H))]))
        else:
            b = c.get('attention_bias', False)
            op = ('self_attn', M('Qwen3NextAttention', '', [
                ('q_proj', Linear(H, nh * hd * 2, b)), ('k_proj', Linear(H, kv * hd, b)),
                ('v_proj', Linear(H, kv * hd, b)), ('o_proj', Linear(nh * hd, H, b)),
                ('q_norm', N(hd)), ('k_norm', N(hd))]))
        return M('Qwen3NextDecoderLayer', '', [op, ('mlp', ff(i)), ('input_layernorm', N(H)),
                                               ('post_attention_layernorm', N(H))])

    return M('Qwen3NextForCausalLM', '', [
        ('model', M('Qwen3NextModel', '', [
            ('embed_tokens', Embedding(V, H, c.get('pad_token_id'))),
            ('layers', L([layer(i) for i in range(L_)])),
            ('norm', N(H)), ('rotary_emb', M('Qwen3NextRotaryEmbedding'))])),
        ('lm_head', Linear(H, V))])


# ---- Llama-4 (the language model): models/llama4/modeling_llama4.py ----

def llama4():
    c = config('meta-llama--Llama-4-Scout-17B-16E-Instruct')['text_config']
    H, V, eps = c['hidden_size'], c['vocab_size'], '1e-05'
    hd, nh, kv = c['head_dim'], c['num_attention_heads'], c['num_key_value_heads']
    L_, b = c['num_hidden_layers'], c['attention_bias']
    step = c['interleave_moe_layer_step']
    moe = c.get('moe_layers') or list(range(step - 1, L_, step))
    rope = c.get('no_rope_layers') or [int((i + 1) % c.get('no_rope_layer_interval', 4) != 0) for i in range(L_)]

    def N(d):
        return Norm('Llama4TextRMSNorm', d, eps)

    def mlp(i):
        return M('Llama4TextMLP', '', [('gate_proj', Linear(H, i)), ('up_proj', Linear(H, i)),
                                       ('down_proj', Linear(i, H)), ('activation_fn', SiLU())])

    def layer(i):
        attn = [('q_proj', Linear(H, nh * hd, b)), ('k_proj', Linear(H, kv * hd, b)),
                ('v_proj', Linear(H, kv * hd, b)), ('o_proj', Linear(nh * hd, H, b))]
        if c['use_qk_norm'] and rope[i]:
            attn.append(('qk_norm', M('Llama4TextL2Norm', 'eps=' + eps)))
        if i in moe:
            ff = M('Llama4TextMoe', '', [
                ('experts', M('Llama4TextExperts', '', [('act_fn', SiLU())])),
                ('router', M('Llama4Router', 'in_features=%d, out_features=%d, bias=False' % (H, c['num_local_experts']))),
                ('shared_expert', mlp(c['intermediate_size']))])
        else:
            ff = mlp(c['intermediate_size_mlp'])
        return M('Llama4TextDecoderLayer', '', [('self_attn', M('Llama4TextAttention', '', attn)),
                                                ('feed_forward', ff), ('input_layernorm', N(H)),
                                                ('post_attention_layernorm', N(H))])

    return M('Llama4ForCausalLM', '', [
        ('model', M('Llama4TextModel', '', [
            ('embed_tokens', Embedding(V, H, c.get('pad_token_id'))),
            ('layers', L([layer(i) for i in range(L_)])),
            ('norm', N(H)), ('rotary_emb', M('Llama4TextRotaryEmbedding'))])),
        ('lm_head', Linear(H, V))])


# ---- Mamba-2: models/mamba2/modeling_mamba2.py. No Mamba-2 config is
# bundled: the Mamba-Codestral-7B shapes that tests/cli_families.sh
# builds ----

def mamba2():
    c = {'hidden_size': 4096, 'num_hidden_layers': 64, 'num_heads': 128, 'head_dim': 64,
         'n_groups': 8, 'state_size': 128, 'expand': 2, 'conv_kernel': 4, 'vocab_size': 32768,
         'use_bias': False, 'use_conv_bias': True}
    H, V = c['hidden_size'], c['vocab_size']
    inner = c['expand'] * H
    conv = inner + 2 * c['n_groups'] * c['state_size']
    k = c['conv_kernel']
    mixer = M('Mamba2Mixer', '', [
        ('act', SiLU()),
        ('conv1d', Conv1d(conv, conv, k, groups=conv, padding=k - 1, bias=c['use_conv_bias'])),
        ('in_proj', Linear(H, inner + conv + c['num_heads'], c['use_bias'])),
        ('norm', M('MambaRMSNormGated')),
        ('out_proj', Linear(inner, H, c['use_bias']))])
    block = M('Mamba2Block', '', [('norm', M('Mamba2RMSNorm')), ('mixer', mixer)])
    return M('Mamba2ForCausalLM', '', [
        ('backbone', M('Mamba2Model', '', [
            ('embeddings', Embedding(V, H)),
            ('layers', L([block for _ in range(c['num_hidden_layers'])])),
            ('norm_f', M('Mamba2RMSNorm'))])),
        ('lm_head', Linear(H, V))])


# ---- MiniMax-M2: models/minimax_m2/modeling_minimax_m2.py (5.x: the
# experts and the router hold bare Parameters and print no size) ----

def minimax_m2():
    c = config('MiniMaxAI--MiniMax-M2.5')
    H, V, eps = c['hidden_size'], c['vocab_size'], '1e-06'
    hd, nh, kv = c['head_dim'], c['num_attention_heads'], c['num_key_value_heads']

    def N(d):
        return Norm('MiniMaxM2RMSNorm', d, eps)

    layer = M('MiniMaxM2DecoderLayer', '', [
        ('self_attn', M('MiniMaxM2Attention', '', [
            ('q_proj', Linear(H, nh * hd)), ('k_proj', Linear(H, kv * hd)),
            ('v_proj', Linear(H, kv * hd)), ('o_proj', Linear(nh * hd, H)),
            ('q_norm', N(nh * hd)), ('k_norm', N(kv * hd))])),
        ('mlp', M('MiniMaxM2SparseMoeBlock', '', [
            ('gate', M('MiniMaxM2TopKRouter')),
            ('experts', M('MiniMaxM2Experts', '', [('act_fn', SiLU())]))])),
        ('input_layernorm', N(H)), ('post_attention_layernorm', N(H))])
    return M('MiniMaxM2ForCausalLM', '', [
        ('model', M('MiniMaxM2Model', '', [
            ('embed_tokens', Embedding(V, H, c.get('pad_token_id'))),
            ('layers', L([layer for _ in range(c['num_hidden_layers'])])),
            ('norm', N(H)), ('rotary_emb', M('MiniMaxM2RotaryEmbedding'))])),
        ('lm_head', Linear(H, V))])


# ---- GLM-4.5: models/glm4_moe (Glm4MoeForCausalLM). The MoE block as the
# released 4.5x code builds Glm4MoeMoE (from DeepseekV3MoE: experts a
# ModuleList of Glm4MoeMLP, gate, shared_experts); the MTP layer of the
# checkpoint is not built by transformers and does not print ----

def glm4_moe():
    c = config('zai-org--GLM-4.5-Air')
    H, V, eps = c['hidden_size'], c['vocab_size'], '1e-05'
    hd, nh, kv, b = c['head_dim'], c['num_attention_heads'], c['num_key_value_heads'], c['attention_bias']

    def N(d):
        return Norm('Glm4MoeRMSNorm', d, eps)

    def mlp(i):
        return M('Glm4MoeMLP', '', [('gate_proj', Linear(H, i)), ('up_proj', Linear(H, i)),
                                    ('down_proj', Linear(i, H)), ('act_fn', SiLU())])

    def layer(i):
        attn = [('q_proj', Linear(H, nh * hd, b)), ('k_proj', Linear(H, kv * hd, b)),
                ('v_proj', Linear(H, kv * hd, b)), ('o_proj', Linear(nh * hd, H))]
        if c['use_qk_norm']:
            attn += [('q_norm', N(hd)), ('k_norm', N(hd))]
        if i >= c['first_k_dense_replace']:
            m = c['moe_intermediate_size']
            ff = M('Glm4MoeMoE', '', [('experts', L([mlp(m) for _ in range(c['n_routed_experts'])])),
                                      ('gate', M('Glm4MoeTopkRouter')),
                                      ('shared_experts', mlp(m * c['n_shared_experts']))])
        else:
            ff = mlp(c['intermediate_size'])
        return M('Glm4MoeDecoderLayer', '', [('self_attn', M('Glm4MoeAttention', '', attn)), ('mlp', ff),
                                             ('input_layernorm', N(H)), ('post_attention_layernorm', N(H))])

    return M('Glm4MoeForCausalLM', '', [
        ('model', M('Glm4MoeModel', '', [
            ('embed_tokens', Embedding(V, H, c.get('pad_token_id'))),
            ('layers', L([layer(i) for i in range(c['num_hidden_layers'])])),
            ('norm', N(H)), ('rotary_emb', M('Glm4MoeRotaryEmbedding'))])),
        ('lm_head', Linear(H, V))])


# ---- Qwen3.5 (the text model): models/qwen3_5/modular_qwen3_5.py.
# Qwen3_5GatedDeltaNet calls Qwen3-Next's __init__ (act, conv1d, the fused
# projections, norm, out_proj), deletes in_proj_qkvz/in_proj_ba and then
# assigns in_proj_qkv, in_proj_z, in_proj_b, in_proj_a, which so print
# last. The MTP layer is ignored at load and does not print ----

def qwen3_5(name='Qwen--Qwen3.5-27B', P='Qwen3_5'):
    c = config(name)['text_config']
    H, V, eps = c['hidden_size'], c['vocab_size'], '1e-06'
    hd, nh, kv = c['head_dim'], c['num_attention_heads'], c['num_key_value_heads']
    kd = c['linear_key_head_dim'] * c['linear_num_key_heads']
    vd = c['linear_value_head_dim'] * c['linear_num_value_heads']
    nv, k, I = c['linear_num_value_heads'], c['linear_conv_kernel_dim'], c.get('intermediate_size')

    def N(d):
        return Norm(P + 'RMSNorm', d, eps)

    def layer(t):
        if t == 'linear_attention':
            conv = 2 * kd + vd
            op = ('linear_attn', M(P + 'GatedDeltaNet', '', [
                ('act', SiLU()),
                ('conv1d', Conv1d(conv, conv, k, groups=conv, padding=k - 1, bias=False)),
                ('norm', M(P + 'RMSNormGated')),
                ('out_proj', Linear(vd, H)),
                ('in_proj_qkv', Linear(H, conv)), ('in_proj_z', Linear(H, vd)),
                ('in_proj_b', Linear(H, nv)), ('in_proj_a', Linear(H, nv))]))
        else:
            b = c.get('attention_bias', False)
            op = ('self_attn', M(P + 'Attention', '', [
                ('q_proj', Linear(H, nh * hd * 2, b)), ('k_proj', Linear(H, kv * hd, b)),
                ('v_proj', Linear(H, kv * hd, b)), ('o_proj', Linear(nh * hd, H, b)),
                ('q_norm', N(hd)), ('k_norm', N(hd))]))
        if c.get('num_experts'):
            S = c['shared_expert_intermediate_size']
            mlp = M(P + 'SparseMoeBlock', '', [
                ('gate', M(P + 'TopKRouter')),
                ('experts', M(P + 'Experts', '', [('act_fn', SiLU())])),
                ('shared_expert', M(P + 'MLP', '', [('gate_proj', Linear(H, S)), ('up_proj', Linear(H, S)),
                                                    ('down_proj', Linear(S, H)), ('act_fn', SiLU())])),
                ('shared_expert_gate', Linear(H, 1))])
        else:
            mlp = M(P + 'MLP', '', [('gate_proj', Linear(H, I)), ('up_proj', Linear(H, I)),
                                    ('down_proj', Linear(I, H)), ('act_fn', SiLU())])
        return M(P + 'DecoderLayer', '', [op, ('mlp', mlp), ('input_layernorm', N(H)),
                                             ('post_attention_layernorm', N(H))])

    return M(P + 'ForCausalLM', '', [
        ('model', M(P + 'TextModel', '', [
            ('embed_tokens', Embedding(V, H, c.get('pad_token_id'))),
            ('layers', L([layer(t) for t in c['layer_types']])),
            ('norm', N(H)), ('rotary_emb', M(P + 'TextRotaryEmbedding'))])),
        ('lm_head', Linear(H, V))])


# ---- DeepSeek-V3.2: models/deepseek_v32/modeling_deepseek_v32.py (5.x:
# the experts and the router hold bare Parameters and print no size; the
# MTP layer, layer 61 of the checkpoint, is ignored at load) ----

def deepseek_v32(name='deepseek-ai--DeepSeek-V3.2', P='DeepseekV32'):
    c = config(name)
    H, V, eps = c['hidden_size'], c['vocab_size'], repr(c['rms_norm_eps'])
    nh, ql, kl = c['num_attention_heads'], c['q_lora_rank'], c['kv_lora_rank']
    rope, nope, vd = c['qk_rope_head_dim'], c['qk_nope_head_dim'], c['v_head_dim']
    b = c['attention_bias']

    def N(d):
        return Norm(P + 'RMSNorm', d, eps)

    def mlp(i):
        return M(P + 'MLP', '', [('gate_proj', Linear(H, i)), ('up_proj', Linear(H, i)),
                                 ('down_proj', Linear(i, H)), ('act_fn', SiLU())])

    def layer(i):
        attn = M(P + 'Attention', '', [
            ('q_a_proj', Linear(H, ql, b)), ('q_a_layernorm', N(ql)),
            ('q_b_proj', Linear(ql, nh * (nope + rope))),
            ('kv_a_proj_with_mqa', Linear(H, kl + rope, b)), ('kv_a_layernorm', N(kl)),
            ('kv_b_proj', Linear(kl, nh * (nope + vd))), ('o_proj', Linear(nh * vd, H, b)),
            ('indexer', M(P + 'Indexer', '', [
                ('wq_b', Linear(ql, c['index_n_heads'] * c['index_head_dim'])),
                ('wk', Linear(H, c['index_head_dim'])),
                ('k_norm', M('LayerNorm', '(%d,), eps=1e-06, elementwise_affine=True' % c['index_head_dim'])),
                ('weights_proj', Linear(H, c['index_n_heads']))]))])
        if i >= c['first_k_dense_replace']:
            ff = M(P + 'MoE', '', [
                ('experts', M(P + 'Experts', '', [('act_fn', SiLU())])),
                ('gate', M(P + 'TopkRouter')),
                ('shared_experts', mlp(c['moe_intermediate_size'] * c['n_shared_experts']))])
        else:
            ff = mlp(c['intermediate_size'])
        return M(P + 'DecoderLayer', '', [('self_attn', attn), ('mlp', ff), ('input_layernorm', N(H)),
                                          ('post_attention_layernorm', N(H))])

    return M(P + 'ForCausalLM', '', [
        ('model', M(P + 'Model', '', [
            ('embed_tokens', Embedding(V, H, c.get('pad_token_id'))),
            ('layers', L([layer(i) for i in range(c['num_hidden_layers'])])),
            ('norm', N(H)), ('rotary_emb', M(P + 'RotaryEmbedding'))])),
        ('lm_head', Linear(H, V))])


# ---- Qwen3.5-MoE (the text model): models/qwen3_5_moe/modular_qwen3_5_moe.py:
# the Qwen3.5 layers with Qwen3-Next's sparse block (5.x: gate
# Qwen3_5MoeTopKRouter and experts Qwen3_5MoeExperts hold bare Parameters
# and print no size; shared_expert, shared_expert_gate) ----

def qwen3_5_moe():
    return qwen3_5('Qwen--Qwen3.5-35B-A3B', 'Qwen3_5Moe')


# ---- Cohere2: models/cohere2/modeling_cohere2.py. Cohere2LayerNorm has no
# extra_repr (prints no size); the sliding and full-attention layers print
# alike (they differ in forward only), so the 32 layers fold into one run ----

def cohere2(name='CohereForAI--c4ai-command-r7b-12-2024'):
    c = variant(name)
    H, V, I = c['hidden_size'], c['vocab_size'], c['intermediate_size']
    hd, nh, kv, b = c['head_dim'], c['num_attention_heads'], c['num_key_value_heads'], c['attention_bias']
    layer = M('Cohere2DecoderLayer', '', [
        ('self_attn', M('Cohere2Attention', '', [
            ('q_proj', Linear(H, nh * hd, b)), ('k_proj', Linear(H, kv * hd, b)),
            ('v_proj', Linear(H, kv * hd, b)), ('o_proj', Linear(nh * hd, H, b))])),
        ('mlp', M('Cohere2MLP', '', [('gate_proj', Linear(H, I)), ('up_proj', Linear(H, I)),
                                     ('down_proj', Linear(I, H)), ('act_fn', SiLU())])),
        ('input_layernorm', M('Cohere2LayerNorm'))])
    return M('Cohere2ForCausalLM', '', [
        ('model', M('Cohere2Model', '', [
            ('embed_tokens', Embedding(V, H, c.get('pad_token_id'))),
            ('layers', L([layer for _ in range(c['num_hidden_layers'])])),
            ('norm', M('Cohere2LayerNorm')), ('rotary_emb', M('Cohere2RotaryEmbedding'))])),
        ('lm_head', Linear(H, V))])


# ---- GLM (models/glm/modeling_glm.py, GlmForCausalLM) and GLM-4-0414
# (models/glm4/modeling_glm4.py, Glm4ForCausalLM): Phi-3's fused
# gate_up_proj MLP, q/k/v with attention_bias, o_proj without; Glm4's layer
# adds post_self_attn_layernorm and post_mlp_layernorm after the two norms ----

def glm(name='THUDM--glm-4-9b-chat-hf', P='Glm'):
    c = variant(name)
    H, V, I = c['hidden_size'], c['vocab_size'], c['intermediate_size']
    hd, nh, kv, b = c['head_dim'], c['num_attention_heads'], c['num_key_value_heads'], c['attention_bias']
    eps = repr(c['rms_norm_eps'])

    def N():
        return Norm(P + 'RMSNorm', H, eps)

    norms = [('input_layernorm', N()), ('post_attention_layernorm', N())]
    if P == 'Glm4':
        norms += [('post_self_attn_layernorm', N()), ('post_mlp_layernorm', N())]
    layer = M(P + 'DecoderLayer', '', [
        ('self_attn', M(P + 'Attention', '', [
            ('q_proj', Linear(H, nh * hd, b)), ('k_proj', Linear(H, kv * hd, b)),
            ('v_proj', Linear(H, kv * hd, b)), ('o_proj', Linear(nh * hd, H))])),
        ('mlp', M(P + 'MLP', '', [('gate_up_proj', Linear(H, 2 * I)), ('down_proj', Linear(I, H)),
                                  ('activation_fn', SiLU())]))] + norms)
    return M(P + 'ForCausalLM', '', [
        ('model', M(P + 'Model', '', [
            ('embed_tokens', Embedding(V, H, c.get('pad_token_id'))),
            ('layers', L([layer for _ in range(c['num_hidden_layers'])])),
            ('norm', N()), ('rotary_emb', M(P + 'RotaryEmbedding'))])),
        ('lm_head', Linear(H, V))])


def glm4():
    return glm('THUDM--GLM-4-9B-0414', 'Glm4')


# ---- LFM2-MoE: models/lfm2_moe/modular_lfm2_moe.py. Lfm2's layer (conv or
# self_attn, feed_forward, operator_norm, ffn_norm) whose feed_forward is,
# from num_dense_layers on, Lfm2MoeSparseMoeBlock: gate (Linear hidden ->
# num_experts), experts (Lfm2MoeExperts, Qwen2-MoE's fused experts: bare
# Parameters, only act_fn prints); expert_bias is a buffer and does not
# print. The model is Mixtral's with norm and rotary_emb deleted and pos_emb,
# embedding_norm added ----

def lfm2_moe():
    c = variant('LiquidAI--LFM2-8B-A1B')
    H, V, eps = c['hidden_size'], c['vocab_size'], '1e-05'
    hd = H // c['num_attention_heads']
    nh, kv, k = c['num_attention_heads'], c['num_key_value_heads'], c['conv_L_cache']
    P = 'Lfm2Moe'

    def N(d):
        return Norm(P + 'RMSNorm', d, eps)

    def ff(i):
        if i < c['num_dense_layers']:
            I = c['intermediate_size']
            return M(P + 'MLP', '', [('w1', Linear(H, I)), ('w3', Linear(H, I)), ('w2', Linear(I, H))])
        return M(P + 'SparseMoeBlock', '', [
            ('gate', Linear(H, c['num_experts'])),
            ('experts', M(P + 'Experts', '', [('act_fn', SiLU())]))])

    def layer(i, t):
        if t == 'full_attention':
            op = ('self_attn', M(P + 'Attention', '', [
                ('q_proj', Linear(H, nh * hd)), ('k_proj', Linear(H, kv * hd)),
                ('v_proj', Linear(H, kv * hd)), ('out_proj', Linear(nh * hd, H)),
                ('q_layernorm', N(hd)), ('k_layernorm', N(hd))]))
        else:
            op = ('conv', M(P + 'ShortConv', '', [
                ('conv', Conv1d(H, H, k, groups=H, padding=k - 1, bias=c['conv_bias'])),
                ('in_proj', Linear(H, 3 * H, c['conv_bias'])),
                ('out_proj', Linear(H, H, c['conv_bias']))]))
        return M(P + 'DecoderLayer', '', [op, ('feed_forward', ff(i)), ('operator_norm', N(H)),
                                          ('ffn_norm', N(H))])

    return M(P + 'ForCausalLM', '', [
        ('model', M(P + 'Model', '', [
            ('embed_tokens', Embedding(V, H, c.get('pad_token_id'))),
            ('layers', L([layer(i, t) for i, t in enumerate(c['layer_types'])])),
            ('pos_emb', M(P + 'RotaryEmbedding')), ('embedding_norm', N(H))])),
        ('lm_head', Linear(H, V))])


# ---- Qwen3-VL-MoE: models/qwen3_vl_moe/modeling_qwen3_vl_moe.py (5.x,
# generated from modular_qwen3_vl_moe.py). The vision tower of Qwen3-VL
# (Qwen3VLMoeVision* classes: patch_embed, pos_embed, rotary_pos_emb,
# blocks, merger, deepstack_merger_list), the text model of Qwen3-MoE in
# which Qwen3VLMoeTextSparseMoeBlock assigns experts (Qwen3VLMoeTextExperts:
# bare Parameters, only act_fn prints) then gate (Qwen3VLMoeTextTopKRouter:
# a bare weight) ----

def LayerNorm(d, eps='1e-06'):
    return M('LayerNorm', '(%d,), eps=%s, elementwise_affine=True' % (d, eps))


def qwen3_vl_tower(v, P):
    Hv, I, k = v['hidden_size'], v['intermediate_size'], v['patch_size']
    t, m, out = v['temporal_patch_size'], v['spatial_merge_size'], v['out_hidden_size']
    merged = Hv * m * m

    def merger(post):
        return M(P + 'VisionPatchMerger', '', [
            ('norm', LayerNorm(merged if post else Hv)), ('linear_fc1', Linear(merged, merged, True)),
            ('act_fn', M('GELU', "approximate='none'")), ('linear_fc2', Linear(merged, out, True))])

    block = M(P + 'VisionBlock', '', [
        ('norm1', LayerNorm(Hv)), ('norm2', LayerNorm(Hv)),
        ('attn', M(P + 'VisionAttention', '', [('qkv', Linear(Hv, 3 * Hv, True)),
                                               ('proj', Linear(Hv, Hv, True))])),
        ('mlp', M(P + 'VisionMLP', '', [('linear_fc1', Linear(Hv, I, True)), ('linear_fc2', Linear(I, Hv, True)),
                                        ('act_fn', M('PytorchGELUTanh'))]))])
    kids = [
        ('patch_embed', M(P + 'VisionPatchEmbed', '', [
            ('proj', M('Conv3d', '%d, %d, kernel_size=(%d, %d, %d), stride=(%d, %d, %d)' %
                       (v['in_channels'], Hv, t, k, k, t, k, k)))])),
        ('pos_embed', Embedding(v['num_position_embeddings'], Hv)),
        ('rotary_pos_emb', M(P + 'VisionRotaryEmbedding')),
        ('blocks', L([block for _ in range(v['depth'])])),
        ('merger', merger(False))]
    if v.get('deepstack_visual_indexes'):
        kids.append(('deepstack_merger_list', L([merger(True) for _ in v['deepstack_visual_indexes']])))
    return M(P + 'VisionModel', '', kids)


def qwen3_vl_moe():
    full = variant('Qwen--Qwen3-VL-30B-A3B-Instruct')
    c, P = full['text_config'], 'Qwen3VLMoe'
    H, V, eps = c['hidden_size'], c['vocab_size'], '1e-06'
    hd, nh, kv, b = c['head_dim'], c['num_attention_heads'], c['num_key_value_heads'], c['attention_bias']

    def N(d):
        return Norm(P + 'TextRMSNorm', d, eps)

    def ff(i):
        if i not in c['mlp_only_layers'] and c['num_experts'] > 0 and (i + 1) % c['decoder_sparse_step'] == 0:
            return M(P + 'TextSparseMoeBlock', '', [
                ('experts', M(P + 'TextExperts', '', [('act_fn', SiLU())])),
                ('gate', M(P + 'TextTopKRouter'))])
        I = c['intermediate_size']
        return M(P + 'TextMLP', '', [('gate_proj', Linear(H, I)), ('up_proj', Linear(H, I)),
                                     ('down_proj', Linear(I, H)), ('act_fn', SiLU())])

    def layer(i):
        return M(P + 'TextDecoderLayer', '', [
            ('self_attn', M(P + 'TextAttention', '', [
                ('q_proj', Linear(H, nh * hd, b)), ('k_proj', Linear(H, kv * hd, b)),
                ('v_proj', Linear(H, kv * hd, b)), ('o_proj', Linear(nh * hd, H, b)),
                ('q_norm', N(hd)), ('k_norm', N(hd))])),
            ('mlp', ff(i)), ('input_layernorm', N(H)), ('post_attention_layernorm', N(H))])

    return M(P + 'ForConditionalGeneration', '', [
        ('model', M(P + 'Model', '', [
            ('visual', qwen3_vl_tower(full['vision_config'], P)),
            ('language_model', M(P + 'TextModel', '', [
                ('embed_tokens', Embedding(V, H, c.get('pad_token_id'))),
                ('layers', L([layer(i) for i in range(c['num_hidden_layers'])])),
                ('norm', N(H)), ('rotary_emb', M(P + 'TextRotaryEmbedding'))]))])),
        ('lm_head', Linear(H, V))])


# ---- Llama-4 multimodal: models/llama4/modeling_llama4.py (000c33fd).
# Llama4ForConditionalGeneration assigns vision_model, multi_modal_projector
# and language_model (a whole Llama4ForCausalLM: its lm_head is
# language_model.lm_head). Llama4VisionModel assigns patch_embedding
# (Llama4UnfoldConvolution: unfold, linear without bias), class_embedding
# and positional_embedding_vlm (bare Parameters: no print), rotary_embedding
# (no weights), layernorm_pre, layernorm_post, model (Llama4VisionEncoder:
# layers) and vision_adapter (Llama4VisionPixelShuffleMLP: mlp =
# Llama4VisionMLP2 with fc1, fc2, activation_fn); the encoder layer assigns
# self_attn (q, k, v, o with bias), mlp (activation_fn, fc1, fc2),
# input_layernorm, post_attention_layernorm ----

def llama4_mm():
    full = config('meta-llama--Llama-4-Scout-17B-16E-Instruct')
    v = full['vision_config']
    Hv, I, k = v['hidden_size'], v['intermediate_size'], v['patch_size']
    H = full['text_config']['hidden_size']

    def LN(d):
        return M('LayerNorm', '(%d,), eps=1e-05, elementwise_affine=True' % d)

    def GELU():
        return M('GELU', "approximate='none'")

    layer = M('Llama4VisionEncoderLayer', '', [
        ('self_attn', M('Llama4VisionAttention', '', [
            ('q_proj', Linear(Hv, Hv, True)), ('k_proj', Linear(Hv, Hv, True)),
            ('v_proj', Linear(Hv, Hv, True)), ('o_proj', Linear(Hv, Hv, True))])),
        ('mlp', M('Llama4VisionMLP', '', [('activation_fn', GELU()), ('fc1', Linear(Hv, I, True)),
                                          ('fc2', Linear(I, Hv, True))])),
        ('input_layernorm', LN(Hv)), ('post_attention_layernorm', LN(Hv))])
    vision = M('Llama4VisionModel', '', [
        ('patch_embedding', M('Llama4UnfoldConvolution', '', [
            ('unfold', M('Unfold', 'kernel_size=(%d, %d), dilation=1, padding=0, stride=%d' % (k, k, k))),
            ('linear', Linear(v['num_channels'] * k * k, Hv))])),
        ('rotary_embedding', M('Llama4VisionRotaryEmbedding')),
        ('layernorm_pre', LN(Hv)), ('layernorm_post', LN(Hv)),
        ('model', M('Llama4VisionEncoder', '', [('layers', L([layer for _ in range(v['num_hidden_layers'])]))])),
        ('vision_adapter', M('Llama4VisionPixelShuffleMLP', '', [
            ('mlp', M('Llama4VisionMLP2', '', [
                ('fc1', Linear(I, v['projector_input_dim'])),
                ('fc2', Linear(v['projector_output_dim'], v['projector_output_dim'])),
                ('activation_fn', GELU())]))]))])
    return M('Llama4ForConditionalGeneration', '', [
        ('vision_model', vision),
        ('multi_modal_projector', M('Llama4MultiModalProjector', '', [
            ('linear_1', Linear(v['vision_output_dim'], H, v['multi_modal_projector_bias']))])),
        ('language_model', llama4())])


# ---- Qwen3.5 multimodal: models/qwen3_5/modular_qwen3_5.py (009e78d6) and
# models/qwen3_5_moe. Qwen3_5ForConditionalGeneration is Qwen3-VL's class
# (model, lm_head); Qwen3_5Model assigns visual then language_model (the
# Qwen3_5TextModel of the text fixtures); Qwen3_5VisionModel is Qwen3-VL's
# tower with deepstack_visual_indexes and deepstack_merger_list deleted ----

def qwen3_5_mm(name='Qwen--Qwen3.5-27B', P='Qwen3_5'):
    full = config(name)
    v = dict(full['vision_config'], deepstack_visual_indexes=[])
    text = qwen3_5(name, P)
    tm = dict(text.kids)['model']
    return M(P + 'ForConditionalGeneration', '', [
        ('model', M(P + 'Model', '', [('visual', qwen3_vl_tower(v, P)), ('language_model', tm)])),
        ('lm_head', dict(text.kids)['lm_head'])])


def qwen3_5_moe_mm():
    return qwen3_5_mm('Qwen--Qwen3.5-35B-A3B', 'Qwen3_5Moe')


# ---- LFM2-VL: models/lfm2_vl/modeling_lfm2_vl.py (01596202) and
# models/siglip2/modeling_siglip2.py. Lfm2VlForConditionalGeneration:
# model (Lfm2VlModel: vision_tower, multi_modal_projector, language_model),
# lm_head. The tower is Siglip2VisionModel (vision_model: embeddings with a
# Linear patch_embedding and position_embedding, encoder, post_layernorm;
# head only with vision_use_head); the projector's layer_norm is built
# only with projector_use_layernorm (the 5.x config flag; LFM2.5-VL's is
# false), act is ACT2FN['gelu'] (GELUActivation) ----

def lfm2_vl():
    full = config('LiquidAI--LFM2.5-VL-1.6B')
    v, H = full['vision_config'], full['text_config']['hidden_size']
    Hv, I, k = v['hidden_size'], v['intermediate_size'], v['patch_size']
    inner = Hv * full['downsample_factor'] ** 2

    def LN(d):
        return M('LayerNorm', '(%d,), eps=1e-06, elementwise_affine=True' % d)

    layer = M('Siglip2EncoderLayer', '', [
        ('layer_norm1', LN(Hv)),
        ('self_attn', M('Siglip2Attention', '', [
            ('k_proj', Linear(Hv, Hv, True)), ('v_proj', Linear(Hv, Hv, True)),
            ('q_proj', Linear(Hv, Hv, True)), ('out_proj', Linear(Hv, Hv, True))])),
        ('layer_norm2', LN(Hv)),
        ('mlp', M('Siglip2MLP', '', [('activation_fn', M('PytorchGELUTanh')), ('fc1', Linear(Hv, I, True)),
                                     ('fc2', Linear(I, Hv, True))]))])
    tower = M('Siglip2VisionModel', '', [('vision_model', M('Siglip2VisionTransformer', '', [
        ('embeddings', M('Siglip2VisionEmbeddings', '', [
            ('patch_embedding', Linear(v['num_channels'] * k * k, Hv, True)),
            ('position_embedding', Embedding(v['num_patches'], Hv))])),
        ('encoder', M('Siglip2Encoder', '', [('layers', L([layer for _ in range(v['num_hidden_layers'])]))])),
        ('post_layernorm', LN(Hv))]))])
    proj = [('layer_norm', M('LayerNorm', '(%d,), eps=1e-05, elementwise_affine=True' % inner))] \
        if full['projector_use_layernorm'] else []
    proj += [('linear_1', Linear(inner, full['projector_hidden_size'], full['projector_bias'])),
             ('act', M('GELUActivation')),
             ('linear_2', Linear(full['projector_hidden_size'], H, full['projector_bias']))]
    text = lfm2()
    return M('Lfm2VlForConditionalGeneration', '', [
        ('model', M('Lfm2VlModel', '', [
            ('vision_tower', tower), ('multi_modal_projector', M('Lfm2VlMultiModalProjector', '', proj)),
            ('language_model', dict(text.kids)['model'])])),
        ('lm_head', dict(text.kids)['lm_head'])])


# ---- Gemma-4: models/gemma4/modeling_gemma4.py (0246b4f3, generated from
# modular_gemma4.py). Gemma4ForConditionalGeneration: model (Gemma4Model:
# vision_tower, language_model, embed_vision; audio_tower and embed_audio
# are None without an audio_config and do not print), lm_head.
# Gemma4RMSNorm has no extra_repr: no norm prints a size. Vision:
# Gemma4VisionModel assigns patch_embedder (input_proj Linear 3 * p^2 ->
# hidden without bias; position_embedding_table a bare Parameter),
# encoder (rotary_emb, layers), pooler (no modules); std_bias/std_scale
# are buffers. Gemma4VisionAttention assigns q/k/v/o_proj
# (Gemma4ClippableLinear: linear; its clip bounds are buffers), q_norm,
# k_norm, v_norm; Gemma4VisionMLP gate/up/down_proj, act_fn; the encoder
# layer self_attn, mlp, then the four norms. Text: Gemma4TextAttention
# assigns q_proj, q_norm, then (not KV-shared) k_norm, v_norm, k_proj and
# v_proj (None in full-attention layers with attention_k_eq_v: not a
# module), o_proj; Gemma4TextDecoderLayer assigns self_attn, mlp, the four
# norms, (PLE), then with enable_moe_block router (norm without weight,
# proj; scale and per_expert_scale bare Parameters), experts
# (Gemma4TextExperts: bare Parameters, only act_fn prints),
# post_feedforward_layernorm_1, post_feedforward_layernorm_2,
# pre_feedforward_layernorm_2; layer_scalar is a buffer ----

def gemma4():
    full = config('google--gemma-4-26B-A4B')
    c, v = full['text_config'], full['vision_config']
    H, V = c['hidden_size'], c['vocab_size']
    assert not c['hidden_size_per_layer_input'] and not c['num_kv_shared_layers']
    Hv, Iv, k = v['hidden_size'], v['intermediate_size'], v['patch_size']
    hv = v['head_dim']

    def N():
        return M('Gemma4RMSNorm')

    def GT():
        return M('PytorchGELUTanh')

    def CL(i, o):
        return M('Gemma4ClippableLinear', '', [('linear', Linear(i, o))])

    vlayer = M('Gemma4VisionEncoderLayer', '', [
        ('self_attn', M('Gemma4VisionAttention', '', [
            ('q_proj', CL(Hv, v['num_attention_heads'] * hv)), ('k_proj', CL(Hv, v['num_key_value_heads'] * hv)),
            ('v_proj', CL(Hv, v['num_key_value_heads'] * hv)), ('o_proj', CL(v['num_attention_heads'] * hv, Hv)),
            ('q_norm', N()), ('k_norm', N()), ('v_norm', N())])),
        ('mlp', M('Gemma4VisionMLP', '', [('gate_proj', CL(Hv, Iv)), ('up_proj', CL(Hv, Iv)),
                                          ('down_proj', CL(Iv, Hv)), ('act_fn', GT())])),
        ('input_layernorm', N()), ('post_attention_layernorm', N()),
        ('pre_feedforward_layernorm', N()), ('post_feedforward_layernorm', N())])
    vision = M('Gemma4VisionModel', '', [
        ('patch_embedder', M('Gemma4VisionPatchEmbedder', '', [('input_proj', Linear(3 * k * k, Hv))])),
        ('encoder', M('Gemma4VisionEncoder', '', [
            ('rotary_emb', M('Gemma4VisionRotaryEmbedding')),
            ('layers', L([vlayer for _ in range(v['num_hidden_layers'])]))])),
        ('pooler', M('Gemma4VisionPooler'))])

    def layer(t):
        sliding = t == 'sliding_attention'
        hd = c['head_dim'] if sliding or not c['global_head_dim'] else c['global_head_dim']
        alt = c['attention_k_eq_v'] and not sliding
        kv = c['num_global_key_value_heads'] if alt else c['num_key_value_heads']
        nh, b = c['num_attention_heads'], c['attention_bias']
        attn = [('q_proj', Linear(H, nh * hd, b)), ('q_norm', N()), ('k_norm', N()), ('v_norm', N()),
                ('k_proj', Linear(H, kv * hd, b))]
        if not alt:
            attn.append(('v_proj', Linear(H, kv * hd, b)))
        attn.append(('o_proj', Linear(nh * hd, H, b)))
        I = c['intermediate_size']
        kids = [('self_attn', M('Gemma4TextAttention', '', attn)),
                ('mlp', M('Gemma4TextMLP', '', [('gate_proj', Linear(H, I)), ('up_proj', Linear(H, I)),
                                                ('down_proj', Linear(I, H)), ('act_fn', GT())])),
                ('input_layernorm', N()), ('post_attention_layernorm', N()),
                ('pre_feedforward_layernorm', N()), ('post_feedforward_layernorm', N())]
        if c['enable_moe_block']:
            kids += [('router', M('Gemma4TextRouter', '', [('norm', N()), ('proj', Linear(H, c['num_experts']))])),
                     ('experts', M('Gemma4TextExperts', '', [('act_fn', GT())])),
                     ('post_feedforward_layernorm_1', N()), ('post_feedforward_layernorm_2', N()),
                     ('pre_feedforward_layernorm_2', N())]
        return M('Gemma4TextDecoderLayer', '', kids)

    text = M('Gemma4TextModel', '', [
        ('embed_tokens', M('Gemma4TextScaledWordEmbedding', '%d, %d, padding_idx=%d' % (V, H, c['pad_token_id']))),
        ('layers', L([layer(t) for t in c['layer_types']])),
        ('norm', N()), ('rotary_emb', M('Gemma4TextRotaryEmbedding'))])
    return M('Gemma4ForConditionalGeneration', '', [
        ('model', M('Gemma4Model', '', [
            ('vision_tower', vision), ('language_model', text),
            ('embed_vision', M('Gemma4MultimodalEmbedder', '', [
                ('embedding_projection', Linear(Hv, H)), ('embedding_pre_projection_norm', N())]))])),
        ('lm_head', Linear(H, V))])


# ---- Ministral-3 text: models/ministral3/modeling_ministral3.py (430bd51d):
# Ministral3ForCausalLM (model, lm_head), the model and layers as the
# language_model of the Devstral-Small-2 text (Mistral's layout,
# Ministral3* classes); the embedding has padding_idx = pad_token_id ----

def ministral3():
    c = variant('mistralai--Devstral-2-123B-Instruct-2512')
    H, V, I = c['hidden_size'], c['vocab_size'], c['intermediate_size']
    hd, nh, kv = c['head_dim'], c['num_attention_heads'], c['num_key_value_heads']

    def N():
        return Norm('Ministral3RMSNorm', H, '1e-05')

    layer = M('Ministral3DecoderLayer', '', [
        ('self_attn', M('Ministral3Attention', '', [
            ('q_proj', Linear(H, nh * hd)), ('k_proj', Linear(H, kv * hd)),
            ('v_proj', Linear(H, kv * hd)), ('o_proj', Linear(nh * hd, H))])),
        ('mlp', M('Ministral3MLP', '', [('gate_proj', Linear(H, I)), ('up_proj', Linear(H, I)),
                                        ('down_proj', Linear(I, H)), ('act_fn', SiLU())])),
        ('input_layernorm', N()), ('post_attention_layernorm', N())])
    return M('Ministral3ForCausalLM', '', [
        ('model', M('Ministral3Model', '', [
            ('embed_tokens', Embedding(V, H, c.get('pad_token_id'))),
            ('layers', L([layer for _ in range(c['num_hidden_layers'])])),
            ('norm', N()), ('rotary_emb', M('Ministral3RotaryEmbedding'))])),
        ('lm_head', Linear(H, V))])


# ---- GLM-5: models/glm_moe_dsa/modular_glm_moe_dsa.py (01f8fa55): DeepSeek-V3.2's
# layers (GlmMoeDsaAttention is DeepseekV3Attention plus the indexer, which
# indexer_types "shared" layers lack: GLM-5's config gives no
# index_topk_freq, so every layer is "full" and has one) with GlmMoeDsa*
# classes; the MTP layer (checkpoint layer 78) is ignored at load ----

def glm_moe_dsa():
    return deepseek_v32('zai-org--GLM-5', 'GlmMoeDsa')


FAMILIES = {'glm_moe_dsa': glm_moe_dsa, 'ministral3': ministral3, 'gemma4': gemma4, 'lfm2_vl': lfm2_vl, 'qwen3_5_mm': qwen3_5_mm, 'qwen3_5_moe_mm': qwen3_5_moe_mm, 'llama4_mm': llama4_mm, 'qwen3_vl_moe': qwen3_vl_moe, 'cohere2': cohere2, 'glm': glm, 'glm4': glm4, 'lfm2_moe': lfm2_moe, 'qwen3_5_moe': qwen3_5_moe, 'deepseek_v32': deepseek_v32, 'qwen3_5': qwen3_5, 'glm4_moe': glm4_moe, 'minimax_m2': minimax_m2, 'mamba2': mamba2, 'llama4': llama4, 'qwen3_next': qwen3_next, 'lfm2': lfm2, 'jamba': jamba, 'nemotron_h': nemotron_h}

if __name__ == '__main__':
    if len(sys.argv) != 2 or sys.argv[1] not in FAMILIES:
        sys.exit('usage: repr_fixtures.py {%s}' % ','.join(FAMILIES))
    print(repr(FAMILIES[sys.argv[1]]()))
