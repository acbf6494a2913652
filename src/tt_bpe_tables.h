/* >>bpe_tables  Unicode tables for the pre-tokenizer (placeholder) */
