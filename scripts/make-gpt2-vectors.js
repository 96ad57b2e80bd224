// Writes GPT-2 reference token ids as JSON to stdout; run through scripts/make-gpt2-vectors.
// usage: node make-gpt2-vectors.js <gpt-3-encoder package dir> <gpt2 data dir>
'use strict';
const fs = require('fs');
const path = require('path');

const [pkgDir, dataDir] = process.argv.slice(2);
if (!pkgDir || !dataDir) {
  console.error('usage: node make-gpt2-vectors.js <gpt-3-encoder package dir> <gpt2 data dir>');
  process.exit(2);
}

// The ids are only a reference for our files if the encoder uses the same vocabulary.
const pkgVocab = JSON.parse(fs.readFileSync(path.join(pkgDir, 'encoder.json'), 'utf8'));
const ourVocab = JSON.parse(fs.readFileSync(path.join(dataDir, 'vocab.json'), 'utf8'));
const pkgKeys = Object.keys(pkgVocab);
if (pkgKeys.length !== Object.keys(ourVocab).length || pkgKeys.some(k => pkgVocab[k] !== ourVocab[k])) {
  console.error('encoder.json differs from ' + dataDir + '/vocab.json; the ids would not apply');
  process.exit(1);
}
if (!fs.readFileSync(path.join(pkgDir, 'vocab.bpe')).equals(fs.readFileSync(path.join(dataDir, 'merges.txt')))) {
  console.error('vocab.bpe differs from ' + dataDir + '/merges.txt; the ids would not apply');
  process.exit(1);
}
const { encode, decode } = require(path.resolve(pkgDir, 'Encoder.js'));

const samples = [
  // ASCII prose and punctuation
  'Hello world',
  'Hello, world! How are you today?',
  'The quick brown fox jumps over the lazy dog.',
  '!!!??? ... --- *** ((())) [x] {y} <z>',
  'Supercalifragilisticexpialidocious antidisestablishmentarianism',
  'a'.repeat(90),
  // contractions (GPT-2's regex only knows the lower-case ones)
  "I'm sure it's fine, they've said we'll see what you'd do and they're right.",
  "DON'T SHOUT. I'M HERE. We'Ll see.",
  "rock 'n' roll, 'quoted' text, ''double'' quotes, 's's 'S ' s",
  // numbers
  '12345 67890 3.14159 -42 1,000,000 2023-10-01 0x1F a1b2c3',
  'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?',
  'Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72',
  '½ ² ³ ① Ⅻ ٣٤٥ ௫',
  // whitespace
  'two  spaces   three    four     five',
  '   leading spaces and trailing   ',
  'line one\nline two\n\nline four\r\nwindows line',
  '\ttab\tseparated\tvalues\t',
  'mixed \t \n whitespace \n\n\t  end',
  '',
  ' ',
  '\n\n\n',
  '  \n  ',
  'no\u00a0break\u00a0space',
  // accented letters and other scripts
  'café naïve résumé façade Zürich São Paulo',
  'Ünïcödé ÀÉÎÕÜ straße ßẞ ÆØÅ æøå',
  'Ελληνικά κείμενο και Русский текст',
  '中文文本测试，这是一个句子。',
  '日本語のテキスト、ひらがなとカタカナ。',
  '한국어 문장입니다.',
  'mixed: English, العربية, עברית, हिन्दी, ไทย',
  // emoji (multi-codepoint sequences included)
  'emoji 😀😃😄 👍🏽 🇫🇷 👨‍👩‍👧‍👦 ❤️',
  // code, URLs, control characters
  'def f(x):\n    return x**2 + 1  # comment\n',
  'if (a != b && c >= d) { return {"key": [1, 2, 3]}; }',
  'https://example.com/path?query=1&x=y#frag user@mail.org',
  '<|endoftext|> is literal text here',
  'nul\u0000soh\u0001del\u007fbell\u0007',
];

// Seeded random strings (mulberry32), drawn from blocks whose Unicode properties have been
// stable for many versions, so node's ICU and PCRE2 agree on \p{L}, \p{N} and \s.
function mulberry32(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const blocks = [
  [0x20, 0x7e], [0x20, 0x20], [0x0a, 0x0a], [0x09, 0x09], [0x30, 0x39], [0x27, 0x27],
  [0xc0, 0xd6], [0xd8, 0xf6], [0x391, 0x3a1], [0x3b1, 0x3c9], [0x410, 0x44f], [0x621, 0x63a],
  [0x3041, 0x3093], [0x30a1, 0x30f6], [0x4e00, 0x9fa5], [0xac00, 0xd7a3], [0x1f600, 0x1f64f],
];
const random = mulberry32(20240601);
for (let s = 0; s < 30; ++s) {
  const length = 1 + Math.floor(random() * 40);
  let text = '';
  for (let i = 0; i < length; ++i) {
    const [lo, hi] = blocks[Math.floor(random() * blocks.length)];
    text += String.fromCodePoint(lo + Math.floor(random() * (hi - lo + 1)));
  }
  samples.push(text);
}

const records = samples.map(text => {
  const ids = encode(text);
  if (decode(ids) !== text) {
    console.error('reference encoder does not round-trip ' + JSON.stringify(text));
    process.exit(1);
  }
  return { text, ids };
});
// One record per line keeps the fixture readable and its diffs small.
const header = JSON.stringify('scripts/make-gpt2-vectors with npm gpt-3-encoder@1.1.4 on node ' + process.version);
process.stdout.write('{"generated_by": ' + header + ',\n "records": [\n' +
  records.map(r => '  ' + JSON.stringify(r)).join(',\n') + '\n ]\n}\n');
