/** The listening test's statistics against scipy, and its input validation. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type Answer,
  AnswerInputSchema,
  binomPmf,
  binomTestTwoSided,
  summariseAnswers,
} from './listening.js';

const CASES = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../test/fixtures/report/binomtest.json', import.meta.url)), 'utf8'),
) as Array<{ k: number; n: number; p: number; pvalue: number }>;

const ok = {
  rater: 'Ana M.',
  subject: 'sub-001',
  clip: 'blues.00012',
  a: { kind: 'brain', audio: 'audio/generated/sub-001/composer/blues.00012.mp3' },
  b: { kind: 'shuffled', audio: 'audio/generated/sub-001/composer/jazz.00004.mp3' },
  choice: 'a',
};

describe('listening test', () => {
  it('binomial test matches scipy.stats.binomtest (two-sided)', () => {
    for (const c of CASES) {
      const p = binomTestTwoSided(c.k, c.n, c.p);
      assert.ok(
        Math.abs(p - c.pvalue) <= 1e-9 + 1e-9 * c.pvalue,
        `${c.k}/${c.n} p=${c.p}: ${p} vs ${c.pvalue}`,
      );
    }
  });

  it('pmf sums to one', () => {
    let s = 0;
    for (let k = 0; k <= 50; k++) s += binomPmf(k, 50, 0.3);
    assert.ok(Math.abs(s - 1) < 1e-12);
  });

  it('pools both presentation orders of a comparison', () => {
    const answers: Answer[] = [];
    for (let i = 0; i < 10; i++) {
      const flip = i % 2 === 1;
      answers.push({
        ...(ok as Omit<Answer, 'time'>),
        a: flip ? ok.b : ok.a,
        b: flip ? ok.a : ok.b,
        choice: (i < 8 ? (flip ? 'b' : 'a') : flip ? 'a' : 'b') as 'a' | 'b',
        rater: i < 5 ? 'x' : 'y',
        time: '2026-01-01T00:00:00Z',
      });
    }
    const [s] = summariseAnswers(answers);
    assert.equal(s?.comparison, 'brain vs shuffled');
    assert.equal(s?.n, 10);
    assert.equal(s?.firstChosen, 8);
    assert.equal(s?.raters, 2);
    assert.equal(s?.p, binomTestTwoSided(8, 10));
  });

  it('accepts a well-formed answer and refuses bad fields', () => {
    assert.ok(AnswerInputSchema.safeParse(ok).success);
    const bad: Array<[string, unknown]> = [
      ['rater', ''],
      ['rater', '<script>'],
      ['rater', 'x'.repeat(65)],
      ['subject', '../sub-001'],
      ['clip', 'blues/00012'],
      ['choice', 'c'],
      ['a', { kind: 'brain', audio: '../../etc/passwd.mp3' }],
      ['a', { kind: 'brain', audio: 'audio/../../x.mp3' }],
      ['a', { kind: 'brain', audio: '/etc/x.mp3' }],
      ['b', { kind: 'brain', audio: 'audio/x.wav' }],
      ['extra', 1],
    ];
    for (const [k, v] of bad)
      assert.equal(
        AnswerInputSchema.safeParse({ ...ok, [k]: v }).success,
        false,
        `${k}=${JSON.stringify(v)}`,
      );
  });
});
