/**
 * Dependency direction, as docs/ARCHITECTURE.md draws it:
 *
 *   cli → pipeline → analyses (decode, encode, evaluate, retrieve, generate, report)
 *       → engine (embed, fmri, synth) → formats and solvers (ridge, audio, io)
 *       → linalg → util
 *
 * A module may import its own folder and any lower layer, never a higher one. Inside
 * a layer only the listed edges are allowed (synth builds on fmri, embed and audio;
 * audio and ridge read files through io; the analyses may use each other). Tests,
 * src/testing/ and bench/ may import anything; library code never imports them.
 *
 *   npx depcruise src --config .dependency-cruiser.cjs
 */
const LAYERS = [
  ['util', 'version.ts'],
  ['linalg'],
  ['io', 'audio', 'ridge'],
  ['fmri', 'embed', 'synth'],
  ['decode', 'encode', 'evaluate', 'retrieve', 'generate', 'report', 'metrics'],
  ['pipeline'],
  ['cli'],
];

/** Allowed imports between folders of one layer: from → to. */
const PEERS = {
  audio: ['io'],
  ridge: ['io'],
  synth: ['fmri', 'embed'],
  decode: ['encode', 'evaluate', 'retrieve', 'generate', 'report', 'metrics'],
  encode: ['decode', 'evaluate', 'retrieve', 'generate', 'report', 'metrics'],
  evaluate: ['decode', 'encode', 'retrieve', 'generate', 'report', 'metrics'],
  retrieve: ['decode', 'encode', 'evaluate', 'generate', 'report', 'metrics'],
  generate: ['decode', 'encode', 'evaluate', 'retrieve', 'report', 'metrics'],
  report: ['decode', 'encode', 'evaluate', 'retrieve', 'generate', 'metrics'],
  metrics: ['evaluate'],
};

const esc = (s) => s.replace(/[.]/g, '\\.');
const path = (name) => (name.endsWith('.ts') ? `^src/${esc(name)}$` : `^src/${name}/`);
// Test code: tests, and the helper modules only tests import.
const NOT_TEST = '(\\.test\\.ts|/test-helpers\\.ts|/test-fixtures\\.ts|/nifti/testing\\.ts)$';

const rules = [];
LAYERS.forEach((layer, rank) => {
  const higher = LAYERS.slice(rank + 1).flat();
  for (const name of layer) {
    const peers = layer.filter((p) => p !== name && !(PEERS[name] ?? []).includes(p));
    const banned = [...higher, ...peers];
    if (banned.length === 0) continue;
    rules.push({
      name: `layer-${name.replace(/\.ts$/, '')}`,
      comment: `src/${name} may not import ${banned.join(', ')} (see docs/ARCHITECTURE.md)`,
      severity: 'error',
      from: { path: path(name), pathNot: NOT_TEST },
      to: { path: banned.map(path) },
    });
  }
});

rules.push(
  {
    name: 'index-not-cli',
    comment: 'the library face (src/index.ts) never imports the command line',
    severity: 'error',
    from: { path: '^src/index\\.ts$' },
    to: { path: '^src/cli/' },
  },
  {
    name: 'no-test-code-in-library',
    comment: 'library code never imports tests, src/testing/ or bench/',
    severity: 'error',
    from: { path: '^src/', pathNot: [NOT_TEST, '^src/testing/'] },
    to: { path: [NOT_TEST, '^src/testing/', '^bench/'] },
  },
  {
    name: 'no-circular',
    comment: 'a cycle means two modules are really one, or one belongs lower',
    severity: 'error',
    from: { path: '^src/', pathNot: NOT_TEST },
    to: { circular: true },
  },
);

module.exports = {
  forbidden: rules,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
    // Every src file, so a module nobody imports is still checked.
    includeOnly: '^src/',
  },
};
