"""Models: a small BERT (masked LM) and the sentiment classifier.

Both are plain PyTorch modules written with export-friendly ops only (no
nn.TransformerEncoderLayer fast path), so torch.onnx.export at opset 14 gives
the Hugging Face BERT I/O: input_ids, attention_mask, token_type_ids (int64
[batch, seq]) -> logits.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class BertConfig:
    def __init__(self, vocab_size=8000, hidden_size=128, num_hidden_layers=2, num_attention_heads=2,
                 intermediate_size=512, max_position_embeddings=128, type_vocab_size=2,
                 layer_norm_eps=1e-12, hidden_dropout_prob=0.0):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.layer_norm_eps = layer_norm_eps
        self.hidden_dropout_prob = hidden_dropout_prob

    def to_dict(self):
        return dict(self.__dict__)


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c.hidden_size
        self.nh = c.num_attention_heads
        self.qkv = nn.Linear(h, 3 * h)
        self.o = nn.Linear(h, h)
        self.ln1 = nn.LayerNorm(h, eps=c.layer_norm_eps)
        self.ff1 = nn.Linear(h, c.intermediate_size)
        self.ff2 = nn.Linear(c.intermediate_size, h)
        self.ln2 = nn.LayerNorm(h, eps=c.layer_norm_eps)
        self.drop = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, x, bias):
        b, n, h = x.shape
        d = h // self.nh
        q, k, v = self.qkv(x).view(b, n, 3, self.nh, d).permute(2, 0, 3, 1, 4).unbind(0)
        s = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(d)) + bias
        a = torch.matmul(torch.softmax(s, dim=-1), v).transpose(1, 2).reshape(b, n, h)
        x = self.ln1(x + self.drop(self.o(a)))
        x = self.ln2(x + self.drop(self.ff2(F.gelu(self.ff1(x)))))
        return x


class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.word = nn.Embedding(c.vocab_size, c.hidden_size)
        self.pos = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.typ = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.ln = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.layers = nn.ModuleList([Layer(c) for _ in range(c.num_hidden_layers)])
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def forward(self, input_ids, attention_mask, token_type_ids):
        n = input_ids.shape[1]
        pos = torch.arange(n, device=input_ids.device).unsqueeze(0)
        x = self.word(input_ids) + self.pos(pos) + self.typ(token_type_ids)
        x = self.ln(x)
        bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
        for layer in self.layers:
            x = layer(x, bias)
        return x


class MLMHead(nn.Module):
    def __init__(self, c, word_emb):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.ln = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.word_emb = word_emb  # tied decoder
        self.bias = nn.Parameter(torch.zeros(c.vocab_size))

    def forward(self, h):
        h = self.ln(F.gelu(self.dense(h)))
        # 2-D F.linear exports as Gemm(transB=1) on the same initializer as the
        # input embedding (no transposed copy of the tied weights in the ONNX file)
        flat = F.linear(h.reshape(-1, h.shape[-1]), self.word_emb.weight, self.bias)
        return flat.reshape(h.shape[:-1] + (flat.shape[-1],))


class BertForMaskedLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bert = BertEncoder(c)
        self.head = MLMHead(c, self.bert.word)

    def forward(self, input_ids, attention_mask, token_type_ids):
        """logits [batch, seq, vocab] (the Hugging Face fill-mask output)."""
        return self.head(self.bert(input_ids, attention_mask, token_type_ids))

    def forward_at(self, input_ids, attention_mask, token_type_ids, masked_positions):
        """logits [batch, k, vocab] only at masked_positions [batch, k]."""
        h = self.bert(input_ids, attention_mask, token_type_ids)
        idx = masked_positions.unsqueeze(-1).expand(-1, -1, h.shape[-1])
        return self.head(torch.gather(h, 1, idx))

    def loss_flat(self, input_ids, attention_mask, token_type_ids, flat_idx, labels):
        """Training loss: vocabulary projection only at the masked tokens
        (flat_idx into batch*seq)."""
        h = self.bert(input_ids, attention_mask, token_type_ids)
        h = h.reshape(-1, h.shape[-1]).index_select(0, flat_idx)
        logits = self.head(h)
        return F.cross_entropy(logits.float(), labels), logits


class MaskedWrapper(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask, token_type_ids, masked_positions):
        return self.m.forward_at(input_ids, attention_mask, token_type_ids, masked_positions)


# ------------------------------------------------------------------ sentiment

BIGRAM_PRIME = 1_000_003  # hash of a token bigram: (a * 8191 + b) mod BIGRAM_BUCKETS


class SentimentModel(nn.Module):
    """Ensemble of
      (1) a linear bag of unigram + hashed-bigram features (NBSVM-like;
          weights initialised from naive-Bayes log-count ratios),
      (2) fixed lexicon features (AFINN, VADER) per token id, with learned
          scale, plus the same features for tokens preceded by a negator,
      (3) optionally a small BERT encoder (initialised from the masked LM)
          with a [CLS] classifier.
    Output logits [batch, 2] (0 = NEGATIVE, 1 = POSITIVE)."""

    def __init__(self, vocab_size, bigram_buckets, lexicon, negators, encoder_config=None):
        super().__init__()
        self.V = vocab_size
        self.B = bigram_buckets
        self.uni = nn.Embedding(vocab_size, 1)
        self.bi = nn.Embedding(bigram_buckets, 1)
        nn.init.zeros_(self.uni.weight)
        nn.init.zeros_(self.bi.weight)
        self.register_buffer("lex", lexicon.float())             # [V, L]
        self.register_buffer("neg", negators.float().view(-1, 1))  # [V, 1]
        L = lexicon.shape[1]
        self.lex_w = nn.Linear(2 * L, 1)
        nn.init.zeros_(self.lex_w.weight)
        nn.init.zeros_(self.lex_w.bias)
        self.type_zero = nn.Embedding(2, 1)  # keeps token_type_ids a graph input; always 0
        nn.init.zeros_(self.type_zero.weight)
        self.type_zero.weight.requires_grad_(False)
        self.encoder = None
        if encoder_config is not None:
            self.encoder = BertEncoder(encoder_config)
            self.enc_pool = nn.Linear(encoder_config.hidden_size, encoder_config.hidden_size)
            self.enc_cls = nn.Linear(encoder_config.hidden_size, 1)
            self.enc_scale = nn.Parameter(torch.tensor(1.0))
        self.bag_scale = nn.Parameter(torch.tensor(1.0))

    def bigram_ids(self, input_ids):
        a = input_ids[:, :-1]
        b = input_ids[:, 1:]
        return torch.remainder(a * 8191 + b, self.B)

    def parts(self, input_ids, attention_mask, token_type_ids, with_encoder=True):
        m = attention_mask.to(self.uni.weight.dtype)
        uni = (self.uni(input_ids).squeeze(-1) * m).sum(1)
        mb = m[:, :-1] * m[:, 1:]
        bi = (self.bi(self.bigram_ids(input_ids)).squeeze(-1) * mb).sum(1)
        tz = (self.type_zero(token_type_ids).squeeze(-1) * m).sum(1)
        # lexicon: a token counts as negated if one of the 3 previous tokens is a negator
        neg = self.neg[input_ids].squeeze(-1) * m  # [b, n]
        negp = F.pad(neg, (3, 0))
        n = input_ids.shape[1]
        negated = torch.clamp(negp[:, 2:2 + n] + negp[:, 1:1 + n] + negp[:, 0:n], max=1.0)
        lex = self.lex[input_ids] * m.unsqueeze(-1)                      # [b, n, L]
        lex_pos = (lex * (1 - negated).unsqueeze(-1)).sum(1)
        lex_neg = (lex * negated.unsqueeze(-1)).sum(1)
        lexf = self.lex_w(torch.cat([lex_pos, lex_neg], -1)).squeeze(-1)
        bag = uni + bi + lexf + tz
        enc = None
        if self.encoder is not None and with_encoder:
            h = self.encoder(input_ids, attention_mask, token_type_ids)[:, 0]
            enc = self.enc_cls(torch.tanh(self.enc_pool(h))).squeeze(-1)
        return bag, enc

    def score(self, input_ids, attention_mask, token_type_ids):
        bag, enc = self.parts(input_ids, attention_mask, token_type_ids)
        s = self.bag_scale * bag
        if enc is not None:
            s = s + self.enc_scale * enc
        return s

    def forward(self, input_ids, attention_mask, token_type_ids):
        s = self.score(input_ids, attention_mask, token_type_ids) * 0.5
        return torch.stack([-s, s], dim=-1)
