// Ground truth for the GPT-2 tests: npm tiktoken@1.0.22 (installed by .ci/npm.sh).
// usage: node tiktoken_ids.js file  IN OUT   IN (UTF-8 text) -> OUT: u32 LE ids
//        node tiktoken_ids.js cases IN OUT   IN: records (u32 LE byte length, UTF-8 bytes)
//                                            OUT: records (u32 LE count, u32 LE ids)
// Special token strings are encoded as ordinary text (allowed = [], disallowed = []),
// except in "cases" records whose first byte is 0x01 (then "all" are allowed;
// the flag byte is not part of the text).
'use strict';
const fs = require('fs');
const path = require('path');
const { get_encoding } = require(path.join(__dirname, '../../build/npm/node_modules/tiktoken'));
const [mode, inPath, outPath] = process.argv.slice(2);
const enc = get_encoding('gpt2');
const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function u32(ids) {
  const b = Buffer.alloc(ids.length * 4);
  for (let i = 0; i < ids.length; i++) b.writeUInt32LE(ids[i], i * 4);
  return b;
}
const data = fs.readFileSync(inPath);
if (mode === 'file') {
  const t0 = Date.now();
  const ids = enc.encode(dec.decode(data), [], []);
  const secs = (Date.now() - t0) / 1000;
  fs.writeFileSync(outPath, u32(ids));
  console.error(`tiktoken: ${ids.length} ids, ${(data.length / 1e6 / secs).toFixed(2)} MB/s`);
} else if (mode === 'cases') {
  const out = [];
  let pos = 0;
  while (pos < data.length) {
    const n = data.readUInt32LE(pos); pos += 4;
    let bytes = data.subarray(pos, pos + n); pos += n;
    let special = false;
    if (bytes.length && bytes[0] === 1) { special = true; bytes = bytes.subarray(1); }
    const ids = special ? enc.encode(dec.decode(bytes), 'all', []) : enc.encode(dec.decode(bytes), [], []);
    const hdr = Buffer.alloc(4); hdr.writeUInt32LE(ids.length, 0);
    out.push(hdr, u32(ids));
  }
  fs.writeFileSync(outPath, Buffer.concat(out));
} else {
  console.error('usage: node tiktoken_ids.js file|cases IN OUT');
  process.exit(2);
}
enc.free();
