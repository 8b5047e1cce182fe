package recursion

// TinyModelConfig is the config.json of the model fmkit trains on the
// tasks (`fmkit recursion train`, and the built-in recursion-tiny): a
// Llama-style decoder of 4 layers, hidden size 128, 4 heads and a SwiGLU
// of 352, over the tasks' tokenizer (233 tokens, padded to 256), about
// 0.82 million parameters. <|endoftext|> (id 0) separates packed lines.
const TinyModelConfig = `{
  "model_type": "llama",
  "architectures": ["LlamaForCausalLM"],
  "vocab_size": 256,
  "hidden_size": 128,
  "intermediate_size": 352,
  "num_hidden_layers": 4,
  "num_attention_heads": 4,
  "num_key_value_heads": 4,
  "max_position_embeddings": 256,
  "rms_norm_eps": 1e-5,
  "rope_theta": 10000.0,
  "hidden_act": "silu",
  "tie_word_embeddings": true,
  "bos_token_id": 0,
  "eos_token_id": 0
}
`
