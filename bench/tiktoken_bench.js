// tiktoken (npm tiktoken@1.0.22, .ci/npm.sh) GPT-2 encode speed, for bench_tokenizer.
// usage: node bench/tiktoken_bench.js FILE RUNS   -> prints "tiktoken_mbps M tokens N"
'use strict';
const fs = require('fs');
const path = require('path');
const { get_encoding } = require(path.join(__dirname, '../build/npm/node_modules/tiktoken'));
const [file, runsArg] = process.argv.slice(2);
const runs = parseInt(runsArg || '5', 10);
const bytes = fs.readFileSync(file);
const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
const enc = get_encoding('gpt2');
const times = [];
let n = 0;
for (let r = 0; r < runs; r++) {
  const t0 = process.hrtime.bigint();
  n = enc.encode(text, [], []).length;
  times.push(Number(process.hrtime.bigint() - t0) / 1e9);
}
times.sort((a, b) => a - b);
console.log(`tiktoken_mbps ${(bytes.length / 1e6 / times[Math.floor(runs / 2)]).toFixed(3)} tokens ${n}`);
enc.free();
