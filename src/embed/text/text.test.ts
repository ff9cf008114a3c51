import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Matrix } from '../../linalg/matrix.js';
import { Standardizer } from '../standardize.js';
import { TfidfSvdEmbedder, tfidfMatrix, tokenize } from './tfidf.js';

const FIX = new URL('../../../test/fixtures/embed/', import.meta.url);
const tf = JSON.parse(readFileSync(new URL('tfidf.json', FIX), 'utf8'));

test('tfidf vocabulary, idf and matrix match scikit-learn TfidfVectorizer', async () => {
  const emb = await TfidfSvdEmbedder.fit(tf.docs, { dim: tf.k });
  assert.deepEqual(emb.state.vocabulary, tf.vocabulary);
  emb.state.idf.forEach((v, i) => {
    assert.ok(Math.abs(v - tf.idf[i]) < 1e-12, `idf ${i}`);
  });
  const index = new Map<string, number>(tf.vocabulary.map((w: string, i: number) => [w, i]));
  const X = tfidfMatrix(tf.docs, index, emb.state.idf);
  let maxErr = 0;
  tf.tfidf.forEach((row: number[], i: number) => {
    row.forEach((v, j) => {
      maxErr = Math.max(maxErr, Math.abs(v - X.get(i, j)));
    });
  });
  assert.ok(maxErr < 1e-12, `max tfidf error ${maxErr}`);
});

test('tfidf + SVD embeddings match scikit-learn TruncatedSVD up to component sign', async () => {
  const emb = await TfidfSvdEmbedder.fit(tf.docs, { dim: tf.k });
  assert.equal(emb.dim, tf.k);
  emb.state.singularValues.forEach((s, k) => {
    assert.ok(Math.abs(s - tf.singular_values[k]) < 1e-6, `sv ${k}`);
  });
  const Z = await emb.embed(tf.docs);
  for (let k = 0; k < tf.k; k++) {
    // The sign of a singular vector is arbitrary; compare after aligning it.
    let dot = 0;
    for (let i = 0; i < Z.rows; i++) dot += Z.get(i, k) * tf.transformed[i][k];
    const sign = dot < 0 ? -1 : 1;
    for (let i = 0; i < Z.rows; i++) {
      assert.ok(Math.abs(Z.get(i, k) - sign * tf.transformed[i][k]) < 1e-5, `doc ${i} comp ${k}`);
    }
  }
});

test('tfidf embedder: unseen words are ignored, empty text embeds to zeros, state round-trips', async () => {
  const emb = await TfidfSvdEmbedder.fit(tf.docs, { dim: 3 });
  const Z = await emb.embed(['zzz qqq', '']);
  assert.deepEqual(Array.from(Z.data), [0, 0, 0, 0, 0, 0]);
  const again = new TfidfSvdEmbedder(JSON.parse(JSON.stringify(emb.toJSON())));
  assert.deepEqual(await again.embed(tf.docs.slice(0, 2)), await emb.embed(tf.docs.slice(0, 2)));
  assert.equal(again.fingerprint, emb.fingerprint);
  assert.deepEqual(tokenize("Rock'n'Roll, a b 12"), ['rock', 'roll', '12']);
  await assert.rejects(TfidfSvdEmbedder.fit(['a', '!']), /no words/);
});

test('standardiser fitted on training rows matches scikit-learn StandardScaler', () => {
  const st = JSON.parse(readFileSync(new URL('standardize.json', FIX), 'utf8'));
  const X = Matrix.fromRows(st.X as number[][]);
  const s = Standardizer.fit(X, st.train);
  s.state.mean.forEach((v, j) => {
    assert.ok(Math.abs(v - st.mean[j]) < 1e-9 * Math.max(1, Math.abs(v)));
  });
  s.state.scale.forEach((v, j) => {
    assert.ok(Math.abs(v - st.scale[j]) < 1e-9 * Math.max(1, v));
  });
  const Z = s.transform(X);
  (st.transformed as number[][]).forEach((row, i) => {
    row.forEach((v, j) => {
      assert.ok(Math.abs(v - Z.get(i, j)) < 1e-4, `(${i}, ${j})`);
    });
  });
  assert.throws(() => Standardizer.fit(X, []), /zero training rows/);
  assert.throws(() => s.transform(Matrix.zeros(1, 2)), /fitted on 6 columns/);
});
