import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAttribute } from './attributes.js';

describe('formatAttribute', () => {
  it('shows a probability table as its three likeliest entries, best first', () => {
    assert.equal(
      formatAttribute('genre', { blues: 0.2757, classical: 0.0071, rock: 0.41, jazz: 0.3 }),
      'rock 0.41 · jazz 0.30 · blues 0.28',
    );
  });
  it('names the tonic probabilities by pitch class', () => {
    const p = Array.from({ length: 12 }, () => 0.01);
    p[9] = 0.5;
    p[0] = 0.2;
    p[4] = 0.1;
    assert.equal(formatAttribute('tonic', p), 'A 0.50 · C 0.20 · E 0.10');
  });
  it('rounds numbers, tempo in BPM, and keeps lists and text', () => {
    assert.equal(formatAttribute('tempo', 119.88134442829471), '120 BPM');
    assert.equal(formatAttribute('swing', 0.02842708403015958), '0.03');
    assert.equal(formatAttribute('noteRate', 9.168491919802708), '9.17');
    assert.equal(formatAttribute('instruments', ['piano', 'bass']), 'piano, bass');
    assert.equal(formatAttribute('mood', 'calm'), 'calm');
    assert.equal(formatAttribute('x', { a: 'b' }), '{"a":"b"}');
  });
});
